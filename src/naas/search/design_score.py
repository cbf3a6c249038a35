"""A scored design (per network its energy, latency and every layer's best mapping) and its
plain-data form (for checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.io import accelerator_from_dict, accelerator_to_dict
from naas.arch.spec import Accelerator
from naas.mapping.io import mapping_from_dict, mapping_to_dict
from naas.mapping.mapping import Mapping
from naas.search.objective import network_objective


@dataclass(frozen=True)
class DesignScore:
    """A design with, per network, its energy, latency and every layer's best mapping."""

    design: Accelerator
    energy_pj: dict[str, float]
    latency_cycles: dict[str, float]
    mappings: dict[str, dict[str, Mapping]]
    fitness: float
    evaluations: int
    #: the random stream its mapping searches ran on (``score_pairs``), so that they can be run
    #: on further (``arch_search.remap``); None where not known (older checkpoints)
    seed: tuple[int, ...] | None = None

    def network_value(self, network: str, objective: str = "edp") -> float:
        return network_objective(objective, self.energy_pj[network], self.latency_cycles[network])


def score_to_dict(score: DesignScore) -> dict:
    return {
        "design": accelerator_to_dict(score.design),
        "energy_pj": score.energy_pj,
        "latency_cycles": score.latency_cycles,
        "mappings": {net: {layer: mapping_to_dict(m) for layer, m in per.items()}
                     for net, per in score.mappings.items()},
        "fitness": score.fitness,
        "evaluations": score.evaluations,
        **({} if score.seed is None else {"seed": list(score.seed)}),
    }


def score_from_dict(data: dict) -> DesignScore:
    return DesignScore(
        design=accelerator_from_dict(data["design"]),
        energy_pj=dict(data["energy_pj"]),
        latency_cycles=dict(data["latency_cycles"]),
        mappings={net: {layer: mapping_from_dict(m, f"checkpoint {layer}") for layer, m in per.items()}
                  for net, per in data["mappings"].items()},
        fitness=float(data["fitness"]),
        evaluations=int(data["evaluations"]),
        seed=tuple(int(x) for x in data["seed"]) if "seed" in data else None,
    )

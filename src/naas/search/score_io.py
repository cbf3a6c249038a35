"""DesignScore to and from plain data (for checkpoints)."""

from __future__ import annotations

from naas.arch.io import accelerator_from_dict, accelerator_to_dict
from naas.mapping.io import mapping_from_dict, mapping_to_dict
from naas.search.arch_search import DesignScore


def score_to_dict(score: DesignScore) -> dict:
    return {
        "design": accelerator_to_dict(score.design),
        "energy_pj": score.energy_pj,
        "latency_cycles": score.latency_cycles,
        "mappings": {net: {layer: mapping_to_dict(m) for layer, m in per.items()}
                     for net, per in score.mappings.items()},
        "fitness": score.fitness,
        "evaluations": score.evaluations,
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
    )

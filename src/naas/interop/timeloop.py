"""Write a design and its per-layer mappings as Timeloop inputs: ``arch.yaml``, per layer a
``.problem.yaml`` and a ``.mapping.yaml``, and (with naas's prices) ``ERT.yaml`` and
``ART.yaml``. ``timeloop-model arch.yaml L.problem.yaml L.mapping.yaml ERT.yaml ART.yaml``
runs one layer.

A padded mapping (factors whose product exceeds a dim, as the searches find) is exported on
the padded problem: naas charges the padded iterations (their MACs, tiles and transfers), so
Timeloop prices the same work; Timeloop itself refuses factors that do not multiply to the
problem's size. The problem file says which dims were padded."""

from __future__ import annotations

from pathlib import Path

import yaml

from naas.arch.spec import Accelerator
from naas.errors import NaasError
from naas.files import write_text_atomic
from naas.interop import timeloop_v3, timeloop_v4
from naas.interop.timeloop_nest import directives, needs_split_fanout, padded_dims, padding_note, problem_geometry
from naas.interop.timeloop_tables import area_reference_table, energy_reference_table
from naas.mapping.mapping import Mapping
from naas.workload.network import Network

FORMATS = {"0.4": timeloop_v4, "0.3": timeloop_v3}
TABLES = ("naas", "accelergy")


def _dump(data, version: str) -> str:
    dumper = timeloop_v4.Dumper if version == "0.4" else yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=110)


def safe_name(layer_name: str) -> str:
    return layer_name.replace("/", "_").replace(" ", "_")


def export_timeloop(design: Accelerator, network: Network, mappings: dict[str, Mapping], out: str | Path,
                    version: str = "0.4", tables: str = "naas",
                    split_fanout: bool | None = None) -> tuple[list[Path], list[str]]:
    """Write the files; returns their paths and notes (one per padded layer, one if the fanout
    is split: ``naas.interop.timeloop_nest``). ``tables``: "naas"
    writes naas's energy and area tables (ERT.yaml, ART.yaml), "accelergy" none, so Timeloop
    asks Accelergy for its own. ``split_fanout`` None splits the array's fanout only where a
    layer needs it; True always (Timeloop then reads overlapping input windows per PE, as
    naas's ``input_multicast: per_pe`` counts)."""
    if version not in FORMATS:
        raise NaasError(f"export: unknown Timeloop format {version!r}; use one of {', '.join(FORMATS)}")
    if tables not in TABLES:
        raise NaasError(f"export --tables: unknown {tables!r}; use one of {', '.join(TABLES)}")
    fmt = FORMATS[version]
    out = Path(out)
    split = split_fanout or any(needs_split_fanout(design, mappings[nl.layer.name]) for nl in network.layers)
    nests = {nl.layer.name: directives(nl.layer, design, mappings[nl.layer.name], split) for nl in network.layers}
    naas_tables = tables == "naas"
    written = [out / "arch.yaml"]
    write_text_atomic(written[0], _dump(fmt.architecture(design, naas_tables, split), version))
    if naas_tables:
        written += [out / "ERT.yaml", out / "ART.yaml"]
        write_text_atomic(written[-2], _dump(energy_reference_table(design, split), "0.3"))
        write_text_atomic(written[-1], _dump(area_reference_table(design, split), "0.3"))
    notes = []
    if split and not split_fanout:
        notes.append("some layer unrolls a dim along both mesh directions, so the array fans out in two steps "
                     "(global buffer -> pe_column -> PE); Timeloop counts multicast per step")
    for nl in network.layers:
        layer, mapping = nl.layer, mappings[nl.layer.name]
        padding = padding_note(layer, design, mapping)
        header = ""
        if padding:
            header = (f"# padded problem: {padding} (the mapping's factors over the layer's sizes; naas charges "
                      "the padded iterations, so Timeloop prices the same work)\n")
            notes.append(f"{layer.name}: exported on the padded problem ({padding})")
        geometry = problem_geometry(layer)
        base = out / safe_name(layer.name)
        problem_path, mapping_path = Path(f"{base}.problem.yaml"), Path(f"{base}.mapping.yaml")
        write_text_atomic(problem_path, header + _dump(fmt.problem(padded_dims(layer, design, mapping), geometry),
                                                       version))
        write_text_atomic(mapping_path, _dump(fmt.mapping(design, nests[layer.name], split), version))
        written += [problem_path, mapping_path]
    return written, notes

"""Timeloop v0.4 input files (current Timeloop's front end, timeloopfe): a ``nodes`` list of
``!Container`` / ``!Component`` tagged entries with the PE array as a container with
``spatial: {meshX, meshY}`` (or two, columns along meshX and PEs along meshY, where the fanout
is split), underscored keys, and ``dataspace`` mapping directives."""

from __future__ import annotations

import yaml

from naas.arch.spec import Accelerator
from naas.interop import timeloop_nest
from naas.interop.timeloop_nest import (
    COLUMN,
    DATASPACES,
    Directive,
    StorageLevel,
    container_name,
    mesh,
    storage_attributes,
    storage_levels,
)
from naas.workload.dims import DIMS


class Tagged(dict):
    """A mapping written with a YAML tag (``!Container``, ``!Component``)."""

    def __init__(self, tag: str, **fields):
        super().__init__(**fields)
        self.tag = tag


class Quoted(str):
    """A string timeloopfe reads as a string, not as an expression to evaluate."""


class Dumper(yaml.SafeDumper):
    pass


Dumper.add_representer(Tagged, lambda d, node: d.represent_mapping(f"!{node.tag}", dict(node)))
Dumper.add_representer(Quoted, lambda d, text: d.represent_scalar("tag:yaml.org,2002:str", text, style='"'))


def _component(design: Accelerator, level: StorageLevel, naas_tables: bool) -> Tagged:
    attrs = storage_attributes(design, level, naas_tables, ("block_size", "datawidth", "addr_gen_energy"), Quoted)
    return Tagged("Component", name=level.name, **{"class": level.component_class}, attributes=attrs,
                  constraints={"dataspace": {"keep": list(level.keeps),
                                             "bypass": [s for s in DATASPACES if s not in level.keeps]}})


def architecture(design: Accelerator, naas_tables: bool, split_fanout: bool) -> dict:
    levels = storage_levels(design, split_fanout)
    mesh_x, mesh_y = mesh(design)
    nodes = [Tagged("Container", name="system"), _component(design, levels[0], naas_tables),
             Tagged("Container", name=container_name(design), attributes={"technology": Quoted("45nm")})]
    nodes += [_component(design, lv, naas_tables) for lv in levels[1:] if lv.placement == "chip"]
    if split_fanout:
        nodes.append(Tagged("Container", name=COLUMN, spatial={"meshX": mesh_x}))
        nodes.append(Tagged("Container", name="PE", spatial={"meshY": mesh_y}))
    else:
        nodes.append(Tagged("Container", name="PE", spatial={"meshX": mesh_x, "meshY": mesh_y}))
    nodes += [_component(design, lv, naas_tables) for lv in levels if lv.placement == "pe"]
    nodes.append(Tagged("Component", name="mac", **{"class": "intmac"},
                        attributes={"datawidth": design.word_bits, "width": design.word_bits}))
    return {"architecture": {"version": 0.4, "nodes": nodes}}


def problem(dims: tuple[int, ...], geometry: tuple[int, int, int, int]) -> dict:
    return {"problem": {"version": 0.4, **timeloop_nest.problem(dims, geometry, hyphenated=False)}}


def mapping(design: Accelerator, nest: tuple[Directive, ...], split_fanout: bool) -> dict:
    entries = []
    for d in nest:
        if d.target == COLUMN and d.kind == "temporal":
            continue  # v0.4's column is a container, with no loops of its own
        # v0.4 puts spatial factors on the container that fans out, not on the buffer above it
        target = d.target
        if d.kind == "spatial":
            target = "PE" if d.target == COLUMN or not split_fanout else COLUMN
        entry = {"target": target, "type": d.kind, "factors": [f"{n}={v}" for n, v in zip(DIMS, d.factors)],
                 "permutation": list(d.permutation)}
        if d.split is not None:
            entry["split"] = d.split
        entries.append(entry)
    for lv in storage_levels(design, split_fanout):
        if lv.placement == "column":
            continue
        entries.append({"target": lv.name, "type": "dataspace", "keep": list(lv.keeps),
                        "bypass": [s for s in DATASPACES if s not in lv.keeps]})
    return {"mapping": entries}

"""Timeloop v3 / Accelergy 0.3 input files (the v0.3 format most published exercises use): a
``subtree``/``local`` architecture with ``PE[0..N-1]`` and ``meshX`` on every per-PE
component, hyphenated keys (``word-bits``, ``block-size``, ``data-spaces``, ``read-write``),
and ``bypass`` mapping directives."""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.interop import timeloop_nest
from naas.interop.timeloop_nest import (
    DATASPACES,
    Directive,
    StorageLevel,
    container_name,
    factor_text,
    mesh,
    storage_attributes,
    storage_levels,
)


def _attributes(design: Accelerator, level: StorageLevel, naas_tables: bool) -> dict:
    attrs = storage_attributes(design, level, naas_tables, ("block-size", "word-bits", "addr-gen-energy"),
                               hyphenated=True)
    if level.placement != "chip":
        attrs["meshX"] = mesh(design)[0]
    return attrs


def architecture(design: Accelerator, naas_tables: bool, split_fanout: bool) -> dict:
    levels = storage_levels(design, split_fanout)
    component = {lv.name: {"name": lv.name, "class": lv.component_class,
                           "attributes": _attributes(design, lv, naas_tables)} for lv in levels}
    mac = {"name": "mac", "class": "intmac", "attributes": {"datawidth": design.word_bits,
                                                             "meshX": mesh(design)[0]}}
    for lv in levels:
        if lv.placement == "column":
            component[lv.name]["name"] = f"{lv.name}[0..{mesh(design)[0] - 1}]"
    pe = {"name": f"PE[0..{design.num_pes - 1}]",
          "local": [component[lv.name] for lv in levels if lv.placement == "pe"] + [mac]}
    chip = {"name": container_name(design), "attributes": {"technology": "45nm"},
            "local": [component[lv.name] for lv in levels[1:] if lv.placement != "pe"], "subtree": [pe]}
    system = {"name": "system", "local": [component["DRAM"]], "subtree": [chip]}
    return {"architecture": {"version": 0.3, "subtree": [system]}}


def problem(dims: tuple[int, ...], geometry: tuple[int, int, int, int]) -> dict:
    return {"problem": timeloop_nest.problem(dims, geometry, hyphenated=True)}


def mapping(design: Accelerator, nest: tuple[Directive, ...], split_fanout: bool) -> dict:
    entries = []
    for d in nest:
        entry = {"target": d.target, "type": d.kind, "factors": factor_text(d.factors), "permutation": d.permutation}
        if d.split is not None:
            entry["split"] = d.split
        entries.append(entry)
    for lv in storage_levels(design, split_fanout):
        entries.append({"target": lv.name, "type": "bypass", "keep": list(lv.keeps),
                        "bypass": [s for s in DATASPACES if s not in lv.keeps]})
    return {"mapping": entries}

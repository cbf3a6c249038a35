"""A design's energy and area reference tables (Accelergy's ERT and ART, format 0.3) with
naas's own prices, so that Timeloop prices a design as naas does and a difference between the
two is a difference of model, not of price.

Every storage level has block size 1 (one word per access), so an action's energy is per
word: read, write (Timeloop also charges fills and partial-sum updates as writes). The MAC's
is per multiply-accumulate. The on-chip network is not in the tables: Timeloop's network
energy then stays 0, and comparisons leave out naas's network energy (docs/validation.md)."""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost.energy import energy_table
from naas.interop.timeloop_nest import COLUMN, DATASPACES, container_name, mesh, storage_levels

OPERAND = {space: i for i, space in enumerate(DATASPACES)}


def component_names(design: Accelerator, split_fanout: bool) -> dict[str, str]:
    """Each component's hierarchical name (Timeloop matches a table entry by its last part)."""
    top = f"system.{container_name(design)}"
    where = {"chip": top, "column": f"{top}.{COLUMN}[0..{mesh(design)[0] - 1}]",
             "pe": f"{top}.PE[0..{design.num_pes - 1}]"}
    names = {"DRAM": "system.DRAM"}
    for level in storage_levels(design, split_fanout)[1:]:
        names[level.name] = f"{where[level.placement]}.{level.name}" if level.placement != "column" \
            else where["column"]
    names["mac"] = f"{where['pe']}.mac"
    return names


def _access_energies_pj(design: Accelerator, split_fanout: bool) -> dict[str, float]:
    energies = energy_table(design)
    out = {"DRAM": energies.dram_pj}
    for level in storage_levels(design, split_fanout)[1:]:
        if level.keeps:  # the column level keeps nothing and is never accessed
            op = OPERAND[level.keeps[0]]
            out[level.name] = energies.l1_pj[op] if level.placement == "pe" else energies.l2_pj[op]
        else:
            out[level.name] = 0.0
    return out


def energy_reference_table(design: Accelerator, split_fanout: bool = False) -> dict:
    """The ERT: pJ per action of every component."""
    names = component_names(design, split_fanout)
    tables = []
    for level, pj in _access_energies_pj(design, split_fanout).items():
        tables.append({"name": names[level], "actions": [
            {"name": "read", "arguments": None, "energy": pj},
            {"name": "write", "arguments": None, "energy": pj},
            {"name": "idle", "arguments": None, "energy": 0.0}]})
    mac_pj = energy_table(design).mac_pj
    tables.append({"name": names["mac"], "actions": [
        {"name": "mac_random", "arguments": None, "energy": mac_pj},
        {"name": "mac_gated", "arguments": None, "energy": 0.0},
        {"name": "idle", "arguments": None, "energy": 0.0}]})
    return {"ERT": {"version": 0.3, "tables": tables}}


def area_reference_table(design: Accelerator, split_fanout: bool = False) -> dict:
    """The ART: um^2 of one instance of every component; a PE's MAC and control carry the
    technology's area per PE, every buffer its SRAM area (DRAM and the column level none)."""
    tech = design.technology
    names = component_names(design, split_fanout)
    word = design.word_bytes
    tables = [{"name": names["DRAM"], "area": 0.0}]
    for level in storage_levels(design, split_fanout)[1:]:
        area = tech.sram_area_um2(level.depth_words * word) if level.keeps else 0.0
        tables.append({"name": names[level.name], "area": area})
    tables.append({"name": names["mac"], "area": tech.pe_area_um2})
    return {"ART": {"version": 0.3, "tables": tables}}

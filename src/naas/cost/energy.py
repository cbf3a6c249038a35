"""Per-access energies of one accelerator, looked up once from its technology table."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.spec import Accelerator


@dataclass(frozen=True)
class EnergyTable:
    """pJ per MAC and per word access; l1_pj and l2_pj per operand (W, I, O). ``noc_pj`` is the
    flat network's energy per delivered word; the mesh's are ``hop_pj`` (one word over one PE
    pitch of wire) and ``add_pj`` (one partial-sum add in a spatial reduction)."""

    mac_pj: float
    l1_pj: tuple[float, float, float]
    l2_pj: tuple[float, float, float]
    noc_pj: float
    dram_pj: float
    hop_pj: float
    add_pj: float


def energy_table(arch: Accelerator) -> EnergyTable:
    """Technology energies scaled from the table's 16-bit words to the design's word width."""
    tech = arch.technology
    scale = arch.word_bits / 16.0
    l1 = tuple(scale * tech.sram_energy_pj(b) for b in arch.l1_bytes.as_tuple())
    if arch.l2_partition is None:
        l2 = (scale * tech.sram_energy_pj(arch.l2_bytes),) * 3
    else:
        l2 = tuple(scale * tech.sram_energy_pj(b) for b in arch.l2_partition.as_tuple())
    return EnergyTable(
        mac_pj=tech.mac_energy_pj * scale * scale,
        l1_pj=l1,  # type: ignore[arg-type]
        l2_pj=l2,  # type: ignore[arg-type]
        noc_pj=tech.noc_energy_pj_per_word * scale,
        dram_pj=tech.dram_energy_pj_per_word * scale,
        hop_pj=tech.wire_energy_pj_per_bit_mm * arch.word_bits * arch.pe_pitch_mm,
        add_pj=tech.adder_energy_pj * scale,
    )

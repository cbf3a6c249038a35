"""Technology tables: energy per MAC, per buffer access (as a function of size), per NoC
transfer, per DRAM word, and area per PE and per KB. Default figures cite their sources."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from naas.errors import field_error
from naas.specfields import Spec, check_declared


def _energy(doc: str, free_allowed: bool = False) -> Spec:
    return Spec("number", doc, "pJ", 0, 1e6, low_open=not free_allowed)


_POINT_SIZE = Spec("number", "an SRAM size", "B", 0, 2**40, low_open=True)


@dataclass(frozen=True)
class Technology:
    """Energies in pJ per 16-bit word (or per MAC) and areas in um^2.

    ``sram_energy_points`` are (size_bytes, pJ per word access) pairs; between points the
    energy is interpolated linearly in log(size)-log(energy), and beyond the ends extrapolated
    along the nearest segment, so a larger buffer always costs more per access.
    """

    name: str = Spec("text", "the table's name").field()
    mac_energy_pj: float = _energy("one multiply-accumulate").field()
    sram_energy_points: tuple[tuple[float, float], ...] = Spec(
        "structured", "(size_bytes, pJ per word access) pairs, sizes increasing, at least two").field()
    noc_energy_pj_per_word: float = _energy("one word delivered over the flat network", True).field()
    dram_energy_pj_per_word: float = _energy("one word read from or written to DRAM").field()
    pe_area_um2: float = Spec("number", "area of one PE (MAC and control)", "um^2", 0, 1e9, low_open=True).field()
    sram_area_um2_per_kb: float = Spec("number", "SRAM area per KB", "um^2/KB", 0, 1e9, low_open=True).field()
    wire_energy_pj_per_bit_mm: float = Spec("number", "energy to move one bit one mm of on-chip wire (the mesh "
                                            "network)", "pJ/bit/mm", 0, 1e6).field(0.121)
    adder_energy_pj: float = _energy("one add of a spatial reduction (the mesh network)", True).field(0.1)
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_declared(self, "technology")
        points = self.sram_energy_points
        if len(points) < 2:
            raise field_error("technology sram_energy_points", "give at least two (size_bytes, pJ) pairs")
        for i, (size, energy) in enumerate(points):
            _POINT_SIZE.check(size, f"technology sram_energy_points[{i}] size_bytes")
            _energy("an SRAM word access").check(energy, f"technology sram_energy_points[{i}] energy_pj")
        if any(b[0] <= a[0] for a, b in zip(points, points[1:])):
            raise field_error("technology sram_energy_points", "sizes must be strictly increasing")

    def sram_energy_pj(self, size_bytes: float) -> float:
        """Energy of one word access to an SRAM/register file of ``size_bytes``."""
        pts = self.sram_energy_points
        x = math.log(max(size_bytes, 1.0))
        i = 0
        while i < len(pts) - 2 and x > math.log(pts[i + 1][0]):
            i += 1
        (s0, e0), (s1, e1) = pts[i], pts[i + 1]
        slope = (math.log(e1) - math.log(e0)) / (math.log(s1) - math.log(s0))
        return math.exp(math.log(e0) + slope * (x - math.log(s0)))

    def sram_area_um2(self, size_bytes: float) -> float:
        return self.sram_area_um2_per_kb * size_bytes / 1024.0


#: 45 nm, 16-bit words. Sources (also in docs/technology.md):
#: - SRAM: Horowitz, "Computing's energy problem", ISSCC 2014, Fig. 1.1.9: 64-bit reads cost
#:   10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB); a 16-bit word is a quarter of that. The 512 B
#:   point is Eyeriss's register file at 1x the MAC energy (Chen et al., ISCA 2016, Fig. 1).
#: - MAC: Horowitz 2014: 8-bit multiply 0.2 pJ, 32-bit multiply 3.1 pJ, 32-bit add 0.1 pJ;
#:   a 16-bit multiply taken as their geometric mean (0.79 pJ) plus a 32-bit accumulate.
#: - NoC: Eyeriss (ISCA 2016, Fig. 1): an inter-PE/NoC transfer costs 2x a MAC (the flat model).
#: - Wire (the mesh model): Keckler et al., "GPUs and the future of parallel computing", IEEE
#:   Micro 2011, Table 1: moving 256 bits 10 mm on chip costs 310 pJ at 40 nm = 0.121 pJ/bit/mm.
#: - Adder (spatial reduction): Horowitz 2014: a 32-bit add costs 0.1 pJ (partial sums are
#:   accumulated at 32 bits, as in the MAC above).
#: - DRAM: Horowitz 2014: 1.3-2.6 nJ per 64-bit DRAM access; the low end, per 16-bit word.
#: - Area: Horowitz 2014 area table: 16-bit multiply ~ geometric mean of 8-bit (282 um^2) and
#:   32-bit (3495 um^2) multipliers = 993 um^2, plus a 32-bit adder (137 um^2); a PE is taken as
#:   that MAC plus control at 2x. SRAM: 6T cell of 0.346 um^2 at 45 nm (Mistry et al., IEDM
#:   2007) x 8192 bits / 50 % array efficiency = 5,669 um^2 per KB.
HOROWITZ_45NM = Technology(
    name="horowitz_45nm",
    mac_energy_pj=0.89,
    sram_energy_points=((512.0, 0.89), (8192.0, 2.5), (32768.0, 5.0), (1048576.0, 25.0)),
    noc_energy_pj_per_word=1.78,
    dram_energy_pj_per_word=325.0,
    pe_area_um2=2260.0,
    sram_area_um2_per_kb=5669.0,
    wire_energy_pj_per_bit_mm=0.121,
    adder_energy_pj=0.1,
    sources={
        "mac_energy_pj": "Horowitz ISSCC 2014 (16-bit multiply ~ geo-mean of 8/32-bit, + 32-bit add)",
        "sram_energy_points": "Horowitz ISSCC 2014 Fig. 1.1.9 (8KB/32KB/1MB); Eyeriss ISCA 2016 RF = 1x MAC",
        "noc_energy_pj_per_word": "Eyeriss, Chen et al., ISCA 2016, Fig. 1: NoC = 2x MAC",
        "dram_energy_pj_per_word": "Horowitz ISSCC 2014: 1.3 nJ per 64-bit DRAM access",
        "wire_energy_pj_per_bit_mm": "Keckler et al., IEEE Micro 2011, Table 1: 310 pJ per 256 bits per 10 mm",
        "adder_energy_pj": "Horowitz ISSCC 2014: 32-bit add 0.1 pJ",
        "pe_area_um2": "Horowitz ISSCC 2014 area table, 16-bit MAC x2 for control",
        "sram_area_um2_per_kb": "Mistry et al., IEDM 2007: 0.346 um^2 6T cell, 50% array efficiency",
    },
)

TECHNOLOGIES: dict[str, Technology] = {HOROWITZ_45NM.name: HOROWITZ_45NM}

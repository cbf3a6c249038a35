import numpy as np
import pytest

from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.arch.technology import Technology
from naas.workload.network import Network


def find_layer(network: Network, name: str):
    return next(nl.layer for nl in network.layers if nl.layer.name == name)


#: A technology with round numbers for hand-computed cases: SRAM energy sqrt(size/4 B) pJ per
#: word (16 B -> 2 pJ, 64 B -> 4 pJ), MAC 1 pJ, NoC 0.5 pJ, DRAM 100 pJ.
TOY_TECH = Technology(
    name="toy", mac_energy_pj=1.0, sram_energy_points=((4.0, 1.0), (64.0, 4.0)),
    noc_energy_pj_per_word=0.5, dram_energy_pj_per_word=100.0, pe_area_um2=1.0,
    sram_area_um2_per_kb=1.0,
)


def export_and_rescore(tmp_path, to: str):
    """``naas export --to TO --rescore`` of a one-conv network on Eyeriss, in a subprocess: the
    finished process and the conv row's fields."""
    import subprocess
    import sys

    (tmp_path / "net.yaml").write_text(
        "name: one\nlayers:\n  - name: conv\n    dims: {K: 64, C: 32, P: 28, Q: 28, R: 3, S: 3}\n")
    result = subprocess.run([sys.executable, "-m", "naas.cli", "export", "--arch", "eyeriss", "--network",
                             str(tmp_path / "net.yaml"), "--to", to, str(tmp_path / "out"), "--rescore"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result, next(line for line in result.stdout.splitlines() if line.startswith("conv")).split()


def toy_arch(**changes) -> Accelerator:
    """Two PEs unrolling K, 8-word L1s, a 32-word unified L2, DRAM 2 words/cycle and a flat NoC of
    4 words/cycle (the hand-worked cases price a word on the array once; mesh tests ask for it)."""
    fields = dict(
        name="toy", axes=(ArrayAxis(2, "K"),), l1_bytes=OperandBytes(16, 16, 16), l2_bytes=64,
        noc_words_per_cycle=4.0, dram_words_per_cycle=2.0, technology=TOY_TECH, noc_model="flat",
    )
    fields.update(changes)
    return Accelerator(**fields)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

"""Run Timeloop v3's ``timeloop-model`` on exported files and read back its energy and cycles.

The binary is ``$NAAS_TIMELOOP_MODEL`` or ``timeloop-model`` on PATH (Timeloop v3.0.3 reads
the v0.3 format, ``naas export --to timeloop-v3``; the v0.4 format goes through timeloopfe).
Nothing here is needed by the cost model."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from naas.errors import NaasError

STATS = "timeloop-model.stats.txt"
_ENERGY = re.compile(r"^Energy: ([0-9.eE+-]+) uJ", re.M)
_CYCLES = re.compile(r"^Cycles: ([0-9]+)", re.M)
_PER_COMPUTE = re.compile(r"^    (\S+)\s+= ([0-9.eE+-]+)$", re.M)
_COMPUTES = re.compile(r"^Computes = ([0-9]+)", re.M)
_DATASPACE_BLOCK = re.compile(r"^    (Weights|Inputs|Outputs):\n((?:        .*\n?)*)", re.M)
_NET_ENERGY = re.compile(r"^        Energy \(total\)\s+: ([0-9.eE+-]+) pJ", re.M)
_NET_REDUCTIONS = re.compile(r"^        Spatial reductions\s+: ([0-9.eE+-]+)", re.M)


def find_timeloop_model() -> str | None:
    given = os.environ.get("NAAS_TIMELOOP_MODEL")
    return given if given else shutil.which("timeloop-model")


def network_stats(text: str) -> dict[str, dict[str, float]]:
    """Per dataspace (Weights, Inputs, Outputs), summed over the stats file's networks: the
    wire energy (``energy_pj``, Timeloop's network energy without its spatial-reduction adds)
    and the count of partial sums merged on the way (``spatial_reductions``)."""
    networks = text.split("\nNetworks\n", 1)[1].split("\nOperational Intensity Stats", 1)[0] \
        if "\nNetworks\n" in text else ""
    out = {space: {"energy_pj": 0.0, "spatial_reductions": 0.0} for space in ("Weights", "Inputs", "Outputs")}
    for space, body in _DATASPACE_BLOCK.findall(networks):
        energy, reductions = _NET_ENERGY.search(body), _NET_REDUCTIONS.search(body)
        out[space]["energy_pj"] += float(energy.group(1)) if energy else 0.0
        out[space]["spatial_reductions"] += float(reductions.group(1)) if reductions else 0.0
    return out


def parse_stats(text: str) -> dict:
    """Energy (pJ), cycles, the per-component energy (pJ) and the networks' (``network_stats``)
    of a timeloop-model stats file."""
    energy, cycles, computes = _ENERGY.search(text), _CYCLES.search(text), _COMPUTES.search(text)
    if not (energy and cycles and computes):
        raise NaasError("timeloop-model: its stats file has no Energy/Cycles/Computes summary; "
                        "run it by hand to see why")
    summary = text[computes.end():]
    per_compute_fj = {name: float(v) for name, v in _PER_COMPUTE.findall(summary)}
    n = int(computes.group(1))
    return {"energy_pj": float(energy.group(1)) * 1e6, "latency_cycles": int(cycles.group(1)),
            "computes": n, "parts_pj": {k: v * n / 1000.0 for k, v in per_compute_fj.items() if k != "Total"},
            "network": network_stats(text)}


def run_timeloop_model(files: list[str | Path], binary: str | None = None, timeout_s: float = 600) -> dict:
    """Run timeloop-model on ``files`` (arch, problem, mapping, and the ERT/ART if any) in a
    scratch folder; returns ``parse_stats``'s answer."""
    binary = binary or find_timeloop_model()
    if not binary:
        raise NaasError("timeloop-model not found; put it on PATH or set NAAS_TIMELOOP_MODEL to its path")
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([binary, *map(str, files)], cwd=folder, capture_output=True, text=True,
                              timeout=timeout_s)
        stats = Path(folder) / STATS
        if done.returncode != 0 or not stats.exists():
            last = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
            raise NaasError(f"timeloop-model failed (exit {done.returncode}): {last[0]}")
        return parse_stats(stats.read_text())


def rescore_export(folder: str | Path, layer_files: list[tuple[str, str]]) -> list[dict]:
    """Run timeloop-model on every layer of a ``--to timeloop-v3`` export: ``layer_files`` are
    (layer name, file stem) pairs; per layer its energy (pJ) and latency (cycles)."""
    folder = Path(folder)
    tables = [folder / name for name in ("ERT.yaml", "ART.yaml") if (folder / name).exists()]
    rows = []
    for layer, stem in layer_files:
        stats = run_timeloop_model([folder / "arch.yaml", folder / f"{stem}.problem.yaml",
                                    folder / f"{stem}.mapping.yaml", *tables])
        rows.append({"layer": layer, **stats})
    return rows

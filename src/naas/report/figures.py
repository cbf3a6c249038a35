"""Matplotlib figures of a search's results, each returned as PNG bytes."""

from __future__ import annotations

import io

from naas.arch.spec import Accelerator
from naas.cost.result import NetworkCost
from naas.report.tables import energy_breakdown


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        from naas.errors import NaasError

        raise NaasError("report: matplotlib is not installed; pip install 'naas[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def convergence(histories: dict[str, list[dict]]) -> bytes:
    """Best objective so far against mapping evaluations, one line per search."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, history in histories.items():
        ax.step([h["evaluations"] for h in history], [h["best"] for h in history], where="post", label=label)
    ax.set_xlabel("mapping evaluations")
    ax.set_ylabel("best fitness (geomean EDP, pJ x cycles)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def summary_edp(design: dict, network: str) -> float:
    """A summary.json design entry's EDP on ``network`` (pJ x cycles); summaries written before
    the key carried its unit call it ``edp``."""
    entry = design["networks"][network]
    return entry["edp_pj_cycles"] if "edp_pj_cycles" in entry else entry["edp"]


def edp_against_baselines(summary: dict) -> bytes:
    """NAAS's EDP gain over each baseline per network (baseline EDP / NAAS EDP) on a linear
    axis from 0, each bar labelled, the break-even line at 1."""
    plt = _pyplot()
    networks = list(summary["naas"]["networks"])
    baselines = summary["baselines"]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    width = 0.8 / max(1, len(baselines))
    for i, (label, data) in enumerate(baselines.items()):
        gains = [summary_edp(data, n) / summary_edp(summary["naas"], n) for n in networks]
        bars = ax.bar([x + i * width for x in range(len(networks))], gains, width, label=label)
        ax.bar_label(bars, labels=[f"{g:.2f}x" for g in gains], fontsize=9, padding=2)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([x + width * (len(baselines) - 1) / 2 for x in range(len(networks))], networks, fontsize=10)
    ax.set_ylim(0, 1.15 * max([1.0] + [summary_edp(b, n) / summary_edp(summary["naas"], n)
                                        for b in baselines.values() for n in networks]))
    ax.set_ylabel("EDP gain of NAAS (baseline / NAAS)")
    ax.legend(fontsize=9, bbox_to_anchor=(0, -0.18), loc="upper left", ncol=1, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def energy_breakdown_chart(costs: dict[str, NetworkCost]) -> bytes:
    """Stacked energy per memory level and operand (and MACs), one bar per network."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    parts: dict[str, list[float]] = {}
    for cost in costs.values():
        for level, per_op in energy_breakdown(cost).items():
            for op, energy in per_op.items():
                parts.setdefault("MAC" if level == "MAC" else f"{level} {op}", [])
    for cost in costs.values():
        flat = {("MAC" if level == "MAC" else f"{level} {op}"): e
                for level, per_op in energy_breakdown(cost).items() for op, e in per_op.items()}
        for key in parts:
            parts[key].append(flat.get(key, 0.0) / 1e6)
    bottom = [0.0] * len(costs)
    colors = plt.get_cmap("tab20").colors
    for i, (key, values) in enumerate(parts.items()):
        ax.bar(list(costs), values, bottom=bottom, label=key, color=colors[i % len(colors)])
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel("energy (uJ)")
    ax.legend(fontsize=7, ncol=2, bbox_to_anchor=(1.02, 1), loc="upper left")
    return _png(fig)


def per_layer_chart(name: str, cost: NetworkCost) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(7.5, 0.3 * len(cost.layers)), 4.2))
    xs = list(range(len(cost.layers)))
    ax.bar(xs, [c.latency_cycles * r for c, r in zip(cost.layers, cost.repeats)], color="tab:blue")
    ax.set_ylabel("latency (cycles, x repeats)", color="tab:blue")
    ax.set_yscale("log")
    ax.set_xticks(xs, cost.layer_names, rotation=90, fontsize=8)
    twin = ax.twinx()
    twin.plot(xs, [100 * c.utilization for c in cost.layers], color="tab:red", marker=".")
    twin.set_ylabel("PE utilisation (%)", color="tab:red")
    twin.set_ylim(0, 105)
    ax.set_title(name)
    return _png(fig)


def pe_array_drawing(design: Accelerator) -> bytes:
    """The PE array as a grid: axis sizes and parallel dims, per-PE buffers, the global buffer."""
    plt = _pyplot()
    rows = design.axes[0].size
    cols = design.axes[1].size if len(design.axes) > 1 else 1
    shown_rows, shown_cols = min(rows, 16), min(cols, 16)
    fig, ax = plt.subplots(figsize=(5.5, 5.0))
    for r in range(shown_rows):
        for c in range(shown_cols):
            ax.add_patch(plt.Rectangle((c, -r), 0.8, 0.8, facecolor="#cfe2f3", edgecolor="#3d85c6"))
    buffer_width = max(shown_cols, 6) - 0.2
    ax.add_patch(plt.Rectangle((0, 1.3), buffer_width, 0.8, facecolor="#fce5cd", edgecolor="#e69138"))
    ax.text(buffer_width / 2, 1.7, f"global buffer {design.l2_bytes / 1024:,.1f} KiB", ha="center", va="center")
    ax.text(-0.5, -(shown_rows - 1) / 2 + 0.4, f"{'·'.join(design.axes[0].parallel_dims)} x{rows}", rotation=90,
            ha="center", va="center", fontsize=12)
    if len(design.axes) > 1:
        ax.text((shown_cols - 0.2) / 2, -shown_rows - 0.1, f"{'·'.join(design.axes[1].parallel_dims)} x{cols}", ha="center",
                fontsize=12)
    extra = "" if len(design.axes) <= 2 else "  (further axes: " + ", ".join(
        f"{'·'.join(a.parallel_dims)} x{a.size}" for a in design.axes[2:]) + ")"
    l1 = design.l1_bytes
    ax.set_title(f"{design.name}: {design.num_pes} PEs{extra}\nper PE: W {l1.W} B, I {l1.I} B, O {l1.O} B"
                 + ("" if (shown_rows, shown_cols) == (rows, cols) else "  (first 16 x 16 drawn)"), fontsize=9)
    ax.set_xlim(-1, max(shown_cols, 6))
    ax.set_ylim(-shown_rows - 0.5, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return _png(fig)

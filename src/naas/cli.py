"""The `naas` command line. Every NaasError ends as one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from naas.errors import NaasError


def _cmd_zoo(args: argparse.Namespace) -> None:
    from naas.report.tables import format_table
    from naas.workload.zoo import ZOO

    rows = []
    for name, build in ZOO.items():
        net = build()
        rows.append([name, str(net.layer_count), str(len(net.layers)), f"{net.macs / 1e6:,.1f}",
                     f"{net.weight_count / 1e6:,.2f}"])
    print(format_table(["network", "layers", "unique shapes", "MACs (M)", "weights (M)"], rows))


def _cmd_arch_list(args: argparse.Namespace) -> None:
    from naas.arch.baselines import BASELINES
    from naas.report.tables import format_table

    rows = []
    for name, build in BASELINES.items():
        a = build()
        rows.append([name, a.dataflow, str(a.num_pes), f"{a.onchip_bytes / 1024:,.1f}", f"{a.area_mm2:.2f}"])
    print(format_table(["design", "array (dim x size)", "PEs", "on-chip KiB", "area mm^2"], rows))


def _cmd_arch_show(args: argparse.Namespace) -> None:
    from naas.arch.io import accelerator_to_dict, resolve_accelerator

    arch = resolve_accelerator(args.name)
    print(yaml.safe_dump(accelerator_to_dict(arch), sort_keys=False, width=100), end="")
    print(f"# {arch.num_pes} PEs, {arch.onchip_bytes:,} on-chip bytes, {arch.area_mm2:.2f} mm^2")


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from naas.arch.io import resolve_accelerator
    from naas.cost.network import evaluate_network, network_mappings
    from naas.mapping.io import load_mappings, save_mappings
    from naas.report.tables import network_cost_document, network_cost_table
    from naas.workload.io import resolve_network

    network = resolve_network(args.network, batch=args.batch)
    arch = resolve_accelerator(args.arch)
    given = load_mappings(args.mapping) if args.mapping else None
    mappings = network_mappings(network, arch, given)
    cost = evaluate_network(network, arch, mappings)
    source = f"mappings from {args.mapping}" if args.mapping else "greedy default mappings (no search)"
    print(f"{network.name} on {arch.name} ({arch.dataflow}, {arch.num_pes} PEs), {source}")
    print(network_cost_table(cost))
    if args.save_mappings:
        save_mappings(mappings, args.save_mappings)
    if args.json:
        _write_json(network_cost_document(network, arch, cost), args.json)
    if not cost.valid:
        raise NaasError("mapping: some layers have invalid mappings (see the INVALID notes above); fix or drop them")


def _write_json(doc: dict, target: str) -> None:
    text = json.dumps(doc, indent=2)
    if target == "-":
        print(text)
    else:
        Path(target).write_text(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="naas", description="Neural Accelerator Architecture Search")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("zoo", help="list the built-in networks")
    p.set_defaults(run=_cmd_zoo)

    arch = sub.add_parser("arch", help="hand-designed accelerators").add_subparsers(dest="arch_command", required=True)
    p = arch.add_parser("list", help="list the baseline designs")
    p.set_defaults(run=_cmd_arch_list)
    p = arch.add_parser("show", help="print a design's spec as YAML")
    p.add_argument("name", help="baseline name or accelerator YAML file")
    p.set_defaults(run=_cmd_arch_show)

    p = sub.add_parser("evaluate", help="cost a network on a design (per-layer table and totals)")
    p.add_argument("--network", required=True, help="zoo name or network YAML file")
    p.add_argument("--arch", required=True, help="baseline name or accelerator YAML file")
    p.add_argument("--mapping", help="mappings YAML (layers not listed get the greedy default)")
    p.add_argument("--batch", type=int, default=1, help="batch size for zoo networks (default 1)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON ('-' for stdout)")
    p.add_argument("--save-mappings", metavar="PATH", help="write the mappings used as YAML")
    p.set_defaults(run=_cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except NaasError as exc:
        print(f"naas: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("naas: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `naas` command line. Every NaasError ends as one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

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
    import naas.api as api
    from naas.arch.io import resolve_accelerator
    from naas.mapping.io import save_mappings
    from naas.report.tables import network_cost_document, network_cost_table, noc_breakdown_table
    from naas.workload.io import resolve_network

    network = resolve_network(args.network, batch=args.batch)
    arch = _with_model_options(resolve_accelerator(args.arch), args)
    mappings = api.default_mappings(network, arch, args.mapping)
    cost = api.evaluate(network, arch, mappings)
    source = f"mappings from {args.mapping}" if args.mapping else "greedy default mappings (no search)"
    table = _table_stream(args)
    print(f"{network.name} on {arch.name} ({arch.dataflow}, {arch.num_pes} PEs), {source}", file=table)
    print(network_cost_table(cost, arch.clock_mhz), file=table)
    print(f"\non-chip network energy ({arch.noc_model} network):\n{noc_breakdown_table(cost)}", file=table)
    if args.save_mappings:
        save_mappings(mappings, args.save_mappings)
    if args.json:
        _write_json(network_cost_document(network, arch, cost), args.json)
    if not cost.valid:
        raise NaasError("mapping: some layers have invalid mappings (see the INVALID notes above); fix or drop them")


def _progress(args: argparse.Namespace, label: str, describe: Callable[[dict], str], total: int | None = None,
              position: Callable[[dict], int] = lambda record: record["step"] + 1, unit: str = "generations"):
    """Per-step progress on stderr (``naas.report.progress``), or None with --quiet."""
    from naas.report.progress import Progress

    return None if args.quiet else Progress(label, describe, position, total, unit)


def _close(*progress) -> None:
    for p in progress:
        if p is not None:
            p.close()


def _note_first_compile(args: argparse.Namespace) -> None:
    """Say so before a first run compiles the search kernels, which is otherwise a silent minute."""
    from naas.search.compile_cache import first_compile_pending

    if not getattr(args, "quiet", False) and getattr(args, "backend", None) != "torch" and first_compile_pending():
        print("compiling the search kernels: first run after an install or upgrade only, about 1-2 minutes on "
              "2 cores; later runs load them from the cache", file=sys.stderr, flush=True)


def _search_progress(total: int) -> Callable[[dict], str]:
    def line(record: dict) -> str:
        step = (f"remap {record['remapped']} best designs" if record.get("phase") == "remap"
                else f"gen {record['step'] + 1}/{total}")
        return (f"{step}  {record['evaluations']:,} evals  {record['seconds']:.0f} s  best EDP {record['best']:.4e} "
                f"pJ x cycles  ({record['best_dataflow']})")
    return line


def _sweep_progress(record: dict) -> str:
    return (f"{record['phase']}  {record['designs']:,} designs  {record['evaluations']:,} evals  "
            f"{record['seconds']:.0f} s  best EDP {record['best']:.4e} pJ x cycles  ({record['best_dataflow']})")


def _mapping_config(args: argparse.Namespace):
    from naas.search.mapping_settings import COMPILE_CHOICES, MappingSearchConfig

    backend = args.backend or ("numba" if args.device == "cpu" else "torch")
    if backend == "torch":
        try:
            from naas.cost.torch_backend import resolve_device
        except ImportError:
            raise NaasError("backend: the torch backend needs torch; pip install 'naas[torch]'") from None
        resolve_device(args.device)
    sizes = {name: value for name, value in (("popsize", args.map_popsize), ("generations", args.map_generations))
             if value is not None}
    return MappingSearchConfig(**sizes,
                               encoding=args.encoding, objective=args.objective, backend=backend,
                               device=args.device, compile=COMPILE_CHOICES[args.compile], uneven=args.uneven,
                               covariance=args.map_covariance)


def _with_model_options(spec, args: argparse.Namespace):
    """A design or budget costed with the --latency-model, --hold-operands, --noc-model,
    --halo-reuse and --input-multicast asked for (else its own)."""
    import dataclasses

    if args.latency_model is not None:
        spec = dataclasses.replace(spec, latency_model=args.latency_model)
    if args.hold_operands:
        spec = dataclasses.replace(spec, hold_operands=True)
    if args.noc_model is not None:
        spec = dataclasses.replace(spec, noc_model=args.noc_model)
    if args.halo_reuse is not None:
        spec = dataclasses.replace(spec, halo_reuse=args.halo_reuse)
    if args.input_multicast is not None:
        spec = dataclasses.replace(spec, input_multicast=args.input_multicast)
    return spec


def _cmd_map(args: argparse.Namespace) -> None:
    import dataclasses

    import naas.api as api
    from naas.arch.io import resolve_accelerator
    from naas.mapping.io import save_mappings
    from naas.report.tables import network_cost_document, network_cost_table, noc_breakdown_table
    from naas.workload.io import resolve_network

    network = resolve_network(args.network, batch=args.batch)
    arch = _with_model_options(resolve_accelerator(args.arch), args)
    config = dataclasses.asdict(_mapping_config(args))
    _note_first_compile(args)
    progress = _progress(args, "map", lambda r: (f"{r['done']}/{r['problems']} layers  {r['evaluations']:,} evals  "
                                                 f"{r['seconds']:.1f} s"),
                         total=len(network.layers), position=lambda r: r["done"], unit="layers")
    try:
        result = api.map(network, arch, seed=args.seed, progress=progress, **config)
    finally:
        _close(progress)
    mappings, cost = result.mappings, result.cost
    table = _table_stream(args)
    print(f"{network.name} on {arch.name} ({arch.dataflow}, {arch.num_pes} PEs), mappings searched by "
          f"CMA-ES ({args.encoding} encoding): {result.evaluations:,} evaluations, {result.generations} generations",
          file=table)
    print(network_cost_table(cost, arch.clock_mhz), file=table)
    print(f"\non-chip network energy ({arch.noc_model} network):\n{noc_breakdown_table(cost)}", file=table)
    if args.out:
        save_mappings(mappings, args.out)
    if args.json:
        _write_json(network_cost_document(network, arch, cost), args.json)


def _cmd_search(args: argparse.Namespace) -> None:
    import dataclasses

    import naas.api as api
    from naas.arch.budget import parse_budget
    from naas.run_folder import refuse_earlier_search, search_lock
    from naas.search.checkpoint import saved_value
    from naas.workload.io import resolve_network

    if args.resume and args.out and Path(args.out) != Path(args.resume):
        raise NaasError("out: --resume DIR continues the search in DIR; drop --out or make them equal")
    if not (args.resume or args.out):
        raise NaasError("out: give --out DIR for a new search or --resume DIR to continue one")
    out = Path(args.resume or args.out)
    if args.resume and not (out / "checkpoint-naas.json").exists():
        raise NaasError(f"resume: no checkpoint in {out}; start a search there with --out {out}")
    if args.resume and args.overwrite:
        raise NaasError("overwrite: --resume continues the search in DIR, --overwrite replaces it; give one")
    if not (args.resume or args.overwrite):
        refuse_earlier_search(out, resumable=True)
    if args.generations is None:  # a resumed search keeps its own, a larger --generations extends it
        saved = saved_value(out / "checkpoint-naas.json", "generations") if args.resume else None
        args.generations = saved if isinstance(saved, int) else 20
    networks = [resolve_network(n, batch=args.batch) for n in args.network]
    budget = _with_model_options(parse_budget(args.budget), args)
    mapping = _mapping_config(args)
    # every setting is checked before --overwrite clears anything
    plan = api.plan_search(networks, budget, seed=args.seed, generations=args.generations, popsize=args.popsize,
                           restarts=args.restarts, connectivity=args.connectivity, max_axes=args.max_axes,
                           encoding=args.encoding, objective=args.objective, mapping=dataclasses.asdict(mapping),
                           **({} if args.scoring_patience is None else {"scoring_patience": args.scoring_patience}))
    _note_first_compile(args)
    with search_lock(out, clear=args.overwrite):
        try:
            _run_search(args, out, plan)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(_interrupt_note(out)) from None


def _interrupt_note(out: Path) -> str:
    """What an interrupted search left: a checkpoint to resume, or nothing (and then not even
    the empty journal a search starts with)."""
    if (out / "checkpoint-naas.json").exists():
        return f"resume with the same options and --resume {out}"
    (out / "checkpoint-naas.designs.jsonl").unlink(missing_ok=True)
    phases = out / "checkpoint-naas.phases"  # the connectivity search's, made before its base search ran
    if phases.is_dir() and not any(phases.iterdir()):
        phases.rmdir()
    return "nothing was saved (stopped before the first generation finished); run the command again"


def _run_search(args: argparse.Namespace, out: Path, plan) -> None:
    """The search ``naas search`` planned, its baselines and its outputs, into ``out``."""
    import naas.api as api
    from naas.exec.executors import make_executor
    from naas.report.search_output import write_search_outputs

    steps = args.generations * (args.restarts + 1)

    def progress(search: str):
        if search == "naas" and args.connectivity == "sweep":
            # at most the base's candidates and half as many again (and the hand design)
            return _progress(args, "naas", _sweep_progress, int(1.5 * steps * args.popsize) + 1,
                             lambda record: record["designs"], "designs")
        return _progress(args, search, _search_progress(steps), steps)

    executor = make_executor(args.executor or "inprocess", args.workers, args.address)
    try:
        found = api.run_search(plan, executor=executor, out=out, baselines=True, sizing_baseline=args.sizing_baseline,
                               progress_by_search=progress)
    finally:
        executor.close()
    run = found.run
    result = run.result
    networks, budget, mapping = found.networks, plan.space.budget, plan.config.mapping
    settings = {"networks": [n.name for n in networks], "budget": budget.name,
                "max_pes": budget.max_pes, "max_onchip_bytes": budget.max_onchip_bytes,
                "seed": args.seed, "generations": args.generations, "restarts": args.restarts, "popsize": args.popsize,
                "objective": args.objective, "connectivity": args.connectivity, "encoding": args.encoding,
                "max_axes": plan.space.max_axes, "designs_scored": result.designs_scored,
                "latency_model": budget.latency_model, "hold_operands": budget.hold_operands,
                "noc_model": budget.noc_model, "halo_reuse": budget.halo_reuse,
                "input_multicast": budget.input_multicast, "uneven": args.uneven,
                "map_generations": mapping.generations, "map_popsize": mapping.popsize,
                "scoring_patience": plan.config.scoring_patience,
                "map_covariance": args.map_covariance}
    print(write_search_outputs(out, networks, result, run.baselines, settings, run.sizing_history))
    print(f"wrote {out}/design.yaml, {out}/mappings/, {out}/history.json, {out}/summary.json")
    if result.interrupted:
        raise KeyboardInterrupt


def _cmd_import(args: argparse.Namespace) -> None:
    import warnings

    from naas.workload.io import save_network

    source = args.model
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if source.startswith("torchvision:"):
            from naas.interop.torch_import import from_torchvision

            network = from_torchvision(source.split(":", 1)[1], resolution=args.resolution, batch=args.batch)
        else:
            from naas.interop.onnx_import import network_from_onnx

            network, _ = network_from_onnx(source, name=args.name)
    for w in caught:
        if "skipped ops" in str(w.message):
            print(f"naas: warning: {w.message}", file=sys.stderr)
    if args.name:
        network = type(network)(args.name, network.layers)
    save_network(network, args.output)
    print(f"{network.name}: {network.layer_count} layers ({len(network.layers)} distinct shapes), "
          f"{network.macs / 1e6:,.1f} M MACs, {network.weight_count / 1e6:,.2f} M weights -> {args.output}")


def _cmd_export(args: argparse.Namespace) -> None:
    import naas.api as api
    from naas.arch.io import resolve_accelerator
    from naas.workload.io import resolve_network

    design = _with_model_options(resolve_accelerator(args.arch), args)
    network = resolve_network(args.network)
    exported = api.export(network, design, args.dir, to=args.to, mappings=args.mapping, tables=args.tables,
                          rescore=args.rescore)
    for note in exported.notes:
        print(f"naas: note: {note}", file=sys.stderr)
    print(f"wrote {len(exported.paths)} {args.to} files to {args.dir}")
    if exported.peer is not None:
        peer = "ZigZag" if args.to == "zigzag" else "Timeloop"
        print(_rescore_table(exported.cost, exported.peer, peer,
                             peer_prices_wire=args.to != "zigzag" and design.noc_model == "mesh"))


def _rescore_table(ours, theirs: dict[str, dict], peer: str, peer_prices_wire: bool = False) -> str:
    """naas against a peer (ZigZag, Timeloop) per layer and in total: naas's energy, the part
    of it the peer counts, latency, and peer / naas ratios. The peer counts no on-chip network
    unless ``peer_prices_wire`` (a mesh design's Timeloop export carries the wire, whose
    spatial-reduction adds the public Timeloop prices at nothing)."""
    from naas.report.tables import format_table

    rows, totals = [], [0.0, 0.0, 0.0, 0.0, 0.0]
    for name, repeat, cost in zip(ours.layer_names, ours.repeats, ours.layers):
        z = theirs.get(name)
        per_part = cost.noc_breakdown_pj or {}
        left_out = (sum(per_part.get("reduction adds", {}).values()) if peer_prices_wire
                    else sum(e for per_op in per_part.values() for e in per_op.values()))
        bare = cost.energy_pj - left_out
        rows.append([name, str(repeat), f"{cost.energy_pj:.4g}", f"{bare:.4g}", f"{z['energy_pj']:.4g}" if z else "-",
                     f"{z['energy_pj'] / bare:.3f}x" if z else "-", f"{cost.latency_cycles:,.0f}",
                     f"{z['latency_cycles']:,.0f}" if z else "-",
                     f"{z['latency_cycles'] / cost.latency_cycles:.3f}x" if z else "-"])
        if z:
            for i, v in enumerate((cost.energy_pj, bare, z["energy_pj"], cost.latency_cycles, z["latency_cycles"])):
                totals[i] += repeat * v
    e, bare, ze, lat, zlat = totals
    rows.append(["TOTAL", "", f"{e:.4g}", f"{bare:.4g}", f"{ze:.4g}", f"{ze / bare:.3f}x" if bare else "-",
                 f"{lat:,.0f}", f"{zlat:,.0f}", f"{zlat / lat:.3f}x" if lat else "-"])
    counted = "without reduction adds" if peer_prices_wire else "without NoC"
    table = format_table(["layer", "repeat", "naas energy (pJ)", f"naas {counted} (pJ)", f"{peer} energy (pJ)",
                          f"energy: {peer} / naas {counted}", "naas latency (cycles)", f"{peer} latency (cycles)",
                          f"latency: {peer} / naas"], rows)
    hint = {"ZigZag": " For ZigZag's memory-port latency and register-read counting give --latency-model ports "
                      "--hold-operands --no-halo-reuse.",
            "Timeloop": " Timeloop prices the design with naas's tables (ERT.yaml, ART.yaml) unless --tables "
                        "accelergy."}[peer]
    if peer_prices_wire:
        scope = (f"the {peer} export carries its wire (naas's price per bit and mm, one PE pitch per hop) but "
                 f"{peer} prices no reduction adds, so the energy ratio compares naas without them; the two "
                 "place and route a network differently (docs/validation.md)")
    else:
        scope = f"the {peer} export carries none, so the energy ratio compares naas without it"
    return (table + f"\nnaas's energy includes its on-chip network (global buffer -> PEs); {scope}. TOTAL: the "
            f"layers {peer} scored, each x its repeat.{hint}")


def _predictor(args: argparse.Namespace):
    from naas.nas.predictors import CallablePredictor, OFAMLPPredictor, TablePredictor

    given = [x for x in (args.predictor, args.accuracy, args.accuracy_table) if x]
    if len(given) > 1:
        raise NaasError("accuracy: give one of --predictor, --accuracy or --accuracy-table")
    if not given or args.predictor == "published":
        from naas.nas.predictors import fetch_published_predictor

        path = fetch_published_predictor(space=args.space)
        return OFAMLPPredictor.load(path), f"the published once-for-all {args.space} predictor ({path})"
    if args.predictor:
        return OFAMLPPredictor.load(args.predictor), f"OFA-format predictor {args.predictor}"
    if args.accuracy:
        return CallablePredictor.from_spec(args.accuracy), f"callable {args.accuracy}"
    return TablePredictor.load(args.accuracy_table, args.space), f"table {args.accuracy_table}"


def _cmd_cosearch(args: argparse.Namespace) -> None:
    import dataclasses

    import naas.api as api
    from naas.arch.budget import parse_budget
    from naas.report.cosearch_output import describe_screen, write_cosearch_outputs
    from naas.run_folder import refuse_earlier_search, search_lock

    predictor, source = _predictor(args)
    mapping = _mapping_config(args)
    budget = _with_model_options(parse_budget(args.budget), args)
    start_network = None
    if args.start_network is not None:
        if args.space != "ofa-resnet50" or args.method != "nested":
            raise NaasError("start-network: resnet50 is a network of --space ofa-resnet50, for --method nested")
        from naas.nas.ofa_resnet50 import RESNET50

        start_network = RESNET50
    # every setting is checked before --overwrite clears anything
    plan = api.plan_cosearch(args.space, budget, predictor, accuracy_floor=args.accuracy_floor,
                             edp_budget=args.edp_budget, seed=args.seed, generations=args.generations,
                             popsize=args.popsize, method=args.method, arch_generations=args.arch_generations,
                             arch_popsize=args.arch_popsize, mapping=dataclasses.asdict(mapping),
                             start_network=start_network, max_axes=args.max_axes,
                             screen_generations=args.screen_generations)

    out = Path(args.out)
    if not args.overwrite:
        refuse_earlier_search(out, resumable=False)
    from naas.files import write_json_atomic

    def describe(record: dict) -> str:
        if record.get("phase") == "predictor screen":
            return describe_screen(record)
        if "best_edp" not in record:  # a step of the nested search's accelerator searches
            return f"accelerator search, {_sweep_progress(record)}"
        return (f"gen {record['generation'] + 1}/{args.generations}  {record['seconds']:.0f} s  best EDP "
                f"{record['best_edp']:.4e} pJ x cycles  accuracy {record['best_accuracy']:.2f} % (predicted)")

    shown = _progress(args, "cosearch", describe, args.generations,
                      lambda record: record.get("generation", -1) + 1 if "best_edp" in record else 0)
    history: list[dict] = []

    def show(record: dict) -> None:
        if "best_edp" in record:  # the history so far is on disk after every network generation
            history.append(record)
            write_json_atomic(out / "history.json", history)
        if shown is not None:
            shown(record)

    _note_first_compile(args)
    with search_lock(out, clear=args.overwrite):
        try:
            result = api.run_cosearch(plan, progress=show)
        finally:
            _close(shown)
        print(write_cosearch_outputs(out, result, predictor, source, args.space, budget.name,
                                     args.accuracy_floor, args.edp_budget))
        print(f"wrote {out}/network.yaml, design.yaml, mappings.yaml, config.json, front.json")


def _cmd_report(args: argparse.Namespace) -> None:
    from naas.report.html import build_report

    print(f"wrote {build_report(args.dir)}")


def _table_stream(args: argparse.Namespace):
    """Where the human-readable table goes: stderr when ``--json -`` takes stdout, so that
    stdout holds the JSON alone."""
    return sys.stderr if args.json == "-" else sys.stdout


def _write_json(doc: dict, target: str) -> None:
    text = json.dumps(doc, indent=2)
    if target == "-":
        print(text)
    else:
        from naas.files import write_text_atomic

        write_text_atomic(target, text)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as naas's one line instead of the usage text and the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"naas: error: {message} (`{self.prog} --help` lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="naas", description="Neural Accelerator Architecture Search")
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
    _json_option(p)
    p.add_argument("--save-mappings", metavar="PATH", help="write the mappings used as YAML")
    _model_options(p)
    p.set_defaults(run=_cmd_evaluate)

    p = sub.add_parser("map", help="search every layer's mapping on a fixed design")
    p.add_argument("--network", required=True, help="zoo name or network YAML file")
    p.add_argument("--arch", required=True, help="baseline name or accelerator YAML file")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", metavar="PATH", help="write the found mappings as YAML")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    _json_option(p)
    _search_options(p)
    p.set_defaults(run=_cmd_map)

    p = sub.add_parser("search", help="search an accelerator and its mappings under a budget (NAAS)")
    p.add_argument("--network", required=True, action="append",
                   help="zoo name or network YAML; repeat for one chip serving several networks")
    p.add_argument("--budget", required=True,
                   help="baseline name (same PEs and on-chip bytes) or 'pes=N,bytes=N[,area=MM2]'")
    p.add_argument("--out", metavar="DIR", help="where to write the results and checkpoints")
    p.add_argument("--resume", metavar="DIR", help="continue the search checkpointed in DIR")
    _overwrite_option(p)
    p.add_argument("--executor", choices=["inprocess", "pool", "ray"],
                   help="where mapping searches run (default: in-process, every design of a generation in "
                        "one compiled call on all cores, or on one device with the torch backend)")
    p.add_argument("--workers", type=int, help="processes for the pool (default: all cores; each runs one thread)")
    p.add_argument("--address", help="Ray cluster address (auto or HOST:PORT) for --executor ray")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--generations", type=int,
                   help="accelerator generations (default 20; with --resume the checkpoint's, and a larger N "
                        "extends the search)")
    p.add_argument("--popsize", type=int, default=12, help="accelerator candidates per generation")
    p.add_argument("--restarts", type=int, default=0,
                   help="independent re-runs of the accelerator search, best kept (default 0)")
    p.add_argument("--scoring-patience", type=int,
                   help="the mapping searches that score designs while the search explores stop after N "
                        "generations without progress (default 10), and its best designs are re-mapped at the full "
                        "patience (20) at the end; 20 explores at the full patience, about 1.5x the time "
                        "(docs/search.md)")
    p.add_argument("--max-axes", type=int, choices=[1, 2, 3, 4],
                   help="most PE array axes (default 2, or the hand design's count if larger, so that "
                        "the searched space contains the hand design)")
    p.add_argument("--connectivity", choices=["sweep", "es"], default="sweep",
                   help="how the PE connectivity is searched: sweep (default: a sizing search on the hand "
                        "design's connectivity, then sweeps of connectivities at the best sizes and warm-started "
                        "sizing searches of the best; never worse than sizing-only, at most 1.5x its designs) or "
                        "es (the paper's: one CMA-ES over connectivity genes and sizes, --encoding applies); "
                        "docs/search.md")
    p.add_argument("--no-sizing-baseline", dest="sizing_baseline", action="store_false",
                   help="leave out the sizing-only row (with --connectivity es: skip its search)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    _search_options(p)
    p.set_defaults(run=_cmd_search)

    p = sub.add_parser("import", help="a model file or torchvision model to a network YAML")
    p.add_argument("model", help="an .onnx file, or torchvision:NAME (built without weights)")
    p.add_argument("-o", "--output", required=True, help="network YAML to write")
    p.add_argument("--name", help="network name (default: from the model)")
    p.add_argument("--resolution", type=int, default=224, help="input size for torchvision models")
    p.add_argument("--batch", type=int, default=1)
    p.set_defaults(run=_cmd_import)

    p = sub.add_parser("export", help="write a design and its mappings as Timeloop or ZigZag inputs")
    p.add_argument("--arch", required=True, help="accelerator YAML or baseline name")
    p.add_argument("--network", required=True, help="zoo name or network YAML")
    p.add_argument("--mapping", help="mappings YAML (layers not listed get the greedy default)")
    p.add_argument("--to", required=True, choices=["timeloop", "timeloop-v3", "zigzag"],
                   help="timeloop: the v0.4 format (timeloopfe); timeloop-v3: the v0.3 format of Timeloop v3 / "
                        "Accelergy 0.3; zigzag: ZigZag 3.9")
    p.add_argument("dir", help="folder to write")
    p.add_argument("--tables", default="naas", choices=["naas", "accelergy"],
                   help="Timeloop's prices: naas's energy and area tables (ERT.yaml, ART.yaml; default), or none, so "
                        "Timeloop asks Accelergy")
    p.add_argument("--rescore", action="store_true",
                   help="run the peer on the export and print both costs (zigzag; timeloop-v3: timeloop-model on "
                        "PATH or $NAAS_TIMELOOP_MODEL)")
    _model_options(p)
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("cosearch", help="search the network, the accelerator and the mappings together")
    p.add_argument("--space", default="ofa-mbv3", choices=["ofa-mbv3", "ofa-resnet50"], help="network space")
    p.add_argument("--budget", required=True, help="baseline name or 'pes=N,bytes=N'")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--accuracy-floor", type=float, help="minimise EDP with predicted top-1 >= this (%%)")
    goal.add_argument("--edp-budget", type=float, help="maximise predicted top-1 with EDP <= this (pJ x cycles)")
    p.add_argument("--predictor", help="OFA accuracy-predictor file (torch state dict; read without torch); "
                                       "default 'published': once-for-all's own predictor for --space, fetched "
                                       "once and cached in $XDG_CACHE_HOME/naas (~/.cache/naas), where a file "
                                       "copied by hand also serves offline")
    p.add_argument("--accuracy", help="module:function returning top-1 (%%) for a MobileNetV3Config")
    p.add_argument("--accuracy-table", help="YAML list of {ks, e, d, r, top1}")
    p.add_argument("--out", required=True, metavar="DIR")
    _overwrite_option(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--generations", type=int, default=10, help="network generations (default 10)")
    p.add_argument("--popsize", type=int, default=12, help="network candidates per generation (default 12)")
    p.add_argument("--screen-generations", type=int,
                   help="nested, under --accuracy-floor: generations of the predictor screen that finds the smallest "
                        "network the floor admits before the network search (16 predictor calls each; 0: none; "
                        "default: docs/search.md)")
    p.add_argument("--method", choices=["nested", "joint"], default="nested",
                   help="nested (default): every network candidate gets its own accelerator search, warm-started "
                        "from the best so far, and the best network the full connectivity search; joint: one "
                        "CMA-ES over network and accelerator genes together (docs/search.md)")
    p.add_argument("--start-network", choices=["resnet50"],
                   help="nested: start from this network of the space (ResNet-50 in ofa-resnet50), so the result "
                        "is never worse than it on its own searched accelerator")
    p.add_argument("--arch-generations", type=int, default=20,
                   help="generations of the accelerator searches (nested: the first and the final; default 20)")
    p.add_argument("--arch-popsize", type=int, default=12, help="accelerator candidates per generation (default 12)")
    p.add_argument("--max-axes", type=int, choices=[1, 2, 3, 4],
                   help="most PE array axes (default 2, or the hand design's count if larger)")
    p.add_argument("--quiet", action="store_true")
    _search_options(p)
    p.set_defaults(run=_cmd_cosearch)

    p = sub.add_parser("report", help="turn a search's output folder into an HTML page with figures")
    p.add_argument("dir", help="the --out folder of a naas search")
    p.set_defaults(run=_cmd_report)
    return parser


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latency-model", choices=["roofline", "ports"],
                   help="how memory traffic delays compute (default: the design's own, roofline unless its "
                        "spec says otherwise): roofline, or ports (ZigZag's memory-port model; docs/cost-model.md)")
    p.add_argument("--hold-operands", action="store_true",
                   help="the MACs hold their weight and input words across consecutive cycles that use the "
                        "same word, reading the PE buffers once per run (ZigZag's default; docs/cost-model.md)")
    p.add_argument("--noc-model", choices=["flat", "mesh"],
                   help="how the global buffer -> PE network is priced (default: the design's own, flat unless "
                        "its spec says otherwise): flat (one energy per delivered word) or mesh (the wire each "
                        "word crosses, with multicast spans and reduction adds; docs/cost-model.md)")
    p.add_argument("--halo-reuse", action=argparse.BooleanOptionalAction, default=None,
                   help="input tiles keep the rows and columns they share with the previous tile and load only the "
                        "new ones, as Timeloop counts (default: the design's own; docs/cost-model.md)")
    p.add_argument("--input-multicast", choices=["distinct", "per_pe"],
                   help="how overlapping input windows reach the PEs (default: the design's own): each word read "
                        "once for all PEs that need it, or each PE's window read whole (docs/cost-model.md)")


def _json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH",
                   help="also write the results as JSON ('-': to stdout, alone; the table then goes to stderr)")


def _overwrite_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier search's files in --out (without it, a folder holding one is refused)")


def _search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--objective", default="edp", choices=["edp", "energy", "latency"])
    p.add_argument("--encoding", default="importance", choices=["importance", "index"],
                   help="importance (NAAS) or index (the ablation)")
    p.add_argument("--map-generations", type=int, help="mapping-search generations per layer (default 80)")
    p.add_argument("--map-popsize", type=int, help="mapping candidates per layer and generation (default 32)")
    p.add_argument("--map-covariance", choices=["separable", "full"], default="separable",
                   help="the mapping searches' CMA-ES covariance: separable (its diagonal, sep-CMA-ES; default, "
                        "about 2x faster at equal quality) or full (docs/search.md)")
    p.add_argument("--device", default="cpu",
                   help="where mapping searches run: cpu (default), cuda or cuda:N (needs the torch extra)")
    p.add_argument("--backend", choices=["numba", "torch"],
                   help="cost-model backend: numba (default on cpu) or torch (default, and the only one, on cuda)")
    _model_options(p)
    p.add_argument("--uneven", action="store_true",
                   help="search uneven mappings too: each operand cuts the loop nest into its own memory levels "
                        "(ZigZag's per-operand levels; numba backend)")
    p.add_argument("--compile", choices=["auto", "on", "off"], default="auto",
                   help="torch backend: fuse each mapping generation with torch.compile (auto: on cuda only; "
                        "compiling takes minutes, once per run)")


def _check_counts(args: argparse.Namespace) -> None:
    """Seeds and worker counts, which argparse reads as any int, refused in naas's one-line form."""
    if getattr(args, "seed", 0) < 0:
        raise NaasError(f"seed: must be a non-negative integer, got {args.seed}")
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise NaasError(f"workers: must be >= 1, got {workers}; leave it out to use every core")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _check_counts(args)
        args.run(args)
    except NaasError as exc:
        print(f"naas: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"naas: interrupted: {exc}" if str(exc) else "naas: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``tvmconv tune``, ``tuned``, ``compile``, ``cache``, ``bench``, ``layers``,
``explain``,
``demo``, ``overhead``, ``startup`` (also ``python -m tvmconv``)."""

from __future__ import annotations

import argparse
import sys


def _at_least(minimum: int):
    """argparse type: an int >= minimum (--trials 0 or -5 would tune nothing, or forever)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    return parse


LAYERS_HELP = ("layer file (JSON), built-in suite name (suite, tiny, zoo) or model file "
               "(default: suite)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tvmconv", description=__doc__)
    from .. import __version__

    p.add_argument("--version", action="version", version=f"tvmconv {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bench", help="time our kernels vs PyTorch, ONNX Runtime and topi")
    b.add_argument("--layers", default="suite",
                   help=LAYERS_HELP)
    b.add_argument("--only", help="comma-separated layer names to run")
    b.add_argument("--split", choices=["tuned", "heldout", "all"], default=None,
                   help="only this part of the layer file's split (<file>_split.json; the zoo "
                        "has one): heldout layers are never tuned")
    b.add_argument("--target", default=None, help="TVM target (default: this CPU)")
    b.add_argument("--threads", type=int, default=2, help="threads for every competitor (2)")
    b.add_argument("--rounds", type=int, default=7, help="timing rounds; medians reported (7)")
    b.add_argument("--round-ms", type=float, default=30.0, help="time per competitor per round")
    b.add_argument("--pause-ms", type=float, default=50.0,
                   help="idle time before each competitor's batch, for the last one's worker "
                        "threads to stop spinning (50)")
    b.add_argument("--topi-limit", type=float, default=40.0,
                   help="skip untuned topi above this many GMAC (it runs single-threaded, naive)")
    b.add_argument("--json", help="also write the rows to this JSON file")
    b.add_argument("--untuned", action="store_true",
                   help="ignore tuning_logs: time the default schedule")
    b.add_argument("--dtype", default="float32", choices=["float32", "float16"],
                   help="float16: fp16 in and out, fp32 accumulation (default float32)")

    t = sub.add_parser("tune", help="auto-tune layers into tuning_logs/<target>/ (resumable)")
    t.add_argument("--layers", default="suite",
                   help=LAYERS_HELP)
    t.add_argument("--only", help="comma-separated layer names to tune")
    t.add_argument("--one", metavar="PARAMS",
                   help="tune one layer given by its parameters instead, e.g. \"in_channels=256 "
                        "out_channels=128 height=8 width=8 kernel_size=4 stride=2 padding=1\"")
    t.add_argument("--target", default=None, help="TVM target (default: this CPU)")
    t.add_argument("--trials", type=_at_least(1), default=64,
                   help="trials per layer, counting those already in the log (default 64)")
    t.add_argument("--per-batch", type=_at_least(1), default=16,
                   help="candidates measured per search iteration (default 16)")
    t.add_argument("--cores", type=_at_least(1), default=None,
                   help="processes compiling candidates (default: physical cores)")
    t.add_argument("--threads", type=_at_least(1), default=2,
                   help="threads the kernels run with (2)")
    t.add_argument("--log-dir", help="database directory (default: tuning_logs/<target name>/)")
    t.add_argument("--seed", type=int, default=None,
                   help="random seed of the search (default: a new one each run)")
    t.add_argument("--no-plot", action="store_true", help="skip the PNG report")
    t.add_argument("--rpc", metavar="HOST:PORT",
                   help="measure on the devices registered with this TVM RPC tracker")
    t.add_argument("--key", default="", help="device key of the RPC servers (with --rpc)")
    t.add_argument("--rpc-workers", type=_at_least(1), default=1,
                   help="measurements in flight at once (with --rpc; e.g. the server count)")
    t.add_argument("--budget-min", type=float, default=None,
                   help="start no new layer after this many minutes (resume later)")
    t.add_argument("--no-timing", action="store_true",
                   help="skip timing default and tuned kernels alone after tuning")
    t.add_argument("--reindex", action="store_true",
                   help="rewrite the log's index.json (which record serves each layer: what a "
                        "new process reads to start without the compiler), then exit")
    t.add_argument("--prune-stale", action="store_true",
                   help="only remove the log directory's records of computes that have changed "
                        "since they were tuned (they are ignored anyway), then exit")
    t.add_argument("--algorithm", choices=["polyphase", "gemm"], default=None,
                   help="compute to tune (default: each layer's untuned one); tuning both in "
                        "one log lets the faster serve")

    c = sub.add_parser("compile", help="build layers for a target into a deployable package")
    c.add_argument("--layers", default="suite",
                   help=LAYERS_HELP)
    c.add_argument("--only", help="comma-separated layer names to include")
    c.add_argument("--target", default=None,
                   help='TVM target, e.g. "cuda -arch=sm_90", "llvm -mtriple=aarch64-linux-gnu" '
                        "(default: this CPU)")
    c.add_argument("--out", required=True, help="package directory to write")
    c.add_argument("--untuned", action="store_true",
                   help="ignore tuning_logs: default schedules only")

    k = sub.add_parser("cache", help="the compiled-kernel cache: ls, info, clear")
    k.add_argument("action", choices=["ls", "info", "clear"],
                   help="ls: the entries; info: where and how big; clear: remove them all")
    k.add_argument("--target", help="only entries of this target name (e.g. llvm-znver4)")
    k.add_argument("--dir", help="cache directory (default: $TVMCONV_CACHE_DIR or "
                                 "~/.cache/tvmconv)")

    o = sub.add_parser("overhead", help="per-call cost each API surface adds, on a tiny shape")
    o.add_argument("--rounds", type=_at_least(1), default=15,
                   help="timing rounds; medians reported (15)")
    o.add_argument("--calls", type=_at_least(1), default=2000,
                   help="calls per surface per round (2000)")

    u = sub.add_parser("tuned", help="which layers have tuned records, their speed-up, where")
    u.add_argument("--target", default=None, help="TVM target (default: this CPU)")

    s = sub.add_parser("startup", help="what a new process pays before its first result")
    s.add_argument("--layer", default="dcgan_g3", help="suite layer to call (default: dcgan_g3)")
    s.add_argument("--package", help="time tvmconv.load of this package directory instead")
    s.add_argument("--torch", action="store_true",
                   help="import torch first, as an app that uses it would")

    d = sub.add_parser("demo", help="compile one layer for this CPU, check it, time it")
    d.add_argument("--layers", default="suite",
                   help=LAYERS_HELP)
    d.add_argument("--layer", default="dcgan_g3", help="layer name (default: dcgan_g3)")
    d.add_argument("--threads", type=_at_least(1), default=2,
                   help="threads the kernel runs with (2)")

    e = sub.add_parser("explain", help="which compute and schedule a layer's build gets, and "
                                       "why")
    e.add_argument("layer", nargs="?", default=None,
                   help="layer name(s), comma-separated, in --layers (default: all of them)")
    e.add_argument("--layers", default="suite",
                   help="layer file (JSON), built-in suite name or model file (default: suite)")
    e.add_argument("--one", metavar="PARAMS",
                   help="a layer given by its parameters instead, as tvmconv tune --one takes")
    e.add_argument("--target", default=None, help="TVM target (default: this CPU)")

    y = sub.add_parser("layers", help="list the layers of a layer file, a built-in suite or a "
                                      "model (.onnx, .pt2: printed as a layer file)")
    y.add_argument("source", nargs="?", default="suite",
                   help="layer file (JSON), built-in suite name (suite, tiny) or model file "
                        "(default: suite)")
    y.add_argument("--json", action="store_true",
                   help="print a layer file (the default for a model)")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from ..layers import LayerFileError

    try:
        return _run(args)
    except LayerFileError as err:  # a user's layer file: a message, not a traceback
        raise SystemExit(f"tvmconv {args.command}: {err}") from None


def _run(args) -> int:
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main(args)
    if args.command == "tune":
        from ..tuning.cli import main as tune_main

        return tune_main(args)
    if args.command == "compile":
        from ..package.compile import main as compile_main

        return compile_main(args)
    if args.command == "cache":
        from ..compiler.cache import cli_main as cache_main

        return cache_main(args)
    if args.command == "overhead":
        from .overhead import main as overhead_main

        return overhead_main(args)
    if args.command == "tuned":
        from ..tuning.cli import tuned_main

        return tuned_main(args)
    if args.command == "startup":
        from .startup import main as startup_main

        return startup_main(args)
    if args.command == "demo":
        from .demo import main as demo_main

        return demo_main(args)
    if args.command == "explain":
        from .explain import main as explain_main

        return explain_main(args)
    if args.command == "layers":
        return _layers_main(args)
    return 2


def _layers_main(args) -> int:
    """One line per layer: its name (what --only takes), its shape, where it comes from."""
    from ..layers import load_layers
    from ..layers.models import is_model

    layers = load_layers(args.source)
    if args.json or is_model(args.source):
        import json

        print(json.dumps([_layer_entry(layer) for layer in layers], indent=1))
        return 0
    width = max(len(layer.name) for layer in layers)
    for layer in layers:
        d = layer.desc
        print(f"{layer.name:<{width}}  {d.batch}x{d.in_channels}x{d.height}x{d.width} -> "
              f"{d.out_channels} ch, k{d.kernel_h}x{d.kernel_w} s{d.stride_h}x{d.stride_w}"
              f"{'' if d.groups == 1 else f' g{d.groups}'}  {layer.source}")
    print(f"{len(layers)} layers in {args.source}")
    return 0




def _layer_entry(layer) -> dict:
    """A layer as a layer-file object (what layers.layer_from_dict reads back)."""
    d = layer.desc
    entry = {"name": layer.name, "source": layer.source, "batch": d.batch,
             "in_channels": d.in_channels, "out_channels": d.out_channels, "height": d.height,
             "width": d.width, "kernel_size": [d.kernel_h, d.kernel_w],
             "stride": [d.stride_h, d.stride_w], "padding": list(d.pads),
             "output_padding": [d.output_padding_h, d.output_padding_w],
             "dilation": [d.dilation_h, d.dilation_w], "groups": d.groups, "dtype": d.dtype}
    if d.layout != "NCHW":
        entry["layout"] = d.layout
    if d.has_bias:
        entry["bias"] = True
    return entry


if __name__ == "__main__":
    sys.exit(main())

"""``tvmconv startup``: what a new process pays before its first result, step by step.

Runs a fresh Python twice on one layer through the mint surface: the first run may compile (a
cold cache), the second is what an app meets once the cache is warm. Each child times its own
steps and reports whether TVM's compiler library was loaded and whether a tuning database was
parsed. With --package it does the same for ``tvmconv.load`` of a compiled package.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
t = [time.perf_counter()]
params = json.loads(sys.argv[1])
marks = {}
def mark(name):
    t.append(time.perf_counter()); marks[name] = (t[-1] - t[-2]) * 1e3
import numpy as np
mark("import numpy")
if params['torch']:
    try:
        import torch
    except ImportError:
        pass
    mark("import torch (an app's own)")
package = params['package']
if package:
    import tvmconv
    mark("import tvmconv")
    pkg = tvmconv.load(package)
    mark("tvmconv.load")
    name = params['layer'] if params['layer'] in pkg else pkg.names[0]
    kernel = pkg[name]
    desc = kernel.desc
else:
    from tvmconv.mint.nn.functional import conv_transpose2d
    mark("import the surface (tvm_ffi, ml_dtypes)")
    from tvmconv.layers import load_layers
    desc = next(l.desc for l in load_layers("suite") if l.name == params["layer"])
rng = np.random.default_rng(0)
x = rng.standard_normal(desc.input_shape).astype(desc.dtype)
w = rng.standard_normal(desc.weight_shape).astype(desc.dtype)
mark("make inputs")
def call():
    if package:
        return kernel(x, w)
    return conv_transpose2d(x, w, stride=(desc.stride_h, desc.stride_w),
                            padding=(desc.pad_top, desc.pad_left),
                            output_padding=(desc.output_padding_h, desc.output_padding_w),
                            groups=desc.groups, dilation=(desc.dilation_h, desc.dilation_w))
call()
mark("first call")
call()
mark("second call")
maps = open("/proc/self/maps").read()
records = sys.modules.get("tvmconv.tuning.records")
print(json.dumps({"marks": marks, "total_ms": (t[-2] - t[0]) * 1e3,
                  "compiler_loaded": "libtvm_compiler.so" in maps,
                  "database_parsed": bool(records and records._DATABASES)}))
"""


def run_child(layer: str, package: str | None, torch: bool) -> dict:
    params = json.dumps({"layer": layer, "package": package, "torch": torch})
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, params], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"tvmconv startup: the child process failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_ms"] = (time.perf_counter() - start) * 1e3
    return result


def report(title: str, result: dict) -> str:
    lines = [title]
    for name, ms in result["marks"].items():
        lines.append(f"  {name:<42} {ms:8.1f} ms")
    lines.append(f"  {'total to the first result (in process)':<42} {result['total_ms']:8.1f} ms")
    lines.append(f"  {'whole process, interpreter start to exit':<42} "
                 f"{result['process_ms']:8.1f} ms")
    lines.append(f"  TVM's compiler library loaded: {'yes' if result['compiler_loaded'] else 'no'};"
                 f" tuning database parsed: {'yes' if result['database_parsed'] else 'no'}")
    return "\n".join(lines)


def main(args) -> int:
    first = run_child(args.layer, args.package, args.torch)
    what = f"package {args.package}" if args.package else f"{args.layer}, mint surface"
    print(report(f"first process ({what}; compiles if the cache is cold):", first))
    second = run_child(args.layer, args.package, args.torch)
    print(report("the next new process:", second))
    return 0

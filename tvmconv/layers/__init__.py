"""Layer files: JSON lists of real layers in PyTorch terms, for benchmarks, tuning and compiling.

Each object: ``name``, ``source`` (the model it comes from), ``batch``, ``in_channels``,
``out_channels``, ``height``, ``width``, ``kernel_size``, ``stride`` (int or 2 ints), ``padding``
(int, 2 ints (h, w) or 4 ints (top, bottom, left, right)), ``output_padding``, ``dilation``
(int or 2 ints), ``groups``, ``dtype``; optional ``layout`` (NCHW) and ``bias`` (false).
Built-in suites: ``suite`` (the benchmark suite) and ``tiny`` (smoke tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..description import ConvTranspose2dDesc

BUILTIN_DIR = Path(__file__).parent
REQUIRED = ("name", "batch", "in_channels", "out_channels", "height", "width", "kernel_size",
            "stride", "padding")


@dataclass(frozen=True)
class Layer:
    name: str
    source: str
    desc: ConvTranspose2dDesc


def _two(value, field, name):
    if isinstance(value, int):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"layer {name!r}: {field} must be an int or 2 ints, got {value!r}")


def _pads(value, name):
    if isinstance(value, int):
        return value, value, value, value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[0], value[1], value[1]
    if isinstance(value, (list, tuple)) and len(value) == 4:
        return tuple(value)
    raise ValueError(f"layer {name!r}: padding must be an int, 2 ints or 4 ints, got {value!r}")


def layer_from_dict(obj: dict) -> Layer:
    missing = [k for k in REQUIRED if k not in obj]
    name = obj.get("name", "?")
    if missing:
        raise ValueError(f"layer {name!r} lacks field(s) {missing}")
    kh, kw = _two(obj["kernel_size"], "kernel_size", name)
    sh, sw = _two(obj["stride"], "stride", name)
    oph, opw = _two(obj.get("output_padding", 0), "output_padding", name)
    dh, dw = _two(obj.get("dilation", 1), "dilation", name)
    pt, pb, pl, pr = _pads(obj["padding"], name)
    desc = ConvTranspose2dDesc(
        batch=obj["batch"], in_channels=obj["in_channels"], out_channels=obj["out_channels"],
        height=obj["height"], width=obj["width"], kernel_h=kh, kernel_w=kw, stride_h=sh,
        stride_w=sw, dilation_h=dh, dilation_w=dw, pad_top=pt, pad_bottom=pb, pad_left=pl,
        pad_right=pr, output_padding_h=oph, output_padding_w=opw, groups=obj.get("groups", 1),
        layout=obj.get("layout", "NCHW"), dtype=obj.get("dtype", "float32"),
        has_bias=bool(obj.get("bias", False)))
    return Layer(name, obj.get("source", ""), desc)


def select_layers(layers: list[Layer], only: str | None, command: str) -> list[Layer]:
    """The layers named in `only` (comma-separated; all when None), in file order; a
    command-line error naming the unknown ones."""
    if not only:
        return layers
    wanted = set(only.split(","))
    missing = wanted - {layer.name for layer in layers}
    if missing:
        raise SystemExit(f"tvmconv {command}: no layer named {', '.join(sorted(missing))}")
    return [layer for layer in layers if layer.name in wanted]


def load_layers(spec: str | Path) -> list[Layer]:
    """Layers of a built-in suite name ('suite', 'tiny') or of a JSON file path."""
    path = Path(spec)
    if not path.exists() and (BUILTIN_DIR / f"{spec}.json").exists():
        path = BUILTIN_DIR / f"{spec}.json"
    if not path.exists():
        raise FileNotFoundError(f"no layer file or built-in suite named {str(spec)!r}")
    data = json.loads(path.read_text())
    if not isinstance(data, list):
        raise ValueError(f"{path}: a layer file is a JSON list of layer objects")
    return [layer_from_dict(obj) for obj in data]

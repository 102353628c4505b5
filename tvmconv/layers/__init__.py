"""Layer files: JSON lists of real layers in PyTorch terms, for benchmarks, tuning and compiling.

Each object: ``name``, ``source`` (the model it comes from), ``batch``, ``in_channels``,
``out_channels``, ``height``, ``width``, ``kernel_size``, ``stride`` (int or 2 ints), ``padding``
(int, 2 ints (h, w) or 4 ints (top, bottom, left, right)), ``output_padding``, ``dilation``
(int or 2 ints), ``groups``, ``dtype``; optional ``layout`` (NCHW), ``bias`` (false) and
``class`` (what kind of layer: reports and splits group by it; the kernel does not read it).
Built-in suites: ``suite`` (the benchmark suite) and ``tiny`` (smoke tests). A model file
(``.onnx``, ``.pt2``) stands for the layer file of its transposed convolutions (models.py).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from ..description import ConvTranspose2dDesc

BUILTIN_DIR = Path(__file__).parent
REQUIRED = ("name", "batch", "in_channels", "out_channels", "height", "width", "kernel_size",
            "stride", "padding")
OPTIONAL = ("source", "output_padding", "dilation", "groups", "dtype", "layout", "bias", "class")


class LayerFileError(ValueError):
    """A layer file or layer object that is not what this module reads (the message says
    which layer, which key and why)."""


@dataclass(frozen=True)
class Layer:
    name: str
    source: str
    desc: ConvTranspose2dDesc


def _int(value, field, name) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerFileError(f"layer {name!r}: {field} must be an int, got {value!r}")
    return value


def _ints(value, field, name, counts) -> tuple[int, ...]:
    """An int (repeated) or a list of len in `counts` of ints."""
    if isinstance(value, (list, tuple)) and len(value) in counts:
        return tuple(_int(v, field, name) for v in value)
    if not isinstance(value, (list, tuple)):
        return (_int(value, field, name),) * max(counts)
    spelled = " or ".join(str(c) for c in counts)
    raise LayerFileError(f"layer {name!r}: {field} must be an int or {spelled} ints, "
                         f"got {value!r}")


def _two(value, field, name):
    return _ints(value, field, name, (2,))


def _pads(value, name):
    pads = _ints(value, "padding", name, (2, 4))
    return (pads[0], pads[0], pads[1], pads[1]) if len(pads) == 2 else pads


def layer_from_dict(obj: dict) -> Layer:
    if not isinstance(obj, dict):
        raise LayerFileError(f"a layer is a JSON object, got {obj!r}")
    name = obj.get("name", "?")
    unknown = sorted(set(obj) - set(REQUIRED) - set(OPTIONAL))
    if unknown:  # before the missing ones: a misspelt key is both
        hints = [f"{k!r} -> {close[0]!r}?" for k in unknown
                 if (close := difflib.get_close_matches(k, REQUIRED + OPTIONAL, n=1))]
        raise LayerFileError(f"layer {name!r}: unknown key(s) {unknown}"
                             f"{' (' + ', '.join(hints) + ')' if hints else ''}; the keys are "
                             f"{', '.join(REQUIRED + OPTIONAL)}")
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise LayerFileError(f"layer {name!r} lacks field(s) {missing}")
    if not isinstance(name, str) or not name:
        raise LayerFileError(f"layer name must be a non-empty string, got {name!r}")
    for field in ("source", "dtype", "layout", "class"):
        if field in obj and not isinstance(obj[field], str):
            raise LayerFileError(f"layer {name!r}: {field} must be a string, got {obj[field]!r}")
    if "bias" in obj and not isinstance(obj["bias"], bool):
        raise LayerFileError(f"layer {name!r}: bias must be true or false, got {obj['bias']!r}")
    kh, kw = _two(obj["kernel_size"], "kernel_size", name)
    sh, sw = _two(obj["stride"], "stride", name)
    oph, opw = _two(obj.get("output_padding", 0), "output_padding", name)
    dh, dw = _two(obj.get("dilation", 1), "dilation", name)
    pt, pb, pl, pr = _pads(obj["padding"], name)
    try:
        desc = ConvTranspose2dDesc(
            batch=_int(obj["batch"], "batch", name),
            in_channels=_int(obj["in_channels"], "in_channels", name),
            out_channels=_int(obj["out_channels"], "out_channels", name),
            height=_int(obj["height"], "height", name), width=_int(obj["width"], "width", name),
            kernel_h=kh, kernel_w=kw, stride_h=sh, stride_w=sw, dilation_h=dh, dilation_w=dw,
            pad_top=pt, pad_bottom=pb, pad_left=pl, pad_right=pr, output_padding_h=oph,
            output_padding_w=opw, groups=_int(obj.get("groups", 1), "groups", name),
            layout=obj.get("layout", "NCHW"), dtype=obj.get("dtype", "float32"),
            has_bias=obj.get("bias", False))
    except (TypeError, ValueError) as err:
        raise LayerFileError(f"layer {name!r}: {err}") from None
    return Layer(name, obj.get("source", ""), desc)


def select_layers(layers: list[Layer], only: str | None, command: str) -> list[Layer]:
    """The layers named in `only` (comma-separated; all when None), in file order; a
    command-line error naming the unknown ones."""
    if only is None:
        return layers
    wanted = {n.strip() for n in only.split(",") if n.strip()}
    if not wanted:
        raise SystemExit(f"tvmconv {command}: --only names no layer ({only!r})")
    missing = wanted - {layer.name for layer in layers}
    if missing:
        raise SystemExit(f"tvmconv {command}: no layer named {', '.join(sorted(missing))}; "
                         f"the layers are {', '.join(layer.name for layer in layers)}")
    return [layer for layer in layers if layer.name in wanted]


def builtin_suites() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.json") if not p.stem.endswith("_split"))


def load_layers(spec: str | Path) -> list[Layer]:
    """Layers of a built-in suite name ('suite', 'tiny'), a JSON file path, or a model (.onnx,
    .pt2: its transposed convolutions, see models.py). LayerFileError (a ValueError) for a
    file that is not valid JSON (with its line), not a list of layer objects, or holds a bad
    or repeated layer, and for a model with none tvmconv can read."""
    from .models import ModelError, is_model, model_layers

    if is_model(spec):
        try:
            return [layer_from_dict(entry) for entry in model_layers(spec)]
        except ModelError as err:
            raise LayerFileError(str(err)) from None
    path = _layer_file(spec)
    if not path.exists():
        raise LayerFileError(f"no layer file or built-in suite named {str(spec)!r} (the "
                             f"built-in ones: {', '.join(builtin_suites())})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise LayerFileError(f"{path}: not valid JSON at line {err.lineno}, column {err.colno}: "
                             f"{err.msg}") from None
    if not isinstance(data, list):
        raise LayerFileError(f"{path}: a layer file is a JSON list of layer objects")
    try:
        layers = [layer_from_dict(obj) for obj in data]
    except LayerFileError as err:
        raise LayerFileError(f"{path}: {err}") from None
    seen: set = set()
    for layer in layers:
        if layer.name in seen:
            raise LayerFileError(f"{path}: two layers are named {layer.name!r}")
        seen.add(layer.name)
    return layers


def _layer_file(spec) -> Path:
    """The path spec names: a file, else the built-in suite of that name."""
    path = Path(spec)
    if not path.exists() and (BUILTIN_DIR / f"{spec}.json").exists():
        return BUILTIN_DIR / f"{spec}.json"
    return path


def split_file(spec) -> Path:
    """The split a layer file carries beside it: <file stem>_split.json ({"tuned": [names],
    "heldout": [names]})."""
    path = _layer_file(spec)
    return path.with_name(f"{path.stem}_split.json")


def split_layers(layers: list[Layer], spec, part: str | None) -> list[Layer]:
    """The layers of `part` ('tuned', 'heldout'; None or 'all': all of them) of spec's split;
    LayerFileError when the layer file has no split or the split names unknown layers."""
    if part in (None, "all"):
        return layers
    parts = split_names(spec)
    if not parts:
        raise LayerFileError(f"{spec} has no split ({split_file(spec).name} beside it); "
                             "--split needs one")
    names = set(parts.get(part, []))
    unknown = names - {layer.name for layer in layers}
    if unknown:
        raise LayerFileError(f"{split_file(spec)}: names layers {sorted(unknown)} that {spec} "
                             "lacks")
    return [layer for layer in layers if layer.name in names]


def split_names(spec) -> dict:
    """{"tuned": [...], "heldout": [...]} of spec's split file, or {} when it has none."""
    path = split_file(spec)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise LayerFileError(f"{path}: not valid JSON at line {err.lineno}: {err.msg}") from None

"""Parameter initialisers with MindSpore's names, aliases and default arguments.

``initialize(init, shape, dtype, rng)`` accepts what MindSpore's ``weight_init``/``bias_init``
accept: a name in any case ('normal', 'TruncatedNormal', 'he_uniform', 'ones', ...), an
initialiser object from this module, a number (a constant), or an array of exactly the shape.
Fan-in/fan-out follow MindSpore: fan_in = shape[1] * prod(shape[2:]), fan_out = shape[0] * ....
Random draws use NumPy (MindSpore's own generator cannot be reproduced); ``set_seed`` or a
layer's ``seed=`` makes them repeatable.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..runtime.tensors import aligned

_rng = np.random.default_rng()


def set_seed(seed) -> None:
    """Seed the generator layers use when they are given no seed of their own."""
    global _rng  # pylint: disable=global-statement
    _rng = np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    return _rng


def fans(shape) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(f"fan_in and fan_out need a shape of at least 2 dimensions, got {shape}")
    receptive = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


class Initializer:
    """Base: ``init(shape, rng)`` returns a float64 array of `shape`."""

    def __call__(self, shape, rng):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Initializer):
    def __init__(self, value):
        self.value = value

    def __call__(self, shape, rng):
        return np.full(shape, float(self.value))


class Zero(Constant):
    def __init__(self):
        super().__init__(0.0)


class One(Constant):
    def __init__(self):
        super().__init__(1.0)


class Uniform(Initializer):
    """U(-scale, scale)."""

    def __init__(self, scale=0.07):
        self.scale = scale

    def __call__(self, shape, rng):
        return rng.uniform(-self.scale, self.scale, shape)


class Normal(Initializer):
    def __init__(self, sigma=0.01, mean=0.0):
        self.sigma, self.mean = sigma, mean

    def __call__(self, shape, rng):
        return rng.normal(self.mean, self.sigma, shape)


class TruncatedNormal(Initializer):
    """N(mean, sigma) redrawn until inside [a, b] (absolute bounds, as MindSpore's)."""

    def __init__(self, sigma=0.01, mean=0.0, a=-2.0, b=2.0):
        self.sigma, self.mean, self.a, self.b = sigma, mean, a, b

    def __call__(self, shape, rng):
        values = rng.normal(self.mean, self.sigma, shape)
        outside = (values < self.a) | (values > self.b)
        while outside.any():
            values[outside] = rng.normal(self.mean, self.sigma, int(outside.sum()))
            outside = (values < self.a) | (values > self.b)
        return values


def _gain(nonlinearity, negative_slope):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


class HeUniform(Initializer):
    def __init__(self, negative_slope=0, mode="fan_in", nonlinearity="leaky_relu"):
        if mode not in ("fan_in", "fan_out"):
            raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
        self.negative_slope, self.mode, self.nonlinearity = negative_slope, mode, nonlinearity

    def _std(self, shape):
        fan_in, fan_out = fans(shape)
        fan = fan_in if self.mode == "fan_in" else fan_out
        return _gain(self.nonlinearity, self.negative_slope) / math.sqrt(fan)

    def __call__(self, shape, rng):
        bound = math.sqrt(3.0) * self._std(shape)
        return rng.uniform(-bound, bound, shape)


class HeNormal(HeUniform):
    def __call__(self, shape, rng):
        return rng.normal(0.0, self._std(shape), shape)


class XavierUniform(Initializer):
    def __init__(self, gain=1):
        self.gain = gain

    def __call__(self, shape, rng):
        fan_in, fan_out = fans(shape)
        bound = self.gain * math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape)


class XavierNormal(XavierUniform):
    def __call__(self, shape, rng):
        fan_in, fan_out = fans(shape)
        return rng.normal(0.0, self.gain * math.sqrt(2.0 / (fan_in + fan_out)), shape)


# MindSpore registers each initialiser under its lower-cased class name and its aliases.
_BY_NAME = {
    "zero": Zero, "zeros": Zero, "one": One, "ones": One,
    "normal": Normal, "truncatednormal": TruncatedNormal, "uniform": Uniform,
    "heuniform": HeUniform, "he_uniform": HeUniform, "henormal": HeNormal, "he_normal": HeNormal,
    "xavieruniform": XavierUniform, "xavier_uniform": XavierUniform,
    "xaviernormal": XavierNormal, "xavier_normal": XavierNormal,
}


def initialize(init, shape, dtype, rng=None, name="weight_init") -> np.ndarray:
    """A new C-contiguous array of `shape` and `dtype` from `init` (see the module doc)."""
    shape = tuple(shape)
    rng = rng if rng is not None else _rng
    if isinstance(init, str):
        cls = _BY_NAME.get(init.lower())
        if cls is None:
            raise ValueError(f"{name} {init!r} is not an initializer name; use one of "
                             f"{sorted(set(_BY_NAME))} (any case)")
        values = cls()(shape, rng)
    elif isinstance(init, Initializer):
        values = init(shape, rng)
    elif isinstance(init, numbers.Number) and not isinstance(init, bool):
        values = np.full(shape, float(init))
    elif isinstance(init, np.ndarray) or hasattr(init, "__dlpack__") or hasattr(init, "__array__"):
        values = np.asarray(np.from_dlpack(init) if hasattr(init, "__dlpack__")
                            and not isinstance(init, np.ndarray) else init)
        if tuple(values.shape) != shape:
            raise ValueError(f"{name} has shape {tuple(values.shape)}, but the parameter's shape "
                             f"is {shape}")
    else:
        raise TypeError(f"{name} must be a str, an Initializer, a number or an array, got "
                        f"{type(init).__name__} {init!r}")
    return aligned(np.asarray(values, dtype=dtype))

"""Weights owned by a layer, packed once into the kernel layout.

A layer (``nn.Conv2dTranspose``, MegEngine's ``ConvTranspose2d``) owns its weight the way an ONNX
Runtime session owns its initializers: it may prepare it once, when it is set, instead of on
every call. What keeps that safe:

* assigning a NumPy weight stores a read-only, aligned copy: ``layer.weight[...] = v`` raises
  (assign a new array instead), and changing the array you assigned does not reach the layer;
* a weight of another kind (a PyTorch or TVM tensor) is used as given and packed on every call:
  its memory can change behind any counter (PyTorch's version counter misses ``w.data`` and
  NumPy views of the tensor), and a stale packed copy would be silently wrong;
* assigning a weight drops every packed copy of the old one.
"""

from __future__ import annotations

import numpy as np

from . import tensors

_PACKS = "_tvmconv_packed_weights"


class OwnedWeight:
    """Data descriptor for a layer's ``weight`` attribute (see the module docstring)."""

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, obj, objtype=None):
        return self if obj is None else obj.__dict__.get(self.slot)

    def __set__(self, obj, value):
        if isinstance(value, np.ndarray):
            copy = tensors.aligned_empty(value.shape, value.dtype)
            copy[...] = value
            copy.flags.writeable = False
            value = copy
        obj.__dict__[self.slot] = value
        obj.__dict__.pop(_PACKS, None)


def packed_weight(owner, kernel, weight):
    """owner's weight packed for kernel (a TVM tensor), packed at most once per weight version;
    None when the weight cannot be trusted to stay unchanged (then: pack on every call)."""
    version = _version(weight)
    if version is None:
        return None
    packs = owner.__dict__.setdefault(_PACKS, {})
    key = (id(weight), version, kernel.packed_weight_shape, kernel.desc.dtype,
           str(kernel.device))
    packed = packs.get(key)
    if packed is None:
        packs.clear()  # only the current version is worth keeping
        packed = packs[key] = (weight, kernel.pack_weight(weight))
    return packed[1]


def _version(weight):
    """A value that changes whenever the weight's contents may have, or None if unknowable."""
    if isinstance(weight, np.ndarray):
        return 0 if not weight.flags.writeable else None
    return None

"""The size arithmetic of a transposed convolution, and its channel-group rule, written once.

Every length is along one spatial axis, with span = dilation * (kernel - 1) + 1 (the extent of
the dilated kernel) and pads = the sum of the pads at both ends.
"""

from __future__ import annotations


def span(kernel: int, dilation: int) -> int:
    """Extent of a dilated kernel along one axis."""
    return dilation * (kernel - 1) + 1


def transposed_length(size: int, kernel: int, stride: int, dilation: int, pads: int,
                      output_padding: int = 0) -> int:
    """Output length of a transposed convolution (PyTorch's, with pads = both ends summed):
    (size - 1) * stride - pads + dilation * (kernel - 1) + output_padding + 1."""
    return (size - 1) * stride - pads + span(kernel, dilation) + output_padding


def forward_length(size: int, kernel: int, stride: int, dilation: int, pads: int) -> int:
    """Output length of the forward convolution whose gradient the transposed one is."""
    return (size + pads - span(kernel, dilation)) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """The forward convolution's 'same' pads (TensorFlow's and MindSpore's rule): the output is
    ceil(size / stride) long; total = max(0, (out - 1) * stride + span - size), the odd one at
    the end."""
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + span(kernel, dilation) - size)
    return total // 2, total - total // 2


def check_groups(channels: dict, groups: int, group_name: str = "groups",
                 op: str | None = None) -> None:
    """ValueError unless every channel count divides by groups, naming both as the surface
    spells them (MindSpore's 'group' with the operator, MegEngine's groups)."""
    for name, value in channels.items():
        if value % groups:
            if op:
                raise ValueError(f"For '{op}', '{name}' ({value}) must be divisible by "
                                 f"'{group_name}' ({groups})")
            raise ValueError(f"{name} ({value}) must be divisible by {group_name} ({groups})")

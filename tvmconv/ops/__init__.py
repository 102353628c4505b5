"""``tvmconv.ops``: MindSpore's ``ops.Conv2DTranspose`` and ``ops.Conv2DBackpropInput``.

    from tvmconv import ops
    op = ops.Conv2DTranspose(out_channel=32, kernel_size=3, pad_mode="same", stride=2)
    dx = op(dout, weight, (10, 16, 64, 64))
"""

from .conv2d_backprop_input import Conv2DBackpropInput, Conv2DTranspose

__all__ = ["Conv2DBackpropInput", "Conv2DTranspose"]

"""``tvmconv.nn``: MindSpore's ``nn.Conv2dTranspose`` layer and its initialisers.

    from tvmconv import nn
    layer = nn.Conv2dTranspose(64, 32, 4, stride=2, pad_mode="pad", padding=1, has_bias=True)
    y = layer(x)            # x: (N, 64, H, W) NumPy array or DLPack tensor
"""

from . import init
from .conv2d_transpose import Conv2dTranspose

__all__ = ["Conv2dTranspose", "init"]

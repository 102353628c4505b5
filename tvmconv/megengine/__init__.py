"""``tvmconv.megengine``: MegEngine's ``module.ConvTranspose2d``.

    from tvmconv.megengine import module as M
    layer = M.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
    y = layer(x)
"""

from . import module

__all__ = ["module"]

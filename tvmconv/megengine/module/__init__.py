"""``tvmconv.megengine.module``: MegEngine's layer classes that tvmconv implements."""

from .conv_transpose2d import ConvTranspose2d, InvalidArgument

__all__ = ["ConvTranspose2d", "InvalidArgument"]

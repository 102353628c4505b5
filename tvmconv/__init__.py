"""tvmconv: auto-tuned 2-D transposed convolution kernels on Apache TVM.

Importing the package is cheap: TVM's compiler loads on the first compile.

    from tvmconv.mint.nn.functional import conv_transpose2d
    y = conv_transpose2d(x, w, stride=2, padding=1)

Core pieces: ConvTranspose2dDesc (the kernel description), build (description -> cached compiled
kernel), conv2d_transpose_reference (float64 NumPy reference), load (a package written by
``tvmconv compile``: compiled kernels for apps, TVM runtime only).
"""

from .description import ConvTranspose2dDesc
from .runtime.threads import default_thread_count

default_thread_count()  # before TVM's thread pool starts: its own default halves x86 cores

__version__ = "0.1.0"
__all__ = ["ConvTranspose2dDesc", "build", "conv2d_transpose_reference", "load"]


def __getattr__(name):
    # Lazy: `build` pulls in TVM's compiler, the reference only NumPy.
    if name == "build":
        from .compiler.builder import build
        return build
    if name == "load":  # TVM's runtime only, never its compiler
        from .package import load
        return load
    if name == "conv2d_transpose_reference":
        from .testing.reference import conv2d_transpose_reference
        return conv2d_transpose_reference
    raise AttributeError(f"module 'tvmconv' has no attribute {name!r}")

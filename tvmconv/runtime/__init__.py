"""Running compiled kernels: what an app that loads a package needs, and no compiler.

    tensors.py  NumPy arrays and DLPack tensors in and out, aligned when they must be
    kernel.py   Kernel: one compiled description, called with user tensors (or bare, run())
    owned.py    weights a layer owns, packed once into the kernel layout
    library.py  loading kernel libraries with TVM's runtime alone (packages, warm starts)
    threads.py  how many threads the kernels get (TVM_NUM_THREADS, set on import)
"""

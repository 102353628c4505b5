"""What checks a kernel: the float64 reference, random inputs, tolerances, CUDA emulation.

    reference.py   an independent float64 scatter (shares no code with the computes)
    inputs.py      random inputs for a description
    tolerances.py  the tolerance per dtype, poisoned output buffers, the comparison
    emulate.py     a CUDA schedule replayed as an llvm program, to check it without a GPU
"""

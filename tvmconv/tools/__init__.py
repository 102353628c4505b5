"""The command line and what it runs: none of it is imported by the library.

    cli.py        ``tvmconv`` and its sub-commands
    demo.py       compile (or load), check and time one layer
    bench.py      side by side with PyTorch and ONNX Runtime
    baselines.py  the competitors: PyTorch, ONNX Runtime, TVM's topi
    overhead.py   what each surface adds to a bare kernel call
    startup.py    what a new process pays before its first result
    gpu_check.py  CUDA: check, time and tune on a GPU machine
"""

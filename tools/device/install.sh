#!/usr/bin/env bash
# On the device. `install.sh stash`: keep .dev1 (the compiler library) outside the tree.
# `install.sh unpack`: unpack .dev2 next to it into $HOME/tvmenv, check the GPU, and print
# the PYTHONPATH to use: PYTHONPATH=$HOME/tvmenv/site:$PWD python3 -m tvmconv.tools.gpu_check ...
set -euo pipefail
ENV="$HOME/tvmenv"
mkdir -p "$ENV/site"
case "${1:-}" in
  stash) cp .dev1/libtvm_compiler.so.xz "$ENV/" ;;
  unpack)
    tar -C "$ENV/site" -xJf .dev2/tvm-rest.tar.xz
    for w in .dev2/*.whl; do python3 -m zipfile -e "$w" "$ENV/site"; done
    [ -f "$ENV/site/tvm/lib/libtvm_compiler.so" ] || unxz -c "$ENV/libtvm_compiler.so.xz" > "$ENV/site/tvm/lib/libtvm_compiler.so"
    PYTHONPATH="$ENV/site" python3 -c "import tvm; print('tvm', tvm.__version__, 'cuda', tvm.cuda(0).exist)"
    ;;
  *) echo "usage: install.sh stash|unpack" >&2; exit 2 ;;
esac

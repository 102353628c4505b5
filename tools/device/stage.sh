#!/usr/bin/env bash
# Stage TVM for the lent GPU machine (no package registry there, 64 MiB per call):
#   .dev1/libtvm_compiler.so.xz   (~57 MiB; xz -9e takes ~3 min on 2 cores)
#   .dev2/tvm-rest.tar.xz, the apache-tvm-ffi and xgboost-cpu cp312 wheels, tvmconv's
#   own wheel-less source goes with the working tree.
# Then: device call 1 carries .dev1 (install.sh stash), call 2 carries .dev2 (install.sh
# unpack + the job). See ../../README.md "CUDA on the lent GPU machine".
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
grep -qx '/.dev1/' .git/info/exclude || printf '/.dev1/\n/.dev2/\n' >> .git/info/exclude
mkdir -p .dev1 .dev2 .dev-wheels
PLAT=(--no-deps --only-binary=:all: --python-version 3.12 --implementation cp
      --platform manylinux_2_28_x86_64 -d .dev-wheels)
python3 -m pip download -q "${PLAT[@]}" apache-tvm==0.27.0.post1 apache-tvm-ffi==0.1.14.post0 \
    xgboost-cpu
tmp=$(mktemp -d)
unzip -q .dev-wheels/apache_tvm-0.27.0.post1-*.whl 'tvm/*' -d "$tmp"
[ -f .dev1/libtvm_compiler.so.xz ] || xz -9e -T2 -c "$tmp/tvm/lib/libtvm_compiler.so" > .dev1/libtvm_compiler.so.xz
rm "$tmp/tvm/lib/libtvm_compiler.so"
find "$tmp" -name __pycache__ -prune -exec rm -rf {} +
tar -C "$tmp" -cJf .dev2/tvm-rest.tar.xz tvm
cp .dev-wheels/apache_tvm_ffi-*.whl .dev-wheels/xgboost_cpu-*.whl .dev2/
rm -rf "$tmp"
du -sh .dev1 .dev2

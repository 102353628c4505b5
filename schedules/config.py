"""What each target's hardware is to the schedule rules: one object per target kind.

Every number a rule reads off the machine lives here, built from the TVM target by
``from_target``; the rules read nothing else of the hardware. A new target kind brings its own
Config next to its rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvm.target import Target, codegen


@dataclass(frozen=True)
class CPUConfig:
    """An llvm target: its vectors, cores, and the register budget of a micro-kernel."""

    vector_bits: int = 128
    cores: int = 1
    # Accumulator vectors of one micro-kernel, sized for AVX-512's 32 vector registers (the
    # rest hold the broadcast operands and loaded vectors): the polyphase channel and spatial
    # micro-kernels and the GEMM's (the spatial one also streams input rows, so it keeps fewer).
    channel_accumulators: int = 24
    spatial_accumulators: int = 12
    gemm_accumulators: int = 24
    vector_registers: int = 32  # (AVX-512's; cpu_polyphase.shared_register_tile)
    # The gemm compute's cols buffer that still stays in cache (half of this Zen 5's 32 MB L3);
    # a larger one makes polyphase the faster compute (cpu_gemm.gemm_choice).
    cols_cache_bytes: int = 16 << 20
    # The input a polyphase layer may re-read once per channel tile and phase for its weight
    # slab copies to pay (cpu_polyphase._default_slab): between the 34 MB that gained and
    # the 64 MB that lost on an Emerald Rapids Xeon (2 MB of L2 per core).
    slab_input_traffic_bytes: int = 48 << 20
    # Smaller stages run serially: waking the thread pool costs tens of microseconds.
    parallel_min_macs: int = 1 << 18
    parallel_min_elements: int = 1 << 16

    @classmethod
    def from_target(cls, target: Target) -> CPUConfig:
        return cls(vector_bits=_llvm_vector_bits(target), cores=_cores(target))

    def lanes(self, dtype_bits: int) -> int:
        """Lanes of the widest vector for a dtype of `dtype_bits` bits."""
        return max(1, self.vector_bits // dtype_bits)

    def accumulators(self, micro_kernel: str) -> int:
        """Accumulator budget of micro-kernel 'channel', 'spatial' or 'gemm'."""
        return getattr(self, f"{micro_kernel}_accumulators")


@dataclass(frozen=True)
class CUDAConfig:
    """A cuda target: its SMs, warps, and what one thread block may take."""

    # Only used to judge whether a tiling fills the GPU (an H100 SXM has 132).
    sm_count: int = 132
    warp_size: int = 32
    # Shared memory one block stages: half of the per-block limit leaves room for two
    # resident blocks per SM.
    shared_bytes: int = 24 * 1024
    max_block_threads: int = 256        # the default tiles' largest block
    max_thread_outputs: int = 32        # accumulators per thread: beyond, registers limit occupancy
    elementwise_threads: int = 256

    @classmethod
    def from_target(cls, target: Target) -> CUDAConfig:
        attrs = target.attrs
        return cls(sm_count=int(attrs.get("tvmconv.sm_count", cls.sm_count)),
                   warp_size=int(attrs.get("thread_warp_size", cls.warp_size)),
                   shared_bytes=int(attrs.get("max_shared_memory_per_block",
                                              2 * cls.shared_bytes)) // 2)


def _llvm_vector_bits(target: Target) -> int:
    try:
        return int(codegen.llvm_get_vector_width(target))
    except Exception:  # pylint: disable=broad-except  (not an llvm target TVM knows)
        return 128


def _cores(target: Target) -> int:
    try:
        return max(1, int(target.attrs["num-cores"]))
    except (KeyError, TypeError, ValueError):
        return 1

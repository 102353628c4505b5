# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 16, 12, 12), "float32"), weight: T.Buffer((16, 3, 3, 32), "float32"), conv2d_transpose: T.Buffer((1, 32, 12, 12), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h0b2_w0b2", "phase_h0b2_w0b1", "phase_h0b2_w0b0", "phase_h0b1_w0b2", "phase_h0b1_w0b1", "phase_h0b1_w0b0", "phase_h0b0_w0b2", "phase_h0b0_w0b1", "phase_h0b0_w0b0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 4, \"dilation_w\": 4, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": false, \"height\": 12, \"in_channels\": 16, \"kernel_h\": 3, \"kernel_w\": 3, \"layout\": \"NCHW\", \"out_channels\": 32, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 4, \"pad_left\": 4, \"pad_right\": 4, \"pad_top\": 4, \"stride_h\": 1, \"stride_w\": 1, \"width\": 12}", "tvmconv.key": "ct2d_n1_ci16_co32_g1_h12w12_k3x3_s1x1_d4x4_p4.4.4.4_op0x0_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 32, "tvmconv.strides": [1, 1]})
        # with T.sblock("root"):
        pad = T.sblock_alloc_buffer((1, 16, 20, 20))
        phase_h0b2_w0b2 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b2_w0b1 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b2_w0b0 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b2 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b1 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b0 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b2 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b1 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b0 = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b2_w0b2_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b2_w0b1_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b2_w0b0_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b2_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b1_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b1_w0b0_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b2_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b1_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        phase_h0b0_w0b0_global = T.sblock_alloc_buffer((1, 1, 1, 4, 4, 32))
        for i0_i1_fused, i2 in T.grid(16, 20):
            for i3 in T.vectorized(20):
                with T.sblock("pad"):
                    v_i0 = T.axis.spatial(1, 0)
                    v_i1, v_i2, v_i3 = T.axis.remap("SSS", [i0_i1_fused, i2, i3])
                    T.reads(input[v_i0, v_i1, v_i2 - 4, v_i3 - 4])
                    T.writes(pad[v_i0, v_i1, v_i2, v_i3])
                    pad[v_i0, v_i1, v_i2, v_i3] = T.if_then_else(4 <= v_i2 and v_i2 < 16 and 4 <= v_i3 and v_i3 < 16, input[v_i0, v_i1, v_i2 - 4, v_i3 - 4], T.float32(0.0))
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b2_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b2_w0b2_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw + 1, v_co])
                            T.writes(phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b2_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw + 1, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b2_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b2_w0b2_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b2_w0b2[v0, v1, v2, v3, v4, v5])
                        phase_h0b2_w0b2[v0, v1, v2, v3, v4, v5] = phase_h0b2_w0b2_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b1_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 3):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b2_w0b1_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw, v_co])
                            T.writes(phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b2_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b1_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b2_w0b1_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b2_w0b1[v0, v1, v2, v3, v4, v5])
                        phase_h0b2_w0b1[v0, v1, v2, v3, v4, v5] = phase_h0b2_w0b1_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b2_w0b0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 8 - v_jw * 4], weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw, v_co])
                            T.writes(phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b2_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 8 - v_jw * 4] * weight[v_ci, v_rh + v_jh + 1, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b2_w0b0_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b2_w0b0_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b2_w0b0[v0, v1, v2, v3, v4, v5])
                        phase_h0b2_w0b0[v0, v1, v2, v3, v4, v5] = phase_h0b2_w0b0_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b2_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 3, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b1_w0b2_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw + 1, v_co])
                            T.writes(phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b1_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw + 1, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b2_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b1_w0b2_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b1_w0b2[v0, v1, v2, v3, v4, v5])
                        phase_h0b1_w0b2[v0, v1, v2, v3, v4, v5] = phase_h0b1_w0b2_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b1_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 3, 3):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b1_w0b1_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                            T.writes(phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b1_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b1_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b1_w0b1_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b1_w0b1[v0, v1, v2, v3, v4, v5])
                        phase_h0b1_w0b1[v0, v1, v2, v3, v4, v5] = phase_h0b1_w0b1_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 3, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b1_w0b0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 8 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                            T.writes(phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b1_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 12 - v_jh * 4, v_qw + 8 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b1_w0b0_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b1_w0b0_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b1_w0b0[v0, v1, v2, v3, v4, v5])
                        phase_h0b1_w0b0[v0, v1, v2, v3, v4, v5] = phase_h0b1_w0b0_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b2_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b0_w0b2_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw + 1, v_co])
                            T.writes(phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b0_w0b2_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw + 1, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b2_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b0_w0b2_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b0_w0b2[v0, v1, v2, v3, v4, v5])
                        phase_h0b0_w0b2[v0, v1, v2, v3, v4, v5] = phase_h0b0_w0b2_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b1_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 3):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b0_w0b1_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 12 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                            T.writes(phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b0_w0b1_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 12 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b1_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b0_w0b1_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b0_w0b1[v0, v1, v2, v3, v4, v5])
                        phase_h0b0_w0b1[v0, v1, v2, v3, v4, v5] = phase_h0b0_w0b1_global[v0, v1, v2, v3, v4, v5]
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(4, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(32, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(16, 2, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(32):
                        with T.sblock("phase_h0b0_w0b0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(32, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 8 - v_jw * 4], weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                            T.writes(phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0b0_w0b0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 8 - v_jh * 4, v_qw + 8 - v_jw * 4] * weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(32):
                    with T.sblock("phase_h0b0_w0b0_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0b0_w0b0_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0b0_w0b0[v0, v1, v2, v3, v4, v5])
                        phase_h0b0_w0b0[v0, v1, v2, v3, v4, v5] = phase_h0b0_w0b0_global[v0, v1, v2, v3, v4, v5]
        for n in range(1):
            for oh in T.serial(12, annotations={"pragma_loop_partition_hint": 1}):
                for co in range(32):
                    for ow in T.serial(12, annotations={"pragma_loop_partition_hint": 1}):
                        with T.sblock("conv2d_transpose"):
                            v_n, v_co, v_oh, v_ow = T.axis.remap("SSSS", [n, co, oh, ow])
                            T.reads(phase_h0b2_w0b2[v_n, 0, 0, v_oh + -8, v_ow + -8, v_co], phase_h0b2_w0b1[v_n, 0, 0, v_oh + -8, v_ow + -4, v_co], phase_h0b2_w0b0[v_n, 0, 0, v_oh + -8, v_ow, v_co], phase_h0b1_w0b2[v_n, 0, 0, v_oh + -4, v_ow + -8, v_co], phase_h0b1_w0b1[v_n, 0, 0, v_oh + -4, v_ow + -4, v_co], phase_h0b1_w0b0[v_n, 0, 0, v_oh + -4, v_ow, v_co], phase_h0b0_w0b2[v_n, 0, 0, v_oh, v_ow + -8, v_co], phase_h0b0_w0b1[v_n, 0, 0, v_oh, v_ow + -4, v_co], phase_h0b0_w0b0[v_n, 0, 0, v_oh, v_ow, v_co])
                            T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                            conv2d_transpose[v_n, v_co, v_oh, v_ow] = T.if_then_else(T.likely(8 <= v_oh) and T.likely(v_oh < 12) and T.likely(8 <= v_ow) and T.likely(v_ow < 12), phase_h0b2_w0b2[v_n, 0, 0, v_oh + -8, v_ow + -8, v_co], T.if_then_else(T.likely(8 <= v_oh) and T.likely(v_oh < 12) and T.likely(4 <= v_ow) and T.likely(v_ow < 8), phase_h0b2_w0b1[v_n, 0, 0, v_oh + -8, v_ow + -4, v_co], T.if_then_else(T.likely(8 <= v_oh) and T.likely(v_oh < 12) and T.likely(0 <= v_ow) and T.likely(v_ow < 4), phase_h0b2_w0b0[v_n, 0, 0, v_oh + -8, v_ow, v_co], T.if_then_else(T.likely(4 <= v_oh) and T.likely(v_oh < 8) and T.likely(8 <= v_ow) and T.likely(v_ow < 12), phase_h0b1_w0b2[v_n, 0, 0, v_oh + -4, v_ow + -8, v_co], T.if_then_else(T.likely(4 <= v_oh) and T.likely(v_oh < 8) and T.likely(4 <= v_ow) and T.likely(v_ow < 8), phase_h0b1_w0b1[v_n, 0, 0, v_oh + -4, v_ow + -4, v_co], T.if_then_else(T.likely(4 <= v_oh) and T.likely(v_oh < 8) and T.likely(0 <= v_ow) and T.likely(v_ow < 4), phase_h0b1_w0b0[v_n, 0, 0, v_oh + -4, v_ow, v_co], T.if_then_else(T.likely(0 <= v_oh) and T.likely(v_oh < 4) and T.likely(8 <= v_ow) and T.likely(v_ow < 12), phase_h0b0_w0b2[v_n, 0, 0, v_oh, v_ow + -8, v_co], T.if_then_else(T.likely(0 <= v_oh) and T.likely(v_oh < 4) and T.likely(4 <= v_ow) and T.likely(v_ow < 8), phase_h0b0_w0b1[v_n, 0, 0, v_oh, v_ow + -4, v_co], T.if_then_else(T.likely(0 <= v_oh) and T.likely(v_oh < 4) and T.likely(0 <= v_ow) and T.likely(v_ow < 4), phase_h0b0_w0b0[v_n, 0, 0, v_oh, v_ow, v_co], T.float32(0.0))))))))))

# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 8, 4, 4), "float32"), weight: T.Buffer((8, 4, 4, 16), "float32"), conv2d_transpose: T.Buffer((1, 16, 8, 8), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h0_w0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": false, \"height\": 4, \"in_channels\": 8, \"kernel_h\": 4, \"kernel_w\": 4, \"layout\": \"NCHW\", \"out_channels\": 16, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 2, \"stride_w\": 2, \"width\": 4}", "tvmconv.key": "ct2d_n1_ci8_co16_g1_h4w4_k4x4_s2x2_d1x1_p1.1.1.1_op0x0_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 16, "tvmconv.strides": [2, 2]})
        # with T.sblock("root"):
        pad = T.sblock_alloc_buffer((1, 8, 6, 6))
        phase_h0_w0 = T.sblock_alloc_buffer((1, 2, 2, 4, 4, 16))
        phase_h0_w0_global = T.sblock_alloc_buffer((1, 2, 2, 4, 4, 16))
        for i0_i1_fused, i2 in T.grid(8, 6):
            for i3 in T.vectorized(6):
                with T.sblock("pad"):
                    v_i0 = T.axis.spatial(1, 0)
                    v_i1, v_i2, v_i3 = T.axis.remap("SSS", [i0_i1_fused, i2, i3])
                    T.reads(input[v_i0, v_i1, v_i2 - 1, v_i3 - 1])
                    T.writes(pad[v_i0, v_i1, v_i2, v_i3])
                    pad[v_i0, v_i1, v_i2, v_i3] = T.if_then_else(1 <= v_i2 and v_i2 < 5 and 1 <= v_i3 and v_i3 < 5, input[v_i0, v_i1, v_i2 - 1, v_i3 - 1], T.float32(0.0))
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(16, 1):
            for qw_1_init in T.unroll(4):
                for co_1_init in T.vectorized(16):
                    with T.sblock("phase_h0_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(16, co_1_init)
                        v_rh = T.axis.spatial(2, n_rh_rw_qh_co_0_fused // 8)
                        v_rw = T.axis.spatial(2, n_rh_rw_qh_co_0_fused % 8 // 4)
                        v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused % 4)
                        v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(8, 2, 2):
                for qw_1 in T.unroll(4):
                    for co_1 in T.vectorized(16):
                        with T.sblock("phase_h0_w0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(16, co_1)
                            v_rh = T.axis.spatial(2, n_rh_rw_qh_co_0_fused // 8)
                            v_rw = T.axis.spatial(2, n_rh_rw_qh_co_0_fused % 8 // 4)
                            v_qh = T.axis.spatial(4, n_rh_rw_qh_co_0_fused % 4)
                            v_qw = T.axis.spatial(4, qw_0 * 4 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_ci, v_qh + 2 - (v_rh + 1) // 2 - v_rh // 2 - v_jh, v_qw + 2 - (v_rw + 1) // 2 - v_rw // 2 - v_jw], weight[v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, v_co])
                            T.writes(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_ci, v_qh + 2 - (v_rh + 1) // 2 - v_rh // 2 - v_jh, v_qw + 2 - (v_rw + 1) // 2 - v_rw // 2 - v_jw] * weight[v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 4):
                for ax5 in T.vectorized(16):
                    with T.sblock("phase_h0_w0_global"):
                        v0 = T.axis.spatial(1, ax0)
                        v1 = T.axis.spatial(2, n_rh_rw_qh_co_0_fused // 8 + ax1)
                        v2 = T.axis.spatial(2, n_rh_rw_qh_co_0_fused % 8 // 4 + ax2)
                        v3 = T.axis.spatial(4, n_rh_rw_qh_co_0_fused % 4 + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0_w0_global[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0_w0[v0, v1, v2, v3, v4, v5])
                        phase_h0_w0[v0, v1, v2, v3, v4, v5] = phase_h0_w0_global[v0, v1, v2, v3, v4, v5]
        for n_oh_0_co_fused in range(64):
            for oh_1 in T.unroll(2):
                for ow_0 in range(4):
                    for ow_1 in T.unroll(2):
                        with T.sblock("conv2d_transpose"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(16, n_oh_0_co_fused % 16)
                            v_oh = T.axis.spatial(8, n_oh_0_co_fused // 16 * 2 + oh_1)
                            v_ow = T.axis.spatial(8, ow_0 * 2 + ow_1)
                            T.reads(phase_h0_w0[v_n, (v_oh + 1) % 2, (v_ow + 1) % 2, v_oh // 2, v_ow // 2, v_co])
                            T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                            conv2d_transpose[v_n, v_co, v_oh, v_ow] = phase_h0_w0[v_n, (v_oh + 1) % 2, (v_ow + 1) % 2, v_oh // 2, v_ow // 2, v_co]

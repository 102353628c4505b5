# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 6, 6, 8), "float32"), weight: T.Buffer((8, 3, 3, 16), "float32"), bias: T.Buffer((16,), "float32"), conv2d_transpose: T.Buffer((1, 6, 6, 16), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h0_w0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": true, \"height\": 6, \"in_channels\": 8, \"kernel_h\": 3, \"kernel_w\": 3, \"layout\": \"NHWC\", \"out_channels\": 16, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 1, \"stride_w\": 1, \"width\": 6}", "tvmconv.key": "ct2d_n1_ci8_co16_g1_h6w6_k3x3_s1x1_d1x1_p1.1.1.1_op0x0_NHWC_float32_accfloat32_bias", "tvmconv.layout": "NHWC", "tvmconv.out_per_group": 16, "tvmconv.strides": [1, 1]})
        # with T.sblock("root"):
        pad = T.sblock_alloc_buffer((1, 8, 8, 8))
        phase_h0_w0_global = T.sblock_alloc_buffer((1, 1, 1, 6, 6, 16))
        for i0_i1_fused, i2 in T.grid(8, 8):
            for i3 in T.vectorized(8):
                with T.sblock("pad"):
                    v_i0 = T.axis.spatial(1, 0)
                    v_i1, v_i2, v_i3 = T.axis.remap("SSS", [i0_i1_fused, i2, i3])
                    T.reads(input[v_i0, v_i1 - 1, v_i2 - 1, v_i3])
                    T.writes(pad[v_i0, v_i1, v_i2, v_i3])
                    pad[v_i0, v_i1, v_i2, v_i3] = T.if_then_else(1 <= v_i1 and v_i1 < 7 and 1 <= v_i2 and v_i2 < 7, input[v_i0, v_i1 - 1, v_i2 - 1, v_i3], T.float32(0.0))
        for n_rh_rw_qh_co_0_fused, qw_0 in T.grid(6, 1):
            for qw_1_init in T.unroll(6):
                for co_1_init in T.vectorized(16):
                    with T.sblock("phase_h0_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(6, n_rh_rw_qh_co_0_fused)
                        v_qw = T.axis.spatial(6, qw_0 * 6 + qw_1_init)
                        v_co = T.axis.spatial(16, co_1_init)
                        T.reads()
                        T.writes(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
            for ci, jh, jw in T.grid(8, 3, 3):
                for qw_1 in T.unroll(6):
                    for co_1 in T.vectorized(16):
                        with T.sblock("phase_h0_w0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(6, n_rh_rw_qh_co_0_fused)
                            v_qw = T.axis.spatial(6, qw_0 * 6 + qw_1)
                            v_co, v_ci, v_jh, v_jw = T.axis.remap("SRRR", [co_1, ci, jh, jw])
                            T.reads(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad[v_n, v_qh + 2 - v_jh, v_qw + 2 - v_jw, v_ci], weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                            T.writes(phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                            phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0_w0_global[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad[v_n, v_qh + 2 - v_jh, v_qw + 2 - v_jw, v_ci] * weight[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
            for ax0, ax1, ax2, ax3, ax4 in T.grid(1, 1, 1, 1, 6):
                for ax5 in T.vectorized(16):
                    with T.sblock("phase_h0_w0_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(6, n_rh_rw_qh_co_0_fused + ax3)
                        v4, v5 = T.axis.remap("SS", [ax4, ax5])
                        T.reads(phase_h0_w0_global[v0, v1, v2, v3, v4, v5], bias[v5])
                        T.writes(conv2d_transpose[v0, v3, v4, v5])
                        conv2d_transpose[v0, v3, v4, v5] = phase_h0_w0_global[v0, v1, v2, v3, v4, v5] + bias[v5]

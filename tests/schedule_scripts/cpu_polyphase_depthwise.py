# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 8, 8, 8), "float32"), weight: T.Buffer((8, 3, 3, 1), "float32"), conv2d_transpose: T.Buffer((1, 8, 16, 16), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h1_w1", "phase_h1_w0", "phase_h0_w1", "phase_h0_w0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 8, \"has_bias\": false, \"height\": 8, \"in_channels\": 8, \"kernel_h\": 3, \"kernel_w\": 3, \"layout\": \"NCHW\", \"out_channels\": 8, \"output_padding_h\": 1, \"output_padding_w\": 1, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 2, \"stride_w\": 2, \"width\": 8}", "tvmconv.key": "ct2d_n1_ci8_co8_g8_h8w8_k3x3_s2x2_d1x1_p1.1.1.1_op1x1_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 1, "tvmconv.strides": [2, 2]})
        # with T.sblock("root"):
        pad = T.sblock_alloc_buffer((1, 8, 10, 10))
        phase_h1_w1 = T.sblock_alloc_buffer((1, 8, 1, 1, 8, 8))
        phase_h1_w0 = T.sblock_alloc_buffer((1, 8, 1, 1, 8, 8))
        phase_h0_w1 = T.sblock_alloc_buffer((1, 8, 1, 1, 8, 8))
        phase_h0_w0 = T.sblock_alloc_buffer((1, 8, 1, 1, 8, 8))
        for i0_i1_fused, i2 in T.grid(8, 10):
            for i3 in T.vectorized(10):
                with T.sblock("pad"):
                    v_i0 = T.axis.spatial(1, 0)
                    v_i1, v_i2, v_i3 = T.axis.remap("SSS", [i0_i1_fused, i2, i3])
                    T.reads(input[v_i0, v_i1, v_i2 - 1, v_i3 - 1])
                    T.writes(pad[v_i0, v_i1, v_i2, v_i3])
                    pad[v_i0, v_i1, v_i2, v_i3] = T.if_then_else(1 <= v_i2 and v_i2 < 9 and 1 <= v_i3 and v_i3 < 9, input[v_i0, v_i1, v_i2 - 1, v_i3 - 1], T.float32(0.0))
        for n_co_0_rh_rw_qh_fused, qw_0 in T.grid(8, 1):
            for co_1_init in T.unroll(8):
                for qw_1_init in T.vectorized(8):
                    with T.sblock("phase_h1_w1_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(8, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                        v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1_init)
                        T.reads()
                        T.writes(phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                        phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = T.float32(0.0)
            for ci, jh, jw in T.grid(1, 1, 1):
                for co_1 in T.unroll(8):
                    for qw_1 in T.vectorized(8):
                        with T.sblock("phase_h1_w1_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(8, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                            v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw], pad[v_n, v_co + v_ci, v_qh + 1 - (v_rh + 1) // 2 - v_jh, v_qw + 1 - (v_rw + 1) // 2 - v_jw], weight[v_co + v_ci, v_jh * 2 + v_rh + 1, v_jw * 2 + v_rw + 1, 0])
                            T.writes(phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                            phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = phase_h1_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] + pad[v_n, v_co + v_ci, v_qh + 1 - (v_rh + 1) // 2 - v_jh, v_qw + 1 - (v_rw + 1) // 2 - v_jw] * weight[v_co + v_ci, v_jh * 2 + v_rh + 1, v_jw * 2 + v_rw + 1, 0]
        for n_co_0_rh_rw_qh_fused, qw_0 in T.grid(8, 1):
            for co_1_init in T.unroll(8):
                for qw_1_init in T.vectorized(8):
                    with T.sblock("phase_h1_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(8, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                        v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1_init)
                        T.reads()
                        T.writes(phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                        phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = T.float32(0.0)
            for ci, jh, jw in T.grid(1, 1, 2):
                for co_1 in T.unroll(8):
                    for qw_1 in T.vectorized(8):
                        with T.sblock("phase_h1_w0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(8, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                            v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw], pad[v_n, v_co + v_ci, v_qh + 1 - (v_rh + 1) // 2 - v_jh, v_qw + 2 - v_rw // 2 - v_jw], weight[v_co + v_ci, v_jh * 2 + v_rh + 1, v_jw * 2 + v_rw, 0])
                            T.writes(phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                            phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = phase_h1_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] + pad[v_n, v_co + v_ci, v_qh + 1 - (v_rh + 1) // 2 - v_jh, v_qw + 2 - v_rw // 2 - v_jw] * weight[v_co + v_ci, v_jh * 2 + v_rh + 1, v_jw * 2 + v_rw, 0]
        for n_co_0_rh_rw_qh_fused, qw_0 in T.grid(8, 1):
            for co_1_init in T.unroll(8):
                for qw_1_init in T.vectorized(8):
                    with T.sblock("phase_h0_w1_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(8, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                        v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                        phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = T.float32(0.0)
            for ci, jh, jw in T.grid(1, 2, 1):
                for co_1 in T.unroll(8):
                    for qw_1 in T.vectorized(8):
                        with T.sblock("phase_h0_w1_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(8, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                            v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw], pad[v_n, v_co + v_ci, v_qh + 2 - v_rh // 2 - v_jh, v_qw + 1 - (v_rw + 1) // 2 - v_jw], weight[v_co + v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw + 1, 0])
                            T.writes(phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                            phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = phase_h0_w1[v_n, v_co, v_rh, v_rw, v_qh, v_qw] + pad[v_n, v_co + v_ci, v_qh + 2 - v_rh // 2 - v_jh, v_qw + 1 - (v_rw + 1) // 2 - v_jw] * weight[v_co + v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw + 1, 0]
        for n_co_0_rh_rw_qh_fused, qw_0 in T.grid(8, 1):
            for co_1_init in T.unroll(8):
                for qw_1_init in T.vectorized(8):
                    with T.sblock("phase_h0_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(8, co_1_init)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                        v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1_init)
                        T.reads()
                        T.writes(phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                        phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = T.float32(0.0)
            for ci, jh, jw in T.grid(1, 2, 2):
                for co_1 in T.unroll(8):
                    for qw_1 in T.vectorized(8):
                        with T.sblock("phase_h0_w0_update"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(8, co_1)
                            v_rh = T.axis.spatial(1, 0)
                            v_rw = T.axis.spatial(1, 0)
                            v_qh = T.axis.spatial(8, n_co_0_rh_rw_qh_fused)
                            v_qw = T.axis.spatial(8, qw_0 * 8 + qw_1)
                            v_ci, v_jh, v_jw = T.axis.remap("RRR", [ci, jh, jw])
                            T.reads(phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw], pad[v_n, v_co + v_ci, v_qh + 2 - v_rh // 2 - v_jh, v_qw + 2 - v_rw // 2 - v_jw], weight[v_co + v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, 0])
                            T.writes(phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                            phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = phase_h0_w0[v_n, v_co, v_rh, v_rw, v_qh, v_qw] + pad[v_n, v_co + v_ci, v_qh + 2 - v_rh // 2 - v_jh, v_qw + 2 - v_rw // 2 - v_jw] * weight[v_co + v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, 0]
        for n_co_oh_0_fused in range(64):
            for oh_1 in T.unroll(2):
                for ow_0 in range(8):
                    for ow_1 in T.unroll(2):
                        with T.sblock("conv2d_transpose"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(8, n_co_oh_0_fused // 8)
                            v_oh = T.axis.spatial(16, n_co_oh_0_fused % 8 * 2 + oh_1)
                            v_ow = T.axis.spatial(16, ow_0 * 2 + ow_1)
                            T.reads(phase_h1_w1[v_n, v_co, (v_oh + 1) % 2 - 1, (v_ow + 1) % 2 - 1, (v_oh + 1) // 2, (v_ow + 1) // 2], phase_h1_w0[v_n, v_co, (v_oh + 1) % 2 - 1, (v_ow + 1) % 2, (v_oh + 1) // 2, (v_ow + 1) // 2 - 1], phase_h0_w1[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2 - 1, (v_oh + 1) // 2 - 1, (v_ow + 1) // 2], phase_h0_w0[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2, (v_oh + 1) // 2 - 1, (v_ow + 1) // 2 - 1])
                            T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                            conv2d_transpose[v_n, v_co, v_oh, v_ow] = T.if_then_else((v_oh + 1) % 2 == 1 and (v_ow + 1) % 2 == 1, phase_h1_w1[v_n, v_co, (v_oh + 1) % 2 - 1, (v_ow + 1) % 2 - 1, (v_oh + 1) // 2, (v_ow + 1) // 2], T.if_then_else((v_oh + 1) % 2 == 1 and (v_ow + 1) % 2 < 1, phase_h1_w0[v_n, v_co, (v_oh + 1) % 2 - 1, (v_ow + 1) % 2, (v_oh + 1) // 2, (v_ow + 1) // 2 - 1], T.if_then_else((v_oh + 1) % 2 < 1 and (v_ow + 1) % 2 == 1, phase_h0_w1[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2 - 1, (v_oh + 1) // 2 - 1, (v_ow + 1) // 2], T.if_then_else((v_oh + 1) % 2 < 1 and (v_ow + 1) % 2 < 1, phase_h0_w0[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2, (v_oh + 1) // 2 - 1, (v_ow + 1) // 2 - 1], T.float32(0.0)))))

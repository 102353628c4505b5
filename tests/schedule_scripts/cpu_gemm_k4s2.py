# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 8, 4, 4), "float32"), weight: T.Buffer((8, 16, 4, 4), "float32"), conv2d_transpose: T.Buffer((1, 16, 8, 8), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.algorithm": "gemm", "tvmconv.blocks": ["cols", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": false, \"height\": 4, \"in_channels\": 8, \"kernel_h\": 4, \"kernel_w\": 4, \"layout\": \"NCHW\", \"out_channels\": 16, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 2, \"stride_w\": 2, \"width\": 4}", "tvmconv.key": "ct2d_n1_ci8_co16_g1_h4w4_k4x4_s2x2_d1x1_p1.1.1.1_op0x0_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 16, "tvmconv.strides": [2, 2]})
        # with T.sblock("root"):
        cols = T.sblock_alloc_buffer((1, 1, 256, 16))
        cols_global = T.sblock_alloc_buffer((1, 1, 256, 16))
        for n_g_m_0_p_0_0_fused in range(16):
            for m_1_init in T.unroll(16):
                for p_0_1_init in T.unroll(1):
                    for p_1_init in T.vectorized(16):
                        with T.sblock("cols_init"):
                            v_n = T.axis.spatial(1, 0)
                            v_g = T.axis.spatial(1, 0)
                            v_m = T.axis.spatial(256, n_g_m_0_p_0_0_fused * 16 + m_1_init)
                            v_p = T.axis.spatial(16, p_0_1_init * 16 + p_1_init)
                            T.reads()
                            T.writes(cols_global[v_n, v_g, v_m, v_p])
                            cols_global[v_n, v_g, v_m, v_p] = T.float32(0.0)
            for ci in range(8):
                for m_1 in T.unroll(16):
                    for p_0_1 in T.unroll(1):
                        for p_1 in T.vectorized(16):
                            with T.sblock("cols_update"):
                                v_n = T.axis.spatial(1, 0)
                                v_g = T.axis.spatial(1, 0)
                                v_m = T.axis.spatial(256, n_g_m_0_p_0_0_fused * 16 + m_1)
                                v_p = T.axis.spatial(16, p_0_1 * 16 + p_1)
                                v_ci = T.axis.reduce(8, ci)
                                T.reads(cols_global[v_n, v_g, v_m, v_p], input[v_n, v_g * 8 + v_ci, v_p // 4, v_p % 4], weight[v_g * 8 + v_ci, v_m // 16, v_m % 16 // 4, v_m % 4])
                                T.writes(cols_global[v_n, v_g, v_m, v_p])
                                cols_global[v_n, v_g, v_m, v_p] = cols_global[v_n, v_g, v_m, v_p] + input[v_n, v_g * 8 + v_ci, v_p // 4, v_p % 4] * weight[v_g * 8 + v_ci, v_m // 16, v_m % 16 // 4, v_m % 4]
            for ax0, ax1, ax2 in T.grid(1, 1, 16):
                for ax3 in T.vectorized(16):
                    with T.sblock("cols_global"):
                        v0, v1 = T.axis.remap("SS", [ax0, ax1])
                        v2 = T.axis.spatial(256, n_g_m_0_p_0_0_fused * 16 + ax2)
                        v3 = T.axis.spatial(16, ax3)
                        T.reads(cols_global[v0, v1, v2, v3])
                        T.writes(cols[v0, v1, v2, v3])
                        cols[v0, v1, v2, v3] = cols_global[v0, v1, v2, v3]
        for n_co_oh_0_fused in range(64):
            for oh_1 in T.unroll(2):
                for ow_0 in range(4):
                    for ow_1 in T.unroll(2):
                        with T.sblock("conv2d_transpose"):
                            v_n = T.axis.spatial(1, 0)
                            v_co = T.axis.spatial(16, n_co_oh_0_fused // 4)
                            v_oh = T.axis.spatial(8, n_co_oh_0_fused % 4 * 2 + oh_1)
                            v_ow = T.axis.spatial(8, ow_0 * 2 + ow_1)
                            T.reads(cols[v_n, v_co // 16, v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2:v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2 + 11, (v_oh + 1) // 2 * 4 + (v_ow + 1) // 2 - 5:(v_oh + 1) // 2 * 4 + (v_ow + 1) // 2 - 5 + 6])
                            T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                            conv2d_transpose[v_n, v_co, v_oh, v_ow] = T.if_then_else(-1 <= v_oh and v_oh < 7 and -1 <= v_ow and v_ow < 7, cols[v_n, v_co // 16, v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2, (v_oh + 1) // 2 * 4 + (v_ow + 1) // 2], T.float32(0.0)) + T.if_then_else(-1 <= v_oh and v_oh < 7 and 1 <= v_ow and v_ow < 9, cols[v_n, v_co // 16, v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2 + 2, (v_oh + 1) // 2 * 4 + (v_ow + 1) // 2 - 1], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 9 and -1 <= v_ow and v_ow < 7, cols[v_n, v_co // 16, v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2 + 8, (v_oh + 1) // 2 * 4 + (v_ow + 1) // 2 - 4], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 9 and 1 <= v_ow and v_ow < 9, cols[v_n, v_co // 16, v_co % 16 * 16 + (v_oh + 1) % 2 * 4 + (v_ow + 1) % 2 + 10, (v_oh + 1) // 2 * 4 + (v_ow + 1) // 2 - 5], T.float32(0.0))

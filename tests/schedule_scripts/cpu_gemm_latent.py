# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 16, 1, 1), "float32"), weight: T.Buffer((16, 32, 4, 4), "float32"), conv2d_transpose: T.Buffer((1, 32, 4, 4), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.algorithm": "gemm", "tvmconv.blocks": ["cols", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": false, \"height\": 1, \"in_channels\": 16, \"kernel_h\": 4, \"kernel_w\": 4, \"layout\": \"NCHW\", \"out_channels\": 32, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 0, \"pad_left\": 0, \"pad_right\": 0, \"pad_top\": 0, \"stride_h\": 1, \"stride_w\": 1, \"width\": 1}", "tvmconv.key": "ct2d_n1_ci16_co32_g1_h1w1_k4x4_s1x1_d1x1_p0.0.0.0_op0x0_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 32, "tvmconv.strides": [1, 1]})
        # with T.sblock("root"):
        cols = T.sblock_alloc_buffer((1, 1, 1, 512))
        cols_global = T.sblock_alloc_buffer((1, 1, 1, 512))
        for n_g_m_0_0_p_0_fused in range(8):
            for p_1_init in T.unroll(1):
                for m_0_1_init in T.unroll(4):
                    for m_1_init in T.vectorized(16):
                        with T.sblock("cols_init"):
                            v_n = T.axis.spatial(1, 0)
                            v_g = T.axis.spatial(1, 0)
                            v_m = T.axis.spatial(512, n_g_m_0_0_p_0_fused * 64 + m_0_1_init * 16 + m_1_init)
                            v_p = T.axis.spatial(1, p_1_init)
                            T.reads()
                            T.writes(cols_global[v_n, v_g, v_p, v_m])
                            cols_global[v_n, v_g, v_p, v_m] = T.float32(0.0)
            for ci in range(16):
                for p_1 in T.unroll(1):
                    for m_0_1 in T.unroll(4):
                        for m_1 in T.vectorized(16):
                            with T.sblock("cols_update"):
                                v_n = T.axis.spatial(1, 0)
                                v_g = T.axis.spatial(1, 0)
                                v_m = T.axis.spatial(512, n_g_m_0_0_p_0_fused * 64 + m_0_1 * 16 + m_1)
                                v_p, v_ci = T.axis.remap("SR", [p_1, ci])
                                T.reads(cols_global[v_n, v_g, v_p, v_m], input[v_n, v_g * 16 + v_ci, v_p, 0], weight[v_g * 16 + v_ci, v_m // 16, v_m % 16 // 4, v_m % 4])
                                T.writes(cols_global[v_n, v_g, v_p, v_m])
                                cols_global[v_n, v_g, v_p, v_m] = cols_global[v_n, v_g, v_p, v_m] + input[v_n, v_g * 16 + v_ci, v_p, 0] * weight[v_g * 16 + v_ci, v_m // 16, v_m % 16 // 4, v_m % 4]
            for ax0, ax1, ax2 in T.grid(1, 1, 1):
                for ax3 in T.vectorized(64):
                    with T.sblock("cols_global"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(512, n_g_m_0_0_p_0_fused * 64 + ax3)
                        T.reads(cols_global[v0, v1, v2, v3])
                        T.writes(cols[v0, v1, v2, v3])
                        cols[v0, v1, v2, v3] = cols_global[v0, v1, v2, v3]
        for n_co_fused, oh in T.grid(32, 4):
            for ow in T.vectorized(4):
                with T.sblock("conv2d_transpose"):
                    v_n = T.axis.spatial(1, 0)
                    v_co, v_oh, v_ow = T.axis.remap("SSS", [n_co_fused, oh, ow])
                    T.reads(cols[v_n, 0, 0, v_co * 16:v_co * 16 + 16])
                    T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                    conv2d_transpose[v_n, v_co, v_oh, v_ow] = T.if_then_else(0 <= v_oh and v_oh < 1 and 0 <= v_ow and v_ow < 1, cols[v_n, 0, 0, v_co * 16], T.float32(0.0)) + T.if_then_else(0 <= v_oh and v_oh < 1 and 1 <= v_ow and v_ow < 2, cols[v_n, 0, 0, v_co * 16 + 1], T.float32(0.0)) + T.if_then_else(0 <= v_oh and v_oh < 1 and 2 <= v_ow and v_ow < 3, cols[v_n, 0, 0, v_co * 16 + 2], T.float32(0.0)) + T.if_then_else(0 <= v_oh and v_oh < 1 and 3 <= v_ow and v_ow < 4, cols[v_n, 0, 0, v_co * 16 + 3], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 2 and 0 <= v_ow and v_ow < 1, cols[v_n, 0, 0, v_co * 16 + 4], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 2 and 1 <= v_ow and v_ow < 2, cols[v_n, 0, 0, v_co * 16 + 5], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 2 and 2 <= v_ow and v_ow < 3, cols[v_n, 0, 0, v_co * 16 + 6], T.float32(0.0)) + T.if_then_else(1 <= v_oh and v_oh < 2 and 3 <= v_ow and v_ow < 4, cols[v_n, 0, 0, v_co * 16 + 7], T.float32(0.0)) + T.if_then_else(2 <= v_oh and v_oh < 3 and 0 <= v_ow and v_ow < 1, cols[v_n, 0, 0, v_co * 16 + 8], T.float32(0.0)) + T.if_then_else(2 <= v_oh and v_oh < 3 and 1 <= v_ow and v_ow < 2, cols[v_n, 0, 0, v_co * 16 + 9], T.float32(0.0)) + T.if_then_else(2 <= v_oh and v_oh < 3 and 2 <= v_ow and v_ow < 3, cols[v_n, 0, 0, v_co * 16 + 10], T.float32(0.0)) + T.if_then_else(2 <= v_oh and v_oh < 3 and 3 <= v_ow and v_ow < 4, cols[v_n, 0, 0, v_co * 16 + 11], T.float32(0.0)) + T.if_then_else(3 <= v_oh and v_oh < 4 and 0 <= v_ow and v_ow < 1, cols[v_n, 0, 0, v_co * 16 + 12], T.float32(0.0)) + T.if_then_else(3 <= v_oh and v_oh < 4 and 1 <= v_ow and v_ow < 2, cols[v_n, 0, 0, v_co * 16 + 13], T.float32(0.0)) + T.if_then_else(3 <= v_oh and v_oh < 4 and 2 <= v_ow and v_ow < 3, cols[v_n, 0, 0, v_co * 16 + 14], T.float32(0.0)) + T.if_then_else(3 <= v_oh and v_oh < 4 and 3 <= v_ow and v_ow < 4, cols[v_n, 0, 0, v_co * 16 + 15], T.float32(0.0))

# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 8, 4, 4), "float32"), weight: T.Buffer((8, 4, 4, 16), "float32"), conv2d_transpose: T.Buffer((1, 16, 8, 8), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h0_w0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": false, \"height\": 4, \"in_channels\": 8, \"kernel_h\": 4, \"kernel_w\": 4, \"layout\": \"NCHW\", \"out_channels\": 16, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 2, \"stride_w\": 2, \"width\": 4}", "tvmconv.key": "ct2d_n1_ci8_co16_g1_h4w4_k4x4_s2x2_d1x1_p1.1.1.1_op0x0_NCHW_float32_accfloat32_nobias", "tvmconv.layout": "NCHW", "tvmconv.out_per_group": 16, "tvmconv.strides": [2, 2]})
        # with T.sblock("root"):
        phase_h0_w0 = T.sblock_alloc_buffer((1, 16, 2, 2, 4, 4))
        phase_h0_w0_local = T.sblock_alloc_buffer((1, 16, 2, 2, 4, 4), scope="local")
        pad_shared = T.sblock_alloc_buffer((1, 8, 6, 6), scope="shared")
        weight_shared = T.sblock_alloc_buffer((8, 4, 4, 16), scope="shared")
        for n_rh_rw_co_0_qh_0_qw_0_fused in T.thread_binding(16, thread="blockIdx.x"):
            for co_1_qh_1_qw_1_fused in T.thread_binding(64, thread="threadIdx.x", annotations={"pragma_auto_unroll_max_step": 512, "pragma_unroll_explicit": 1}):
                for co_2_init, qh_2_init, qw_2_init in T.grid(1, 1, 1):
                    with T.sblock("phase_h0_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_co = T.axis.spatial(16, n_rh_rw_co_0_qh_0_qw_0_fused % 4 // 2 * 8 + co_1_qh_1_qw_1_fused // 8 + co_2_init)
                        v_rh = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused // 8)
                        v_rw = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused % 8 // 4)
                        v_qh = T.axis.spatial(4, co_1_qh_1_qw_1_fused % 8 // 2 + qh_2_init)
                        v_qw = T.axis.spatial(4, n_rh_rw_co_0_qh_0_qw_0_fused % 2 * 2 + co_1_qh_1_qw_1_fused % 2 + qw_2_init)
                        T.reads()
                        T.writes(phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                        phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = T.float32(0.0)
                for ci_0 in range(1):
                    for ax0_ax1_ax2_ax3_fused_0 in range(2):
                        for ax0_ax1_ax2_ax3_fused_1 in T.thread_binding(64, thread="threadIdx.x"):
                            with T.sblock("pad_shared"):
                                v0 = T.axis.spatial(1, 0)
                                v1 = T.axis.spatial(8, (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 120 // 15)
                                v2 = T.axis.spatial(6, 1 - (n_rh_rw_co_0_qh_0_qw_0_fused + 8) // 16 + (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 15 // 3)
                                v3 = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused % 2 * 2 + 1 - (n_rh_rw_co_0_qh_0_qw_0_fused % 8 + 4) // 8 + (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 3)
                                T.where(ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1 < 120)
                                T.reads(input[v0, v1, v2 - 1, v3 - 1])
                                T.writes(pad_shared[v0, v1, v2, v3])
                                pad_shared[v0, v1, v2, v3] = T.if_then_else(1 <= v2 and v2 < 5 and 1 <= v3 and v3 < 5, input[v0, v1, v2 - 1, v3 - 1], T.float32(0.0))
                    for jh, jw in T.grid(2, 2):
                        for ax0_ax1_ax2_ax3_fused_0 in range(1):
                            for ax0_ax1_ax2_ax3_fused_1 in T.thread_binding(64, thread="threadIdx.x"):
                                with T.sblock("weight_shared"):
                                    v0 = T.axis.spatial(8, (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) // 8)
                                    v1 = T.axis.spatial(4, jh * 2 + n_rh_rw_co_0_qh_0_qw_0_fused // 8)
                                    v2 = T.axis.spatial(4, jw * 2 + n_rh_rw_co_0_qh_0_qw_0_fused % 8 // 4)
                                    v3 = T.axis.spatial(16, n_rh_rw_co_0_qh_0_qw_0_fused % 4 // 2 * 8 + (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 8)
                                    T.reads(weight[v0, v1, v2, v3])
                                    T.writes(weight_shared[v0, v1, v2, v3])
                                    weight_shared[v0, v1, v2, v3] = weight[v0, v1, v2, v3]
                        for ci_1, co_2, qh_2, qw_2 in T.grid(8, 1, 1, 1):
                            with T.sblock("phase_h0_w0_update"):
                                v_n = T.axis.spatial(1, 0)
                                v_co = T.axis.spatial(16, n_rh_rw_co_0_qh_0_qw_0_fused % 4 // 2 * 8 + co_1_qh_1_qw_1_fused // 8 + co_2)
                                v_rh = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused // 8)
                                v_rw = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused % 8 // 4)
                                v_qh = T.axis.spatial(4, co_1_qh_1_qw_1_fused % 8 // 2 + qh_2)
                                v_qw = T.axis.spatial(4, n_rh_rw_co_0_qh_0_qw_0_fused % 2 * 2 + co_1_qh_1_qw_1_fused % 2 + qw_2)
                                v_ci = T.axis.reduce(8, ci_0 * 8 + ci_1)
                                v_jh, v_jw = T.axis.remap("RR", [jh, jw])
                                T.reads(phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw], pad_shared[v_n, v_ci, v_qh + 2 - (v_rh + 1) // 2 - v_rh // 2 - v_jh, v_qw + 2 - (v_rw + 1) // 2 - v_rw // 2 - v_jw], weight_shared[v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, v_co])
                                T.writes(phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw])
                                phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw] = phase_h0_w0_local[v_n, v_co, v_rh, v_rw, v_qh, v_qw] + pad_shared[v_n, v_ci, v_qh + 2 - (v_rh + 1) // 2 - v_rh // 2 - v_jh, v_qw + 2 - (v_rw + 1) // 2 - v_rw // 2 - v_jw] * weight_shared[v_ci, v_jh * 2 + v_rh, v_jw * 2 + v_rw, v_co]
                for ax0, ax1, ax2, ax3, ax4, ax5 in T.grid(1, 1, 1, 1, 1, 1):
                    with T.sblock("phase_h0_w0_local"):
                        v0 = T.axis.spatial(1, ax0)
                        v1 = T.axis.spatial(16, n_rh_rw_co_0_qh_0_qw_0_fused % 4 // 2 * 8 + co_1_qh_1_qw_1_fused // 8 + ax1)
                        v2 = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused // 8 + ax2)
                        v3 = T.axis.spatial(2, n_rh_rw_co_0_qh_0_qw_0_fused % 8 // 4 + ax3)
                        v4 = T.axis.spatial(4, co_1_qh_1_qw_1_fused % 8 // 2 + ax4)
                        v5 = T.axis.spatial(4, n_rh_rw_co_0_qh_0_qw_0_fused % 2 * 2 + co_1_qh_1_qw_1_fused % 2 + ax5)
                        T.reads(phase_h0_w0_local[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0_w0[v0, v1, v2, v3, v4, v5])
                        phase_h0_w0[v0, v1, v2, v3, v4, v5] = phase_h0_w0_local[v0, v1, v2, v3, v4, v5]
        for n_co_oh_ow_fused_0 in T.thread_binding(4, thread="blockIdx.x"):
            for n_co_oh_ow_fused_1 in T.thread_binding(256, thread="threadIdx.x"):
                with T.sblock("conv2d_transpose"):
                    v_n = T.axis.spatial(1, 0)
                    v_co = T.axis.spatial(16, (n_co_oh_ow_fused_0 * 256 + n_co_oh_ow_fused_1) // 64)
                    v_oh = T.axis.spatial(8, (n_co_oh_ow_fused_0 * 256 + n_co_oh_ow_fused_1) % 64 // 8)
                    v_ow = T.axis.spatial(8, (n_co_oh_ow_fused_0 * 256 + n_co_oh_ow_fused_1) % 8)
                    T.reads(phase_h0_w0[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2, v_oh // 2, v_ow // 2])
                    T.writes(conv2d_transpose[v_n, v_co, v_oh, v_ow])
                    conv2d_transpose[v_n, v_co, v_oh, v_ow] = phase_h0_w0[v_n, v_co, (v_oh + 1) % 2, (v_ow + 1) % 2, v_oh // 2, v_ow // 2]

# from tvm.script import ir as I
# from tvm.script import tirx as T
# from tvm.tirx.layout import Axis

@I.ir_module
class Module:
    @T.prim_func(s_tir=True)
    def main(input: T.Buffer((1, 6, 6, 8), "float32"), weight: T.Buffer((8, 3, 3, 16), "float32"), bias: T.Buffer((16,), "float32"), conv2d_transpose: T.Buffer((1, 6, 6, 16), "float32")):
        T.func_attr({"tirx.noalias": True, "tvmconv.blocks": ["pad", "phase_h0_w0", "conv2d_transpose"], "tvmconv.desc": "{\"accum_dtype\": \"float32\", \"batch\": 1, \"dilation_h\": 1, \"dilation_w\": 1, \"dtype\": \"float32\", \"groups\": 1, \"has_bias\": true, \"height\": 6, \"in_channels\": 8, \"kernel_h\": 3, \"kernel_w\": 3, \"layout\": \"NHWC\", \"out_channels\": 16, \"output_padding_h\": 0, \"output_padding_w\": 0, \"pad_bottom\": 1, \"pad_left\": 1, \"pad_right\": 1, \"pad_top\": 1, \"stride_h\": 1, \"stride_w\": 1, \"width\": 6}", "tvmconv.key": "ct2d_n1_ci8_co16_g1_h6w6_k3x3_s1x1_d1x1_p1.1.1.1_op0x0_NHWC_float32_accfloat32_bias", "tvmconv.layout": "NHWC", "tvmconv.out_per_group": 16, "tvmconv.strides": [1, 1]})
        # with T.sblock("root"):
        phase_h0_w0 = T.sblock_alloc_buffer((1, 1, 1, 6, 6, 16))
        phase_h0_w0_local = T.sblock_alloc_buffer((1, 1, 1, 6, 6, 16), scope="local")
        pad_shared = T.sblock_alloc_buffer((1, 8, 8, 8), scope="shared")
        weight_shared = T.sblock_alloc_buffer((8, 3, 3, 16), scope="shared")
        for n_rh_rw_co_0_qh_0_qw_0_fused in T.thread_binding(9, thread="blockIdx.x"):
            for qh_1_qw_1_co_1_fused in T.thread_binding(64, thread="threadIdx.x", annotations={"pragma_auto_unroll_max_step": 512, "pragma_unroll_explicit": 1}):
                for qh_2_init, qw_2_init, co_2_init in T.grid(1, 1, 1):
                    with T.sblock("phase_h0_w0_init"):
                        v_n = T.axis.spatial(1, 0)
                        v_rh = T.axis.spatial(1, 0)
                        v_rw = T.axis.spatial(1, 0)
                        v_qh = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused // 3 * 2 + qh_1_qw_1_co_1_fused // 32 + qh_2_init)
                        v_qw = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused % 3 * 2 + qh_1_qw_1_co_1_fused % 32 // 16 + qw_2_init)
                        v_co = T.axis.spatial(16, qh_1_qw_1_co_1_fused % 16 + co_2_init)
                        T.reads()
                        T.writes(phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                        phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = T.float32(0.0)
                for ci_0 in range(1):
                    for ax0_ax1_ax2_ax3_fused_0 in range(2):
                        for ax0_ax1_ax2_ax3_fused_1 in T.thread_binding(64, thread="threadIdx.x"):
                            with T.sblock("pad_shared"):
                                v0 = T.axis.spatial(1, 0)
                                v1 = T.axis.spatial(8, n_rh_rw_co_0_qh_0_qw_0_fused // 3 * 2 + (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) // 32)
                                v2 = T.axis.spatial(8, n_rh_rw_co_0_qh_0_qw_0_fused % 3 * 2 + (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 32 // 8)
                                v3 = T.axis.spatial(8, (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 8)
                                T.reads(input[v0, v1 - 1, v2 - 1, v3])
                                T.writes(pad_shared[v0, v1, v2, v3])
                                pad_shared[v0, v1, v2, v3] = T.if_then_else(1 <= v1 and v1 < 7 and 1 <= v2 and v2 < 7, input[v0, v1 - 1, v2 - 1, v3], T.float32(0.0))
                    for jh, jw in T.grid(3, 3):
                        for ax0_ax1_ax2_ax3_fused_0 in range(2):
                            for ax0_ax1_ax2_ax3_fused_1 in T.thread_binding(64, thread="threadIdx.x"):
                                with T.sblock("weight_shared"):
                                    v0 = T.axis.spatial(8, (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) // 16)
                                    v1, v2 = T.axis.remap("SS", [jh, jw])
                                    v3 = T.axis.spatial(16, (ax0_ax1_ax2_ax3_fused_0 * 64 + ax0_ax1_ax2_ax3_fused_1) % 16)
                                    T.reads(weight[v0, v1, v2, v3])
                                    T.writes(weight_shared[v0, v1, v2, v3])
                                    weight_shared[v0, v1, v2, v3] = weight[v0, v1, v2, v3]
                        for ci_1, qh_2, qw_2, co_2 in T.grid(8, 1, 1, 1):
                            with T.sblock("phase_h0_w0_update"):
                                v_n = T.axis.spatial(1, 0)
                                v_rh = T.axis.spatial(1, 0)
                                v_rw = T.axis.spatial(1, 0)
                                v_qh = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused // 3 * 2 + qh_1_qw_1_co_1_fused // 32 + qh_2)
                                v_qw = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused % 3 * 2 + qh_1_qw_1_co_1_fused % 32 // 16 + qw_2)
                                v_co = T.axis.spatial(16, qh_1_qw_1_co_1_fused % 16 + co_2)
                                v_ci = T.axis.reduce(8, ci_0 * 8 + ci_1)
                                v_jh, v_jw = T.axis.remap("RR", [jh, jw])
                                T.reads(phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co], pad_shared[v_n, v_qh + 2 - v_jh, v_qw + 2 - v_jw, v_ci], weight_shared[v_ci, v_rh + v_jh, v_rw + v_jw, v_co])
                                T.writes(phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co])
                                phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co] = phase_h0_w0_local[v_n, v_rh, v_rw, v_qh, v_qw, v_co] + pad_shared[v_n, v_qh + 2 - v_jh, v_qw + 2 - v_jw, v_ci] * weight_shared[v_ci, v_rh + v_jh, v_rw + v_jw, v_co]
                for ax0, ax1, ax2, ax3, ax4, ax5 in T.grid(1, 1, 1, 1, 1, 1):
                    with T.sblock("phase_h0_w0_local"):
                        v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
                        v3 = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused // 3 * 2 + qh_1_qw_1_co_1_fused // 32 + ax3)
                        v4 = T.axis.spatial(6, n_rh_rw_co_0_qh_0_qw_0_fused % 3 * 2 + qh_1_qw_1_co_1_fused % 32 // 16 + ax4)
                        v5 = T.axis.spatial(16, qh_1_qw_1_co_1_fused % 16 + ax5)
                        T.reads(phase_h0_w0_local[v0, v1, v2, v3, v4, v5])
                        T.writes(phase_h0_w0[v0, v1, v2, v3, v4, v5])
                        phase_h0_w0[v0, v1, v2, v3, v4, v5] = phase_h0_w0_local[v0, v1, v2, v3, v4, v5]
        for n_oh_ow_co_fused_0 in T.thread_binding(3, thread="blockIdx.x"):
            for n_oh_ow_co_fused_1 in T.thread_binding(256, thread="threadIdx.x"):
                with T.sblock("conv2d_transpose"):
                    v_n = T.axis.spatial(1, 0)
                    v_oh = T.axis.spatial(6, (n_oh_ow_co_fused_0 * 256 + n_oh_ow_co_fused_1) // 96)
                    v_ow = T.axis.spatial(6, (n_oh_ow_co_fused_0 * 256 + n_oh_ow_co_fused_1) % 96 // 16)
                    v_co = T.axis.spatial(16, (n_oh_ow_co_fused_0 * 256 + n_oh_ow_co_fused_1) % 16)
                    T.where(n_oh_ow_co_fused_0 * 256 + n_oh_ow_co_fused_1 < 576)
                    T.reads(phase_h0_w0[v_n, 0, 0, v_oh, v_ow, v_co], bias[v_co])
                    T.writes(conv2d_transpose[v_n, v_oh, v_ow, v_co])
                    conv2d_transpose[v_n, v_oh, v_ow, v_co] = phase_h0_w0[v_n, 0, 0, v_oh, v_ow, v_co] + bias[v_co]

"""What the tests share: hypothesis strategies over descriptions, and fixed small layers."""

from hypothesis import assume
from hypothesis import strategies as st

from tvmconv.description import ConvTranspose2dDesc

# Tiny, but with 16 output channels so that both CPU vector strategies and K blocks apply.
SMALL_DESC = ConvTranspose2dDesc(batch=1, in_channels=40, out_channels=16, height=5, width=6,
                                 kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                                 pad_bottom=1, pad_left=1, pad_right=1, output_padding_h=1,
                                 output_padding_w=1)


@st.composite
def descriptions(draw, dtypes=("float32",)):
    groups = draw(st.sampled_from([1, 1, 2, 4, "depthwise"]))
    if groups == "depthwise":
        groups = draw(st.integers(1, 6))
        cin = cout = groups
    else:
        cin = groups * draw(st.integers(1, 3))
        # 16 and more output channels per group take the channel-vector schedule
        cout = groups * draw(st.sampled_from([1, 2, 3, 16, 20]))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    dtype = draw(st.sampled_from(dtypes))
    fields = dict(
        batch=draw(st.integers(1, 3)), in_channels=cin, out_channels=cout, groups=groups,
        height=draw(st.integers(1, 7)), width=draw(st.integers(1, 7)), kernel_h=kh, kernel_w=kw,
        stride_h=sh, stride_w=sw, dilation_h=dh, dilation_w=dw,
        pad_top=draw(st.integers(0, 4)), pad_bottom=draw(st.integers(0, 4)),
        pad_left=draw(st.integers(0, 4)), pad_right=draw(st.integers(0, 4)),
        output_padding_h=draw(st.integers(0, max(sh, dh) - 1)),
        output_padding_w=draw(st.integers(0, max(sw, dw) - 1)),
        layout=draw(st.sampled_from(["NCHW", "NHWC"])), dtype=dtype,
        accum_dtype=draw(st.sampled_from(["float32", "float16"])) if dtype == "float16" else None,
        has_bias=draw(st.booleans()),
        activation=draw(st.sampled_from(["none"] * 5 + ["relu", "tanh", "sigmoid",
                                                          "leaky_relu:0.1"])))
    try:
        return ConvTranspose2dDesc(**fields)
    except ValueError:
        assume(False)  # pads larger than the output: not a valid description

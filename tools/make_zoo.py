"""Writes tvmconv/layers/zoo.json and zoo_split.json: transposed convolutions of published
models, by class, and a fixed split of them (about a third per class may be tuned; the rest is
held out: never tuned, never used to fit anything). Run from the repository root:

    python tools/make_zoo.py

Each entry's `source` names the model, its code or paper, and the layer. Backward-data layers
(`bwd`) are the input gradient of a forward convolution: a transposed convolution from the
forward output's shape back to its input's (output_padding recovers the input size).
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tvmconv" / "layers"
LAYERS = []


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def up(name, cls, source, n, cin, cout, hw, k, s, p=0, op=0, d=1, g=1):
    """A transposed convolution as the model writes it."""
    h, w = pair(hw)
    LAYERS.append({"name": name, "class": cls, "source": source, "batch": n,
                   "in_channels": cin, "out_channels": cout, "height": h, "width": w,
                   "kernel_size": pair(k), "stride": pair(s), "padding": pair(p),
                   "output_padding": pair(op), "dilation": pair(d), "groups": g,
                   "dtype": "float32"})


def bwd(name, cls, source, n, cin, cout, hw, k, s=1, p=0, d=1, g=1):
    """The input gradient of a forward conv (cin -> cout on hw, kernel k, stride s, pad p)."""
    hw, k, s, p, d = pair(hw), pair(k), pair(s), pair(p), pair(d)
    out = [(x + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for x, kk, ss, pp, dd in zip(hw, k, s, p, d)]
    op = [x - ((o - 1) * ss - 2 * pp + dd * (kk - 1) + 1)
          for x, o, kk, ss, pp, dd in zip(hw, out, k, s, p, d)]
    up(name, cls, source + ", backprop-input", n, cout, cin, out, k, s, p, op, d, g)


def one_d(name, cls, source, n, cin, cout, length, k, s, p=0, op=0):
    """A 1-D transposed convolution (ConvTranspose1d) as an H=1 2-D layer."""
    up(name, cls, source + " (ConvTranspose1d as H=1)", n, cin, cout, (1, length), (1, k),
       (1, s), (0, p), (0, op))


# ----- GAN and VAE generators -----------------------------------------------------------------
DC = "DCGAN generator, pytorch/examples dcgan/main.py"
up("dcgan_g4", "gan", f"{DC}: 16x16 -> 32x32", 1, 128, 64, 16, 4, 2, 1)
up("dcgan_g2_b32", "gan", f"{DC}: 4x4 -> 8x8, batch 32", 32, 512, 256, 4, 4, 2, 1)
up("dcgan_g4_b64", "gan", f"{DC}: 16x16 -> 32x32, batch 64", 64, 128, 64, 16, 4, 2, 1)
VAE = "VanillaVAE decoder, AntixK/PyTorch-VAE models/vanilla_vae.py"
up("vae_dec1", "gan", f"{VAE}: 2x2 -> 4x4", 1, 512, 256, 2, 3, 2, 1, 1)
up("vae_dec2_b16", "gan", f"{VAE}: 4x4 -> 8x8, batch 16", 16, 256, 128, 4, 3, 2, 1, 1)
up("vae_dec4", "gan", f"{VAE}: 16x16 -> 32x32", 1, 64, 32, 16, 3, 2, 1, 1)
up("vae_final", "gan", f"{VAE}: final layer 32x32 -> 64x64", 1, 32, 32, 32, 3, 2, 1, 1)
CG = "CycleGAN ResnetGenerator, junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py"
up("cyclegan_up1", "gan", f"{CG}: 64x64 -> 128x128", 1, 256, 128, 64, 3, 2, 1, 1)
up("cyclegan_up2", "gan", f"{CG}: 128x128 -> 256x256", 1, 128, 64, 128, 3, 2, 1, 1)
P2P = "pix2pix UnetGenerator, junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py"
up("pix2pix_up_inner", "gan", f"{P2P}: innermost 1x1 -> 2x2", 1, 512, 512, 1, 4, 2, 1)
up("pix2pix_up_2", "gan", f"{P2P}: 2x2 -> 4x4", 1, 1024, 512, 2, 4, 2, 1)
up("pix2pix_up_8", "gan", f"{P2P}: 8x8 -> 16x16", 1, 1024, 512, 8, 4, 2, 1)
up("pix2pix_up_16", "gan", f"{P2P}: 16x16 -> 32x32", 1, 1024, 256, 16, 4, 2, 1)
up("pix2pix_up_64", "gan", f"{P2P}: 64x64 -> 128x128", 1, 256, 64, 64, 4, 2, 1)

# ----- segmentation decoders -------------------------------------------------------------------
UN = "U-Net (Ronneberger et al. 2015) up-convolution"
up("unet_up3", "segmentation", f"{UN}: 100x100 -> 200x200", 1, 256, 128, 100, 2, 2)
up("unet_up4", "segmentation", f"{UN}: 196x196 -> 392x392", 1, 128, 64, 196, 2, 2)
MU = "milesial/Pytorch-UNet unet_parts.py Up (bilinear=False), 640x960 input"
up("unet_milesial_up1", "segmentation", f"{MU}: 40x60 -> 80x120", 1, 1024, 512, (40, 60), 2, 2)
up("unet_milesial_up3", "segmentation", f"{MU}: 160x240", 1, 256, 128, (160, 240), 2, 2)
FCN = "FCN-16s, wkentaro/pytorch-fcn torchfcn/models/fcn16s.py"
up("fcn16s_upscore2", "segmentation", f"{FCN}: upscore2", 1, 21, 21, 16, 4, 2)
up("fcn16s_upscore16", "segmentation", f"{FCN}: upscore16", 1, 21, 21, 34, 32, 16)
DN = "DeconvNet (Noh et al. 2015), HyeonwooNoh/DeconvNet"
up("deconvnet_fc6", "segmentation", f"{DN}: fc6-deconv 1x1 -> 7x7", 1, 4096, 512, 1, 7, 1)
up("deconvnet_d5", "segmentation", f"{DN}: deconv5 14x14", 1, 512, 512, 14, 3, 1, 1)
LN = "LinkNet decoder (Chaurasia & Culurciello 2017), 256x256 input"
up("linknet_dec4", "segmentation", f"{LN}: decoder4 full-conv 8x8", 1, 128, 128, 8, 3, 2, 1, 1)
up("linknet_dec1", "segmentation", f"{LN}: decoder1 full-conv 64x64", 1, 16, 16, 64, 3, 2, 1, 1)
up("linknet_final", "segmentation", f"{LN}: final full-conv 64x64", 1, 64, 32, 64, 3, 2, 1, 1)
up("linknet_classes", "segmentation", f"{LN}: last 2x2 to 12 classes", 1, 32, 12, 128, 2, 2)

# ----- detection and pose heads ----------------------------------------------------------------
SB = "SimpleBaseline pose (Xiao et al. 2018), microsoft/human-pose-estimation.pytorch, 256x192"
up("simplebaseline_d1", "heads", f"{SB}: deconv 1", 1, 2048, 256, (8, 6), 4, 2, 1)
up("simplebaseline_d2", "heads", f"{SB}: deconv 2", 1, 256, 256, (16, 12), 4, 2, 1)
up("simplebaseline_d3_b32", "heads", f"{SB}: deconv 3, batch 32", 32, 256, 256, (32, 24), 4, 2, 1)
CN = "CenterNet ResNet head, xingyizhou/CenterNet msra_resnet.py, 512x512 input"
up("centernet_d1", "heads", f"{CN}: deconv 1", 1, 2048, 256, 16, 4, 2, 1)
up("centernet_d3", "heads", f"{CN}: deconv 3", 1, 256, 256, 64, 4, 2, 1)
MR = "Mask R-CNN mask head, detectron2 MaskRCNNConvUpsampleHead"
up("maskrcnn_mask_b100", "heads", f"{MR}: 14x14 -> 28x28 over 100 RoIs", 100, 256, 256, 14, 2, 2)
up("maskrcnn_mask_b16", "heads", f"{MR}: 14x14 -> 28x28 over 16 RoIs", 16, 256, 256, 14, 2, 2)
KR = "Keypoint R-CNN, torchvision models/detection/keypoint_rcnn.py KeypointRCNNPredictor"
up("keypointrcnn_b100", "heads", f"{KR}: 14x14 -> 28x28, 17 keypoints, 100 RoIs", 100, 512, 17,
   14, 4, 2, 1)

# ----- super-resolution ------------------------------------------------------------------------
FS = "FSRCNN (Dong et al. 2016), yjn870/FSRCNN-pytorch models.py"
up("fsrcnn_x4", "superres", f"{FS}: x4 deconvolution", 1, 56, 1, 64, 9, 4, 4, 3)
up("fsrcnn_x2_b8", "superres", f"{FS}: x2 deconvolution, batch 8", 8, 56, 1, 64, 9, 2, 4, 1)
LS = "LapSRN (Lai et al. 2017), twtygqyy/pytorch-LapSRN lapsrn.py"
up("lapsrn_up1", "superres", f"{LS}: feature upsampling 64x64", 1, 64, 64, 64, 4, 2, 1)
up("lapsrn_up2", "superres", f"{LS}: feature upsampling 128x128", 1, 64, 64, 128, 4, 2, 1)
up("lapsrn_img", "superres", f"{LS}: image upsampling 64x64", 1, 1, 1, 64, 4, 2, 1)
DB = "DBPN (Haris et al. 2018), alterzero/DBPN-Pytorch base_networks.py UpBlock, x4"
up("dbpn_up_x4", "superres", f"{DB}: up-projection 32x32", 1, 64, 64, 32, 8, 4, 2)
up("dbpn_up_x2", "superres", f"{DB} (x2 kernel 6, stride 2): 64x64", 1, 64, 64, 64, 6, 2, 2)

# ----- audio upsamplers (1-D) ------------------------------------------------------------------
WG = "WaveGAN generator (Donahue et al. 2019), mazzzystar/WaveGAN-pytorch wavegan.py"
one_d("wavegan_up1", "audio", f"{WG}: 16 -> 64", 1, 1024, 512, 16, 25, 4, 11, 1)
one_d("wavegan_up3", "audio", f"{WG}: 256 -> 1024", 1, 256, 128, 256, 25, 4, 11, 1)
one_d("wavegan_up5", "audio", f"{WG}: 4096 -> 16384, to audio", 1, 64, 1, 4096, 25, 4, 11, 1)
MG = "MelGAN generator (Kumar et al. 2019), descriptinc/melgan-neurips mel2wav/modules.py"
one_d("melgan_up1", "audio", f"{MG}: x8", 1, 512, 256, 128, 16, 8, 4)
one_d("melgan_up3", "audio", f"{MG}: x2", 1, 128, 64, 8192, 4, 2, 1)
HG = "HiFi-GAN V1 generator, jik876/hifi-gan models.py"
one_d("hifigan_up1", "audio", f"{HG}: ups[0] x8", 1, 512, 256, 64, 16, 8, 4)
one_d("hifigan_up2_b8", "audio", f"{HG}: ups[1] x8, batch 8", 8, 256, 128, 512, 16, 8, 4)
one_d("convtasnet_dec", "audio", "Conv-TasNet decoder (Luo & Mesgarani 2019), "
      "naplab/Conv-TasNet: 512 bases, L=16", 1, 512, 1, 4000, 16, 8)

# ----- backward-data of forward convolutions ---------------------------------------------------
R50 = "ResNet-50 (torchvision resnet.py)"
bwd("r50_l1_3x3_b8", "bwd_stride1", f"{R50} layer1 3x3, batch 8", 8, 64, 64, 56, 3, 1, 1)
bwd("r50_l3_3x3_b32", "bwd_stride1", f"{R50} layer3 3x3, batch 32", 32, 256, 256, 14, 3, 1, 1)
bwd("r50_l4_3x3", "bwd_stride1", f"{R50} layer4 3x3", 1, 512, 512, 7, 3, 1, 1)
bwd("r50_l2_3x3_s2", "bwd_stride2", f"{R50} layer2 3x3 stride 2", 1, 128, 128, 56, 3, 2, 1)
bwd("r50_l4_3x3_s2_b8", "bwd_stride2", f"{R50} layer4 3x3 stride 2, batch 8", 8, 512, 512, 14,
    3, 2, 1)
bwd("vgg16_conv5", "bwd_stride1", "VGG-16 conv5 3x3 (torchvision vgg.py)", 1, 512, 512, 14, 3,
    1, 1)
bwd("r50_l2_down", "bwd_1x1", f"{R50} layer2 downsample 1x1 stride 2", 1, 256, 512, 56, 1, 2)
bwd("r50_l3_down_b8", "bwd_1x1", f"{R50} layer3 downsample 1x1 stride 2, batch 8", 8, 512,
    1024, 28, 1, 2)
bwd("r50_l1_reduce", "bwd_1x1", f"{R50} layer1 1x1 256 -> 64", 1, 256, 64, 56, 1, 1)
RX = "ResNeXt-50 32x4d (torchvision resnet.py)"
bwd("resnext_l1_g32", "bwd_grouped", f"{RX} layer1 grouped 3x3", 1, 128, 128, 56, 3, 1, 1, g=32)
bwd("resnext_l3_g32_s2", "bwd_grouped", f"{RX} layer3 grouped 3x3 stride 2", 1, 512, 512, 28,
    3, 2, 1, g=32)
bwd("shufflenet_g8", "bwd_grouped", "ShuffleNet v1 g=8 1x1 group conv (Zhang et al. 2018)", 1,
    384, 384, 28, 1, 1, 0, g=8)
MB = "MobileNetV2 (torchvision mobilenetv2.py) depthwise 3x3"
bwd("mbv2_dw32_s1", "bwd_depthwise", f"{MB}: 32 ch 112x112", 1, 32, 32, 112, 3, 1, 1, g=32)
bwd("mbv2_dw576_s1", "bwd_depthwise", f"{MB}: 576 ch 14x14", 1, 576, 576, 14, 3, 1, 1, g=576)
bwd("mbv2_dw960_s1_b32", "bwd_depthwise", f"{MB}: 960 ch 7x7, batch 32", 32, 960, 960, 7, 3, 1,
    1, g=960)
EF = "EfficientNet-B0 (torchvision efficientnet.py) depthwise 5x5"
bwd("effb0_dw240_s2", "bwd_depthwise", f"{EF}: 240 ch stride 2", 1, 240, 240, 28, 5, 2, 2, g=240)
bwd("effb0_dw672_s1_b8", "bwd_depthwise", f"{EF}: 672 ch, batch 8", 8, 672, 672, 14, 5, 1, 2,
    g=672)
IN = "Inception-v3 Mixed_6b (torchvision inception.py)"
bwd("inception_1x7", "bwd_factorized", f"{IN} 1x7", 1, 128, 128, 17, (1, 7), 1, (0, 3))
bwd("inception_7x1", "bwd_factorized", f"{IN} 7x1", 1, 128, 192, 17, (7, 1), 1, (3, 0))
bwd("inception_1x7_b32", "bwd_factorized", f"{IN} 1x7, batch 32", 32, 160, 160, 17, (1, 7), 1,
    (0, 3))
DL = "DeepLabv3 ASPP (torchvision segmentation/deeplabv3.py), output stride 16"
bwd("aspp_d6", "bwd_dilated", f"{DL}: 3x3 dilation 6", 1, 2048, 256, 33, 3, 1, 6, d=6)
bwd("aspp_d12", "bwd_dilated", f"{DL}: 3x3 dilation 12", 1, 2048, 256, 33, 3, 1, 12, d=12)
bwd("r50_l4_d2", "bwd_dilated", "DeepLabv3 backbone ResNet-50 layer4 3x3 dilation 2", 1, 512,
    512, 33, 3, 1, 2, d=2)
bwd("drn_d4", "bwd_dilated", "DRN-C-26 (Yu et al. 2017) layer6 3x3 dilation 4", 1, 512, 512, 28,
    3, 1, 4, d=4)
bwd("r50_stem", "bwd_stem", f"{R50} conv1 7x7 stride 2 from RGB", 1, 3, 64, 224, 7, 2, 3)
bwd("r50_stem_b8", "bwd_stem", f"{R50} conv1 7x7 stride 2 from RGB, batch 8", 8, 3, 64, 224, 7,
    2, 3)
bwd("mbv2_stem", "bwd_stem", "MobileNetV2 first conv 3x3 stride 2 from RGB", 1, 3, 32, 224, 3, 2,
    1)


def split(layers):
    """Per class, in name order: every third layer (the first, fourth, ...) may be tuned."""
    tuned = []
    for cls in sorted({layer["class"] for layer in layers}):
        names = sorted(layer["name"] for layer in layers if layer["class"] == cls)
        tuned += names[::3]
    return {"tuned": sorted(tuned),
            "heldout": sorted(layer["name"] for layer in layers if layer["name"] not in tuned)}


if __name__ == "__main__":
    names = [layer["name"] for layer in LAYERS]
    assert len(names) == len(set(names)), "repeated names"
    (OUT / "zoo.json").write_text(json.dumps(LAYERS, indent=1) + "\n")
    (OUT / "zoo_split.json").write_text(json.dumps(split(LAYERS), indent=1) + "\n")
    print(f"{len(LAYERS)} layers, {len(split(LAYERS)['tuned'])} in the tuned part")

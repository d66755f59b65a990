#!/usr/bin/env python3
"""Makes the ONNX fixtures that the io module's ONNX tests import (OnnxFixturesTest).

Writes to io/src/test/resources/onnx/:

  shufflenet_v2_x0_5_opset11.onnx     torchvision's shufflenet_v2_x0_5 (100 classes), exported by
                                      torch.onnx at opset 11 with BatchNorm kept (TrainingMode.PRESERVE)
                                      and a dynamic batch: the Shape/Gather/Unsqueeze/Concat subgraphs of
                                      torchvision's channel_shuffle stay in the file.
  shufflenet_v1_g3_x0_25_opset13.onnx a ShuffleNet v1 (g=3, 0.25x, 100 classes) written below in the
                                      layout of shufflespark's ShuffleNetV1, exported at opset 13 with the
                                      exporter's default (BatchNorm folded into the convolutions), batch 1.
  shufflenet_v1_caffe2_style.onnx     the same v1 network and weights, written node by node with onnx.helper
                                      the way the ONNX Model Zoo's Caffe2-converted ShuffleNet is: opset 9,
                                      input gpu_0/data_0 [1, 3, 224, 224], initializers also listed as
                                      inputs, BatchNorm folded except in the stem, Pad + AveragePool
                                      shortcuts, Sum, Flatten + Gemm, and a Softmax output.
  fixtures.txt                        the PyTorch outputs for the inputs described there.

Weights are PyTorch's default initialisation under torch.manual_seed, with BatchNorm statistics and affine
parameters drawn at random so that no BatchNorm is the identity. Inputs are not stored: image n, value i of
a fixture is made from a 32-bit hash (see input_values() here and OnnxFixturesTest.input in Java).

Usage, from the repository root, with Debian's python3-torch, python3-torchvision and python3-onnx:
    /usr/bin/python3 io/src/test/python/make_onnx_fixtures.py
The tests never run Python; the files are committed.
"""

import io
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "onnx")
CLASSES = 100
IMAGES = 2
SIZE = 224


def input_values(count, seed):
    """count float32 values in [-2, 2): a 32-bit hash of the index (the Java side computes the same)."""
    i = np.arange(count, dtype=np.uint64)
    h = (i * np.uint64(0x9E3779B1) + np.uint64(seed)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x85EBCA77)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(13)
    return (h.astype(np.float64) / 4294967296.0 * 4.0 - 2.0).astype(np.float32)


def randomise_batchnorm(model, generator):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=generator) * 1.5 + 0.5)


class V1Unit(nn.Module):
    """shufflespark's v1 unit: 1x1 group conv + BN + ReLU, shuffle, depthwise 3x3 + BN, 1x1 group conv + BN."""

    def __init__(self, cin, cout, stride, first_groups, groups):
        super().__init__()
        self.stride = stride
        self.groups = groups
        mid = cout // 4
        branch = cout - cin if stride == 2 else cout
        self.conv1 = nn.Conv2d(cin, mid, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, branch, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        n, c, h, w = y.shape
        y = y.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)
        y = self.bn2(self.conv2(y))
        y = self.bn3(self.conv3(y))
        if self.stride == 1:
            return F.relu(x + y)
        return F.relu(torch.cat([F.avg_pool2d(x, 3, 2, 1), y], 1))


class ShuffleNetV1(nn.Module):
    """ShuffleNet v1 as shufflespark's ShuffleNetV1 lays it out (stem, max pool, stages of 4, 8, 4 units)."""

    def __init__(self, groups, stem, stage_channels, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        units = []
        cin = stem
        for stage, (repeats, cout) in enumerate(zip([4, 8, 4], stage_channels)):
            for i in range(repeats):
                units.append(V1Unit(cin, cout, 2 if i == 0 else 1, 1 if stage == 0 and i == 0 else groups, groups))
                cin = cout
        self.units = nn.ModuleList(units)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for u in self.units:
            x = u(x)
        return self.fc(x.mean([2, 3]))


def export(model, x, path, **kwargs):
    buf = io.BytesIO()
    torch.onnx.export(model, x, buf, input_names=["input"], output_names=["logits"], **kwargs)
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    with open(path, "wb") as f:
        f.write(data)
    return onnx.load_from_string(data)


def fold(conv, bn):
    """Conv weight and bias with the BatchNorm after it folded in (float64, then float32)."""
    w = conv.weight.detach().double().numpy()
    s = (bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)).numpy()
    b = bn.bias.detach().double().numpy() - bn.running_mean.double().numpy() * s
    return (w * s[:, None, None, None]).astype(np.float32), b.astype(np.float32)


def caffe2_style(model, path):
    """The v1 network as the Model Zoo's Caffe2-converted ShuffleNet is written (see the module docstring)."""
    nodes = []
    inits = []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def conv(x, name, module, bn, groups, stride, pad):
        w, b = fold(module, bn)
        nodes.append(helper.make_node("Conv", [x, init(name + "_w", w), init(name + "_b", b)], [name],
                                      kernel_shape=list(w.shape[2:]), strides=[stride, stride],
                                      pads=[pad] * 4, group=groups))
        return name

    x = "gpu_0/data_0"
    # The stem keeps its BatchNorm (opset 9: no spatial attribute).
    c1 = model.conv1
    nodes.append(helper.make_node("Conv", [x, init("gpu_0/conv1_w", c1.weight.detach().numpy())], ["gpu_0/conv1"],
                                  kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    bn = model.bn1
    nodes.append(helper.make_node("BatchNormalization", ["gpu_0/conv1",
                                  init("gpu_0/conv1_spatbn_s", bn.weight.detach().numpy()),
                                  init("gpu_0/conv1_spatbn_b", bn.bias.detach().numpy()),
                                  init("gpu_0/conv1_spatbn_rm", bn.running_mean.numpy()),
                                  init("gpu_0/conv1_spatbn_riv", bn.running_var.numpy())], ["gpu_0/conv1_spatbn"],
                                  epsilon=bn.eps))
    nodes.append(helper.make_node("Relu", ["gpu_0/conv1_spatbn"], ["gpu_0/conv1_relu"]))
    nodes.append(helper.make_node("MaxPool", ["gpu_0/conv1_relu"], ["gpu_0/pool1"], kernel_shape=[3, 3],
                                  strides=[2, 2], pads=[1, 1, 1, 1]))
    x = "gpu_0/pool1"
    h = SIZE // 4
    for k, u in enumerate(model.units):
        p = "gpu_0/gconv%d" % k
        y = conv(x, p + "_1", u.conv1, u.bn1, u.conv1.groups, 1, 0)
        nodes.append(helper.make_node("Relu", [y], [p + "_1_relu"]))
        mid = u.conv1.out_channels
        g = u.groups
        nodes.append(helper.make_node("Reshape", [p + "_1_relu", init(p + "_shape1", np.array([1, g, mid // g, h, h],
                                      dtype=np.int64))], [p + "_reshape1"]))
        nodes.append(helper.make_node("Transpose", [p + "_reshape1"], [p + "_transpose"], perm=[0, 2, 1, 3, 4]))
        nodes.append(helper.make_node("Reshape", [p + "_transpose", init(p + "_shape2", np.array([1, mid, h, h],
                                      dtype=np.int64))], [p + "_shuffle"]))
        h2 = h // u.stride
        y = conv(p + "_shuffle", p + "_2", u.conv2, u.bn2, mid, u.stride, 1)
        y = conv(y, p + "_3", u.conv3, u.bn3, g, 1, 0)
        if u.stride == 1:
            nodes.append(helper.make_node("Sum", [x, y], [p + "_sum"]))
            nodes.append(helper.make_node("Relu", [p + "_sum"], [p + "_out"]))
        else:
            nodes.append(helper.make_node("Pad", [x], [p + "_pad"], mode="constant", value=0.0,
                                          pads=[0, 0, 1, 1, 0, 0, 1, 1]))
            nodes.append(helper.make_node("AveragePool", [p + "_pad"], [p + "_avgpool"], kernel_shape=[3, 3],
                                          strides=[2, 2]))
            nodes.append(helper.make_node("Concat", [p + "_avgpool", y], [p + "_concat"], axis=1))
            nodes.append(helper.make_node("Relu", [p + "_concat"], [p + "_out"]))
        x = p + "_out"
        h = h2
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gpu_0/pool5"]))
    nodes.append(helper.make_node("Flatten", ["gpu_0/pool5"], ["gpu_0/pool5_flat"], axis=1))
    nodes.append(helper.make_node("Gemm", ["gpu_0/pool5_flat", init("gpu_0/pred_w", model.fc.weight.detach().numpy()),
                                  init("gpu_0/pred_b", model.fc.bias.detach().numpy())], ["gpu_0/pred"], transB=1))
    nodes.append(helper.make_node("Softmax", ["gpu_0/pred"], ["gpu_0/softmax_1"]))
    inputs = [helper.make_tensor_value_info("gpu_0/data_0", TensorProto.FLOAT, [1, 3, SIZE, SIZE])]
    inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits]
    graph = helper.make_graph(nodes, "shufflenet", inputs,
                              [helper.make_tensor_value_info("gpu_0/softmax_1", TensorProto.FLOAT, [1, CLASSES])],
                              inits)
    m = helper.make_model(graph, producer_name="onnx-caffe2", opset_imports=[helper.make_opsetid("", 9)])
    m.ir_version = 3
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = ["# PyTorch outputs for the ONNX fixtures; made by io/src/test/python/make_onnx_fixtures.py. Do not edit.",
             "torch %s" % torch.__version__, "torchvision %s" % torchvision.__version__, "onnx %s" % onnx.__version__]

    def record(name, model_file, seed, outputs, ops):
        lines.append("fixture %s" % name)
        lines.append("file %s" % model_file)
        lines.append("operators %s" % " ".join(sorted(ops)))
        lines.append("input_seed %d" % seed)
        lines.append("input_shape %d 3 %d %d" % (IMAGES, SIZE, SIZE))
        n, k = outputs.shape
        lines.append("outputs %d %d" % (n, k))
        for row in outputs.tolist():
            lines.append(" ".join("%.9g" % v for v in row))

    # torchvision V2 0.5x, opset 11, BatchNorm kept, dynamic batch.
    g = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    v2 = torchvision.models.shufflenet_v2_x0_5(num_classes=CLASSES)
    randomise_batchnorm(v2, g)
    v2.eval()
    seed = 11
    x = torch.from_numpy(input_values(IMAGES * 3 * SIZE * SIZE, seed).reshape(IMAGES, 3, SIZE, SIZE))
    with torch.no_grad():
        y = v2(x).numpy()
    m = export(v2, x, os.path.join(OUT, "shufflenet_v2_x0_5_opset11.onnx"), opset_version=11,
               training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
               dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    record("v2_opset11", "shufflenet_v2_x0_5_opset11.onnx", seed, y, {n.op_type for n in m.graph.node})

    # v1 g=3 0.25x, opset 13, BatchNorm folded by the exporter, batch 1.
    torch.manual_seed(7)
    g = torch.Generator().manual_seed(7)
    v1 = ShuffleNetV1(3, 12, [60, 120, 240], CLASSES)
    randomise_batchnorm(v1, g)
    v1.eval()
    seed = 13
    x = torch.from_numpy(input_values(IMAGES * 3 * SIZE * SIZE, seed).reshape(IMAGES, 3, SIZE, SIZE))
    with torch.no_grad():
        y = v1(x).numpy()
    m = export(v1, x[:1], os.path.join(OUT, "shufflenet_v1_g3_x0_25_opset13.onnx"), opset_version=13)
    record("v1_opset13", "shufflenet_v1_g3_x0_25_opset13.onnx", seed, y, {n.op_type for n in m.graph.node})

    # The same v1 written like the Model Zoo's Caffe2 conversion, with a softmax output.
    m = caffe2_style(v1, os.path.join(OUT, "shufflenet_v1_caffe2_style.onnx"))
    with torch.no_grad():
        p = F.softmax(v1(x), 1).numpy()
    record("v1_caffe2_style", "shufflenet_v1_caffe2_style.onnx", seed, p, {n.op_type for n in m.graph.node})

    with open(os.path.join(OUT, "fixtures.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for name in sorted(os.listdir(OUT)):
        print("%-40s %9d bytes" % (name, os.path.getsize(os.path.join(OUT, name))))


if __name__ == "__main__":
    main()

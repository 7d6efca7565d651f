"""The TransNAS-Bench-101 networks (Duan et al., 2021) as PyTorch modules.

Every network is a shared encoder followed by a task-specific head or decoder.

Encoder (a ResNet-style backbone)
---------------------------------
* Stem: 3x3 convolution (stride 2) to ``C/2`` channels, BatchNorm, then ReLU-3x3 convolution
  (stride 2)-BatchNorm to ``C`` channels (``C = 64``): the resolution drops by 4.
* Modules: each module is two blocks; the first may halve the resolution (stride 2) and/or
  double the channels, the second keeps both. A module code says which: 1 keeps both,
  2 doubles the channels, 3 halves the resolution, 4 does both.
* Blocks: in the *micro* space every block is the searched cell (an NB201-form DAG over 4
  nodes, see :class:`MicroCell`) and the modules are fixed to ``41414`` (five modules, three
  of which reduce); in the *macro* space the modules are searched and every block is a
  residual basic block (:class:`BasicBlock`).

Heads and decoders (one per Taskonomy task)
--------------------------------------------
* ``class_scene``, ``class_object``, ``room_layout``: global average pooling and a linear
  layer (63, 100 and 9 outputs: the widths of the benchmark's code and of NASLib's build).
* ``jigsaw``: the encoder runs on each of the 9 tiles of a puzzle (a Siamese network with
  shared weights); the 9 feature maps are concatenated along channels, pooled and fed to a
  linear layer over 1,000 permutations.
* ``autoencoder``, ``normal``: :class:`GenerativeDecoder`, 14 convolution / transposed
  convolution layers up to a 3-channel image at the input's resolution (tanh).
* ``segmentsemantic``: :class:`SegmentationDecoder`, convolutions and transposed
  convolutions up to 17 class maps at the input's resolution.

The GAN discriminator that TransNAS-Bench-101 trains beside the autoencoder and surface
normal decoders is not part of the network (it never runs in its forward pass).

References
----------
Duan et al., "TransNAS-Bench-101: Improving Transferability and Generalizability of
Cross-Task Neural Architecture Search", CVPR 2021.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .nb201_network import ReLUConvBN

__all__ = [
    "MACRO_CODES",
    "MICRO_MODULES",
    "MICRO_OPS",
    "BasicBlock",
    "GenerativeDecoder",
    "MicroCell",
    "SegmentationDecoder",
    "TNB101Encoder",
    "TNB101Network",
    "make_micro_op",
]

#: The cell operations, indexed by their code in TransNAS-Bench-101's architecture strings.
MICRO_OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
#: The module codes: 1 keep, 2 double the channels, 3 halve the resolution, 4 both.
MACRO_CODES: tuple[int, ...] = (1, 2, 3, 4)
#: The fixed module sequence of the micro space's networks.
MICRO_MODULES: tuple[int, ...] = (4, 1, 4, 1, 4)
#: Output kinds of the heads (see :class:`TNB101Network`).
HEAD_KINDS: tuple[str, ...] = ("classifier", "jigsaw", "pixels", "segmentation")
_LEAK = 0.2


def _down(resolution: int, stride: int) -> int:
    """Output side of a stride-``stride`` 3x3 (padding 1) or 1x1 convolution."""
    return -(-resolution // stride)


class Zero(nn.Module):
    """The ``none`` operation: zeros of the shape the edge's other operations would give."""

    def __init__(self, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_out = c_out
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        if self.stride == 1 and x.shape[1] == self.c_out:
            return x.mul(0.0)
        return x.new_zeros((n, self.c_out, _down(h, self.stride), _down(w, self.stride)))


class FactorizedReduce(nn.Module):
    """ReLU, two 1x1 convolutions of stride ``stride`` (the second shifted by one pixel, the
    shifted input zero-padded at the bottom and right), concatenated, then BatchNorm.

    TransNAS-Bench-101's version of the operation: the padding keeps both halves the same
    size for odd inputs too.
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=stride, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=stride, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def make_micro_op(name: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    """The module of one cell edge carrying operation ``name`` (an entry of ``MICRO_OPS``)."""
    if name == "none":
        return Zero(c_out, stride)
    if name == "skip_connect":
        if stride == 1 and c_in == c_out:
            return nn.Identity()
        return FactorizedReduce(c_in, c_out, stride)
    if name == "nor_conv_1x1":
        return ReLUConvBN(c_in, c_out, 1, stride, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c_in, c_out, 3, stride, 1)
    raise ValueError(f"unknown TransNAS-Bench-101 cell operation {name!r}; expected {MICRO_OPS}")


class MicroCell(nn.Module):
    """One cell: 4 nodes, node ``j`` the sum of an operation on every earlier node.

    ``ops`` lists the 6 edges in architecture-string order (1 <- 0), (2 <- 0), (2 <- 1),
    (3 <- 0), (3 <- 1), (3 <- 2). Edges leaving the input (node 0) carry the cell's stride
    and map ``c_in`` to ``c_out`` channels; the others keep ``c_out`` channels.
    """

    def __init__(self, ops: Sequence[str], c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        sources = [src for dst in (1, 2, 3) for src in range(dst)]
        self.edges = nn.ModuleList(
            make_micro_op(op, c_in, c_out, stride)
            if src == 0
            else make_micro_op(op, c_out, c_out, 1)
            for op, src in zip(ops, sources, strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        k = 0
        for dst in (1, 2, 3):
            acc = self.edges[k](nodes[0])
            for src in range(1, dst):
                acc = acc + self.edges[k + src](nodes[src])
            k += dst
            nodes.append(acc)
        return nodes[3]


class BasicBlock(nn.Module):
    """The macro space's residual block: two ReLU-3x3 conv-BN layers plus a shortcut.

    The shortcut is the identity, or a strided 1x1 convolution and BatchNorm when the block
    changes the resolution or the channels.
    """

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        return shortcut + self.conv_b(self.conv_a(x))


def encoder_layout(
    modules: Sequence[int], resolution: int, base_channels: int = 64
) -> list[tuple[int, int, int, int]]:
    """``(c_in, c_out, stride, input resolution)`` of every block of the encoder, in order."""
    layout = []
    c, res = base_channels, _down(_down(resolution, 2), 2)
    for code in modules:
        c_out = 2 * c if code % 2 == 0 else c
        stride = 2 if code > 2 else 1
        layout.append((c, c_out, stride, res))
        res = _down(res, stride)
        layout.append((c_out, c_out, 1, res))
        c = c_out
    return layout


def encoder_output(
    modules: Sequence[int], resolution: int, base_channels: int = 64
) -> tuple[int, int]:
    """``(channels, resolution)`` of the encoder's output feature map."""
    layout = encoder_layout(modules, resolution, base_channels)
    if not layout:
        return base_channels, _down(_down(resolution, 2), 2)
    _, c_out, stride, res = layout[-1]
    return c_out, _down(res, stride)


class TNB101Encoder(nn.Module):
    """The shared backbone: stem and modules of two blocks each (see the module docstring).

    Parameters
    ----------
    modules : sequence of int
        Module codes in 1..4.
    cell : sequence of 6 str, or None
        The micro cell's edge operations; ``None`` builds residual basic blocks (macro).
    base_channels : int
        Channels after the stem (64 in the benchmark).
    in_channels : int
        Image channels.
    """

    def __init__(
        self,
        modules: Sequence[int],
        cell: Sequence[str] | None = None,
        *,
        base_channels: int = 64,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if base_channels < 2 or base_channels % 2:
            raise ValueError(f"base_channels must be an even int >= 2, got {base_channels!r}")
        half = base_channels // 2
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, half, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(half),
            ReLUConvBN(half, base_channels, 3, 2, 1),
        )
        blocks: list[nn.Module] = []
        # The layout's resolutions do not matter here: only channels and strides are used.
        for c_in, c_out, stride, _ in encoder_layout(modules, 1, base_channels):
            if cell is None:
                blocks.append(BasicBlock(c_in, c_out, stride))
            else:
                blocks.append(MicroCell(cell, c_in, c_out, stride))
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = encoder_output(modules, 1, base_channels)[0]
        self._kaiming_init()

    def _kaiming_init(self) -> None:
        """The benchmark's initialisation of the encoder (its ``MacroNet._kaiming_init``,
        what NASLib's zero-cost numbers were computed on): convolutions He normal, fan-out;
        batch norms at 1 and 0. The heads keep PyTorch's defaults, as there. With PyTorch's
        defaults throughout, l2_norm had been 0.44x NAS-Bench-Suite-Zero's stored scores
        on the same cells."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


class _ConvLayer(nn.Module):
    """Conv2d (3x3, bias) or ConvTranspose2d (3x3, stride 2, doubling the side), then
    optional BatchNorm and activation: the layers of TransNAS-Bench-101's decoders."""

    def __init__(
        self, c_in: int, c_out: int, *, up: bool = False, norm: bool = True, act: str = "leaky"
    ) -> None:
        super().__init__()
        if up:
            self.conv: nn.Module = nn.ConvTranspose2d(
                c_in, c_out, 3, stride=2, padding=1, output_padding=1
            )
        else:
            self.conv = nn.Conv2d(c_in, c_out, 3, stride=1, padding=1)
        self.norm = nn.BatchNorm2d(c_out) if norm else None
        self.act: nn.Module | None = {
            "leaky": nn.LeakyReLU(_LEAK),
            "tanh": nn.Tanh(),
            "none": None,
        }[act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return x if self.act is None else self.act(x)


def _num_upsample(in_resolution: int, out_resolution: int, allowed: range) -> int:
    ratio = out_resolution / in_resolution
    n = round(math.log2(ratio)) if ratio >= 1 else -1
    if n not in allowed or in_resolution * 2**n != out_resolution:
        raise ValueError(
            f"a TransNAS-Bench-101 decoder upsamples by 2**n with n in {allowed.start}.."
            f"{allowed.stop - 1}; it cannot map the encoder's {in_resolution}x{in_resolution} "
            f"output to {out_resolution}x{out_resolution} (choose another input resolution)"
        )
    return n


class GenerativeDecoder(nn.Module):
    """The image decoder of the autoencoder and surface-normal tasks (14 layers).

    Widths 1024, 1024, 512, 512, 256, 128, 64, 64, 32, 32, 16, 32, 16, then ``out_channels``
    with tanh. Layers 11 and 13 always upsample (transposed convolutions); layers 9, 7, 5
    and 3 upsample too when the encoder's output is 8, 16, 32 or 64 times smaller than the
    target, so that the output has the target resolution.
    """

    def __init__(
        self, in_channels: int, in_resolution: int, out_resolution: int, out_channels: int = 3
    ) -> None:
        super().__init__()
        n = _num_upsample(in_resolution, out_resolution, range(2, 7))
        # (c_out, upsample) of layers 1..13; layer k in (3, 5, 7, 9) upsamples from n >= 9 - k.
        widths = (1024, 1024, 512, 512, 256, 128, 64, 64, 32, 32, 16, 32, 16)
        ups = {3: n >= 6, 5: n >= 5, 7: n >= 4, 9: n >= 3, 11: True, 13: True}
        layers = []
        c = in_channels
        for k, width in enumerate(widths, start=1):
            layers.append(_ConvLayer(c, width, up=ups.get(k, False)))
            c = width
        layers.append(_ConvLayer(c, out_channels, norm=False, act="tanh"))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class SegmentationDecoder(nn.Module):
    """The semantic-segmentation decoder: a 3x3 convolution to 1024 channels, ``6 - n``
    convolutions and ``n - 1`` transposed convolutions each halving the channels, one more
    transposed convolution, and a 3x3 convolution to ``out_channels`` class maps (``n``: the
    number of doublings from the encoder's output to the target resolution)."""

    def __init__(
        self, in_channels: int, in_resolution: int, out_resolution: int, out_channels: int = 17
    ) -> None:
        super().__init__()
        n = _num_upsample(in_resolution, out_resolution, range(2, 7))
        layers = [_ConvLayer(in_channels, 1024)]
        c = 1024
        for _ in range(6 - n):
            layers.append(_ConvLayer(c, c // 2))
            c //= 2
        for _ in range(n - 1):
            layers.append(_ConvLayer(c, c // 2, up=True))
            c //= 2
        layers.append(_ConvLayer(c, c, up=True))
        layers.append(_ConvLayer(c, out_channels, norm=False, act="none"))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class _PoolLinear(nn.Module):
    """Global average pooling and a linear layer."""

    def __init__(self, in_channels: int, out_features: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(x).flatten(1))


def make_head(
    kind: str, in_channels: int, in_resolution: int, outputs: int, out_resolution: int, tiles: int
) -> nn.Module:
    """The head / decoder of kind ``kind`` (one of ``HEAD_KINDS``) on the encoder's output."""
    if kind == "classifier":
        return _PoolLinear(in_channels, outputs)
    if kind == "jigsaw":
        return _PoolLinear(in_channels * tiles, outputs)
    if kind == "pixels":
        return GenerativeDecoder(in_channels, in_resolution, out_resolution, outputs)
    if kind == "segmentation":
        return SegmentationDecoder(in_channels, in_resolution, out_resolution, outputs)
    raise ValueError(f"unknown head kind {kind!r}; expected one of {HEAD_KINDS}")


class TNB101Network(nn.Module):
    """Encoder plus task head: the network TransNAS-Bench-101 trains for one task.

    Parameters
    ----------
    modules : sequence of int
        Module codes (1..4) of the encoder.
    cell : sequence of 6 str, or None
        Micro cell operations, or ``None`` for the macro space's residual blocks.
    head : str
        ``"classifier"`` (classification and room-layout regression), ``"jigsaw"``,
        ``"pixels"`` (autoencoder, surface normals) or ``"segmentation"``.
    outputs : int
        Classes / regression outputs / output channels of the head.
    resolution : int
        Side of the encoder's input images (of each tile for ``"jigsaw"``).
    tiles : int
        Jigsaw tiles per puzzle (the input is ``(N, tiles, C, H, W)``); 1 otherwise.
    out_resolution : int or None
        Side of the decoder's output (dense heads); default ``resolution``.
    base_channels, in_channels : int
        Encoder width after the stem (64) and image channels (3).

    Input ``(N, C, H, W)`` (``(N, tiles, C, H, W)`` for the jigsaw head); output
    ``(N, outputs)`` for the classifier and jigsaw heads, ``(N, outputs, H', W')`` for
    the dense decoders.
    """

    def __init__(
        self,
        modules: Sequence[int],
        cell: Sequence[str] | None,
        *,
        head: str,
        outputs: int,
        resolution: int,
        tiles: int = 1,
        out_resolution: int | None = None,
        base_channels: int = 64,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if head not in HEAD_KINDS:
            raise ValueError(f"unknown head kind {head!r}; expected one of {HEAD_KINDS}")
        self.head_kind = head
        self.tiles = tiles
        self.encoder = TNB101Encoder(
            modules, cell, base_channels=base_channels, in_channels=in_channels
        )
        c, r = encoder_output(modules, resolution, base_channels)
        self.head = make_head(
            head, c, r, outputs, resolution if out_resolution is None else out_resolution, tiles
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.head_kind == "jigsaw":
            if x.ndim != 5 or x.shape[1] != self.tiles:
                raise ValueError(
                    f"the jigsaw network takes (N, {self.tiles}, C, H, W) tiles, got "
                    f"{tuple(x.shape)}"
                )
            # One encoder, called on every tile (shared weights, per-tile BatchNorm batches).
            features = [self.encoder(x[:, t]) for t in range(self.tiles)]
            return self.head(torch.cat(features, dim=1))
        return self.head(self.encoder(x))

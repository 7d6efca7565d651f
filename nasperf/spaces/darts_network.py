"""The DARTS evaluation network (Liu et al., 2019) as NASLib builds it for NAS-Bench-301.

Macro skeleton (``NetworkCIFAR`` of DARTS): a 3x3 stem convolution with
``stem_multiplier * C`` channels and BatchNorm, then ``layers`` cells; the cells at
positions ``layers // 3`` and ``2 * layers // 3`` are reduction cells (stride 2, channels
doubled), the others normal cells. Cell ``k`` reads the outputs of cells ``k-2`` and ``k-1``
(the stem for the first two), preprocessed to ``C`` channels by a 1x1 ``ReLUConvBN`` or, when
``k-1`` reduced the resolution, a ``FactorizedReduce`` for ``c_{k-2}``. Each of its 4
intermediate nodes sums two operations applied to earlier nodes; the cell outputs the
concatenation of the 4 intermediate nodes (``4 * C`` channels). Global average pooling and a
linear classifier follow the last cell.

Defaults reproduce the network of NASLib's ``NasBench301SearchSpace`` on which
NAS-Bench-Suite-Zero measured FLOPs and parameters: ``C = 32``, 8 cells, stem multiplier 3,
no auxiliary head, and NASLib's operation variants: the operations inside cells use
BatchNorm without affine parameters, and both pooling operations are followed by a
BatchNorm (``affine=False``). The preprocessing blocks and the stem keep affine BatchNorm.

References
----------
Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019.
Siems et al., "NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural Architecture
Search", 2020. Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS 2022 (datasets track).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["DARTS_OPS", "EDGE_OFFSET", "DartsCell", "DartsNetwork", "cell_preprocess", "make_op"]

DARTS_OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)

#: Index of the first edge into each intermediate node 2..5 when a cell's 14 possible edges
#: ``(node j <- input i)``, ``i < j``, are numbered node by node (edge ``EDGE_OFFSET[j] + i``):
#: NAS-Bench-301's config edges and the supernet's mixed edges.
EDGE_OFFSET: dict[int, int] = {2: 0, 3: 2, 4: 5, 5: 9}


class ReLUConvBN(nn.Module):
    """ReLU -> Conv2d (no bias) -> BatchNorm2d."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, affine: bool = True
    ) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class FactorizedReduce(nn.Module):
    """Halve the resolution with two offset stride-2 1x1 convolutions, concatenated."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


class SepConv(nn.Module):
    """Two stacked (ReLU, depthwise k x k, pointwise 1x1, BN) blocks; the first has the stride."""

    def __init__(self, c: int, kernel: int, stride: int, padding: int, affine: bool) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride=stride, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride=1, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class DilConv(nn.Module):
    """ReLU, dilated depthwise k x k (dilation 2), pointwise 1x1, BN."""

    def __init__(self, c: int, kernel: int, stride: int, padding: int, affine: bool) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                c, c, kernel, stride=stride, padding=padding, dilation=2, groups=c, bias=False
            ),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


def make_op(name: str, channels: int, stride: int, *, affine: bool = False) -> nn.Module:
    """The module of one cell edge carrying DARTS operation ``name``.

    ``affine`` is the BatchNorm flag of the operations (``False`` in NASLib's NB301 network,
    ``True`` in the original DARTS evaluation network). Pooling is followed by a non-affine
    BatchNorm as in NASLib's ``MaxPool`` / ``AvgPool`` primitives.
    """
    c = channels
    if name == "max_pool_3x3":
        return nn.Sequential(
            nn.MaxPool2d(3, stride=stride, padding=1), nn.BatchNorm2d(c, affine=False)
        )
    if name == "avg_pool_3x3":
        return nn.Sequential(
            nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False),
            nn.BatchNorm2d(c, affine=False),
        )
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine=affine)
    if name == "sep_conv_3x3":
        return SepConv(c, 3, stride, 1, affine)
    if name == "sep_conv_5x5":
        return SepConv(c, 5, stride, 2, affine)
    if name == "dil_conv_3x3":
        return DilConv(c, 3, stride, 2, affine)
    if name == "dil_conv_5x5":
        return DilConv(c, 5, stride, 4, affine)
    raise ValueError(f"unknown DARTS operation {name!r}; expected one of {DARTS_OPS}")


def cell_preprocess(
    c_prev_prev: int, c_prev: int, channels: int, *, reduction_prev: bool
) -> tuple[nn.Module, nn.Module]:
    """The blocks bringing a cell's two inputs to ``channels``: ``c_{k-2}`` through a
    ``FactorizedReduce`` when the previous cell reduced the resolution (else a 1x1
    ``ReLUConvBN``), ``c_{k-1}`` through a 1x1 ``ReLUConvBN``."""
    if reduction_prev:
        pre0: nn.Module = FactorizedReduce(c_prev_prev, channels)
    else:
        pre0 = ReLUConvBN(c_prev_prev, channels, 1, 1, 0)
    return pre0, ReLUConvBN(c_prev, channels, 1, 1, 0)


class DartsCell(nn.Module):
    """One DARTS cell.

    Parameters
    ----------
    genotype : sequence of 8 (op, input) pairs
        Two per intermediate node 2..5; input 0 is ``c_{k-2}``, 1 is ``c_{k-1}``.
    c_prev_prev, c_prev : int
        Channels of the two cell inputs.
    channels : int
        Channels ``C`` of every node inside the cell (output: ``4 * C``).
    reduction : bool
        Operations on the cell inputs use stride 2.
    reduction_prev : bool
        The previous cell reduced the resolution, so ``c_{k-2}`` is reduced by a
        ``FactorizedReduce``.
    """

    def __init__(
        self,
        genotype: Sequence[tuple[str, int]],
        c_prev_prev: int,
        c_prev: int,
        channels: int,
        *,
        reduction: bool,
        reduction_prev: bool,
        affine: bool = False,
    ) -> None:
        super().__init__()
        self.preprocess0, self.preprocess1 = cell_preprocess(
            c_prev_prev, c_prev, channels, reduction_prev=reduction_prev
        )
        self.reduction = reduction
        self.indices = tuple(int(i) for _, i in genotype)
        self.ops = nn.ModuleList(
            make_op(op, channels, 2 if reduction and i < 2 else 1, affine=affine)
            for op, i in genotype
        )
        self.steps = len(self.indices) // 2

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(self.steps):
            a, b = 2 * k, 2 * k + 1
            states.append(
                self.ops[a](states[self.indices[a]]) + self.ops[b](states[self.indices[b]])
            )
        return torch.cat(states[2:], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    """DARTS's auxiliary classifier on the output of cell ``2 * layers // 3`` (8x8 input)."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(channels, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class DartsNetwork(nn.Module):
    """The DARTS / NAS-Bench-301 evaluation network for one genotype.

    Parameters
    ----------
    normal, reduce : sequence of 8 (op, input) pairs
        The two cells of the genotype.
    num_classes : int
        Classifier outputs.
    channels : int
        Initial channels ``C`` (32 in NASLib's NB301 network, 36 in DARTS's paper).
    layers : int
        Number of cells (8 in NASLib's NB301 network, 20 in DARTS's paper).
    stem_multiplier : int
        The stem has ``stem_multiplier * C`` channels (3).
    auxiliary : bool
        Add DARTS's auxiliary head (used only in training mode; its output is stored in
        ``self.aux_logits``). Off for NASLib's zero-cost measurements.
    affine : bool
        Affine BatchNorm inside cell operations (NASLib: ``False``).
    in_channels : int
        Image channels.
    """

    def __init__(
        self,
        normal: Sequence[tuple[str, int]],
        reduce: Sequence[tuple[str, int]],
        num_classes: int,
        *,
        channels: int = 32,
        layers: int = 8,
        stem_multiplier: int = 3,
        auxiliary: bool = False,
        affine: bool = False,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if layers < 3:
            raise ValueError(f"layers must be at least 3 (two reduction cells), got {layers}")
        self.layers = layers
        c_curr = stem_multiplier * channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.cells = nn.ModuleList()
        reduction_prev = False
        c_aux = c_prev
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            cell = DartsCell(
                reduce if reduction else normal,
                c_prev_prev,
                c_prev,
                c_curr,
                reduction=reduction,
                reduction_prev=reduction_prev,
                affine=affine,
            )
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, 4 * c_curr
            if i == 2 * layers // 3:
                c_aux = c_prev
        self.auxiliary_head = AuxiliaryHeadCIFAR(c_aux, num_classes) if auxiliary else None
        self.aux_logits: torch.Tensor | None = None
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        self.aux_logits = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1)
            if i == 2 * self.layers // 3 and self.auxiliary_head is not None and self.training:
                self.aux_logits = self.auxiliary_head(s1)
        return self.classifier(self.global_pooling(s1).flatten(1))

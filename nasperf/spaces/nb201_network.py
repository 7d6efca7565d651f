"""The NAS-Bench-201 network (Dong & Yang, 2020) as PyTorch modules.

Macro skeleton: a 3x3 stem convolution with ``C`` channels, three stages of ``N`` cells
(``C``, ``2C``, ``4C`` channels) separated by residual reduction blocks, then BN-ReLU, global
average pooling and a linear classifier. Each cell is a 4-node DAG with one operation on
each of its 6 edges; node ``j`` is the sum of its incoming edges.

References
----------
Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture
Search", ICLR 2020.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

# (dst, src) of each edge, in the order of the architecture string.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
#: The operations of an edge, in NAS-Bench-201's order.
NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)


class ReLUConvBN(nn.Module):
    """ReLU -> Conv2d (no bias) -> BatchNorm2d, the NAS-Bench-201 convolution block."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Zero(nn.Module):
    """The ``none`` operation: an all-zero output of the input's shape."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int) -> nn.Module:
    """The module for one cell edge carrying operation ``name``."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NAS-Bench-201 operation {name!r}")


class NB201Cell(nn.Module):
    """One cell: 4 nodes, node 0 the cell input, node 3 the output."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(make_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        k = 0
        for dst in (1, 2, 3):
            acc = None
            for src in range(dst):
                y = self.edges[k](nodes[src])
                acc = y if acc is None else acc + y
                k += 1
            nodes.append(acc)
        return nodes[3]


class ResNetBasicBlock(nn.Module):
    """The residual reduction block between stages (stride 2, channels doubled)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The NAS-Bench-201 macro network for one cell.

    Parameters
    ----------
    ops : sequence of 6 str
        Edge operations in architecture-string order.
    num_classes : int
        Classifier outputs (10, 100 or 120 for the benchmark's datasets).
    channels : int
        Channels of the first stage ``C`` (16 in the benchmark).
    cells_per_stage : int
        Cells per stage ``N`` (5 in the benchmark).
    in_channels : int
        Image channels.
    """

    def __init__(
        self,
        ops: Sequence[str],
        num_classes: int,
        *,
        channels: int = 16,
        cells_per_stage: int = 5,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        c = channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(c)
        )
        layers: list[nn.Module] = []
        for stage in range(3):
            width = c * 2**stage
            if stage > 0:
                layers.append(ResNetBasicBlock(width // 2, width))
            layers.extend(NB201Cell(ops, width) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * c), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.global_pooling(x).flatten(1))

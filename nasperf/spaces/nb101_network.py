"""The NAS-Bench-101 network (Ying et al., 2019) as PyTorch modules.

Macro skeleton, as NAS-Bench-101 trained it and as NASLib builds it for its zero-cost
numbers (the PyTorch port of the benchmark's ``model_builder``): a 3x3 conv-BN-ReLU stem
with 128 channels, then 3 stacks of 3 cells; between stacks a 2x2 max-pool (stride 2) halves
the resolution and the cells double the channels. The classifier is a global mean over
positions (a tensor op, not a module) and a linear layer.

Inside a cell (a pruned spec: every vertex on an input -> output path):

* vertex channels follow :func:`compute_vertex_channels`: the output's channels are split
  evenly between the vertices feeding the output (the first ones get one extra when the
  division leaves a remainder), other vertices take the maximum of their successors;
* every edge from the cell input goes through its own 1x1 conv-BN-ReLU projection to the
  target vertex's channels; edges between interior vertices truncate extra channels;
* an interior vertex sums its inputs and applies its operation (conv3x3-bn-relu,
  conv1x1-bn-relu or a 3x3 max-pool, all channel-preserving);
* the output concatenates the interior vertices feeding it and adds the projected cell
  input when the spec has the edge input -> output.

References
----------
Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture Search", ICML 2019.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["NB101Cell", "NB101Network", "compute_vertex_channels", "leaf_blocks", "make_block"]


class ConvBnRelu(nn.Module):
    """Conv2d (no bias, "same" padding) -> BatchNorm2d -> ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=1, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


def make_op(name: str, channels: int) -> nn.Module:
    """The module of one interior vertex carrying operation ``name`` (channels preserved)."""
    if name == "conv3x3-bn-relu":
        return ConvBnRelu(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return ConvBnRelu(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
    raise ValueError(f"unknown NAS-Bench-101 operation {name!r}")


def _downsample() -> nn.Module:
    """The 2x2 max-pool (stride 2) between stacks."""
    return nn.MaxPool2d(kernel_size=2, stride=2)


def compute_vertex_channels(c_in: int, c_out: int, matrix: np.ndarray) -> list[int]:
    """Channels of every vertex of a pruned cell (NAS-Bench-101's ``compute_vertex_channels``).

    Parameters
    ----------
    c_in, c_out : int
        Channels of the cell input and output.
    matrix : (n, n) array of 0/1
        Pruned, upper-triangular adjacency matrix.

    Returns
    -------
    list of int
        ``n`` channel counts; ``[0]`` is ``c_in`` and ``[-1]`` is ``c_out``.
    """
    m = np.asarray(matrix, dtype=np.int64)
    n = m.shape[0]
    channels = [0] * n
    channels[0] = c_in
    channels[n - 1] = c_out
    if n == 2:
        return channels
    # In-degree of the output, counting interior vertices only (the input is projected).
    fan_in = int(m[1:, n - 1].sum())
    if fan_in == 0:  # only the input feeds the output: its projection has c_out channels
        return channels
    if c_out < fan_in:
        raise ValueError(f"{c_out} output channels cannot be split among {fan_in} vertices")
    base, extra = divmod(c_out, fan_in)
    # The first `extra` vertices feeding the output get one channel more.
    for v in range(1, n - 1):
        if m[v, n - 1]:
            channels[v] = base + (1 if extra > 0 else 0)
            extra = max(extra - 1, 0)
    for v in range(n - 3, 0, -1):
        if not m[v, n - 1]:
            for dst in range(v + 1, n - 1):
                if m[v, dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


class NB101Cell(nn.Module):
    """One NAS-Bench-101 cell for a pruned spec.

    Parameters
    ----------
    matrix : (n, n) array of 0/1
        Pruned adjacency matrix (every vertex on an input -> output path).
    ops : sequence of n str
        ``"input"``, interior operation names, ``"output"``.
    c_in, c_out : int
        Channels of the cell input and output.
    """

    def __init__(self, matrix: np.ndarray, ops: Sequence[str], c_in: int, c_out: int) -> None:
        super().__init__()
        m = np.asarray(matrix, dtype=np.int64)
        n = m.shape[0]
        self.n = n
        self.channels = compute_vertex_channels(c_in, c_out, m)
        self.preds = [[u for u in range(1, v) if m[u, v]] for v in range(n)]
        self.from_input = [bool(m[0, v]) for v in range(n)]
        self.to_output = [v for v in range(1, n - 1) if m[v, n - 1]]
        self.vertex_ops = nn.ModuleDict(
            {str(v): make_op(ops[v], self.channels[v]) for v in range(1, n - 1)}
        )
        # One 1x1 projection per edge leaving the input, to the target vertex's channels.
        self.projections = nn.ModuleDict(
            {
                str(v): ConvBnRelu(c_in, self.channels[v], 1)
                for v in range(1, n)
                if self.from_input[v]
            }
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n
        tensors: list[torch.Tensor] = [x]
        for v in range(1, n - 1):
            c = self.channels[v]
            # Successors never have more channels than their predecessors; drop the extra.
            fan_in = [tensors[u][:, :c] for u in self.preds[v]]
            if self.from_input[v]:
                fan_in.append(self.projections[str(v)](x))
            acc = fan_in[0]
            for t in fan_in[1:]:
                acc = acc + t
            tensors.append(self.vertex_ops[str(v)](acc))
        if not self.to_output:
            return self.projections[str(n - 1)](x)
        parts = [tensors[v] for v in self.to_output]
        out = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if self.from_input[n - 1]:
            out = out + self.projections[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """The NAS-Bench-101 macro network for one (pruned) cell spec.

    Parameters
    ----------
    matrix : (n, n) array of 0/1
        Pruned adjacency matrix of the cell.
    ops : sequence of n str
        Vertex labels of the cell.
    num_classes : int
        Classifier outputs.
    stem_channels : int
        Output channels of the stem convolution and of the first stack (128 in the benchmark).
    num_stacks : int
        Stacks of cells (3); every stack after the first starts with a 2x2 max-pool and
        doubles the channels.
    cells_per_stack : int
        Cells per stack (3).
    in_channels : int
        Image channels.
    """

    def __init__(
        self,
        matrix: np.ndarray,
        ops: Sequence[str],
        num_classes: int,
        *,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBnRelu(in_channels, stem_channels, 3)]
        c_in = c_out = stem_channels
        for stack in range(num_stacks):
            if stack > 0:
                layers.append(_downsample())
                c_out *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(matrix, ops, c_in, c_out))
                c_in = c_out
        self.layers = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_out, num_classes)
        self._initialize_weights()

    def _initialize_weights(self) -> None:
        """The benchmark's initialisation (its PyTorch port, which NASLib and zero-cost-nas
        build): convolutions normal(0, sqrt(2 / (k * k * c_out))) (He, fan-out), the linear
        layer normal(0, 0.01) with a zero bias, batch norms at 1 and 0. PyTorch's defaults
        are about 0.4x that scale: l2_norm came out 0.35-0.48x NASLib's on the same cells,
        snip 2x, grad_norm 2.4x."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # torch.mean, not a pooling module: NASLib's counter charges nothing for it.
        return self.classifier(self.layers(x).mean(dim=(2, 3)))


def leaf_blocks(
    matrix: np.ndarray,
    ops: Sequence[str],
    num_classes: int,
    *,
    stem_channels: int = 128,
    num_stacks: int = 3,
    cells_per_stack: int = 3,
    in_channels: int = 3,
    resolution: int = 32,
) -> list[tuple[str, tuple[int, ...]]]:
    """Every costed block of :class:`NB101Network` with its input size, in forward order.

    Blocks are ``("conv", (c_in, c_out, kernel, res))`` (a conv-BN-ReLU: stem, vertex
    convolutions, projections), ``("maxpool3x3", (channels, res))`` (a vertex),
    ``("downsample", (channels, res))`` (between stacks) and ``("linear", (features,
    classes))``. Everything else in the network (sums, concatenation, truncation, the mean)
    is a tensor op that NASLib's counter charges nothing for, so the network's FLOPs and
    parameters are the sum over these blocks; :func:`make_block` builds each for counting.
    """
    m = np.asarray(matrix, dtype=np.int64)
    n = m.shape[0]
    res = resolution
    blocks: list[tuple[str, tuple[int, ...]]] = [("conv", (in_channels, stem_channels, 3, res))]
    c_in = c_out = stem_channels
    for stack in range(num_stacks):
        if stack > 0:
            blocks.append(("downsample", (c_in, res)))
            res //= 2
            c_out *= 2
        for _ in range(cells_per_stack):
            ch = compute_vertex_channels(c_in, c_out, m)
            for v in range(1, n - 1):
                if ops[v] == "maxpool3x3":
                    blocks.append(("maxpool3x3", (ch[v], res)))
                else:
                    kernel = 3 if ops[v] == "conv3x3-bn-relu" else 1
                    blocks.append(("conv", (ch[v], ch[v], kernel, res)))
            blocks.extend(("conv", (c_in, ch[v], 1, res)) for v in range(1, n) if m[0, v])
            c_in = c_out
    blocks.append(("linear", (c_out, num_classes)))
    return blocks


def make_block(kind: str, args: tuple[int, ...]) -> tuple[nn.Module, tuple[int, ...]]:
    """The module of one :func:`leaf_blocks` entry and the shape of its one-image input."""
    if kind == "conv":
        c_in, c_out, kernel, res = args
        return ConvBnRelu(c_in, c_out, kernel), (1, c_in, res, res)
    if kind == "maxpool3x3":
        c, res = args
        return make_op("maxpool3x3", c), (1, c, res, res)
    if kind == "downsample":
        c, res = args
        return _downsample(), (1, c, res, res)
    if kind == "linear":
        c, classes = args
        return nn.Linear(c, classes), (1, c)
    raise ValueError(f"unknown block kind {kind!r}")

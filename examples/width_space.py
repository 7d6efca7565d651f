"""A worked numeric-choice space: five convolution layers, each of width 8, 16, ..., 64.

A size space in the style of NATS-Bench's (Dong et al., 2021): the topology is fixed, the
choices are numbers. Five 3x3 convolution + BN + ReLU layers (strides 1, 2, 1, 2, 1), each
of width in ``WIDTHS``: 8^5 = 32,768 networks, text ``"8:16:24:32:64"``.

Every choice is in :meth:`WidthSpace.cells` (node labels ``c8`` .. ``c64``), and
:attr:`WidthSpace.op_values` tells nasperf that these labels are numbers
(``{"c8": {"width": 8}, ...}``): the default encodings then place ``c8`` next to ``c16``
instead of treating the eight widths as unrelated categories (``docs/custom_space.md``,
"Numeric choices"). :class:`CategoricalWidthSpace` is the same space without
``op_values`` (registered as ``"widths_categorical"``), to compare.

:func:`synthetic_accuracy` is a made-up label (no benchmark of this space is shipped): a
diminishing-returns gain in every width, a penalty for a layer much narrower than the one
before, and a parameter-count penalty; ``bench/numeric_choices.py`` ranks with it.

Importing this module registers both spaces::

    import examples.width_space
    space = nasperf.get_space("widths")
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from torch import nn

from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import SPACES, CellGraph, SearchSpace, check_text, resolve_task

WIDTHS = (8, 16, 24, 32, 40, 48, 56, 64)
N_LAYERS = 5
STRIDES = (1, 2, 1, 2, 1)
_ADJ = tuple(tuple(int(j == i + 1) for j in range(N_LAYERS + 2)) for i in range(N_LAYERS + 2))


@dataclass(frozen=True, slots=True)
class WidthArch:
    """The five layer widths."""

    channels: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.channels, tuple) or len(self.channels) != N_LAYERS:
            raise InvalidArchitectureError(
                "channels", self.channels, f"expected {N_LAYERS} widths", space="widths"
            )
        for k, c in enumerate(self.channels):
            if isinstance(c, bool) or c not in WIDTHS:
                raise InvalidArchitectureError(
                    f"channels[{k}]", c, f"not in {WIDTHS}", space="widths"
                )


class WidthSpace(SearchSpace[WidthArch]):
    """Five layer widths; every width is a node label with its number in ``op_values``."""

    name = "widths"
    ops = tuple(f"c{w}" for w in WIDTHS)
    op_values = {f"c{w}": {"width": w} for w in WIDTHS}
    arch_type = WidthArch
    max_nodes = N_LAYERS + 2

    def parse(self, text: str) -> WidthArch:
        text = check_text(text, "text", space=self.name)
        try:
            return WidthArch(tuple(int(p) for p in text.split(":")))
        except ValueError:
            raise InvalidArchitectureError(
                "text", text, "expected five widths a:b:c:d:e", space=self.name
            ) from None

    def to_string(self, arch: WidthArch) -> str:
        return ":".join(str(c) for c in arch.channels)

    def cells(self, arch: WidthArch) -> tuple[CellGraph, ...]:
        labels = ("input", *(f"c{c}" for c in arch.channels), "output")
        return (CellGraph(adjacency=_ADJ, ops=labels),)

    def random_architecture(self, rng: np.random.Generator) -> WidthArch:
        return WidthArch(tuple(int(WIDTHS[i]) for i in rng.integers(len(WIDTHS), size=N_LAYERS)))

    def neighbors(self, arch: WidthArch) -> list[WidthArch]:
        c = arch.channels
        return [
            WidthArch((*c[:k], w, *c[k + 1 :]))
            for k in range(N_LAYERS)
            for w in WIDTHS
            if w != c[k]
        ]

    @property
    def size(self) -> int:
        return len(WIDTHS) ** N_LAYERS

    def enumerate(self) -> Iterator[WidthArch]:
        return (WidthArch(c) for c in itertools.product(WIDTHS, repeat=N_LAYERS))

    def build_network(self, arch: WidthArch, dataset="cifar10", **kwargs) -> nn.Module:
        arch = self.coerce(arch)
        task = resolve_task(dataset)
        layers: list[nn.Module] = []
        cin = task.channels
        for c, s in zip(arch.channels, STRIDES, strict=True):
            layers += [nn.Conv2d(cin, c, 3, s, padding=1, bias=False), nn.BatchNorm2d(c)]
            layers.append(nn.ReLU(inplace=True))
            cin = c
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, task.num_classes)]
        return nn.Sequential(*layers)


class CategoricalWidthSpace(WidthSpace):
    """:class:`WidthSpace` without ``op_values``: the widths as eight categories."""

    name = "widths_categorical"
    op_values = None


def synthetic_accuracy(channels: tuple[int, ...]) -> float:
    """A made-up accuracy of a width configuration (no noise; see the module docstring)."""
    c = np.asarray(channels, dtype=float)
    weight = np.array([0.6, 1.0, 1.2, 1.5, 1.8])
    gain = float((weight * (1 - np.exp(-c / 24.0))).sum())
    bottleneck = sum(max(0.0, channels[i - 1] / channels[i] - 2.0) for i in range(1, N_LAYERS))
    params = sum(9 * a * b + 2 * b for a, b in zip((3, *channels[:-1]), channels, strict=True))
    params += channels[-1] * 10 + 10
    return 55 + 8 * gain - bottleneck - 60 * params / 1e6


for _cls in (WidthSpace, CategoricalWidthSpace):
    if _cls.name not in SPACES:
        SPACES.register(_cls.name)(_cls)

"""A space of text networks (token ids -> ``nn.Embedding`` -> GRU -> classifier) declared by
a ``TensorTask`` of ids: a network that casts the float ids nasperf feeds is counted; one
that feeds them to the embedding as they come gets one error naming the space, the
architecture and the inputs, not a bare torch error 20 frames deep."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from nasperf.errors import ArchitectureFailedError, NetworkRunError
from nasperf.spaces import CellGraph, SearchSpace, TensorTask, check_text, count_complexity

WIDTHS = ("h16", "h32")
TOKENS = TensorTask("tokens12", (12,), 5)  # 12 token ids per sample, 5 classes


@dataclass(frozen=True, slots=True)
class TextArch:
    width: str


class TextNet(nn.Module):
    """Embedding (100 ids -> 16) -> GRU (16 -> h) -> mean over steps -> linear (h -> 5)."""

    def __init__(self, hidden: int, cast: bool) -> None:
        super().__init__()
        self.cast = cast
        self.embed = nn.Embedding(100, 16)
        self.rnn = nn.GRU(16, hidden, batch_first=True)
        self.head = nn.Linear(hidden, TOKENS.num_classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids.long() if self.cast else ids  # as docs/custom_space.md says: cast
        return self.head(self.rnn(self.embed(ids))[0].mean(1))


class TextSpace(SearchSpace[TextArch]):
    """Two networks: a GRU of 16 or 32 units (``cast``: whether forward casts the ids)."""

    name = "test_text"
    ops = WIDTHS
    arch_type = TextArch
    max_nodes = 3
    default_dataset = TOKENS
    cast = True

    def parse(self, text: str) -> TextArch:
        return TextArch(check_text(text, "text", space=self.name))

    def to_string(self, arch: TextArch) -> str:
        return arch.width

    def cells(self, arch: TextArch) -> tuple[CellGraph, ...]:
        adj = ((0, 1, 0), (0, 0, 1), (0, 0, 0))
        return (CellGraph(adjacency=adj, ops=("input", arch.width, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> TextArch:
        return TextArch(WIDTHS[int(rng.integers(2))])

    def neighbors(self, arch: TextArch) -> list[TextArch]:
        return [TextArch(w) for w in WIDTHS if w != arch.width]

    def build_network(self, arch: TextArch, dataset=None) -> nn.Module:
        self.network_task(dataset)
        return TextNet(int(arch.width[1:]), self.cast)


class UncastSpace(TextSpace):
    """The same networks, feeding nasperf's float ids to the embedding as they come."""

    name = "test_text_uncast"
    cast = False


def test_a_network_that_casts_its_ids_is_counted_by_hand() -> None:
    space = TextSpace()
    arch = space.parse("h32")
    # GRU: 12 steps of 3 gates * (16 * 32 + 32 * 32) multiply-adds (+ 3 * 32 activations in
    # NASLib's convention); head 32 * 5; the embedding is a lookup (0)
    macs = 12 * 3 * (16 * 32 + 32 * 32) + 32 * 5
    assert round(space.flops(arch, convention="macs") * 1e6) == macs == 55_456
    assert round(space.flops(arch) * 1e6) == macs + 12 * 3 * 32 == 56_608
    params = 100 * 16 + 3 * (16 * 32 + 32 * 32 + 2 * 32) + 32 * 5 + 5
    assert round(space.params(arch) * 1e6) == params == 6_565


def test_a_network_fed_float_ids_raw_gets_one_error_naming_space_arch_and_inputs() -> None:
    # a bare torch RuntimeError 20 frames deep, naming neither the space nor the
    # architecture nor what nasperf fed, had come out of flops and params (found by a probe)
    space = UncastSpace()
    arch = space.parse("h16")
    message = (
        r"^test_text_uncast architecture h16: counting FLOPs and parameters on float32 zeros "
        r"of shape \(1, 12\) \(task 'tokens12'\) failed: RuntimeError: Expected tensor for "
        r"argument #1 'indices' .*; nasperf counts a network on zeros of its task's shape, in "
        r"the network's floating dtype .*casts them in forward, e\.g\. self\.embed\(x\.long"
        r"\(\)\) \(docs/custom_space\.md\)$"
    )
    for call in (space.flops, space.params, lambda a: space.flops(a, convention="macs")):
        with pytest.raises(ArchitectureFailedError, match=message) as err:
            call(arch)
        assert isinstance(err.value, RuntimeError) and isinstance(err.value, ValueError)
        cause = err.value.__cause__
        assert type(cause) is RuntimeError and "'indices'" in str(cause)  # torch's own


def test_count_complexity_names_what_and_the_inputs_it_fed() -> None:
    with pytest.raises(
        NetworkRunError, match=r"^mine: its network failed on float32 zeros of "
    ) as err:
        count_complexity(lambda: TextNet(16, cast=False), (2, 12), what="mine")
    assert err.value.inputs == "float32 zeros of shape (2, 12)"
    assert err.value.note.startswith("nasperf counts a network on zeros of its task's shape")
    assert isinstance(err.value, RuntimeError) and isinstance(err.value, ValueError)
    # inputs of the caller's: named, and no advice about nasperf's zeros
    ids = torch.zeros(3, 12)
    with pytest.raises(NetworkRunError) as err:
        count_complexity(TextNet(16, cast=False), inputs=(ids,))
    text = str(err.value)
    assert text.startswith(
        "the network factory: its network failed on inputs (float32 tensor of shape (3, 12)): "
        "RuntimeError: Expected tensor for argument #1 'indices'"
    )
    assert err.value.note == "" and not re.search("zeros", text)
    # the integer ids a network of its own takes, given as inputs, are counted
    got = count_complexity(TextNet(16, cast=False), inputs=(ids.long(),), convention="macs")
    assert round(got.mflops * 1e6) == 3 * (12 * 3 * (16 * 16 + 16 * 16) + 16 * 5)


def test_the_error_survives_a_process_boundary() -> None:
    # zero_cost.compute's workers send errors back pickled: the attributes come along
    import pickle

    error = NetworkRunError("message")
    error.inputs, error.note = "float32 zeros of shape (1, 12)", "cast"
    back = pickle.loads(pickle.dumps(error))
    assert (str(back), back.inputs, back.note) == ("message", error.inputs, "cast")


def test_zero_cost_proxies_of_a_network_fed_float_ids_raw_say_to_cast() -> None:
    # the proxies feed floats too; their error had only said to declare a TensorTask, which
    # this space does (found by a probe)
    from nasperf.zero_cost.compute import compute

    with pytest.raises(ValueError, match=r"self\.embed\(x\.long\(\)\)") as err:
        compute(UncastSpace(), ["h16"], ["synflow"], cache=None)
    assert str(err.value).startswith("test_text_uncast architecture h16: computing synflow")
    # a network that casts is scored (synflow of its weights: a positive finite number)
    (score,) = compute(TextSpace(), ["h16"], ["synflow"], cache=None)["synflow"]
    assert np.isfinite(score) and score > 0

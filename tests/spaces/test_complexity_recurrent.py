"""The complexity counter on recurrent layers: an LSTM / GRU / RNN fed a ``PackedSequence``
(variable-length text) counts the steps it runs, ``batch_sizes.sum()`` per layer and
direction; a layer whose rule cannot read its call is warned about, never silently 0."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nasperf.spaces import count_complexity

# one LSTM(16 -> 32): per step 4 gates of (16 * 32 + 32 * 32) multiply-adds
D, HID, STEPS = 16, 32, 12
LSTM_STEP = 4 * (D * HID + HID * HID)  # 6,144


class Recurrent(nn.Module):
    """``layer`` over ``(N, L, D)`` batch-first input: padded as it is (``lengths`` None),
    or packed to each sequence's length and padded back, as NLP code does."""

    def __init__(self, layer: nn.RNNBase, lengths: tuple[int, ...] | None = None) -> None:
        super().__init__()
        self.layer = layer
        self.lengths = lengths

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.lengths is None:
            return self.layer(x)[0]
        lengths = torch.tensor(self.lengths)  # on the CPU, as packing requires
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(self.layer(packed)[0], batch_first=True)[0]


def _count(build, shape: tuple[int, ...], convention: str = "macs") -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "FLOPs not counted" / "no rule" warning
        return round(count_complexity(build, shape, convention=convention).mflops * 1e6)


def test_a_packed_sequence_of_equal_lengths_counts_as_the_padded_tensor() -> None:
    # it had counted 0 FLOPs, with no warning, in both conventions (found by a probe)
    lstm = lambda: nn.LSTM(D, HID, batch_first=True)  # noqa: E731
    padded = _count(lambda: Recurrent(lstm()), (2, STEPS, D))
    packed = _count(lambda: Recurrent(lstm(), (STEPS, STEPS)), (2, STEPS, D))
    assert padded == packed == 2 * STEPS * LSTM_STEP == 147_456


def test_a_packed_sequence_counts_each_sequence_s_own_length() -> None:
    # 12 + 5 steps (batch_sizes.sum()), not the padded 2 * 12; unsorted lengths, which
    # pad_packed_sequence reorders by their values: meta tensors hold none, so the factory's
    # network is built again and counted on the CPU
    lstm = lambda: nn.LSTM(D, HID, batch_first=True)  # noqa: E731
    assert _count(lambda: Recurrent(lstm(), (STEPS, 5)), (2, STEPS, D)) == 17 * LSTM_STEP
    assert 17 * LSTM_STEP == 104_448
    # a ready module on the CPU counts the same as a factory on the meta device
    ready = Recurrent(lstm(), (5, STEPS))
    assert _count(ready, (2, STEPS, D)) == 17 * LSTM_STEP


def test_a_packed_sequence_through_a_deep_bidirectional_gru_with_a_state() -> None:
    class WithState(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gru = nn.GRU(D, 8, num_layers=2, batch_first=True, bidirectional=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            packed = pack_padded_sequence(x, torch.tensor([7, 3, 2]), batch_first=True)
            h0 = torch.zeros(4, 3, 8, device=x.device)  # layers x directions, N, hidden
            out, _ = self.gru(packed, h0)  # the state a tensor beside the packed input
            return pad_packed_sequence(out, batch_first=True)[0]

    # per step: layer 0 reads 16 features, layer 1 both directions' 8; 3 gates, 2 ways
    per_step = 2 * 3 * (D * 8 + 8 * 8) + 2 * 3 * (16 * 8 + 8 * 8)
    assert _count(WithState, (3, 7, D)) == (7 + 3 + 2) * per_step == 12 * 2304


def test_a_ruled_layer_called_on_no_tensor_is_warned_about() -> None:
    # a layer whose rule cannot read its call had counted 0 silently (the functional count
    # is suspended while a ruled layer runs, so nothing else counted it either)
    class DictLinear(nn.Linear):
        def forward(self, batch: dict) -> torch.Tensor:
            return super().forward(batch["x"])

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = DictLinear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.lin({"x": x})

    with pytest.warns(
        UserWarning,
        match=r"^mine: FLOPs not counted \(counted as 0\) of DictLinear\(dict\) -> Tensor: "
        r"called on no tensor or returning none, .*; parameters are counted$",
    ):
        got = count_complexity(Net, (2, 4), what="mine")
    assert got.mflops == 0.0 and round(got.mparams * 1e6) == 4 * 3 + 3

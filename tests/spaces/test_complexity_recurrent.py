"""The complexity counter on recurrent layers: an LSTM / GRU / RNN fed a ``PackedSequence``
(variable-length text) counts the steps it runs, ``batch_sizes.sum()`` per layer and
direction; a layer whose rule cannot read its call is warned about, never silently 0; in
NASLib's convention ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` count their gate activations as
the same layer written as a cell loop or by hand does."""

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


class CellLoop(nn.Module):
    """A recurrent layer as an ``nn.LSTMCell`` / ``GRUCell`` / ``RNNCell`` over the steps."""

    def __init__(self, cell: nn.RNNCellBase) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state = None
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
        return state[0] if isinstance(state, tuple) else state


class HandLSTM(nn.Module):
    """An LSTM written by hand: two ``nn.Linear`` of the four gates, ``torch.sigmoid`` and
    ``torch.tanh``, and elementwise products and sums."""

    def __init__(self) -> None:
        super().__init__()
        self.ih = nn.Linear(D, 4 * HID)
        self.hh = nn.Linear(HID, 4 * HID)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[0], HID, device=x.device)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            i, f, g, o = (self.ih(x[:, t]) + self.hh(h)).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return h


class HandRNN(nn.Module):
    """An Elman RNN written by hand: ``tanh(W x + U h)``."""

    def __init__(self) -> None:
        super().__init__()
        self.ih = nn.Linear(D, HID)
        self.hh = nn.Linear(HID, HID)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[0], HID, device=x.device)
        for t in range(x.shape[1]):
            h = torch.tanh(self.ih(x[:, t]) + self.hh(h))
        return h


# per step: gates * (16 * 32 + 32 * 32) multiply-adds; in NASLib's convention also one FLOP
# per gate activation and hidden unit (LSTM 3 sigmoids + 2 tanh, GRU 2 sigmoids + 1 tanh,
# RNN one tanh or ReLU); elementwise products and sums, and biases, are free
_FORMS = {
    "LSTM": (
        (
            lambda: Recurrent(nn.LSTM(D, HID, batch_first=True)),
            lambda: CellLoop(nn.LSTMCell(D, HID)),
            HandLSTM,
        ),
        4,
        5,
    ),
    "GRU": (
        (
            lambda: Recurrent(nn.GRU(D, HID, batch_first=True)),
            lambda: CellLoop(nn.GRUCell(D, HID)),
        ),
        3,
        3,
    ),
    "RNN_TANH": (
        (
            lambda: Recurrent(nn.RNN(D, HID, batch_first=True)),
            lambda: CellLoop(nn.RNNCell(D, HID)),
            HandRNN,
        ),
        1,
        1,
    ),
    "RNN_RELU": (
        (
            lambda: Recurrent(nn.RNN(D, HID, batch_first=True, nonlinearity="relu")),
            lambda: CellLoop(nn.RNNCell(D, HID, nonlinearity="relu")),
        ),
        1,
        1,
    ),
}


@pytest.mark.parametrize("mode", list(_FORMS))
def test_every_form_of_a_recurrent_layer_counts_the_same(mode) -> None:
    # nn.LSTM / GRU / RNN had counted no activation in NASLib's convention, while a cell
    # loop or a hand-written loop counted its sigmoids and tanh: 73,728 vs 75,648 FLOPs for
    # one function (found by a probe)
    forms, gates, activations = _FORMS[mode]
    macs = STEPS * gates * (D * HID + HID * HID)
    naslib = macs + STEPS * activations * HID
    for build in forms:
        assert _count(build, (1, STEPS, D), "macs") == macs, build
        assert _count(build, (1, STEPS, D), "naslib") == naslib, build
    expected = {"LSTM": 75_648, "GRU": 56_448, "RNN_TANH": 18_816, "RNN_RELU": 18_816}
    assert naslib == expected[mode]


def test_gate_activations_count_per_layer_direction_and_packed_step() -> None:
    deep = lambda: nn.LSTM(D, 8, num_layers=2, batch_first=True, bidirectional=True)  # noqa: E731
    # layer 0 reads 16 features, layer 1 both directions' 8; each way 5 * 8 activations
    per_step = 2 * (4 * (D * 8 + 8 * 8) + 5 * 8) + 2 * (4 * (16 * 8 + 8 * 8) + 5 * 8)
    assert _count(lambda: Recurrent(deep()), (2, 7, D), "naslib") == 2 * 7 * per_step == 45_248
    assert _count(lambda: Recurrent(deep(), (7, 3)), (2, 7, D), "naslib") == 10 * per_step
    # a projection: the recurrent input is the projection (8 wide), plus h * proj; the
    # activations are the hidden units' (before the projection)
    proj = lambda: Recurrent(nn.LSTM(D, HID, batch_first=True, proj_size=8))  # noqa: E731
    per_step = 4 * (D * HID + 8 * HID) + HID * 8 + 5 * HID
    assert _count(proj, (1, STEPS, D), "naslib") == STEPS * per_step == STEPS * 3_488
    assert _count(proj, (1, STEPS, D), "macs") == STEPS * (3_488 - 5 * HID)

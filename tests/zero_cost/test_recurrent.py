"""Recurrent layers (``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` and their cells) are scored by the
weight-based proxies as the ``nn.Linear`` gate layers they hold (``engine.scored_weights``):
a network scores as the same function written as a loop of ``nn.Linear`` gates. They had
been left out, so a recurrent network was scored by its head only (l2_norm 1.35 against
12.37 for one LSTM written both ways, plain of the other sign)."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

import nasperf.zero_cost as zc
from nasperf.zero_cost.engine import native_recurrent_kernels

#: The proxies that score weights: each must agree between the two ways of writing a layer.
#: fisher is undefined on recurrent layers (their gates run inside torch's fused kernel).
WEIGHT_PROXIES = ["l2_norm", "snip", "grad_norm", "grasp", "plain", "zico", "synflow", "zen"]
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
FEATURES, HIDDEN, STEPS = 6, 8, 7


class _GateLoop(nn.Module):
    """One direction of one recurrent layer, written by hand: per time step the gates'
    pre-activations from two ``nn.Linear`` maps (input ``ih`` and hidden ``hh``, both with a
    bias, as torch's layers have ``bias_ih`` and ``bias_hh``), torch's gate equations, and an
    LSTM's output projection ``hr`` (no bias) with ``proj``."""

    def __init__(self, kind: str, n_in: int, hidden: int, proj: int = 0) -> None:
        super().__init__()
        self.kind, self.hidden, self.proj = kind, hidden, proj
        width = proj or hidden
        self.ih = nn.Linear(n_in, GATES[kind] * hidden)
        self.hh = nn.Linear(width, GATES[kind] * hidden)
        if proj:
            self.hr = nn.Linear(hidden, proj, bias=False)

    def forward(self, xs: torch.Tensor) -> torch.Tensor:
        """(N, L, n_in) -> (N, L, proj or hidden), from zero initial states."""
        h = xs.new_zeros(xs.shape[0], self.proj or self.hidden)
        c = xs.new_zeros(xs.shape[0], self.hidden)
        outs = []
        for t in range(xs.shape[1]):
            a, b = self.ih(xs[:, t]), self.hh(h)
            if self.kind == "lstm":
                i, f, g, o = (a + b).chunk(4, -1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                h = self.hr(h) if self.proj else h
            elif self.kind == "gru":
                (ar, az, an), (br, bz, bn) = a.chunk(3, -1), b.chunk(3, -1)
                r, z = torch.sigmoid(ar + br), torch.sigmoid(az + bz)
                h = (1 - z) * torch.tanh(an + r * bn) + z * h
            else:
                h = torch.tanh(a + b)
            outs.append(h)
        return torch.stack(outs, 1)


class _Loop(nn.Module):
    """A batch-first ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` written by hand: layers of one
    :class:`_GateLoop` per direction (the reverse one on the reversed sequence), in the
    order torch holds their weights, which :meth:`copy_from` copies."""

    def __init__(self, kind: str, layers: int, bidirectional: bool, proj: int) -> None:
        super().__init__()
        dirs, width = 1 + bidirectional, proj or HIDDEN
        self.layers = nn.ModuleList(
            nn.ModuleList(
                _GateLoop(kind, FEATURES if k == 0 else dirs * width, HIDDEN, proj)
                for _ in range(dirs)
            )
            for k in range(layers)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        for cells in self.layers:
            ys = [cells[0](x)] + [cell(x.flip(1)).flip(1) for cell in cells[1:]]
            x = torch.cat(ys, -1)
        return x, None  # as torch's layers return (output, state)

    def copy_from(self, rnn: nn.RNNBase) -> _Loop:
        with torch.no_grad():
            for k, cells in enumerate(self.layers):
                for d, cell in enumerate(cells):
                    s = f"l{k}_reverse" if d else f"l{k}"
                    pairs = [
                        (cell.ih.weight, f"weight_ih_{s}"),
                        (cell.ih.bias, f"bias_ih_{s}"),
                        (cell.hh.weight, f"weight_hh_{s}"),
                        (cell.hh.bias, f"bias_hh_{s}"),
                    ]
                    if cell.proj:
                        pairs.append((cell.hr.weight, f"weight_hr_{s}"))
                    for mine, name in pairs:
                        mine.copy_(getattr(rnn, name))
        return self


class _CellLoop(nn.Module):
    """An ``nn.LSTMCell`` / ``nn.GRUCell`` / ``nn.RNNCell`` run over the time steps."""

    def __init__(self, cell: nn.RNNCellBase) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        state, outs = None, []
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
            outs.append(state[0] if isinstance(state, tuple) else state)
        return torch.stack(outs, 1), None


class _SeqNet(nn.Module):
    """(N, L, FEATURES) float sequences -> recurrent layer -> mean over time -> 5 logits
    (float inputs, so that zen's Gaussian inputs and perturbation reach the layer)."""

    def __init__(self, rnn: nn.Module, width: int) -> None:
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(width, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x)[0].mean(1))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, STEPS, FEATURES, generator=g), torch.arange(16) % 5


CASES = {
    "lstm": ("lstm", {}),
    "gru": ("gru", {}),
    "rnn": ("rnn", {}),
    "lstm_2_layers_bidirectional_proj": (
        "lstm",
        {"num_layers": 2, "bidirectional": True, "proj_size": 5},
    ),
    "gru_2_layers_bidirectional": ("gru", {"num_layers": 2, "bidirectional": True}),
}


def _pair(case: str) -> tuple[nn.Module, nn.Module]:
    """The network with torch's layer, and the same function written as a loop."""
    kind, kw = CASES[case]
    torch.manual_seed(0)
    layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](
        FEATURES, HIDDEN, batch_first=True, **kw
    )
    width = (kw.get("proj_size") or HIDDEN) * (1 + kw.get("bidirectional", False))
    fused = _SeqNet(layer, width)
    loop = _Loop(
        kind, kw.get("num_layers", 1), kw.get("bidirectional", False), kw.get("proj_size", 0)
    )
    written = _SeqNet(loop.copy_from(layer), width)
    written.head.load_state_dict(fused.head.state_dict())
    return fused, written


# torch's own note for LSTMs with proj_size on CPU, not ours
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("case", list(CASES))
def test_a_recurrent_layer_scores_as_the_same_layer_written_as_linear_gates(case):
    fused, written = _pair(case)
    x, y = _data()
    with torch.no_grad():  # the same function: torch's fused kernel against the loop
        torch.testing.assert_close(fused(x), written(x), rtol=0, atol=1e-6)
    got = zc.score_details(fused, x, y, proxies=[*WEIGHT_PROXIES, "fisher"])
    want = zc.score_details(written, x, y, proxies=WEIGHT_PROXIES)
    # Different float32 kernels (torch's recurrent kernel computes the input maps of all
    # steps in one product; logits ~3e-8 apart): here the scores agree to 8e-6 relative or
    # better, zico (ratios over the standard deviation of two gradients) and plain (a signed
    # sum that cancels) the least; l2_norm, grad_norm and synflow (float64) to 1e-8. 1e-4
    # leaves room for other CPUs' vector widths, against gaps of 10 % to 90 % (and a sign
    # flip of plain) when the recurrent weights were not scored.
    for name in WEIGHT_PROXIES:
        assert got[name].reason is None and want[name].reason is None, name
        assert got[name].value == pytest.approx(want[name].value, rel=1e-4), name
    assert math.isnan(got["fisher"].value)
    assert "'rnn'" in got["fisher"].reason and "fused recurrent kernel" in got["fisher"].reason


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_a_recurrent_cell_scores_as_the_same_cell_written_as_linear_gates(kind):
    torch.manual_seed(0)
    cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}[kind](FEATURES, HIDDEN)
    fused = _SeqNet(_CellLoop(cell), HIDDEN)
    loop = _Loop(kind, 1, False, 0)
    with torch.no_grad():
        gate = loop.layers[0][0]
        for mine, theirs in [
            (gate.ih.weight, cell.weight_ih),
            (gate.ih.bias, cell.bias_ih),
            (gate.hh.weight, cell.weight_hh),
            (gate.hh.bias, cell.bias_hh),
        ]:
            mine.copy_(theirs)
    written = _SeqNet(loop, HIDDEN)
    written.head.load_state_dict(fused.head.state_dict())
    x, y = _data()
    with torch.no_grad():
        torch.testing.assert_close(fused(x), written(x), rtol=0, atol=1e-6)
    got = zc.score(fused, x, y, proxies=WEIGHT_PROXIES)
    want = zc.score(written, x, y, proxies=WEIGHT_PROXIES)
    for name in WEIGHT_PROXIES:  # the tolerance of the test above, for the same reasons
        assert got[name] == pytest.approx(want[name], rel=1e-4), name


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_l2_norm_sums_the_norms_of_a_recurrent_layer_s_weight_matrices():
    torch.manual_seed(0)
    rnn = nn.LSTM(FEATURES, HIDDEN, num_layers=2, bidirectional=True, proj_size=5)
    # every direction of every layer: input, hidden and projection maps; no bias
    names = [
        f"weight_{m}_l{k}{s}" for k in (0, 1) for s in ("", "_reverse") for m in ("ih", "hh", "hr")
    ]
    assert zc.scored_weights(rnn) == tuple(names)
    net = _SeqNet(rnn, 10)
    mats = [getattr(rnn, n) for n in names] + [net.head.weight]
    # by hand: sqrt of the sum of squares of each matrix, in float64
    want = sum(math.sqrt(sum(float(v) ** 2 for v in w.detach().double().flatten())) for w in mats)
    head_only = math.sqrt(sum(float(v) ** 2 for v in net.head.weight.detach().double().flatten()))
    got = zc.score(net, torch.zeros(2, STEPS, FEATURES), proxies=["l2_norm"])["l2_norm"]
    # float64 sums of <= 320 squares in another order: ~1e-15 relative
    assert got == pytest.approx(want, rel=1e-12)
    assert want > 10 * head_only  # the recurrent weights are most of it (had been left out)


def test_recurrent_layers_run_without_cudnn_in_the_passes_that_need_it():
    # cuDNN's recurrent kernels have no backward in eval mode (synflow) nor a double
    # backward (grasp): on CUDA those passes turn cuDNN off while each recurrent layer runs
    # (checked here on the CPU, where the flag is read but changes nothing)
    seen: list[bool] = []

    class _Seen(nn.LSTM):
        def forward(self, *args, **kwargs):
            seen.append(torch.backends.cudnn.enabled)
            return super().forward(*args, **kwargs)

    rnn = _Seen(FEATURES, HIDDEN, batch_first=True)
    before = torch.backends.cudnn.enabled
    x = torch.zeros(2, STEPS, FEATURES)
    modules = [rnn, nn.Linear(2, 2)]
    with native_recurrent_kernels(modules, torch.device("cuda")):
        rnn(x)
        inside = torch.backends.cudnn.enabled
    with native_recurrent_kernels(modules, torch.device("cpu")):
        rnn(x)
    assert seen == [False, before]  # off during the layer only on CUDA
    assert inside is before and torch.backends.cudnn.enabled is before
    assert not rnn._forward_hooks and not rnn._forward_pre_hooks


def test_scoring_a_recurrent_network_leaves_it_as_it_was():
    fused, _ = _pair("lstm")
    x, y = _data()
    state = copy.deepcopy(fused.state_dict())
    with torch.no_grad():
        before = fused(x)
    zc.score(fused, x, y, proxies=WEIGHT_PROXIES)
    for k, v in fused.state_dict().items():
        assert torch.equal(v, state[k]), k
    assert all(p.grad is None for p in fused.parameters())
    with torch.no_grad():  # runs on its own weights again (not a proxy's private copies)
        assert torch.equal(fused(x), before)

"""``nasperf.zero_cost.score`` on models a researcher has: tied weights, ``torch.compile``,
dropout, other dtypes (a probe's cases, each of which had given a wrong or changing score)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc

PROXIES = ["synflow", "l2_norm", "grasp", "zico", "snip", "grad_norm", "plain", "fisher", "jacov"]


class _Tied(nn.Module):
    """Two conv layers holding one weight and bias."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 16, 3, padding=1)
        self.c2.weight, self.c2.bias = self.c1.weight, self.c1.bias
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        h = F.relu(self.c2(F.relu(self.c1(F.relu(self.stem(x))))))
        return self.fc(h.mean((2, 3)))


class _Shared(_Tied):
    """The same function: one layer called twice."""

    def forward(self, x):
        h = F.relu(self.c1(F.relu(self.c1(F.relu(self.stem(x))))))
        return self.fc(h.mean((2, 3)))


def _data(n: int = 8):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, 16, 16, generator=g), torch.arange(n) % 10


def test_a_weight_tied_between_layers_is_scored_once():
    # synflow, l2_norm, grasp, zico and params had counted it twice (9557 against 6348)
    torch.manual_seed(0)
    tied = _Tied()
    shared = _Shared()
    shared.load_state_dict(tied.state_dict())
    x, y = _data()
    assert torch.equal(tied(x), shared(x))
    a = zc.score(tied, x, y, proxies=[*PROXIES, "params", "flops"])
    b = zc.score(shared, x, y, proxies=[*PROXIES, "params", "flops"])
    for name in PROXIES:  # the same network: the same score (float sums in another order)
        assert math.isclose(a[name], b[name], rel_tol=1e-6, abs_tol=1e-12), name
    n_params = sum(p.numel() for p in tied.parameters())  # named_parameters: each once
    assert a["params"] == b["params"] == n_params / 1e6


class _Once(nn.Module):
    """:class:`_Tied`'s function with one layer called twice and no second layer."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, 10)

    forward = _Shared.forward


def test_zen_draws_a_tied_weight_once():
    # it had drawn it once per layer holding it, moving every later layer's draw: 0.760
    # against 0.500 in the probe's pair. With it drawn once, the layers draw stem, c1, fc
    # in both networks (c2 adds no parameter): the same Gaussian weights, the same score.
    torch.manual_seed(0)
    tied = _Tied()
    once = _Once()
    once.load_state_dict({k: v for k, v in tied.state_dict().items() if not k.startswith("c2.")})
    x, _ = _data()
    assert torch.equal(tied(x), once(x))
    a = zc.score(tied, x, proxies="zen")["zen"]
    b = zc.score(once, x, proxies="zen")["zen"]
    assert math.isfinite(a) and a == b  # same kernels on the same tensors: bit for bit


def test_a_compiled_model_is_scored_as_the_model_it_wraps():
    # fisher had been 0.0 (the compiled graph hides the layers' hooks), GraSP off or failing
    torch.manual_seed(0)
    m = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )
    x, y = _data()
    compiled = torch.compile(m)  # compiled lazily: scoring the module it wraps compiles nothing
    assert zc.score(compiled, x, y, proxies=PROXIES) == zc.score(m, x, y, proxies=PROXIES)


def test_dropout_is_drawn_from_the_seed_and_the_caller_s_stream_is_left_alone():
    torch.manual_seed(0)
    m = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(16, 10),
    )
    x, y = _data()
    proxies = ["snip", "fisher", "grad_norm", "jacov", "plain"]
    first = zc.score(m, x, y, proxies=proxies, seed=0)
    torch.manual_seed(123)
    second = zc.score(m, x, y, proxies=proxies, seed=0)
    after = torch.rand(1)
    torch.manual_seed(123)
    assert torch.equal(after, torch.rand(1))  # the caller's next numbers did not move
    assert first == second  # they had differed (snip 1.519 against 1.392)
    assert zc.score(m, x, y, proxies=proxies, seed=1) != first  # the seed decides the masks
    with pytest.raises(ValueError, match=r"seed must be in \[-2\*\*63, 2\*\*64 - 1\]"):
        zc.score(m, x, y, proxies=proxies, seed=2**70)


class _DropoutMLP(nn.Module):
    """Two hidden layers, dropout after each: every train pass draws masks."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(48, 32),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        return self.body(x)


def test_with_dropout_a_score_does_not_depend_on_the_other_proxies():
    # zen and zico had drawn their masks after whichever passes ran before them in the
    # call (zen 3.376 alone, 3.359 with every proxy; zico 45.21 against 45.93), and the
    # cache had kept whichever came first
    torch.manual_seed(0)
    m = _DropoutMLP()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 3, 4, 4, generator=g), torch.arange(16) % 10
    every = zc.available(population=False)
    together = zc.score(m, x, y, proxies=every, seed=0)
    backwards = zc.score(m, x, y, proxies=every[::-1], seed=0)
    for name in every:
        alone = zc.score(m, x, y, proxies=[name], seed=0)[name]
        # one process, the same passes on the same masks: the same floats
        assert _same(alone, together[name]) and _same(alone, backwards[name]), name
    # the masks come from the seed: another seed, another zico
    assert zc.score(m, x, y, proxies=["zico"], seed=1)["zico"] != together["zico"]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


class _TinyViT(nn.Module):
    """A pre-LN transformer block on 4x4 patches of 16x16 images plus a CLS token: 17
    tokens of 16 dims, attention by ``nn.MultiheadAttention``, dropout ``drop``."""

    def __init__(self, drop: float = 0.0, heads: int = 4) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 16, 4, stride=4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 16))
        self.norm1, self.norm2, self.norm = nn.LayerNorm(16), nn.LayerNorm(16), nn.LayerNorm(16)
        self.attn = nn.MultiheadAttention(16, heads, dropout=drop, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(16, 32), nn.GELU(), nn.Dropout(drop), nn.Linear(32, 16), nn.Dropout(drop)
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], 1)
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return self.head(self.norm(x)[:, 0])


def _vit(drop: float) -> _TinyViT:
    torch.manual_seed(0)
    return _TinyViT(drop)


class _IgnoresInput(nn.Module):
    """Logits that do not depend on the input, with dropout (a module or F.dropout)."""

    def __init__(self, drop: float, functional: bool = False) -> None:
        super().__init__()
        self.functional, self.p = functional, drop
        self.const = nn.Parameter(torch.ones(1, 32))
        self.fc1, self.fc2 = nn.Linear(32, 64), nn.Linear(64, 10)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        h = F.gelu(self.fc1(x.flatten(1)[:, :32] * 0 + self.const))
        # drop-path style: a module's own F.dropout, which zen cannot switch off
        h = F.dropout(h, self.p, self.training) if self.functional else self.drop(h)
        return self.fc2(h)


@pytest.mark.parametrize("functional", [False, True], ids=["nn.Dropout", "F.dropout"])
def test_zen_of_a_network_ignoring_its_input_is_nan_also_with_dropout(functional):
    # the two forwards had drawn independent masks: zen 4.85 instead of NaN
    x, y = _data()
    for p in (0.0, 0.5):
        r = zc.score_details(_IgnoresInput(p, functional), x, y, proxies=["zen"])["zen"]
        assert math.isnan(r.value) and "do not depend on the input" in r.reason, (p, r)


def test_zen_of_a_transformer_does_not_depend_on_its_dropout_rate():
    # zen had measured the dropout noise: 20 tiny ViTs ranked with Spearman 0.10 between
    # dropout 0 and 0.1; dropout is off in zen's forwards, so the same weights give the
    # same function and the same operations: the same score
    x, _ = _data()
    without = zc.score(_vit(0.0), x, proxies=["zen"])["zen"]
    with_dropout = zc.score(_vit(0.3), x, proxies=["zen"])["zen"]
    assert math.isfinite(without)
    assert with_dropout == pytest.approx(without, rel=1e-9)
    # zen draws its Gaussian weights and inputs from the seed
    assert zc.score(_vit(0.0), x, proxies=["zen"], seed=1)["zen"] != without


def _attend(q, k, v, heads: int):
    """Multi-head softmax(q k^T / sqrt(d)) v of batch-first (B, tokens, E) projections."""
    b, t, e = q.shape
    q, k, v = (z.reshape(b, z.shape[1], heads, e // heads).transpose(1, 2) for z in (q, k, v))
    att = (q @ k.transpose(-2, -1) / math.sqrt(e // heads)).softmax(-1)
    return (att @ v).transpose(1, 2).reshape(b, t, e)


class _AttentionNet(nn.Module):
    """Patch tokens (B, 16, 16) -> attention -> mean -> logits, the attention by
    ``nn.MultiheadAttention`` (``fused``) or by ``nn.Linear`` projections and matmuls.
    ``kind``: "self" (one packed (48, 16) projection), "seq_first" (the same, batch_first
    False), "separate" (keys and values of width 8 from a memory: three projections)."""

    def __init__(self, fused: bool, kind: str) -> None:
        super().__init__()
        self.fused, self.kind = fused, kind
        self.embed = nn.Conv2d(3, 16, 4, stride=4)
        self.norm = nn.LayerNorm(16)
        kdim = 8 if kind == "separate" else 16
        if kind == "separate":
            self.memory = nn.Linear(16, 8)
        if fused:
            self.attn = nn.MultiheadAttention(
                16, 4, kdim=kdim, vdim=kdim, batch_first=kind != "seq_first"
            )
        elif kind == "separate":
            self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(8, 16), nn.Linear(8, 16)
            self.proj = nn.Linear(16, 16)
        else:
            self.qkv, self.proj = nn.Linear(16, 48), nn.Linear(16, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        h = self.norm(x)
        m = self.memory(h) if self.kind == "separate" else h
        if self.fused and self.kind == "seq_first":
            h = h.transpose(0, 1)
            a = self.attn(h, h, h, need_weights=False)[0].transpose(0, 1)
        elif self.fused:
            a = self.attn(h, m, m, need_weights=False)[0]
        elif self.kind == "separate":
            a = self.proj(_attend(self.q(h), self.k(m), self.v(m), 4))
        else:
            a = self.proj(_attend(*self.qkv(h).split(16, -1), 4))
        return self.head((x + a).mean(1))

    def as_linear(self) -> _AttentionNet:
        """The same function with nn.Linear projections holding this one's weights."""
        other = _AttentionNet(False, self.kind)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith("attn.")}
        attn = self.attn
        bias = dict(zip("qkv", attn.in_proj_bias.chunk(3), strict=True))
        if self.kind == "separate":
            for c in "qkv":
                state[f"{c}.weight"] = getattr(attn, f"{c}_proj_weight")
                state[f"{c}.bias"] = bias[c]
        else:
            state["qkv.weight"], state["qkv.bias"] = attn.in_proj_weight, attn.in_proj_bias
        state["proj.weight"], state["proj.bias"] = attn.out_proj.weight, attn.out_proj.bias
        other.load_state_dict(state)
        return other


ATTENTION_PROXIES = [
    "synflow",
    "snip",
    "grasp",
    "fisher",
    "grad_norm",
    "l2_norm",
    "zico",
    "plain",
    "zen",
    "params",
]


@pytest.mark.parametrize("kind", ["self", "seq_first", "separate"])
def test_multihead_attention_is_scored_as_the_same_linear_layers(kind):
    # its projections had been left out (in_proj_weight of every proxy, zen's Gaussian
    # weights; out_proj of fisher): synflow 866 against 1077 for the same function
    torch.manual_seed(0)
    fused = _AttentionNet(True, kind)
    linear = fused.as_linear()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 3, 16, 16, generator=g), torch.arange(8) % 10
    with torch.no_grad():
        torch.testing.assert_close(fused.eval()(x), linear.eval()(x), rtol=0, atol=1e-5)
    got = zc.score(fused, x, y, proxies=ATTENTION_PROXIES)
    want = zc.score(linear, x, y, proxies=ATTENTION_PROXIES)
    # The two run different float32 kernels (torch's attention against matmuls; logits
    # ~4e-8 apart): here the scores agree to 1e-6 relative or better, plain (a signed sum
    # that cancels) and zico (ratios over standard deviations) the least; 1e-4 leaves room
    # for other CPUs' vector widths, against gaps of 20 % to 80 % when the projections were
    # not scored.
    for name in ATTENTION_PROXIES:
        assert got[name] == pytest.approx(want[name], rel=1e-4), name


def test_fisher_reads_a_linear_layer_s_channels_from_its_last_dim():
    # On (N, tokens, C) outputs the channels of nn.Linear are the last dim; NASLib's dim-1
    # rule (written for convolutions and 2-D linear outputs) had read tokens as channels.
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), _MeanTokens(), nn.Linear(6, 3))
    x, y = torch.randn(8, 5, 4), torch.arange(8) % 3
    acts = []
    hooks = [net[i].register_forward_hook(lambda m, a, o: acts.append(o)) for i in (0, 3)]
    loss = F.cross_entropy(net(x), y)
    for h in hooks:
        h.remove()
    grads = torch.autograd.grad(loss, acts)
    a0, a1 = (a.detach() for a in acts)
    per_channel = (a0 * grads[0]).sum(1)  # (N, 6): summed over the 5 tokens
    want = 0.5 * per_channel.pow(2).mean(0).sum() * 4  # times each channel's fan-in
    want = want + 0.5 * (a1 * grads[1]).pow(2).mean(0).sum() * 6
    got = zc.score(net, x, y, proxies=["fisher"])["fisher"]
    assert got == pytest.approx(float(want), rel=1e-5)  # float32 sums in another order


class _MeanTokens(nn.Module):
    def forward(self, x):
        return x.mean(1)


class _Tokens(nn.Module):
    """(N, 3, 4, 4) images as 16 tokens, mapped from 3 to 4 dims by a matmul: a user's
    module, whose output layout no module type gives."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 4))

    def forward(self, x):
        return x.flatten(2).transpose(1, 2) @ self.w  # (N, 16, 4)


def test_meco_reads_a_token_layout_s_channels_from_the_last_dim():
    # (batch, tokens, dim) had been read as (batch, channels, positions): with more tokens
    # than dims every correlation matrix was singular and every transformer scored ~1e-4
    torch.manual_seed(0)
    net = nn.Sequential(_Tokens(), nn.Linear(4, 3), nn.GELU(), _MeanTokens(), nn.Linear(3, 2))
    x = torch.randn(4, 3, 4, 4)
    # the first sample's Linear and GELU outputs, (16 tokens, 3 channels) each; _Tokens'
    # output has no known layout and is left out
    with torch.no_grad():
        linear = net[1](net[0](x[:1]))[0]
        terms = [linear, net[2](linear)]
    want = sum(torch.linalg.eigvalsh(torch.corrcoef(t.T.double()))[0] for t in terms)
    got = zc.score_details(net, x, proxies=["meco"])["meco"]
    assert got.reason is None
    assert got.value == pytest.approx(float(want), rel=1e-6)  # 3x3 matrices, float64 sums
    assert got.value > 1e-3  # not the singular ~0 of tokens read as channels


def test_meco_is_nan_where_every_correlation_matrix_is_singular():
    # tokens of a layout no module type gives, read as channels: 16 "channels" over 4
    # positions, singular by construction, had summed to ~1e-16 without a word
    torch.manual_seed(0)
    net = nn.Sequential(_Tokens(), nn.Tanh(), _MeanTokens(), nn.Linear(4, 2))
    r = zc.score_details(net, torch.randn(4, 3, 4, 4), proxies=["meco"])["meco"]
    assert math.isnan(r.value) and "more positions than channels" in r.reason


def test_meco_of_a_transformer_reads_its_layers_not_its_tokens():
    # the tiny ViT on 32x32 images: its layers' 65 tokens of 16 dims, read as 65 channels
    # over 16 positions, had given singular matrices only, so meco was the patch
    # convolution's term alone (0.112 here, + 1e-15); read as 16 channels over 65 tokens
    # the layers add 0.100
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    net = _vit(0.0)
    with torch.no_grad():
        patches = net.embed(x[:1])[0].reshape(16, -1).double()  # (channels, 8x8 positions)
    conv_term = float(torch.linalg.eigvalsh(torch.corrcoef(patches))[0])
    r = zc.score_details(net, x, proxies=["meco"])["meco"]
    assert r.reason is None and r.value - conv_term > 0.05


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_params_and_flops_of_a_model_in_another_dtype(dtype):
    # "Input type (float) and bias type (double) should be the same"
    m = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )
    x, y = _data()
    want = zc.score(m, x, y, proxies=["params", "flops"])
    got = zc.score(m.to(dtype), x.to(dtype), y, proxies=["params", "flops"])
    assert got == want


def test_zico_on_batch_norm_with_too_few_samples_is_nan_with_its_reason():
    # torch's "Expected more than 1 value per channel" had failed the whole call
    mlp = nn.Sequential(
        nn.Flatten(), nn.Linear(12, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 5)
    )
    out = zc.score_details(mlp, torch.randn(2, 3, 2, 2), torch.arange(2), proxies=["zico", "snip"])
    assert math.isnan(out["zico"].value) and "needs at least 4 samples" in out["zico"].reason
    assert math.isfinite(out["snip"].value)


def test_an_output_no_gradient_reaches_is_nan_with_its_reason():
    class ArgmaxOut(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(3, 8, 3),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(8, 10),
            )

        def forward(self, x):
            return F.one_hot(self.body(x).argmax(1), 10).float()

    x, y = _data()
    out = zc.score_details(ArgmaxOut(), x, y, proxies=["snip", "synflow", "zico", "params"])
    for name in ("snip", "synflow", "zico"):  # "does not require grad" deep in autograd before
        assert math.isnan(out[name].value) and "does not depend on its weights" in out[name].reason
    assert out["params"].value > 0


def _small_net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )


ALL = [p for p in zc.available(population=False) if p != "zen"]  # zen: random weights


class _Symmetric(nn.Module):
    """A parametrization of one's own: the weight is ``(A + A^T) / 2``."""

    def forward(self, a):
        return (a + a.transpose(-1, -2)) / 2


@pytest.mark.parametrize("kind", ["weight_norm", "legacy_weight_norm", "own"])
def test_a_parametrized_weight_is_scored_as_the_weight_it_computes(kind):
    # the whole call had failed inside autograd ("`inputs` argument to `grad()` cannot be
    # empty"): a parametrized layer's weight is computed in each forward, no leaf to score
    from torch.nn.utils import parametrizations, parametrize

    net = _small_net()
    x, y = _data()
    if kind == "own":  # the same function as a plain layer holding the computed weight
        net[7] = nn.Linear(8, 8)
        parametrize.register_parametrization(net[7], "weight", _Symmetric())
        plain = _small_net()
        plain[7] = nn.Linear(8, 8)
        plain[7].load_state_dict({"weight": net[7].weight.detach(), "bias": net[7].bias})
    else:  # weight_norm's g and v reproduce the weight they start from
        plain = _small_net()
        wrap = (
            parametrizations.weight_norm
            if kind == "weight_norm"
            else torch.nn.utils.weight_norm  # deprecated, still in use
        )
        with pytest.warns(FutureWarning) if kind != "weight_norm" else _no_warning():
            for i in (0, 3, 7):
                wrap(net[i])
    before = {k: v.clone() for k, v in net.state_dict().items()}
    # both in eval mode (the forward below keeps the running statistics; a proxy that reads
    # the network in the mode it is given, as test_compute.py's test_output_mean, sees both
    # alike)
    net.eval()
    plain.eval()
    out = net(x)
    got = zc.score(net, x, y, proxies=[*ALL])
    want = zc.score(plain, x, y, proxies=[*ALL])
    for name in set(ALL) - {"params"}:  # g * v / |v| rounds the weight's last bits
        assert math.isclose(got[name], want[name], rel_tol=1e-4, abs_tol=1e-9), name
    # params counts the network's parameters, as space.params does: weight_norm's g adds
    # one per output channel of layers 0 and 3 (8 each) and 7 (10); _Symmetric's A is
    # the weight's size
    extra = 8 + 8 + 10 if kind != "own" else 0
    assert round((got["params"] - want["params"]) * 1e6) == extra
    assert round(got["params"] * 1e6) == sum(p.numel() for p in net.parameters())
    after = net.state_dict()  # scored on a copy: the caller's g, v and hooks as they were
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert parametrize.is_parametrized(net[7]) or kind == "legacy_weight_norm"
    # and its network still runs (removing the copy's parametrizations had deleted the
    # 'weight' property of the class the caller's layers share)
    assert torch.allclose(net(x), out)


def _pruned(kind: str) -> nn.Sequential:
    """:func:`_small_net` pruned by ``torch.nn.utils.prune`` (masks and pre-hooks)."""
    from torch.nn.utils import prune

    net = _small_net()
    torch.manual_seed(1)  # random_unstructured's draw
    if kind == "l1":
        prune.l1_unstructured(net[3], "weight", amount=0.5)
    elif kind == "mixed":  # two masks on one layer (a PruningContainer), one on a bias
        prune.ln_structured(net[0], "weight", amount=0.25, n=2, dim=0)
        prune.l1_unstructured(net[0], "weight", amount=0.3)
        prune.random_unstructured(net[7], "bias", amount=0.5)
    elif kind == "global":
        params = [(net[0], "weight"), (net[3], "weight"), (net[7], "weight")]
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.4)
    else:  # an all-ones mask: the dense network's function
        prune.identity(net[3], "weight")
    return net


@pytest.mark.parametrize("kind", ["l1", "mixed", "global", "identity"])
def test_a_pruned_network_is_scored_as_its_prune_removed_equivalent(kind):
    # A pruned layer's weight is weight_orig * weight_mask, recomputed by a pre-hook in each
    # forward; prune.remove makes it a plain parameter. The layer had been scored half as
    # each: l2_norm read weight_orig (4.8935 masked, 4.7769 removed, 4.8935 dense), grad_norm
    # and fisher the gradient through the mask (0.126 / 0.153, 0.00265 / 0.00392), and an
    # all-ones mask had moved fisher (0.00443 -> 0.00292). It is scored on a copy as
    # prune.remove leaves it: the same weights and kernels in one process, the same floats
    # (zen too: it redraws the removed copy's plain weights, as the removed network's)
    from torch.nn.utils import prune

    proxies = zc.available(population=False)
    net = _pruned(kind)
    removed = _pruned(kind)
    for m in removed.modules():
        for name in ("weight", "bias"):
            if prune.is_pruned(m) and hasattr(m, f"{name}_orig"):
                prune.remove(m, name)
    x, y = _data()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    got = zc.score_details(net, x, y, proxies=proxies)
    want = zc.score_details(removed, x, y, proxies=proxies)
    for name in proxies:
        assert (got[name].value, got[name].reason) == (want[name].value, want[name].reason), name
    if kind == "identity":  # and the dense network's, as the mask changes nothing
        dense = zc.score(_small_net(), x, y, proxies=proxies)
        assert {n: r.value for n, r in got.items()} == dense
    # params counts every element of a pruned weight (weight_orig, as prune.remove's weight
    # and numel do): 224 + 16 + 584 + 90
    assert got["params"].value == pytest.approx(914e-6, abs=1e-12)
    after = net.state_dict()  # the caller's weight_orig, masks and hooks as they were
    assert after.keys() == before.keys() and any(k.endswith("_mask") for k in after)
    assert all(torch.equal(after[k], before[k]) for k in before)
    assert any(prune.is_pruned(m) for m in net.modules()) and all(
        type(m.weight) is torch.Tensor for m in net.modules() if hasattr(m, "weight_orig")
    )
    net.eval()
    removed.eval()
    assert torch.equal(net(x), removed(x))  # the caller's network still computes the same


@pytest.mark.parametrize("legacy", [False, True])
def test_spectral_norm_layers_are_scored_with_their_normalised_weights(legacy):
    from torch.nn.utils import parametrizations

    net = _small_net()
    wrap = torch.nn.utils.spectral_norm if legacy else parametrizations.spectral_norm
    for i in (0, 3, 7):
        wrap(net[i])
    x, y = _data()
    details = zc.score_details(net, x, y, proxies=ALL)
    assert all(math.isfinite(r.value) for r in details.values()), details
    # the weights scored are divided by their spectral norm as the first training forward
    # estimates it: torch's parametrization after its 15 power iterations (0.1 % from the
    # exact norm here), the older hook after the one power iteration of that forward
    exact = _small_net()
    with torch.no_grad():
        for i in (0, 3, 7):
            w = exact[i].weight
            w /= torch.linalg.matrix_norm(w.reshape(len(w), -1), ord=2)
    want = zc.score(exact, x, y, proxies=["l2_norm", "params"])
    assert details["params"].value == want["params"]
    tol = 0.25 if legacy else 0.01
    assert details["l2_norm"].value == pytest.approx(want["l2_norm"], rel=tol)
    raw = zc.score(_small_net(), x, y, proxies=["l2_norm"])["l2_norm"]
    assert abs(details["l2_norm"].value - want["l2_norm"]) < abs(raw - want["l2_norm"])


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------- the caller's grad modes
EVERY = zc.available(population=False)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_scores_inside_no_grad_or_inference_mode_are_those_outside(mode):
    # under no_grad ten proxies (nwot, jacov, snip, grad_norm, fisher, grasp, plain, meco,
    # swap, epe_nas) had been NaN with a false reason ("does not depend on its weights");
    # under inference_mode the call had failed with torch's "Inference tensors do not
    # track version counter"
    net = _small_net()
    x, y = _data()
    want = zc.score_details(net, x, y, proxies=EVERY)
    assert all(r.is_defined for r in want.values()), want
    block = torch.no_grad() if mode == "no_grad" else torch.inference_mode()
    with block:
        got = zc.score_details(net, x, y, proxies=EVERY)
        # the caller's modes are its own again after the call
        assert not torch.is_grad_enabled()
        assert torch.is_inference_mode_enabled() is (mode == "inference_mode")
    # one process, the same operations: bit for bit
    assert {k: (r.value, r.reason) for k, r in got.items()} == {
        k: (r.value, r.reason) for k, r in want.items()
    }


def test_inference_tensors_of_the_caller_are_scored_as_their_values():
    # inputs, labels and a network made under inference_mode (autograd refuses to save such
    # tensors for backward): scored as ordinary tensors of the same values, the caller's
    # network left as it was
    want = zc.score(_small_net(), *_data(), proxies=EVERY)
    with torch.inference_mode():
        net = _small_net()
        x, y = (t.clone() for t in _data())
    assert next(net.parameters()).is_inference() and x.is_inference()
    assert zc.score(net, x, y, proxies=EVERY) == want
    with torch.inference_mode():
        assert zc.score(net, x, y, proxies=EVERY) == want
    assert all(t.is_inference() for t in (*net.parameters(), *net.buffers()))


# ---------------------------------------------------------------- label and network dtypes
LOSS_READERS = ["snip", "grad_norm", "fisher", "grasp", "plain", "zico", "epe_nas"]


@pytest.mark.parametrize("dtype", [torch.int32, torch.int16, torch.int8, torch.uint8])
def test_integer_labels_of_any_dtype_are_read_as_int64(dtype):
    # int32 / int16 labels (numpy's int32 arrays) had passed the contract and then failed
    # inside torch: "expected target dtype to be Long or Byte, but got Int"
    x, y = _data()
    want = zc.score(_small_net(), x, y, proxies=LOSS_READERS)
    assert zc.score(_small_net(), x, y.to(dtype), proxies=LOSS_READERS) == want


def test_labels_out_of_range_in_another_integer_dtype_are_refused_up_front():
    x, y = _data()
    with pytest.raises(ValueError, match=r"class labels in \[0, 10\) .* values in \[-1, 6\]"):
        zc.score(_small_net(), x, (y - 1).to(torch.int8), proxies=["snip"])


def test_a_loss_fn_of_the_caller_gets_the_labels_as_given():
    seen = []

    def loss(logits, targets):
        seen.append(targets.dtype)
        return F.cross_entropy(logits, targets.long())

    x, y = _data()
    zc.score(_small_net(), x, y.int(), proxies=["snip"], loss_fn=loss)
    assert set(seen) == {torch.int32}


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_half_precision_network_is_scored_as_its_float32_copy(dtype):
    # grasp had been NaN in float16 on an NB201 cell, zico 8-9 % off: the proxies now
    # compute in float32 on a copy holding the same (exactly widened) weights
    x, y = _data()
    half = _small_net().to(dtype)
    plain = _small_net().to(dtype).float()  # the equivalent float32 network
    want = zc.score(plain, x.to(dtype).float(), y, proxies=EVERY)
    assert all(math.isfinite(v) for v in want.values()), want
    assert zc.score(half, x.to(dtype), y, proxies=EVERY) == want
    # float32 inputs fit it too (half-precision ones are widened, as its weights are)
    want = zc.score(plain, x, y, proxies=EVERY)
    assert zc.score(half, x, y, proxies=EVERY) == want
    assert all(t.dtype == dtype for t in half.state_dict().values() if t.is_floating_point())


def test_zen_draws_in_float32_whatever_the_network_dtype():
    # torch's randn draws other numbers in float64: a .double() copy had scored zen 4.52
    # against 4.73 at seed 0. The same draws, then computed in float64 instead of float32:
    # a log of feature differences, ~1e-6 relative float32 rounding per layer, so 1e-5
    x, y = _data()
    for seed in range(3):
        a = zc.score(_small_net(), x, proxies=["zen"], seed=seed)["zen"]
        b = zc.score(_small_net().double(), x.double(), proxies=["zen"], seed=seed)["zen"]
        assert b == pytest.approx(a, rel=1e-5), seed
    seeds = {zc.score(_small_net(), x, proxies=["zen"], seed=s)["zen"] for s in range(3)}
    assert len(seeds) == 3  # the seed still draws


def test_a_half_precision_network_that_cannot_be_copied_is_refused_in_one_line():
    import threading

    net = _small_net().half()
    net.lock = threading.Lock()  # deepcopy refuses it
    with pytest.raises(TypeError) as info:
        zc.score(net, *_data(), proxies=["snip"])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(
        "network has torch.float16 tensors (0.weight), scored in float32, so it is scored on a "
        "copy, but it cannot be copied (TypeError: "
    )
    assert message.endswith("); convert it with network.float() before scoring")

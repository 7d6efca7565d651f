"""A user's own layers, holding their ``nn.Parameter`` and calling ``F.conv2d`` / ``F.linear``
(or ``@`` / ``torch.einsum``) on it, are scored as the built-in layers computing the same
function (``Context.functional_weights``). They had been left out of every weight-based
proxy without a word (l2_norm 1.56 against 4.86, synflow 113 against 338), and a network
of such layers alone had stopped ``proxies="all"`` with torch's ``grad()`` error."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc

#: Every proxy that scores weights: each must agree between the two ways of writing a layer.
WEIGHT_PROXIES = [
    "l2_norm",
    "plain",
    "snip",
    "grad_norm",
    "synflow",
    "grasp",
    "fisher",
    "zico",
    "zen",
]
#: Float32 reassociation across kernels is ~1e-6 relative per reduction; the sums over
#: layers are float64. The two networks run the same torch kernels on the same tensors, so
#: most values are bit-identical; the tolerance covers fisher's per-layer sum (taken in
#: another layer order) and a matrix product against F.linear's addmm.
REL = 1e-6
#: A matrix product (``@``, ``einsum``) against ``F.linear``'s addmm: another kernel, so
#: other reduction orders inside the gradients, and zico divides their mean by their spread
#: over the batch, which amplifies float32 rounding (7.6e-6 relative measured on one CI
#: run, one torch thread, einsum); the defect this guards against was a factor of ~3.
REL_MATMUL = 1e-4


class _Conv(nn.Module):
    """``nn.Conv2d(ci, co, 3, padding=1)`` written by hand."""

    def __init__(self, ci: int, co: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(co, ci, 3, 3))
        self.bias = nn.Parameter(torch.empty(co))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, padding=1)


class _Linear(nn.Module):
    """``nn.Linear(i, o)`` written by hand: ``F.linear``, ``x @ W.T + b`` or an einsum."""

    def __init__(self, i: int, o: int, how: str = "linear") -> None:
        super().__init__()
        self.how = how
        self.weight = nn.Parameter(torch.empty(o, i))
        self.bias = nn.Parameter(torch.empty(o))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.how == "matmul":
            return x @ self.weight.T + self.bias
        if self.how == "einsum":
            return torch.einsum("ni,oi->no", x, self.weight) + self.bias
        return F.linear(x, self.weight, self.bias)


def _net(custom: bool, how: str = "linear") -> nn.Sequential:
    conv = _Conv if custom else (lambda i, o: nn.Conv2d(i, o, 3, padding=1))
    lin = (lambda i, o: _Linear(i, o, how)) if custom else nn.Linear
    return nn.Sequential(
        conv(3, 8),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        conv(8, 8),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        lin(8, 16),
        nn.ReLU(),
        lin(16, 10),
    )


def _pair(how: str = "linear") -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    builtin = _net(False)
    custom = _net(True, how)
    custom.load_state_dict(builtin.state_dict())  # the same parameters, the same names
    return builtin, custom


def _data(n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, 8, 8, generator=g), torch.arange(n) % 10


def test_a_layer_on_its_own_parameter_scores_as_the_built_in_layer():
    builtin, custom = _pair()
    x, y = _data()
    with torch.no_grad():
        assert torch.allclose(builtin(x), custom(x), atol=1e-6)
    a = zc.score_details(builtin, x, y, proxies=WEIGHT_PROXIES)
    b = zc.score_details(custom, x, y, proxies=WEIGHT_PROXIES)
    for name in WEIGHT_PROXIES:
        assert a[name].reason is None and b[name].reason is None, (name, b[name])
        assert math.isclose(a[name].value, b[name].value, rel_tol=REL), name
    # l2_norm by hand: the four weights' norms, biases not scored
    by_hand = sum(
        float(p.detach().double().norm())
        for n, p in custom.named_parameters()
        if n.endswith("weight") and p.dim() > 1
    )
    assert b["l2_norm"].value == pytest.approx(by_hand, rel=1e-12)


def test_the_functional_weights_are_the_weight_operands():
    _, custom = _pair("matmul")
    ctx = zc.engine.Context(custom, _data()[0], None, F.cross_entropy, 0, frozenset())
    assert ctx.functional_weights == {
        "0.weight": "conv",
        "3.weight": "conv",
        "8.weight": "matmul",
        "10.weight": "matmul",
    }
    assert ctx.functional_biases == ["0.bias", "3.bias"]  # those passed to F.conv2d
    assert [n for n, _ in ctx.prunable] == list(ctx.functional_weights)


@pytest.mark.parametrize("how", ["matmul", "einsum"])
def test_a_matrix_product_on_a_parameter_is_a_linear_map(how):
    builtin, custom = _pair(how)
    x, y = _data()
    names = [p for p in WEIGHT_PROXIES if p not in ("fisher", "zen")]
    a = zc.score_details(builtin, x, y, proxies=[*names, "fisher"])
    b = zc.score_details(custom, x, y, proxies=[*names, "fisher"])
    for name in names:
        assert math.isclose(a[name].value, b[name].value, rel_tol=REL_MATMUL), name
    # fisher needs the map's output channels, which a matrix product does not name
    assert math.isnan(b["fisher"].value)
    assert "'8.weight'" in b["fisher"].reason and "matrix product" in b["fisher"].reason


def test_zen_zeroes_the_bias_passed_beside_a_functional_weight():
    # as it zeroes a built-in layer's bias; the matmul head's bias is added by hand, not
    # passed to a layer function: zen scores it as the caller's (both nets agree where
    # the head's bias is zero)
    builtin, custom = _pair("matmul")
    for net in (builtin, custom):
        for m in net:
            if isinstance(m, nn.Linear | _Linear):
                nn.init.zeros_(m.bias)
    x, y = _data()
    a = zc.score(builtin, x, y, proxies="zen")
    b = zc.score(custom, x, y, proxies="zen")
    assert math.isclose(a["zen"], b["zen"], rel_tol=REL)


class _Transposed(nn.Module):
    """No layer whose weights are scored: a transposed convolution (never scored, as in
    NASLib: ``nn.ConvTranspose2d`` is not a ``Conv2d``) and a PReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(3, 10, 3, padding=1)
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.up(x)).mean((2, 3))


def test_without_a_scored_weight_all_proxies_give_values_or_nan_with_the_reason():
    # a gradient proxy beside a data proxy had raised torch's "`inputs` argument to
    # `grad()` cannot be empty" from the shared pass, stopping proxies="all"
    torch.manual_seed(0)
    net = _Transposed()
    x, y = _data()
    every = zc.available(population=False)
    together = zc.score_details(net, x, y, proxies=every)
    for name in WEIGHT_PROXIES[:-1]:  # zen reads features, defined without such a layer
        r = together[name]
        assert math.isnan(r.value) and "no convolution or linear layer" in r.reason, name
    for name in ("zen", "jacov", "epe_nas", "params", "flops"):
        alone = zc.score_details(net, x, y, proxies=[name])[name]
        assert together[name].reason is None and math.isfinite(together[name].value), name
        assert together[name].value == alone.value, name


def test_a_network_of_functional_layers_alone_scores_every_proxy():
    # the probe's network: all its weights in its own layers; proxies="all" had raised
    _, custom = _pair()
    x, y = _data()
    together = zc.score_details(custom, x, y, proxies=zc.available(population=False))
    for name in [*WEIGHT_PROXIES, "jacov", "nwot", "epe_nas", "params", "flops"]:
        assert together[name].reason is None and math.isfinite(together[name].value), name


class _Skeleton(nn.Module):
    """The :func:`_net` of built-in layers run by ``torch.func.functional_call`` on weights
    held in an ``nn.ParameterList`` (hypernetwork / meta-learning style); the skeleton's own
    weights, tripled so that scoring them shows, are never read by the forward."""

    def __init__(self, plain: nn.Module) -> None:
        super().__init__()
        self.names = [n for n, _ in plain.named_parameters()]
        self.w = nn.ParameterList([nn.Parameter(p.detach().clone()) for p in plain.parameters()])
        self.skeleton = _net(False)
        self.skeleton.load_state_dict(plain.state_dict())
        with torch.no_grad():
            for p in self.skeleton.parameters():
                p.mul_(3.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = dict(zip(self.names, self.w, strict=True))
        return torch.func.functional_call(self.skeleton, weights, (x,))


def test_a_skeleton_run_on_weights_held_elsewhere_scores_those_weights_only():
    # l2_norm had added the skeleton's unused weights (4x the true value here: 1 + 3) and
    # fisher had counted each layer twice (its hook and its functional weight)
    builtin, _ = _pair()
    net = _Skeleton(builtin)
    x, y = _data()
    with torch.no_grad():
        assert torch.allclose(net(x), builtin(x), atol=1e-6)
    ctx = zc.engine.Context(net, x, y, F.cross_entropy, 0, frozenset())
    # the list's weights are scored as the layers they feed; no skeleton weight is
    assert [n for n, _ in ctx.prunable] == ["w.0", "w.4", "w.8", "w.10"]
    a = zc.score_details(builtin, x, y, proxies=WEIGHT_PROXIES)
    b = zc.score_details(net, x, y, proxies=WEIGHT_PROXIES)
    for name in WEIGHT_PROXIES:
        assert b[name].reason is None, (name, b[name])
        # the same weights in other parameter slots: the kernels and sums of the built-in
        # network's (fisher's per-layer order differs: REL, as above)
        assert math.isclose(a[name].value, b[name].value, rel_tol=REL), name
    by_hand = sum(float(p.detach().double().norm()) for p in builtin.parameters() if p.dim() > 1)
    assert b["l2_norm"].value == pytest.approx(by_hand, rel=1e-12)


def test_a_layer_that_reads_its_weight_beside_a_functional_one_is_still_scored():
    # the same forward drops only layers that ran without reading their weight: an
    # LSTM's flat weights, an attention's projections (read inside torch's functions) and
    # a layer never called (a supernet's unused candidate) stay scored as before
    class Mixed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(8, 3, 3, 3) * 0.1)  # a functional conv
            self.lstm = nn.LSTM(8, 8, batch_first=True)
            self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
            self.head = nn.Linear(8, 10)
            self.unused = nn.Linear(8, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seq = F.conv2d(x, self.w, padding=1).flatten(2).transpose(1, 2)
            seq, _ = self.lstm(seq)
            seq, _ = self.attn(seq, seq, seq)
            return self.head(seq.mean(1))

    torch.manual_seed(0)
    ctx = zc.engine.Context(Mixed(), _data()[0], None, F.cross_entropy, 0, frozenset())
    assert [n for n, _ in ctx.prunable] == [
        "w",
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "attn.in_proj_weight",
        "attn.out_proj.weight",
        "head.weight",
        "unused.weight",
    ]


# ----------------------------------------------------------------- forms of a weight operand
class _Ref(nn.Module):
    """``nn.Linear(6, 16)`` (no bias), ReLU, ``nn.Linear(16, 3)``: the reference function."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(6, 16, bias=False), nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(F.relu(self.a(x)))


#: ``(x, w, mask) -> x @ w.T`` written in each of the ways a user may write it.
FORMS = {
    "linalg.matmul": lambda x, w, m: torch.linalg.matmul(x, w.t()),
    "tensordot": lambda x, w, m: torch.tensordot(x, w, dims=([1], [1])),
    "inner": lambda x, w, m: torch.inner(x, w),
    "multi_dot": lambda x, w, m: torch.linalg.multi_dot([x, w.t()]),
    "masked": lambda x, w, m: F.linear(x, w * m),
    "clone": lambda x, w, m: F.linear(x, w.clone()),
    "flat_view": lambda x, w, m: F.linear(x, w.view(16, 6)),
}


class _Form(nn.Module):
    """:class:`_Ref` with its first layer's weight held as a parameter of its own (flat
    for ``flat_view``) and applied by ``FORMS[form]``."""

    def __init__(self, ref: _Ref, form: str) -> None:
        super().__init__()
        w = ref.a.weight.detach().clone()
        self.form = form
        self.w = nn.Parameter(w.flatten() if form == "flat_view" else w)
        self.register_buffer("mask", torch.ones(16, 6))  # a pruning mask keeping all
        self.b = nn.Linear(16, 3)
        self.b.load_state_dict(ref.b.state_dict())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(F.relu(FORMS[self.form](x, self.w, self.mask)))


@pytest.mark.parametrize("form", list(FORMS))
def test_every_spelling_of_a_linear_map_on_a_parameter_scores_as_nn_linear(form):
    # torch.linalg.matmul / tensordot / inner / multi_dot, a weight computed from the
    # parameter alone (w * mask, w.clone()) and a flat parameter viewed as the matrix had
    # been left out (l2_norm 0.957 against 3.308, synflow 6.80 against 13.61)
    torch.manual_seed(0)
    ref = _Ref()
    net = _Form(ref, form)
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    with torch.no_grad():
        assert torch.allclose(ref(x), net(x), atol=1e-6)
    proxies = ["l2_norm", "snip", "grad_norm", "synflow", "plain"]
    a, b = zc.score(ref, x, y, proxies), zc.score(net, x, y, proxies)
    for name in proxies:
        # another kernel than F.linear's for the products: REL_MATMUL (see above)
        assert b[name] == pytest.approx(a[name], rel=REL_MATMUL), (name, a[name], b[name])
    ctx = zc.engine.Context(net, x, None, F.cross_entropy, 0, frozenset())
    assert sorted(n for n, _ in ctx.prunable) == ["b.weight", "w"]


def test_a_parameter_mixed_with_the_inputs_is_not_a_weight():
    # x + pos (a positional embedding) leads to the inputs as well: not a weight, though
    # the sum is an operand of a matrix product
    class Pos(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pos = nn.Parameter(torch.randn(4, 6))
            self.head = nn.Linear(6, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = x + self.pos
            return self.head(torch.softmax(h @ h.transpose(1, 2), -1) @ h).mean(1)

    ctx = zc.engine.Context(Pos(), torch.randn(2, 4, 6), None, F.cross_entropy, 0, frozenset())
    assert ctx.functional_weights == {}


# ------------------------------------------------------------------ the detecting forward
class _BNFunctional(nn.Module):
    """BatchNorm1d, then a linear map on a parameter of its own (``custom``) or nn.Linear."""

    def __init__(self, custom: bool) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(8)
        self.custom = custom
        self.lin = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.bn(x)
        if self.custom:
            return F.linear(h, self.lin.weight.clone(), self.lin.bias) + 0 * h.sum()
        return self.lin(h)


def test_data_free_proxies_score_one_input_of_a_batchnorm_network_with_functional_weights():
    # the detecting forward had run in train mode on the batch: torch's BatchNorm
    # ValueError on one input, where the contract's eval-mode probe and the proxies run
    torch.manual_seed(0)
    ref = _BNFunctional(False)
    net = _BNFunctional(True)
    net.load_state_dict(ref.state_dict())
    x = torch.randn(1, 8)
    for proxy in ("l2_norm", "synflow", "params"):
        got = zc.score_details(net, x, proxies=proxy)[proxy]
        want = zc.score_details(ref, x, proxies=proxy)[proxy]
        assert got.reason is None, got
        assert got.value == pytest.approx(want.value, rel=REL), proxy


# ------------------------------------------------------------------------ sliced weights
class _Slim(nn.Module):
    """A slimmable first layer: ``F.conv2d(x, self.w[:width])`` of a 16-channel weight
    (``width`` None: an ``nn.Conv2d(3, k)`` of its own holding those channels)."""

    def __init__(self, w: torch.Tensor, k: int, own: bool) -> None:
        super().__init__()
        self.k, self.own = k, own
        if own:
            self.conv = nn.Conv2d(3, k, 3, padding=1, bias=False)
            with torch.no_grad():
                self.conv.weight.copy_(w[:k])
        else:
            self.w = nn.Parameter(w.clone())
        self.bn = nn.BatchNorm2d(k)
        self.head = nn.Linear(k, 10)
        with torch.no_grad():
            self.head.weight.copy_(torch.linspace(-0.3, 0.3, 10 * k).view(10, k))
            self.head.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x) if self.own else F.conv2d(x, self.w[: self.k], padding=1)
        return self.head(F.relu(self.bn(h)).mean((2, 3)))


@pytest.mark.parametrize("k", [4, 16])
def test_a_sliced_functional_weight_scores_as_the_layer_of_that_width(k):
    # the whole parameter had been scored (l2_norm 6.04 at widths 4 and 16 alike, 4.09
    # for the width-4 nn.Conv2d; fisher 0.0170 against 0.0103) while params counts the slice
    torch.manual_seed(0)
    w = torch.randn(16, 3, 3, 3) * 0.2
    slim, own = _Slim(w, k, own=False), _Slim(w, k, own=True)
    x, y = _data()
    proxies = ["l2_norm", "snip", "grad_norm", "synflow", "fisher", "grasp", "zen", "params"]
    a, b = zc.score(own, x, y, proxies), zc.score(slim, x, y, proxies)
    for name in proxies:
        # the same kernels on the same values but fisher's per-layer sum order: REL
        assert b[name] == pytest.approx(a[name], rel=REL), (name, a[name], b[name])
    # l2_norm by hand: the slice's norm and the head's
    by_hand = float(w[:k].double().norm()) + float(own.head.weight.detach().double().norm())
    assert b["l2_norm"] == pytest.approx(by_hand, rel=1e-12)


# ------------------------------------------------------- a layer holding functional weights
class _LoRA(nn.Linear):
    """An nn.Linear subclass adding a low-rank adapter of its own: ``W x + B (A x)``."""

    def __init__(self, i: int, o: int, r: int = 2) -> None:
        super().__init__(i, o, bias=False)
        self.A = nn.Parameter(torch.randn(r, i) * 0.3)
        self.B = nn.Parameter(torch.randn(o, r) * 0.3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight) + F.linear(F.linear(x, self.A), self.B)


class _ThreeLinear(nn.Module):
    def __init__(self, src: _LoRA) -> None:
        super().__init__()
        o, i = src.weight.shape
        self.base = nn.Linear(i, o, bias=False)
        self.a, self.b = nn.Linear(i, 2, bias=False), nn.Linear(2, o, bias=False)
        with torch.no_grad():
            self.base.weight.copy_(src.weight)
            self.a.weight.copy_(src.A)
            self.b.weight.copy_(src.B)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.b(self.a(x))


def test_a_lora_style_linear_scores_as_three_nn_linear():
    # fisher had counted the adapter's weights in the layer's fan-in too (0.0342 against
    # 0.0274), then read the layer's summed output as its own (0.0242)
    torch.manual_seed(0)
    l1, l2 = _LoRA(6, 16), _LoRA(16, 3)
    lora = nn.Sequential(l1, nn.ReLU(), l2)
    three = nn.Sequential(_ThreeLinear(l1), nn.ReLU(), _ThreeLinear(l2))
    x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
    proxies = ["l2_norm", "snip", "grad_norm", "synflow", "fisher", "grasp", "plain", "zico"]
    a, b = zc.score(three, x, y, proxies), zc.score(lora, x, y, proxies)
    for name in proxies:
        assert b[name] == pytest.approx(a[name], rel=REL), (name, a[name], b[name])


# ------------------------------------------------------------------------ functional ReLUs
#: A ReLU in each of the ways it may be written.
RELU_FORMS = {
    "module": None,
    "F.relu": F.relu,
    "torch.relu": torch.relu,
    "method": lambda h: h.relu(),
    "in_place": lambda h: F.relu(h.clone(), inplace=True),
    "method_in_place": lambda h: h.clone().relu_(),
}


class _ReLUs(nn.Module):
    """conv, BN, ReLU, conv, BN, ReLU, pool, linear; the first ReLU an ``nn.ReLU``, the
    second written as ``RELU_FORMS[form]`` (an ``nn.ReLU`` for "module")."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.c2, self.b2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.act = nn.ReLU()
        self.form = form
        self.head = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        fn = RELU_FORMS[self.form]
        h = self.act(h) if fn is None else fn(h)
        return self.head(h.mean((2, 3)))


@pytest.mark.parametrize("form", [f for f in RELU_FORMS if f != "module"])
def test_nwot_and_swap_read_a_relu_however_it_is_written(form):
    # only nn.ReLU modules had been read: a network mixing them with F.relu was scored from
    # part of its ReLUs without a word (nwot 104 / NaN / -171 for one GCN written three ways)
    torch.manual_seed(0)
    ref = _ReLUs("module")
    net = _ReLUs(form)
    net.load_state_dict(ref.state_dict())
    x, _ = _data()
    a = zc.score_details(ref, x, proxies=["nwot", "swap"])
    b = zc.score_details(net, x, proxies=["nwot", "swap"])
    for name in ("nwot", "swap"):
        assert a[name].reason is None and b[name].reason is None, (name, b[name])
        # the same kernels appended in the same order, in one process: equal
        assert b[name].value == a[name].value, (name, a[name].value, b[name].value)


def test_nwot_of_a_network_of_functional_relus_only_equals_the_module_network():
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c, self.head = nn.Conv2d(3, 8, 3, padding=1), nn.Linear(8, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(F.relu(self.c(x)).mean((2, 3)))

    torch.manual_seed(0)
    net = Functional()
    ref = nn.Sequential(net.c, nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), net.head)
    x, _ = _data()
    a = zc.score(ref, x, proxies=["nwot", "swap"])
    assert zc.score(net, x, proxies=["nwot", "swap"]) == a


def test_a_forward_that_fails_with_gradients_is_detected_without_them():
    # the detecting forward runs with gradients (to trace computed weights); a network that
    # cannot (it calls .numpy() on an activation) is detected on the input check's samples
    # without them, as that check ran it, and is scored where its proxies run
    class NumpyGate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(4, 6))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            gate = torch.as_tensor(x.numpy() > -10, dtype=x.dtype)  # all ones
            return F.linear(x * gate, self.w)

    torch.manual_seed(0)
    net = NumpyGate()
    got = zc.score_details(net, torch.randn(3, 6), proxies=["l2_norm", "params"])
    assert got["l2_norm"].value == pytest.approx(float(net.w.detach().double().norm()), rel=1e-12)


def test_zen_of_a_batchnorm_network_on_one_input_is_nan_with_the_reason():
    # zen's forwards run BatchNorm in train mode: torch's ValueError had escaped
    torch.manual_seed(0)
    got = zc.score_details(_BNFunctional(True), torch.randn(1, 8), proxies="zen")["zen"]
    assert math.isnan(got.value) and "at least 2 inputs" in got.reason


class _NonNeg(nn.Module):
    """A linear map of non-negative weights: ``F.linear(x, F.relu(self.weight))``."""

    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, F.relu(self.weight))


@pytest.mark.parametrize("rows", [7, 8])
def test_a_relu_of_a_parameter_is_not_read_as_samples(rows):
    # its output had been read as per-sample codes: with 7 rows the whole call failed in
    # torch.stack ("stack expects each tensor to be equal size"), with 8 (the batch size)
    # nwot moved 16.6 -> 23.3 and swap 17 -> 31 without a word
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(12, 16), nn.ReLU(), _NonNeg(16, rows), nn.ReLU(), nn.Linear(rows, 5)
    )
    ref = nn.Sequential(
        nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, rows, bias=False), nn.ReLU(), nn.Linear(rows, 5)
    )
    with torch.no_grad():
        for i in (0, 4):
            ref[i].load_state_dict(net[i].state_dict())
        ref[2].weight.copy_(F.relu(net[2].weight))
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 12, generator=g), torch.randint(0, 5, (8,), generator=g)
    a = zc.score_details(ref, x, y, proxies=["nwot", "swap", "snip"])
    b = zc.score_details(net, x, y, proxies=["nwot", "swap", "snip"])
    for name in ("nwot", "swap"):
        # the same nn.ReLU outputs (F.linear of the same weights): the same kernels
        assert b[name].reason is None, (name, b[name])
        assert b[name].value == pytest.approx(a[name].value, rel=1e-9), (name, a, b)
    assert math.isfinite(b["snip"].value)  # the call's other proxies are scored


class _SeqFirst(nn.Module):
    """A transformer layer in torch's default sequence-first layout (its feed-forward
    F.relu runs on ``(T, N, C)``), on ``(N, T, 12)`` inputs."""

    def __init__(self, batch_first: bool = False) -> None:
        super().__init__()
        self.inp, self.head = nn.Linear(12, 16), nn.Linear(16, 5)
        self.batch_first = batch_first
        self.enc = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=batch_first)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        if self.batch_first:
            return self.head(self.enc(h).mean(1))
        return self.head(self.enc(h.transpose(0, 1)).mean(0))


@pytest.mark.parametrize("steps", [4, 8])
def test_a_sequence_first_transformer_layers_relu_is_not_read(steps):
    # its (T, N, C) rows are time steps: nwot had been a T x T kernel over them (also with
    # T == N, 8 here); as before the functional ReLUs were read, NaN with the reason
    torch.manual_seed(0)
    x = torch.randn(8, steps, 12, generator=torch.Generator().manual_seed(0))
    r = zc.score_details(_SeqFirst(), x, proxies=["nwot", "swap"])
    for name in ("nwot", "swap"):
        assert math.isnan(r[name].value) and "no ReLU" in r[name].reason, (name, r[name])
    torch.manual_seed(0)
    r = zc.score_details(_SeqFirst(batch_first=True), x, proxies=["nwot", "swap"])
    assert r["swap"].reason is None and r["nwot"].reason is None, r


class _AddmmLinear(nn.Module):
    """``F.linear(x, w, b)`` (``fused=False``) or its fused form ``torch.addmm(b, x, w.t())``."""

    def __init__(self, i: int, o: int, fused: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * 0.2)
        self.bias = nn.Parameter(torch.full((o,), 3.0))
        self.fused = fused

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            return torch.addmm(self.bias, x, self.weight.t())
        return F.linear(x, self.weight, self.bias)


def test_the_added_input_of_addmm_is_a_bias_not_a_weight():
    # its bias had been scored as a weight: l2_norm 17.82 against 3.18 for F.linear
    nets = {}
    for fused in (False, True):
        torch.manual_seed(0)
        nets[fused] = nn.Sequential(
            _AddmmLinear(12, 7, fused), nn.ReLU(), _AddmmLinear(7, 5, fused)
        )
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 12, generator=g), torch.randint(0, 5, (8,), generator=g)
    proxies = ["l2_norm", "synflow", "snip", "grad_norm"]
    a, b = zc.score(nets[False], x, y, proxies), zc.score(nets[True], x, y, proxies)
    for name in proxies:
        assert b[name] == pytest.approx(a[name], rel=REL_MATMUL), (name, a, b)
    # by hand: the two weights' norms, no bias
    net = nets[True]
    assert b["l2_norm"] == pytest.approx(
        float(net[0].weight.detach().norm() + net[2].weight.detach().norm()), rel=1e-6
    )
    ctx = zc.engine.Context(net, x, None, F.cross_entropy, 0, frozenset())
    assert sorted(ctx.functional_weights) == ["0.weight", "2.weight"]
    assert sorted(ctx.functional_biases) == ["0.bias", "2.bias"]


def test_an_embedding_lookup_in_a_matrix_product_is_an_activation_not_a_weight():
    # emb(ids) @ W: the lookup's history leads to the table alone, and the whole table had
    # been scored as a weight (l2_norm 32.12 against 2.32)
    class Side(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc, self.emb = nn.Linear(12, 5), nn.Embedding(50, 16)
            self.W = nn.Parameter(torch.randn(16, 5) * 0.1)

        def forward(self, x: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
            return self.fc(x) + self.emb(ids) @ self.W

    torch.manual_seed(0)
    net = Side()
    g = torch.Generator().manual_seed(0)
    x, ids = torch.randn(8, 12, generator=g), torch.randint(0, 50, (8,), generator=g)
    r = zc.score(net, (x, ids), torch.randint(0, 5, (8,), generator=g), ["l2_norm"])
    # by hand: the linear maps' weights fc.weight and W (float32 sums: 1e-6)
    assert r["l2_norm"] == pytest.approx(
        float(net.fc.weight.detach().norm() + net.W.detach().norm()), rel=1e-6
    )
    batch = zc.engine.as_proxy_inputs((x, ids))
    ctx = zc.engine.Context(net, x, None, F.cross_entropy, 0, frozenset(), batch=batch)
    assert ctx.functional_weights == {"W": "matmul"}

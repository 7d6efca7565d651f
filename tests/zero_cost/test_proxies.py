"""Zero-cost proxies: values, degenerate cells, no side effects, sharing, NASLib fidelity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

import nasperf
from nasperf import zero_cost
from nasperf.zero_cost import PROXIES, available, rank_vote, score, score_details
from tests.conftest import SHARED

REF = SHARED / "reference" / "naslib-zc" / "zc_nasbench201_sample.json"
NORMAL = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"
# no path from the cell input to its output: the output does not depend on the image
DEGENERATE = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"
SINGLE = available(population=False)
UNDEFINED_ON_DEGENERATE = {"jacov", "epe_nas", "zen"}
# defined here (ReLUs before the dead cell still see the images); NaN on an all-"none" cell
EITHER_ON_DEGENERATE = {"nwot"}


def small_net(arch: str, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nasperf.get_space("nb201").build_network(arch, "cifar10", channels=8, cells_per_stage=1)


@pytest.fixture(scope="module")
def batch():
    return nasperf.load_image_batch("cifar10", 8, seed=0)


@pytest.fixture(scope="module")
def normal_scores(batch):
    x, y = batch
    return score_details(small_net(NORMAL), x, y)


def test_registry_lists_every_proxy_of_the_issue():
    expected = {
        "epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot",
        "params", "plain", "snip", "synflow", "zen", "zico", "meco", "swap", "vote",
    }  # fmt: skip
    assert expected <= set(available())  # other test modules register toy proxies
    assert "vote" not in SINGLE
    assert PROXIES.get("jacob_cov") is PROXIES.get("jacov")  # NASLib / zero-cost-nas alias
    assert zero_cost.score is score


@pytest.mark.parametrize("name", SINGLE)
def test_every_proxy_is_finite_on_a_normal_cell(normal_scores, name):
    r = normal_scores[name]
    assert math.isfinite(r.value), (name, r)
    assert r.reason is None


def test_known_values_on_a_normal_cell(normal_scores):
    # exact by construction
    net = small_net(NORMAL)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert normal_scores["l2_norm"].value == pytest.approx(
        sum(float(m.weight.detach().norm()) for m in convs), rel=1e-6
    )
    c = nasperf.get_space("nb201").complexity(NORMAL, channels=8, cells_per_stage=1)
    assert normal_scores["params"].value == pytest.approx(c.mparams, rel=1e-12)
    assert normal_scores["flops"].value == pytest.approx(c.mflops, rel=1e-12)
    # a batch of 8 distinct images: NASWOT's kernel is full rank, its log-det large
    assert normal_scores["nwot"].value > 8 * math.log(100)
    assert 1 <= normal_scores["swap"].value
    assert normal_scores["grad_norm"].value > 0 and normal_scores["snip"].value > 0


def test_gradient_proxies_match_a_direct_computation(batch):
    x, y = batch
    net = small_net(NORMAL, seed=3)
    got = score(net, x, y, ["snip", "grad_norm", "plain", "grasp"])
    layers = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    ws = [m.weight for m in layers]
    loss = nn.functional.cross_entropy(net(x), y)
    g = torch.autograd.grad(loss, ws, create_graph=True)
    z = sum((gi.detach() * gi).sum() for gi in g)
    hg = torch.autograd.grad(z, ws)
    with torch.no_grad():
        assert got["snip"] == pytest.approx(
            float(sum((w * gi).abs().sum() for w, gi in zip(ws, g, strict=False))), rel=1e-4
        )
        assert got["grad_norm"] == pytest.approx(float(sum(gi.norm() for gi in g)), rel=1e-4)
        assert got["plain"] == pytest.approx(
            float(sum((w * gi).sum() for w, gi in zip(ws, g, strict=False))),
            rel=1e-3,
            abs=2e-3 * got["snip"],
        )
        assert got["grasp"] == pytest.approx(
            float(sum((-w * h).sum() for w, h in zip(ws, hg, strict=False))),
            rel=1e-3,
            abs=2e-3 * got["snip"],
        )


def test_degenerate_cell_gives_nan_with_reason_never_raises(batch):
    x, y = batch
    res = score_details(small_net(DEGENERATE), x, y)
    empty = score_details(
        small_net("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), x, y, ["nwot"]
    )
    assert math.isnan(empty["nwot"].value) and "singular" in empty["nwot"].reason
    for name in SINGLE:
        r = res[name]
        assert r.value != -math.inf
        if name in EITHER_ON_DEGENERATE:
            assert math.isfinite(r.value) or (math.isnan(r.value) and r.reason)
        elif name in UNDEFINED_ON_DEGENERATE:
            assert math.isnan(r.value) and r.reason, (name, r)
        else:
            assert math.isfinite(r.value) and r.reason is None, (name, r)
    assert "depend on the input" in res["jacov"].reason
    # no signal path: the gradient-based saliencies are exactly zero
    assert res["snip"].value == 0.0 and res["synflow"].value == 0.0


def _textbook_synflow(net: nn.Module, shape: tuple[int, ...]) -> float:
    """synflow as NASLib computes it: a float64 copy without BatchNorm, absolute weights,
    one all-ones sample, sum |w * dR/dw| over conv / linear weights."""
    import copy

    ref = copy.deepcopy(net).double().eval()
    for name, m in list(ref.named_modules()):
        if isinstance(m, nn.BatchNorm2d):
            parent, _, local = name.rpartition(".")
            setattr(ref.get_submodule(parent) if parent else ref, local, nn.Identity())
    with torch.no_grad():
        for p in ref.parameters():
            p.abs_()
    ref(torch.ones((1, *shape), dtype=torch.float64)).sum().backward()
    layers = [m for m in ref.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    return float(sum((m.weight * m.weight.grad).abs().sum().detach() for m in layers))


def test_synflow_is_the_textbook_definition_and_restores_the_norm_layers(batch):
    x, _ = batch
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 10),
    )
    with torch.no_grad():  # BatchNorm that is not the identity, were it computed
        for m in (net[1], net[4]):
            m.running_mean.uniform_(-1, 1), m.running_var.uniform_(0.5, 2), m.weight.mul_(3)
    # a norm layer with a forward of its own on the instance (bypassed by a hook instead)
    net[4].forward = net[4].forward
    expected = _textbook_synflow(net, tuple(x.shape[1:]))
    assert score(net, x, None, ["synflow"])["synflow"] == pytest.approx(expected, rel=1e-12)
    assert "forward" not in net[1].__dict__ and "forward" in net[4].__dict__
    assert net[1].running_mean.dtype == torch.float32 and net[1].training


def _snapshot(net: nn.Module):
    return (
        {k: v.clone() for k, v in net.state_dict().items()},
        [
            (n, p.requires_grad, None if p.grad is None else p.grad.clone())
            for n, p in net.named_parameters()
        ],
        [m.training for m in net.modules()],
    )


def _no_hooks(net: nn.Module) -> bool:
    return all(
        not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
        and not getattr(m, "_backward_pre_hooks", {})
        for m in net.modules()
    )  # fmt: skip


def test_score_leaves_the_network_bit_identical(batch):
    x, y = batch
    net = small_net(NORMAL, seed=1)
    # mixed state a user may have: eval-mode parts, a frozen layer, an existing gradient
    net.cells[1].eval()
    net.stem[0].weight.requires_grad_(False)
    net.classifier.weight.grad = torch.ones_like(net.classifier.weight)
    before = _snapshot(net)
    score(net, x, y, available())
    after = _snapshot(net)
    assert before[0].keys() == after[0].keys()
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    for (n1, r1, g1), (n2, r2, g2) in zip(before[1], after[1], strict=False):
        assert n1 == n2 and r1 == r2
        assert (g1 is None and g2 is None) or torch.equal(g1, g2)
    assert before[2] == after[2]
    assert _no_hooks(net)


class UserCNN(nn.Module):
    """A user's classifier: in-place ReLUs, max pooling, a functional relu, a 1-D BatchNorm."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.BatchNorm1d(32))
        self.out = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(nn.functional.relu(self.head(self.features(x))))


def test_works_on_an_arbitrary_user_module(batch):
    x, y = batch
    torch.manual_seed(0)
    net = UserCNN()
    before = _snapshot(net)
    res = score_details(net, x, y)
    for name in SINGLE:
        assert math.isfinite(res[name].value), (name, res[name])
    after = _snapshot(net)
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert _no_hooks(net)
    # the custom loss is used by the gradient proxies
    doubled = score(
        net, x, y, ["grad_norm"], loss_fn=lambda o, t: 2 * nn.functional.cross_entropy(o, t)
    )
    assert doubled["grad_norm"] == pytest.approx(2 * res["grad_norm"].value, rel=1e-5)


def test_shared_pass_equals_single_proxy_runs(batch, normal_scores):
    x, y = batch
    net = small_net(NORMAL)
    # normal_scores shares one train pass among all proxies, grasp's included, whose
    # second-order kernels (conv2d_twice, batch_norm_twice) run torch's own forward and first
    # backward: every other proxy reads the values it reads alone
    for name in SINGLE:
        alone = score(net, x, y, [name])[name]
        assert alone == pytest.approx(normal_scores[name].value, rel=1e-6, abs=1e-9), name


def test_deterministic_and_seeded(batch):
    x, y = batch
    net = small_net(NORMAL)
    a = score(net, x, y, ["zen", "nwot", "jacov"], seed=0)
    b = score(net, x, y, ["zen", "nwot", "jacov"], seed=0)
    c = score(net, x, y, ["zen"], seed=1)
    assert a == b
    assert c["zen"] != a["zen"]


def test_targets_are_required_only_where_needed(batch):
    x, _ = batch
    net = small_net(NORMAL)
    with pytest.raises(ValueError, match="need targets"):
        score(net, x, None, ["snip"])
    assert math.isfinite(score(net, x, None, ["nwot", "synflow", "flops"])["nwot"])


def test_rank_vote_is_a_borda_count():
    scores = {"synflow": [1.0, 3.0, 2.0], "jacov": [1.0, 2.0, np.nan], "snip": [3.0, 2.0, 1.0]}
    # NaN ranks lowest: jacov ranks [2, 3, 1]
    np.testing.assert_array_equal(rank_vote(scores), [1 + 2 + 3, 3 + 3 + 2, 2 + 1 + 1])
    res = score_details(small_net(NORMAL), *nasperf.load_image_batch("cifar10", 8, 0), ["vote"])
    assert math.isnan(res["vote"].value) and "population" in res["vote"].reason
    assert {"synflow", "jacov", "snip"} <= res.keys()


@pytest.fixture(scope="module")
def reference_cells():
    if not REF.exists():
        pytest.skip("NASLib reference file not available")
    ref = nasperf.read_naslib_zc(REF, dataset="cifar10", nan="keep")  # NASLib's -1e8: NaN
    return ref.iloc[::8].iloc[:60]


@pytest.mark.parametrize(
    "n_cells", [12, pytest.param(60, marks=pytest.mark.slow)], ids=["12-cells", "60-cells"]
)
def test_data_free_proxies_match_naslib(reference_cells, n_cells):
    reference_cells = reference_cells.iloc[:n_cells]
    space = nasperf.get_space("nb201")
    x = torch.zeros(1, 3, 32, 32)
    rows = []
    for i, arch in enumerate(reference_cells.index):
        torch.manual_seed(i)
        rows.append(
            score(space.build_network(arch, "cifar10"), x, None, ["synflow", "params", "flops"])
        )
    for p in ("params", "flops"):
        ours = np.array([r[p] for r in rows])
        np.testing.assert_allclose(ours, reference_cells[p].to_numpy(), rtol=1e-6)
    rho = spearmanr([r["synflow"] for r in rows], reference_cells["synflow"])[0]
    assert rho >= 0.98


def test_fisher_matches_naslibs_channel_broadcast(batch):
    # NASLib: per layer and output channel 0.5 * mean_n (sum_hw a * dL/da)^2, broadcast to
    # every weight of the channel (x fan-in) and summed.
    x, y = batch
    net = small_net(NORMAL, seed=5)
    got = score(net, x, y, ["fisher"])["fisher"]
    layers = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    acts = {}

    def keep(module, args, out):
        out.retain_grad()
        acts[module] = out

    handles = [m.register_forward_hook(keep) for m in layers]
    try:
        net.train()
        nn.functional.cross_entropy(net(x), y).backward()
    finally:
        for h in handles:
            h.remove()
    expected = 0.0
    for m in layers:
        a = acts[m]
        prod = (a * a.grad).detach()
        g_nk = prod.sum(tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
        expected += float((0.5 * g_nk.pow(2).mean(0)).sum()) * m.weight[0].numel()
    assert got == pytest.approx(expected, rel=1e-4)


def _relu_inputs(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """The input of every ``nn.ReLU`` module call in one train-mode forward, ``(N, units)``
    each, in the contiguous layout (the authors' hooks, no sharing between modules)."""
    seen: list[torch.Tensor] = []

    def hook(module, args):
        # a pre-hook with a copy: an in-place ReLU overwrites its input during the call
        seen.append(args[0].detach().clone().reshape(x.shape[0], -1))

    relus = [m for m in net.modules() if isinstance(m, nn.ReLU)]
    handles = [m.register_forward_pre_hook(hook) for m in relus]
    try:
        with torch.no_grad():
            net.train()
            net(x)
    finally:
        for h in handles:
            h.remove()
    assert len(seen) == len(relus)  # one call per module
    return seen


def _naswot_per_module(net: nn.Module, x: torch.Tensor) -> float:
    """The authors' definition, written out: every ReLU module adds the agreement counts of
    the binary codes of its input to K."""
    k = torch.zeros(x.shape[0], x.shape[0], dtype=torch.float64)
    for inp in _relu_inputs(net, x):
        c = (inp > 0).to(torch.float64)
        k.add_(c @ c.T + (1 - c) @ (1 - c).T)
    return float(torch.linalg.slogdet(k)[1])


def test_nwot_counts_every_relu_module_also_those_sharing_an_input(batch):
    # node 0 feeds three ReLU-conv-BN edges: three ReLU modules, one input tensor. The
    # engine computes that input's codes once but must count them three times.
    arch = "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_1x1~2|"
    # In float64: the engine runs channels-last, the reference the contiguous layout, and
    # in float32 the two differ by up to ~3e-5 on a ReLU input while the smallest |input|
    # here is ~5e-6, so a CPU with other kernels could flip a code. In float64 the layouts
    # differ by ~1e-15 and the margin below makes the codes the same on any CPU.
    x, y = batch
    x = x.double()
    net = small_net(arch).double()
    inputs = _relu_inputs(net, x)
    assert min(float(inp.abs().min()) for inp in inputs) > 1e-9
    ours = score(net, x, y, ["nwot", "swap"])
    # the kernel's entries are integer counts: exact in both, so only the determinant's own
    # rounding remains
    reference = _naswot_per_module(small_net(arch).double(), x)
    assert ours["nwot"] == pytest.approx(reference, rel=1e-12)
    # swap: distinct on/off patterns over the units of all ReLU modules together
    patterns = {tuple(row.tolist()) for inp in inputs for row in (inp > 0).T}
    assert ours["swap"] == len(patterns)


def test_a_regression_network_is_scored_with_its_own_loss_and_refused_under_cross_entropy():
    # One output per input: cross-entropy over one class is 0 for every input, so every
    # loss-reading proxy had scored exactly 0 (no reason given); with the user's loss the
    # targets are what it reads (float), where they had been refused as non-class labels.
    import torch
    from torch import nn

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
    x = torch.randn(16, 20, generator=torch.Generator().manual_seed(1))
    y = torch.randn(16, generator=torch.Generator().manual_seed(2))

    def mse(z, t):
        return nn.functional.mse_loss(z.squeeze(1), t)

    loss_based = ["snip", "grad_norm", "fisher", "plain"]
    got = score(net, x, y, [*loss_based, "nwot"], loss_fn=mse)
    assert all(np.isfinite(got[p]) and got[p] != 0.0 for p in loss_based), got
    # the scores read the given loss: sum |w * dL/dw| and ||dL/dw|| are linear in it
    doubled = score(net, x, y, ["snip", "grad_norm"], loss_fn=lambda z, t: 2 * mse(z, t))
    assert doubled["snip"] == pytest.approx(2 * got["snip"], rel=1e-5)
    assert doubled["grad_norm"] == pytest.approx(2 * got["grad_norm"], rel=1e-5)
    with pytest.raises(ValueError, match=r"^network\(inputs\) returns one output per input: "):
        score(net, x, torch.zeros(16, dtype=torch.int64), ["snip", "nwot"])
    # proxies that read no loss still score it under the default loss
    assert np.isfinite(score(net, x, torch.zeros(16, dtype=torch.int64), ["nwot"])["nwot"])

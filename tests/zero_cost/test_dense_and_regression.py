"""Networks that are not image classifiers: a regression of one output per sample and a dense
prediction (``(N, C, H, W)`` per-pixel logits or values).

``score`` on a one-output network with real targets differentiates the mean squared error
(``F.mse_loss`` of logits ``(N, 1)`` and targets ``(N,)``, the call nasperf's messages had
recommended, broadcast to ``(N, N)``: snip 1.68 for 3.72, silently). Every proxy had refused
a dense output, even the data-free ones that never read an output's meaning, so omni, the
searches' warm start and ``tnb101_micro`` on its own dense tasks failed; and an image
regression (``ImageTask`` of one output) could not be scored by ``compute`` at all."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import nasperf.zero_cost as zc
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import CellGraph, ImageTask, SearchSpace, TensorTask, check_text
from tests._registry_helpers import register_space


def _snip_and_grad_norm(net: nn.Module, loss: torch.Tensor) -> tuple[float, float]:
    """snip (sum |w * dL/dw|) and grad_norm (sum of ||dL/dw||) over conv / linear weights,
    from ``loss`` of ``net`` differentiated directly."""
    weights = [m.weight for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    grads = torch.autograd.grad(loss, weights)
    snip = sum(float((w.detach() * g).abs().sum()) for w, g in zip(weights, grads, strict=True))
    return snip, sum(float(g.norm()) for g in grads)


# ------------------------------------------------------------------ one-output regression
def _line() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """y = x w, w = (1, 2), on three inputs; targets (0, 1, 1)."""
    net = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 2.0]]))
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return net, x, torch.tensor([0.0, 1.0, 1.0])


def test_real_targets_of_a_one_output_network_are_scored_by_the_mean_squared_error():
    net, x, y = _line()
    # By hand: outputs (1, 2, 3), residuals (1, 1, 2); L = mean(r^2), dL/dw = 2/3 * r @ x =
    # 2/3 * (3, 3) = (2, 2). snip = |1 * 2| + |2 * 2| = 6, grad_norm = ||(2, 2)|| = sqrt(8).
    # Small integers: float32 is exact here, 1e-6 leaves room for any summation order.
    got = zc.score(net, x, y, ["snip", "grad_norm"])
    assert got["snip"] == pytest.approx(6.0, rel=1e-6)
    assert got["grad_norm"] == pytest.approx(math.sqrt(8.0), rel=1e-6)
    # the same loss, given explicitly with targets of the output's shape
    explicit = zc.score(net, x, y[:, None], ["snip", "grad_norm"], loss_fn=F.mse_loss)
    assert explicit == pytest.approx(got, rel=1e-6)
    # F.mse_loss of (N, 1) against (N,) averages all N x N pairs: refused, not scored
    # (it had given snip 1.68 for the true 3.72 on the probe's regression network)
    with pytest.raises(ValueError, match=r"broadcasts logits \(2, 1\) against targets \(2,\)"):
        zc.score(net, x, y, ["snip"], loss_fn=F.mse_loss)
    # class labels on one output: cross-entropy over one class is 0; the advice is real
    # targets, no longer a loss_fn that broadcasts
    with pytest.raises(ValueError, match=r"a regression network takes real targets \(float\)"):
        zc.score(net, x, torch.zeros(3, dtype=torch.int64), ["snip"])
    # real targets for several outputs (class probabilities or a multi-output regression)
    # are ambiguous: refused with what to pass
    three = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"targets must be integer class labels .*loss_fn="):
        zc.score(three, x, torch.rand(3, 3), ["snip"])


class _Squeezed(nn.Module):
    """``net`` with its ``(N, 1)`` output read as ``(N,)`` (``squeeze(1)``)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


def _small_regressor() -> nn.Module:
    """Conv + BatchNorm + ReLU + global pool + linear head of one output (every proxy has
    something to read: ReLU codes, a pool for zen, BatchNorm)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 1),
    )


def test_every_spelling_of_a_one_output_regression_scores_the_same():
    """Only output ``(N, 1)`` against targets ``(N,)`` had been taken; targets ``(N, 1)``
    were refused as "integer class labels ... for logits of 1 classes" and an output ``(N,)``
    told to return logits ``(N, num_classes)``. The four pairs are one regression: the same
    ``N`` (output, target) pairs, so the same loss and the same scores."""
    net, x, y = _line()
    pairs = [(net, y), (net, y[:, None]), (_Squeezed(net), y), (_Squeezed(net), y[:, None])]
    for model, targets in pairs:
        got = zc.score(model, x, targets, ["snip", "grad_norm"])
        # by hand as in the test above: snip 6, grad_norm sqrt(8) (exact in float32)
        assert got["snip"] == pytest.approx(6.0, rel=1e-6), tuple(targets.shape)
        assert got["grad_norm"] == pytest.approx(math.sqrt(8.0), rel=1e-6)
    # every single-network proxy, on a network with a pool, BatchNorm and ReLUs: the four
    # pairs give the scores of output (N, 1) against (N,) (one process, the same values in
    # the same order into each reduction: equal; 1e-12 leaves room for a kernel chosen by
    # shape alone)
    reg = _small_regressor()
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(8, 3, 6, 6, generator=gen), torch.randn(8, generator=gen)
    names = zc.available(population=False)
    want = zc.score(reg, x, y, names)
    assert sum(np.isfinite(v) for v in want.values()) >= 12  # scores, not a row of NaN
    for model, targets in [(reg, y[:, None]), (_Squeezed(reg), y), (_Squeezed(reg), y[:, None])]:
        got = zc.score(model, x, targets, names)
        assert got == pytest.approx(want, rel=1e-12, nan_ok=True)


def test_what_a_one_output_network_refuses_is_named():
    net, x, y = _line()
    flat = _Squeezed(net)
    # real targets of another shape
    with pytest.raises(
        ValueError,
        match=r"^network\(inputs\) returns one output per input: a regression's real targets "
        r"must have shape \(3,\) or \(3, 1\) \(one per input\), got torch.float32 tensor of "
        r"shape \(3, 2\)",
    ):
        zc.score(flat, x, torch.rand(3, 2), ["snip"])
    # class labels: cross-entropy over one class is 0; the advice is real targets
    for model in (net, flat):
        with pytest.raises(
            ValueError, match=r"takes real targets \(float\) of shape \(3,\) or \(3, 1\)"
        ):
            zc.score(model, x, torch.zeros(3, dtype=torch.int64), ["snip"])
    # a loss_fn that broadcasts an (N,) output against (N, 1) targets: the reshape to pass
    with pytest.raises(ValueError, match=r"\(targets.reshape\(3\) for a one-output network\)"):
        zc.score(flat, x, y[:, None], ["snip"], loss_fn=F.mse_loss)

    class Mean(nn.Module):  # averages over the batch: no output per input
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Linear(2, 1)

        def forward(self, x):
            return self.net(x).mean(0)

    with pytest.raises(ValueError, match=r"one row per input \(no sum or mean over them\)\)$"):
        zc.score(Mean(), x, y, ["snip"])

    class Pair(Mean):  # a tuple: wrapping the module is the advice
        def forward(self, x):
            return self.net(x), x

    with pytest.raises(ValueError, match=r"returned a tuple of 2; wrap the module so that"):
        zc.score(Pair(), x, y, ["snip"])


def test_an_image_task_of_one_output_is_a_regression(dense_space):
    # ImageTask(num_classes=1), as TensorTask's: real targets (integers cast), whose mean
    # squared error the loss-reading proxies differentiate (float targets had been refused
    # as "labels must be integer classes", integers with advice to pass a loss_fn that
    # compute does not take)
    ages = ImageTask("test_ages", 3, 8, 1)
    archs = dense_space.sample(2, seed=0)
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 3, 8, 8, generator=gen), torch.randn(6, generator=gen)
    got = zc.compute(dense_space, archs, ["snip", "grad_norm"], ages, inputs=(x, y), cache=None)
    for arch in archs:
        torch.manual_seed(0)  # compute builds each network from the seed
        net = dense_space.build_network(arch, ages)
        assert net(x).shape == (6, 1)
        snip, grad_norm = _snip_and_grad_norm(net, F.mse_loss(net(x).reshape(-1), y))
        row = got.loc[dense_space.to_string(arch)]
        # float32 reductions in another order (channels-last passes): ~1e-6 relative
        assert row["snip"] == pytest.approx(snip, rel=1e-5) and snip > 0
        assert row["grad_norm"] == pytest.approx(grad_norm, rel=1e-5)
    ints = torch.arange(6) % 3
    cast = zc.compute(dense_space, archs, ["snip"], ages, inputs=(x, ints), cache=None)
    direct = zc.compute(dense_space, archs, ["snip"], ages, inputs=(x, ints.float()), cache=None)
    np.testing.assert_array_equal(cast["snip"], direct["snip"])


def test_an_image_task_of_one_output_takes_targets_n_1_and_names_real_targets(
    dense_space, tmp_path
):
    """A one-output ImageTask reads targets ``(N, 1)`` as ``(N,)`` (they had been taken as
    class labels and refused), and an ``.npz`` for it (an image file is read as a dataset
    nasperf knows) is refused with advice to pass real targets, not "int labels (N,)"."""
    ages = ImageTask("test_ages", 3, 8, 1)
    archs = dense_space.sample(2, seed=0)
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 3, 8, 8, generator=gen), torch.randn(6, generator=gen)
    flat = zc.compute(dense_space, archs, ["snip"], ages, inputs=(x, y), cache=None)
    column = zc.compute(dense_space, archs, ["snip"], ages, inputs=(x, y[:, None]), cache=None)
    np.testing.assert_array_equal(column["snip"], flat["snip"])  # one process, same loss
    np.savez(tmp_path / "ages.npz", data=x.numpy(), labels=y.numpy())
    with pytest.raises(ValueError, match=r"real targets \(N,\) \(a regression: one output\)\)"):
        zc.compute(dense_space, archs, ["snip"], ages, inputs=tmp_path / "ages.npz", cache=None)
    with pytest.raises(ValueError, match=r"int class labels \(N,\) in \[0, 10\)\)"):
        zc.compute(
            dense_space,
            archs,
            ["snip"],
            ImageTask("test_ten", 3, 8, 10),
            inputs=tmp_path / "ages.npz",
            cache=None,
        )


def test_a_regression_task_without_data_asks_for_real_targets():
    class Tabular(DenseSpace):  # its networks are never built here: the data is missing
        default_dataset = TensorTask("test_reg20", (20,), 1)

    # it had asked for "y class labels (N,) in [0, 1)"
    with pytest.raises(ValueError, match=r"y real targets \(N,\) \(a regression: one output\)"):
        zc.compute(Tabular(), ["skip-skip"], "snip", cache=None)
    said = " ".join(TensorTask.__doc__.split())
    assert "a regression, real targets ``(N,)``" in said  # it had said class labels only
    assert "only with a ``loss_fn``" not in said


# ------------------------------------------------------------------ dense outputs
def _dense_net() -> nn.Module:
    """1 -> 2 -> 3 channels by 1 x 1 convolutions with a ReLU between, no bias."""
    net = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU(), nn.Conv2d(2, 3, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([0.5, -2.0]).reshape(2, 1, 1, 1))
        net[2].weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.25]])[..., None, None])
    return net


def test_data_free_proxies_score_a_dense_output_by_hand():
    net = _dense_net()
    x = torch.randn(4, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    got = zc.score(net, x, None, ["synflow", "params", "flops", "l2_norm", "zen"])
    # synflow by hand: |weights|, one all-ones 3 x 3 input; each output pixel k is
    # sum_j |w2_kj| |w1_j|, so R = sum(output) = 9 S with S = sum_kj |w2_kj| |w1_j| =
    # 0.5 (1 + 0.5 + 3) + 2 (1 + 2 + 0.25) = 8.75. sum |w * dR/dw| over either layer is R
    # (R is linear in each layer's |w|): synflow = 2 R = 157.5.
    assert got["synflow"] == pytest.approx(157.5, rel=1e-9)  # float64 pass, exact inputs
    # 2 + 6 weights; MACs 2 * 9 + 6 * 9 = 72 plus the ReLU's 18 elements (NASLib counts
    # one FLOP per activation) = 90
    assert got["params"] == pytest.approx(8e-6, abs=1e-15)
    assert got["flops"] == pytest.approx(90e-6, abs=1e-15)
    l2 = math.sqrt(0.25 + 4.0) + math.sqrt(1.0 + 1.0 + 0.25 + 4.0 + 9.0 + 0.0625)
    assert got["l2_norm"] == pytest.approx(l2, rel=1e-6)
    assert math.isfinite(got["zen"])
    # proxies that read the inputs but no labels score the output as it is
    seen = zc.score(net, x, None, ["jacov", "nwot"])
    assert all(math.isfinite(v) for v in seen.values())


def test_loss_reading_proxies_take_per_element_targets_of_a_dense_output():
    net = _dense_net()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(4, 1, 3, 3, generator=gen)
    labels = torch.randint(0, 3, (4, 3, 3), generator=gen)
    got = zc.score(net, x, labels, ["snip", "grad_norm", "epe_nas"])
    # per-pixel cross-entropy, as F.cross_entropy reads (N, C, H, W) against (N, H, W)
    snip, grad_norm = _snip_and_grad_norm(net, F.cross_entropy(net(x), labels))
    assert got["snip"] == pytest.approx(snip, rel=1e-5) and snip > 0  # float32, ~1e-6
    assert got["grad_norm"] == pytest.approx(grad_norm, rel=1e-5)
    # epe_nas groups samples by their class: per-pixel labels give a sample none
    details = zc.score_details(net, x, labels, ["epe_nas"])
    assert math.isnan(details["epe_nas"].value)
    assert "per element" in details["epe_nas"].reason
    # real targets of the output's shape (pixels): the mean squared error
    pixels = torch.randn(4, 3, 3, 3, generator=gen)
    got = zc.score(net, x, pixels, ["snip"])
    want, _ = _snip_and_grad_norm(net, F.mse_loss(net(x), pixels))
    assert got["snip"] == pytest.approx(want, rel=1e-5)
    # one label per image cannot be read per pixel: one error, naming what fits
    with pytest.raises(
        ValueError,
        match=r"dense outputs .*shape \(2, 3, 3, 3\).*snip.*class "
        r"labels of shape \(4, 3, 3\)",
    ):
        zc.score(net, x, labels[:, 0, 0], ["snip", "synflow"])


@pytest.mark.parametrize(
    ("task", "params", "flops", "l2_norm"),
    [
        # NAS-Bench-Suite-Zero's stored values of this cell (flops / params exactly: the
        # segmentation decoder has no op NASLib's counter skipped)
        ("segmentsemantic", 12.585809, 1343.062016, 460.70816),
        # NASLib left out the generative decoder's closing Tanh (one FLOP per output
        # element, 3 x 256 x 256), which counting the built network includes
        ("autoencoder", 24.433491, 2029.944832 + 3 * 256 * 256 / 1e6, None),
    ],
)
def test_tnb101_micro_dense_tasks_get_data_free_scores(task, params, flops, l2_norm):
    # no Taskonomy images are packaged: the data-free proxies run on a placeholder batch,
    # which had failed on every dense task ("must return logits (N, num_classes)")
    cell = "64-41414-0_00_202"
    got = zc.compute(
        "tnb101_micro",
        [cell],
        ["params", "flops", "l2_norm", "synflow"],
        task,
        batch_size=2,
        cache=False,
    ).loc[cell]
    assert got["params"] == pytest.approx(params, abs=1e-6)
    assert got["flops"] == pytest.approx(flops, abs=1e-6)
    if l2_norm is not None:
        # millions of squared weights: ~0.1 % seed-to-seed spread (test_tnb101.py)
        assert got["l2_norm"] == pytest.approx(l2_norm, rel=0.02)
    # synflow is defined (finite); the autoencoder's closing Tanh saturates in synflow's
    # linearised pass (|weights|, all-ones input), where its derivative is 0
    assert math.isfinite(got["synflow"]) and got["synflow"] >= 0


# ------------------------------------------------------------------ a dense user space
DOPS = ("conv3x3", "conv1x1", "skip")
SEG = ImageTask("test_seg8", 3, 8, 4)


@dataclass(frozen=True, slots=True)
class DenseArch:
    ops: tuple[str, str]

    def __post_init__(self) -> None:
        if not isinstance(self.ops, tuple) or len(self.ops) != 2 or set(self.ops) - set(DOPS):
            raise InvalidArchitectureError("ops", self.ops, f"two of {DOPS}", space="test_dense")


class DenseSpace(SearchSpace[DenseArch]):
    """Two layers of a per-pixel network (9 architectures) for 8 x 8 images: per-pixel
    logits for a task of several outputs, a pooled scalar for a task of one (a regression
    such as age estimation)."""

    name = "test_dense"
    ops = DOPS
    arch_type = DenseArch
    max_nodes = 4
    default_dataset = SEG

    def parse(self, text: str) -> DenseArch:
        return DenseArch(tuple(check_text(text, "text", space=self.name).split("-")))

    def to_string(self, arch: DenseArch) -> str:
        return "-".join(arch.ops)

    def cells(self, arch: DenseArch) -> tuple[CellGraph, ...]:
        adj = tuple(tuple(int(j == i + 1) for j in range(4)) for i in range(4))
        return (CellGraph(adjacency=adj, ops=("input", *arch.ops, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> DenseArch:
        return DenseArch(tuple(DOPS[i] for i in rng.integers(len(DOPS), size=2)))

    def neighbors(self, arch: DenseArch) -> list[DenseArch]:
        o = arch.ops
        return [DenseArch(o[:k] + (p,) + o[k + 1 :]) for k in range(2) for p in DOPS if p != o[k]]

    @property
    def size(self) -> int:
        return len(DOPS) ** 2

    def enumerate(self):
        return (DenseArch(o) for o in itertools.product(DOPS, repeat=2))

    def build_network(self, arch: DenseArch, dataset=None) -> nn.Module:
        task = self.network_task(dataset)
        layers: list[nn.Module] = [nn.Conv2d(task.channels, 4, 3, padding=1), nn.BatchNorm2d(4)]
        for op in arch.ops:
            if op != "skip":
                k = int(op[-1])
                layers += [nn.ReLU(), nn.Conv2d(4, 4, k, padding=k // 2, bias=False)]
        layers += [nn.ReLU(), nn.Conv2d(4, task.num_classes, 1)]
        if task.num_classes == 1:
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        return nn.Sequential(*layers)


@pytest.fixture
def dense_space(monkeypatch, tmp_path):
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    register_space(monkeypatch, DenseSpace, "test_dense")
    return DenseSpace()


def test_omni_and_a_search_s_warm_start_run_on_a_dense_space(dense_space):
    from nasperf import predictors
    from nasperf.search import TableObjective, run

    archs = list(dense_space.enumerate())
    # a label that grows with the 3 x 3 convolutions, plus a small tie-breaker
    y = np.array([a.ops.count("conv3x3") + 0.1 * a.ops.count("conv1x1") for a in archs])
    omni = predictors.get("omni", space="test_dense", random_state=0).fit(archs[:6], y[:6])
    assert omni.zero_cost_source_ == "computed"  # it had failed on the dense outputs
    assert omni.predict(archs[6:]).shape == (3,)
    table = pd.DataFrame(
        {"miou": y}, index=pd.Index([dense_space.to_string(a) for a in archs], name="arch")
    )
    obj = TableObjective(table, "test_dense", "miou", cost_column=None)
    hist = run("predictor_local_search", objective=obj, budget=5, seed=0)
    assert any("zero-cost warm start: synflow, params computed" in n for n in hist.attrs["notes"])
    # the data-free scores themselves: params by hand for conv3x3-skip (the stem 3*9*4 + 4
    # and BatchNorm 8, one 3 x 3 layer 4*4*9, the head 4*4 + 4)
    scores = zc.compute(dense_space, ["conv3x3-skip"], ["params"], cache=None)
    assert scores.loc["conv3x3-skip", "params"] == pytest.approx(
        (3 * 9 * 4 + 4 + 8 + 4 * 4 * 9 + 4 * 4 + 4) / 1e6, abs=1e-12
    )


def test_compute_takes_per_pixel_labels_for_a_dense_space(dense_space):
    archs = dense_space.sample(2, seed=1)
    gen = torch.Generator().manual_seed(2)
    x, masks = torch.randn(4, 3, 8, 8, generator=gen), torch.randint(0, 4, (4, 8, 8), generator=gen)
    got = zc.compute(dense_space, archs, ["snip", "nwot", "epe_nas"], inputs=(x, masks), cache=None)
    for arch in archs:
        torch.manual_seed(0)
        net = dense_space.build_network(arch)
        snip, _ = _snip_and_grad_norm(net, F.cross_entropy(net(x), masks))
        assert got.loc[dense_space.to_string(arch), "snip"] == pytest.approx(snip, rel=1e-5)
    assert np.isfinite(got["nwot"]).all() and got["epe_nas"].isna().all()
    with pytest.raises(ValueError, match=r"labels must be classes 0..3 of test_seg8"):
        zc.compute(dense_space, archs, ["snip"], inputs=(x, masks + 4), cache=None)

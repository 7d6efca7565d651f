"""A space whose networks do not take images: an MLP over 20 tabular features, declared by
its task (``default_dataset = TensorTask(...)``). Its networks are counted, scored by the
proxies and warm-started on inputs of that shape, never on CIFAR-10's 3 x 32 x 32."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import nasperf.zero_cost as zc
from nasperf.errors import InvalidArchitectureError
from nasperf.spaces import CellGraph, SearchSpace, TensorTask, check_text
from tests._registry_helpers import register_space

WIDTHS = ("w8", "w16", "w32")
TAB = TensorTask("tab20", (20,), 3)


@dataclass(frozen=True, slots=True)
class MLPArch:
    widths: tuple[str, str, str]

    def __post_init__(self) -> None:
        if not isinstance(self.widths, tuple) or len(self.widths) != 3:
            raise InvalidArchitectureError("widths", self.widths, "expected 3", space="tabular")
        for k, w in enumerate(self.widths):
            if w not in WIDTHS:
                raise InvalidArchitectureError(
                    f"widths[{k}]", w, f"not in {WIDTHS}", space="tabular"
                )


class TabularSpace(SearchSpace[MLPArch]):
    """Three hidden layers of 8, 16 or 32 units over 20 features (27 networks)."""

    name = "test_tabular"
    ops = WIDTHS
    arch_type = MLPArch
    max_nodes = 5
    default_dataset = TAB

    def parse(self, text: str) -> MLPArch:
        return MLPArch(tuple(check_text(text, "text", space=self.name).split("-")))

    def to_string(self, arch: MLPArch) -> str:
        return "-".join(arch.widths)

    def cells(self, arch: MLPArch) -> tuple[CellGraph, ...]:
        adj = tuple(tuple(int(j == i + 1) for j in range(5)) for i in range(5))
        return (CellGraph(adjacency=adj, ops=("input", *arch.widths, "output")),)

    def random_architecture(self, rng: np.random.Generator) -> MLPArch:
        return MLPArch(tuple(WIDTHS[i] for i in rng.integers(3, size=3)))

    def neighbors(self, arch: MLPArch) -> list[MLPArch]:
        w = arch.widths
        return [MLPArch(w[:k] + (o,) + w[k + 1 :]) for k in range(3) for o in WIDTHS if o != w[k]]

    @property
    def size(self) -> int:
        return 27

    def enumerate(self):
        return (MLPArch(w) for w in itertools.product(WIDTHS, repeat=3))

    def build_network(self, arch: MLPArch, dataset=None):
        task = self.network_task(dataset)
        sizes = [task.shape[0], *(int(w[1:]) for w in arch.widths)]
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(sizes[-1], task.num_classes))


def _units(arch: MLPArch) -> list[int]:
    return [20, *(int(w[1:]) for w in arch.widths), 3]


@pytest.fixture
def space(monkeypatch, tmp_path):
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    register_space(monkeypatch, TabularSpace, "test_tabular")
    return TabularSpace()


def test_networks_are_counted_on_the_space_s_own_inputs(space):
    for arch in space.enumerate():
        units = _units(arch)
        weights = sum(a * b for a, b in itertools.pairwise(units))
        biases = sum(units[1:])
        assert space.params(arch) == pytest.approx((weights + biases) / 1e6, abs=1e-12)
        assert space.flops(arch, convention="macs") == pytest.approx(weights / 1e6, abs=1e-12)
    with pytest.raises(ValueError, match=r"unknown dataset 'tab21'.*TensorTask\(name, shape"):
        space.params(arch, "tab21")
    assert space.network_task("TAB20") is TAB  # the space's own task, by its name


def test_tasks_check_their_sizes():
    # a task sizes the networks built for it and the placeholder batches: bounded
    from nasperf.spaces import ImageTask

    for shape in ((), (0,), (-3,), ("4", 64), (True,), 20):
        with pytest.raises(ValueError, match=r"shape must be a non-empty tuple of positive"):
            TensorTask("t", shape, 3)
    with pytest.raises(ValueError, match=r"one sample holds 1,000,000,000 values; at most"):
        TensorTask("t", (10**9,), 3)
    with pytest.raises(ValueError, match=r"^TensorTask.num_classes must be a positive int"):
        TensorTask("t", (20,), 0)
    with pytest.raises(ValueError, match=r"num_classes is 1,000,000,000,000; at most 1,048,576"):
        TensorTask("t", (20,), 10**12)
    with pytest.raises(ValueError, match=r"^ImageTask.channels must be a positive int, got 0"):
        ImageTask("x", 0, 32, 10)
    with pytest.raises(ValueError, match=r"one sample holds 3,000,000,000,000 values"):
        ImageTask("x", 3, 10**6, 10)
    # numpy ints (read from a file) are taken as the ints they are
    task = TensorTask("t", [np.int64(4), 64], np.int64(3))
    assert task.shape == (4, 64) and type(task.num_classes) is int
    assert ImageTask("x", np.int32(1), 28, 10) == ImageTask("x", 1, 28, 10)


def test_proxies_run_on_the_task_s_inputs(space):
    archs = list(space.enumerate())[:4]
    free = zc.compute(space, archs, ["synflow", "params", "flops"], cache=None)
    assert np.isfinite(free.to_numpy()).all()
    assert free["params"].tolist() == pytest.approx([space.params(a) for a in archs])
    assert zc.compute(space, archs, ["params"], "tab20", cache=None)["params"].equals(
        free["params"]
    )
    with pytest.raises(ValueError, match=r"no data is packaged for 'tab20' \(a TensorTask"):
        zc.compute(space, archs, ["nwot"], cache=None)
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 20, generator=gen), torch.randint(0, 3, (32,), generator=gen)
    scored = zc.compute(space, archs, ["nwot", "snip", "grad_norm"], inputs=(x, y), cache=None)
    assert np.isfinite(scored.to_numpy()).all() and (scored["snip"] > 0).all()
    with pytest.raises(
        ValueError, match=r"take float x of shape \(N, 20\), got .* \(32, 3, 32, 32\)"
    ):
        zc.compute(space, archs, ["nwot"], inputs=(torch.zeros(32, 3, 32, 32), y), cache=None)


def test_searches_and_hybrids_build_for_the_task(space, monkeypatch):
    from nasperf import predictors
    from nasperf.search import TableObjective, run

    archs = list(space.enumerate())
    rng = np.random.default_rng(0)
    # a label that grows with width, plus noise
    y = np.array([sum(_units(a)) for a in archs], dtype=float) + rng.normal(0, 2, len(archs))
    table = pd.DataFrame(
        {"acc": y}, index=pd.Index([space.to_string(a) for a in archs], name="arch")
    )
    seen = []
    real = zc.compute

    def recording(space_, archs_, proxies, dataset=None, **kw):
        seen.append(space_.network_task(dataset))
        return real(space_, archs_, proxies, dataset, **kw)

    monkeypatch.setattr(zc, "compute", recording)
    obj = TableObjective(table, "test_tabular", "acc", cost_column=None)
    hist = run("predictor_local_search", objective=obj, budget=10)
    assert seen and all(t is TAB for t in seen)
    assert any("zero-cost warm start: synflow, params computed" in n for n in hist.attrs["notes"])
    omni = predictors.get("omni", space="test_tabular", random_state=0).fit(archs[:20], y[:20])
    assert omni.zero_cost_source_ == "computed"  # data-free proxies of the MLPs themselves
    assert omni.uses_zero_cost_ == ["synflow", "params", "flops"]
    assert omni.predict(archs[20:]).shape == (7,)


def test_an_image_file_for_a_task_of_yours_is_refused_with_what_to_pass(tmp_path):
    from nasperf.spaces import ImageTask
    from tests.spaces.custom_space_example import ChainSpace

    path = tmp_path / "mine.npz"
    np.savez(path, data=np.zeros((4, 3, 8, 8), np.uint8), labels=np.zeros(4, np.int64))
    arch = ChainSpace().sample(1, seed=0)[0]
    mine = ImageTask("myrgb", 3, 8, 10)
    # it had failed as "unknown image dataset 'myrgb'" (the docstring promised the file)
    with pytest.raises(ValueError, match=r"for 'myrgb', a task of yours, pass inputs=\(images"):
        zc.compute(ChainSpace(), [arch], ["nwot"], mine, inputs=path, cache=None)
    x, y = torch.zeros(4, 3, 8, 8), torch.zeros(4, dtype=torch.int64)
    got = zc.compute(ChainSpace(), [arch], ["nwot"], mine, inputs=(x, y), cache=None)
    assert got.shape == (1, 1)


def _count(module: nn.Module, shape: tuple[int, ...], convention: str) -> int:
    from nasperf.spaces import count_complexity

    return round(count_complexity(lambda: module, shape, convention=convention).mflops * 1e6)


def test_flops_count_convolutions_and_pools_of_any_dimension():
    # Conv1d / Conv3d and 1-D pools had counted 0 (only the 2-D ones had a rule), and a
    # Linear on a sequence (N, L, in) one row instead of L
    conv1 = nn.Conv1d(4, 8, 3, padding=1)  # 64 output positions
    assert _count(conv1, (1, 4, 64), "macs") == 3 * 4 * 8 * 64
    assert _count(conv1, (1, 4, 64), "naslib") == 3 * 4 * 8 * 64 + 8 * 64  # + bias
    conv3 = nn.Conv3d(2, 4, (3, 3, 3), padding=1, bias=False)
    assert _count(conv3, (1, 2, 6, 6, 6), "macs") == 27 * 2 * 4 * 216
    grouped = nn.Conv1d(8, 8, 5, groups=4, bias=False)  # 60 output positions
    assert _count(grouped, (2, 8, 64), "macs") == 5 * 8 * 2 * 60 * 2
    assert _count(nn.AvgPool1d(2), (1, 4, 64), "naslib") == 4 * 32 * 2
    assert _count(nn.MaxPool3d(2), (1, 2, 4, 4, 4), "naslib") == 2 * 8 * 8
    # torchstat's adaptive window sum, per dimension: 64 -> 1 is one window of 64 + 1
    assert _count(nn.AdaptiveAvgPool1d(1), (1, 4, 64), "naslib") == 4 * 65
    assert _count(nn.AdaptiveAvgPool2d(1), (1, 4, 8, 8), "naslib") == 4 * 9 * 9
    assert _count(nn.Linear(4, 16), (1, 64, 4), "macs") == 64 * 4 * 16
    # transposed: none in NASLib's convention (torchstat has no rule; TNB101's published
    # FLOPs omit them), per input position in MACs
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, bias=False)
    assert _count(up, (1, 4, 5, 5), "naslib") == 0
    assert _count(up, (1, 4, 5, 5), "macs") == 9 * 4 * 2 * 25


def test_proxies_read_a_tensor_task_s_samples_from_an_npz(space, tmp_path, capsys):
    from nasperf import cli
    from nasperf.zero_cost import read_proxy_table

    rng = np.random.default_rng(0)
    data = tmp_path / "tab.npz"
    np.savez(data, data=rng.normal(size=(40, 20)).astype(np.float32), labels=rng.integers(0, 3, 40))
    archs = list(space.enumerate())[:3]
    got = zc.compute(space, archs, ["nwot", "snip"], inputs=data, batch_size=16, cache=None)
    # the same 16 samples as drawn by hand (seed 0) and passed as tensors
    with np.load(data) as f:
        rows = np.random.default_rng(0).choice(40, size=16, replace=False)
        x, y = torch.from_numpy(f["data"][rows]), torch.from_numpy(f["labels"][rows])
    same = zc.compute(space, archs, ["nwot", "snip"], inputs=(x, y), batch_size=16, cache=None)
    pd.testing.assert_frame_equal(got, same)
    with pytest.raises(ValueError, match=r"asked for a batch of 64 but .* holds 40 samples"):
        zc.compute(space, archs, ["nwot"], inputs=data, cache=None)
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((4, 20)))
    with pytest.raises(ValueError, match=r"needs arrays 'data' \(or 'x'\) and 'labels'"):
        zc.compute(space, archs, ["nwot"], inputs=bad, batch_size=4, cache=None)
    # from the shell: every proxy, data-dependent ones on the file's samples
    mod = tmp_path / "tensor_task_tab_space.py"
    mod.write_text(
        "from nasperf.spaces import SPACES\n"
        "from tests.spaces.test_tensor_task import TabularSpace\n"
        "if 'test_tabular' not in SPACES:\n"
        "    SPACES.register('test_tabular')(TabularSpace)\n"
    )
    out = tmp_path / "p.csv"
    argv = ["proxies", "--import", str(mod), "--space", "test_tabular", "--n", "3"]
    argv += ["--proxies", "nwot,synflow", "--images", str(data), "--batch-size", "16"]
    assert cli.main([*argv, "--out", str(out), "--cache", "none", "--quiet"]) == 0, (
        capsys.readouterr()
    )
    table = read_proxy_table(out)
    assert len(table) == 3 and np.isfinite(table[["nwot", "synflow"]].to_numpy()).all()


def test_a_regression_task_s_proxies_read_its_targets_and_the_mean_squared_error(space):
    # one output: the loss-free proxies take the real targets as they are (float targets had
    # been refused as non-class labels); the loss-reading ones differentiate the mean
    # squared error, as zero_cost.score does with loss_fn=mse (they had been refused, with
    # no way to pass a loss through compute or nasperf proxies)
    from nasperf.zero_cost.compute import regression_loss

    reg = TensorTask("tab20_reg", (20,), 1)
    archs = list(space.enumerate())[:2]
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 20, generator=gen), torch.randn(16, generator=gen)
    got = zc.compute(space, archs, ["nwot", "jacov", "synflow"], reg, inputs=(x, y), cache=None)
    assert np.isfinite(got.to_numpy()).all()
    loss = zc.compute(space, archs, ["snip", "grad_norm"], reg, inputs=(x, y), cache=None)
    for arch in archs:
        torch.manual_seed(0)
        net = space.build_network(arch, reg)
        direct = zc.score(net, x, y, ["snip", "grad_norm"], loss_fn=regression_loss, seed=0)
        for proxy in ("snip", "grad_norm"):
            want = direct[proxy]
            assert want != 0 and np.isfinite(want)
            assert loss.loc[space.to_string(arch), proxy] == pytest.approx(want, rel=1e-5)
    # epe_nas groups samples by class: real targets would make each its own class and the
    # score one constant for every network (0.00064 for four networks, found by a probe)
    epe = zc.compute(space, archs, ["epe_nas"], reg, inputs=(x, y), cache=None)
    assert epe["epe_nas"].isna().all()
    assert "needs class labels; the targets are real numbers" in str(epe.attrs)
    with pytest.raises(ValueError, match=r"^TensorTask.name must be a non-empty str"):
        TensorTask("", (20,), 1)


def test_flops_of_attention_and_recurrent_layers_and_a_warning_for_the_unknown():
    class SelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(16, 4, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x)[0]  # (output, weights): the output is what counts

    # per sample: q, k, v and output projections (4 L E^2) and the two L x L products
    assert _count(SelfAttention(), (2, 10, 16), "macs") == 2 * (4 * 10 * 16 * 16 + 2 * 100 * 16)

    class Recurrent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True, bidirectional=True)

        def forward(self, x):
            return self.lstm(x)[0]

    per_step = 2 * 4 * (8 * 16 + 16 * 16) + 2 * 4 * (32 * 16 + 16 * 16)  # two layers, two ways
    assert _count(Recurrent(), (2, 10, 8), "macs") == 2 * 10 * per_step
    assert _count(nn.Sequential(nn.LayerNorm(16)), (2, 10, 16), "naslib") == 2 * 10 * 16 * 2

    class Scaled(nn.Module):  # a leaf with weights and no rule
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(4))

        def forward(self, x):
            return x * self.scale

    from nasperf.spaces import count_complexity

    with pytest.warns(UserWarning, match=r"FLOPs have no rule for Scaled \(layers with weights\)"):
        got = count_complexity(lambda: nn.Sequential(Scaled()), (1, 4), what="mine")
    assert got.mparams == 4e-6


def test_attention_counts_all_its_parameters_and_keyword_calls():
    # out_proj runs inside F.multi_head_attention_forward, never as a call: its weights had
    # been left out of params (3,168 of 4,224); a call by keywords had counted no FLOPs
    from nasperf.spaces import count_complexity

    class ByKeyword(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = nn.MultiheadAttention(32, 4, batch_first=True)

        def forward(self, x):
            return self.attn(query=x, key=x, value=x)[0]

    got = count_complexity(ByKeyword, (1, 16, 32), convention="macs")
    assert round(got.mparams * 1e6) == sum(p.numel() for p in ByKeyword().parameters()) == 4224
    assert round(got.mflops * 1e6) == 4 * 16 * 32 * 32 + 2 * 16 * 16 * 32
    layer = count_complexity(
        lambda: nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), (1, 16, 32)
    )
    assert round(layer.mparams * 1e6) == 8544  # attention 4,224 + FFN 4,192 + 2 LayerNorms 128


def test_grasp_differentiates_attention_twice():
    # the fused attention kernels have no double backward: GraSP on two attention layers
    # had failed ("derivative for ..._flash_attention_for_cpu_backward is not implemented")
    class TwoLayers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.a = nn.MultiheadAttention(16, 2, batch_first=True)
            self.b = nn.MultiheadAttention(16, 2, batch_first=True)
            self.head = nn.Linear(16, 3)

        def forward(self, x):  # need_weights=False: torch's fused attention kernel
            x = x + self.a(x, x, x, need_weights=False)[0]
            x = x + self.b(x, x, x, need_weights=False)[0]
            return self.head(x.mean(1))

    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 10, 16, generator=gen), torch.randint(0, 3, (8,), generator=gen)
    got = zc.score(TwoLayers(), x, y, ["grasp", "snip"])
    assert np.isfinite(got["grasp"]) and got["grasp"] != 0.0 and np.isfinite(got["snip"])


class _Calls(nn.Module):
    """``layer`` called by ``call(layer, x)``: attention and recurrent layers take several
    inputs or return tuples."""

    def __init__(self, layer: nn.Module, call=None) -> None:
        super().__init__()
        self.layer = layer
        self.call = call

    def forward(self, x):
        out = self.layer(x) if self.call is None else self.call(self.layer, x)
        return out[0] if isinstance(out, tuple) else out


# (layer factory, input shape, how it is called, counts MACs, counts in NASLib's convention)
_LAYERS = {
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3), (1, 2, 8), None, True, True),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3), (1, 2, 8, 8), None, True, True),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 3), (1, 2, 5, 5, 5), None, True, True),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3), (1, 2, 4, 4), None, True, False),
    "Linear": (lambda: nn.Linear(4, 5), (2, 4), None, True, True),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), (2, 4), None, False, True),
    "LayerNorm": (lambda: nn.LayerNorm(4), (2, 4), None, False, True),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), (2, 4, 3), None, False, True),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(4, affine=True), (2, 4, 3), None, False, True),
    "PReLU": (lambda: nn.PReLU(), (2, 4), None, False, True),
    "MultiheadAttention": (
        lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        (1, 5, 8),
        lambda m, x: m(x, x, x),
        True,
        True,
    ),
    "LSTM": (lambda: nn.LSTM(4, 6, batch_first=True), (1, 5, 4), None, True, True),
    "GRU": (lambda: nn.GRU(4, 6, batch_first=True), (1, 5, 4), None, True, True),
    "RNN": (lambda: nn.RNN(4, 6, batch_first=True), (1, 5, 4), None, True, True),
    "Embedding": (lambda: nn.Embedding(10, 4), (2, 3), None, False, False),
}


@pytest.mark.parametrize("name", list(_LAYERS))
def test_every_layer_with_a_flops_rule_is_known_to_have_one(name):
    """``module_flops`` and the warning's list of ruled layers (``_has_rule``) are two lists
    of layer types: a layer with weights that module_flops counts must not warn, and one it
    counts must count. (An embedding is a lookup: ruled, 0 FLOPs.)"""
    import warnings

    from nasperf.spaces import count_complexity

    factory, shape, call, counts_macs, counts_naslib = _LAYERS[name]
    if name == "Embedding":
        inputs = (torch.zeros(shape, dtype=torch.long),)
        shape = None
    else:
        inputs = None
    for convention, counts in (("macs", counts_macs), ("naslib", counts_naslib)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "FLOPs have no rule for ..." would fail here
            got = count_complexity(
                _Calls(factory(), call), shape, inputs=inputs, convention=convention
            )
        assert (got.mflops > 0) == counts, (name, convention, got)


def test_a_layer_with_weights_and_no_rule_warns():
    from nasperf.spaces import count_complexity

    with pytest.warns(UserWarning, match=r"FLOPs have no rule for Bilinear \(layers with"):
        count_complexity(_Calls(nn.Bilinear(3, 3, 2), lambda m, x: m(x, x)), (2, 3))


def test_an_image_task_for_a_space_of_tensor_inputs_is_refused_by_name(space):
    """The space declared TensorTask inputs; an image dataset had reached its builder and
    failed there ("'ImageTask' object has no attribute 'shape'", found by a probe)."""
    own = space.network_task(None)
    message = (
        rf"^space {space.name!r} builds networks for a TensorTask \({own.name!r}, its "
        rf"default_dataset\); 'cifar10' is an image task: name {own.name!r} or leave the "
        "dataset out$"
    )
    with pytest.raises(ValueError, match=message):
        space.network_task("cifar10")
    arch = next(iter(space.enumerate()))
    with pytest.raises(ValueError, match=message):
        space.params(arch, "cifar10")
    with pytest.raises(ValueError, match=message):
        zc.compute(space, [arch], ["synflow"], "cifar10", cache=None)
    assert space.network_task(own.name) is own
    with pytest.raises(
        ValueError,
        match=rf"^unknown dataset 'bogus'; available: .*; space {space.name!r} also takes the "
        rf"name of its own task, {own.name!r}$",
    ):
        space.network_task("bogus")
    other = TensorTask("tab20_other", (20,), 3)  # another tensor task is the user's call
    assert space.network_task(other) is other

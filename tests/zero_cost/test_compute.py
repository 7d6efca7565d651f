"""compute(): networks from the space's builder, seeded, scored on a fixed batch, cached."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
import torch

from nasperf.encodings.zero_cost import ZeroCostFeatures
from nasperf.errors import DataIntegrityError
from nasperf.registry import UnknownNameError
from nasperf.spaces import NB201Space
from nasperf.zero_cost import PROXIES, Proxy
from nasperf.zero_cost.cache import ProxyCache, default_cache_path
from nasperf.zero_cost.compute import compute, nan_reasons, resolve_proxies

SMALL = {"channels": 8, "cells_per_stage": 1}
DEAD = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
# Output unreachable like DEAD (so it hashes equal), but it holds a 3x3 convolution.
DEAD_CONV = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"


class _OutputMean(Proxy):
    """Test proxy: mean logit on the batch; counts its calls."""

    name = "test_output_mean"
    data = "inputs"
    calls = 0

    def compute(self, ctx) -> float:
        type(self).calls += 1
        with torch.no_grad():
            return float(ctx.call(ctx.inputs, ctx.params).mean())


if "test_output_mean" not in PROXIES:
    PROXIES.add("test_output_mean", _OutputMean)


class CountingNB201(NB201Space):
    """NB201 that counts the networks it builds."""

    def __init__(self) -> None:
        self.builds = 0

    def build_network(self, arch, dataset="cifar10", **kwargs):
        self.builds += 1
        return super().build_network(arch, dataset, **kwargs)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def archs() -> list[str]:
    space = NB201Space()
    return [space.to_string(a) for a in space.sample(6, seed=3)]


def _compute(space, archs, proxies, **kw):
    kw.setdefault("batch_size", 8)
    kw.setdefault("network_kwargs", SMALL)
    kw.setdefault("cache", None)
    return compute(space, archs, proxies, **kw)


def test_table_format_and_encoder_contract(archs):
    df = _compute("nb201", [*archs, archs[0]], ["params", "test_output_mean"])
    assert list(df.index) == archs  # repeats appear once, in first-seen order
    assert df.index.name == "arch"
    assert list(df.columns) == ["params", "test_output_mean"]
    assert df.dtypes.eq(np.float64).all()
    space = NB201Space()
    expected = [space.params(a, **SMALL) for a in archs]
    np.testing.assert_allclose(df["params"], expected, rtol=1e-12)
    assert df.attrs["reasons"] == {}
    assert df.attrs["batch_size"] == 8 and df.attrs["network_kwargs"] == SMALL
    enc = ZeroCostFeatures(space="nb201", table=df).fit(archs)
    np.testing.assert_array_equal(enc.transform(archs[::-1]), df.to_numpy(np.float32)[::-1])


def test_cache_hit_does_no_network_work(tmp_path, archs):
    space = CountingNB201()
    db = tmp_path / "zc.sqlite"
    _OutputMean.calls = 0
    first = _compute(space, archs, ["synflow", "test_output_mean"], cache=db)
    assert space.builds == len(archs) and _OutputMean.calls == len(archs)
    assert len(ProxyCache(db)) == 2 * len(archs)
    second = _compute(space, archs, ["synflow", "test_output_mean"], cache=db)
    assert space.builds == len(archs) and _OutputMean.calls == len(archs)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    # A new proxy computes only that proxy; the cached ones are not recomputed.
    third = _compute(space, archs[:2], ["params", "test_output_mean"], cache=db)
    assert space.builds == len(archs) + 2 and _OutputMean.calls == len(archs)
    assert third["test_output_mean"].equals(first["test_output_mean"].iloc[:2])


@pytest.mark.parametrize(
    "change",
    [{"seed": 1}, {"batch_size": 4}, {"network_kwargs": {"channels": 4, "cells_per_stage": 1}}],
)
def test_other_settings_are_other_cache_keys(tmp_path, archs, change):
    space = CountingNB201()
    db = tmp_path / "zc.sqlite"
    base = _compute(space, archs[:3], ["test_output_mean"], cache=db)
    other = _compute(space, archs[:3], ["test_output_mean"], cache=db, **change)
    assert space.builds == 6
    assert not np.allclose(base["test_output_mean"], other["test_output_mean"])
    assert len(ProxyCache(db)) == 6
    again = _compute(space, archs[:3], ["test_output_mean"], cache=db, **change)
    assert space.builds == 6
    pd.testing.assert_frame_equal(other, again, check_exact=True)


def test_equal_hash_is_not_enough_to_share_scores(tmp_path):
    space = CountingNB201()
    assert space.hash(space.parse(DEAD)) == space.hash(space.parse(DEAD_CONV))
    df = _compute(space, [DEAD, DEAD_CONV], ["params"], cache=tmp_path / "zc.sqlite")
    assert space.builds == 2
    # The pruned-away convolution still holds parameters: the scores differ.
    assert df.loc[DEAD_CONV, "params"] > df.loc[DEAD, "params"]


def test_deterministic_and_independent_of_batch_order_and_companions(archs):
    proxies = ["synflow", "nwot", "test_output_mean"]
    state = torch.get_rng_state()
    a = _compute("nb201", archs, proxies)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG is left alone
    torch.manual_seed(1234)  # and it does not leak in
    b = _compute("nb201", archs[::-1], proxies).loc[archs]
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_like=True)
    alone = _compute("nb201", archs[2:3], ["nwot"])
    assert alone.iloc[0, 0] == a.loc[archs[2], "nwot"]


def test_workers_give_identical_results(archs):
    proxies = ["synflow", "params", "snip"]
    one = _compute("nb201", archs, proxies)
    two = _compute("nb201", archs, proxies, workers=2)
    # exact by construction: one torch thread here (one_thread) and in the workers, the same
    # code on the same machine, each architecture scored alone
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_degenerate_cells_give_nan_with_reasons(tmp_path, archs):
    db = tmp_path / "zc.sqlite"
    df = _compute("nb201", [DEAD, *archs[:2]], ["jacov", "synflow", "params"], cache=db)
    assert np.isnan(df.loc[DEAD, "jacov"])
    assert df.loc[DEAD, "synflow"] == 0.0 and df.loc[DEAD, "params"] > 0
    assert np.isfinite(df.loc[archs[:2]].to_numpy()).all()
    reason = df.attrs["reasons"][DEAD]["jacov"]
    assert "input" in reason
    long = nan_reasons(df)
    assert list(long.columns) == ["arch", "proxy", "reason"]
    assert (DEAD, "jacov", reason) in set(map(tuple, long.to_numpy()))
    cached = _compute("nb201", [DEAD], ["jacov"], cache=db)  # NaN and reason from the cache
    assert np.isnan(cached.iloc[0, 0]) and cached.attrs["reasons"][DEAD]["jacov"] == reason


def test_aliases_resolve_to_one_column():
    assert resolve_proxies("jacob_cov,jacov, params") == ["jacov", "params"]
    assert "vote" not in resolve_proxies("all")
    assert {"synflow", "params", "flops"} <= set(resolve_proxies("all"))


def test_user_supplied_inputs_for_imagenet16(archs):
    with pytest.raises(ValueError, match=r"ImageNet16-120.*inputs="):
        _compute("nb201", archs[:1], ["snip"], dataset="ImageNet16-120")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 16, 16, generator=g)
    y = torch.randint(0, 120, (4,), generator=g)
    df = _compute(
        "nb201", archs[:2], ["synflow", "params"], dataset="ImageNet16-120", inputs=(x, y)
    )
    space = NB201Space()
    np.testing.assert_allclose(
        df["params"], [space.params(a, "ImageNet16-120", **SMALL) for a in archs[:2]]
    )
    assert df.attrs["batch_size"] == 4


def test_data_free_proxies_need_no_images():
    # synflow, params, flops and l2_norm read weights and the input's shape only: on a task
    # without packaged images (ImageNet16-120) they had asked for images; their values equal
    # the packaged table's, computed with a real minibatch
    import nasperf

    table = nasperf.datasets.load_zero_cost("nb201", "ImageNet16-120")
    cells = list(table.index[:3])
    got = compute("nb201", cells, list(table.columns), "ImageNet16-120", cache=False)
    # same networks, same seed: float32 sums in another order at most (rtol 1e-5)
    np.testing.assert_allclose(got[table.columns], table.loc[cells], rtol=1e-5)
    with pytest.raises(ValueError, match=r"no ImageNet16-120 images are packaged"):
        compute("nb201", cells, ["synflow", "snip"], "ImageNet16-120", cache=False)


def test_bad_arguments_give_clear_errors(tmp_path, archs):
    with pytest.raises(UnknownNameError, match=r"synflw.*did you mean 'synflow'.*available:.*"):
        _compute("nb201", archs, ["synflw"])
    with pytest.raises(ValueError, match="unknown dataset 'cifar11'; available: cifar10"):
        _compute("nb201", archs, ["params"], dataset="cifar11")
    with pytest.raises(UnknownNameError, match="unknown search space"):
        _compute("nb999", archs, ["params"])
    with pytest.raises(ValueError, match="JSON"):
        _compute("nb201", archs, ["params"], network_kwargs={"channels": object()})
    with pytest.raises(ValueError, match="batch_size"):
        _compute("nb201", archs, ["params"], batch_size=0)
    with pytest.raises(ValueError, match="only 256"):
        _compute("nb201", archs, ["params"], batch_size=1000)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            _compute("nb201", archs, ["params"], device="cuda")
    bad = tmp_path / "not_a_db.sqlite"
    bad.write_bytes(b"this is no database" * 100)
    with pytest.raises(DataIntegrityError, match="cannot use .*not_a_db.sqlite as a proxy cache"):
        _compute("nb201", archs, ["params"], cache=bad)


def test_default_cache_location(monkeypatch, tmp_path, archs):
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "c"))
    assert default_cache_path() == tmp_path / "c" / "zero_cost.sqlite"
    _compute("nb201", archs[:2], ["params"], cache=True)
    rows = sqlite3.connect(default_cache_path()).execute("SELECT arch FROM scores").fetchall()
    assert sorted(r[0] for r in rows) == sorted(archs[:2])
    monkeypatch.delenv("NASPERF_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "nasperf" / "zero_cost.sqlite"


def test_rank_vote_over_the_computed_population(archs):
    from nasperf.zero_cost import rank_vote

    both = _compute("nb201", archs, ["vote", "synflow"])
    assert list(both.columns) == ["vote", "synflow"]
    members = _compute("nb201", archs, ["synflow", "jacov", "snip"])
    assert both["vote"].to_numpy() == pytest.approx(rank_vote(members))
    # the best-voted architecture is at least as good as the median on every member
    best = both["vote"].idxmax()
    assert (members.loc[best] >= members.median()).all()


class _Threads(Proxy):
    """Test proxy: the torch intra-op thread count it is scored under."""

    name = "test_threads"
    data = "none"

    def compute(self, ctx) -> float:
        return float(torch.get_num_threads())


def test_scores_do_not_depend_on_the_callers_thread_count(archs, monkeypatch):
    # Every network is scored on one torch thread, as the workers and `nasperf proxies`
    # score it, whatever the caller set: float reductions split over threads round
    # differently (plain and grasp moved by up to 2 % between one and two threads on full
    # NB201 networks), and the cache keeps one value per architecture and settings.
    PROXIES.names()
    monkeypatch.setattr(PROXIES, "_items", dict(PROXIES._items))
    monkeypatch.setattr(PROXIES, "_primary", dict(PROXIES._primary))
    PROXIES.add("test_threads", _Threads)
    proxies = ["plain", "grasp", "snip", "test_threads"]
    one = _compute("nb201", archs[:3], proxies)
    torch.set_num_threads(2)
    try:
        two = _compute("nb201", archs[:3], proxies)
        assert torch.get_num_threads() == 2  # the caller's setting is restored
    finally:
        torch.set_num_threads(1)  # this module's setting (one_thread)
    assert (two["test_threads"] == 1.0).all()
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_a_computation_hashes_each_architecture_once(monkeypatch):
    # a probe: `nasperf proxies` on 200,000 NB301 genotypes hashed every one in the command
    # line's keys() and again in run()'s (about 1 ms each: minutes without output, twice)
    from nasperf import get_space
    from nasperf.zero_cost.compute import Computation

    space = get_space("nb301")
    archs = space.sample(30, seed=0)
    calls = []
    real = type(space).hash
    monkeypatch.setattr(type(space), "hash", lambda self, a: calls.append(1) or real(self, a))
    comp = Computation(space, ["params"], cache=False)
    first = comp.keys(archs)
    again = comp.keys(archs[:10] + archs)  # a batch, and the file once more
    assert len(calls) == len(first) == 30
    assert list(again) == list(first) and again == first

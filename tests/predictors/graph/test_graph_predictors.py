"""Graph predictors (gcn, bonas, gin, gates, pairwise): invariances and member-specific
behaviour; the shared contract is in test_contract.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau

import nasperf
from nasperf.predictors import get, load
from nasperf.predictors.graph.gnn import topological_depth
from tests.spaces.custom_space_example import ChainSpace

FAST = {"epochs": 15, "hidden": 16, "random_state": 0}


def _nb101_toy(n):
    """NB101 cells and a synthetic target (operation counts weighted by depth)."""
    space = nasperf.get_space("nb101")
    archs = space.sample(n, seed=0)
    y = []
    for a in archs:
        (cell,) = space.cells(a)
        ops = cell.ops
        y.append(2.0 * ops.count("conv3x3-bn-relu") + ops.count("conv1x1-bn-relu") + len(ops) / 3)
    return space, archs, np.asarray(y)


@pytest.mark.parametrize("name", ["gcn", "gin"])
def test_isomorphic_nb101_cells_get_equal_predictions(name):
    space, archs, y = _nb101_toy(60)
    pred = get(name, space="nb101", **FAST).fit(archs, y)
    base, variants = [], []
    for a in space.sample(40, seed=1):
        for v in space.isomorphic_variants(a)[:3]:
            base.append(a)
            variants.append(v)
    assert len(variants) >= 20
    p_base, p_var = pred.predict(base), pred.predict(variants)
    np.testing.assert_allclose(p_var, p_base, rtol=1e-5, atol=1e-6)
    # and the predictions are not constant: the invariance is not a trivial one
    assert np.ptp(p_base) > 1e-3


def test_pairwise_comparator_is_antisymmetric_and_ranks_by_win_rate():
    space, archs, y = _nb101_toy(60)
    pred = get("pairwise", space="nb101", **FAST).fit(archs, y)
    a, b = archs[:10], space.sample(7, seed=3)
    p_ab, p_ba = pred.compare(a, b), pred.compare(b, a)
    assert p_ab.shape == (10, 7)
    np.testing.assert_allclose(p_ab + p_ba.T, 1.0, atol=1e-6)
    np.testing.assert_allclose(np.diag(pred.compare(a, a)), 0.5, atol=1e-7)
    # predict = mean win probability against the training architectures
    np.testing.assert_allclose(pred.predict(b), pred.compare(b, archs).mean(axis=1), atol=1e-6)
    assert np.all((pred.predict(b) >= 0) & (pred.predict(b) <= 1))


def test_pairwise_predicts_block_by_block_without_the_full_matrix(monkeypatch):
    """predict takes each architecture's mean win rate in blocks of about 2**18 pairs: it
    had held the whole n_test x n_reference float64 matrix (1.25 GB for the NB201 space
    against 10,000 references). The values equal the full matrix's row means, bit for bit
    (one process; numpy sums each row alone)."""
    from nasperf.predictors.ranking import pairwise

    space, archs, y = _nb101_toy(60)
    pred = get("pairwise", space="nb101", **FAST).fit(archs, y)
    test = space.sample(300, seed=4)
    full = pred.compare(test, archs).mean(axis=1)
    seen: list[int] = []
    blocks = pairwise.PairwisePredictor._win_blocks

    def counted(self, ea, eb):
        for block in blocks(self, ea, eb):
            seen.append(block.size)
            yield block

    monkeypatch.setattr(pairwise.PairwisePredictor, "_win_blocks", counted)
    np.testing.assert_array_equal(pred.predict(test), full)
    assert sum(seen) == 300 * 60 and max(seen) <= 2**18 + 60


@pytest.mark.parametrize("name", ["gates", "pairwise", "bonas"])
def test_user_defined_space(name, tmp_path):
    space = ChainSpace()
    archs = list(space.enumerate())
    weight = {"conv3x3": 2.0, "conv1x1": 1.0, "skip": 0.0}
    # later layers matter more, so the order of operations carries information
    y = np.array([sum((k + 1) * weight[o] for k, o in enumerate(a.ops)) for a in archs])
    pred = get(name, space=space, **{**FAST, "epochs": 60}).fit(archs, y)
    scores = pred.predict(archs)
    assert kendalltau(scores, y)[0] > 0.6
    pred.save(tmp_path / "p.nasperf")
    again = load(tmp_path / "p.nasperf", space=space)
    np.testing.assert_array_equal(again.predict(archs), scores)


def test_zero_cost_scores_enter_as_graph_level_features():
    space, archs, y = _nb101_toy(40)
    # (not a copy of y: that would be refused as a label leak)
    zc = np.column_stack([np.random.default_rng(0).normal(size=40), np.arange(40.0)])
    pred = get("gcn", space="nb101", **FAST).fit(archs, y, zero_cost=zc)
    assert pred.n_extra_ == 2 and pred.uses_zero_cost_ == ["zc0", "zc1"]
    with pytest.raises(ValueError, match="pass zero_cost= to predict too"):
        pred.predict(archs)
    same = pred.predict(archs, zero_cost=zc)
    moved = pred.predict(archs, zero_cost=zc * np.array([1.0, -3.0]))
    assert not np.allclose(same, moved)


def test_fit_leaves_global_rng_alone_and_rejects_feature_encodings():
    space, archs, y = _nb101_toy(30)
    state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    threads = torch.get_num_threads()
    get("gates", space="nb101", **FAST).fit(archs, y)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), state)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    with pytest.raises(ValueError, match="The 'encoding' parameter of GINPredictor must be"):
        get("gin", space="nb101", encoding="adjacency_onehot", **FAST).fit(archs, y)


def test_bonas_uncertainty_is_the_bayesian_linear_regression_posterior():
    space, archs, y = _nb101_toy(40)
    pred = get("bonas", space="nb101", **FAST).fit(archs, y)
    Phi = pred._design(pred._prepare_predict(archs, {}))
    var = 1 / pred.blr_beta_ + np.einsum("ij,jk,ik->i", Phi, pred.blr_cov_, Phi)
    np.testing.assert_allclose(pred.predict_std(archs), np.sqrt(var) * pred.y_scale_)
    assert np.all(pred.predict_std(archs) >= np.sqrt(1 / pred.blr_beta_) * pred.y_scale_)


def test_topological_depth_is_the_longest_path():
    # 0 -> 1 -> 3, 0 -> 2 -> 3, 1 -> 2 (so 2 has depth 2, 3 depth 3); 4 isolated
    adj = torch.zeros(1, 5, 5)
    for u, v in [(0, 1), (1, 3), (0, 2), (2, 3), (1, 2)]:
        adj[0, u, v] = 1
    assert topological_depth(adj).tolist() == [[0, 1, 2, 3, 0]]

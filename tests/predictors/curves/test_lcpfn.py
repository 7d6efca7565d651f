"""LC-PFN: the curve prior, the network's masking, and the packaged checkpoint's accuracy,
calibration and persistence."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import torch

import nasperf.predictors
from nasperf.datasets.curves import LearningCurves
from nasperf.errors import DataIntegrityError
from nasperf.predictors._torch_utils import seeded
from nasperf.predictors.curves.lcpfn import LCPFNPredictor, _checkpoint_files
from nasperf.predictors.curves.pfn_model import LCPFN, bar_mean_var, bar_nll, bar_quantile
from nasperf.predictors.curves.prior import CurvePrior, sample_tasks, thin_epochs

# ----------------------------------------------------------------------------- prior


def test_prior_curves_are_increasing_in_unit_interval_and_seeded():
    prior = CurvePrior()
    curves = prior.sample(2000, np.random.default_rng(0))
    epochs = np.arange(1, 251)
    # the parametric part, without the smooth deviations (drawn last: same curves)
    smooth_prior = dataclasses.replace(prior, deviation_prob=0.0)
    smooth = smooth_prior.sample(2000, np.random.default_rng(0))
    assert smooth.deviation_amp is None
    np.testing.assert_array_equal(smooth.y_final, curves.y_final)
    mean = prior.mean(smooth, np.minimum(epochs, curves.final_epoch[:, None]))
    assert np.all((mean >= 0) & (mean <= 1))
    assert np.all(np.diff(mean, axis=1) >= -1e-12)  # noise-free curves never decrease
    E = curves.final_epoch
    assert E.min() >= 20 and E.max() <= 250
    np.testing.assert_allclose(mean[np.arange(2000), E - 1], curves.y_final)
    np.testing.assert_allclose(mean[:, 0], curves.y_first)
    # starts and ends spread as documented
    assert np.quantile(curves.y_first, 0.05) < 0.1 and np.quantile(curves.y_first, 0.95) > 0.8
    assert np.quantile(curves.y_final, 0.1) < 0.3 and np.quantile(curves.y_final, 0.5) > 0.75
    assert np.quantile(curves.y_final, 0.75) > 0.93
    noisy = smooth_prior.observe(smooth, np.minimum(epochs, E[:, None]), np.random.default_rng(1))
    assert np.all((noisy >= 0) & (noisy <= 1))
    # noisy curves still rise from first to last epoch for most curves
    assert np.mean(noisy[np.arange(2000), E - 1] > noisy[:, 0]) > 0.9

    noisy = prior.observe(curves, np.minimum(epochs, E[:, None]), np.random.default_rng(1))
    assert np.all((noisy >= 0) & (noisy <= 1))
    assert np.mean(noisy[np.arange(2000), E - 1] > noisy[:, 0]) > 0.9

    again = prior.sample(2000, np.random.default_rng(0))
    for f in dataclasses.fields(curves):
        np.testing.assert_array_equal(getattr(curves, f.name), getattr(again, f.name))
    other = prior.sample(2000, np.random.default_rng(1))
    assert not np.array_equal(other.y_final, curves.y_final)
    a = sample_tasks(prior, 64, np.random.default_rng(5))
    b = sample_tasks(prior, 64, np.random.default_rng(5))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_prior_deviations_are_smooth_gp_draws_of_the_documented_size():
    prior = dataclasses.replace(CurvePrior(), deviation_prob=0.5)
    curves = prior.sample(3000, np.random.default_rng(4))
    E = curves.final_epoch[:, None]
    epochs = np.minimum(np.arange(1, 251), E)
    without = dataclasses.replace(curves, deviation_amp=None)
    dev = prior.mean(curves, epochs) - prior.mean(without, epochs)
    on = curves.deviation_amp > 0
    assert abs(on.mean() - 0.5) < 0.04
    assert np.all(dev[~on] == 0.0)
    lo, hi = prior.deviation_amp_range
    assert lo <= curves.deviation_amp[on].min() and curves.deviation_amp[on].max() <= hi
    # unit-variance GP draws scaled by the amplitude, at every point of the budget
    z = dev[on] / curves.deviation_amp[on, None]
    last = z[np.arange(on.sum()), E[on, 0] - 1]
    assert 0.9 < z.std() < 1.1 and 0.9 < last.std() < 1.1
    # smooth: the deviations at neighbouring epochs nearly agree
    assert np.corrcoef(z[:, :-1].ravel(), z[:, 1:].ravel())[0, 1] > 0.95


def test_tasks_cut_curves_before_their_queries():
    t = sample_tasks(CurvePrior(), 500, np.random.default_rng(3), max_obs=16, n_query=5)
    mask = t["obs_mask"]
    n_obs = mask.sum(1)
    assert n_obs.min() == 1 and n_obs.max() <= 16 and (n_obs == 1).mean() > 0.05
    last_t = np.where(mask, t["x_obs"], 0).max(1)
    assert np.all(t["x_query"][:, 0] == 1.0)
    assert np.all(t["x_query"] > last_t[:, None])
    assert last_t.min() < 0.05 and last_t.max() <= 0.9 + 1e-6
    np.testing.assert_array_equal(thin_epochs(5, 8), np.arange(5))
    kept = thin_epochs(49, 32)
    assert len(kept) == 32 and kept[0] == 0 and kept[-1] == 48


# ----------------------------------------------------------------------------- network


@pytest.fixture(scope="module")
def tiny():
    with seeded(0):
        model = LCPFN(torch.linspace(-1, 1, 21), d_model=16, n_layers=2, n_heads=2, d_ff=32)
    return model.eval()


def _batch(seed=0, B=4, K=7, Q=3):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(B, K, generator=g) * 0.5 + 0.01
    y = torch.rand(B, K, generator=g)
    mask = torch.ones(B, K, dtype=torch.bool)
    mask[1, 4:] = False
    mask[2, 1:] = False
    xq = torch.rand(B, Q, generator=g) * 0.5 + 0.5
    return x, y, mask, xq


def test_network_is_permutation_invariant_and_queries_are_independent(tiny):
    x, y, mask, xq = _batch()
    with torch.no_grad():
        logits, y_ref = tiny(x, y, mask, xq)
        assert logits.shape == (4, 3, 20)
        # the order of the observed points (padding included) does not matter
        perm = torch.tensor([3, 0, 6, 1, 5, 2, 4])
        p_logits, p_ref = tiny(x[:, perm], y[:, perm], mask[:, perm], xq)
        torch.testing.assert_close(p_logits, logits, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(p_ref, y_ref)
        # padded points do not matter
        x2, y2 = x.clone(), y.clone()
        x2[~mask], y2[~mask] = 0.9, 0.123
        torch.testing.assert_close(tiny(x2, y2, mask, xq)[0], logits, rtol=1e-5, atol=1e-5)
        # each query's output depends on its own time only, not on the other queries
        alone, _ = tiny(x, y, mask, xq[:, 1:2])
        torch.testing.assert_close(alone[:, 0], logits[:, 1], rtol=1e-5, atol=1e-5)
        moved = xq.clone()
        moved[:, 0] = 0.99
        torch.testing.assert_close(tiny(x, y, mask, moved)[0][:, 1:], logits[:, 1:])
        # but the observed points do matter
        y3 = y.clone()
        y3[0, 0] += 0.3
        assert not torch.allclose(tiny(x, y3, mask, xq)[0][0], logits[0])
    # y_ref is the value at the last observed time
    last = torch.where(mask, x, torch.tensor(-1.0)).argmax(1)
    torch.testing.assert_close(y_ref, y[torch.arange(4), last])


def test_bar_distribution_moments_quantiles_and_density():
    borders = torch.tensor([-1.0, -0.1, 0.0, 0.1, 0.3, 1.0])
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.3, 0.1]]))
    mean, var = bar_mean_var(logits, borders)
    mids = (borders[1:] + borders[:-1]) / 2
    w = borders.diff()
    p = torch.tensor([0.1, 0.2, 0.3, 0.3, 0.1])
    assert float(mean) == pytest.approx(float((p * mids).sum()))
    exp2 = float((p * (mids**2 + w**2 / 12)).sum())
    assert float(var) == pytest.approx(exp2 - float(mean) ** 2)
    assert float(bar_quantile(logits, borders, 0.3)) == pytest.approx(0.0, abs=1e-6)
    assert float(bar_quantile(logits, borders, 0.45)) == pytest.approx(0.05)
    assert float(bar_quantile(logits, borders, 1.0)) == pytest.approx(1.0)
    # density of a point in bin 2: p / width
    nll = bar_nll(logits, borders, torch.tensor([0.05]))
    assert float(nll) == pytest.approx(-np.log(0.3 / 0.1), rel=1e-5)


# ----------------------------------------------------------------------------- checkpoint


def _prior_curves(n=300, final=100, seed=2024):
    """Fresh prior curves (a seed the training never used) on a ``final``-epoch budget,
    as percent, with the noisy value at ``final``."""
    prior = CurvePrior()
    rng = np.random.default_rng(seed)
    curves = dataclasses.replace(prior.sample(n, rng), final_epoch=np.full(n, final))
    return prior.observe(curves, np.arange(1, final + 1), rng) * 100.0


@pytest.fixture(scope="module")
def packaged():
    return LCPFNPredictor().fit(None, learning_curves=np.zeros((1, 3)))


def test_packaged_network_was_trained_on_the_default_prior():
    """``python scripts/train_lcpfn.py`` with its defaults remakes the packaged network."""
    from nasperf.predictors.curves.lcpfn import load_checkpoint

    _, meta = load_checkpoint()
    assert CurvePrior.from_dict(meta["prior"]) == CurvePrior()
    assert meta["tasks"]["max_obs"] == 24 and meta["training"]["seed"] == 0


def test_beats_last_value_and_is_calibrated_on_prior_curves(packaged):
    y = _prior_curves()
    truth = y[:, -1]
    lc = LearningCurves.from_array(y[:, :30], final_epoch=100)
    mean = packaged.predict(None, learning_curves=lc)
    lo, hi = packaged.predict_interval(None, learning_curves=lc, level=0.9)
    mae, mae_last = np.abs(mean - truth).mean(), np.abs(y[:, 29] - truth).mean()
    # the smooth deviations still to come are unpredictable: they bound the possible gain
    assert mae < 0.8 * mae_last, (mae, mae_last)
    cover = np.mean((lo <= truth) & (truth <= hi))
    assert 0.8 <= cover <= 0.98, cover
    assert np.all(lo <= mean) and np.all(mean <= hi)


def test_more_epochs_shrink_the_predictive_std(packaged):
    y = _prior_curves(seed=7)
    stds = [
        packaged.predict_std(
            None, learning_curves=LearningCurves.from_array(y[:, :k], final_epoch=100)
        )
        for k in (1, 10, 30, 60)
    ]
    means = [s.mean() for s in stds]
    assert all(a > b for a, b in zip(means, means[1:], strict=False)), means
    assert np.all(stds[0] > 0)


def test_predictions_deterministic_and_survive_save_load(packaged, tmp_path):
    y = _prior_curves(n=50, seed=11)
    lc = LearningCurves(np.array([3, 6, 12]), {"val_accuracy": y[:, [2, 5, 11]]}, final_epoch=100)
    pred = nasperf.predictors.get("lc_pfn", batch_size=16).fit(None, learning_curves=lc)
    assert isinstance(pred, LCPFNPredictor)
    mean, std = pred.predict(None, learning_curves=lc), pred.predict_std(None, learning_curves=lc)
    np.testing.assert_array_equal(pred.predict(None, learning_curves=lc), mean)
    # batch composition does not change a curve's prediction
    np.testing.assert_allclose(packaged.predict(None, learning_curves=lc), mean, rtol=1e-6)
    # the weights come from the checkpoint, never from the predictor's fitted state
    assert not any(isinstance(v, torch.nn.Module) for v in vars(pred).values())
    pred.save(tmp_path / "lcpfn.nasperf")
    again = nasperf.predictors.load(tmp_path / "lcpfn.nasperf")
    assert type(again) is LCPFNPredictor and again.get_params() == pred.get_params()
    np.testing.assert_array_equal(again.predict(None, learning_curves=lc), mean)
    np.testing.assert_array_equal(again.predict_std(None, learning_curves=lc), std)
    # final_epoch overrides the curves' own; observing the whole budget returns the curve
    full = LearningCurves.from_array(y[:, :20], final_epoch=20)
    np.testing.assert_array_equal(pred.predict(None, learning_curves=full), y[:, 19])


def test_loss_metrics_and_fractions_are_refused():
    lc = LearningCurves(np.array([1, 2]), {"val_loss": [[2.0, 1.5]]}, final_epoch=10)
    with pytest.raises(ValueError, match="The 'metric' parameter of LCPFNPredictor must be"):
        LCPFNPredictor(metric="val_loss").fit(None, learning_curves=lc)
    pred = LCPFNPredictor().fit(None, learning_curves=np.array([[50.0]]))
    with pytest.raises(ValueError, match="percent"):
        pred.predict(None, learning_curves=LearningCurves.from_array([[-3.0, 0.5]], final_epoch=9))


def test_truncated_or_corrupt_checkpoint_is_a_clear_error(tmp_path):
    npz, meta = _checkpoint_files(None)
    data = npz.read_bytes()
    shutil.copyfile(meta, tmp_path / "cut.json")
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    lc = np.array([[40.0, 50.0]])
    with pytest.raises(DataIntegrityError, match="truncated or corrupt"):
        LCPFNPredictor(checkpoint=tmp_path / "cut.npz", final_epoch=20).fit(
            None, learning_curves=lc
        )
    flipped = bytearray(data)
    mid = len(data) // 2
    flipped[mid : mid + 64] = bytes(64)
    shutil.copyfile(meta, tmp_path / "flip.json")
    (tmp_path / "flip.npz").write_bytes(bytes(flipped))
    with pytest.raises(DataIntegrityError, match="truncated or corrupt"):
        LCPFNPredictor(checkpoint=tmp_path / "flip", final_epoch=20).fit(None, learning_curves=lc)
    # a description that does not match the weights
    import json

    bad = json.loads(meta.read_text())
    bad["architecture"]["d_model"] += 8
    shutil.copyfile(npz, tmp_path / "arch.npz")
    (tmp_path / "arch.json").write_text(json.dumps(bad))
    with pytest.raises(DataIntegrityError, match="does not match"):
        LCPFNPredictor(checkpoint=tmp_path / "arch.npz", final_epoch=20).fit(
            None, learning_curves=lc
        )
    with pytest.raises(DataIntegrityError, match="missing"):
        LCPFNPredictor(checkpoint=tmp_path / "nope.npz").fit(None, learning_curves=lc)


def test_interval_stays_within_0_and_100(packaged):
    # curves plateauing at 99-100 %: the bar distribution's upper tail had reached 104.6
    y = np.array([np.full(20, 100.0), np.linspace(99.0, 100.0, 20)])
    lc = LearningCurves.from_array(y, final_epoch=200)
    lo, hi = packaged.predict_interval(None, learning_curves=lc, level=0.99)
    assert np.all((0.0 <= lo) & (lo <= hi) & (hi <= 100.0)), (lo, hi)
    mean = packaged.predict(None, learning_curves=lc)
    assert np.all(mean <= 100.0)


def test_a_final_epoch_outside_the_priors_schedules_is_warned():
    import warnings

    from nasperf.datasets import LearningCurves
    from nasperf.predictors import get

    acc = np.array([[40.0, 55.0, 62.0, 66.0, 68.0]])
    for final, warns in ((98, False), (250, False), (10_000, True), (10, True)):
        curves = LearningCurves([1, 2, 3, 4, 5], {"val_accuracy": acc}, final)
        pred = get("lcpfn").fit(None, np.array([70.0]), learning_curves=curves)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pred.predict(None, learning_curves=curves)
        said = [w for w in caught if "outside the 20..250 epochs" in str(w.message)]
        assert bool(said) is warns, final

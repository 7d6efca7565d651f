"""Learning-curve extrapolation (LCE, LCE-m) and its curve families: values, not smoke."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from nasperf.datasets.curves import LearningCurves
from nasperf.predictors import get, load
from nasperf.predictors.curves.families import FAMILIES, FAMILY_NAMES, fit_family
from nasperf.predictors.curves.lce_m import LCE_M_FAMILIES

#: Short chains: enough for the checks below, a second or two per curve on one core.
FAST = {"n_samples": 300, "burn_in": 150}

#: A typical, identifiable parameter vector per family (an increasing curve in [0, 1]).
TRUE_PARAMS = {
    "vapor_pressure": (-0.3, -0.8, 0.02),
    "pow3": (0.9, 0.5, 0.6),
    "log_log_linear": (0.2, 1.6),
    "hill3": (0.92, 1.1, 3.0),
    "log_power": (0.9, 1.0, -1.2),
    "pow4": (0.92, 0.8, 0.5, 0.7),
    "mmf": (0.9, 0.2, 0.2, 1.3),
    "exp4": (0.9, 0.5, -0.3, 0.6),
    "janoschek": (0.9, 0.1, 0.3, 0.7),
    "weibull": (0.9, 0.1, 0.15, 0.8),
    "ilog2": (0.95, 0.3),
}


def _pow3_curves(n, k, final, seed, noise=0.003):
    """``n`` noisy pow3 accuracy curves (percent) observed at epochs 1..k, their true
    (noise-free) values at ``final``."""
    rng = np.random.default_rng(seed)
    P = np.column_stack(
        [rng.uniform(0.85, 0.95, n), rng.uniform(0.4, 0.6, n), rng.uniform(0.5, 0.9, n)]
    )
    t = np.arange(1, k + 1)
    Y = 100 * (FAMILIES["pow3"](t, P) + rng.normal(0, noise, (n, k)))
    truth = 100 * FAMILIES["pow3"](np.array([float(final)]), P)[:, 0]
    return LearningCurves(t, {"val_accuracy": Y}, final_epoch=final), truth


@pytest.fixture(scope="module")
def pow3_curves():
    return _pow3_curves(4, 20, 100, seed=1)


# ----------------------------------------------------------------- families
def test_eleven_families_of_domhan():
    assert len(FAMILY_NAMES) == 11 and set(TRUE_PARAMS) == set(FAMILY_NAMES)
    assert set(LCE_M_FAMILIES) < set(FAMILY_NAMES)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_family_fit_reproduces_its_own_noiseless_curve(name):
    fam = FAMILIES[name]
    t = np.arange(1, 41, dtype=float)
    theta = np.array(TRUE_PARAMS[name])
    y = fam(t, theta)
    assert np.all(np.diff(y) > 0) and 0 < y[0] < y[-1] < 1
    fit = fit_family(fam, t, y)
    assert fit is not None and fit.family == name
    np.testing.assert_allclose(fam(t, fit.params), y, atol=1e-3)
    assert fit.rmse < 1e-3
    # Extrapolated, too: the same curve, not merely one that passes through the points.
    far = np.array([60.0, 100.0])
    np.testing.assert_allclose(fam(far, fit.params), fam(far, theta), atol=5e-3)


def test_families_are_vectorised_over_walkers():
    t = np.array([1.0, 5.0, 20.0])
    for name in FAMILY_NAMES:
        fam = FAMILIES[name]
        theta = np.array(TRUE_PARAMS[name])
        batch = np.stack([theta, theta * 1.01, theta])
        out = fam(t, batch)
        assert out.shape == (3, 3)
        np.testing.assert_allclose(out[0], fam(t, theta), rtol=1e-12)
        # identical walkers, identical curves: up to the last bit, since numpy may evaluate
        # the elements of a SIMD loop's tail with another (scalar) implementation
        np.testing.assert_allclose(out[2], out[0], rtol=1e-14)


def test_family_fit_needs_as_many_points_as_parameters():
    t = np.array([1.0, 2.0, 3.0])
    y = np.array([0.3, 0.5, 0.6])
    assert fit_family("weibull", t, y) is None  # 4 parameters, 3 points
    assert fit_family("pow3", t, y) is not None


# ----------------------------------------------------------------- extrapolation
@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_extrapolation_beats_early_stopping_on_pow3_curves(name, pow3_curves):
    lc, truth = pow3_curves
    pred = get(name, random_state=0, **FAST).fit(None, learning_curves=lc)
    mean = pred.predict(None, learning_curves=lc)
    std = pred.predict_std(None, learning_curves=lc)
    last = lc.get("val_accuracy")[:, -1]
    assert not pred.last_fallback.any()
    # Every curve: closer to the truth than its last observed value (4-6 points short).
    assert np.all(np.abs(mean - truth) < np.abs(last - truth)), (mean, last, truth)
    assert np.all(std > 0) and np.all(np.abs(mean - truth) < 3 * std), (mean, std, truth)


@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_ranking_of_curves_with_different_asymptotes(name):
    rng = np.random.default_rng(3)
    n, final = 10, 50
    k = int(0.3 * final)
    asym = rng.permutation(np.linspace(0.7, 0.95, n))
    P = np.column_stack([asym, rng.uniform(0.3, 0.6, n), rng.uniform(0.4, 1.0, n)])
    t = np.arange(1, k + 1)
    Y = 100 * (FAMILIES["pow3"](t, P) + rng.normal(0, 0.003, (n, k)))
    truth = 100 * FAMILIES["pow3"](np.array([float(final)]), P)[:, 0]
    lc = LearningCurves(t, {"val_accuracy": Y}, final_epoch=final)
    pred = get(name, random_state=0, n_samples=200, burn_in=100).fit(None, learning_curves=lc)
    tau = kendalltau(pred.predict(None, learning_curves=lc), truth)[0]
    assert tau > 0.6, tau


def test_deterministic_given_random_state_and_independent_of_other_curves(pow3_curves):
    lc, _ = pow3_curves
    lc = lc.take([0, 1, 2])
    kw = {"random_state": 7, "n_samples": 80, "burn_in": 40}
    a = get("lce_m", **kw).fit(None, learning_curves=lc)
    b = get("lce_m", **kw).fit(None, learning_curves=lc)
    first = a.predict(None, learning_curves=lc)
    np.testing.assert_array_equal(b.predict(None, learning_curves=lc), first)
    std = a.predict_std(None, learning_curves=lc)
    np.testing.assert_array_equal(b.predict_std(None, learning_curves=lc), std)
    # A curve's chain is seeded from the seed and the curve: order and company do not matter.
    rev = get("lce_m", **kw).fit(None, learning_curves=lc)
    np.testing.assert_array_equal(
        rev.predict(None, learning_curves=lc.take([2, 1, 0])), first[::-1]
    )
    other = get("lce_m", **{**kw, "random_state": 8}).fit(None, learning_curves=lc)
    assert not np.array_equal(other.predict(None, learning_curves=lc), first)


def test_numpy_global_random_state_is_left_alone(pow3_curves):
    lc, _ = pow3_curves
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state is the point
    pred = get("lce_m", random_state=0, n_samples=40, burn_in=20)
    pred.fit(None, learning_curves=lc).predict(None, learning_curves=lc.take([0]))
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


# ----------------------------------------------------------------- degenerate curves
@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_one_point_curves_fall_back_to_the_last_value(name):
    # NAS-Bench-201 style: only epoch 12 of 200 observed.
    acc = np.array([[71.3], [85.0], [40.2]])
    lc = LearningCurves([12], {"val_accuracy": acc}, final_epoch=200)
    pred = get(name, random_state=0).fit(None, learning_curves=lc)
    np.testing.assert_array_equal(pred.predict(None, learning_curves=lc), acc[:, 0])
    std = pred.predict_std(None, learning_curves=lc)
    assert np.all(np.isfinite(std)) and np.all(std > 0)
    assert pred.last_fallback.all()


def test_flat_decreasing_and_short_curves_fall_back():
    Y = np.array(
        [
            [50.0, 50.0, 50.0, 50.0, 50.0],  # flat
            [60.0, 58.0, 57.0, 55.0, 54.0],  # decreasing
            [30.0, 45.0, 20.0, 70.0, 30.0],  # ends where it started
        ]
    )
    lc = LearningCurves(np.arange(1, 6), {"val_accuracy": Y}, final_epoch=50)
    pred = get("lce", random_state=0, **FAST).fit(None, learning_curves=lc)
    mean = pred.predict(None, learning_curves=lc)
    np.testing.assert_array_equal(mean, Y[:, -1])
    assert pred.last_fallback.all()
    # Two points, and a final epoch already observed: nothing to extrapolate from / to.
    two = LearningCurves([1, 2], {"val_accuracy": [[40.0, 60.0]]}, final_epoch=50)
    np.testing.assert_array_equal(pred.predict(None, learning_curves=two), [60.0])
    done = LearningCurves(np.arange(1, 6), {"val_accuracy": [[10.0, 20.0, 30.0, 40.0, 50.0]]})
    np.testing.assert_array_equal(
        get("lce", final_epoch=5)
        .fit(None, learning_curves=done)
        .predict(None, learning_curves=done),
        [50.0],
    )


def test_accuracy_predictions_stay_within_0_and_100():
    """LCE-m's family prior (pybnn's loose range: up to 100 in units of the curve / 100)
    let these steep curves extrapolate to 657 % and 979 %: an accuracy is clipped to 100."""
    ep = np.arange(1, 11)
    lc = LearningCurves(
        ep,
        {"val_accuracy": np.vstack([np.minimum(99.9, 50 + 5 * ep), 10 + 8 * ep])},
        final_epoch=200,
    )
    pred = get("lce_m", random_state=0, **FAST).fit(None, learning_curves=lc)
    mean = pred.predict(None, learning_curves=lc)
    assert np.all((mean >= 0.0) & (mean <= 100.0)), mean
    assert mean[1] >= 90.0  # still extrapolated upwards (from 90 at epoch 10), not cut short
    # the standard deviation follows the clipping: that of N(raw mean, raw std) truncated to
    # [0, 100] (it had kept the whole spread of an extrapolation to 657 % / 979 %)
    raw_mean, raw_std = pred._predict_curves(None, lc, need_std=True)
    std = pred.predict_std(None, learning_curves=lc)
    from scipy.stats import truncnorm

    assert (raw_mean > 100.0).sum() == 2, raw_mean
    for i in np.flatnonzero(raw_mean > 100.0):
        a, b = (0 - raw_mean[i]) / raw_std[i], (100 - raw_mean[i]) / raw_std[i]
        want = truncnorm.std(a, b, loc=raw_mean[i], scale=raw_std[i])
        assert std[i] == pytest.approx(want, rel=1e-9) and std[i] < raw_std[i]
    inside = (raw_mean >= 0.0) & (raw_mean <= 100.0)
    np.testing.assert_array_equal(std[inside], np.asarray(raw_std)[inside])


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_loss_metric_is_a_clear_error(name):
    lc = LearningCurves(np.arange(1, 6), {"val_loss": [[2.0, 1.5, 1.2, 1.0, 0.9]]}, final_epoch=50)
    with pytest.raises(ValueError, match=r"The 'metric' parameter of LCEm? must be a str among"):
        get(name, metric="val_loss").fit(None, learning_curves=lc)


def test_bad_parameters_and_missing_final_epoch_are_clear_errors(pow3_curves):
    lc, _ = pow3_curves
    with pytest.raises(ValueError, match="The 'families' parameter of LCE must be"):
        get("lce", families=("pow3", "pow5")).fit(None, learning_curves=lc)
    with pytest.raises(ValueError, match="burn_in"):
        get("lce", n_samples=100, burn_in=100).fit(None, learning_curves=lc)
    with pytest.raises(ValueError, match="n_walkers"):
        get("lce_m", n_walkers=0).fit(None, learning_curves=lc)
    no_final = LearningCurves(lc.epochs, dict(lc.values))
    pred = get("lce_m", **FAST).fit(None, learning_curves=no_final)
    with pytest.raises(ValueError, match="final_epoch"):
        pred.predict(None, learning_curves=no_final)


# ----------------------------------------------------------------- persistence
@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_save_load_round_trip(name, pow3_curves, tmp_path):
    lc, _ = pow3_curves
    lc = lc.take([0, 1])
    pred = get(name, random_state=5, n_samples=80, burn_in=40).fit(None, learning_curves=lc)
    mean = pred.predict(None, learning_curves=lc)
    std = pred.predict_std(None, learning_curves=lc)
    path = tmp_path / f"{name}.nasperf"
    pred.save(path)
    again = load(path)
    assert type(again) is type(pred) and again.get_params() == pred.get_params()
    np.testing.assert_array_equal(again.predict(None, learning_curves=lc), mean)
    np.testing.assert_array_equal(again.predict_std(None, learning_curves=lc), std)


def test_defaults_follow_the_references():
    lce = get("lce")
    assert (lce.n_walkers, lce.n_samples, lce.burn_in) == (100, 2000, 500)
    assert tuple(lce.families) == FAMILY_NAMES
    lce_m = get("lce_m")
    assert (lce_m.n_walkers, lce_m.n_samples, lce_m.burn_in) == (50, 800, 500)
    assert tuple(lce_m.families) == LCE_M_FAMILIES
    assert lce.has_uncertainty and lce_m.has_uncertainty


def test_thin_beyond_the_kept_steps_is_refused(pow3_curves):
    # thin=10**4 of 150 kept steps had been accepted and predicted from one step
    lc, _ = pow3_curves
    with pytest.raises(ValueError, match=r"'thin' parameter of LCEm must be at most .* = 150"):
        get("lce_m", thin=10_000, **FAST).fit(None, learning_curves=lc)


# ----------------------------------------------------------------- progress
@pytest.mark.parametrize("name", ["lce", "lce_m"])
def test_progress_shows_a_bar_over_the_curves_and_changes_no_value(
    name, pow3_curves, capsys, monkeypatch
):
    # a space-sized test set ran predict for hours without a sign of life
    import tqdm.auto

    made = []
    real = tqdm.auto.tqdm

    class Spy(real):
        def __init__(self, *args, **kwargs):
            made.append(kwargs.get("total"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    lc, _ = pow3_curves
    kw = {"random_state": 4, "n_samples": 60, "burn_in": 30}
    quiet = get(name, **kw).fit(None, learning_curves=lc)
    mean, std = quiet.predict(None, learning_curves=lc), quiet.predict_std(None, learning_curves=lc)
    assert made == [] and capsys.readouterr().err == ""  # no bar (nor monitor thread) unasked
    shown = get(name, **kw, progress=True).fit(None, learning_curves=lc)
    # bit-identical in one process: the bar only counts the curves, it draws no random number
    np.testing.assert_array_equal(shown.predict(None, learning_curves=lc), mean)
    np.testing.assert_array_equal(shown.predict_std(None, learning_curves=lc), std)
    err = capsys.readouterr().err
    assert made == [4]  # one bar: predict_std reuses predict's chains
    assert f"{type(shown).__name__} predict: 100%" in err and "4/4" in err, err[-300:]
    # switching it on after predict keeps the cached chains (no second bar, same values)
    quiet.set_params(progress=True)
    np.testing.assert_array_equal(quiet.predict_std(None, learning_curves=lc), std)
    assert made == [4]


def test_progress_must_be_a_bool():
    with pytest.raises(ValueError, match=r"The 'progress' parameter of LCEm must be"):
        get("lce_m", progress="yes")
    assert get("lce").progress is False and get("lce_m").progress is False


def test_progress_leaves_default_study_trials_and_their_hashes_alone():
    # a study writes only the parameters its config sets: adding one with a default keeps
    # the hashes of stored lce trials, so their results resume
    from nasperf.evaluation.config import expand_trials, parse_config, trial_hash

    cfg = parse_config(
        {"predictors": ["lce", "lce_m"], "spaces": ["nb201"], "train_sizes": [10], "seeds": 1}
    )
    trials = {t["predictor"]: t for t in expand_trials(cfg)}
    assert trials["lce"]["params"] == trials["lce_m"]["params"] == {}
    # computed on the commit before ``progress`` existed: a stored study's rows still match
    assert {k: trial_hash(t) for k, t in trials.items()} == {
        "lce": "f09c216854330dea505ad414416e10a82b1235ff9cfd86325b53ad59f4465d88",
        "lce_m": "89b65eff6581c49c05b690ce0f2465f09c3e94066495dab055f78d26e9549048",
    }

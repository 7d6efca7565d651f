"""Member-specific checks of the torch predictors (mlp, bananas, dngo, bohamiann, nao,
seminas), on small NB201 samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nasperf
from nasperf.predictors import get
from nasperf.predictors._torch_utils import to_tensor


@pytest.fixture(scope="module")
def data():
    table = nasperf.load_benchmark("nb201", "cifar10")
    sample = table.sample(160, random_state=1)
    archs = list(sample.index)
    y = sample["val_acc_200ep"].to_numpy()
    return {"train": archs[:80], "y": y[:80], "test": archs[80:], "y_test": y[80:]}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_mlp_fits_a_linear_target_and_leaves_the_global_rng_alone():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 50.0
    state = torch.get_rng_state()
    pred = get("mlp", epochs=80, layer_width=32, n_layers=2, random_state=0).fit(X, y)
    assert torch.equal(state, torch.get_rng_state())
    assert pred.score(X, y) > 0.95
    assert pred.y_mean_ == pytest.approx(y.mean())


def test_bananas_mean_and_std_are_those_of_its_members(data):
    pred = get(
        "bananas",
        space="nb201",
        n_ensemble=4,
        epochs=30,
        layer_width=32,
        n_layers=2,
        random_state=0,
    )
    pred.fit(data["train"], data["y"])
    assert len(pred.models_) == 4
    X = pred._prepare_predict(data["test"], {})
    Xt = to_tensor((X - pred.x_mean_) / pred.x_scale_, torch.device("cpu"))
    with torch.no_grad():
        members = np.stack([m(Xt)[:, 0].double().numpy() for m in pred.models_])
    members = members * pred.y_scale_ + pred.y_mean_
    np.testing.assert_allclose(pred.predict(data["test"]), members.mean(0), rtol=1e-10)
    np.testing.assert_allclose(pred.predict_std(data["test"]), members.std(0), rtol=1e-10)
    # Members start from different seeds, so they disagree.
    assert members.std(0).min() > 0


def test_dngo_posterior_is_the_bayesian_linear_regression_solution(data):
    pred = get("dngo", space="nb201", epochs=40, layer_width=16, n_layers=2, random_state=0)
    pred.fit(data["train"], data["y"])
    X = pred._prepare_predict(data["train"], {})
    phi = pred._phi(X)
    assert phi.shape == (80, 17) and np.all(phi[:, -1] == 1)
    ys = (data["y"] - pred.y_mean_) / pred.y_scale_
    A = pred.beta_ * phi.T @ phi + pred.alpha_ * np.eye(17)
    np.testing.assert_allclose(
        pred.blr_mean_, pred.beta_ * np.linalg.solve(A, phi.T @ ys), rtol=1e-5, atol=1e-9
    )
    np.testing.assert_allclose(pred.blr_cov_, np.linalg.inv(A), rtol=1e-6, atol=1e-10)
    # Predictive variance = epistemic part + noise 1/beta (in standardised units).
    std = pred.predict_std(data["test"])
    assert np.all(std / pred.y_scale_ > np.sqrt(1.0 / pred.beta_))


def test_bohamiann_keeps_the_thinned_sghmc_samples(data):
    pred = get(
        "bohamiann",
        space="nb201",
        num_steps=700,
        burn_in=400,
        keep_every=30,
        layer_width=16,
        random_state=0,
    )
    pred.fit(data["train"], data["y"])
    assert pred.n_samples_ == (700 - 400) // 30 == len(pred.samples_)
    first = torch.cat([p.flatten() for p in pred.samples_[0].parameters()])
    last = torch.cat([p.flatten() for p in pred.samples_[-1].parameters()])
    assert not torch.equal(first, last)  # the chain moves between kept samples
    X = pred._prepare_predict(data["test"], {})
    means, noise = pred._sample_predictions(X)
    assert means.shape == (10, 80) and np.all(noise > 0)
    np.testing.assert_allclose(
        pred.predict(data["test"]), means.mean(0) * pred.y_scale_ + pred.y_mean_
    )
    np.testing.assert_allclose(
        pred.predict_std(data["test"]), np.sqrt(means.var(0) + noise.mean()) * pred.y_scale_
    )


def test_nao_decoder_rebuilds_the_training_architectures(data):
    pred = get("nao", space="nb201", n_steps=1000, learning_rate=5e-3, random_state=0)
    pred.fit(data["train"], data["y"])
    X = pred._prepare_predict(data["train"], {})
    assert pred.binary_.all()  # adjacency one-hot is 0/1
    rebuilt = pred._reconstruct(X)
    majority = (X == (X.mean(0) > 0.5)).mean()  # each column's most frequent value
    assert majority < 0.93
    assert (rebuilt == X).mean() > 0.97


def test_seminas_trains_on_the_nao_pseudo_labels(data):
    params = {"n_steps": 300, "hidden_size": 16, "random_state": 0}
    unlabelled = data["test"][:50]
    semi = get("seminas", space="nb201", n_unlabelled=30, **params)
    semi.fit(data["train"], data["y"], unlabelled=unlabelled)
    nao = get("nao", space="nb201", **params).fit(data["train"], data["y"])
    # Phase one is NAO itself: the pseudo-labels are NAO's predictions.
    assert semi.n_pseudo_ == 50
    np.testing.assert_allclose(semi.pseudo_labels_, nao.predict(unlabelled), rtol=1e-6)
    # Phase two trains on them, so the final model differs from NAO.
    assert not np.allclose(semi.predict(data["test"]), nao.predict(data["test"]))
    # Without unlabelled architectures, n_unlabelled are sampled from the space.
    sampled = get("seminas", space="nb201", n_unlabelled=30, **params).fit(data["train"], data["y"])
    assert sampled.n_pseudo_ == 30 and sampled.pseudo_labels_.shape == (30,)
    # n_unlabelled=0 is NAO's fit (it had failed as "an empty sequence"); an empty
    # unlabelled= is named
    none = get("seminas", space="nb201", n_unlabelled=0, **params).fit(data["train"], data["y"])
    assert none.n_pseudo_ == 0
    np.testing.assert_allclose(none.predict(data["test"]), nao.predict(data["test"]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"^unlabelled: expected at least one architecture"):
        get("seminas", space="nb201", **params).fit(data["train"], data["y"], unlabelled=[])


def test_bohamiann_keep_every_beyond_the_sampled_steps_is_refused():
    # keep_every=10**4 after 500 sampled steps kept no sample: a bare numpy "need at least
    # one array to stack"
    space = nasperf.get_space("nb201")
    archs = space.sample(10, seed=0)
    pred = get("bohamiann", space="nb201", num_steps=600, burn_in=100, keep_every=10_000)
    with pytest.raises(ValueError, match=r"1 <= keep_every <= num_steps - burn_in"):
        pred.fit(archs, np.arange(10.0))

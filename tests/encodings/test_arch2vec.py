"""arch2vec: the variational graph autoencoder learns, is reproducible and round-trips on disk."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import nasperf
from nasperf.encodings import ENCODINGS, get
from nasperf.encodings.arch2vec import Arch2VecEncoder
from nasperf.spaces import SPACES

from ..spaces.custom_space_example import ChainSpace

SMALL = {"hidden_dim": 32, "latent_dim": 8, "n_layers": 3, "batch_size": 32}


@pytest.fixture(scope="module")
def nb201():
    return nasperf.get_space("nb201")


@pytest.fixture(scope="module")
def fitted(nb201):
    """Trained on 500 sampled NB201 cells (plus the 20 fitting ones) for a few epochs."""
    archs = nb201.sample(20, seed=1)
    enc = Arch2VecEncoder(
        space="nb201", epochs=10, batch_size=16, n_train_archs=500, random_state=0
    )
    return enc.fit(archs)


@pytest.fixture(scope="module")
def held_out(nb201):
    return nb201.sample(300, seed=12345)


def test_registered_and_built_by_name():
    assert ENCODINGS.get("arch2vec") is Arch2VecEncoder
    enc = get("arch2vec", space="nb201", latent_dim=4)
    assert isinstance(enc, Arch2VecEncoder) and enc.latent_dim == 4


def test_trains_on_fitting_and_sampled_cells(fitted):
    assert fitted.n_train_cells_ == 520
    assert len(fitted.loss_curve_) == 10
    assert fitted.loss_curve_[-1] < 0.5 * fitted.loss_curve_[0]


def test_reconstruction_of_held_out_archs_beats_chance(fitted, held_out, nb201):
    batch = nb201.graph_batch(held_out)
    adj, ops = batch.adjacency[:, 0], batch.ops[:, 0]
    real = ops >= 0
    iu = np.triu_indices(batch.max_nodes, 1)
    pairs = adj[:, iu[0], iu[1]][real[:, iu[0]] & real[:, iu[1]]]
    edge_rate = pairs.mean()
    majority = max(edge_rate, 1 - edge_rate)
    label_chance = 1 / len(nb201.node_labels)
    # The most frequent label per node position: what a model ignoring the latent can reach.
    label_majority = np.mean(
        [np.bincount(ops[:, k][real[:, k]]).max() / real[:, k].sum() for k in range(ops.shape[1])]
    )

    acc = fitted.reconstruction_accuracy(held_out)
    assert acc["n_cells"] == 300
    assert acc["node_label_accuracy"] > label_chance + 0.5
    assert acc["node_label_accuracy"] > label_majority + 0.2
    assert acc["adjacency_accuracy"] > majority + 0.1
    assert 0.0 <= acc["cell_accuracy"] <= 1.0


def test_transform_is_float32_latent_means(fitted, held_out):
    X = fitted.transform(held_out)
    assert X.shape == (300, 16) and X.dtype == np.float32
    assert np.isfinite(X).all()
    # Eval mode, no sampling: encoding twice gives the same numbers.
    np.testing.assert_array_equal(X, fitted.transform(held_out))
    # Distinct cells get distinct embeddings.
    assert len(np.unique(X.round(5), axis=0)) > 250
    assert list(fitted.get_feature_names_out()[:2]) == ["arch2vec_c0_0", "arch2vec_c0_1"]


def test_same_seed_same_embedding_different_seed_different(nb201):
    archs = nb201.sample(60, seed=3)
    kw = dict(space="nb201", epochs=2, **SMALL)
    a = Arch2VecEncoder(random_state=7, **kw).fit(archs).transform(archs)
    b = Arch2VecEncoder(random_state=7, **kw).fit(archs).transform(archs)
    c = Arch2VecEncoder(random_state=8, **kw).fit(archs).transform(archs)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fit_leaves_the_global_torch_rng_and_threads_alone(nb201):
    archs = nb201.sample(20, seed=3)
    state, threads = torch.random.get_rng_state(), torch.get_num_threads()
    enc = Arch2VecEncoder(space="nb201", epochs=1, random_state=0, n_threads=1, **SMALL)
    enc.fit(archs).transform(archs)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_sklearn_contract(nb201):
    enc = Arch2VecEncoder(space="nb201", epochs=1, latent_dim=4, random_state=0)
    assert clone(enc).get_params()["latent_dim"] == 4
    with pytest.raises(NotFittedError):
        enc.transform(nb201.sample(2, seed=0))


def test_save_load_round_trip_is_bit_identical(fitted, held_out, tmp_path):
    out = fitted.save(tmp_path / "a2v")
    config = json.loads((out / "config.json").read_text())
    assert config["space"] == "nb201"
    assert config["node_labels"] == list(nasperf.get_space("nb201").node_labels)
    assert config["params"]["latent_dim"] == 16 and config["torch_version"] == torch.__version__
    loaded = Arch2VecEncoder.load(out)
    np.testing.assert_array_equal(loaded.transform(held_out), fitted.transform(held_out))
    assert loaded.reconstruction_accuracy(held_out) == fitted.reconstruction_accuracy(held_out)
    assert loaded.get_params()["epochs"] == 10


def test_load_rejects_missing_foreign_and_corrupt_files(fitted, tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        Arch2VecEncoder.load(tmp_path / "nothing")
    out = fitted.save(tmp_path / "a2v")

    with pytest.raises(ValueError, match="saved for space 'nb201'"):
        Arch2VecEncoder.load(out, space="nb101")

    state = torch.load(out / "weights.pt", weights_only=True)
    del state["fc_mu.weight"]
    torch.save(state, out / "weights.pt")
    with pytest.raises(ValueError, match="do not match"):
        Arch2VecEncoder.load(out)

    (out / "weights.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="unreadable weights"):
        Arch2VecEncoder.load(out)

    (out / "config.json").write_text("{broken")
    with pytest.raises(ValueError, match="unreadable config"):
        Arch2VecEncoder.load(out)

    (out / "config.json").write_text(json.dumps({"format": "nasperf.arch2vec"}))
    with pytest.raises(ValueError, match="format_version"):
        Arch2VecEncoder.load(out)

    (out / "weights.pt").unlink()
    with pytest.raises(ValueError, match="missing weights.pt"):
        Arch2VecEncoder.load(out)


@pytest.mark.parametrize(("name", "n_cells"), [("nb101", 1), ("nb301", 2), ("chain", 1)])
def test_shapes_on_other_spaces(name, n_cells):
    if name == "chain" and "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)
    space = nasperf.get_space(name)
    archs = space.sample(40, seed=0, unique=False)  # the chain has only 27
    enc = Arch2VecEncoder(space=space, epochs=1, random_state=0, **SMALL).fit(archs)
    X = enc.transform(archs[:7])
    assert X.shape == (7, 8 * n_cells) and X.dtype == np.float32
    assert enc.n_features_out_ == 8 * n_cells
    acc = enc.reconstruction_accuracy(archs[:7])
    assert acc["n_cells"] == 7 * n_cells
    # Cells are embedded independently: the normal cell's block is its own embedding.
    if n_cells == 2:
        assert not np.allclose(X[:, :8], X[:, 8:])


def test_embedding_does_not_depend_on_padding(nb201):
    """Padding nodes are masked: a wider padding gives the same embedding."""
    archs = nb201.sample(30, seed=5)
    enc = Arch2VecEncoder(space="nb201", epochs=1, random_state=0, **SMALL).fit(archs)
    batch = nb201.graph_batch(archs[:5])
    wide = nb201.graph_batch(archs[:5], max_nodes=11)
    np.testing.assert_allclose(
        enc._transform(wide, archs[:5]), enc._transform(batch, archs[:5]), atol=1e-6
    )


def test_bad_parameters_and_devices(nb201):
    archs = nb201.sample(5, seed=0)
    with pytest.raises(ValueError, match="latent_dim"):
        Arch2VecEncoder(space="nb201", latent_dim=0).fit(archs)
    with pytest.raises(ValueError, match="device"):
        Arch2VecEncoder(space="nb201", device="tpu").fit(archs)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            Arch2VecEncoder(space="nb201", device="cuda").fit(archs)
    # infinite rates had trained to all-NaN embeddings (loss_curve_ [nan]) without a word
    for name in ("lr", "kl_weight"):
        with pytest.raises(
            ValueError, match=rf"^The '{name}' parameter of Arch2VecEncoder must be a float"
        ):
            Arch2VecEncoder(space="nb201", epochs=1, **{name: float("inf")}).fit(archs)
    with pytest.raises(ValueError, match=r"arch2vec training diverged: the loss is (nan|inf)"):
        Arch2VecEncoder(space="nb201", epochs=3, lr=1e30, random_state=0).fit(archs)

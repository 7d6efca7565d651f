"""Predictor files written by an earlier nasperf keep loading and predicting the same.

``data/*.nasperf`` were saved (``scripts``-free: fitted on 40 NB201 cells, see
``data/expected.json`` for the commit) *before* the predictors were regrouped into family
sub-packages; a file records its predictor by registered name, so moving modules must not
break it. One predictor per storage kind: native XGBoost, skops (random forest, GP,
NGBoost), torch weights (MLP, GIN) and nested predictors (an ensemble).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nasperf.predictors import load
from tests._registry_helpers import register_space

DATA = Path(__file__).parent / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED["predictions"]))
def test_files_saved_before_the_move_load_and_predict_the_same(name):
    pred = load(DATA / f"{name}.nasperf")
    assert pred.name == name
    got = pred.predict(EXPECTED["archs"])
    want = np.asarray(EXPECTED["predictions"][name])
    # Same model, other process and possibly another CPU: float32 networks re-associate
    # sums by vector width (~1e-6 relative per layer); trees and GPs are float64. Accuracies
    # are in percent, so 1e-3 points is far below any difference a changed model makes.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-3)


def test_a_predictor_whose_space_was_inferred_round_trips(tmp_path):
    """``space=None`` fitted on architecture values records ``inferred_space_``; loading
    restores the space from it (whatever order the attributes come in)."""
    import nasperf
    from nasperf.predictors import get

    space = nasperf.get_space("nb201")
    archs = space.sample(40, seed=0)
    y = np.arange(40, dtype=float)
    pred = get("xgb", n_estimators=5, random_state=0).fit(archs, y)
    assert pred.space is None and pred.inferred_space_ == "nb201"
    pred.save(tmp_path / "xgb.nasperf")
    back = load(tmp_path / "xgb.nasperf")
    assert back.space_.name == "nb201"
    np.testing.assert_array_equal(back.predict(archs), pred.predict(archs))


@pytest.mark.parametrize("name", ["xgb", "gin"])
def test_a_file_refuses_a_space_whose_operations_changed(tmp_path, name):
    """A file records its space's operations (their order is the one-hot columns') and cell
    size; loaded with a space of the same name whose operations were reordered it would
    predict other architectures' values without a word: refused, naming both."""
    from nasperf.errors import DataIntegrityError
    from nasperf.predictors import get
    from tests.search.user_spaces import CHAIN8_OPS, Chain8Space, chain8_table

    table = chain8_table().iloc[::50]
    space = Chain8Space()
    params = {"n_estimators": 5} if name == "xgb" else {"epochs": 3}
    pred = get(name, space=space, random_state=0, **params).fit(
        list(table.index), table["val_acc"].to_numpy()
    )
    pred.save(tmp_path / "p.nasperf")
    assert load(tmp_path / "p.nasperf", space=Chain8Space()).fit_archs_ == pred.fit_archs_

    class Reordered(Chain8Space):
        ops = (CHAIN8_OPS[1], CHAIN8_OPS[0], *CHAIN8_OPS[2:])

    with pytest.raises(
        DataIntegrityError,
        match=r"fitted on space 'user_chain8' with operations "
        r"\['conv3x3', 'conv1x1', 'skip'\].*has \['conv1x1', 'conv3x3', 'skip'\]",
    ):
        load(tmp_path / "p.nasperf", space=Reordered())


@pytest.mark.parametrize("name", ["xgb", "gin"])
def test_a_space_without_max_nodes_saves_and_loads(tmp_path, name):
    """``max_nodes`` is optional (None: cells are padded to the largest one): the file's
    space record holds None (saving raised a TypeError)."""
    from nasperf.predictors import get
    from tests.search.user_spaces import Chain8Space, chain8_table

    class Unpadded(Chain8Space):
        max_nodes = None

    table = chain8_table().iloc[::50]
    params = {"n_estimators": 5} if name == "xgb" else {"epochs": 3}
    pred = get(name, space=Unpadded(), random_state=0, **params).fit(
        list(table.index), table["val_acc"].to_numpy()
    )
    pred.save(tmp_path / "p.nasperf")
    back = load(tmp_path / "p.nasperf", space=Unpadded())
    archs = list(table.index[:5])
    np.testing.assert_allclose(back.predict(archs), pred.predict(archs), rtol=0, atol=1e-9)


def test_a_space_not_registered_in_the_loading_process_is_named(tmp_path, monkeypatch):
    """A predictor fitted on a user's space by name, loaded where that space's module has not
    run: the error says to import it (it had read as a corrupt file: "'params' are not
    valid: The 'space' parameter ... must be a registered search space name")."""
    from nasperf.predictors import get
    from nasperf.spaces import SPACES
    from tests.spaces.custom_space_example import ChainSpace

    class Unloaded(ChainSpace):
        name = "chain_unloaded_in_saved_files"

    register_space(monkeypatch, Unloaded)
    archs = [a for a in Unloaded().enumerate()][:20]
    y = np.arange(len(archs), dtype=float)
    texts = [Unloaded().to_string(a) for a in archs]
    pred = get("xgb", space=Unloaded.name, random_state=0).fit(texts, y)
    path = tmp_path / "xgb_chain.zip"
    pred.save(path)
    SPACES._items.pop(Unloaded.name)
    SPACES._primary.pop(Unloaded.name)
    with pytest.raises(
        ValueError,
        match=r"was fitted on the space 'chain_unloaded_in_saved_files', which is not registered "
        r"in this process: import the module that registers it \(`--import FILE` for "
        r"nasperf's commands\), or pass space= to load$",
    ):
        load(path)
    again = load(path, space=Unloaded())
    np.testing.assert_allclose(again.predict(archs), pred.predict(texts), rtol=0, atol=1e-9)


@pytest.mark.parametrize("encoding", ["raw_ops_unloaded", ["raw_ops_unloaded", "graf"]])
def test_an_encoding_not_registered_in_the_loading_process_is_named(
    tmp_path, monkeypatch, encoding
):
    """A predictor fitted with a user's encoding, loaded where that encoding's module has not
    run: the import hint, not a DataIntegrityError ("'params' are not valid"), which reads as
    a corrupt file. Registered again, the same file loads and predicts the same."""
    from nasperf.encodings import ENCODINGS, Encoder
    from nasperf.errors import DataIntegrityError
    from nasperf.predictors import get

    monkeypatch.setattr(ENCODINGS, "_items", dict(ENCODINGS._items))
    monkeypatch.setattr(ENCODINGS, "_primary", dict(ENCODINGS._primary))

    class RawOps(Encoder):
        """The first cell's node label codes, as numbers."""

        def _transform(self, batch, archs):
            return batch.ops[:, 0].astype(np.float32)

        def _feature_names(self):
            return [f"node{v}" for v in range(self.max_nodes_)]

    ENCODINGS.register("raw_ops_unloaded")(RawOps)
    archs = __import__("nasperf").get_space("nb201").sample(30, seed=0)
    y = np.arange(30, dtype=float)
    pred = get("xgb", space="nb201", encoding=encoding, n_estimators=5, random_state=0)
    pred.fit(archs, y)
    pred.save(tmp_path / "p.nasperf")
    ENCODINGS._items.pop("raw_ops_unloaded")
    ENCODINGS._primary.pop("raw_ops_unloaded")
    with pytest.raises(ValueError) as info:
        load(tmp_path / "p.nasperf")
    assert not isinstance(info.value, DataIntegrityError)
    assert str(info.value).endswith(
        "was fitted with the encoding 'raw_ops_unloaded', which is not registered in this "
        "process: import the module that registers it (`--import FILE` for nasperf's commands)"
    )
    ENCODINGS.register("raw_ops_unloaded")(RawOps)
    back = load(tmp_path / "p.nasperf")
    np.testing.assert_array_equal(back.predict(archs), pred.predict(archs))

"""A one-column table of architectures is read as that column, by encoders and predictors.

scikit-learn's ``ColumnTransformer`` passes a column named in a list (``["arch"]``) as a
one-column DataFrame. An encoder had read it as ``list(df)``, its column name ("invalid
archs[0].text = 'arch'"), and a predictor as a feature matrix ("could not convert string
to float"). Features are numbers, so a column of texts holds architectures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline

import nasperf
from nasperf.spaces import arch_column


@pytest.fixture(scope="module")
def data():
    space = nasperf.get_space("nb201")
    archs = space.sample(30, seed=0)
    texts = [space.to_string(a) for a in archs]
    y = np.linspace(60.0, 90.0, len(texts))
    return archs, texts, y


def test_an_encoder_reads_the_column(data):
    _, texts, _ = data
    enc = nasperf.encodings.get("path", space="nb201")
    want = enc.fit_transform(texts)
    for table in (pd.DataFrame({"arch": texts}), np.array(texts, dtype=object)[:, None]):
        np.testing.assert_array_equal(enc.fit_transform(table), want)
    np.testing.assert_array_equal(enc.transform(pd.DataFrame({"arch": texts})), want)


def test_a_predictor_reads_the_column_and_infers_the_space_from_values(data):
    archs, texts, y = data
    model = nasperf.predictors.get("xgb", space="nb201", n_estimators=10, random_state=0)
    want = model.fit(texts, y).predict(texts)
    got = model.fit(pd.DataFrame({"arch": texts}), y).predict(pd.DataFrame({"arch": texts}))
    np.testing.assert_array_equal(got, want)
    assert model.space_.name == "nb201"
    inferred = nasperf.predictors.get("xgb", n_estimators=10, random_state=0)
    got = inferred.fit(pd.DataFrame({"arch": archs}), y).predict(archs)
    np.testing.assert_array_equal(got, want)
    assert inferred.inferred_space_ == "nb201"


def test_a_column_transformer_of_the_architecture_column(data):
    _, texts, y = data
    frame = pd.DataFrame({"arch": texts, "latency_ms": np.arange(len(texts), dtype=float)})
    encode = ColumnTransformer(
        [("arch", nasperf.encodings.get("adjacency_onehot", space="nb201"), ["arch"])]
    )
    pipe = make_pipeline(encode, nasperf.predictors.get("xgb", n_estimators=10, random_state=0))
    got = pipe.fit(frame, y).predict(frame)
    direct = nasperf.predictors.get(
        "xgb", space="nb201", encoding="adjacency_onehot", n_estimators=10, random_state=0
    )
    np.testing.assert_allclose(got, direct.fit(texts, y).predict(texts), rtol=0, atol=1e-9)


def test_several_columns_of_texts_are_an_error_naming_them(data):
    _, texts, y = data
    frame = pd.DataFrame({"arch": texts, "val_acc": y, "note": ["x"] * len(texts)})
    message = r"DataFrame of 3 columns \(\['arch', 'val_acc', 'note'\]\) .* df\['arch'\]"
    with pytest.raises(ValueError, match=message):
        nasperf.encodings.get("path", space="nb201").fit(frame)
    with pytest.raises(ValueError, match=message):
        nasperf.predictors.get("xgb", space="nb201").fit(frame, y)


def test_numbers_stay_a_feature_matrix(data):
    _, _, y = data
    numbers = pd.DataFrame({"f": y})
    assert arch_column(numbers) is numbers
    model = nasperf.predictors.get("xgb", n_estimators=10, random_state=0).fit(numbers, y)
    assert model.n_features_in_ == 1 and model.encoder_ is None
    matrix = np.ones((3, 1))
    assert arch_column(matrix) is matrix
    # numbers of object dtype are a feature too (pandas' astype(object), mixed frames)
    for column in (np.ones((30, 1), dtype=object), pd.DataFrame({"f": y}).astype(object)):
        assert arch_column(column) is column
        fitted = nasperf.predictors.get("xgb", n_estimators=10, random_state=0).fit(column, y)
        assert fitted.n_features_in_ == 1 and fitted.encoder_ is None


def test_a_set_of_architectures_is_refused_where_rows_are_matched_by_position():
    # a probe: fit(set(archs), y) had paired the set's arbitrary order with the labels
    import numpy as np
    import pytest

    import nasperf
    from nasperf import pretrained

    archs = nasperf.get_space("nb201").sample(30, seed=0)
    y = np.arange(30.0)
    calls = [
        lambda a: nasperf.predictors.get("xgb", space="nb201").fit(a, y),
        lambda a: nasperf.encodings.get("adjacency_onehot", space="nb201").fit_transform(a),
        lambda a: pretrained.load("nb201-cifar10-tree").predict(a),
    ]
    for call in calls:
        for unordered in (set(archs), frozenset(archs)):
            with pytest.raises(ValueError, match=r"whose order is arbitrary .* pass a list"):
                call(unordered)
        with pytest.raises(ValueError, match=r"got a dict \(its keys would be read and its"):
            call(dict.fromkeys(archs, 1.0))
    # ordered containers keep working: a tuple, dict keys (insertion order)
    ck = pretrained.load("nb201-cifar10-tree")
    assert (ck.predict(tuple(archs)) == ck.predict(dict.fromkeys(archs).keys())).all()

"""YAHPO Gym's NAS-Bench-301 surrogate run through onnxruntime: encoding, curves, validity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

import nasperf
from nasperf.datasets.nb301_surrogate import CAT_NAMES, OUTPUTS, NB301Surrogate
from nasperf.errors import DataIntegrityError

SPACE = nasperf.get_space("nb301")
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.fixture(scope="module")
def model_dir(shared_data):
    path = shared_data / "nb301"
    if not (path / "model_v2.onnx").is_file() and not (path / "model.onnx").is_file():
        pytest.skip(f"no NB301 surrogate in {path}")
    return path


@pytest.fixture(scope="module")
def surrogate(model_dir):
    return NB301Surrogate(model_dir, n_threads=1)


@pytest.fixture(scope="module")
def reference(shared_data):
    path = shared_data / "nb301" / "naslib_zc_nb301_dev50.json"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return json.loads(path.read_text())["nasbench301"]["cifar10"]


def test_encoding_follows_yahpo_column_order_and_inactive_codes(surrogate):
    arch = SPACE.parse(DARTS_V2)
    codes = surrogate.encode(arch)
    assert codes.dtype == np.int32 and codes.shape == (34,)
    enc = surrogate.encoding
    # Column 0 is edge_normal_0 (sep_conv_3x3); edge_normal_4 (node 3 <- node 2) is inactive.
    assert codes[0] == enc[CAT_NAMES[0]]["sep_conv_3x3"]
    assert CAT_NAMES[4].endswith("edge_normal_4") and codes[4] == enc[CAT_NAMES[4]]["#na#"] == 0
    assert CAT_NAMES[14].endswith("edge_reduce_0")
    assert CAT_NAMES[28].endswith("inputs_node_normal_3") and codes[28] == enc[CAT_NAMES[28]]["0_1"]
    # Each node has exactly 2 active edges: 8 per cell, plus the 6 input-pair columns.
    assert (codes[:28] != 0).sum() == 16 and (codes[28:] != 0).all()
    # The order of a node's two pairs does not change the encoding.
    n = list(arch.normal)
    n[6], n[7] = n[7], n[6]
    assert np.array_equal(surrogate.encode(SPACE.from_naslib(SPACE.to_naslib(arch))), codes)
    assert np.array_equal(surrogate.encode(nasperf.spaces.nb301.NB301Arch(n, arch.reduce)), codes)


def test_curve_shape_range_and_learning(surrogate):
    curve = surrogate.predict_curve(DARTS_V2)
    assert list(curve.columns) == ["epoch", *OUTPUTS]
    assert curve["epoch"].tolist() == list(range(1, 99))
    acc = curve["val_accuracy"].to_numpy()
    assert 40 < acc[0] < 75 and 90 < acc[-1] < 96  # percent
    assert acc[-1] - acc[0] > 20
    # Mostly increasing accuracy, decreasing loss, growing cumulative runtime.
    assert np.mean(np.diff(acc) > 0) > 0.8
    assert curve["val_cross_entropy"].iloc[-1] < curve["val_cross_entropy"].iloc[0]
    assert curve["runtime"].iloc[-1] > 10 * curve["runtime"].iloc[0] > 0
    sub = surrogate.predict_curve(SPACE.parse(DARTS_V2), epochs=[1, 50, 98])
    assert sub["epoch"].tolist() == [1, 50, 98]
    assert np.allclose(sub["val_accuracy"], acc[[0, 49, 97]], rtol=1e-6)


def test_poor_cells_predict_lower_accuracy(surrogate):
    # Only parameter-free operations in both cells (max pools and skips) learns much less.
    weak = SPACE.from_naslib([[(0, 2), (1, 0)] * 4, [(0, 0), (1, 2)] * 4])
    strong = SPACE.from_naslib([[(0, 3), (1, 4)] * 4, [(0, 3), (1, 4)] * 4])
    final = surrogate.predict([weak, strong])["val_accuracy"]
    assert final[0] < final[1] - 3


def test_predictions_correlate_with_nasbench301_accuracies(surrogate, reference):
    keys = list(reference)
    pred = surrogate.predict(keys, epoch=98)
    assert len(pred) == 50 and (pred["epoch"] == 98).all()
    acc = pred["val_accuracy"].to_numpy()
    assert 88 < acc.min() and acc.max() < 96
    truth = [reference[k]["val_accuracy"] for k in keys]
    rho = spearmanr(acc, truth).statistic
    # Measured: 0.471 (YAHPO's surrogate vs. the values in NASLib's NB301 file, p = 6e-4).
    assert rho > 0.3
    # The batch equals one-at-a-time curves, and anything the space coerces is accepted.
    one = surrogate.predict_curve(SPACE.to_config(SPACE.from_naslib(keys[0])), epochs=[98])
    assert one["val_accuracy"].iloc[0] == pytest.approx(acc[0], rel=1e-6)


@pytest.mark.parametrize(
    ("epochs", "field"),
    [([0], r"epochs\[0\]"), ([1, 99], r"epochs\[1\]"), ([1.5], r"epochs\[0\]"), ([], "epochs")],
)
def test_bad_epochs_raise_naming_the_field(surrogate, epochs, field):
    with pytest.raises(ValueError, match=field):
        surrogate.predict_curve(DARTS_V2, epochs=epochs)


def test_bad_inputs(surrogate, tmp_path):
    with pytest.raises(ValueError, match="epochs"):
        surrogate.predict([DARTS_V2], epoch=True)
    with pytest.raises(ValueError, match=r"naslib_key\[0\]\[1\]\.op"):
        surrogate.predict_curve([[(0, 1), (1, 9)] * 4, [(0, 1), (1, 2)] * 4])
    with pytest.raises(DataIntegrityError, match="NB301 surrogate"):
        NB301Surrogate(tmp_path)


def test_packaged_copy_predicts_the_same(surrogate):
    try:
        packaged = NB301Surrogate()
    except DataIntegrityError as err:
        pytest.skip(f"packaged surrogate not available: {err}")
    a = packaged.predict_curve(DARTS_V2, epochs=[1, 98])
    b = surrogate.predict_curve(DARTS_V2, epochs=[1, 98])
    assert np.allclose(a.to_numpy(), b.to_numpy())

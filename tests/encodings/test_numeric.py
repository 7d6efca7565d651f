"""Numeric encodings: shapes per space, known values, invariances, the transformer contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import nasperf
from nasperf import encodings
from nasperf.spaces import SPACES

from ..spaces.custom_space_example import ChainSpace

NUMERIC = ["adjacency_onehot", "path", "op_distribution", "graf"]
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"


@pytest.fixture(scope="module", autouse=True)
def chain_space():
    if "chain" not in SPACES:
        SPACES.register("chain")(ChainSpace)


@pytest.mark.parametrize("space", ["nb101", "nb201", "nb301", "chain"])
@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_encoder_on_every_space(name, space):
    sp = nasperf.get_space(space)
    archs = sp.sample(30, seed=4, unique=False)  # the chain has only 27
    enc = encodings.get(name, space=space).fit(archs)
    X = enc.transform(archs)
    assert X.dtype == np.float32 and X.shape == (30, enc.n_features_out_)
    assert len(enc.get_feature_names_out()) == X.shape[1]
    assert np.isfinite(X).all()
    # deterministic, and a row depends only on its architecture
    assert np.array_equal(enc.transform(archs[::-1]), X[::-1])
    assert np.array_equal(enc.transform(archs[:3]), X[:3])
    # the same architectures given as text encode the same
    assert np.array_equal(enc.transform([sp.to_string(a) for a in archs[:5]]), X[:5])


def test_feature_widths():
    widths = {
        ("nb101", "path"): 364,  # BANANAS: 3 ops, paths of length 0..5
        ("nb201", "path"): 1 + 5 + 25 + 125,
        ("nb201", "adjacency_onehot"): 28 + 8 * 5,
        ("nb101", "adjacency_onehot"): 21 + 7 * 3,
        ("nb301", "op_distribution"): 2 * 7,
    }
    for (space, name), width in widths.items():
        sp = nasperf.get_space(space)
        assert encodings.get(name, space=space).fit(sp.sample(5, seed=0)).n_features_out_ == width


def test_isomorphic_nb101_cells_share_paths_not_adjacency():
    sp = nasperf.get_space("nb101")
    ops = ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"]
    m = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    a = sp.parse(json.dumps({"matrix": m, "ops": ops}))
    # relabel: swap vertices 1 and 2 (the branches); the spec stays topologically ordered
    perm = [0, 2, 1, 3, 4]
    m2 = np.asarray(m)[np.ix_(perm, perm)]
    assert not np.tril(m2).any()
    b = sp.parse(json.dumps({"matrix": m2.tolist(), "ops": [ops[p] for p in perm]}))
    assert sp.hash(a) == sp.hash(b) and a != b
    path = encodings.get("path", space="nb101").fit([a, b])
    adj = encodings.get("adjacency_onehot", space="nb101").fit([a, b])
    assert np.array_equal(path.transform([a]), path.transform([b]))
    assert not np.array_equal(adj.transform([a]), adj.transform([b]))
    names = path.get_feature_names_out()[path.transform([a])[0] > 0]
    assert sorted(names) == [
        "cell0_input_conv3x3-bn-relu>conv1x1-bn-relu",
        "cell0_input_maxpool3x3",
    ]


def test_path_truncation_keeps_shortest_paths_first():
    sp = nasperf.get_space("nb201")
    archs = sp.sample(50, seed=1)
    full = encodings.get("path", space="nb201").fit(archs)
    short = encodings.get("path", space="nb201", truncate=6).fit(archs)
    assert short.n_features_out_ == 6
    assert list(short.get_feature_names_out()) == list(full.get_feature_names_out()[:6])
    assert list(full.get_feature_names_out()[:2]) == [
        "cell0_input_(direct)",
        "cell0_input_none",
    ]
    assert np.array_equal(short.transform(archs), full.transform(archs)[:, :6])
    counts = encodings.get("path", space="nb201", counts=True).fit(archs)
    arch = sp.parse(
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|skip_connect~1|skip_connect~2|"
    )
    row = dict(zip(counts.get_feature_names_out(), counts.transform([arch])[0], strict=True))
    # 0->1->3, 0->2->3, 0->1->2->3: two paths of two skips, one of three
    assert row["cell0_input_skip_connect>skip_connect"] == 2
    assert row["cell0_input_skip_connect>skip_connect>skip_connect"] == 1
    assert sum(row.values()) == 3


def test_graf_values_on_a_known_cell():
    enc = encodings.get("graf", space="nb201").fit([RESNET])
    row = dict(zip(enc.get_feature_names_out(), enc.transform([RESNET])[0], strict=True))
    # conv3x3 0->1 and 1->2 lead nowhere (2->3 is none); only the skip reaches the output
    assert row["cell0_count_nor_conv_3x3"] == 2 and row["cell0_count_none"] == 3
    assert row["cell0_skip_connect_n_paths"] == 1 and row["cell0_skip_connect_min_length"] == 1
    assert row["cell0_nor_conv_3x3_n_paths"] == 0 and row["cell0_nor_conv_3x3_min_length"] == -1
    assert row["cell0_nor_conv_3x3_input_degree"] == 1
    assert row["cell0_skip_connect+nor_conv_3x3_input_degree"] == 2
    assert row["cell0_skip_connect+nor_conv_3x3_output_degree"] == 1
    dense = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    row = dict(zip(enc.get_feature_names_out(), enc.transform([dense])[0], strict=True))
    assert row["cell0_nor_conv_3x3_n_paths"] == 4  # 0-3, 0-1-3, 0-2-3, 0-1-2-3
    assert row["cell0_nor_conv_3x3_min_length"] == 1
    assert row["cell0_nor_conv_3x3_max_length"] == 3
    assert row["cell0_nor_conv_3x3_output_degree"] == 3


def test_op_distribution_ratios_and_live_only():
    sp = nasperf.get_space("nb201")
    enc = encodings.get("op_distribution", space="nb201").fit([RESNET])
    assert enc.transform(sp.sample(20, seed=2)).sum(1) == pytest.approx(np.ones(20))
    live = encodings.get("op_distribution", space="nb201", normalize=False, live_only=True)
    row = dict(
        zip(live.fit([RESNET]).get_feature_names_out(), live.transform([RESNET])[0], strict=True)
    )
    assert row["cell0_count_skip_connect"] == 1 and row["cell0_count_nor_conv_3x3"] == 0
    nb301 = encodings.get("op_distribution", space="nb301", per_cell=False, normalize=False)
    arch = nasperf.get_space("nb301").sample(1, seed=0)[0]
    assert nb301.fit([arch]).transform([arch]).sum() == 16


def test_zero_cost_features_and_concatenation(shared_reference):
    table = nasperf.read_naslib_zc(
        shared_reference / "naslib-zc" / "zc_nasbench201_sample.json", dataset="cifar10", nan="keep"
    )
    archs = list(table.index[:20])
    zc = encodings.get("zero_cost", space="nb201", table=table).fit(archs)
    X = zc.transform(archs)
    assert X.shape == (20, 11)
    assert X[:, list(zc.proxies_).index("synflow")] == pytest.approx(
        table["synflow"].to_numpy()[:20].astype(np.float32)
    )
    with pytest.raises(ValueError, match="no proxy scores"):
        zc.transform(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
    both = encodings.get(["path", "zero_cost"], space="nb201")
    both.set_params(zero_cost__table=table)
    assert both.fit_transform(archs).shape == (20, 156 + 11)
    multi = nasperf.read_naslib_zc(
        shared_reference / "naslib-zc" / "zc_nasbench201_sample.json", nan="keep"
    )
    with pytest.raises(ValueError, match="several datasets"):
        encodings.get("zero_cost", space="nb201", table=multi).fit(archs)
    with pytest.raises(ValueError, match="not in the table"):
        encodings.get("zero_cost", space="nb201", table=table, proxies=["zen"]).fit(archs)
    with pytest.raises(ValueError, match="table="):
        encodings.get("zero_cost", space="nb201").fit(archs)
    assert isinstance(pd.DataFrame(X), pd.DataFrame)


def test_transformer_contract_and_errors():
    enc = encodings.get("path", space="nb201", truncate=10)
    assert clone(enc).get_params()["truncate"] == 10
    with pytest.raises(NotFittedError):
        enc.transform([RESNET])
    with pytest.raises(ValueError, match="empty"):
        enc.fit([])
    with pytest.raises(ValueError, match=r"archs\[1\]\.text"):
        enc.fit([RESNET, "|bogus~0|"])
    with pytest.raises(ValueError, match="sequence of architectures"):
        enc.fit(RESNET)
    with pytest.raises(ValueError, match="unknown encoding 'pth'; did you mean 'path'"):
        encodings.get("pth")
    with pytest.raises(ValueError, match="truncate"):
        encodings.get("path", space="nb201", truncate=0).fit([RESNET])
    assert {"adjacency_onehot", "path", "op_distribution", "graf", "zero_cost"} <= set(
        encodings.available()
    )


def test_zero_cost_features_on_a_user_defined_space():
    sp = nasperf.get_space("chain")
    archs = list(sp.enumerate())
    table = pd.DataFrame(
        {"synflow": np.arange(len(archs), dtype=float), "val_accuracy": 1.0},
        index=[sp.to_string(a) for a in archs],
    )
    enc = encodings.get("zero_cost", space="chain", table=table).fit(archs)
    assert list(enc.proxies_) == ["synflow"]
    assert enc.transform(archs[::-1])[:, 0] == pytest.approx(np.arange(len(archs))[::-1])

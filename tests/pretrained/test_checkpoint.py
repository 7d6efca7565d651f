"""Pre-trained checkpoints: registry, reproducible held-out metrics, round trips, and clear
errors for unknown names, tampered or truncated files and incompatible versions."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pytest

import nasperf
from nasperf import predictors, pretrained
from nasperf.datasets import load_benchmark, load_zero_cost
from nasperf.datasets.package_data import sha256_file
from nasperf.errors import DataIntegrityError, IncompatibleVersionError
from nasperf.evaluation.metrics import evaluate
from nasperf.pretrained.checkpoint import REFERENCE_RTOL
from nasperf.registry import UnknownNameError

from ._near_ties import near_tie_tolerance

SHIPPED = {"nb201-cifar10-tree", "nb201-cifar10-gnn", "nb101-cifar10", "nb301-cifar10-surrogate"}


def test_available_lists_the_shipped_checkpoints_with_their_metadata():
    table = pretrained.available()
    assert SHIPPED <= set(table.index)
    row = table.loc["nb201-cifar10-tree"]
    assert (row.space, row.dataset, row.target) == ("nb201", "cifar10", "val_acc_200ep")
    assert row.predictor in ("xgb", "lgb")
    assert row.zero_cost == "synflow,l2_norm,params,flops"
    assert table.loc["nb201-cifar10-gnn"].predictor in ("gin", "gcn")
    assert table.loc["nb301-cifar10-surrogate"].surrogate_labelled
    assert "SURROGATE" in table.loc["nb301-cifar10-surrogate"].training_data
    assert not table.loc["nb101-cifar10"].surrogate_labelled
    for name in SHIPPED:
        meta = pretrained.info(name)
        assert table.loc[name].kendall_tau == meta["metrics"]["test"]["kendall_tau"]
        assert meta["nasperf_version"].count(".") == 2
        assert meta["checkpoint_format"] == pretrained.CHECKPOINT_FORMAT
        assert len(meta["training_data"]["train_sha256"]) == 64
    # the package stays small: all checkpoints together are a few MB
    # (4.9 MB: 4 MB plus the nine NAS-Bench-Graph trees, 841,588 bytes measured, and a margin;
    # ~80 KB of each is the list of its 18,344 training architectures)
    assert table["bytes"].sum() < 4_900_000


def test_unknown_name_suggests_the_close_one():
    with pytest.raises(UnknownNameError, match=r"did you mean 'nb201-cifar10-tree'"):
        pretrained.load("nb201-cifar10-tre")


@pytest.mark.parametrize("which", ["tree", "gnn"])
def test_recorded_held_out_metrics_are_reproduced_from_packaged_data(
    which, build_script, tree_ckpt, gnn_ckpt
):
    ckpt = tree_ckpt if which == "tree" else gnn_ckpt
    meta = ckpt.metadata
    data = build_script.nb201_data("cifar10")
    info = meta["training_data"]
    train, _, test = build_script.split_indices(len(data.archs), 0.2, 0.1, info["split_seed"])
    archs = [data.archs[i] for i in test]
    assert build_script.labelled_sha256(archs, data.y[test]) == info["test_sha256"]
    train_archs = [data.archs[i] for i in train]
    assert build_script.labelled_sha256(train_archs, data.y[train]) == info["train_sha256"]
    pred = ckpt.predict(archs)
    got = evaluate(data.y[test], pred, ks=(10, 50))
    # Up to the order of near-tied predictions, which float32 rounding on another CPU may
    # swap (the GNN's Kendall tau moved by 2.3e-6, ~6 swapped pairs of 3125 cells, on an
    # AVX-512 machine): bounded by near_tie_tolerance at the load check's REFERENCE_RTOL.
    tol = near_tie_tolerance(data.y[test], pred, REFERENCE_RTOL, ks=(10,))
    for key in ("kendall_tau", "spearman", "ndcg", "ndcg@10"):
        assert got[key] == pytest.approx(meta["metrics"]["test"][key], abs=tol[key])
    assert meta["metrics"]["test"]["kendall_tau"] > 0.8
    # transfer: the same test cells against CIFAR-100 / ImageNet16-120 labels
    for ds, recorded in meta["metrics"]["transfer"].items():
        labels = load_benchmark("nb201", ds)["val_acc_200ep"].reindex(archs).to_numpy()
        tau = evaluate(labels, pred, ks=(10,))["kendall_tau"]
        tol = near_tie_tolerance(labels, pred, REFERENCE_RTOL)["kendall_tau"]
        assert tau == pytest.approx(recorded["kendall_tau"], abs=tol)


def test_nb101_checkpoint_reproduces_its_metrics(build_script, shared_data):
    ckpt = pretrained.load("nb101-cifar10")
    data = build_script.nb101_data(shared_data)
    info = ckpt.metadata["training_data"]
    assert data.source_sha256 == info["source_sha256"]
    networks = build_script.data_networks(data)
    train, _, test = build_script.split_indices(
        len(data.archs), 0.3, 0.0, info["split_seed"], networks=networks
    )
    # the 50 cells are 41 networks: no test network is also a training cell (a split by rows
    # had put the twins of 5 of the 15 test cells in the training set: tau 0.771, 0.539
    # without them)
    assert len({networks[i] for i in test}) == len(test) == info["n_test"] == 15
    assert not {networks[i] for i in test} & {networks[i] for i in train}
    assert len(train) == info["n_train"] == 29
    pred = ckpt.predict([data.archs[i] for i in test])
    got = evaluate(data.y[test], pred, ks=(10,))
    # near ties in the predictions may order differently under another CPU's rounding;
    # near_tie_tolerance allows what they can move, a changed model fails the load.
    tol = near_tie_tolerance(data.y[test], pred, REFERENCE_RTOL)
    recorded = ckpt.metadata["metrics"]["test"]
    assert tol["kendall_tau"] < 0.06
    for key in ("kendall_tau", "spearman", "ndcg"):
        assert got[key] == pytest.approx(recorded[key], abs=tol[key])


def test_reference_predictions_are_those_of_the_fitted_model(tree_ckpt):
    ref = tree_ckpt.metadata["reference"]
    # Recorded from the in-memory model before saving. Exact on any CPU by construction: a
    # tree model compares features with thresholds and adds float32 leaf values in tree
    # order (no vectorised reduction), so there is no rounding that could differ.
    np.testing.assert_array_equal(tree_ckpt.predict(ref["archs"]), ref["predictions"])


@pytest.mark.parametrize("name", ["nb201-cifar10-gnn", "nb101-cifar10"])
def test_the_reference_check_tells_rounding_from_a_changed_model(name):
    import torch

    ckpt = pretrained.load(name)
    net = ckpt.predictor.network_
    weights = {k: v.clone() for k, v in net.state_dict().items()}
    gen = torch.Generator().manual_seed(0)

    def scale_weights(rel: float) -> None:
        with torch.no_grad():
            for key, param in net.named_parameters():
                sign = 2 * torch.randint(0, 2, param.shape, generator=gen) - 1
                param.copy_(weights[key] * (1 + rel * sign))

    # every weight one float32 ulp off: what another CPU's rounding amounts to, and less
    scale_weights(2.0**-23)
    ckpt._check_reference()
    # a retrained or changed model: weights off by 1 % (by 0.1 % the NB201 GNN already
    # fails; the NB101 GNN's predictions move by 1.7e-5 of their scale then)
    scale_weights(1e-2)
    with pytest.raises(IncompatibleVersionError, match="does not reproduce its reference"):
        ckpt._check_reference()
    net.load_state_dict(weights)
    ckpt._check_reference()


def test_the_reference_check_is_relative_to_the_predictions_scale(tree_ckpt):
    ref = tree_ckpt.metadata["reference"]
    scale = max(abs(v) for v in ref["predictions"])
    meta = {**tree_ckpt.metadata, "reference": dict(ref)}
    ckpt = pretrained.Checkpoint(meta, tree_ckpt.predictor, tree_ckpt.side)
    for shift, ok in ((0.5, True), (2.0, False)):
        meta["reference"]["predictions"] = [
            ref["predictions"][0] + shift * REFERENCE_RTOL * scale,
            *ref["predictions"][1:],
        ]
        if ok:
            ckpt._check_reference()
        else:
            with pytest.raises(IncompatibleVersionError, match="tolerance"):
                ckpt._check_reference()


def _archs_and_labels(n):
    table = load_benchmark("nb201", "cifar10")
    return list(table.index[:n]), table["val_acc_200ep"].to_numpy()[:n]


@pytest.mark.parametrize(
    "name,params",
    [
        ("xgb", {"n_estimators": 30, "max_depth": 4}),
        ("gin", {"epochs": 3, "hidden": 16, "mlp_hidden": 16}),
    ],
)
def test_round_trip_predictions_equal_the_fitted_model(name, params, build_script, mini_root):
    archs, y = _archs_and_labels(700)
    zc = load_zero_cost("nb201", "cifar10")
    pred = predictors.get(name, space="nb201", random_state=0, **params)
    pred.fit(archs[:400], y[:400], zero_cost=zc)
    expected = pred.predict(archs[400:], zero_cost=zc)
    meta = _meta_for(pred, archs[400:408], build_script)
    build_script.write_checkpoint(mini_root, "roundtrip", pred, meta)
    build_script.refresh_manifest(mini_root)
    ckpt = pretrained.load("roundtrip", root=mini_root)
    # exact: the same process, the same weights, the same code path
    np.testing.assert_array_equal(ckpt.predict(archs[400:]), expected)
    assert pretrained.available(root=mini_root).loc["roundtrip"].predictor == name


def _meta_for(pred, ref_archs, build_script) -> dict:
    zc = load_zero_cost("nb201", "cifar10")
    return {
        "space": "nb201",
        "dataset": "cifar10",
        "target": "val_acc_200ep",
        "predictor": pred.name,
        "encoding": pred.encoding,
        "zero_cost": build_script.zero_cost_meta("nb201", "cifar10", list(pred.uses_zero_cost_)),
        "uncertainty": False,
        "training_data": {"n_train": 400},
        "metrics": {"test": {}},
        "reference": {
            "archs": ref_archs,
            "predictions": pred.predict(ref_archs, zero_cost=zc).tolist(),
        },
        "nasperf_version": nasperf.__version__,
    }


# ---------------------------------------------------------------- damaged files
def _ckpt_path(root, suffix=".nasperf"):
    return root / "pretrained" / f"nb201-cifar10-tree{suffix}"


def test_a_tampered_byte_is_refused(mini_root):
    path = _ckpt_path(mini_root)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="corrupt or modified: sha256"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_a_truncated_file_is_refused(mini_root):
    path = _ckpt_path(mini_root)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(DataIntegrityError, match=r"truncated or modified: .* bytes"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_a_file_changed_after_an_earlier_load_is_caught(mini_root):
    """Every load verifies the bytes it reads: an edit after a first, successful load in the
    same process (same size, modification time put back) is refused by the next load."""
    import os

    pretrained.load("nb201-cifar10-tree", root=mini_root)
    path = _ckpt_path(mini_root)
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(DataIntegrityError, match="corrupt or modified: sha256"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_a_data_file_changed_after_its_first_use_is_verified_again(mini_root):
    import os

    from nasperf.datasets.package_data import data_path

    name = next(p.relative_to(mini_root).as_posix() for p in (mini_root / "zero_cost").iterdir())
    path = data_path(name, root=mini_root)
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the change time still moves
    with pytest.raises(DataIntegrityError, match="corrupt or modified"):
        data_path(name, root=mini_root)


def test_tampered_metadata_is_refused(mini_root):
    path = _ckpt_path(mini_root, ".json")
    path.write_text(path.read_text().replace('"nb201"', '"nb101"', 1))
    with pytest.raises(DataIntegrityError, match="sha256"):
        pretrained.info("nb201-cifar10-tree", root=mini_root)


def _edit_metadata(root, build_script, edit):
    path = _ckpt_path(root, ".json")
    meta = json.loads(path.read_text())
    edit(meta)
    path.write_text(json.dumps(meta))
    build_script.refresh_manifest(root)  # consistent manifest: only the content is wrong


def test_a_checkpoint_from_a_newer_format_says_so(mini_root, build_script):
    def edit(meta):
        meta["checkpoint_format"] = 99
        meta["nasperf_version"] = "9.0.0"

    _edit_metadata(mini_root, build_script, edit)
    with pytest.raises(
        IncompatibleVersionError,
        match=r"built by nasperf 9\.0\.0 in checkpoint format 99; this nasperf "
        r"0\.1\.0 reads formats 1 to 1: upgrade nasperf",
    ):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_a_predictor_file_from_a_newer_nasperf_says_so(mini_root, build_script):
    path = _ckpt_path(mini_root)
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "meta.json":
                meta = json.loads(data)
                meta["version"], meta["nasperf_version"] = 7, "3.2.1"
                data = json.dumps(meta).encode()
            dst.writestr(item, data)
    path.write_bytes(buf.getvalue())

    def rehash(meta):  # metadata and manifest consistent with the new file
        meta["file_sha256"] = sha256_file(path)

    _edit_metadata(mini_root, build_script, rehash)
    with pytest.raises(
        IncompatibleVersionError, match=r"written by nasperf 3\.2\.1 in predictor file format 7"
    ):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_metadata_of_another_build_is_refused(mini_root, build_script):
    def other(meta):
        meta["file_sha256"] = "1" * 64

    _edit_metadata(mini_root, build_script, other)
    with pytest.raises(DataIntegrityError, match="describes another build"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_changed_predictions_or_zero_cost_table_are_incompatible(mini_root, build_script):
    def shift(meta):
        meta["reference"]["predictions"][0] += 0.5

    _edit_metadata(mini_root, build_script, shift)
    with pytest.raises(IncompatibleVersionError, match="does not reproduce its reference"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)

    def other_table(meta):
        meta["reference"]["predictions"][0] -= 0.5
        meta["zero_cost"]["table_sha256"] = "0" * 64

    _edit_metadata(mini_root, build_script, other_table)
    with pytest.raises(IncompatibleVersionError, match="zero-cost table .* has changed"):
        pretrained.load("nb201-cifar10-tree", root=mini_root)


def test_formats_that_can_run_code_are_refused(tmp_path):
    archs, y = _archs_and_labels(40)
    gp = predictors.get("gp", space="nb201", random_state=0).fit(archs, y)  # skops inside
    gp.save(tmp_path / "gp.nasperf")
    with pytest.raises(DataIntegrityError, match="formats a checkpoint may not use: .*skops"):
        pretrained.checkpoint.check_safe_kinds(tmp_path / "gp.nasperf")


def test_predict_accepts_texts_values_and_naslib_keys(tree_ckpt):
    space = nasperf.get_space("nb201")
    archs = space.sample(5, seed=1)
    texts = [space.to_string(a) for a in archs]
    keys = [space.to_naslib(a) for a in archs]
    p = tree_ckpt.predict(texts)
    np.testing.assert_array_equal(tree_ckpt.predict(archs), p)
    np.testing.assert_array_equal(tree_ckpt.predict(keys), p)
    with pytest.raises(nasperf.InvalidArchitectureError, match=r"archs\[1\]"):
        tree_ckpt.predict([texts[0], "|nor_conv_3x3~0|"])
    with pytest.raises(AttributeError, match="no predictive uncertainty"):
        tree_ckpt.predict_std(texts)


def test_indexed_chunks_are_the_predictors_own_predictions(tree_ckpt):
    # Texts of an indexed space are predicted from rows of the whole space's feature matrix
    # (one gather per chunk); that must be exactly what the predictor computes from freshly
    # parsed values (a tree sums the same leaves), over more than one chunk.
    from nasperf.pretrained.checkpoint import CHUNK

    space = nasperf.get_space("nb201")
    rng = np.random.default_rng(3)
    texts = [space.to_string(space.random_architecture(rng)) for _ in range(CHUNK + 500)]
    got = tree_ckpt.predict(texts)
    assert tree_ckpt._feature_rows is not None and tree_ckpt._feature_rows.shape[0] == 15_625
    fresh = [space.parse(t) for t in texts]  # not the index's objects: the general path
    np.testing.assert_array_equal(got, tree_ckpt.predictor.predict(fresh, **tree_ckpt.side))


def test_no_feature_shortcut_where_the_zero_cost_table_covers_part_of_the_space():
    # A predictor fitted with zero-cost features, screening with a table of part of the
    # space (as TransNAS-Bench-101's tables are): no whole-space matrix is built, covered
    # cells are predicted as the predictor does, and an uncovered one is named.
    archs, y = _archs_and_labels(600)
    zc = load_zero_cost("nb201", "cifar10").loc[archs]
    pred = predictors.get("xgb", space="nb201", random_state=0, n_estimators=20, max_depth=3)
    pred.fit(archs[:400], y[:400], zero_cost=zc)
    ckpt = pretrained.Checkpoint.from_predictor(pred, side={"zero_cost": zc})
    got = ckpt.predict(archs[400:])
    assert ckpt._position and ckpt._all_feature_rows() is None
    np.testing.assert_array_equal(got, pred.predict(archs[400:], zero_cost=zc))
    space = nasperf.get_space("nb201")
    outside = next(t for t in map(space.to_string, space.sample(700, seed=5)) if t not in zc.index)
    named = re.escape(f"the zero_cost table has no row for architecture {outside!r}")
    with pytest.raises(ValueError, match=named):
        ckpt.predict([outside])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("encoding", [1, 2], r"field 'encoding' must be a name or a list of names, got \[1, 2\]"),
        ("metrics.test", [1], r"field 'metrics\.test' must be an object of numbers, got \[1\]"),
        ("reference.predictions", ["x"], r"'reference\.predictions' must be a list of numbers"),
        ("reference.predictions", [None], r"'reference\.predictions' must be a list of numbers"),
        ("reference.archs", "abc", r"'reference\.archs' must be a non-empty list of arch"),
        ("zero_cost.proxies", "synflow", r"'zero_cost\.proxies' must be a non-empty list"),
        ("zero_cost.proxies", 5, r"'zero_cost\.proxies' must be a non-empty list"),
        ("zero_cost", {}, r"field 'zero_cost\.proxies' is missing"),
        ("training_data.n_train", "lots", r"'training_data\.n_train' must be an int >= 0"),
        ("reference.archs", ["junk"] * 8, r"its reference\.archs are not nb201 architectures"),
    ],
)
def test_nested_metadata_of_the_wrong_kind_is_named(mini_root, build_script, field, value, message):
    # Each used to surface as a bare TypeError / AttributeError, a misleading version error,
    # or (proxies: "synflow") a table lacking the proxies 's', 'y', 'n', ...
    def edit(meta):
        *path, last = field.split(".")
        node = meta
        for part in path:
            node = node[part]
        node[last] = value

    _edit_metadata(mini_root, build_script, edit)
    with pytest.raises(DataIntegrityError, match=message) as err:
        pretrained.load("nb201-cifar10-tree", root=mini_root)
    if value != ["junk"] * 8:  # read from the file: named; checked by predicting: not
        assert "nb201-cifar10-tree.json" in str(err.value)
        with pytest.raises(DataIntegrityError, match=message):
            pretrained.available(root=mini_root)

"""A hand-edited predictor file is refused on load with one :class:`DataIntegrityError` that
names the file and the key, before anything it describes is built or used:

- counts and widths in ``meta.json`` (``params.layer_width``, ``attributes.n_samples_``)
  are compared with the weights the file holds by a dry build (big tensors on torch's
  ``meta`` device, a bounded number of constructors): no network of the edited size is
  ever allocated;
- fitted attributes are checked against what ``fit`` writes under their name (a number
  that is a string, a negative count, a zero or NaN scale, architectures that do not parse);
- ``arrays.npz`` is read as plain ``.npy`` arrays only, and a corrupt one is not answered
  with numpy's advice to allow pickle.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import torch

import nasperf
from nasperf.errors import DataIntegrityError
from nasperf.predictors import get, load
from nasperf.predictors.graph.gnn import GraphPredictor
from nasperf.predictors.neural.bohamiann import BOHAMIANNPredictor
from nasperf.predictors.neural.mlp import MLPPredictor

NAME = "edited.nasperf"


@pytest.fixture(scope="module")
def data():
    table = nasperf.load_benchmark("nb201", "cifar10").sample(40, random_state=0)
    return list(table.index), table["val_acc_200ep"].to_numpy()


def _saved(pred, data) -> bytes:
    buf = io.BytesIO()
    pred.fit(*data).save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def files(data) -> dict[str, bytes]:
    return {
        "mlp": _saved(get("mlp", space="nb201", random_state=0, epochs=2, layer_width=16), data),
        # num_steps / burn_in / keep_every: 2 samples kept
        "bohamiann": _saved(
            get(
                "bohamiann",
                space="nb201",
                random_state=0,
                num_steps=60,
                burn_in=40,
                keep_every=10,
            ),
            data,
        ),
        "gin": _saved(get("gin", space="nb201", random_state=0, epochs=2), data),
        "xgb": _saved(get("xgb", space="nb201", random_state=0, n_estimators=5), data),
        "sparse_gp": _saved(get("sparse_gp", space="nb201", random_state=0, n_inducing=8), data),
    }


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    buf.seek(0)
    buf.name = NAME
    return buf


def _edit_meta(data: bytes, section: str, key: str, value) -> io.BytesIO:
    members = _members(data)
    meta = json.loads(members["meta.json"])
    if section == "params":
        meta["params"][key] = value
    else:
        meta["attributes"][key]["value"] = value
    members["meta.json"] = json.dumps(meta).encode()
    return _zip(members)


def _edit_array(data: bytes, key: str, edit) -> io.BytesIO:
    members = _members(data)
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[key] = edit(arrays[key])
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members["arrays.npz"] = buf.getvalue()
    return _zip(members)


def _refused(buf, *named: str) -> str:
    with pytest.raises(DataIntegrityError) as excinfo:
        load(buf)
    msg = str(excinfo.value)
    assert "\n" not in msg and len(msg) < 800, msg
    for text in (NAME, *named):
        assert text in msg, msg
    return msg


def _spy_builds(monkeypatch, cls) -> list[tuple[str, int]]:
    """Record each ``cls._build_modules`` call: whether it ran dry (a 1 Mi-element tensor
    is made on the meta device there) and how many real (allocated) weight elements the
    networks it built hold."""
    calls: list[tuple[str, int]] = []
    original = cls._build_modules

    def spy(self):
        mode = "dry" if torch.empty(1 << 20).device.type == "meta" else "real"
        original(self)
        nets = [v for v in vars(self).values() if isinstance(v, torch.nn.Module)]
        nets += [
            m
            for v in vars(self).values()
            if isinstance(v, list)
            for m in v
            if isinstance(m, torch.nn.Module)
        ]
        real = sum(p.numel() for n in nets for p in n.state_dict().values() if not p.is_meta)
        calls.append((mode, real))

    monkeypatch.setattr(cls, "_build_modules", spy)
    return calls


# ------------------------------------------------------------------ bug 1: sizes in meta.json
def test_a_width_edited_in_meta_json_is_refused_without_allocating_it(files, monkeypatch):
    builds = _spy_builds(monkeypatch, MLPPredictor)
    # (below MAX_COUNT, the parameters' own bound: larger widths are refused before this)
    msg = _refused(
        _edit_meta(files["mlp"], "params", "layer_width", 90_000),
        "params.layer_width",
        "90000",
        "(16, ",
    )
    assert "model_/0.weight" in msg
    # only dry builds ran, and none of them allocated the 90000-wide layers (8e9 numbers)
    assert builds and all(mode == "dry" for mode, _ in builds)
    assert max(real for _, real in builds) < 1 << 20


def test_a_network_count_edited_in_meta_json_is_refused_before_building_them(files, monkeypatch):
    built = []
    original = BOHAMIANNPredictor._new_bnn

    def counting(self):
        built.append(1)
        return original(self)

    monkeypatch.setattr(BOHAMIANNPredictor, "_new_bnn", counting)
    builds = _spy_builds(monkeypatch, BOHAMIANNPredictor)
    _refused(
        _edit_meta(files["bohamiann"], "attributes", "n_samples_", 10**7), "attributes.n_samples_"
    )
    # the dry build stops at its budget (a few hundred tensors): never 10**7 networks
    assert 0 < len(built) < 5_000
    assert all(mode == "dry" for mode, _ in builds)


def test_a_count_a_little_off_names_both_counts(files):
    msg = _refused(
        _edit_meta(files["bohamiann"], "attributes", "n_samples_", 5),
        "attributes.n_samples_ = 5",
    )
    assert "describe 5 networks, arrays.npz holds 2" in msg


@pytest.mark.parametrize(
    ("name", "section", "key", "value"),
    [
        ("gin", "attributes", "n_node_features_", 10**6),
        ("gin", "params", "hidden", 10**5),
        ("gin", "attributes", "n_cells_", 10**5),
        ("mlp", "params", "n_layers", 40),
        ("sparse_gp", "attributes", "n_inducing_", 10**6),
    ],
)
def test_every_torch_predictor_checks_its_networks_against_the_file(
    files, name, section, key, value
):
    _refused(_edit_meta(files[name], section, key, value), f"{section}.{key} = {value}")


def test_a_size_column_the_weights_do_not_read_is_refused(files):
    """NB201's gin has no cell-size column (its cells are all 8 nodes): a file claiming one
    describes a first layer one input wider than its weights."""
    msg = _refused(
        _edit_meta(files["gin"], "attributes", "size_features_", True),
        "attributes.size_features_ = True",
    )
    assert "(64, 7) in arrays.npz, the params and attributes describe (64, 8)" in msg


def test_an_input_width_edited_in_the_arrays_names_the_network(files):
    # x_mean_ and x_scale_ both one longer: consistent with each other, not with model_
    members = _members(files["mlp"])
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["x_mean_"] = np.append(arrays["x_mean_"], 0.0)
    arrays["x_scale_"] = np.append(arrays["x_scale_"], 1.0)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members["arrays.npz"] = buf.getvalue()
    _refused(_zip(members), "attributes.model_", "model_/0.weight")


def test_the_dry_build_leaves_the_global_rng_alone_and_files_round_trip(files, data):
    archs = data[0][:5]
    for name in ("mlp", "bohamiann", "gin", "sparse_gp"):
        fresh = load(io.BytesIO(files[name]))
        state = torch.random.get_rng_state()
        again = load(io.BytesIO(files[name]))
        np.testing.assert_array_equal(fresh.predict(archs), again.predict(archs))
        if name == "gin":  # its build forks the RNG: loading draws nothing from it
            assert torch.equal(state, torch.random.get_rng_state())


# ------------------------------------------------------------------ bug 2: attribute values
@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("mlp", "y_mean_", "abc"),
        ("mlp", "y_scale_", 0.0),
        ("mlp", "y_scale_", None),
        ("mlp", "fit_time_", -1.0),
        ("mlp", "encoding_", 3),
        ("mlp", "n_features_in_", 1.5),
        ("gin", "n_node_features_", "a"),
        ("gin", "n_cells_", -1),
        ("gin", "n_extra_", True),
        ("gin", "size_features_", "yes"),
        ("gin", "size_scale_", 0.0),
        ("xgb", "fit_archs_", ["bogus"]),
        ("xgb", "fit_archs_", "|nor_conv_3x3~0|"),
        ("xgb", "uses_zero_cost_", [1]),
    ],
)
def test_an_edited_attribute_value_is_one_error_naming_its_key(files, name, key, value):
    _refused(_edit_meta(files[name], "attributes", key, value), f"attributes.{key}")


@pytest.mark.parametrize(
    ("key", "edit"),
    [
        ("x_scale_", np.zeros_like),
        ("x_scale_", lambda a: np.full_like(a, np.nan)),
        ("x_scale_", lambda a: -a),
        ("x_mean_", lambda a: np.full_like(a, np.inf)),
        ("x_scale_", lambda a: a[:-1]),  # no longer the shape of x_mean_
    ],
)
def test_an_edited_array_is_refused_instead_of_predicting_nan(files, key, edit):
    _refused(_edit_array(files["mlp"], key, edit), f"attributes.{key}")


def test_garbage_arrays_are_one_error_without_the_pickle_hint(files):
    for garbage in (b"\x80\x04garbage that is not an npz", b"", b"PK\x03\x04 truncated"):
        members = {**_members(files["mlp"]), "arrays.npz": garbage}
        msg = _refused(_zip(members), "arrays")
        assert "pickle" not in msg.lower(), msg


def test_an_object_array_or_a_raw_member_in_the_npz_is_refused(files):
    members = _members(files["mlp"])
    with zipfile.ZipFile(io.BytesIO(members["arrays.npz"])) as zf:
        npz = {n: zf.read(n) for n in zf.namelist()}
    objects = io.BytesIO()
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for replacement in (objects.getvalue(), b"not an npy member"):
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as zf:
            for n, d in {**npz, "x_mean_.npy": replacement}.items():
                zf.writestr(n, d)
        msg = _refused(_zip({**members, "arrays.npz": inner.getvalue()}), "'x_mean_'")
        assert "pickle" not in msg.lower(), msg


def test_graph_predictors_share_the_checks(files, monkeypatch):
    builds = _spy_builds(monkeypatch, GraphPredictor)
    _refused(_edit_meta(files["gin"], "params", "hidden", 10**5), "params.hidden")
    assert builds and all(mode == "dry" for mode, _ in builds)

"""A predictor file is data: loading it never runs code from it, and every malformed file is
one clear :class:`DataIntegrityError` naming the file and the key.

The skops payloads below are real attacks: ``test_the_payloads_run_when_skops_trusts_them``
shows that each one executes (writes the sentinel file) when skops is told to trust the
types it names, which is what an allow-list by module prefix (``builtins.``, ``os.``...)
did. Loading them through nasperf must refuse them before skops constructs anything, with
the sentinel file never written.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

import nasperf
from nasperf.errors import DataIntegrityError
from nasperf.predictors import _persistence, get, load
from nasperf.predictors.kernels.gp import GPPredictor
from nasperf.predictors.trees.rf import RandomForestPredictor


# ------------------------------------------------------------------ crafted files
def _node(module: str, cls: str, loader: str, content=None, **extra) -> dict:
    out = {"__class__": cls, "__module__": module, "__loader__": loader}
    if content is not None:
        out["content"] = content
    out.update(extra)
    return out


def _str(text: str) -> dict:
    return _node("builtins", "str", "JsonNode", json.dumps(text), is_json=True)


def _tuple(*items: dict) -> dict:
    return _node("builtins", "tuple", "TupleNode", list(items))


def _call(module: str, name: str, *args: dict) -> dict:
    """A skops node that calls ``module.name(*args)`` when constructed."""
    return _node(module, name, "ConstructorFromReduceNode", _tuple(*args))


def _payloads(sentinel: Path) -> dict[str, dict]:
    s = str(sentinel)
    return {
        "exec": _call("builtins", "exec", _str(f"open({s!r}, 'w').write('exec')")),
        "eval": _call("builtins", "eval", _str(f"open({s!r}, 'w').write('eval')")),
        "os.system": _call("os", "system", _str(f"touch {s}")),
        "posix.system": _call("posix", "system", _str(f"touch {s}")),
        "subprocess": _call(
            "subprocess",
            "check_call",
            _node("builtins", "list", "ListNode", [_str("touch"), _str(s)]),
        ),
        "getattr chain": _call(
            "builtins", "getattr", _call("builtins", "__import__", _str("os")), _str("system")
        ),
    }


def _skops_blob(schema: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("schema.json", json.dumps({**schema, "protocol": 2, "_skops_version": "0"}))
    return buf.getvalue()


def _members(path_or_bytes) -> dict[str, bytes]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(src) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _with_meta(members: dict, edit) -> dict:
    meta = json.loads(members["meta.json"])
    meta = edit(meta)
    return {**members, "meta.json": json.dumps(meta)}


def _embed(schema: dict, payload: dict) -> dict:
    """``schema`` with its first JSON leaf (deep inside the model) replaced by ``payload``."""
    schema = json.loads(json.dumps(schema))
    stack: list = [schema]
    while stack:
        container = stack.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, child in list(items):
            if isinstance(child, dict) and child.get("__loader__") == "JsonNode":
                if container is not schema:
                    container[key] = payload
                    return schema
            elif isinstance(child, dict | list):
                stack.append(child)
    raise AssertionError("no leaf to replace")


# ------------------------------------------------------------------ fitted predictors
@pytest.fixture(scope="module")
def data():
    table = nasperf.load_benchmark("nb201", "cifar10").sample(40, random_state=0)
    return list(table.index), table["val_acc_200ep"].to_numpy()


@pytest.fixture(scope="module")
def rf_file(data, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rf") / "rf.nasperf"
    get("rf", space="nb201", n_estimators=3, random_state=0).fit(*data).save(path)
    return path


@pytest.fixture(scope="module")
def ensemble_file(data, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ens") / "ensemble.nasperf"
    pred = get("ensemble", space="nb201", members=["rf", "xgb"], random_state=0)
    pred.fit(*data).save(path)
    return path


@pytest.fixture
def sentinel(tmp_path) -> Path:
    path = tmp_path / "SENTINEL"
    yield path
    assert not path.exists() or path.read_text() == "legit", "a payload ran"


def _load_bytes(data: bytes, **kw):
    buf = io.BytesIO(data)
    buf.name = "crafted.nasperf"
    return load(buf, **kw)


def _one_line_error(excinfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg and len(msg) < 600, msg
    return msg


# ------------------------------------------------------------------ the attacks
@pytest.mark.parametrize("attack", list(_payloads(Path("x"))))
def test_the_payloads_run_when_skops_trusts_them(attack, tmp_path):
    """The attack is real: skops executes it once its types are trusted (as a prefix
    allow-list such as ``builtins.`` / ``os.`` / ``subprocess.`` did)."""
    if attack == "getattr chain":
        pytest.skip("builds a function without calling it: refused by type, nothing to run")
    sentinel = tmp_path / "SENTINEL"
    blob = _skops_blob(_payloads(sentinel)[attack])
    try:
        sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    except Exception:
        pass
    assert sentinel.exists()


@pytest.mark.parametrize("attack", list(_payloads(Path("x"))))
@pytest.mark.parametrize("where", ["whole model", "deep inside the model"])
def test_a_malicious_skops_model_is_refused_before_anything_runs(attack, where, rf_file, sentinel):
    members = _members(rf_file)
    payload = _payloads(sentinel)[attack]
    if where == "whole model":
        schema = payload
    else:
        with zipfile.ZipFile(io.BytesIO(members["blobs/model_"])) as zf:
            schema = _embed(json.loads(zf.read("schema.json")), payload)
    members["blobs/model_"] = _skops_blob(schema)
    with pytest.raises(DataIntegrityError) as excinfo:
        _load_bytes(_zip(members))
    msg = _one_line_error(excinfo)
    assert "attributes.model_" in msg and payload["__module__"] in msg
    assert not sentinel.exists()


@pytest.mark.parametrize("attack", ["exec", "os.system", "subprocess"])
def test_the_same_inside_an_ensemble_member_is_refused(attack, ensemble_file, sentinel):
    outer = _members(ensemble_file)
    member_name = next(
        n for n in outer if n.startswith("blobs/") and "rf" in _member_name(outer[n])
    )
    inner = _members(outer[member_name])
    inner["blobs/model_"] = _skops_blob(_payloads(sentinel)[attack])
    outer[member_name] = _zip(inner)
    with pytest.raises(DataIntegrityError, match=r"members_\[\d\]: attributes\.model_"):
        _load_bytes(_zip(outer))
    assert not sentinel.exists()


def _member_name(blob: bytes) -> str:
    return json.loads(_members(blob)["meta.json"])["name"]


def test_a_legit_model_of_another_class_is_refused(rf_file, data, tmp_path):
    """Types are allowed per class: a GP's skops model inside a random-forest file (valid
    sklearn types, but not what RandomForestPredictor writes) is refused by name."""
    gp = get("gp", space="nb201").fit(*data)
    members = _members(rf_file)
    members["blobs/model_"] = sio.dumps(gp.model_)
    with pytest.raises(DataIntegrityError, match="GaussianProcessRegressor"):
        _load_bytes(_zip(members))


def test_the_allow_lists_are_exact_type_names():
    for cls in (RandomForestPredictor, GPPredictor):
        for name in cls.skops_types:
            module, _, attr = name.rpartition(".")
            assert module and attr and not name.endswith(".")
    assert all("." in t and not t.endswith(".") for t in _persistence.SKOPS_VALUE_TYPES)


# ------------------------------------------------------------------ meta.json schema
def _registered_other(meta):
    return {**meta, "name": "gp"}


CASES = {
    "another class": (_registered_other, "params"),
    "unregistered class": (lambda m: {**m, "name": "no_such_predictor"}, "'name'"),
    "shadows a method": (
        lambda m: {**m, "attributes": {**m["attributes"], "predict": {"kind": "json", "value": 1}}},
        "attributes.predict",
    ),
    "dunder attribute": (
        lambda m: {**m, "attributes": {"__class__": {"kind": "json", "value": 1}}},
        "attributes.__class__",
    ),
    "not ending in _": (
        lambda m: {**m, "attributes": {"model": {"kind": "json", "value": 1}}},
        "attributes.model",
    ),
    "private attribute": (
        lambda m: {**m, "attributes": {"_hidden_": {"kind": "json", "value": 1}}},
        "attributes._hidden_",
    ),
    "missing params": (lambda m: {k: v for k, v in m.items() if k != "params"}, "'params'"),
    "missing attributes": (
        lambda m: {k: v for k, v in m.items() if k != "attributes"},
        "'attributes'",
    ),
    "params a list": (lambda m: {**m, "params": []}, "'params'"),
    "attributes a list": (lambda m: {**m, "attributes": [1, 2]}, "'attributes'"),
    "a list instead of an object": (lambda m: [m], "JSON object"),
    "unknown top-level key": (lambda m: {**m, "code": "print(1)"}, "unknown key"),
    "unknown parameter": (lambda m: {**m, "params": {**m["params"], "evil": 1}}, "evil"),
    "unknown kind": (
        lambda m: {**m, "attributes": {**m["attributes"], "model_": {"kind": "pickle"}}},
        "unknown kind",
    ),
    "extra field": (
        lambda m: {
            **m,
            "attributes": {**m["attributes"], "model_": {"kind": "skops", "loader": "x"}},
        },
        "attributes.model_",
    ),
    "entry not an object": (
        lambda m: {**m, "attributes": {**m["attributes"], "model_": "skops"}},
        "attributes.model_",
    ),
    "xgboost class is a function": (
        lambda m: {
            **m,
            "attributes": {**m["attributes"], "model_": {"kind": "xgboost", "class": "train"}},
        },
        "'class'",
    ),
    "version a string": (lambda m: {**m, "version": "1"}, "'version'"),
    "tuple_params names junk": (lambda m: {**m, "tuple_params": ["nope"]}, "tuple_params"),
    "space not a name": (
        lambda m: {**m, "params": {**m["params"], "space": {"__space__": 1}}},
        "params.space",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_meta_json_is_checked_against_its_schema(case, rf_file, sentinel):
    edit, named = CASES[case]
    members = _with_meta(_members(rf_file), edit)
    with pytest.raises(DataIntegrityError) as excinfo:
        _load_bytes(_zip(members))
    msg = _one_line_error(excinfo)
    assert named in msg and "crafted.nasperf" in msg


def test_a_file_of_another_predictor_is_refused_before_restoring(rf_file):
    with pytest.raises(DataIntegrityError, match="holds a RandomForestPredictor"):
        GPPredictor.load(rf_file)
    with pytest.raises(DataIntegrityError, match="holds a 'rf' predictor, expected 'gp'"):
        load(rf_file, expected="gp")


@pytest.mark.parametrize("missing", ["blobs/model_", "arrays.npz", "meta.json"])
def test_missing_members_are_named(missing, rf_file):
    members = _members(rf_file)
    del members[missing]
    with pytest.raises(DataIntegrityError) as excinfo:
        _load_bytes(_zip(members))
    _one_line_error(excinfo)


def test_a_stray_member_is_refused(rf_file):
    members = {**_members(rf_file), "blobs/extra_": b"x"}
    with pytest.raises(DataIntegrityError, match="unexpected member"):
        _load_bytes(_zip(members))


def test_sizes_are_checked_before_reading(rf_file, monkeypatch):
    monkeypatch.setattr(_persistence, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(DataIntegrityError, match="at most 100"):
        load(rf_file)


def test_nesting_is_bounded(ensemble_file, monkeypatch):
    monkeypatch.setattr(_persistence, "MAX_NESTING", 0)
    with pytest.raises(DataIntegrityError, match="nested deeper"):
        load(ensemble_file)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.nasperf"):
        load(tmp_path / "nope.nasperf")


def test_garbage_is_one_clear_error(tmp_path):
    path = tmp_path / "garbage.nasperf"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(DataIntegrityError, match="garbage.nasperf"):
        load(path)


def test_a_legit_file_still_round_trips(rf_file, data):
    pred = load(rf_file)
    assert isinstance(pred, RandomForestPredictor)
    np.testing.assert_array_equal(pred.predict(data[0]), load(rf_file).predict(data[0]))


def test_a_model_with_undeclared_types_cannot_be_saved(data, tmp_path, monkeypatch):
    monkeypatch.setattr(RandomForestPredictor, "skops_types", frozenset())
    pred = get("rf", space="nb201", n_estimators=2, random_state=0).fit(*data)
    with pytest.raises(ValueError, match="skops_types does not list"):
        pred.save(tmp_path / "rf.nasperf")


def test_an_attribute_may_not_shadow_what_the_class_defines(rf_file, monkeypatch):
    monkeypatch.setattr(RandomForestPredictor, "refit_", lambda self: None, raising=False)
    members = _with_meta(
        _members(rf_file),
        lambda m: {**m, "attributes": {**m["attributes"], "refit_": {"kind": "json", "value": 1}}},
    )
    with pytest.raises(DataIntegrityError, match="would shadow RandomForestPredictor.refit_"):
        _load_bytes(_zip(members))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("gp", {"kernel": "matern"}),
        ("gp", {"kernel": "rbf"}),
        ("svr", {"kernel": "rbf"}),
        ("svr", {"kernel": "linear"}),
        ("rf", {"max_features": 0.5}),
        ("ngb", {"n_estimators": 5}),
        ("bayes_lin_reg", {}),
    ],
)
def test_declared_skops_types_cover_every_variant(name, params, tmp_path):
    """What a predictor's skops models hold depends on its parameters (a GP's kernel): each
    variant saves (save checks the types against ``skops_types``) and loads back."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = X[:, 0] + 0.1 * rng.normal(size=30)
    pred = get(name, random_state=0, **params).fit(X, y)
    pred.save(tmp_path / "p.nasperf")
    np.testing.assert_allclose(load(tmp_path / "p.nasperf").predict(X), pred.predict(X))

"""Corpus: encodings, predictors (get / fit / predict / save / load), pre-trained
checkpoints (load / screen), searches (search.run) and studies (parse_config / load_config /
read_results) name the argument, field, file or line of a bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from nasperf import DataIntegrityError, encodings, predictors, pretrained, search
from nasperf import InvalidArchitectureError as IAE
from nasperf.evaluation import ConfigError, load_config, parse_config, read_results
from nasperf.registry import UnknownNameError
from nasperf.spaces import get_space

from ._corpus import Case, check, ids

SPACE = get_space("nb201")
ARCHS = [SPACE.to_string(a) for a in SPACE.sample(6, seed=1)]
Y = np.linspace(60.0, 70.0, 6)
BAD = "|nor_conv_3x3~0|+|bogus~0|none~1|+|none~0|none~1|none~2|"


def c(id_, fn, exc, match):
    return Case(id_, lambda tmp: fn(), exc, match)


def xgb():
    return predictors.get("xgb", space="nb201", n_estimators=3, random_state=0)


ENCODINGS = [
    c(
        "encodings/get/unknown",
        lambda: encodings.get("pathh"),
        UnknownNameError,
        r"unknown encoding 'pathh'; did you mean 'path'",
    ),
    c(
        "encodings/get/int",
        lambda: encodings.get(5),
        UnknownNameError,
        r"encoding name must be a string or a list of strings, got 5",
    ),
    c(
        "encodings/get/space",
        lambda: encodings.get("path", space="nb999").fit(ARCHS),
        UnknownNameError,
        r"'nb999'",
    ),
    c(
        "encodings/get/space-int",
        lambda: encodings.get("path", space=3).fit(ARCHS),
        ValueError,
        r"space must be a registered name, a SearchSpace instance or None.*got int",
    ),
    c(
        "encodings/fit/text-without-space",
        lambda: encodings.get("path").fit(ARCHS),
        ValueError,
        r"search space is not known: pass space=.*architectures given as text",
    ),
    c(
        "encodings/fit/mixed-spaces",
        lambda: encodings.get("path").fit(
            [SPACE.sample(1, seed=0)[0], get_space("nb101").sample(1, seed=0)[0]]
        ),
        IAE,
        r"nb201: invalid archs\[1\]",
    ),
    c("encodings/get/empty-list", lambda: encodings.get([]), ValueError, r"at least one encoding"),
    c("encodings/get/param", lambda: encodings.get("path", bogus=1), TypeError, r"bogus"),
    c(
        "encodings/get/params-with-list",
        lambda: encodings.get(["path", "adjacency_onehot"], x=1),
        ValueError,
        r"parameters cannot be passed with several encodings",
    ),
    c(
        "encodings/fit/text",
        lambda: encodings.get("path", space="nb201").fit(ARCHS[0]),
        ValueError,
        r"expected a sequence of architectures, got str",
    ),
    c(
        "encodings/fit/empty",
        lambda: encodings.get("path", space="nb201").fit([]),
        ValueError,
        r"expected at least one architecture",
    ),
    c(
        "encodings/fit/bad-arch",
        lambda: encodings.get("path", space="nb201").fit([ARCHS[0], BAD]),
        IAE,
        r"archs\[1\]\.node2\.input0",
    ),
    c(
        "encodings/transform/unfitted",
        lambda: encodings.get("path", space="nb201").transform(ARCHS),
        NotFittedError,
        r"PathEncoder.*not fitted",
    ),
    c(
        "encodings/transform/bad-arch",
        lambda: encodings.get("adjacency_onehot", space="nb201").fit(ARCHS).transform(["x"]),
        IAE,
        r"archs\[0\]\.text = 'x'",
    ),
    c(
        "encodings/transform/hostile",
        lambda: (
            encodings.get("adjacency_onehot", space="nb201")
            .fit(ARCHS)
            .transform(["-" * 100_000 + "1"])
        ),
        IAE,
        r"archs\[0\]\.text.*100,001 characters",
    ),
    c(
        "encodings/transform/none",
        lambda: encodings.get("path", space="nb201").fit(ARCHS).transform(None),
        ValueError,
        r"expected a sequence of architectures, got NoneType",
    ),
]

ENCODINGS += [
    c(
        "encodings/path_auto/text-without-space",
        lambda: encodings.get("path_auto").fit(ARCHS),
        ValueError,
        r"pass space=",
    ),
    c(
        "encodings/path_auto/bad-arch",
        lambda: encodings.get("path_auto", space="nb201").fit([ARCHS[0], BAD]),
        IAE,
        r"archs\[1\]\.node2\.input0",
    ),
    c(
        "encodings/path_auto/param",
        lambda: encodings.get("path_auto", space="nb201", max_paths=-1),
        TypeError,
        r"max_paths",
    ),
]

PREDICTORS = [
    c(
        "predictors/get/unknown",
        lambda: predictors.get("xbg"),
        UnknownNameError,
        r"unknown predictor 'xbg'; did you mean 'xgb'",
    ),
    c("predictors/get/int", lambda: predictors.get(7), UnknownNameError, r"must be a string"),
    c(
        "predictors/get/param",
        lambda: predictors.get("xgb", n_estimator=5),
        ValueError,
        r"predictor 'xgb' has no parameter\(s\) \['n_estimator'\]",
    ),
    c(
        "predictors/fit/y-short",
        lambda: xgb().fit(ARCHS, Y[:5]),
        ValueError,
        r"got 6 architectures but 5 targets",
    ),
    c(
        "predictors/fit/y-nan",
        lambda: xgb().fit(ARCHS, np.r_[Y[:5], np.nan]),
        ValueError,
        r"y has 1 non-finite value\(s\).*index 5",
    ),
    c(
        "predictors/fit/y-inf",
        lambda: xgb().fit(ARCHS, np.r_[-np.inf, Y[1:]]),
        ValueError,
        r"non-finite.*index 0",
    ),
    c(
        "predictors/fit/y-1e308",
        lambda: xgb().fit(ARCHS, np.r_[Y[:5], 1e308]),
        ValueError,
        r"y\[5\] = 1e\+308.*rescale",
    ),
    c(
        "predictors/fit/y-1e200",
        lambda: xgb().fit(ARCHS, Y * 1e200),
        ValueError,
        r"6 value\(s\) of magnitude above 1e\+150",
    ),
    c(
        "predictors/fit/y-text",
        lambda: xgb().fit(ARCHS, ["a"] * 6),
        ValueError,
        r"y must be numeric \(float\) targets",
    ),
    c(
        "predictors/fit/y-mixed",
        lambda: xgb().fit(ARCHS, [1.0, "x", 2, 3, 4, 5]),
        ValueError,
        r"y must be numeric",
    ),
    c(
        "predictors/fit/y-huge-int",
        lambda: xgb().fit(ARCHS, [10**400, 1, 2, 3, 4, 5]),
        ValueError,
        r"y must be numeric \(float\) targets: int too large",
    ),
    c(
        "predictors/fit/y-2d",
        lambda: xgb().fit(ARCHS, np.ones((6, 2))),
        ValueError,
        r"y must be 1-d, got shape \(6, 2\)",
    ),
    c("predictors/fit/y-none", lambda: xgb().fit(ARCHS, None), ValueError, r"needs targets y"),
    c(
        "predictors/fit/y-str",
        lambda: xgb().fit(ARCHS, "123456"),
        TypeError,
        r"y must be a sequence of numbers, got str",
    ),
    c(
        "predictors/fit/archs-str",
        lambda: xgb().fit(ARCHS[0], Y),
        ValueError,
        r"expected a sequence of architectures, got str",
    ),
    c(
        "predictors/fit/archs-bad",
        lambda: xgb().fit([*ARCHS[:5], BAD], Y),
        IAE,
        r"archs\[5\]\.node2\.input0 = 'bogus'",
    ),
    c("predictors/fit/archs-empty", lambda: xgb().fit([], []), ValueError, r"at least one"),
    c(
        "predictors/fit/space",
        lambda: predictors.get("xgb", space="nb999").fit(ARCHS, Y),
        ValueError,  # sklearn's InvalidParameterError (ValueError, TypeError), params helper
        r"'space' parameter of XGBPredictor must be .*Got 'nb999'",
    ),
    c(
        "predictors/fit/text-without-space",
        lambda: predictors.get("xgb", n_estimators=3).fit(ARCHS, Y),
        ValueError,
        r"XGBPredictor: the search space is not known: pass space=",
    ),
    c(
        "predictors/predict/unfitted",
        lambda: xgb().predict(ARCHS),
        NotFittedError,
        r"XGBPredictor.*not fitted",
    ),
    c(
        "predictors/save/unfitted",
        lambda: xgb().save("/tmp/never-written.nasperf"),
        NotFittedError,
        r"XGBPredictor.*not fitted",
    ),
    c(
        "predictors/load/missing",
        lambda: predictors.load("/nonexistent/model.nasperf"),
        FileNotFoundError,
        r"model\.nasperf",
    ),
]


def fitted_cases():
    """Cases that need a fitted predictor (the session fixture, passed in at run time)."""
    return [
        Case(
            "predictors/predict/bad-arch",
            lambda tmp, p: p.predict(["|x~0|"]),
            IAE,
            r"archs\[0\]\.text = '\|x~0\|'",
        ),
        Case(
            "predictors/predict/unicode",
            lambda tmp, p: p.predict([ARCHS[0].replace("~1", "~\uff11")]),
            IAE,
            r"archs\[0\]\.node\d\.input1",
        ),
        Case(
            "predictors/predict/text",
            lambda tmp, p: p.predict(ARCHS[0]),
            ValueError,
            r"expected a sequence of architectures, got str",
        ),
        Case(
            "predictors/predict/matrix",
            lambda tmp, p: p.predict(np.zeros((2, 3))),
            ValueError,
            r"architectures|feature",
        ),
        Case(
            "predictors/load/garbage",
            lambda tmp, p: predictors.load(_garbage(tmp / "m.nasperf")),
            DataIntegrityError,
            r"m\.nasperf",
        ),
        Case(
            "predictors/load/expected",
            lambda tmp, p: (
                p.save(tmp / "x.nasperf"),
                predictors.load(tmp / "x.nasperf", expected="rf"),
            )[1],
            ValueError,
            r"x\.nasperf.*rf|RandomForest",
        ),
    ]


def _garbage(path):
    path.write_bytes(b"PK\x03\x04 not a zip at all" * 20)
    return path


def screen_file(tmp, text, name="a.txt"):
    path = tmp / name
    path.write_text(text)
    return path


def pretrained_cases():
    return [
        Case(
            "pretrained/screen/missing",
            lambda tmp, k: pretrained.screen(k, tmp / "none.txt"),
            FileNotFoundError,
            r"none\.txt does not exist",
        ),
        Case(
            "pretrained/screen/top-0",
            lambda tmp, k: pretrained.screen(k, ARCHS, top=0),
            ValueError,
            r"top must be a positive int, got 0",
        ),
        Case(
            "pretrained/screen/top-str",
            lambda tmp, k: pretrained.screen(k, ARCHS, top="5"),
            ValueError,
            r"top must be a positive int, got '5'",
        ),
        Case(
            "pretrained/screen/batch-0",
            lambda tmp, k: pretrained.screen(k, ARCHS, batch_size=0),
            ValueError,
            r"batch_size must be a positive int, got 0",
        ),
        Case(
            "pretrained/screen/format",
            lambda tmp, k: pretrained.screen(k, screen_file(tmp, ARCHS[0]), format="xml"),
            ValueError,
            r"unknown format 'xml'",
        ),
        Case(
            "pretrained/screen/csv-column",
            lambda tmp, k: pretrained.screen(k, screen_file(tmp, "arch\n", "a.csv"), column="cell"),
            ValueError,
            r"a\.csv: no column 'cell'",
        ),
        Case(
            "pretrained/screen/csv-empty",
            lambda tmp, k: pretrained.screen(k, screen_file(tmp, "", "a.csv")),
            ValueError,
            r"a\.csv: empty CSV file",
        ),
        Case(
            "pretrained/screen/json-bad",
            lambda tmp, k: pretrained.screen(k, screen_file(tmp, "[1, 2", "a.json")),
            ValueError,
            r"a\.json: not valid JSON",
        ),
        Case(
            "pretrained/screen/json-deep",
            lambda tmp, k: pretrained.screen(
                k, screen_file(tmp, "[" * 100_000 + "]" * 100_000, "a.json")
            ),
            ValueError,
            r"a\.json: JSON nested too deeply",
        ),
        Case(
            "pretrained/screen/json-scalar",
            lambda tmp, k: pretrained.screen(k, screen_file(tmp, "42", "a.json")),
            ValueError,
            r"a\.json: expected a JSON list or object",
        ),
        Case(
            "pretrained/checkpoint/predict-bad",
            lambda tmp, k: k.predict([ARCHS[0], "x"]),
            IAE,
            r"x",
        ),
    ]


PRETRAINED = [
    c(
        "pretrained/load/unknown",
        lambda: pretrained.load("nb201-cifar10-tre"),
        UnknownNameError,
        r"nb201-cifar10-tre",
    ),
    c(
        "pretrained/load/root-missing",
        lambda: pretrained.load("nb201-cifar10-tree", root="/nonexistent/data"),
        FileNotFoundError,
        r"/nonexistent/data",
    ),
]

SEARCH = [
    c(
        "search.run/optimizer",
        lambda: search.run("rss", budget=2),
        UnknownNameError,
        r"unknown optimizer 'rss'",
    ),
    c(
        "search.run/budget-0",
        lambda: search.run("rs", budget=0),
        ValueError,
        r"budget must be a positive number of queries, got 0",
    ),
    c("search.run/budget-float", lambda: search.run("rs", budget=2.5), ValueError, r"budget"),
    c(
        "search.run/time-budget-negative",
        lambda: search.run("rs", budget=2, time_budget=-5),
        ValueError,
        r"time_budget must be positive seconds, got -5",
    ),
    c(
        "search.run/time-budget-nan",
        lambda: search.run("rs", budget=2, time_budget=float("nan")),
        ValueError,
        r"time_budget must be positive",
    ),
    c(
        "search.run/time-budget-str",
        lambda: search.run("rs", budget=2, time_budget="1h"),
        TypeError,
        r"time_budget must be seconds",
    ),
    c(
        "search.run/benchmark",
        lambda: search.run("rs", benchmark="nb999", budget=2),
        ValueError,
        r"unknown search benchmark 'nb999'",
    ),
    c(
        "search.run/dataset",
        lambda: search.run("rs", dataset="mnist", budget=2),
        ValueError,
        r"'mnist'",
    ),
    c(
        "search.run/seed",
        lambda: search.run("rs", budget=2, seed="x"),
        ValueError,
        r"random_state must be an int.*'x'",
    ),
    c(
        "search.run/space-mismatch",
        lambda: search.run("rs", space="nb101", benchmark="nb201", budget=2),
        ValueError,
        r"space 'nb101' does not match the objective's space 'nb201'",
    ),
    c(
        "search.run/params-unknown",
        lambda: search.run("rs", budget=2, params={"bogus": 1}),
        ValueError,
        r"bogus",
    ),
    c(
        "search.run/params-list",
        lambda: search.run("rs", budget=2, params=[1]),
        TypeError,
        r"params must be a dict",
    ),
    c(
        "search.run/zero-cost-str",
        lambda: search.run("rs", budget=2, zero_cost="zc.csv"),
        TypeError,
        r"zero_cost must be a DataFrame.*got str",
    ),
    c(
        "search.run/space-int",
        lambda: search.run("rs", space=5, budget=2),
        ValueError,
        r"space must be a registered name.*got int",
    ),
    c(
        "search.run/objective-object",
        lambda: search.run("rs", benchmark=object(), budget=2),
        TypeError,
        r"benchmark must be a name, got object",
    ),
]


def yaml_file(tmp, text: str | bytes):
    path = tmp / "study.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_config(path)


def y(id_, text, match, exc=ConfigError):
    return Case(f"load_config/{id_}", lambda tmp: yaml_file(tmp, text), exc, match)


def p(id_, raw, match):
    full = {"predictors": ["xgb"], **raw}
    return Case(f"parse_config/{id_}", lambda tmp: parse_config(full), ConfigError, match)


CONFIG = [
    p("unknown-key", {"sede": 1}, r"unknown key\(s\) \['sede'\]"),
    Case(
        "parse_config/no-predictors",
        lambda tmp: parse_config({}),
        ConfigError,
        r"predictors: required",
    ),
    p("seeds-negative", {"seeds": -1}, r"seeds: the number of seeds must be at least 1"),
    p("seeds-text", {"seeds": "x"}, r"seeds"),
    p(
        "predictor-unknown",
        {"predictors": ["xbg"]},
        r"predictors\[0\]\.name: unknown predictor 'xbg'",
    ),
    p(
        "predictor-params",
        {"predictors": [{"name": "xgb", "params": [1]}]},
        r"predictors\[0\]\.params",
    ),
    p(
        "predictor-seed",
        {"predictors": [{"name": "xgb", "params": {"random_state": 1}}]},
        r"predictors\[0\]\.params.*random_state",
    ),
    p("train-sizes-0", {"train_sizes": [0, 10]}, r"train_sizes"),
    p("test-size-1", {"test_size": 1}, r"test_size: at least 2"),
    p("name", {"name": "a b/c"}, r"name: use letters"),
    p("spaces", {"spaces": ["nb999"]}, r"spaces\[0\]"),
    p("datasets", {"datasets": ["mnist"]}, r"datasets\[0\]"),
    p("metrics-ks", {"metrics": {"ks": [0]}}, r"metrics\.ks"),
    p("metrics-policy", {"metrics": {"nan_policy": "zero"}}, r"metrics\.nan_policy: 'zero'"),
    p("metrics-unknown", {"metrics": {"kk": [1]}}, r"metrics: unknown key\(s\)"),
    p(
        "data-missing",
        {"data": [{"path": "/nonexistent/t.csv", "space": "nb201"}]},
        r"data\[0\]\.path: file '/nonexistent/t\.csv' does not exist",
    ),
    p(
        "imports",
        {"imports": ["no_such_module_xyz"]},
        r"imports: cannot import 'no_such_module_xyz'",
    ),
    p("nan-value", {"test_size": float("nan")}, r"test_size"),
    Case(
        "load_config/missing",
        lambda tmp: load_config(tmp / "nope.yaml"),
        FileNotFoundError,
        r"study config does not exist: .*nope\.yaml",
    ),
    y(
        "duplicate-key",
        "seeds: 2\ntest_size: 10\nseeds: 3\n",
        r"study\.yaml: line 3: key 'seeds' appears twice \(first at line 1\)",
    ),
    y("duplicate-nested", "metrics:\n  ks: [5]\n  ks: [10]\n", r"line 3: key 'ks' appears twice"),
    y("not-utf8", b"seeds: \xff\n", r"study\.yaml: not UTF-8"),
    y("invalid-yaml", "seeds: [1, 2\n", r"study\.yaml: not valid YAML: line 2, column 1: .*\S"),
    y("top-list", "- 1\n- 2\n", r"study\.yaml: a study config is a mapping"),
    y("unknown-key", "sede: 3\n", r"study\.yaml: unknown key\(s\) \['sede'\]"),
    y(
        "python-tag",
        "seeds: !!python/object/apply:os.system ['echo hi']\n",
        r"study\.yaml: not valid YAML",
    ),
    # PyYAML's scanner is quadratic in '[' nesting (5,000 levels took 3 s): refused at 50
    y(
        "deep",
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        r"study\.yaml: not valid YAML: line 1, column 54: nested deeper than 50 levels of '\['",
    ),
    y(
        "deep-mapping",
        "a: " + "{a: " * 100_000 + "}" * 100_000 + "\n",
        r"study\.yaml: not valid YAML: line 1, column \d+: nested deeper than 50 levels",
    ),
    y(
        "deep-block",
        "".join(" " * i + "- \n" for i in range(1_000)),
        r"study\.yaml: not valid YAML: line 51, column 51: nested deeper than 50 levels",
    ),
    y(
        "billion-laughs",
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
            for i in range(9)
        )
        + "predictors: [xgb]\n",
        r"study\.yaml: expands to more than 100,000 values \(nested YAML aliases\?\)",
    ),
    Case(
        "read_results/missing",
        lambda tmp: read_results(tmp / "nope"),
        FileNotFoundError,
        r"nope is not a study results folder",
    ),
    Case(
        "read_results/garbage",
        lambda tmp: (
            tmp.joinpath("results.sqlite").write_bytes(b"garbage" * 100),
            read_results(tmp),
        )[1],
        DataIntegrityError,
        r"results\.sqlite is not a nasperf results database",
    ),
]

CASES = ENCODINGS + PREDICTORS + PRETRAINED + SEARCH + CONFIG
FITTED = fitted_cases()
SCREEN = pretrained_cases()


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_pipeline_input(case: Case, tmp_path) -> None:
    check(case, tmp_path)


@pytest.mark.parametrize("case", FITTED, ids=ids(FITTED))
def test_fitted_predictor_input(case: Case, tmp_path, fitted_xgb) -> None:
    check(Case(case.id, lambda tmp: case.call(tmp, fitted_xgb), case.exc, case.match), tmp_path)


@pytest.mark.parametrize("case", SCREEN, ids=ids(SCREEN))
def test_checkpoint_input(case: Case, tmp_path, tiny_checkpoint) -> None:
    check(
        Case(case.id, lambda tmp: case.call(tmp, tiny_checkpoint), case.exc, case.match), tmp_path
    )

"""Study configs: schema validation with clear errors, expansion into trials, trial hashes."""

from __future__ import annotations

import pytest

from nasperf.evaluation.config import (
    ConfigError,
    check_keys,
    default_config,
    expand_trials,
    load_config,
    parse_config,
    read_yaml_file,
    trial_hash,
)

from ._study_helpers import CountConvPredictor, LastColumnPredictor, registered, tiny_config


def test_expansion_counts_and_fields():
    trials = expand_trials(parse_config(tiny_config(train_sizes=[30, 10, 30], seeds=[3, 5])))
    assert [(t["n_train"], t["seed"]) for t in trials] == [(10, 3), (10, 5), (30, 3), (30, 5)]
    t = trials[0]
    assert (t["space"], t["benchmark"], t["dataset"], t["predictor"]) == (
        "nb201",
        "nb201",
        "cifar10",
        "xgb",
    )
    assert t["params"] == {"n_estimators": 20} and t["budget"] is None
    assert len({t["hash"] for t in trials}) == 4
    assert all(t["hash"] == trial_hash(t) for t in trials)


def test_hash_is_canonical_and_sensitive():
    t = expand_trials(parse_config(tiny_config()))[0]
    reordered = dict(reversed(list(t.items())))
    assert trial_hash(reordered) == t["hash"]
    changed = {**t, "params": {"n_estimators": 21}}
    assert trial_hash(changed) != t["hash"]
    # a known value: the hash is sha256 of sorted-key compact JSON, stable across runs
    import hashlib
    import json

    body = {k: v for k, v in t.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert t["hash"] == hashlib.sha256(text.encode()).hexdigest()


def test_unknown_predictor_lists_available():
    with pytest.raises(ConfigError, match=r"predictors\[1\]\.name: unknown predictor 'xbg'") as ei:
        parse_config(tiny_config(predictors=["xgb", "xbg"]))
    msg = str(ei.value)
    assert "did you mean 'xgb'" in msg and "available:" in msg and "rf" in msg


@pytest.mark.parametrize(
    ("over", "pattern"),
    [
        ({"seedz": 3}, r"unknown key\(s\) \['seedz'\].*valid keys"),
        ({"train_sizes": "many"}, r"train_sizes: expected"),
        ({"train_sizes": [10, 0]}, r"at least 1"),
        ({"seeds": 0}, r"seeds: the number of seeds must be at least 1"),
        (
            {"predictors": [{"name": "xgb", "params": {"n_trees": 3}}]},
            r"no parameter\(s\) \['n_trees'\]",
        ),
        (
            {"predictors": [{"name": "xgb", "params": {"random_state": 3}}]},
            r"set from the trial's seed",
        ),
        ({"predictors": ["xgb", "xgb"]}, r"label\(s\) \['xgb'\] used twice"),
        ({"datasets": ["cifar11"]}, r"unknown dataset 'cifar11'.*available: cifar10"),
        ({"spaces": ["nb999"]}, r"spaces\[0\]: unknown benchmark 'nb999'"),
        ({"budgets": ["50ep"]}, r"no budget '50ep'.*available: \['12ep'\]"),
        ({"budgets": ["200ep"]}, r"not cheaper than the target"),
        ({"metrics": {"nan_policy": "ignore"}}, r"nan_policy"),
        ({"zero_cost_table": "/nonexistent/zc.csv"}, r"does not exist"),
        ({"imports": ["no_such_module_xyz"]}, r"cannot import 'no_such_module_xyz'"),
    ],
)
def test_config_errors_are_clear(over, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_config(tiny_config(**over))


def test_an_epoch_count_target_is_the_benchmarks_fidelity(capsys):
    # the schema took target: 200, and parse_config refused it ("unknown fidelity '200'")
    from nasperf import cli

    named = parse_config(tiny_config(target="200ep"))
    for spelling in (200, "200", "VAL_ACC_200EP"):
        config = parse_config(tiny_config(target=spelling))
        assert (config.target, config.digest()) == ("200ep", named.digest())
        assert [t["hash"] for t in expand_trials(config)] == [
            t["hash"] for t in expand_trials(named)
        ]
    # read as budgets are: 49 is nb301_surrogate's 49ep, whose default budgets are then
    # those nearest 10, 25 and 50 % of 49 epochs (4.9, 12.25, 24.5: the tie 24/25 -> 24)
    config = parse_config(
        tiny_config(spaces=["nb301_surrogate"], predictors=["early_stop_acc"], target=49)
    )
    assert config.target == "49ep"
    assert [t["budget"] for t in expand_trials(config) if t["seed"] == 0] == [
        "5ep",
        "12ep",
        "24ep",
    ]
    with pytest.raises(ConfigError) as err:
        parse_config(tiny_config(target=300))
    assert str(err.value) == (
        "target: unknown fidelity 300 for benchmark 'nb201'; available: 12ep (val_acc_12ep), "
        "200ep (val_acc_200ep)"
    )
    # a spelling the benchmarks name differently is kept as written (each one reads it)
    both = parse_config(tiny_config(spaces=["nb101", "nb301"], target="val_accuracy"))
    assert both.target == "val_accuracy"
    # the command line passes "200": the same study as --target 200ep
    argv = ["study", "--dry-run", "--predictors", "xgb", "--train-sizes", "10", "--seeds", "1"]
    outs = []
    for target in ("200", "200ep"):
        assert cli.main([*argv, "--target", target]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and outs[0].splitlines()[-1].startswith("1 trials -> studies/")


def test_yaml_is_never_evaluated(tmp_path):
    cfg = tmp_path / "evil.yaml"
    cfg.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(cfg)


def test_read_yaml_file_is_safe_and_bounded(tmp_path):
    """The one YAML reader of study configs and the bench's --user-space files: values
    parsed, and each refusal names the file (and the line, or the kind of file)."""
    ok = tmp_path / "ok.yaml"
    ok.write_text("a: [1, 2]\nb: &x {c: 3}\nd: *x\n")
    assert read_yaml_file(ok) == {"a": [1, 2], "b": {"c": 3}, "d": {"c": 3}}
    (tmp_path / "empty.yaml").write_text("")
    assert read_yaml_file(tmp_path / "empty.yaml") is None
    cases = {
        "twice.yaml": ("a: 1\nb: 2\na: 3\n", r"twice.yaml: line 3: key 'a' appears twice"),
        "evil.yaml": ("a: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
        "bytes.yaml": (b"a: \xff\n", r"bytes.yaml: not UTF-8 text \(byte offset 3\)"),
        "bomb.yaml": (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, k in zip("abcde", "bcdef", strict=True)
            )
            + "g: *f\n",
            r"bomb.yaml: expands to more than 100,000 values .*; a user-space file is small",
        ),
    }
    for name, (text, pattern) in cases.items():
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        with pytest.raises(ConfigError, match=pattern):
            read_yaml_file(path, what="a user-space file")
    with pytest.raises(ConfigError, match="cannot read"):
        read_yaml_file(tmp_path / "missing.yaml")


def test_check_keys_names_the_key_and_what_it_expects():
    """The schema check of study configs, shared with the bench's --user-space files:
    unknown, missing and mistyped keys are named; YAML's yes is no int; null only where
    the schema allows it."""
    schema = {"n": ((int,), "a count"), "path": ((str,), "a file"), "flag": ((bool,), "yes/no")}
    check_keys({"n": 3, "path": "a.csv", "flag": True}, schema, required=("n",))
    check_keys({"n": None}, schema)  # nullable by default: null means the default
    refusals = [
        ([1, 2], {}, r"a study config is a mapping of keys to values, got list"),
        ({"m": 1}, {}, r"unknown key\(s\) \['m'\]; valid keys: \['flag', 'n', 'path'\]"),
        ({1: 1}, {}, r"unknown key\(s\) \['1'\]"),
        ({"path": "a"}, {"required": ("n",)}, r"missing key\(s\) \['n'\]"),
        ({"n": True}, {}, r"n: expected a count, got True"),
        ({"n": "3"}, {}, r"n: expected a count, got '3'"),
        ({"n": None}, {"nullable": False}, r"n: expected a count, got None"),
        ({"n": None}, {"nullable": ("path",)}, r"n: expected a count, got None"),
    ]
    for raw, kwargs, pattern in refusals:
        with pytest.raises(ConfigError, match=pattern):
            check_keys(raw, schema, **kwargs)
    check_keys({"path": None}, schema, nullable=("path",))


def test_load_config_file_with_overrides(tmp_path):
    cfg = tmp_path / "small.yaml"
    cfg.write_text("predictors: [{name: xgb, params: {n_estimators: 5}}]\ntrain_sizes: [10]\n")
    config = load_config(cfg, {"seeds": 1})
    assert config.name == "small" and config.seeds == (0,) and config.train_sizes == (10,)
    assert config.spaces == ("nb201",) and config.datasets == ("cifar10",)
    bad = tmp_path / "bad.yaml"
    bad.write_text("predictors: [xgb]\ntest_size: many\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: test_size: expected"):
        load_config(bad)


def test_quick_keys_are_checked_with_or_without_quick_and_named(tmp_path):
    cfg = tmp_path / "q.yaml"
    cfg.write_text("predictors: [xgb]\nquick: {train_sizes: [0, 10], seeds: 1}\n")
    for quick in (False, True):  # found before a --quick run needs it; named quick.<key>
        with pytest.raises(ConfigError, match=r"q.yaml: quick\.train_sizes: sizes must be"):
            load_config(cfg, quick=quick)
    cfg.write_text("predictors: [xgb]\ntest_size: 1\nquick: {seeds: 1}\n")
    with pytest.raises(ConfigError, match=r"q.yaml: test_size: at least 2"):  # the file's own
        load_config(cfg, quick=True)
    cfg.write_text("predictors: [xgb]\nquick: {train_sizes: [5], seeds: 1}\n")
    assert load_config(cfg, quick=True).train_sizes == (5,)
    assert load_config(cfg).train_sizes == (10, 20, 50, 100, 200, 500, 1000)


def test_packaged_default_config_parses():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"
    config = load_config(path)
    assert config.train_sizes == (10, 20, 50, 100, 200, 500, 1000) and len(config.seeds) == 3
    quick = parse_config(default_config(quick=True))
    assert max(quick.train_sizes) <= 200


def test_training_free_and_learning_curve_expansion():
    with registered(test_count_conv=CountConvPredictor, test_last_column=LastColumnPredictor):
        config = parse_config(
            tiny_config(
                predictors=["test_count_conv", "test_last_column"], train_sizes=[10, 30, 100]
            )
        )
        trials = expand_trials(config)
    free = [t for t in trials if t["predictor"] == "test_count_conv"]
    assert [(t["n_train"], t["seed"]) for t in free] == [(0, 0), (0, 1)]  # sizes ignored
    lc = [t for t in trials if t["predictor"] == "test_last_column"]
    assert {t["budget"] for t in lc} == {"12ep"} and len(lc) == 6


def test_an_ensemble_with_a_learning_curve_member_is_planned_with_its_budgets():
    """An ensemble's requirements are its members' (``requirements_of``): planned from the
    ensemble class's (its default members: trees), one with an ``lcsvr`` member had got
    ``budget`` None and every trial had failed with "needs learning curves, and cifar10 has
    no budget None". Now its trials carry the source's cheaper fidelity, as lcsvr's own do;
    an ensemble of trees alone keeps ``budget`` None and its trial hashes."""
    members = {"members": ["xgb", "lcsvr"]}
    config = parse_config(
        tiny_config(
            predictors=[
                {"name": "ensemble", "params": members, "label": "ens_lc"},
                "lcsvr",
                "ensemble",
            ],
            train_sizes=[10],
        )
    )
    trials = expand_trials(config)
    budgets = {
        label: {t["budget"] for t in trials if t["label"] == label}
        for label in ("ens_lc", "lcsvr", "ensemble")
    }
    assert budgets == {"ens_lc": {"12ep"}, "lcsvr": {"12ep"}, "ensemble": {None}}


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".parquet"])
def test_a_table_s_default_name_drops_its_compression_suffix(suffix, tmp_path):
    """nb201.csv.gz was named 'nb201.csv' (Path.stem): the source, the study and its
    default folder (studies/nb201.csv-<digest>) read so. Every suffix the readers take
    off is dropped; a plain .csv keeps its name, its digest and its trials' hashes."""
    from nasperf.datasets.readers import table_stem

    path = tmp_path / "sub" / f"nb201{suffix}"
    path.parent.mkdir()
    path.write_bytes(b"")  # parse_config reads the file's sha256, not its rows
    config = parse_config(
        {"predictors": ["xgb"], "data": {"path": str(path), "space": "nb201", "target": "acc"}}
    )
    assert (config.data[0]["name"], config.name) == ("nb201", "nb201")
    assert table_stem(path) == "nb201"
    assert {t["dataset"] for t in expand_trials(config)} == {"nb201"}
    assert table_stem("x/zc_nasbench201.json.XZ") == "zc_nasbench201"
    assert table_stem("archive.gz") == "archive" and table_stem(".gz") == ".gz"

"""The study functions' ``config`` and flags (a type-fuzzing probe: ``run_study(dict, out)``,
``expand_trials(dict)`` and ``fit_sizes_to_data(dict)`` had failed with "'dict' object has
no attribute 'tasks'", and ``quick="no"`` / ``progress="x"`` had been read by truthiness).
A raw mapping is what a YAML file holds, so it goes through ``parse_config``."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf.evaluation import config as C
from nasperf.evaluation.config import default_config, expand_trials, load_config, parse_config
from nasperf.evaluation.study import fit_sizes_to_data, run_study

from ._study_helpers import tiny_config


def test_a_raw_mapping_is_parsed_like_the_yaml_file_holding_it(tmp_path):
    raw = tiny_config(train_sizes=[10], seeds=1)
    assert expand_trials(raw) == expand_trials(parse_config(raw))
    fitted, notes = fit_sizes_to_data(raw)
    assert fitted == parse_config(raw) and notes == []
    result = run_study(raw, tmp_path / "out")
    assert len(result.table) == 1 and result.table["n_train"].tolist() == [10]


def test_a_bad_mapping_is_the_config_error_parse_config_gives():
    with pytest.raises(C.ConfigError, match="predictors: required"):
        expand_trials({"spaces": ["nb201"]})


@pytest.mark.parametrize("config", [None, 5, "configs/default.yaml", [("seeds", 1)]])
def test_a_config_that_is_neither_a_study_config_nor_a_mapping_is_one_type_error(config, tmp_path):
    for call in (
        lambda: run_study(config, tmp_path / "out"),
        lambda: expand_trials(config),
        lambda: fit_sizes_to_data(config),
    ):
        with pytest.raises(TypeError, match="config must be a StudyConfig"):
            call()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["no", 0, 1, None])
def test_flags_that_are_not_bools_are_refused_naming_them(value, tmp_path):
    raw = tiny_config(train_sizes=[10], seeds=1)
    path = tmp_path / "study.yaml"
    path.write_text("predictors: [xgb]\n")
    with pytest.raises(TypeError, match="quick must be True or False"):
        default_config(quick=value)
    with pytest.raises(TypeError, match="quick must be True or False"):
        load_config(path, quick=value)
    with pytest.raises(TypeError, match="progress must be True or False"):
        run_study(raw, tmp_path / "out", progress=value)
    with pytest.raises(TypeError, match="train_sizes must be True or False"):
        fit_sizes_to_data(raw, train_sizes=value)
    assert not (tmp_path / "out").exists()


def test_numpy_bools_are_flags():
    assert default_config(quick=np.bool_(True)) == default_config(quick=True)


def test_a_mapping_built_in_python_reads_as_its_yaml_lists_and_numbers(tmp_path):
    """Tuples, numpy arrays and scalars and paths are the lists, numbers and strings YAML
    gives (they had been refused as "expected ..., got (20, 50)"): the same config, digest
    included; a set (no order) and a mapping holding itself stay refused."""
    plain = tiny_config(train_sizes=[10, 20], seeds=[0, 1])
    built = dict(plain, train_sizes=(np.int64(10), 20), seeds=np.arange(2))
    built["predictors"] = tuple(plain["predictors"])
    assert parse_config(built) == parse_config(plain)
    assert parse_config(built).digest() == parse_config(plain).digest()
    csv = tmp_path / "t.csv"
    csv.write_text("arch,acc\n")  # read when the study runs, not here
    as_path = parse_config(
        {"predictors": ["xgb"], "data": {"path": csv, "space": "nb201", "target": "acc"}}
    )
    as_str = parse_config(
        {"predictors": ["xgb"], "data": {"path": str(csv), "space": "nb201", "target": "acc"}}
    )
    assert as_path == as_str
    with pytest.raises(C.ConfigError, match=r"seeds: expected .*got \{0, 1\}"):
        parse_config(dict(plain, seeds={0, 1}))
    looped: dict = {}
    looped["x"] = looped
    with pytest.raises(C.ConfigError, match="nests deeper than 50 levels"):
        parse_config({"predictors": [{"name": "xgb", "params": looped}]})

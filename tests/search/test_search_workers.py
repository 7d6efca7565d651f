"""Search studies on worker processes: an optimizer or a space registered in ``__main__``
(which the workers do not import) is refused before anything is written; from a module
given as ``imports`` the workers find it and return the histories ``workers=1`` does."""

from __future__ import annotations

import pandas as pd
import pytest

from nasperf.search.base import OPTIMIZERS
from nasperf.search.random_search import RandomSearch
from nasperf.search.study import run_search_study, search_trials
from nasperf.spaces import SPACES
from tests.evaluation._study_helpers import register_in_main
from tests.search.user_spaces import Chain8Space, chain8_table


@pytest.fixture
def chain_csv(tmp_path):
    """300 architectures of the 8-layer chain space with synthetic labels."""
    path = tmp_path / "chain.csv"
    chain8_table().iloc[:300].reset_index().to_csv(path, index=False)
    return path


def test_a_space_registered_in_main_is_refused_before_a_search_study_on_workers(
    tmp_path, monkeypatch, chain_csv
):
    class MainChain(Chain8Space):
        name = "test_main_search_chain"

    register_in_main(monkeypatch, SPACES, "test_main_search_chain", MainChain)
    trials = search_trials(
        ["rs"], seeds=2, budget=10, space="test_main_search_chain", data=chain_csv, target="val_acc"
    )
    with pytest.raises(ValueError) as info:
        run_search_study(trials, tmp_path / "out", workers=2)
    message = str(info.value)
    assert message.startswith("search space 'test_main_search_chain' (class ")
    assert ".MainChain) is defined in __main__" in message and "imports" in message
    assert not (tmp_path / "out").exists()  # nothing written
    serial = run_search_study(trials, tmp_path / "serial", workers=1)
    assert serial.groupby("seed").size().to_dict() == {0: 10, 1: 10}


def test_an_optimizer_registered_in_main_is_refused_on_workers(tmp_path, monkeypatch):
    class MainRandom(RandomSearch):
        name = "test_main_rs"

    register_in_main(monkeypatch, OPTIMIZERS, "test_main_rs", MainRandom)
    trials = search_trials(["test_main_rs"], seeds=2, budget=5)
    with pytest.raises(
        ValueError, match=r"^optimizer 'test_main_rs' \(class [\w.<>]+\.MainRandom\)"
    ):
        run_search_study(trials, tmp_path / "out", workers=2)
    assert not (tmp_path / "out").exists()


def test_a_space_from_an_imported_module_searches_alike_on_workers(tmp_path, chain_csv):
    trials = search_trials(
        ["rs", "ls"],
        seeds=2,
        budget=10,
        space="user_chain8",
        data=chain_csv,
        target="val_acc",
        imports=["tests.search.user_spaces"],
    )
    parallel = run_search_study(trials, tmp_path / "parallel", workers=2)
    serial = run_search_study(trials, tmp_path / "serial", workers=1)
    assert len(parallel) == 40 and set(parallel.label) == {"random_search", "local_search"}
    cols = ["label", "seed", "arch", "value", "best_value"]
    pd.testing.assert_frame_equal(
        parallel[cols].sort_values(cols[:2], kind="stable").reset_index(drop=True),
        serial[cols].sort_values(cols[:2], kind="stable").reset_index(drop=True),
    )

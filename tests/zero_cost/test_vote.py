"""``rank_vote``'s inputs (a type-fuzzing probe: members of different lengths had been
broadcast into a vote, ``members="synflow"`` had looked up ``'s'``, a missing member had been
a bare ``KeyError``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasperf.zero_cost import rank_vote

SCORES = {"synflow": [1.0, 3.0, 2.0], "jacov": [1.0, 2.0, 3.0], "snip": [3.0, 2.0, 1.0]}


def test_members_of_different_lengths_are_refused_naming_them():
    # it had returned [3., 5.]: jacov's one score broadcast over the population
    bad = {"synflow": [1.0, 2.0], "jacov": [1.0], "snip": [1.0, 2.0]}
    with pytest.raises(ValueError, match="synflow 2, jacov 1, snip 2"):
        rank_vote(bad)


def test_a_member_of_more_than_one_dimension_is_refused():
    with pytest.raises(ValueError, match=r"scores\['jacov'\] must be one score per network"):
        rank_vote({**SCORES, "jacov": [[1.0, 2.0, 3.0]]})


def test_a_member_that_is_not_numbers_is_refused():
    with pytest.raises(ValueError, match=r"scores\['snip'\] must be numbers"):
        rank_vote({**SCORES, "snip": ["a", "b", "c"]})


def test_a_string_is_one_member():
    np.testing.assert_array_equal(rank_vote(SCORES, members="synflow"), [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(rank_vote(SCORES, members=("synflow", "snip")), [4.0, 5.0, 3.0])


def test_a_missing_member_is_named_with_what_scores_has():
    with pytest.raises(ValueError, match=r"members: 'snip' not in scores, which has"):
        rank_vote({"synflow": [1.0], "jacov": [2.0]})


def test_a_dataframe_and_numpy_columns_are_scores():
    frame = pd.DataFrame({k: np.asarray(v, dtype=np.float32) for k, v in SCORES.items()})
    np.testing.assert_array_equal(rank_vote(frame), rank_vote(SCORES))


@pytest.mark.parametrize("scores", [None, [1.0, 2.0], np.zeros((3, 3))])
def test_scores_that_are_not_a_mapping_are_one_type_error(scores):
    with pytest.raises(TypeError, match="scores must be a mapping proxy name -> scores"):
        rank_vote(scores)

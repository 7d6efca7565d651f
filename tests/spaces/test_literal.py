"""The bounded grammar of architecture text reads valid literals exactly as Python / JSON do
(refusals are in tests/corpus)."""

from __future__ import annotations

import ast
import json

import pytest

from nasperf.spaces.literal import MAX_DEPTH, Call, parse_literal, strict_float

PYTHON = [
    "[1, 2, (3, 4)]",
    "(1,)",
    "(1)",
    "()",
    "[]",
    "[[(0, 1), (1, 5)], [(2, 3)]]",
    "('sep_conv_3x3', 0)",
    "(-1, 0, 17, -999999999999999999)",
    "[1.5, -2.0, 3e-4, .5, 7.]",
    "[True, False, None]",
    "['a\\'b', \"c\\nd\", 'é']",
    "[1, 2, 3,]",
    "  ( 4 , 3 ,\n 3 ,\t0, 0, 0 )  ",
    "{'a': [1, {'b': (2,)}]}",
]
JSON = [
    '{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]}',
    '{"a": true, "b": false, "c": null, "d": -1.5e3, "e": "\\u00e9\\"x"}',
    "[]",
    "{}",
]


@pytest.mark.parametrize("text", PYTHON)
def test_reads_python_literals_as_python_does(text):
    assert parse_literal(text) == ast.literal_eval(text.strip())


@pytest.mark.parametrize("text", JSON)
def test_reads_json_as_json_does(text):
    assert parse_literal(text) == json.loads(text)


def test_calls_and_lazy_ranges():
    got = parse_literal(
        "g.Genotype(normal=[('skip', 0)], normal_concat=range(2, 6), "
        "n=range(0, 999999999999999999, 2))",
        calls=True,
        ranges=True,
    )
    assert isinstance(got, Call) and got.name == "g.Genotype" and got.short_name == "Genotype"
    kw = dict(got.kwargs)
    assert kw["normal"] == [("skip", 0)] and kw["normal_concat"] == range(2, 6)
    assert len(kw["n"]) == 500_000_000_000_000_000  # a range object: nothing was listed
    assert repr(parse_literal("f(1, x=[2])", calls=True)) == "f(1, x=[2])"


def test_depth_limit_is_exact():
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_literal(ok) == json.loads(ok)
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_literal("[" + ok + "]")


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), (" -2.5e3 ", -2500.0), ("+.5", 0.5), ("7.", 7.0), ("1E2", 100.0)],
)
def test_strict_float_reads_plain_numbers(text, value):
    assert strict_float(text) == value


@pytest.mark.parametrize("text", ["1_000", "\uff11", "0x10", "1e", "", "one", "1 2", "9" * 65])
def test_strict_float_refuses_what_float_would_bend(text):
    assert strict_float(text) is None

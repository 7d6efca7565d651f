"""Corpus: search spaces (parse, from_naslib, coerce, from_config, value constructors,
builders, sampling and moves) refuse malformed architectures with the field named."""

from __future__ import annotations

import numpy as np
import pytest

from nasperf import InvalidArchitectureError as IAE
from nasperf.spaces import NB101Arch, NB201Arch, NB301Arch, get_space

from ._corpus import Case, check, ids

S101, S201, S301 = get_space("nb101"), get_space("nb201"), get_space("nb301")

T201 = "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|skip_connect~1|none~2|"
K201 = (4, 2, 0, 3, 0, 1)
T101 = (
    '{"matrix":[[0,1,1,0,0,0,0],[0,0,1,1,1,1,1],[0,0,0,1,1,1,0],[0,0,0,0,1,1,0],'
    '[0,0,0,0,0,1,0],[0,0,0,0,0,0,0],[0,0,0,0,0,0,0]],"ops":["input","conv1x1-bn-relu",'
    '"maxpool3x3","conv1x1-bn-relu","conv1x1-bn-relu","maxpool3x3","output"]}'
)
K101 = tuple(S101.to_naslib(S101.parse(T101)))
T301 = (
    "Genotype(normal=[('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('avg_pool_3x3', 1), "
    "('dil_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 4), "
    "('dil_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_3x3', 1), "
    "('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_5x5', 2), ('avg_pool_3x3', 3), "
    "('dil_conv_3x3', 2), ('dil_conv_3x3', 0), ('avg_pool_3x3', 2)], reduce_concat=[2, 3, 4, 5])"
)
K301 = S301.to_naslib(S301.parse(T301))
A301 = S301.parse(T301)
CELL = A301.normal


def key101(index: int, value) -> tuple:
    k = list(K101)
    k[index] = value
    return tuple(k)


def key301(cell: int, pair: int, value) -> list:
    k = [list(c) for c in K301]
    k[cell][pair] = value
    return k


def c(id_, fn, match, exc=IAE):
    return Case(id_, lambda tmp: fn(), exc, match)


# ---------------------------------------------------------------- NAS-Bench-201
NB201 = [
    c("nb201/parse/not-a-string", lambda: S201.parse(42), r"invalid text = 42"),
    c("nb201/parse/bytes", lambda: S201.parse(T201.encode()), r"invalid text"),
    c("nb201/parse/empty", lambda: S201.parse(""), r"invalid text = ''"),
    c("nb201/parse/no-pipes", lambda: S201.parse(T201.strip("|")), r"start and end with '\|'"),
    c("nb201/parse/two-groups", lambda: S201.parse("|none~0|+|none~0|none~1|"), r"3 node groups"),
    c(
        "nb201/parse/unknown-op",
        lambda: S201.parse(T201.replace("avg_pool_3x3", "max_pool_3x3")),
        r"node1\.input0.*unknown operation",
    ),
    c(
        "nb201/parse/wrong-index",
        lambda: S201.parse(T201.replace("nor_conv_1x1~1", "nor_conv_1x1~0")),
        r"node2\.input1",
    ),
    c(
        "nb201/parse/unicode-digit",
        lambda: S201.parse(T201.replace("avg_pool_3x3~0", "avg_pool_3x3~\uff10")),
        r"node1\.input0.*expected 'op~index'",
    ),
    c(
        "nb201/parse/arabic-digit",
        lambda: S201.parse(T201.replace("none~2", "none~\u0662")),
        r"node3\.input2",
    ),
    c(
        "nb201/parse/huge-index",
        lambda: S201.parse(T201.replace("none~2", "none~" + "9" * 5000)),
        r"node3\.input2",
    ),
    c("nb201/parse/missing-op", lambda: S201.parse(T201.replace("none~2", "~2")), r"node3"),
    c("nb201/parse/extra-input", lambda: S201.parse(T201[:-1] + "|none~3|"), r"node3"),
    c(
        "nb201/parse/group-not-wrapped",
        lambda: S201.parse(T201.replace("|+|", "+")),
        r"node\d|wrapped",
    ),
    c("nb201/parse/too-long", lambda: S201.parse("|" * 20_000), r"20,000 characters"),
    c("nb201/from_naslib/five", lambda: S201.from_naslib(K201[:5]), r"naslib_key.*six op"),
    c("nb201/from_naslib/index-5", lambda: S201.from_naslib((*K201[:5], 5)), r"naslib_key\[5\]"),
    c(
        "nb201/from_naslib/negative",
        lambda: S201.from_naslib((-1, *K201[1:])),
        r"naslib_key\[0\]",
    ),
    c("nb201/from_naslib/float", lambda: S201.from_naslib((1.0, *K201[1:])), r"naslib_key\[0\]"),
    c("nb201/from_naslib/bool", lambda: S201.from_naslib((True, *K201[1:])), r"naslib_key\[0\]"),
    c("nb201/from_naslib/text-bad", lambda: S201.from_naslib("(4, 2, 0, 3, 0"), r"naslib_key"),
    c(
        "nb201/from_naslib/text-expression",
        lambda: S201.from_naslib("(4, 2, 0, 3, 0, 1+0)"),
        r"naslib_key\[5\].*unexpected character '\+'",
    ),
    c(
        "nb201/from_naslib/text-call",
        lambda: S201.from_naslib("__import__('os')"),
        r"naslib_key.*calls are not allowed",
    ),
    c(
        "nb201/from_naslib/text-unicode-digit",
        lambda: S201.from_naslib("(\uff14, 2, 0, 3, 0, 1)"),
        r"naslib_key\[0\]",
    ),
    c(
        "nb201/from_naslib/text-nested",
        lambda: S201.from_naslib("((4, 2), 0, 3, 0, 1, 1)"),
        r"naslib_key\[0\].*nested deeper",
    ),
    c(
        "nb201/from_naslib/array-2d",
        lambda: S201.from_naslib(np.zeros((6, 6), int)),
        r"naslib_key.*six op",
    ),
    c("nb201/from_naslib/none", lambda: S201.from_naslib(None), r"naslib_key = None"),
    c("nb201/coerce/dict", lambda: S201.coerce({"ops": K201}), r"naslib_key"),
    c("nb201/coerce/garbage-text", lambda: S201.coerce("hello"), r"invalid text = 'hello'"),
    c(
        "nb201/arch/unknown-op",
        lambda: NB201Arch(("none",) * 5 + ("conv",)),
        r"ops\[5\] = 'conv'",
    ),
    c("nb201/arch/five-ops", lambda: NB201Arch(("none",) * 5), r"invalid ops"),
    c("nb201/arch/not-sequence", lambda: NB201Arch("none"), r"invalid ops"),
    c(
        "nb201/build/channels-negative",
        lambda: S201.build_network(T201, channels=-4),
        r"channels must be a positive int",
        ValueError,
    ),
    c(
        "nb201/build/cells-zero",
        lambda: S201.build_network(T201, cells_per_stage=0),
        r"cells_per_stage",
        ValueError,
    ),
    c(
        "nb201/build/unknown-dataset",
        lambda: S201.build_network(T201, "mnist"),
        r"unknown dataset 'mnist'",
        ValueError,
    ),
    c("nb201/build/bad-arch", lambda: S201.build_network("x"), r"invalid text = 'x'"),
    c(
        "nb201/complexity/channels-float",
        lambda: S201.complexity(T201, channels=1.5),
        r"channels must be a positive int, got 1.5",
        ValueError,
    ),
    c("nb201/sample/negative", lambda: S201.sample(-1), r"n must be", ValueError),
    c("nb201/sample/seed-str", lambda: S201.sample(2, seed="x"), r"random_state", ValueError),
    c("nb201/hash/text", lambda: S201.hash("nope"), r"invalid text = 'nope'"),
    c("nb301/hash/int", lambda: S301.hash(7), r"naslib_key = 7"),
]

# ---------------------------------------------------------------- NAS-Bench-101
NB101 = [
    c("nb101/parse/not-a-string", lambda: S101.parse(None), r"invalid text = None"),
    c("nb101/parse/not-json", lambda: S101.parse("{not json"), r"invalid text"),
    c("nb101/parse/list", lambda: S101.parse("matrix"), r"invalid text = 'matrix'"),
    c("nb101/parse/no-ops", lambda: S101.parse('{"matrix": [[0, 1], [0, 0]]}'), r"invalid ops"),
    c(
        "nb101/parse/extra-key",
        lambda: S101.parse('{"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"], "x": 1}'),
        r"invalid x = 1",
    ),
    c(
        "nb101/parse/duplicate-key",
        lambda: S101.parse('{"matrix": [[0, 1], [0, 0]], "matrix": [[0]], "ops": []}'),
        r"duplicate key 'matrix'",
    ),
    c(
        "nb101/parse/matrix-string",
        lambda: S101.parse('{"matrix": "abc", "ops": []}'),
        r"invalid matrix = 'abc'",
    ),
    c(
        "nb101/parse/entry-2",
        lambda: S101.parse(T101.replace("[0,1,1,0,0,0,0]", "[0,1,2,0,0,0,0]")),
        r"matrix\[0\]\[2\] = 2",
    ),
    c(
        "nb101/parse/entry-float",
        lambda: S101.parse(T101.replace("[0,1,1,0,0,0,0]", "[0,1,0.5,0,0,0,0]")),
        r"matrix\[0\]\[2\] = 0.5",
    ),
    c(
        "nb101/parse/unknown-op",
        lambda: S101.parse(T101.replace("maxpool3x3", "avgpool3x3", 1)),
        r"ops\[2\] = 'avgpool3x3'",
    ),
    c(
        "nb101/parse/lower-triangle",
        lambda: S101.parse(T101.replace("[0,0,0,0,0,0,0]]", "[1,0,0,0,0,0,0]]")),
        r"matrix\[6\]\[0\]",
    ),
    c(
        "nb101/parse/no-path",
        lambda: S101.parse('{"matrix": [[0, 0], [0, 0]], "ops": ["input", "output"]}'),
        r"invalid matrix.*no path",
    ),
    c(
        "nb101/parse/too-many-edges",
        lambda: S101.parse(
            '{"matrix": ['
            + ",".join(str([int(j > i) for j in range(6)]) for i in range(6))
            + '], "ops": ["input", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",'
            ' "conv3x3-bn-relu", "output"]}'
        ),
        r"15 edges",
    ),
    c(
        "nb101/parse/eight-vertices",
        lambda: S101.parse(
            '{"matrix": ' + str([[0] * 8] * 8) + ', "ops": ' + str(["input"] * 8) + "}"
        ),
        r"invalid matrix.*8",
    ),
    c(
        "nb101/parse/first-not-input",
        lambda: S101.parse('{"matrix": [[0, 1], [0, 0]], "ops": ["output", "output"]}'),
        r"ops\[0\]",
    ),
    c(
        "nb101/parse/ops-count",
        lambda: S101.parse('{"matrix": [[0, 1], [0, 0]], "ops": ["input"]}'),
        r"invalid ops.*expected 2 labels",
    ),
    c(
        "nb101/parse/ragged",
        lambda: S101.parse('{"matrix": [[0, 1], [0]], "ops": ["input", "output"]}'),
        r"matrix\[1\]",
    ),
    c(
        "nb101/parse/unicode-digit",
        lambda: S101.parse('{"matrix": [[0, \uff11], [0, 0]], "ops": ["input", "output"]}'),
        r"matrix'\]\[0\]\[1\].*unexpected character",
    ),
    c("nb101/parse/too-long", lambda: S101.parse(" " * 10_001), r"10,001 characters"),
    c("nb101/from_naslib/55-ints", lambda: S101.from_naslib(K101[:-1]), r"got 55"),
    c("nb101/from_naslib/entry-2", lambda: S101.from_naslib(key101(1, 2)), r"naslib_key\[1\] = 2"),
    c(
        "nb101/from_naslib/opcode-5",
        lambda: S101.from_naslib(key101(55, 5)),
        r"naslib_key\[55\].*op codes",
    ),
    c(
        "nb101/from_naslib/opcode-float",
        lambda: S101.from_naslib(key101(50, 3.0)),
        r"naslib_key\[50\]",
    ),
    c(
        "nb101/from_naslib/first-op-output",
        lambda: S101.from_naslib(key101(49, 1)),
        r"ops\[0\]",
    ),
    c(
        "nb101/from_naslib/text-plus",
        lambda: S101.from_naslib("(" + ", ".join(map(str, K101[:-1])) + ", +1)"),
        r"naslib_key\[55\].*unexpected character '\+'",
    ),
    c(
        "nb101/from_naslib/text-unicode",
        lambda: S101.from_naslib("(" + ", ".join(map(str, K101[:-1])) + ", \uff11)"),
        r"naslib_key\[55\]",
    ),
    c(
        "nb101/from_naslib/text-word",
        lambda: S101.from_naslib("(0, 1, x)"),
        r"naslib_key\[2\].*unexpected name 'x'",
    ),
    c(
        "nb101/from_naslib/text-nested",
        lambda: S101.from_naslib("[[0, 1], [0, 0]]"),
        r"naslib_key\[0\].*nested deeper",
    ),
    c(
        "nb101/from_naslib/text-big-int",
        lambda: S101.from_naslib("(" + "9" * 30 + ",)"),
        r"naslib_key\[0\].*more than 18 digits",
    ),
    c(
        "nb101/from_naslib/array-2d",
        lambda: S101.from_naslib(np.zeros((7, 8), int)),
        r"invalid naslib_key",
    ),
    c(
        "nb101/from_naslib/array-long",
        lambda: S101.from_naslib(np.zeros(10**6, int)),
        r"invalid naslib_key",
    ),
    c("nb101/from_naslib/none", lambda: S101.from_naslib(None), r"naslib_key = None"),
    c("nb101/coerce/int", lambda: S101.coerce(5), r"naslib_key = 5"),
    c(
        "nb101/arch/label-int",
        lambda: NB101Arch(((0, 1), (0, 0)), ("input", 7)),
        r"ops\[1\] = 7",
    ),
    c("nb101/arch/matrix-none", lambda: NB101Arch(None, ()), r"invalid matrix = None"),
    c(
        "nb101/arch/matrix-3d",
        lambda: NB101Arch(np.zeros((2, 2, 2)), ("input", "output")),
        r"invalid matrix.*3 dims",
    ),
    c(
        "nb101/build/stem-zero",
        lambda: S101.build_network(T101, stem_channels=0),
        r"stem_channels must be a positive int",
        ValueError,
    ),
    c(
        "nb101/complexity/stacks-bool",
        lambda: S101.complexity(T101, num_stacks=True),
        r"num_stacks",
        ValueError,
    ),
]

# ---------------------------------------------------------------- NAS-Bench-301
NB301 = [
    c("nb301/parse/not-a-string", lambda: S301.parse(3.5), r"invalid text = 3.5"),
    c("nb301/parse/empty", lambda: S301.parse(""), r"invalid text = ''"),
    c("nb301/parse/other-call", lambda: S301.parse("Network(normal=[])"), r"Genotype\(normal"),
    c(
        "nb301/parse/unterminated",
        lambda: S301.parse(T301[:-10]),
        r"reduce_concat.*the end of the text",
    ),
    c(
        "nb301/parse/code",
        lambda: S301.parse("__import__('os').system('echo hi')"),
        r"unexpected character '\.'",
    ),
    c(
        "nb301/parse/concat-range-huge",
        lambda: S301.parse(
            T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 10**9)")
        ),
        r"normal_concat.*unexpected character '\*'",
    ),
    c(
        "nb301/parse/concat-range-literal",
        lambda: S301.parse(
            T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(0, 1000000000)")
        ),
        r"invalid normal_concat = range\(0, 1000000000\)",
    ),
    c(
        "nb301/parse/concat-range-step-0",
        lambda: S301.parse(
            T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6, 0)")
        ),
        r"normal_concat.*step",
    ),
    c(
        "nb301/parse/concat-range-kwargs",
        lambda: S301.parse(
            T301.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=range(stop=6)")
        ),
        r"reduce_concat.*range\(\) takes",
    ),
    c(
        "nb301/parse/concat-short",
        lambda: S301.parse(T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 3, 4]")),
        r"invalid normal_concat = \[2, 3, 4\]",
    ),
    c(
        "nb301/parse/concat-string",
        lambda: S301.parse(T301.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat='2345'")),
        r"invalid reduce_concat",
    ),
    c(
        "nb301/parse/concat-list-call",
        lambda: S301.parse(
            T301.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=list(range(2, 6))")
        ),
        r"invalid normal_concat = list\(range\(2, 6\)\): NAS-Bench-301 concatenates",
    ),
    c(
        "nb301/parse/missing-reduce",
        lambda: S301.parse(T301.split(", reduce=")[0] + ")"),
        r"invalid reduce.*missing",
    ),
    c(
        "nb301/parse/repeated-field",
        lambda: S301.parse(T301.replace(", reduce_concat=[2, 3, 4, 5]", ", normal=[]")),
        r"normal.*given twice",
    ),
    c(
        "nb301/parse/unknown-field",
        lambda: S301.parse(T301.replace("reduce=", "reduced=")),
        r"invalid reduced",
    ),
    c(
        "nb301/parse/unknown-op",
        lambda: S301.parse(T301.replace("'sep_conv_5x5', 0", "'sep_conv_7x7', 0")),
        r"normal\[1\]\.op = 'sep_conv_7x7'",
    ),
    c(
        "nb301/parse/input-too-high",
        lambda: S301.parse(T301.replace("('dil_conv_3x3', 1)", "('dil_conv_3x3', 2)", 1)),
        r"normal\[0\]\.input = 2",
    ),
    c(
        "nb301/parse/same-inputs",
        lambda: S301.parse(T301.replace("('sep_conv_5x5', 0)", "('sep_conv_5x5', 1)", 1)),
        r"normal\[1\]\.input.*must differ",
    ),
    c(
        "nb301/parse/pair-of-three",
        lambda: S301.parse(T301.replace("('dil_conv_3x3', 1)", "('dil_conv_3x3', 1, 2)", 1)),
        r"normal\[0\] = .*pair",
    ),
    c(
        "nb301/parse/seven-pairs",
        lambda: S301.parse(T301.replace("('dil_conv_3x3', 1), ", "", 1)),
        r"invalid normal = ",
    ),
    c(
        "nb301/parse/unicode-digit",
        lambda: S301.parse(T301.replace("('dil_conv_3x3', 1)", "('dil_conv_3x3', \uff11)", 1)),
        r"normal\[0\]\[1\].*unexpected character",
    ),
    c(
        "nb301/parse/double-minus",
        lambda: S301.parse(T301.replace("('dil_conv_3x3', 1)", "('dil_conv_3x3', --1)", 1)),
        r"normal\[0\]\[1\].*unexpected character '-'",
    ),
    c(
        "nb301/parse/five-args",
        lambda: S301.parse("Genotype([], [], [], [], [])"),
        r"at most 4 arguments",
    ),
    c(
        "nb301/parse/deep",
        lambda: S301.parse("Genotype(normal=" + "[" * 50 + "]" * 50 + ")"),
        r"normal\[0\]\[0\]\[0\].*nested deeper",
    ),
    c("nb301/parse/too-long", lambda: S301.parse("G" * 10_001), r"10,001 characters"),
    c("nb301/from_naslib/one-cell", lambda: S301.from_naslib([K301[0]]), r"two cells"),
    c(
        "nb301/from_naslib/op-7",
        lambda: S301.from_naslib(key301(0, 1, (0, 7))),
        r"naslib_key\[0\]\[1\]\.op = 7",
    ),
    c(
        "nb301/from_naslib/op-float",
        lambda: S301.from_naslib(key301(1, 2, (0, 2.0))),
        r"naslib_key\[1\]\[2\]\.op",
    ),
    c(
        "nb301/from_naslib/pair-short",
        lambda: S301.from_naslib(key301(0, 3, (1,))),
        r"naslib_key\[0\]\[3\] = \(1,\)",
    ),
    c(
        "nb301/from_naslib/input-bad",
        lambda: S301.from_naslib(key301(0, 0, (9, 1))),
        r"normal\[0\]\.input = 9",
    ),
    c(
        "nb301/from_naslib/cell-short",
        lambda: S301.from_naslib([K301[0][:7], K301[1]]),
        r"naslib_key\[0\].*8",
    ),
    c(
        "nb301/from_naslib/text-bad",
        lambda: S301.from_naslib("[[(0, 1), (1, 2)"),
        r"naslib_key\[0\]\[1\]",
    ),
    c(
        "nb301/from_naslib/text-call",
        lambda: S301.from_naslib("[eval('1')]"),
        r"naslib_key\[0\].*calls are not allowed",
    ),
    c(
        "nb301/from_naslib/array",
        lambda: S301.from_naslib(np.zeros((2, 8, 3), int)),
        r"naslib_key.*\(2, 8, 2\)",
    ),
    c("nb301/from_naslib/int", lambda: S301.from_naslib(42), r"naslib_key = 42"),
    c(
        "nb301/from_config/unknown-key",
        lambda: S301.from_config({**S301.to_config(A301), "NetworkSelectorDatasetInfo:darts:x": 1}),
        r"darts:x",
    ),
    c(
        "nb301/from_config/bad-op",
        lambda: S301.from_config(
            {k: ("conv_9x9" if v == "dil_conv_3x3" else v) for k, v in S301.to_config(A301).items()}
        ),
        r"edge_normal_\d+\] = 'conv_9x9'",
    ),
    c(
        "nb301/arch/cell-array-big",
        lambda: NB301Arch(np.zeros(10**6), CELL),
        r"invalid normal.*8 pairs",
    ),
    c("nb301/arch/op-int", lambda: NB301Arch(((3, 0),) * 8, CELL), r"normal\[0\]\.op = 3"),
    c(
        "nb301/build/channels-zero",
        lambda: S301.build_network(A301, channels=0),
        r"channels must be a positive int",
        ValueError,
    ),
    c(
        "nb301/complexity/layers-str",
        lambda: S301.complexity(A301, layers="8"),
        r"layers must be a positive int, got '8'",
        ValueError,
    ),
]

# ------------------------------------------------------ TransNAS-Bench-101 micro / macro
MICRO, MACRO = get_space("tnb101_micro"), get_space("tnb101_macro")
TMICRO, TMACRO = "64-41414-1_02_333", "64-41414-basic"


def tm(id_, fn, match, exc=IAE):
    return c(f"tnb101_{id_}", fn, match, exc)


TNB101 = [
    tm("micro/parse/not-a-string", lambda: MICRO.parse(b"64-41414-1_02_333"), r"invalid text"),
    tm("micro/parse/empty", lambda: MICRO.parse(""), r"invalid text = ''.*base-modules-cell"),
    tm("micro/parse/base", lambda: MICRO.parse("32-41414-1_02_333"), r"text\.base_channels"),
    tm("micro/parse/modules", lambda: MICRO.parse("64-4141-1_02_333"), r"text\.modules = '4141'"),
    tm("micro/parse/groups", lambda: MICRO.parse("64-41414-10_2_333"), r"text\.cell = '10_2_333'"),
    tm("micro/parse/op-code", lambda: MICRO.parse("64-41414-1_02_334"), r"text\.cell\[5\]"),
    tm(
        "micro/parse/unicode-digit",
        lambda: MICRO.parse("64-41414-1_02_33\uff13"),
        r"text\.cell\[5\] = '\uff13'",
    ),
    tm(
        "micro/parse/nb201-form-unicode",
        lambda: MICRO.parse("|nor_conv_3x3~\uff10|+|none~0|none~1|+|none~0|none~1|none~2|"),
        r"node1\.input0.*expected 'op~index'",
    ),
    tm(
        "micro/parse/nb201-form-op",
        lambda: MICRO.parse("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
        r"node1\.input0 = 'avg_pool_3x3'.*unknown operation",
    ),
    tm("micro/parse/long", lambda: MICRO.parse("-" * 100_000 + "1"), r"100,001 characters"),
    tm("micro/naslib/short", lambda: MICRO.from_naslib((1, 0, 2)), r"naslib_key.*expected 6 ints"),
    tm("micro/naslib/range", lambda: MICRO.from_naslib((1, 0, 2, 3, 3, 4)), r"naslib_key\[5\] = 4"),
    tm("micro/naslib/float", lambda: MICRO.from_naslib((1, 0, 2, 3, 3, 3.0)), r"naslib_key\[5\]"),
    tm(
        "micro/naslib/text-expression",
        lambda: MICRO.from_naslib("(1, 0, 2, 3, 3, 10**9)"),
        r"naslib_key\[5\].*unexpected character '\*'",
    ),
    tm(
        "micro/naslib/text-nested",
        lambda: MICRO.from_naslib("(" * 100 + ")" * 100),
        r"naslib_key.*nested deeper than 1",
    ),
    tm(
        "micro/naslib/text-huge-int",
        lambda: MICRO.from_naslib("(1, 0, 2, 3, 3, " + "9" * 40 + ")"),
        r"naslib_key\[5\].*more than 18 digits",
    ),
    tm(
        "micro/naslib/text-long",
        lambda: MICRO.from_naslib("1," * 50_000),
        r"naslib_key.*100,000 characters; architecture text is at most 256",
    ),
    tm("micro/coerce/int", lambda: MICRO.coerce(5), r"tnb101_micro"),
    tm("macro/parse/cell", lambda: MACRO.parse("64-41414-1_02_333"), r"text\.cell = '1_02_333'"),
    tm(
        "macro/parse/module-code", lambda: MACRO.parse("64-41415-basic"), r"text\.modules = '41415'"
    ),
    tm("macro/parse/unicode", lambda: MACRO.parse("64-4141\uff14-basic"), r"text\.modules"),
    tm("macro/parse/too-few", lambda: MACRO.parse("64-41-basic"), r"modules.*4 to 6 modules"),
    tm("macro/parse/too-many", lambda: MACRO.parse("64-4141414-basic"), r"modules.*4 to 6"),
    tm("macro/parse/long", lambda: MACRO.parse("a" + ".b" * 100_000), r"200,001 characters"),
    tm("macro/naslib/gap", lambda: MACRO.from_naslib((1, 2, 0, 3, 4, 1)), r"naslib_key\[2\] = 0"),
    tm("macro/naslib/code", lambda: MACRO.from_naslib((1, 2, 3, 4, 5, 0)), r"naslib_key\[4\] = 5"),
    tm("macro/naslib/bool", lambda: MACRO.from_naslib((True, 2, 3, 4, 0, 0)), r"naslib_key\[0\]"),
    tm(
        "macro/sample/too-many-distinct",
        lambda: MACRO.sample(5000),
        r"cannot draw 5000 distinct architectures from tnb101_macro.*3256",
        ValueError,
    ),
    tm(
        "micro/sample/unique-str",
        lambda: MICRO.sample(2, unique="yes"),
        r"unique must be True, False or None, got 'yes'",
        TypeError,
    ),
    tm(
        "micro/sample/n-float",
        lambda: MICRO.sample(2.5),
        r"n must be a non-negative int",
        ValueError,
    ),
    c(  # another space's value: it had been read as a NASLib key ("expected six op indices")
        "nb201/coerce/nb301-value",
        lambda: get_space("nb201").coerce(A301),
        r"nb201: invalid arch = NB301Arch\(.*a NB301Arch is an architecture of nb301, not of nb201$",
    ),
    c(
        "nb301/sample/n-huge",  # 10**12 of a ~1e18 space: memory ran out before the error
        lambda: get_space("nb301").sample(10**12, unique=False),
        r"n=1,000,000,000,000: sample\(\) returns at most 10,000,000 architectures",
        ValueError,
    ),
]

CASES = NB201 + NB101 + NB301 + TNB101


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_space_input(case: Case, tmp_path) -> None:
    check(case, tmp_path)

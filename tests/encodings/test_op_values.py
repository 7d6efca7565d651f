"""Numeric choices: a space's ``op_values`` checked once and read by the default encodings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import examples.width_space  # registers "widths" and "widths_categorical"
import nasperf
from nasperf import encodings, predictors
from nasperf.spaces import SpaceDefinitionError

ARCH = "8:64:24:16:40"
#: (w - 8) / 56 for each layer of ARCH: the widths scaled by their declared range
SCALED = [0.0, 1.0, 16 / 56, 8 / 56, 32 / 56]


def _space(op_values):
    base = nasperf.get_space("widths")
    cls = type("Declared", (type(base),), {"name": "widths_test", "op_values": op_values})
    return cls()


def test_node_value_table_scales_each_field_by_its_declared_range() -> None:
    fields, table = nasperf.get_space("widths").node_value_table()
    assert fields == ("width",)
    # node_labels: input, c8 .. c64, output
    np.testing.assert_array_equal(table[:, 0], [0, *[(w - 8) / 56 for w in range(8, 65, 8)], 0])
    fields, table = nasperf.get_space("widths_categorical").node_value_table()
    assert fields == () and table.shape == (10, 0)
    two = {f"c{w}": {"width": w, "cost": 5.0} for w in range(8, 65, 8)}
    fields, table = _space(two).node_value_table()
    assert fields == ("width", "cost")
    np.testing.assert_array_equal(table[:, 1], 0.0)  # one value: no information, 0


def test_values_spanning_more_than_float64_holds_scale_without_nan() -> None:
    """-1e308 and 1e308 are finite, but their difference overflows: the field had scaled to
    NaN (numpy's overflow warning, then xgb training on NaN, gp refusing its input). Scaled
    from halves, they give 0 and 1, as any two values do."""
    huge = {f"c{w}": {"width": 1e308 if w > 32 else -1e308} for w in range(8, 65, 8)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        _, table = _space(huge).node_value_table()
    np.testing.assert_array_equal(table[:, 0], [0, 0, 0, 0, 0, 1, 1, 1, 1, 0])


@pytest.mark.parametrize(
    ("op_values", "field", "words"),
    [
        ({"c8": {"width": 8}, "c12": {"width": 12}}, "op_values['c12']", "not a node label"),
        ({"c8": {"width": 8}, "c16": {"depth": 2}}, "op_values['c16']", "missing width"),
        ({"c8": {"width": True}}, "op_values['c8']['width']", "finite real"),
        ({"c8": {"width": float("nan")}}, "op_values['c8']['width']", "finite real"),
        ({"c8": {"width": "8"}}, "op_values['c8']['width']", "finite real"),
        ({"c8": {"not a name": 8}}, "op_values['c8']['not a name']", "identifiers"),
        ({"output": {"width": 8}}, "op_values['output']", "carry no operation values"),
        ({"c8": {}}, "op_values['c8']", "at least one field"),
        ({"c8": 8}, "op_values", "mapping from node label"),
    ],
)
def test_a_bad_declaration_is_one_error_naming_the_label_and_field(op_values, field, words):
    space = _space(op_values)
    for call in (lambda: space.graph_batch([ARCH]), lambda: space.hash(ARCH)):
        with pytest.raises(SpaceDefinitionError) as info:
            call()
        assert info.value.field == field and info.value.space == "widths_test"
        assert words in str(info.value)


def test_adjacency_appends_the_scaled_widths_per_node() -> None:
    values = encodings.get("adjacency_onehot", space="widths").fit([ARCH])
    plain = encodings.get("adjacency_onehot", space="widths_categorical").fit([ARCH])
    X, P = values.transform([ARCH]), plain.transform([ARCH])
    # the categorical encoding unchanged, then one column per node (input and output: 0)
    np.testing.assert_array_equal(X[:, : P.shape[1]], P)
    np.testing.assert_allclose(X[0, P.shape[1] :], [0, *SCALED, 0], rtol=1e-7)  # float32
    names = values.get_feature_names_out()
    assert list(names[-7:]) == [f"cell0_node{v}_value_width" for v in range(7)]
    # path_auto picks adjacency on a chain (paths are identifiers there): the same columns
    auto = encodings.get("path_auto", space="widths").fit(nasperf.get_space("widths").sample(50))
    assert auto.chosen_ == "adjacency_onehot"
    np.testing.assert_array_equal(auto.transform([ARCH]), X)


def test_graf_appends_the_cells_width_sum() -> None:
    enc = encodings.get("graf", space="widths").fit([ARCH, "8:8:8:8:8"])
    X = enc.transform([ARCH, "64:64:64:64:64"])
    assert enc.get_feature_names_out()[-1] == "cell0_sum_width"
    np.testing.assert_allclose(X[:, -1], [sum(SCALED), 5.0], rtol=1e-6)


@pytest.mark.parametrize("view", ["ops_on_nodes", "ops_on_edges"])
def test_graph_encoding_carries_the_widths(view: str) -> None:
    enc = encodings.get("graph", space="widths", view=view).fit([ARCH])
    data = enc.transform([ARCH])[0]
    if view == "ops_on_nodes":
        assert data.x.shape == (7, 11) and enc.get_feature_names_out()[-1] == "width"
        got = data.x[:, -1]
        want = [0, *SCALED, 0]
    else:  # five operation edges in chain order, each with its width
        assert data.edge_attr.shape == (5, 10)
        got, want = data.edge_attr[:, -1], SCALED
    torch.testing.assert_close(got, torch.tensor(want, dtype=torch.float32))


def test_gnn_fast_path_equals_the_graph_encoding() -> None:
    """The dense tensors built from the space's arrays equal those of the Data objects."""
    from nasperf.predictors.graph.gnn import GraphInput, _Packed

    space = nasperf.get_space("widths")
    archs = space.sample(20, seed=3)
    enc = encodings.get("graph", space=space).fit(archs)
    fast = GraphInput(
        None, batch=space.graph_batch(archs), n_node_labels=10, node_values=enc.value_table_
    )
    slow = GraphInput(enc.transform(archs))
    a, b = _Packed(fast, None, torch.device("cpu")), _Packed(slow, None, torch.device("cpu"))
    assert a.x.shape == (20, 7, 11)
    torch.testing.assert_close(a.x, b.x, rtol=0, atol=0)
    torch.testing.assert_close(a.adj, b.adj, rtol=0, atol=0)
    model = predictors.get("gin", space=space, epochs=2, random_state=0)
    model.fit(archs, np.arange(20.0))
    assert model.n_node_features_ == 11


def test_spaces_without_op_values_encode_as_before() -> None:
    """No declaration: no new column, attribute or name (packaged spaces are bit-identical;
    the branch's before / after comparison covers their predictions)."""
    archs = nasperf.get_space("nb201").sample(10, seed=0)
    for name in ("adjacency_onehot", "graf"):
        enc = encodings.get(name, space="nb201").fit(archs)
        assert enc.value_fields_ == ()
        assert not any("value" in n or "_sum_" in n for n in enc.get_feature_names_out())
    enc = encodings.get("adjacency_onehot", space="nb201").fit(archs)
    # 8 nodes (input, six edge operations, output): 28 adjacency entries, 8 x 5 one-hots
    assert enc.n_features_out_ == 28 + 8 * 5


class _SameLabel(type(nasperf.get_space("widths"))):
    """The width space written as "the graph is fixed": every layer labelled ``conv3x3``,
    the widths only in the architecture value (cells() cannot tell networks apart)."""

    name = "widths_same_label_test"
    ops = ("conv3x3",)
    op_values = None

    def cells(self, arch):
        from nasperf.spaces import CellGraph

        adj = tuple(tuple(int(j == i + 1) for j in range(7)) for i in range(7))
        return (CellGraph(adjacency=adj, ops=("input", *("conv3x3",) * 5, "output")),)


def _warnings(call) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_cells_that_do_not_tell_architectures_apart_are_named_once() -> None:
    space = _SameLabel()
    archs = space.sample(40, seed=0)
    y = np.array([examples.width_space.synthetic_accuracy(a.channels) for a in archs])
    for fit in (
        lambda: encodings.get("adjacency_onehot", space=space).fit(archs),
        lambda: encodings.get("path_auto", space=space).fit(archs),  # fits two inside: once
        lambda: predictors.get("xgb", space=space, n_estimators=5).fit(archs, y),
    ):
        (message,) = _warnings(fit)
        assert message.startswith(
            "widths_same_label_test: the 40 distinct architectures fitted on have identical "
            "cells() (e.g. "
        )
        assert "cells() must carry every choice" in message
    # the defect it names: one encoding for all, one hash for networks of different sizes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = encodings.get("adjacency_onehot", space=space).fit(archs).transform(archs)
    assert len(np.unique(X, axis=0)) == 1
    assert space.hash("8:8:8:8:8") == space.hash("64:64:64:64:64")


@pytest.mark.parametrize(
    ("space", "texts"),
    [
        # two distinct values sharing their cells may be one network (an inactive choice)
        ("same", ["8:8:8:8:8", "64:64:64:64:64", "8:8:8:8:8"]),
        # repeats of one architecture are one distinct value
        ("same", ["16:16:16:16:16"] * 5),
        # isomorphic NB201 cells: different node labels, so different cells
        (
            "nb201",
            [
                "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
                "|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|",
                "|none~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|",
            ],
        ),
        ("widths", ["8:8:8:8:8", "16:16:16:16:16", "24:24:24:24:24"]),
    ],
)
def test_no_warning_where_the_cells_may_legitimately_coincide(space, texts) -> None:
    space = _SameLabel() if space == "same" else nasperf.get_space(space)
    assert _warnings(lambda: encodings.get("adjacency_onehot", space=space).fit(texts)) == []

"""`nasperf info` lists what the installation offers, from the registries."""

from __future__ import annotations

from nasperf import cli, datasets, predictors


def test_info_lists_registered_members_and_their_needs(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out.splitlines()
    (spaces,) = [line for line in out if line.startswith("search spaces: ")]
    # other tests may have registered their own spaces in this process
    assert {"nb101", "nb201", "nb301"} <= set(spaces.split(": ")[1].split(", "))
    (tables,) = [line for line in out if line.startswith("zero-cost tables: ")]
    listed_tables = tables.split(": ")[1].split(", ")
    assert "nb201/cifar10" in listed_tables
    assert listed_tables == [f"{s}/{d}" for s, d in datasets.available_zero_cost()]
    listed = [line.split()[1] for line in out if line.startswith("predictor ")]
    assert listed == predictors.available()
    assert "predictor omni (uses zero_cost, learning_curves if given)" in out
    assert "predictor zc_proxy (needs no labels)" in out
    assert "predictor rsws (needs images, supernet training, no labels)" in out

"""`nasperf info` lists what the installation offers, from the registries."""

from __future__ import annotations

from nasperf import cli, predictors


def test_info_lists_registered_members_and_their_needs(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "search spaces: nb101, nb201, nb301" in out
    assert "zero-cost tables: nb201/cifar10" in out
    listed = [line.split()[1] for line in out if line.startswith("predictor ")]
    assert listed == predictors.available()
    assert "predictor omni (needs zero_cost, learning_curves)" in out
    assert "predictor zc_proxy (needs no labels)" in out

"""Screening: ``nasperf screen`` and ``nasperf.pretrained.screen`` rank what parses, report
what does not by line number, and keep memory bounded with ``top``."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest

import nasperf
from nasperf import cli, pretrained

SPACE = nasperf.get_space("nb201")
TREE = ["screen", "--checkpoint", "nb201-cifar10-tree", "--archs"]


def _cells(n, seed=0):
    return [SPACE.to_string(a) for a in SPACE.sample(n, seed=seed)]


@pytest.fixture
def arch_file(tmp_path):
    """Lines: 1 comment, 2-3 valid, 4 malformed, 5 blank, 6 NASLib key, 7 garbage, 8-12 valid."""
    cells = _cells(8)
    lines = [
        "# candidate cells",
        cells[0],
        "  " + cells[1] + "  ",
        "|nor_conv_3x3~0|+|none~0|",
        "",
        "(4, 3, 3, 3, 2, 3)",
        "not an architecture",
        *cells[2:7],
    ]
    path = tmp_path / "cells.txt"
    path.write_text("\n".join(lines) + "\n")
    valid_lines = [2, 3, 6, 8, 9, 10, 11, 12]
    texts = [cells[0], cells[1], "(4, 3, 3, 3, 2, 3)", *cells[2:7]]
    return path, valid_lines, texts


def test_cli_reports_malformed_lines_and_ranks_the_rest(arch_file, tmp_path, capsys, tree_ckpt):
    path, valid_lines, texts = arch_file
    out = tmp_path / "ranked.csv"
    rc = cli.main([*TREE, str(path), "--out", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    reported = [line for line in err.splitlines() if ": line " in line]
    assert [r.split(": line ")[1].split(":")[0] for r in reported] == ["4", "7"]
    assert "expected 3 node groups separated by '+', found 2" in reported[0]
    assert "invalid text = 'not an architecture': must start and end with '|'" in reported[1]
    assert "screened 8 architectures" in err and "2 malformed entries skipped" in err
    ranked = pd.read_csv(out)
    assert list(ranked.columns) == ["rank", "line", "arch", "prediction"]
    assert list(ranked["rank"]) == list(range(1, 9))
    assert sorted(ranked["line"]) == valid_lines
    expected = dict(zip(valid_lines, tree_ckpt.predict(texts), strict=True))
    np.testing.assert_allclose(ranked["prediction"], [expected[v] for v in ranked["line"]])
    assert np.all(np.diff(ranked["prediction"]) <= 0)
    assert ranked.set_index("line").loc[3, "arch"] == texts[1]  # stripped text as written


def test_cli_top_k_to_stdout_is_the_head_of_the_full_ranking(arch_file, capsys, tree_ckpt):
    path, _, _ = arch_file
    full = pretrained.screen(tree_ckpt, path).ranking
    rc = cli.main([*TREE, str(path), "--top", "3"])
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "rank,line,arch,prediction"
    got = [int(row.split(",")[1]) for row in lines[1:]]
    assert got == list(full["line"][:3])


def test_cli_usage_errors(tmp_path, capsys):
    assert cli.main(["screen", "--checkpoint", "nope", "--archs", str(tmp_path / "x")]) == 2
    assert "unknown pre-trained checkpoint 'nope'" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("garbage\n")
    assert cli.main([*TREE, str(empty)]) == 1
    assert cli.main(["screen", "--list"]) == 0
    assert "nb201-cifar10-gnn" in capsys.readouterr().out


def _saved_xgb(path, target: str, n: int):
    """An xgb fitted on ``n`` NB201 cells' ``target``, and the file it was saved to."""
    table = nasperf.load_benchmark("nb201", "cifar10").sample(n, random_state=0)
    pred = nasperf.predictors.get("xgb", space="nb201", random_state=0, n_estimators=20)
    pred.fit(list(table.index), table[target].to_numpy())
    pred.save(path)
    return pred, path


def test_cli_screens_with_a_predictor_you_saved(arch_file, tmp_path, capsys):
    """``nasperf screen --predictor FILE``: a saved predictor of your own ranks the file as
    ``pretrained.screen`` does with it in Python (the command took packaged checkpoints
    only)."""
    path, valid_lines, texts = arch_file
    pred, saved = _saved_xgb(tmp_path / "mine.zip", "val_acc_200ep", 60)
    out = tmp_path / "ranked.csv"
    assert (
        cli.main(["screen", "--predictor", str(saved), "--archs", str(path), "--out", str(out)])
        == 0
    )
    assert "screened 8 architectures with mine.zip" in capsys.readouterr().err
    ranked = pd.read_csv(out)
    expected = dict(zip(valid_lines, pred.predict(texts), strict=True))
    np.testing.assert_allclose(ranked["prediction"], [expected[v] for v in ranked["line"]])
    assert np.all(np.diff(ranked["prediction"]) <= 0)
    both = ["screen", "--predictor", str(saved), "--checkpoint", "nb201-cifar10-tree"]
    assert cli.main([*both, "--archs", str(path)]) == 2
    assert "give --checkpoint or --predictor, not both" in capsys.readouterr().err
    missing = ["screen", "--predictor", str(tmp_path / "none.zip"), "--archs", str(path)]
    assert cli.main(missing) == 2
    assert "predictor file" in capsys.readouterr().err


def test_a_predictor_of_latency_ranks_the_lowest_first_with_minimize(arch_file, tmp_path):
    """A predictor fitted on a latency had its slowest cells ranked "best" (and --top K kept
    them): --minimize / maximize=False ranks the lowest predictions first."""
    path, valid_lines, texts = arch_file
    pred, saved = _saved_xgb(tmp_path / "latency.zip", "edgegpu_latency", 80)
    want = sorted(zip(pred.predict(texts), valid_lines, strict=True))  # lowest first, ties by line
    for top in (None, 3):
        out = tmp_path / f"ranked{top}.csv"
        argv = ["screen", "--predictor", str(saved), "--archs", str(path), "--out", str(out)]
        assert cli.main([*argv, "--minimize", *(["--top", str(top)] if top else [])]) == 0
        ranked = pd.read_csv(out)
        assert list(ranked["line"]) == [line for _, line in want][: top or len(want)]
        in_python = pretrained.screen(pred, path, top=top, maximize=False).ranking
        assert list(in_python["line"]) == list(ranked["line"])
    highest = pretrained.screen(pred, path).ranking  # the default: highest first
    assert np.all(np.diff(highest["prediction"]) <= 0)
    with pytest.raises(TypeError, match=r"maximize must be True or False"):
        pretrained.screen(pred, path, maximize="low")


def test_top_k_and_spilled_ranking_agree_across_batches(tree_ckpt, tmp_path):
    cells = _cells(300, seed=4)
    path = tmp_path / "many.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(cells) + "\n")
    full = pretrained.screen(tree_ckpt, path, batch_size=64)
    top = pretrained.screen(tree_ckpt, path, batch_size=37, top=25)
    assert full.n_screened == 300 and full.n_bad == 0
    # exact: a tree model predicts each row alone (no batch-dependent float sums)
    pd.testing.assert_frame_equal(top.ranking, full.ranking.head(25))
    # ties (repeated cells) keep file order: equal predictions, increasing line numbers
    scores = tree_ckpt.predict(cells)
    order = np.lexsort((np.arange(300), -scores))
    assert list(full.ranking["line"]) == list(order + 1)
    out = tmp_path / "full.csv"
    pretrained.screen(tree_ckpt, path, out=out, batch_size=50)
    np.testing.assert_allclose(pd.read_csv(out)["prediction"], full.ranking["prediction"])


def test_csv_and_naslib_json_inputs(tree_ckpt, tmp_path):
    cells = _cells(3, seed=2)
    csv_path = tmp_path / "cells.csv"
    csv_path.write_text(f'id,arch\n1,"{cells[0]}"\n2,\n3,"{cells[1]}"\n4,"|bad|"\n')
    res = pretrained.screen(tree_ckpt, csv_path)
    assert res.n_screened == 2
    assert [(b.line, b.where) for b in res.bad] == [(3, "line 3"), (5, "line 5")]
    assert "no architecture in column 'arch'" in res.bad[0].error
    assert set(res.ranking["arch"]) == {cells[0], cells[1]}

    naslib = {
        "nasbench201": {
            "cifar10": {
                "(4, 3, 3, 3, 2, 3)": {"synflow": 1.0},
                "(9, 9)": {"synflow": 2.0},
                "(0, 1, 2, 3, 4, 0)": {"synflow": 3.0},
            }
        }
    }
    json_path = tmp_path / "zc.json"
    json_path.write_text(json.dumps(naslib))
    res = pretrained.screen(tree_ckpt, json_path)
    assert res.n_screened == 2 and [b.where for b in res.bad] == ["entry 2"]
    np.testing.assert_allclose(
        sorted(res.ranking["prediction"]),
        sorted(tree_ckpt.predict(["(4, 3, 3, 3, 2, 3)", "(0, 1, 2, 3, 4, 0)"])),
    )


def test_gnn_checkpoint_screens_values_in_memory(gnn_ckpt):
    archs = SPACE.sample(50, seed=9)
    res = pretrained.screen(gnn_ckpt, archs, top=5)
    best = np.sort(gnn_ckpt.predict(archs))[::-1][:5]
    np.testing.assert_allclose(res.ranking["prediction"], best)
    assert res.ranking["arch"].map(SPACE.parse).map(SPACE.to_string).equals(res.ranking["arch"])


def test_predictors_with_uncertainty_report_std(build_script, mini_root, tmp_path):
    from nasperf import predictors
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10")
    archs, y = list(table.index[:80]), table["val_acc_200ep"].to_numpy()[:80]
    pred = predictors.get("dngo", space="nb201", epochs=20, random_state=0).fit(archs[:60], y[:60])
    meta = {
        "space": "nb201",
        "dataset": "cifar10",
        "target": "val_acc_200ep",
        "predictor": "dngo",
        "encoding": "adjacency_onehot",
        "zero_cost": None,
        "uncertainty": True,
        "training_data": {},
        "metrics": {},
        "reference": {"archs": archs[:4], "predictions": pred.predict(archs[:4]).tolist()},
        "nasperf_version": nasperf.__version__,
    }
    build_script.write_checkpoint(mini_root, "with-std", pred, meta)
    build_script.refresh_manifest(mini_root)
    ckpt = pretrained.load("with-std", root=mini_root)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(archs[60:]) + "\n")
    out = tmp_path / "ranked.csv"
    pretrained.screen(ckpt, path, out=out)
    ranked = pd.read_csv(out)
    assert list(ranked.columns) == ["rank", "line", "arch", "prediction", "std"]
    lines = ranked["line"].to_numpy() - 1
    texts = [archs[60 + i] for i in lines]
    # The same model on the rows in another order: its float32 features may be summed in
    # another order by the matrix kernels (~1e-7 relative), and the std follows.
    np.testing.assert_allclose(ranked["std"], ckpt.predict_std(texts), rtol=1e-6)
    np.testing.assert_allclose(ranked["std"], pred.predict_std(texts), rtol=1e-6)
    assert (ranked["std"] > 0).all()


def test_architectures_of_another_space_are_one_error_not_one_per_line(tree_ckpt, tmp_path, capsys):
    nb101 = nasperf.get_space("nb101")
    path = tmp_path / "nb101.txt"
    path.write_text("\n".join(nb101.to_string(a) for a in nb101.sample(30, seed=0)) + "\n")
    reported = []
    with pytest.raises(pretrained.WrongSpaceError) as err:
        pretrained.screen(tree_ckpt, path, on_bad=reported.append)
    assert str(err.value) == (
        f"{path}: these are nb101 architectures (the first 20 parse as nb101, none as nb201), "
        "but checkpoint 'nb201-cifar10-tree' is for nb201; checkpoints for nb101: nb101-cifar10"
    )
    assert reported == []  # nothing was reported line by line before the error
    assert cli.main([*TREE, str(path)]) == 2
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 1 and "these are nb101 architectures" in err_lines[0]
    # a file that is only partly malformed still reports its bad lines one by one
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("\n".join([*_cells(3), nb101.to_string(nb101.sample(1, seed=1)[0])]) + "\n")
    result = pretrained.screen(tree_ckpt, mixed, on_bad=reported.append)
    assert result.n_screened == 3 and [b.line for b in reported] == [4]


def test_a_registered_space_that_cannot_be_made_does_not_change_the_answer(
    tree_ckpt, tmp_path, monkeypatch
):
    # looking for the space a file's architectures belong to builds every registered
    # space: one a user registered without build_network had turned the WrongSpaceError
    # into its own error
    from nasperf.spaces import SPACES
    from tests.search.user_spaces import Chain8Space

    SPACES.names()
    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))

    class Half(Chain8Space):
        name = "screen_test_half_space"

    Half.__abstractmethods__ = frozenset({"build_network"})
    SPACES.register(Half.name)(Half)
    with pytest.raises(ValueError, match="cannot be used"):
        nasperf.get_space(Half.name)
    nb101 = nasperf.get_space("nb101")
    path = tmp_path / "nb101.txt"
    path.write_text("\n".join(nb101.to_string(a) for a in nb101.sample(3, seed=0)) + "\n")
    with pytest.raises(pretrained.WrongSpaceError, match="these are nb101 architectures"):
        pretrained.screen(tree_ckpt, path)


def test_a_naslib_json_of_another_naslib_space_is_refused(tree_ckpt, tmp_path):
    # TransNAS-Bench-101 micro keys parse as NB201 keys: only the file's space name tells.
    keys = {"(1, 2, 3, 1, 2, 3)": {"synflow": 1.0}, "(0, 1, 2, 3, 0, 1)": {"synflow": 2.0}}
    path = tmp_path / "zc.json"
    path.write_text(json.dumps({"transbench101_micro": {"class_scene": keys}}))
    with pytest.raises(pretrained.WrongSpaceError) as err:
        pretrained.screen(tree_ckpt, path)
    assert str(err.value).startswith(
        f"{path}: NASLib JSON of tnb101_micro architectures, but checkpoint "
        "'nb201-cifar10-tree' is for nb201; checkpoints for tnb101_micro: "
    )
    path.write_text(json.dumps({"nasbench201": {"cifar10": keys}}))
    assert pretrained.screen(tree_ckpt, path).n_screened == 2


def test_damaged_gzip_files_are_one_error_naming_the_file(tree_ckpt, tmp_path, capsys):
    text = ("\n".join(_cells(2000)) + "\n").encode()
    whole = gzip.compress(text)
    cases = {
        "cut.txt.gz": whole[: len(whole) // 2],
        "flipped.txt.gz": whole[:200] + bytes(b ^ 0xFF for b in whole[200:400]) + whole[400:],
        "plain.txt.gz": text,
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{path}: truncated or corrupt gzip data \("):
            pretrained.screen(tree_ckpt, path, batch_size=100)
        assert cli.main([*TREE, str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"nasperf screen: error: {path}: {err[0].split(f'{path}: ', 1)[1]}"]
        assert "truncated or corrupt gzip data" in err[0]


def test_a_byte_order_mark_is_skipped(tree_ckpt, tmp_path):
    cells = _cells(2)
    lines = tmp_path / "bom.txt"
    lines.write_bytes(b"\xef\xbb\xbf" + "\n".join(cells).encode() + b"\n")
    assert pretrained.screen(tree_ckpt, lines).n_screened == 2
    table = tmp_path / "bom.csv"
    table.write_bytes(b"\xef\xbb\xbfarch,acc\n" + f"{cells[0]},1\n{cells[1]},2\n".encode())
    assert pretrained.screen(tree_ckpt, table, column="arch").n_screened == 2


def test_utf16_and_other_separators_are_one_error_not_one_per_line(tree_ckpt, tmp_path):
    # each had been reported as hundreds of malformed entries ("'\\x00|\\x00n\\x00o...'")
    cells = _cells(20)
    csv_text = "arch,acc\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells))
    for name, data in {
        "utf16.csv": csv_text.encode("utf-16"),
        "utf16.txt": ("\n".join(cells) + "\n").encode("utf-16-le"),
        "utf16.txt.gz": gzip.compress(("\n".join(cells)).encode("utf-16")),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{path}: not UTF-8 text \(it holds NUL bytes"):
            pretrained.screen(tree_ckpt, path)
    for sep in (";", "\t"):
        path = tmp_path / "semicolons.csv"
        path.write_text(csv_text.replace(",", sep))
        with pytest.raises(
            ValueError,
            match=rf"line 1: the header .* is one field: .* looks {re.escape(repr(sep))}-",
        ):
            pretrained.screen(tree_ckpt, path)
    one = tmp_path / "one.csv"  # one column is fine
    one.write_text("arch\n" + "\n".join(cells) + "\n")
    assert pretrained.screen(tree_ckpt, one).n_screened == 20


def test_json_input_is_bounded(tree_ckpt, tmp_path, monkeypatch):
    from nasperf.pretrained import screening

    monkeypatch.setattr(screening, "MAX_JSON_CHARS", 1000)
    path = tmp_path / "many.json.gz"
    path.write_bytes(gzip.compress(json.dumps(_cells(100)).encode()))
    with pytest.raises(ValueError, match=r"JSON of more than 1,000 characters; JSON is read whole"):
        pretrained.screen(tree_ckpt, path, top=1)


def test_a_json_list_of_millions_of_empty_lists_is_refused_before_parsing(
    tree_ckpt, tmp_path, never_parse_json, capsys
):
    # ``[[],[],...]``: 25 MB of text (24 KB compressed), under MAX_JSON_CHARS, that parsed
    # to 8.4 M lists would take ~600 MB (at 256 Mi characters: 6 GB, a bare MemoryError)
    from nasperf.datasets.readers import MAX_JSON_VALUES

    n = MAX_JSON_VALUES // 2 + 1  # one '[' and one ',' each
    path = tmp_path / "jb.json.gz"
    path.write_bytes(gzip.compress(b"[" + b"[]," * (n - 1) + b"[]]"))
    assert path.stat().st_size < 100_000
    never_parse_json("[[],[],")
    message = (
        rf"{path}: JSON of more than 16,777,216 values \(objects, arrays, numbers, strings\); "
        r"JSON is parsed whole, each value taking memory; give this many architectures one "
        r"per line \(format 'lines'\) or as CSV, which are streamed"
    )
    with pytest.raises(ValueError, match=message):
        pretrained.screen(tree_ckpt, path, top=5)
    assert cli.main([*TREE, str(path), "--top", "5", "--out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "JSON of more than 16,777,216 values" in err[0]
    assert "Traceback" not in err[0] and not (tmp_path / "r.csv").exists()


def test_json_that_runs_out_of_memory_is_one_error(tree_ckpt, tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(_cells(3)))

    def loads(text, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(json, "loads", loads)
    with pytest.raises(ValueError, match=rf"{path}: JSON too large to parse in the memory"):
        pretrained.screen(tree_ckpt, path)


def test_out_in_a_new_folder_with_or_without_top(tree_ckpt, tmp_path):
    cells = _cells(5)
    for top in (None, 2):
        out = tmp_path / f"new{top}" / "deeper" / "ranked.csv"
        res = pretrained.screen(tree_ckpt, cells, top=top, out=out)
        assert res.n_screened == 5
        assert len(pd.read_csv(out)) == (top or 5)


def test_out_cannot_be_the_architecture_file(tree_ckpt, tmp_path, capsys):
    # `--archs a.txt --out a.txt` had replaced the list of architectures by the ranking
    path = tmp_path / "a.txt"
    text = "\n".join(_cells(3)) + "\n"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"out .*a\.txt is the architecture file itself"):
        pretrained.screen(tree_ckpt, path, top=1, out=tmp_path / "." / "a.txt")
    argv = ["screen", "--checkpoint", "nb201-cifar10-tree", "--archs", str(path)]
    assert cli.main([*argv, "--out", str(path), "--top", "1"]) == 2
    assert "is the architecture file itself" in capsys.readouterr().err
    assert path.read_text() == text


def test_numpy_integers_and_bad_n_jobs(tree_ckpt):
    cells = _cells(6)
    assert (
        len(pretrained.screen(tree_ckpt, cells, top=np.int64(2), batch_size=np.int32(4)).ranking)
        == 2
    )
    for bad in ("x", 0, -2, True):
        with pytest.raises(ValueError, match=r"^n_jobs must be a positive int, -1 or None, got"):
            pretrained.load("nb201-cifar10-tree", n_jobs=bad)


def test_a_malformed_naslib_key_line_gets_the_key_error(tree_ckpt, tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text("(3, 2, 2, 1, 2, 5)\n(4, 3, 3, 3, 2, 3)\n")
    res = pretrained.screen(tree_ckpt, path)
    assert res.n_screened == 1
    assert res.bad[0].error.endswith("invalid naslib_key[5] = 5: op index must be an int in 0..4")


def test_a_gnn_scores_an_architecture_the_same_in_any_batch(gnn_ckpt):
    # float32 inference gave one cell predictions 1e-6 apart in batches of different sizes.
    cells = _cells(600, seed=3)
    ranked = pretrained.screen(gnn_ckpt, cells + cells[:300], batch_size=7).ranking
    per_arch = ranked.groupby("arch")["prediction"].nunique()
    assert (per_arch == 1).all()
    alone = gnn_ckpt.predict(cells[:50])
    together = gnn_ckpt.predict(cells)[:50]
    np.testing.assert_array_equal(alone, together)


def _ranked(path) -> pd.Series:
    """A ranking file's predictions by architecture, read back exactly (``repr`` floats;
    pandas' default parser can be off in the last bit)."""
    return pd.read_csv(path, float_precision="round_trip").set_index("arch")["prediction"]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ensemble", {"members": [["xgb", {"n_estimators": 20}], ["rf", {"n_estimators": 20}]]}),
        ("tuned", {"model_params": {"n_estimators": 20}, "n_iter": 2, "cv": 2}),
    ],
)
def test_a_saved_ensemble_or_tuned_predictor_is_screened(name, params, tmp_path, capsys):
    """An ``ensemble`` / ``tuned`` predictor fitted on architecture texts and saved ranks a
    file from the shell and in Python exactly as its ``predict`` scores those architectures
    (both had stopped with "was fitted on a feature matrix")."""
    table = nasperf.load_benchmark("nb201", "cifar10").sample(80, random_state=0)
    archs, y = list(table.index[:60]), table["val_acc_200ep"].to_numpy()[:60]
    pred = nasperf.predictors.get(name, space="nb201", random_state=0, **params).fit(archs, y)
    saved = tmp_path / f"{name}.nasperf"
    pred.save(saved)
    cells = list(table.index[60:])
    path = tmp_path / "cells.txt"
    path.write_text("\n".join(cells) + "\n")
    want = pd.Series(pred.predict(cells), index=cells)
    out = tmp_path / "ranked.csv"
    argv = ["screen", "--predictor", str(saved), "--archs", str(path), "--out", str(out)]
    assert cli.main(argv) == 0
    assert f"screened 20 architectures with {name}.nasperf" in capsys.readouterr().err
    got = _ranked(out)
    np.testing.assert_array_equal(got.loc[cells].to_numpy(), want.to_numpy())  # same code
    assert np.all(np.diff(got.to_numpy()) <= 0)
    for fitted in (pred, nasperf.predictors.load(saved)):
        ranking = pretrained.screen(fitted, cells).ranking.set_index("arch")["prediction"]
        np.testing.assert_array_equal(ranking.loc[cells].to_numpy(), want.to_numpy())


@pytest.fixture(scope="module")
def zc_fitted(tmp_path_factory):
    """An xgb fitted with the packaged NB201 zero-cost table (the README's XGBoost +
    proxies setting), saved; 20 cells to screen and that table."""
    folder = tmp_path_factory.mktemp("zc")
    table = nasperf.load_benchmark("nb201", "cifar10").sample(120, random_state=0)
    zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
    archs, y = list(table.index[:100]), table["val_acc_200ep"].to_numpy()[:100]
    pred = nasperf.predictors.get("xgb", space="nb201", n_estimators=30, random_state=0)
    pred.fit(archs, y, zero_cost=zc)
    pred.save(folder / "xgb_zc.nasperf")
    cells = list(table.index[100:])
    (folder / "cells.txt").write_text("\n".join(cells) + "\n")
    return {"pred": pred, "file": folder / "xgb_zc.nasperf", "cells": cells, "zc": zc}


def _naslib_json(zc: pd.DataFrame, cells: list[str], datasets=("cifar10",)) -> dict:
    keys = {c: str(SPACE.to_naslib(SPACE.parse(c))) for c in cells}
    return {
        "nasbench201": {
            ds: {keys[c]: {p: float(zc.loc[c, p]) for p in zc.columns} for c in cells}
            for ds in datasets
        }
    }


def test_a_predictor_fitted_with_zero_cost_scores_screens_with_zero_cost(zc_fitted, tmp_path):
    """``nasperf screen --zero-cost FILE`` (CSV, parquet, NASLib JSON) and
    ``screen(..., zero_cost=TABLE or FILE)`` give the predictor the scores it was fitted
    with: the ranking is its ``predict(cells, zero_cost=table)``, exactly (the same
    features, read from one table's numbers; parquet and ``repr`` floats in the CSV round
    trip exactly, NASLib JSON floats too)."""
    pred, saved, cells, zc = (
        zc_fitted["pred"],
        zc_fitted["file"],
        zc_fitted["cells"],
        zc_fitted["zc"],
    )
    want = pred.predict(cells, zero_cost=zc)
    arch_file = saved.parent / "cells.txt"
    files = {
        "csv": tmp_path / "zc.csv",
        "parquet": tmp_path / "zc.parquet",
        "json": tmp_path / "zc_nasbench201.json",
    }
    part = zc.loc[cells]
    part.reset_index().to_csv(files["csv"], index=False)
    part.to_parquet(files["parquet"])
    files["json"].write_text(json.dumps(_naslib_json(zc, cells)))
    for kind, path in files.items():
        out = tmp_path / f"ranked_{kind}.csv"
        argv = ["screen", "--predictor", str(saved), "--archs", str(arch_file)]
        assert cli.main([*argv, "--zero-cost", str(path), "--out", str(out)]) == 0, kind
        np.testing.assert_array_equal(_ranked(out).loc[cells].to_numpy(), want, err_msg=kind)
    loaded = nasperf.predictors.load(saved)
    for given in (zc, part, files["parquet"], str(files["json"])):
        ranking = pretrained.screen(loaded, cells, zero_cost=given).ranking
        np.testing.assert_array_equal(ranking.set_index("arch").loc[cells, "prediction"], want)
    # a NASLib JSON of the architectures and their scores is both files at once
    res = pretrained.screen(loaded, files["json"], zero_cost=files["json"])
    assert res.n_screened == 20 and res.n_bad == 0
    both = _naslib_json(zc, cells, datasets=("cifar10", "cifar100"))
    files["json"].write_text(json.dumps(both))  # cifar100's scores: cifar10's, as a stand-in
    with pytest.raises(ValueError, match=r"datasets \['cifar10', 'cifar100'\].*dataset="):
        pretrained.screen(loaded, cells, zero_cost=files["json"])
    ranking = pretrained.screen(
        loaded, cells, zero_cost=files["json"], zero_cost_dataset="CIFAR10"
    ).ranking
    np.testing.assert_array_equal(ranking.set_index("arch").loc[cells, "prediction"], want)
    out = tmp_path / "ranked_ds.csv"
    argv = ["screen", "--predictor", str(saved), "--archs", str(arch_file), "--out", str(out)]
    assert (
        cli.main([*argv, "--zero-cost", str(files["json"]), "--zero-cost-dataset", "cifar10"]) == 0
    )
    np.testing.assert_array_equal(_ranked(out).loc[cells].to_numpy(), want)


def test_zero_cost_scores_missing_or_not_given_are_one_clear_error(zc_fitted, tmp_path, capsys):
    """Without the scores, the error says how to give them (it had asked for a Python
    keyword); a table without a fitted column or an architecture to rank is one error naming
    the file and the column / architecture; a packaged checkpoint takes no table."""
    pred, saved, cells, zc = (
        zc_fitted["pred"],
        zc_fitted["file"],
        zc_fitted["cells"],
        zc_fitted["zc"],
    )
    arch_file = str(saved.parent / "cells.txt")
    argv = ["screen", "--predictor", str(saved), "--archs", arch_file]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "fitted with zero-cost scores from a table" in err and "--zero-cost FILE" in err
    with pytest.raises(ValueError, match=r"zero_cost=TABLE or FILE in Python"):
        pretrained.screen(pred, cells)
    no_synflow = tmp_path / "no_synflow.csv"
    zc.loc[cells].drop(columns="synflow").reset_index().to_csv(no_synflow, index=False)
    assert cli.main([*argv, "--zero-cost", str(no_synflow)]) == 2
    err = capsys.readouterr().err
    assert f"{no_synflow}: no column 'synflow'" in err
    with pytest.raises(ValueError, match=r"the zero_cost table has no column 'synflow'"):
        pretrained.screen(pred, cells, zero_cost=zc.drop(columns="synflow"))
    short = tmp_path / "short.csv"
    zc.loc[cells[:-1]].reset_index().to_csv(short, index=False)
    assert cli.main([*argv, "--zero-cost", str(short)]) == 2
    err = capsys.readouterr().err
    assert f"{short} has no row for architecture '{cells[-1]}'" in err
    assert "screened" not in err  # one error, not a partial ranking
    with pytest.raises(ValueError, match=re.escape(f"has no row for architecture '{cells[-1]}'")):
        pretrained.screen(pred, cells, zero_cost=zc.loc[cells[:-1]])
    tree = ["screen", "--checkpoint", "nb201-cifar10-tree", "--archs", arch_file]
    assert cli.main([*tree, "--zero-cost", str(short)]) == 2
    assert "--zero-cost is for a --predictor" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"checkpoint 'nb201-cifar10-tree' reads its own"):
        pretrained.screen("nb201-cifar10-tree", cells, zero_cost=zc)


def test_a_predictor_of_computed_proxies_screens_without_a_table(tmp_path, monkeypatch):
    """A predictor fitted with proxies it computed (``zero_cost_proxies`` without a table)
    computes them again for the architectures it screens (cached), as at ``predict``: no
    table is asked for, and the ranking is its ``predict``."""
    monkeypatch.setenv("NASPERF_CACHE", str(tmp_path / "cache"))
    table = nasperf.load_benchmark("nb201", "cifar10").sample(25, random_state=3)
    archs, y = list(table.index[:20]), table["val_acc_200ep"].to_numpy()[:20]
    pred = nasperf.predictors.get(
        "xgb", space="nb201", n_estimators=20, zero_cost_proxies=["params", "flops"], random_state=0
    ).fit(archs, y)
    assert pred.zero_cost_source_ == "computed"
    pred.save(tmp_path / "computed.nasperf")
    cells = list(table.index[20:])
    want = pred.predict(cells)
    loaded = nasperf.predictors.load(tmp_path / "computed.nasperf")
    ranking = pretrained.screen(loaded, cells).ranking.set_index("arch")["prediction"]
    np.testing.assert_array_equal(ranking.loc[cells].to_numpy(), want)

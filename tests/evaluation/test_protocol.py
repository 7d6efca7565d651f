"""Train sizes and paired, nested, seeded splits of the predictor-evaluation protocol."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from nasperf.evaluation import Split, make_split, train_sizes

CANDIDATES = tuple(f"arch{i:04d}" for i in range(1500))


# ---------------------------------------------------------------- train sizes
def test_train_sizes_default_is_white_et_al():
    assert train_sizes() == (10, 20, 50, 100, 200, 500, 1000)
    assert train_sizes(min=10, max=1000, num=7) == (10, 20, 50, 100, 200, 500, 1000)


def test_train_sizes_other_ranges():
    assert train_sizes(1, 1000, 10) == (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
    assert train_sizes(10, 1000, 4) == (10, 50, 200, 1000)
    assert train_sizes(8, 500, 5) == (8, 20, 50, 200, 500)  # ends kept as given
    # Too many points for the 1-2-5 grid: rounded geometric spacing.
    sizes = train_sizes(10, 100, 10)
    assert sizes == tuple(int(x) for x in np.rint(np.geomspace(10, 100, 10)))
    assert train_sizes(1, 10, 10) == tuple(range(1, 11))


@pytest.mark.parametrize("lo,hi,num", [(1, 50, 50), (3, 7, 5), (10, 5000, 30), (1, 2, 2)])
def test_train_sizes_invariants(lo, hi, num):
    sizes = train_sizes(lo, hi, num)
    assert len(sizes) == num and sizes[0] == lo and sizes[-1] == hi
    assert all(a < b for a, b in zip(sizes, sizes[1:], strict=False))
    assert all(type(s) is int for s in sizes)


@pytest.mark.parametrize(
    "kwargs", [{"min": 0}, {"min": 100, "max": 100}, {"num": 1}, {"min": 1, "max": 3, "num": 4},
               {"num": 2.5}]
)  # fmt: skip
def test_train_sizes_errors(kwargs):
    with pytest.raises(ValueError):
        train_sizes(**kwargs)


# ---------------------------------------------------------------- splits
def test_split_is_frozen_value():
    s = make_split(CANDIDATES, 10, seed=0)
    assert isinstance(s, Split)
    assert isinstance(s.train, tuple) and isinstance(s.test, tuple)
    assert (s.seed, s.n_train, s.test_size) == (0, 10, 200)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.seed = 1  # type: ignore[misc]
    assert hash(s) == hash(make_split(CANDIDATES, 10, seed=0))


def test_same_test_set_for_every_train_size():
    splits = [make_split(CANDIDATES, n, seed=3) for n in (0, *train_sizes())]
    assert len({s.test for s in splits}) == 1
    assert all(len(s.test) == 200 for s in splits)


def test_training_sets_are_nested_prefixes():
    splits = [make_split(CANDIDATES, n, seed=4) for n in train_sizes()]
    largest = splits[-1].train
    for s in splits:
        assert len(s.train) == s.n_train
        assert s.train == largest[: s.n_train]


def test_train_and_test_disjoint_and_from_candidates():
    s = make_split(CANDIDATES, 1000, test_size=300, seed=5)
    assert not set(s.train) & set(s.test)
    assert set(s.train) | set(s.test) <= set(CANDIDATES)
    assert len(set(s.train)) == 1000 and len(set(s.test)) == 300


def test_deterministic_and_seed_dependent():
    a = make_split(CANDIDATES, 100, seed=6)
    assert a == make_split(CANDIDATES, 100, seed=6)
    b = make_split(CANDIDATES, 100, seed=7)
    assert set(a.test) != set(b.test) and a.train != b.train


def test_candidate_order_does_not_matter():
    shuffled = list(CANDIDATES)
    np.random.default_rng(0).shuffle(shuffled)
    assert make_split(shuffled, 50, seed=8) == make_split(CANDIDATES, 50, seed=8)
    assert make_split(iter(shuffled), 50, seed=8) == make_split(set(CANDIDATES), 50, seed=8)


def test_test_set_independent_of_n_train_reference_draw():
    # The documented recipe: sort, permute once with default_rng(seed), test first.
    s = make_split(CANDIDATES, 20, test_size=5, seed=9)
    perm = np.random.default_rng(9).permutation(len(CANDIDATES))
    keys = sorted(CANDIDATES)
    assert s.test == tuple(keys[i] for i in perm[:5])
    assert s.train == tuple(keys[i] for i in perm[5:25])


def test_uses_all_candidates_when_exact():
    small = CANDIDATES[:30]
    s = make_split(small, 10, test_size=20, seed=0)
    assert sorted(s.train + s.test) == sorted(small)


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        ((CANDIDATES[:100], 50), {"test_size": 51, "seed": 0}, "exceeds"),
        ((CANDIDATES[:100], -1), {"seed": 0}, "n_train"),
        ((CANDIDATES, 10), {"test_size": 0, "seed": 0}, "test_size"),
        ((CANDIDATES, 10), {"seed": -1}, "seed"),
        ((CANDIDATES, 10), {"seed": 1.5}, "seed"),
        ((CANDIDATES[:5] + CANDIDATES[:1], 1), {"test_size": 1, "seed": 0}, "duplicates"),
    ],
)
def test_split_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_split(*args, **kwargs)


def test_seed_is_required():
    with pytest.raises(TypeError):
        make_split(CANDIDATES, 10)  # type: ignore[call-arg]


def test_split_on_benchmark_index():
    from nasperf.datasets import load_benchmark

    table = load_benchmark("nb201", "cifar10")
    s = make_split(table.index, 100, seed=0)
    assert set(s.train + s.test) <= set(table.index)
    y = table.loc[list(s.test), "val_acc_200ep"].to_numpy()
    assert len(y) == 200 and np.isfinite(y).all()


def test_nan_keys_are_refused():
    # the shared np.nan object hit the duplicate path and raised a bare StopIteration;
    # distinct NaN objects escaped the duplicate check and made the split order-dependent
    for candidates in (
        [np.nan, 1.0, np.nan, 2.0],
        [float("nan"), 1.0, float("nan"), 2.0],
        [1.0, 2.0, 3.0, float("nan")],
    ):
        with pytest.raises(ValueError, match=r"^candidates\[\d\] is nan, which is not equal to"):
            make_split(candidates, 0, test_size=2, seed=0)
    with pytest.raises(ValueError, match=r"^candidates must be mutually sortable keys"):
        make_split(["a", 1], 0, test_size=1, seed=0)
    with pytest.raises(ValueError, match=r"^candidates hold duplicates, e\.g\. 1"):
        make_split([1, 2, 1.0], 0, test_size=1, seed=0)


def test_one_network_is_never_on_both_sides_of_a_split():
    """A table holding two specs of one network (NB101 isomorphs) had been split by text:
    the same network in training and test sets. With ``networks`` the test set holds
    distinct networks and the training set none of them; nested and n_train-independent as
    before; without duplicate networks, the plain split key for key."""
    cands = [f"a{i:03d}" for i in range(100)]
    networks = {c: f"net{int(c[1:]) % 60}" for c in cands}  # 40 networks twice, 20 once
    for seed in range(5):
        first = None
        for n in (0, 10, 30, 40):
            s = make_split(cands, n, test_size=20, seed=seed, networks=networks)
            test_nets = {networks[c] for c in s.test}
            assert len(test_nets) == len(s.test) == 20
            assert not test_nets & {networks[c] for c in s.train} and len(s.train) == n
            first = first or s
            assert s.test == first.test and s.train[: len(first.train)] == first.train
            first = s
    with pytest.raises(ValueError, match=r"41 \+ 20 exceeds the 60 networks of the 100"):
        make_split(cands, 41, test_size=20, seed=0, networks=networks)
    own = {c: c for c in cands}
    assert make_split(cands, 30, test_size=20, seed=3, networks=own) == make_split(
        cands, 30, test_size=20, seed=3
    )
    with pytest.raises(ValueError, match="networks has no entry for the candidate 'a000'"):
        make_split(cands, 1, test_size=2, seed=0, networks={})


def _spy_on_splits(monkeypatch) -> list:
    """The ``(split, networks)`` of every study split made from now on (a list that fills)."""
    from nasperf.evaluation import protocol

    seen: list = []
    original = protocol.make_split

    def spy(*args, **kwargs):
        seen.append((original(*args, **kwargs), kwargs["networks"]))
        return seen[-1][0]

    monkeypatch.setattr(protocol, "make_split", spy)
    return seen


def _assert_split_by_network(seen: list, n_test: int) -> None:
    """Every spied split keeps each network on one side, its test set ``n_test`` networks."""
    for split, networks in seen:
        assert networks is not None
        nets = {networks[c] for c in split.test}
        assert len(nets) == n_test and not nets & {networks[c] for c in split.train}


def test_a_study_keeps_nb101_isomorphs_on_one_side(tmp_path, monkeypatch):
    """The probe's case: NB101 specs and an isomorphic respelling of some, labelled alike;
    every trial's test networks are absent from its training set, and the fitted sizes count
    networks."""
    from nasperf.evaluation.config import ConfigError
    from nasperf.evaluation.study import run_study
    from nasperf.spaces import get_space

    space = get_space("nb101")
    assert space.counts_networks and not get_space("nb201").counts_networks
    archs = space.sample(60, seed=1)
    rows = [(space.to_string(a), float(i)) for i, a in enumerate(archs)]
    for i, a in enumerate(archs[:30]):
        twin = next(v for v in space.isomorphic_variants(a) if space.to_string(v) != rows[i][0])
        rows.append((space.to_string(twin), float(i)))
    csv = tmp_path / "iso.csv"
    csv.write_text(
        "arch,acc\n" + "".join(f'"{t.replace(chr(34), chr(34) * 2)}",{y}\n' for t, y in rows)
    )

    seen = _spy_on_splits(monkeypatch)
    config = {
        "predictors": ["xgb"],
        "data": {"path": str(csv), "space": "nb101", "target": "acc"},
        "train_sizes": [30],
        "test_size": 30,
        "seeds": 3,
    }
    result = run_study(config, tmp_path / "out")
    assert len(result.table) == 3 and len(seen) == 3
    # the rows say so, and the trials' hashes differ from those of the split by text, so a
    # folder holding rows of the old split does not resume them (nb201's trials unchanged)
    assert set(result.table["split"]) == {"by_network"}
    from nasperf.evaluation.config import expand_trials, parse_config

    nb201 = expand_trials(parse_config({"predictors": ["xgb"], "train_sizes": [10]}))
    assert all("split" not in t for t in nb201)
    _assert_split_by_network(seen, 30)
    with pytest.raises(ConfigError, match="60 architectures with a finite 'acc'"):
        run_study({**config, "train_sizes": [31]}, tmp_path / "out2")


def test_a_naslib_file_without_space_splits_nb101_by_network(tmp_path, monkeypatch):
    """A NASLib file names its space itself, so a study given it without ``space:`` knows
    only when it reads the file that several keys may be one NB101 network: its trials
    still mark the split by network (and hash apart from the split by text), and the split
    they run keeps the isomorphic specs on one side."""
    import json

    from nasperf.datasets.readers import naslib_space
    from nasperf.evaluation.config import expand_trials, parse_config
    from nasperf.evaluation.study import run_study
    from nasperf.spaces import get_space

    space = get_space("nb101")
    archs = space.sample(50, seed=2)
    records = {}
    for i, a in enumerate(archs):
        records[str(space.to_naslib(a))] = {"val_accuracy": float(i)}
    twins = 0
    for i, a in enumerate(archs):
        key = space.to_naslib(a)
        twin = next((v for v in space.isomorphic_variants(a) if space.to_naslib(v) != key), None)
        if twin is not None and twins < 25:  # (a symmetric cell may have no other spelling)
            records[str(space.to_naslib(twin))] = {"val_accuracy": float(i)}
            twins += 1
    assert twins == 25
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"nasbench101": {"cifar10": records}}))
    assert naslib_space(path) == "nb101" and naslib_space(path, "nb101") == "nb101"

    config = {
        "predictors": ["xgb"],
        "data": {"path": str(path), "dataset": "cifar10"},
        "train_sizes": [20],
        "test_size": 25,
        "seeds": 2,
    }
    trials = expand_trials(parse_config(config))
    assert [t["split"] for t in trials] == ["by_network"] * 2
    seen = _spy_on_splits(monkeypatch)
    result = run_study(config, tmp_path / "out")
    assert set(result.table["split"]) == {"by_network"} and len(seen) == 2
    _assert_split_by_network(seen, 25)


def test_a_naslib_file_without_space_names_its_space_when_configured(tmp_path):
    """The config reads the space a NASLib file names (a study's rows had held a null space
    and their folder refused to read back); a file that names none, or several, is one
    ConfigError naming ``data[0].space``."""
    import json

    from nasperf.evaluation.config import ConfigError, parse_config

    sample = Path(__file__).parents[2] / "../shared/reference/naslib-zc/zc_nasbench201_sample.json"
    if sample.exists():
        config = parse_config(
            {"predictors": ["xgb"], "data": {"path": str(sample), "dataset": "cifar10"}}
        )
        assert config.data[0]["space"] == "nb201"
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"nasbench201": {"cifar10": {}}, "nasbench101": {"cifar10": {}}}))
    with pytest.raises(ConfigError, match=r"^data\[0\]\.space: .*several search spaces"):
        parse_config({"predictors": ["xgb"], "data": {"path": str(two)}})
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"jigsaw": {"(1,)": {"val_accuracy": 1.0}}}))
    with pytest.raises(ConfigError, match=r"^data\[0\]\.space: .*choose the space with"):
        parse_config({"predictors": ["xgb"], "data": {"path": str(flat)}})


def test_a_table_of_one_result_per_network_splits_by_network(tmp_path, monkeypatch):
    """A user's table that copies each network's result to all its codings (as
    NAS-Bench-Macro did; here NB201 cells, each isomorphism class given its first cell's
    accuracy): a study split it by cell, so a test cell's isomorphic twin with the same
    label sat in the training set. The config reads such a table (``per_network``), its
    trials split by network; NB201's own table, whose isomorphic cells were trained
    apart, keeps the split by cell and its trials' hashes."""
    import pandas as pd

    from nasperf.datasets import load_benchmark
    from nasperf.evaluation.config import expand_trials, parse_config
    from nasperf.evaluation.study import run_study
    from nasperf.spaces import get_space

    space = get_space("nb201")
    table = load_benchmark("nb201", "cifar10").iloc[:600]
    first: dict = {}
    per = [
        first.setdefault(space.hash(space.parse(a)), y)
        for a, y in zip(table.index, table["val_acc_200ep"], strict=True)
    ]
    assert len(first) < len(table)  # isomorphic cells among them
    pd.DataFrame({"arch": table.index, "acc": per}).to_csv(tmp_path / "per.csv", index=False)
    pd.DataFrame({"arch": table.index, "acc": table["val_acc_200ep"]}).to_csv(
        tmp_path / "own.csv", index=False
    )
    raw = {"predictors": ["xgb"], "train_sizes": [50], "test_size": 100, "seeds": 2}
    data = {"space": "nb201", "target": "acc"}
    own = parse_config({**raw, "data": {**data, "path": str(tmp_path / "own.csv")}})
    assert "per_network" not in own.data[0]
    assert all("split" not in t for t in expand_trials(own))
    config = {**raw, "data": {**data, "path": str(tmp_path / "per.csv")}}
    assert parse_config(config).data[0]["per_network"] is True
    seen = _spy_on_splits(monkeypatch)
    result = run_study(config, tmp_path / "out")
    assert set(result.table["split"]) == {"by_network"} and len(seen) == 2
    _assert_split_by_network(seen, 100)


def test_the_per_network_check_reads_the_table_the_trials_read(tmp_path):
    """Whether a user's table stores one result per network is read from the table its
    trials read (one reader: canonical texts, ``data.duplicates``, ``missing_target``). The
    config had read it a second way, every row kept: an architecture given twice with two
    results (``duplicates: first`` keeps one) made it say "trained apart" of a table of one
    result per network, whose trials then split by cell (a test cell's twin, with its label,
    in the training set); a row given twice alike made it say "one result per network" of a
    table whose networks are all distinct."""
    import pandas as pd

    from nasperf.datasets import load_benchmark
    from nasperf.evaluation.config import expand_trials, parse_config
    from nasperf.evaluation.engines import load_source
    from nasperf.spaces import get_space, one_result_per_network

    space = get_space("nb201")
    table = load_benchmark("nb201", "cifar10").iloc[:600]
    first: dict = {}
    one: dict = {}  # a cell of each network
    per = []
    for a, y in zip(table.index, table["val_acc_200ep"], strict=True):
        key = space.hash(space.parse(a))
        per.append(first.setdefault(key, y))
        one.setdefault(key, a)
    assert len(one) < len(table)  # isomorphic cells among them
    arch0 = table.index[0]
    naslib0 = str(space.to_naslib(space.parse(arch0)))  # the reader takes its NASLib key too
    cases = {
        # one result per network, and arch0 again with another result (kept: the first)
        "per": (
            [*table.index, naslib0],
            [*per, per[0] - 1.0],
            "first",
            True,
        ),
        # no two networks alike, and arch0 again with its own result (kept: the last)
        "distinct": (
            [*one.values(), naslib0],
            [*table.loc[list(one.values()), "val_acc_200ep"], table.loc[arch0, "val_acc_200ep"]],
            "last",
            False,
        ),
    }
    raw = {"predictors": ["xgb"], "train_sizes": [20], "test_size": 50, "seeds": 1}
    for name, (archs, accs, duplicates, expected) in cases.items():
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"arch": archs, "acc": accs}).to_csv(path, index=False)
        data = {"path": str(path), "space": "nb201", "target": "acc", "duplicates": duplicates}
        config = parse_config({**raw, "data": data})
        assert config.data[0].get("per_network", False) is expected, name
        (trial,) = expand_trials(config)
        assert (trial.get("split") == "by_network") is expected, name
        read, _ = load_source(trial)
        assert len(read) == len(archs) - 1 and read.index.is_unique, name
        assert read.loc[arch0, "acc"] == accs[0 if duplicates == "first" else -1], name
        shared, _ = one_result_per_network(space, list(read.index), read[["acc"]].to_numpy())
        assert shared is expected, name

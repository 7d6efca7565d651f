"""A search on a benchmark's objective reads that objective's dataset: its zero-cost table
and the task its proxies build networks for (``run(objective=...)`` had read CIFAR-10's
whatever the objective's dataset)."""

from __future__ import annotations

import pytest

from nasperf import search
from nasperf.datasets import load_zero_cost


@pytest.mark.parametrize("dataset", ["cifar100", "ImageNet16-120"])
def test_an_objective_searches_with_its_own_datasets_proxies(dataset):
    by_name = search.get("predictor_local_search")
    h_name = search.run(by_name, benchmark="nb201", dataset=dataset, budget=8, seed=0)
    by_objective = search.get("predictor_local_search")
    objective = search.TableObjective.from_benchmark("nb201", dataset)
    assert objective.dataset == dataset
    h_obj = search.run(by_objective, objective=objective, budget=8, seed=0)
    own = load_zero_cost("nb201", dataset)
    # the predictor's features and the warm start are the dataset's own table
    assert list(by_objective.zero_cost_.columns) == list(own.columns)
    assert by_objective.zero_cost_["synflow"].equals(own["synflow"])
    assert not by_objective.zero_cost_["synflow"].equals(
        load_zero_cost("nb201", "cifar10")["synflow"].reindex(own.index)
    )
    assert h_obj["arch"].tolist() == h_name["arch"].tolist()
    assert by_objective.context_.dataset == dataset


def test_an_alias_of_the_objectives_dataset_is_the_same_dataset():
    objective = search.get_objective("nb201", "imagenet")
    assert objective.dataset == "ImageNet16-120"
    h = search.run("random_search", objective=objective, dataset="imagenet", budget=2)
    assert len(h) == 2


def test_a_dataset_that_contradicts_the_objectives_is_refused():
    objective = search.TableObjective.from_benchmark("nb201", "cifar100")
    with pytest.raises(
        ValueError,
        match=r"^dataset='cifar10' does not match the objective's dataset 'cifar100' "
        r"\(nb201/cifar100\): dataset names the benchmark's dataset",
    ):
        search.run("random_search", objective=objective, dataset="cifar10", budget=2)


def test_a_transnas_objective_reads_its_packaged_table_without_dataset():
    """tnb101_micro class_scene had skipped its packaged NASLib table and computed synflow
    and params on networks built for the space's default task."""
    objective = search.get_objective("tnb101_micro", "class_scene")
    assert objective.dataset == "class_scene"
    opt = search.get("predictor_local_search", proxy_pool=5)
    h = search.run(opt, objective=objective, budget=6, seed=0)
    assert h.attrs["notes"][0] == (
        "zero-cost warm start: params from the run's table (it has no synflow)"
    )
    assert opt.zero_cost_ is not None and len(opt.zero_cost_) > 5  # the table, not a pool
    again = search.run(
        "predictor_local_search",
        objective=objective,
        dataset="class_scene",
        budget=6,
        seed=0,
        params={"proxy_pool": 5},
    )
    assert again["arch"].tolist() == h["arch"].tolist()


def test_a_user_table_has_no_dataset_and_keeps_the_default():
    table = search.TableObjective.from_benchmark("nb201", "cifar10")
    user = search.TableObjective(
        table.table_values().to_frame("acc"), "nb201", "acc", validate=False
    )
    assert user.dataset is None
    opt = search.get("random_search")
    search.run(opt, objective=user, dataset="cifar100", budget=2)  # any task: no conflict
    assert opt.context_.dataset == "cifar100"

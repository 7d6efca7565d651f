"""Suite studies: every benchmark task, zero-cost proxies and predictors in one study.

A study config with ``tasks:`` instead of ``spaces`` x ``datasets`` is a *suite* in the
style of NAS-Bench-Suite-Zero (Krishnakumar et al., 2022) and White et al. (2021): each
task is one (benchmark, dataset) pair of :func:`nasperf.available_tasks`, enumerated at
parse time (``tasks: all``) or listed (``[nb201/cifar10, tnb101_micro, ...]``; a bare
benchmark name means all its datasets), so a benchmark registered later (a new space's
tables) joins the suite without code changes. Per task:

* **Proxies** (``proxies:``): one trial per zero-cost proxy, a training-free
  ``zc_proxy`` trial (``kind: proxy``, ``n_train = 0``). *Stored* proxies are the columns
  of the task's packaged zero-cost table (NB201: nasperf's own; TNB101, NB101, NB301:
  NASLib's) and are scored on **all labelled architectures of the task** (NB-Suite-Zero's
  protocol; reading a column costs nothing). *Computed* proxies are scored where the space
  builds networks and the dataset's inputs are packaged (:func:`computable`), on a seeded
  sample of ``computed_archs`` labelled architectures (seed 0; the first ``computed_archs``
  of the task's seed-0 permutation), through :func:`nasperf.zero_cost.compute` and its disk
  cache.
* **Predictors**: the usual trials (White et al.'s protocol), with the test set and the
  training sizes fitted to the task: ``test_size = min(test_size, labelled // 2)`` and
  the training sizes at most ``labelled - test_size`` (so a 50-architecture task gets 25
  test architectures and ``n <= 25``). A predictor whose side information the task lacks
  (learning curves, a zero-cost table) is skipped there, and the skip is reported.

:func:`expand_suite` returns the trials and the skips; :mod:`.report` turns the results
into the tasks x proxies heat map, the predictors' rank plot and ``summary.md``.

References
----------
Krishnakumar, White, Zela, Tu, Safari & Hutter, "NAS-Bench-Suite-Zero: Accelerating Research
on Zero Cost Proxies", NeurIPS 2022 Datasets and Benchmarks. White, Zela, Ru, Liu & Hutter,
"How Powerful are Performance Predictors in Neural Architecture Search?", NeurIPS 2021.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._suite_spec import PROXY_KEYS, SuiteSpecError, parse_proxies, parse_tasks

__all__ = [
    "PROXY_KEYS",
    "SuiteExpansion",
    "SuiteSpecError",
    "TaskPlan",
    "computable",
    "expand_suite",
    "parse_proxies",
    "parse_tasks",
    "plan_task",
    "stored_proxy_names",
]

#: Side information as the skip notes name it.
_SIDE_NAMES = {"learning_curves": "learning curves", "zero_cost": "zero-cost scores"}


# --------------------------------------------------------------------------- per task
def computable(space: str, dataset: str, proxies: Sequence[str] = ("params", "jacov")) -> bool:
    """Whether ``proxies`` can be computed for ``space`` on ``dataset`` here: the space builds
    networks for the dataset and, where a proxy reads data, its inputs (images, graphs) are
    packaged (data-free proxies alone need none). Checked by setting up
    :func:`nasperf.zero_cost.compute` (no network is scored)."""
    from nasperf.zero_cost.compute import Computation

    try:
        Computation(space, list(proxies), dataset, cache=None)
    except (ValueError, LookupError, OSError, NotImplementedError, TypeError):
        return False
    return True


@dataclasses.dataclass(frozen=True)
class TaskPlan:
    """What a suite runs on one task (see :func:`plan_task`)."""

    task: str
    benchmark: str
    space: str
    dataset: str
    n_labelled: int
    test_size: int
    train_sizes: tuple[int, ...]
    budgets: tuple[str, ...]
    stored_proxies: tuple[str, ...]
    computable: bool
    partial_zero_cost: bool = False


def plan_task(task: Mapping[str, str], config: Any) -> TaskPlan:
    """Sizes and side information of one task under ``config`` (loads its table once)."""
    from nasperf.datasets import available_zero_cost, benchmark_metadata, get_benchmark

    from .config import _default_budget
    from .engines import count_networks, load_source

    bench = get_benchmark(task["benchmark"])
    table, info = load_source(
        {"benchmark": bench.name, "dataset": task["dataset"], "data": None, "target": config.target}
    )
    import numpy as np
    import pandas as pd

    y = pd.to_numeric(table[info["target"]], errors="coerce").to_numpy(dtype=np.float64)
    n = int(np.isfinite(y).sum())  # the proxies' trials score every labelled row
    # the predictors' sizes count networks, as their splits keep the rows of one network
    # on one side (NB101's isomorphic specs: 50 rows, 41 networks)
    networks = count_networks(list(table.index[np.isfinite(y)]), info["networks"])
    test = min(int(config.test_size), networks // 2)
    sizes = tuple(s for s in config.train_sizes if s <= networks - test)
    meta = benchmark_metadata(bench.name, task["dataset"])
    wants_computed = bool(config.proxies and config.proxies["computed"])
    computed = _computed_proxies(config) if wants_computed else []
    return TaskPlan(
        task=task["task"],
        benchmark=bench.name,
        space=bench.space,
        dataset=task["dataset"],
        n_labelled=n,
        test_size=test,
        train_sizes=sizes,
        budgets=tuple(_default_budget(config, bench.name, None)),
        stored_proxies=tuple(meta.get("zero_cost_proxies", ())),
        computable=bool(computed) and computable(bench.space, task["dataset"], computed),
        partial_zero_cost=not meta.get("zero_cost_proxies")
        and (bench.space, task["dataset"].lower())
        in {(s, d.lower()) for s, d in available_zero_cost()},
    )


# --------------------------------------------------------------------------- expansion
@dataclasses.dataclass
class SuiteExpansion:
    """Trials of a suite, the plan of each task, and what was skipped where (and why)."""

    trials: list[dict]
    plans: list[TaskPlan]
    skipped: list[dict]

    def as_meta(self) -> dict:
        """JSON form for the study's ``meta.json`` (read by the report): the plans, the
        skips and ``trials``, the first :data:`TRIAL_KEY_LENGTH` hex digits of each trial's
        hash, in order, by which the report reads this config's rows of a folder that
        holds other configs' too (:func:`~nasperf.evaluation.report.report_rows`)."""
        return {
            "plans": [dataclasses.asdict(p) for p in self.plans],
            "skipped": list(self.skipped),
            "trials": [t["hash"][:TRIAL_KEY_LENGTH] for t in self.trials],
        }


#: Hex digits of a trial's hash that ``meta.json``'s ``suite.trials`` keeps (64 bits: no
#: two trials of a folder share them, at a quarter of the file's size).
TRIAL_KEY_LENGTH = 16


def stored_proxy_names(spec: Mapping[str, Any] | None, stored: Sequence[str]) -> list[str]:
    """The stored proxies a suite scores on a task: of the task's table's ``stored``
    proxies, those ``proxies.stored`` (``spec``'s) asks for (``"all"``: every one; no
    ``proxies``: none)."""
    if not spec:
        return []
    if spec["stored"] == "all":
        return list(stored)
    return [p for p in spec["stored"] if p in stored]


def _computed_proxies(config: Any) -> list[str]:
    """The proxies a suite's ``proxies.computed`` asks for (``"all"``: every one scored one
    network at a time)."""
    from nasperf.zero_cost import available

    spec = config.proxies
    return list(available(population=False) if spec["computed"] == "all" else spec["computed"])


def _proxy_trials(config: Any, plan: TaskPlan, labels: set[str]) -> list[dict]:

    from .config import ConfigError, make_trial

    spec = config.proxies
    if not spec:
        return []
    stored = stored_proxy_names(spec, plan.stored_proxies)
    computed: list[str] = []
    if plan.computable:
        # A proxy the task's table stores is read from it, never recomputed.
        computed = [p for p in _computed_proxies(config) if p not in plan.stored_proxies]
    pred = {"name": "zc_proxy", "params": {}, "zero_cost": False}
    out = []
    for source, names, n_eval in (
        ("stored", stored, plan.n_labelled),
        ("computed", computed, min(spec["computed_archs"], plan.n_labelled)),
    ):
        for proxy in names:
            if proxy in labels:
                raise ConfigError(
                    f"predictors: label {proxy!r} is also a proxy of the suite; rename it"
                )
            p = {
                **pred,
                "label": proxy,
                "params": {"proxy": proxy},
                "zero_cost": source == "stored",
            }
            out.append(
                make_trial(
                    config,
                    space=plan.space,
                    dataset=plan.dataset,
                    bench=plan.benchmark,
                    data=None,
                    pred=p,
                    n_train=0,
                    budget=None,
                    seed=0,
                    test_size=n_eval,
                    extra={"task": plan.task, "kind": "proxy", "proxy_source": source},
                )
            )
    return out


def expand_suite(config: Any) -> SuiteExpansion:
    """Every trial of a suite config (``config.tasks`` set): proxy trials, then predictor
    trials, task by task; plus one ``{task, label, reason}`` per predictor skipped on a task.

    Raises
    ------
    ConfigError
        A predictor's parameters cannot serve a task's space (as in
        :func:`~nasperf.evaluation.config.expand_trials`).
    """

    from .config import _check_for_space, _own_requirements, make_trial

    trials: list[dict] = []
    plans: list[TaskPlan] = []
    skipped: list[dict] = []
    labels = {p["label"] for p in config.predictors}
    for task in config.tasks:
        plan = plan_task(task, config)
        plans.append(plan)
        trials += _proxy_trials(config, plan, labels)
        for pred in config.predictors:
            req = _own_requirements(pred)  # an ensemble's: its members' (config's note)
            reason = None
            has = {"learning_curves": bool(plan.budgets), "zero_cost": bool(plan.stored_proxies)}
            uses = [s for s in req.optional if s in has]
            if req.learning_curves and not plan.budgets:
                reason = "needs learning curves; the task has no cheaper fidelity"
            elif (req.zero_cost or pred["zero_cost"]) and not plan.stored_proxies:
                reason = "needs zero-cost scores; no packaged table covers the task"
            elif uses and not any(has[s] for s in uses):
                # a hybrid runs where its side information exists (else it is a plain model)
                reason = f"uses {' or '.join(_SIDE_NAMES[s] for s in uses)}; the task has none"
            elif "zero_cost" in uses and not has["zero_cost"] and plan.partial_zero_cost:
                # the runner would hand it the space's table, which lacks most of the task
                reason = "the packaged zero-cost table scores only part of the task"
            elif req.labels and not plan.train_sizes:
                reason = (
                    f"no training size fits: {plan.n_labelled} labelled architectures, "
                    f"{plan.test_size} for testing"
                )
            if reason is not None:
                skipped.append({"task": plan.task, "label": pred["label"], "reason": reason})
                continue
            _check_for_space(config, pred, plan.space)
            curves = req.learning_curves or "learning_curves" in req.optional
            budgets: Sequence[str | None] = (curves and plan.budgets) or [None]
            sizes = plan.train_sizes if req.labels else (0,)
            for budget in budgets:
                for n_train in sizes:
                    for seed in config.seeds:
                        trials.append(
                            make_trial(
                                config,
                                space=plan.space,
                                dataset=plan.dataset,
                                bench=plan.benchmark,
                                data=None,
                                pred=pred,
                                n_train=n_train,
                                budget=budget,
                                seed=seed,
                                test_size=plan.test_size,
                                extra={"task": plan.task, "kind": "predictor"},
                            )
                        )
    return SuiteExpansion(trials=trials, plans=plans, skipped=skipped)

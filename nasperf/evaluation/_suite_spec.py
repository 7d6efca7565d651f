"""The suite keys of a study config: ``tasks`` / ``exclude_tasks`` (benchmark tasks from the
registry) and ``proxies`` (stored / computed zero-cost proxy trials); see
:mod:`nasperf.evaluation.suite`. Parsed here, below the config module, so that the config
parser and the suite expansion both use it without importing each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PROXY_KEYS", "SuiteSpecError", "parse_proxies", "parse_tasks"]

#: Keys of the ``proxies:`` section.
PROXY_KEYS = ("stored", "computed", "computed_archs")
#: Default number of architectures a computed proxy is scored on per task.
DEFAULT_COMPUTED_ARCHS = 200
#: Upper bound of ``computed_archs`` (a proxy costs up to seconds per architecture on a CPU).
MAX_COMPUTED_ARCHS = 100_000


class SuiteSpecError(ValueError):
    """A bad ``tasks`` / ``exclude_tasks`` / ``proxies`` entry (the study config parser
    re-raises it as its ``ConfigError``)."""


def _error(msg: str) -> Exception:
    return SuiteSpecError(msg)


# --------------------------------------------------------------------------- parsing
def _task_entries(value: Any, key: str) -> list[str]:
    from nasperf.datasets import available_benchmarks, get_benchmark

    if value == "all":
        return [f"{b}/{d}" for b in available_benchmarks() for d in get_benchmark(b).datasets]
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _error(f"{key}: must not be empty")
    out: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            bad = sorted(set(item) - {"benchmark", "dataset"})
            if bad or "benchmark" not in item:
                raise _error(
                    f"{key}[{i}]: a task mapping is {{benchmark, dataset}}, got keys {sorted(item)}"
                )
            item = (
                f"{item['benchmark']}/{item['dataset']}" if "dataset" in item else item["benchmark"]
            )
        if not isinstance(item, str) or not item.strip():
            raise _error(f"{key}[{i}]: expected 'benchmark/dataset' or 'benchmark', got {item!r}")
        bench_name, sep, ds = item.strip().partition("/")
        try:
            bench = get_benchmark(bench_name)
        except ValueError as err:
            raise _error(f"{key}[{i}]: {err}") from None
        if not sep:
            out += [f"{bench.name}/{d}" for d in bench.datasets]
            continue
        try:
            out.append(f"{bench.name}/{bench.resolve_dataset(ds)}")
        except ValueError as err:
            raise _error(f"{key}[{i}]: {err}") from None
    return out


def parse_tasks(tasks: Any, exclude: Any = None) -> tuple[dict, ...]:
    """The tasks of a suite: ``({"task", "benchmark", "dataset"}, ...)``, in order, each once.

    ``tasks`` is ``"all"`` (every dataset of every registered benchmark), or a list of
    ``"benchmark/dataset"`` / ``"benchmark"`` (all its datasets) / ``{benchmark, dataset}``;
    names resolve through the benchmark registry (aliases, case). ``exclude`` lists tasks
    the same way, removed afterwards.

    Raises
    ------
    ConfigError
        An unknown benchmark or dataset (the message lists the available ones), or no task
        left.
    """
    from nasperf.datasets import get_benchmark

    names = list(dict.fromkeys(_task_entries(tasks, "tasks")))
    if exclude is not None:
        drop = set(_task_entries(exclude, "exclude_tasks"))
        names = [n for n in names if n not in drop]
    if not names:
        raise _error("tasks: no task left after exclude_tasks")
    out = []
    for name in names:
        bench_name, _, ds = name.partition("/")
        out.append({"task": name, "benchmark": get_benchmark(bench_name).name, "dataset": ds})
    return tuple(out)


def _proxy_names(value: Any, key: str) -> str | list[str]:
    from nasperf.registry import UnknownNameError
    from nasperf.zero_cost.compute import resolve_proxies

    if value is None or value is False or value == "none":
        return []
    if value == "all":
        return "all"
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise _error(f"{key}: expected 'all', 'none' or a list of proxy names, got {value!r}")
    try:
        return resolve_proxies(items) if items else []
    except (UnknownNameError, ValueError) as err:
        raise _error(f"{key}: {err}") from None


def parse_proxies(raw: Any) -> dict | None:
    """The ``proxies:`` section as ``{stored, computed, computed_archs}``.

    ``raw`` is None (no proxy trials), ``"stored"`` (every stored proxy), or a mapping:
    ``stored`` (``all`` default, ``none`` or a list: which columns of each task's packaged
    zero-cost table), ``computed`` (``none`` default, ``all`` or a list: proxies computed on
    tasks that can build their networks, where the table does not store them) and
    ``computed_archs`` (architectures per task for computed proxies, default 200).

    Raises
    ------
    ConfigError
        Unknown keys or proxy names, a bad count.
    """
    if raw is None:
        return None
    if raw == "stored":
        raw = {}
    if not isinstance(raw, Mapping):
        raise _error(f"proxies: expected 'stored' or a mapping {{{', '.join(PROXY_KEYS)}}}")
    bad = sorted(set(raw) - set(PROXY_KEYS))
    if bad:
        raise _error(f"proxies: unknown key(s) {bad}; valid: {list(PROXY_KEYS)}")
    archs = raw.get("computed_archs", DEFAULT_COMPUTED_ARCHS)
    if (
        isinstance(archs, bool)
        or not isinstance(archs, int)
        or not 2 <= archs <= MAX_COMPUTED_ARCHS
    ):
        raise _error(
            f"proxies.computed_archs: expected an integer in [2, {MAX_COMPUTED_ARCHS}], got {archs!r}"
        )
    out = {
        "stored": _proxy_names(raw.get("stored", "all"), "proxies.stored"),
        "computed": _proxy_names(raw.get("computed", "none"), "proxies.computed"),
        "computed_archs": archs,
    }
    if not out["stored"] and not out["computed"]:
        raise _error("proxies: neither stored nor computed proxies are asked for")
    return out

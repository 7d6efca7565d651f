"""Study configuration: an explicit schema, validation with clear errors, expansion into trials.

A *study* is spaces x datasets x predictors (with parameters) x training-set sizes x epoch
budgets x seeds. It is written as YAML (read with ``yaml.safe_load``, never evaluated) or
built from a mapping; :func:`parse_config` checks every key against :data:`SCHEMA` and
returns a :class:`StudyConfig`; :func:`expand_trials` turns it into one plain ``dict`` per
trial, JSON-serialisable and self-contained, which is all a worker needs
(:func:`nasperf.evaluation.engines.run_trial`). A trial is identified by
:func:`trial_hash`, the sha256 of its canonical JSON, so a rerun recognises finished trials
whatever the order or the engine.

Example (``configs/default.yaml``)::

    name: nb201-default
    spaces: [nb201]
    datasets: [cifar10]
    predictors:
      - xgb
      - {name: xgb, label: xgb-100, params: {n_estimators: 100}}
    train_sizes: [10, 20, 50, 100, 200, 500, 1000]
    seeds: 3
    test_size: 200

Keys (all optional except ``predictors``)
-----------------------------------------
``name``
    Names the default output folder; default the sources' names (``nb201-cifar10``; a
    user's table: its ``name``, else its file's name without suffixes: ``nb201`` for
    ``nb201.csv.gz``).
``spaces`` / ``datasets``
    Benchmarks (``nasperf.available_benchmarks()``) and their datasets; every pair is run.
``data``
    Instead of the packaged benchmarks, a user's table (or a list of them): ``{path, space,
    format: csv|naslib_zc|parquet (default from the suffix), target, arch_column,
    dataset, name, cost_column, fidelities: {budget: [columns]}, maximize, duplicates,
    missing_target}``. ``space`` may be left out for a NASLib file, which names its own (it
    is read when the config is). ``duplicates`` (``error``, the default; ``first``;
    ``last``) says what to do with an architecture the table holds twice (two spellings of
    one). ``missing_target`` (``error``, the default; ``skip``) says what to do with a CSV
    or parquet row whose target cell is empty or NA (``nan``, ``null``, ...: an
    architecture not trained, or whose training failed): an error naming the line, or leave
    the architecture out (a study's candidates are the architectures with a finite target;
    a NASLib file's missing values are always read so). Its other columns stay complete.
    A table that stores one result per network (the codings of one network, equal
    ``space.hash``, share every value: NAS-Bench-Macro's) is read so when the config is
    (:func:`~nasperf.spaces.one_result_per_network`; the parsed entry says
    ``per_network: true``), and its trials split by network, as NB101's. ``dataset`` (e.g.
    ``cifar10``) says whose images and packaged zero-cost table serve the predictors that
    need them; ``name`` (default the file's name without its suffixes, ``nb201`` for
    ``nb201.csv.gz``; a NASLib file's ``dataset``) names the source in results (the rows'
    ``dataset``) and plots (a panel's title), so two entries of one name, given or by
    default (``a/nb201.csv`` and ``b/nb201.csv``), are a :class:`ConfigError`: name each
    one; ``cost_column`` holds each architecture's training
    seconds (the time axis' training cost). ``fidelities`` maps each budget name to its
    learning-curve columns (``{25ep: [acc_25ep], 100ep: [acc_25ep, acc_100ep]}``); a budget
    names one by its name or, where the name gives its epochs (a number, alone or before
    ``ep`` / ``epoch(s)``: ``25``, ``25ep``, ``25_epochs``), by its epochs. Where every
    name gives its epochs the fewest epochs is the cheapest fidelity; otherwise the order
    written says which is (cheapest first), so the default budget is the first one written.
    ``maximize: false`` says the target is a loss, an error or a latency: nasperf then
    reads minus the target and minus its budgets' columns, so that "higher is better" holds
    everywhere (precision@k, NDCG, the rows' ``target`` reads ``-val_loss``); a target
    whose name reads like one (``val_loss``, ``top1_err``, ``latency_ms``) without
    ``maximize`` is a :class:`ConfigError`.
``predictors``
    Registered names, or ``{name, label, params, zero_cost, optional}`` mappings
    (``zero_cost: true`` also hands the zero-cost table to a predictor that does not require
    it; one with ``zero_cost_proxies``, and an ``ensemble`` / ``tuned`` wrapper of a member
    that reads proxies, gets it without: its
    :meth:`~nasperf.predictors.base.Predictor.effective_requirements`). A predictor whose ``requirements`` a source cannot meet (learning curves without a
    cheaper fidelity, zero-cost scores without a table, images of an unknown dataset) is a
    :class:`ConfigError` naming what is missing, unless it is ``optional: true``: then it is
    skipped on that source (:func:`skipped_predictors` says so). The default study's
    predictors are optional.
``train_sizes``, ``seeds`` (a count or a list), ``test_size``
    Training-set sizes (nested sets per seed), seeds, test-set size (independent of the
    training size). Training-free predictors (``requirements.labels`` false) get one trial
    per seed with ``n_train = 0``.
``budgets``
    Epoch budgets of the partial learning curves, used by predictors whose
    ``requirements.learning_curves`` is true (one trial per budget). A budget is a fidelity
    cheaper than the target, named by its name (``12ep``), its column (``val_acc_12ep``) or
    its epochs (``12``; :func:`~nasperf.datasets.match_fidelity`); the config holds its
    name whatever the spelling, so ``[12, 12ep]`` is one budget and trials, their hashes
    and ``--dry-run`` read ``12ep``. Default the fidelities nearest 10 %, 25 % and 50 % of
    the target's epochs (NB201: its only cheaper fidelity ``12ep``; ``nb301_surrogate``:
    ``10ep``, ``24ep``, ``49ep``); the cheapest alone where those epochs are unknown, as on
    a user's table, whose target column states none: its cheapest fidelity (see ``data``).
    Where the benchmark's fidelities name their epochs and metrics, learning-curve
    predictors receive :class:`~nasperf.datasets.curves.LearningCurves`; a user's table's
    budget columns arrive as an array (validation accuracy at epochs 1..k). A curve predictor
    whose ``metric`` the source does not record at a budget (early_stop_loss's ``val_loss``
    on NB201, or on a user's table) is refused like a missing input.
``target``
    Benchmark fidelity to predict, spelt as a budget is (``200``, ``200ep``,
    ``val_acc_200ep``: held as ``200ep``; a spelling that the benchmarks name differently,
    as ``val_accuracy`` NB101's ``108ep`` and NB301's ``final``, is held as written); default
    the most expensive one. With ``data`` it is an error: each table names its column as
    ``data[i].target``.
``unlabelled_size``
    Unlabelled architectures handed to semi-supervised predictors (default 1000).
``zero_cost_table``
    A proxy table file (NASLib JSON, CSV or parquet, indexed by architecture) for predictors
    that take zero-cost scores; default ``nasperf.datasets.load_zero_cost(space, dataset)``.
    A CSV or parquet table holds one dataset's scores: a study of several spaces or datasets
    takes a NASLib JSON file (each trial reads its dataset's scores) or none.
``images``
    Image source (an ``.npz``, or a CIFAR binary / python distribution: folder, archive or
    batch file) for predictors that train networks or read images
    (``requirements.images``): passed as their ``images`` parameter (``zc_proxy``'s
    ``inputs``; ``images_parameter``) unless the predictor's ``params`` set it, and so to
    an ``ensemble``'s members and a ``tuned`` model that read images
    (:func:`~nasperf.predictors.base.study_params`). Default: the images nasperf ships (256
    CIFAR test images).
``training_epochs``
    Supernet training budget of weight-sharing predictors
    (``requirements.network_training``), passed as their ``epochs`` unless ``params`` set it
    (and so to an ``ensemble``'s weight-sharing members and a ``tuned`` one).
``metrics``
    ``{ks: [10, 20, 50], nan_policy: worst}``, passed to :func:`evaluate`.
``imports``
    Modules imported first, in the runner and in every worker (user-defined spaces or
    predictors register themselves on import): module names (found in the working
    directory too) or ``.py`` files (relative to the config file).
``tasks``, ``exclude_tasks``
    A *suite* instead of ``spaces`` x ``datasets``: ``all`` (every task of
    ``nasperf.available_tasks()``) or a list of ``benchmark/dataset`` (or ``benchmark``: all
    its datasets); test set and training sizes are fitted to each task's size, and
    predictors whose side information a task lacks are skipped there (see
    :mod:`nasperf.evaluation.suite`).
``proxies``
    Zero-cost proxy trials of a suite: ``{stored: all, computed: none, computed_archs:
    200}`` (stored proxies on every labelled architecture, computed ones on a sample).
``quick``
    Keys that ``--quick`` sets instead of the file's (e.g. fewer predictors, sizes, seeds);
    ignored otherwise.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasperf.errors import as_optional_path, as_path, check_flag, short_repr

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from nasperf.datasets import Fidelity

__all__ = [
    "DEFAULT_PREDICTORS",
    "DEFAULT_TRAIN_SIZES",
    "QUICK_TRAIN_SIZES",
    "SCHEMA",
    "ConfigError",
    "check_keys",
    "StudyConfig",
    "as_study_config",
    "default_config",
    "expand_trials",
    "load_config",
    "make_trial",
    "parse_config",
    "read_yaml_file",
    "skipped_predictors",
    "source_dataset",
    "trial_hash",
]

#: Predictors of the default study, in order; names not registered in this installation
#: are left out (at least one must exist). Edit this list to change the default study.
DEFAULT_PREDICTORS: tuple[str, ...] = ("xgb", "lgb", "omni", "zc_proxy", "rf", "gp", "mlp")
#: How many of DEFAULT_PREDICTORS the default study runs (the first ones registered): two
#: model-based baselines, the OMNI hybrid (packaged zero-cost table + 12-epoch curves) and a
#: training-free proxy (synflow).
DEFAULT_MAX_PREDICTORS = 4
#: Training-set sizes of the default study (White et al. use 10 ... 1000 on NB201).
DEFAULT_TRAIN_SIZES: tuple[int, ...] = (10, 20, 50, 100, 200, 500, 1000)
#: Training-set sizes of ``--quick``.
QUICK_TRAIN_SIZES: tuple[int, ...] = (10, 50, 200)

#: Top-level keys: name -> (accepted Python types, description) of the schema.
SCHEMA: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "study name (names the default output folder)"),
    "spaces": ((list, str), "benchmarks, e.g. [nb201]"),
    "datasets": ((list, str), "datasets of the benchmarks, e.g. [cifar10]"),
    "data": ((list, dict, str), "a user's table (path or {path, space, ...}) or a list"),
    "predictors": ((list, str), "predictor names or {name, label, params, zero_cost, optional}"),
    "train_sizes": ((list, int), "training-set sizes, e.g. [10, 100, 1000]"),
    "budgets": ((list, str, int), "epoch budgets of learning curves, e.g. [12ep] or [12]"),
    "seeds": ((list, int), "number of seeds, or a list of seeds"),
    "test_size": ((int,), "test-set size (default 200)"),
    "target": ((str, int), "fidelity to predict, e.g. 200ep or 200 (with data: data[i].target)"),
    "unlabelled_size": ((int,), "unlabelled architectures for semi-supervised predictors"),
    "zero_cost_table": ((str,), "a proxy table file (NASLib JSON, CSV or parquet)"),
    "images": ((str,), "image source for predictors that train networks or read images"),
    "training_epochs": ((int,), "supernet training epochs of weight-sharing predictors"),
    "metrics": ((dict,), "{ks: [10, 20, 50], nan_policy: worst}"),
    "imports": ((list, str), "modules imported first (user-defined spaces / predictors)"),
    "tasks": ((list, str), "suite tasks: all, or [nb201/cifar10, tnb101_micro, ...]"),
    "exclude_tasks": ((list, str), "suite tasks left out, e.g. [nb301_surrogate/cifar10]"),
    "proxies": ((dict, str), "suite proxies: {stored: all, computed: [...], computed_archs: N}"),
    "quick": ((dict,), "keys that --quick overrides, e.g. {train_sizes: [20, 100], seeds: 1}"),
}
_PREDICTOR_KEYS = {"name", "label", "params", "zero_cost", "optional"}
_DATA_KEYS = {
    "path",
    "space",
    "format",
    "target",
    "arch_column",
    "dataset",
    "name",
    "cost_column",
    "fidelities",
    "maximize",
    "duplicates",
    "missing_target",
}
_METRIC_KEYS = {"ks", "nan_policy"}
_NAN_POLICIES = ("worst", "raise", "omit")


class ConfigError(ValueError):
    """A study configuration is invalid; the message names the key and the problem."""


class ConfigFileNotFoundError(FileNotFoundError, ConfigError):
    """The study config file does not exist (both a ``FileNotFoundError`` and a
    :class:`ConfigError`, so the study runner reports it like any other config error)."""


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """A validated study configuration (see the module docstring for the keys).

    ``as_dict()`` is its canonical, JSON-serialisable form (stored in the metadata file).
    """

    name: str
    spaces: tuple[str, ...]
    datasets: tuple[str, ...]
    data: tuple[dict, ...]
    predictors: tuple[dict, ...]
    train_sizes: tuple[int, ...]
    budgets: tuple[str, ...]
    seeds: tuple[int, ...]
    test_size: int
    target: str | None
    unlabelled_size: int
    zero_cost_table: dict | None
    ks: tuple[int, ...]
    nan_policy: str
    imports: tuple[str, ...]
    images: dict | None = None
    training_epochs: int | None = None
    tasks: tuple[dict, ...] = ()
    proxies: dict | None = None

    def as_dict(self) -> dict:
        """Canonical JSON-serialisable form (keys added later are left out while unset, so
        existing studies keep their digest)."""
        out = json.loads(json.dumps(dataclasses.asdict(self)))
        for key in ("images", "training_epochs", "tasks", "proxies"):
            if out[key] in (None, []):
                del out[key]
        return out

    def digest(self) -> str:
        """Short sha256 of the canonical form (names the default output folder), without
        the folders files sit in (:func:`_where_free`)."""
        return hashlib.sha256(_canonical(_where_free(self.as_dict())).encode()).hexdigest()[:10]


# --------------------------------------------------------------------------- helpers
def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def trial_hash(trial: Mapping[str, Any]) -> str:
    """sha256 (hex) of the trial's canonical JSON (sorted keys, no spaces), ``hash`` excluded,
    without the folders its files sit in (:func:`_where_free`): a project moved or cloned
    to another folder resumes its studies (every trial had been run again, and the
    folder's finished ones reported as "not part of this config")."""
    body = {k: v for k, v in trial.items() if k != "hash"}
    return hashlib.sha256(_canonical(_where_free(body)).encode()).hexdigest()


def _where_free(obj: Any) -> Any:
    """``obj`` without where its files are: a file identified by its sha256 beside its path
    (``{"path": ..., "sha256": ...}``, or a key ``K`` beside ``K_sha256``) keeps only the
    sha256, and a module imported from a file (``imports``) only the file's name."""
    if isinstance(obj, list | tuple):
        return [_where_free(v) for v in obj]
    if not isinstance(obj, Mapping):
        return obj
    out = {}
    for key, value in obj.items():
        if key == "path" and obj.get("sha256") is not None:
            continue
        if obj.get(f"{key}_sha256") is not None:
            continue
        if key == "imports" and isinstance(value, list | tuple):
            from nasperf._imports import is_module_path

            value = [Path(m).name if is_module_path(m) else m for m in value]
        out[key] = _where_free(value)
    return out


def _file_sha256(path: Path) -> str:
    """The file's sha256 (:func:`nasperf.datasets.package_data.sha256_file`)."""
    from nasperf.datasets.package_data import sha256_file

    return sha256_file(path)


#: The most seeds a study takes (a seed is a trial per predictor and training size; White
#: et al. used 100 or fewer).
MAX_SEEDS = 10_000
#: The largest seed: numpy's and the predictors' ``random_state`` bound (2**32 - 1).
MAX_SEED = 2**32 - 1


def _as_list(value: Any, key: str, item_types: tuple[type, ...]) -> list:
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, item_types):
            names = " or ".join(t.__name__ for t in item_types)
            raise ConfigError(f"{key}[{i}]: expected {names}, got {item!r}")
    if not items:
        raise ConfigError(f"{key}: must not be empty")
    return items


def _as_yaml_values(value: Any, depth: int = 0) -> Any:
    """A config mapping built in Python as the values YAML gives: a tuple or a numpy array
    as a list, a numpy scalar as its Python number, a path as its string, any mapping as a
    dict (so ``train_sizes=(20, 50)`` or ``seeds=np.arange(3)`` read as the YAML lists
    would); other values are left for the schema's checks (a set stays refused: it has no
    order). Nesting beyond :data:`MAX_YAML_DEPTH` (a mapping that holds itself) is refused."""
    import os

    import numpy as np

    if depth > MAX_YAML_DEPTH:
        raise ConfigError(f"the config nests deeper than {MAX_YAML_DEPTH} levels")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {k: _as_yaml_values(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_yaml_values(v, depth + 1) for v in value]
    return value


def _check_json_value(value: Any, key: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}: {value!r} is not a finite number")
        return
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_json_value(v, f"{key}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{key}: keys must be strings, got {k!r}")
            _check_json_value(v, f"{key}.{k}")
        return
    raise ConfigError(f"{key}: {type(value).__name__} values are not allowed ({value!r})")


def _run_imports(modules: Sequence[str], base: Path | None = None) -> tuple[str, ...]:
    """Import ``modules`` (names, or ``.py`` paths relative to ``base``); return them with
    the paths made absolute, as the workers import them."""
    from nasperf._imports import UserModuleError, import_user_module, is_module_path

    out = []
    for module in modules:
        try:
            import_user_module(module, base=base)
        except UserModuleError as err:  # names the module already
            raise ConfigError(f"imports: {err}") from err
        except ImportError as err:
            raise ConfigError(f"imports: cannot import {module!r}: {err}") from err
        if is_module_path(module):
            module = str(((base or Path.cwd()) / Path(module).expanduser()).resolve())
        out.append(module)
    return tuple(out)


def _resolve_path(path: str, base: Path | None, key: str, *, folder_ok: bool = False) -> Path:
    """``path`` made absolute (relative to ``base``); it must be a file (or, with
    ``folder_ok``, a folder)."""
    p = Path(path).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    p = p.resolve()
    if folder_ok and not p.exists():
        raise ConfigError(f"{key}: {str(p)!r} does not exist")
    if not folder_ok and p.is_dir():
        raise ConfigError(f"{key}: {str(p)!r} is a directory, not a file")
    if not folder_ok and p.exists() and not p.is_file():
        raise ConfigError(f"{key}: {str(p)!r} is not a regular file")
    if not folder_ok and not p.is_file():
        raise ConfigError(f"{key}: file {str(p)!r} does not exist")
    return p


def _valid_name(name: str) -> bool:
    return bool(name) and name.replace("-", "").replace("_", "").replace(".", "").isalnum()


def _source_name(spaces: Sequence[str], datasets: Sequence[str], data: Sequence[dict]) -> str:
    """A study's default name from what it runs on: ``nb201-cifar10``, a table's name, ..."""
    import re

    parts = [d["name"] for d in data] or [f"{s}-{d}" for s in spaces for d in datasets]
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "_", p).strip("_.-") or "data" for p in parts]
    name = "-".join(parts[:2]) + (f"-and-{len(parts) - 2}-more" if len(parts) > 2 else "")
    return name[:80]


# --------------------------------------------------------------------------- parsing
def _parse_predictor(item: Any, i: int) -> dict:
    from sklearn.utils._param_validation import InvalidParameterError

    import nasperf.predictors as P
    from nasperf.registry import UnknownNameError

    key = f"predictors[{i}]"
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise ConfigError(f"{key}: expected a name or a mapping {{name, params}}, got {item!r}")
    unknown = sorted(set(item) - _PREDICTOR_KEYS)
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {unknown}; valid: {sorted(_PREDICTOR_KEYS)}")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{key}.name: a predictor name is required")
    try:
        cls = P.PREDICTORS.get(name)
    except UnknownNameError as err:
        raise ConfigError(f"{key}.name: {err}") from None
    name = cls.name or name.lower()
    params = item.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{key}.params: expected a mapping, got {params!r}")
    _check_json_value(params, f"{key}.params")
    valid = set(cls._get_param_names())
    bad = sorted(set(params) - valid)
    if bad:
        raise ConfigError(
            f"{key}.params: predictor {name!r} has no parameter(s) {bad}; its parameters are "
            f"{sorted(valid)}"
        )
    reserved = sorted({"random_state"} & set(params))
    if reserved:
        raise ConfigError(f"{key}.params: {reserved} is set from the trial's seed; remove it")
    try:  # the predictor's own constraints, so a bad value fails before any trial runs
        if getattr(cls, "_parameter_constraints", None) is not None:
            cls(**params)._validate_params()
    except InvalidParameterError as err:
        raise ConfigError(f"{key}.params: {err}") from None
    label = item.get("label", name)
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{key}.label: expected a non-empty string, got {label!r}")
    if not label.isprintable():  # a line break or a tab splits the tables' rows and legends
        raise ConfigError(f"{key}.label: use printable characters (no line breaks), got {label!r}")
    zc = item.get("zero_cost", False)
    if not isinstance(zc, bool):
        raise ConfigError(f"{key}.zero_cost: expected true or false, got {zc!r}")
    if zc:  # a predictor that refuses the table it would be handed: before any trial
        refusal = cls(**params).zero_cost_refusal()
        if refusal is not None:
            raise ConfigError(f"{key}.zero_cost: {refusal}")
    optional = item.get("optional", False)
    if not isinstance(optional, bool):
        raise ConfigError(f"{key}.optional: expected true or false, got {optional!r}")
    out = {"name": name, "label": label, "params": params, "zero_cost": zc}
    if optional:  # only where set, so that existing configurations keep their digest
        out["optional"] = True
    return out


def _parse_data(item: Any, i: int, base: Path | None) -> dict:
    from nasperf.datasets.readers import table_stem
    from nasperf.spaces import get_space

    key = f"data[{i}]"
    if isinstance(item, str):
        item = {"path": item}
    if not isinstance(item, dict):
        raise ConfigError(f"{key}: expected a path or a mapping {{path, space, ...}}")
    unknown = sorted(set(item) - _DATA_KEYS)
    if unknown:
        raise ConfigError(f"{key}: unknown key(s) {unknown}; valid: {sorted(_DATA_KEYS)}")
    for k, v in item.items():
        if k not in ("fidelities", "maximize") and v is not None and not isinstance(v, str):
            raise ConfigError(f"{key}.{k}: expected a string, got {v!r}")
    if "path" not in item:
        raise ConfigError(f"{key}.path: the table's file is required")
    path = _resolve_path(item["path"], base, f"{key}.path")
    fmt = item.get("format")
    if fmt is None:
        from nasperf.datasets.readers import table_format

        fmt = table_format(path)
    if fmt not in ("csv", "naslib_zc", "parquet"):
        raise ConfigError(f"{key}.format: {fmt!r} is not one of csv, naslib_zc, parquet")
    space = item.get("space")
    if fmt != "naslib_zc" and not space:
        raise ConfigError(f"{key}.space: the search space of the table is required")
    if space:
        try:
            space = get_space(space).name
        except ValueError as err:
            raise ConfigError(f"{key}.space: {err}") from None
    else:  # a NASLib file names its space: the trials, rows and splits need it
        from nasperf.datasets.readers import naslib_space

        try:
            space = naslib_space(path)
        except ValueError as err:
            raise ConfigError(f"{key}.space: {err}") from None
    fids = item.get("fidelities") or {}
    if not isinstance(fids, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in fids.values()
    ):
        raise ConfigError(f"{key}.fidelities: expected {{budget: [column, ...]}}, got {fids!r}")
    target = item.get("target") or ("val_accuracy" if fmt == "naslib_zc" else None)
    if target is None:
        raise ConfigError(f"{key}.target: name the column holding the target")
    for budget, cols in fids.items():
        if target in cols:
            raise ConfigError(
                f"{key}.fidelities.{budget}: the target column {target!r} cannot be a "
                "learning-curve column (the label would become a feature)"
            )
    from nasperf.datasets.direction import target_sign

    try:
        sign = target_sign(target, item.get("maximize"), where=f"{key}.maximize")
    except (TypeError, ValueError) as err:
        raise ConfigError(str(err)) from None
    out = {
        "path": str(path),
        "sha256": _file_sha256(path),
        "format": fmt,
        "space": space,
        "target": target,
        "arch_column": item.get("arch_column") or "arch",
        "dataset": item.get("dataset"),
        # a NASLib file holds several datasets, so its dataset names it; a table, its file
        # (without a compression suffix: nb201.csv.gz is nb201, as nb201.csv is)
        "name": item.get("name")
        or (item.get("dataset") if fmt == "naslib_zc" else None)
        or table_stem(path),
        "cost_column": item.get("cost_column"),
        "fidelities": {str(k): list(v) for k, v in fids.items()},
    }
    if sign < 0:  # only where set, so that existing configurations keep their digest
        out["maximize"] = False
    duplicates = item.get("duplicates") or "error"
    if duplicates not in ("error", "first", "last"):
        raise ConfigError(
            f"{key}.duplicates: {duplicates!r} is not one of error, first, last (what to do "
            "with an architecture the table holds twice)"
        )
    if duplicates != "error":  # only where set, as maximize
        out["duplicates"] = duplicates
    missing = item.get("missing_target") or "error"
    if missing not in ("error", "skip"):
        raise ConfigError(
            f"{key}.missing_target: {missing!r} is not one of error, skip (what to do with a "
            "row whose target cell is empty or NA)"
        )
    if missing != "error":  # only where set, as maximize
        out["missing_target"] = missing
    if _per_network(out):  # only where so, as maximize
        out["per_network"] = True
    return out


def _per_network(data: dict) -> bool:
    """Whether a user's table stores one result per network of a space whose architectures
    are not networks already (:func:`~nasperf.spaces.one_result_per_network` of its
    target, curve and cost columns: NAS-Bench-Macro's codings of one network share a row's
    values). A study then splits it by network, as NB101's: isomorphic twins with one label
    on both sides had leaked the test labels into training. False where the table cannot
    be read yet (the study's checks then say why)."""
    return _per_network_read(json.dumps(data, sort_keys=True))


@functools.lru_cache(maxsize=32)
def _per_network_read(key: str) -> bool:
    import numpy as np
    import pandas as pd

    from nasperf.spaces import get_space, one_result_per_network

    from ._user_table import named_columns, read_user_table

    data = json.loads(key)
    cols = list(dict.fromkeys(col for col, _, _ in named_columns(data)))
    try:
        space = get_space(data["space"])
        if space.counts_networks:
            return False  # split by network already (distinct_key)
        # the table the trials read (canonical texts, duplicates resolved, missing targets
        # NaN): a second reader had counted an architecture given twice as two rows
        table = read_user_table(data)
        values = [pd.to_numeric(table[c], errors="coerce").to_numpy(np.float64) for c in cols]
    except (ValueError, OSError, LookupError, KeyError, TypeError, NotImplementedError):
        return False  # the study's checks say why the table cannot be read
    return one_result_per_network(space, list(table.index), np.stack(values, axis=1))[0]


def _table_fidelities(data: Mapping[str, Any]) -> tuple[Fidelity, ...]:
    """A user's table's ``fidelities`` as :class:`~nasperf.datasets.Fidelity` values,
    cheapest first, as a benchmark lists its own.

    Where every name gives its epochs (``25ep``, ``100``, ``25_epochs``:
    :func:`~nasperf.datasets.epochs_in_name`) they are ordered by epochs; otherwise they
    keep the order the config wrote them in, which then says which is cheapest. Each fidelity's ``column`` is
    its name (a table's budget is its list of columns, ``observed``), so a budget names it
    by its name or its epochs (:func:`~nasperf.datasets.match_fidelity`).
    """
    from nasperf.datasets import Fidelity, epochs_in_name

    fids = []
    for name, cols in data.get("fidelities", {}).items():
        fids.append(Fidelity(name, name, epochs=epochs_in_name(name), observed=tuple(cols)))
    if all(f.epochs is not None for f in fids):
        fids.sort(key=lambda f: f.epochs)  # stable: equal epochs keep the written order
    return tuple(fids)


def _budget_name(
    value: str | int,
    where: str,
    fidelities: Sequence[Fidelity],
    cheaper: Sequence[Fidelity],
    target: str | None,
) -> str:
    """The name of the fidelity of ``where`` that the budget ``value`` spells (see
    :func:`~nasperf.datasets.match_fidelity`), one of ``cheaper`` (those below the target
    ``target``, None for a user's table).

    Raises
    ------
    ConfigError
        ``value`` names no fidelity of ``where``, or one not cheaper than its target; the
        message lists the budgets it has.
    """
    from nasperf.datasets import match_fidelity

    available = [f.name for f in cheaper] or "none"
    fid = match_fidelity(fidelities, value)
    if fid is None:
        below = "" if target is None else f" below the target {target!r}"
        raise ConfigError(
            f"budgets: {where} has no budget {value!r}{below}; available: {available}"
        )
    if fid not in cheaper:
        raise ConfigError(
            f"budgets: budget {value!r} is not cheaper than the target {target!r} of {where}; "
            f"available: {available}"
        )
    return fid.name


def _check_data_names(data: Sequence[dict], items: Sequence[Any]) -> None:
    """Refuse two sources of one name (``items``: the ``data`` entries as given, ``data``:
    as parsed). The rows, the summary and the plots tell a study's sources apart by their
    name (the rows' ``dataset``): two tables of one name (``a/nb201.csv`` and
    ``b/nb201.csv``, both ``nb201`` by default) would share a summary line and a panel,
    and read as two configs of one source. Each is named instead, as two predictors of one
    label are refused."""
    first: dict[str, int] = {}
    for j, d in enumerate(data):
        i = first.setdefault(d["name"], j)
        if i == j:
            continue
        given = isinstance(items[j], dict) and items[j].get("name")
        by = "its dataset" if d["format"] == "naslib_zc" and d.get("dataset") else "its file"
        how = "" if given else f" (named by {by})"
        raise ConfigError(
            f"data[{j}].name: {d['name']!r}{how} names data[{i}] too ({data[i]['path']}, "
            f"{d['path']}); results and plots tell the sources apart by their names: give "
            "each its own (data[i].name)"
        )


def parse_config(
    raw: Mapping[str, Any] | None, *, base_dir: str | Path | None = None
) -> StudyConfig:
    """Validate a configuration mapping (e.g. ``yaml.safe_load`` output) into a StudyConfig.

    Parameters
    ----------
    raw : mapping
        Keys of :data:`SCHEMA`; missing keys take the defaults of :func:`default_config`.
    base_dir : path, optional
        Folder against which relative file paths (``data``, ``zero_cost_table``) resolve;
        default the working directory.

    Raises
    ------
    ConfigError
        An unknown key, a value of the wrong type, an unknown predictor (the message lists
        the available ones), parameter, benchmark, dataset, budget or file.
    TypeError, ValueError
        ``base_dir`` is not a path, or is empty (:func:`~nasperf.errors.as_path`).
    """
    from nasperf.datasets import get_benchmark

    if raw is None:
        raw = {}
    if isinstance(raw, Mapping):
        raw = _as_yaml_values(raw)
    check_keys(raw, SCHEMA)
    base_dir = as_optional_path(base_dir, "base_dir")
    base = base_dir.resolve() if base_dir is not None else Path.cwd()
    raw = {k: v for k, v in raw.items() if v is not None}
    if "quick" in raw:  # applied by load_config(quick=True); checked, then ignored here
        _check_quick(raw.pop("quick"))

    imports = tuple(_as_list(raw.get("imports", []) or ["nasperf"], "imports", (str,)))
    imports = tuple(m for m in imports if m != "nasperf")
    imports = _run_imports(imports, base)

    if "predictors" not in raw:
        raise ConfigError(
            "predictors: required (a list of names, e.g. [xgb]); available predictors: "
            + ", ".join(__import__("nasperf.predictors", fromlist=["available"]).available())
        )
    preds = [
        _parse_predictor(p, i)
        for i, p in enumerate(_as_list(raw["predictors"], "predictors", (str, dict)))
    ]
    labels = [p["label"] for p in preds]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise ConfigError(f"predictors: label(s) {dup} used twice; give each entry its own label")

    data: list[dict] = []
    tasks: tuple[dict, ...] = ()
    if "tasks" in raw or "exclude_tasks" in raw:
        from ._suite_spec import SuiteSpecError, parse_tasks

        clash = sorted({"data", "spaces", "datasets"} & set(raw))
        if clash:
            raise ConfigError(f"tasks: give either tasks (a suite) or {clash}, not both")
        try:
            tasks = parse_tasks(raw.get("tasks", "all"), raw.get("exclude_tasks"))
        except SuiteSpecError as err:
            raise ConfigError(str(err)) from None
        spaces, datasets = [], []
    elif "data" in raw:
        if "spaces" in raw or "datasets" in raw:
            raise ConfigError("data: give either data (your own tables) or spaces/datasets")
        if "target" in raw:
            # it names a benchmark fidelity; with data it was ignored, yet kept in the
            # config (meta.json, the folder's digest) as if it had chosen the column
            raise ConfigError(
                f"target: {raw['target']!r} names a benchmark fidelity and does not apply to "
                "data (your own tables); name each table's column as data[i].target "
                "(on the command line: --data-target)"
            )
        items = _as_list(raw["data"], "data", (str, dict))
        data = [_parse_data(d, i, base) for i, d in enumerate(items)]
        _check_data_names(data, items)
        spaces: list[str] = []
        datasets: list[str] = []
    else:
        spaces = _as_list(raw.get("spaces", ["nb201"]), "spaces", (str,))
        datasets = _as_list(raw.get("datasets", ["cifar10"]), "datasets", (str,))
        resolved_spaces = []
        for i, s in enumerate(spaces):
            try:
                resolved_spaces.append(get_benchmark(s).name)
            except ValueError as err:
                raise ConfigError(f"spaces[{i}]: {err}") from None
        # one benchmark under two names (nb201, nasbench201) is one: kept once, as a train
        # size given twice is
        spaces = list(dict.fromkeys(resolved_spaces))
        resolved_ds = []
        for i, d in enumerate(datasets):
            for s in spaces:
                try:
                    canon = get_benchmark(s).resolve_dataset(d)
                except ValueError as err:
                    raise ConfigError(f"datasets[{i}]: {err}") from None
            resolved_ds.append(canon)
        datasets = list(dict.fromkeys(resolved_ds))

    name = raw.get("name")
    if name is None:
        name = _source_name(spaces, datasets, data)
    elif not _valid_name(name):
        raise ConfigError(f"name: use letters, digits, '-', '_' and '.', got {name!r}")

    sizes = _as_list(raw.get("train_sizes", list(DEFAULT_TRAIN_SIZES)), "train_sizes", (int,))
    if any(s < 1 for s in sizes):
        raise ConfigError(f"train_sizes: sizes must be at least 1, got {sizes}")
    sizes = sorted(set(sizes))

    seeds_raw = raw.get("seeds", 3)
    if isinstance(seeds_raw, int):
        if seeds_raw < 1:
            raise ConfigError(f"seeds: the number of seeds must be at least 1, got {seeds_raw}")
        if seeds_raw > MAX_SEEDS:
            raise ConfigError(
                f"seeds: {seeds_raw:,d} seeds; a study takes at most {MAX_SEEDS:,d} (each seed "
                "is a trial per predictor and training size)"
            )
        seeds = list(range(seeds_raw))
    else:
        seeds = _as_list(seeds_raw, "seeds", (int,))
        if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
            raise ConfigError(f"seeds: expected distinct non-negative seeds, got {seeds}")
        if len(seeds) > MAX_SEEDS:
            raise ConfigError(f"seeds: {len(seeds):,d} seeds; a study takes at most {MAX_SEEDS:,d}")
        big = [k for k, s in enumerate(seeds) if s > MAX_SEED]
        if big:
            raise ConfigError(
                f"seeds[{big[0]}]: {seeds[big[0]]} is above {MAX_SEED} (2**32 - 1), the largest "
                "random_state the predictors take"
            )

    test_size = raw.get("test_size", 200)
    if test_size < 2:
        raise ConfigError(f"test_size: at least 2 test architectures are needed, got {test_size}")
    unl = raw.get("unlabelled_size", 1000)
    if unl < 0:
        raise ConfigError(f"unlabelled_size: must be non-negative, got {unl}")

    # each source's fidelities, cheapest first, and those cheaper than its target: a
    # budget or target of any spelling (12, "12", 12ep, val_acc_12ep) is held under its
    # fidelity's name, so the trials, their hashes and --dry-run carry the name the
    # source's rows are read by
    target_raw = raw.get("target")
    # where -> (its fidelities, those cheaper than its target, the target's name)
    sources: dict[str, tuple[Sequence[Fidelity], Sequence[Fidelity], str | None]] = {}
    target_of: set[str] = set()
    for s in spaces or list(dict.fromkeys(t["benchmark"] for t in tasks)):
        bench = get_benchmark(s)
        try:
            tfid = bench.resolve_fidelity(target_raw)
        except ValueError as err:
            raise ConfigError(f"target: {err}") from None
        target_of.add(tfid.name)
        cheaper = bench.fidelities[: bench.fidelities.index(tfid)]
        if tasks and not cheaper:
            continue  # a suite skips learning-curve predictors on tasks without curves
        sources[f"benchmark {s!r}"] = (bench.fidelities, cheaper, tfid.name)
    for i, d in enumerate(data):
        fids = _table_fidelities(d)  # a table's target is its own column, above them all
        sources[f"data[{i}] ({d['name']})"] = (fids, fids, None)
    target = None
    if target_raw is not None:
        # one name where every benchmark calls the fidelity alike; else the spelling, which
        # each benchmark reads (val_accuracy: NB101's 108ep, NB301's final)
        target = target_of.pop() if len(target_of) == 1 else str(target_raw)
    budgets: list[str] = []
    for b in _as_list(raw["budgets"], "budgets", (str, int)) if "budgets" in raw else []:
        named = {where: _budget_name(b, where, *fids) for where, fids in sources.items()}
        if len(set(named.values())) > 1:
            raise ConfigError(
                f"budgets: {b!r} is the fidelity "
                + ", ".join(f"{n!r} of {where}" for where, n in named.items())
                + "; a budget names one fidelity of every source: run them as separate studies"
            )
        budget = next(iter(named.values()), str(b))
        # one fidelity under two spellings (12, 12ep) is one budget, kept once, as a train
        # size given twice is
        if budget not in budgets:
            budgets.append(budget)

    metrics = raw.get("metrics", {})
    bad = sorted(set(metrics) - _METRIC_KEYS)
    if bad:
        raise ConfigError(f"metrics: unknown key(s) {bad}; valid: {sorted(_METRIC_KEYS)}")
    ks = _as_list(metrics.get("ks", [10, 20, 50]), "metrics.ks", (int,))
    if any(k < 1 for k in ks):
        raise ConfigError(f"metrics.ks: expected positive integers, got {ks}")
    nan_policy = metrics.get("nan_policy", "worst")
    if nan_policy not in _NAN_POLICIES:
        raise ConfigError(f"metrics.nan_policy: {nan_policy!r} is not one of {_NAN_POLICIES}")

    zc = None
    if "zero_cost_table" in raw:
        p = _resolve_path(raw["zero_cost_table"], base, "zero_cost_table")
        zc = {"path": str(p), "sha256": _file_sha256(p)}
        from nasperf.datasets.readers import table_format

        if table_format(p) != "naslib_zc":
            # a CSV / parquet table holds one dataset's scores (NASLib JSON: each dataset's)
            known = [(s, d) for s in spaces for d in datasets] + [
                (d["space"], d["dataset"]) for d in data if d.get("dataset")
            ]
            pairs = list(dict.fromkeys(known))
            if len(pairs) > 1:
                raise ConfigError(
                    f"zero_cost_table: {p.name} is one table of proxy scores, and this study "
                    f"has {len(pairs)} sources ({', '.join(f'{s}/{d}' for s, d in pairs)}) "
                    "whose networks score differently on their images; give each source its "
                    "own study, or a NASLib JSON file (it holds each dataset's scores)"
                )

    images = None
    if "images" in raw:
        p = _resolve_path(raw["images"], base, "images", folder_ok=True)
        images = {"path": str(p), "sha256": _file_sha256(p) if p.is_file() else None}
    training_epochs = raw.get("training_epochs")
    if training_epochs is not None and training_epochs < 0:
        raise ConfigError(f"training_epochs: must be non-negative, got {training_epochs}")

    proxies = None
    if "proxies" in raw:
        from ._suite_spec import SuiteSpecError, parse_proxies

        if not tasks:
            raise ConfigError(
                "proxies: proxy trials belong to a suite; list its tasks (e.g. tasks: "
                "[nb201/cifar10]) or use the zc_proxy predictor"
            )
        try:
            proxies = parse_proxies(raw["proxies"])
        except SuiteSpecError as err:
            raise ConfigError(str(err)) from None
    if tasks and zc is not None:
        raise ConfigError(
            "zero_cost_table: a suite reads each task's packaged table; a file fits one task"
        )

    return StudyConfig(
        name=name,
        spaces=tuple(spaces),
        datasets=tuple(datasets),
        data=tuple(data),
        predictors=tuple(preds),
        train_sizes=tuple(sizes),
        budgets=tuple(budgets),
        seeds=tuple(seeds),
        test_size=int(test_size),
        target=target,
        unlabelled_size=int(unl),
        zero_cost_table=zc,
        ks=tuple(sorted(set(ks))),
        nan_policy=nan_policy,
        imports=imports,
        images=images,
        training_epochs=None if training_epochs is None else int(training_epochs),
        tasks=tasks,
        proxies=proxies,
    )


#: Deepest nesting a study config may have (real ones have fewer than 6 levels).
MAX_YAML_DEPTH = 50
#: Most values a study config may hold once YAML aliases are expanded (a few hundred in
#: practice): nested aliases ("billion laughs") would otherwise expand exponentially when the
#: config is copied, hashed or validated.
MAX_YAML_VALUES = 100_000
#: Largest YAML file :func:`read_yaml_file` reads (study configs are a few kB).
MAX_YAML_BYTES = 1 << 20


def as_study_config(config: Any) -> StudyConfig:
    """``config`` as a :class:`StudyConfig`: one as it is, a raw mapping (what a YAML file
    holds, :func:`default_config`) through :func:`parse_config` (relative paths against the
    working directory), so ``run_study(dict, out)`` runs what the same YAML file would.

    Raises
    ------
    TypeError
        ``config`` is neither a StudyConfig nor a mapping.
    ConfigError
        The mapping is not a valid config (see :func:`parse_config`).
    """
    if isinstance(config, StudyConfig):
        return config
    if isinstance(config, Mapping):
        return parse_config(config)
    raise TypeError(
        "config must be a StudyConfig (load_config, parse_config) or a config mapping, got "
        f"{type(config).__name__} {short_repr(config)}"
    )


def _check_expanded_size(raw: Any, path: Path, what: str = "a study config") -> None:
    """Count the values of ``raw`` as if its shared (aliased) parts were copied, stopping at
    :data:`MAX_YAML_VALUES`; a :class:`ConfigError` names the file beyond that."""
    stack, count = [raw], 0
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            raise ConfigError(
                f"{path}: expands to more than {MAX_YAML_VALUES:,} values (nested YAML "
                f"aliases?); {what} is small"
            )
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set):
            stack.extend(value)


@functools.cache
def unique_key_loader() -> type:
    r"""``yaml.SafeLoader`` that refuses a mapping key given twice (plain ``safe_load`` keeps
    the last one silently), raising :class:`DuplicateKeyError` naming the key and lines, and
    nesting deeper than :data:`MAX_YAML_DEPTH` (a ``yaml.YAMLError`` with its line), in time
    linear in the text.

    >>> import yaml
    >>> from nasperf.evaluation.config import unique_key_loader
    >>> yaml.load("seeds: 3\nbudget: 100\n", Loader=unique_key_loader())
    {'seeds': 3, 'budget': 100}
    >>> yaml.load("seeds: 3\nseeds: 5\n", Loader=unique_key_loader())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nasperf.evaluation.config.DuplicateKeyError: line 2: key 'seeds' appears twice (first ...
    """
    import yaml
    from yaml.scanner import ScannerError

    class UniqueKeyLoader(yaml.SafeLoader):
        def fetch_flow_collection_start(self, TokenClass):  # type: ignore[override]
            # PyYAML's scanner costs O(depth) per token inside '[' / '{' (quadratic time in
            # the nesting): refuse deep flow nesting as soon as it is seen.
            if self.flow_level >= MAX_YAML_DEPTH:
                raise ScannerError(
                    None,
                    None,
                    f"nested deeper than {MAX_YAML_DEPTH} levels of '[' / '{{'",
                    self.get_mark(),
                )
            super().fetch_flow_collection_start(TokenClass)

        def compose_node(self, parent, index):  # type: ignore[override]
            # Block nesting (by indentation) recurses here: bounded before Python's stack is.
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    event = self.peek_event()
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"nested deeper than {MAX_YAML_DEPTH} levels",
                        event.start_mark,
                    )
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node, deep=False):  # type: ignore[override]
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue  # "<<: *defaults" merges; its keys may be overridden
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key: SafeLoader reports it
                        continue
                    line = key_node.start_mark.line + 1
                    if first is not None:
                        raise DuplicateKeyError(key, line, first)
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


class DuplicateKeyError(ValueError):
    """A YAML mapping gives one key twice.

    Attributes
    ----------
    key : Any
    line, first_line : int
        1-based lines of the repeated and the first occurrence.
    """

    def __init__(self, key: Any, line: int, first_line: int) -> None:
        self.key, self.line, self.first_line = key, line, first_line
        super().__init__(f"line {line}: key {key!r} appears twice (first at line {first_line})")


def read_yaml_file(path: str | Path, *, what: str = "a YAML file") -> Any:
    """Read a YAML (or JSON) file safely and within bounds: ``yaml.SafeLoader`` (no tag runs
    code), a key given twice is an error (:func:`unique_key_loader`), nesting deeper than
    :data:`MAX_YAML_DEPTH` and more than :data:`MAX_YAML_VALUES` values once aliases are
    expanded are refused. ``what`` names the file's kind in the size error.

    Returns the parsed value (None for an empty file).

    Raises
    ------
    ConfigError
        The file cannot be read, is not UTF-8 YAML, repeats a key or is too large; the
        message names the file (and the line or column where there is one).
    TypeError, ValueError
        ``path`` is not a path, or is empty (:func:`~nasperf.errors.as_path`).
    """
    import yaml

    path = as_path(path, "path")
    try:
        # at most the limit + 1 bytes: /dev/zero, a FIFO or a huge file are bounded too
        with open(path, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
        if len(data) > MAX_YAML_BYTES:
            raise ConfigError(
                f"{path}: larger than {MAX_YAML_BYTES // 1024} KiB, too large for {what} "
                "(real ones are a few kB)"
            )
        text = data.decode("utf-8")
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not {what}") from None
    except OSError as err:
        raise ConfigError(f"cannot read {str(path)!r}: {err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte offset {err.start})") from None
    try:
        raw = yaml.load(text, Loader=unique_key_loader())
    except DuplicateKeyError as err:
        raise ConfigError(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        if mark is not None:  # one line: the file, line and column, and the problem
            where = f"line {mark.line + 1}, column {mark.column + 1}"
            raise ConfigError(f"{path}: not valid YAML: {where}: {err.problem}") from None
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply") from None
    _check_expanded_size(raw, path, what)
    return raw


def load_config(
    path: str | Path, overrides: Mapping[str, Any] | None = None, *, quick: bool = False
) -> StudyConfig:
    """Read a YAML (or JSON) study config (safe loading, a key given twice is an error),
    apply ``overrides``, validate.

    Keys the file leaves out take :func:`default_config`'s values (the name: the file's stem).
    ``quick``: the file's ``quick:`` keys replace its own (before ``overrides``); a file
    without them keeps the training sizes up to 200 and the first two seeds. The file is
    checked with and without its ``quick:`` keys whichever is asked for, so a bad value
    there (named ``quick.<key>``) is found before a full run needs it.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist (a :class:`ConfigError` too).
    ConfigError
        The file is not UTF-8 YAML, repeats a key, or fails :func:`parse_config`; the
        message names the file (and the line or key).
    TypeError, ValueError
        ``path`` is not a path, or is empty (:func:`~nasperf.errors.as_path`).
    """
    path = as_path(path, "path")
    quick = check_flag(quick, "quick")
    if not path.exists():
        raise ConfigFileNotFoundError(2, "study config does not exist", str(path))
    raw = read_yaml_file(path, what="a study config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a study config is a mapping of keys to values")
    overrides = dict(overrides or {})
    quick_keys = raw.pop("quick", None)
    if quick_keys is not None:
        try:
            _check_quick(quick_keys)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
    # Both variants are checked, the one asked for first: a bad value under quick: is found
    # without --quick too, and named quick.<key>.
    variants = [False, True] if quick_keys else [quick]
    if quick:
        variants.reverse()
    configs = {v: _load_variant(path, raw, overrides, quick_keys if v else None) for v in variants}
    config = configs[quick]
    if quick and quick_keys is None:
        sizes = tuple(s for s in config.train_sizes if s <= 200) or config.train_sizes[:1]
        config = dataclasses.replace(config, train_sizes=sizes, seeds=config.seeds[:2])
    return config


def _load_variant(path: Path, raw: dict, overrides: dict, quick_keys: dict | None) -> StudyConfig:
    """Parse a study file's keys, with its ``quick:`` keys over them where given (a fault
    in one of those is named ``quick.<key>``)."""
    if quick_keys is not None:
        raw = {**raw, **quick_keys}
    base = default_config()
    base["name"] = path.stem
    for key in ("data", "tasks", "exclude_tasks"):
        if key in raw or key in overrides:
            base.pop("spaces", None)
            base.pop("datasets", None)
    raw = {**base, **raw}
    if "data" in overrides:  # the file's spaces / datasets give way to --data ...
        raw.pop("spaces", None)
        raw.pop("datasets", None)
    raw.update(overrides)  # ... but --spaces / --datasets given with it are refused
    try:
        return parse_config(raw, base_dir=path.resolve().parent)
    except ConfigError as err:
        msg = str(err)
        key = re.match(r"[A-Za-z_]+", msg)
        if quick_keys is not None and key is not None and key.group() in quick_keys:
            msg = f"quick.{msg}"
        raise ConfigError(f"{path}: {msg}") from None


def check_keys(
    raw: Any,
    schema: Mapping[str, tuple[tuple[type, ...], str]],
    *,
    required: Sequence[str] = (),
    nullable: bool | Sequence[str] = True,
    what: str = "a study config",
) -> None:
    """Check a mapping read from a file against a schema of keys, as :func:`parse_config`
    does with :data:`SCHEMA` (other readers of YAML files use it for theirs).

    Parameters
    ----------
    raw : Any
        The value read (it must be a mapping).
    schema : mapping
        key -> (accepted Python types, description); ``bool`` is accepted only where it is
        listed (YAML's ``yes`` is not an ``int``).
    required : sequence of str
        Keys that must be present.
    nullable : bool or sequence of str
        Whether a key may be null (``~``, meaning its default): every key (True), none
        (False) or those named.
    what : str
        What the mapping is, for the message of a value that is not a mapping.

    Raises
    ------
    ConfigError
        Naming the first unknown, missing or mistyped key and, for a wrong type, what the
        schema expects there.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{what} is a mapping of keys to values, got {type(raw).__name__}")
    unknown = sorted(map(str, set(raw) - set(schema)))
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown}; valid keys: {sorted(schema)}")
    missing = [k for k in required if k not in raw]
    if missing:
        raise ConfigError(f"missing key(s) {missing}")
    for k, v in raw.items():
        types, description = schema[k]
        if v is None:
            ok = nullable is True or (nullable is not False and k in nullable)
        else:
            ok = isinstance(v, types) and (bool in types or not isinstance(v, bool))
        if not ok:
            raise ConfigError(f"{k}: expected {description}, got {v!r}")


def _check_quick(keys: Any) -> None:
    if not isinstance(keys, dict):
        raise ConfigError(f"quick: expected a mapping of config keys, got {keys!r}")
    bad = sorted(set(keys) - set(SCHEMA) | ({"quick"} & set(keys)))
    if bad:
        raise ConfigError(
            f"quick: unknown key(s) {bad}; valid keys: {sorted(set(SCHEMA) - {'quick'})}"
        )


def default_config(*, quick: bool = False) -> dict:
    """The default study as a raw mapping: packaged NB201 CIFAR-10, the first registered
    :data:`DEFAULT_PREDICTORS` (optional: skipped where the data cannot serve them),
    training sizes 10 ... 1000 (``quick``: 10 ... 200), 3 seeds. No name: the study is
    named for its sources (``nb201-cifar10``)."""
    import nasperf.predictors as P

    quick = check_flag(quick, "quick")

    have = set(P.available())
    preds = [p for p in DEFAULT_PREDICTORS if p in have][:DEFAULT_MAX_PREDICTORS]
    if not preds:
        raise ConfigError(
            f"none of the default predictors {list(DEFAULT_PREDICTORS)} is registered; "
            f"pick some with --predictors (available: {', '.join(sorted(have))})"
        )
    return {
        "spaces": ["nb201"],
        "datasets": ["cifar10"],
        # optional: a default predictor the data cannot serve is skipped with a note
        "predictors": [{"name": p, "optional": True} for p in preds],
        "train_sizes": list(QUICK_TRAIN_SIZES if quick else DEFAULT_TRAIN_SIZES),
        "seeds": 2 if quick else 3,
        "test_size": 200,
    }


# --------------------------------------------------------------------------- expansion
#: Default learning-curve budgets, as fractions of the target fidelity's epochs.
DEFAULT_BUDGET_FRACTIONS: tuple[float, ...] = (0.1, 0.25, 0.5)


def _default_budget(config: StudyConfig, space: str | None, data: dict | None) -> list[str]:
    """The budgets of a source's learning-curve trials: the config's ``budgets``, else
    :func:`_nearest_budgets` of the benchmark's fidelities cheaper than its target, or of a
    user's table's fidelities (:func:`_table_fidelities`; its target's epochs unknown)."""
    if config.budgets:
        return list(config.budgets)
    if data is not None:
        return _nearest_budgets(_table_fidelities(data), None)
    from nasperf.datasets import get_benchmark

    bench = get_benchmark(space)
    tfid = bench.resolve_fidelity(config.target)
    return _nearest_budgets(bench.fidelities[: bench.fidelities.index(tfid)], tfid.epochs)


def _nearest_budgets(cheaper: Sequence[Fidelity], target_epochs: int | None) -> list[str]:
    """Default learning-curve budgets among ``cheaper`` (cheapest first): White et al.'s
    query-time axis, the fidelities nearest :data:`DEFAULT_BUDGET_FRACTIONS` (10 %, 25 %,
    50 %) of ``target_epochs`` (one budget where there is a single cheaper fidelity, as on
    NB201); the cheapest one alone where the target's or a fidelity's epochs are unknown.
    """
    if not cheaper:
        return []
    if target_epochs is None or any(f.epochs is None for f in cheaper):
        return [cheaper[0].name]
    picked: list[str] = []
    for frac in DEFAULT_BUDGET_FRACTIONS:
        best = min(cheaper, key=lambda f: (abs(f.epochs - frac * target_epochs), f.epochs))
        if best.name not in picked:
            picked.append(best.name)
    return picked


def make_trial(
    config: StudyConfig,
    *,
    space: str,
    dataset: str,
    bench: str | None,
    data: dict | None,
    pred: dict,
    n_train: int,
    budget: str | None,
    seed: int,
    test_size: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict:
    """One self-contained trial dict with its ``hash`` (the layout :func:`run_trial` reads).

    ``test_size`` defaults to the config's; ``extra`` adds keys (a suite's ``task``,
    ``kind``, ``proxy_source``) that enter the hash and are copied into the result row.
    """
    trial = {
        "space": space,
        "benchmark": bench,
        "dataset": dataset,
        "data": copy.deepcopy(data),
        "target": config.target,
        "predictor": pred["name"],
        "label": pred["label"],
        "params": copy.deepcopy(pred["params"]),
        "pass_zero_cost": pred["zero_cost"],
        "n_train": n_train,
        "budget": budget,
        "seed": seed,
        "test_size": config.test_size if test_size is None else int(test_size),
        "unlabelled_size": config.unlabelled_size,
        "zero_cost_table": copy.deepcopy(config.zero_cost_table),
        "ks": list(config.ks),
        "nan_policy": config.nan_policy,
        "imports": list(config.imports),
    }
    # Only where used, so that other trials keep their hashes: by the predictor with its
    # parameters (an ensemble whose members read images or train networks; the class's
    # requirements are those of its default members, and had dropped them)
    own = _own_requirements(pred)
    if own.images and config.images is not None:
        trial["images"] = copy.deepcopy(config.images)
    if own.network_training and config.training_epochs is not None:
        trial["training_epochs"] = config.training_epochs
    if (extra or {}).get("kind") != "proxy" and (
        splits_by_network(space) or (data or {}).get("per_network")
    ):
        # its split keeps one network's rows on one side (make_split(networks=)), and gives
        # other rows than the split by text before it: such a trial does not resume a row
        # that the old split computed in the same folder
        trial["split"] = "by_network"
    if bench is not None and _below_full_fidelity(bench, config.target):
        # its label cost is the target fidelity's (Benchmark.fidelity_seconds), where rows
        # before it were charged the full schedule: such a trial does not resume those rows
        trial["label_cost"] = "at_target"
    trial.update(extra or {})
    trial["hash"] = trial_hash(trial)
    return trial


def _below_full_fidelity(bench: str, target: str | None) -> bool:
    """Whether ``target`` is a fidelity of benchmark ``bench`` cheaper than its full one."""
    from nasperf.datasets import get_benchmark

    b = get_benchmark(bench)
    return b.resolve_fidelity(target) != b.fidelities[-1]


def splits_by_network(space: Any) -> bool:
    """Whether a study's splits of ``space``'s tables keep the rows of one network on one
    side: the space counts networks (its ``distinct_key`` is not the architecture itself,
    NB101's hash). False for an unknown or missing space."""
    from nasperf.spaces import get_space

    if not space:
        return False
    try:
        return get_space(space).counts_networks
    except ValueError:
        return False


def source_dataset(trial: Mapping[str, Any]) -> str:
    """The dataset whose images and packaged tables serve a trial: a user's table's
    ``dataset`` where it names one, else the trial's ``dataset`` (for a user's table, its
    name)."""
    data = trial.get("data") or {}
    return data.get("dataset") or trial["dataset"]


def _sources(config: StudyConfig) -> list[tuple[str, str, str | None, dict | None]]:
    """``(space, dataset, benchmark, data)`` of every source of the study."""
    if config.data:
        return [(d["space"], d["name"], None, d) for d in config.data]
    from nasperf.datasets import get_benchmark

    return [(get_benchmark(s).space, ds, s, None) for s in config.spaces for ds in config.datasets]


def _missing(
    config: StudyConfig, pred: dict, source: tuple[str, str, str | None, dict | None]
) -> list[str]:
    """What ``pred`` needs (its ``requirements``) that ``source`` cannot supply, one phrase
    per missing kind of input; empty when it can run."""

    space, dataset, bench, data = source
    # the predictor with its parameters: an ensemble needs what its members need (its
    # class's requirements are its default members'; one of lcsvr had been planned without
    # a budget and every trial had failed for want of curves)
    req = _own_requirements(pred)
    where = f"{bench}/{dataset}" if data is None else data["name"]
    task = source_dataset({"dataset": dataset, "data": data})
    name_it = "" if data is None else ", or name your data's dataset (data.dataset, --data-dataset)"
    out = []
    if req.learning_curves and not _default_budget(config, bench, data):
        out.append(
            f"learning curves ({where} has no fidelity cheaper than the target"
            + ("" if data is None else "; set fidelities for your data, and budgets")
            + ")"
        )
    elif req.learning_curves:
        out += _curve_metric_missing(config, pred, bench, data, where)
    wants_zc = req.zero_cost or pred.get("zero_cost", False)
    if wants_zc and config.zero_cost_table is None and (data or {}).get("format") != "naslib_zc":
        from nasperf.datasets import available_zero_cost

        packaged = {(s, d.lower()) for s, d in available_zero_cost()}
        if (space, task.lower()) not in packaged:
            if any(s == space for s, _ in packaged):
                out.append(
                    f"zero-cost scores (no table is packaged for {space}/{task}; set "
                    f"zero_cost_table{name_it})"
                )
            else:  # a user's space: naming a dataset cannot find a table
                out.append(
                    f"zero-cost scores (none are packaged for the space {space}: compute "
                    f"them with `nasperf proxies --space {space} --out FILE` (--import your "
                    "space's module) and set zero_cost_table to FILE)"
                )
    if req.supernet:
        out += _supernet_missing(space)
    # zc_proxy's images compute the scores a configured table does not hold (the predictor
    # with its parameters: an ensemble's members, as make_trial gives it the images)
    own = _own_requirements(pred)
    table_only = (
        "zero_cost" in own.optional
        and not own.network_training
        and (config.zero_cost_table is not None or (data or {}).get("format") == "naslib_zc")
    )
    if (own.images or own.network_training) and config.images is None and not table_only:
        from nasperf.spaces import resolve_task

        try:
            resolve_task(task)
        except ValueError:
            if _reads_images(pred):  # (a data-free proxy builds for the space's own task)
                out.append(
                    f"images (dataset {task!r} is not one nasperf has images of; set "
                    f"images{name_it})"
                )
    return out


def _check_for_space(config: StudyConfig, pred: dict, space: str) -> None:
    """Refuse, when the study is planned, parameters of ``pred`` that its trials on
    ``space`` could only fail with at fit
    (:meth:`~nasperf.predictors.base.Predictor.check_for_space`: a ``fewshot`` split of
    more regions than ``FewShot.MAX_REGIONS``, or of decisions the supernet lacks).
    Nothing for a space not registered here (the source's own check names it).

    Raises
    ------
    ConfigError
        ``predictors[i].params``, the predictor's label and the predictor's own message.
    """
    import nasperf.predictors as P
    from nasperf.spaces import get_space

    cls = P.PREDICTORS.get(pred["name"])
    if not hasattr(cls, "check_for_space"):  # a user's estimator that is no nasperf Predictor
        return
    params = pred.get("params") or {}
    space = params.get("space", space)  # as the trial builds it (run_trial's defaults)
    try:
        get_space(space)
    except (TypeError, ValueError):
        return
    try:
        cls(**params).check_for_space(space)
    except ValueError as err:
        i = list(config.predictors).index(pred)
        raise ConfigError(f"predictors[{i}].params: {pred['label']!r}: {err}") from None


def _own_requirements(pred: dict) -> Any:
    """The :class:`~nasperf.predictors.base.Requirements` of the predictor of ``pred`` with
    its parameters (:func:`~nasperf.predictors.base.requirements_of`: an ensemble's are its
    members'); its class's where its parameters do not make one (its trial says why)."""
    import nasperf.predictors as P
    from nasperf.predictors.base import requirements_of

    cls = P.PREDICTORS.get(pred["name"])
    try:
        return requirements_of(cls(**(pred.get("params") or {})))
    except (TypeError, ValueError, KeyError):
        return cls.requirements


def _reads_images(pred: dict) -> bool:
    """Whether the predictor of ``pred``, with its parameters, reads images
    (:meth:`~nasperf.predictors.base.Predictor.reads_images`: ``zc_proxy`` of a data-free
    proxy does not); True where its parameters do not make one (its trial says why)."""
    import nasperf.predictors as P

    try:
        return P.PREDICTORS.get(pred["name"])(**(pred.get("params") or {})).reads_images()
    except (TypeError, ValueError, KeyError):
        return True


def _supernet_missing(space: str) -> list[str]:
    """``[phrase]`` where ``space`` has no weight-sharing supernet
    (:attr:`~nasperf.spaces.SearchSpace.has_supernet`), naming the spaces with one; ``[]``
    otherwise, or for a space not registered here (the source's own check names it)."""
    from nasperf.spaces import get_space, supernet_spaces

    try:
        if get_space(space).has_supernet:
            return []
    except ValueError:
        return []
    return [
        f"a weight-sharing supernet (the space {space} has none; the spaces with one are "
        f"{', '.join(supernet_spaces())})"
    ]


def _curve_metric_missing(
    config: StudyConfig, pred: dict, bench: str | None, data: dict | None, where: str
) -> list[str]:
    """``[phrase]`` where the curve metric ``pred`` reads (its ``metric`` parameter, e.g.
    early_stop_loss's ``val_loss``) is not among the curves the source hands over at one of
    its budgets (the trials had failed one by one, "the learning curves have no 'val_loss'");
    ``[]`` otherwise. A user's table's budget columns arrive as one curve read as
    ``val_accuracy`` (higher is better, in the table's units)."""
    import nasperf.predictors as P

    # the estimator's own parameters (its default where the config does not set it)
    cls = P.PREDICTORS.get(pred["name"])
    metric = cls(**(pred.get("params") or {})).get_params(deep=False).get("metric")
    if not isinstance(metric, str):
        return []  # no metric parameter (curves as features), or one its validation refuses
    if data is not None:
        if metric == "val_accuracy":
            return []
        minus = (
            ", minus the columns since maximize is false" if data.get("maximize") is False else ""
        )
        return [
            f"{metric} curves (the fidelity columns of {where} reach learning-curve predictors "
            f"as one curve, read as val_accuracy: higher is better, in the table's own "
            f"units{minus}; early_stop_acc reads it as it is)"
        ]
    from nasperf.datasets import get_benchmark

    b = get_benchmark(bench)
    lacking = []
    for budget in _default_budget(config, bench, data):
        fid = b.resolve_fidelity(budget)
        prefix = b.fidelities[: b.fidelities.index(fid) + 1]
        if all(g.metrics and g.epochs for g in prefix):  # as the trials build their curves
            have = [m for m in prefix[0].metrics if all(m in g.metrics for g in prefix)]
        else:
            have = ["val_accuracy"]  # the budget's columns as an array
        if metric not in have:
            lacking.append(f"{budget}: {', '.join(have)}")
    if not lacking:
        return []
    other = " (sovl reads val_loss)" if metric == "train_loss" and "val_loss" in lacking[0] else ""
    return [f"{metric} curves ({where} records {'; '.join(lacking)}){other}"]


def skipped_predictors(config: StudyConfig) -> list[str]:
    """One line per (optional predictor, source) that :func:`expand_trials` leaves out,
    saying what the source lacks, e.g. ``"omni skipped on my_archs: needs learning curves
    (...)"``."""
    notes = []
    for source in _sources(config):
        _, dataset, bench, data = source
        where = f"{bench}/{dataset}" if data is None else data["name"]
        for pred in config.predictors:
            missing = _missing(config, pred, source) if pred.get("optional") else []
            if missing:
                notes.append(f"{pred['label']} skipped on {where}: needs {'; '.join(missing)}")
    return notes


def expand_trials(config: StudyConfig | Mapping[str, Any]) -> list[dict]:
    """One self-contained trial dict per (source, predictor, budget, n_train, seed).

    Every trial carries its full configuration and its ``hash`` (:func:`trial_hash`).
    Predictors that need learning curves get one trial per budget; so do those that use
    them when given (``requirements.optional``), or one trial with ``budget`` None where the
    source has no cheaper fidelity; the others one trial with ``budget`` None.
    Training-free predictors get ``n_train = 0``, one trial per seed. Optional predictors
    that a source cannot serve are left out there (:func:`skipped_predictors`).
    A suite (``config.tasks``) expands through :func:`nasperf.evaluation.suite.expand_suite`
    instead (proxy trials too; sizes fitted to each task).

    Raises
    ------
    ConfigError
        A (non-optional) predictor needs what a source cannot supply (learning curves
        without a cheaper fidelity, zero-cost scores without a table, images of an unknown
        dataset): the message names the predictors to drop and those that can run; or no
        predictor at all can run.
        Or a predictor's parameters cannot serve a source's space
        (:meth:`~nasperf.predictors.base.Predictor.check_for_space`, e.g. a ``fewshot``
        split of more than ``FewShot.MAX_REGIONS`` regions).
    TypeError
        ``config`` is neither a StudyConfig nor a config mapping (a mapping goes through
        :func:`parse_config`, see :func:`as_study_config`).
    """

    config = as_study_config(config)

    if config.tasks:
        # the suite module builds on this one (make_trial); it is not imported from here
        raise ConfigError("tasks: a suite's trials come from nasperf.evaluation.suite.expand_suite")
    sources = _sources(config)
    blocked: dict[str, list[str]] = {}
    for source in sources:
        for pred in config.predictors:
            missing = _missing(config, pred, source)
            if missing and not pred.get("optional"):
                blocked.setdefault(pred["label"], []).extend(missing)
    if blocked:
        runnable = [p["label"] for p in config.predictors if p["label"] not in blocked]
        what = "; ".join(
            f"{label!r} needs {', '.join(dict.fromkeys(m))}" for label, m in blocked.items()
        )
        raise ConfigError(
            f"predictors: {what}. Drop {', '.join(blocked)} from predictors"
            + (f" (these can run: {', '.join(runnable)})" if runnable else "")
        )
    trials = []
    for source in sources:
        space, dataset, bench, data = source
        for pred in config.predictors:
            if _missing(config, pred, source):
                continue  # optional, and this source cannot serve it
            _check_for_space(config, pred, space)
            req = _own_requirements(pred)
            budgets: list[str | None] = [None]
            if req.learning_curves or "learning_curves" in req.optional:
                # required curves: _missing has checked the source has a cheaper fidelity
                budgets = _default_budget(config, bench, data) or [None]
            sizes = list(config.train_sizes) if req.labels else [0]
            for budget in budgets:
                for n_train in sizes:
                    for seed in config.seeds:
                        trials.append(
                            make_trial(
                                config,
                                space=space,
                                dataset=dataset,
                                bench=bench,
                                data=data,
                                pred=pred,
                                n_train=n_train,
                                budget=budget,
                                seed=seed,
                            )
                        )
    if not trials:
        raise ConfigError(
            "predictors: none of them can run on this data: "
            + "; ".join(skipped_predictors(config))
        )
    return trials

"""What a search queries: a benchmark that returns an architecture's value and its cost.

An :class:`Objective` simulates training: ``evaluate(archs, fidelity)`` returns the value the
benchmark recorded (or its surrogate predicts) and the training seconds it would have cost.
Fidelities are named (cheapest first; the last one is the full training run, the one whose
value is the search objective).

* :class:`TableObjective`: a table indexed by architecture text, one value column per
  fidelity and optionally a full-training cost column (``train_time_s``), cheaper fidelities
  charged ``epochs / full epochs`` of it (epochs given, or read from names such as ``12ep``);
  without a cost column a full-fidelity query costs one unit (``cost_unit == "query"``) and
  a cheaper one its share. :meth:`TableObjective.from_benchmark` builds one from a
  registered benchmark (NAS-Bench-201: ``12ep`` and ``200ep``); a user's table over any
  space works the same (:meth:`TableObjective.from_file` reads a CSV / parquet file).
* :class:`CurveObjective`: a learning-curve source (NAS-Bench-301's surrogate), any epoch
  being a fidelity, charged the surrogate's predicted runtime to that epoch.

:func:`get_objective` resolves a benchmark name.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nasperf.datasets.benchmark import epoch_fraction
from nasperf.errors import as_path, check_flag
from nasperf.spaces import SearchSpace

__all__ = [
    "TIE_TOLERANCE",
    "CurveObjective",
    "Objective",
    "TableObjective",
    "get_objective",
    "objective_label",
]

#: Values within this of the best count as the optimum (ties; the search report's targets use
#: the same tolerance).
TIE_TOLERANCE = 1e-9
#: The end of a note on an objective charged in units of queries (:meth:`Objective.cost_notes`).
_NOT_IN_UNITS = " (seconds the notes say were charged, e.g. for zero-cost proxies, are not in it)"
#: :attr:`TableObjective.one_result_per_network` (and the network count) read from each
#: table this process has seen, by the table's fingerprint.
_PER_NETWORK: dict[str, tuple[bool, int | None]] = {}
#: {network (``space.hash``): position of its first row} of the tables this process has
#: hashed, by the table's fingerprint (the last :data:`_NETWORK_TABLES` kept): a
#: hierarchical space's hash takes milliseconds, and every search on one table reads it.
_NETWORK_ROWS: dict[str, dict[Any, int]] = {}
#: Tables whose network map :data:`_NETWORK_ROWS` keeps.
_NETWORK_TABLES = 8


def _numbers(
    table: pd.DataFrame,
    column: str,
    name: str,
    *,
    cost: bool = False,
    row_names: Sequence[str] | None = None,
) -> np.ndarray:
    """``table[column]`` as float64. A cell that is missing, not a number (text such as
    ``"93.6%"``, a boolean), not finite or above ``MAX_ABS_TARGET`` in magnitude (the bound a
    predictor fitted on the values holds them to), or a negative cost, is a ``ValueError`` naming the
    table, the column, the first such row and how many there are: nothing becomes NaN
    silently, so no optimum is missed and no search pays for an unlabelled architecture.
    ``row_names``: each row's place in the file it was read from (``mine.csv line 7``), which
    the error then names, with advice for the file; None: a DataFrame's row position and
    advice in pandas."""
    from nasperf.errors import short_repr
    from nasperf.predictors.base import MAX_ABS_TARGET

    cells = table[column]
    if pd.api.types.is_bool_dtype(cells):
        raise ValueError(f"{name}: column {column!r} holds booleans, not numbers")
    values = pd.to_numeric(cells, errors="coerce").to_numpy(np.float64)
    if cells.dtype == object:  # booleans inside mixed cells read as 0 / 1
        values[[isinstance(c, bool | np.bool_) for c in cells]] = np.nan
    bad = ~np.isfinite(values) | (np.abs(values) > MAX_ABS_TARGET)
    if cost:
        bad |= values < 0
    if not bad.any():
        return values
    if not np.isfinite(values).any():
        raise ValueError(f"{name}: column {column!r} has no finite value")
    i = int(np.flatnonzero(bad)[0])
    cell = cells.iloc[i]
    if isinstance(cell, np.generic):
        cell = cell.item()
    if np.isfinite(values[i]) and abs(values[i]) > MAX_ABS_TARGET:
        why = (
            f"{float(values[i]):g} is above {MAX_ABS_TARGET:g} in magnitude (its square "
            "overflows a predictor's float64 arithmetic; rescale the column)"
        )
    elif cost and np.isfinite(values[i]):
        why = f"{float(values[i])!r} is negative (a training cost in seconds is at least 0)"
    elif not isinstance(cell, str) and pd.isna(cell):
        fix = (
            f"drop the rows without one, table.dropna(subset=[{column!r}])"
            if row_names is None
            else "fill the cell or remove the row"
        )
        why = f"no value (every row is an architecture a search may query: {fix})"
    else:
        why = f"{short_repr(cell)} is not a finite number"
    more = f"; {int(bad.sum())} rows like it" if bad.sum() > 1 else ""
    arch = short_repr(table.index[i])
    if row_names is not None:
        raise ValueError(f"{row_names[i]}, column {column!r} ({arch}): {why}{more}")
    raise ValueError(f"{name}: column {column!r}, row {i} ({arch}): {why}{more}")


def _cost_columns(
    cost_column: str | Mapping[str, str] | None, fidelities: list[str], name: str
) -> dict[str, str]:
    """``cost_column`` as {fidelity: column} ({} for None): one column for every fidelity,
    or a mapping whose keys are exactly the fidelities (else a ``ValueError`` naming
    ``cost_column``)."""
    from nasperf.errors import short_repr

    if cost_column is None:
        return {}
    if isinstance(cost_column, str):
        return dict.fromkeys(fidelities, cost_column)
    if (
        not isinstance(cost_column, Mapping)
        or set(cost_column) != set(fidelities)
        or not all(isinstance(c, str) for c in cost_column.values())
    ):
        raise ValueError(
            f"{name}: cost_column must be a column name or map each fidelity "
            f"({', '.join(map(repr, fidelities))}) to its seconds column, got "
            f"{short_repr(cost_column)}"
        )
    return {f: cost_column[f] for f in fidelities}


def _checked_epochs(epochs: Any, fidelities: tuple[str, ...], name: str) -> dict[str, int]:
    """``epochs`` (fidelity -> training epochs) checked against ``fidelities``: None or empty
    (no epochs known), else a mapping whose keys are exactly the fidelities and whose values
    are positive ints increasing with the fidelities (cheapest first). Anything else is one
    ``ValueError`` naming ``epochs``, the fidelities and the offending entry: a misspelt key
    or a zero would otherwise silently charge every cheap query the full run's cost, a
    negative count a negative cost, and epochs that do not increase leave successive
    halving without rungs."""
    from numbers import Integral

    from nasperf.errors import short_repr

    if epochs is None:
        return {}
    fids = ", ".join(map(repr, fidelities))
    if not isinstance(epochs, Mapping):
        raise ValueError(
            f"{name}: epochs must map each fidelity ({fids}) to its training epochs, got "
            f"{short_repr(epochs)}"
        )
    if not epochs:
        return {}
    unknown = [k for k in epochs if k not in fidelities]
    missing = [f for f in fidelities if f not in epochs]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown key(s) {short_repr(unknown)}")
        if missing:
            parts.append(f"missing {short_repr(missing)}")
        raise ValueError(
            f"{name}: epochs must have exactly the fidelities ({fids}) as keys; "
            f"{' and '.join(parts)}"
        )
    out: dict[str, int] = {}
    for f in fidelities:
        e = epochs[f]
        if isinstance(e, bool) or not isinstance(e, Integral) or e <= 0:
            raise ValueError(
                f"{name}: epochs[{f!r}] must be a positive int of training epochs, got "
                f"{short_repr(e)}"
            )
        out[f] = int(e)
    for lo, hi in zip(fidelities, fidelities[1:], strict=False):
        if out[lo] >= out[hi]:
            raise ValueError(
                f"{name}: epochs must increase with the fidelities (cheapest first: {fids}); "
                f"epochs[{lo!r}] = {out[lo]} is not below epochs[{hi!r}] = {out[hi]}"
            )
    return out


def _epochs_from_names(fidelities: tuple[str, ...], name: str) -> dict[str, int]:
    """The epochs of ``fidelities`` (several, cheapest first) that their names give
    (:func:`~nasperf.datasets.epochs_in_name`: ``12ep``, ``200``, ``25_epochs``), as a study's
    table reads them; {} where a name gives none (``low``, ``full``). Names that give epochs
    that are not positive and increasing are a ``ValueError`` naming ``columns``: the last
    fidelity is the full run, and a cheaper one must train fewer epochs."""
    from nasperf.datasets import epochs_in_name

    read = {f: epochs_in_name(f) for f in fidelities}
    if len(fidelities) < 2 or any(e is None for e in read.values()):
        return {}
    out = {f: int(e) for f, e in read.items() if e is not None}
    for lo, hi in zip(fidelities, fidelities[1:], strict=False):
        if not 0 < out[lo] < out[hi]:
            raise ValueError(
                f"{name}: columns: the fidelity names give their epochs "
                f"({', '.join(f'{f!r} {e}' for f, e in out.items())}), which must be positive "
                "and increase, cheapest first (the last is the full run); list the fidelities "
                "cheapest first, or give epochs= (epochs={} for none)"
            )
    return out


def _fidelity_columns(
    pairs: Sequence[tuple[int, str]] | Mapping[int, str], target: str
) -> tuple[dict[str, str], dict[str, int]]:
    """``(columns, epochs)`` of :meth:`TableObjective.from_file`'s ``fidelity_columns``:
    fidelities named ``"<epochs>ep"``, cheapest first; a ``ValueError`` naming
    ``fidelity_columns`` unless the epochs are positive ints increasing and the last column
    is ``target``."""
    from numbers import Integral

    from nasperf.errors import short_repr

    items = list(pairs.items()) if isinstance(pairs, Mapping) else list(pairs)
    if not items:
        raise ValueError("fidelity_columns: give at least one (epochs, column) pair")
    columns: dict[str, str] = {}
    epochs: dict[str, int] = {}
    last = 0
    for item in items:
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2):
            raise ValueError(
                f"fidelity_columns: each entry is (epochs, column), got {short_repr(item)}"
            )
        e, column = item
        if isinstance(e, bool) or not isinstance(e, Integral) or e <= 0:
            raise ValueError(
                f"fidelity_columns: epochs must be a positive int, got {short_repr(e)} "
                f"(for {short_repr(column)})"
            )
        if not isinstance(column, str) or not column:
            raise ValueError(
                f"fidelity_columns: {e} epochs: a column name, got {short_repr(column)}"
            )
        if e <= last:
            raise ValueError(
                f"fidelity_columns: epochs must increase, cheapest first; {e} follows {last}"
            )
        last = int(e)
        columns[f"{e}ep"] = column
        epochs[f"{e}ep"] = int(e)
    if column != target:
        raise ValueError(
            f"fidelity_columns: the last (full-training) fidelity's column must be the target "
            f"{target!r}, got {column!r}"
        )
    return columns, epochs


def objective_label(objective: Any) -> str:
    """How notes, errors and ``history.attrs["benchmark"]`` name ``objective``: its
    ``name``, or its class name where that is empty (a user's objective need not set one;
    its notes had begun with an empty name)."""
    name = getattr(objective, "name", "")
    return name if isinstance(name, str) and name.strip() else type(objective).__name__


class Objective(ABC):
    """What a search queries: a simulated training run (a table, a surrogate; see the module
    docstring) or a user's live one.

    A user's objective subclasses this: it sets ``space`` and ``fidelities`` (and, where
    they apply, ``name``, ``cost_unit``, ``continues``) and implements :meth:`evaluate`,
    which :func:`~nasperf.search.run` calls with one architecture value at a time and which
    returns one finite value and one cost (at least 0) per architecture; the loop checks
    both (:func:`~nasperf.search.run.check_objective` checks the attributes first).

    Attributes
    ----------
    space : SearchSpace
    fidelities : tuple of str
        Cheapest first; the last is the full run (the search objective).
    name : str
        How notes, errors and ``history.attrs["benchmark"]`` name it (empty: its class
        name, :func:`objective_label`).
    dataset : str or None
        The benchmark dataset its values were measured on (``from_benchmark`` and
        :func:`get_objective` set it; a user's objective may name the task its networks
        train on): :func:`~nasperf.search.run` reads the zero-cost tables and builds the
        proxies' networks for it where ``dataset=`` is not given. None: not known (the
        space's ``default_dataset``).
    cost_unit : {"s", "query"}
        What :meth:`evaluate`'s costs count: seconds of training, or queries (an objective
        without recorded training times charges one unit per full-fidelity query).
    """

    space: SearchSpace
    fidelities: tuple[str, ...]
    name: str = ""
    dataset: Any = None
    cost_unit: str = "s"
    #: False where the objective's values are minus a quantity to minimise (a loss): the
    #: optimizers always maximise the values, and the run's notes say what they are.
    maximize: bool = True
    #: What the values are (``-val_loss`` where minimised); empty: not said.
    value_name: str = ""
    #: Whether the fidelities are points of one training run, so that training to a higher
    #: fidelity can continue from a lower one (charged the difference of their costs).
    continues: bool = False
    #: Whether architectures that build the same network (equal ``space.hash``) return the
    #: same results, one training run per network (NAS-Bench-101, NAS-Bench-Macro). The run
    #: loop then answers a second architecture of a network already paid for as a repeat,
    #: and optimizers do not ask for it. False: every architecture is its own run (NB201
    #: trained isomorphic cells separately).
    one_result_per_network: bool = False
    #: Distinct networks (``space.hash``) among :meth:`candidates`, where a table objective
    #: counted them while reading :attr:`one_result_per_network` (every row hashed).
    n_networks: int | None = None

    @property
    def full(self) -> str:
        """The full-training fidelity (the search objective)."""
        return self.fidelities[-1]

    def resolve(self, fidelity: str | None) -> str:
        """``fidelity`` checked against :attr:`fidelities` (None: the full run)."""
        if fidelity is None:
            return self.full
        if fidelity not in self.fidelities:
            raise ValueError(
                f"{objective_label(self)}: unknown fidelity {fidelity!r}; available: "
                f"{', '.join(self.fidelities)}"
            )
        return fidelity

    @abstractmethod
    def evaluate(
        self, archs: Sequence[Any], fidelity: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values (higher is better) and training seconds of ``archs`` at ``fidelity``."""

    def epochs(self, fidelity: str | None = None) -> int | None:
        """Training epochs of ``fidelity``, where known."""
        return None

    def cost_notes(self) -> list[str]:
        """What a search's notes say of how :meth:`evaluate` charges its queries, one line
        each (:func:`~nasperf.search.run` puts them first). Default: nothing for costs in
        seconds; for ``cost_unit == "query"``, that simulated time counts queries, one unit
        per full-fidelity query (:class:`TableObjective` says what each fidelity costs)."""
        if self.cost_unit == "s":
            return []
        label = objective_label(self)
        what = (
            "every query costs 1 unit and simulated time counts queries"
            if len(self.fidelities) == 1
            else f"a full-fidelity query ({self.full!r}) costs 1 unit, a cheaper one what "
            "evaluate charges for it, and simulated time counts these units"
        )
        return [f"{label} has no recorded training cost: {what}{_NOT_IN_UNITS}"]

    def candidates(self) -> list | None:
        """Every architecture the objective knows (a tabular benchmark), else None."""
        return None

    def optimum(self) -> tuple[tuple[str, ...], float] | None:
        """The best architecture texts (every one tied at the best value, within
        :data:`TIE_TOLERANCE`) and that value at the full fidelity, if known."""
        return None

    def table_values(self, fidelity: str | None = None) -> pd.Series | None:
        """Every architecture's value at ``fidelity`` (a tabular benchmark), else None."""
        return None


class TableObjective(Objective):
    """A tabular benchmark as an objective: a user's table over any space, or a registered
    benchmark's (:meth:`from_benchmark`).

    Parameters
    ----------
    table : DataFrame
        Indexed by architecture text (anything ``space.parse`` reads; each text is parsed
        once here, so a bad one fails now, naming its row, and the texts are stored in
        ``space.to_string``'s canonical form). Every cell of the columns read must be a
        finite number (a cost at least 0): a missing, non-numeric or infinite cell is a
        ``ValueError`` naming its column and row, never a NaN (drop unlabelled rows first).
        :meth:`evaluate` looks texts up in the same canonical form, and, where the table
        holds one result per network (:attr:`one_result_per_network`), any other
        architecture of a network it holds by that network (:meth:`network_rows`).
    space : str or SearchSpace
        A registered name or an instance (a user space works as well as a built-in one).
    columns : str or mapping fidelity -> column
        The value column (higher is better) of the one fidelity, which is then named after
        it; or the value column of each fidelity, cheapest first (insertion order); the last
        is the full run. Fidelity names (the keys) are non-empty strings: anything else is a
        ``ValueError`` naming ``columns``.
    cost_column : str or mapping fidelity -> column, optional
        Seconds of the full training run of each architecture (a cheaper fidelity is
        charged ``epochs / full epochs`` of them); or the seconds column of every fidelity
        (keys exactly the fidelities), each charged as recorded: a benchmark's
        :meth:`~nasperf.datasets.Benchmark.fidelity_seconds`, as :meth:`from_benchmark`
        passes them. None (default): no recorded cost; every full-fidelity query then costs
        one unit (``cost_unit == "query"``), a cheaper fidelity ``epochs / full epochs`` of
        it, and the search reports time in queries.
    epochs : mapping fidelity -> int, optional
        Training epochs of every fidelity (keys exactly the fidelities, positive ints
        increasing with them; anything else is a ``ValueError`` naming ``epochs``); a
        cheaper fidelity is charged ``epochs / full epochs`` of the cost column. None
        (default): read from the fidelities' names where each gives its epochs (``12ep``,
        ``200``, ``25_epochs``: :func:`~nasperf.datasets.epochs_in_name`, as a study's table
        reads them; names that give epochs which do not increase are a ``ValueError``
        naming ``columns``). Where the names give none (``low``, ``full``), or given as
        ``{}``: every fidelity is charged the full cost (the run's notes say so), and
        multi-fidelity searches take every fidelity as a rung.
    name : str
    continues : bool
        The fidelities are epochs of one training run (a query resuming from a cheaper
        fidelity is charged the difference); False for NAS-Bench-201, whose 12-epoch
        results come from a separate, shorter schedule.
    validate : bool
        Parse every architecture text (False: trust the index to hold canonical texts, as a
        packaged benchmark's table does).
    one_result_per_network : bool or None
        Whether architectures that build the same network (equal ``space.hash``) share one
        result (see :attr:`Objective.one_result_per_network`); None (default): read from
        the table, on first use (every row hashed once; on a space that counts networks a
        table of one row per network is one, see the property). True is taken as said, unchecked
        (it spares that reading): a search then pays for one architecture of each network
        and answers its other architectures with that value, so a table whose isomorphic
        rows differ must not say True (its optimum may be a row never paid for).
    maximize : bool or None
        False: the columns are a loss, an error or a latency, and the objective's values
        are minus them (searches maximise; the history's values, the optimum's value and
        :meth:`table_values` are then negated, and the run's notes say so). None (default):
        maximised, unless a column's name reads like a quantity to minimise (``val_loss``,
        ``top1_err``, ``latency_ms``: :func:`nasperf.datasets.looks_minimised`), which is
        a ``ValueError`` asking to say which.
    duplicates : {"error", "first", "last"}
        An architecture the table lists twice (one text twice, or two spellings of one,
        e.g. its text and its NASLib key): a ``ValueError`` naming it (default), or keep its
        first / last row, as :func:`~nasperf.datasets.read_architecture_csv` does.
    row_names : sequence of str, optional
        Where each row of ``table`` is in the file it was read from (``"mine.csv line
        7"``, one per row; :meth:`from_file` gives the file's lines): an error in a row then
        names it so, with advice for the file (fill the cell or remove the row). None
        (default, a DataFrame): ``row i`` (its position) and advice in pandas.

    Attributes
    ----------
    maximize : bool
        As resolved.
    value_name : str
        What the values are: the full fidelity's column, or ``-column`` when minimised.

    Examples
    --------
    >>> import nasperf
    >>> from nasperf.search import TableObjective
    >>> table = nasperf.load_benchmark("nb201", dataset="cifar10").sample(200, random_state=0)
    >>> obj = TableObjective(table, "nb201", "val_acc_200ep")      # no cost column
    >>> obj.fidelities, obj.cost_unit
    (('val_acc_200ep',), 'query')
    >>> fidelities = {"short": "val_acc_12ep", "full": "val_acc_200ep"}   # cheapest first
    >>> obj = TableObjective(table, "nb201", fidelities, cost_column="train_time_s")
    >>> obj.fidelities, obj.cost_unit
    (('short', 'full'), 's')
    >>> table["val_err"] = 100 - table["val_acc_200ep"]
    >>> obj = TableObjective(table, "nb201", "val_err", maximize=False)   # values: -val_err
    >>> values, seconds = obj.evaluate(list(table.index[:3]))
    >>> obj.value_name, bool((values == -table["val_err"].to_numpy()[:3]).all())
    ('-val_err', True)
    """

    def __init__(
        self,
        table: pd.DataFrame,
        space: Any,
        columns: str | Mapping[str, str],
        *,
        cost_column: str | Mapping[str, str] | None = None,
        epochs: Mapping[str, int] | None = None,
        name: str = "table",
        continues: bool = False,
        validate: bool = True,
        one_result_per_network: bool | None = None,
        maximize: bool | None = None,
        duplicates: str = "error",
        row_names: Sequence[str] | None = None,
    ) -> None:
        from nasperf.datasets.direction import target_sign
        from nasperf.datasets.readers import DUPLICATES
        from nasperf.encodings import resolve_space
        from nasperf.errors import short_repr

        self.space = resolve_space(space)
        self.name = name
        self.continues = check_flag(continues, f"{name}: continues")
        validate = check_flag(validate, f"{name}: validate")
        if one_result_per_network is not None and not isinstance(one_result_per_network, bool):
            raise TypeError(
                f"{name}: one_result_per_network must be True, False or None, got "
                f"{one_result_per_network!r}"
            )
        self._per_network = one_result_per_network
        self._networks: dict[Any, int] | None = None  # network_rows(), once read
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{name}: table must be a pandas DataFrame, got {type(table).__name__}")
        if isinstance(columns, str):
            columns = {columns: columns}
        if not isinstance(columns, Mapping) or not columns:
            raise ValueError(f"{name}: columns must be a column name or a non-empty mapping")
        bad = next((f for f in columns if not isinstance(f, str) or not f.strip()), None)
        if bad is not None:
            # the run loop refused them only later (check_objective), as fidelities
            raise ValueError(
                f"{name}: columns: every fidelity (a key) must be a non-empty name, e.g. "
                f"{{'12ep': 'val_acc_12ep', '200ep': 'val_acc_200ep'}}; got "
                f"{short_repr(bad)} among "
                f"{short_repr(list(columns))}"
            )
        cost_columns = _cost_columns(cost_column, list(columns), name)
        missing = [c for c in [*columns.values(), *cost_columns.values()] if c not in table.columns]
        if missing:
            raise ValueError(
                f"{name}: the table has no column(s) {missing}; it has {list(table.columns)}"
            )
        if len(table) == 0:
            raise ValueError(f"{name}: the table has no rows")
        if validate and isinstance(table.index, pd.RangeIndex):
            raise ValueError(
                f"{name}: the table's index holds row numbers, not architectures; index it by "
                "its architecture column (table.set_index('arch'))"
            )
        sign = target_sign(
            list(columns.values()),
            maximize,
            where=f"{name}: maximize",
            spelling=("maximize=False", "maximize=True"),
        )
        self.maximize = sign > 0
        #: Whether the direction was assumed (``maximize=None`` and a name that does not say
        #: a quantity to minimise): the run's notes say so where the name does not read
        #: like accuracy either (``score``, ``y``).
        self.direction_assumed = maximize is None
        self.fidelities = tuple(columns)
        self.cost_unit = "s" if cost_column is not None else "query"
        self._columns = dict(columns)
        full_column = self._columns[self.fidelities[-1]]
        self.value_name = full_column if self.maximize else f"-{full_column}"
        self._epochs = (
            _epochs_from_names(self.fidelities, name)
            if epochs is None
            else _checked_epochs(epochs, self.fidelities, name)
        )
        # each fidelity's own seconds column: charged as recorded, whatever the epochs
        self._costs_per_fidelity = isinstance(cost_column, Mapping)
        if duplicates not in DUPLICATES:
            raise ValueError(
                f"{name}: duplicates must be one of {', '.join(DUPLICATES)}, got "
                f"{short_repr(duplicates)}"
            )
        if row_names is not None and len(row_names) != len(table):
            raise ValueError(
                f"{name}: row_names must name each of the table's {len(table)} rows, got "
                f"{len(row_names)}"
            )
        self._values = {
            f: sign * _numbers(table, c, name, row_names=row_names) for f, c in columns.items()
        }
        # seconds charged at each fidelity (None: one unit per full-fidelity query)
        self._costs: dict[str, np.ndarray] | None = None
        if cost_columns:
            read = {
                c: _numbers(table, c, name, cost=True, row_names=row_names)
                for c in set(cost_columns.values())
            }
            full_ep = self._epochs.get(self.full)
            self._costs = {
                f: read[c]
                if isinstance(cost_column, Mapping)
                # a column of the full run's seconds: a cheaper fidelity pays its share
                else read[c] * epoch_fraction(self._epochs.get(f), full_ep)
                for f, c in cost_columns.items()
            }
        self._index = pd.Index(self._canonical(table.index, row_names) if validate else table.index)
        if not self._index.is_unique:
            if duplicates == "error":
                dup = self._index[self._index.duplicated()][0]
                on = ""
                if row_names is not None:
                    first, second = np.flatnonzero(self._index == dup)[:2]
                    on = f" ({row_names[first]} and {row_names[second]})"
                raise ValueError(
                    f"{name}: the table lists architecture {dup!r} more than once{on} (under "
                    "one spelling or two); duplicates='first' / 'last' keeps one of its rows "
                    "(nasperf search --data-duplicates)"
                )
            keep = ~self._index.duplicated(keep=duplicates)
            self._index = self._index[keep]
            self._values = {f: v[keep] for f, v in self._values.items()}
            if self._costs is not None:
                self._costs = {f: c[keep] for f, c in self._costs.items()}

    def _canonical(self, index: pd.Index, row_names: Sequence[str] | None) -> list[str]:
        """The index's texts in ``space.to_string`` form (each read once by
        ``space.coerce``: native text or a NASLib key, as ``read_architecture_csv``)."""
        from nasperf.errors import InvalidArchitectureError

        out = []
        for row, text in enumerate(index):
            try:
                out.append(self.space.to_string(self.space.coerce(text)))
            except InvalidArchitectureError as err:
                if row_names is not None:
                    raise err.within(f"{row_names[row]}: ") from None
                where = "table" if self.name == "table" else f"{self.name} table"
                raise err.within(f"{where} row {row}: ") from None
        return out

    @classmethod
    def from_file(
        cls,
        path: Any,
        space: Any,
        target: str,
        *,
        cost: str | None = None,
        arch_column: str = "arch",
        name: str | None = None,
        maximize: bool | None = None,
        fidelity_columns: Sequence[tuple[int, str]] | Mapping[int, str] | None = None,
        duplicates: str = "error",
    ) -> TableObjective:
        """The objective of a CSV (``.csv``, ``.csv.gz``) or parquet file: one row per
        architecture, its text in ``arch_column``, its value in ``target`` (higher is
        better, or a loss with ``maximize=False``), optionally its training seconds in
        ``cost``.

        ``fidelity_columns`` gives multi-fidelity searches the table's cheaper fidelities:
        ``(epochs, column)`` pairs (or a mapping epochs -> column) of every fidelity,
        cheapest first, the last being ``target`` (the full run); the fidelities are named
        ``"<epochs>ep"`` and a cheaper one is charged ``epochs / full epochs`` of ``cost``.

        The file is read within the bounds of :mod:`nasperf.datasets.readers`: a regular
        file, at most ``MAX_DECOMPRESSED_BYTES`` of UTF-8 text (decompressed) and
        ``MAX_CSV_FIELDS`` cells; a file beyond them, empty, not UTF-8 or not CSV / parquet
        is one ``ValueError`` naming it (and the line, where known); so is an empty
        ``path``, and one that is not a path (``None``, a number, bytes) a ``TypeError``.
        """
        path = as_path(path, "path")
        columns: str | dict[str, str] = target
        epochs = None
        if fidelity_columns is not None:
            columns, epochs = _fidelity_columns(fidelity_columns, target)
        from nasperf.datasets.readers import read_table_file_lines

        table, lines = read_table_file_lines(path, arch_column)
        if arch_column not in table.columns:
            raise ValueError(
                f"{path}: no architecture column {arch_column!r}; it has {list(table.columns)}"
            )
        table = table.set_index(arch_column)
        # errors name the line a user opens (a parquet file's data row, 1-based)
        row_names = (
            [f"{path.name} line {line}" for line in lines]
            if lines is not None
            else [f"{path.name} row {i + 1}" for i in range(len(table))]
        )
        return cls(
            table,
            space,
            columns,
            cost_column=cost,
            epochs=epochs,
            name=name or path.name,
            maximize=maximize,
            duplicates=duplicates,
            row_names=row_names,
        )

    @classmethod
    def from_benchmark(
        cls, benchmark: str = "nb201", dataset: str = "cifar10", *, target: str | None = None
    ) -> TableObjective:
        """The objective of a registered benchmark: its fidelities up to ``target``, each
        query charged the benchmark's seconds of training to its fidelity
        (:meth:`~nasperf.datasets.Benchmark.fidelity_seconds`; NAS-Bench-201's ``12ep``
        costs 12 / 200 of ``train_time_s``, also where it is the target), as a study
        charges its labels. Its ``dataset`` is the benchmark's canonical name of
        ``dataset``, which a search on it reads (the zero-cost table of that dataset, proxies
        computed on its images)."""
        from nasperf.datasets import get_benchmark, load_benchmark

        bench = get_benchmark(benchmark)
        table = load_benchmark(bench.name, dataset)
        tfid = bench.resolve_fidelity(target)
        fids = bench.fidelities[: bench.fidelities.index(tfid) + 1]
        seconds = {f.name: bench.fidelity_seconds(table, f) for f in fids}
        costs: dict[str, str] | None = None
        if all(s is not None for s in seconds.values()):
            # each fidelity's seconds in a column of this copy, named apart from the table's
            costs = {f: f"{f} seconds ({bench.name})" for f in seconds}
            table = table.assign(**{costs[f]: s for f, s in seconds.items()})
        obj = cls(
            table,
            bench.space,
            {f.name: f.column for f in fids},
            cost_column=costs,
            epochs={f.name: f.epochs for f in fids} if all(f.epochs for f in fids) else None,
            name=f"{bench.name}/{bench.resolve_dataset(dataset)}",
            validate=False,
            maximize=True,  # packaged benchmarks store higher-is-better values
        )
        obj.dataset = bench.resolve_dataset(dataset)  # its zero-cost tables and proxy task
        return obj

    def epochs(self, fidelity: str | None = None) -> int | None:
        return self._epochs.get(self.resolve(fidelity))

    def cost_notes(self) -> list[str]:
        """What each fidelity is charged: without a cost column a full-fidelity query costs
        1 unit and a cheaper one its share of the epochs (``12ep``: 0.06 of NAS-Bench-201's
        200); where several fidelities share one cost column but have no epochs, every
        fidelity is charged the full cost, which a note says (the cost comparison with
        single-fidelity methods is then biased against the multi-fidelity ones)."""
        label = objective_label(self)
        several = len(self.fidelities) > 1
        notes = []
        if self.cost_unit != "s":
            what = "every query costs 1 unit and simulated time counts queries"
            if several and self._epochs:
                cheapest, full = self.fidelities[0], self._epochs[self.full]
                share = epoch_fraction(self._epochs[cheapest], full)
                what = (
                    f"a full-fidelity query ({self.full!r}) costs 1 unit and a cheaper one "
                    f"its share, epochs / {full} ({cheapest!r}: {share:.3g} units), so "
                    "simulated time counts full-fidelity queries"
                )
            notes.append(f"{label} has no recorded training cost: {what}{_NOT_IN_UNITS}")
        if several and not self._epochs and not self._costs_per_fidelity:
            unit = "1 unit" if self.cost_unit != "s" else "the cost column's seconds"
            notes.append(
                f"{label}: fidelities without epochs ({', '.join(self.fidelities)}): every "
                f"fidelity charged the full cost ({unit}), so a multi-fidelity search's "
                "simulated time is an upper bound; give epochs= (or name the fidelities by "
                "their epochs, '12ep') to charge a cheaper fidelity its share"
            )
        return notes

    def _rows(self, archs: Sequence[Any]) -> np.ndarray:
        from nasperf.errors import InvalidArchitectureError

        keys = [a if isinstance(a, str) else self.space.to_string(a) for a in archs]
        rows = self._index.get_indexer(keys)
        for i in np.flatnonzero(rows < 0):
            # text in another spelling than the index's canonical one (surrounding spaces, a
            # NASLib key): looked up in canonical form, as the table's own texts were stored
            try:
                canonical = self.space.to_string(self.space.coerce(keys[i].strip()))
            except InvalidArchitectureError:
                continue
            rows[i] = self._index.get_indexer([canonical])[0]
        if (rows < 0).any() and self.one_result_per_network:
            # another architecture of a network the table holds (an inactive choice set
            # otherwise, an isomorphic cell): the network's row answers it
            networks = self.network_rows()
            for i in np.flatnonzero(rows < 0):
                arch = archs[i]
                try:
                    if isinstance(arch, str):
                        arch = self.space.coerce(arch.strip())
                    rows[i] = networks.get(self.space.hash(arch), -1)
                except InvalidArchitectureError:
                    continue
        if (rows < 0).any():
            bad = keys[int(np.flatnonzero(rows < 0)[0])]
            raise KeyError(f"{self.name}: architecture not in the table: {bad}")
        return rows

    def evaluate(self, archs, fidelity=None):
        fid = self.resolve(fidelity)
        rows = self._rows(archs)
        values = self._values[fid][rows]
        if self._costs is not None:
            return values, self._costs[fid][rows]
        # one unit per full-fidelity query, a cheaper fidelity its share of it
        return values, np.full(
            len(rows), epoch_fraction(self._epochs.get(fid), self._epochs.get(self.full))
        )

    def candidates(self) -> list:
        return list(self._index)

    @property
    def one_result_per_network(self) -> bool:  # type: ignore[override]
        """As given to the constructor, else read from the table: True when at least two
        of its architectures build the same network (equal ``space.hash``) and every such
        group has identical values in every column the objective reads (the benchmark
        trained each network once and copied its results, as NAS-Bench-Macro did); True
        as well on a space that counts networks
        (:attr:`~nasperf.spaces.SearchSpace.counts_networks`: its ``distinct_key`` says
        several values are one network, as NB101's specs or a hierarchical space's
        inactive choices) when no two rows of one network differ, a table of one row per
        network included: the space says what one training run is. False at the first
        group whose values differ (NB201 trained isomorphic cells separately; replicates
        or conflicting results of one network stored as rows of their own: each row is
        then its own run, looked up by its text), when no two rows share a network on a
        space that does not count networks, or when the space cannot hash its
        architectures. Read once per table and process (a table without shared networks
        hashes every row: ~0.5 ms a row with the default ``SearchSpace.hash``)."""
        if self._per_network is None:
            key = self._fingerprint()
            if key not in _PER_NETWORK:
                _PER_NETWORK[key] = self._read_per_network()
            self._per_network, self.n_networks = _PER_NETWORK[key]
        return self._per_network

    def _columns_read(self) -> list[np.ndarray]:
        """Every column the objective reads: each fidelity's values, then the cost if any."""
        return [*self._values.values(), *([] if self._costs is None else self._costs.values())]

    def _fingerprint(self) -> str:
        """sha256 of the space's name, the architecture texts and every column read."""
        h = hashlib.sha256(f"{type(self.space).__qualname__}/{self.space.name}".encode())
        h.update("\n".join(map(str, self._index)).encode())
        for values in self._columns_read():
            h.update(b"|" + np.ascontiguousarray(values).tobytes())
        return h.hexdigest()

    def _read_per_network(self) -> tuple[bool, int | None]:
        """(one result per network?, distinct networks where every row was hashed):
        :func:`~nasperf.spaces.one_result_per_network` of the columns read; on a space
        that counts networks, also True where no two rows share a network (the rows are
        then hashed through :meth:`network_rows`, which a search reads next)."""
        from nasperf.errors import InvalidArchitectureError
        from nasperf.spaces import one_result_per_network

        rows = np.stack(self._columns_read(), axis=1)
        if not self.space.counts_networks:
            return one_result_per_network(self.space, list(self._index), rows)
        try:
            networks = self.network_rows()
        except (NotImplementedError, InvalidArchitectureError):
            return False, None
        if len(networks) < len(self._index):  # a network in several rows: are they equal?
            shared, count = one_result_per_network(self.space, list(self._index), rows)
            return shared, count
        return True, len(networks)

    def network_rows(self) -> dict[Any, int]:
        """{network (``space.hash``): position of its first row} of every row of the table:
        where :attr:`one_result_per_network`, the row that answers any architecture of
        that network (:meth:`evaluate`). Hashed once per table and process (the last few
        tables are kept); raises what ``space.hash`` raises on a space that cannot hash."""
        if self._networks is not None:
            return self._networks
        key = self._fingerprint()
        networks = _NETWORK_ROWS.get(key)
        if networks is None:
            networks = {}
            for i, text in enumerate(self._index):
                networks.setdefault(self.space.hash(self.space.parse(text)), i)
            while len(_NETWORK_ROWS) >= _NETWORK_TABLES:
                del _NETWORK_ROWS[next(iter(_NETWORK_ROWS))]
            _NETWORK_ROWS[key] = networks
        self._networks = networks
        return networks

    def table_values(self, fidelity: str | None = None) -> pd.Series:
        return pd.Series(self._values[self.resolve(fidelity)], index=self._index)

    def optimum(self) -> tuple[tuple[str, ...], float]:
        """The table's rows tied at the best value (within :data:`TIE_TOLERANCE`) and that
        value; where the table holds one result per network, any architecture of their
        networks has it too (a search's regret and ``stop_at_optimum`` read the value)."""
        v = self._values[self.full]
        best = float(np.nanmax(v))
        tied = np.flatnonzero(v >= best - TIE_TOLERANCE)
        return tuple(str(self._index[i]) for i in tied), best


class CurveObjective(Objective):
    """A learning-curve source (e.g. NAS-Bench-301's surrogate) as an objective.

    Fidelities are epoch counts (``"1ep"`` .. ``"98ep"``); values are validation accuracy at
    that epoch, costs the source's runtime to reach it.

    Attributes
    ----------
    continues : bool
        Whether the epochs are points of one training run, so that a query for an
        architecture already trained to a lower epoch is charged the difference: the
        source's ``continues`` (False for ``nb201``: its 12-epoch results come from a
        shorter schedule of their own, so a 200-epoch query costs the full run).
    optimum, candidates, table_values
        Where the source knows every architecture (a ``table`` indexed by architecture
        text, as NAS-Bench-201's does): the optimum, so that regret is known. A surrogate
        over an unbounded space (NAS-Bench-301) knows no optimum: ``optimum()`` is None and
        the history's regret NaN (compare best values instead).
    """

    def __init__(self, source: str = "nb301", **options: Any) -> None:
        from nasperf.datasets import get_curve_source
        from nasperf.spaces import get_space

        self.source = get_curve_source(source, **options)
        if self.source.space is None:
            raise ValueError(f"curve source {source!r} has no search space to search")
        self.space = get_space(self.source.space)
        self.name = f"{source} (learning curves)"
        self.fidelities = tuple(f"{e}ep" for e in self.source.epochs)
        self.continues = bool(self.source.continues)
        self.dataset = getattr(self.source, "dataset", None)
        self._full_values: pd.Series | None = None

    def epochs(self, fidelity=None) -> int:
        return int(self.resolve(fidelity)[:-2])

    def evaluate(self, archs, fidelity=None):
        e = self.epochs(fidelity)
        curves = self.source.curves(list(archs), upto=e)
        values = curves.get(self.source.target)[:, -1]
        cost = np.full(len(archs), np.nan) if curves.cost is None else curves.cost
        return values, cost

    def _known(self) -> list[str] | None:
        """Every architecture text the source knows (its table's index), else None."""
        table = getattr(self.source, "table", None)
        if not isinstance(table, pd.DataFrame):
            return None
        return [str(k) for k in table.index]

    def candidates(self) -> list | None:
        return self._known()

    def table_values(self, fidelity: str | None = None) -> pd.Series | None:
        fid = self.resolve(fidelity)
        if fid == self.full and self._full_values is not None:
            return self._full_values
        known = self._known()
        if known is None:
            return None
        values = pd.Series(self.evaluate(known, fid)[0], index=known)
        if fid == self.full:
            self._full_values = values
        return values

    def optimum(self) -> tuple[tuple[str, ...], float] | None:
        values = self.table_values()
        if values is None:
            return None
        v = values.to_numpy(np.float64)
        best = float(np.nanmax(v))
        tied = np.flatnonzero(v >= best - TIE_TOLERANCE)
        return tuple(str(values.index[i]) for i in tied), best


class ObjectiveChoiceError(ValueError):
    """A benchmark / space choice that names no objective. ``cli`` holds the same advice in
    the command line's terms (flags instead of Python calls); ``str()`` is the Python one."""

    def __init__(self, message: str, cli: str) -> None:
        super().__init__(message)
        self.cli = cli


def get_objective(benchmark: str = "nb201", dataset: str = "cifar10", **options: Any) -> Objective:
    """An objective by name: a registered tabular benchmark (``nb201``) or ``nb301`` (the
    NAS-Bench-301 surrogate's learning curves, on ``cifar10``: another dataset is refused,
    naming the benchmark's datasets).

    A registered search space without a benchmark of its own (a user's space) has nothing to
    look its architectures up in: the error (an :class:`ObjectiveChoiceError`) says to pass
    ``objective=TableObjective(...)``.
    """
    from nasperf.datasets import available_benchmarks, get_benchmark
    from nasperf.spaces import SPACES

    if not isinstance(benchmark, str):
        raise TypeError(f"benchmark must be a name, got {type(benchmark).__name__}")
    if benchmark in ("nb301", "nb301_curves"):
        # one dataset: no other is ignored
        resolved = get_benchmark("nb301").resolve_dataset(dataset)
        curves = CurveObjective("nb301", **options)
        curves.dataset = resolved
        return curves
    if benchmark in available_benchmarks():
        return TableObjective.from_benchmark(benchmark, dataset, **options)
    names = list(dict.fromkeys(["nb301", *available_benchmarks()]))
    if benchmark in SPACES:
        raise ObjectiveChoiceError(
            f"{benchmark!r} is a search space without a registered benchmark: give the search "
            f"your table, e.g. run(..., space={benchmark!r}, "
            f"objective=TableObjective(table, {benchmark!r}, 'val_acc'))",
            cli=f"--benchmark {benchmark}: a search space without a registered benchmark"
            + _did_you_mean(benchmark, names)
            + f"; search your table with --space {benchmark} --data FILE --target COLUMN",
        )
    raise ObjectiveChoiceError(
        f"unknown search benchmark {benchmark!r}; available: {', '.join(names)} (or pass "
        "objective=TableObjective(...) over your own table)",
        cli=f"unknown search benchmark {benchmark!r}{_did_you_mean(benchmark, names)}; "
        f"available: {', '.join(names)} (or your own table: --space SPACE --data FILE "
        "--target COLUMN)",
    )


def _did_you_mean(name: str, names: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` where ``name`` is one of ``names`` in other case, else ''."""
    same = [n for n in names if n.lower() == name.lower()]
    return f" (did you mean {same[0]!r}?)" if same else ""

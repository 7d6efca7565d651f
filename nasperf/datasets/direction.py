"""Which way a user's target goes: maximised (accuracy) or minimised (loss, error, latency).

nasperf ranks, predicts and searches "higher is better" everywhere: Kendall tau and Spearman
do not care, but precision@k, NDCG, the top 0.1 % and the searches' optimum do. A user's
table whose target is a loss is therefore read as minus that column (TransNAS-Bench-101
stores its room-layout L2 loss the same way). Saying so is the user's job, and a target whose
name reads like a quantity to minimise is refused until they do, rather than silently
searched for its worst architecture.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["looks_costly", "looks_maximised", "looks_minimised", "negate_columns", "target_sign"]

#: Words of a column name that mark a cost of running or training a network (lower is
#: better, and larger networks score worse: zero-cost proxies such as synflow and params,
#: which rank larger networks higher, point the wrong way for them).
_COSTS = r"latency|energy|power|runtime|time|delay|memory|mem|flops|macs|params|parameters|cost"
#: Words of a column name that mark a quantity to minimise: a cost, or a loss or error of
#: the network's predictions. Matched as whole words between non-letters (``val_loss``,
#: ``top1_err``, ``latency_ms``, ``test-error-rate``, camelCase ``valLoss``), so ``terror``
#: or ``errand`` do not match, nor ``ce`` in ``price`` or ``wer`` in ``lower``. Language and
#: speech models' losses: cross-entropy ``ce``, bits per character / byte (``bpc``,
#: ``bpb``, ``bits_per_char``), word and character error rates (``wer``, ``cer``).
_MINIMISED = re.compile(
    r"(?<![a-z])(loss(?:es)?|logloss|errors?|err|mse|rmse|mae|mape|smape|nll|"
    r"cross_?entropy|xent|ce|regret|perplexity|ppl|bpc|bpb|"
    r"bits[_-]?per[_-]?(?:char(?:acter)?|byte)|wer|cer|" + _COSTS + r")(?![a-z])",
    re.IGNORECASE,
)
_COSTLY = re.compile(r"(?<![a-z])(" + _COSTS + r")(?![a-z])", re.IGNORECASE)
#: Words of a column name that mark a quantity to maximise (accuracy and its kin).
_MAXIMISED = re.compile(
    r"(?<![a-z])(acc|accs|accuracy|accuracies|top1|top5|auc|auroc|f1|precision|recall|r2|"
    r"iou|miou|map|psnr|ssim|reward|return|perf|performance|valid_perf|test_perf)(?![a-z])",
    re.IGNORECASE,
)


def _words(column: object) -> str:
    """``column`` as text with camelCase split into words (``valLoss`` -> ``val_Loss``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(column))


def looks_minimised(column: object) -> str | None:
    """The word of ``column`` that marks it as a quantity to minimise (``"loss"`` in
    ``"val_loss"``, ``"energy"`` in ``"edgegpu_energy"``), or None."""
    m = _MINIMISED.search(_words(column))
    return m.group(1) if m else None


def looks_costly(column: object) -> str | None:
    """The word of ``column`` that marks it as a cost of the network (latency, energy,
    time, memory, FLOPs, ...; not a loss or error), or None."""
    m = _COSTLY.search(_words(column))
    return m.group(1) if m else None


def looks_maximised(column: object) -> str | None:
    """The word of ``column`` that marks it as a quantity to maximise (``"acc"`` in
    ``"val_acc"``), or None; None too where a word marks it as one to minimise
    (``top1_err``)."""
    if looks_minimised(column) is not None:
        return None
    m = _MAXIMISED.search(_words(column))
    return m.group(1) if m else None


def target_sign(
    columns: str | list[str],
    maximize: object,
    *,
    where: str,
    spelling: tuple[str, str] = ("maximize: false", "maximize: true"),
) -> float:
    """+1.0 to use ``columns`` as they are (maximised), -1.0 to use their negation.

    Parameters
    ----------
    columns : str or list of str
        The target column (and its cheaper fidelities or curve columns, which measure the
        same quantity and go the same way).
    maximize : bool or None
        True / False as the user said; None (not said): maximised, unless a column's name
        reads like a quantity to minimise (:func:`looks_minimised`), which is refused.
    where : str
        Names the argument or key in the error (``"data[0].maximize"``).
    spelling : (str, str)
        How the error spells the two choices where they are written: YAML's
        ``maximize: false`` (default), Python's ``maximize=False``, a command line's
        ``--minimize``.

    Raises
    ------
    TypeError
        ``maximize`` is not a bool or None.
    ValueError
        ``maximize`` is None and a column looks like a loss, error or latency.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    if maximize is None:
        for col in cols:
            word = looks_minimised(col)
            if word is not None:
                raise ValueError(
                    f"{where}: the target {col!r} looks like a quantity to minimise (its name "
                    f"says {word!r}); say which way it goes: {spelling[0]} ranks and searches "
                    f"by -{col}, {spelling[1]} keeps the column as it is"
                )
        return 1.0
    if not isinstance(maximize, bool | np.bool_):
        raise TypeError(f"{where}: expected true, false or null, got {maximize!r}")
    if not maximize:
        for col in cols:
            word = looks_maximised(col)
            if word is not None:  # said, so kept; but an accuracy minimised is worth a word
                from nasperf.errors import warn_caller

                warn_caller(
                    f"{where}: the target {col!r} reads like a quantity to maximise (its "
                    f"name says {word!r}) but is minimised ({spelling[0]}): its lowest "
                    "values count as the best",
                    UserWarning,
                )
                break
    return 1.0 if maximize else -1.0


def negate_columns(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` replaced by their numeric negation (the table a
    minimised target is read from; the other columns are left as they are)."""
    out = table.copy()
    for col in dict.fromkeys(columns):
        out[col] = -pd.to_numeric(out[col], errors="coerce").astype(np.float64)
    return out

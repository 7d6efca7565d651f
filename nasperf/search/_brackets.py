"""What the multi-fidelity optimizers (Successive Halving, Hyperband, BOHB) share: the rungs
chosen from an objective's fidelities, and brackets of successive halving run one query at
a time.

A bracket with ``s`` halvings starts ``n`` architectures at rung ``R - s`` (``R`` the top
rung), keeps the best ``1 / eta`` of each rung (by value at that rung's fidelity) for the
next, and ends at the top rung: rung ``i`` of the bracket holds ``floor(n / eta**i)``
architectures. Queries are issued one per ``ask`` (so a simulated time budget stops a run
within a rung); a rung is promoted once all its values are told.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import Optimizer, Query

__all__ = ["Bracket", "BracketOptimizer", "fidelity_rungs"]


def fidelity_rungs(
    fidelities: Sequence[str],
    epochs: Mapping[str, int | None],
    eta: float,
    min_fidelity: str | None = None,
    max_fidelity: str | None = None,
) -> tuple[str, ...]:
    """The rungs of successive halving among an objective's fidelities, cheapest first.

    With epochs known for every fidelity from ``min_fidelity`` to ``max_fidelity``: the
    geometric ladder ``E, E / eta, E / eta**2, ...`` (``E`` the epochs of
    ``max_fidelity``), down to the epochs of ``min_fidelity``, each step snapped to the
    available fidelity nearest in log-epochs, repeats dropped (NAS-Bench-301, epochs 1..98,
    eta 3: 1, 4, 11, 33, 98; NAS-Bench-201's 12 and 200 epochs: both). Without epochs: every
    fidelity from ``min_fidelity`` to ``max_fidelity``.

    Parameters
    ----------
    fidelities : sequence of str
        Cheapest first.
    epochs : mapping fidelity -> epochs or None
    eta : float
        Ratio of budgets (and of rung sizes) between consecutive rungs, > 1.
    min_fidelity, max_fidelity : str, optional
        Defaults: the cheapest and the full fidelity.
    """
    fidelities = list(fidelities)
    for name, value in (("min_fidelity", min_fidelity), ("max_fidelity", max_fidelity)):
        if value is not None and value not in fidelities:
            raise ValueError(
                f"{name}={value!r} is not a fidelity of the objective; available: "
                f"{', '.join(fidelities)}"
            )
    lo = 0 if min_fidelity is None else fidelities.index(min_fidelity)
    hi = len(fidelities) - 1 if max_fidelity is None else fidelities.index(max_fidelity)
    if lo > hi:
        raise ValueError(f"min_fidelity {min_fidelity!r} is above max_fidelity {max_fidelity!r}")
    span = fidelities[lo : hi + 1]
    ep = [epochs.get(f) for f in span]
    if any(e is None or e <= 0 for e in ep):
        return tuple(span)
    for i in range(len(span) - 1):
        (f0, e0), (f1, e1) = (span[i], ep[i]), (span[i + 1], ep[i + 1])
        if e0 >= e1:
            # an objective's epochs must grow with its fidelities (TableObjective checks
            # them): else the ladder below would have no rung at all
            raise ValueError(
                f"epochs must increase with the fidelities (cheapest first); epochs[{f0!r}] = "
                f"{e0} is not below epochs[{f1!r}] = {e1}"
            )
    logs = np.log(np.asarray(ep, dtype=np.float64))
    s_max = int(np.floor((logs[-1] - logs[0]) / np.log(eta) + 1e-9))
    chosen: list[str] = []
    for i in range(s_max + 1):
        f = span[int(np.argmin(np.abs(logs - (logs[-1] - i * np.log(eta)))))]
        if f not in chosen:
            chosen.append(f)
    return tuple(reversed(chosen))


def _largest_eta(ratio: float) -> str:
    """``ratio`` (the epochs of the top rung over those of ``min_fidelity``, > 1), rounded
    *down* to three significant digits (more where three would reach 1): the largest eta a
    message can advise that still leaves ``min_fidelity`` a rung (:func:`fidelity_rungs`
    needs ``eta <= ratio``; ``16.7`` for NAS-Bench-201's 200 / 12 = 16.67 would not)."""
    for digits in range(3, 16):
        scale = 10.0 ** (digits - 1 - math.floor(math.log10(ratio)))
        down = math.floor(ratio * scale + 1e-9) / scale  # 2.0 stays 2, not 1.99
        if down > 1:
            return np.format_float_positional(down, trim="-")
    return np.format_float_positional(ratio, trim="-")


@dataclasses.dataclass
class Bracket:
    """One bracket of successive halving in progress.

    Attributes
    ----------
    fidelities : tuple of str
        Fidelity of each rung of the bracket, cheapest first.
    sizes : tuple of int
        Architectures per rung.
    rung : int
        The rung being evaluated (``len(sizes)`` once the bracket is done).
    members : list
        Architectures of the current rung (on the first rung: those sampled so far), in
        query order.
    values : list of float
        Their values told so far (non-finite ones as -inf).
    asked : int
        Members of the current rung asked so far.
    """

    fidelities: tuple[str, ...]
    sizes: tuple[int, ...]
    rung: int = 0
    members: list = dataclasses.field(default_factory=list)
    values: list[float] = dataclasses.field(default_factory=list)
    asked: int = 0

    @property
    def done(self) -> bool:
        return self.rung >= len(self.sizes)


class BracketOptimizer(Optimizer):
    """Base class: runs brackets of successive halving one after another.

    Subclasses set the parameters ``eta``, ``min_fidelity`` and ``max_fidelity`` in their
    ``__init__`` and implement :meth:`_plan` (which bracket comes next); :meth:`_sample`
    (how a bracket's architectures are drawn; default uniformly, unqueried) may be
    overridden.

    State (after ``setup``): ``rungs_`` (see :func:`fidelity_rungs`), ``bracket_`` (the
    :class:`Bracket` in progress), ``n_brackets_`` (brackets started), ``observations_``
    (fidelity -> list of ``(arch, value)`` in query order, non-finite values as -inf).
    """

    moves_locally = False  # brackets of random draws (BOHB's of mutations: its own)

    eta: float
    min_fidelity: str | None
    max_fidelity: str | None

    #: What the optimizer does when it has a single rung (the report's note says so).
    single_rung_behaviour: str = "random search"

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.rungs_ = fidelity_rungs(
            context.fidelities, context.epochs, self.eta, self.min_fidelity, self.max_fidelity
        )
        self._check_rungs(context)
        self._check_budget(context)
        self.bracket_: Bracket | None = None
        self.n_brackets_ = 0
        self.observations_: dict[str, list[tuple[Any, float]]] = {f: [] for f in self.rungs_}

    def _check_rungs(self, context) -> None:
        """Say (``notes_``) when the rungs are not what the parameters suggest: a single
        rung (one fidelity, or ``eta`` wider than the fidelities' span: the brackets are
        then plain :attr:`single_rung_behaviour`), or a bottom rung above ``min_fidelity``
        (the ladder snapped it). A ``min_fidelity`` below the only rung cannot be honoured
        at all: a ``ValueError`` naming ``eta`` and the fidelities."""
        top, bottom = self.rungs_[-1], self.rungs_[0]
        epochs = context.epochs
        mf = self.min_fidelity

        def ep(f: str) -> str:
            return f" ({epochs[f]} epochs)" if epochs.get(f) else ""

        if len(self.rungs_) == 1:
            fids = list(context.fidelities)
            if mf is not None and mf != top:
                # only a ladder (epochs known) drops a requested fidelity
                ratio = (epochs.get(top) or 0) / (epochs.get(mf) or 1)
                raise ValueError(
                    f"{self.name}: min_fidelity={mf!r} cannot be honoured with eta={self.eta!r}: "
                    f"{mf!r}{ep(mf)} and {top!r}{ep(top)} are less than eta apart, so the only "
                    f"rung would be {top!r} (fidelities: {', '.join(fids)}); use an eta of at "
                    f"most {_largest_eta(ratio)}, or no min_fidelity"
                )
            lo = fids.index(mf) if mf is not None else 0
            hi = fids.index(self.max_fidelity) if self.max_fidelity is not None else len(fids) - 1
            if len(fids) == 1:
                why = f"the objective has one fidelity ({top!r})"
            elif lo == hi:
                why = f"min_fidelity / max_fidelity leave one fidelity ({top!r})"
            else:
                why = (
                    f"with eta={self.eta!r} the fidelities {', '.join(context.fidelities)} "
                    f"give one rung ({top!r})"
                )
            self.notes_.append(
                f"{self.name}: {why}, so it reduces to {self.single_rung_behaviour} at {top!r}"
            )
        elif mf is not None and mf != bottom:
            self.notes_.append(
                f"{self.name}: min_fidelity={mf!r}{ep(mf)} is not on the ladder of eta="
                f"{self.eta!r}; the cheapest rung is {bottom!r}{ep(bottom)} (rungs: "
                f"{', '.join(self.rungs_)})"
            )

    def _check_budget(self, context) -> None:
        """Say (``notes_``) when no query can reach the full fidelity (the objective's last):
        the top rung is below it (``max_fidelity``), or the run's budget of queries ends
        before the first bracket's top rung. The history's ``best_value`` and ``regret``,
        which count full-fidelity values only, are then NaN throughout."""
        full, top = context.fidelities[-1], self.rungs_[-1]
        if top != full:
            self.notes_.append(
                f"{self.name}: its top rung {top!r} (max_fidelity) is below the full fidelity "
                f"{full!r}: no query reaches {full!r}, so best_value and regret are NaN"
            )
            return
        budget = context.budget
        s, n = self._plan(0)
        sizes = self._sizes(s, n)
        first_full = sum(sizes[:-1]) + 1  # queries are paid one per ask, bottom rung first
        if budget is None or budget >= first_full:
            return
        fids = self.rungs_[len(self.rungs_) - 1 - s :]  # the top s + 1 rungs
        rungs = ", ".join(f"{k} at {f!r}" for k, f in zip(sizes, fids, strict=True))
        self.notes_.append(
            f"{self.name}: no query reached the full fidelity {full!r} within the budget of "
            f"{budget} queries, so best_value and regret are NaN: its first bracket is "
            f"{sum(sizes)} queries ({rungs}) and reaches {full!r} at query {first_full}; use "
            f"a budget of at least {first_full}"
        )

    def _sizes(self, s: int, n: int) -> tuple[int, ...]:
        """Architectures per rung of a bracket of ``s`` halvings starting ``n``."""
        return tuple(max(1, math.floor(n / self.eta**i + 1e-9)) for i in range(s + 1))

    # ------------------------------------------------------------------ for subclasses
    def _plan(self, index: int) -> tuple[int, int]:
        """``(s, n)`` of the ``index``-th bracket (0-based): its halvings (``s + 1`` rungs,
        the top ones) and its first rung's size."""
        raise NotImplementedError

    def _sample(self, fidelity: str) -> Any:
        """A new architecture for a bracket's first rung (at ``fidelity``)."""
        return self.random_new()

    # ------------------------------------------------------------------ the loop
    def _start_bracket(self) -> Bracket:
        s, n = self._plan(self.n_brackets_)
        self.n_brackets_ += 1
        top = len(self.rungs_) - 1
        sizes = self._sizes(s, n)
        self.bracket_ = Bracket(fidelities=self.rungs_[top - s :], sizes=sizes)
        return self.bracket_

    def ask(self) -> list[Query]:
        b = self.bracket_
        if b is None or b.done:
            b = self._start_bracket()
        if b.asked >= b.sizes[b.rung]:
            raise RuntimeError("ask() called again before the last queries were told")
        fid = b.fidelities[b.rung]
        resume = None
        if b.rung == 0:
            arch = self._sample(fid)
            b.members.append(arch)
        else:
            arch = b.members[b.asked]
            resume = b.fidelities[b.rung - 1]  # promoted: continue its training
        b.asked += 1
        self.mark([arch])
        return [Query(arch, fid, resume_from=resume)]

    def tell(self, queries, values) -> None:
        b = self.bracket_
        for q, v in zip(queries, values, strict=True):
            v = float(v) if np.isfinite(v) else -np.inf
            self.observations_.setdefault(q.fidelity, []).append((q.arch, v))
            b.values.append(v)
        if len(b.values) == b.sizes[b.rung]:
            self._promote(b)

    def _promote(self, b: Bracket) -> None:
        b.rung += 1
        if b.done:
            return
        keep = np.argsort(-np.asarray(b.values), kind="stable")[: b.sizes[b.rung]]
        b.members = [b.members[i] for i in keep]
        b.values = []
        b.asked = 0

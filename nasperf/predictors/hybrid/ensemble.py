"""An ensemble of any registered predictors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from numbers import Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

from nasperf._constraints import RANDOM_STATE, ListOf, PredictorSpec

from .. import PREDICTORS
from ..base import (
    SPACE,
    Predictor,
    Requirements,
    _predictors,
    check_nested_params,
    requirements_of,
    study_params,
)

DEFAULT_MEMBERS: tuple = ("xgb", "lgb", "rf")


def _member_specs(members: Any) -> list[tuple[str, dict]]:
    if isinstance(members, str) or not members:
        raise ValueError(
            "members must be a non-empty list of predictor names or [name, params] pairs"
        )
    specs = []
    for m in members:
        if isinstance(m, str):
            specs.append((m, {}))
        elif isinstance(m, list | tuple) and len(m) == 2 and isinstance(m[0], str):
            specs.append((m[0], dict(m[1] or {})))
        elif isinstance(m, dict) and "name" in m:
            specs.append((m["name"], {k: v for k, v in m.items() if k != "name"}))
        else:
            raise ValueError(f"cannot read ensemble member {m!r}: use 'name' or [name, params]")
    return specs


def _union(reqs: list[Requirements]) -> Requirements:
    """The requirements of predictors fitted side by side: what any needs, and what any
    uses when given (and none needs) as optional; labels always, as the ensemble's own
    ``fit`` takes the targets whatever its members are (an ensemble of training-free
    members, planned at the study's training sizes, had been fitted on the test set
    without them and failed every trial)."""
    need = Requirements(
        labels=True,
        zero_cost=any(r.zero_cost for r in reqs),
        learning_curves=any(r.learning_curves for r in reqs),
        learning_curve_epochs=tuple(sorted({e for r in reqs for e in r.learning_curve_epochs})),
        unlabelled=any(r.unlabelled for r in reqs),
        images=any(r.images for r in reqs),
        network_training=any(r.network_training for r in reqs),
        supernet=any(r.supernet for r in reqs),
    )
    # What some member uses when given (and no member needs) the ensemble takes too.
    optional = tuple(
        k
        for k in ("zero_cost", "learning_curves")
        if k not in need.side_information and any(k in r.optional for r in reqs)
    )
    return dataclasses.replace(need, optional=optional)


def _scale(p: np.ndarray, name: str) -> tuple[float, float]:
    """``(mean, std)`` of a member's predictions on the training architectures, over those
    where it is defined (a ``zc_proxy``'s NaN: one undefined proxy score had made the scale,
    and so every prediction of the ensemble, NaN); std 1 where the defined ones are equal.

    Raises
    ------
    ValueError
        The member predicts NaN for every training architecture: its predictions cannot be
        put on the ensemble's scale (naming the member).
    """
    p = np.asarray(p, dtype=np.float64)
    defined = p[~np.isnan(p)]
    if p.size and not defined.size:
        raise ValueError(
            f"EnsemblePredictor member {name!r} predicts NaN (undefined) for all {p.size} "
            "training architectures, so its predictions cannot be put on the ensemble's "
            "scale; leave it out, or train on architectures where it is defined"
        )
    if defined.size == p.size:  # (the same floats as before NaN was allowed for)
        sd = float(np.std(p))
        return float(np.mean(p)), sd if sd > 0 else 1.0
    sd = float(np.std(defined))
    return float(np.mean(defined)), sd if sd > 0 else 1.0


def _reads_zero_cost(member: Predictor) -> bool:
    """Whether ``member``, with its parameters, reads zero-cost scores: it needs or takes a
    table (``zc_proxy``, ``omni``, one with ``zero_cost_proxies`` or ``zero_cost_columns``:
    :meth:`~nasperf.predictors.base.Predictor.effective_requirements`)."""
    return "zero_cost" in requirements_of(member).accepted


def _ranks(p: np.ndarray) -> np.ndarray:
    """A member's ranks within the queried batch, divided by the number ranked, over the
    architectures where it is defined (NaN stays NaN, and leaves the member out of that
    architecture's average)."""
    undefined = np.isnan(p)
    if not undefined.any():
        return rankdata(p) / len(p)
    out = np.full(len(p), np.nan)
    defined = ~undefined
    out[defined] = rankdata(p[defined]) / defined.sum()
    return out


class _EnsembleRequirements:
    """Class access: the default members' needs; instance access: the configured ones'
    (their classes'; :meth:`EnsemblePredictor.effective_requirements` asks the members
    with their parameters)."""

    def __get__(self, obj, cls):
        members = DEFAULT_MEMBERS if obj is None else obj.members
        try:
            specs = _member_specs(members)
            reqs = [PREDICTORS.get(name).requirements for name, _ in specs]
        except (ValueError, KeyError):
            return Requirements()
        return _union(reqs)


@PREDICTORS.register("ensemble")
class EnsemblePredictor(Predictor):
    """Average of several registered predictors, fitted on the same data.

    Each member is built with the ensemble's ``space`` and a seed derived from
    ``random_state`` (in a study, also with what the study gives that predictor alone: its
    images, dataset and training epochs, :meth:`with_study_inputs`), gets the side
    information it needs or takes (the union of the members' needs is the ensemble's
    :attr:`requirements`), and predicts; a ``zero_cost`` table reaches only the members
    that read zero-cost scores (``zc_proxy``, ``omni``, one with ``zero_cost_proxies`` or
    ``zero_cost_columns``): a feature-based member takes only the columns it names, as a
    bare one does in a study (given a table that no member reads, ``fit`` says so); the ensemble averages the members' predictions
    after putting them on one scale (``combine``). Members that learn from
    different encodings, families and losses make different errors, so their average ranks
    better than most members (White et al., and the ensembles of NAS-Bench-Suite-Zero).

    Parameters
    ----------
    space, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    members : list
        Predictor names, or ``[name, params]`` pairs.
    combine : {"zscore", "rank", "mean"}
        ``"zscore"``: each member's predictions standardised with the mean and std of its
        own predictions on the training architectures (where defined), then averaged
        (keeps the margins that matter at the top of the ranking); ``"rank"``: average of
        ranks within the queried batch (ignores scale entirely, but depends on the
        batch); ``"mean"``: raw average (members predicting the same target).
    weights : list of float, optional
        Member weights (default equal).

    Attributes
    ----------
    members_ : list of Predictor
    scales_ : ndarray (n_members, 2)
        Mean and std of each member's training predictions (``zscore``).
    space_, inferred_space_, uses_zero_cost_, zero_cost_source_, zero_cost_seconds_per_arch_
        What the members recorded about the training inputs
        (:meth:`~nasperf.predictors.base.Predictor._record_members`): the space of the
        architectures (None after a feature matrix), the zero-cost columns ``predict``
        reads, where those come from (else where ``zc_proxy`` members took their scores:
        ``"table"``, ``"computed"``), and the table's recorded seconds per architecture of
        those read from a table (each proxy once), which a study charges.

    ``predict_std`` is the weighted spread of the members' standardised predictions,
    scaled back to the target's units.

    A member's NaN (a ``zc_proxy`` whose proxy is undefined on a cell: NAS-Bench-201's
    packaged table has nwot NaN on 201 cells, jacov on 341) is no number to average: its
    scale (``zscore``) and ranks (``rank``) are taken over the cells where it is defined,
    and each cell's average is over the members defined there, their weights renormalised.
    A cell is NaN only where every member is (as a bare ``zc_proxy`` is there); a member
    undefined on every training architecture is refused at ``fit``, naming it.
    """

    requirements = _EnsembleRequirements()
    has_uncertainty = True
    numeric = False
    test_params = {
        "members": [["xgb", {"n_estimators": 50}], ["xgb", {"n_estimators": 50, "max_depth": 3}]]
    }
    # Each member's parameters are validated by its own class (_validate_params).
    _parameter_constraints: ClassVar[dict] = {
        "space": SPACE,
        "members": [ListOf(PredictorSpec(_predictors))],
        "combine": [StrOptions({"zscore", "rank", "mean"})],
        "weights": [ListOf(Interval(Real, 0, None, closed="left")), None],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        members: Any = DEFAULT_MEMBERS,
        combine: str = "zscore",
        weights: Any = None,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.members = members
        self.combine = combine
        self.weights = weights
        self.random_state = random_state

    def effective_requirements(self) -> Requirements:
        """The union of the members' :meth:`~nasperf.predictors.base.Predictor.effective_requirements`
        with their parameters (an ``omni`` member, or one with ``zero_cost_proxies``, makes
        a zero-cost table optional side information of the ensemble); :attr:`requirements`
        where a member cannot be made."""
        from .. import get

        try:
            return _union([requirements_of(get(n, **p)) for n, p in _member_specs(self.members)])
        except (ValueError, KeyError, TypeError):
            return self.requirements

    @classmethod
    def with_study_inputs(cls, params: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict:
        """``params`` with a study's ``inputs`` passed on to each member, as a study passes
        them to that predictor alone (:func:`~nasperf.predictors.base.study_params`: a
        ``zc_proxy`` member gets the study's images as ``inputs``, a ``oneshot`` member its
        ``training_epochs``, each member the dataset); what a member's own parameters set
        is kept. ``space`` is not passed on: each member is built with the ensemble's. The
        members are rewritten as ``[name, params]`` pairs only where an input was added."""
        out = super().with_study_inputs(params, inputs)
        try:
            specs = _member_specs(out.get("members", DEFAULT_MEMBERS))
            classes = [PREDICTORS.get(name) for name, _ in specs]
        except (ValueError, KeyError, TypeError):
            return out  # fit's validation names the member it cannot read
        inner = {k: v for k, v in inputs.items() if k != "space"}
        filled = [study_params(c, p, inner) for (_, p), c in zip(specs, classes, strict=True)]
        if any(f != p for f, (_, p) in zip(filled, specs, strict=True)):
            out["members"] = [[name, f] for (name, _), f in zip(specs, filled, strict=True)]
        return out

    def reads_images(self) -> bool:
        """Whether any member, with its parameters, reads images (an ensemble of a
        data-free ``zc_proxy`` and trees reads none); True where a member cannot be made
        (``fit`` says why)."""
        from .. import get

        try:
            return any(get(n, **p).reads_images() for n, p in _member_specs(self.members))
        except (ValueError, KeyError, TypeError):
            return True

    def _validate_params(self) -> None:
        super()._validate_params()
        specs = _member_specs(self.members)
        for i, (name, params) in enumerate(specs):
            check_nested_params(self, f"members[{i}]", name, params)
        if self.weights is not None and (len(self.weights) != len(specs) or sum(self.weights) <= 0):
            raise InvalidParameterError(
                f"The 'weights' parameter of {type(self).__name__} must be {len(specs)} "
                f"non-negative numbers (one per member), not all 0. Got {self.weights!r} instead."
            )

    # The ensemble passes architectures and side information through to its members.
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any, y: Any = None, **side: Any) -> EnsemblePredictor:
        import time

        start = time.perf_counter()
        self._check_side(side)
        self.__dict__.pop("uses_zero_cost_", None)  # a previous fit's: not these members'
        specs = _member_specs(self.members)
        w = self._weights(len(specs))
        rng = self._rng()
        seeds = rng.integers(0, 2**31 - 1, size=len(specs))
        members, scales = [], []
        y_arr = self._check_y(y, len(archs))
        built = self._build(specs, seeds)
        refusal = self._refusal(specs, built) if side.get("zero_cost") is not None else None
        if refusal is not None:
            raise ValueError(refusal)
        for (name, _), member in zip(specs, built, strict=True):
            try:
                member.fit(archs, y_arr, **self._side_for(member, side, fit=True))
            except ValueError as err:
                if type(err) is not ValueError:
                    raise  # nasperf's own errors name their field already
                # e.g. too few rows for this member: say which member it is
                raise ValueError(f"{type(self).__name__} member {name!r}: {err}") from err
            p = member.predict(archs, **self._side_for(member, side, fit=False))
            scales.append(_scale(p, name))
            members.append(member)
        self.members_ = members
        self.weights_ = w
        self.scales_ = np.asarray(scales, dtype=np.float64)
        self.y_mean_ = float(np.mean(y_arr))
        self.y_std_ = float(np.std(y_arr)) or 1.0
        self.encoder_ = None
        self._record_members(members, side.get("zero_cost"))
        self.fit_time_ = time.perf_counter() - start
        return self

    def _weights(self, n: int) -> np.ndarray:
        if self.weights is None:
            return np.full(n, 1.0 / n)
        w = np.asarray(self.weights, dtype=np.float64)
        return w / w.sum()

    def _build(self, specs: list[tuple[str, dict]], seeds: Any = None) -> list[Predictor]:
        """The members of ``specs``, unfitted, with the ensemble's ``space`` and, where
        ``seeds`` are given, each its seed (where the member takes them)."""
        from .. import get

        built = []
        for i, (name, params) in enumerate(specs):
            valid = PREDICTORS.get(name)._get_param_names()
            kw = dict(params)
            if "space" in valid:
                kw.setdefault("space", self.space)
            if seeds is not None and "random_state" in valid:
                kw.setdefault("random_state", int(seeds[i]))
            built.append(get(name, **kw))
        return built

    def _refusal(self, specs: list[tuple[str, dict]], built: list[Predictor]) -> str | None:
        """Why a zero-cost table given to these members is refused: none reads zero-cost
        scores (``None`` where one does)."""
        if any(map(_reads_zero_cost, built)):
            return None
        return (
            f"{type(self).__name__}: zero_cost was given, but no member reads zero-cost "
            f"scores (members {[n for n, _ in specs]}); a feature-based member takes only the "
            "columns it names: set its zero_cost_proxies=[...] or zero_cost_columns=[...], or "
            "add a zc_proxy member"
        )

    def zero_cost_refusal(self) -> str | None:
        """A table given to an ensemble none of whose members reads zero-cost scores is
        refused (:meth:`fit`): the message, else ``None``."""
        specs = _member_specs(self.members)
        return self._refusal(specs, self._build(specs))

    def _side_for(self, member: Predictor, side: dict, fit: bool) -> dict:
        # Each member gets what it needs or uses when given (any subset of the ensemble's
        # side information), so a hybrid member runs with whatever the caller has. A
        # zero-cost table only where the member reads zero-cost scores (_reads_zero_cost):
        # every feature-based member had taken it, and so all its proxy columns as features
        # (a study hands the table to an ensemble for its zc_proxy member: its xgb member
        # had trained on all 11 packaged proxies, and the row was charged for them).
        need = set(requirements_of(member).accepted)
        out = {}
        for k, v in side.items():
            if k == "unlabelled" and (not fit or k not in need):
                continue
            # at predict, a member fitted on proxy columns reads them (a file saved before
            # this rule, whose tree members took the table, included)
            fitted_on = not fit and getattr(member, "uses_zero_cost_", None)
            if k == "zero_cost" and k not in need and not fitted_on:
                continue
            if k == "learning_curves" and k not in need:
                continue
            if k == "zero_cost" and not fit:
                v = self._member_zero_cost(member, v)
            out[k] = v
        return out

    def _member_zero_cost(self, member: Predictor, zero_cost: Any) -> Any:
        """An array of the ensemble's zero-cost columns (``uses_zero_cost_``, e.g. the rows
        a checkpoint gathers from a table) cut to ``member``'s columns; a table (columns by
        name) or an array of another width goes on as it is."""
        cols = list(getattr(self, "uses_zero_cost_", None) or [])
        own = list(getattr(member, "uses_zero_cost_", None) or [])
        if isinstance(zero_cost, pd.DataFrame) or not cols or own == cols:
            return zero_cost
        arr = np.asarray(zero_cost)
        if arr.ndim != 2 or arr.shape[1] != len(cols) or not set(own) <= set(cols):
            return zero_cost
        return arr[:, [cols.index(c) for c in own]]

    def _member_predictions(self, archs: Any, side: dict) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "members_")
        self._check_side(side)
        preds = [m.predict(archs, **self._side_for(m, side, fit=False)) for m in self.members_]
        P = np.vstack(preds)
        if self.combine == "zscore":
            P = (P - self.scales_[:, :1]) / self.scales_[:, 1:]
        elif self.combine == "rank":
            P = np.vstack([_ranks(p) for p in P])
        return P

    def _average(self, P: np.ndarray) -> np.ndarray:
        """Per architecture (column of ``P``, one row per member), the weighted average of
        the members defined there: a member's NaN (a proxy undefined on the cell) leaves it
        out and the others' weights are renormalised; NaN where no member of positive
        weight is defined. Columns without NaN are averaged exactly as before this rule."""
        undefined = np.isnan(P)
        if not undefined.any():
            return self.weights_ @ P
        partial = undefined.any(axis=0)
        out = np.empty(P.shape[1], dtype=np.float64)
        out[~partial] = self.weights_ @ P[:, ~partial]
        W = np.where(undefined[:, partial], 0.0, self.weights_[:, None])
        total = W.sum(axis=0)
        summed = (W * np.where(undefined[:, partial], 0.0, P[:, partial])).sum(axis=0)
        out[partial] = np.divide(summed, total, out=np.full_like(summed, np.nan), where=total > 0)
        return out

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        """The weighted average of the members' predictions on one scale (``combine``),
        float64 ``(n,)``. A member's NaN (a ``zc_proxy`` whose proxy is undefined on the
        cell) leaves that member out of the cell's average, the other members' weights
        renormalised; NaN only where no member (of positive weight) is defined, as a bare
        ``zc_proxy`` gives NaN there (the evaluation metrics rank NaN last by default)."""
        P = self._member_predictions(archs, side)
        mean = self._average(P)
        if self.combine == "zscore":
            return self.y_mean_ + self.y_std_ * mean
        return mean

    def predict_std(self, archs: Any, **side: Any) -> np.ndarray:
        """The weighted spread of the members' predictions around :meth:`predict`'s average
        (the members defined on each cell, as there), in the target's units for
        ``zscore``; NaN where :meth:`predict` is."""
        P = self._member_predictions(archs, side)
        mean = self._average(P)
        var = self._average((P - mean) ** 2)
        scale = self.y_std_ if self.combine == "zscore" else 1.0
        # A floor keeps the spread positive where all members agree exactly.
        return np.sqrt(var) * scale + 1e-9 * scale

"""Cross-validated hyper-parameter search for any registered predictor, within a budget."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import kendalltau
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError

from nasperf._constraints import RANDOM_STATE, Registered
from nasperf.encodings import as_arch_list
from nasperf.spaces import resolve_space

from .. import PREDICTORS
from ..base import (
    SPACE,
    Predictor,
    Requirements,
    _predictors,
    check_nested_params,
    check_side_rows,
    requirements_of,
    study_params,
)

#: The model tuned when ``model`` is not given.
DEFAULT_MODEL = "xgb"


def _with_labels(req: Requirements) -> Requirements:
    """``req`` with labels: the tuner scores each configuration by Kendall tau against
    the targets of held-out folds, whatever the model (a training-free ``zc_proxy``, whose
    proxy it picks, included: planned without labels, every such trial had failed with
    "needs targets y")."""
    return req if req.labels else dataclasses.replace(req, labels=True)


class _TunedRequirements:
    """Class access: the default model's needs; instance access: the configured model's
    class's (:meth:`TunedPredictor.effective_requirements` asks it with its parameters);
    labels always."""

    def __get__(self, obj, cls):
        model = DEFAULT_MODEL if obj is None else obj.model
        try:
            return _with_labels(PREDICTORS.get(model).requirements)
        except ValueError:
            return Requirements()


def _slice_side(side: dict, idx: np.ndarray) -> dict:
    out = {}
    for key, value in side.items():
        if key == "learning_curves" or (key == "zero_cost" and not isinstance(value, pd.DataFrame)):
            out[key] = np.asarray(value)[idx]
        else:
            out[key] = value  # tables keyed by architecture, unlabelled pools: shared
    return out


@PREDICTORS.register("tuned")
class TunedPredictor(Predictor):
    """Random search over a predictor's hyper-parameters, scored by cross-validated Kendall tau.

    White et al. gave every predictor a hyper-parameter search of up to 900 s per 1,000
    training architectures; this wrapper does the same for any registered predictor: it
    draws configurations from ``param_distributions`` (default: the predictor class's
    ``search_space``), scores each by the mean Kendall tau over ``cv`` folds of the training
    set, stops after ``n_iter`` configurations or when ``time_budget`` seconds are spent,
    and refits the best configuration on all the data. The default configuration is always
    tried first, so tuning never does worse on the folds than the defaults.

    The folds' scores need targets, so ``fit`` takes labels whatever the model (its
    :attr:`requirements` say ``labels``): a training-free model is tuned too, by validation,
    e.g. ``tuned(model="zc_proxy", param_distributions={"proxy": [...]})`` picks the proxy
    that ranks the labelled training architectures best (each fold's proxy is fitted on
    nothing and scored on its held-out part), and a study plans it at its training sizes
    and charges their labels.

    Parameters
    ----------
    space, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    model : str
        The registered predictor to tune.
    model_params : dict, optional
        Fixed parameters of ``model``.
    param_distributions : dict, optional
        ``{param: list of values or scipy.stats distribution}`` as
        :class:`sklearn.model_selection.ParameterSampler` takes.
    n_iter : int
        Configurations to try at most (the default one included).
    cv : int
        Folds.
    time_budget : float or None
        Seconds; ``None`` for no limit. With a budget the number of configurations tried
        depends on the machine's speed, so results are reproducible only when ``n_iter``
        is reached first (``n_tried_`` says how many were tried).

    Attributes
    ----------
    model_ : Predictor
        The best configuration, refitted on all training data.
    best_params_ : dict
    cv_results_ : list of dict
        ``{"params", "kendall_tau", "seconds"}`` per configuration tried.
    n_tried_ : int
    space_, inferred_space_, uses_zero_cost_, zero_cost_source_, zero_cost_seconds_per_arch_
        What ``model_`` recorded about the training inputs
        (:meth:`~nasperf.predictors.base.Predictor._record_members`): the space of the
        architectures (None after a feature matrix), the zero-cost columns ``predict``
        reads, and the table's recorded seconds per architecture of those read from a
        ``zero_cost`` table, which a study charges for each test architecture (a
        training-free ``model_`` records them at its first ``predict``).
    zero_cost_train_seconds_per_arch_ : float
        The same seconds for what every configuration tried read from the table (each
        column once), which a study charges for each training architecture: the folds
        scored them all there (``tuned(model="zc_proxy")`` reads every candidate proxy).
    """

    requirements = _TunedRequirements()
    numeric = False
    test_params = {"model_params": {"n_estimators": 30}, "n_iter": 3, "cv": 2}

    # model_params and the names of param_distributions are validated against the model's
    # own parameters (_validate_params).
    _parameter_constraints: ClassVar[dict] = {
        "space": SPACE,
        "model": [Registered(_predictors, "predictor", accept=lambda cls: cls.name != "tuned")],
        "model_params": [dict, None],
        "param_distributions": [dict, None],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "time_budget": [Interval(Real, 0, None, closed="left"), None],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        model: str = DEFAULT_MODEL,
        model_params: dict | None = None,
        param_distributions: dict | None = None,
        n_iter: int = 20,
        cv: int = 3,
        time_budget: float | None = 900.0,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.model = model
        self.model_params = model_params
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.cv = cv
        self.time_budget = time_budget
        self.random_state = random_state

    def _make(self, params: dict) -> Predictor:
        from .. import get

        cls = PREDICTORS.get(self.model)
        kw = {**dict(self.model_params or {}), **params}
        valid = cls._get_param_names()
        if "space" in valid:
            kw.setdefault("space", self.space)
        if "random_state" in valid:
            kw.setdefault("random_state", self._seed())
        return get(self.model, **kw)

    @classmethod
    def with_study_inputs(cls, params: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict:
        """``params`` with a study's ``inputs`` passed on to ``model_params``, as a study
        passes them to ``model`` alone (:func:`~nasperf.predictors.base.study_params`);
        what ``model_params`` set is kept, and ``space`` is not passed on (the model is
        built with this predictor's)."""
        out = super().with_study_inputs(params, inputs)
        try:
            model_cls = PREDICTORS.get(out.get("model", DEFAULT_MODEL))
        except (ValueError, KeyError, TypeError):
            return out  # its validation names the model
        inner = {k: v for k, v in inputs.items() if k != "space"}
        own = dict(out.get("model_params") or {})
        filled = study_params(model_cls, own, inner)
        if filled != own:
            out["model_params"] = filled
        # each listed value of param_distributions too, as the model takes it in its place
        # (an ensemble's members tuned there replace model_params' at fit: their zc_proxy
        # had never had the study's images, and read the packaged table without a word)
        dists = out.get("param_distributions")
        if isinstance(dists, Mapping):
            routed = {}
            for name, values in dists.items():
                if isinstance(values, list | tuple):  # (a scipy distribution: numbers)
                    values = [
                        study_params(model_cls, {name: v}, inner).get(name, v) for v in values
                    ]
                routed[name] = values
            if any(routed[n] is not dists[n] and routed[n] != list(dists[n]) for n in dists):
                out["param_distributions"] = routed
        return out

    def _candidates(self) -> list[Predictor]:
        """``model`` with ``model_params``, then with each listed value of
        ``param_distributions`` in turn (the values a search may draw, one parameter at a
        time); a value that does not make a model is left to ``fit`` to name.

        Raises
        ------
        ValueError, KeyError, TypeError
            ``model`` with ``model_params`` cannot be made.
        """
        from .. import get

        own = dict(self.model_params or {})
        out = [get(self.model, **own)]
        for name, values in (self.param_distributions or {}).items():
            for value in values if isinstance(values, list | tuple) else ():
                try:
                    out.append(get(self.model, **{**own, name: value}))
                except (ValueError, KeyError, TypeError):
                    continue
        return out

    def zero_cost_refusal(self) -> str | None:
        """The tuned model's refusal of a ``zero_cost`` table (an ``ensemble`` none of whose
        members reads zero-cost scores) where ``model_params`` and every value
        ``param_distributions`` lists refuse it; ``None`` where one takes it, or where the
        model cannot be made (``fit`` says why)."""
        try:
            refusals = [m.zero_cost_refusal() for m in self._candidates()]
        except (ValueError, KeyError, TypeError):
            return None
        if any(r is None for r in refusals):
            return None
        return f"{type(self).__name__} of {refusals[0]}"

    def reads_images(self) -> bool:
        """Whether ``model``, with ``model_params`` or any value ``param_distributions``
        lists, reads images; True where it cannot be made (``fit`` says why)."""
        try:
            return any(m.reads_images() for m in self._candidates())
        except (ValueError, KeyError, TypeError):
            return True

    def effective_requirements(self) -> Requirements:
        """The tuned model's :meth:`~nasperf.predictors.base.Predictor.effective_requirements`
        with ``model_params`` (an ``omni`` model, or ``zero_cost_proxies`` there or among
        ``param_distributions``, makes a zero-cost table optional side information), joined
        with the model's with each value ``param_distributions`` lists (an ensemble's
        ``members`` tuned there read the study's images, and the trial carries them), with
        labels (the folds are scored against targets); :attr:`requirements` where the model
        cannot be made."""
        from .ensemble import _union

        try:
            models = self._candidates()
        except (ValueError, KeyError, TypeError):
            return self.requirements
        req = _with_labels(requirements_of(models[0]))
        if len(models) > 1:
            req = _union([req, *(requirements_of(m) for m in models[1:])])
        if "zero_cost_proxies" in (self.param_distributions or {}) and (
            "zero_cost" not in req.accepted
        ):
            req = dataclasses.replace(req, optional=(*req.optional, "zero_cost"))
        return req

    def _validate_params(self) -> None:
        super()._validate_params()
        check_nested_params(self, "model_params", self.model, self.model_params)
        cls = PREDICTORS.get(self.model)
        where = f"The 'param_distributions' parameter of {type(self).__name__}"
        if self.param_distributions is None and not cls.search_space:
            raise InvalidParameterError(
                f"{where} is required: predictor {self.model!r} declares no search_space"
            )
        unknown = sorted(set(self.param_distributions or {}) - set(cls._get_param_names()))
        if unknown:
            raise InvalidParameterError(
                f"{where} names {unknown}, not parameters of predictor {self.model!r} (its "
                f"parameters are {sorted(cls._get_param_names())})"
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any, y: Any = None, **side: Any) -> TunedPredictor:
        from sklearn.model_selection import KFold, ParameterSampler

        start = time.perf_counter()
        self._check_side(side)
        dists = self.param_distributions
        if dists is None:
            dists = PREDICTORS.get(self.model).search_space
        archs = list(archs)
        y_arr = self._check_y(y, len(archs))
        if len(archs) < self.cv:
            raise ValueError(
                f"TunedPredictor scores each configuration on cv={self.cv} folds, which needs "
                f"at least {self.cv} training architectures; got {len(archs)} (lower cv)"
            )
        if side.get("learning_curves") is not None:  # rows checked (and aligned) once, here
            space = resolve_space(self.space, archs)
            check_side_rows(side, space, as_arch_list(space, archs))
        seed = self._seed()
        candidates = [{}] + list(
            ParameterSampler(dists, n_iter=max(self.n_iter - 1, 0), random_state=seed)
        )
        folds = list(KFold(self.cv, shuffle=True, random_state=seed).split(np.arange(len(archs))))
        results, tried = [], []
        for params in candidates:
            over = self.time_budget is not None and time.perf_counter() - start > self.time_budget
            if over and results:  # the default configuration is always scored
                break
            t0 = time.perf_counter()
            taus = []
            for tr, va in folds:
                m = self._make(params)
                m.fit([archs[i] for i in tr], y_arr[tr], **_slice_side(side, tr))
                pred = m.predict(
                    [archs[i] for i in va],
                    **_slice_side({k: v for k, v in side.items() if k != "unlabelled"}, va),
                )
                tau = kendalltau(pred, y_arr[va])[0]
                taus.append(0.0 if np.isnan(tau) else float(tau))
            tried.append(m)  # (each fold of a configuration reads the same columns)
            params_json = {
                k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()
            }
            results.append(
                {
                    "params": params_json,
                    "kendall_tau": float(np.mean(taus)),
                    "seconds": time.perf_counter() - t0,
                }
            )
        best = max(results, key=lambda r: r["kendall_tau"])
        self.cv_results_ = results
        self.best_params_ = best["params"]
        self.n_tried_ = len(results)
        self.model_ = self._make(self.best_params_).fit(archs, y_arr, **side)
        self.encoder_ = None
        # the training architectures were scored by every configuration tried (a
        # zc_proxy's every candidate proxy): what they all read from the table, each column
        # once; the test architectures only by the chosen one
        self._record_members([*tried, self.model_], side.get("zero_cost"))
        self.zero_cost_train_seconds_per_arch_ = self.zero_cost_seconds_per_arch_
        self._record_members([self.model_], side.get("zero_cost"))
        self.fit_time_ = time.perf_counter() - start
        return self

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        """``model_``'s predictions. A training-free ``model_`` (``zc_proxy``) says where
        it takes its scores only when it predicts: recorded then (``zero_cost_source_``,
        ``zero_cost_seconds_per_arch_``), as an ensemble records it at ``fit``."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        out = self.model_.predict(archs, **side)
        if not getattr(self, "zero_cost_source_", "") and getattr(
            self.model_, "zero_cost_source_", ""
        ):
            self._record_members([self.model_], side.get("zero_cost"))
        return out

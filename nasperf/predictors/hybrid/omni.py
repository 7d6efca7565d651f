"""OMNI: one tree model over every kind of cheap information about an architecture."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError, StrOptions

from nasperf._constraints import ListOf, Registered
from nasperf.errors import warn_caller

from .. import PREDICTORS
from ..base import (
    ENCODING,
    ZERO_COST_PROXIES,
    Predictor,
    Requirements,
    _predictors,
    check_nested_params,
)

#: Models omni can fit: predictors that learn from a feature matrix alone.
_MATRIX_MODEL = Registered(
    _predictors,
    "feature-matrix predictor",
    accept=lambda cls: cls.numeric and not cls.requirements.side_information,
)

#: ``model="auto"`` on fewer than ``AUTO_CV_REPEAT_BELOW`` training architectures repeats its
#: 5-fold cross-validation ``AUTO_CV_REPEATS`` times (other shuffles) and compares the mean
#: out-of-fold Kendall tau: one split of a few dozen rows picks the worse model often.
AUTO_CV_REPEATS = 3
AUTO_CV_REPEAT_BELOW = 100

#: Zero-cost proxies that need no data (no labels, no real images: synflow feeds ones), so
#: any space that builds networks has them; omni computes them when given no scores.
DATA_FREE_PROXIES: tuple[str, ...] = ("synflow", "params", "flops")


@PREDICTORS.register("omni", "omni_xgb")
class OmniPredictor(Predictor):
    """OMNI-style hybrid: encoding + zero-cost scores + partial learning curves -> trees.

    White et al. found that no single family wins everywhere, and that a model-based
    predictor fed the *other* families' outputs as features (zero-cost proxies, the
    accuracy after a few training epochs) beats every one of them. This predictor builds
    that feature matrix from whatever exists, any subset of

    * the architecture ``encoding`` (``None``: none);
    * zero-cost scores: the ``zero_cost`` side information (a table or an array); without
      it, the proxies named in ``zero_cost_proxies``, else the cheap data-free proxies
      ``data_free_proxies`` (synflow, params, flops), computed on the space's own networks
      (built for its default dataset: cifar10, a graph space's default graph)
      with :func:`nasperf.zero_cost.compute` (cached on disk; a study charges them at the
      seconds recorded with each architecture's scores, computed now or read from the
      cache, as it charges a table's: :mod:`nasperf.zero_cost.charges`). Spaces that build no networks
      (``build_network`` raises ``NotImplementedError``) go without, and so, with a
      ``UserWarning`` saying so, do graph spaces whose task is a graph nasperf does not ship
      (``GraphTask("syn", ...)``: pass ``zero_cost=`` computed on it);
    * partial learning curves: the ``learning_curves`` side information, when given;

    and fits a registered feature-matrix predictor on it (``model``, gradient-boosted trees
    by default). ``uses_zero_cost_``, ``zero_cost_source_`` (``"table"``, ``"array"``,
    ``"computed"`` or ``""``) and ``uses_learning_curves_`` say what it used.

    Parameters
    ----------
    space, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    encoding : str, sequence of str or None
        Default: the adjacency one-hot encoding plus GRAF's graph features (operation
        counts on input-output paths, path lengths, degrees): the trees then see both the
        exact cell and the structure that decides trainability. ``None``: side information
        only.
    data_free_proxies : sequence of str or None
        Proxies computed when no zero-cost scores are given and ``zero_cost_proxies`` is not
        set; ``None`` or ``()``: none.
    model : str
        A registered predictor that accepts feature matrices (``"xgb"``, ``"lgb"``,
        ``"ngb"``, ``"rf"``, ...), or ``"auto"`` (default): the one of ``candidates`` whose
        out-of-fold predictions on the training set rank best (Kendall tau of 5-fold
        cross-validated predictions, pooled; on fewer than ``AUTO_CV_REPEAT_BELOW``
        architectures the mean over ``AUTO_CV_REPEATS`` shuffles), refitted on all of it.
        With a handful of training architectures a Bayesian linear model of the cheap
        signals wins; with dozens or more, trees learn the interactions (measured on NB201:
        linear 0.76 vs trees 0.39 at n=10, trees 0.86 vs linear 0.70 at n=100).
    model_params : dict, optional
        Parameters of ``model`` (not used with ``"auto"``).
    candidates : sequence of str
        The models ``"auto"`` chooses from.

    Attributes
    ----------
    model_ : Predictor
        The fitted inner predictor (fitted on the feature matrix).
    model_name_ : str
        Which model was used.
    cv_scores_ : dict
        ``{candidate: out-of-fold Kendall tau}``, the mean over the shuffles where there
        were several (``"auto"`` only).

    References
    ----------
    White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
    Architecture Search?", NeurIPS 2021 (Section 6, OMNI).
    """

    requirements = Requirements(
        learning_curve_epochs=(12,), optional=("zero_cost", "learning_curves")
    )
    test_params = {"model": "xgb", "model_params": {"n_estimators": 100}}
    # model_params are validated by the model's own class (_validate_params).
    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "model": [StrOptions({"auto"}), _MATRIX_MODEL],
        "model_params": [dict, None],
        "candidates": [_MATRIX_MODEL, ListOf(_MATRIX_MODEL, unique=True)],
        # None: no architecture encoding (side information only)
        "encoding": [*ENCODING, None],
        "data_free_proxies": ZERO_COST_PROXIES,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = ("adjacency_onehot", "graf"),
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        model: str = "auto",
        model_params: dict | None = None,
        candidates: Any = ("xgb", "bayes_lin_reg"),
        data_free_proxies: Any = DATA_FREE_PROXIES,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.model = model
        self.model_params = model_params
        self.candidates = candidates
        self.data_free_proxies = data_free_proxies
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.model == "auto" and self.model_params:
            raise InvalidParameterError(
                f"The 'model_params' parameter of {type(self).__name__} must be None with "
                f"model='auto' (the candidates keep their defaults). Got {self.model_params!r} "
                "instead."
            )
        if self.model != "auto":
            check_nested_params(self, "model_params", self.model, self.model_params)

    def _zero_cost_columns(self, side: dict) -> list[str]:
        if side.get("zero_cost") is not None or self.zero_cost_proxies:
            return super()._zero_cost_columns(side)
        proxies = self.data_free_proxies
        if not proxies or isinstance(proxies, str):
            if isinstance(proxies, str):
                raise ValueError(
                    f"data_free_proxies must be a list of proxy names, got {proxies!r}"
                )
            return []
        from nasperf.zero_cost.compute import resolve_proxies

        names = resolve_proxies(list(proxies))
        first = self.space_.coerce(self.fit_archs_[0])
        if not _builds_networks(self.space_, first):
            return []
        missing = _no_inputs(self.space_)
        if missing:
            # as the searches' zero-cost warm start does: fitted without them, with a note
            warn_caller(
                f"{type(self).__name__}: no zero-cost proxies: {missing}; fitted on its other "
                "features (pass zero_cost=<a table of the proxies computed on your graph: "
                "nasperf.zero_cost.compute(..., inputs=data)> to use them)"
            )
            return []
        return names

    def _prepare_fit(self, archs: Any, y: Any, side: dict):
        X, y = super()._prepare_fit(archs, y, side)
        if self.encoder_ is not None and X.shape[1] == 0:
            raise ValueError(
                "omni has no features: give it an encoding, zero-cost scores (zero_cost=, "
                "zero_cost_proxies=, or data_free_proxies on a space that builds networks) "
                "or learning curves (learning_curves=)"
            )
        return X, y

    def _inner(self, name: str, params: dict | None) -> Predictor:
        from .. import get

        inner = get(name, **dict(params or {}))
        if "random_state" in inner.get_params():
            inner.set_params(random_state=self._seed())
        return inner

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        if self.model != "auto":
            self.model_name_ = self.model
            self.cv_scores_ = {}
            self.model_ = self._inner(self.model, self.model_params).fit(X, y)
            return
        from scipy.stats import kendalltau
        from sklearn.model_selection import KFold, cross_val_predict

        names = [self.candidates] if isinstance(self.candidates, str) else list(self.candidates)
        scores = {}
        if len(y) >= 6:
            seed = self._seed()
            repeats = AUTO_CV_REPEATS if len(y) < AUTO_CV_REPEAT_BELOW else 1
            # the same splits for every candidate: their scores are compared pairwise
            splits = [
                KFold(min(5, len(y) // 2), shuffle=True, random_state=(seed + 1000 * r) % 2**32)
                for r in range(repeats)
            ]
            for name in names:
                taus = []
                for folds in splits:
                    oof = cross_val_predict(self._inner(name, None), X, y, cv=folds)
                    tau = kendalltau(oof, y)[0]
                    taus.append(-1.0 if np.isnan(tau) else float(tau))
                scores[name] = float(np.mean(taus))
            best = max(names, key=lambda n: scores[n])
        else:
            best = names[-1]  # too few rows to cross-validate: the simplest model
        self.cv_scores_ = scores
        self.model_name_ = best
        self.model_ = self._inner(best, None).fit(X, y)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)


def _no_inputs(space: Any) -> str:
    """Why the data-free proxies cannot be computed for ``space``'s networks without data
    from the caller (``""`` where they can): a graph space whose task is a graph of the
    user's (``GraphTask("syn", ...)``), which nasperf does not ship. Data-free proxies still
    run the network on the graph (synflow propagates through its edges), and edges cannot be
    made up as an image batch's placeholder zeros can."""
    from nasperf.datasets.graphs import GRAPH_FILES, has_packaged_graph

    if getattr(space, "task_kind", "image") != "graph":
        return ""
    task = space.network_task(None)
    if has_packaged_graph(task.name):
        return ""
    return f"no packaged graph for dataset {task.name!r} (packaged: {', '.join(GRAPH_FILES)})"


def _builds_networks(space: Any, arch: Any) -> bool:
    """Whether ``space`` builds a network for ``arch`` (built on the meta device: no
    weights are allocated); False where ``build_network`` raises ``NotImplementedError``."""
    import torch

    try:
        with torch.device("meta"):
            space.build_network(arch)
    except NotImplementedError:
        return False
    return True

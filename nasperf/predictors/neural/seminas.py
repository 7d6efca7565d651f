"""SemiNAS: NAO's encoder - predictor - decoder with pseudo-labelled unlabelled architectures."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf.errors import warn_caller

from .. import PREDICTORS
from .._torch_utils import device_of, seeded
from ..base import Requirements, is_feature_matrix
from .nao import NAOPredictor

__all__ = ["SemiNASPredictor"]


@PREDICTORS.register("seminas")
class SemiNASPredictor(NAOPredictor):
    """NAO trained semi-supervised: labelled architectures, then pseudo-labelled ones.

    First the NAO model is trained on the labelled architectures exactly as
    :class:`~nasperf.predictors.neural.nao.NAOPredictor` (same seed, same model); it then labels
    the unlabelled architectures, and training continues for ``n_steps`` more steps on the
    labelled and pseudo-labelled architectures together (regression on both,
    reconstruction on both), as in SemiNAS.

    Unlabelled architectures come from the side information ``unlabelled`` (a sequence of
    architectures, or a feature matrix when the predictor is fitted on one); without it,
    ``n_unlabelled`` are sampled uniformly from the space. Their features are built like the
    training features, so with zero-cost features the table must cover them (or the scores
    are computed when ``zero_cost_proxies`` is set without a table); when they cannot be
    built (sampled architectures and a zero-cost table or array, or learning-curve
    features), pseudo-labelling is skipped with a warning.

    Parameters
    ----------
    n_unlabelled : int
        Architectures sampled when none are given (SemiNAS: 10^4 for 100 labelled; fewer
        here to keep fitting fast); 0: no pseudo-labels (NAO's fit, ``n_pseudo_ == 0``).
    Others
        See :class:`~nasperf.predictors.neural.nao.NAOPredictor`.

    Attributes
    ----------
    pseudo_labels_ : ndarray (n_pseudo,)
        The pseudo-labels (targets' units) given to the unlabelled architectures.
    n_pseudo_ : int
        How many unlabelled architectures were used (0: pseudo-labelling skipped).

    References
    ----------
    Luo, Tan, Wang, Qin, Chen & Liu, "Semi-Supervised Neural Architecture Search",
    NeurIPS 2020.
    """

    requirements = Requirements(unlabelled=True)
    test_params = {"n_steps": 600, "hidden_size": 16, "n_unlabelled": 200}

    _parameter_constraints: ClassVar[dict] = {
        **NAOPredictor._parameter_constraints,
        "n_unlabelled": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_unlabelled: int = 1000,
        token_size: int = 12,
        hidden_size: int = 48,
        trade_off: float = 0.8,
        n_steps: int = 2500,
        batch_size: int = 32,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-4,
        device: str = "cpu",
        random_state: Any = None,
    ) -> None:
        super().__init__(
            space=space,
            encoding=encoding,
            zero_cost_proxies=zero_cost_proxies,
            zero_cost_columns=zero_cost_columns,
            token_size=token_size,
            hidden_size=hidden_size,
            trade_off=trade_off,
            n_steps=n_steps,
            batch_size=batch_size,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            device=device,
            random_state=random_state,
        )
        self.n_unlabelled = n_unlabelled

    def _fit_extras(self, side: dict) -> dict:
        un = side.get("unlabelled")
        rest = {k: v for k, v in side.items() if k != "unlabelled"}
        if self.encoder_ is None:
            # Fitted on a feature matrix: unlabelled rows must be a matrix of the same width.
            if un is None:
                return {"unlabelled": None}
            U = np.asarray(un, dtype=np.float64)
            if U.ndim != 2 or U.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"unlabelled must be a feature matrix with {self.n_features_in_} columns "
                    f"like the training matrix, got shape {U.shape}"
                )
            return {"unlabelled": U}
        from nasperf.encodings import as_arch_list

        space = self.encoder_.space_
        if un is not None:
            if is_feature_matrix(un):
                raise ValueError("unlabelled must be architectures, like the training input")
            if len(un) == 0:
                raise ValueError(
                    "unlabelled: expected at least one architecture (leave it out to sample "
                    "n_unlabelled of them, or set n_unlabelled=0 to fit without pseudo-labels)"
                )
            return {"unlabelled": self._features(space, as_arch_list(space, un), rest)}
        if self.n_unlabelled == 0:  # NAO's fit: no pseudo-labels asked for
            return {"unlabelled": None}
        # Unlabelled draws may repeat (they only shape the encoder), as on small spaces.
        sampled = space.sample(int(self.n_unlabelled), self._seed(), unique=False)
        if self.uses_learning_curves_ or self.zero_cost_source_ in ("table", "array"):
            warn_caller(
                f"{type(self).__name__}: cannot build zero-cost / learning-curve features for "
                "sampled architectures; pass unlabelled= (covered by the zero_cost table) to "
                "use pseudo-labels. Fitting without them.",
            )
            return {"unlabelled": None}
        return {"unlabelled": self._features(space, sampled, rest)}

    def _fit(self, X: np.ndarray, y: np.ndarray, unlabelled: np.ndarray | None = None) -> None:
        self._setup(X, y)
        with seeded(self._seed(), device_of(self.device)) as gen:
            self._build_modules()
            ys = (y - self.y_mean_) / self.y_scale_
            self._train(X, ys, np.ones(len(y), dtype=bool), gen)
            if unlabelled is None or len(unlabelled) == 0:
                self.pseudo_labels_ = np.zeros(0)
                self.n_pseudo_ = 0
                return
            unlabelled = np.asarray(unlabelled, dtype=np.float64)
            pseudo = self._predict(unlabelled)
            self.pseudo_labels_ = pseudo
            self.n_pseudo_ = len(pseudo)
            both = np.vstack([X, unlabelled])
            ys_both = np.concatenate([ys, (pseudo - self.y_mean_) / self.y_scale_])
            self._train(both, ys_both, np.ones(len(both), dtype=bool), gen)

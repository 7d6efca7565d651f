"""A zero-cost proxy as a predictor: scikit-learn's estimator contract, no training."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from .compute import compute, resolve_proxies

__all__ = ["ZeroCostPredictor"]


class ZeroCostPredictor(BaseEstimator):
    """Predict performance by one zero-cost proxy's score (higher = better).

    ``fit`` needs no labels and trains nothing: it resolves the space and the proxy (so
    that bad names fail early) and returns ``self``. ``predict`` computes the proxy with
    :func:`nasperf.zero_cost.compute` (cached on disk), so scores are the proxy's values,
    comparable in rank, not in scale, with the target; use rank metrics (Kendall tau,
    Spearman) or :class:`sklearn.preprocessing.QuantileTransformer` to compare.

    Parameters
    ----------
    proxy : str
        A registered proxy (``nasperf.zero_cost.available()``), e.g. ``"synflow"``.
    space : str or SearchSpace
        Search space of the architectures.
    dataset : str or ImageTask
        Sets the network's classifier and the minibatch (see :func:`compute`).
    batch_size, seed, device, cache, network_kwargs, inputs
        As in :func:`nasperf.zero_cost.compute`; ``cache=True`` uses the user cache.

    Attributes
    ----------
    space_ : SearchSpace
        The resolved space.
    proxy_ : str
        The resolved (lower-case) proxy name.

    Notes
    -----
    ``predict`` returns NaN for architectures where the proxy is undefined (e.g. a
    NAS-Bench-201 cell whose output no input reaches, for the data-dependent proxies);
    ``reasons_`` (set by each ``predict``) maps their texts to the proxy's reason.
    NaN scores sort as missing in ``scipy.stats.kendalltau(..., nan_policy="omit")``;
    replace them (e.g. with ``np.nanmin(scores) - 1``) where a total order is needed.

    References
    ----------
    Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021.
    """

    def __init__(
        self,
        *,
        proxy: str = "synflow",
        space: Any = "nb201",
        dataset: Any = "cifar10",
        batch_size: int = 64,
        seed: int = 0,
        device: Any = "cpu",
        cache: Any = True,
        network_kwargs: Mapping[str, Any] | None = None,
        inputs: Any = None,
    ) -> None:
        self.proxy = proxy
        self.space = space
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
        self.cache = cache
        self.network_kwargs = network_kwargs
        self.inputs = inputs

    def fit(self, archs: Iterable[Any] | None = None, y: Any = None) -> ZeroCostPredictor:
        """Resolve space and proxy; ``archs`` and ``y`` are accepted and ignored.

        Returns
        -------
        self
        """
        from nasperf.spaces import SearchSpace, get_space

        if not isinstance(self.proxy, str):
            raise ValueError(f"proxy must be one proxy name, got {self.proxy!r}")
        names = resolve_proxies([self.proxy])
        space = get_space(self.space) if isinstance(self.space, str) else self.space
        if not isinstance(space, SearchSpace):
            raise ValueError(
                f"space must be a registered name or a SearchSpace, got {self.space!r}"
            )
        self.space_ = space
        self.proxy_ = names[0]
        return self

    def predict(self, archs: Iterable[Any]) -> np.ndarray:
        """Proxy scores of ``archs``, float64 of shape ``(len(archs),)``; NaN where undefined.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, ("space_", "proxy_"))
        archs = [self.space_.coerce(a) for a in archs]
        if not archs:
            self.reasons_ = {}
            return np.zeros(0, dtype=np.float64)
        table = compute(
            self.space_,
            archs,
            [self.proxy_],
            self.dataset,
            batch_size=self.batch_size,
            seed=self.seed,
            device=self.device,
            cache=self.cache,
            network_kwargs=self.network_kwargs,
            inputs=self.inputs,
        )
        self.reasons_ = {a: r[self.proxy_] for a, r in table.attrs["reasons"].items()}
        texts = [self.space_.to_string(a) for a in archs]
        return table[self.proxy_].reindex(texts).to_numpy(dtype=np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags

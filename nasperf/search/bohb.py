"""BOHB: Hyperband with architectures sampled from a TPE-style density ratio (Falkner et al.
2018)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from scipy.special import logsumexp
from sklearn.utils._param_validation import Interval

from .base import register
from .hyperband import Hyperband

__all__ = ["BOHB"]


@register("bohb")
class BOHB(Hyperband):
    """Hyperband whose brackets start from model-based samples.

    Brackets are those of :class:`~nasperf.search.hyperband.Hyperband`. A bracket's new
    architecture is drawn uniformly until a model exists, and afterwards still with
    probability ``random_fraction``; otherwise it is the candidate maximising ``l(x) / g(x)``,
    two kernel density estimates fitted at the highest rung that has enough observations:
    ``l`` on its best ``top_n_percent`` % (at least ``min_points_in_model``), ``g`` on the
    rest (at most ``max(min_points_in_model, (100 - top_n_percent) %)``), each with more
    rows than dimensions. The candidates are ``n_samples`` mutations (``space.mutate``) of
    architectures of ``l``'s data (BOHB samples around them) and ``n_samples`` random
    architectures, all unqueried.

    The model sees an architecture as a vector of unordered categorical variables read from
    the space's cell graphs (:meth:`~nasperf.spaces.SearchSpace.graph_batch`), so any space
    works: every node's label (its operation) and every node's set of predecessors, the
    information of the adjacency one-hot encoding with one variable per node instead of a
    one-hot group and a row of adjacency bits. Variables constant over every architecture
    observed so far are left out; ``d``, the dimension, counts the rest (NAS-Bench-301: 32,
    the operation and the input of each of the 16 operations; NAS-Bench-201: 13, the 6
    operations and 7 predecessor sets that ``none`` operations change). Each density is a product of Aitchison-Aitken
    kernels (a match weighs ``1 - h``, a mismatch ``h / (c - 1)``, ``c`` the levels
    observed so far) with the normal-reference bandwidth BOHB uses,
    ``h = 1.06 s n^(-1/(4 + d))``, clipped to ``[min_bandwidth, (c - 1) / c]``; the spread
    ``s = sqrt((1 - sum_k p_k^2) / 2)`` of a variable's level frequencies ``p_k`` is the
    standard deviation of its codes for a binary variable and, unlike the standard
    deviation of level indices, does not depend on their numbering. (statsmodels'
    ``KDEMultivariate``, which BOHB uses, takes the standard deviation of the indices, leaves
    ``h`` unclipped, and counts levels in the fitted rows alone, dividing by zero on a
    variable constant among the good architectures; hence this small kernel instead.)

    Parameters
    ----------
    eta, min_fidelity, max_fidelity
        As for :class:`~nasperf.search.hyperband.Hyperband`.
    min_points_in_model : int, optional
        Observations a rung needs before a model is fitted there (default ``d + 1``).
    top_n_percent : float
        Share of a rung's observations (in %) in the good density ``l``.
    n_samples : int
        Mutated candidates (and as many random ones) per model-based sample.
    random_fraction : float
        Probability of a uniform sample once a model exists.
    min_bandwidth : float
        Smallest kernel bandwidth.

    Attributes
    ----------
    model_fidelity_ : str or None
        The rung of the model used by the last sample (None: no model yet).
    model_samples_ : list of str
        Architectures (text) that the model proposed, in order.

    References
    ----------
    Falkner, Klein & Hutter, "BOHB: Robust and Efficient Hyperparameter Optimization at
    Scale", ICML 2018. Bergstra, Bardenet, Bengio & Kegl, "Algorithms for Hyper-Parameter
    Optimization" (TPE), NeurIPS 2011.
    """

    moves_locally = True  # its candidates are mutations of good architectures
    ranks_candidates = True  # by the density ratio of good to bad

    _parameter_constraints: ClassVar[dict] = {
        **Hyperband._parameter_constraints,
        "min_points_in_model": [Interval(Integral, 1, None, closed="left"), None],
        "top_n_percent": [Interval(Real, 0, 100, closed="neither")],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "random_fraction": [Interval(Real, 0, 1, closed="both")],
        "min_bandwidth": [Interval(Real, 0, None, closed="neither")],
    }

    single_rung_behaviour = (
        "sampling from its density-ratio model (random until the rung holds enough results)"
    )

    def __init__(
        self,
        *,
        eta: float = 3,
        min_fidelity: str | None = None,
        max_fidelity: str | None = None,
        min_points_in_model: int | None = None,
        top_n_percent: float = 15,
        n_samples: int = 64,
        random_fraction: float = 1 / 3,
        min_bandwidth: float = 1e-3,
    ) -> None:
        super().__init__(eta=eta, min_fidelity=min_fidelity, max_fidelity=max_fidelity)
        self.min_points_in_model = min_points_in_model
        self.top_n_percent = top_n_percent
        self.n_samples = n_samples
        self.random_fraction = random_fraction
        self.min_bandwidth = min_bandwidth

    def setup(self, context, rng) -> None:
        super().setup(context, rng)
        self.known_: dict[str, Any] = {}
        self.model_fidelity_: str | None = None
        self.model_samples_: list[str] = []

    def tell(self, queries, values) -> None:
        for q in queries:
            self.known_.setdefault(self.key(q.arch), q.arch)
        super().tell(queries, values)

    # ------------------------------------------------------------------ the model
    def _vectors(self, archs: list) -> np.ndarray:
        """Categorical codes, one row per architecture: every node's label (padding -1),
        then every node's set of predecessors (codes comparable within one call only)."""
        batch = self.space_.graph_batch(archs)
        columns = [batch.ops.reshape(len(archs), -1).astype(np.int64)]
        for c in range(batch.n_cells):
            for j in range(1, batch.max_nodes):
                _, code = np.unique(batch.adjacency[:, c, :j, j], axis=0, return_inverse=True)
                columns.append(code.reshape(-1, 1))
        return np.hstack(columns)

    def _split(self) -> tuple[str, np.ndarray, np.ndarray] | None:
        """The model's rung and its good and bad observations (indices), or None."""
        known = list(self.known_.values())
        if len(known) < 2:
            return None
        X = self._vectors(known)
        d = int((X != X[:1]).any(axis=0).sum())
        if d == 0:
            return None
        min_points = self.min_points_in_model or d + 1
        for fid in reversed(self.rungs_):
            obs = self.observations_.get(fid, [])
            n = len(obs)
            if n < min_points:
                continue
            n_good = max(min_points, int(self.top_n_percent * n / 100))
            n_bad = max(min_points, int((100 - self.top_n_percent) * n / 100))
            order = np.argsort(-np.array([v for _, v in obs]), kind="stable")
            good, bad = order[:n_good], order[n_good : n_good + n_bad]
            if len(good) > d and len(bad) > d:
                return fid, good, bad
        return None

    def log_density_ratio(self, archs: list) -> np.ndarray | None:
        """``log l(x) - log g(x)`` of ``archs`` under the model the next sample would use
        (None while no rung has enough observations)."""
        split = self._split()
        return None if split is None else self._ratio(split, list(archs))

    def _ratio(self, split: tuple[str, np.ndarray, np.ndarray], archs: list) -> np.ndarray:
        fid, good, bad = split
        known = list(self.known_.values())
        X = self._vectors(known + archs)
        X_known, X_new = X[: len(known)], X[len(known) :]
        cols = (X_known != X_known[:1]).any(axis=0)
        X_known, X_new = X_known[:, cols], X_new[:, cols]
        levels = np.array([max(2, len(np.unique(c))) for c in X_known.T], dtype=np.float64)
        pos = {k: i for i, k in enumerate(self.known_)}
        rows = np.array([pos[self.key(a)] for a, _ in self.observations_[fid]])
        X_obs = X_known[rows]
        return self._log_kde(X_obs[good], levels, X_new) - self._log_kde(X_obs[bad], levels, X_new)

    def _log_kde(self, data: np.ndarray, levels: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Log density at ``x`` of the product Aitchison-Aitken KDE of ``data``."""
        n, d = data.shape
        # The normal-reference rule on each variable's one-hot indicator: the spread
        # sqrt((1 - sum_k p_k^2) / 2) is the standard deviation of a binary variable's 0/1
        # codes (BOHB's rule there) and does not depend on how the levels are numbered.
        spread = np.empty(d)
        for j in range(d):
            _, counts = np.unique(data[:, j], return_counts=True)
            spread[j] = np.sqrt((1.0 - np.sum((counts / n) ** 2)) / 2.0)
        h = np.clip(
            1.06 * spread * n ** (-1.0 / (4 + d)), self.min_bandwidth, (levels - 1) / levels
        )
        match = x[:, None, :] == data[None, :, :]  # (m, n, d)
        log_k = np.where(match, np.log1p(-h), np.log(h / (levels - 1)))
        return logsumexp(log_k.sum(axis=2), axis=1) - np.log(n)

    def _sample(self, fidelity: str) -> Any:
        split = self._split()
        self.model_fidelity_ = None if split is None else split[0]
        if split is None or self.rng_.random() < self.random_fraction:
            return self.random_new()
        fid, good, _ = split
        obs = self.observations_[fid]
        cands, keys = [], set()
        for k in range(2 * self.n_samples):
            if k < self.n_samples:
                parent = obs[int(good[int(self.rng_.integers(len(good)))])][0]
                arch = self.space_.mutate(parent, self.rng_)
            else:
                arch = self.space_.random_architecture(self.rng_)
            key = self.network_key(arch)
            if key not in self.seen_ and key not in keys:
                keys.add(key)
                cands.append(arch)
        if not cands:
            return self.random_new()
        best = cands[int(np.argmax(self._ratio(split, cands)))]
        self.model_samples_.append(self.key(best))
        return best

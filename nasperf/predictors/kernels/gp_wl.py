"""GP with a Weisfeiler-Lehman graph kernel on cell graphs (NAS-BOWL)."""

from __future__ import annotations

import hashlib
from collections import Counter
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval
from threadpoolctl import threadpool_limits

from .. import PREDICTORS
from ..base import GRAPH_ENCODING, Predictor

_LOG_2PI = float(np.log(2 * np.pi))


def _short_hash(text: str) -> str:
    # Stable across processes (unlike hash()), so saved vocabularies stay valid.
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _graph_arrays(data) -> tuple[list[str], list[list[tuple[str, int]]]]:
    """Initial node labels and, per node, its in-neighbours as ``(edge label, node)``.

    Reads a ``torch_geometric`` graph generically: a node's label is its cell index (when
    the graph holds several cells) and the non-zero columns of its ``x`` row; an edge's
    label the non-zero columns of its ``edge_attr`` row (empty when there is none).
    """
    x = data.x.detach().cpu().numpy()
    n = x.shape[0]
    cell = getattr(data, "cell", None)
    cell = cell.detach().cpu().numpy() if cell is not None else np.zeros(n, dtype=np.int64)
    labels = [f"{int(cell[i])}:" + ",".join(str(j) for j in np.flatnonzero(x[i])) for i in range(n)]
    ei = data.edge_index.detach().cpu().numpy()
    ea = getattr(data, "edge_attr", None)
    ea = ea.detach().cpu().numpy() if ea is not None else None
    preds: list[list[tuple[str, int]]] = [[] for _ in range(n)]
    for k in range(ei.shape[1]):
        elabel = "" if ea is None else ",".join(str(j) for j in np.flatnonzero(ea[k]))
        preds[int(ei[1, k])].append((elabel, int(ei[0, k])))
    return labels, preds


def wl_features(graphs: list, n_iterations: int) -> list[Counter]:
    """Weisfeiler-Lehman subtree features of each graph: a ``Counter`` of labels.

    Iteration 0 counts the initial node labels; iteration ``h`` relabels every node by
    its label and the sorted multiset of its in-neighbours' ``(edge label, label)``
    (information flows along the cell's edges), and counts the new labels. Features of
    different iterations are kept apart by an ``h<k>:`` prefix.
    """
    out = []
    for g in graphs:
        labels, preds = _graph_arrays(g)
        feats = Counter(f"h0:{lb}" for lb in labels)
        for h in range(1, n_iterations + 1):
            labels = [
                _short_hash(
                    labels[v] + "|" + ";".join(sorted(f"{e}/{labels[u]}" for e, u in preds[v]))
                )
                for v in range(len(labels))
            ]
            feats.update(f"h{h}:{lb}" for lb in labels)
        out.append(feats)
    return out


@PREDICTORS.register("gp_wl", "nas_bowl")
class GPWLPredictor(Predictor):
    """Gaussian process with a normalised Weisfeiler-Lehman subtree kernel (NAS-BOWL).

    Each architecture's cell graphs (the ``graph`` encoding, operations on nodes by
    default: generic for every space) are summarised by WL subtree counts
    :func:`wl_features`; the kernel is their inner product normalised to
    ``k(a, a) = 1``. Features never seen in training add only to a test graph's norm. The
    GP has a zero mean on standardised targets, kernel ``s2 * k`` and Gaussian noise; the
    WL depth ``h`` (from 1 to ``max_iterations``), ``s2`` and the noise maximise the log
    marginal likelihood, computed for all ``(s2, noise)`` from one eigendecomposition
    of the kernel matrix per depth. ``predict_std`` is the predictive standard deviation
    of a new observation (latent variance plus noise).

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`. ``encoding`` must give graphs
        (``"graph"``); the model is deterministic and ``random_state`` is unused.
    n_iterations : int or None
        WL depth ``h``; None chooses it by marginal likelihood.
    max_iterations : int
        Largest depth tried when ``n_iterations`` is None.
    min_noise : float
        Lower bound on the noise variance (standardised-target units).

    Attributes
    ----------
    n_iterations_ : int
    vocabulary_ : list of str
        WL features seen in training (columns of ``phi_train_``).
    phi_train_ : ndarray (n_train, n_vocabulary)
        Training feature counts.
    norm_train_ : ndarray (n_train,)
        Their Euclidean norms.
    alpha_ : ndarray (n_train,)
        ``(s2 K + noise I)^-1 y`` (standardised y).
    k_inv_ : ndarray (n_train, n_train)
        ``(s2 K + noise I)^-1``.
    outputscale_, noise_, y_mean_, y_scale_ : float

    References
    ----------
    Ru, Wan, Dong & Osborne, "Interpretable Neural Architecture Search via Bayesian
    Optimisation with Weisfeiler-Lehman Kernels", ICLR 2021; Shervashidze et al.,
    "Weisfeiler-Lehman Graph Kernels", JMLR 2011.
    """

    has_uncertainty = True
    numeric = False
    test_params: dict = {}

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "encoding": GRAPH_ENCODING,
        "n_iterations": [Interval(Integral, 0, None, closed="left"), None],
        "max_iterations": [Interval(Integral, 0, None, closed="left")],
        "min_noise": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "graph",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_iterations: int | None = None,
        max_iterations: int = 3,
        min_noise: float = 1e-4,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_iterations = n_iterations
        self.max_iterations = max_iterations
        self.min_noise = min_noise
        self.random_state = random_state

    @staticmethod
    def _check_graphs(X: Any) -> list:
        if not isinstance(X, list) or not X or not hasattr(X[0], "edge_index"):
            raise ValueError(
                "gp_wl needs graph inputs: use encoding='graph' (architectures, not a feature "
                "matrix)"
            )
        return X

    def _matrix(self, feats: list[Counter], vocab: dict) -> tuple[np.ndarray, np.ndarray]:
        phi = np.zeros((len(feats), len(vocab)), dtype=np.float64)
        norm2 = np.zeros(len(feats))
        for i, f in enumerate(feats):
            for key, c in f.items():
                norm2[i] += c * c
                j = vocab.get(key)
                if j is not None:
                    phi[i, j] = c
        return phi, np.sqrt(norm2)

    @staticmethod
    def _best_hyper(evals: np.ndarray, proj2: np.ndarray, min_noise: float):
        """Maximise the log marginal likelihood over (s2, noise) on a log grid, then refine."""
        n = len(evals)

        def lml(s2, noise):
            d = s2 * evals + noise
            return -0.5 * np.sum(proj2 / d) - 0.5 * np.sum(np.log(d)) - 0.5 * n * _LOG_2PI

        best = (-np.inf, 1.0, 0.1)
        for s2 in np.logspace(-2, 2, 41):
            for noise in np.logspace(np.log10(min_noise), 1, 41):
                v = lml(s2, noise)
                if v > best[0]:
                    best = (v, s2, noise)
        from scipy.optimize import minimize

        res = minimize(
            lambda p: -lml(np.exp(p[0]), np.exp(p[1])),
            x0=np.log(best[1:]),
            method="L-BFGS-B",
            bounds=[(np.log(1e-3), np.log(1e3)), (np.log(min_noise), np.log(1e2))],
        )
        if -res.fun > best[0]:
            best = (-float(res.fun), float(np.exp(res.x[0])), float(np.exp(res.x[1])))
        return best

    def _fit(self, X: Any, y: np.ndarray) -> None:
        from ._exact import warn_if_cubic

        graphs = self._check_graphs(X)
        warn_if_cubic(type(self).name or "gp_wl", len(y))
        if self.n_iterations is not None and self.n_iterations < 0:
            raise ValueError(f"n_iterations must be >= 0 or None, got {self.n_iterations}")
        if self.max_iterations < 0:
            raise ValueError(f"max_iterations must be >= 0, got {self.max_iterations}")
        self.y_mean_ = float(y.mean())
        self.y_scale_ = float(y.std()) or 1.0
        t = (y - self.y_mean_) / self.y_scale_
        depths = (
            [self.n_iterations]
            if self.n_iterations is not None
            else list(range(1, self.max_iterations + 1)) or [0]
        )
        all_feats = wl_features(graphs, max(depths))
        best = None
        for h in depths:
            feats = [
                Counter({k: c for k, c in f.items() if int(k[1 : k.index(":")]) <= h})
                for f in all_feats
            ]
            vocab_list = sorted({k for f in feats for k in f})
            vocab = {k: j for j, k in enumerate(vocab_list)}
            phi, norm = self._matrix(feats, vocab)
            K = (phi @ phi.T) / np.outer(norm, norm)
            with threadpool_limits(1):
                # One thread: faster than contended BLAS threads at these sizes.
                evals, evecs = np.linalg.eigh(K)
            evals = np.clip(evals, 0.0, None)
            proj2 = (evecs.T @ t) ** 2
            val, s2, noise = self._best_hyper(evals, proj2, self.min_noise)
            if best is None or val > best[0]:
                best = (val, h, s2, noise, vocab_list, phi, norm, evals, evecs)
        _, h, s2, noise, vocab_list, phi, norm, evals, evecs = best
        inv_d = 1.0 / (s2 * evals + noise)
        self.n_iterations_ = int(h)
        self.vocabulary_ = vocab_list
        self.phi_train_ = phi
        self.norm_train_ = norm
        self.k_inv_ = (evecs * inv_d) @ evecs.T
        self.alpha_ = self.k_inv_ @ t
        self.outputscale_ = float(s2)
        self.noise_ = float(noise)
        self.log_marginal_likelihood_ = float(best[0])

    def _cross(self, X: Any) -> np.ndarray:
        graphs = self._check_graphs(X)
        vocab = {k: j for j, k in enumerate(self.vocabulary_)}
        phi, norm = self._matrix(wl_features(graphs, self.n_iterations_), vocab)
        return (phi @ self.phi_train_.T) / np.outer(norm, self.norm_train_)

    def _predict(self, X: Any) -> np.ndarray:
        ks = self.outputscale_ * self._cross(X)
        return (ks @ self.alpha_) * self.y_scale_ + self.y_mean_

    def _predict_std(self, X: Any) -> np.ndarray:
        ks = self.outputscale_ * self._cross(X)
        var = self.outputscale_ - np.einsum("ij,jk,ik->i", ks, self.k_inv_, ks) + self.noise_
        return np.sqrt(np.clip(var, self.noise_, None)) * self.y_scale_

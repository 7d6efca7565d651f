"""The learning-curve prior the LC-PFN extrapolator is trained on (private).

A prior-data fitted network (PFN) learns Bayesian inference for one prior: it is trained on
curves drawn from it, and its prediction for a partial curve approximates the posterior
predictive distribution under that prior. This module defines the prior and draws training
tasks (partial curves and the values to predict) from it.

The prior (one curve)
---------------------
Time is the fraction of the training budget, ``t = epoch / E`` in ``(0, 1]``:

* ``E ~ round(logUniform(20, 250))`` epochs, so the first epoch is at ``t = 1/E`` and the
  number and spacing of observed points vary from curve to curve;
* the final value ``y(E)``: for half of the curves ``1 - err``, ``err ~ logUniform(0.005,
  0.5)`` (easy tasks: 0.5 to 0.995, most above 0.9), for the other half
  ``Uniform(0.02, 0.95)`` (hard tasks and broken networks: NAS-Bench-201's CIFAR-100 and
  ImageNet16-120 end at 20 to 70 %, cells without a path at chance level);
* the first-epoch value ``y(1) = y(E) * r`` with ``r ~ Uniform(0.1, 1)`` (from near chance to
  an already flat curve);
* in between, ``y(x) = y(1) + (y(E) - y(1)) * sum_f w_f G_f(x)``, ``w ~ Dirichlet(1, 1, 1)``
  over three increasing, saturating families (LC-PFN's), each rescaled to ``G_f(1) = 0``,
  ``G_f(E) = 1`` (``x`` in epochs):

  - pow3: ``g(x) = -(x + x0)^(-alpha)``, ``alpha ~ logNormal(log 0.5, 1)`` (``alpha`` of 2-3
    is a curve that is flat after a few epochs, ``alpha`` near 0 one linear in ``log x``),
    ``x0 = E u``, ``u ~ logUniform(0.001, 0.3)``: an offset (LC-PFN's pow4) that lets a curve
    start slowly, S-shaped in ``log x``, as with learning-rate warm-up;
  - ilog2: ``g(x) = -1 / log(1 + x / s)``, ``s ~ logUniform(0.05, 20)``;
  - janoschek: ``g(x) = -exp(-m (x / E)^delta)``, ``m ~ logUniform(0.3, 30)`` (e-folds done
    by the end: small is still rising steeply at ``E``), ``delta ~ logNormal(0, 0.5)``
    (above 1: a slow start, an S-shaped curve);

  this parametric part is increasing, saturating at most at its own rate, in ``[0, 1]``;
* the families run on warped epochs ``x' = E tau(x / E)``, ``tau(t) = t + beta sin(pi t) / pi``
  with ``beta ~ Uniform(0, 1)``: the cumulative learning rate of a cosine schedule of
  strength ``beta`` (1: annealed to zero at ``E``). Schedules tied to the budget (cosine
  annealing in NAS-Bench-201 / 301, LCBench) make curves converge by the last epoch, which
  saturating families in plain epochs cannot express;
* smooth deviations from the parametric part: ``A f(t)`` is added, ``f`` a draw of a
  Gaussian process in ``t`` with unit variance and an RBF kernel of length scale
  ``l ~ logUniform(0.03, 0.5)`` (32 random Fourier features), ``A ~ logUniform(0.005, 0.08)``
  (0.5 to 8 accuracy points). Real curves are not exactly saturating families (overfitting,
  bumps of the schedule, a surrogate's smooth errors). Without this term the network takes
  the exact shape of a partial curve as a promise about its future and over-extrapolates
  small differences in slope (on NAS-Bench-301 surrogate curves seen for 25 % of the budget,
  its ranking of final accuracies fell to Kendall tau 0.20, against 0.30 with the term and
  0.43 for the last observed value); with it, part of a partial curve's detail is deviation
  that need not persist, and the posterior trusts the shape less;
* observations are the curve plus Gaussian noise, ``log sigma ~ Normal(-4, 1)`` (the noise
  prior of LC-PFN's code), independent per epoch, clipped to ``[0, 1]``.

Unlike LC-PFN (whose curves live on a fixed grid of 100 epochs and whose families have
free asymptotes, with rejection of curves leaving ``[0, 1]``), the families here are tied
to their values at the first and last epoch, so the distributions of the start, the end and
the shape are set separately and no sample is rejected.

Training tasks
--------------
:func:`sample_tasks` cuts each curve at ``L = round(c E)`` epochs, ``c`` from 1 % to 90 %
of the budget (half uniform, half log-uniform), and observes: 10 % of the curves at epoch
``L`` only (as NAS-Bench-201's 12 of 200 epochs), 45 % at every epoch ``1..L`` (evenly
thinned to ``max_obs`` points, as :func:`thin_epochs` does at prediction time), 45 % at a
random subset of ``1..L-1`` plus ``L``. The values to predict are at ``E`` and at random
later epochs in ``(L, E]``.

References
----------
Adriaensen, Rakotoarison, Müller & Hutter, "Efficient Bayesian Learning Curve Extrapolation
using Prior-Data Fitted Networks", NeurIPS 2023. Domhan, Springenberg & Hutter, "Speeding up
Automatic Hyperparameter Optimization of Deep Neural Networks by Extrapolation of Learning
Curves", IJCAI 2015 (the parametric families).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["CurvePrior", "CurveSample", "sample_tasks", "thin_epochs"]

FAMILIES: tuple[str, ...] = ("pow3", "ilog2", "janoschek")


@dataclasses.dataclass(frozen=True)
class CurveSample:
    """Parameters of ``n`` curves drawn from :class:`CurvePrior` (arrays of shape ``(n,)``,
    ``weights`` ``(n, 3)`` over pow3, ilog2, janoschek)."""

    final_epoch: np.ndarray
    y_first: np.ndarray
    y_final: np.ndarray
    weights: np.ndarray
    pow3_alpha: np.ndarray
    pow3_offset: np.ndarray
    ilog2_scale: np.ndarray
    janoschek_rate: np.ndarray
    janoschek_delta: np.ndarray
    anneal: np.ndarray
    noise: np.ndarray
    deviation_amp: np.ndarray | None = None
    deviation_freq: np.ndarray | None = None
    deviation_phase: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.final_epoch)


@dataclasses.dataclass(frozen=True)
class CurvePrior:
    """The prior over learning curves (see the module docstring for its definition).

    Ranges are ``(low, high)`` of log-uniform or uniform draws; log-normal settings are
    ``(mean, std)`` of the logarithm. ``deviation_prob`` is the share of curves with smooth
    deviations (0: none, and the random stream of a prior without them).
    """

    final_epoch_range: tuple[int, int] = (20, 250)
    final_error_range: tuple[float, float] = (0.005, 0.5)
    hard_task_prob: float = 0.5
    hard_final_range: tuple[float, float] = (0.02, 0.95)
    start_ratio_range: tuple[float, float] = (0.1, 1.0)
    dirichlet_concentration: float = 1.0
    pow3_log_alpha: tuple[float, float] = (float(np.log(0.5)), 1.0)
    pow3_offset_range: tuple[float, float] = (0.001, 0.3)
    ilog2_scale_range: tuple[float, float] = (0.05, 20.0)
    janoschek_rate_range: tuple[float, float] = (0.3, 30.0)
    janoschek_log_delta: tuple[float, float] = (0.0, 0.5)
    anneal_range: tuple[float, float] = (0.0, 1.0)
    log_noise: tuple[float, float] = (-4.0, 1.0)
    deviation_prob: float = 1.0
    deviation_amp_range: tuple[float, float] = (0.005, 0.08)
    deviation_length_range: tuple[float, float] = (0.03, 0.5)
    deviation_features: int = 32

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON values."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CurvePrior:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, rng: np.random.Generator) -> CurveSample:
        """Draw the parameters of ``n`` curves."""

        e_lo, e_hi = self.final_epoch_range
        final_epoch = np.clip(np.round(_log_uniform(rng, (e_lo, e_hi), n)), e_lo, e_hi).astype(
            np.int64
        )
        y_final = np.where(
            rng.random(n) < self.hard_task_prob,
            rng.uniform(*self.hard_final_range, n),
            1.0 - _log_uniform(rng, self.final_error_range, n),
        )
        y_first = y_final * rng.uniform(*self.start_ratio_range, n)
        weights = rng.dirichlet(np.full(len(FAMILIES), self.dirichlet_concentration), n)
        return self._with_deviations(
            CurveSample(
                final_epoch=final_epoch,
                y_first=y_first,
                y_final=y_final,
                weights=weights,
                pow3_alpha=np.exp(rng.normal(*self.pow3_log_alpha, n)),
                pow3_offset=final_epoch * _log_uniform(rng, self.pow3_offset_range, n),
                ilog2_scale=_log_uniform(rng, self.ilog2_scale_range, n),
                janoschek_rate=_log_uniform(rng, self.janoschek_rate_range, n),
                janoschek_delta=np.exp(rng.normal(*self.janoschek_log_delta, n)),
                anneal=rng.uniform(*self.anneal_range, n),
                noise=np.exp(rng.normal(*self.log_noise, n)),
            ),
            rng,
        )

    def _with_deviations(self, curves: CurveSample, rng: np.random.Generator) -> CurveSample:
        """Draw the smooth deviations (random Fourier features of a Gaussian process with an
        RBF kernel in ``t``); none, and no random numbers used, when ``deviation_prob`` is 0."""
        if self.deviation_prob <= 0.0:
            return curves
        n, k = len(curves), int(self.deviation_features)
        amp = _log_uniform(rng, self.deviation_amp_range, n) * (rng.random(n) < self.deviation_prob)
        length = _log_uniform(rng, self.deviation_length_range, n)
        return dataclasses.replace(
            curves,
            deviation_amp=amp,
            deviation_freq=rng.standard_normal((n, k)) / length[:, None],
            deviation_phase=rng.uniform(0.0, 2.0 * np.pi, (n, k)),
        )

    @staticmethod
    def mean(curves: CurveSample, epochs: np.ndarray) -> np.ndarray:
        """Values of the curves without observation noise (the parametric part plus the smooth
        deviations, not clipped) at ``epochs`` (``(n, m)`` or ``(m,)``, in epochs
        ``1..E``), shape ``(n, m)``."""
        x = np.broadcast_to(
            np.asarray(epochs, dtype=np.float64), (len(curves), np.shape(epochs)[-1])
        )
        E = curves.final_epoch[:, None].astype(np.float64)
        beta = curves.anneal[:, None]
        t_plain = x / E

        def warp(z):
            t = z / E
            return E * (t + beta * np.sin(np.pi * t) / np.pi)

        x, one = warp(x), warp(np.ones_like(E))

        def rescaled(g):
            g1, gE = g(one), g(E)
            return (g(x) - g1) / (gE - g1)

        a = curves.pow3_alpha[:, None]
        x0 = curves.pow3_offset[:, None]
        s = curves.ilog2_scale[:, None]
        m = curves.janoschek_rate[:, None]
        d = curves.janoschek_delta[:, None]
        shapes = (
            rescaled(lambda z: -((z + x0) ** (-a))),
            rescaled(lambda z: -1.0 / np.log1p(z / s)),
            rescaled(lambda z: -np.exp(-m * (z / E) ** d)),
        )
        w = curves.weights
        shape = sum(w[:, i : i + 1] * g for i, g in enumerate(shapes))
        y1, yE = curves.y_first[:, None], curves.y_final[:, None]
        out = y1 + (yE - y1) * shape
        if curves.deviation_amp is not None:
            k = curves.deviation_freq.shape[1]
            phase = t_plain[:, :, None] * curves.deviation_freq[:, None, :]
            phase += curves.deviation_phase[:, None, :]
            out = out + curves.deviation_amp[:, None] * np.sqrt(2.0 / k) * np.cos(phase).sum(-1)
        return out

    @classmethod
    def observe(
        cls, curves: CurveSample, epochs: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Noisy observations at ``epochs`` (independent per entry), clipped to ``[0, 1]``."""
        mu = cls.mean(curves, epochs)
        return np.clip(mu + curves.noise[:, None] * rng.standard_normal(mu.shape), 0.0, 1.0)


def _log_uniform(rng: np.random.Generator, lo_hi: tuple[float, float], size) -> np.ndarray:
    """Log-uniform draws in ``[lo, hi]``."""
    return np.exp(rng.uniform(np.log(lo_hi[0]), np.log(lo_hi[1]), size))


def thin_epochs(k: int, max_obs: int) -> np.ndarray:
    """Positions of at most ``max_obs`` of ``k`` observed points, evenly spread over the
    index and keeping the first and last (the same rule in training and prediction)."""
    if k <= max_obs:
        return np.arange(k)
    return np.unique(np.round(np.linspace(0, k - 1, max_obs)).astype(np.int64))


def sample_tasks(
    prior: CurvePrior,
    n: int,
    rng: np.random.Generator,
    *,
    max_obs: int = 32,
    n_query: int = 8,
    cutoff_range: tuple[float, float] = (0.01, 0.9),
) -> dict[str, np.ndarray]:
    """``n`` training tasks: partial curves and later values to predict (module docstring).

    Returns
    -------
    dict with float32 ``x_obs``, ``y_obs`` ``(n, K)`` (K <= ``max_obs``: the longest partial
    curve; times ``epoch / E`` and values, zero-padded), bool ``obs_mask`` ``(n, K)`` (True
    for real points), float32 ``x_query``, ``y_query`` ``(n, n_query)`` (the first query is
    at ``t = 1``).
    """
    curves = prior.sample(n, rng)
    E = curves.final_epoch
    lo, hi = cutoff_range
    c = np.where(
        rng.random(n) < 0.5,
        rng.uniform(lo, hi, n),
        np.exp(rng.uniform(np.log(lo), np.log(hi), n)),
    )
    last = np.clip(np.round(c * E), 1, E - 1).astype(np.int64)
    mode = rng.random(n)
    obs_epochs = []
    for i in range(n):
        L = int(last[i])
        if mode[i] < 0.1:
            ep = np.array([L])
        elif mode[i] < 0.55:
            ep = 1 + thin_epochs(L, max_obs)
        else:
            k = int(rng.integers(1, min(L, max_obs) + 1))
            ep = np.sort(np.append(rng.choice(L - 1, size=k - 1, replace=False) + 1, L))
        obs_epochs.append(ep)
    K = max(len(ep) for ep in obs_epochs)
    ep_obs = np.ones((n, K), dtype=np.int64)
    mask = np.zeros((n, K), dtype=bool)
    for i, ep in enumerate(obs_epochs):
        ep_obs[i, : len(ep)] = ep
        mask[i, : len(ep)] = True
    # query epochs: E, then uniform in (L, E]
    u = rng.random((n, n_query - 1))
    ep_q = np.concatenate(
        [E[:, None], last[:, None] + 1 + np.floor(u * (E - last)[:, None]).astype(np.int64)], 1
    )
    y_obs = np.where(mask, CurvePrior.observe(curves, ep_obs, rng), 0.0)
    y_q = CurvePrior.observe(curves, ep_q, rng)
    Ef = E[:, None].astype(np.float64)
    return {
        "x_obs": np.where(mask, ep_obs / Ef, 0.0).astype(np.float32),
        "y_obs": y_obs.astype(np.float32),
        "obs_mask": mask,
        "x_query": (ep_q / Ef).astype(np.float32),
        "y_query": y_q.astype(np.float32),
    }

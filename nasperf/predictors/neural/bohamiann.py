"""BOHAMIANN: a Bayesian neural network sampled by scale-adapted stochastic-gradient HMC."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from nasperf._constraints import Device

from .. import PREDICTORS
from .._torch_utils import (
    device_of,
    make_mlp,
    predict_batched,
    seeded,
    standardize_fit,
    to_tensor,
)
from ..base import Predictor

__all__ = ["BOHAMIANNPredictor"]


class _BNN(nn.Module):
    """A regression MLP with a homoscedastic log noise variance as extra parameter."""

    def __init__(self, n_in: int, n_layers: int, width: int, activation: str) -> None:
        super().__init__()
        self.net = make_mlp(n_in, [width] * n_layers, 1, activation=activation)
        self.log_noise = nn.Parameter(torch.tensor(math.log(0.1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class _AdaptiveSGHMC:
    """Scale-adapted SGHMC (Springenberg et al. 2016, Algorithm 1).

    Per parameter a running mean of the gradient and of its square (with an adaptive
    window ``tau``) estimate the preconditioner ``M^-1 = 1 / sqrt(v_hat)``, updated in burn-in
    only; the momentum update adds friction ``mdecay`` and matched Gaussian noise so that the
    chain samples ``exp(-U)`` (the step size ``lr`` plays the role of ``sqrt(epsilon)``).
    """

    def __init__(self, params, lr: float, mdecay: float, generator: torch.Generator) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr = lr
        self.mdecay = mdecay
        self.gen = generator
        self.state = [
            {
                "tau": torch.ones_like(p),
                "g": torch.ones_like(p),
                "v_hat": torch.ones_like(p),
                "momentum": torch.zeros_like(p),
            }
            for p in self.params
        ]

    @torch.no_grad()
    def step(self, burn_in: bool) -> None:
        lr, mdecay = self.lr, self.mdecay
        for p, st in zip(self.params, self.state, strict=True):
            grad = p.grad
            if burn_in:
                tau, g, v_hat = st["tau"], st["g"], st["v_hat"]
                r = 1.0 / (tau + 1.0)
                tau.add_(1.0 - tau * g * g / v_hat)
                g.add_(-g * r + r * grad)
                v_hat.add_(-v_hat * r + r * grad * grad)
            minv = 1.0 / torch.sqrt(st["v_hat"])
            noise_var = 2.0 * lr**2 * mdecay * minv - 2.0 * lr**3 * minv**2 * mdecay - lr**4
            sigma = torch.sqrt(torch.clamp(noise_var, min=1e-16))
            noise = torch.randn(p.shape, generator=self.gen).to(p.device) * sigma
            v = st["momentum"]
            v.add_(-(lr**2) * minv * grad - mdecay * v + noise)
            p.add_(v)


#: Reruns of a diverged SGHMC chain, each with half the previous step size.
MAX_CHAIN_RESTARTS = 3


@PREDICTORS.register("bohamiann")
class BOHAMIANNPredictor(Predictor):
    """Bayesian neural network regression with posterior samples from adaptive SGHMC.

    The network (``n_layers`` hidden layers of ``layer_width`` units, a linear output and a
    learnt homoscedastic noise variance) sees standardised inputs and targets. Its potential
    is the mini-batch estimate of the negative log posterior: Gaussian likelihood scaled to
    the full data set, a ``N(0, weight_prior_std^2)`` prior on the weights and a
    ``N(log 0.1, 1)`` prior on the log noise variance. After ``burn_in`` steps of
    scale-adapted SGHMC, every ``keep_every``-th state is kept as a posterior sample.

    ``predict`` is the mean of the samples' predictions and ``predict_std`` the standard
    deviation of the predictive mixture: ``sqrt(var of sample means + mean noise var)``.

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    n_layers, layer_width : int
        Hidden layers (Springenberg et al.: 3 x 50).
    activation : {"relu", "tanh", "elu"}
        Hidden activation (Springenberg et al.: tanh; ReLU ranks NAS cells better).
    num_steps, burn_in, keep_every : int
        SGHMC steps in total, burn-in steps among them, and thinning of the kept samples;
        ``(num_steps - burn_in) // keep_every`` samples are kept.
    batch_size : int
        Mini-batch size of the stochastic gradients.
    step_size, mdecay : float
        SGHMC step size and friction (momentum decay).
    weight_prior_std : float
        Standard deviation of the Gaussian prior on every weight and bias.
    device : str
        ``"cpu"`` (default) or ``"cuda"`` when available.

    Attributes
    ----------
    samples_ : list of torch.nn.Module
        The posterior samples (networks with their noise variance).
    n_samples_ : int
    step_size_ : float
        The step size of the chain kept: ``step_size``, or half of it per divergence. A
        chain whose potential stops being finite (the weights blew up; every later sample
        would predict NaN) is rerun from the same seed with half the step, up to
        ``MAX_CHAIN_RESTARTS`` (3) times, then ``fit`` raises ``ValueError``.
    n_diverged_ : int
        Chains that diverged before the one kept.

    References
    ----------
    Springenberg, Klein, Falkner & Hutter, "Bayesian Optimization with Robust Bayesian
    Neural Networks", NeurIPS 2016; Chen, Fox & Guestrin, "Stochastic Gradient Hamiltonian
    Monte Carlo", ICML 2014.
    """

    has_uncertainty = True
    test_params = {"num_steps": 1500, "burn_in": 1000, "keep_every": 50, "layer_width": 32}

    #: Per-column z-scores of the features (``True``: the shared indicator scale of
    #: :func:`~nasperf.predictors.base.fit_feature_scaler`).
    _pool_indicators: ClassVar[bool] = False

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "layer_width": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "tanh", "elu"})],
        "num_steps": [Interval(Integral, 1, None, closed="left")],
        "burn_in": [Interval(Integral, 0, None, closed="left")],
        "keep_every": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "mdecay": [Interval(Real, 0, 1, closed="right")],
        "weight_prior_std": [Interval(Real, 0, None, closed="neither")],
        "device": [Device()],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
        n_layers: int = 2,
        layer_width: int = 50,
        activation: str = "relu",
        num_steps: int = 6000,
        burn_in: int = 3000,
        keep_every: int = 50,
        batch_size: int = 32,
        step_size: float = 1e-2,
        mdecay: float = 0.05,
        weight_prior_std: float = 1.0,
        device: str = "cpu",
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.n_layers = n_layers
        self.layer_width = layer_width
        self.activation = activation
        self.num_steps = num_steps
        self.burn_in = burn_in
        self.keep_every = keep_every
        self.batch_size = batch_size
        self.step_size = step_size
        self.mdecay = mdecay
        self.weight_prior_std = weight_prior_std
        self.device = device
        self.random_state = random_state

    def _new_bnn(self) -> _BNN:
        bnn = _BNN(len(self.x_mean_), self.n_layers, self.layer_width, self.activation)
        return bnn.to(device_of(self.device))

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        if not 0 <= self.burn_in < self.num_steps or not (
            1 <= self.keep_every <= self.num_steps - self.burn_in
        ):
            # (keep_every above the steps after burn-in would keep no sample at all)
            raise ValueError(
                "need 0 <= burn_in < num_steps and 1 <= keep_every <= num_steps - burn_in, "
                f"got burn_in={self.burn_in}, num_steps={self.num_steps}, "
                f"keep_every={self.keep_every}"
            )
        device = device_of(self.device)
        Xs, ys = standardize_fit(self, X, y, pool_indicators=self._pool_indicators)
        Xt = to_tensor(Xs, device)
        yt = to_tensor(ys, device)
        bs = max(1, min(int(self.batch_size), len(yt)))
        step_size, diverged = float(self.step_size), 0
        while (samples := self._chain(Xt, yt, bs, step_size, device)) is None:
            diverged += 1  # the chain diverged: rerun it (same seed) with half the step
            step_size /= 2.0
            if diverged > MAX_CHAIN_RESTARTS:
                raise ValueError(
                    f"BOHAMIANNPredictor: the SGHMC chain diverged (non-finite potential) at "
                    f"step_size={self.step_size} and {MAX_CHAIN_RESTARTS} halvings of it; "
                    "lower step_size or weight_prior_std, or check the features for huge "
                    "values"
                )
        self.samples_ = samples
        self.n_samples_ = len(samples)
        self.step_size_ = step_size
        self.n_diverged_ = diverged

    def _chain(self, Xt, yt, bs: int, step_size: float, device) -> list | None:
        """One SGHMC chain from the seed: its kept samples, or None when its potential
        stopped being finite (the weights diverged; later samples would predict NaN)."""
        n = len(yt)
        prior_prec = 1.0 / float(self.weight_prior_std) ** 2
        samples = []
        with seeded(self._seed(), device) as gen:
            bnn = self._new_bnn()
            weights = list(bnn.net.parameters())
            sampler = _AdaptiveSGHMC(bnn.parameters(), step_size, self.mdecay, gen)
            for step in range(int(self.num_steps)):
                idx = torch.randint(n, (bs,), generator=gen).to(device)
                log_var = bnn.log_noise
                resid = yt[idx] - bnn(Xt[idx])
                nll = 0.5 * (resid**2 * torch.exp(-log_var) + log_var).mean() * n
                log_prior_w = 0.5 * prior_prec * sum((w**2).sum() for w in weights)
                log_prior_noise = 0.5 * (log_var - math.log(0.1)) ** 2
                potential = nll + log_prior_w + log_prior_noise
                if not bool(torch.isfinite(potential)):
                    return None
                bnn.zero_grad(set_to_none=False)
                potential.backward()
                sampler.step(burn_in=step < self.burn_in)
                if step >= self.burn_in and (step - self.burn_in + 1) % self.keep_every == 0:
                    if not all(bool(torch.isfinite(p).all()) for p in bnn.parameters()):
                        return None
                    keep = self._new_bnn()
                    keep.load_state_dict(bnn.state_dict())
                    samples.append(keep.eval())
        return samples

    def _sample_predictions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample means ``(n_samples, n)`` and noise variances ``(n_samples,)``,
        standardised."""
        import copy

        # float64 inference: float32 matmuls round differently with the number of rows in
        # a batch, which would make a prediction depend on what else is predicted with it.
        Xt = to_tensor((X - self.x_mean_) / self.x_scale_, device_of(self.device)).double()
        means = np.stack([predict_batched(copy.deepcopy(s).double(), Xt) for s in self.samples_])
        noise = np.array([float(torch.exp(s.log_noise.detach())) for s in self.samples_])
        return means, noise

    def _predict(self, X: np.ndarray) -> np.ndarray:
        means, _ = self._sample_predictions(X)
        return means.mean(axis=0) * self.y_scale_ + self.y_mean_

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        means, noise = self._sample_predictions(X)
        return np.sqrt(means.var(axis=0) + noise.mean()) * self.y_scale_

    def _build_modules(self) -> None:
        self.samples_ = [self._new_bnn() for _ in range(int(self.n_samples_))]

"""Shared pieces of the torch predictors: seeding, scaling, MLPs and a training loop.

Private to :mod:`nasperf.predictors`. Randomness never touches the global RNG state:
:func:`seeded` forks it, and data order comes from an explicit ``torch.Generator``. Both
:func:`seeded` and :func:`torch_threads` run under :func:`nasperf._torch_state.torch_state`:
float32 as torch's default dtype whatever the caller's, one section at a time across threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from nasperf._denormals import without_denormals
from nasperf._device import resolve_device
from nasperf._torch_state import torch_state

from .base import fit_feature_scaler, fit_scaler

__all__ = [
    "seeded",
    "device_of",
    "fit_scaler",
    "standardize_fit",
    "torch_threads",
    "make_mlp",
    "train",
    "to_tensor",
    "predict_batched",
]


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[torch.Generator]:
    """Run the block with torch's RNG seeded by ``seed``, restoring the caller's state after.

    Module initialisation inside the block is reproducible and float32 (the caller's default
    dtype is restored after); yields a CPU generator (seeded from ``seed`` too) for data
    shuffling. Holds nasperf's torch lock (:mod:`nasperf._torch_state`): concurrent fits in
    threads run their seeded sections one at a time.
    """
    with torch_state(seed, devices=[device]):
        gen = torch.Generator()
        gen.manual_seed(seed + 1)
        yield gen


def device_of(device: Any) -> torch.device:
    """The resolved ``device`` parameter (CPU by default, CUDA when asked and present)."""
    return resolve_device(device)


def standardize_fit(
    est: Any, X: np.ndarray, y: np.ndarray, *, pool_indicators: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``est``'s scalers (``x_mean_``, ``x_scale_``, ``y_mean_``, ``y_scale_``) on
    ``X`` and ``y`` and return both standardised.

    Columns of ``X`` are z-scored; with ``pool_indicators`` its 0/1 columns share one
    scale instead (:func:`~nasperf.predictors.base.fit_feature_scaler`).
    """
    est.x_mean_, est.x_scale_ = fit_feature_scaler(X, pool_indicators=pool_indicators)
    y_mean, y_scale = fit_scaler(y)
    est.y_mean_, est.y_scale_ = float(y_mean), float(y_scale)
    return (X - est.x_mean_) / est.x_scale_, (y - est.y_mean_) / est.y_scale_


@contextlib.contextmanager
def torch_threads(n_jobs: int | None) -> Iterator[None]:
    """Run with ``n_jobs`` torch intra-op threads and float32 as torch's default dtype,
    restoring the caller's settings (and RNG state) after.

    Small networks and GP problems run fastest on one thread; on a shared machine torch's
    default (all cores) can be tens of times slower through contention. ``None`` leaves
    torch's thread count alone. Holds nasperf's torch lock (:mod:`nasperf._torch_state`).
    """
    if n_jobs is not None and n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 or None, got {n_jobs}")
    with torch_state(n_threads=None if n_jobs is None else int(n_jobs)):
        yield


def to_tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """A float32 tensor on ``device``."""
    return torch.as_tensor(np.ascontiguousarray(a, dtype=np.float32), device=device)


def make_mlp(
    n_in: int,
    hidden: Sequence[int],
    n_out: int = 1,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
) -> nn.Sequential:
    """A fully connected network ``n_in -> hidden... -> n_out``."""
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}[activation]
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, int(h)), act()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = int(h)
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def train(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    loss_fn: Callable[..., torch.Tensor],
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int,
    lr: float,
    weight_decay: float = 0.0,
    generator: torch.Generator,
    cosine: bool = True,
) -> nn.Module:
    """Adam on mini-batches of ``tensors`` (shuffled by ``generator``) for ``epochs``, or
    for as many epochs as make at least ``steps`` optimizer steps when ``steps`` is given.

    ``loss_fn(*batch)`` returns the scalar loss of a batch; the learning rate follows a
    cosine schedule to zero when ``cosine``. Leaves the model in eval mode.
    """
    n = tensors[0].shape[0]
    bs = max(1, min(int(batch_size), n))
    steps_per_epoch = -(-n // bs)
    if steps is not None:
        epochs = max(1, -(-int(steps) // steps_per_epoch))
    opt = without_denormals(torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay))
    total = max(1, epochs * steps_per_epoch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, total) / total)) if cosine else 1.0
    )
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator).to(tensors[0].device)
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(*(t[idx] for t in tensors))
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    return model


@torch.no_grad()
def predict_batched(
    fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor, batch_size: int = 4096
) -> np.ndarray:
    """``fn`` applied to row blocks of ``X``, concatenated, as a float64 array.

    Fixed-size row blocks keep results independent of how many rows are asked for at once
    (up to ``batch_size``), which scikit-learn's subset-invariance checks rely on.
    """
    outs = [fn(X[i : i + batch_size]).detach().cpu().double() for i in range(0, len(X), batch_size)]
    return torch.cat(outs).numpy() if outs else np.zeros(0)

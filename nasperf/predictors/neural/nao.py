"""NAO: an LSTM encoder - performance predictor - decoder trained jointly."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from torch import nn

from nasperf._constraints import Device

from .. import PREDICTORS
from .._torch_utils import (
    device_of,
    predict_batched,
    seeded,
    standardize_fit,
    to_tensor,
    train,
)
from ..base import Predictor

__all__ = ["NAOPredictor"]


class _NAOModel(nn.Module):
    """Encoder (token embedding + LSTM, mean-pooled and L2-normalised as in NAO), a
    predictor MLP on the embedding and a decoder LSTM that rebuilds the tokens from it."""

    def __init__(self, n_tokens: int, token_size: int, hidden: int) -> None:
        super().__init__()
        self.n_tokens = n_tokens
        self.token_size = token_size
        self.embed = nn.Linear(token_size, hidden)
        self.position = nn.Parameter(torch.zeros(n_tokens, hidden))
        self.encoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.predictor = nn.Sequential(
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 1),
        )  # fmt: skip
        self.decoder = nn.LSTM(2 * hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, token_size)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        pad = self.n_tokens * self.token_size - x.shape[1]
        if pad:
            x = nn.functional.pad(x, (0, pad))
        return x.reshape(len(x), self.n_tokens, self.token_size)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(self.tokens(x)) + self.position
        out, _ = self.encoder(h)
        return nn.functional.normalize(out.mean(dim=1), dim=-1)

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        return self.predictor(z).squeeze(-1)

    def decode(self, z: torch.Tensor, n_features: int) -> torch.Tensor:
        steps = z[:, None, :].expand(-1, self.n_tokens, -1)
        pos = self.position[None].expand(len(z), -1, -1)
        out, _ = self.decoder(torch.cat([steps, pos], dim=-1))
        return self.out(out).reshape(len(z), -1)[:, :n_features]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predict(self.encode(x))


@PREDICTORS.register("nao")
class NAOPredictor(Predictor):
    """Neural Architecture Optimization's encoder - predictor - decoder as a predictor.

    The architecture's encoding (standardised) is read as a sequence of tokens, contiguous
    blocks of ``token_size`` features (for ``adjacency_onehot`` the adjacency rows, then the
    operations of the nodes), which an LSTM encodes; its mean-pooled, L2-normalised output
    is the architecture embedding. A predictor MLP regresses the standardised target on the
    embedding and a decoder LSTM rebuilds the encoding from it (binary features with a
    logistic loss, others with a squared loss, summed over a token). Both are trained jointly,
    ``trade_off * regression + (1 - trade_off) * reconstruction``, as in NAO; ``predict``
    uses the encoder and predictor. (NAO's decoder is autoregressive with attention over the
    encoder states; this one decodes all tokens from the embedding alone, which keeps the
    embedding the only path of information, and is not used for search here.)

    Parameters
    ----------
    space, encoding, zero_cost_proxies, zero_cost_columns, random_state
        See :class:`~nasperf.predictors.base.Predictor`.
    token_size : int
        Features per token (the encoding is zero-padded to a multiple).
    hidden_size : int
        Width of embeddings, LSTMs and the predictor MLP.
    trade_off : float
        Weight of the regression loss (NAO: 0.8).
    n_steps : int
        Optimizer steps (whole epochs, at least this many steps): a fixed budget of steps
        trains small training sets as well as large ones.
    batch_size : int
    learning_rate, weight_decay : float
        Adam's step size and L2 penalty.
    device : str
        ``"cpu"`` (default) or ``"cuda"`` when available.

    Attributes
    ----------
    model_ : torch.nn.Module
        Encoder, predictor and decoder.
    binary_ : ndarray of bool (n_features_in_,)
        Features reconstructed as binary.

    References
    ----------
    Luo, Tian, Qin, Chen & Liu, "Neural Architecture Optimization", NeurIPS 2018.
    """

    test_params = {"n_steps": 600, "hidden_size": 16}

    #: Per-column z-scores of the features (``True``: the shared indicator scale of
    #: :func:`~nasperf.predictors.base.fit_feature_scaler`).
    _pool_indicators: ClassVar[bool] = False

    _parameter_constraints: ClassVar[dict] = {
        **Predictor._parameter_constraints,
        "token_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "trade_off": [Interval(Real, 0, 1, closed="both")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [Device()],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Any = None,
        zero_cost_columns: Any = None,
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
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.token_size = token_size
        self.hidden_size = hidden_size
        self.trade_off = trade_off
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state

    # ------------------------------------------------------------ helpers
    def _build_modules(self) -> None:
        d = len(self.x_mean_)
        n_tokens = max(1, -(-d // int(self.token_size)))
        model = _NAOModel(n_tokens, int(self.token_size), int(self.hidden_size))
        self.model_ = model.to(device_of(self.device))

    def _inputs(self, X: np.ndarray) -> torch.Tensor:
        return to_tensor((X - self.x_mean_) / self.x_scale_, device_of(self.device))

    def _recon_targets(self, X: np.ndarray) -> torch.Tensor:
        # Binary columns keep their 0/1 values (logistic loss), the rest are standardised.
        scaled = (X - self.x_mean_) / self.x_scale_
        return to_tensor(np.where(self.binary_, X, scaled), device_of(self.device))

    def _setup(self, X: np.ndarray, y: np.ndarray) -> None:
        standardize_fit(self, X, y, pool_indicators=self._pool_indicators)
        self.binary_ = np.all((X == 0) | (X == 1), axis=0)

    def _train(
        self, X: np.ndarray, ys: np.ndarray, labelled: np.ndarray, gen: torch.Generator
    ) -> None:
        """Train ``model_`` on rows ``X`` with standardised targets ``ys``; the regression
        loss covers the rows where ``labelled`` is true, reconstruction covers all."""
        if not 0.0 <= self.trade_off <= 1.0:
            raise ValueError(f"trade_off must be in [0, 1], got {self.trade_off!r}")
        model = self.model_
        device = device_of(self.device)
        binary = torch.as_tensor(self.binary_, device=device)
        d = X.shape[1]
        w = float(self.trade_off)

        def loss_fn(xb, tb, yb, mb):
            z = model.encode(xb)
            pred = model.predict(z)
            reg = (nn.functional.mse_loss(pred, yb, reduction="none") * mb).sum()
            reg = reg / mb.sum().clamp(min=1.0)
            logits = model.decode(z, d)
            bce = nn.functional.binary_cross_entropy_with_logits(logits, tb, reduction="none")
            sq = (logits - tb) ** 2
            rec = torch.where(binary, bce, sq).sum(dim=1).mean() / model.n_tokens
            return w * reg + (1.0 - w) * rec

        train(
            model,
            (
                self._inputs(X),
                self._recon_targets(X),
                to_tensor(ys, device),
                to_tensor(labelled.astype(np.float32), device),
            ),
            loss_fn,
            steps=self.n_steps,
            batch_size=self.batch_size,
            lr=self.learning_rate,
            weight_decay=self.weight_decay,
            generator=gen,
        )

    # ------------------------------------------------------------ contract
    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self._setup(X, y)
        with seeded(self._seed(), device_of(self.device)) as gen:
            self._build_modules()
            ys = (y - self.y_mean_) / self.y_scale_
            self._train(X, ys, np.ones(len(y), dtype=bool), gen)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        # Inference in float64: an LSTM's float32 result depends on how many rows share a
        # batch (BLAS kernels), float64 makes predictions independent of it to ~1e-15.
        import copy

        model = copy.deepcopy(self.model_).double()
        out = predict_batched(model, self._inputs(X).double())
        return out * self.y_scale_ + self.y_mean_

    def _reconstruct(self, X: np.ndarray) -> np.ndarray:
        """The decoder's rebuild of feature rows ``X`` (binary features as 0/1)."""
        model = self.model_
        d = X.shape[1]
        out = predict_batched(lambda x: model.decode(model.encode(x), d), self._inputs(X))
        rebuilt = out * self.x_scale_ + self.x_mean_
        return np.where(self.binary_, (out > 0).astype(np.float64), rebuilt)

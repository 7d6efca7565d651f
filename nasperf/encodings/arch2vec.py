"""arch2vec: an unsupervised architecture embedding learned by a variational graph autoencoder.

A graph isomorphism network (GIN) encodes each cell's nodes into Gaussian latents; an
inner-product decoder reconstructs the cell's edges and a linear softmax decoder its node
labels. Trained without labels on architectures of a space (typically many sampled ones),
the encoder's latent mean, averaged over a cell's nodes, is the cell's embedding.

Input per cell (read from :meth:`SearchSpace.graph_batch`, so any space works): the
adjacency made symmetric with self-loops, ``A + A^T + I``, as arch2vec feeds its GIN, and
one-hot node labels over the space's ``node_labels``. Padding nodes are masked out of every
layer, loss and average, so an embedding does not depend on the padding width. The
reconstruction loss is binary cross-entropy over the real strictly-upper-triangular entries
of the (directed, topologically ordered) adjacency, ``sigmoid(z_i . z_j)`` for ``i < j``,
plus cross-entropy over the node labels, plus ``kl_weight`` times the KL divergence of the
node latents from ``N(0, I)``.

Spaces with several cells (NAS-Bench-301: normal and reduction cell) share one autoencoder
across cells, trained on all cells as separate graphs, as arch2vec does for DARTS; an
architecture's encoding concatenates its cells' embeddings in the space's cell order:
``(n_archs, latent_dim * n_cells)``.

>>> import pathlib, tempfile
>>> import numpy as np
>>> import nasperf
>>> from nasperf.encodings.arch2vec import Arch2VecEncoder
>>> archs = nasperf.get_space("nb201").sample(50, seed=0)
>>> # small for the example: arch2vec pre-trains on thousands of cells, more epochs
>>> enc = Arch2VecEncoder(space="nb201", epochs=2, n_train_archs=200, random_state=0)
>>> X = enc.fit(archs).transform(archs)
>>> X.shape, X.dtype                               # latent_dim 16, one cell
((50, 16), dtype('float32'))
>>> folder = enc.save(pathlib.Path(tempfile.mkdtemp()) / "arch2vec-nb201")
>>> same = Arch2VecEncoder.load(folder)
>>> np.array_equal(same.transform(archs), X)
True

References
----------
Yan, Zheng, Ao, Zeng & Zhang, "Does Unsupervised Architecture Representation Learning Help
Neural Architecture Search?", NeurIPS 2020.
Kipf & Welling, "Variational Graph Auto-Encoders", NeurIPS workshop 2016.
Xu, Hu, Leskovec & Jegelka, "How Powerful are Graph Neural Networks?", ICLR 2019.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from torch import nn

from nasperf._atomic import atomic_write
from nasperf._constraints import RANDOM_STATE, Device
from nasperf._denormals import without_denormals
from nasperf._device import resolve_device
from nasperf._torch_state import torch_state
from nasperf.errors import as_path
from nasperf.spaces import GraphBatch, SearchSpace, as_rng

from .base import ENCODINGS, Encoder, as_arch_list, resolve_space

__all__ = ["Arch2VecEncoder"]

_FORMAT = "nasperf.arch2vec"
_FORMAT_VERSION = 1
_CONFIG_FILE = "config.json"
_WEIGHTS_FILE = "weights.pt"
# Cells per forward pass in transform / reconstruction (memory only, not the result).
_EVAL_CHUNK = 4096
# Parameters written to / read from the saved config (all but space, device and verbose).
_SAVED_PARAMS = (
    "latent_dim",
    "hidden_dim",
    "n_layers",
    "epochs",
    "batch_size",
    "lr",
    "n_train_archs",
    "dropout",
    "kl_weight",
    "random_state",
    "n_threads",
)


# ----------------------------------------------------------------------------- the model
class _MLP(nn.Module):
    """GIN's two-layer MLP, ``Linear -> BatchNorm -> ReLU -> Linear`` (arch2vec's)."""

    def __init__(self, d_in: int, d_hidden: int) -> None:
        super().__init__()
        self.lin1 = nn.Linear(d_in, d_hidden)
        self.bn = nn.BatchNorm1d(d_hidden)
        self.lin2 = nn.Linear(d_hidden, d_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(F.relu(self.bn(self.lin1(x))))


class _VGAE(nn.Module):
    """GIN encoder to node-wise Gaussian latents, inner-product + linear decoders.

    Node tensors are ``(B, n, .)`` with a boolean ``mask (B, n)`` of real nodes; the MLPs
    and batch norms see real nodes only, padding rows stay zero.
    """

    def __init__(
        self, n_labels: int, hidden_dim: int, latent_dim: int, n_layers: int, dropout: float
    ) -> None:
        super().__init__()
        dims = [n_labels] + [hidden_dim] * n_layers
        self.eps = nn.Parameter(torch.zeros(n_layers))
        self.mlps = nn.ModuleList(_MLP(dims[k], dims[k + 1]) for k in range(n_layers))
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden_dim) for _ in range(n_layers))
        self.fc_mu = nn.Linear(hidden_dim, latent_dim)
        self.fc_logvar = nn.Linear(hidden_dim, latent_dim)
        self.ops_decoder = nn.Linear(latent_dim, n_labels)
        self.dropout = dropout

    def encode(
        self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Node-wise ``(mu, logvar)``, each ``(M, latent_dim)`` over the ``M`` real nodes.

        ``adj`` is the symmetric adjacency with self-loops; GIN's update is
        ``h' = MLP((1 + eps) h + sum of neighbours)``, the self-loop counted in the sum as
        arch2vec does.
        """
        h = x
        for k, (mlp, norm) in enumerate(zip(self.mlps, self.norms, strict=True)):
            agg = (1.0 + self.eps[k]) * h + torch.bmm(adj, h)
            out = F.relu(norm(mlp(agg[mask])))
            h = agg.new_zeros(*mask.shape, out.shape[-1])
            h[mask] = out
        h_real = h[mask]
        return self.fc_mu(h_real), self.fc_logvar(h_real)

    def decode(self, z: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Node-label logits ``(M, n_labels)`` and adjacency logits ``(B, n, n)``."""
        z = F.dropout(z, p=self.dropout, training=self.training)
        dense = z.new_zeros(*mask.shape, z.shape[-1])
        dense[mask] = z
        return self.ops_decoder(z), torch.bmm(dense, dense.transpose(1, 2))


# ----------------------------------------------------------------------------- the encoder
@ENCODINGS.register("arch2vec")
class Arch2VecEncoder(Encoder):
    """arch2vec: the latent mean of a variational graph autoencoder trained without labels.

    Parameters
    ----------
    space : str or SearchSpace
        The search space.
    latent_dim : int, default 16
        Latent width per node and so per cell; the encoding has ``latent_dim * n_cells``
        columns.
    hidden_dim : int, default 128
        Width of the GIN layers.
    n_layers : int, default 5
        Number of GIN layers (message-passing hops).
    epochs : int, default 10
        Passes over the training cells.
    batch_size : int, default 32
        Cells per optimisation step.
    lr : float, default 1e-3
        Adam learning rate.
    n_train_archs : int, optional
        If set, ``n_train_archs`` architectures sampled from the space (seeded from
        ``random_state``) are trained on *in addition to* the fitting architectures: the
        point of arch2vec is pre-training on many unlabelled architectures, and including
        the ones to be embedded costs nothing since no labels are used. ``None`` trains on
        the fitting architectures only.
    dropout : float, default 0.0
        Dropout on the latents before decoding. arch2vec used 0.3 over ~10^5 steps on all of
        NAS-Bench-101; with the short budgets here it mostly slows learning.
    kl_weight : float, default 0.005
        Weight of the KL term (mean over real nodes of the per-node KL). arch2vec scales it
        by ``1 / (batch * nodes)``, about 1/224 for NAS-Bench-101 with batches of 32.
    random_state : int, numpy Generator or None
        Seeds weight initialisation, shuffling, dropout, latent sampling and the sampled
        architectures. The global torch RNG is left as it was.
    device : str, default "cpu"
        Torch device to train and encode on (``"cuda"``, ``"cuda:1"``, ...).
    n_threads : int or None, default 1
        Torch intra-op threads while fitting and encoding on CPU (torch's setting is
        restored afterwards). The model is too small to gain from more threads, which on a
        busy machine slow training several-fold, and a fixed count makes the embedding
        reproducible across machines (float sums depend on the thread split). ``None``
        leaves torch's setting.
    verbose : bool, default False
        Print the mean loss of each epoch to stderr.

    Fitted attributes
    -----------------
    model_ : torch.nn.Module
        The trained autoencoder (on CPU after ``fit``; moved to ``device`` when used).
    n_cells_ : int
    node_labels_ : tuple of str
    max_nodes_ : int
        Padding width of the training cells (informational: padding nodes are masked, so
        embeddings do not depend on it beyond float rounding).
    n_train_cells_ : int
        Number of cells trained on.
    loss_curve_ : list of float
        Mean training loss per epoch.
    fit_seconds_ : float

    References
    ----------
    Yan et al., "Does Unsupervised Architecture Representation Learning Help Neural
    Architecture Search?", NeurIPS 2020.
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_dim": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        # finite: an infinite rate had trained to all-NaN embeddings without a word
        "lr": [Interval(Real, 0, None, closed="neither")],
        "n_train_archs": [Interval(Integral, 0, None, closed="left"), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "kl_weight": [Interval(Real, 0, None, closed="left")],
        "random_state": RANDOM_STATE,
        "device": [Device()],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        *,
        space: str | SearchSpace | None = None,
        latent_dim: int = 16,
        hidden_dim: int = 128,
        n_layers: int = 5,
        epochs: int = 10,
        batch_size: int = 32,
        lr: float = 1e-3,
        n_train_archs: int | None = None,
        dropout: float = 0.0,
        kl_weight: float = 0.005,
        random_state: int | np.random.Generator | None = None,
        device: str = "cpu",
        n_threads: int | None = 1,
        verbose: bool = False,
    ) -> None:
        self.space = space
        self.latent_dim = latent_dim
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.n_train_archs = n_train_archs
        self.dropout = dropout
        self.kl_weight = kl_weight
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    # ------------------------------------------------------------ fitting
    def _fit(self, batch: GraphBatch, archs: list) -> None:
        device = self._device()
        rng = as_rng(self.random_state)
        torch_seed = int(rng.integers(2**63 - 1))
        self.n_cells_ = batch.n_cells
        self.node_labels_ = tuple(batch.labels)

        adj, ops = _flatten_cells(batch)
        if self.n_train_archs:
            extra = self.space_.graph_batch(
                self.space_.sample(int(self.n_train_archs), rng, unique=False)
            )
            if extra.n_cells != self.n_cells_:
                raise ValueError(
                    f"{self.space_.name}: sampled architectures have {extra.n_cells} cells, "
                    f"the fitting ones {self.n_cells_}"
                )
            adj, ops = _concat_cells((adj, ops), _flatten_cells(extra))
        self.max_nodes_ = int(adj.shape[1])
        self.n_train_cells_ = int(adj.shape[0])

        # torch_state restores the global torch RNG afterwards: weight init, dropout and the
        # reparameterisation noise draw from it, seeded here only (float32 whatever the
        # caller's default dtype).
        start = time.perf_counter()
        with torch_state(torch_seed, devices=[device], n_threads=self.n_threads):
            model = _VGAE(
                len(self.node_labels_),
                self.hidden_dim,
                self.latent_dim,
                self.n_layers,
                float(self.dropout),
            ).to(device)
            self.loss_curve_ = self._train(model, adj, ops, device, torch_seed)
        self.model_ = model.cpu().eval()
        self.fit_seconds_ = time.perf_counter() - start

    def _train(
        self,
        model: _VGAE,
        adj: np.ndarray,
        ops: np.ndarray,
        device: torch.device,
        seed: int,
    ) -> list[float]:
        adj_t = torch.from_numpy(adj).to(device)
        ops_t = torch.from_numpy(ops.astype(np.int64)).to(device)
        shuffle = torch.Generator(device="cpu").manual_seed(seed)
        opt = without_denormals(torch.optim.Adam(model.parameters(), lr=float(self.lr)))
        n = adj_t.shape[0]
        bs = int(self.batch_size)
        curve = []
        model.train()
        for epoch in range(int(self.epochs)):
            order = torch.randperm(n, generator=shuffle).to(device)
            total, count = 0.0, 0
            for s in range(0, n, bs):
                idx = order[s : s + bs]
                a, o = adj_t[idx], ops_t[idx]
                mask = o >= 0
                if int(mask.sum()) < 2:  # batch norm needs two values; only a lone tiny cell
                    continue
                x, sym = _inputs(a, o, len(self.node_labels_))
                mu, logvar = model.encode(x, sym, mask)
                z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                ops_logits, adj_logits = model.decode(z, mask)
                loss = _loss(ops_logits, adj_logits, a, o, mask, mu, logvar, self.kl_weight)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            curve.append(total / max(count, 1))
            if not math.isfinite(curve[-1]):
                raise ValueError(
                    f"arch2vec training diverged: the loss is {curve[-1]} at epoch {epoch + 1} "
                    f"(lr={self.lr!r}, kl_weight={self.kl_weight!r}); lower lr"
                )
            if self.verbose:
                print(
                    f"arch2vec epoch {epoch + 1}/{self.epochs}: loss {curve[-1]:.4f}",
                    file=sys.stderr,
                    flush=True,
                )
        model.eval()
        return curve

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    # ------------------------------------------------------------ encoding
    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        self._check_batch(batch)
        adj, ops = _flatten_cells(batch)
        mu = self._cell_embeddings(adj, ops)
        return mu.reshape(len(batch), self.n_cells_ * self.latent_dim)

    def _feature_names(self) -> list[str]:
        return [f"arch2vec_c{c}_{k}" for c in range(self.n_cells_) for k in range(self.latent_dim)]

    def _check_batch(self, batch: GraphBatch) -> None:
        if batch.n_cells != self.n_cells_:
            raise ValueError(
                f"architectures have {batch.n_cells} cells, the encoder was fitted on "
                f"{self.n_cells_}"
            )
        if tuple(batch.labels) != self.node_labels_:
            raise ValueError(
                f"node labels {tuple(batch.labels)} differ from the fitted {self.node_labels_}"
            )

    @contextlib.contextmanager
    def _eval_model(self) -> Iterator[tuple[_VGAE, torch.device]]:
        """The model in eval mode on ``device`` (moved back to CPU afterwards)."""
        device = self._device()
        model = self.model_.to(device).eval()
        try:
            with torch_state(n_threads=self.n_threads):
                yield model, device
        finally:
            self.model_ = model.cpu()

    @torch.no_grad()
    def _cell_embeddings(self, adj: np.ndarray, ops: np.ndarray) -> np.ndarray:
        """Per-cell mean over real nodes of the latent mean: ``(n_cells_total, latent_dim)``."""
        out = []
        with self._eval_model() as (model, device):
            for s in range(0, adj.shape[0], _EVAL_CHUNK):
                a = torch.from_numpy(adj[s : s + _EVAL_CHUNK]).to(device)
                o = torch.from_numpy(ops[s : s + _EVAL_CHUNK].astype(np.int64)).to(device)
                mask = o >= 0
                x, sym = _inputs(a, o, len(self.node_labels_))
                mu, _ = model.encode(x, sym, mask)
                dense = mu.new_zeros(*mask.shape, mu.shape[-1])
                dense[mask] = mu
                counts = mask.sum(1, keepdim=True).clamp(min=1).to(mu.dtype)
                out.append((dense.sum(1) / counts).float().cpu().numpy())
        return np.concatenate(out, axis=0).astype(np.float32, copy=False)

    @torch.no_grad()
    def reconstruction_accuracy(self, archs: Sequence[Any]) -> dict[str, float]:
        """How well the autoencoder reconstructs ``archs`` from their latent means.

        Decoding uses the latent mean (eval mode: no sampling, no dropout).

        Returns
        -------
        dict
            ``node_label_accuracy``: fraction of real nodes whose label is the argmax of
            the decoder; ``adjacency_accuracy``: fraction of real strictly-upper-triangular
            adjacency entries right when ``sigmoid(z_i . z_j)`` is thresholded at 0.5;
            ``cell_accuracy``: fraction of cells reconstructed without any error (arch2vec's
            "reconstruction accuracy"); ``n_cells``: cells evaluated.
        """
        check_is_fitted(self, "model_")
        archs = as_arch_list(self.space_, archs)
        batch = self.space_.graph_batch(archs)
        self._check_batch(batch)
        adj, ops = _flatten_cells(batch)
        node_ok = node_n = adj_ok = adj_n = cell_ok = 0
        with self._eval_model() as (model, device):
            for s in range(0, adj.shape[0], _EVAL_CHUNK):
                a = torch.from_numpy(adj[s : s + _EVAL_CHUNK]).to(device)
                o = torch.from_numpy(ops[s : s + _EVAL_CHUNK].astype(np.int64)).to(device)
                mask = o >= 0
                x, sym = _inputs(a, o, len(self.node_labels_))
                mu, _ = model.encode(x, sym, mask)
                ops_logits, adj_logits = model.decode(mu, mask)
                pred_ops = torch.full_like(o, -1)
                pred_ops[mask] = ops_logits.argmax(-1)
                pair = _pair_mask(mask)
                pred_adj = adj_logits > 0  # sigmoid(logit) > 0.5
                node_wrong = ((pred_ops != o) & mask).sum(1)
                adj_wrong = ((pred_adj != a.bool()) & pair).sum((1, 2))
                node_ok += int(mask.sum() - node_wrong.sum())
                node_n += int(mask.sum())
                adj_ok += int(pair.sum() - adj_wrong.sum())
                adj_n += int(pair.sum())
                cell_ok += int(((node_wrong == 0) & (adj_wrong == 0)).sum())
        return {
            "node_label_accuracy": node_ok / max(node_n, 1),
            "adjacency_accuracy": adj_ok / adj_n if adj_n else math.nan,
            "cell_accuracy": cell_ok / max(adj.shape[0], 1),
            "n_cells": int(adj.shape[0]),
        }

    # ------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted encoder to directory ``path`` (created if needed).

        Two files: ``config.json`` (format, parameters, space name, node labels, cell count,
        padding width, torch and nasperf versions) and ``weights.pt`` (the model's
        ``state_dict``, tensors only, read back with ``torch.load(weights_only=True)``).
        Each is written to a temporary file and moved into place. Returns the directory.
        A ``path`` that is not a path (``None``, a number, bytes) is a ``TypeError``, an
        empty one a ``ValueError``, before anything is written.
        """
        path = as_path(path, "path")
        check_is_fitted(self, "model_")
        import nasperf

        path.mkdir(parents=True, exist_ok=True)
        rs = self.random_state
        params = {k: getattr(self, k) for k in _SAVED_PARAMS}
        params["random_state"] = int(rs) if isinstance(rs, int | np.integer) else None
        for k in ("latent_dim", "hidden_dim", "n_layers", "epochs", "batch_size"):
            params[k] = int(params[k])
        if params["n_train_archs"] is not None:
            params["n_train_archs"] = int(params["n_train_archs"])
        config = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "space": self.space_.name,
            "node_labels": list(self.node_labels_),
            "n_cells": int(self.n_cells_),
            "max_nodes": int(self.max_nodes_),
            "n_train_cells": int(self.n_train_cells_),
            "params": params,
            "loss_curve": [float(v) for v in self.loss_curve_],
            "torch_version": torch.__version__,
            "nasperf_version": nasperf.__version__,
        }
        state = {k: v.detach().cpu().clone() for k, v in self.model_.state_dict().items()}
        _atomic_write(path / _WEIGHTS_FILE, lambda f: torch.save(state, f))
        _atomic_write(
            path / _CONFIG_FILE,
            lambda f: f.write(json.dumps(config, indent=2, sort_keys=True).encode("utf-8")),
        )
        return path

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        space: str | SearchSpace | None = None,
        device: str = "cpu",
    ) -> Arch2VecEncoder:
        """Read an encoder written by :meth:`save`.

        Parameters
        ----------
        path : directory written by :meth:`save`
        space : str or SearchSpace, optional
            The space to encode with; defaults to the registered space of the saved name
            (pass the instance for a space that is not registered). Its ``node_labels``
            must equal the saved ones.
        device : str, default "cpu"

        Raises
        ------
        ValueError
            If the files are missing, unreadable or inconsistent, or the space differs, or
            ``path`` is empty.
        TypeError
            ``path`` is not a path (``None``, a number, bytes).
        """
        path = as_path(path, "path")
        cfg_file, w_file = path / _CONFIG_FILE, path / _WEIGHTS_FILE
        if not path.is_dir():
            raise ValueError(f"{path}: not a directory written by Arch2VecEncoder.save")
        for f in (cfg_file, w_file):
            if not f.is_file():
                raise ValueError(f"{path}: missing {f.name}; not a saved Arch2VecEncoder")
        try:
            config = json.loads(cfg_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"{cfg_file}: unreadable config ({err})") from None
        if not isinstance(config, dict) or config.get("format") != _FORMAT:
            raise ValueError(f"{cfg_file}: not an arch2vec config (format != {_FORMAT!r})")
        if config.get("format_version") != _FORMAT_VERSION:
            raise ValueError(
                f"{cfg_file}: format_version {config.get('format_version')!r} is not "
                f"supported (expected {_FORMAT_VERSION})"
            )
        required = ("space", "node_labels", "n_cells", "max_nodes", "params")
        missing = [k for k in required if k not in config]
        if missing:
            raise ValueError(f"{cfg_file}: missing keys {missing}")
        params = config["params"]
        if not isinstance(params, dict) or any(k not in params for k in _SAVED_PARAMS):
            raise ValueError(f"{cfg_file}: 'params' must hold {list(_SAVED_PARAMS)}")

        try:
            sp = resolve_space(space if space is not None else config["space"])
        except ValueError as err:
            raise ValueError(
                f"{path}: saved for space {config['space']!r}, which cannot be resolved "
                f"({err}); pass space=<SearchSpace instance>"
            ) from None
        labels = tuple(config["node_labels"])
        if sp.name != config["space"] or tuple(sp.node_labels) != labels:
            raise ValueError(
                f"{path}: saved for space {config['space']!r} with node labels {labels}, "
                f"not for {sp.name!r} with {tuple(sp.node_labels)}"
            )

        enc = cls(space=sp, device=device, **{k: params[k] for k in _SAVED_PARAMS})
        try:
            enc._validate_params()
        except ValueError as err:
            raise ValueError(f"{cfg_file}: {err}") from None
        try:
            state = torch.load(w_file, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises many types on a corrupt or foreign file
            raise ValueError(
                f"{w_file}: unreadable weights ({type(err).__name__}: {err})"
            ) from None
        if not isinstance(state, dict) or not all(
            isinstance(v, torch.Tensor) for v in state.values()
        ):
            raise ValueError(f"{w_file}: expected a state_dict of tensors")
        from nasperf._denormals import flush_denormals_

        flush_denormals_(state.values())  # weights saved before training flushed them
        # float32 layers, their throwaway initial weights drawn without moving the caller's RNG
        with torch_state():
            model = _VGAE(
                len(labels), enc.hidden_dim, enc.latent_dim, enc.n_layers, float(enc.dropout)
            )
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise ValueError(f"{w_file}: weights do not match the config: {err}") from None
        enc.space_ = sp
        enc.model_ = model.eval()
        enc.n_cells_ = int(config["n_cells"])
        enc.node_labels_ = labels
        enc.max_nodes_ = int(config["max_nodes"])
        enc.n_train_cells_ = int(config.get("n_train_cells", 0))
        enc.loss_curve_ = [float(v) for v in config.get("loss_curve", [])]
        enc.fit_seconds_ = math.nan
        enc.n_features_out_ = enc.n_cells_ * enc.latent_dim
        return enc


# ----------------------------------------------------------------------------- helpers
def _flatten_cells(batch: GraphBatch) -> tuple[np.ndarray, np.ndarray]:
    """``(N * C, n, n)`` float32 adjacency and ``(N * C, n)`` int16 labels, cell-major per arch."""
    n = batch.max_nodes
    adj = batch.adjacency.reshape(-1, n, n).astype(np.float32)
    ops = batch.ops.reshape(-1, n)
    return adj, ops


def _concat_cells(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Stack two flattened cell sets, padding the narrower one."""
    n = max(a[0].shape[1], b[0].shape[1])

    def pad(adj: np.ndarray, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = n - adj.shape[1]
        if k == 0:
            return adj, ops
        return (
            np.pad(adj, ((0, 0), (0, k), (0, k))),
            np.pad(ops, ((0, 0), (0, k)), constant_values=-1),
        )

    (a0, a1), (b0, b1) = pad(*a), pad(*b)
    return np.concatenate([a0, b0]), np.concatenate([a1, b1])


def _inputs(
    adj: torch.Tensor, ops: torch.Tensor, n_labels: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot node features (zero rows for padding) and ``A + A^T + I`` on real nodes."""
    mask = ops >= 0
    x = F.one_hot(ops.clamp(min=0), n_labels).to(adj.dtype) * mask.unsqueeze(-1)
    eye = torch.diag_embed(mask.to(adj.dtype))
    return x, adj + adj.transpose(1, 2) + eye


def _pair_mask(mask: torch.Tensor) -> torch.Tensor:
    """``(B, n, n)``: entries ``i < j`` with both nodes real."""
    n = mask.shape[1]
    upper = torch.ones(n, n, dtype=torch.bool, device=mask.device).triu(1)
    return upper & mask.unsqueeze(2) & mask.unsqueeze(1)


def _loss(
    ops_logits: torch.Tensor,
    adj_logits: torch.Tensor,
    adj: torch.Tensor,
    ops: torch.Tensor,
    mask: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    kl_weight: float,
) -> torch.Tensor:
    loss = F.cross_entropy(ops_logits, ops[mask])
    pair = _pair_mask(mask)
    if bool(pair.any()):
        loss = loss + F.binary_cross_entropy_with_logits(adj_logits[pair], adj[pair])
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1).mean()
    return loss + kl_weight * kl


def _atomic_write(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """``write(file)`` into ``target`` atomically (:func:`nasperf._atomic.atomic_write`)."""
    with atomic_write(target) as f:
        write(f)

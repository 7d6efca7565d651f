"""Shared machinery of the weight-sharing predictors (``rsws``, ``oneshot``, ``fewshot``).

``fit`` is the predictor's *initialisation*: it trains a supernet
(:meth:`SearchSpace.build_supernet`) on images for ``epochs`` epochs; ``predict`` scores
each architecture by its inherited-weight accuracy (or minus its loss) on held-out images.
No labels are read. Subclasses say how the supernet is trained by returning their *stages*
(:meth:`WeightSharingPredictor._stages`): a stage trains one network for some epochs,
either along single paths sampled uniformly (optionally within a region of the space whose
decisions are fixed) or through DARTS's continuous relaxation.

Data
----
``images`` is anything :func:`nasperf.datasets.load_image_set` reads (an ``.npz``, a CIFAR
binary or python distribution; CIFAR's *train* split is used), or ``None`` for the 256
CIFAR test images packaged with nasperf (enough for tests and smoke runs, not for a useful
supernet). A seeded permutation holds out ``n_eval`` images for scoring; the rest trains
the supernet (for the relaxation, half of it updates the weights and half the architecture
parameters, as in DARTS). Training uses random crops (4-pixel zero padding) and horizontal
flips. The held-out images are stored with the fitted predictor, so a saved predictor
scores architectures without the original files.

Evaluation
----------
A supernet's BatchNorm running statistics average over every sub-network it trained, so
each architecture is scored with batch statistics (:func:`batch_statistics`) over
``eval_batch_size`` images at a time, as NAS-Bench-201's weight-sharing baselines do.

Resuming
--------
With ``checkpoint=PATH`` the training state is written there after every epoch (atomically:
a temporary file, then ``os.replace``) and read back with ``torch.load(weights_only=True)``
by a later ``fit`` with the same parameters, which continues where it stopped; each epoch's
randomness is derived from ``(seed, stage, epoch)``, so a resumed run ends with the very same
weights as an uninterrupted one. The checkpoint also records ``train_time_s``, the seconds of
``fit`` that produced its state (summed over the runs that wrote it), so that a resumed or
reloaded fit reports the whole training cost: ``train_time_s_`` is those seconds plus the
resuming fit's own. (A checkpoint written before nasperf recorded them gives the sum of its
epochs' seconds in ``history``, which leaves out the setup and the checkpoint writes.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import time
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from nasperf._atomic import atomic_write, make_folder
from nasperf._constraints import PATH, RANDOM_STATE, Device, ImageDataset
from nasperf._denormals import without_denormals
from nasperf._torch_state import torch_state, with_autograd
from nasperf.datasets.images import normalize_images
from nasperf.errors import as_optional_path, short_repr
from nasperf.spaces import as_rng

from ..base import SPACE, Predictor, Requirements

__all__ = ["Stage", "WeightSharingPredictor"]


@dataclasses.dataclass(frozen=True)
class Stage:
    """One training stage of a supernet.

    Attributes
    ----------
    name : str
        Unique within the predictor (checkpoint key, progress label).
    epochs : int
        Epochs of the stage.
    fixed : dict of int -> int
        Decisions held fixed by single-path sampling (a few-shot region); empty: the space.
    relaxation : bool
        Train through DARTS's continuous relaxation (architecture parameters learnt on the
        second half of the training images, first-order) instead of single paths.
    init_from : str or None
        Start from the final weights of this earlier stage (few-shot sub-supernets start
        from the one-shot supernet), else from fresh weights.
    """

    name: str
    epochs: int
    fixed: dict[int, int] = dataclasses.field(default_factory=dict)
    relaxation: bool = False
    init_from: str | None = None


def _is_seconds(value: Any) -> bool:
    """Whether ``value`` is a number of seconds: a finite real >= 0, not a bool."""
    return (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


class WeightSharingPredictor(Predictor):
    """Base class: score architectures with weights inherited from a trained supernet.

    Parameters
    ----------
    space : str or SearchSpace
        A space with a supernet (``nb201``, ``nb301``; :attr:`SearchSpace.has_supernet`).
    dataset : str
        Image dataset (``cifar10``, ``cifar100``, ``ImageNet16-120``): the classifier's
        outputs and the images' normalisation.
    images : path or None
        Image source (see the module docstring); None: the packaged CIFAR test images.
    n_eval : int or None
        Held-out images that score the architectures (at most half of the images); None:
        a quarter of the images, at most 256 (64 of the 256 packaged ones).
    epochs : int
        Training epochs of the supernet (subclasses may add stages).
    batch_size : int
        Training minibatch size.
    lr, momentum, weight_decay, grad_clip : float
        SGD for the weights, cosine-annealed from ``lr`` to ``min(lr, 1e-3)`` over each
        stage (DARTS's settings: 0.025, 0.9, 3e-4, 5).
    augment : bool
        Random crops and flips while training.
    network : dict or None
        Keyword arguments of ``space.build_supernet`` (e.g. ``{"channels": 8,
        "cells_per_stage": 1}`` for a small NB201 supernet); None: the benchmark's size.
    score : {"accuracy", "loss"}
        What ``predict`` returns: inherited-weight accuracy (%) or minus the mean
        cross-entropy, on the held-out images.
    eval_batch_size : int
        Images per forward pass when scoring (also the batch of the BatchNorm statistics).
    checkpoint : path or None
        Save the training state here after every epoch, and resume from it.
    device : str
        ``"cpu"`` (default) or ``"cuda"``.
    progress : bool
        Show a progress bar per stage (tqdm, on stderr).
    random_state : int, numpy Generator or None

    Fitted attributes
    -----------------
    supernet_ : Supernet
        The trained supernet (few-shot: the shared one; see ``subnets_``).
    eval_images_ : ndarray, uint8 (n_eval, 3, H, W); eval_labels_ : ndarray (n_eval,)
    history_ : list of dict
        Per stage and epoch: mean training loss and accuracy, seconds (epochs resumed from
        a checkpoint included, with the seconds they took when they ran).
    train_time_s_ : float
        Seconds of supernet training, the initialisation cost (also in ``fit_time_``): this
        ``fit``'s seconds plus ``resumed_time_s_``, so a fit that resumes a checkpoint, or
        reloads a finished one, reports what the whole training took.
    resumed_time_s_ : float
        Seconds of the ``fit`` runs that produced the checkpoint's state when this fit
        started (0.0 without one): what this fit did not have to spend again. A study adds
        it to the trial's fit time.
    """

    requirements = Requirements(labels=False, images=True, network_training=True, supernet=True)
    numeric = False
    #: Accepted values of ``score``.
    SCORES: ClassVar[tuple[str, ...]] = ("accuracy", "loss")
    #: Tiny settings for the shared contract tests (a few seconds on one core).
    test_params: ClassVar[dict] = {
        "epochs": 1,
        "n_eval": 64,
        "batch_size": 32,
        "network": {"channels": 4, "cells_per_stage": 1},
        "eval_batch_size": 64,
    }

    _parameter_constraints: ClassVar[dict] = {
        "space": SPACE,
        # Names only: the images are loaded by name.
        "dataset": [ImageDataset()],
        "images": [*PATH, None],
        "n_eval": [Interval(Integral, 1, None, closed="left"), None],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "grad_clip": [Interval(Real, 0, None, closed="left")],
        "augment": ["boolean"],
        "network": [dict, None],
        "score": [StrOptions(set(SCORES))],
        "eval_batch_size": [Interval(Integral, 1, None, closed="left")],
        "checkpoint": [*PATH, None],
        "device": [Device()],
        "progress": ["boolean"],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        dataset: str = "cifar10",
        images: Any = None,
        n_eval: int | None = None,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 0.025,
        momentum: float = 0.9,
        weight_decay: float = 3e-4,
        grad_clip: float = 5.0,
        augment: bool = True,
        network: dict | None = None,
        score: str = "accuracy",
        eval_batch_size: int = 256,
        checkpoint: Any = None,
        device: Any = "cpu",
        progress: bool = False,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.dataset = dataset
        self.images = images
        self.n_eval = n_eval
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.grad_clip = grad_clip
        self.augment = augment
        self.network = network
        self.score = score
        self.eval_batch_size = eval_batch_size
        self.checkpoint = checkpoint
        self.device = device
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------------ for subclasses
    def _stages(self) -> list[Stage]:
        """The training stages, in order (fitted attributes are set from their results)."""
        raise NotImplementedError

    def _keep(self, results: dict[str, dict]) -> None:
        """Set the fitted networks from each stage's final ``{"model", "alphas"}``."""
        self.supernet_ = self._load_net(results[self._stages()[-1].name]["model"])

    def _network_for(self, choice: tuple[int, ...]):
        """The trained network that scores decision values ``choice``."""
        return self.supernet_

    def _check_space(self) -> None:
        """Refuse, before any image is read or network trained, what ``space_`` cannot
        serve: a space without a supernet here; subclasses add their own checks (few-shot:
        the number of regions of ``split``)."""
        if not self.space_.has_supernet:
            raise ValueError(f"{type(self).__name__}: {self._no_supernet()}")

    def _no_supernet(self) -> str:
        """Why ``space_`` cannot serve, with the spaces that can."""
        from nasperf.spaces import supernet_spaces

        return (
            f"search space {self.space_.name!r} has no weight-sharing supernet "
            f"(build_supernet); the spaces with one are {', '.join(supernet_spaces())} "
            "(space=, or a space of your own that defines build_supernet)"
        )

    def _supernet_failed(self, err: BaseException) -> str:
        """Why ``space_.build_supernet`` gave no supernet, for a space that defines it
        (:attr:`~nasperf.spaces.SearchSpace.has_supernet` is that rule: a study planned the
        trial, and only fit calls the method)."""
        from nasperf.spaces import supernet_spaces

        space = self.space_.name
        args = [repr(str(self.dataset))]
        args += [f"{k}={short_repr(v)}" for k, v in (self.network or {}).items()]
        call = f"build_supernet({', '.join(args)})"
        if not isinstance(err, NotImplementedError):
            return f"search space {space!r}: {call} raised {type(err).__name__}: {err}"
        others = [s for s in supernet_spaces() if s != space]
        return (
            f"search space {space!r} defines build_supernet, but {call} raised "
            f"NotImplementedError ({err}): a space without a supernet leaves build_supernet "
            f"undefined, so that a study skips {self.name or type(self).__name__} there when "
            "it is planned; "
            + (f"the spaces with one are {', '.join(others)}" if others else "no other has one")
        )

    # ------------------------------------------------------------------ contract
    @with_autograd
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any = None, y: Any = None, **side: Any) -> WeightSharingPredictor:
        """Train the supernet (the predictor's initialisation); ``archs`` and ``y`` are unused.

        Returns the predictor. Raises ``ValueError`` for bad parameters, a space without a
        supernet (naming the spaces with one), too few images, or a checkpoint of other
        parameters.
        """
        start = time.perf_counter()
        as_optional_path(self.checkpoint, "checkpoint")  # "" would be the working folder
        self._check_side(side)
        self.space_ = self._fit_space(archs)
        self._check_space()
        self.encoder_ = None
        self.seed_ = int(as_rng(self.random_state).integers(0, 2**31 - 1))
        train_x, train_y, self.eval_images_, self.eval_labels_ = self._split_images()
        self.history_ = []
        results: dict[str, dict] = {}
        ckpt = self._read_checkpoint()
        self.resumed_time_s_ = self._checkpoint_seconds(ckpt)
        # what every checkpoint write records as the seconds its state took
        self._fit_clock = (start, self.resumed_time_s_)
        try:
            self._run_stages(ckpt, train_x, train_y, results)
        finally:
            del self._fit_clock
        self._keep(results)
        self.train_time_s_ = self.resumed_time_s_ + (time.perf_counter() - start)
        self.fit_time_ = self.train_time_s_
        return self

    def _run_stages(self, ckpt: dict, train_x, train_y, results: dict[str, dict]) -> None:
        """Train the stages the checkpoint ``ckpt`` has not finished, filling ``results``."""
        for index, stage in enumerate(self._stages()):
            if stage.name in ckpt.get("done", {}):
                results[stage.name] = ckpt["done"][stage.name]
                self.history_ = list(ckpt.get("history", []))
                continue
            resume = (
                ckpt.get("current") if ckpt.get("current", {}).get("stage") == stage.name else None
            )
            results[stage.name] = self._train_stage(
                index, stage, train_x, train_y, results, resume, ckpt
            )
            ckpt = {
                "fingerprint": self._fingerprint(),
                "done": {**ckpt.get("done", {}), stage.name: results[stage.name]},
                "history": list(self.history_),
            }
            self._write_checkpoint(ckpt)

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        """Inherited-weight accuracy (%) or minus the loss of each architecture, float64."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        if self._empty_query(archs, side):
            return np.zeros(0, dtype=np.float64)
        metrics = self.inherited_metrics(archs)
        return metrics["accuracy"] if self.score == "accuracy" else -metrics["loss"]

    def inherited_metrics(self, archs: Any) -> dict[str, np.ndarray]:
        """Held-out ``accuracy`` (%) and mean cross-entropy ``loss`` of each architecture
        with inherited weights (one pass computes both; ``predict`` returns one of them)."""
        import torch
        import torch.nn.functional as F
        from sklearn.utils.validation import check_is_fitted

        from nasperf.encodings import as_arch_list
        from nasperf.spaces.supernet import batch_statistics

        check_is_fitted(self, "fit_time_")
        archs = as_arch_list(self.space_, archs)
        dev = self._device()
        x = normalize_images(self.eval_images_, str(self.dataset)).to(dev)
        y = torch.from_numpy(self.eval_labels_.astype(np.int64)).to(dev)
        bs = int(self.eval_batch_size)
        acc = np.empty(len(archs), dtype=np.float64)
        loss = np.empty(len(archs), dtype=np.float64)
        with contextlib.ExitStack() as stack, torch.no_grad():
            ready: set[int] = set()
            for i, arch in enumerate(archs):
                choice = self.supernet_.encode(arch)
                net = self._network_for(choice)
                if id(net) not in ready:  # BatchNorm on batch statistics, set up once per net
                    stack.enter_context(batch_statistics(net))
                    ready.add(id(net))
                correct = total = 0.0
                for s in range(0, len(x), bs):
                    logits = net(x[s : s + bs], choice)
                    total += float(F.cross_entropy(logits, y[s : s + bs], reduction="sum"))
                    correct += float((logits.argmax(1) == y[s : s + bs]).sum())
                acc[i] = 100.0 * correct / len(x)
                loss[i] = total / len(x)
        return {"accuracy": acc, "loss": loss}

    # ------------------------------------------------------------------ parameters and data
    def _device(self):
        from nasperf._device import resolve_device

        return resolve_device(self.device)

    def _split_images(self):
        from nasperf.datasets.images import load_image_set

        imgs = load_image_set(
            str(self.dataset), source=self.images, split="train", argument="images"
        )
        n = len(imgs)
        n_eval = min(256, n // 4) if self.n_eval is None else int(self.n_eval)
        if n_eval < 1 or n_eval > n // 2:
            raise ValueError(
                f"n_eval={n_eval} held-out images leave too few of the {n} images "
                f"{'packaged' if self.images is None else f'in {self.images}'} for training "
                "(at most half may be held out); pass images= a larger source or lower n_eval"
            )
        perm = np.random.default_rng([self.seed_, 0]).permutation(n)
        ev, tr = perm[:n_eval], perm[n_eval:]
        return imgs.images[tr], imgs.labels[tr], imgs.images[ev], imgs.labels[ev]

    def _augment(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random 4-pixel-padded crops and horizontal flips of uint8 ``(n, 3, H, W)``."""
        if not self.augment:
            return images
        n, _, h, w = images.shape
        padded = np.pad(images, ((0, 0), (0, 0), (4, 4), (4, 4)))
        dy = rng.integers(0, 9, size=n)
        dx = rng.integers(0, 9, size=n)
        flip = rng.random(n) < 0.5
        out = np.empty_like(images)
        for i in range(n):
            crop = padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w]
            out[i] = crop[:, :, ::-1] if flip[i] else crop
        return out

    # ------------------------------------------------------------------ networks
    def _new_net(self, seed: int):
        from nasperf.spaces.supernet import Supernet

        try:
            # module initialisation only, in float32; the caller's global state is restored
            with torch_state(seed):
                net = self.space_.build_supernet(str(self.dataset), **(self.network or {}))
        except TypeError as err:
            raise ValueError(f"network={self.network!r}: {err}") from None
        except Exception as err:
            # one line naming the space, the call and the predictor (what a study shows of
            # a failed trial), the space's own traceback kept as the cause
            raise ValueError(f"{type(self).__name__}: {self._supernet_failed(err)}") from err
        if not isinstance(net, Supernet):
            raise ValueError(
                f"{type(self).__name__}: search space {self.space_.name!r}: build_supernet "
                f"returned {short_repr(net)} ({type(net).__name__}), not a "
                "nasperf.spaces.supernet.Supernet"
            )
        return net.to(self._device())

    def _load_net(self, state: dict):
        net = self._new_net(self.seed_)
        net.load_state_dict(state)
        return net

    def _build_modules(self) -> None:
        self.space_ = self._space()
        self.supernet_ = self._new_net(getattr(self, "seed_", 0))

    # ------------------------------------------------------------------ training
    def _train_stage(self, index, stage, train_x, train_y, results, resume, ckpt) -> dict:
        import torch
        import torch.nn.functional as F
        from tqdm.auto import tqdm

        if stage.init_from is not None:
            net = self._load_net(results[stage.init_from]["model"])
        else:
            net = self._new_net(self.seed_ + 1 + index)
        dev = self._device()
        params = list(net.parameters())
        opt = without_denormals(
            torch.optim.SGD(
                params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay
            )
        )
        alphas = alpha_opt = None
        n = len(train_x)
        if stage.relaxation:
            gen = torch.Generator().manual_seed(self.seed_ + 1000 + index)
            alphas = net.init_alphas(gen)
            alpha_opt = without_denormals(
                torch.optim.Adam(
                    list(alphas.values()), lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3
                )
            )
            w_idx, a_idx = np.arange(n // 2), np.arange(n // 2, n)
        else:
            w_idx = np.arange(n)
        if len(w_idx) < 1 or (stage.relaxation and len(a_idx) < 1):
            raise ValueError(f"too few training images ({n}) for stage {stage.name!r}")
        start_epoch = 0
        if resume is not None:
            net.load_state_dict(resume["model"])
            opt.load_state_dict(resume["optimizer"])
            if alphas is not None:
                for k, v in resume["alphas"].items():
                    alphas[k].data.copy_(v)
                alpha_opt.load_state_dict(resume["alpha_optimizer"])
            start_epoch = int(resume["epoch"])
            self.history_ = list(resume["history"])
        y_all = torch.from_numpy(train_y.astype(np.int64))
        bs = int(self.batch_size)
        eta_min = min(float(self.lr), 1e-3)
        # made only when shown: a disabled tqdm still starts a monitor thread that outlives fit
        bar = (
            tqdm(
                total=stage.epochs,
                initial=start_epoch,
                desc=f"{self.name or type(self).__name__} {stage.name}",
                unit="epoch",
            )
            if self.progress
            else None
        )

        def batch(idx: np.ndarray, rng: np.random.Generator):
            xb = self._augment(train_x[idx], rng)  # as they are when augment is off
            return normalize_images(xb, str(self.dataset)).to(dev), y_all[idx].to(dev)

        for epoch in range(start_epoch, stage.epochs):
            t0 = time.perf_counter()
            lr = eta_min + 0.5 * (self.lr - eta_min) * (
                1 + math.cos(math.pi * epoch / stage.epochs)
            )
            for g in opt.param_groups:
                g["lr"] = lr
            rng = np.random.default_rng([self.seed_, 1 + index, epoch])
            order = rng.permutation(w_idx)
            a_order = rng.permutation(a_idx) if stage.relaxation else None
            net.train()
            tot_loss = tot_correct = seen = 0.0
            for b, s in enumerate(range(0, len(order), bs)):
                xb, yb = batch(order[s : s + bs], rng)
                if stage.relaxation:
                    # First-order DARTS: an architecture step on held-out training images,
                    # then a weight step through the relaxed network.
                    k = (b * bs) % len(a_order)
                    xa, ya = batch(a_order[k : k + bs], rng)
                    alpha_opt.zero_grad(set_to_none=True)
                    F.cross_entropy(net(xa, alphas=alphas), ya).backward(
                        inputs=list(alphas.values())
                    )
                    alpha_opt.step()
                    logits = net(xb, alphas={k2: v.detach() for k2, v in alphas.items()})
                else:
                    logits = net(xb, net.sample_choice(rng, stage.fixed))
                loss = F.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if self.grad_clip:
                    torch.nn.utils.clip_grad_norm_(params, float(self.grad_clip))
                opt.step()
                tot_loss += float(loss.detach()) * len(yb)
                tot_correct += float((logits.argmax(1) == yb).sum())
                seen += len(yb)
            self.history_.append(
                {
                    "stage": stage.name,
                    "epoch": epoch + 1,
                    "lr": lr,
                    "train_loss": tot_loss / seen,
                    "train_accuracy": 100.0 * tot_correct / seen,
                    "seconds": time.perf_counter() - t0,
                }
            )
            if bar is not None:
                bar.update(1)
            if self.checkpoint is not None:
                current = {
                    "stage": stage.name,
                    "epoch": epoch + 1,
                    "model": net.state_dict(),
                    "optimizer": opt.state_dict(),
                    "history": list(self.history_),
                }
                if alphas is not None:
                    current["alphas"] = {k: v.detach() for k, v in alphas.items()}
                    current["alpha_optimizer"] = alpha_opt.state_dict()
                self._write_checkpoint(
                    {**ckpt, "fingerprint": self._fingerprint(), "current": current}
                )
        if bar is not None:
            bar.close()
        out = {"model": {k: v.detach().clone() for k, v in net.state_dict().items()}}
        if alphas is not None:
            out["alphas"] = {k: v.detach().clone() for k, v in alphas.items()}
        return out

    # ------------------------------------------------------------------ checkpoints
    def _fingerprint(self) -> str:
        params = self.get_params(deep=False)
        for k in ("checkpoint", "progress", "device"):
            params.pop(k, None)
        params["space"] = self.space_.name
        blob = json.dumps(
            {"class": type(self).__name__, "seed": self.seed_, "params": params},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def _read_checkpoint(self) -> dict:
        import torch

        if self.checkpoint is None or not Path(self.checkpoint).exists():
            return {}
        try:
            state = torch.load(Path(self.checkpoint), map_location="cpu", weights_only=True)
        except Exception as err:  # any unreadable file is the same problem for the user
            raise ValueError(
                f"checkpoint {self.checkpoint} cannot be read as a nasperf supernet checkpoint "
                f"({type(err).__name__}: {err}); delete it to start over"
            ) from None
        if not isinstance(state, dict) or state.get("fingerprint") != self._fingerprint():
            raise ValueError(
                f"checkpoint {self.checkpoint} was written by a different predictor or "
                "different parameters / random_state; delete it or pass another path"
            )
        return state

    def _checkpoint_seconds(self, state: dict) -> float:
        """Seconds of ``fit`` that produced checkpoint ``state`` (0.0 for none): its
        ``train_time_s``, else (written before it was recorded) the sum of its epochs'
        seconds in ``history``."""
        if not state:
            return 0.0
        if "train_time_s" in state:
            value = state["train_time_s"]
            if not _is_seconds(value):
                raise ValueError(
                    f"checkpoint {self.checkpoint}: train_time_s is {short_repr(value)}, not "
                    "a number of seconds; delete it to start over"
                )
            return float(value)
        current = state.get("current")
        history = (current.get("history") if isinstance(current, dict) else None) or state.get(
            "history"
        )
        seconds = [h.get("seconds") for h in history or () if isinstance(h, dict)]
        return float(sum(s for s in seconds if _is_seconds(s)))

    def _write_checkpoint(self, state: dict) -> None:
        import torch

        if self.checkpoint is None:
            return
        start, resumed = self._fit_clock
        state = {**state, "train_time_s": resumed + (time.perf_counter() - start)}
        path = Path(self.checkpoint)
        make_folder(path.parent)
        with atomic_write(path) as fh:
            torch.save(state, fh)


def region_product(cardinalities: list[int]) -> list[tuple[int, ...]]:
    """Every combination of values of decisions with these cardinalities, in order."""
    import itertools

    return list(itertools.product(*(range(c) for c in cardinalities)))

"""Zero-cost proxy scores of many architectures: build, score, cache.

:func:`compute` turns a list of architectures into a table of proxy scores (one row per
architecture, one column per proxy), the format :class:`nasperf.encodings.zero_cost.
ZeroCostFeatures` reads as its ``table``. Each architecture's network comes from the space's
own builder with weights initialised from ``seed``; every proxy sees the same fixed, seeded
minibatch of real images; results go to an on-disk cache (:mod:`.cache`) so that a second
call with the same settings builds no network.

Determinism
-----------
A score depends only on (space, dataset, minibatch, seed, network kwargs, device type,
architecture, proxy), never on which other architectures or proxies are computed in the
same call, in which order, or in how many processes: every architecture's network is built
with torch's random stream reseeded from ``seed`` and float32 as the default dtype (inside
:func:`nasperf._torch_state.torch_state`, so the caller's global RNG state and default dtype
are left as they were, and threads computing at once do not draw from each other's stream),
and :func:`~nasperf.zero_cost.score_details` leaves the network unchanged and gives each
proxy the value it would have alone. That is what makes per-(architecture, proxy) caching
sound.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasperf._device import resolve_device
from nasperf.errors import (
    ArchitectureFailedError,
    architecture_failed,
    as_path,
    check_flag,
    short_repr,
    warn_caller,
)

from .cache import ProxyCache, canonical_json, resolve_cache
from .charges import record_computation
from .engine import ProxyInputs, class_labels, regression_loss, scoring_dtype

__all__ = [
    "compute",
    "data_free",
    "nan_reasons",
    "read_proxy_table",
    "regression_loss",
    "resolve_proxies",
]

#: Bumped when a change here alters the scores stored under the same settings.
#: 2: on networks with dropout every proxy draws its masks from the seed (zen and zico had
#: depended on the other proxies of the call, so a stored value on the call's history), and
#: zen runs with dropout off (it had measured the masks' noise); nn.MultiheadAttention's
#: projections are scored (they had been left out); fisher and meco read the channels of a
#: transformer's (batch, tokens, channels) outputs from their last dim.
#: 3: recurrent layers' weight matrices (nn.LSTM / nn.GRU / nn.RNN and their cells) are
#: scored by the weight-based proxies (they had been left out) and fisher is NaN on networks
#: that have them; networks without recurrent layers score as under 2.
#: 4: a user's layer holding its own parameter and passing it to F.conv1d/2d/3d, F.linear,
#: @ / matmul / einsum is scored as the built-in layer (engine Context.functional_weights;
#: it had been left out of every weight-based proxy). Networks of torch's and
#: torch_geometric's layers score bit for bit as under 3 (NB201, NB101, NB301, TNB101,
#: NAS-Bench-Graph, attention and recurrent networks checked). zen reads the pool that runs
#: last in each forward (it had taken the last one registered, and paired its first and
#: last calls) and draws a tied weight once (it had drawn it once per layer holding it).
#: 5: a compute() called inside torch.no_grad() had stored NaN for nwot, jacov, snip,
#: grad_norm, fisher, grasp, plain, meco, swap and epe_nas with the reason "the network's
#: output does not depend on its weights", which a genuine NaN also gives: poisoned entries
#: cannot be told apart, so no format-4 entry is read back (_seeded now turns gradients on).
#: Also: float16 / bfloat16 networks are scored as float32 copies (grasp had been NaN in
#: float16, zico 8-9 % off) and zen draws in float32 whatever the network's dtype (a
#: float64 network's zen moves; a float32 network's does not). float32 networks score bit
#: for bit as under 4 (NB201, NB101, a plain network checked).
#: 6: nwot and swap read ReLUs written as functions (F.relu, torch.relu, x.relu(), F.relu6)
#: as well as nn.ReLU modules (a network mixing them had been scored from its modules
#: only); a user's weight used through torch.linalg.matmul / tensordot / inner /
#: multi_dot, computed from one parameter (w * mask) or a flat parameter's view is scored,
#: a sliced one (w[:k]) as its slice; zen reads a functional head pool; fisher of a torch
#: layer holding functional weights of its own reads its weight's output. Networks of
#: torch's layers with nn.ReLU modules score bit for bit as under 5 (NB201, NB101, NB301,
#: TNB101, NAS-Bench-Graph, recurrent and attention networks, a plain network checked).
#: 7: scores of format 6 that were wrong move: the added input of torch.addmm / addmv /
#: baddbmm / addbmm is a bias, not a weight (l2_norm 17.82 -> 3.18); a gather (emb(ids) @ W)
#: ends a weight's trace (the embedding table had been scored); a functional ReLU of a
#: parameter, and any ReLU whose rows are not the samples (a sequence-first transformer
#: layer's), is not read by nwot / swap; a lazy half network is initialised in float32 (it
#: had failed). Networks scored right under 6 score bit for bit as under it (NB201, NB101,
#: NB301, TNB101, NAS-Bench-Graph, recurrent, attention and functional-layer networks).
_CACHE_FORMAT = 7

Scores = dict[str, tuple[float, str | None]]


# ---------------------------------------------------------------------- proxies
def _zc():
    # The proxy package imports this module's siblings on import; import it lazily.
    return importlib.import_module("nasperf.zero_cost")


def resolve_proxies(proxies: str | Iterable[str]) -> list[str]:
    """Canonical proxy names from ``"all"``, one name, ``"a,b"`` or a list.

    Aliases resolve to the proxy's own name (``jacob_cov`` -> ``jacov``), so tables and the
    cache use one column name per proxy; repeats are dropped. ``"all"`` is every proxy
    defined on a single network (population-level rank votes are left out).

    Raises
    ------
    nasperf.UnknownNameError
        For an unregistered name; the message lists the available proxies.
    """
    zc = _zc()
    if isinstance(proxies, str):
        if proxies.strip().lower() == "all":
            proxies = zc.available(population=False)
        else:
            proxies = [p.strip() for p in proxies.split(",") if p.strip()]
    names: list[str] = []
    for name in proxies:
        cls = zc.PROXIES.get(name)  # raises UnknownNameError listing what is available
        key = (getattr(cls, "name", "") or name).lower()
        if key not in zc.PROXIES or zc.PROXIES.get(key) is not cls:
            key = name.lower()
        if key not in names:
            names.append(key)
    if not names:
        raise ValueError(f"no proxies given; available: {', '.join(zc.available())}")
    return names


def data_free(proxies: Sequence[str]) -> bool:
    """Whether every one of ``proxies`` (registered names) reads no data: only the weights
    and the input shape (``Proxy.data == "none"``: synflow, params, flops, l2_norm, zen),
    so it runs on any task the space builds networks for, without images."""
    zc = _zc()
    return all(getattr(zc.PROXIES.get(p), "data", "") == "none" for p in proxies)


def _score(network, inputs, targets, proxies: Sequence[str], seed: int) -> Scores:
    """``{proxy: (value, reason)}``; ``reason`` says why a value is NaN (None otherwise).
    The loss is the proxies' default for the targets (:func:`~nasperf.zero_cost.engine.
    default_loss`): a regression task's real targets (a one-output task, or real targets of
    a dense output's shape) the mean squared error (:func:`regression_loss`), class labels
    cross-entropy (per element of a dense output)."""
    details = _zc()._details(network, inputs, targets, list(proxies), None, seed=seed)
    out: Scores = {}
    for proxy in proxies:
        r = details[proxy]
        try:
            value = float(r.value)
        except (TypeError, ValueError):
            raise ValueError(
                f"proxy {proxy!r} returned {short_repr(r.value)}, not a number"
            ) from None
        reason = r.reason
        if math.isnan(value) and not reason:
            reason = "undefined (the proxy gave no reason)"
        out[proxy] = (value, reason if math.isnan(value) else None)
    return out


# ---------------------------------------------------------------------- devices and RNG
def _seeded(seed: int, device: Any) -> AbstractContextManager[None]:
    """Seed torch's CPU (and ``device``'s CUDA) generator, with float32 as the default dtype,
    gradients on and inference mode off, and nasperf's torch lock held
    (:func:`nasperf._torch_state.torch_state`); the caller's generators, default dtype and
    grad modes are restored on exit. Every build and score runs inside: a caller's
    ``torch.no_grad()`` had made ten proxies NaN ("does not depend on its weights", a false
    reason) and ``compute`` had cached them; ``torch.inference_mode()`` had built inference
    tensors that autograd refuses."""
    from nasperf._torch_state import torch_state

    return torch_state(seed, devices=[device], autograd=True)


# ---------------------------------------------------------------------- one architecture
@dataclass
class _Job:
    """What a worker needs to score architectures (picklable)."""

    space: Any
    task: Any
    inputs: Any
    targets: Any
    seed: int
    device: str
    network_kwargs: dict = field(default_factory=dict)


class _SettingsError(ValueError):
    """``network_kwargs`` that do not build the space's networks: the run's settings are at
    fault, not one architecture."""


def _evaluate(job: _Job, arch: Any, proxies: Sequence[str]) -> tuple[Scores, float]:
    """Scores of ``arch`` for ``proxies`` and the seconds they took; an exception of the
    space's builder or a proxy becomes one :class:`ArchitectureFailedError` naming them."""
    import torch

    start = time.perf_counter()
    device = torch.device(job.device)
    try:
        with _seeded(job.seed, device):
            network = _build(job, arch)
    except _SettingsError:
        raise
    except Exception as err:
        raise _failed(job, arch, "building its network", err) from err
    try:
        network = network.to(device)
        x, y = _in_dtype(job.inputs, job.targets, scoring_dtype(network))
        x, y = x.to(device), y.to(device)
        # score_details never changes the network and runs each shared pass once for all
        # proxies; a proxy's value does not depend on which others it is computed with
        # (tests/predictors/zero_cost/test_compute.py checks this), so caching per proxy is
        # sound.
        with _seeded(job.seed, device):
            scores = _score(network, x, y, proxies, job.seed)
    except Exception as err:
        raise _failed(job, arch, f"computing {', '.join(proxies)}", err) from err
    return scores, time.perf_counter() - start


def _in_dtype(inputs: Any, targets: Any, dtype: Any) -> tuple[Any, Any]:
    """The minibatch (a tensor or a graph's ``ProxyInputs``; float32 as loaded) with its
    floating tensors, real targets included, in ``dtype``: the network's own floating dtype
    (:func:`~nasperf.zero_cost.engine.scoring_dtype`; float32 for a half-precision network,
    which is scored as a float32 copy). A space building float64 networks had failed even
    for the data-free proxies ("Input type (float) and bias type (double)"), although the
    placeholder zeros are documented in the network's dtype. Exact: float32 to float64
    widens; float32 networks get the batch itself."""

    def cast(t: Any) -> Any:
        return t.to(dtype) if t.is_floating_point() and t.dtype != dtype else t

    return (inputs.map(cast) if isinstance(inputs, ProxyInputs) else cast(inputs)), cast(targets)


def _build(job: _Job, arch: Any):
    """The network of ``arch``; :class:`_SettingsError` where ``network_kwargs`` are at fault:
    the build fails with them and succeeds without them (otherwise the architecture is)."""
    import torch

    try:
        network = job.space.build_network(arch, job.task, **job.network_kwargs)
    except (TypeError, ValueError, RuntimeError) as err:
        if not job.network_kwargs or not _builds_by_default(job, arch):
            raise  # this architecture's fault (its default network fails too)
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise _SettingsError(
            f"network_kwargs {short_repr(job.network_kwargs)} do not build a "
            f"{job.space.name} network: {reason}"
        ) from None
    if not isinstance(network, torch.nn.Module):
        raise TypeError(
            f"{job.space.name}.build_network returned {type(network).__name__}, expected a "
            "torch.nn.Module"
        )
    return network


def _builds_by_default(job: _Job, arch: Any) -> bool:
    """Whether ``arch``'s network builds without ``network_kwargs`` (asked only once a build
    with them has failed, to tell the settings' fault from the architecture's)."""
    try:
        job.space.build_network(arch, job.task)
    except Exception:
        return False
    return True


def _failed(job: _Job, arch: Any, step: str, err: BaseException) -> ArchitectureFailedError:
    try:
        text = job.space.to_string(arch)
    except Exception:
        text = short_repr(arch)
    return architecture_failed(job.space.name, text, step, err)


_WORKER_JOB: _Job | None = None


def _in_daemonic_process() -> bool:
    """Whether this process is a daemonic ``multiprocessing`` child (a ``Pool`` worker),
    which ``multiprocessing`` forbids to have children of its own."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _one_torch_thread() -> AbstractContextManager[None]:
    """Score with one torch intra-op thread, as every worker process does, whatever the
    caller's setting: float reductions split over threads round differently (plain and
    grasp moved by up to 2 % between one and two threads), and the cache keeps one value
    per architecture and settings, so the value must not depend on who computed it. The
    caller's count is restored after (under nasperf's torch lock, so that threads scoring
    at once cannot restore each other's setting)."""
    from nasperf._torch_state import torch_state

    return torch_state(n_threads=1)


def _init_worker(
    job: _Job, imports: Sequence[str], parent: int | None = None, proxies: Sequence[str] = ()
) -> None:
    import torch

    from nasperf._process import watch_parent

    global _WORKER_JOB
    if parent is not None:
        watch_parent(parent)  # exit when the computing process dies (kill -9 included)
    # One intra-op thread per process: N workers use N cores without oversubscription.
    torch.set_num_threads(1)
    from nasperf._imports import import_user_module

    for module in imports:
        import_user_module(module)
    from .engine import PROXIES

    unknown = [p for p in proxies if p not in PROXIES]
    if unknown:  # said once, at start-up, not as every architecture's failure
        raise RuntimeError(
            f"zero-cost proxies {unknown} are not registered in the worker process: they are "
            "registered by code the worker does not run (an interactive session, or under "
            "`if __name__ == '__main__':`); put them in a module and import it at its top"
        )
    _WORKER_JOB = job


def _worker_evaluate(item: tuple[Any, Any, tuple[str, ...]]) -> tuple[Any, Scores, float]:
    key, arch, proxies = item
    assert _WORKER_JOB is not None
    scores, seconds = _evaluate(_WORKER_JOB, arch, proxies)
    return key, scores, seconds


# ---------------------------------------------------------------------- the computation
def _tensor_digest(*tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        a = t.detach().cpu().contiguous().numpy()
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _load_graph_inputs(task, inputs: Any, batch_size: int | None, seed: int):
    """``(ProxyInputs, labels)`` of a graph task: the packaged graph, a graph ``.npz`` or a
    ``torch_geometric.data.Data``; the scored nodes are ``batch_size`` training nodes drawn
    with ``seed`` (``None``: all of them), the same draw for each
    (:func:`nasperf.datasets.graphs.draw_nodes`); a ``Data``'s training nodes are those of
    ``data.mask`` (else ``data.train_mask``, else every node)."""
    import dataclasses

    import torch

    from nasperf.datasets import load_graph
    from nasperf.datasets.graphs import GRAPH_FILES, draw_nodes, has_packaged_graph
    from nasperf.spaces import as_rng

    from .engine import as_proxy_inputs

    if inputs is None and not has_packaged_graph(task.name):
        raise ValueError(
            f"no packaged graph for dataset {task.name!r} (packaged: {', '.join(GRAPH_FILES)}): "
            "pass inputs=<a torch_geometric Data with x, edge_index, y and train_mask, or the "
            "path of a graph .npz>"
        )
    if inputs is None or isinstance(inputs, str | os.PathLike):
        data = load_graph(
            task.name,
            batch_size,
            seed,
            source=None if inputs is None else as_path(inputs, "inputs"),
        )
        batch = as_proxy_inputs(data)
    else:
        data = inputs
        if not isinstance(getattr(data, "y", None), torch.Tensor):
            raise ValueError(
                "graph inputs must be None (packaged graph), a path to a graph .npz, or a "
                f"torch_geometric Data with x, edge_index, y and train_mask; got "
                f"{type(inputs).__name__}"
            )
        batch = as_proxy_inputs(data)
        if batch_size is not None:
            # the packaged graph's draw (load_graph), from the Data's training nodes
            nodes = np.arange(batch.x.shape[0]) if batch.rows is None else batch.rows.numpy()
            where = f"{batch.scored} selects" if batch.scored else "the graph has"
            chosen = draw_nodes(nodes, batch_size, as_rng(seed, "seed"), where, "batch_size")
            batch = dataclasses.replace(batch, rows=torch.from_numpy(chosen))
    if not torch.is_floating_point(batch.x) or batch.x.shape[1] != task.num_features:
        raise ValueError(
            f"{task.name} networks take {task.num_features} float node features, got "
            f"{batch.x.dtype} {tuple(batch.x.shape)}"
        )
    y = data.y
    if y.shape != (batch.x.shape[0],):
        raise ValueError(f"labels must have shape ({batch.x.shape[0]},), got {tuple(y.shape)}")
    return batch, y.to(torch.int64)


def _load_inputs(task, inputs: Any, batch_size: int, seed: int, *, data_free: bool = False):
    """The minibatch: ``inputs`` as given, or the packaged images of ``task``. Where every
    proxy is data-free (reads only weights and the input's shape: synflow, params, flops,
    l2_norm, ...) and no images are packaged for the task (ImageNet16-120, Taskonomy, a
    user's ImageTask), a placeholder batch of zeros of the task's shape: no proxy reads it."""
    import torch

    from nasperf.datasets import load_image_batch
    from nasperf.datasets.images import has_packaged_images
    from nasperf.spaces import TensorTask

    if isinstance(task, TensorTask):
        return _tensor_inputs(task, inputs, batch_size, data_free, seed)
    if inputs is None and data_free and not has_packaged_images(task.name):
        # (N, tiles, C, H, W) for jigsaw; float32 whatever the caller's default dtype, cast
        # to each network's floating dtype when it is scored (_in_dtype)
        x = torch.zeros(task.input_shape(batch_size), dtype=torch.float32)
        return x, torch.zeros(batch_size, dtype=torch.int64)
    if isinstance(inputs, str | os.PathLike) and task.name.strip().lower() not in _image_datasets():
        # a task of one output is a regression: its targets are real numbers
        targets = (
            "real targets (N,) (a regression: one output)"
            if task.num_classes == 1
            else f"int class labels (N,) in [0, {task.num_classes})"
        )
        raise ValueError(
            f"inputs={str(inputs)[:200]!r}: an image file is read as images of a dataset nasperf "
            "knows (cifar10, cifar100, ImageNet16-120), whose normalisation it holds; for "
            f"{task.name!r}, a task of yours, pass inputs=(images, targets) tensors "
            f"(float images (N, {task.channels}, H, W), {targets}), normalised as your "
            "networks are trained"
        )
    if inputs is None or isinstance(inputs, str | os.PathLike):
        try:
            return load_image_batch(
                task.name,
                n=batch_size,
                seed=seed,
                source=None if inputs is None else as_path(inputs, "inputs"),
            )
        except ValueError as err:
            if inputs is not None:
                raise
            raise ValueError(
                f"{err}. compute() takes inputs=(images, labels) tensors or inputs=<path to "
                "an .npz or CIFAR-format image source>; the CLI takes --images PATH"
            ) from err
    if not isinstance(inputs, tuple | list) or len(inputs) != 2:
        raise ValueError(
            "inputs must be None (packaged images), a path to an image source, or a pair "
            f"(images, labels) of tensors; got {type(inputs).__name__}"
        )
    x, y = _tensor_pair(inputs, "(images, labels)")
    if x.ndim != 4 or not torch.is_floating_point(x):
        raise ValueError(
            f"inputs: images must be a float tensor (N, C, H, W), got {x.dtype} {tuple(x.shape)}"
        )
    _check_label_shape(x, y)
    if x.shape[1] != task.channels:
        raise ValueError(
            f"inputs: {task.name} networks take {task.channels} channels, got {x.shape[1]}"
        )
    if not bool(torch.isfinite(x).all()):
        raise ValueError("inputs: images hold NaN / inf values")
    return x, _checked_targets(task, y)


def _checked_targets(task: Any, y: Any) -> Any:
    """The targets ``y`` of a minibatch for ``task`` (an :class:`~nasperf.spaces.ImageTask` or
    :class:`~nasperf.spaces.TensorTask`) as the proxies read them (:func:`~nasperf.zero_cost.
    engine.default_loss`): a one-output task's (``num_classes=1``, a regression) real targets
    ``(N,)`` or ``(N, 1)`` as float32 (integers cast), the mean squared error's; per-element targets of a
    dense output (``(N, H, W)`` class labels of a segmentation, real ``(N, C, H, W)`` pixels)
    as int64 / float32, checked against each network's output by the proxies' contract;
    otherwise class labels ``(N,)`` in ``[0, num_classes)`` as int64."""
    import torch

    if y.is_complex() or y.dtype == torch.bool:
        raise ValueError(
            f"inputs: labels must be integer classes or real targets of a regression, got {y.dtype}"
        )
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"inputs: targets must be finite real numbers, got NaN / inf in {y.dtype}")
    if task.num_classes == 1 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        # a regression network: real targets, (N,) or (N, 1), which the loss-reading
        # proxies read through the mean squared error (regression_loss)
        return y.to(torch.float32)
    if y.is_floating_point() and y.ndim > 1:
        return y.to(torch.float32)  # real per-element targets of a dense output
    _check_integer_labels(y)
    _check_label_range(task, y)
    return class_labels(y)


def _tensor_pair(inputs: Any, what: str) -> tuple[Any, Any]:
    """``inputs``, a pair, as two tensors (an error naming ``what`` the pair holds)."""
    import torch

    try:
        x, y = (torch.as_tensor(v) for v in inputs)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"inputs must be {what} tensors: {err}") from None
    return x, y


def _check_label_shape(x: Any, y: Any) -> None:
    """One label per sample: ``(N,)``, or ``(N, ...)`` per element of a dense output."""
    if y.ndim < 1 or len(y) != len(x):
        raise ValueError(
            f"inputs: labels must have shape ({len(x)},) (({len(x)}, ...) per element of a "
            f"dense output), got {tuple(y.shape)}"
        )


def _check_integer_labels(y: Any) -> None:
    if y.is_floating_point():
        raise ValueError(
            f"inputs: labels must be integer classes, got {y.dtype} (real targets are a "
            "regression's: a task of one output, num_classes=1, or per-element targets of "
            "a dense output's shape)"
        )


def _check_label_range(task: Any, y: Any) -> None:
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= task.num_classes):
        raise ValueError(
            f"inputs: labels must be classes 0..{task.num_classes - 1} of {task.name}, got "
            f"values in [{int(y.min())}, {int(y.max())}]"
        )


def _image_datasets() -> frozenset[str]:
    """The image datasets whose files ``load_image_batch`` reads (names and aliases, lower
    case)."""
    from nasperf.datasets.images import _ALIASES

    return frozenset(_ALIASES)


def _tensor_inputs(task: Any, inputs: Any, batch_size: int, data_free: bool, seed: int = 0):
    """The minibatch of a :class:`~nasperf.spaces.TensorTask`: ``inputs=(x, y)`` as given
    (``x`` float ``(N, *task.shape)``, ``y`` class labels, or real targets of a one-output
    task: :func:`_checked_targets`), ``batch_size`` samples drawn with
    ``seed`` from an ``.npz`` path (``data``, ``labels``;
    :func:`nasperf.datasets.images.read_tensor_npz`), or for data-free proxies alone a
    placeholder of zeros (nothing is packaged for a task of yours)."""
    import torch

    if isinstance(inputs, str | os.PathLike):
        from nasperf.datasets.images import read_tensor_npz

        x_all, y_all = read_tensor_npz(as_path(inputs, "inputs"))
        if batch_size > len(x_all):
            raise ValueError(
                f"inputs: asked for a batch of {batch_size} but {inputs} holds {len(x_all)} samples"
            )
        rows = np.random.default_rng(seed).choice(len(x_all), size=batch_size, replace=False)
        inputs = (torch.from_numpy(x_all[rows].astype(np.float32)), torch.from_numpy(y_all[rows]))
    if inputs is None:
        if data_free:  # float32, cast to each network's floating dtype (_in_dtype)
            x = torch.zeros(task.input_shape(batch_size), dtype=torch.float32)
            return x, torch.zeros(batch_size, dtype=torch.int64)
        wanted = (
            "y real targets (N,) (a regression: one output)"
            if task.num_classes == 1
            else f"y class labels (N,) in [0, {task.num_classes})"
        )
        raise ValueError(
            f"no data is packaged for {task.name!r} (a TensorTask of yours): the "
            "data-dependent proxies need inputs=(x, y), x float (N, "
            f"{', '.join(map(str, task.shape))}) and {wanted}, or an .npz of 'data' and "
            "'labels' (nasperf proxies --images FILE.npz); the data-free ones (synflow, "
            "params, flops, l2_norm, zen) need none"
        )
    if not isinstance(inputs, tuple | list) or len(inputs) != 2:
        raise ValueError(
            f"inputs for {task.name!r} (a TensorTask) must be a pair (x, y) of tensors or an "
            f".npz path; got {type(inputs).__name__}"
        )
    x, y = _tensor_pair(inputs, "(x, y)")
    if not torch.is_floating_point(x) or tuple(x.shape[1:]) != tuple(task.shape):
        want = ", ".join(["N", *map(str, task.shape)])
        raise ValueError(
            f"inputs: {task.name} networks take float x of shape ({want}), got {x.dtype} "
            f"{tuple(x.shape)}"
        )
    _check_label_shape(x, y)
    if not bool(torch.isfinite(x).all()):
        raise ValueError("inputs: x holds NaN / inf values")
    return x.float(), _checked_targets(task, y)


def builder_digest(space: Any) -> str | None:
    """What a user's space builds, as a sha256 that keys its cached scores: the source files
    of its class and of its base classes outside nasperf (the class's qualified name where
    it has no file, e.g. defined in a notebook). Editing the file that defines the space, or
    registering another class under the same name, changes it, so the cache never returns
    the scores of networks the space built before; no network is built for it (a cache hit
    builds none). A builder in another file of yours: pass a version in ``network_kwargs``
    (part of the key) when you change it, or clear the cache. None for nasperf's own
    spaces, whose networks change only with nasperf's version (part of the key already)."""
    import inspect

    cls = type(space)
    if cls.__module__.split(".")[0] == "nasperf":
        return None
    h = hashlib.sha256()
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] in ("nasperf", "builtins", "abc", "typing"):
            continue
        h.update(f"{klass.__module__}.{klass.__qualname__}\n".encode())
        try:
            h.update(hashlib.sha256(Path(inspect.getsourcefile(klass) or "").read_bytes()).digest())
        except (OSError, TypeError):
            pass
    return h.hexdigest()


#: :meth:`Computation.keys` shows a progress bar (when asked) from this many architectures.
_KEYS_BAR_FROM = 10_000


class Computation:
    """Resolved settings of one :func:`compute` call (shared with the CLI)."""

    def __init__(
        self,
        space: Any,
        proxies: Any,
        dataset: Any = None,
        *,
        batch_size: int | None = 64,
        seed: int = 0,
        device: Any = "cpu",
        cache: Any = True,
        network_kwargs: Mapping[str, Any] | None = None,
        inputs: Any = None,
    ) -> None:
        import torch

        import nasperf
        from nasperf.spaces import SearchSpace, TensorTask, get_space

        self.space = get_space(space) if isinstance(space, str) else space
        if not isinstance(self.space, SearchSpace):
            raise ValueError(
                f"space must be a registered name or a SearchSpace, got {type(space).__name__}"
            )
        self.proxies = resolve_proxies(proxies)
        zc = _zc()
        for p in self.proxies:
            if getattr(zc.PROXIES.get(p), "population", False):
                members = ", ".join(getattr(zc.PROXIES.get(p), "members", ()))
                raise ValueError(
                    f"proxy {p!r} ranks a population of networks, so it has no score one "
                    f"architecture at a time (nasperf proxies writes a row per "
                    f"architecture): compute its members ({members}) and combine them with "
                    f"nasperf.zero_cost.rank_vote, or call nasperf.zero_cost.compute, which "
                    f"does both"
                )
        graph = self.space.task_kind == "graph"
        # None: the space's own task (cifar10, a graph space's default graph, a user's)
        self.task = self.space.network_task(dataset)
        if batch_size is None and not graph:
            raise ValueError("batch_size must be a positive int (None only for graph datasets)")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer)
        ):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        if seed > 2**64 - 1:  # torch.manual_seed's range
            raise ValueError(f"seed must be at most 2**64 - 1, got {seed!r}")
        self.seed = int(seed)
        self.device = resolve_device(device)
        if network_kwargs is not None and not isinstance(network_kwargs, Mapping):
            raise TypeError(
                f"network_kwargs must be a dict of builder options, got {type(network_kwargs).__name__}"
            )
        self.network_kwargs = dict(network_kwargs or {})
        t = self.task
        if graph:
            x, y = _load_graph_inputs(t, inputs, batch_size, self.seed)
            self.batch_size = x.n
            described = [t.name, t.num_features, t.num_classes, "graph"]
            digest = _tensor_digest(x.x, *x.args, y, x.select(torch.arange(len(y))))
            if x.fields:  # a Data's edge_attr, edge_weight, batch, ...: the forward reads them
                described.append(sorted(k for k, _ in x.fields))
                digest = _tensor_digest(
                    x.x,
                    *x.args,
                    y,
                    x.select(torch.arange(len(y))),
                    *(t for _, t in sorted(x.fields, key=lambda f: f[0])),
                )
        else:
            x, y = _load_inputs(
                t, inputs, int(batch_size), self.seed, data_free=data_free(self.proxies)
            )
            self.batch_size = len(x)
            described = (
                [t.name, list(t.shape), t.num_classes, "tensor"]
                if isinstance(t, TensorTask)
                else [t.name, t.channels, t.resolution, t.num_classes]
            )
            digest = _tensor_digest(x, y)
        self.cache: ProxyCache | None = resolve_cache(cache)
        self.settings = {
            "format": _CACHE_FORMAT,
            "nasperf": nasperf.__version__,
            "torch": torch.__version__.split("+")[0],
            "space": self.space.name,
            "dataset": described,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "data_sha256": digest,
            "network_kwargs": self.network_kwargs,
            "device": self.device.type,
        }
        builder = builder_digest(self.space)
        if builder is not None:  # a user's space (nasperf's own are keyed by its version)
            self.settings["builder_sha256"] = builder
        revision = getattr(self.space, "network_revision", 0)
        if revision:  # nasperf changed what this space builds within one version
            self.settings["network_revision"] = int(revision)
        try:
            canonical_json(self.settings)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"network_kwargs must be JSON values (numbers, strings, lists, dicts) so "
                f"that they can key the cache; got {self.network_kwargs!r} ({err})"
            ) from err
        #: Seconds each architecture's proxies took (text -> seconds), filled by
        #: :meth:`run`: measured when computed, as recorded in the cache when read from it
        #: (absent where the cache has no record).
        self.seconds: dict[str, float] = {}
        #: ``space.hash`` of every text :meth:`keys` has read (text identifies a network)
        self._hashes: dict[str, str] = {}
        self.job = _Job(
            space=self.space,
            task=self.task,
            inputs=x,
            targets=y,
            seed=self.seed,
            device=str(self.device),
            network_kwargs=self.network_kwargs,
        )

    def keys(self, archs: Iterable[Any], *, progress: bool = False) -> dict[str, tuple[str, Any]]:
        """``{text: (hash, arch)}`` of the distinct architectures, in first-seen order.

        A text hashed before by this computation is not hashed again (the command line
        hashes its whole file once, then :meth:`run` its batches; an NB301 genotype's hash
        takes about a millisecond: 200,000 of them had been minutes of silence, twice).
        ``progress`` shows a bar over ``archs`` (a sequence) where there are many."""
        out: dict[str, tuple[str, Any]] = {}
        known = self._hashes
        if progress and isinstance(archs, Sequence) and len(archs) > _KEYS_BAR_FROM:
            from tqdm.auto import tqdm

            archs = tqdm(archs, desc="reading architectures", unit="arch")
        for a in archs:
            arch = self.space.coerce(a)
            text = self.space.to_string(arch)
            if text not in out:
                h = known.get(text)
                if h is None:
                    h = known[text] = self.space.hash(arch)
                out[text] = (h, arch)
            elif out[text][1] != arch and self.space.hash(arch) != out[text][0]:
                # Rows and the cache are keyed by text: a second network would be dropped.
                raise ValueError(
                    f"{self.space.name}.to_string gives two different architectures the same "
                    f"text {text!r} ({short_repr(out[text][1])} and {short_repr(arch)}, whose "
                    "hashes differ): a space's text must identify its architecture"
                )
        return out

    def run(
        self,
        archs: Iterable[Any],
        *,
        workers: int = 1,
        progress: bool = False,
        imports: Sequence[str] = (),
        desc: str = "proxies",
        claim: Callable[[str], bool] | None = None,
    ) -> Iterator[tuple[str, str, Scores]]:
        """Yield ``(text, hash, {proxy: (value, reason)})`` per distinct architecture.

        Cached ones first (in input order), then the computed ones as they finish (in input
        order with ``workers=1``, in completion order otherwise). Each computed architecture
        is written to the cache in its own transaction before it is yielded.

        ``claim(text)``, if given, is asked just before an architecture that needs
        computing is dispatched (at most two per worker ahead of the results); one it
        refuses (another process is computing it) is skipped, not yielded.
        """
        if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        keys = self.keys(archs)
        cached = (
            self.cache.get(self.settings, [(h, t) for t, (h, _) in keys.items()], self.proxies)
            if self.cache is not None
            else {}
        )
        recorded = (
            self.cache.seconds(self.settings, [(h, t) for t, (h, _) in keys.items()], self.proxies)
            if self.cache is not None and cached
            else {}
        )
        pending = []
        for text, (h, arch) in keys.items():
            have = cached.get((h, text), {})
            if (h, text) in recorded:
                self.seconds[text] = recorded[(h, text)]
            missing = tuple(p for p in self.proxies if p not in have)
            if missing:
                pending.append(((text, h), arch, missing))
            else:
                yield text, h, {p: have[p] for p in self.proxies}
        if not pending:
            return
        bar = None
        if progress:
            # made only when shown: a disabled tqdm still starts its monitor thread, which
            # outlived the call
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending), desc=desc, unit="arch")
        n = min(int(workers), len(pending))
        if n > 1 and _in_daemonic_process():
            warn_caller(
                f"zero_cost.compute: workers={int(workers)} runs in this process instead: it is "
                "a daemonic process (a multiprocessing.Pool worker, for instance), which may "
                "not start worker processes; the scores are the same, computed one at a time"
            )
            n = 1
        if claim is not None:
            pending = (p for p in pending if claim(p[0][0]))
        try:
            for (text, h), scores, seconds in self._results(pending, n, imports):
                if self.cache is not None:
                    self.cache.put(self.settings, (h, text), scores, seconds=seconds)
                self.seconds[text] = self.seconds.get(text, 0.0) + seconds
                have = cached.get((h, text), {})
                yield text, h, {p: scores[p] if p in scores else have[p] for p in self.proxies}
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    def _results(self, pending: Iterable, workers: int, imports: Sequence[str]):
        if workers == 1:
            for key, arch, missing in pending:
                with _one_torch_thread():
                    scores, seconds = _evaluate(self.job, arch, missing)
                yield key, scores, seconds
            return
        import concurrent.futures as cf
        import multiprocessing

        # spawn, not fork: a forked child of a process that has used CUDA or OpenMP threads
        # can hang; each worker imports torch afresh and runs one intra-op thread, and exits
        # if this process dies. An executor, not a Pool: a worker that cannot start (a class
        # defined in an interactive session's __main__, a script without a __main__ guard)
        # breaks it at once, where a Pool had restarted such workers forever.
        ctx = multiprocessing.get_context("spawn")
        items = iter(pending)
        modules = (*imports, *_defining_modules(self.job.space, self.proxies))
        pool = cf.ProcessPoolExecutor(
            workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.job, tuple(dict.fromkeys(modules)), os.getpid(), self.proxies),
        )
        finished_all = False
        try:
            # Two items per worker in flight, taken from ``pending`` only as they are
            # dispatched (so a caller's claim is taken just before the work starts).
            running = {
                pool.submit(_worker_evaluate, it) for it in itertools.islice(items, 2 * workers)
            }
            while running:
                done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    running |= {
                        pool.submit(_worker_evaluate, it) for it in itertools.islice(items, 1)
                    }
            finished_all = True
        except cf.process.BrokenProcessPool as err:
            raise RuntimeError(
                "zero_cost.compute: its worker processes could not start (their error is "
                "printed above). A spawned worker imports the space's and the proxies' "
                "modules afresh: a class or proxy defined in an interactive session's "
                "__main__ (a notebook, python -c) or registered under a script's `if "
                "__name__ == '__main__':` is not there, and a script that calls compute "
                "without that guard runs again in every worker. Put them in a module (the "
                "command line's --import), guard the script, or use workers=1"
            ) from err
        finally:
            if finished_all:
                pool.shutdown(wait=True)
            else:  # an error, Ctrl-C or a caller that stopped reading: stop the workers now
                workers_now = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                for process in workers_now:
                    process.terminate()


def _defining_modules(space: Any, proxies: Sequence[str]) -> list[str]:
    """The modules outside nasperf that define the space's class and the proxies' classes,
    which a spawned worker must import to know them (a proxy a user registered had reached
    a worker as "unknown zero-cost proxy", blamed on an architecture). Classes of
    ``__main__`` are left to the worker's own re-import of the main script."""
    from .engine import PROXIES

    out: list[str] = []
    for cls in (type(space), *(PROXIES.get(p) for p in proxies)):
        module = getattr(cls, "__module__", None) or ""
        if module.split(".")[0] in ("nasperf", "builtins", "__main__", "__mp_main__", ""):
            continue
        out.append(module)
    return out


# ---------------------------------------------------------------------- public API
def compute(
    space: Any,
    archs: Iterable[Any],
    proxies: str | Sequence[str],
    dataset: Any = None,
    *,
    batch_size: int | None = 64,
    seed: int = 0,
    device: Any = "cpu",
    cache: Any = True,
    network_kwargs: Mapping[str, Any] | None = None,
    inputs: Any = None,
    workers: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Zero-cost proxy scores of architectures, as a table.

    Each architecture's network is built by ``space.build_network(arch, dataset,
    **network_kwargs)`` with torch's random stream seeded from ``seed`` (the caller's global
    RNG state is restored afterwards), moved to ``device`` and scored by
    :func:`nasperf.zero_cost.score_details` on one fixed minibatch (the proxies
    of one architecture share their forward / backward passes). A score does not depend on
    the other proxies, the other architectures, their order or the number of workers.

    Parameters
    ----------
    space : str or SearchSpace
        Registered name (``"nb201"``, ...) or a space instance.
    archs : iterable
        Architectures (values, native texts or NASLib keys: anything ``space.coerce``
        takes). Repeats are computed once and appear once in the result.
    proxies : str or sequence of str
        ``"all"``, a name, ``"a,b"`` or a list of registered proxy names
        (:func:`nasperf.zero_cost.available`).
    dataset : str, ImageTask, GraphTask or None
        ``"cifar10"``, ``"cifar100"`` or ``"ImageNet16-120"``; sets the classifier's width
        and the images. ImageNet16-120 has no packaged images: pass ``inputs``. For a graph
        space (``space.task_kind == "graph"``, e.g. ``"nbgraph"``) a graph dataset:
        ``"cora"`` or ``"citeseer"`` (packaged graphs), others with ``inputs``. None (the
        default): the space's ``default_dataset`` where it has one (``nbgraph``: cora,
        ``nbgraph-proteins``: proteins), else ``"cifar10"``; so the predictors that compute
        their zero-cost features (``zero_cost_proxies=``, ``omni``'s data-free proxies) build
        a graph space's GNNs for its default graph.
    batch_size : int or None
        Images in the minibatch (at most 256 with the packaged images). For graphs: the
        training nodes scored (drawn with ``seed``, the same draw from a packaged graph, an
        ``.npz`` or a ``Data``; ``None``: all of them); the networks run on the whole graph
        and the proxies' losses and per-sample statistics use those nodes.
    seed : int
        Seeds the choice of images and the weight initialisation (and any randomness inside
        the proxies).
    device : str or torch.device
        ``"cpu"`` (default) or ``"cuda"`` / ``"cuda:N"``; an unavailable device is an error.
    cache : bool, None, path or ProxyCache
        ``True`` (default): the user cache, ``$NASPERF_CACHE/zero_cost.sqlite`` or
        ``~/.cache/nasperf/zero_cost.sqlite`` (where it cannot be created, a ``UserWarning``
        and no cache); a path: an SQLite file there, or ``zero_cost.sqlite`` in a folder
        there (one that cannot be created is a ``ValueError``); ``None`` / ``False``: no
        cache. A cache file that cannot be written (a read-only file system) is read, and
        new scores are computed but not stored (one ``UserWarning``). Keyed by space, dataset, minibatch (size, seed, sha256 of the
        images), seed, network kwargs, device type, nasperf and torch versions, the
        architecture's hash and text, and the proxy.
    network_kwargs : dict, optional
        Extra keyword arguments of ``space.build_network`` (e.g. ``{"channels": 8,
        "cells_per_stage": 1}`` for a reduced NB201 network); default: the full network.
        JSON values only (they key the cache).
    inputs : None, path or (images, labels)
        ``None``: ``batch_size`` packaged test images drawn with ``seed``
        (:func:`nasperf.load_image_batch`); a path: the same draw from that image source
        (``.npz`` / CIFAR format; CIFAR-10, CIFAR-100 and ImageNet16-120, whose
        normalisation nasperf holds: a task of yours takes tensors); or a pair of tensors
        ``(N, C, H, W)`` float and ``(N,)`` int, used as given (a ``TensorTask``: ``(N,
        *shape)``). The labels of a one-output task (``num_classes=1``, a regression) are
        real targets ``(N,)`` or ``(N, 1)`` (tensors: an image file holds a dataset's
        classes), whose mean squared error the loss-reading proxies
        differentiate; a dense-output network (segmentation, pixels: ``(N, C, H, W)``)
        takes per-element targets, class labels ``(N, H, W)`` (cross-entropy per pixel) or
        real targets of its output's shape (mean squared error). The data-free proxies
        score any output without data. For graphs: ``None`` (the packaged graph,
        :func:`nasperf.datasets.load_graph`), a graph ``.npz`` path, or a
        ``torch_geometric.data.Data`` (training nodes ``data.mask`` or ``data.train_mask``;
        its ``edge_attr``, ``edge_weight``, ... go to forward parameters of those names:
        :func:`~nasperf.zero_cost.engine.as_proxy_inputs`); a graph nasperf does not ship
        (a space's ``GraphTask("syn", ...)``) needs one of the last two.
        Each network gets the batch (images, the placeholder zeros of the data-free
        proxies, real targets) in its own floating dtype: float64 for a builder's float64
        network; float32 for a float16 / bfloat16 one, which is scored as a float32 copy
        (:func:`~nasperf.zero_cost.score`).
    workers : int
        ``1``: compute in this process; ``N > 1``: in ``N`` processes (in this process,
        with a ``UserWarning``, where it is a daemonic one that may not start processes:
        a ``multiprocessing.Pool`` worker). Either way each
        network is scored on one torch intra-op thread (this process's own setting is
        restored after each architecture), so the values are bitwise the same for any
        worker count and any caller's thread setting on one machine (and equal to what
        the cache holds); parallelism comes from ``workers``.
    progress : bool
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    pandas.DataFrame
        Index: architecture text (``space.to_string``, name ``arch``), in first-seen order;
        one float64 column per proxy. NaN marks a score the proxy could not define (e.g. a
        cell whose output no input reaches); ``df.attrs["reasons"]`` maps each such
        architecture text to ``{proxy: reason}`` (see :func:`nan_reasons`), and ``df.attrs``
        also records the settings and ``seconds``: a list, one per row, of the seconds
        the row's proxies took to compute (as recorded in the cache for cached rows; NaN
        where unknown), and ``seconds_per_arch`` ({proxy: their mean over the rows,
        shared equally between the proxies}; absent where none is known), the seconds a
        study or search charges for reading the scores
        (:func:`nasperf.encodings.zero_cost.recorded_seconds`). The frame is a valid ``table`` of
        :class:`nasperf.encodings.zero_cost.ZeroCostFeatures`. Inside an open
        :func:`nasperf.zero_cost.charges.proxy_charges` block the call also reports those
        seconds and its own wall seconds there (a study charges the scores at their
        recorded seconds, not at the call's wall-clock, which a filled cache makes
        milliseconds).

    Raises
    ------
    nasperf.UnknownNameError
        Unknown proxy or space (the message lists the available names).
    ValueError
        Unknown dataset, a dataset without packaged images and no ``inputs``, bad arguments,
        a ``device`` that is not available here.

    References
    ----------
    Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021;
    Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets and Benchmarks.
    """
    start = time.perf_counter()
    df, (settings, order, computed, seconds) = _compute(
        space,
        archs,
        proxies,
        dataset,
        batch_size=batch_size,
        seed=seed,
        device=device,
        cache=cache,
        network_kwargs=network_kwargs,
        inputs=inputs,
        workers=workers,
        progress=progress,
    )
    # what the open proxy_charges blocks charge for it: its scores at their recorded
    # seconds, in place of this call's wall-clock (the computation on an empty cache, a
    # lookup on a filled one); a call that raised reports nothing, its time stays the
    # caller's (a predictor that catches the error spent it)
    record_computation(settings, order, computed, seconds, time.perf_counter() - start, start=start)
    return df


def _compute(
    space: Any,
    archs: Iterable[Any],
    proxies: str | Sequence[str],
    dataset: Any,
    *,
    batch_size: int | None,
    seed: int,
    device: Any,
    cache: Any,
    network_kwargs: Mapping[str, Any] | None,
    inputs: Any,
    workers: int,
    progress: bool,
) -> tuple[pd.DataFrame, tuple[str, list[str], tuple[str, ...], list[float]]]:
    """:func:`compute`'s table, and what it charges: ``(settings, texts, per-network
    proxies, seconds per text)`` (:func:`~nasperf.zero_cost.charges.record_computation`)."""
    progress = check_flag(progress, "progress")
    # Population-level proxies (the rank vote) combine their members over ``archs``.
    requested = resolve_proxies(proxies)
    zc = _zc()
    population = [p for p in requested if getattr(zc.PROXIES.get(p), "population", False)]
    per_network = [p for p in requested if p not in population]
    for p in population:
        per_network += [m for m in zc.PROXIES.get(p).members if m not in per_network]
    comp = Computation(
        space,
        per_network,
        dataset,
        batch_size=batch_size,
        seed=seed,
        device=device,
        cache=cache,
        network_kwargs=network_kwargs,
        inputs=inputs,
    )
    archs = list(archs)
    results: dict[str, Scores] = {}
    try:
        for text, _, scores in comp.run(archs, workers=workers, progress=progress):
            results[text] = scores
    finally:
        if comp.cache is not None and comp.cache is not cache:
            comp.cache.close()
    order = list(comp.keys(archs))
    df = _frame(order, results, comp.proxies, comp)
    df.attrs["seconds"] = [comp.seconds.get(t, math.nan) for t in order]
    for p in population:
        df[p] = zc.PROXIES.get(p).combine(df)
    attrs = dict(df.attrs)
    df = df[requested]
    df.attrs.update(attrs)
    df.attrs["reasons"] = {
        t: {q: r for q, r in per.items() if q in requested}
        for t, per in attrs.get("reasons", {}).items()
        if any(q in requested for q in per)
    }
    # the table's seconds per architecture, shared equally between the proxies (they share
    # their passes), as `nasperf proxies` writes them: what reading the scores stands for
    took = np.asarray(df.attrs["seconds"], dtype=np.float64)
    if np.isfinite(took).any():
        per_arch = float(np.nanmean(took)) / len(requested)
        df.attrs["seconds_per_arch"] = dict.fromkeys(requested, per_arch)
    return df, (canonical_json(comp.settings), order, tuple(comp.proxies), list(attrs["seconds"]))


def _frame(order: list[str], results: Mapping[str, Scores], proxies, comp) -> pd.DataFrame:
    values = np.array(
        [[results[t][p][0] for p in proxies] for t in order], dtype=np.float64
    ).reshape(len(order), len(proxies))
    df = pd.DataFrame(values, index=pd.Index(order, name="arch"), columns=list(proxies))
    reasons = {
        t: {p: results[t][p][1] for p in proxies if math.isnan(results[t][p][0])} for t in order
    }
    df.attrs["reasons"] = {t: r for t, r in reasons.items() if r}
    df.attrs.update(
        space=comp.space.name,
        dataset=comp.task.name,
        batch_size=comp.batch_size,
        seed=comp.seed,
        device=str(comp.device),
        network_kwargs=dict(comp.network_kwargs),
    )
    return df


def nan_reasons(table: pd.DataFrame) -> pd.DataFrame:
    """Why scores are NaN: a long table with columns ``arch``, ``proxy``, ``reason``.

    ``table`` is what :func:`compute` or :func:`read_proxy_table` returns.
    """
    rows = [
        (arch, proxy, reason)
        for arch, per in table.attrs.get("reasons", {}).items()
        for proxy, reason in per.items()
    ]
    return pd.DataFrame(rows, columns=["arch", "proxy", "reason"])


def read_proxy_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by ``nasperf proxies`` (CSV or parquet) in :func:`compute`'s format.

    The ``nan_reasons`` column moves to ``attrs["reasons"]``; the index is the architecture
    text. A trailing partial line (from an interrupted run) is ignored.
    """
    from .results_file import read_table

    return read_table(as_path(path, "path"))

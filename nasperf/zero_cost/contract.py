"""The contract of :func:`nasperf.zero_cost.score`, checked up front with one forward.

Proxies read a user's module through shared passes deep inside the engine; a module or a
batch that breaks the contract would fail there with an unclear error (a shape mismatch in
a Jacobian, a NaN score). :func:`check_call` checks everything first and says what was
expected and what was got:

* ``network`` is an ``nn.Module`` with parameters;
* ``inputs`` (as :func:`~nasperf.zero_cost.engine.as_proxy_inputs` reads them) start with a
  floating tensor ``(N, ...)`` of finite values, at least 2 scored samples when a proxy
  reads the data (per-sample statistics need two samples);
* ``targets`` (when given) hold one row per input (``(N, ...)``); what the default loss
  (:func:`~nasperf.zero_cost.engine.default_loss`) reads, where a proxy reads it: integer
  class labels of any integer dtype (read as int64:
  :func:`~nasperf.zero_cost.engine.class_labels`, as ``compute`` reads them) ``(N,)`` in
  ``[0, C)`` for logits ``(N, C)`` (cross-entropy), ``(N,
  *spatial)`` per element of a dense output ``(N, C, *spatial)``, or real targets of a
  regression (mean squared error): ``(N,)`` or ``(N, 1)`` for a network of one output
  (``(N, 1)`` or ``(N,)``), the output's own shape for a dense one; with a ``loss_fn`` of
  the user's, anything ``(N, ...)`` it reads;
* a network of one output is not scored by loss-reading proxies with class labels (the
  cross-entropy over one class is 0 for every input: every such score would be 0);
* one forward of ``network`` on the first two inputs (the whole input for coupled samples
  such as graph nodes; no gradients, private copies of the buffers, so nothing changes;
  train mode when a proxy reads the data, as the shared pass runs) returns one floating
  tensor of logits ``(2, C)`` (``(N, C)``), one output per sample ``(2,)`` (a regression,
  as ``(2, 1)``), or a dense output ``(2, C, ...)`` (segmentation logits, pixels), all
  finite; the proxies that read no labels score either as it is. Two
  samples keep the check at a few percent of one batch forward (it runs for every
  architecture ``compute`` scores) and still exercise batch statistics; when only
  data-free proxies run, the probe is one sample in eval mode (no batch statistics to
  exercise);
* ``loss_fn(logits, targets)`` (when given) returns a scalar tensor, without torch's warning
  that an element-wise loss broadcast the two against each other (``F.mse_loss`` of logits
  ``(N, 1)`` and targets ``(N,)`` averages an ``(N, N)`` matrix);
* ``seed`` is an int.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import nn

from nasperf.errors import first_line, short_repr

from .engine import EDGE_FIELDS, PROXIES, NetworkState, Proxy, ProxyInputs, fast_layout

__all__ = ["check_call"]


#: Why a graph's outputs or targets do not have one row per node: a graph-level task.
_GRAPH_LEVEL = (
    "; graph-level tasks (one output and one label per graph: global pooling over "
    "data.batch) are not scored: the proxies read a node-level output, one row per node, "
    "and one label per node (README, Zero-cost proxies: graph neural networks)"
)


def _shape(t: torch.Tensor) -> str:
    return f"{t.dtype} tensor of shape {tuple(t.shape)}"


def _first_line(err: BaseException) -> str:
    return first_line(err) or type(err).__name__


def check_seed(seed: object) -> None:
    """``TypeError`` unless ``seed`` is an int (not a bool), ``ValueError`` outside what
    torch's generators take (``[-2**63, 2**64 - 1]``)."""
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {short_repr(seed)}")

    if not -(2**63) <= seed <= 2**64 - 1:
        raise ValueError(f"seed must be in [-2**63, 2**64 - 1], got {seed}")


def check_call(
    network: object,
    batch: ProxyInputs,
    targets: object,
    proxies: Mapping[str, Proxy],
    loss_fn: Callable | None,
    seed: object,
    state: NetworkState | None = None,
) -> None:
    """Raise ``TypeError`` / ``ValueError`` naming the argument that breaks the contract.

    ``batch`` is the inputs as :func:`~nasperf.zero_cost.engine.as_proxy_inputs` read them;
    ``proxies`` are the resolved proxies (name -> instance) that will run; ``state`` the
    network's walk when the caller has it (it is the same walk the passes use).
    """
    if not isinstance(network, nn.Module):
        raise TypeError(f"network must be a torch.nn.Module, got {type(network).__name__}")
    check_seed(seed)
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable(logits, targets), got {short_repr(loss_fn)}")
    x = batch.x
    if not x.is_floating_point():
        raise TypeError(
            f"inputs must be a floating tensor (e.g. normalised float32 images), got "
            f"{_shape(x)}; convert with inputs.float() (and normalise uint8 images)"
        )
    n = batch.n
    what = "nodes" if batch.coupled else "inputs"
    reads_data = any(p.data != "none" for p in proxies.values())
    if n < (2 if reads_data else 1):
        raise ValueError(
            f"inputs hold a batch of {n}; the data-dependent proxies "
            f"{sorted(k for k, p in proxies.items() if p.data != 'none')} need at least 2"
            if reads_data
            else f"inputs hold an empty batch ({_shape(x)})"
        )
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"inputs hold {bad} NaN / inf value(s); every input must be finite")
    if state is None:
        state = NetworkState(network)
    if not state.params:
        raise ValueError(
            f"network ({type(network).__name__}) has no parameters; zero-cost proxies score "
            "a network's weights"
        )
    rows = x.shape[0]
    # the proxies that read the targets through the loss (the default: cross-entropy for
    # class labels, the mean squared error for real targets: engine.default_loss)
    loss_readers = sorted(k for k, p in proxies.items() if p.data == "targets")
    if targets is not None:
        if not isinstance(targets, torch.Tensor):
            raise TypeError(
                f"targets must be a torch.Tensor of class labels (N,) (or real targets of a "
                f"regression), got {type(targets).__name__}"
            )
        # with a loss_fn of the user's, targets are what it reads: any dtype; the default
        # loss reads class labels or real numbers, where a proxy reads them
        if (
            loss_fn is None
            and loss_readers
            and (targets.is_complex() or targets.dtype == torch.bool)
        ):
            raise TypeError(
                f"targets must be integer class labels (any integer dtype, read as int64), "
                f"or real numbers for a regression, got {_shape(targets)}"
            )
        if targets.dim() == 0 or targets.shape[0] != rows:
            count = targets.shape[0] if targets.dim() else 0
            raise ValueError(
                f"{count} targets for {rows} {what}: targets must have shape ({rows},) (one "
                f"per {what[:-1]}; ({rows}, ...) per element of a dense output), got "
                f"{_shape(targets)}" + (_GRAPH_LEVEL if batch.coupled else "")
            )
    # Independent samples: the first two (a few percent of a batch forward), or the first one
    # when no proxy reads the data (the probe then runs in eval mode, where a sample's output
    # does not depend on the others; synflow alone is a one-sample forward + backward, and
    # the second probe sample cost ~4 % of its call on an NB201 cell: 1.4 of 33 ms). Coupled
    # ones (graph nodes) cannot be sliced: the whole input, as the proxies run it.
    probe = batch if batch.coupled else batch.part(0, min(n, 2 if reads_data else 1))
    m = probe.x.shape[0]
    logits = _forward(state, probe, train=reads_data)
    # logits (N, C) of a classifier, one output per sample ((N, 1) or (N,): a regression),
    # or a dense output (N, C, ...): per-element logits or values (segmentation, pixels,
    # depth), which every proxy that reads no labels scores as it is (synflow sums the
    # output, jacov differentiates its sum)
    if not (
        isinstance(logits, torch.Tensor)
        and logits.dim() >= 1
        and logits.shape[0] == m
        and (logits.dim() == 1 or logits.shape[1] >= 1)
        and logits.is_floating_point()
    ):
        wanted = (
            f"one floating tensor of logits (N, num_classes), of one output per "
            f"{what[:-1]} ((N, 1) or (N,): a regression) or of per-element outputs (N, C, "
            f"...) (segmentation logits, pixels) for N {what}"
        )
        if not isinstance(logits, torch.Tensor):
            many = f" of {len(logits)}" if isinstance(logits, tuple | list) else ""
            raise ValueError(
                f"network(inputs) must return {wanted}: for {m} {what} it returned a "
                f"{type(logits).__name__}{many}; wrap the module so that forward returns that "
                "tensor only"
            )
        if not logits.is_floating_point():
            why = "a floating tensor is differentiated"
        elif logits.dim() == 0 or logits.shape[0] != m:
            why = f"the output must keep one row per {what[:-1]} (no sum or mean over them)"
        else:
            why = "an output of no values per row scores nothing"
        raise ValueError(
            f"network(inputs) must return {wanted}: for {m} {what} it returned "
            f"{_shape(logits)} ({why})"
            + (_GRAPH_LEVEL if batch.coupled and logits.dim() >= 1 and logits.shape[0] != m else "")
        )
    if not bool(torch.isfinite(logits).all()):
        raise ValueError(
            f"network(inputs) returned non-finite logits ({int((~torch.isfinite(logits)).sum())}"
            f" NaN / inf of {logits.numel()}); check the module's initialisation and inputs"
        )
    if batch.coupled and targets is not None:
        # the loss reads the scored nodes only (engine.run_proxies): the labels of the
        # others (-1 for unlabelled nodes, say) are never read, so not checked
        logits, targets = batch.select(logits), batch.select(targets)
    if loss_fn is None and loss_readers:
        _check_default_targets(logits, targets, loss_readers, what, batch.scored)
    if loss_fn is not None and targets is not None:
        labels = targets if batch.coupled else batch.select(targets)[:m]
        try:
            with torch.no_grad(), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                loss = loss_fn(logits, labels)
        except Exception as err:
            raise ValueError(
                f"loss_fn(logits, targets) failed on logits {_shape(logits)} and targets "
                f"{_shape(labels)}: {_first_line(err)}"
            ) from err
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            got = _shape(loss) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValueError(
                f"loss_fn(logits, targets) must return a scalar tensor (a mean loss), got {got}"
            )
        _refuse_broadcast(caught, logits, labels, rows)


def _no_label_proxies() -> str:
    """The registered single-network proxies that read no labels, for the messages."""
    return ", ".join(
        n
        for n in PROXIES.names()
        if PROXIES.get(n).name == n
        and not PROXIES.get(n).population
        and PROXIES.get(n).data != "targets"
    )


def _check_default_targets(
    logits: torch.Tensor,
    targets: torch.Tensor | None,
    loss_readers: list[str],
    what: str,
    scored: str = "",
) -> None:
    """Raise unless the default loss (:func:`~nasperf.zero_cost.engine.default_loss`) reads
    ``targets`` for an output such as ``logits`` (the probe's): class labels ``(N,)`` in
    ``[0, C)`` for logits ``(N, C)``, ``C > 1``, or ``(N, *spatial)`` per element of a dense
    output ``(N, C, *spatial)``; real targets ``(N,)`` or ``(N, 1)`` for a one-output
    network (``(N, 1)`` or ``(N,)``: :func:`~nasperf.zero_cost.engine.regression_loss`
    reads any of the four pairs as the same ``N`` values), or of a dense output's own shape
    (mean squared error). ``scored``: what chose the rows of ``logits`` and ``targets``
    (``"data.train_mask"``), named in the message."""
    if targets is None:
        return
    n = targets.shape[0]
    one_output = logits.dim() == 1 or tuple(logits.shape[1:]) == (1,)
    num_classes = 1 if logits.dim() == 1 else logits.shape[1]
    spatial = tuple(logits.shape[2:])
    readers = ", ".join(loss_readers)
    sample = what[:-1]
    if spatial:
        wanted = (
            f"class labels of shape ({n}, {', '.join(map(str, spatial))}) (cross-entropy per "
            f"element) or real numbers of the output's shape "
            f"({n}, {', '.join(map(str, logits.shape[1:]))}) (mean squared error)"
        )
        fits = tuple(targets.shape[1:]) == (
            tuple(logits.shape[1:]) if targets.is_floating_point() else spatial
        )
        if not fits:
            raise ValueError(
                f"network(inputs) returns dense outputs (per-element logits or values) of "
                f"shape {tuple(logits.shape)}: {readers} read a loss of the targets, which "
                f"must then be per element: {wanted}; got {_shape(targets)}. Pass such "
                "targets or a loss_fn of yours, or use proxies that read no labels "
                f"({_no_label_proxies()})"
            )
        if targets.is_floating_point():
            return
    elif one_output:
        # a regression network: real targets, whose mean squared error the proxies read
        shapes = f"({n},) or ({n}, 1)"
        if targets.is_floating_point():
            if tuple(targets.shape) in ((n,), (n, 1)):
                return
            raise ValueError(
                f"network(inputs) returns one output per {sample}: a regression's real "
                f"targets must have shape {shapes} (one per {sample}), got {_shape(targets)}; "
                "for outputs of another shape pass a loss_fn of yours"
            )
        raise ValueError(
            f"network(inputs) returns one output per {sample}: the default loss, "
            f"cross-entropy over one class, is 0 for every input, so {readers} would score 0 "
            f"for every network; a regression network takes real targets (float) of shape "
            f"{shapes}, whose mean squared error the proxies then differentiate, got "
            f"{_shape(targets)}; or use proxies that read no loss"
        )
    elif targets.is_floating_point():
        raise TypeError(
            f"targets must be integer class labels (any integer dtype) for logits of "
            f"{num_classes} classes, got {_shape(targets)}; real targets are a "
            f"regression's, scored by the mean squared error of a network of one output "
            f"per {sample} ((N, 1) or (N,)) against targets ({n},) or ({n}, 1). For class "
            "probabilities or a regression of several outputs pass loss_fn= (e.g. "
            "torch.nn.functional.cross_entropy or torch.nn.functional.mse_loss, with "
            f"targets of shape ({n}, {num_classes}))"
        )
    elif tuple(targets.shape) != (n,):
        raise ValueError(
            f"targets must have shape ({n},) for logits ({n}, {num_classes}), got {_shape(targets)}"
        )
    if num_classes == 1:  # one channel per element of a dense output
        raise ValueError(
            f"network(inputs) returns one channel per element: the default loss, "
            f"cross-entropy over one class, is 0 for every input, so {readers} would score 0 "
            "for every network; a regression network takes real targets (float), whose mean "
            "squared error the proxies then differentiate; or use proxies that read no loss"
        )
    if n:
        lo, hi = int(targets.min()), int(targets.max())
        if lo < 0 or hi >= num_classes:
            where = (
                f" among the {n} {what} {scored} selects (the others' labels are not read)"
                if scored
                else ""
            )
            raise ValueError(
                f"targets must be class labels in [0, {num_classes}) for logits of "
                f"{num_classes} classes, got values in [{lo}, {hi}]{where}"
            )


def _refuse_broadcast(
    caught: list[warnings.WarningMessage], logits: torch.Tensor, labels: torch.Tensor, rows: int
) -> None:
    """Raise where torch warned, inside ``loss_fn`` on the probe, that an element-wise loss
    (``F.mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``) broadcast its input
    against a target of another shape: logits ``(N, 1)`` against targets ``(N,)`` give an
    ``(N, N)`` matrix that averages every output against every target, a wrong loss whose
    scores had been returned with only torch's warning (snip 1.68 for 3.72)."""
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, UserWarning) and "broadcasting" in text:
            one = ""
            if logits.dim() == 2 and logits.shape[1] == 1:
                one = f" (targets.reshape({rows}, 1) for a one-output network)"
            elif logits.dim() == 1:
                one = f" (targets.reshape({rows}) for a one-output network)"
            raise ValueError(
                f"loss_fn(logits, targets) broadcasts logits {tuple(logits.shape)} against "
                f"targets {tuple(labels.shape)} (torch: {first_line(w.message)}): the loss would "
                "compare every output with every target. Pass targets of the output's "
                f"shape{one}, or leave loss_fn out: real targets are scored by the mean "
                "squared error by default"
            )


def _forward(state: NetworkState, batch: ProxyInputs, *, train: bool) -> object:
    """``network(*inputs)`` without gradients, on private copies of its buffers, with every
    module's training flag restored afterwards: the network is left as it was."""
    tensors = {n: p.detach() for n, p in state.params.items()}
    tensors.update({n: b.clone() for n, b in state.buffers.items()})
    mode = state.train_mode(train)
    try:
        with mode, torch.no_grad():
            # channels-last images, as every pass runs them: the probe's few samples make
            # its cost per-operator overhead, which oneDNN's channels-last path cuts by ~30 %
            return state.call(tensors, (fast_layout(batch.x), *batch.args), dict(batch.kwargs))
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        if batch.names:
            # a graph's own fields (score(network, data)): name each, and an integer one
            # among floating inputs first (integer edge weights had been reported as a
            # failure of x, with advice about a space's dataset and token ids)
            passed = [("data.x", batch.x)] + [
                (n, a)
                for n, a in (
                    *zip(batch.names, batch.args, strict=False),
                    *((f"data.{k}", v) for k, v in batch.kwargs),
                )
                if isinstance(a, torch.Tensor)
            ]
            listed = ", ".join(f"{n}: {a.dtype} {tuple(a.shape)}" for n, a in passed)
            odd = [
                n
                for n, a in passed[1:]
                if n != "data.edge_index"
                and batch.x.is_floating_point()
                and not (a.is_floating_point() or a.is_complex())
                and n.removeprefix("data.") in EDGE_FIELDS
            ]
            lead = ""
            if odd:
                dtype = dict(passed)[odd[0]].dtype
                lead = (
                    f"{odd[0]} is {str(dtype).removeprefix('torch.')} where the forward "
                    f"computes in {str(batch.x.dtype).removeprefix('torch.')}: convert it "
                    f"({odd[0]} = {odd[0]}.float()); "
                )
            raise ValueError(
                f"{lead}network(inputs) failed on the graph's fields {listed}: {_first_line(err)}"
            ) from err
        raise ValueError(
            f"network(inputs) failed on inputs {_shape(batch.x)} (proxies feed floating "
            "inputs of the space's default_dataset: an ImageTask, or a TensorTask for inputs "
            "that are not images; a network of token ids for nn.Embedding casts them in "
            f"forward, e.g. self.embed(x.long()): docs/custom_space.md): {_first_line(err)}"
        ) from err

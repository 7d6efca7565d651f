"""Zero-cost proxies: score an untrained network from one minibatch (or none).

The one public door for zero-cost proxies (``nasperf.zero_cost``): scoring one network
(:func:`score`, :func:`score_details`), scoring many architectures of a space with a disk
cache (:func:`compute`, :func:`read_proxy_table`, :func:`nan_reasons`; what computed scores
cost whatever the cache held: :func:`proxy_charges`), and a proxy as a
registered predictor (:class:`ZeroCostPredictor`, ``predictors.get("zc_proxy")``).

``score(network, inputs, targets, proxies=[...])`` returns ``{proxy: float}`` for any
``torch.nn.Module`` classifier (or regression network, or dense-prediction network),
higher is better for every proxy; proxies that read the same
forward / backward pass share it. Graph networks (forward ``(x, edge_index)``) are scored on
a ``torch_geometric.data.Data``: the proxies see the nodes of its training mask as the batch
(logits, labels, cross-entropy loss restricted to them). ``score_details`` returns :class:`ProxyResult` values that
carry the reason of every NaN (e.g. a NAS-Bench-201 cell whose output does not depend on its
input). ``available()`` lists the registered proxies; add one with
``@PROXIES.register("name")`` on a :class:`Proxy` subclass in a new module of this package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from nasperf._module_forms import check_readable, has_lazy, initialised_copy
from nasperf.errors import check_flag, first_line, short_repr
from nasperf.registry import _import_family

from .contract import check_call
from .engine import (
    HALF_PRECISION,
    PROXIES,
    Context,
    NetworkState,
    Proxy,
    ProxyInputs,
    ProxyResult,
    UndefinedProxyError,
    as_proxy_inputs,
    class_labels,
    prunable_layers,
    run_proxies,
    scored_weights,
    widened,
)
from .vote import rank_vote

# Every public module of this package registers its proxies on import; adding a proxy is
# adding a file.
_import_family(__name__, __path__)

from .charges import ProxyCharges, proxy_charges  # noqa: E402
from .compute import compute, nan_reasons, read_proxy_table  # noqa: E402


def available(*, population: bool = True) -> list[str]:
    """Registered proxy names (aliases such as ``jacob_cov`` left out); ``population=False``
    leaves out population-level ensembles."""
    population = check_flag(population, "population")
    return [
        n
        for n in PROXIES.names()
        if PROXIES.get(n).name == n and (population or not PROXIES.get(n).population)
    ]


def _resolve(proxies: str | Sequence[str] | None) -> dict[str, Proxy]:
    if proxies is None:
        names = available(population=False)
    elif isinstance(proxies, str):
        names = [proxies]
    elif isinstance(proxies, Sequence | set | frozenset) and all(
        isinstance(p, str) for p in proxies
    ):
        names = list(proxies)
        if not names:
            raise ValueError(f"proxies is empty; available: {', '.join(available())}")
    else:
        raise TypeError(
            f"proxies must be a proxy name or a list of names, got {short_repr(proxies)}; "
            f"available: {', '.join(available())}"
        )
    out: dict[str, Proxy] = {}
    for name in names:
        cls = PROXIES.get(name)
        out[name] = cls()
        for member in getattr(cls, "members", ()):
            out.setdefault(member, PROXIES.get(member)())
    return out


def score_details(
    network: nn.Module,
    inputs: torch.Tensor | Any,
    targets: torch.Tensor | None = None,
    proxies: str | Sequence[str] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    *,
    seed: int = 0,
) -> dict[str, ProxyResult]:
    """Like :func:`score`, returning a :class:`ProxyResult` (value, reason, seconds) per proxy.

    Population-level proxies (the rank ``vote``) are NaN here with their reason; their
    members are scored (and returned) so that :func:`rank_vote` can combine a population.
    """
    network = _uncompiled(network)
    if not isinstance(network, nn.Module):
        raise TypeError(f"network must be a torch.nn.Module, got {type(network).__name__}")
    from .compute import _seeded
    from .contract import check_seed

    check_seed(seed)  # before torch's generator is seeded with it
    seed = int(seed)  # a numpy int, as compute takes it
    first = next(network.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    # torch's stream reseeded from ``seed`` and restored afterwards: dropout in the train
    # passes had drawn its masks from the caller's stream (two calls with one seed gave two
    # scores, and the caller's next random numbers moved on); float32 as the default dtype
    # for what the proxies create, and one scoring thread at a time (torch's RNG is shared)
    with _seeded(seed, device):
        return _details(network, inputs, targets, proxies, loss_fn, seed=seed)


def _uncompiled(network: Any) -> Any:
    """The module a ``torch.compile``-d one wraps (same weights): its compiled graph hides
    the layers' hooks that fisher reads (0.0 without a word) and GraSP's double backward."""
    inner = getattr(network, "_orig_mod", None)
    if isinstance(inner, nn.Module) and type(network).__name__ == "OptimizedModule":
        return inner
    return network


def _reparametrized(network: nn.Module) -> list[tuple[nn.Module, str, Any]]:
    """``(module, tensor name, legacy hook or None)`` of every weight computed from others:
    ``torch.nn.utils.parametrizations`` (weight_norm, spectral_norm, orthogonal, one's own
    ``parametrize.register_parametrization``), the older hook-based ``weight_norm`` /
    ``spectral_norm``, and ``torch.nn.utils.prune``'s masks (``weight = weight_orig *
    weight_mask``, computed by a pre-hook of its own)."""
    from torch.nn.utils import parametrize
    from torch.nn.utils.prune import BasePruningMethod
    from torch.nn.utils.spectral_norm import SpectralNorm
    from torch.nn.utils.weight_norm import WeightNorm

    out: list[tuple[nn.Module, str, Any]] = []
    for m in network.modules():
        # (is_parametrized's getattr raises and catches inside nn.Module.__getattr__ for
        # every module: the registered ModuleDict is looked up first, 4x faster on NB201)
        if "parametrizations" in m._modules and parametrize.is_parametrized(m):
            out += [(m, name, None) for name in m.parametrizations]
        for h in m._forward_pre_hooks.values():
            if isinstance(h, WeightNorm | SpectralNorm):
                out.append((m, h.name, h))
            elif isinstance(h, BasePruningMethod):  # (a PruningContainer too: one per tensor)
                out.append((m, h._tensor_name, h))
    return out


def _own_tensors(network: nn.Module) -> tuple[list[str], list[str]]:
    """Names of ``network``'s parameters and buffers that the passes cannot read as they are:
    float16 / bfloat16 ones (``HALF_PRECISION``), and inference tensors (made under
    ``torch.inference_mode()``, which autograd refuses to save for backward)."""
    own = (t for m in network.modules() for t in (*m._parameters.values(), *m._buffers.values()))
    if not any(t is not None and (t.dtype in HALF_PRECISION or t.is_inference()) for t in own):
        return [], []  # one unnamed walk; names only where one is found
    half, inference = [], []
    for name, t in (*network.named_parameters(), *network.named_buffers()):
        if t.dtype in HALF_PRECISION:
            half.append(name)
        if t.is_inference():
            inference.append(name)
    return half, inference


def _plain(network: nn.Module) -> nn.Module:
    """``network``, or a copy of it that the proxies can read (the same function at
    initialisation) where they cannot read the network itself:

    * some of its weights are computed from others (weight_norm, spectral_norm, ...:
      :func:`_reparametrized`): in the copy each is a plain parameter holding the value it
      has now. The proxies read ``layer.weight`` and its gradient, which a parametrized
      layer computes anew in every forward (no leaf to differentiate: the whole call had
      failed inside autograd, and the layers had not been scored);
    * it is pruned (``torch.nn.utils.prune``: ``weight = weight_orig * weight_mask``): the
      copy is what ``prune.remove`` makes of it, a plain parameter holding the masked
      weight, the weight its forward uses. A layer had been scored half as given and half
      as removed (l2_norm of ``weight_orig``, grad_norm and fisher through the mask, snip
      and synflow on the masked weight), and an all-ones mask had moved fisher;
    * it holds float16 / bfloat16 tensors: the copy holds them in float32 (exact), so the
      proxies compute in float32 (in half precision GraSP had been NaN and zico 8-9 % off,
      without a word);
    * it holds inference tensors (built under ``torch.inference_mode()``): the copy holds
      ordinary ones of the same values (autograd had refused them).

    ``flops`` and ``params`` count the network as given (a weight_norm layer's ``g`` and
    ``v``, as ``space.params`` and ``sum(p.numel() for p in network.parameters())`` do)."""
    found = _reparametrized(network)
    half, inference = _own_tensors(network)
    if not found and not half and not inference:
        return network
    import copy

    from torch.nn.utils import parametrize, prune
    from torch.nn.utils.spectral_norm import remove_spectral_norm
    from torch.nn.utils.weight_norm import WeightNorm, remove_weight_norm

    # the older hooks keep the weight they computed last as an attribute, a tensor of the
    # autograd graph that deepcopy refuses: the copy starts from its value (its hook
    # computes it anew; removing the hook below keeps what it computes)
    memo: dict[int, Any] = {}
    for m, name, hook in found:
        weight = m.__dict__.get(name) if hook is not None else None
        if isinstance(weight, torch.Tensor) and not weight.is_leaf:
            memo[id(weight)] = weight.detach().clone()
    try:
        plain = copy.deepcopy(network, memo)
    except Exception as err:  # a module holding something that cannot be copied
        why = [
            "parametrized weights (weight_norm / spectral_norm / register_parametrization), "
            "scored as plain weights"
        ] * bool(found)
        fix = [
            "remove the parametrizations (torch.nn.utils.parametrize."
            "remove_parametrizations(layer, 'weight'))"
        ] * bool(found)
        if half:
            dtype = dict(network.named_parameters()).get(half[0])
            dtype = (dtype if dtype is not None else dict(network.named_buffers())[half[0]]).dtype
            why.append(f"{dtype} tensors ({half[0]}), scored in float32")
            fix.append("convert it with network.float()")
        if inference:
            why.append(f"inference tensors ({inference[0]}, made under torch.inference_mode())")
            fix.append("build it outside torch.inference_mode()")
        raise TypeError(
            f"network has {' and '.join(why)}, so it is scored on a copy, but it cannot be "
            f"copied ({type(err).__name__}: {short_repr(str(err))}); {' and '.join(fix)} "
            "before scoring"
        ) from None
    if half or inference:
        # ordinary float32 tensors of the same values, parameters kept parameters (with
        # their requires_grad); before the parametrizations are removed below, so that a
        # half-precision layer's weight is computed from them in float32
        plain._apply(lambda t: widened(t.clone() if t.is_inference() else t))
    if not found:
        return plain
    # A copy shares its parametrized class (ParametrizedConv2d) with the caller's module,
    # and removing a parametrization deletes its property from that class: the caller's
    # network had lost its weights ("'ParametrizedConv2d' object has no attribute
    # 'weight'"). Each parametrized module of the copy gets a class of its own first.
    for m in {id(m): m for m, _, hook in _reparametrized(plain) if hook is None}.values():
        cls = type(m)
        own = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
        m.__class__ = type(cls.__name__, cls.__bases__, own)
    # not under no_grad: torch keeps the weight a parameter only where it requires grad
    for m, name, hook in _reparametrized(plain):
        if hook is None:
            parametrize.remove_parametrizations(m, name, leave_parametrized=True)
        elif isinstance(hook, WeightNorm):
            remove_weight_norm(m, name)
        elif isinstance(hook, prune.BasePruningMethod):
            prune.remove(m, name)
        else:
            # the first forward in training mode runs a power iteration before it divides
            # by the spectral norm; the stored vectors alone are still random ones
            with torch.no_grad():
                hook.compute_weight(m, do_power_iteration=True)
            remove_spectral_norm(m, name)
    return plain


def _scored_inputs(
    batch: ProxyInputs, targets: Any, loss_fn: Callable | None
) -> tuple[ProxyInputs, Any]:
    """The caller's inputs and targets as the passes read them: inference tensors (made
    under ``torch.inference_mode()``) as ordinary copies of the same values (autograd had
    refused them), float16 / bfloat16 ones in float32 (:func:`~.engine.widened`; the
    network is too: :func:`_plain`), and for the default loss integer class labels of any
    integer dtype as int64 (:func:`~.engine.class_labels`, as ``compute`` reads them)."""

    def own(t: torch.Tensor) -> torch.Tensor:
        return widened(t.clone() if t.is_inference() else t)

    batch = batch.map(own)
    if isinstance(targets, torch.Tensor):
        targets = own(targets)
        if loss_fn is None:
            targets = class_labels(targets)
    return batch, targets


def _initialised(network: nn.Module, batch: ProxyInputs) -> nn.Module:
    """A copy of a network holding lazy modules (``nn.LazyLinear``, ...), initialised by
    one forward on its first input (all of coupled ones, a graph's), in torch's stream as
    it is: :func:`score_details` and ``compute`` seeded it from ``seed``, so that the
    copy's weights are those an eager network draws when built after
    ``torch.manual_seed(seed)`` (where its layers are built in the order they run).

    A half-precision network is initialised in float32 on float32 inputs and converted
    back (``initialised_copy``'s ``widen``): it is scored as a float32 copy on widened
    inputs (:func:`_plain`), and a lazy one had failed on the float32 batch that
    ``compute`` gives it."""
    one = batch if batch.coupled else batch.part(0, 1)
    one = one.map(widened)

    def run(net: nn.Module) -> None:
        try:
            net(one.x, *one.args, **dict(one.kwargs))
        except (RuntimeError, ValueError, TypeError, IndexError) as err:
            raise ValueError(
                f"network holds lazy modules (nn.LazyLinear, ...), initialised on a copy by "
                f"one forward on the first input, which failed ({one.x.dtype} tensor of shape "
                f"{tuple(one.x.shape)}): "
                f"{first_line(err) or type(err).__name__}"
            ) from err

    return initialised_copy(network, run, batch.x.device, widen=HALF_PRECISION)


def _details(
    network: nn.Module,
    inputs: torch.Tensor | Any,
    targets: torch.Tensor | None,
    proxies: str | Sequence[str] | None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
    *,
    seed: int,
) -> dict[str, ProxyResult]:
    """:func:`score_details` without its reseeding (:mod:`~nasperf.zero_cost.compute` seeds
    torch's stream once per architecture, before building the network); ``network`` is a
    module (checked by :func:`score_details`; ``compute`` builds its own)."""
    check_readable(network, "network")
    # a graph's further fields (edge_attr, edge_weight, batch) go to the forward parameters
    # of their names, read from the signature once per call
    batch = as_proxy_inputs(inputs).bound(network)
    if has_lazy(network):
        network = _initialised(network, batch)
    given, network = network, _plain(network)
    if targets is None and batch.coupled and isinstance(getattr(inputs, "y", None), torch.Tensor):
        targets = inputs.y  # a graph's node labels
    batch, targets = _scored_inputs(batch, targets, loss_fn)
    chosen = _resolve(proxies)
    needs_targets = [n for n, p in chosen.items() if p.data == "targets"]
    if targets is None and needs_targets:
        raise ValueError(f"proxies {needs_targets} need targets (labels of the inputs)")
    single = {n: p for n, p in chosen.items() if not p.population}
    state = NetworkState(network)  # one walk of the module tree for the whole call
    check_call(network, batch, targets, single or chosen, loss_fn, seed, state)
    counted = given if network is not given else None
    results = run_proxies(network, batch, targets, single, loss_fn, seed, state, counted)
    for name, proxy in chosen.items():
        if proxy.population:
            results[name] = ProxyResult(
                float("nan"),
                f"{name!r} ranks a population of networks; combine per-network scores with "
                "nasperf.zero_cost.rank_vote",
            )
    return results


def score(
    network: nn.Module,
    inputs: torch.Tensor | Any,
    targets: torch.Tensor | None = None,
    proxies: str | Sequence[str] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    *,
    seed: int = 0,
) -> dict[str, float]:
    """Zero-cost proxy scores of an (untrained) network, higher is better for each.

    Parameters
    ----------
    network : torch.nn.Module
        Any classifier mapping ``inputs`` to logits ``(N, num_classes)``, a regression
        network of one output ``(N, 1)`` or ``(N,)``, or a dense-prediction network with outputs ``(N,
        C, ...)`` per element (segmentation logits, pixels; the proxies that read no labels
        score it as it is, the loss-reading ones with per-element targets); it is not changed
        (weights, buffers, ``requires_grad``, ``.grad``, training flags and hooks stay as
        they were). Its parameters must be on ``inputs``' device. Weights computed from
        others (``weight_norm``, ``spectral_norm``, ``register_parametrization``) are scored
        as the plain weights they compute at the first training forward, on a copy; a
        pruned layer (``torch.nn.utils.prune``) as ``prune.remove`` leaves it, the masked
        weight a plain parameter (``params`` counts the pruned zeros, as ``numel``). A
        network prepared for quantisation (observers, a QAT network's fake-quantisers) is
        scored as it computes (synflow bypasses them, as it does BatchNorm). A
        float16 / bfloat16 network is scored as a float32 copy holding the same values
        (half-precision inputs and targets widened too; in float16 GraSP had been NaN), so
        it scores as ``network.float()`` would; ``params`` and ``flops`` count it as given.
        A network of inference tensors (built under ``torch.inference_mode()``) is scored
        on a copy holding ordinary tensors. Lazy layers (``nn.LazyLinear``, ...) are
        initialised on a copy by one forward on the first input, drawing from torch's
        stream seeded by ``seed``. A ``torch.compile``-d module is scored as the module it
        wraps; a TorchScript module and quantised layers are refused.
    inputs : Tensor (N, ...), torch_geometric Data, or sequence of Tensor
        One minibatch, e.g. normalised images ``(N, 3, 32, 32)``; or a graph
        (``data.x`` ``(N, F)``, ``data.edge_index``; forward ``(x, edge_index)``, then the
        Data's other tensors its forward names: ``edge_attr``, ``edge_weight``, ``batch``;
        a Data with an ``edge_attr`` / ``edge_weight`` the forward cannot take is refused)
        whose scored nodes are ``data.mask`` or else ``data.train_mask`` (default: all
        nodes), one output row and one label per node (graph-level outputs, one row per
        graph, are refused); or the forward's arguments (see
        :func:`~nasperf.zero_cost.engine.as_proxy_inputs`).
    targets : Tensor, shape (N,) or (N, ...), optional
        Class labels (of every node of a graph; default ``data.y``), of any integer dtype
        (read as int64, as ``compute`` reads them); needed by the proxies
        whose ``data`` is ``"targets"``. Losses and per-sample statistics use the scored
        samples only, and only their labels are checked (unlabelled nodes outside the
        mask may hold ``-1``). Without ``loss_fn`` the loss is cross-entropy for integer labels,
        ``(N,)`` against logits ``(N, C)`` or ``(N, H, W)`` per pixel of a dense output
        ``(N, C, H, W)``, and the mean squared error for real targets (a regression):
        ``(N,)`` or ``(N, 1)`` against a one-output network's ``(N, 1)`` or ``(N,)`` (the
        four pairs score the same), or targets of a dense output's own shape.
    proxies : str or sequence of str, optional
        Names from :func:`available`; default every single-network proxy.
    loss_fn : callable(logits, targets) -> scalar, optional
        Loss for the gradient proxies; default as ``targets`` says. An element-wise torch
        loss that broadcasts the two (``F.mse_loss`` of ``(N, 1)`` against ``(N,)``, an
        ``(N, N)`` average of every output against every target) is refused.
    seed : int
        Seeds the proxies that draw random inputs or weights (zen, whose draws are made in
        float32 and cast, so one seed gives one zen in any dtype); results are
        deterministic for the same network, data and seed.

    Returns
    -------
    dict[str, float]
        Requested proxy -> score; NaN where the proxy is undefined for this network (the
        reasons are in :func:`score_details`). Ensemble members requested implicitly are
        included.

    Raises
    ------
    TypeError, ValueError
        The call breaks the contract, checked up front with one no-grad forward on the first
        two inputs (:mod:`nasperf.zero_cost.contract`): not a module with parameters, inputs
        not floating / finite (or fewer than 2 for proxies that read data), targets that
        the loss cannot read (class labels outside ``[0, C)``, shapes that do not fit the
        output), an output that is not one floating ``(N, C)`` or ``(N, C, ...)`` tensor of
        finite values, a ``loss_fn`` that does not return a scalar or broadcasts,
        ``proxies`` not a name or a list of names, ``seed`` not an int. The message says
        what was expected.
    nasperf.errors.UnsupportedNetworkError
        ``network`` is or holds a TorchScript module (``torch.jit.trace`` / ``script``) or
        quantised layers (``quantize_dynamic`` / ``convert``), whose layers the proxies
        cannot read: a ``TypeError`` naming the layer; pass the eager float module.
    nasperf.UnknownNameError
        An unknown proxy name.

    Notes
    -----
    Gradients are on and inference mode is off inside the call, whatever the caller's
    ``torch.no_grad()`` / ``torch.inference_mode()`` (an evaluation loop, a notebook cell):
    the scores are those outside such a block, and the caller's modes are its own again
    afterwards (ten proxies had been NaN under ``no_grad``, with a false reason). Inference
    tensors among the inputs are read as ordinary copies of the same values.
    """
    details = score_details(network, inputs, targets, proxies, loss_fn, seed=seed)
    return {name: r.value for name, r in details.items()}


def __getattr__(name: str):
    # The predictor wrapper lives with the predictors (the training-free family); import it
    # on first use so that ``import nasperf.zero_cost`` does not load the predictor zoo.
    if name == "ZeroCostPredictor":
        from nasperf.predictors.training_free.zc_proxy import ZeroCostPredictor

        return ZeroCostPredictor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROXIES",
    "Context",
    "Proxy",
    "ProxyCharges",
    "ProxyInputs",
    "ProxyResult",
    "UndefinedProxyError",
    "ZeroCostPredictor",
    "as_proxy_inputs",
    "available",
    "compute",
    "nan_reasons",
    "prunable_layers",
    "proxy_charges",
    "rank_vote",
    "read_proxy_table",
    "score",
    "score_details",
    "scored_weights",
]

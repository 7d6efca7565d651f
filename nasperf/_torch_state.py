"""Torch's process-wide settings, borrowed by nasperf and given back: one lock for all.

torch keeps its random generators, its default dtype and its intra-op thread count per
process, not per thread. nasperf needs them to be its own while it builds, trains and runs
its networks: weights drawn from a seed (``random_state``, ``zero_cost.compute(seed=)``),
float32 networks and tensors whatever a caller's ``torch.set_default_dtype`` (BoTorch and
GP code set float64; nasperf's float32 inputs then met float64 layers and fitting raised, and
zero-cost scores moved by 12 %), and a fixed thread count where results depend on it.
:func:`torch_state` takes all three and restores the caller's values on exit. On request
(``autograd=True``) it also turns gradients on and inference mode off for the block: those
modes are the calling thread's, and a caller's ``torch.no_grad()`` (an evaluation loop, a
notebook cell) had turned ten zero-cost proxies into NaN with a false reason.

Threads
-------
Because these settings are shared by every thread of a process, two sections running at
once would seed, draw from and restore the same generator in turn (a fit in a
``ThreadPoolExecutor`` or a threaded ``GridSearchCV`` gave other predictions than alone,
and the caller's generator was left moved). Every section therefore holds one process-wide
re-entrant lock: nasperf's seeded and thread-setting sections run one at a time across
threads (nested sections of one thread are fine). That trades parallel speed for
correctness; torch's threads contend for the same cores anyway. While a section runs, the
caller's *other* threads see float32 as the default dtype (torch offers no per-thread
default); code that must not depend on that passes ``dtype=`` explicitly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["torch_state", "with_autograd"]

_LOCK = threading.RLock()


def _fresh_lock() -> None:
    # A child forked while another thread of the parent held the lock would wait for it
    # forever: that thread does not exist in the child.
    global _LOCK
    _LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def _cuda_indices(devices: Iterable[Any]) -> list[int]:
    """The CUDA device indices among ``devices`` (``torch.device``, strings or indices;
    ``cuda`` without an index is the current device), without repeats, in order."""
    import torch

    out: list[int] = []
    for d in devices:
        if d is None:
            continue
        if isinstance(d, int) and not isinstance(d, bool):
            index = d
        else:
            dev = torch.device(d)
            if dev.type != "cuda":
                continue
            index = dev.index if dev.index is not None else torch.cuda.current_device()
        if index not in out:
            out.append(int(index))
    return out


@contextlib.contextmanager
def torch_state(
    seed: int | None = None,
    *,
    devices: Iterable[Any] = (),
    n_threads: int | None = None,
    autograd: bool = False,
) -> Iterator[None]:
    """Run the block holding nasperf's torch lock, with torch's RNG forked (and seeded),
    float32 as the default dtype and, optionally, ``n_threads`` intra-op threads; the
    caller's RNG states, default dtype and thread count are restored on exit.

    Parameters
    ----------
    seed : int or None
        Seeds torch's CPU generator and the generators of the CUDA ``devices`` (as
        ``torch.manual_seed(seed)`` does for the device used); None leaves them as they are
        (still restored after, so that draws inside do not move the caller's stream).
    devices : iterable
        Devices whose CUDA generators are forked (and seeded) besides the CPU's; non-CUDA
        entries are ignored. The CPU generator is always forked.
    n_threads : int or None
        ``torch.set_num_threads`` for the block (>= 1); None leaves the count alone.
    autograd : bool
        True: gradients enabled (``torch.enable_grad()``) and inference mode off
        (``torch.inference_mode(False)``) for the block, whatever the caller's
        ``torch.no_grad()`` / ``torch.inference_mode()``; both are the calling thread's modes
        and are the caller's again on exit. Tensors created inside are then ordinary
        tensors; the caller's inference tensors stay what they are (clone them to use them
        in autograd). False leaves both modes as they are.

    Sections of different threads run one at a time (see the module's notes); a thread may
    nest sections.
    """
    import torch

    if n_threads is not None and (isinstance(n_threads, bool) or int(n_threads) < 1):
        raise ValueError(f"n_threads must be >= 1 or None, got {n_threads!r}")
    lock = _LOCK
    with lock:
        cuda = _cuda_indices(devices)
        cpu_state = torch.get_rng_state()
        cuda_states = [(i, torch.cuda.get_rng_state(i)) for i in cuda]
        dtype = torch.get_default_dtype()
        threads = torch.get_num_threads()
        try:
            if dtype != torch.float32:
                torch.set_default_dtype(torch.float32)
            if n_threads is not None and int(n_threads) != threads:
                torch.set_num_threads(int(n_threads))
            if seed is not None:
                torch.default_generator.manual_seed(int(seed))
                for i in cuda:
                    torch.cuda.default_generators[i].manual_seed(int(seed))
            if autograd:
                with torch.inference_mode(False), torch.enable_grad():
                    yield
            else:
                yield
        finally:
            torch.set_rng_state(cpu_state)
            for i, state in cuda_states:
                torch.cuda.set_rng_state(state, i)
            if torch.get_default_dtype() != dtype:
                torch.set_default_dtype(dtype)
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)


def with_autograd(fn: _F) -> _F:
    """Decorate a method that trains (a predictor's or an encoder's ``fit``) to run with
    gradients on and inference mode off, whatever the caller's ``torch.no_grad()`` /
    ``torch.inference_mode()``; the caller's modes are its own again on return. Under such
    a block every network-training ``fit`` (mlp, gin, bananas, seminas, ...) had ended in
    torch's "element 0 of tensors does not require grad". Tensors the method makes are then
    ordinary ones (made under inference mode, autograd refuses to save them). Torch is
    imported at the first call, not with the decorated module."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import torch

        if torch.is_grad_enabled() and not torch.is_inference_mode_enabled():
            return fn(*args, **kwargs)
        with torch.inference_mode(False), torch.enable_grad():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

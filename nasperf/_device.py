"""Resolving a user's ``device`` argument (CPU by default, CUDA when asked for and present)."""

from __future__ import annotations

from typing import Any

import torch


def resolve_device(device: Any) -> torch.device:
    """A ``torch.device`` from ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a device.

    ``"cuda"`` resolves to the current CUDA device, so results keyed by device are stable.

    Raises
    ------
    ValueError
        An unparsable or unsupported device, or one that is not available here (e.g. CUDA
        on a CPU-only build), with what to do instead.
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"invalid device {device!r}: {err}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {device!r} was asked for but CUDA is not available "
                f"(torch {torch.__version__}: a CPU-only build, or no GPU visible); "
                "use device='cpu' or install a CUDA build of torch on a GPU machine"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r} was asked for but only {torch.cuda.device_count()} "
                "CUDA device(s) are visible"
            )
        if dev.index is None:
            dev = torch.device("cuda", torch.cuda.current_device())
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"device {device!r} was asked for but MPS is not available")
    elif dev.type != "cpu":
        raise ValueError(f"unsupported device {device!r}; use 'cpu', 'cuda' or 'cuda:N'")
    return dev

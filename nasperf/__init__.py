"""nasperf: performance prediction for neural architecture search."""

from __future__ import annotations

from .errors import DataIntegrityError, InvalidArchitectureError
from .registry import Registry, UnknownNameError
from .spaces import get_space

__version__ = "0.1.0"

__all__ = [
    "DataIntegrityError",
    "InvalidArchitectureError",
    "Registry",
    "UnknownNameError",
    "__version__",
    "get_space",
]

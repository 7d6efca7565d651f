"""Search spaces: architecture values, formats, hashing, sampling, mutation, network builders.

``get_space(name)`` returns a space instance; ``available()`` lists the registered names.
Register your own space with ``@SPACES.register("name")`` on a ``SearchSpace`` subclass.
"""

from __future__ import annotations

from nasperf.registry import _import_family

from .base import (
    GRAPH_TASKS,
    SPACES,
    TASKS,
    CellGraph,
    GraphBatch,
    GraphTask,
    ImageTask,
    SearchSpace,
    SpaceDefinitionError,
    SupernetDecisions,
    TensorTask,
    arch_column,
    as_rng,
    check_positive_ints,
    dag_hash,
    defines_supernet,
    new_space,
    one_result_per_network,
    resolve_space,
    resolve_task,
    space_of,
)
from .complexity import Complexity, count_complexity
from .literal import MAX_TEXT_LENGTH, Call, check_text, parse_literal, strict_float
from .nb101 import NB101Arch, NB101Space
from .nb201 import NB201Arch, NB201Space
from .nb301 import NB301Arch, NB301Space
from .tnb101 import (
    TNB101_TASKS,
    TNB101MacroArch,
    TNB101MacroSpace,
    TNB101MicroArch,
    TNB101MicroSpace,
    TNB101Task,
)

# Every public module of this package is imported so that its spaces register themselves;
# adding a space is adding a file, no list here is edited.
_import_family(__name__, __path__)


def get_space(name: str, **kwargs) -> SearchSpace:
    """An instance of the search space registered as ``name`` ("nb101", "nb201", "nb301",
    "tnb101_micro", "tnb101_macro").

    Raises
    ------
    ValueError
        No space is registered as ``name``, or its class leaves methods of
        :class:`SearchSpace` undefined (named, with where the docs say what they do).
    """
    return new_space(SPACES.get(name), **kwargs)


def available() -> list[str]:
    """Registered search-space names (aliases included)."""
    return SPACES.names()


def supernet_spaces() -> list[str]:
    """Registered search spaces with a weight-sharing supernet
    (:attr:`SearchSpace.has_supernet`), one (primary) name each, sorted: the spaces the
    weight-sharing predictors (``rsws``, ``oneshot``, ``fewshot``) train on. Asked of the
    registered classes: no space or supernet is built."""
    return [name for name in SPACES.names(aliases=False) if defines_supernet(SPACES.get(name))]


__all__ = [
    "GRAPH_TASKS",
    "MAX_TEXT_LENGTH",
    "SPACES",
    "TASKS",
    "Call",
    "CellGraph",
    "Complexity",
    "GraphBatch",
    "GraphTask",
    "ImageTask",
    "TensorTask",
    "NB101Arch",
    "NB101Space",
    "NB201Arch",
    "NB201Space",
    "NB301Arch",
    "NB301Space",
    "SearchSpace",
    "SpaceDefinitionError",
    "SupernetDecisions",
    "TNB101MacroArch",
    "TNB101MacroSpace",
    "TNB101MicroArch",
    "TNB101MicroSpace",
    "TNB101Task",
    "TNB101_TASKS",
    "arch_column",
    "as_rng",
    "available",
    "check_positive_ints",
    "check_text",
    "count_complexity",
    "dag_hash",
    "get_space",
    "one_result_per_network",
    "parse_literal",
    "resolve_space",
    "resolve_task",
    "space_of",
    "strict_float",
    "supernet_spaces",
]

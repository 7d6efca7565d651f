"""The encoder contract: scikit-learn transformers over lists of architectures.

An encoder turns architectures of any space into what predictors learn from. It reads
architectures only through the space's generic views (:meth:`SearchSpace.graph_batch`,
:meth:`SearchSpace.cells`, ``node_labels``, ``operations``), never a space's name, so a
user-defined space encodes with every encoder.

>>> import nasperf
>>> archs = nasperf.get_space("nb201").sample(10, seed=0)
>>> enc = nasperf.encodings.get("path", space="nb201").fit(archs)
>>> X = enc.transform(archs)                  # (n_archs, n_features) float32
>>> X.shape, X.dtype
((10, 156), dtype('float32'))
>>> enc.get_feature_names_out()[:2]
array(['cell0_input_(direct)', 'cell0_input_none'], dtype=object)

Subclasses implement ``_fit(batch)`` (learn what the encoding needs from the fitting
architectures; most encodings need nothing) and ``_transform(batch) -> ndarray``, and
``_feature_names()``. Architectures may be given as values, native text or NASLib keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import metadata_routing
from sklearn.utils.validation import check_is_fitted

from nasperf._constraints import Registered, check_counts_and_flags
from nasperf._torch_state import with_autograd
from nasperf.errors import InvalidArchitectureError, short_repr, warn_caller
from nasperf.registry import Registry, check_constraints_cover
from nasperf.spaces import GraphBatch, SearchSpace
from nasperf.spaces import resolve_space as _resolve_space
from nasperf.spaces.base import arch_column

__all__ = ["ENCODINGS", "SPACE", "Encoder", "as_arch_list", "encoding_name", "resolve_space"]

#: The encoding registry (``nasperf.encodings.ENCODINGS``): ``@ENCODINGS.register("name")``.
#: Like predictors and optimizers, a class is refused whose ``_parameter_constraints`` do
#: not name exactly its ``__init__`` parameters.
ENCODINGS: Registry = Registry("encoding", check=check_constraints_cover("encoding"))


#: Values of an encoder's output that :meth:`Encoder._checked` tests for infinity at a time.
_CHECK_BLOCK = 1 << 20


def _spaces():
    from nasperf.spaces import SPACES

    return SPACES


#: Constraints of ``space`` (encoders and predictors): a registered space name, a space
#: instance, or None (the space of the architecture values, where they tell it).
SPACE: list = [Registered(_spaces, "search space"), SearchSpace, None]


def encoding_name(encoder: Any) -> str:
    """The encoding an encoder applies: its registered name, what an adaptive encoder chose
    (``chosen_``, e.g. ``path_auto`` -> ``"adjacency_onehot"``), ``"a+b"`` for a union."""
    parts = getattr(encoder, "transformer_list", None)
    if parts is not None:
        return "+".join(encoding_name(e) for _, e in parts)
    chosen = getattr(encoder, "chosen_", None)
    if isinstance(chosen, str):
        return chosen
    for name in ENCODINGS.names(aliases=False):
        if ENCODINGS.get(name) is type(encoder):
            return name
    return type(encoder).__name__


def resolve_space(space: str | SearchSpace | None, archs: Any = None) -> SearchSpace:
    """A space instance from a registered name, an instance, or (``None``) the architecture
    values in ``archs`` (see :func:`nasperf.spaces.resolve_space`)."""
    return _resolve_space(space, archs)


def check_arch_sequence(archs: Any) -> None:
    """A ``ValueError`` unless ``archs`` is an ordered collection of architectures: not a
    single text, not an iterator without a length, not a set or a mapping (rows are
    matched with labels, side information and predictions by position; a set's order is
    arbitrary, and a fit on one had paired its architectures with the wrong labels)."""
    if isinstance(archs, set | frozenset):
        raise ValueError(
            f"expected a sequence of architectures, got a {type(archs).__name__}, whose order "
            "is arbitrary (labels and predictions would not match its rows); pass a list"
        )
    if isinstance(archs, Mapping):
        raise ValueError(
            f"expected a sequence of architectures, got a {type(archs).__name__} (its keys "
            "would be read and its values ignored); pass a list of architectures"
        )
    if isinstance(archs, str | bytes) or not hasattr(archs, "__len__"):
        raise ValueError(
            f"expected a sequence of architectures, got {type(archs).__name__}; wrap a single "
            "architecture in a list"
        )


def as_arch_list(space: SearchSpace, archs: Any) -> list:
    """Validate and coerce a sequence of architectures (values, text or NASLib keys); a
    one-column table of them is read as that column (:func:`nasperf.spaces.arch_column`)."""
    archs = arch_column(archs)
    check_arch_sequence(archs)
    if hasattr(archs, "tolist") and not isinstance(archs, list):
        archs = archs.tolist()
    archs = list(archs)
    if not archs:
        raise ValueError("expected at least one architecture, got an empty sequence")
    arch_type = space.arch_type
    if all(type(a) is arch_type for a in archs):
        return archs  # values already (the loop below would copy them one by one)
    out = []
    for i, a in enumerate(archs):
        if isinstance(a, space.arch_type):
            out.append(a)
            continue
        try:
            out.append(space.coerce(a))
        except InvalidArchitectureError as err:
            raise err.within(f"archs[{i}].") from err
        except ValueError as err:
            raise ValueError(f"archs[{i}]: {err}") from err
    return out


#: Fewest distinct architectures (the space's ``distinct_key``) with identical cells for which
#: :func:`check_cells_tell_apart` warns: two may legitimately share a network (a choice that
#: is inactive in both), so one such pair says little.
INDISTINCT_MIN = 3


def check_cells_tell_apart(space: SearchSpace, archs: list, batch: GraphBatch) -> None:
    """Warn when at least :data:`INDISTINCT_MIN` distinct architectures all have identical
    :meth:`~nasperf.spaces.SearchSpace.cells`: every encoding that reads the cells is then
    constant over them, a predictor fitted on it predicts one value, and ``space.hash``
    counts them as one network. The usual cause is a choice kept out of the cells (every
    layer labelled ``conv3x3``, its width only in the architecture value). Costs one
    comparison of the batch's arrays (the distinct values are counted only when they are
    all equal)."""
    if len(archs) < INDISTINCT_MIN:
        return
    adj, ops = batch.adjacency, batch.ops
    if not ((adj == adj[:1]).all() and (ops == ops[:1]).all()):
        return
    firsts: dict[Any, Any] = {}
    for a in archs:
        firsts.setdefault(space.distinct_key(a), a)
    if len(firsts) < INDISTINCT_MIN:
        return
    texts = [_text(space, a) for a in list(firsts.values())[:2]]
    warn_caller(
        f"{space.name}: the {len(firsts)} distinct architectures fitted on have identical "
        f"cells() (e.g. {texts[0]} and {texts[1]}): every encoding of them is the same, so a "
        "predictor can only predict a constant, and space.hash counts them as one network. "
        "cells() must carry every choice: put it in the node labels (e.g. 'c16' rather than "
        "'conv3x3', with op_values to give its number; docs/custom_space.md)"
    )


def _text(space: SearchSpace, arch: Any) -> str:
    """``arch`` as its (bounded) text for a message, or its repr where formatting fails."""
    try:
        return short_repr(space.to_string(arch))
    except Exception:  # the message is about another fault; never hide it
        return short_repr(arch)


#: True while an encoder's ``fit`` runs: an encoder fitting others on the same architectures
#: (``path_auto``) warns once, not once per inner encoder.
_FITTING: ContextVar[bool] = ContextVar("nasperf_encoder_fitting", default=False)


class Encoder(TransformerMixin, BaseEstimator):
    """Base class of encoders (scikit-learn transformer contract).

    Parameters
    ----------
    space : str, SearchSpace or None
        The search space of the architectures. ``None`` (default): the space of the
        architecture values ``fit`` receives (text cannot tell its space: then pass
        ``space=``).

    Fitted attributes
    -----------------
    space_ : SearchSpace
    max_nodes_ : int
        Padding width of the cell graphs (the space's ``max_nodes`` or the largest cell seen
        in ``fit``); a larger cell in ``transform`` is an error.
    n_cells_ : int
        Cells per architecture.
    n_features_out_ : int
        Width of the encoding.
    """

    #: Whether ``transform`` returns a 2-D float array (False for graph encoders).
    numeric: bool = True
    #: Valid values of every ``__init__`` parameter, checked by scikit-learn when ``fit``
    #: starts and by :func:`nasperf.encodings.get` (see :mod:`nasperf._constraints`); a
    #: subclass declares one dict covering exactly its parameters.
    _parameter_constraints: ClassVar[dict] = {"space": SPACE}
    #: ``archs`` is what scikit-learn calls ``X``, not metadata (its routing had generated
    #: ``set_fit_request(archs=...)`` and ``set_transform_request(archs=...)``).
    __metadata_request__fit: ClassVar[dict] = {"archs": metadata_routing.UNUSED}
    __metadata_request__transform: ClassVar[dict] = {"archs": metadata_routing.UNUSED}

    def __init__(self, *, space: str | SearchSpace | None = None) -> None:
        self.space = space

    # ------------------------------------------------------------ contract
    def _validate_params(self) -> None:
        """scikit-learn's check of ``_parameter_constraints``, then a bool for a number and
        an endless count (:func:`nasperf._constraints.check_counts_and_flags`). ``space``
        is checked first as :func:`resolve_space` checks it: an unknown name is the space
        registry's ``UnknownNameError`` (with its "did you mean"), as it has always been."""
        if self.space is not None and not isinstance(self.space, SearchSpace):
            resolve_space(self.space)
        super()._validate_params()
        check_counts_and_flags(self)

    @with_autograd
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Sequence[Any], y: Any = None) -> Encoder:
        """Learn what the encoding needs from ``archs``; returns ``self``."""
        self.space_ = resolve_space(self.space, archs)
        archs = as_arch_list(self.space_, archs)
        batch = self.space_.graph_batch(archs)
        outer = not _FITTING.get()
        if outer:
            check_cells_tell_apart(self.space_, archs, batch)
        token = _FITTING.set(True)
        try:
            self.max_nodes_ = batch.max_nodes
            self.n_cells_ = batch.n_cells
            self._fit(batch, archs)
        finally:
            _FITTING.reset(token)
        self.n_features_out_ = len(self._feature_names())
        return self

    def transform(self, archs: Sequence[Any]) -> np.ndarray:
        """Encode ``archs``: a ``(len(archs), n_features_out_)`` float32 array."""
        check_is_fitted(self, "space_")
        archs = as_arch_list(self.space_, archs)
        return self._checked(self._transform(self._batch(archs), archs), len(archs))

    def _checked(self, out: Any, n: int) -> Any:
        """``out`` if it is what ``transform`` promises (numeric encodings): a 2-D real array
        of ``(n, n_features_out_)`` without infinities (NaN may mark an undefined value).
        A user's encoding that returns anything else is named here, not deep in a model
        (an infinity had been a raw XGBoost error, a ragged list numpy's, a wrong width
        silently accepted)."""
        if not self.numeric:
            return out
        where = f"encoding {encoding_name(self)!r} ({type(self).__name__}).transform"
        if not isinstance(out, np.ndarray):
            raise TypeError(f"{where} returned {type(out).__name__}, not a numpy array")
        want = (n, getattr(self, "n_features_out_", out.shape[-1] if out.ndim else 0))
        if out.shape != want:
            raise ValueError(
                f"{where} returned shape {out.shape}, not {want} (architectures, "
                "n_features_out_ = len(get_feature_names_out()))"
            )
        if out.dtype.kind not in "biuf":
            raise ValueError(f"{where} returned {out.dtype} values, not real numbers")
        if out.dtype.kind == "f":
            # a block of rows at a time: np.isinf of the whole output is another n x width
            # array (NB301's path encoding: 11,204 columns)
            step = max(1, _CHECK_BLOCK // max(out.shape[1], 1))
            for start in range(0, n, step):
                inf = np.isinf(out[start : start + step])
                if inf.any():
                    row, col = (int(i) for i in np.argwhere(inf)[0])
                    raise ValueError(
                        f"{where} returned an infinite value (row {start + row}, column {col})"
                    )
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns."""
        check_is_fitted(self, "space_")
        return np.asarray(self._feature_names(), dtype=object)

    # ------------------------------------------------------------ for subclasses
    def _batch(self, archs: list) -> GraphBatch:
        # The padding width learnt in fit, so every transform has the same columns.
        return self.space_.graph_batch(archs, self.max_nodes_)

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        """Learn from the fitting architectures (default: nothing to learn)."""

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        raise NotImplementedError

    def _feature_names(self) -> list[str]:
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    # ------------------------------------------------------------ helpers
    def _fit_node_values(self) -> None:
        """Record the space's numeric node attributes (:attr:`SearchSpace.op_values`, read
        through :meth:`~nasperf.spaces.SearchSpace.node_value_table`): ``value_fields_``
        (empty where the space declares none) and ``value_table_``, float32 ``(L + 1, F)``
        with a last row of zeros that padding nodes (label ``-1``) index."""
        fields, table = self.space_.node_value_table()
        self.value_fields_ = tuple(fields)
        pad = np.zeros((1, len(fields)), dtype=np.float64)
        self.value_table_ = np.concatenate([table, pad]).astype(np.float32)

    def _node_values(self, batch: GraphBatch) -> np.ndarray:
        """``(N, C, n, F)`` float32: each node's numeric attributes (0 for padding)."""
        return self.value_table_[np.asarray(batch.ops, dtype=np.int64)]

    def _operation_codes(self) -> np.ndarray:
        """Indices into ``node_labels`` of the space's operations (the labels paths use)."""
        labels = self.space_.node_labels
        return np.array([labels.index(o) for o in self.space_.operations], dtype=np.int64)

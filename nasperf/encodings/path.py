"""Path encoding (BANANAS): which input -> output paths, labelled by operations, a cell has."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from nasperf.spaces import GraphBatch

from ._graph_ops import input_mask, node_paths, output_mask, row_chunks
from .base import ENCODINGS, Encoder

#: Widest full path vocabulary built (index arrays of 8 bytes per feature); wider ones are
#: an error naming ``max_length=`` (``path_auto`` does not build them).
MAX_PATH_FEATURES = 1 << 22

#: Most input -> output node paths in the union of a batch's cell graphs that the encoding
#: walks (one vectorised step per path; the packaged spaces have at most a few hundred). A
#: dense cell of n nodes has 2^(n-2): more is an error (``path_auto`` then uses adjacency).
MAX_UNION_PATHS = 1 << 16


#: Largest dense matrix ``transform`` allocates (float32 bytes): 4 GiB, e.g. 90,000 NB301
#: cells of 11,204 paths. Wider vocabularies reach it with few rows (a 9-layer chain of 5
#: operations has 2.4M paths: 9.8 GB per 1,000 architectures), refused before allocating.
MAX_TRANSFORM_BYTES = 1 << 32

#: Architectures per chunk of ``fit``'s statistics (256 x 11,204 float32 on NB301: 11 MiB).
_FIT_CHUNK = 256


def union_path_count(batch: GraphBatch) -> int:
    """Input -> output node paths in the union of the batch's cell graphs, summed over
    cells: how many paths :class:`PathEncoder` walks (counted without listing them)."""
    total = 0
    is_in, is_out = input_mask(batch), output_mask(batch)
    for c in range(batch.n_cells):
        union = batch.adjacency[:, c].astype(bool).any(0)
        sources, sinks = is_in[:, c].any(0), is_out[:, c].any(0)
        ways = [0] * union.shape[0]  # paths from a source to each node (exact ints)
        for v in range(union.shape[0]):
            ways[v] = sum(ways[u] for u in np.flatnonzero(union[:v, v])) + int(sources[v])
        total += sum(ways[v] - int(sources[v]) for v in np.flatnonzero(sinks))
    return total


def longest_path(batch: GraphBatch, ops: tuple[str, ...] | list[str]) -> int:
    """Most operations (nodes labelled with one of ``ops``) on an input -> output path of
    any cell of the batch, by dynamic programming over each DAG (paths are not listed)."""
    codes = [batch.labels.index(o) for o in ops if o in batch.labels]
    adj = batch.adjacency.astype(bool)
    is_op = np.isin(batch.ops, codes).astype(np.float64)
    best = np.where(input_mask(batch), 0.0, -np.inf)
    for v in range(batch.max_nodes):
        prev = np.where(adj[..., :v, v], best[..., :v], -np.inf).max(-1, initial=-np.inf)
        best[..., v] = np.maximum(best[..., v], prev + is_op[..., v])
    ends = np.where(output_mask(batch), best, -np.inf)
    top = float(ends.max(initial=-np.inf))
    return int(top) if np.isfinite(top) else 0


def check_union_paths(batch: GraphBatch, space_name: str) -> None:
    """Refuse a batch whose cells' union graphs have more than :data:`MAX_UNION_PATHS`
    input -> output paths (time and memory grow with their number)."""
    count = union_path_count(batch)
    if count > MAX_UNION_PATHS:
        raise ValueError(
            f"{space_name}: the cells have {count:,} input -> output paths (together), more "
            f"than {MAX_UNION_PATHS:,}: the path encoding walks each one; use another "
            "encoding (path_auto chooses one)"
        )


#: Cells of a boolean block that :func:`path_statistics` reads at a time (4 MiB).
_STATS_BLOCK = 1 << 22


class _PathStatistics:
    """:func:`path_statistics` accumulated over blocks of rows.

    Distinct rows are told apart by their sets of present columns (the sorted indices as
    bytes), so memory grows with the distinct rows' non-zeros (~22 per NB301 architecture
    among 11,204 columns), never with ``n x width``: ``np.unique(X, axis=0)`` had sorted a
    copy of the whole matrix, through a structured dtype of ``width`` fields.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.n = 0
        self.active = 0
        self.seen: set[bytes] = set()
        self.in_rows = np.zeros(width, dtype=np.int64)  # distinct rows with each column

    def add(self, present: np.ndarray) -> None:
        """Count a ``(rows, width)`` boolean block."""
        rows, cols = np.nonzero(present)  # row-major: each row's columns ascending
        self.n += len(present)
        self.active += len(cols)
        cols = cols.astype(np.int64, copy=False)
        ends = np.cumsum(np.bincount(rows, minlength=len(present)))
        start = 0
        for end in ends.tolist():
            row = cols[start:end]
            start = end
            key = row.tobytes()
            if key not in self.seen:
                self.seen.add(key)
                self.in_rows[row] += 1

    def result(self) -> dict:
        """The statistics (see :attr:`PathEncoder.stats_`)."""
        present = int(self.in_rows.sum())
        shared = int(self.in_rows[self.in_rows >= 2].sum())
        # float(sum) / n is what np.mean of the per-row counts computes (exact int sums)
        mean_active = self.active / self.n if self.n else 0.0
        width = self.width
        return {
            "width": int(width),
            "n_archs": int(self.n),
            "distinct": len(self.seen),
            "mean_active": float(mean_active),
            "active_fraction": mean_active / width if width else 0.0,
            "columns_used": int((self.in_rows > 0).sum()),
            "shared_fraction": shared / present if present else 0.0,
        }


def path_statistics(X: np.ndarray) -> dict:
    """Statistics of a path-encoding matrix ``X`` (architectures x paths) that tell whether
    it can generalise: see :attr:`PathEncoder.stats_` for the keys.

    ``X`` is read a block of rows at a time; memory beyond it grows with the non-zeros of
    its distinct rows, not with ``n x width``.
    """
    X = np.asarray(X)
    n, width = X.shape
    acc = _PathStatistics(width)
    step = max(1, _STATS_BLOCK // max(width, 1))
    for start in range(0, n, step):
        acc.add(X[start : start + step] > 0)
    return acc.result()


@ENCODINGS.register("path", "path_encoding")
class PathEncoder(Encoder):
    """One feature per possible input -> output path, labelled by its operation sequence.

    A path's label is the sequence of operations on it (structural nodes such as DARTS's
    ``sum`` nodes and the input / output are not labels). The vocabulary holds every
    sequence of the space's ``operations`` of length ``0..max_length``, for each cell and
    (in cells with several inputs) each input: for NAS-Bench-101, 3 operations and length
    <= 5 give BANANAS's 364 features. Isomorphic cells have the same paths, so they encode
    identically (unlike adjacency one-hot).

    Features are ordered as BANANAS truncates them: by path length first (under uniform
    sampling shorter paths are more likely), then cell, input, and operation order.
    ``truncate=k`` keeps the first ``k`` ("truncated path encoding").

    Parameters
    ----------
    space : str or SearchSpace
    max_length : int, optional
        Longest path (in operations) of the vocabulary; default the space's
        ``max_path_length``, else the longest path among the fitting architectures. A longer
        path (an architecture in ``transform`` with a path longer than any the encoder was
        fitted on) has no feature and is left out: a model fitted on these features never
        saw it, so it could not use it (as truncation leaves out the longest paths).
    truncate : int, optional
        Keep only the first ``truncate`` features (see above).
    counts : bool, default False
        Number of paths with each label instead of presence (0/1).

    Fitted attributes
    -----------------
    stats_ : dict
        How informative the encoding is on the fitting architectures (see
        :func:`path_statistics`): ``width`` (features), ``n_archs``, ``distinct`` (distinct
        encodings), ``mean_active`` (paths present per architecture), ``active_fraction``
        (``mean_active / width``), ``columns_used`` (features present in some architecture)
        and ``shared_fraction`` (of the paths present in the distinct encodings, the share
        present in at least two of them). A ``shared_fraction`` near 0 means that paths
        identify architectures one-to-one (e.g. a chain: one path per architecture, labelled
        by all its operations), so the encoding is an identifier that cannot generalise;
        the ``path_auto`` encoding then uses another one.

    References
    ----------
    White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures
    for Neural Architecture Search", AAAI 2021.
    """

    _parameter_constraints: ClassVar[dict] = {
        **Encoder._parameter_constraints,
        "max_length": [Interval(Integral, 0, None, closed="left"), None],
        "truncate": [Interval(Integral, 1, None, closed="left"), None],
        "counts": ["boolean"],
    }

    def __init__(
        self,
        *,
        space=None,
        max_length: int | None = None,
        truncate: int | None = None,
        counts: bool = False,
    ) -> None:
        super().__init__(space=space)
        self.max_length = max_length
        self.truncate = truncate
        self.counts = counts

    # ------------------------------------------------------------ fit
    def vocabulary_width(self, batch: GraphBatch) -> int:
        """Features of the full (untruncated) encoding for these architectures' space: cells
        x inputs x (1 + k + ... + k^L), ``k`` operations, ``L`` the longest path. Needs
        ``space_`` (set by ``fit``); computed without building the vocabulary."""
        inputs = [label for label in batch.labels if label.startswith("input")]
        k = len(self.space_.operations)
        return batch.n_cells * len(inputs) * sum(k**m for m in range(self._length(batch) + 1))

    def _length(self, batch: GraphBatch) -> int:
        length = self.max_length
        if length is None:
            length = getattr(self.space_, "max_path_length", None)
        if length is None:
            length = longest_path(batch, self.space_.operations)
        if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < 0:
            raise ValueError(f"max_length must be a non-negative int, got {length!r}")
        return int(length)

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        labels = batch.labels
        ops = self.space_.operations
        self.inputs_ = tuple(label for label in labels if label.startswith("input"))
        check_union_paths(batch, self.space_.name)
        length = self._length(batch)
        total = self.vocabulary_width(batch)
        if total > MAX_PATH_FEATURES:
            raise ValueError(
                f"{self.space_.name}: the path encoding would have {total:,} features (paths "
                f"of up to {length} of {len(ops)} operations), more than {MAX_PATH_FEATURES:,}; "
                "use max_length= or another encoding (path_auto chooses one)"
            )
        self.max_length_ = length
        k = len(ops)
        self.offsets_ = np.array([sum(k**m for m in range(j)) for j in range(length + 2)])
        self.block_ = int(self.offsets_[-1])
        # BANANAS order: length, then cell, input, operation sequence.
        lengths = np.searchsorted(self.offsets_, np.arange(self.block_), side="right") - 1
        col_len = np.tile(lengths, self.n_cells_ * len(self.inputs_))
        order = np.lexsort((np.arange(total), col_len))
        if self.truncate is not None:
            order = order[: self.truncate]
        self.columns_ = order
        position = np.full(total, -1, dtype=np.int64)
        position[order] = np.arange(len(order))
        self.position_ = position
        op_index = np.full(len(labels) + 1, -1, dtype=np.int64)  # last slot: padding (-1)
        for j, op in enumerate(ops):
            op_index[labels.index(op)] = j
        self.op_index_ = op_index
        in_index = np.full(len(labels) + 1, -1, dtype=np.int64)
        for j, label in enumerate(self.inputs_):
            in_index[labels.index(label)] = j
        self.input_index_ = in_index
        # Statistics a chunk of architectures at a time, so a wide encoding never holds an
        # n x width matrix (NB301: 11,204 columns; 130,000 architectures had failed here).
        acc = _PathStatistics(len(order))
        for start, part in row_chunks(batch, _FIT_CHUNK):
            acc.add(self._transform(part, archs[start : start + len(part)]) > 0)
        self.stats_ = acc.result()

    # ------------------------------------------------------------ transform
    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        check_union_paths(batch, self.space_.name)
        n_arch = len(batch)
        width = len(self.columns_)
        if n_arch * width * 4 > MAX_TRANSFORM_BYTES:
            raise ValueError(
                f"the path encoding of {n_arch:,} architectures is a dense {n_arch:,} x "
                f"{width:,} float32 matrix ({n_arch * width * 4 / 2**30:.1f} GiB), more than "
                f"the {MAX_TRANSFORM_BYTES / 2**30:.0f} GiB it builds: encode fewer "
                "architectures at a time, or use a shorter vocabulary (max_length=, "
                "'path_auto') or the 'adjacency_onehot' encoding"
            )
        X = np.zeros((n_arch, width), dtype=np.float32)
        k = len(self.space_.operations)
        n_in = len(self.inputs_)
        is_in = input_mask(batch)
        is_out = output_mask(batch)
        for c in range(batch.n_cells):
            adj = batch.adjacency[:, c].astype(bool)
            union = adj.any(0)
            for path in node_paths(union, is_in[:, c].any(0), is_out[:, c].any(0)):
                present = is_in[:, c, path[0]] & is_out[:, c, path[-1]]
                for a, b in zip(path[:-1], path[1:], strict=True):
                    present &= adj[:, a, b]
                rows = np.flatnonzero(present)
                if rows.size == 0:
                    continue
                code = np.zeros(rows.size, dtype=np.int64)
                length = np.zeros(rows.size, dtype=np.int64)
                for v in path[1:-1]:
                    j = self.op_index_[batch.ops[rows, c, v]]
                    is_op = j >= 0
                    code = np.where(is_op, code * k + j, code)
                    length += is_op
                within = length <= self.max_length_
                if not within.all():
                    # beyond the vocabulary: no fitted model has a feature for such a path
                    # (none was in its training set), so it is left out, as truncation
                    # leaves out the longest paths
                    rows, code, length = rows[within], code[within], length[within]
                    if rows.size == 0:
                        continue
                block = (c * n_in + self.input_index_[batch.ops[rows, c, path[0]]]) * self.block_
                pos = self.position_[block + self.offsets_[length] + code]
                keep = pos >= 0
                if self.counts:
                    np.add.at(X, (rows[keep], pos[keep]), 1.0)
                else:
                    X[rows[keep], pos[keep]] = 1.0
        return X

    def _feature_names(self) -> list[str]:
        ops = self.space_.operations
        k = len(ops)
        names = []
        for col in self.columns_:
            block, rest = divmod(int(col), self.block_)
            cell, inp = divmod(block, len(self.inputs_))
            length = int(np.searchsorted(self.offsets_, rest, side="right") - 1)
            code = rest - int(self.offsets_[length])
            seq = []
            for _ in range(length):
                code, j = divmod(code, k)
                seq.append(ops[j])
            label = ">".join(reversed(seq)) or "(direct)"
            names.append(f"cell{cell}_{self.inputs_[inp]}_{label}")
        return names

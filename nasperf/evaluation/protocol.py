"""The predictor-evaluation protocol of White et al. (2021): train sizes and paired splits.

A predictor is trained on ``n_train`` architectures and scored on a held-out test set, for a
range of ``n_train`` (:func:`train_sizes`) and several seeds. For the comparison to be
paired, :func:`make_split` guarantees, for one ``(candidates, test_size, seed)``:

* the test set is the same whatever ``n_train`` and whatever the predictor;
* training sets for growing ``n_train`` are nested: each is a prefix of one seeded
  permutation of the non-test candidates;
* train and test are disjoint; the order in which ``candidates`` are given does not matter
  (they are sorted before shuffling); the same arguments give the same split on every
  machine (``numpy.random.default_rng(seed)``, nothing global).

References
----------
White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural
Architecture Search?", NeurIPS 2021.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Split", "make_split", "train_sizes"]


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _not_self_equal(key) -> bool:
    """NaN (and ``pandas.NA``, whose comparisons are neither true nor false)."""
    try:
        return bool(key != key)
    except TypeError:
        return True


def _nearest_125(x: float) -> int:
    """The number of the 1-2-5 series (1, 2, 5, 10, 20, ...) nearest to ``x`` in log scale."""
    decade = 10 ** math.floor(math.log10(x))
    options = [m * decade for m in (1, 2, 5, 10)]
    return builtins.min(options, key=lambda v: abs(math.log(v / x)))


def train_sizes(min: int = 10, max: int = 1000, num: int = 7) -> tuple[int, ...]:
    """Log-spaced training-set sizes from ``min`` to ``max``, as round numbers.

    The sizes are ``numpy.geomspace(min, max, num)`` with the two ends kept and every
    interior point snapped to the nearest number of the 1-2-5 series (1, 2, 5, 10, 20, 50,
    ...; nearest in log scale). The defaults give White et al.'s sizes
    ``(10, 20, 50, 100, 200, 500, 1000)``. When the series has too few numbers between the
    ends for ``num`` distinct sizes, the interior points are rounded to integers instead
    (``train_sizes(10, 100, 10)`` -> 10, 13, 17, 22, ...).

    Parameters
    ----------
    min, max : int
        Smallest and largest size, ``1 <= min < max``.
    num : int
        Number of sizes, ``2 <= num <= max - min + 1``.

    Returns
    -------
    tuple of int
        Strictly increasing sizes, first ``min`` and last ``max``.

    References
    ----------
    White et al., NeurIPS 2021 (training-set sizes of the predictor evaluation).
    """
    lo = _check_int(min, "min", 1)
    hi = _check_int(max, "max", lo + 1)
    n = _check_int(num, "num", 2)
    if n > hi - lo + 1:
        raise ValueError(f"num={n} distinct sizes do not fit between {lo} and {hi}")
    points = np.geomspace(lo, hi, n)[1:-1]
    for snap in (_nearest_125, lambda x: int(np.rint(x))):
        sizes = (lo, *(snap(float(x)) for x in points), hi)
        if all(a < b for a, b in zip(sizes, sizes[1:], strict=False)):
            return sizes
    # Rounded geometric points can still collide where the range is nearly linear
    # (e.g. 1..10 in 9 steps); fall back to evenly spread integers, which always fit.
    return tuple(int(x) for x in np.rint(np.linspace(lo, hi, n)))


@dataclass(frozen=True, slots=True)
class Split:
    """One train/test split of the predictor-evaluation protocol.

    Attributes
    ----------
    train : tuple
        Keys of the ``n_train`` training architectures, in the seeded order (a prefix of
        the split's permutation of the non-test candidates).
    test : tuple
        Keys of the test architectures, in the seeded order; the same for every ``n_train``.
    seed : int
        Seed of ``numpy.random.default_rng`` that drew the split.
    n_train : int
        ``len(train)``.
    """

    train: tuple
    test: tuple
    seed: int
    n_train: int

    @property
    def test_size(self) -> int:
        """``len(test)``."""
        return len(self.test)


def make_split(
    candidates: Iterable[Hashable],
    n_train: int,
    *,
    test_size: int = 200,
    seed: int,
    networks: Mapping[Hashable, Hashable] | None = None,
) -> Split:
    """A seeded train/test split whose test set does not depend on ``n_train``.

    The candidates are sorted, permuted once by ``numpy.random.default_rng(seed)``; the
    first ``test_size`` of the permutation are the test set, and the training set is the
    next ``n_train``. Hence the test set depends only on ``(seed, candidates, test_size)``
    and training sets for growing ``n_train`` are nested, so every predictor and every train
    size is scored on paired splits.

    With ``networks`` (candidate -> the network it is, e.g. NB101's isomorphic specs ->
    their hash: :meth:`~nasperf.spaces.SearchSpace.distinct_key`), one network is never on
    both sides: the test set takes the permutation's candidates of distinct networks, and
    the training set skips every candidate of a test network (a table holding two specs of
    one network had put 57 of 200 test networks in the training set, and Kendall tau on
    noise labels at 0.3). Where every candidate is its own network the split is the one
    above, key for key.

    Parameters
    ----------
    candidates : iterable of hashable, sortable keys
        The architectures to draw from, e.g. a benchmark table's index; no duplicates and
        no NaN.
    n_train : int
        Training-set size (>= 0; 0 for predictors that need no training).
    test_size : int
        Test-set size (>= 1).
    seed : int
        Non-negative seed; different seeds give different (independent) splits.
    networks : mapping, optional
        The network of each candidate (every candidate a key), where several candidates
        may be one network.

    Returns
    -------
    Split

    Raises
    ------
    ValueError
        If ``n_train + test_size > len(candidates)``, the candidates hold duplicates, a NaN
        key or keys that cannot be sorted together, or an argument is out of range.

    References
    ----------
    White et al., NeurIPS 2021 (evaluation protocol: fixed test set, growing train sets).
    """
    keys = list(candidates)
    # NaN is not equal to itself: it would escape the duplicate check and sort anywhere,
    # so the split would depend on the order the candidates come in.
    nan = next((i for i, k in enumerate(keys) if _not_self_equal(k)), None)
    if nan is not None:
        raise ValueError(
            f"candidates[{nan}] is {keys[nan]!r}, which is not equal to itself; the keys must "
            "be comparable values (architecture ids, strings)"
        )
    try:
        keys = sorted(keys)
    except TypeError as err:
        raise ValueError(f"candidates must be mutually sortable keys: {err}") from None
    seen: set = set()
    for k in keys:
        if k in seen:
            raise ValueError(f"candidates hold duplicates, e.g. {k!r}")
        seen.add(k)
    n_train = _check_int(n_train, "n_train", 0)
    test_size = _check_int(test_size, "test_size", 1)
    seed = _check_int(seed, "seed", 0)
    if networks is not None:
        missing = next((k for k in keys if k not in networks), None)
        if missing is not None:
            raise ValueError(f"networks has no entry for the candidate {missing!r}")
        groups = [networks[k] for k in keys]
        if len(set(groups)) == len(keys):
            networks = None  # every candidate its own network: the plain split
    if networks is None:
        if n_train + test_size > len(keys):
            raise ValueError(
                f"n_train + test_size = {n_train} + {test_size} exceeds the {len(keys)} candidates"
            )
        perm = np.random.default_rng(seed).permutation(len(keys))
        test = tuple(keys[i] for i in perm[:test_size])
        train = tuple(keys[i] for i in perm[test_size : test_size + n_train])
        return Split(train=train, test=test, seed=seed, n_train=n_train)
    n_networks = len(set(groups))
    if n_train + test_size > n_networks:
        raise ValueError(
            f"n_train + test_size = {n_train} + {test_size} exceeds the {n_networks} networks "
            f"of the {len(keys)} candidates (the candidates of one network stay on one side "
            "of the split)"
        )
    perm = np.random.default_rng(seed).permutation(len(keys))
    in_test: set = set()
    test_idx = take_networks(perm, groups, test_size, in_test)
    rest = [i for i in perm if groups[i] not in in_test]
    test = tuple(keys[i] for i in test_idx)
    train = tuple(keys[i] for i in rest[:n_train])
    return Split(train=train, test=test, seed=seed, n_train=n_train)


def take_networks(
    order: Iterable[int], networks: Sequence[Hashable], k: int, taken: set
) -> list[int]:
    """The first ``k`` positions of ``order`` of distinct networks not yet in ``taken``
    (``networks[i]``: the network of position ``i``), which are added to ``taken``: one
    side of a split by network (:func:`make_split`; ``scripts/build_pretrained.py``'s test
    and validation sets)."""
    out: list[int] = []
    for i in order:
        if len(out) == k:
            break
        if networks[i] not in taken:
            taken.add(networks[i])
            out.append(int(i))
    return out

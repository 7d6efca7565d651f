"""What the zero-cost scores computed inside a block of code cost, whatever the cache held.

A study charges a proxy score at the seconds its computation took, wherever the score comes
from: a table's recorded seconds per architecture, or, for a score that
:func:`~nasperf.zero_cost.compute` returns, the seconds recorded with it (measured now when
it is computed now, the cache's record of that measurement when it is read from the disk
cache). The wall-clock of a call to ``compute`` is therefore not the cost: it is the
computation on an empty cache and a lookup of milliseconds on a filled one. While a
:func:`proxy_charges` block is open, every ``compute`` call made in it (in this thread or
task, at any depth: a predictor's ``fit``, an ensemble's members) reports here the recorded
seconds of each architecture it returns and the wall seconds the call itself took, so that
a caller can replace the one by the other and count each proxy-second once::

    with proxy_charges() as charges:
        predictor.fit(archs, y)
    own_seconds = wall - charges.wall_s          # fit's own work, without compute's
    cost = own_seconds + charges.seconds_s       # + the scores at their recorded seconds

Each (settings, architecture, proxy) is charged once per block (and once across blocks
chained with ``after=``), as a search charges each architecture's proxies once: a score a
predictor asks for twice (an ensemble's member predicting its own training set, a tuned
predictor's folds) was computed once.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

__all__ = ["ProxyCharges", "proxy_charges", "record_computation"]


class ProxyCharges:
    """The zero-cost computations made while a :func:`proxy_charges` block was open.

    Attributes
    ----------
    wall_s : float
        Wall seconds spent inside :func:`~nasperf.zero_cost.compute` calls (computing,
        reading the cache, loading the minibatch): the part of the caller's wall-clock that
        :attr:`seconds_s` stands for. Calls that overlap in time (threads that carry the
        block's context) count their overlap once, so this never exceeds the wall-clock
        they spanned; a call that raised is not counted (its time stays the caller's).
    unrecorded : int
        (architecture, proxy) pairs returned without recorded seconds (a cache entry
        stored with ``seconds=None`` by a caller of :meth:`ProxyCache.put`; nasperf records
        the seconds of everything it computes): not charged.
    """

    def __init__(self, after: ProxyCharges | None = None) -> None:
        # [start, end] of the calls that said when they ran (perf_counter, one clock for
        # every thread of the process); the wall seconds of those that did not
        self._spans: list[tuple[float, float]] = []
        self._loose_s = 0.0
        self.unrecorded = 0
        # (settings, architecture text) -> [(the proxies a call charged, its seconds)], in
        # call order
        self._charged: dict[tuple[str, str], list[tuple[frozenset[str], float]]] = {}
        self._after = after

    def _done(self, key: tuple[str, str]) -> list[tuple[frozenset[str], float]]:
        """What this block and those it comes ``after`` charged for ``key``."""
        done: list[tuple[frozenset[str], float]] = []
        charges: ProxyCharges | None = self
        while charges is not None:
            done += charges._charged.get(key, [])
            charges = charges._after
        return done

    def add(
        self,
        settings: str,
        archs: Sequence[str],
        proxies: Sequence[str],
        seconds: Sequence[float],
        wall_s: float,
        start: float | None = None,
    ) -> None:
        """Record one computation: ``seconds[i]``, what computing ``proxies`` for the
        architecture text ``archs[i]`` took (NaN: not recorded), under ``settings`` (the
        computation's canonical settings: another image batch or network is another
        computation); ``wall_s`` the call's own wall seconds, from ``start`` (a
        :func:`time.perf_counter` reading) where given, so that overlapping calls count
        their common time once (:attr:`wall_s`).

        An architecture whose ``proxies`` were all charged before (in this block or in
        ``after``) adds nothing, one charged for none of them its seconds in full. One
        charged for some of them by earlier calls that asked for nothing else (an
        ensemble's member computed synflow, omni then synflow, params and flops: the cache
        returns the seconds of both computations, as the record of the three) adds its
        seconds less those charges; otherwise the share of the new proxies (its seconds
        split equally between ``proxies``, which share their passes)."""
        if start is None:
            self._loose_s += float(wall_s)
        else:
            self._spans.append((float(start), float(start) + float(wall_s)))
        wanted = frozenset(proxies)
        for text, took in zip(archs, seconds, strict=True):
            key = (settings, text)
            done = self._done(key)
            new = wanted - frozenset().union(*(names for names, _ in done))
            if not new:
                continue
            if not math.isfinite(took):
                self.unrecorded += len(new)
                continue
            if new == wanted:
                share = float(took)
            elif all(names <= wanted for names, _ in done if names & wanted):
                before = math.fsum(amount for names, amount in done if names & wanted)
                share = max(float(took) - before, 0.0)
            else:
                share = float(took) * len(new) / len(wanted)
            self._charged.setdefault(key, []).append((new, share))

    @property
    def wall_s(self) -> float:
        """See the class's attributes: the length of the union of the timed calls'
        intervals, plus the wall seconds of calls that gave no start."""
        total, reach = 0.0, -math.inf
        for start, end in sorted(self._spans):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total + self._loose_s

    @property
    def seconds_s(self) -> float:
        """The recorded seconds of every score charged in this block (not in ``after``),
        summed exactly (:func:`math.fsum`: independent of the order of the calls)."""
        return math.fsum(amount for done in self._charged.values() for _, amount in done)

    @property
    def architectures(self) -> int:
        """How many (settings, architecture) pairs this block charged something for."""
        return len(self._charged)

    def __repr__(self) -> str:
        return (
            f"ProxyCharges(seconds_s={self.seconds_s:.6g}, wall_s={self.wall_s:.6g}, "
            f"architectures={self.architectures}, unrecorded={self.unrecorded})"
        )


_OPEN: ContextVar[tuple[ProxyCharges, ...]] = ContextVar("nasperf_proxy_charges", default=())


@contextlib.contextmanager
def proxy_charges(*, after: ProxyCharges | None = None) -> Iterator[ProxyCharges]:
    """Collect the charges of the :func:`~nasperf.zero_cost.compute` calls made inside
    the block (see the module's docstring). ``after``: an earlier block whose scores are
    not charged again (a study's ``fit``, before its ``predict``). Blocks nest: a call
    inside two open blocks reports to both."""
    charges = ProxyCharges(after)
    token = _OPEN.set((*_OPEN.get(), charges))
    try:
        yield charges
    finally:
        _OPEN.reset(token)


def record_computation(
    settings: str,
    archs: Sequence[str],
    proxies: Sequence[str],
    seconds: Sequence[float],
    wall_s: float,
    start: float | None = None,
) -> None:
    """Report a computation to the open :func:`proxy_charges` blocks (nothing where none
    is open); arguments as :meth:`ProxyCharges.add`."""
    for charges in _OPEN.get():
        charges.add(settings, archs, proxies, seconds, wall_s, start)

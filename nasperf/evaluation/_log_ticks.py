"""Readable ticks on a log-scaled axis, whatever its span (:func:`log_ticks`).

matplotlib's default labels selected minor ticks where the view spans one or two decades,
in scientific notation (``3×10³4×10³``), which ran into each other on a plot of ordinary
width (``regret.png``'s simulated-time axis). Here only major ticks are labelled, and where
the view spans few decades the major ticks include 2 and 5 times each power of ten, so an
axis still has several labels. Imported by the plotting functions when they draw
(matplotlib is imported with it).
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

__all__ = ["log_ticks"]

#: Up to this many decades in view, major ticks sit at 1, 2 and 5 times each power of ten
#: (at most 0.4 decade apart: on a 500 px axis of 2.5 decades, 80 px, room for a 45 px label
#: such as ``2×10⁴`` at 10 pt); beyond it at powers of ten.
DENSE_DECADES = 2.5


class SpanLogLocator(LogLocator):
    """Major ticks of a base-10 log axis at multiples of each power of ten chosen from the
    view's span when the ticks are drawn: 1, 2, 3, 5 below one decade, 1, 2, 5 up to
    :data:`DENSE_DECADES`, else 1 (which ``LogLocator`` thins over many decades)."""

    def __init__(self) -> None:
        super().__init__(base=10.0, subs=(1.0,))

    def tick_values(self, vmin: float, vmax: float) -> Any:
        """The tick positions for the view ``vmin .. vmax``."""
        lo, hi = sorted((vmin, vmax))
        decades = math.log10(hi / lo) if lo > 0 else math.inf
        if decades < 1.0:
            subs: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)
        elif decades <= DENSE_DECADES:
            subs = (1.0, 2.0, 5.0)
        else:
            subs = (1.0,)
        self.set_params(subs=subs)
        return super().tick_values(vmin, vmax)


def tick_text(value: float, _pos: Any = None) -> str:
    """A log axis's tick label: ``0.5``, ``20``, ``5000`` as written from 0.01 to 9,999;
    beyond that in scientific notation as matplotlib writes it (``$10^{4}$``,
    ``$2\\times10^{4}$``)."""
    if not (value > 0 and math.isfinite(value)):
        return ""
    exp = math.floor(math.log10(value) + 1e-9)
    if -2 <= exp <= 3:
        return f"{value:g}"
    mantissa = value / 10.0**exp
    lead = "" if abs(mantissa - 1.0) < 1e-9 else f"{mantissa:g}\\times"
    return f"$\\mathdefault{{{lead}10^{{{exp}}}}}$"


def log_ticks(axis: Any) -> None:
    """Give the log-scaled ``axis`` (e.g. ``ax.xaxis``) labels that never overlap: major
    ticks from :class:`SpanLogLocator`, labelled by :func:`tick_text`; minor ticks at every
    multiple of each power of ten, unlabelled."""
    axis.set_major_locator(SpanLogLocator())
    axis.set_major_formatter(FuncFormatter(tick_text))
    axis.set_minor_locator(LogLocator(base=10.0, subs="auto"))
    axis.set_minor_formatter(NullFormatter())

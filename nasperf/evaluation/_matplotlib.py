"""Figures drawn for files, without pyplot: nasperf never changes the caller's backend.

``matplotlib.use("Agg", force=True)`` had switched a notebook's (or any embedding program's)
backend for the rest of its session; figures made here are :class:`matplotlib.figure.Figure`
objects on their own Agg canvas instead, which pyplot does not track, so nothing needs
closing and the caller's open figures and backend are untouched.
"""

from __future__ import annotations

from typing import Any


class _Figures:
    """The three pyplot calls the plotting modules make, on standalone Agg figures."""

    @staticmethod
    def subplots(*args: Any, figsize: tuple[float, float] | None = None, **kwargs: Any):
        """``(figure, axes)`` as ``pyplot.subplots`` returns them, on an Agg canvas."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        return fig, fig.subplots(*args, **kwargs)

    @staticmethod
    def get_cmap(name: str):
        """The registered colormap ``name``."""
        import matplotlib

        return matplotlib.colormaps[name]

    @staticmethod
    def close(fig: Any) -> None:
        """Nothing to do: pyplot never held the figure (kept so call sites read as pyplot)."""


def pyplot() -> _Figures:
    """An object with pyplot's ``subplots`` / ``get_cmap`` / ``close`` that draws on
    standalone Agg figures (files only; no display needed, no backend switched)."""
    return _Figures()

"""Matplotlib's pyplot on the non-interactive Agg backend, for every module that draws."""

from __future__ import annotations


def pyplot():
    """``matplotlib.pyplot`` with the Agg backend (files only; no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt

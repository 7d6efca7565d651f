"""Tests of the encodings, and a helper they share."""


def traced_peak(fn):
    """``(fn(), peak bytes of Python memory its call allocated)`` (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

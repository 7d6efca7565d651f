"""What an exact kernel method costs: a warning before a fit that will take long."""

from __future__ import annotations

from nasperf.errors import warn_caller

#: Training architectures above which an exact GP's fit warns (about a minute at 2,000 on
#: one CPU core with its restarts; time x8 and memory x4 per doubling).
EXACT_WARN_N = 3000


def warn_if_cubic(name: str, n: int) -> None:
    """A ``UserWarning`` where ``n`` training architectures make an exact GP's fit long:
    its time grows as n³ and its memory as n², and nothing else says so while it runs."""
    if n > EXACT_WARN_N:
        warn_caller(
            f"{name}: an exact Gaussian process on {n:,} training architectures takes time "
            f"growing as n³ and memory as n² (8x and 4x per doubling; minutes from a few "
            "thousand): sparse_gp or var_sparse_gp scale to larger training sets",
            UserWarning,
        )

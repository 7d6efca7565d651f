"""The eleven parametric learning-curve families of Domhan et al. (2015), vectorised.

Each family is a function ``f(t, theta)`` of the epoch ``t >= 1`` for curves normalised to
``[0, 1]`` (accuracies divided by 100). ``theta`` is one parameter vector ``(p,)`` or a
batch ``(W, p)`` (one row per MCMC walker); with ``t`` of shape ``(n,)`` the value has shape
``(n,)`` or ``(W, n)``, so a sampler evaluates all its walkers in one call. Values outside a
family's domain come out as ``nan`` or ``inf`` (no warnings); callers treat them as
impossible.

The families (parameters in order; unlisted parameters are unbounded):

* ``vapor_pressure``: ``exp(a + b / t + c * ln t)``
* ``pow3``: ``c - a * t**(-alpha)``; ``a, alpha >= 0``
* ``log_log_linear``: ``ln(a * ln t + b)``; ``a, b >= 0``
* ``hill3``: ``theta * t**eta / (kappa**eta + t**eta)``; ``theta, eta, kappa >= 0``
* ``log_power``: ``a / (1 + (t / exp(b))**c)``; ``a >= 0``, ``c <= 0``
* ``pow4``: ``c - (a * t + b)**(-alpha)``; ``a, b, alpha >= 0``
* ``mmf``: ``alpha - (alpha - beta) / (1 + (kappa * t)**delta)``; ``kappa, delta >= 0``
* ``exp4``: ``c - exp(-a * t**alpha + b)``; ``a, alpha >= 0``
* ``janoschek``: ``alpha - (alpha - beta) * exp(-kappa * t**delta)``; ``kappa, delta >= 0``
* ``weibull``: ``alpha - (alpha - beta) * exp(-(kappa * t)**delta)``; ``kappa, delta >= 0``
* ``ilog2``: ``c - a / ln(t + 1)``; ``a >= 0``

``hill3`` is the Hill function with zero background (``dr_hill_zero_background`` in Domhan's
code), ``mmf`` the Morgan-Mercer-Flodin model. The bounds keep every family inside its
domain and give the parameters their documented meaning (rates and exponents
non-negative, the growth terms oriented so that the curve can rise); they are the support
of the flat priors the LCE samplers put on the parameters.

:func:`fit_family` is the maximum-likelihood (least-squares) fit that initialises the MCMC
of :mod:`nasperf.predictors.curves.lce`: it scores a small grid of data-driven starting points
(most families are linear in two of their parameters once the others are fixed, so those
two are solved exactly for each grid point), then refines the best with
``scipy.optimize.least_squares`` (Levenberg-Marquardt; a bounded trust-region method where
that leaves the bounds).

References
----------
Domhan, Springenberg & Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep
Neural Networks by Extrapolation of Learning Curves", IJCAI 2015.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.optimize import least_squares

__all__ = ["FAMILIES", "FAMILY_NAMES", "CurveFamily", "FamilyFit", "fit_family"]

_INF = np.inf


@dataclasses.dataclass(frozen=True, eq=False)
class CurveFamily:
    """One parametric curve family.

    Attributes
    ----------
    name : str
    param_names : tuple of str
    lower, upper : tuple of float
        Bounds of each parameter (the support of its flat prior).
    default : tuple of float
        A typical parameter vector for an accuracy curve in ``[0, 1]`` (one of the starting
        points of :func:`fit_family`).
    formula : str
    """

    name: str
    param_names: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    default: tuple[float, ...]
    formula: str
    _f: Callable[..., np.ndarray] = dataclasses.field(repr=False)
    _starts: Callable[[np.ndarray, np.ndarray], list] = dataclasses.field(repr=False)

    @property
    def n_params(self) -> int:
        """Number of parameters ``p``."""
        return len(self.param_names)

    def __call__(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``f(t | theta)``: ``t`` (n,) epochs, ``theta`` (p,) or (W, p); (n,) or (W, n)."""
        t = np.asarray(t, dtype=np.float64)
        theta = np.asarray(theta, dtype=np.float64)
        cols = [theta[..., i, None] for i in range(self.n_params)]
        with np.errstate(all="ignore"):
            return self._f(t, *cols)

    def in_bounds(self, theta: np.ndarray) -> np.ndarray:
        """Whether each parameter vector lies within the bounds: bool, () or (W,)."""
        theta = np.asarray(theta, dtype=np.float64)
        return np.all(
            (theta >= np.asarray(self.lower)) & (theta <= np.asarray(self.upper)), axis=-1
        )

    def starting_points(self, t: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Candidate starting points ``(m, p)`` for a fit to ``(t, y)``, inside the bounds."""
        cands = [np.asarray(self.default, dtype=np.float64)]
        with np.errstate(all="ignore"):
            cands += [np.asarray(c, dtype=np.float64) for c in self._starts(t, y)]
        out = np.array([c for c in cands if c.shape == (self.n_params,) and np.all(np.isfinite(c))])
        return _interior(out, np.asarray(self.lower), np.asarray(self.upper))


def _interior(theta: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``theta`` clipped to lie strictly inside the bounds (a small margin from each)."""
    fin_lo, fin_hi = np.isfinite(lower), np.isfinite(upper)
    lo_f, hi_f = np.where(fin_lo, lower, 0.0), np.where(fin_hi, upper, 0.0)
    lo = np.where(fin_lo, lo_f + 1e-6 * (1.0 + np.abs(lo_f)), -_INF)
    hi = np.where(fin_hi, hi_f - 1e-6 * (1.0 + np.abs(hi_f)), _INF)
    return np.clip(theta, lo, hi)


# ---------------------------------------------------------------- starting points
def _lin(basis: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of ``y`` on the columns ``basis``."""
    B = np.column_stack(basis)
    if not np.all(np.isfinite(B)):
        return np.full(len(basis), np.nan)
    return np.linalg.lstsq(B, y, rcond=None)[0]


def _scales(t: np.ndarray) -> np.ndarray:
    """Time scales from the first epoch to well past the last one (for rate parameters)."""
    return np.geomspace(max(float(t[0]) / 2.0, 0.5), 4.0 * float(t[-1]), 7)


_EXPONENTS = (0.25, 0.5, 1.0, 2.0, 4.0)


def _starts_vapor_pressure(t, y):
    # ln y = a + b / t + c ln t is linear in (a, b, c).
    return [_lin([np.ones_like(t), 1.0 / t, np.log(t)], np.log(np.clip(y, 1e-4, None)))]


def _starts_pow3(t, y):
    out = []
    for alpha in _EXPONENTS:
        c, a = _lin([np.ones_like(t), -(t**-alpha)], y)
        out.append([c, a, alpha])
    return out


def _starts_log_log_linear(t, y):
    # exp(y) = a ln t + b is linear in (a, b).
    return [_lin([np.log(t), np.ones_like(t)], np.exp(y))]


def _starts_hill3(t, y):
    out = []
    for eta in (0.5, 1.0, 2.0):
        for kappa in _scales(t):
            h = t**eta / (kappa**eta + t**eta)
            (theta,) = _lin([h], y)
            out.append([theta, eta, kappa])
    return out


def _starts_log_power(t, y):
    out = []
    for c in (-0.5, -1.0, -2.0):
        for s in _scales(t):
            g = 1.0 / (1.0 + (t / s) ** c)
            (a,) = _lin([g], y)
            out.append([a, np.log(s), c])
    return out


def _starts_pow4(t, y):
    # With b = s * a: (a t + b)^-alpha = a^-alpha (t + s)^-alpha, linear in (c, a^-alpha).
    out = []
    for alpha in _EXPONENTS:
        for s in (0.0, 1.0, 4.0, 16.0):
            c, a_pow = _lin([np.ones_like(t), -((t + s) ** -alpha)], y)
            if a_pow > 0:
                a = a_pow ** (-1.0 / alpha)
                out.append([c, a, s * a, alpha])
    return out


def _starts_sigmoidal(gate: Callable[[np.ndarray, float, float], np.ndarray]):
    """Starts for ``alpha - (alpha - beta) * gate(t)``: linear in (alpha, beta)."""

    def starts(t, y):
        out = []
        for delta in (0.5, 1.0, 2.0, 4.0):
            for s in _scales(t):
                kappa, g = gate(t, s, delta)
                alpha, beta = _lin([1.0 - g, g], y)
                out.append([alpha, beta, kappa, delta])
        return out

    return starts


def _gate_mmf(t, s, delta):
    kappa = 1.0 / s
    return kappa, 1.0 / (1.0 + (kappa * t) ** delta)


def _gate_janoschek(t, s, delta):
    kappa = s**-delta
    return kappa, np.exp(-kappa * t**delta)


def _gate_weibull(t, s, delta):
    kappa = 1.0 / s
    return kappa, np.exp(-((kappa * t) ** delta))


def _starts_exp4(t, y):
    # c - e^b exp(-a t^alpha) is linear in (c, e^b).
    out = []
    for alpha in (0.25, 0.5, 1.0):
        for s in _scales(t):
            a = s**-alpha
            c, eb = _lin([np.ones_like(t), -np.exp(-a * t**alpha)], y)
            if eb > 0:
                out.append([c, a, np.log(eb), alpha])
    return out


def _starts_ilog2(t, y):
    return [_lin([np.ones_like(t), -1.0 / np.log(t + 1.0)], y)]


# ---------------------------------------------------------------- the families
# Written with exp / log of the (short) epoch vector instead of ``**`` on the (walkers x
# epochs) array: the same functions, about three times faster to evaluate for a sampler.
def _vapor_pressure(t, a, b, c):
    return np.exp(a + b / t + c * np.log(t))


def _pow3(t, c, a, alpha):
    return c - a * np.exp(-alpha * np.log(t))


def _log_log_linear(t, a, b):
    return np.log(a * np.log(t) + b)


def _hill3(t, theta, eta, kappa):
    # theta * t^eta / (kappa^eta + t^eta) = theta / (1 + (kappa / t)^eta)
    return theta / (1.0 + np.exp(eta * (np.log(kappa) - np.log(t))))


def _log_power(t, a, b, c):
    return a / (1.0 + np.exp(c * (np.log(t) - b)))


def _pow4(t, c, a, b, alpha):
    return c - np.exp(-alpha * np.log(a * t + b))


def _mmf(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) / (1.0 + np.exp(delta * (np.log(kappa) + np.log(t))))


def _exp4(t, c, a, b, alpha):
    return c - np.exp(b - a * np.exp(alpha * np.log(t)))


def _janoschek(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-kappa * np.exp(delta * np.log(t)))


def _weibull(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-np.exp(delta * (np.log(kappa) + np.log(t))))


def _ilog2(t, c, a):
    return c - a * (1.0 / np.log(t + 1.0))


def _family(name, params, lower, upper, default, formula, f, starts) -> CurveFamily:
    return CurveFamily(
        name, tuple(params), tuple(lower), tuple(upper), tuple(default), formula, f, starts
    )


#: The families by name, in the order of Domhan et al. (2015), Table 1.
FAMILIES: dict[str, CurveFamily] = {
    fam.name: fam
    for fam in (
        _family(
            "vapor_pressure",
            ("a", "b", "c"),
            (-_INF, -_INF, -_INF),
            (_INF, _INF, _INF),
            (-0.622, -0.470, 0.042),
            "exp(a + b / t + c * ln t)",
            _vapor_pressure,
            _starts_vapor_pressure,
        ),
        _family(
            "pow3",
            ("c", "a", "alpha"),
            (-_INF, 0.0, 0.0),
            (_INF, _INF, _INF),
            (0.84, 0.52, 0.5),
            "c - a * t**(-alpha)",
            _pow3,
            _starts_pow3,
        ),
        _family(
            "log_log_linear",
            ("a", "b"),
            (0.0, 0.0),
            (_INF, _INF),
            (0.38, 1.05),
            "ln(a * ln t + b)",
            _log_log_linear,
            _starts_log_log_linear,
        ),
        _family(
            "hill3",
            ("theta", "eta", "kappa"),
            (0.0, 0.0, 0.0),
            (_INF, _INF, _INF),
            (0.772, 0.586, 2.461),
            "theta * t**eta / (kappa**eta + t**eta)",
            _hill3,
            _starts_hill3,
        ),
        _family(
            "log_power",
            ("a", "b", "c"),
            (0.0, -_INF, -_INF),
            (_INF, _INF, 0.0),
            (0.77, 2.98, -0.51),
            "a / (1 + (t / exp(b))**c)",
            _log_power,
            _starts_log_power,
        ),
        _family(
            "pow4",
            ("c", "a", "b", "alpha"),
            (-_INF, 0.0, 0.0, 0.0),
            (_INF, _INF, _INF, _INF),
            (0.8, 200.0, 0.0, 0.1),
            "c - (a * t + b)**(-alpha)",
            _pow4,
            _starts_pow4,
        ),
        _family(
            "mmf",
            ("alpha", "beta", "kappa", "delta"),
            (-_INF, -_INF, 0.0, 0.0),
            (_INF, _INF, _INF, _INF),
            (0.7, 0.1, 0.01, 5.0),
            "alpha - (alpha - beta) / (1 + (kappa * t)**delta)",
            _mmf,
            _starts_sigmoidal(_gate_mmf),
        ),
        _family(
            "exp4",
            ("c", "a", "b", "alpha"),
            (-_INF, 0.0, -_INF, 0.0),
            (_INF, _INF, _INF, _INF),
            (0.7, 0.8, -0.8, 0.3),
            "c - exp(-a * t**alpha + b)",
            _exp4,
            _starts_exp4,
        ),
        _family(
            "janoschek",
            ("alpha", "beta", "kappa", "delta"),
            (-_INF, -_INF, 0.0, 0.0),
            (_INF, _INF, _INF, _INF),
            (0.73, 0.07, 0.355, 0.46),
            "alpha - (alpha - beta) * exp(-kappa * t**delta)",
            _janoschek,
            _starts_sigmoidal(_gate_janoschek),
        ),
        _family(
            "weibull",
            ("alpha", "beta", "kappa", "delta"),
            (-_INF, -_INF, 0.0, 0.0),
            (_INF, _INF, _INF, _INF),
            (0.7, 0.1, 0.01, 1.0),
            "alpha - (alpha - beta) * exp(-(kappa * t)**delta)",
            _weibull,
            _starts_sigmoidal(_gate_weibull),
        ),
        _family(
            "ilog2",
            ("c", "a"),
            (-_INF, 0.0),
            (_INF, _INF),
            (0.78, 0.43),
            "c - a / ln(t + 1)",
            _ilog2,
            _starts_ilog2,
        ),
    )
}

#: Family names in Domhan et al.'s order.
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)


# ---------------------------------------------------------------- least squares
@dataclasses.dataclass(frozen=True)
class FamilyFit:
    """A least-squares fit of one family: parameters ``(p,)`` and the residual RMSE."""

    family: str
    params: np.ndarray
    rmse: float


def fit_family(
    family: CurveFamily | str,
    t: np.ndarray,
    y: np.ndarray,
    *,
    n_starts: int = 1,
    max_nfev: int | None = None,
) -> FamilyFit | None:
    """Least-squares fit of ``family`` to the curve ``y`` (values in ``[0, 1]``) at ``t``.

    The starting points (:meth:`CurveFamily.starting_points`) are scored by their squared
    error and the best ``n_starts`` refined: first by MINPACK's Levenberg-Marquardt (fast),
    and where that leaves the bounds, by a trust-region solver that respects them.

    Parameters
    ----------
    family : CurveFamily or str
    t : array (n,)
        Epochs (>= 1).
    y : array (n,)
        Curve values, normalised to ``[0, 1]`` (accuracy / 100).
    n_starts : int
        How many of the best-scoring starting points are refined.
    max_nfev : int, optional
        Function-evaluation budget of each refinement (default ``20 * (p + 1)``: fits
        that drift to a degenerate limit stop early; for an MCMC start that is plenty).

    Returns
    -------
    FamilyFit or None
        ``None`` when the fit fails: fewer points than parameters, no finite starting point,
        or a non-finite result.
    """
    fam = FAMILIES[family] if isinstance(family, str) else family
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if t.size < fam.n_params or t.size != y.size:
        return None
    lower, upper = np.asarray(fam.lower), np.asarray(fam.upper)
    starts = fam.starting_points(t, y)
    if starts.size == 0:
        return None
    sse = np.sum((fam(t, starts) - y) ** 2, axis=1)
    sse = np.where(np.isfinite(sse), sse, _INF)
    order = np.argsort(sse, kind="stable")[:n_starts]
    order = order[np.isfinite(sse[order])]
    budget = max_nfev or 20 * (fam.n_params + 1)

    def residuals(p: np.ndarray) -> np.ndarray:
        r = fam(t, p) - y
        # Outside the domain: a large finite residual keeps the solver inside it.
        return np.where(np.isfinite(r), r, 1e3)

    def solve(x0: np.ndarray) -> np.ndarray | None:
        for method in ("lm", "trf"):
            kw = {"bounds": (lower, upper)} if method == "trf" else {}
            try:
                res = least_squares(
                    residuals, x0, method=method, x_scale="jac", max_nfev=budget, **kw
                )
            except (ValueError, np.linalg.LinAlgError):
                continue
            if fam.in_bounds(res.x):
                return res.x
        return None

    best: tuple[float, np.ndarray] | None = None
    for i in order:
        p = solve(starts[i])
        if p is None:
            continue
        r = fam(t, p) - y
        if not (np.all(np.isfinite(p)) and np.all(np.isfinite(r))):
            continue
        cost = float(np.sum(r**2))
        if best is None or cost < best[0]:
            best = (cost, p)
    if best is None:
        return None
    return FamilyFit(fam.name, best[1], float(np.sqrt(best[0] / t.size)))

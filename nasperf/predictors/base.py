"""The predictor contract: every model-based, ranking and hybrid predictor follows it.

A predictor is a scikit-learn regressor over *architectures*:

>>> import pathlib, tempfile
>>> import nasperf
>>> table = nasperf.load_benchmark("nb201", dataset="cifar10").sample(100, random_state=0)
>>> train_archs, test_archs = list(table.index[:80]), list(table.index[80:])
>>> y_train = table["val_acc_200ep"].to_numpy()[:80]
>>> pred = nasperf.predictors.get(
...     "xgb", space="nb201", encoding="adjacency_onehot", n_estimators=50, random_state=0
... )
>>> pred.fit(train_archs, y_train) is pred       # returns the predictor
True
>>> scores = pred.predict(test_archs)            # float64 (n,), higher = better
>>> scores.shape, scores.dtype
((20,), dtype('float64'))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "xgb.nasperf"
>>> pred.save(path); same = nasperf.predictors.load(path)
>>> bool((same.predict(test_archs) == scores).all())
True

Inputs
------
``archs`` is a sequence of architectures (values, native text or NASLib keys: anything
``space.coerce`` takes) which the predictor encodes with its ``encoding`` (a registered
encoder name or a list of names). A 2-D numeric ``numpy`` array or ``pandas.DataFrame`` is
taken as an already-encoded feature matrix instead (``space`` is then not used), which is
how scikit-learn's estimator checks drive numeric predictors. Graph predictors take
architectures only.

Side information
----------------
What a predictor needs besides architectures and labels is declared in its class attribute
:attr:`Predictor.requirements` (:class:`Requirements`), so that a study runner can supply
it without special cases, passed as keyword arguments of ``fit`` / ``predict``:

``zero_cost``
    Zero-cost proxy scores used as extra features: a ``DataFrame`` indexed by architecture
    text (``space.to_string``) with one column per proxy (e.g. from
    :func:`nasperf.read_naslib_zc` or :func:`nasperf.zero_cost.compute`), or an array
    ``(n_archs, n_proxies)`` aligned with ``archs``. Any feature-based predictor accepts
    it; with the parameter ``zero_cost_proxies=[...]`` and no table the scores are computed
    (and cached) with :func:`nasperf.zero_cost.compute`. Scores enter the features through
    a signed log, ``sign(x) * log1p(|x|)``, since they span many orders of magnitude.
``learning_curves``
    Partial learning curves, ``(n_archs, n_epochs)`` (e.g. validation accuracy after the
    first epochs, or a cheap fidelity's final value), for predictors whose
    ``requirements.learning_curves`` is true, or that list them in
    ``requirements.optional`` (OMNI-style hybrids use them when given).
``unlabelled``
    Extra architectures without labels (semi-supervised predictors such as SemiNAS).

Persistence
-----------
``save(path)`` writes one zip file: ``meta.json`` (class, parameters, format version,
fitted scalars), ``arrays.npz`` (arrays and torch tensors, read with
``allow_pickle=False``) and native model files (XGBoost UBJSON, LightGBM text,
scikit-learn models through ``skops``, limited to the exact types the class lists in
:attr:`Predictor.skops_types`). Nothing is unpickled and nothing in the file runs on load. Encoders are refitted on load from the architectures they were fitted on
(encoders are deterministic), so files stay small.

Writing a predictor
-------------------
Subclass :class:`Predictor`, give ``__init__`` keyword-only parameters that it stores
unchanged (include ``space``, ``encoding``, ``zero_cost_proxies`` and ``random_state``),
implement ``_fit(X, y)`` and ``_predict(X)`` (``X`` is the feature matrix, or a list of
PyG graphs for ``encoding="graph"``), optionally ``_predict_std(X)`` with
``has_uncertainty = True``, and register the class with ``@PREDICTORS.register("name")``
in a new module of this package. Torch-based predictors also implement
``_build_modules()`` so that :func:`load` can rebuild their networks before loading the
weights.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import metadata_routing
from sklearn.utils.validation import check_is_fitted, validate_data

from nasperf._constraints import RANDOM_STATE, ListOf, Registered, check_counts_and_flags
from nasperf._torch_state import with_autograd
from nasperf.encodings.base import SPACE
from nasperf.errors import short_repr
from nasperf.spaces import SearchSpace, as_rng
from nasperf.spaces.base import arch_column

__all__ = [
    "ENCODING",
    "GRAPH_ENCODING",
    "MAX_ABS_TARGET",
    "SIDE_INFORMATION",
    "SPACE",
    "ZERO_COST_COLUMNS",
    "ZERO_COST_PROXIES",
    "Predictor",
    "Requirements",
    "check_nested_params",
    "fit_feature_scaler",
    "fit_scaler",
    "requirements_of",
    "is_feature_matrix",
    "refuse_label_copies",
    "signed_log",
    "study_params",
    "torch_generator",
]

#: Largest target magnitude ``fit`` accepts: its square (1e300) is still finite in float64.
MAX_ABS_TARGET = 1e150

#: Keyword arguments of ``fit`` / ``predict`` that carry side information.
SIDE_INFORMATION: tuple[str, ...] = ("zero_cost", "learning_curves", "unlabelled")


def _encodings():
    from nasperf.encodings.base import ENCODINGS

    return ENCODINGS


def _proxies():
    from nasperf.zero_cost.engine import PROXIES

    return PROXIES


def _predictors():
    from ._registry import PREDICTORS

    return PREDICTORS


def check_nested_params(owner: Any, param: str, name: str, params: Any) -> None:
    """Validate the parameters ``params`` of the predictor ``name`` nested in ``owner`` (a
    hybrid's member or model) with that predictor's own constraints; the error, scikit-learn's
    ``InvalidParameterError``, names ``owner``'s parameter ``param`` and keeps the nested
    message."""
    from sklearn.utils._param_validation import InvalidParameterError

    cls = _predictors().get(name)
    params = dict(params or {})
    valid = set(cls._get_param_names())
    unknown = sorted(set(params) - valid)
    where = f"The {param!r} parameter of {type(owner).__name__}"
    if unknown:
        raise InvalidParameterError(
            f"{where}: predictor {name!r} has no parameter(s) {unknown}; its parameters are "
            f"{sorted(valid)}"
        )
    try:
        cls(**params)._validate_params()
    except InvalidParameterError as err:
        raise InvalidParameterError(f"{where}: {err}") from None


#: Constraints of ``encoding`` for feature-matrix predictors: one numeric encoding or a list
#: of them (concatenated).
_NUMERIC_ENCODING = Registered(_encodings, "numeric encoding", accept=lambda cls: cls.numeric)
ENCODING: list = [_NUMERIC_ENCODING, ListOf(_NUMERIC_ENCODING, unique=True)]
#: Constraints of ``encoding`` for graph predictors: an encoding that gives graphs.
GRAPH_ENCODING: list = [
    Registered(_encodings, "graph encoding", accept=lambda cls: not cls.numeric)
]
#: Constraints of ``zero_cost_proxies``: distinct registered proxy names, or None.
ZERO_COST_PROXIES: list = [ListOf(Registered(_proxies, "zero-cost proxy"), unique=True), None]
#: Constraints of ``zero_cost_columns``: distinct column names of the zero_cost table.
ZERO_COST_COLUMNS: list = [ListOf(str, unique=True), None]

#: A side-information column whose |Pearson r| with ``y`` reaches this is a (rescaled) copy
#: of the label, at any training-set size.
_COPY_PEARSON = 1.0 - 1e-9
#: A zero-cost column whose |Spearman rho| with ``y`` exceeds this is a near-copy of the
#: label ...
_MAX_SPEARMAN = 0.99
#: ... when at least this many training rows back it. Measured on the 491 NASLib NB201 cells
#: (11 proxies, cifar10; bench/label_leak.py): the largest |rho| of a real proxy exceeds
#: 0.99 in 2.4 % of random 8-cell samples, 0.2 % of 10-cell, 0.003 % of 15-cell and none of
#: 200,000 20-cell samples; below 20 rows only exact copies are refused.
_MIN_ROWS_SPEARMAN = 20
#: Side-information columns that together reproduce ``y`` this well by least squares
#: (``1 - R^2 <= 1e-6``: the label to 0.1 % of its spread, e.g. its mean over seeds given as
#: curve columns, even rounded to a CSV's decimals) are a copy of it, ...
_COMBINATION_R2 = 1.0 - 1e-6
#: ... checked with at least this many distinct rows per column (plus 5): fewer rows than
#: that let chance fit them exactly.
_ROWS_PER_COLUMN = 2


@dataclasses.dataclass(frozen=True)
class Requirements:
    """What a predictor needs, so a study runner can supply it.

    Attributes
    ----------
    labels : bool
        ``fit`` needs ``y`` (False for training-free predictors).
    zero_cost : bool
        The predictor needs zero-cost scores (side information ``zero_cost``, or computed
        from ``zero_cost_proxies``). Every feature-based predictor *accepts* them.
    learning_curves : bool
        ``fit`` and ``predict`` need partial learning curves (``learning_curves``).
    learning_curve_epochs : tuple of int
        Epochs of the partial curve the predictor expects by default (its study budget).
    unlabelled : bool
        ``fit`` uses extra unlabelled architectures (``unlabelled``).
    images : bool
        The predictor builds networks and reads images (zero-cost proxies, supernets); a
        study's ``images`` source is passed to the parameter its class names in
        ``images_parameter`` (``images``; ``zc_proxy``: ``inputs``).
    network_training : bool
        ``fit`` trains networks on images (weight-sharing supernets): its time is the
        predictor's initialisation cost, and a study's ``training_epochs`` is passed to its
        ``epochs`` parameter.
    supernet : bool
        ``fit`` trains the space's weight-sharing supernet
        (:meth:`~nasperf.spaces.SearchSpace.build_supernet`): a study skips the predictor
        (or, listed as required, refuses the study) on a space without one
        (:attr:`~nasperf.spaces.SearchSpace.has_supernet`), naming the spaces with one.
    optional : tuple of str
        Side information (``"zero_cost"``, ``"learning_curves"``) the predictor uses when
        it exists but does not need (hybrids such as OMNI): a study runner passes it where
        the source has it and runs the predictor without it elsewhere.
    """

    labels: bool = True
    zero_cost: bool = False
    learning_curves: bool = False
    learning_curve_epochs: tuple[int, ...] = ()
    unlabelled: bool = False
    images: bool = False
    network_training: bool = False
    supernet: bool = False
    optional: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = sorted(set(self.optional) - set(SIDE_INFORMATION))
        if bad:
            raise ValueError(f"optional side information {bad} is not one of {SIDE_INFORMATION}")

    @property
    def side_information(self) -> tuple[str, ...]:
        """Names of the ``fit`` / ``predict`` keyword arguments this predictor needs."""
        out = []
        if self.zero_cost:
            out.append("zero_cost")
        if self.learning_curves:
            out.append("learning_curves")
        if self.unlabelled:
            out.append("unlabelled")
        return tuple(out)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Side information the predictor needs or uses when given (needed first)."""
        need = self.side_information
        return need + tuple(k for k in SIDE_INFORMATION if k in self.optional and k not in need)


def signed_log(x: np.ndarray) -> np.ndarray:
    """``sign(x) * log1p(|x|)``: order-preserving compression of heavy-tailed scores."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.log1p(np.abs(x))


def fit_scaler(a: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale (std, with 1 where the std is 0) of ``a`` along ``axis``, float64.

    Constant columns get scale 1: they carry no information and must not divide by zero.
    """
    a = np.asarray(a, dtype=np.float64)
    mean = a.mean(axis=axis)
    scale = a.std(axis=axis)
    scale = np.where(scale > 1e-12, scale, 1.0)
    return mean, scale


def fit_feature_scaler(
    X: np.ndarray, *, pool_indicators: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales of a feature matrix for models that read distances or
    weighted sums of the standardised features (kernels, networks).

    Every column is centred on its mean. Continuous columns (zero-cost proxies, counts)
    are divided by their standard deviation, as :func:`fit_scaler` does; constant columns
    keep scale 1. With ``pool_indicators`` the non-constant indicator columns (every value
    0 or 1: one-hot operations, adjacency entries, paths) share one scale instead, the root
    mean square of their standard deviations.

    Why: z-scoring an indicator present in a fraction ``p`` of the architectures divides it
    by ``sqrt(p (1 - p))``, so every indicator adds the same to the expected squared
    distance between two architectures, however rarely they differ there. Where positions
    are optional (a stage of 2-4 blocks), the operations of a block that few architectures
    have then weigh as much as those of blocks all have, and drown the few entries that
    carry the depth (on a 5-stage space of 2-4 blocks, the 4th blocks' operations took 24 %
    of a GP's squared distance and the depth entries 5 %). A shared scale keeps each
    indicator's weight proportional to how often two architectures differ there. Taking
    the root mean square keeps the indicators' total variance (their number, as after
    z-scores), so a kernel's initial length scale and a network's input scale are
    unchanged; where all indicators are about equally frequent (NB201's operations) the
    result is close to z-scores.

    Parameters
    ----------
    X : ndarray (n_samples, n_features)
        Training features.
    pool_indicators : bool
        Share one scale among the indicator columns; False gives :func:`fit_scaler`'s
        per-column z-scores.

    Returns
    -------
    mean, scale : ndarray (n_features,), float64
        Standardise with ``(X - mean) / scale``.
    """
    X = np.asarray(X, dtype=np.float64)
    mean, scale = fit_scaler(X)
    if not pool_indicators or X.ndim != 2 or not len(X):
        return mean, scale
    binary = np.all((X == 0) | (X == 1), axis=0) & (X.std(axis=0) > 1e-12)
    if binary.any():
        scale = scale.copy()
        scale[binary] = np.sqrt(np.mean(scale[binary] ** 2))
    return mean, scale


def is_feature_matrix(archs: Any) -> bool:
    """Whether ``archs`` is an encoded feature matrix rather than architectures.

    True for a 2-D ``ndarray``, a ``DataFrame``, a sparse matrix or another array-like
    object, and for a list of rows holding a non-integral float (architecture keys are
    text or integers, so such rows cannot be architectures). False for one column of
    texts (a ``DataFrame`` or an ``(n, 1)`` array): features are numbers, so it holds
    architectures (:func:`nasperf.spaces.arch_column`), as scikit-learn's
    ``ColumnTransformer`` passes a column named in a list.
    """
    if isinstance(archs, pd.DataFrame | np.ndarray) and arch_column(archs) is not archs:
        return False
    if isinstance(archs, pd.DataFrame):
        return True
    if isinstance(archs, pd.Series | pd.Index) and (
        pd.api.types.is_object_dtype(archs.dtype) or pd.api.types.is_string_dtype(archs.dtype)
    ):
        return False  # architectures, e.g. a table's index of architecture texts
    if isinstance(archs, np.ndarray):
        return archs.ndim != 1
    if hasattr(archs, "tocsr") and hasattr(archs, "shape"):
        return True
    if not isinstance(archs, list | tuple) and hasattr(archs, "__array__"):
        return True
    if isinstance(archs, list | tuple) and archs:
        first = archs[0]
        if isinstance(first, list | tuple | np.ndarray) and len(first) > 0:
            return any(
                isinstance(v, float | np.floating) and not float(v).is_integer() for v in first
            )
    return False


def torch_generator(random_state: Any):
    """A ``torch.Generator`` seeded from ``random_state`` (int, numpy Generator or None)."""
    import torch

    rng = as_rng(random_state)
    gen = torch.Generator()
    gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return gen


def requirements_of(predictor: Any) -> Requirements:
    """What ``predictor`` (an instance), with its parameters, needs and uses: its
    :meth:`Predictor.effective_requirements`, or, for an estimator of a user's that is no
    nasperf :class:`Predictor` (registered with a ``requirements`` attribute only), its
    ``requirements``."""
    method = getattr(predictor, "effective_requirements", None)
    return method() if callable(method) else predictor.requirements


#: What a study supplies to the predictor of each trial, by role (besides its seed):
#: ``space`` and ``dataset`` (to the parameters of those names), ``images`` (the image
#: source, to :attr:`Predictor.images_parameter` of a predictor whose ``requirements.images``
#: is set) and ``epochs`` (the study's ``training_epochs``, to ``epochs`` of one whose
#: ``requirements.network_training`` is set: an ``mlp``'s ``epochs`` are its own).
STUDY_INPUTS: tuple[str, ...] = ("space", "dataset", "images", "epochs")


def _fill_study_inputs(cls: type, params: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict:
    """``params`` with each of ``inputs`` (roles of :data:`STUDY_INPUTS`; None: not given)
    added where ``cls`` takes it and ``params`` do not set it."""
    bad = sorted(set(inputs) - set(STUDY_INPUTS))
    if bad:
        raise ValueError(f"inputs: unknown role(s) {bad}; the roles are {list(STUDY_INPUTS)}")
    out = dict(params or {})
    names = set(cls._get_param_names())
    req = getattr(cls, "requirements", None) or Requirements()
    for role, value in inputs.items():
        if value is None:
            continue
        name = role
        if role == "images":
            if not req.images:
                continue
            name = getattr(cls, "images_parameter", "images")
        elif role == "epochs" and not req.network_training:
            continue
        if name in names and name not in out:
            out[name] = value
    return out


def study_params(cls: type, params: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> dict:
    """The parameters with which a study builds the predictor class ``cls``: ``params``
    (the config's) with the study's ``inputs`` (``{role: value}``, roles of
    :data:`STUDY_INPUTS`) added where ``cls`` takes them and ``params`` do not set them.

    A meta-predictor (``ensemble``, ``tuned``) passes them on to the predictors it builds,
    through its :meth:`Predictor.with_study_inputs`: a study's images reach an ensemble's
    ``zc_proxy`` member as they reach a bare one (they had been dropped, and the member had
    read the packaged table, scored on nasperf's own images). An estimator of a user's that
    is no nasperf :class:`Predictor` gets the roles its ``__init__`` takes.

    Raises
    ------
    ValueError
        ``inputs`` names a role that is not one of :data:`STUDY_INPUTS`.
    """
    method = getattr(cls, "with_study_inputs", None)
    if callable(method):
        return method(params or {}, inputs)
    return _fill_study_inputs(cls, params or {}, inputs)


class Predictor(RegressorMixin, BaseEstimator):
    """Base class of performance predictors (scikit-learn regressor contract).

    Parameters (common to subclasses)
    ---------------------------------
    space : str, SearchSpace or None
        Search space of the architectures (unused for feature-matrix input). ``None``
        (default): the space of the architecture values given to ``fit`` (values know their
        space; text does not: with text, pass ``space=``, or ``fit`` says so).
    encoding : str or list of str
        Registered encoding(s) (``nasperf.encodings.available()``); a list concatenates them.
    zero_cost_proxies : list of str, optional
        Registered proxies to add as features. With side information ``zero_cost`` (a
        table) these columns are read from it, and those it lacks are computed (and cached)
        on the space's networks; without, all are computed. A study hands its zero-cost
        table (configured, or packaged for the space and dataset) to a predictor with this
        parameter set (:meth:`effective_requirements`), so that the scores it has are read
        and charged at its recorded seconds rather than computed again.
    zero_cost_columns : list of str, optional
        Columns of the ``zero_cost`` table to use as features (besides
        ``zero_cost_proxies``), for measurements that are not registered proxies (hardware
        latency, a proxy of your own). Without either list, a table contributes exactly its
        columns named as registered proxies (:func:`nasperf.encodings.zero_cost.proxy_columns`);
        every other column is ignored. Columns that look like a target by name
        (``val_accs``, ``test_loss``, ...) or that are a near-copy of ``y`` at ``fit`` are
        refused (:class:`nasperf.errors.LabelLeakError`, see :meth:`_refuse_label_copies`).
    random_state : int, numpy Generator or None
        The only source of randomness.

    Hyper-parameters are validated by scikit-learn before ``fit`` (and by
    :func:`nasperf.predictors.get`) against the class's ``_parameter_constraints``.

    Fitted attributes
    -----------------
    n_features_in_ : int
        Width of the feature matrix the model saw (after encoding and extra features).
    encoder_ : Encoder or None
        The fitted encoder (None for feature-matrix input).
    space_ : SearchSpace or None
        The resolved space (None for feature-matrix input).
    uses_zero_cost_ : list of str
        Zero-cost columns appended to the features (empty if none).
    encoding_ : str
        The encoding used (architecture input only): the registered name, what an adaptive
        encoding chose (``"path_auto"`` -> e.g. ``"adjacency_onehot"``), ``"a+b"`` for a list.
    inferred_space_ : str or None
        Name of the space inferred from the architecture values (``space=None``).
    fit_time_ : float
        Seconds spent in ``fit``.
    zero_cost_seconds_per_arch_ : float
        What the zero-cost features read from a table took to compute per architecture,
        as the table records it (:func:`nasperf.encodings.zero_cost.recorded_seconds` of the
        columns read from it; 0
        for an unrecorded table, or for computed features, which a study charges at the
        seconds :func:`~nasperf.zero_cost.compute` records with each architecture's scores,
        whether computed now or read from the cache, and leaves out of the wall-clock
        ``fit`` / ``predict`` times: :mod:`nasperf.zero_cost.charges`): a study charges it
        for each training and test architecture.
    """

    #: Side information the predictor needs; see :class:`Requirements`.
    requirements: ClassVar[Requirements] = Requirements()
    #: Whether :meth:`predict_std` is available.
    has_uncertainty: ClassVar[bool] = False
    #: Whether the model learns from a feature matrix (False: graphs or architectures).
    numeric: ClassVar[bool] = True
    #: Whether a feature matrix given to fit / predict may hold NaN, which the model takes
    #: as a missing value (XGBoost, LightGBM): the ``zero_cost`` encoding keeps a proxy's
    #: NaN, so a pipeline of it into such a model works; infinities are refused either way.
    allow_nan: ClassVar[bool] = False
    #: Registered name (set by the registry decorator).
    name: ClassVar[str] = ""
    #: The parameter through which a study passes its ``images:`` source to a predictor
    #: that reads images (``requirements.images``), unless the predictor's ``params`` set it.
    images_parameter: ClassVar[str] = "images"
    #: Parameters that make the predictor fast enough for the shared contract tests
    #: (n=100 training cells, a few seconds on one CPU core); not used elsewhere.
    test_params: ClassVar[dict] = {}
    #: Exact, fully qualified types of the scikit-learn / NGBoost models this predictor stores
    #: through ``skops`` (besides plain values); a saved file holding any other type is
    #: refused on load, before anything is constructed (see ``_persistence``).
    skops_types: ClassVar[frozenset[str]] = frozenset()
    #: Hyper-parameter distributions for :class:`~nasperf.predictors.hybrid.tuned.TunedPredictor`
    #: (``{param: values or scipy.stats distribution}``); empty: not tunable by default.
    search_space: ClassVar[dict] = {}
    #: ``archs`` is what scikit-learn calls ``X``, not metadata: without these, its metadata
    #: routing generated ``set_fit_request(archs=...)`` and ``set_predict_request(archs=...)``.
    __metadata_request__fit: ClassVar[dict] = {"archs": metadata_routing.UNUSED}
    __metadata_request__predict: ClassVar[dict] = {"archs": metadata_routing.UNUSED}
    #: Valid values of every ``__init__`` parameter, checked by scikit-learn before ``fit``
    #: and by :func:`nasperf.predictors.get` (see :mod:`nasperf._constraints`). Each class
    #: declares one dict covering exactly its parameters.
    _parameter_constraints: ClassVar[dict] = {
        "space": SPACE,
        "encoding": ENCODING,
        "zero_cost_proxies": ZERO_COST_PROXIES,
        "zero_cost_columns": ZERO_COST_COLUMNS,
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        encoding: Any = "adjacency_onehot",
        zero_cost_proxies: Sequence[str] | None = None,
        zero_cost_columns: Sequence[str] | None = None,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.encoding = encoding
        self.zero_cost_proxies = zero_cost_proxies
        self.zero_cost_columns = zero_cost_columns
        self.random_state = random_state

    # ------------------------------------------------------------------ contract
    def _validate_params(self) -> None:
        """scikit-learn's check of ``_parameter_constraints``, then what it lets through: a
        bool for a number and an integer above ``MAX_COUNT`` where the constraint has no
        upper bound (:func:`nasperf._constraints.check_counts_and_flags`)."""
        super()._validate_params()
        check_counts_and_flags(self)

    @classmethod
    def with_study_inputs(cls, params: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict:
        """``params`` with a study's ``inputs`` added where this class takes them and
        ``params`` do not set them (:func:`study_params`). A meta-predictor overrides it to
        pass them on, the same way, to the parameters of the predictors it builds."""
        return _fill_study_inputs(cls, params, inputs)

    def reads_images(self) -> bool:
        """Whether this predictor, with its parameters, reads images
        (``requirements.images``; a zero-cost predictor of a data-free proxy reads none:
        it builds the space's networks and scores their weights). A study asks it before
        it refuses a source without images."""
        return bool(self.requirements.images)

    def zero_cost_refusal(self) -> str | None:
        """Why this predictor, with its parameters, refuses a ``zero_cost`` table given to
        ``fit`` (``None``: it reads it, or takes no harm from it). A study asks before any
        trial where a configuration hands it a table (``zero_cost: true``), so the refusal
        is one :class:`~nasperf.evaluation.config.ConfigError` rather than every trial's."""
        return None

    def effective_requirements(self) -> Requirements:
        """What this predictor, with its parameters, needs and uses (:attr:`requirements`
        is what its class does; a study asks this one).

        ``zero_cost_proxies=[...]`` adds ``"zero_cost"`` to ``optional``: given a table,
        the predictor reads the proxies from it (and computes those it lacks), so a study
        passes its table where it has one rather than let the scores be computed again.
        ``zero_cost_columns=[...]`` does too (the columns it names are read from the table,
        which it cannot do without). Meta-predictors (``ensemble``, ``tuned``) report their
        members' view; an ``ensemble`` hands a table only to members that take it so.
        """
        req = self.requirements
        named = getattr(self, "zero_cost_proxies", None) or getattr(self, "zero_cost_columns", None)
        if named and "zero_cost" not in req.accepted:
            return dataclasses.replace(req, optional=(*req.optional, "zero_cost"))
        return req

    def check_for_space(self, space: Any) -> None:
        """Refuse, before anything is built or fitted, parameters that ``space`` (a
        registered name or a :class:`~nasperf.spaces.SearchSpace`) cannot serve, where the
        space can tell without building a network. A study asks it when it is planned, so
        that a trial which could only fail is refused with the config. The base class checks
        nothing (``fit`` checks everything again); ``fewshot`` checks its ``split``.

        Raises
        ------
        ValueError
            Naming the parameter, its value and why ``space`` cannot serve it.
        """
        return None

    @with_autograd
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any, y: Any = None, **side: Any) -> Predictor:
        """Fit on architectures (or a feature matrix) and targets; returns ``self``.

        Parameters
        ----------
        archs : sequence of architectures, or array-like (n_samples, n_features)
        y : array-like (n_samples,)
            Targets (e.g. validation accuracy); finite values only.
        **side
            Side information (``zero_cost``, ``learning_curves``, ``unlabelled``); see the
            module docstring.
        """
        start = time.perf_counter()
        self._check_side(side)
        X, y = self._prepare_fit(archs, y, side)
        self._fit(X, y, **self._fit_extras(side))
        self.fit_time_ = time.perf_counter() - start
        return self

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        """Predicted performance, float64 of shape ``(n,)``; higher is better.

        No architectures (an empty list, or a feature matrix of no rows) give an empty
        array, as a pre-trained checkpoint's ``predict`` does; ``fit`` needs at least one.
        """
        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        if self._empty_query(archs, side):
            return np.zeros(0, dtype=np.float64)
        X = self._prepare_predict(archs, side)
        out = np.asarray(self._predict(X), dtype=np.float64).reshape(-1)
        _refuse_non_finite(self, out, "predictions")
        return out

    def predict_std(self, archs: Any, **side: Any) -> np.ndarray:
        """Predictive standard deviation, float64 ``(n,)`` (only if ``has_uncertainty``)."""
        if not self.has_uncertainty:
            raise AttributeError(f"{type(self).__name__} has no predictive uncertainty")
        check_is_fitted(self, "fit_time_")
        self._check_side(side)
        if self._empty_query(archs, side):
            return np.zeros(0, dtype=np.float64)
        X = self._prepare_predict(archs, side)
        out = np.asarray(self._predict_std(X), dtype=np.float64).reshape(-1)
        _refuse_non_finite(self, out, "standard deviations")
        return out

    def save(self, path: Any) -> None:
        """Write the fitted predictor to ``path`` (one zip file; see the module docstring)."""
        from ._persistence import save_predictor

        save_predictor(self, path)

    @classmethod
    def load(cls, path: Any, *, space: Any = None) -> Predictor:
        """Read a predictor written by :meth:`save` (``space``: for user-defined spaces)."""
        from ._persistence import load_predictor

        return load_predictor(path, space=space, expected=cls)

    # ------------------------------------------------------------------ for subclasses
    def _fit(self, X: Any, y: np.ndarray, **extras: Any) -> None:
        raise NotImplementedError

    def _predict(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def _predict_std(self, X: Any) -> np.ndarray:
        raise NotImplementedError(
            f"{type(self).__name__} has has_uncertainty = {self.has_uncertainty} but does not "
            "implement _predict_std (a search's acquisition asked for its standard deviation)"
        )

    def _fit_extras(self, side: dict) -> dict:
        """Keyword arguments for ``_fit`` derived from side information (e.g. unlabelled
        architectures encoded); default none."""
        return {}

    def _build_modules(self) -> None:
        """(Torch predictors) create the fitted ``nn.Module`` attributes with fresh weights
        from the parameters and the restored scalar attributes; :func:`load` then loads the
        saved weights into them."""
        raise NotImplementedError(f"{type(self).__name__} cannot rebuild its networks")

    # ------------------------------------------------------------------ features
    def _check_side(self, side: dict) -> None:
        unknown = sorted(set(side) - set(SIDE_INFORMATION))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown keyword argument(s) {unknown}; side "
                f"information is passed as {list(SIDE_INFORMATION)}"
            )

    def _check_y(self, y: Any, n: int) -> np.ndarray:
        """``y`` as float64 ``(n,)``: finite, and at most :data:`MAX_ABS_TARGET` in magnitude.

        Larger labels are refused rather than scaled: squaring them (variances, squared
        losses, kernels) overflows float64, which would turn predictions into NaN / -inf;
        rescale them (e.g. to percent or log units) before fitting.
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} needs targets y to fit")
        if isinstance(y, str | bytes):
            raise TypeError(f"y must be a sequence of numbers, got {type(y).__name__}")
        try:
            raw = np.asarray(y)
            if raw.dtype.kind in "cbOUSV" and raw.dtype != object:
                raise TypeError(f"got dtype {raw.dtype}")
            y = raw.astype(np.float64)
        except (TypeError, ValueError, OverflowError) as err:
            raise ValueError(f"y must be numeric (float) targets: {err}") from None
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-d, got shape {y.shape}")
        if len(y) != n:
            raise ValueError(f"got {n} architectures but {len(y)} targets")
        if not np.all(np.isfinite(y)):
            bad = np.flatnonzero(~np.isfinite(y))
            raise ValueError(
                f"y has {len(bad)} non-finite value(s) (NaN or inf), first at index {bad[0]}; "
                "drop those architectures or impute their targets"
            )
        big = np.flatnonzero(np.abs(y) > MAX_ABS_TARGET)
        if len(big):
            raise ValueError(
                f"y has {len(big)} value(s) of magnitude above {MAX_ABS_TARGET:g}, first "
                f"y[{big[0]}] = {y[big[0]]:g}: squares of such targets overflow float64; "
                "rescale the targets before fitting"
            )
        return y

    def _space(self, archs: Any = None) -> SearchSpace:
        """The search space: the ``space`` parameter, else the one inferred when fitting
        (``inferred_space_``), else the space of the architecture values in ``archs``.

        Raises ``ValueError`` saying ``pass space=`` when none of these tells it (e.g.
        architectures given as text with ``space=None``).
        """
        from nasperf.spaces import get_space, resolve_space

        if self.space is None:
            fitted = self.__dict__.get("space_")
            if isinstance(fitted, SearchSpace):
                return fitted
            name = self.__dict__.get("inferred_space_")
            if isinstance(name, str):
                try:
                    return get_space(name)
                except ValueError:
                    raise ValueError(
                        f"{type(self).__name__} was fitted on the space {name!r}, which is not "
                        "registered in this process: import the module that registers it "
                        "(`--import FILE` for nasperf's commands), or pass space= to load"
                    ) from None
        try:
            return resolve_space(self.space, archs)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None

    def _fit_space(self, archs: Any) -> SearchSpace:
        """:meth:`_space` for ``fit``: also records ``inferred_space_`` (the registered name
        of a space inferred from architecture values, None when ``space`` was given), from
        which a saved predictor finds its space again."""
        if self.space is None:
            self.__dict__.pop("space_", None)
            self.__dict__.pop("inferred_space_", None)
        space = self._space(archs)
        self.inferred_space_ = space.name if self.space is None else None
        return space

    def _prepare_fit(self, archs: Any, y: Any, side: dict) -> tuple[Any, np.ndarray]:
        from nasperf.errors import check_aligned

        # rows are paired by position: a reordered Series of labels had been taken as it was
        check_aligned(archs, y, "archs", "y")
        if is_feature_matrix(archs):
            if not self.numeric:
                raise ValueError(
                    f"{type(self).__name__} learns from architectures, not a feature matrix; "
                    "pass a list of architectures"
                )
            X, y = validate_data(
                self, archs, y, accept_sparse=False, y_numeric=True, ensure_all_finite=self._finite
            )
            y = self._check_y(y, X.shape[0])
            self.encoder_ = None
            self.space_ = None
            self.inferred_space_ = None
            self.fit_archs_ = None
            self.uses_zero_cost_ = []
            self.zero_cost_source_ = ""
            self.zero_cost_seconds_per_arch_ = 0.0
            self.uses_learning_curves_ = 0
            return X.astype(np.float64), y
        from nasperf.encodings import as_arch_list

        space = self._fit_space(archs)
        archs = as_arch_list(space, archs)
        y = self._check_y(y, len(archs))
        check_side_rows(side, space, archs)
        self._fit_encoder(space, archs)
        self.uses_zero_cost_ = self._zero_cost_columns(side)
        zc = side.get("zero_cost")
        self.zero_cost_source_ = (
            ""
            if not self.uses_zero_cost_
            else "computed"
            # (a table holding none of zero_cost_proxies: every one is computed)
            if zc is None
            or (isinstance(zc, pd.DataFrame) and not set(self.uses_zero_cost_) & set(zc.columns))
            else "table"
            if isinstance(zc, pd.DataFrame)
            else "array"
        )
        from nasperf.encodings.zero_cost import recorded_seconds

        self.zero_cost_seconds_per_arch_ = (
            recorded_seconds(zc, [c for c in self.uses_zero_cost_ if c in zc.columns])
            if self.zero_cost_source_ == "table"
            else 0.0
        )
        lc = side.get("learning_curves")
        if self.requirements.learning_curves and lc is None:
            raise ValueError(
                f"{type(self).__name__} needs partial learning curves: pass "
                "learning_curves=(n_archs, n_epochs) to fit and predict"
            )
        self.uses_learning_curves_ = (
            0
            if lc is None or "learning_curves" not in self.requirements.accepted
            else _lc_width(lc)
        )
        X = self._features(space, archs, side)
        self._refuse_label_copies(space, archs, side, y)
        if self.numeric:
            self.n_features_in_ = X.shape[1]
        return X, y

    def _record_members(self, members: Sequence[Predictor], zero_cost: Any = None) -> None:
        """For a meta-predictor (an ensemble, a tuned wrapper) whose ``fit`` fits
        ``members`` on its own inputs: record what they recorded about those inputs as its
        own fitted state, so that it keeps the contract of every predictor fitted on
        architectures (a saved one is screened, loaded with its space, ...).

        ``space_`` / ``inferred_space_``: the members' space (None, as for any predictor,
        after a feature matrix); ``uses_zero_cost_``: the zero-cost columns any member
        reads, in order of first use; ``zero_cost_source_``: where those come from at
        ``predict`` (``"array"`` over ``"table"`` over ``"computed"``: the most a caller
        must pass; ``""`` for none); ``zero_cost_seconds_per_arch_``: the recorded seconds
        of the columns the members read from ``zero_cost`` (the side table of the fit), each
        column once however many members read it, as one predictor reading them all is
        charged (members computing scores are charged by :mod:`nasperf.zero_cost.charges`).

        A member that takes proxy scores itself without reading feature columns (``zc_proxy``:
        a ``zero_cost_source_`` and no ``uses_zero_cost_``) adds no column, so ``predict``
        needs no table for it; where no member reads columns, ``zero_cost_source_`` is
        where such members took their scores (a study row's ``zero_cost_source``, which had
        been empty for an ensemble of ``zc_proxy`` and trees), and the recorded seconds of a
        table such a member read (the study's or a packaged one) are charged, once per proxy
        that no member reads as a column.
        """
        fitted = [getattr(m, "space_", None) for m in members]
        space = next((s for s in fitted if isinstance(s, SearchSpace)), None)
        self.space_ = space
        self.inferred_space_ = None if space is None or self.space is not None else space.name
        self.uses_zero_cost_ = list(
            dict.fromkeys(c for m in members for c in getattr(m, "uses_zero_cost_", []) or [])
        )
        readers = [m for m in members if getattr(m, "uses_zero_cost_", None)]
        scorers = [
            m
            for m in members
            if not getattr(m, "uses_zero_cost_", None) and getattr(m, "zero_cost_source_", "")
        ]
        # readers' sources alone where there are any: a scorer's packaged table had made an
        # ensemble of it and a computing omni say "table", and a checkpoint ask for one
        sources = {m.zero_cost_source_ for m in readers or scorers}
        self.zero_cost_source_ = next(
            (s for s in ("array", "table", "computed") if s in sources), ""
        )
        read = dict.fromkeys(
            c for m in readers if m.zero_cost_source_ == "table" for c in m.uses_zero_cost_
        )
        seconds = 0.0
        if isinstance(zero_cost, pd.DataFrame) and read:
            from nasperf.encodings.zero_cost import recorded_seconds

            cols = [c for c in read if c in zero_cost.columns]
            seconds = recorded_seconds(zero_cost, cols)
        # a proxy that a reader takes too (from the table, or computed and charged as such)
        # stands for one computation: charged once
        charged = set(self.uses_zero_cost_)
        for m in scorers:
            proxy = getattr(m, "proxy_", None)
            if m.zero_cost_source_ == "table" and (proxy is None or proxy not in charged):
                seconds += float(getattr(m, "zero_cost_seconds_per_arch_", 0.0) or 0.0)
                charged.add(proxy)
        self.zero_cost_seconds_per_arch_ = seconds

    def _fit_encoder(self, space: SearchSpace, archs: list) -> None:
        """Fit the encoder on ``archs`` (values of ``space``) and remember them: ``space_``,
        ``encoder_`` and ``fit_archs_``, from which the encoder is refitted on load."""
        from nasperf.encodings.base import encoding_name

        self.space_ = space
        self.encoder_ = self._make_encoder(space).fit(archs)
        self.encoding_ = encoding_name(self.encoder_)
        self.fit_archs_ = [space.to_string(a) for a in archs]

    def _empty_query(self, archs: Any, side: dict) -> bool:
        """Whether ``archs`` holds no architectures (an empty sequence, or a matrix of no
        rows and this fit's width); side information must then have no rows either."""
        if isinstance(archs, str | bytes) or not hasattr(archs, "__len__") or len(archs):
            return False
        shape = getattr(archs, "shape", None)
        if shape is not None and len(shape) == 2:
            width = getattr(self, "n_features_in_", None)
            if getattr(self, "encoder_", None) is not None or width is None or shape[1] != width:
                return False  # the usual checks name what is wrong with it
        if getattr(self, "encoder_", None) is not None:
            check_side_rows(side, self.space_, [])
        return True

    def _prepare_predict(self, archs: Any, side: dict) -> Any:
        fitted_on_matrix = self.encoder_ is None
        if fitted_on_matrix and not (
            isinstance(archs, list | tuple) and archs and isinstance(archs[0], str)
        ):
            X = validate_data(self, archs, reset=False, ensure_all_finite=self._finite)
            return X.astype(np.float64)
        if is_feature_matrix(archs):
            if self.encoder_ is not None:
                raise ValueError(
                    f"{type(self).__name__} was fitted on architectures; predict on "
                    "architectures too, not a feature matrix"
                )
            X = validate_data(self, archs, reset=False, ensure_all_finite=self._finite)
            return X.astype(np.float64)
        if self.encoder_ is None:
            raise ValueError(
                f"{type(self).__name__} was fitted on a feature matrix; predict on a feature "
                "matrix of the same columns, not on architectures"
            )
        from nasperf.encodings import as_arch_list

        archs = as_arch_list(self.space_, archs)
        check_side_rows(side, self.space_, archs)
        return self._features(self.space_, archs, side)

    def _make_encoder(self, space: SearchSpace):
        from nasperf.encodings import get as get_encoding

        enc = self.encoding
        if enc is None or (not isinstance(enc, str) and len(enc) == 0):
            enc = "none"  # side information only (a hybrid without architecture features)
        return get_encoding(enc if isinstance(enc, str) else list(enc), space=space)

    def _zero_cost_columns(self, side: dict) -> list[str]:
        """The zero-cost feature columns of this fit: ``zero_cost_proxies`` and
        ``zero_cost_columns`` when given, else the table's registered proxy columns; names
        that look like a target are refused."""
        from nasperf.encodings.zero_cost import check_feature_names, first_text_cell, proxy_columns

        table = side.get("zero_cost")
        proxies = list(self.zero_cost_proxies or [])
        named = list(self.zero_cost_columns or [])
        if table is None:
            if self.requirements.zero_cost and not proxies:
                raise ValueError(
                    f"{type(self).__name__} needs zero-cost scores: pass zero_cost=TABLE to fit "
                    "and predict, or set zero_cost_proxies=[...] to compute them"
                )
            if named:
                raise ValueError(
                    f"{type(self).__name__}: zero_cost_columns={named} names columns of a "
                    "zero_cost table; pass zero_cost=TABLE to fit and predict"
                )
            return proxies
        if isinstance(table, pd.DataFrame):
            if table.index.has_duplicates:
                dup = table.index[table.index.duplicated()][0]
                raise ValueError(
                    f"the zero_cost table has two rows for architecture {dup!r}; it needs one "
                    "row per architecture"
                )
            _refuse_duplicate_columns(table)
            wanted = list(dict.fromkeys(proxies + named))
            if not wanted:
                cols = proxy_columns(table)  # a text column named as a proxy: refused
                if not cols:
                    raise ValueError(
                        "the zero_cost table has no column named as a registered zero-cost "
                        f"proxy (its columns: {_first(table.columns)}); name the feature "
                        "columns with zero_cost_columns=[...]"
                    )
                return cols
            # proxies the table lacks are computed (and charged as computed scores are);
            # a named column has nothing to compute it from
            missing = [c for c in named if c not in table.columns]
            if missing:
                raise ValueError(
                    f"zero_cost columns {missing} are not in the zero_cost table (its columns: "
                    f"{_first(table.columns)})"
                )
            present = [c for c in wanted if c in table.columns]
            not_numeric = [c for c in present if not pd.api.types.is_numeric_dtype(table[c])]
            if not_numeric:
                raise ValueError(
                    f"zero_cost columns {not_numeric} are not numeric"
                    + first_text_cell(table, not_numeric[0])
                )
            check_feature_names(named)
            return wanted
        if named or proxies:
            which = "zero_cost_columns" if named else f"zero_cost_proxies={proxies}"
            raise ValueError(
                f"{which} names columns of a DataFrame; the zero_cost side information is an "
                "array, whose columns have no names (they are taken in order): pass a "
                "DataFrame with the proxies as columns"
            )
        arr = _numbers(table, "zero_cost")
        if arr.ndim != 2:
            raise ValueError(f"zero_cost must be a DataFrame or a 2-d array, got shape {arr.shape}")
        return [f"zc{i}" for i in range(arr.shape[1])]

    def _zero_cost_values(
        self, space: SearchSpace, archs: list, side: dict, columns: Sequence[str] | None = None
    ) -> np.ndarray:
        """The raw ``(n_archs, n_columns)`` zero-cost values of ``archs`` (columns
        ``columns``, default ``uses_zero_cost_``), looked up in the side table or computed:
        ``zero_cost_proxies`` that a side table lacks are computed."""
        cols = list(self.uses_zero_cost_ if columns is None else columns)
        table = side.get("zero_cost")
        if isinstance(table, pd.DataFrame):
            own = set(self.zero_cost_proxies or [])
            lacking = [c for c in cols if c not in table.columns and c in own]
            if lacking:
                from nasperf.zero_cost.compute import compute

                computed = compute(space, archs, lacking)
                block = np.empty((len(archs), len(cols)), dtype=np.float64)
                read = [c for c in cols if c not in lacking]
                if read:
                    block[:, [cols.index(c) for c in read]] = self._zero_cost_values(
                        space, archs, side, read
                    )
                rows = _rows_of(
                    computed.index, [space.to_string(a) for a in archs], "the computed scores"
                )
                for c in lacking:
                    block[:, cols.index(c)] = computed[c].to_numpy(dtype=np.float64)[rows]
                return block
        if table is None:
            if self.zero_cost_source_ != "computed":
                raise ValueError(
                    f"{type(self).__name__} was fitted with zero-cost scores given as "
                    f"zero_cost= ({self.zero_cost_source_}); pass zero_cost= to predict too"
                )
            from nasperf.zero_cost.compute import compute

            table = compute(space, archs, cols)
        if isinstance(table, pd.DataFrame):
            _refuse_duplicate_columns(table)
            keys = [space.to_string(a) for a in archs]
            missing = [c for c in cols if c not in table.columns]
            if missing:
                raise ValueError(f"the zero_cost table lacks the fitted columns {missing}")
            rows = _rows_of(table.index, keys, "the zero_cost table")
            # the rows asked for, column by column: converting table[cols] whole copied every
            # row of the table per call (18x slower for 100 of NB201's 15,625 cells)
            block = np.empty((len(rows), len(cols)), dtype=np.float64)
            for j, c in enumerate(cols):
                block[:, j] = table[c].to_numpy(dtype=np.float64)[rows]
            names = keys
        else:
            block = _numbers(table, "zero_cost")
            if block.shape != (len(archs), len(cols)):
                raise ValueError(
                    f"zero_cost array has shape {block.shape}, expected {(len(archs), len(cols))}"
                )
            names = [f"row {i}" for i in range(len(archs))]
        if np.isinf(block).any():
            i, j = np.argwhere(np.isinf(block))[0]
            raise ValueError(
                f"zero_cost: {int(np.isinf(block).sum())} score(s) are infinite, e.g. column "
                f"{cols[j]!r} for {names[i]!r} ({block[i, j]}); a score must be a finite "
                "number, or NaN where the proxy is undefined (such cells rank last)"
            )
        return block

    def _zero_cost_block(self, space: SearchSpace, archs: list, side: dict) -> np.ndarray:
        """The zero-cost features of ``archs``: :meth:`_zero_cost_values` through a signed
        log, NaN replaced by the column's worst value."""
        block = signed_log(self._zero_cost_values(space, archs, side))
        # A proxy undefined on a cell (NaN) gets the worst finite value of that column, so
        # degenerate cells rank last instead of poisoning the features.
        if np.isnan(block).any():
            # (a column NaN on every row, e.g. a proxy undefined on all queried cells: 0 - 1,
            # without numpy's "All-NaN slice" warning)
            lo = np.where(np.isfinite(block), block, np.inf).min(axis=0)
            lo = np.where(np.isinf(lo), 0.0, lo) - 1.0
            block = np.where(np.isnan(block), lo, block)
        return block

    def _refuse_label_copies(self, space: SearchSpace, archs: list, side: dict, y) -> None:
        """At ``fit``: refuse side-information columns that copy the label.

        Zero-cost columns from a table or an array (computed proxies cannot copy it) are
        refused when ``|Pearson r| >= 1 - 1e-9`` with ``y`` (an exact or rescaled copy) or,
        with at least 20 rows, ``|Spearman rho| > 0.99`` (a near-copy: another seed's
        accuracy, a noisy copy). Learning-curve columns only for an exact or rescaled copy:
        a late epoch of a real curve legitimately ranks like the final value (NB301
        surrogate: epoch 97 vs 98, rho 0.998). Columns exempted by
        :func:`allow_target_like_columns` pass.
        """
        if self.uses_zero_cost_ and self.zero_cost_source_ != "computed":
            table = side.get("zero_cost")
            cols = [
                c
                for c in self.uses_zero_cost_
                if not isinstance(table, pd.DataFrame) or c in table.columns
            ]
            block = self._zero_cost_values(space, archs, side, cols)
            refuse_label_copies(block, cols, y, "zero_cost", rank=True)
        if self.uses_learning_curves_:
            lc = np.asarray(side["learning_curves"], dtype=np.float64).reshape(len(archs), -1)
            names = [f"epoch column {j}" for j in range(lc.shape[1])]  # rows checked on entry
            refuse_label_copies(lc, names, y, "learning_curves", rank=False)

    def _features(self, space: SearchSpace, archs: list, side: dict) -> Any:
        base = self.encoder_.transform(archs)
        if not self.numeric:
            return base
        parts = [np.asarray(base, dtype=np.float64)]
        if self.uses_zero_cost_:
            parts.append(self._zero_cost_block(space, archs, side))
        if self.uses_learning_curves_:
            lc = side.get("learning_curves")
            if lc is None:
                raise ValueError(
                    f"{type(self).__name__} was fitted with learning curves; pass "
                    "learning_curves= to predict too"
                )
            lc = np.asarray(lc, dtype=np.float64).reshape(len(archs), -1)
            if lc.shape[1] != self.uses_learning_curves_:
                raise ValueError(
                    f"learning_curves has {lc.shape[1]} epochs, the predictor was fitted on "
                    f"{self.uses_learning_curves_}"
                )
            if not np.all(np.isfinite(lc)):
                raise ValueError("learning_curves has NaN or inf values")
            parts.append(lc)
        return np.hstack(parts)

    def _encode_unlabelled(self, side: dict) -> Any:
        """The ``unlabelled`` side information encoded like training architectures."""
        un = side.get("unlabelled")
        if un is None:
            return None
        from nasperf.encodings import as_arch_list

        archs = as_arch_list(self.space_, un)
        return self.encoder_.transform(archs)

    def _rng(self) -> np.random.Generator:
        return as_rng(self.random_state)

    def _seed(self) -> int:
        """An int seed derived from ``random_state`` (for libraries that take ints)."""
        if isinstance(self.random_state, int | np.integer):
            return int(self.random_state)
        return int(as_rng(self.random_state).integers(0, 2**31 - 1))

    @property
    def _finite(self) -> bool | str:
        """``validate_data``'s ``ensure_all_finite`` for a feature matrix (see
        :attr:`allow_nan`)."""
        return "allow-nan" if self.allow_nan else True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.allow_nan
        tags.requires_fit = True
        tags.target_tags.required = self.requirements.labels
        return tags


def _refuse_non_finite(pred: Predictor, out: np.ndarray, what: str) -> None:
    """A prediction that is NaN or infinite (a model whose training diverged: a learning
    rate far too large, an unbounded kernel parameter) is an error, never a silent NaN."""
    bad = ~np.isfinite(out)
    if bad.any():
        params = {
            k: v
            for k, v in pred.get_params(deep=False).items()
            if k in ("lr", "learning_rate", "epochs", "n_steps", "nu", "weight_decay")
        }
        raise ValueError(
            f"{type(pred).__name__}: {int(bad.sum())} of {bad.size} {what} are not finite "
            f"(e.g. {out[bad][0]}): its training diverged ({short_repr(params)}); lower the "
            "learning rate or change the parameters"
        )


@contextlib.contextmanager
def numpy_global_rng_kept() -> Iterator[None]:
    """Run a library call that draws from numpy's global RNG although nasperf seeds its
    own (scikit-learn's libsvm estimators draw a seed with ``check_random_state(None)``
    whatever their parameters), and put the caller's global stream back after: nothing in
    nasperf reads or moves the global random state. (Another thread drawing from the
    global stream meanwhile would be rewound too; nasperf's own randomness never uses it.)"""
    state = np.random.get_state()  # noqa: NPY002 (the legacy global stream itself)
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _first(columns: Any, n: int = 20) -> str:
    """The first ``n`` column names, for an error message."""
    cols = [str(c) for c in columns]
    return str(cols[:n])[:-1] + (", ...]" if len(cols) > n else "]")


def _refuse_duplicate_columns(table: pd.DataFrame) -> None:
    """A ``ValueError`` naming a column that a zero_cost table holds twice (which column
    would be the feature?); pandas had failed deep inside with "arg must be a list, tuple,
    1-d array, or Series"."""
    if table.columns.has_duplicates:
        dup = table.columns[table.columns.duplicated()][0]
        raise ValueError(
            f"the zero_cost table has two columns named {str(dup)[:80]!r}; name each column once"
        )


def refuse_label_copies(
    block: np.ndarray, names: Sequence[str], y: np.ndarray, what: str, *, rank: bool
) -> None:
    """Raise :class:`~nasperf.errors.LabelLeakError` naming the columns of ``block``
    (``(n, k)``, distinct finite rows compared) that copy ``y``: ``|Pearson r| >= 1 - 1e-9``
    (an exact or rescaled copy; needs 3 distinct values of ``y``) or, with ``rank`` and at
    least 20 distinct rows, ``|Spearman rho| > 0.99``.
    Columns exempted by :func:`allow_target_like_columns` are skipped."""
    from scipy.stats import rankdata

    from nasperf.encodings.zero_cost import exempt_columns
    from nasperf.errors import LabelLeakError

    exempt = exempt_columns()
    y = np.asarray(y, dtype=np.float64)
    bad = []
    for j, name in enumerate(names):
        if name in exempt:
            continue
        x = block[:, j]
        ok = np.isfinite(x) & np.isfinite(y)
        # Distinct (x, y) rows only: repeated rows (bootstrap resamples) add no evidence, and
        # two distinct points are always perfectly correlated.
        pairs = np.unique(np.column_stack([x[ok], y[ok]]), axis=0)
        if len(np.unique(pairs[:, 0])) < 2 or len(np.unique(pairs[:, 1])) < 3:
            continue
        r = float(np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1])
        if abs(r) >= _COPY_PEARSON:
            bad.append(f"{name!r} (|Pearson r| = {abs(r):.9f}: a copy of y)")
        elif rank and len(pairs) >= _MIN_ROWS_SPEARMAN:
            # Spearman's rho as scipy computes it (Pearson of average ranks), without the
            # per-call overhead of spearmanr, which dominated searches' label checks
            rho = float(np.corrcoef(rankdata(pairs[:, 0]), rankdata(pairs[:, 1]))[0, 1])
            if abs(rho) > _MAX_SPEARMAN:
                bad.append(
                    f"{name!r} (|Spearman rho| = {abs(rho):.4f} with y on {len(pairs)} rows)"
                )
    if not bad:
        bad = _label_combination(block, names, y, exempt)
    if bad:
        raise LabelLeakError(
            f"{what} column(s) {', '.join(bad)} copy the label: a label can never be a "
            "feature. Drop them from the side information; a column that truly is known "
            "before training can be allowed with nasperf.predictors.allow_target_like_columns"
            "(NAME)"
        )


def _label_combination(block: np.ndarray, names: Sequence[str], y: np.ndarray, exempt) -> list:
    """``[description]`` where the non-exempt columns of ``block`` together reproduce ``y``
    (an intercept and a least-squares weight each, ``R^2 >= _COMBINATION_R2`` on the distinct
    finite rows, at least ``_ROWS_PER_COLUMN`` per column plus 5 of them): the label as the
    mean or a weighted sum of several columns, which no single column's correlation shows.
    ``[]`` otherwise."""
    cols = [j for j, name in enumerate(names) if name not in exempt]
    if not cols:
        return []
    if len(cols) > 1:  # a column that reproduces y alone is named alone
        alone = [d for j in cols for d in _label_combination(block[:, [j]], [names[j]], y, exempt)]
        if alone:
            return alone
    X = np.asarray(block, dtype=np.float64)[:, cols]
    ok = np.isfinite(X).all(axis=1) & np.isfinite(y)
    rows = np.unique(np.column_stack([X[ok], y[ok]]), axis=0)
    t = rows[:, -1]
    if len(rows) < _ROWS_PER_COLUMN * len(cols) + 5 or len(np.unique(t)) < 3:
        return []
    A = np.column_stack([np.ones(len(rows)), rows[:, :-1]])
    coef, *_ = np.linalg.lstsq(A, t, rcond=None)
    resid = t - A @ coef
    spread = float((t - t.mean()) @ (t - t.mean()))
    r2 = 1.0 - float(resid @ resid) / spread
    if r2 < _COMBINATION_R2:
        return []
    if len(cols) == 1:  # e.g. the label rounded to a CSV's decimals
        return [f"{names[cols[0]]!r} (a linear function of it reproduces y: R^2 = {r2:.9f})"]
    listed = ", ".join(repr(names[j]) for j in cols[:8]) + (", ..." if len(cols) > 8 else "")
    return [f"{listed} together (a weighted sum of them reproduces y: R^2 = {r2:.9f})"]


def _numbers(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array, or one ``ValueError`` naming ``what`` (text cells,
    ragged rows)."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{what} must be numbers in an (n_archs, n_columns) array: {err}"
        ) from None


def _rows_of(index: pd.Index, keys: Sequence[str], what: str) -> np.ndarray:
    """The positions of ``keys`` (architecture texts) in ``index``; one ``ValueError``
    counting the architectures ``what`` has no row for, with the first of them."""
    rows = index.get_indexer(keys)
    if (rows < 0).any():
        first = keys[int(np.flatnonzero(rows < 0)[0])]
        raise ValueError(
            f"{int((rows < 0).sum())} architecture(s) have no row in {what}, e.g. {first!r}"
        )
    return rows


def check_side_rows(side: dict, space: SearchSpace, archs: Sequence[Any]) -> None:
    """Check ``side["learning_curves"]`` against ``archs`` (values of ``space``) and put it
    in row order, in place: a ``LearningCurves`` or an array needs one row per architecture
    (``(n,)`` or ``(n, n_epochs)``; a transposed or short array is refused, not reshaped); a
    DataFrame or Series indexed by architecture text is aligned by its index (as a
    zero_cost table is), one with a RangeIndex is taken in order."""
    lc = side.get("learning_curves")
    if lc is None:
        return
    n = len(archs)
    from nasperf.datasets.curves import LearningCurves

    if isinstance(lc, LearningCurves):
        if len(lc) != n:
            raise ValueError(f"learning_curves has {len(lc)} rows for {n} architectures")
        return
    if isinstance(lc, pd.DataFrame | pd.Series) and not isinstance(lc.index, pd.RangeIndex):
        if lc.index.has_duplicates:
            dup = lc.index[lc.index.duplicated()][0]
            raise ValueError(f"learning_curves has two rows for architecture {dup!r}")
        keys = [space.to_string(a) for a in archs]
        rows = _rows_of(lc.index, keys, f"the learning_curves {type(lc).__name__} (by its index)")
        lc = lc.iloc[rows]
    arr = _numbers(lc, "learning_curves")
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise ValueError(
            f"learning_curves has shape {arr.shape}; expected ({n},) or ({n}, n_epochs): one "
            f"row per architecture ({n})"
        )
    side["learning_curves"] = arr


def _lc_width(lc: Any) -> int:
    arr = np.asarray(lc, dtype=np.float64)
    return 1 if arr.ndim == 1 else int(arr.shape[1])

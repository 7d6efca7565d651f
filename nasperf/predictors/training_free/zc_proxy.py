"""A zero-cost proxy as a registered predictor (training-free), for studies and ensembles."""

from __future__ import annotations

import time
from collections.abc import Mapping
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from nasperf._constraints import PATH, RANDOM_STATE, Device, ImageDataset, Registered
from nasperf.zero_cost.cache import ProxyCache

from .. import PREDICTORS
from ..base import SPACE, Predictor, Requirements, _proxies

__all__ = ["ZeroCostPredictor"]


@PREDICTORS.register("zc_proxy", "proxy")
class ZeroCostPredictor(Predictor):
    """Rank architectures by one zero-cost proxy; nothing is trained.

    ``fit`` needs no labels and learns nothing: it resolves the space and the proxy (so
    that bad names fail early). ``predict`` takes the proxy's column from the ``zero_cost``
    side information when it is given (a study passes its ``zero_cost_table:``; a table
    that records its settings, ``attrs["settings"]``, only where they are this predictor's),
    else from the packaged table of the space and dataset
    (:func:`nasperf.datasets.load_zero_cost`) when that table has the proxy and was
    computed with these settings, else computes it (cached on disk) with
    :func:`nasperf.zero_cost.compute` on ``dataset``'s images. So a study over
    NAS-Bench-201 reads precomputed scores in milliseconds, and any other space (including
    a user-defined one) gets them computed. Scores are the proxy's values: comparable in
    rank, not in scale, with the target (use rank metrics such as Kendall tau).

    Parameters
    ----------
    space : str or SearchSpace
    proxy : str
        A registered proxy (``nasperf.zero_cost.available()``), e.g. ``"synflow"``.
    dataset : str or task, optional
        Sets the network's classifier and the images (and which packaged table is read);
        default the space's own task (``default_dataset``: cifar10 for the NAS-Bench image
        spaces, cora for NAS-Bench-Graph, a user space's declared task).
    batch_size, seed, device, cache, network_kwargs, inputs
        As in :func:`nasperf.zero_cost.compute` (when computing); ``cache=True`` uses the
        user cache. The packaged tables are read only with the settings they were computed
        with (``batch_size=64``, ``seed=0``, default network, packaged images).
    random_state
        Unused (proxies are computed with ``seed``); accepted for a uniform interface.

    Attributes
    ----------
    space_ : SearchSpace
        The resolved space.
    proxy_ : str
        The resolved (lower-case) proxy name.
    reasons_ : dict
        Set by each ``predict`` that computes scores: architecture text -> why the proxy is
        undefined there (NaN score).
    zero_cost_source_ : {"table", "computed"}
        Where the last ``predict`` took its scores from (a study row's
        ``zero_cost_source``).
    zero_cost_seconds_per_arch_ : float
        The seconds per architecture that the table records for the proxy (0 where it
        does not, or where the scores were computed: a study charges those at the seconds
        :func:`~nasperf.zero_cost.compute` records with each architecture's scores, measured
        now or read from the cache with them, and leaves the time of computing them out of
        ``predict``'s: :mod:`nasperf.zero_cost.charges`).

    Returns of ``predict``: the proxy's scores (higher is better), NaN where the proxy is
    undefined on a cell (e.g. a NAS-Bench-201 cell whose output no input reaches; the
    evaluation metrics rank NaN last by default).

    References
    ----------
    Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021; Krishnakumar et
    al., "NAS-Bench-Suite-Zero", NeurIPS 2022.
    """

    #: ``zero_cost`` optional: a study passes its configured table (``zero_cost_table:``),
    #: which had been ignored for the packaged one without a word.
    requirements = Requirements(labels=False, images=True, optional=("zero_cost",))
    numeric = False
    #: A study's ``images:`` source is what :func:`nasperf.zero_cost.compute` calls
    #: ``inputs`` (it had been passed as ``images``, which this predictor has not, and so
    #: ignored: the packaged table's scores were reported, or the trial asked for the file).
    images_parameter = "inputs"
    test_params = {"proxy": "params"}
    _parameter_constraints: ClassVar[dict] = {
        "space": SPACE,
        "proxy": [Registered(_proxies, "zero-cost proxy")],
        "dataset": [ImageDataset(task_ok=True, graph_ok=True), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "seed": [Interval(Integral, 0, None, closed="left")],
        "device": [Device()],
        "cache": ["boolean", *PATH, ProxyCache, None],
        "network_kwargs": [dict, None],
        "inputs": [*PATH, tuple, None],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        space: Any = None,
        proxy: str = "synflow",
        dataset: Any = None,
        batch_size: int = 64,
        seed: int = 0,
        device: Any = "cpu",
        cache: Any = True,
        network_kwargs: Mapping[str, Any] | None = None,
        inputs: Any = None,
        random_state: Any = None,
    ) -> None:
        self.space = space
        self.proxy = proxy
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
        self.cache = cache
        self.network_kwargs = network_kwargs
        self.inputs = inputs
        self.random_state = random_state

    def reads_images(self) -> bool:
        """Whether ``proxy`` reads images: a data-free one (synflow, params, flops, l2_norm,
        zen: ``data == "none"``) builds the networks for the space's own task and reads
        none (an unknown name: True, its fit says why)."""
        from nasperf.zero_cost.compute import data_free

        try:
            return not data_free([str(self.proxy)])
        except (KeyError, ValueError, TypeError):
            return True

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, archs: Any = None, y: Any = None, **side: Any) -> ZeroCostPredictor:
        """Resolve the space and the proxy (bad names fail here); nothing is learnt.
        ``archs`` and ``y`` are accepted and ignored. Returns ``self``."""
        from nasperf._device import resolve_device
        from nasperf.zero_cost.compute import resolve_proxies

        start = time.perf_counter()
        self._check_side(side)
        # an unavailable device fails here, as every other predictor's does, and not only
        # once a cell outside the packaged table needs its network scored
        resolve_device(self.device)
        self.proxy_ = resolve_proxies([self.proxy])[0]
        self.space_ = self._fit_space(archs)
        self.encoder_ = None
        self.fit_time_ = time.perf_counter() - start
        return self

    def predict(self, archs: Any, **side: Any) -> np.ndarray:
        """Proxy scores of ``archs``, float64 of shape ``(len(archs),)``; NaN where undefined.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        """
        from sklearn.utils.validation import check_is_fitted

        from nasperf.encodings import as_arch_list

        check_is_fitted(self, "proxy_")
        self._check_side(side)
        archs = as_arch_list(self.space_, archs) if len(archs) else []
        if not archs:
            self.reasons_ = {}
            return np.zeros(0, dtype=np.float64)
        keys = [self.space_.to_string(a) for a in archs]
        table = side.get("zero_cost")
        if table is not None and not isinstance(table, pd.DataFrame):
            raise ValueError("zero_cost for a proxy predictor must be a DataFrame of scores")
        if table is None or self.proxy_ not in table.columns or not self._same_settings(table):
            table = self._packaged()
        if table is not None and self.proxy_ in table.columns:
            rows = table.index.get_indexer(keys)
            if (rows >= 0).all():
                from nasperf.encodings.zero_cost import recorded_seconds

                self.zero_cost_source_ = "table"
                self.zero_cost_seconds_per_arch_ = recorded_seconds(table, [self.proxy_])
                return table[self.proxy_].to_numpy(dtype=np.float64)[rows]
        self.zero_cost_source_ = "computed"
        # computed here: a study charges the seconds recorded with the scores (computed now
        # or read from the cache), through nasperf.zero_cost.charges, not this table's
        self.zero_cost_seconds_per_arch_ = 0.0
        from nasperf.zero_cost.compute import compute

        computed = compute(
            self.space_,
            archs,
            [self.proxy_],
            self.dataset,
            batch_size=self.batch_size,
            seed=self.seed,
            device=self.device,
            cache=self.cache,
            network_kwargs=self.network_kwargs,
            inputs=self.inputs,
        )
        self.reasons_ = {a: r[self.proxy_] for a, r in computed.attrs["reasons"].items()}
        return computed[self.proxy_].reindex(keys).to_numpy(dtype=np.float64)

    def _same_settings(self, table: pd.DataFrame) -> bool:
        """Whether ``table``'s scores were computed as this predictor would compute them,
        where the table says how it was made (``attrs["settings"]``: the packaged tables):
        the batch size, seed and network arguments it records, else the defaults (64, 0,
        none: NASLib's stored tables record none of them), on the packaged images (no
        ``inputs``). A table without ``settings`` (a user's, e.g. a study's
        ``zero_cost_table``) is the caller's word."""
        settings = table.attrs.get("settings") if isinstance(table.attrs, dict) else None
        if not isinstance(settings, Mapping):
            return True
        return (
            settings.get("batch_size", 64) == self.batch_size
            and settings.get("seed", 0) == self.seed
            and dict(settings.get("network_kwargs") or {}) == dict(self.network_kwargs or {})
            and self.inputs is None
        )

    def _packaged(self) -> pd.DataFrame | None:
        """The packaged table of the space and task, where it was computed with this
        predictor's settings (:meth:`_same_settings`)."""
        from nasperf.datasets import load_zero_cost

        try:
            table = load_zero_cost(
                self.space_.name, str(self.space_.network_task(self.dataset).name)
            )
        except LookupError:
            return None
        return table if self._same_settings(table) else None

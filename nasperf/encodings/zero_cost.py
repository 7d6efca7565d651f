"""Zero-cost proxy scores as features (from a precomputed table)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasperf.spaces import GraphBatch

from .base import ENCODINGS, Encoder

#: Columns of NAS-Bench-Suite-Zero style tables that are not proxy scores.
NON_PROXY_COLUMNS = frozenset(
    {"val_accuracy", "naslib_key", "dataset", "arch", "space", "nan_reasons"}
)


@ENCODINGS.register("zero_cost", "zc")
class ZeroCostFeatures(Encoder):
    """Zero-cost proxy scores of each architecture, looked up in a table.

    The table is what :func:`nasperf.read_naslib_zc` returns for NAS-Bench-Suite-Zero style
    JSON (or any DataFrame indexed by the space's architecture text, one column per proxy).
    Concatenate with other encodings through ``nasperf.encodings.get([...])`` or
    ``sklearn.pipeline.FeatureUnion``; White et al. and NAS-Bench-Suite-Zero found proxy
    scores to be among the most useful extra features of model-based predictors.

    Parameters
    ----------
    space : str or SearchSpace
    table : pandas.DataFrame
        Index: architecture text (``space.to_string``); columns: proxy scores.
    proxies : list of str, optional
        Columns to use; default every numeric column that is not a label or bookkeeping
        column (``val_accuracy``, ``naslib_key``, ``*_time``, ...).
    dataset : str, optional
        With a ``dataset`` column in ``table``, use only that dataset's rows.

    References
    ----------
    Krishnakumar et al., "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies",
    NeurIPS 2022 Datasets and Benchmarks.
    """

    def __init__(
        self,
        *,
        space=None,
        table: pd.DataFrame | None = None,
        proxies: list[str] | None = None,
        dataset: str | None = None,
    ) -> None:
        super().__init__(space=space)
        self.table = table
        self.proxies = proxies
        self.dataset = dataset

    def _fit(self, batch: GraphBatch, archs: list) -> None:
        if not isinstance(self.table, pd.DataFrame):
            raise ValueError(
                "ZeroCostFeatures needs table=, a DataFrame of proxy scores indexed by "
                "architecture text (e.g. from nasperf.read_naslib_zc)"
            )
        table = self.table
        if self.dataset is not None:
            if "dataset" not in table.columns:
                raise ValueError("dataset= was given but the table has no 'dataset' column")
            keep = table["dataset"].astype(str).str.lower() == str(self.dataset).lower()
            if not keep.any():
                raise ValueError(
                    f"no rows for dataset {self.dataset!r}; the table has "
                    f"{sorted(table['dataset'].astype(str).unique())}"
                )
            table = table[keep]
        elif "dataset" in table.columns and table["dataset"].nunique() > 1:
            raise ValueError(
                "the table holds several datasets "
                f"{sorted(table['dataset'].astype(str).unique())}; choose one with dataset="
            )
        if self.proxies is None:
            proxies = [
                c
                for c in table.columns
                if c not in NON_PROXY_COLUMNS
                and not str(c).endswith("_time")
                and pd.api.types.is_numeric_dtype(table[c])
            ]
        else:
            proxies = list(self.proxies)
            missing = [p for p in proxies if p not in table.columns]
            if missing:
                raise ValueError(
                    f"proxies {missing} are not in the table; it has {list(table.columns)}"
                )
        if not proxies:
            raise ValueError("the table has no proxy columns")
        if table.index.has_duplicates:
            dup = table.index[table.index.duplicated()][0]
            raise ValueError(f"architecture {dup!r} appears twice in the table")
        self.proxies_ = proxies
        self.lookup_ = table[proxies].astype(np.float32)

    def _transform(self, batch: GraphBatch, archs: list) -> np.ndarray:
        keys = [self.space_.to_string(a) for a in archs]
        rows = self.lookup_.index.get_indexer(keys)
        if (rows < 0).any():
            missing = [k for k, r in zip(keys, rows, strict=True) if r < 0]
            raise ValueError(
                f"{len(missing)} architecture(s) have no proxy scores in the table, e.g. "
                f"{missing[0]!r}"
            )
        return self.lookup_.to_numpy()[rows]

    def _feature_names(self) -> list[str]:
        return [f"zc_{p}" for p in self.proxies_]

"""NAS-Bench-Suite-Zero's trained NB101 and NB301 cells as tabular benchmarks: ``nb101``, ``nb301``.

NASLib's zero-cost release (Krishnakumar et al., NAS-Bench-Suite-Zero) ships, beside the
proxy scores of NAS-Bench-201 and TransNAS-Bench-101, a development set of 50 NAS-Bench-101
cells and 50 DARTS (NAS-Bench-301) genotypes on CIFAR-10, each with the validation accuracy
of a trained network and NASLib's scores of 11 zero-cost proxies. They are the only *trained*
NB101 / NB301 architectures the package has (the ``nb301_surrogate`` benchmark's labels are
surrogate predictions), so they make two small tasks of their own: proxy correlations on 50
architectures, and predictors with at most a few dozen training architectures.

Columns (dataset ``cifar10``)
-----------------------------
index ``arch``
    The space's architecture text (NB101: JSON of the pruned matrix and operations; NB301:
    the DARTS genotype).
``naslib_key`` (str)
    The key as NASLib wrote it (NB101: flattened 7x7 matrix then 7 op codes; NB301: the
    (input, op) pairs of the normal and reduction cells).
``val_accuracy`` (float64, %)
    Validation accuracy of the trained network (NB101: after 108 epochs; NB301: after
    NAS-Bench-301's full training schedule).
``mflops``, ``mparams`` (float64)
    FLOPs and parameters (millions) as NASLib counted them.

NASLib's 11 proxy scores are the packaged zero-cost tables ``load_zero_cost("nb101",
"cifar10")`` and ``load_zero_cost("nb301", "cifar10")``.

References
----------
Krishnakumar et al., "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies",
NeurIPS 2022 Datasets and Benchmarks. Ying et al., "NAS-Bench-101: Towards Reproducible
Neural Architecture Search", ICML 2019. Siems et al., "Surrogate NAS Benchmarks: Going Beyond
the Limited Search Spaces of Tabular NAS Benchmarks", ICLR 2022.
"""

from __future__ import annotations

from .benchmark import Fidelity, PackagedBenchmark, register_benchmark

__all__ = ["NBSUITE_ZERO_COLUMNS", "NBSUITE_ZERO_SPACES"]

#: Spaces with a 50-architecture development set in NASLib's release (file stems).
NBSUITE_ZERO_SPACES: tuple[str, ...] = ("nb101", "nb301")
NBSUITE_ZERO_COLUMNS: tuple[str, ...] = ("naslib_key", "val_accuracy", "mflops", "mparams")

#: Fidelity name and epochs of each target (NB301's schedule is not recorded in the file).
_FIDELITY = {"nb101": ("108ep", 108), "nb301": ("final", None)}

for _space in NBSUITE_ZERO_SPACES:
    register_benchmark(
        PackagedBenchmark(
            name=_space,
            space=_space,
            files={"cifar10": f"nbsuite_zero/{_space}_cifar10.parquet"},
            fidelities=(
                Fidelity(
                    _FIDELITY[_space][0],
                    "val_accuracy",
                    _FIDELITY[_space][1],
                    "validation accuracy of the trained network (NASLib's NAS-Bench-Suite-Zero "
                    "development set)",
                ),
            ),
            dataset_aliases={"cifar-10": "cifar10"},
            columns=NBSUITE_ZERO_COLUMNS,
            n_rows=50,
        ),
        f"{_space}_suite_zero",
    )

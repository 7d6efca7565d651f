"""Other names of the packaged benchmarks' datasets, by search space.

A leaf module: :mod:`~nasperf.datasets.benchmark` builds its benchmarks with these tables and
:mod:`~nasperf.datasets.zero_cost_tables` reads them to resolve a dataset name the same way
(``load_zero_cost("nb201", "imagenet")``) without importing the benchmarks, which import it.
Keys are lower case; values are canonical dataset names.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["NB201_DATASET_ALIASES", "NBGRAPH_DATASET_ALIASES", "packaged_dataset"]

NB201_DATASET_ALIASES = MappingProxyType(
    {"cifar10-valid": "cifar10", "imagenet16": "ImageNet16-120", "imagenet": "ImageNet16-120"}
)
NBGRAPH_DATASET_ALIASES = MappingProxyType(
    {
        "ogbn-arxiv": "arxiv",
        "ogbn-proteins": "proteins",
        "coauthor-cs": "cs",
        "coauthor-physics": "physics",
        "amazon-photo": "photo",
        "amazon-computers": "computers",
    }
)
_BY_SPACE = {
    "nb201": NB201_DATASET_ALIASES,
    "nbgraph": NBGRAPH_DATASET_ALIASES,
    "nbgraph-proteins": MappingProxyType({"ogbn-proteins": "proteins"}),
}


def packaged_dataset(space: str, dataset: str) -> str:
    """``dataset`` as the packaged benchmark of ``space`` (a lower-case space name) names it
    where it is one of that benchmark's aliases (any case, blanks around it ignored), else
    ``dataset`` unchanged."""
    return _BY_SPACE.get(space, {}).get(dataset.strip().lower(), dataset)

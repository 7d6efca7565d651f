"""What ``nasperf info`` prints, precomputed so that the command starts in a blink.

Listing the registered spaces, encodings, proxies, search methods and predictors means
importing every one of them (torch, scikit-learn, XGBoost, ...: seconds). The lists are
facts of the installed package, so they are collected once from the live registries into
``catalog.json`` beside this module (``python -m nasperf._catalog``), and ``nasperf info`` prints that file. A test
(``tests/test_startup.py``) compares the file with the live registries, so it cannot go
stale unnoticed; if the file is missing or malformed, ``info`` collects live.
"""

from __future__ import annotations

import json
from pathlib import Path

CATALOG = Path(__file__).with_name("catalog.json")

#: the catalog's keys, in the order ``nasperf info`` prints them
SECTIONS: tuple[str, ...] = (
    "search spaces",
    "benchmarks",
    "zero-cost tables",
    "learning-curve sources",
    "encodings",
    "zero-cost proxies",
    "search methods",
    "pre-trained checkpoints",
    "predictors",
)


def _predictor_line(name: str) -> str:
    from nasperf import predictors

    req = predictors.PREDICTORS.get(name).requirements
    needs = ", ".join(
        [
            *req.side_information,
            *(["images", "supernet training"] if req.network_training else []),
            *(["no labels"] if not req.labels else []),
        ]
    )
    uses = ", ".join(k for k in req.accepted if k not in req.side_information)
    notes = ([f"needs {needs}"] if needs else []) + ([f"uses {uses} if given"] if uses else [])
    summary = _summary(predictors.PREDICTORS.get(name).__doc__)
    return name + (f" ({'; '.join(notes)})" if notes else "") + (f": {summary}" if summary else "")


def _summary(doc: str | None) -> str:
    """A docstring's first paragraph on one line, without reST's double back-quotes."""
    first = (doc or "").strip().split("\n\n")[0]
    return " ".join(first.replace("``", "").split())


def collect() -> dict[str, list[str]]:
    """The catalog from the live registries (imports every registered member)."""
    from nasperf import datasets, encodings, predictors, pretrained, search, spaces, zero_cost

    return {
        "search spaces": spaces.SPACES.names(aliases=False),
        "benchmarks": list(datasets.available_benchmarks()),
        "zero-cost tables": [f"{s}/{d}" for s, d in datasets.available_zero_cost()],
        "learning-curve sources": list(datasets.available_curve_sources()),
        "encodings": encodings.ENCODINGS.names(aliases=False),
        "zero-cost proxies": list(zero_cost.available()),
        "search methods": list(search.available()),
        "pre-trained checkpoints": list(pretrained.available().index),
        "predictors": [_predictor_line(name) for name in predictors.available()],
    }


def read(path: Path = CATALOG) -> dict[str, list[str]] | None:
    """The stored catalog, or ``None`` when the file is missing or not a catalog."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(data, dict)
        and set(data) == set(SECTIONS)
        and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values())
    )
    return data if ok else None


def lines(catalog: dict[str, list[str]]) -> list[str]:
    """``nasperf info``'s output."""
    out = [f"{key}: {', '.join(catalog[key]) or 'none'}" for key in SECTIONS if key != "predictors"]
    return out + [f"predictor {line}" for line in catalog["predictors"]]


def write(path: Path = CATALOG) -> None:
    """Collect the catalog live and store it (run after adding a registered member)."""
    path.write_text(json.dumps(collect(), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {CATALOG}")

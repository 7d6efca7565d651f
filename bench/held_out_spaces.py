"""Held-out-style user spaces for ``bench/any_space.py``: NB201's cells without one operation.

nasperf's search defaults were set on NB201 and its sub-spaces. These spaces were added after
them to check the defaults the way a user's space would: NB201 cells without
``skip_connect`` and without ``nor_conv_3x3`` (``none`` allowed: 4,096 cells each), labelled
by the packaged NB201 table's 200-epoch validation accuracy on CIFAR-10, CIFAR-100 and
ImageNet16-120 (with each training seed's result, for the optimum section's resampling, and
the 12-epoch accuracy as the learning curve omni may read).

Importing this file registers the two spaces (``user_nb201_noskip``,
``user_nb201_noconv3``). Run as a script, it writes one CSV and one ``--user-space`` YAML file
per space and dataset (six) into a folder, and prints the two commands that measure them,
the searches (and how predictable each optimum is) and the predictors beside NB201's::

  python bench/held_out_spaces.py /tmp/held
  python bench/any_space.py $(for f in /tmp/held/*.yaml; do echo --user-space $f; done) \\
      --sections search,optimum --search-cases nb201_noskip_c10,... \\
      --search-methods predictor_local_search,bananas,npenas --workers 2
  python bench/any_space.py $(for f in /tmp/held/*.yaml; do echo --user-space $f; done) \\
      --sections predictors --cases nb201,nb201_noskip_c10,... --threads 1

The first search on each space and dataset computes the warm start's proxies for its 4,096
cells (about 5 min on one core; cached in ~/.cache/nasperf). The predictors command takes
about 20 min on one core (11 predictors, n = 100 and 1,000, 2 seeds, seven spaces).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nasperf.spaces import SPACES  # noqa: E402
from nasperf.spaces.nb201 import NB201_OPS  # noqa: E402
from tests.search.user_spaces import NB201SubSpace, SubCell  # noqa: E402

#: The operation each space leaves out, by the short name of its cases.
WITHOUT = {"noskip": "skip_connect", "noconv3": "nor_conv_3x3"}
#: NB201's datasets, by the short name of their cases.
DATASETS = {"c10": "cifar10", "c100": "cifar100", "in16": "ImageNet16-120"}
SEEDS = ["val_acc_200ep_seed0", "val_acc_200ep_seed1", "val_acc_200ep_seed2"]
#: The early-training column ``omni`` may read (the predictors section runs it with and
#: without); the searches read only the target.
CURVE = "val_acc_12ep"


@dataclass(frozen=True, slots=True)
class NoSkipCell(SubCell):
    """The operations of the 6 NB201 edges, none of them ``skip_connect``."""

    allowed: ClassVar[tuple[str, ...]] = tuple(o for o in NB201_OPS if o != "skip_connect")
    space: ClassVar[str] = "user_nb201_noskip"


@dataclass(frozen=True, slots=True)
class NoConv3Cell(SubCell):
    """The operations of the 6 NB201 edges, none of them ``nor_conv_3x3``."""

    allowed: ClassVar[tuple[str, ...]] = tuple(o for o in NB201_OPS if o != "nor_conv_3x3")
    space: ClassVar[str] = "user_nb201_noconv3"


class NB201NoSkipSpace(NB201SubSpace):
    """NB201 cells without ``skip_connect`` (4,096); text: the NB201 architecture string."""

    name = "user_nb201_noskip"
    ops = NoSkipCell.allowed
    arch_type = NoSkipCell


class NB201NoConv3Space(NB201SubSpace):
    """NB201 cells without ``nor_conv_3x3`` (4,096); text: the NB201 architecture string."""

    name = "user_nb201_noconv3"
    ops = NoConv3Cell.allowed
    arch_type = NoConv3Cell


for _cls in (NB201NoSkipSpace, NB201NoConv3Space):
    if _cls.name not in SPACES:
        SPACES.register(_cls.name)(_cls)


def write_cases(out: Path) -> list[Path]:
    """Write ``nb201_<space>_<dataset>.csv`` (the target, each seed's result and the
    12-epoch accuracy) and its ``--user-space`` YAML file for every space and dataset into
    ``out``; returns the YAML files."""
    from nasperf.datasets import load_benchmark

    out.mkdir(parents=True, exist_ok=True)
    files = []
    for tag, dataset in DATASETS.items():
        nb201 = load_benchmark("nb201", dataset)
        for short, dropped in WITHOUT.items():
            name = f"nb201_{short}_{tag}"
            columns = ["val_acc_200ep", *SEEDS, CURVE]
            table = nb201.loc[~nb201.index.str.contains(dropped), columns]
            table.index.name = "arch"
            table.to_csv(out / f"{name}.csv")
            spec = (
                f"name: {name}\n"
                f"imports: ['{Path(__file__).resolve()}']\n"
                f"space: user_nb201_{short}\n"
                f"data: {name}.csv\n"
                "target: val_acc_200ep\n"
                f"replicates: [{', '.join(SEEDS)}]\n"
                f"curves: [{CURVE}]\n"
                f"dataset: {dataset}\n"
                f'labels: "NB201 cells without {dropped}, {dataset}"\n'
            )
            (out / f"{name}.yaml").write_text(spec, encoding="utf-8")
            files.append(out / f"{name}.yaml")
    return files


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="the folder the CSV and YAML files go to")
    args = p.parse_args(argv)
    files = write_cases(args.out)
    cases = ",".join(f.stem for f in files)
    spaces = " ".join(f"--user-space {f}" for f in files)
    print(
        f"python bench/any_space.py {spaces} --sections search,optimum --search-cases {cases} "
        "--search-methods predictor_local_search,bananas,npenas --workers 2"
    )
    print(
        f"python bench/any_space.py {spaces} --sections predictors --cases nb201,{cases} "
        "--threads 1"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

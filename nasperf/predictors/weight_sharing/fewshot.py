"""Few-shot supernets (Zhao et al., 2021): the space split into regions, one supernet each."""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any, ClassVar

from sklearn.utils._param_validation import Interval

from nasperf._constraints import MAX_COUNT, ListOf
from nasperf.errors import short_repr

from .. import PREDICTORS
from .base import Stage, WeightSharingPredictor, region_product


@PREDICTORS.register("fewshot")
class FewShot(WeightSharingPredictor):
    """Score architectures with the sub-supernet of the region they fall in.

    A one-shot supernet is first trained along uniformly sampled single paths for
    ``epochs`` epochs (RS-WS). The space is then split on the decisions ``split`` (NB201:
    the operation of an edge): every combination of their values is a region, and each
    region gets a sub-supernet that starts from the one-shot weights and is trained for
    ``split_epochs`` more epochs on single paths sampled within its region only, so the
    operations of a split edge no longer share weights with each other. Every architecture
    lies in exactly one region (its values of the split decisions) and is scored with that
    sub-supernet's inherited weights. Training costs ``epochs + n_regions * split_epochs``
    epochs, and every region's sub-supernet is kept (in memory, in the checkpoint and in a
    saved predictor).

    The number of regions is the product of the split decisions' cardinalities, so it grows
    exponentially with ``split``: NB201's six edges make 15,625 regions (about 107 GB of
    sub-supernets at the benchmark's size), NB301's 24 decisions about 2.8e20. A study
    computes it when it is planned (:meth:`check_for_space`, from the space's
    :meth:`~nasperf.spaces.SearchSpace.supernet_decisions`), ``fit`` again before anything
    is built or trained, and both refuse more than :attr:`MAX_REGIONS` (64): Zhao et al.
    split one edge (5 regions on NB201, 7 on DARTS), and 64 still admits two split edges of
    either space (25 or 49 regions) but not three (125 or 343).

    Parameters
    ----------
    split : sequence of int or None
        Indices of the supernet's decisions to split on (``supernet.decision_names`` says
        what each is); None: the supernet's ``default_split`` (NB201: edge 1<-0, 5 regions).
        At most :attr:`MAX_REGIONS` regions (the product of their cardinalities).
    split_epochs : int or None
        Epochs per sub-supernet; None: ``epochs``.
    Others: see :class:`~nasperf.predictors.weight_sharing.base.WeightSharingPredictor`.

    Fitted attributes
    -----------------
    subnets_ : list of Supernet
        One per region, in :attr:`regions_` order.
    regions_ : list of tuple of int
        Values of the split decisions of each region.
    split_ : tuple of int
        The decisions split on.

    References
    ----------
    Zhao, Wang, Yang, Wei, Rao, Hu, Xiao & Fonseca, "Few-shot Neural Architecture Search",
    ICML 2021.
    """

    #: Most regions (sub-supernets) a ``split`` may make: see the class docstring. Each is
    #: one more supernet trained for ``split_epochs`` and kept, so the bound is on training
    #: time and memory alike.
    MAX_REGIONS: ClassVar[int] = 64

    # Decision indices and the number of regions they make depend on the supernet: checked
    # by check_for_space when a study is planned (for a space that tells its supernet's
    # decisions without building it) and at the start of fit (_check_space), before any
    # image is read or network trained.
    _parameter_constraints: ClassVar[dict] = {
        **WeightSharingPredictor._parameter_constraints,
        "split": [
            Interval(Integral, 0, None, closed="left"),
            ListOf(Interval(Integral, 0, MAX_COUNT, closed="both"), unique=True),
            None,
        ],
        "split_epochs": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        space: Any = None,
        dataset: str = "cifar10",
        images: Any = None,
        n_eval: int | None = None,
        epochs: int = 50,
        split: Any = None,
        split_epochs: int | None = None,
        batch_size: int = 64,
        lr: float = 0.025,
        momentum: float = 0.9,
        weight_decay: float = 3e-4,
        grad_clip: float = 5.0,
        augment: bool = True,
        network: dict | None = None,
        score: str = "accuracy",
        eval_batch_size: int = 256,
        checkpoint: Any = None,
        device: Any = "cpu",
        progress: bool = False,
        random_state: Any = None,
    ) -> None:
        super().__init__(
            space=space,
            dataset=dataset,
            images=images,
            n_eval=n_eval,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            grad_clip=grad_clip,
            augment=augment,
            network=network,
            score=score,
            eval_batch_size=eval_batch_size,
            checkpoint=checkpoint,
            device=device,
            progress=progress,
            random_state=random_state,
        )
        self.split = split
        self.split_epochs = split_epochs

    def _resolve_split(self) -> tuple[int, ...]:
        return self._split_of(self._probe(), self.space_.name)

    def _split_of(self, supernet: Any, space: str) -> tuple[int, ...]:
        """The decisions ``split`` names, checked against ``supernet`` (a built
        :class:`~nasperf.spaces.supernet.Supernet` or the
        :class:`~nasperf.spaces.SupernetDecisions` of space ``space``): distinct indices of
        its decisions that make at most :attr:`MAX_REGIONS` regions."""
        split = supernet.default_split if self.split is None else self.split
        if isinstance(split, Integral):
            split = (split,)
        try:
            out = tuple(int(i) for i in split)
        except (TypeError, ValueError):
            raise ValueError(f"split must be decision indices, got {self.split!r}") from None
        n = len(supernet.decisions)
        bad = [i for i in out if not 0 <= i < n]
        if bad or len(set(out)) != len(out) or not out:
            raise ValueError(
                f"split must be distinct decision indices in 0..{n - 1} of the "
                f"{space} supernet ({', '.join(supernet.decision_names)}), got "
                f"{short_repr(self.split)}"
            )
        # arithmetic on the cardinalities: the regions themselves are listed only below the
        # bound (all 24 NB301 decisions would be a list of 2.8e20 tuples)
        n_regions = math.prod(supernet.decisions[i] for i in out)
        if n_regions > self.MAX_REGIONS:
            default = math.prod(supernet.decisions[i] for i in supernet.default_split)
            raise ValueError(
                f"split={short_repr(self.split)} divides the {space} supernet into "
                f"{_count(supernet.decisions[i] for i in out)} regions, more than the "
                f"{self.MAX_REGIONS} of {type(self).__name__}.MAX_REGIONS (each region is one "
                "more supernet to train for split_epochs and to keep); split on fewer "
                f"decisions (Zhao et al. split one edge: split=None gives {default} regions)"
            )
        return out

    def check_for_space(self, space: Any) -> None:
        """Check ``split`` against the decisions of ``space``'s supernet where the space
        tells them without building one (:meth:`~nasperf.spaces.SearchSpace.supernet_decisions`:
        NB201, NB301), as ``fit`` does with the built supernet; nothing for a space without
        a supernet (the study skips or refuses the predictor there) or one that cannot tell
        (``fit`` checks).

        Raises
        ------
        ValueError
            ``split`` names no decision of the supernet, or makes more than
            :attr:`MAX_REGIONS` regions (the message names both and the count).
        """
        from nasperf.spaces import resolve_space

        space = resolve_space(space)
        if not space.has_supernet:
            return
        decisions = space.supernet_decisions(**(self.network or {}))
        if decisions is not None:
            self._split_of(decisions, space.name)

    def _check_space(self) -> None:
        super()._check_space()
        # the probe of an earlier fit may be of another space or network size
        self.__dict__.pop("_probe_net", None)
        self._resolve_split()

    def _probe(self):
        if not hasattr(self, "_probe_net"):
            self._probe_net = self._new_net(0)
        return self._probe_net

    def _regions(self) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
        split = self._resolve_split()
        cards = [self._probe().decisions[i] for i in split]
        return split, region_product(cards)

    def _stages(self) -> list[Stage]:
        split, regions = self._regions()
        extra = int(self.epochs if self.split_epochs is None else self.split_epochs)
        stages = [Stage("supernet", int(self.epochs))]
        for region in regions:
            label = ",".join(f"{d}={v}" for d, v in zip(split, region, strict=True))
            stages.append(
                Stage(
                    f"region {label}",
                    extra,
                    fixed=dict(zip(split, region, strict=True)),
                    init_from="supernet",
                )
            )
        return stages

    def _keep(self, results: dict[str, dict]) -> None:
        self.split_, self.regions_ = self._regions()
        stages = self._stages()
        self.supernet_ = self._load_net(results["supernet"]["model"])
        self.subnets_ = [self._load_net(results[s.name]["model"]) for s in stages[1:]]
        if hasattr(self, "_probe_net"):
            del self._probe_net

    def _network_for(self, choice: tuple[int, ...]):
        region = [int(choice[i]) for i in self.split_]
        return self.subnets_[[list(r) for r in self.regions_].index(region)]

    def _build_modules(self) -> None:
        super()._build_modules()
        self.subnets_ = [self._new_net(0) for _ in self.regions_]


def _count(cardinalities) -> str:
    """The product of ``cardinalities`` for a message: exact below 1e12, else ``2.8e20``
    (from logarithms: the product may have more digits than ``str`` converts)."""
    cards = list(cardinalities)
    log10 = sum(math.log10(c) for c in cards)
    if log10 < 12:
        return f"{math.prod(cards):,}"
    exponent = math.floor(log10)
    mantissa = round(10 ** (log10 - exponent), 1)
    if mantissa >= 10:  # 9.96 rounds up to the next power
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f}e{exponent}"

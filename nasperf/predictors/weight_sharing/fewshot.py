"""Few-shot supernets (Zhao et al., 2021): the space split into regions, one supernet each."""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

from sklearn.utils._param_validation import Interval

from nasperf._constraints import ListOf

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
    epochs.

    Parameters
    ----------
    split : sequence of int or None
        Indices of the supernet's decisions to split on (``supernet.decision_names`` says
        what each is); None: the supernet's ``default_split`` (NB201: edge 1<-0, 5 regions).
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

    # Decision indices are bounded by the supernet, checked in fit (_resolve_split).
    _parameter_constraints: ClassVar[dict] = {
        **WeightSharingPredictor._parameter_constraints,
        "split": [
            Interval(Integral, 0, None, closed="left"),
            ListOf(Interval(Integral, 0, None, closed="left"), unique=True),
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
        probe = self._probe()
        split = probe.default_split if self.split is None else self.split
        if isinstance(split, int):
            split = (split,)
        try:
            out = tuple(int(i) for i in split)
        except (TypeError, ValueError):
            raise ValueError(f"split must be decision indices, got {self.split!r}") from None
        n = len(probe.decisions)
        bad = [i for i in out if not 0 <= i < n]
        if bad or len(set(out)) != len(out) or not out:
            raise ValueError(
                f"split must be distinct decision indices in 0..{n - 1} of the "
                f"{self.space_.name} supernet ({', '.join(probe.decision_names)}), got "
                f"{self.split!r}"
            )
        return out

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

"""Weight-sharing predictors: ``rsws`` (random single paths), ``oneshot`` (DARTS
relaxation), ``fewshot`` (a one-shot supernet split into sub-supernets).

``fit`` trains a supernet (:meth:`~nasperf.spaces.SearchSpace.build_supernet`) on images:
the predictor's initialisation cost (supernet training, no labels); ``predict`` scores an
architecture by its inherited weights on held-out images. :mod:`.base` holds the shared
machinery: data, training stages, seeded and resumable checkpoints, scoring.

Adding a member: subclass :class:`.base.WeightSharingPredictor` in one module here, return
its training stages from ``_stages()`` and register it with ``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)

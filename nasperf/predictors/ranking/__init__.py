"""Ranking predictors: ``pairwise`` (a learnt comparator, ReNAS / BRP-NAS style) and
``lambdarank`` (LightGBM with an NDCG objective).

They learn the order of architectures rather than their values: a pairwise or listwise loss
on labelled architectures; ``predict`` returns scores whose order is the prediction.

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass
carrying ``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)

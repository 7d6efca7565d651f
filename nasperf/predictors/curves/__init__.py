"""Learning-curve extrapolation: ``early_stop_acc`` / ``early_stop_loss``, ``sotl`` /
``sotle`` / ``sovl``, ``lce``, ``lce_m``, ``lcsvr``, ``lcpfn``.

They read a partial learning curve (the ``learning_curves`` side information:
:class:`nasperf.datasets.curves.LearningCurves`, e.g. the first 10 of 98 epochs) and predict
its final value. Most need no labels (``lcsvr`` learns from fully trained architectures).
:mod:`.base` is their base class (:class:`.base.CurvePredictor`); :mod:`.families` holds the
parametric curve families of LCE, :mod:`.prior` the curve prior that LC-PFN's network is
trained on and :mod:`.pfn_model` that network.

Adding a member: subclass :class:`.base.CurvePredictor` in one module here, implement
``_fit_curves`` / ``_predict_curves`` and register it with ``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)

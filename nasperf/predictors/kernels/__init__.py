"""Gaussian processes and kernel methods: ``gp``, ``sparse_gp``, ``var_sparse_gp``,
``gp_wl``, ``svr``, ``bayes_lin_reg``.

Model-based predictors with a kernel (or Bayesian linear) view of the encoding; most give a
predictive standard deviation (``has_uncertainty``), which Bayesian optimisation uses.
``gp_wl`` uses a Weisfeiler-Lehman graph kernel on the cells instead of a fixed encoding.
They need labelled architectures only; exact GPs scale cubically with the training set.

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass
(``_fit`` / ``_predict``, and ``_predict_std`` with ``has_uncertainty = True``) carrying
``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)

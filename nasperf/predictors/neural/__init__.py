"""Neural predictors on an encoding: ``mlp``, ``bananas``, ``dngo``, ``bohamiann``,
``nao``, ``seminas``.

Multi-layer perceptrons (and their Bayesian variants: an ensemble on path encodings,
Bayesian linear regression on learnt features, SGHMC) and encoder-predictor-decoder models
(NAO, SemiNAS, which also uses unlabelled architectures). They need labelled
architectures; training is seeded from ``random_state`` and runs on ``device``.

Adding a member: one module here with a :class:`~nasperf.predictors.Predictor` subclass
carrying ``@PREDICTORS.register("name")``; torch members also implement
``_build_modules()`` so that a saved predictor can rebuild its networks before loading the
weights (``nasperf.predictors._torch_utils`` has the shared training helpers).
"""

from nasperf.registry import _import_family

_import_family(__name__, __path__)

"""Graph neural network predictors: ``gcn``, ``bonas``, ``gin``, ``gates``.

They learn from the cells as graphs (the ``graph`` encoding: one
``torch_geometric.data.Data`` per architecture) with message passing, instead of a fixed
feature vector; zero-cost scores enter as graph-level inputs. They need labelled
architectures. :mod:`.gnn` holds the shared machinery (packing graphs into tensors once,
GNN encoders, losses, the training loop), also used by the ranking family's ``pairwise``.

Adding a member: subclass :class:`.gnn.GraphPredictor` in one module here, build the
network in ``_build_modules()`` and register it with ``@PREDICTORS.register("name")``.
"""

from nasperf.registry import _import_family

from .gnn import GraphBatch, GraphPredictor, GraphRegressor, make_encoder

_import_family(__name__, __path__)

__all__ = ["GraphBatch", "GraphPredictor", "GraphRegressor", "make_encoder"]

"""A checkpoint's recorded held-out metrics, recomputed from the data it was built on."""

from __future__ import annotations

import pytest

from nasperf.evaluation.metrics import evaluate


def assert_recorded_test_metrics(ckpt, data, build_script, min_tau: float) -> None:
    """Rebuild ``ckpt``'s split of ``data`` (``build_script``'s ``Data``) from the recorded
    seed, check that the test set is the recorded one (its sha256), and that the checkpoint's
    predictions on it give the recorded metrics; its Kendall tau must exceed ``min_tau`` and
    the split must leave the validation set out."""
    meta = ckpt.metadata
    info = meta["training_data"]
    train, _, test = build_script.split_indices(len(data.archs), 0.2, 0.1, info["split_seed"])
    archs = [data.archs[i] for i in test]
    assert build_script.labelled_sha256(archs, data.y[test]) == info["test_sha256"]
    got = evaluate(data.y[test], ckpt.predict(archs), ks=(10, 50))
    # trees predict the same on any x86-64 up to float summation order: 1e-6 on tau
    for key in ("kendall_tau", "spearman", "ndcg"):
        assert got[key] == pytest.approx(meta["metrics"]["test"][key], abs=1e-6)
    assert got["kendall_tau"] > min_tau and len(train) + len(test) < len(data.archs)

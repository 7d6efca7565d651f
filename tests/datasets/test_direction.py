"""Which way a user's target goes: the name check and the sign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasperf.datasets import looks_minimised, negate_columns, target_sign


@pytest.mark.parametrize(
    ("column", "word"),
    [
        ("val_loss", "loss"),
        ("train-losses", "losses"),
        ("top1_err", "err"),
        ("test-error-rate", "error"),
        ("latency_ms", "latency"),
        ("RMSE", "RMSE"),
        ("valid_nll", "nll"),
        ("loss2", "loss"),  # digits separate words
        ("val_acc", None),
        ("val_accuracy", None),
        ("terror", None),  # a word that merely contains one
        ("errand_count", None),
        ("flossing", None),
        # lower-is-better names a probe found maximised silently (the packaged HW-NAS-Bench
        # energies, the NB301 / LCBench surrogates' cross-entropy, camelCase)
        ("edgegpu_energy", "energy"),
        ("val_cross_entropy", "cross_entropy"),
        ("logloss", "logloss"),
        ("mape", "mape"),
        ("runtime", "runtime"),
        ("inference_time", "time"),
        ("valLoss", "Loss"),
        ("latencyMs", "latency"),
        ("score", None),
        ("y", None),
        ("timeless", None),
        # language and speech models' losses (a probe's val_bpc table had been maximised)
        ("val_bpc", "bpc"),
        ("val_bpb", "bpb"),
        ("bits_per_char", "bits_per_char"),
        ("bits-per-character", "bits-per-character"),
        ("bitsPerByte", "bits_Per_Byte"),
        ("val_wer", "wer"),
        ("test_WER", "WER"),
        ("cer", "cer"),
        ("val_ce", "ce"),
        ("ce_12ep", "ce"),
        ("val_ppl", "ppl"),
        # ... as whole words only: not inside another word
        ("price", None),
        ("face_count", None),
        ("val_acc_ce", "ce"),  # a word of its own, wherever it stands
        ("lower_bound", None),
        ("answer_len", None),
        ("certainty", None),
        ("bpcs", None),
        ("concern", None),
    ],
)
def test_looks_minimised_matches_whole_words(column, word) -> None:
    assert looks_minimised(column) == word


@pytest.mark.parametrize(
    ("column", "costly", "maximised"),
    [
        ("edgegpu_latency", "latency", None),
        ("energy_mj", "energy", None),
        ("flops", "flops", None),
        ("params_mb", "params", None),  # a model's size
        ("val_loss", None, None),  # a loss is minimised but is not a cost of the network
        ("top1_err", None, None),
        ("val_acc_200ep", None, "acc"),
        ("valid_perf", None, "valid_perf"),
        ("testAccuracy", None, "Accuracy"),
        ("score", None, None),
    ],
)
def test_costs_and_accuracies_by_name(column, costly, maximised) -> None:
    from nasperf.datasets.direction import looks_costly, looks_maximised

    assert looks_costly(column) == costly and looks_maximised(column) == maximised


def test_target_sign() -> None:
    assert target_sign("val_acc", None, where="w") == 1.0
    with pytest.warns(UserWarning, match="reads like a quantity to maximise"):
        assert target_sign("val_acc", False, where="w") == -1.0  # the user's word counts
    assert target_sign("val_loss", False, where="w") == -1.0
    assert target_sign("val_loss", True, where="w") == 1.0
    with pytest.warns(UserWarning, match="reads like a quantity to maximise"):
        assert target_sign(["acc_12ep", "acc"], np.bool_(False), where="w") == -1.0
    with pytest.raises(ValueError, match=r"^data\[0\]\.maximize: the target 'val_loss' looks"):
        target_sign("val_loss", None, where="data[0].maximize")
    # a cheaper fidelity named like a loss is refused too
    with pytest.raises(ValueError, match=r"'loss_12ep'.*--minimize ranks and searches by"):
        target_sign(["loss_12ep", "score"], None, where="w", spelling=("--minimize", "--max"))
    with pytest.raises(TypeError, match=r"w: expected true, false or null, got 'no'"):
        target_sign("val_acc", "no", where="w")
    with pytest.raises(TypeError, match="got 0"):
        target_sign("val_acc", 0, where="w")  # 0 is not False: say it


def test_negate_columns_copies_and_negates_only_the_named() -> None:
    table = pd.DataFrame({"loss": [0.5, 1.25], "secs": [3, 4]}, index=["a", "b"])
    out = negate_columns(table, ["loss", "loss"])
    assert out["loss"].tolist() == [-0.5, -1.25] and out["secs"].tolist() == [3, 4]
    assert table["loss"].tolist() == [0.5, 1.25]  # the caller's table is untouched


def test_an_accuracy_minimised_is_said() -> None:
    # maximize: false on an accuracy-named column had been accepted without a word
    with pytest.warns(
        UserWarning, match=r"'val_acc' reads like a quantity to maximise \(its name says 'acc'\)"
    ):
        assert target_sign("val_acc", False, where="data.maximize") == -1.0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert target_sign("val_err", False, where="data.maximize") == -1.0
        assert target_sign("val_acc", True, where="data.maximize") == 1.0


def test_a_language_model_table_of_bits_per_char_is_not_searched_for_its_worst() -> None:
    """A TableObjective on ``val_bpc`` with no direction had been maximised: the random
    search's best was the table's worst bpc (found by a probe of an NLP space)."""
    import nasperf
    from nasperf.search import TableObjective

    space = nasperf.get_space("nb201")
    archs = [space.to_string(a) for a in space.sample(5, seed=0)]
    table = pd.DataFrame({"val_bpc": np.linspace(1.2, 2.0, 5)}, index=archs)
    with pytest.raises(ValueError, match=r"the target 'val_bpc' looks like a quantity to mini"):
        TableObjective(table, "nb201", "val_bpc")
    values, _ = TableObjective(table, "nb201", "val_bpc", maximize=False).evaluate(archs[:2])
    assert values.tolist() == pytest.approx([-1.2, -1.4])  # read as minus the column

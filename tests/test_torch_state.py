"""nasperf._torch_state: torch's process-wide settings borrowed under one lock, given back."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from nasperf._torch_state import torch_state


def test_seeded_draws_match_manual_seed_and_the_callers_stream_is_restored():
    torch.manual_seed(0)
    expected = torch.rand(5)  # what torch.manual_seed(0) gives, the sites' old seeding
    torch.manual_seed(123)
    state = torch.get_rng_state()
    with torch_state(0):
        got = torch.rand(5)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert torch.equal(torch.get_rng_state(), state)


def test_unseeded_section_draws_from_the_callers_stream_but_restores_it():
    torch.manual_seed(5)
    state = torch.get_rng_state()
    with torch_state():
        torch.rand(100)
    assert torch.equal(torch.get_rng_state(), state)


def test_float32_default_inside_callers_dtype_and_threads_restored(float64_default):
    threads = torch.get_num_threads()
    other = 1 if threads != 1 else 2
    with torch_state(1, n_threads=other):
        assert torch.get_default_dtype() is torch.float32
        assert torch.get_num_threads() == other
        assert torch.zeros(1).dtype is torch.float32
        with torch_state(2):  # nested in one thread: no deadlock, settings kept
            assert torch.get_default_dtype() is torch.float32
            assert torch.get_num_threads() == other
        assert torch.get_default_dtype() is torch.float32
    assert torch.get_default_dtype() is torch.float64
    assert torch.get_num_threads() == threads


def test_restored_when_the_block_raises(float64_default):
    torch.manual_seed(9)
    state = torch.get_rng_state()
    with pytest.raises(KeyError), torch_state(3):
        torch.rand(3)
        raise KeyError("x")
    assert torch.get_default_dtype() is torch.float64
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode", "enabled"])
def test_autograd_turns_gradients_on_inside_and_gives_the_callers_modes_back(mode):
    block = {
        "no_grad": torch.no_grad,
        "inference_mode": torch.inference_mode,
        "enabled": torch.enable_grad,
    }[mode]
    with block():
        before = (torch.is_grad_enabled(), torch.is_inference_mode_enabled())
        with torch_state(0, autograd=True):
            assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
            w = torch.ones(3, requires_grad=True)
            (g,) = torch.autograd.grad((2 * w).sum(), w)
            assert not g.is_inference() and torch.equal(g, torch.full((3,), 2.0))
        assert (torch.is_grad_enabled(), torch.is_inference_mode_enabled()) == before
        with torch_state(0):  # without autograd: the caller's modes inside
            assert (torch.is_grad_enabled(), torch.is_inference_mode_enabled()) == before
    with pytest.raises(KeyError), torch.no_grad(), torch_state(autograd=True):
        raise KeyError("x")
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("bad", [0, -1, True])
def test_thread_count_must_be_positive(bad):
    with pytest.raises(ValueError, match="n_threads must be >= 1"), torch_state(n_threads=bad):
        pass


def test_cpu_devices_are_ignored_and_state_restored():
    torch.manual_seed(4)
    state = torch.get_rng_state()
    with torch_state(0, devices=[torch.device("cpu"), "cpu", None]):
        torch.rand(2)
    assert torch.equal(torch.get_rng_state(), state)


def test_sections_of_different_threads_do_not_overlap():
    # Each section seeds, sleeps (letting the other threads run) and draws: alone, the
    # draw is what its seed gives; interleaved sections would draw from another's seed.
    events: list[tuple[str, int]] = []
    draws: dict[int, torch.Tensor] = {}

    def work(seed: int) -> None:
        with torch_state(seed):
            events.append(("in", seed))
            time.sleep(0.02)
            draws[seed] = torch.rand(3)
            events.append(("out", seed))

    torch.manual_seed(77)
    state = torch.get_rng_state()
    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert torch.equal(torch.get_rng_state(), state)
    # every "in" is followed directly by its own "out"
    assert all(
        events[i][0] == "in" and events[i + 1] == ("out", events[i][1])
        for i in range(0, len(events), 2)
    ), events
    for seed, got in draws.items():
        torch.manual_seed(seed)
        torch.testing.assert_close(got, torch.rand(3), rtol=0, atol=0)
    torch.set_rng_state(state)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
@pytest.mark.parametrize("name", ["mlp", "gin"])
def test_a_fit_inside_a_callers_no_grad_block_trains_as_outside_it(name, mode):
    """``fit`` runs with gradients on and inference mode off (``with_autograd``) whatever
    the caller's block: every network-training predictor had ended in torch's "element 0 of
    tensors does not require grad". The predictions equal those of a fit outside the block
    (same process, same seed: bit for bit), and the caller's modes are its own afterwards."""
    import numpy as np

    import nasperf
    from nasperf import predictors

    table = nasperf.load_benchmark("nb201", dataset="cifar10").sample(60, random_state=0)
    archs, y = list(table.index), table["val_acc_200ep"].to_numpy()
    params = {"epochs": 5} if name == "mlp" else {"epochs": 3}

    def fitted() -> np.ndarray:
        pred = predictors.get(name, space="nb201", random_state=0, **params)
        return pred.fit(archs[:40], y[:40]).predict(archs[40:])

    expected = fitted()
    block = torch.no_grad() if mode == "no_grad" else torch.inference_mode()
    with block:
        got = fitted()
        assert not torch.is_grad_enabled()
        assert torch.is_inference_mode_enabled() == (mode == "inference_mode")
    np.testing.assert_array_equal(got, expected)
    assert np.unique(expected).size > 1  # a trained network, not a constant

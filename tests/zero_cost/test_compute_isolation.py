"""zero_cost.compute inside a caller's process: its default dtype, its threads, its own
process kind (a daemonic Pool worker), and nothing left running after the call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from nasperf.datasets import load_image_batch
from nasperf.spaces import NB201Space
from nasperf.zero_cost.compute import compute

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"channels": 8, "cells_per_stage": 1}
# weight-, gradient-, Jacobian- and Hessian-based proxies, and zen's own random inputs
PROXIES = ["synflow", "snip", "grad_norm", "jacov", "fisher", "grasp", "zen", "params"]


@pytest.fixture(scope="module")
def archs() -> list[str]:
    space = NB201Space()
    return [space.to_string(a) for a in space.sample(3, seed=5)]


def _compute(archs, proxies=PROXIES, **kw) -> pd.DataFrame:
    kw.setdefault("batch_size", 8)
    kw.setdefault("network_kwargs", SMALL)
    kw.setdefault("cache", None)
    return compute("nb201", archs, proxies, "cifar10", **kw)


def test_float64_default_dtype_gives_the_float32_scores(archs, request):
    expected = _compute(archs)
    request.getfixturevalue("float64_default")
    torch.manual_seed(8)
    state = torch.get_rng_state()
    # synflow had moved by 12 %: the networks were built (and drew their weights) in float64
    got = _compute(archs)
    # bitwise: the same float32 networks and batch, scored by the same operations
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert torch.get_default_dtype() is torch.float64
    assert torch.equal(torch.get_rng_state(), state)


def test_image_batch_is_float32_under_a_float64_default(float64_default):
    x, y = load_image_batch("cifar10", 8, seed=0)
    assert x.dtype is torch.float32  # was float64: the mean / std tensors took the default
    torch.set_default_dtype(torch.float32)
    x32, y32 = load_image_batch("cifar10", 8, seed=0)
    torch.testing.assert_close(x, x32, rtol=0, atol=0)
    assert torch.equal(y, y32)


def test_scores_computed_in_threads_match_sequential_and_keep_callers_rng(archs):
    expected = _compute(archs, ["synflow", "snip", "zen"])
    torch.manual_seed(99)
    state = torch.get_rng_state()
    threads = torch.get_num_threads()
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: _compute(archs, ["synflow", "snip", "zen"]), range(4)))
    for g in got:
        pd.testing.assert_frame_equal(g, expected, check_exact=True)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def _tqdm_monitors() -> set[threading.Thread]:
    from tqdm._monitor import TMonitor

    return {t for t in threading.enumerate() if isinstance(t, TMonitor) and t.is_alive()}


def test_no_progress_bar_and_no_monitor_thread_without_progress(archs, monkeypatch):
    import tqdm.auto

    made = []
    real = tqdm.auto.tqdm

    class Spy(real):
        def __init__(self, *args, **kwargs):
            made.append(kwargs.get("desc"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    before = _tqdm_monitors()
    _compute(archs, ["params"], progress=False)
    # a disabled tqdm still started its monitor thread, which outlived the call
    assert made == []
    assert _tqdm_monitors() <= before
    _compute(archs, ["params"], progress=True)
    assert made == ["proxies"]  # the spy sees the bar where one is asked for


_DAEMON_CHILD = """
import json, multiprocessing, sys, warnings


def child(out):
    from nasperf.spaces import NB201Space
    from nasperf.zero_cost.compute import compute

    space = NB201Space()
    archs = [space.to_string(a) for a in space.sample(2, seed=5)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df = compute("nb201", archs, ["params"], "cifar10", batch_size=8, cache=None,
                         network_kwargs={"channels": 8, "cells_per_stage": 1}, workers=2)
            result = {"params": df["params"].tolist()}
        except BaseException as err:
            result = {"error": f"{type(err).__name__}: {err}"}
    result["warnings"] = [[w.category.__name__, str(w.message)] for w in caught]
    result["daemon"] = multiprocessing.current_process().daemon
    with open(out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    proc = multiprocessing.get_context("spawn").Process(
        target=child, args=(sys.argv[1],), daemon=True
    )
    proc.start()
    proc.join(300)
    sys.exit(proc.exitcode)
"""


def test_workers_in_a_daemonic_process_fall_back_to_this_process(archs, tmp_path):
    script = tmp_path / "daemon_child.py"
    script.write_text(textwrap.dedent(_DAEMON_CHILD))
    out = tmp_path / "out.json"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, str(script), str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["daemon"] is True
    # was a raw AssertionError: "daemonic processes are not allowed to have children"
    assert "error" not in result, result
    expected = _compute(NB201Space().sample(2, seed=5), ["params"])["params"].tolist()
    np.testing.assert_array_equal(result["params"], expected)
    ours = [m for c, m in result["warnings"] if c == "UserWarning" and "daemonic" in m]
    assert len(ours) == 1, result["warnings"]
    assert "workers=2" in ours[0] and "this process" in ours[0]


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_compute_inside_no_grad_or_inference_mode_computes_and_caches_the_real_scores(
    archs, tmp_path, mode
):
    # under no_grad nwot and snip had been NaN ("does not depend on its weights") and
    # cached as such, so that later calls with gradients on read the NaN back
    proxies = ["nwot", "snip", "jacov", "synflow"]
    archs = archs[:2]  # the third's output does not depend on its input: jacov is NaN
    expected = _compute(archs, proxies)
    assert np.isfinite(expected.to_numpy()).all()
    cache = tmp_path / "zc.sqlite"
    with torch.no_grad() if mode == "no_grad" else torch.inference_mode():
        inside = _compute(archs, proxies, cache=cache)
        assert not torch.is_grad_enabled()
    pd.testing.assert_frame_equal(inside, expected, check_exact=True)  # one process
    # what the cache serves afterwards, with gradients on
    pd.testing.assert_frame_equal(_compute(archs, proxies, cache=cache), expected, check_exact=True)

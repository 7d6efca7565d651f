"""proxy_charges: the scores compute() returns inside a block are charged the seconds
recorded with them (measured now, or the cache's record of that measurement), each
(settings, architecture, proxy) once, whatever the cache held."""

from __future__ import annotations

import math

import pytest

from nasperf.spaces import NB201Space
from nasperf.zero_cost.charges import ProxyCharges, proxy_charges, record_computation
from nasperf.zero_cost.compute import compute

SMALL = {"channels": 8, "cells_per_stage": 1}

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def archs() -> list[str]:
    space = NB201Space()
    return [space.to_string(a) for a in space.sample(5, seed=11)]


def _compute(archs, cache, proxies=("synflow",), **kw):
    return compute(
        "nb201", archs, list(proxies), batch_size=4, network_kwargs=SMALL, cache=cache, **kw
    )


def test_a_cold_and_a_warm_cache_charge_the_same_recorded_seconds(archs, tmp_path):
    cache = tmp_path / "zc.sqlite"
    with proxy_charges() as cold:
        first = _compute(archs, cache)
    measured = first.attrs["seconds"]
    assert all(s > 0 for s in measured)
    # the charge is the seconds measured for each architecture, summed exactly ...
    assert cold.seconds_s == math.fsum(measured)
    assert cold.architectures == len(archs) and cold.unrecorded == 0
    # ... and they are sub-intervals of the call, whose wall-clock the block also keeps
    assert cold.wall_s >= cold.seconds_s
    with proxy_charges() as warm:
        again = _compute(archs, cache)
    # read from the cache: the same seconds, to the bit, not the lookup's milliseconds
    assert again.attrs["seconds"] == measured
    assert warm.seconds_s == cold.seconds_s
    assert warm.architectures == len(archs)


def test_each_architecture_and_proxy_is_charged_once(archs, tmp_path):
    cache = tmp_path / "zc.sqlite"
    recorded = _compute(archs, cache).attrs["seconds"]  # fills the cache
    with proxy_charges() as fit:
        _compute(archs[:3], cache)
        _compute(archs, cache)  # an ensemble's member asking again: three already charged
    assert fit.seconds_s == math.fsum(recorded)
    with proxy_charges(after=fit) as predict:
        _compute(archs[1:], cache)  # all charged in the fit block
    assert predict.seconds_s == 0.0 and predict.architectures == 0
    # outside any block nothing is collected, and a block nested in another reports to both
    _compute(archs, cache)
    with proxy_charges() as outer, proxy_charges() as inner:
        _compute(archs[:2], cache)
    assert outer.seconds_s == inner.seconds_s == math.fsum(recorded[:2])


def test_other_settings_are_another_computation(archs, tmp_path):
    cache = tmp_path / "zc.sqlite"
    with proxy_charges() as charges:
        a = _compute(archs[:2], cache, seed=0)
        b = _compute(archs[:2], cache, seed=1)  # other weights: computed, and charged, again
    assert charges.architectures == 4
    assert charges.seconds_s == math.fsum(a.attrs["seconds"] + b.attrs["seconds"])


def test_several_proxies_share_an_architectures_seconds(archs, tmp_path):
    cache = tmp_path / "zc.sqlite"
    with proxy_charges() as charges:
        both = _compute(archs[:1], cache, proxies=("synflow", "params"))
        _compute(archs[:1], cache, proxies=("synflow",))  # charged with the pair already
    (seconds,) = both.attrs["seconds"]
    assert charges.seconds_s == seconds
    # the other way round (an ensemble's xgb member with synflow, then omni): the second
    # record holds both computations, the first of which is charged already
    with proxy_charges() as charges:
        one = _compute(archs[1:2], tmp_path / "other", proxies=("synflow",))
        both = _compute(archs[1:2], tmp_path / "other", proxies=("synflow", "params"))
    assert both.attrs["seconds"][0] > one.attrs["seconds"][0]  # params computed, and added
    # s1 + ((s1 + s2) - s1): one rounding of a few seconds' float, ~1e-16 relative
    assert charges.seconds_s == pytest.approx(both.attrs["seconds"][0], rel=1e-12)


def test_add_charges_a_partly_charged_architecture_for_its_new_proxies_only():
    charges = ProxyCharges()
    charges.add("s", ["a", "b"], ["synflow", "params"], [2.0, math.nan], wall_s=0.5)
    assert charges.seconds_s == 2.0 and charges.unrecorded == 2  # "b" records no seconds
    # "a" again with flops: the record (5 s) covers the 2 s charged for synflow and params
    charges.add("s", ["a"], ["synflow", "params", "flops"], [5.0], wall_s=0.25)
    assert charges.seconds_s == 5.0 and charges.wall_s == 0.75
    # "a" with params and jacov: params was charged together with synflow, which this call
    # does not ask for, so the earlier charge does not split along its proxies: jacov gets
    # its equal share of the 6 s recorded, a half
    charges.add("s", ["a"], ["params", "jacov"], [6.0], wall_s=0.0)
    assert charges.seconds_s == 8.0
    # another settings key is another computation
    charges.add("t", ["a"], ["synflow"], [4.0], wall_s=0.0)
    assert charges.seconds_s == 12.0 and charges.architectures == 2  # "b" charged nothing


def test_record_computation_reports_only_to_open_blocks():
    record_computation("s", ["a"], ["synflow"], [1.0], 0.1)  # no block: nothing, no error
    with proxy_charges() as charges:
        record_computation("s", ["a"], ["synflow"], [1.0], 0.1)
    record_computation("s", ["b"], ["synflow"], [1.0], 0.1)  # closed: not collected
    assert (charges.seconds_s, charges.wall_s, charges.architectures) == (1.0, 0.1, 1)


def test_calls_that_overlap_in_time_count_their_wall_seconds_once():
    # threads that carry the block's context (copy_context, asyncio) ran compute side by
    # side: their wall seconds had been summed, 0.289 s against 0.118 s elapsed, and a
    # study's fit_time_s came out negative (found by a probe)
    charges = ProxyCharges()
    charges.add("s", ["a"], ["synflow"], [1.0], 3.0, start=10.0)  # [10, 13]
    charges.add("s", ["b"], ["synflow"], [1.0], 2.0, start=12.0)  # [12, 14]: 1 s shared
    charges.add("s", ["c"], ["synflow"], [1.0], 1.0, start=20.0)  # [20, 21]: apart
    charges.add("s", ["d"], ["synflow"], [1.0], 0.5, start=10.5)  # inside [10, 13]
    assert charges.wall_s == 5.0  # [10, 14] and [20, 21]
    charges.add("s", ["e"], ["synflow"], [1.0], 0.25)  # no start: added as it is
    assert charges.wall_s == 5.25 and charges.seconds_s == 5.0


def test_a_compute_call_that_raises_reports_nothing(archs, tmp_path):
    # its time stays in the caller's wall-clock: a predictor that catches the error spent it
    with proxy_charges() as charges, pytest.raises(ValueError):
        _compute(archs, tmp_path / "zc.sqlite", proxies=("no_such_proxy",))
    assert (charges.wall_s, charges.seconds_s, charges.architectures) == (0.0, 0.0, 0)

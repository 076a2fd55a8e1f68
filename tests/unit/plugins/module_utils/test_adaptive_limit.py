# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adaptive concurrency: halve on throttling, one more after enough successes, never more slots than allowed.

The threaded tests wait with bounded timeouts only; none depends on how threads are scheduled.
"""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import AdaptiveLimit
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import FakeClock

WAIT = 10.0  # the most a test waits for another thread; passing runs take milliseconds


def run_in_thread(target):
    """Start target in a thread; return (thread, result list) where the result lands."""
    result = []
    thread = threading.Thread(target=lambda: result.append(target()), daemon=True)
    thread.start()
    return thread, result


def test_starts_at_the_ceiling_unless_told_otherwise():
    assert AdaptiveLimit(8).current == 8
    assert AdaptiveLimit(8, start=3).current == 3
    assert AdaptiveLimit(8, floor=2, start=1).current == 2
    assert AdaptiveLimit(8, start=50).current == 8


@pytest.mark.parametrize("kwargs", [{"ceiling": 4, "floor": 0}, {"ceiling": 2, "floor": 3}, {"ceiling": 4, "increase_after": 0}])
def test_impossible_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        AdaptiveLimit(**kwargs)


def test_throttling_halves_down_to_the_floor():
    limit = AdaptiveLimit(10, floor=2)
    assert [limit.throttled() for _index in range(4)] == [5, 2, 2, 2]
    assert limit.current == 2
    assert AdaptiveLimit(3).throttled() == 1
    one = AdaptiveLimit(1)
    assert one.throttled() == 1


def test_successes_raise_by_one_after_n_in_a_row_up_to_the_ceiling():
    limit = AdaptiveLimit(4, start=2, increase_after=3)
    assert [limit.succeeded() for _index in range(3)] == [2, 2, 3]
    assert [limit.succeeded() for _index in range(3)] == [3, 3, 4]
    assert [limit.succeeded() for _index in range(6)] == [4] * 6
    assert limit.snapshot()["increases"] == 2


def test_a_throttle_restarts_the_count_of_successes():
    limit = AdaptiveLimit(8, start=4, increase_after=3)
    limit.succeeded()
    limit.succeeded()
    assert limit.throttled() == 2
    assert [limit.succeeded() for _index in range(3)] == [2, 2, 3]


def test_additive_increase_multiplicative_decrease_over_a_storm():
    limit = AdaptiveLimit(16, increase_after=2)
    for _index in range(3):
        limit.throttled()
    assert limit.current == 2
    for _index in range(10):
        limit.succeeded()
    assert limit.current == 7  # five increases of one, not a jump back to the ceiling


def test_cooldown_counts_the_throttles_of_one_burst_once():
    clock = FakeClock()
    limit = AdaptiveLimit(16, cooldown=1.0, clock=clock)
    assert [limit.throttled() for _index in range(5)] == [8, 8, 8, 8, 8]
    clock.now += 1.0
    assert limit.throttled() == 4
    assert limit.snapshot()["throttles"] == 6
    assert limit.snapshot()["decreases"] == 2


def test_slots_are_bounded_by_current_without_threads():
    limit = AdaptiveLimit(2)
    assert limit.acquire(timeout=0) and limit.acquire(timeout=0)
    assert not limit.acquire(timeout=0)
    assert limit.in_use == 2
    limit.release()
    assert limit.acquire(timeout=0)
    limit.release()
    limit.release()
    assert limit.in_use == 0
    with pytest.raises(RuntimeError):
        limit.release()


def test_slot_context_manager_releases_on_error_and_times_out():
    limit = AdaptiveLimit(1, name="vpc")
    with pytest.raises(KeyError):
        with limit.slot():
            assert limit.in_use == 1
            raise KeyError("boom")
    assert limit.in_use == 0
    with limit.slot():
        with pytest.raises(TimeoutError) as caught:
            with limit.slot(timeout=0.01):
                pass  # pragma: no cover - never entered
    assert "vpc" in str(caught.value) and "limit 1" in str(caught.value)
    assert limit.in_use == 0


def test_a_lower_limit_keeps_calls_in_flight_and_admits_new_ones_below_it():
    limit = AdaptiveLimit(4)
    for _index in range(4):
        assert limit.acquire(timeout=0)
    assert limit.throttled() == 2
    assert limit.in_use == 4  # nothing in flight is interrupted
    limit.release()
    limit.release()
    assert not limit.acquire(timeout=0)  # 2 in use, limit 2
    limit.release()
    assert limit.acquire(timeout=0)  # 1 in use < 2
    assert not limit.acquire(timeout=0)


def test_a_release_wakes_a_waiting_caller():
    limit = AdaptiveLimit(1)
    assert limit.acquire(timeout=0)
    thread, result = run_in_thread(lambda: limit.acquire(timeout=WAIT))
    limit.release()
    thread.join(WAIT)
    assert result == [True]
    assert limit.in_use == 1


def test_an_increase_wakes_a_waiting_caller():
    limit = AdaptiveLimit(2, start=1, increase_after=1)
    assert limit.acquire(timeout=0)
    thread, result = run_in_thread(lambda: limit.acquire(timeout=WAIT))
    assert limit.succeeded() == 2
    thread.join(WAIT)
    assert result == [True]
    assert limit.in_use == 2


def test_many_threads_never_hold_more_than_current_slots():
    limit = AdaptiveLimit(3, increase_after=1000)
    lock = threading.Lock()
    state = {"running": 0, "peak": 0, "done": 0, "over": 0}

    def worker():
        for _index in range(5):
            with limit.slot(timeout=WAIT):
                with lock:
                    state["running"] += 1
                    state["peak"] = max(state["peak"], state["running"])
                    state["over"] += state["running"] > limit.current
                time.sleep(0.001)
                with lock:
                    state["running"] -= 1
        with lock:
            state["done"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert state["done"] == 12
    assert state["over"] == 0
    assert 1 <= state["peak"] <= 3
    assert limit.snapshot()["peak_in_use"] <= 3
    assert limit.in_use == 0


def test_limit_changes_under_load_stay_within_floor_and_ceiling():
    limit = AdaptiveLimit(6, floor=2, increase_after=2)
    admitted_over = []
    lock = threading.Lock()

    def worker(index):
        for step in range(40):
            with limit.slot(timeout=WAIT):
                in_use, current = limit.in_use, limit.current
                with lock:
                    if not 2 <= current <= 6 or in_use > 6:
                        admitted_over.append((in_use, current))
            if (index + step) % 7 == 0:
                limit.throttled()
            else:
                limit.succeeded()

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads)
    assert admitted_over == []
    assert limit.in_use == 0
    assert 2 <= limit.current <= 6
    snapshot = limit.snapshot()
    assert snapshot["throttles"] > 0 and snapshot["peak_in_use"] <= 6


def test_snapshot_and_repr_show_the_state_for_logs():
    limit = AdaptiveLimit(8, name="workspace")
    limit.throttled()
    snapshot = limit.snapshot()
    assert {key: snapshot[key] for key in ("name", "current", "ceiling", "floor", "in_use")} == {
        "name": "workspace", "current": 4, "ceiling": 8, "floor": 1, "in_use": 0}
    assert repr(limit) == "AdaptiveLimit(workspace: 4 of 1..8, 0 in use)"

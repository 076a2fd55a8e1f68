# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The waiter polls with a doubling, capped interval until done, failed or out of time (fake clock)."""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter, WaitFailed, WaitTimeout
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import FakeClock


def make_waiter(timeout, clock, **kwargs):
    return Waiter(timeout, sleep=clock.sleep, clock=clock, **kwargs)


def poller(values, clock=None, cost=0.0):
    """Returns the values in turn, then the last one forever; each poll may take ``cost`` seconds."""
    state = {"calls": 0}

    def poll():
        index = min(state["calls"], len(values) - 1)
        state["calls"] += 1
        if clock is not None:
            clock.now += cost
        return values[index]
    poll.state = state
    return poll


def test_done_on_first_poll_does_not_sleep():
    clock = FakeClock()
    poll = poller(["SUCCESS"])
    assert make_waiter(60, clock).until("job", poll, lambda value: value == "SUCCESS") == "SUCCESS"
    assert clock.sleeps == []
    assert poll.state["calls"] == 1


def test_backoff_starts_at_initial_doubles_and_caps():
    clock = FakeClock()
    poll = poller(["RUNNING"] * 8 + ["SUCCESS"])
    value = make_waiter(600, clock).until("job", poll, lambda value: value == "SUCCESS")
    assert value == "SUCCESS"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]
    assert poll.state["calls"] == 9


def test_backoff_with_other_settings():
    clock = FakeClock()
    poll = poller(["x"] * 5 + ["done"])
    make_waiter(600, clock, initial=0.5, cap=3.0, factor=3.0).until("order", poll, lambda value: value == "done")
    assert clock.sleeps == [0.5, 1.5, 3.0, 3.0, 3.0]


def test_deadline_ends_the_wait_with_the_last_value():
    clock = FakeClock()
    poll = poller(["RUNNING"])
    with pytest.raises(WaitTimeout) as info:
        make_waiter(20, clock).until("job j1", poll, lambda value: False)
    # 1 + 2 + 4 + 8 = 15, then only the 5 seconds that remain, then one last poll
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 5.0]
    assert clock.now == 1020.0
    assert poll.state["calls"] == 6
    assert info.value.last == "RUNNING"
    assert info.value.what == "job j1"
    assert str(info.value) == "timed out after 20s waiting for job j1"


def test_the_value_polled_at_the_deadline_still_counts():
    clock = FakeClock()
    poll = poller(["RUNNING"] * 5 + ["SUCCESS"])
    assert make_waiter(20, clock).until("job", poll, lambda value: value == "SUCCESS") == "SUCCESS"
    assert clock.now == 1020.0


def test_slow_polls_use_up_the_time_too():
    clock = FakeClock()
    poll = poller(["RUNNING"], clock=clock, cost=4.0)
    with pytest.raises(WaitTimeout):
        make_waiter(10, clock).until("job", poll, lambda value: False)
    # poll (4s) sleep 1, poll (4s) sleep 1 -> 10s used: no sleep past the deadline
    assert clock.sleeps == [1.0, 1.0]
    assert poll.state["calls"] == 3
    assert sum(clock.sleeps) <= 10


def test_zero_timeout_polls_once():
    clock = FakeClock()
    poll = poller(["RUNNING"])
    with pytest.raises(WaitTimeout):
        make_waiter(0, clock).until("job", poll, lambda value: False)
    assert poll.state["calls"] == 1
    assert clock.sleeps == []


def test_failed_predicate_ends_the_wait_at_once():
    clock = FakeClock()
    poll = poller(["INIT", "RUNNING", "FAIL"])
    with pytest.raises(WaitFailed) as info:
        make_waiter(600, clock).until("job j1", poll, lambda value: value == "SUCCESS",
                                      lambda value: "the job failed" if value == "FAIL" else None)
    assert info.value.reason == "the job failed"
    assert info.value.last == "FAIL"
    assert str(info.value) == "job j1: the job failed"
    assert clock.sleeps == [1.0, 2.0]


def test_done_is_checked_before_failed():
    clock = FakeClock()
    value = make_waiter(600, clock).until("x", poller(["BOTH"]), lambda value: True, lambda value: "failed")
    assert value == "BOTH"


def test_poll_errors_propagate():
    clock = FakeClock()

    def poll():
        raise RuntimeError("read failed")
    with pytest.raises(RuntimeError, match="read failed"):
        make_waiter(600, clock).until("x", poll, lambda value: True)


def test_default_clock_and_sleep_are_real_functions():
    waiter = Waiter(5)
    backoff = waiter.backoff
    assert (backoff.initial, backoff.cap, backoff.factor, backoff.jitter) == (1.0, 10.0, 2.0, False)
    assert [backoff.delay(attempt) for attempt in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert callable(waiter.sleep) and callable(waiter.clock)

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.bandwidth.order_info: reading, waiting for all orders together, unknown orders, check mode."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _billing
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter
from ansible_collections.hwcloud.bandwidth.plugins.modules import order_info
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import FakeBilling, FakeClock


@pytest.fixture()
def clock(monkeypatch):
    """Waits run on a fake clock that only sleeping advances."""
    fake = FakeClock()
    monkeypatch.setattr(_billing, "Waiter", functools.partial(Waiter, sleep=fake.sleep, clock=fake))
    return fake


@pytest.fixture()
def run(run_on_client, clock):
    """Run the module with ``args`` against ``billing``; return (failed, result)."""

    def runner(billing, check_mode=False, **args):
        args = dict(dict(region="cn-north-4", access_key="AK", secret_key="SK"), **args)
        return run_on_client(order_info, billing, args, check_mode=check_mode)

    return runner


@pytest.mark.parametrize("check_mode", [False, True])
def test_reads_one_order_with_its_fields(run, check_mode):
    billing = FakeBilling(CS1=6)
    failed, result = run(billing, check_mode=check_mode, order_id="CS1")
    assert not failed
    assert result["changed"] is False
    assert result["orders"] == [{
        "order_id": "CS1", "status": "pending_payment", "status_code": 6, "order_type": 3,
        "service_type_code": "hws.service.type.vpc", "create_time": "2024-03-01T12:00:00Z", "payment_time": None,
        "pending_payment_end_time": None, "amount": 250.0, "official_amount": 300.0, "currency": "CNY",
        "product_spec_desc": "Bandwidth | 50 Mbit/s | CS1"}]
    assert billing.writes == []


def test_reads_many_in_the_given_order_each_once(run):
    billing = FakeBilling(A=5, B=3, C=4)
    failed, result = run(billing, order_ids=["C", "A", "C", " B "])
    assert not failed
    assert [(o["order_id"], o["status"]) for o in result["orders"]] == [
        ("C", "cancelled"), ("A", "completed"), ("B", "processing")]
    assert len(billing.reads()) == 3


def test_unknown_orders_are_all_named(run):
    billing = FakeBilling(A=5)
    failed, result = run(billing, order_ids=["X1", "A", "X2"])
    assert failed
    assert "X1" in result["msg"] and "X2" in result["msg"]
    assert "does not know orders X1, X2" in result["msg"]
    assert result["error"]["error_code"] == "CBC.30000010"
    assert [o["order_id"] for o in result["orders"]] == ["A"]


def test_one_unknown_order(run):
    failed, result = run(FakeBilling(), order_id="X1")
    assert failed
    assert result["msg"].startswith("read order X1 failed (HTTP 400, CBC.30000010)")


def test_other_errors_are_not_taken_for_unknown_orders(run):
    billing = FakeBilling(A=5)
    billing.fail("GET", HwCloudError("read order A", "Access denied.", status=403, error_code="CBC.0151"))
    failed, result = run(billing, order_id="A")
    assert failed
    assert "does not know" not in result["msg"]
    assert "CBC.0151" in result["msg"] and "What to do" in result["msg"]


def test_waits_for_all_orders_in_one_loop(run, clock):
    billing = FakeBilling(A=3, B=3)
    # The first read is the module's own; the wait's polls follow.
    billing.script = {"A": [3, 3, 5], "B": [3, 3, 3, 3, 5]}
    failed, result = run(billing, order_ids=["A", "B"], wait_until="completed", wait_timeout=60)
    assert not failed, result["msg"]
    assert [o["status"] for o in result["orders"]] == ["completed", "completed"]
    assert len(billing.reads("A")) == len(billing.reads("B")) == 5
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_no_wait_when_all_are_completed(run, clock):
    billing = FakeBilling(A=5, B=5)
    failed, result = run(billing, order_ids=["A", "B"], wait_until="completed")
    assert not failed
    assert len(billing.reads()) == 2
    assert clock.sleeps == []


def test_wait_fails_naming_the_cancelled_order(run, clock):
    billing = FakeBilling(A=3, B=6)
    billing.script = {"A": [3, 5], "B": [6, 4]}
    failed, result = run(billing, order_ids=["A", "B"], wait_until="completed")
    assert failed
    assert "cancelled: B" in result["msg"]
    assert "place the change again" in result["msg"]
    assert [o["status"] for o in result["orders"]] == ["completed", "cancelled"]
    assert clock.sleeps == []


def test_wait_times_out_naming_the_late_orders(run, clock):
    billing = FakeBilling(A=5, B=3)
    failed, result = run(billing, order_ids=["A", "B"], wait_until="completed", wait_timeout=7)
    assert failed
    message = result["msg"]
    assert message.startswith("timed out after 7s waiting for orders A, B to complete")
    assert "not completed: B (processing)" in message
    assert "raise wait_timeout" in message
    assert [o["status"] for o in result["orders"]] == ["completed", "processing"]
    assert sum(clock.sleeps) == pytest.approx(7)


def test_wait_in_check_mode_reads_only(run, clock):
    billing = FakeBilling(A=3)
    billing.script = {"A": [3, 5]}
    failed, result = run(billing, check_mode=True, order_id="A", wait_until="completed")
    assert not failed
    assert result["orders"][0]["status"] == "completed"
    assert billing.writes == []


@pytest.mark.parametrize("args, words", [
    (dict(order_id="A", order_ids=["B"]), "mutually exclusive"),
    (dict(), "one of the following is required"),
    (dict(order_ids=[]), "at least one order ID"),
    (dict(order_ids=["A", ""]), "must not be empty"),
    (dict(order_id="A", wait_until="completed", wait_timeout=0), "wait_timeout must be a positive"),
    (dict(order_id="A", wait_until="paid"), "value of wait_until must be one of"),
])
def test_invalid_options_fail_before_any_call(run, args, words):
    billing = FakeBilling(A=3)
    failed, result = run(billing, **args)
    assert failed
    assert words in result["msg"]
    assert billing.calls == []

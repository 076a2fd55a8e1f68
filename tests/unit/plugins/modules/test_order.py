# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.bandwidth.order: the idempotency table, check mode, diff, waiting and error messages."""

from __future__ import annotations

import functools

from types import SimpleNamespace

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _billing, _errors
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter
from ansible_collections.hwcloud.bandwidth.plugins.modules import order as order_module
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    CANCEL_PATH,
    PAY_PATH,
    FakeBilling,
    FakeClock,
)

SECRET = "unit-test-secret-key"


def instant_waits(monkeypatch):
    """Waits poll without pausing (the tests end them by the scripted statuses, never by time)."""
    monkeypatch.setattr(_billing, "Waiter", functools.partial(Waiter, sleep=lambda seconds: None))


@pytest.fixture()
def run(run_on_client):
    """Run the module with ``args`` against ``billing``; return (failed, result)."""

    def runner(billing, check_mode=False, diff=False, **args):
        args = dict(dict(region="cn-north-4", access_key="AK", secret_key=SECRET), **args)
        failed, result = run_on_client(order_module, billing, args, check_mode=check_mode, diff=diff)
        assert SECRET not in repr(result)
        return failed, result

    return runner


# status code -> (changed, error words) for each state; None error means success.
PAY = {6: (True, None), 3: (False, None), 5: (False, None), 4: (None, "is cancelled and cannot be paid"),
       1: (None, "pending approval"), 2: (None, "only an order pending payment can be paid"),
       9: (None, "to be confirmed")}
CANCEL = {6: (True, None), 4: (False, None), 3: (None, "already paid (processing)"),
          5: (None, "already paid (completed)"), 1: (None, "only an order pending payment can be cancelled"),
          2: (None, "only an order pending payment can be cancelled"),
          9: (None, "only an order pending payment can be cancelled")}
TABLE = [("paid", code) + PAY[code] for code in PAY] + [("cancelled", code) + CANCEL[code] for code in CANCEL]


@pytest.mark.parametrize("state, code, changed, words", TABLE)
def test_idempotency_table(run, state, code, changed, words):
    billing = FakeBilling(CS7=code)
    failed, result = run(billing, order_id="CS7", state=state)
    if words:
        assert failed
        assert words in result["msg"] and "CS7" in result["msg"]
        assert result["order"]["status_code"] == code
        assert "Traceback" not in result["msg"]
        assert billing.writes == []
    else:
        assert not failed, result["msg"]
        assert result["changed"] is changed
        assert len(billing.writes) == (1 if changed else 0)
        expected = {"paid": ("processing", "completed"), "cancelled": ("cancelled",)}[state]
        assert result["order"]["status"] in expected


@pytest.mark.parametrize("state, code, changed, words", TABLE)
def test_check_mode_never_writes(run, state, code, changed, words):
    billing = FakeBilling(CS7=code)
    failed, result = run(billing, check_mode=True, diff=True, order_id="CS7", state=state)
    assert billing.writes == []
    assert billing.orders["CS7"] == code
    assert failed == bool(words)
    if not words:
        assert result["changed"] is changed
        if changed:
            after = "processing" if state == "paid" else "cancelled"
            assert result["order"]["status"] == after
            assert result["diff"] == {"before": {"order_id": "CS7", "status": "pending_payment"},
                                      "after": {"order_id": "CS7", "status": after}}
        else:
            assert "diff" not in result


def test_pay_then_repeat(run):
    billing = FakeBilling(CS7=6)
    failed, first = run(billing, order_id="CS7", state="paid")
    failed_again, second = run(billing, order_id="CS7", state="paid")
    assert not failed and not failed_again
    assert first["changed"] is True and second["changed"] is False
    assert [w[1] for w in billing.writes] == [PAY_PATH]


def test_cancel_then_repeat_then_pay(run):
    billing = FakeBilling(CS7=6)
    assert run(billing, order_id="CS7", state="cancelled")[1]["changed"] is True
    assert run(billing, order_id="CS7", state="cancelled")[1]["changed"] is False
    failed, result = run(billing, order_id="CS7", state="paid")
    assert failed and "cancelled and cannot be paid" in result["msg"]
    assert [w[1] for w in billing.writes] == [CANCEL_PATH]


def test_diff_only_in_diff_mode(run):
    billing = FakeBilling(CS7=6)
    failed, result = run(billing, order_id="CS7", state="paid")
    assert not failed and "diff" not in result
    failed, result = run(FakeBilling(CS8=6), diff=True, order_id="CS8", state="paid")
    assert result["diff"]["before"]["status"] == "pending_payment"
    assert result["diff"]["after"]["status"] == "processing"


def test_wait_after_paying_until_completed(run, monkeypatch):
    billing = FakeBilling(CS7=6)
    # Reads: before paying, after paying, then the wait's polls.
    billing.script = {"CS7": [6, 3, 3, 5]}
    instant_waits(monkeypatch)
    failed, result = run(billing, order_id="CS7", state="paid", wait=True, wait_timeout=60)
    assert not failed, result["msg"]
    assert result["changed"] is True
    assert result["order"]["status"] == "completed"
    assert len(billing.writes) == 1


def test_wait_for_an_order_already_processing_changes_nothing(run, monkeypatch):
    billing = FakeBilling(CS7=3)
    billing.script = {"CS7": [3, 3, 5]}
    instant_waits(monkeypatch)
    failed, result = run(billing, order_id="CS7", state="paid", wait=True)
    assert not failed
    assert result["changed"] is False
    assert result["order"]["status"] == "completed"
    assert billing.writes == []


def test_no_wait_in_check_mode(run):
    billing = FakeBilling(CS7=6)
    failed, result = run(billing, check_mode=True, order_id="CS7", state="paid", wait=True)
    assert not failed
    assert len(billing.reads()) == 1


def test_wait_ends_when_the_order_is_cancelled(run, monkeypatch):
    billing = FakeBilling(CS7=3)
    billing.script = {"CS7": [3, 4]}
    instant_waits(monkeypatch)
    failed, result = run(billing, order_id="CS7", state="paid", wait=True)
    assert failed
    assert "cancelled: CS7" in result["msg"]
    assert result["order"]["status"] == "cancelled"


def test_unknown_order_is_named(run):
    failed, result = run(FakeBilling(), order_id="CS404", state="paid")
    assert failed
    assert "CS404" in result["msg"] and "CBC.30000010" in result["msg"]
    assert result["error"]["error_code"] == "CBC.30000010"
    assert result["order"] is None


@pytest.mark.parametrize("code, words", [
    ("CBC.99005003", "top up the account"),
    ("CBC.99003110", "passed its payment deadline"),
    ("CBC.99000088", "already in progress"),
    ("CBC.0151", "grant it BSS permissions"),
])
def test_billing_errors_become_advice(run, code, words):
    billing = FakeBilling(CS7=6)
    billing.fail("POST", HwCloudError("pay order CS7", "refused by billing", status=400 if code != "CBC.0151" else 403,
                                      error_code=code, request_id="req-1"))
    failed, result = run(billing, order_id="CS7", state="paid")
    assert failed
    message = result["msg"]
    assert message.startswith("pay order CS7 failed (HTTP ")
    assert code in message and words in message and "req-1" in message
    assert result["error"]["error_code"] == code
    assert result["order"]["status"] == "pending_payment"


def test_empty_order_id_fails_before_any_call(run):
    billing = FakeBilling(CS7=6)
    failed, result = run(billing, order_id="  ", state="paid")
    assert failed and "order_id must not be empty" in result["msg"]
    assert billing.calls == []


def test_state_is_required(run):
    failed, result = run(FakeBilling(CS7=6), order_id="CS7")
    assert failed and "state" in result["msg"]


# ---- several orders in one task (order_ids) -------------------------------------------------

def pays(billing):
    """The order IDs of the payment requests sent, in order."""
    return [body["order_id"] for method, path, body in billing.writes if path == PAY_PATH]


def test_order_ids_pays_only_the_order_that_needs_it(run):
    billing = FakeBilling(A=6, B=3)
    failed, result = run(billing, order_ids=["A", "B"], state="paid")
    assert not failed, result["msg"]
    assert result["changed"] is True
    assert pays(billing) == ["A"]
    assert [(o["order_id"], o["status"]) for o in result["orders"]] == [("A", "processing"), ("B", "processing")]
    assert "order" not in result
    assert "failures" not in result


def test_order_ids_all_already_paid_changes_nothing(run):
    billing = FakeBilling(A=5, B=3)
    failed, result = run(billing, diff=True, order_ids=["A", "B"], state="paid")
    assert not failed
    assert result["changed"] is False
    assert billing.writes == []
    assert "diff" not in result
    assert len(billing.reads()) == 2


def test_order_ids_cancels_each_once(run):
    billing = FakeBilling(A=6, B=4, C=6)
    failed, result = run(billing, order_ids=["A", "B", "C"], state="cancelled")
    assert not failed
    assert result["changed"] is True
    assert [body["order_id"] for _m, path, body in billing.writes if path == CANCEL_PATH] == ["A", "C"]
    assert [o["status"] for o in result["orders"]] == ["cancelled"] * 3
    failed, again = run(billing, order_ids=["A", "B", "C"], state="cancelled")
    assert not failed and again["changed"] is False
    assert len(billing.writes) == 2


@pytest.mark.parametrize("ids", [["A", "B"], ["B", "A"]])
def test_order_ids_one_failure_does_not_stop_the_other(run, ids):
    """Insufficient balance on A: B is still paid; the task fails naming A with code, message and advice."""
    billing = FakeBilling(A=6, B=6)
    original = billing._apply

    def apply(method, path, body, operation):
        if method == "POST" and body["order_id"] == "A":
            raise HwCloudError(operation, "Insufficient balance.", status=400, error_code="CBC.99005003",
                               request_id="req-A")
        return original(method, path, body, operation)

    billing._apply = apply
    failed, result = run(billing, order_ids=ids, state="paid")
    assert failed
    assert result["changed"] is True
    assert pays(billing) == ids  # each paid once, A refused
    statuses = {o["order_id"]: o["status"] for o in result["orders"]}
    assert statuses == {"A": "pending_payment", "B": "processing"}
    assert [o["order_id"] for o in result["orders"]] == ids
    message = result["msg"]
    assert message.startswith("1 of 2 orders failed: A (paid: B)")
    assert "[A] pay order A failed (HTTP 400, CBC.99005003): Insufficient balance" in message
    assert "top up the account" in message and "req-A" in message
    assert "[B]" not in message
    assert "Traceback" not in message
    assert [f["order_id"] for f in result["failures"]] == ["A"]
    assert result["failures"][0]["error"]["error_code"] == "CBC.99005003"
    assert "top up the account" in result["failures"][0]["msg"]


def test_order_ids_nothing_done_is_not_changed_even_when_failing(run):
    billing = FakeBilling(A=4, B=5)
    failed, result = run(billing, order_ids=["A", "B"], state="paid")
    assert failed
    assert result["changed"] is False
    assert billing.writes == []
    assert result["msg"].startswith("1 of 2 orders failed: A (already paid: B)")
    assert "is cancelled and cannot be paid" in result["msg"]
    assert result["failures"] == [{"order_id": "A", "error": None, "msg": result["failures"][0]["msg"]}]
    assert [o["status"] for o in result["orders"]] == ["cancelled", "completed"]


def test_order_ids_names_every_failed_order_and_reason(run):
    billing = FakeBilling(A=6, B=4, D=3)
    failed, result = run(billing, order_ids=["A", "B", "NOSUCH", "D"], state="cancelled")
    assert failed
    assert result["changed"] is True
    message = result["msg"]
    assert message.startswith("2 of 4 orders failed: NOSUCH, D (cancelled: A; already cancelled: B). ")
    assert "[NOSUCH] read order NOSUCH failed (HTTP 400, CBC.30000010)" in message
    assert "What to do: check the order ID" in message
    assert "[D] order D is already paid (processing) and cannot be cancelled" in message
    assert "resize the bandwidth back" in message
    assert [o["order_id"] for o in result["orders"]] == ["A", "B", "D"]
    assert [f["order_id"] for f in result["failures"]] == ["NOSUCH", "D"]
    assert result["failures"][0]["error"]["error_code"] == "CBC.30000010"
    assert result["failures"][1]["error"] is None


def test_check_mode_with_order_ids_writes_nothing(run):
    billing = FakeBilling(A=6, B=3, C=6)
    failed, result = run(billing, check_mode=True, diff=True, order_ids=["A", "B", "C"], state="paid")
    assert not failed
    assert billing.writes == []
    assert billing.orders == {"A": 6, "B": 3, "C": 6}
    assert result["changed"] is True
    assert [o["status"] for o in result["orders"]] == ["processing"] * 3
    assert result["diff"] == {
        "before": {"orders": [{"order_id": "A", "status": "pending_payment"},
                              {"order_id": "C", "status": "pending_payment"}]},
        "after": {"orders": [{"order_id": "A", "status": "processing"},
                             {"order_id": "C", "status": "processing"}]}}


def test_check_mode_with_order_ids_reports_failures_without_writing(run):
    billing = FakeBilling(A=6, B=4)
    failed, result = run(billing, check_mode=True, order_ids=["A", "B"], state="paid", wait=True)
    assert failed
    assert billing.writes == []
    assert result["changed"] is True
    assert result["msg"].startswith("1 of 2 orders failed: B (would be paid: A)")
    assert len(billing.reads()) == 2


def test_diff_with_order_ids_only_in_diff_mode(run):
    failed, result = run(FakeBilling(A=6, B=6), order_ids=["A", "B"], state="cancelled")
    assert not failed and "diff" not in result
    failed, result = run(FakeBilling(A=6, B=4), diff=True, order_ids=["A", "B"], state="cancelled")
    assert result["diff"] == {"before": {"orders": [{"order_id": "A", "status": "pending_payment"}]},
                              "after": {"orders": [{"order_id": "A", "status": "cancelled"}]}}


def test_duplicate_ids_are_handled_once(run):
    billing = FakeBilling(A=6, B=6)
    failed, result = run(billing, order_ids=["A", " A ", "B", "A", "B "], state="paid")
    assert not failed, result["msg"]
    assert pays(billing) == ["A", "B"]
    assert [o["order_id"] for o in result["orders"]] == ["A", "B"]
    # one read before paying and one after, per order
    assert len(billing.reads("A")) == 2 and len(billing.reads("B")) == 2


def test_a_lost_payment_answer_is_not_paid_again(run):
    """The first payment is applied but its answer is lost: the order is read, not paid twice."""
    billing = FakeBilling(A=6, B=6)
    billing.fail("POST", _errors.OutcomeUnknownError("pay order A", "the connection broke after the request was sent",
                                                     hint="read the state"), applied=True)
    failed, result = run(billing, order_ids=["A", "B"], state="paid")
    assert not failed, result["msg"]
    assert result["changed"] is True
    assert pays(billing) == ["A", "B"]
    assert [o["status"] for o in result["orders"]] == ["processing", "processing"]


def test_a_lost_payment_that_did_not_take_effect_is_paid_again_once(run):
    """The payment's answer is lost and the order still waits: paying is keyed by the order id, so it is sent again."""
    billing = FakeBilling(A=6)
    billing.fail("POST", _errors.OutcomeUnknownError("pay order A", "the connection broke after the request was sent",
                                                     hint="read the state"), applied=False)
    failed, result = run(billing, order_ids=["A"], state="paid")
    assert not failed, result["msg"]
    assert result["changed"] is True
    assert pays(billing) == ["A", "A"]
    assert [o["status"] for o in result["orders"]] == ["processing"]


def test_a_payment_lost_twice_fails_saying_it_may_yet_take_effect(run):
    billing = FakeBilling(A=6)
    # One pause of 150 s spends the wait budget of 120 s: the payment is sent twice, never a third time.
    billing.retry = SimpleNamespace(max_retries=1, pause=lambda attempt, retry_after=None: 150.0, throttle_budget=120.0)
    lost = _errors.OutcomeUnknownError("pay order A", "the connection broke after the request was sent", hint="read")
    billing.fail("POST", lost, applied=False)
    billing.fail("POST", lost, applied=False)
    failed, result = run(billing, order_ids=["A"], state="paid")
    assert failed and pays(billing) == ["A", "A"]
    assert "may yet take effect" in result["msg"]


@pytest.mark.parametrize("status, code", [(403, "CBC.0151"), (401, "APIGW.0301")])
def test_credential_errors_stop_before_the_other_orders(run, status, code):
    """The same refusal would hit every order (and repeated 401s lock the key): the rest is not tried."""
    billing = FakeBilling(A=6, B=6, C=6)
    billing.fail("GET", HwCloudError("read order A", "refused", status=status, error_code=code))
    failed, result = run(billing, order_ids=["A", "B", "C"], state="paid")
    assert failed
    assert result["changed"] is False
    assert len(billing.calls) == 1
    assert billing.writes == []
    message = result["msg"]
    assert message.startswith("3 of 3 orders failed: A, B, C")
    assert code in message
    assert "[B] not tried" in message and "[C] not tried" in message
    assert [f["order_id"] for f in result["failures"]] == ["A", "B", "C"]
    assert result["orders"] == []


def test_order_ids_wait_for_all_paid_orders_in_one_loop(run, monkeypatch):
    billing = FakeBilling(A=6, B=3, C=5, D=4)
    # A: read, read after paying, then the polls; B is already processing; C is done; D fails.
    billing.script = {"A": [6, 3, 3, 5], "B": [3, 3, 5]}
    instant_waits(monkeypatch)
    failed, result = run(billing, order_ids=["A", "B", "C", "D"], state="paid", wait=True, wait_timeout=60)
    assert failed
    assert result["changed"] is True
    assert pays(billing) == ["A"]
    assert [(o["order_id"], o["status"]) for o in result["orders"]] == [
        ("A", "completed"), ("B", "completed"), ("C", "completed"), ("D", "cancelled")]
    assert len(billing.reads("C")) == 1 and len(billing.reads("D")) == 1
    assert [f["order_id"] for f in result["failures"]] == ["D"]
    # A before and after paying, B, C and D once each; then every poll reads A and B together
    polls = [call[1][-1] for call in billing.reads()][5:]
    assert polls == ["A", "B", "A", "B"]


def test_order_ids_wait_goes_on_after_one_is_cancelled(run, monkeypatch):
    billing = FakeBilling(A=6, B=6)
    billing.script = {"A": [6, 3, 4], "B": [6, 3, 3, 3, 5]}
    instant_waits(monkeypatch)
    failed, result = run(billing, order_ids=["A", "B"], state="paid", wait=True, wait_timeout=60)
    assert failed
    assert result["changed"] is True
    assert [(o["order_id"], o["status"]) for o in result["orders"]] == [("A", "cancelled"), ("B", "completed")]
    assert [f["order_id"] for f in result["failures"]] == ["A"]
    assert "[A] order A was cancelled while waiting" in result["msg"]
    assert result["msg"].startswith("1 of 2 orders failed: A (paid: A, B)")


def test_order_ids_wait_timeout_names_the_late_orders(run, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(_billing, "Waiter", functools.partial(Waiter, sleep=clock.sleep, clock=clock))
    billing = FakeBilling(A=6, B=6)
    billing.script = {"A": [6, 3, 3, 5], "B": [6, 3]}
    failed, result = run(billing, order_ids=["A", "B"], state="paid", wait=True, wait_timeout=7)
    assert failed
    assert sum(clock.sleeps) == pytest.approx(7)
    assert [(o["order_id"], o["status"]) for o in result["orders"]] == [("A", "completed"), ("B", "processing")]
    assert [f["order_id"] for f in result["failures"]] == ["B"]
    assert "[B] order B is still processing after waiting 7s" in result["msg"]
    assert "raise wait_timeout" in result["msg"]


def test_order_ids_a_read_error_while_waiting_keeps_the_other_failures(run, monkeypatch):
    billing = FakeBilling(A=6, B=6, C=4)
    original = billing._apply
    gets = []

    def apply(method, path, body, operation):
        if method == "GET":
            gets.append(path)
            if len(gets) == 6:  # A, A, B, B, C, then the first poll
                raise HwCloudError(operation, "Service unavailable.", status=503, error_code="CBC.0999")
        return original(method, path, body, operation)

    billing._apply = apply
    instant_waits(monkeypatch)
    failed, result = run(billing, order_ids=["A", "B", "C"], state="paid", wait=True)
    assert failed
    assert result["changed"] is True
    assert pays(billing) == ["A", "B"]
    assert [f["order_id"] for f in result["failures"]] == ["C", "A", "B"]
    assert "[A] order A is paid, but reading it while waiting for it to complete failed" in result["msg"]
    assert "CBC.0999" in result["msg"] and "is cancelled and cannot be paid" in result["msg"]
    assert [o["status"] for o in result["orders"]] == ["processing", "processing", "cancelled"]


def test_no_wait_with_order_ids_in_check_mode(run):
    billing = FakeBilling(A=6, B=3)
    failed, result = run(billing, check_mode=True, order_ids=["A", "B"], state="paid", wait=True)
    assert not failed
    assert len(billing.reads()) == 2
    assert billing.writes == []


@pytest.mark.parametrize("args, words", [
    (dict(order_ids=[]), "order_ids is empty"),
    (dict(order_ids=["A", " "]), "must not hold an empty order ID"),
    (dict(order_id="A", order_ids=["B"]), "mutually exclusive"),
    (dict(), "one of the following is required: order_id, order_ids"),
    (dict(order_ids=["A"], wait=True, wait_timeout=0), "wait_timeout must be a positive"),
])
def test_bad_order_ids_fail_before_any_call(run, args, words):
    billing = FakeBilling(A=6, B=6)
    failed, result = run(billing, state="paid", **args)
    assert failed and words in result["msg"]
    assert billing.calls == []


def test_single_order_id_keeps_its_result_keys(run):
    billing = FakeBilling(A=6)
    failed, result = run(billing, order_id="A", state="paid")
    assert not failed
    assert result["order"]["status"] == "processing"
    assert result["orders"] == [result["order"]]

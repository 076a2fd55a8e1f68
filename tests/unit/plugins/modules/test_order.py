# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.bandwidth.order: the idempotency table, check mode, diff, waiting and error messages."""

from __future__ import annotations

import functools

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _billing, _module
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter
from ansible_collections.hwcloud.bandwidth.plugins.modules import order as order_module
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.test_billing import (
    CANCEL_PATH,
    PAY_PATH,
    FakeBilling,
)

SECRET = "unit-test-secret-key"


def instant_waits(monkeypatch):
    """Waits poll without pausing (the tests end them by the scripted statuses, never by time)."""
    monkeypatch.setattr(_billing, "Waiter", functools.partial(Waiter, sleep=lambda seconds: None))


class ModuleExit(Exception):
    def __init__(self, failed, result):
        super().__init__(result.get("msg"))
        self.failed = failed
        self.result = result


@pytest.fixture()
def run(monkeypatch):
    """Run the module with ``args`` against ``billing``; return (failed, result)."""

    def exit_json(_self, **result):
        raise ModuleExit(False, result)

    def fail_json(_self, msg, **result):
        raise ModuleExit(True, dict(result, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def runner(billing, check_mode=False, diff=False, **args):
        monkeypatch.setattr(_module, "HwCloudClient", lambda config: billing)
        args = dict(dict(region="cn-north-4", access_key="AK", secret_key=SECRET), **args)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                order_module.main()
        assert SECRET not in repr(caught.value.result)
        return caught.value.failed, caught.value.result

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

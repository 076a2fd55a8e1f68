# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spend limits: what auto_pay may pay, whatever the billing service answers."""

from __future__ import annotations

import threading

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Billing, SpendLimits
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError


class FakeOrders:
    """Orders with amounts; ``pay_answers`` scripts what each payment answers (an exception or None)."""

    def __init__(self, **amounts):
        self.orders = {order_id: {"order_id": order_id, "status": "pending_payment", "amount": amount,
                                  "official_amount": amount, "currency": "CNY"}
                       for order_id, amount in amounts.items()}
        self.pay_answers = {}
        self.paid = []
        self.applied = set()

    def get(self, order_id):
        return dict(self.orders[order_id])

    def pay(self, order_id):
        self.paid.append(order_id)
        answers = self.pay_answers.get(order_id) or []
        answer = answers.pop(0) if answers else None
        if isinstance(answer, tuple):  # (applied, exception): the payment may go through and still fail to answer
            applied, answer = answer
            if applied:
                self.orders[order_id]["status"] = "processing"
            raise answer
        if answer is not None:
            raise answer
        self.orders[order_id]["status"] = "processing"


def billing_with(orders):
    billing = Billing(client=None)
    billing.orders = orders
    return billing


def lost(order_id):
    return OutcomeUnknownError("pay order %s" % order_id, "connection reset", status=None)


def test_orders_within_the_limits_are_paid_and_counted():
    orders = FakeOrders(A=40.0, B=50.0)
    limits = SpendLimits(max_order=60, max_run=100)
    billing = billing_with(orders)
    assert billing.pay_within("A", limits)[1] is None
    assert billing.pay_within("B", limits)[1] is None
    assert orders.paid == ["A", "B"] and limits.spent == 90.0


@pytest.mark.parametrize("amounts, max_order, max_run, paid, words", [
    ({"A": 70.0}, 60, None, [], "order A costs 70.00 CNY, more than max_order_amount 60.00"),
    ({"A": 40.0, "B": 50.0}, None, 80, ["A"], "with the 40.00 CNY this run already paid that is more than "
                                              "max_run_amount 80.00"),
])
def test_an_order_over_a_limit_is_not_paid_and_says_why(amounts, max_order, max_run, paid, words):
    orders = FakeOrders(**amounts)
    limits = SpendLimits(max_order, max_run)
    billing = billing_with(orders)
    refusals = [billing.pay_within(order_id, limits)[1] for order_id in amounts]
    assert orders.paid == paid
    assert words in refusals[-1]
    assert orders.orders[list(amounts)[-1]]["status"] == "pending_payment"


def test_an_unreadable_amount_is_never_paid():
    orders = FakeOrders(A=None)
    order, refusal = billing_with(orders).pay_within("A", SpendLimits(max_order=1000))
    assert orders.paid == [] and "limits cannot be checked" in refusal and "no amount" in refusal


def test_a_lost_payment_answer_is_read_and_paid_again_only_while_pending():
    orders = FakeOrders(A=40.0, B=40.0)
    # A: the first payment was lost before it took effect; B: it took effect, only its answer was lost.
    orders.pay_answers = {"A": [lost("A")], "B": [(True, lost("B"))]}
    limits = SpendLimits(max_run=1000)
    billing = billing_with(orders)
    assert billing.pay_within("A", limits) == (dict(orders.orders["A"]), None)
    assert billing.pay_within("B", limits)[1] is None
    assert orders.paid == ["A", "A", "B"]
    assert {o["status"] for o in orders.orders.values()} == {"processing"}
    assert limits.spent == 80.0


def test_a_payment_whose_outcome_stays_unknown_counts_as_spent():
    from types import SimpleNamespace  # pylint: disable=import-outside-toplevel
    orders = FakeOrders(A=60.0, B=50.0)
    orders.pay_answers = {"A": [lost("A"), lost("A"), lost("A")]}
    limits = SpendLimits(max_run=100)
    # Pauses of 100 s against a wait budget of 120 s: the payment is sent three times, every answer lost.
    billing = Billing(SimpleNamespace(retry=SimpleNamespace(max_retries=1, pause=lambda attempt: 100.0,
                                                            throttle_budget=120.0)))
    billing.orders = orders
    order, refusal = billing.pay_within("A", limits)
    assert order["status"] == "pending_payment" and "it still waits for payment (counted as spent)" in refusal
    assert limits.spent == 60.0
    # B would pass 100 if A was paid: it is not paid.
    assert "max_run_amount" in billing.pay_within("B", limits)[1]
    assert orders.paid == ["A", "A", "A"]


def test_a_refused_payment_does_not_count():
    orders = FakeOrders(A=60.0, B=50.0)
    orders.pay_answers = {"A": [HwCloudError("pay order A", "insufficient balance", status=400,
                                             error_code="CBC.99005003")]}
    limits = SpendLimits(max_run=100)
    billing = billing_with(orders)
    with pytest.raises(HwCloudError):
        billing.pay_within("A", limits)
    assert limits.spent == 0.0
    assert billing.pay_within("B", limits)[1] is None


def test_after_a_lost_answer_a_status_change_means_the_first_payment_went_through():
    orders = FakeOrders(A=60.0)
    orders.pay_answers = {"A": [lost("A"), HwCloudError("pay order A", "status changed", status=400,
                                                        error_code="CBC.99003106")]}
    limits = SpendLimits(max_run=100)
    order, refusal = billing_with(orders).pay_within("A", limits)
    assert refusal is None and limits.spent == 60.0


def test_many_threads_never_pay_over_the_run_limit():
    orders = FakeOrders(**{"O%02d" % index: 10.0 for index in range(40)})
    limits = SpendLimits(max_run=95)
    billing = billing_with(orders)
    threads = [threading.Thread(target=billing.pay_within, args=(order_id, limits)) for order_id in orders.orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(orders.paid) == 9 and limits.spent == 90.0


def test_a_payment_throttled_past_the_retries_is_not_counted_and_says_so():
    """429 is answered by the gateway before the service sees the request: nothing was paid."""
    orders = FakeOrders(A=60.0, B=50.0)
    orders.pay_answers = {"A": [HwCloudError("pay order A", "throttled", status=429, error_code="APIGW.0308")]}
    limits = SpendLimits(max_run=100)
    billing = billing_with(orders)
    with pytest.raises(HwCloudError) as caught:
        billing.pay_within("A", limits)
    assert caught.value.status == 429 and limits.spent == 0.0
    assert orders.orders["A"]["status"] == "pending_payment"
    assert billing.pay_within("B", limits)[1] is None and limits.spent == 50.0


def test_a_lost_payment_is_sent_again_within_the_retry_budget_while_the_order_waits():
    from types import SimpleNamespace  # pylint: disable=import-outside-toplevel
    pauses = []
    client = SimpleNamespace(retry=SimpleNamespace(max_retries=3, pause=pauses.append, throttle_budget=120.0))
    billing = Billing(client)
    orders = FakeOrders(A=40.0)
    orders.pay_answers = {"A": [lost("A"), lost("A"), lost("A")]}
    billing.orders = orders
    limits = SpendLimits(max_run=100)
    order, refusal = billing.pay_within("A", limits)
    assert refusal is None and order["status"] == "processing"
    assert orders.paid == ["A"] * 4 and pauses == [0, 1, 2]
    assert limits.spent == 40.0

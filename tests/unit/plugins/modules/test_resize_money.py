# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Money before it is spent: prices in the plan, the amount of every order, and the spend limits of auto_pay.

The shared fake cloud prices a Mbit/s at 20.00 a month (yearly/monthly) or 0.05 an hour (pay-per-use),
and a change order at 10.00 per Mbit/s added.
"""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import resize, vpc_bandwidth
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import PENDING_PAYMENT
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.test_resize import (
    MIXED,
    args,
    by_id,
    fake_cloud,
    vpc,
    workspace,
)

pytestmark = pytest.mark.usefixtures("fake_time")


@pytest.fixture
def cloud(fake_http):
    return fake_cloud(fake_http, [
        workspace("ws-od", "wks-lab", 10),
        workspace("ws-pre", "wks-office", 20, prepaid=True),
    ], [
        vpc("vpc-od", "shared-ondemand", 50),
        vpc("vpc-pre", "shared-prepaid", 100, prepaid=True),
        vpc("vpc-pre2", "shared-second", 100, prepaid=True),
        vpc("vpc-per", "dedicated", 5, share_type="PER"),
    ])


TWO_ORDERS = [{"service": "vpc", "id": "vpc-pre", "size": 200}, {"service": "vpc", "id": "vpc-pre2", "size": 150}]


def test_every_plan_entry_says_what_it_does_to_the_monthly_bill(cloud, run_module):
    result = run_module(resize, args(targets=MIXED), check_mode=True)
    assert "failed" not in result, result.get("msg")
    plan = by_id(result["plan"])
    # Yearly/monthly 100 -> 200 at 20.00 a Mbit/s and month; pay-per-use 50 -> 80 at 0.05 an hour, 730 hours.
    assert plan["vpc-pre"]["price"] == {"currency": "CNY", "monthly_before": 2000.0, "monthly_after": 4000.0,
                                        "monthly_change": 2000.0, "reason": None}
    assert plan["vpc-od"]["price"] == {"currency": "CNY", "monthly_before": 1825.0, "monthly_after": 2920.0,
                                       "monthly_change": 1095.0, "reason": None}
    # No list price is documented for a Workspace bandwidth: unknown, with the reason, and no failure.
    assert plan["ws-pre"]["price"]["monthly_change"] is None and "Workspace" in plan["ws-pre"]["price"]["reason"]
    # The unchanged entry is not asked about.
    assert plan["vpc-per"]["price"]["monthly_change"] == 0.0
    assert result["monthly_change"] == {"currency": "CNY", "monthly_change": 3095.0, "unknown": 2}
    # One inquiry per billing mode, whatever the number of targets.
    assert len(cloud.price_reads()) == 2
    assert cloud.changes() == []


def test_a_converged_run_asks_no_price(cloud, run_module):
    result = run_module(resize, args(targets=[{"service": "vpc", "id": "vpc-per", "size": 5}]))
    assert result["changed"] is False and cloud.price_reads() == []


def test_the_amount_of_every_order_is_returned_and_pending_orders_name_it(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS))
    assert "failed" not in result, result.get("msg")
    results = by_id(result["results"])
    assert (results["vpc-pre"]["amount"], results["vpc-pre"]["currency"]) == (1000.0, "CNY")
    assert results["vpc-pre2"]["amount"] == 500.0
    assert sorted((o["amount"], [t["id"] for t in o["targets"]]) for o in result["pending_orders"]) == [
        (500.0, ["vpc-pre2"]), (1000.0, ["vpc-pre"])]


def test_auto_pay_pays_only_within_max_order_amount(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS, auto_pay=True, max_order_amount=600))
    assert result["failed"] is True and result["changed"] is True
    results = by_id(result["results"])
    assert results["vpc-pre2"]["status"] == "ok" and results["vpc-pre2"]["amount"] == 500.0
    over = results["vpc-pre"]
    assert over["status"] == "failed" and over["order_status"] == "pending_payment"
    for words in ("costs 1000.00 CNY, more than max_order_amount 600.00", "stays pending payment",
                  "hwcloud.bandwidth.order", over["order_id"]):
        assert words in over["msg"]
    # The order over the limit was placed unpaid and never paid; the other one was paid once.
    paid = [r.body["order_id"] for r in cloud.route_calls("pay")]
    assert paid == [results["vpc-pre2"]["order_id"]]
    assert cloud.orders[over["order_id"]]["status"] == PENDING_PAYMENT
    assert [r.body["extendParam"]["is_auto_pay"] for r in cloud.route_calls("vpc_order")] == [False, False]
    assert cloud.vpc["vpc-pre"]["size"] == 100 and cloud.vpc["vpc-pre2"]["size"] == 150


def test_auto_pay_stops_paying_at_max_run_amount(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS, auto_pay=True, max_run_amount=1200, concurrency=1))
    assert result["failed"] is True
    results = by_id(result["results"])
    # The first order (1000.00) fits; the second (500.00) would bring the run to 1500.00.
    assert results["vpc-pre"]["status"] == "ok"
    assert results["vpc-pre2"]["status"] == "failed" and "max_run_amount 1200.00" in results["vpc-pre2"]["msg"]
    assert len(cloud.route_calls("pay")) == 1


def test_without_limits_auto_pay_orders_paid_by_the_service(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS, auto_pay=True))
    assert "failed" not in result, result.get("msg")
    assert [r.body["extendParam"]["is_auto_pay"] for r in cloud.route_calls("vpc_order")] == [True, True]
    assert cloud.route_calls("pay") == []


def test_check_mode_compares_the_estimates_with_the_limit(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS, auto_pay=True, max_order_amount=1500), check_mode=True)
    warnings = " ".join(result.get("warnings", []))
    assert "shared-prepaid" in warnings and "2000.00 CNY, is above max_order_amount 1500.00" in warnings
    assert "shared-second" not in warnings
    assert cloud.changes() == []


def test_a_negative_limit_fails_before_any_request(cloud, run_module):
    result = run_module(resize, args(targets=TWO_ORDERS, auto_pay=True, max_run_amount=-1))
    assert result["failed"] is True and "max_run_amount must be an amount of at least 0" in result["msg"]
    assert cloud.http.requests == []


def test_the_single_module_returns_the_price_and_the_amount(cloud, run_module):
    result = run_module(vpc_bandwidth, args(id="vpc-pre", size=120, auto_pay=True, max_order_amount=100))
    assert result["failed"] is True and result["changed"] is True
    assert result["price"]["monthly_change"] == 400.0
    assert result["amount"] == 200.0 and result["order_status"] == "pending_payment"
    assert "more than max_order_amount 100.00" in result["msg"]
    assert cloud.route_calls("pay") == []


def test_a_refused_payment_leaves_the_order_pending_and_says_how_to_pay_it(cloud, run_module):
    cloud.fault("pay", 400, {"error_code": "CBC.99005003", "error_msg": "Insufficient balance."})
    result = run_module(resize, args(targets=TWO_ORDERS[:1], auto_pay=True, max_order_amount=5000))
    assert result["failed"] is True and result["changed"] is True
    [item] = result["results"]
    assert item["status"] == "failed" and item["order_id"]
    assert "CBC.99005003" in item["msg"] and "stays pending payment" in item["msg"] and item["order_id"] in item["msg"]
    assert cloud.orders[item["order_id"]]["status"] == PENDING_PAYMENT

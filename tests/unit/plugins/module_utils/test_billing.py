# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing orders: status names, the pay/cancel state table, Orders and the Billing facade against fake clients."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _billing
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import (
    Billing,
    SpendLimits,
    Orders,
    OrderStateError,
    is_permission_error,
    is_unknown_order,
    normalize_order,
    plan_order_state,
    status_name,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    CANCEL_PATH,
    DETAILS_PATH,
    PAY_PATH,
    FakeBilling,
    FakeClock,
)


# ---- status names -------------------------------------------------------------------------

@pytest.mark.parametrize("code, name", [
    (1, "pending_approval"), (2, "pending_refund"), (3, "processing"), (4, "cancelled"),
    (5, "completed"), (6, "pending_payment"), (9, "to_be_confirmed"),
    ("5", "completed"), (10, "unknown_10"), (None, "unknown"), ("x", "unknown"),
])
def test_status_name(code, name):
    assert status_name(code) == name


def test_every_design_status_name_has_one_code():
    names = ["pending_approval", "pending_refund", "processing", "cancelled", "completed", "pending_payment",
             "to_be_confirmed"]
    assert sorted(_billing.STATUS_NAMES.values()) == sorted(names)
    assert all(_billing.STATUS_NAMES[_billing.STATUS_CODES[name]] == name for name in names)


def test_normalize_order_keeps_amounts_and_names_the_status():
    order = normalize_order({"order_id": "CS1", "status": 6, "order_type": 3, "amount_after_discount": 10.5,
                             "official_amount": 12.0, "currency": "EUR", "create_time": "t0", "payment_time": None,
                             "pending_payment_end_time": "t7"})
    assert order == {"order_id": "CS1", "status": "pending_payment", "status_code": 6, "order_type": 3,
                     "service_type_code": None, "create_time": "t0", "payment_time": None,
                     "pending_payment_end_time": "t7", "amount": 10.5, "official_amount": 12.0, "currency": "EUR"}


def test_normalize_order_without_amounts():
    order = normalize_order({"order_id": "CS1", "status": 5})
    assert order["amount"] is None and order["currency"] is None and order["status"] == "completed"


def test_error_classification():
    assert is_unknown_order(HwCloudError("read", "x", status=400, error_code="CBC.30000010"))
    # A bare 404 from the billing service means a wrong (outdated) endpoint, not an unknown order.
    assert not is_unknown_order(HwCloudError("read", "x", status=404))
    assert is_permission_error(HwCloudError("read", "x", status=401, error_code="APIG.0302"))
    assert not is_unknown_order(HwCloudError("read", "x", status=400, error_code="CBC.99003106"))
    assert is_permission_error(HwCloudError("read", "x", status=403, error_code="CBC.0151"))
    assert is_permission_error(HwCloudError("read", "x", status=401, error_code="APIGW.0302"))
    assert not is_permission_error(HwCloudError("read", "x", status=400, error_code="CBC.30000010"))


# ---- the state table ----------------------------------------------------------------------

PAY_TABLE = [
    (6, "pay", None),
    (3, None, None),
    (5, None, None),
    (4, "error", "is cancelled and cannot be paid"),
    (1, "error", "pending approval"),
    (2, "error", "only an order pending payment can be paid"),
    (9, "error", "confirm it in the billing console"),
    (10, "error", "only an order pending payment can be paid"),
]
CANCEL_TABLE = [
    (6, "cancel", None),
    (4, None, None),
    (3, "error", "already paid (processing) and cannot be cancelled"),
    (5, "error", "already paid (completed) and cannot be cancelled"),
    (1, "error", "only an order pending payment can be cancelled"),
    (2, "error", "only an order pending payment can be cancelled"),
    (9, "error", "only an order pending payment can be cancelled"),
]


@pytest.mark.parametrize("state, code, expected, words",
                         [("paid",) + row for row in PAY_TABLE] + [("cancelled",) + row for row in CANCEL_TABLE])
def test_plan_order_state(state, code, expected, words):
    order = normalize_order({"order_id": "CS42", "status": code})
    if expected == "error":
        with pytest.raises(OrderStateError) as caught:
            plan_order_state(order, state)
        assert words in str(caught.value)
        assert "CS42" in str(caught.value)
        assert caught.value.order is order
    else:
        assert plan_order_state(order, state) == expected


def test_plan_order_state_rejects_an_unknown_state():
    with pytest.raises(ValueError):
        plan_order_state(normalize_order({"order_id": "CS1", "status": 6}), "refunded")


# ---- Orders.ensure: the table against a fake client ----------------------------------------

@pytest.mark.parametrize("state, code, expected, words",
                         [("paid",) + row for row in PAY_TABLE] + [("cancelled",) + row for row in CANCEL_TABLE])
@pytest.mark.parametrize("check_mode", [False, True])
def test_ensure_follows_the_table(state, code, expected, words, check_mode):
    billing = FakeBilling(CS42=code)
    orders = Orders(billing)
    if expected == "error":
        with pytest.raises(OrderStateError, match=re.escape(words)):
            orders.ensure("CS42", state, check_mode=check_mode)
        assert billing.writes == []
        return
    outcome = orders.ensure("CS42", state, check_mode=check_mode)
    assert outcome.changed == (expected is not None)
    assert outcome.before["status_code"] == code
    if expected is None or check_mode:
        assert billing.writes == []
        assert billing.orders["CS42"] == code
    if expected is None:
        assert outcome.after == outcome.before
    elif check_mode:
        assert outcome.after["status"] == ("processing" if expected == "pay" else "cancelled")
    else:
        assert len(billing.writes) == 1
        assert outcome.after["status"] == ("processing" if expected == "pay" else "cancelled")


def test_pay_sends_the_documented_request():
    billing = FakeBilling(CS1=6)
    outcome = Orders(billing).ensure("CS1", "paid")
    assert billing.writes == [("POST", PAY_PATH, {"order_id": "CS1", "use_coupon": "NO", "use_discount": "NO"})]
    assert outcome.diff() == {"before": {"order_id": "CS1", "status": "pending_payment"},
                              "after": {"order_id": "CS1", "status": "processing"}}
    # read before, read after
    assert len(billing.reads("CS1")) == 2


def test_cancel_sends_the_documented_request():
    billing = FakeBilling(CS1=6)
    Orders(billing).ensure("CS1", "cancelled")
    assert billing.writes == [("PUT", CANCEL_PATH, {"order_id": "CS1"})]


def test_unknown_order_fails_naming_it_without_writing():
    billing = FakeBilling()
    with pytest.raises(HwCloudError) as caught:
        Orders(billing).ensure("CS404", "paid")
    assert "CS404" in str(caught.value)
    assert "check the order ID, and that the credentials belong to the account" in str(caught.value)
    assert caught.value.error_code == "CBC.30000010"
    assert billing.writes == []


@pytest.mark.parametrize("code, words", [
    ("CBC.99005003", "top up the account"),
    ("CBC.99003110", "payment deadline"),
    ("CBC.0151", "billing console"),
    ("APIG.0302", "not authorized for the billing API"),
])
def test_billing_refusals_explain_what_to_do(code, words):
    billing = FakeBilling(CS1=6)
    billing.fail("POST", HwCloudError("pay order CS1", "refused", status=400, error_code=code))
    with pytest.raises(HwCloudError) as caught:
        Orders(billing).ensure("CS1", "paid")
    text = str(caught.value)
    assert words in text
    assert "CS1" in text
    assert code in text
    assert caught.value.order["status"] == "pending_payment"
    assert len(billing.writes) == 1


def test_payment_in_progress_that_stays_pending_fails_with_advice():
    billing = FakeBilling(CS1=6)
    billing.fail("POST", HwCloudError("pay order CS1", "paying", status=400, error_code="CBC.99000088"))
    with pytest.raises(HwCloudError, match="already in progress"):
        Orders(billing).ensure("CS1", "paid")
    assert len(billing.writes) == 1


def test_an_order_paid_meanwhile_is_not_a_change():
    billing = FakeBilling(CS1=6)
    # Another payer got there between our read and our payment.
    billing.fail("POST", HwCloudError("pay order CS1", "status changed", status=400, error_code="CBC.99003106"),
                 applied=True)
    outcome = Orders(billing).ensure("CS1", "paid")
    assert outcome.changed is False
    assert outcome.after["status"] == "processing"
    assert "another request" in outcome.warnings[0]


def test_an_order_cancelled_meanwhile_is_not_a_change():
    billing = FakeBilling(CS1=6)
    billing.fail("PUT", HwCloudError("cancel order CS1", "no", status=400, error_code="CBC.99005010"), applied=True)
    outcome = Orders(billing).ensure("CS1", "cancelled")
    assert outcome.changed is False
    assert outcome.after["status"] == "cancelled"


def test_lost_answer_to_a_payment_that_went_through():
    billing = FakeBilling(CS1=6)
    billing.fail("POST", OutcomeUnknownError("pay order CS1", "connection broke"), applied=True)
    outcome = Orders(billing).ensure("CS1", "paid")
    assert outcome.changed is True
    assert outcome.after["status"] == "processing"
    assert "was lost" in outcome.warnings[0]
    assert len(billing.writes) == 1


def test_lost_answer_to_a_payment_is_resent_only_while_the_order_waits():
    """Design rule 4: a payment is keyed by its order id; read, and pay again only while it still waits."""
    billing = FakeBilling(CS1=6)
    # One pause of 150 s spends the wait budget of 120 s: one resend.
    billing.retry = _Retry(max_retries=1, pause_seconds=150.0)
    billing.fail("POST", OutcomeUnknownError("pay order CS1", "HTTP 502"))
    billing.fail("POST", OutcomeUnknownError("pay order CS1", "HTTP 502"))
    with pytest.raises(HwCloudError) as caught:
        Orders(billing).ensure("CS1", "paid")
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert "still shows pending_payment" in str(caught.value)
    # Sent twice: once, and once more after the read showed it still pending; not past the budget.
    assert len(billing.writes) == 2
    assert billing.orders["CS1"] == 6


class _Retry:
    """The part of the client's retry policy that paying uses: the budget, and the pauses it takes."""

    def __init__(self, max_retries, pause_seconds=0.0, throttle_budget=120.0):
        self.max_retries = max_retries
        self.throttle_budget = throttle_budget
        self.pause_seconds = pause_seconds
        self.pauses = []

    def pause(self, attempt, retry_after=None):
        self.pauses.append(attempt)
        return self.pause_seconds


def test_a_payment_lost_several_times_is_sent_again_within_the_wait_budget():
    """The order module pays through faults in one run: read, and pay again while it waits, within the wait budget.

    Paying is keyed by the order id, so the lost answers do not use up max_retries (2 here): eight in a row are
    still resent, each after the backoff pause.
    """
    billing = FakeBilling(CS1=6)
    billing.retry = _Retry(max_retries=2)
    for _lost in range(8):
        billing.fail("POST", OutcomeUnknownError("pay order CS1", "HTTP 502"))
    outcome = Orders(billing).ensure("CS1", "paid")
    assert outcome.changed is True and outcome.after["status"] == "processing"
    assert len(billing.writes) == 9 and billing.retry.pauses == list(range(8))


def test_a_payment_lost_beyond_the_wait_budget_fails_and_is_not_sent_again():
    billing = FakeBilling(CS1=6)
    # Pauses of 50 s against a budget of 120 s: three resends, then the budget is spent.
    billing.retry = _Retry(max_retries=2, pause_seconds=50.0, throttle_budget=120.0)
    for _lost in range(4):
        billing.fail("POST", OutcomeUnknownError("pay order CS1", "HTTP 502"))
    with pytest.raises(HwCloudError) as caught:
        Orders(billing).ensure("CS1", "paid")
    assert "still shows pending_payment" in str(caught.value)
    assert len(billing.writes) == 4 and billing.orders["CS1"] == 6


def test_auto_pay_whose_answers_are_lost_beyond_the_budget_says_so_and_counts_it_spent():
    billing = FakeBilling(CS1=6)
    billing.retry = _Retry(max_retries=2, pause_seconds=50.0, throttle_budget=120.0)
    for _lost in range(4):
        billing.fail("POST", OutcomeUnknownError("pay order CS1", "HTTP 502"))
    limits = SpendLimits(max_run=1000.0)
    order, refusal = Billing(billing).pay_within("CS1", limits)
    assert order["status"] == "pending_payment" and len(billing.writes) == 4
    assert "the answers to its 4 payments were lost and it still waits for payment (counted as spent)" == refusal
    assert limits.spent == 250.0


# ---- waiting ------------------------------------------------------------------------------

def test_wait_completed_polls_all_orders_together_until_each_completes():
    billing = FakeBilling(A=3, B=3)
    billing.script = {"A": [3, 5], "B": [3, 3, 3, 5]}
    clock = FakeClock()
    orders = Orders(billing).wait_completed(["A", "B"], 60, sleep=clock.sleep, clock=clock)
    assert [o["status"] for o in orders] == ["completed", "completed"]
    # One loop: both orders read on each of the 4 polls.
    assert len(billing.reads("A")) == 4 and len(billing.reads("B")) == 4
    # Backoff: the pauses grow.
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_wait_completed_fails_at_once_naming_the_cancelled_order():
    billing = FakeBilling(A=5, B=4)
    clock = FakeClock()
    with pytest.raises(WaitFailed) as caught:
        Orders(billing).wait_completed(["A", "B"], 60, sleep=clock.sleep, clock=clock)
    assert "cancelled: B" in str(caught.value)
    assert "cancelled: A" not in str(caught.value)
    assert [o["status"] for o in caught.value.last] == ["completed", "cancelled"]
    assert clock.sleeps == []


def test_wait_completed_times_out_naming_the_unfinished_orders():
    billing = FakeBilling(A=5, B=3, C=6)
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        Orders(billing).wait_completed(["A", "B", "C"], 5, sleep=clock.sleep, clock=clock)
    text = str(caught.value)
    assert "B (processing)" in text and "C (pending_payment)" in text
    assert "A (" not in text
    assert "only once paid" in text
    assert caught.value.timeout == 5
    assert sum(clock.sleeps) == pytest.approx(5)


# ---- the Billing facade ------------------------------------------------------------------

LIST_PATH = "/v2/orders/customer-orders"
RESOURCES_PATH = "/v2/orders/suscriptions/resources/query"
NOW = datetime.datetime(2025, 6, 1, 12, 0, 0)
DENIED = HwCloudError("list orders", "access denied", status=403, error_code="CBC.0151")


class BssClient:
    """A client serving BSS listings (with their filters), order details and resource queries.

    ``orders``: order id -> (status code, create time, resource ids). ``deny`` makes every call
    raise that error. ``calls`` records (kind, detail) of every call.
    """

    def __init__(self, orders=None, deny=None):
        self.orders = dict(orders or {})
        self.deny = deny
        self.calls = []

    @staticmethod
    def path(template, **values):
        return template.format(**values)

    def info(self, order_id):
        status, created, _resources = self.orders[order_id]
        return {"order_id": order_id, "status": status, "order_type": 3, "create_time": created}

    def pages_by_offset(self, service, path, items_key, operation, query=None, limit=100):
        assert (service, path, items_key) == ("bss", LIST_PATH, "order_infos")
        query = dict(query or {})
        self.calls.append(("list", query))
        if self.deny:
            raise self.deny
        assert query.get("order_type") == "3"
        for order_id, (status, created, _resources) in self.orders.items():
            if "status" in query and str(query["status"]) != str(status):
                continue
            if query.get("create_time_begin", "") > created:
                continue
            if query.get("create_time_end", "9999") < created:
                continue
            yield self.info(order_id)

    def request(self, service, method, path, operation, query=None, body=None, project=True, expect=None,
                read_only=False):
        assert service == "bss"
        if self.deny:
            self.calls.append(("denied", path))
            raise self.deny
        if path == RESOURCES_PATH:
            assert method == "POST" and read_only is True
            assert body == {"order_id": body["order_id"], "only_main_resource": 1}
            self.calls.append(("resources", body["order_id"]))
            return {"data": [{"resource_id": rid} for rid in self.orders[body["order_id"]][2]]}
        assert method == "GET" and path.startswith(DETAILS_PATH)
        order_id = path[len(DETAILS_PATH):]
        self.calls.append(("get", order_id))
        return {"order_info": self.info(order_id)}

    def count(self, kind):
        return sum(1 for call in self.calls if call[0] == kind)


def billing_for(client, warnings=None):
    return Billing(client, warn=(warnings.append if warnings is not None else None), clock=lambda: NOW)


def test_billing_warns_once_and_answers_none_after_access_denied():
    client = BssClient(deny=DENIED)
    warnings = []
    billing = billing_for(client, warnings)
    assert billing.open_change_orders() is None
    assert billing.readable is False and billing.denied is DENIED
    calls = len(client.calls)
    assert billing.statuses(["CS1", "CS2", "CS3"]) is None
    assert billing.statuses(["CS1"]) is None
    assert billing.orders_of_this_run("bw-1") is None
    assert billing.renewal_orders({"id": "bw-1", "updated_at": None}) is None
    # Asked once: every later read answers None without a call.
    assert len(client.calls) == calls == 1
    assert len(warnings) == 1
    assert "CBC.0151" in warnings[0] and "following the bandwidths" in warnings[0]


def test_billing_raises_errors_that_are_not_about_permission():
    billing = billing_for(BssClient(deny=HwCloudError("list orders", "internal", status=500, error_code="CBC.5000")))
    with pytest.raises(HwCloudError):
        billing.open_change_orders()
    assert billing.readable is True


OPEN_ORDERS = {
    "A": (6, "2025-06-01T11:00:00Z", ["bw-1"]),   # pending payment
    "B": (3, "2025-05-01T11:00:00Z", ["bw-2"]),   # processing
    "C": (5, "2025-06-01T11:30:00Z", ["bw-1"]),   # completed: not open
    "D": (1, "2025-06-01T09:00:00Z", ["bw-1"]),   # pending approval
    "E": (9, "2025-06-01T09:00:00Z", ["ws-1"]),   # to be confirmed
    "F": (4, "2025-06-01T09:00:00Z", ["bw-3"]),   # cancelled: not open
}


def test_open_change_orders_lists_each_open_status_once_and_maps_resources():
    client = BssClient(OPEN_ORDERS)
    found = billing_for(client).open_change_orders()
    assert {key: sorted(o["order_id"] for o in value) for key, value in found.items()} == {
        "bw-1": ["A", "D"], "bw-2": ["B"], "ws-1": ["E"]}
    lists = [query for kind, query in client.calls if kind == "list"]
    assert sorted(query["status"] for query in lists) == [1, 3, 6, 9]
    assert client.count("resources") == 4
    assert client.count("get") == 0


@pytest.mark.parametrize("open_count", [0, 1, 12])
def test_open_change_orders_costs_four_listings_and_one_query_per_open_order(open_count):
    orders = {"O%d" % index: (6, "2025-06-01T11:00:00Z", ["bw-%d" % index]) for index in range(open_count)}
    orders.update({"DONE%d" % index: (5, "2025-06-01T11:00:00Z", ["bw-x"]) for index in range(5)})
    client = BssClient(orders)
    billing = billing_for(client)
    billing.open_change_orders()
    assert client.count("list") == 4
    assert client.count("resources") == open_count
    # Read again: the listings again, the resources of known orders from the cache.
    billing.open_change_orders()
    assert client.count("list") == 8
    assert client.count("resources") == open_count


def test_resource_ids_are_cached():
    client = BssClient(OPEN_ORDERS)
    billing = billing_for(client)
    assert billing.resources_of("A") == {"bw-1"}
    assert billing.resources_of("A") == {"bw-1"}
    assert client.count("resources") == 1


@pytest.mark.parametrize("count", [1, 2])
def test_statuses_of_up_to_two_orders_are_read_one_by_one(count):
    client = BssClient(OPEN_ORDERS)
    ids = ["A", "B"][:count]
    found = billing_for(client).statuses(ids + ids)
    assert sorted(found) == ids
    assert found["A"]["status"] == "pending_payment"
    assert client.count("get") == count and client.count("list") == 0


def test_statuses_of_more_orders_are_one_listing_of_this_run():
    client = BssClient(dict(OPEN_ORDERS, A=(6, "2025-06-01T11:55:00Z", ["bw-1"]), C=(5, "2025-06-01T11:58:00Z", [])))
    found = billing_for(client).statuses(["A", "C", "D", "E"])
    assert {key: value["status"] for key, value in found.items()} == {
        "A": "pending_payment", "C": "completed", "D": "pending_approval", "E": "to_be_confirmed"}
    lists = [query for kind, query in client.calls if kind == "list"]
    assert len(lists) == 1 and "status" not in lists[0]
    # The listing starts a little before the run (clock margin).
    assert lists[0]["create_time_begin"] == "2025-06-01T11:50:00Z"
    # D and E were created before that: the listing does not show them, so they are read alone.
    assert sorted(order_id for kind, order_id in client.calls if kind == "get") == ["D", "E"]


def test_statuses_of_nothing_make_no_call():
    client = BssClient(OPEN_ORDERS)
    assert billing_for(client).statuses([]) == {}
    assert client.calls == []


def test_orders_of_this_run_are_the_recent_change_orders_of_the_resource():
    orders = dict(OPEN_ORDERS, G=(6, "2025-06-01T11:55:00Z", ["bw-1"]), H=(6, "2025-06-01T11:56:00Z", ["bw-9"]))
    client = BssClient(orders)
    found = billing_for(client).orders_of_this_run("bw-1")
    assert sorted(o["order_id"] for o in found) == ["G"]
    assert [query["create_time_begin"] for kind, query in client.calls if kind == "list"] == ["2025-06-01T11:50:00Z"]


def test_completed_change_order_after_the_last_update_is_a_renewal_order():
    orders = {"CS-NEW": (5, "2025-05-31T09:00:00Z", ["bw-1"]), "CS-OTHER": (5, "2025-05-31T09:30:00Z", ["bw-2"]),
              "CS-OLD": (5, "2025-05-01T09:00:00Z", ["bw-1"]), "CS-OPEN": (6, "2025-05-31T09:00:00Z", ["bw-1"])}
    client = BssClient(orders)
    found = billing_for(client).renewal_orders({"id": "bw-1", "updated_at": "2025-05-30T10:00:00"})
    assert [o["order_id"] for o in found] == ["CS-NEW"]
    assert found[0]["status"] == "completed"
    query = [query for kind, query in client.calls if kind == "list"][0]
    assert query["create_time_begin"] == "2025-05-30T10:00:00Z"
    assert query["order_type"] == "3" and query["status"] == 5


@pytest.mark.parametrize("updated_at", ["2020-01-01T00:00:00", None, "not a time"])
def test_the_renewal_order_search_never_spans_more_than_a_year(updated_at):
    client = BssClient({})
    assert billing_for(client).renewal_orders({"id": "bw-1", "updated_at": updated_at}) == []
    query = [query for kind, query in client.calls if kind == "list"][0]
    begin = datetime.datetime.strptime(query["create_time_begin"], "%Y-%m-%dT%H:%M:%SZ")
    end = datetime.datetime.strptime(query["create_time_end"], "%Y-%m-%dT%H:%M:%SZ")
    assert end - begin <= datetime.timedelta(days=366)
    assert end >= NOW

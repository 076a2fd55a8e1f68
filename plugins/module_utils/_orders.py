# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing orders (BSS): read, find, wait for, pay and cancel."""

from __future__ import annotations

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter

STATUS_NAMES = {
    1: "pending_approval",
    2: "pending_refund",
    3: "processing",
    4: "cancelled",
    5: "completed",
    6: "pending_payment",
    9: "to_be_confirmed",
}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}
ORDER_TYPE_CHANGE = 3
# Orders that still hold the bandwidth: the service answers 409 to a new change meanwhile.
OPEN_STATUSES = ("pending_approval", "processing", "pending_payment", "to_be_confirmed")
# Billing codes that mean "this user may not read or pay orders": degrade, don't fail.
NO_BILLING_PERMISSION = frozenset(("CBC.0151", "APIGW.0302"))


def status_name(code):
    """The design's name of a BSS order status code; unknown codes keep their number."""
    try:
        return STATUS_NAMES.get(int(code), "unknown_%s" % code)
    except (TypeError, ValueError):
        return "unknown"


def is_permission_error(error):
    return error.status == 403 or error.error_code in NO_BILLING_PERMISSION


def normalize_order(info):
    """The fields every module returns for an order."""
    amount = info.get("amount_after_discount")
    return {
        "order_id": info.get("order_id"),
        "status": status_name(info.get("status")),
        "status_code": info.get("status"),
        "order_type": info.get("order_type"),
        "service_type_code": info.get("service_type_code"),
        "create_time": info.get("create_time"),
        "payment_time": info.get("payment_time"),
        "amount": amount,
        "official_amount": info.get("official_amount"),
        "currency": info.get("currency"),
    }


class Orders:
    """The billing orders of the account the client signs for."""

    def __init__(self, client):
        self.client = client

    def get(self, order_id):
        answer = self.client.request(
            "bss", "GET", self.client.path("/v2/orders/customer-orders/details/{order_id}", order_id=order_id),
            "read order %s" % order_id) or {}
        info = answer.get("order_info")
        if not info:
            raise HwCloudError("read order %s" % order_id, "the billing service returned no order_info",
                               hint="check the order id")
        return normalize_order(info)

    def get_many(self, order_ids):
        return [self.get(order_id) for order_id in order_ids]

    def list(self, **filters):
        query = {key: value for key, value in filters.items() if value is not None}
        items = self.client.pages_by_offset("bss", "/v2/orders/customer-orders", "order_infos", "list orders",
                                            query=query, limit=100)
        return [normalize_order(item) for item in items]

    def resource_ids(self, order_id):
        """The ids of the main resources an order changes."""
        answer = self.client.request(
            "bss", "POST", "/v2/orders/suscriptions/resources/query",
            "read the resources of order %s" % order_id,
            body={"order_id": order_id, "only_main_resource": 1}) or {}
        return [item.get("resource_id") for item in answer.get("data") or [] if item.get("resource_id")]

    def open_change_orders(self, resource_id):
        """Change orders still open for a resource (pending payment, processing...).

        These are what a 409 refers to, and what a rerun must find instead of ordering again.
        """
        found = []
        for status in OPEN_STATUSES:
            for order in self.list(order_type=str(ORDER_TYPE_CHANGE), status=STATUS_CODES[status]):
                if resource_id in self.resource_ids(order["order_id"]):
                    found.append(order)
        return found

    def pay(self, order_id):
        self.client.request("bss", "POST", "/v3/orders/customer-orders/pay", "pay order %s" % order_id,
                            body={"order_id": order_id, "use_coupon": "NO", "use_discount": "NO"})

    def cancel(self, order_id):
        self.client.request("bss", "PUT", "/v2/orders/customer-orders/cancel", "cancel order %s" % order_id,
                            body={"order_id": order_id})

    def wait_completed(self, order_ids, timeout, sleep=None):
        """Poll all the orders together until every one is completed; fail on a cancelled one."""
        waiter = Waiter(timeout) if sleep is None else Waiter(timeout, sleep=sleep)
        what = "order%s %s to complete" % ("s" if len(order_ids) > 1 else "", ", ".join(order_ids))

        def cancelled(orders):
            gone = [o["order_id"] for o in orders if o["status"] == "cancelled"]
            return "cancelled: %s" % ", ".join(gone) if gone else None

        return waiter.until(what, lambda: self.get_many(order_ids),
                            lambda orders: all(o["status"] == "completed" for o in orders), cancelled)

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: order
short_description: Pay or cancel Huawei Cloud billing orders
version_added: 1.0.0
description:
  - Pays or cancels yearly/monthly billing orders of the Huawei Cloud billing service (BSS), typically change
    orders that M(hwcloud.bandwidth.workspace_bandwidth) or M(hwcloud.bandwidth.vpc_bandwidth) placed with
    O(hwcloud.bandwidth.workspace_bandwidth#module:auto_pay=false) so that a person could approve the spending first.
  - One order with O(order_id), or several in one task with O(order_ids).
  - Idempotent. Each order is read first. An order that is processing or completed is already paid, and a cancelled
    order is already cancelled; then nothing is written for it. The result is C(changed=true) only when an order was
    actually paid or cancelled.
  - Only an order pending payment can be paid or cancelled. Paying a cancelled order, or cancelling a paid one,
    fails with a message that says so and what to do instead.
  - With O(order_ids), each order is handled on its own. A failure on one order does not stop the others; the task
    fails at the end, naming each failed order with the reason and what to do (see RV(failures)). The exception is
    an answer that would be the same for every order, HTTP 401, 403 or 429 (credentials, billing permission,
    throttling). Then the remaining orders are not tried, so that repeated authentication failures do not lock the
    access key, and they are named as not tried.
  - Paying uses the account balance or monthly settlement, without coupons or discounts.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
options:
  order_id:
    description:
      - The ID of the order, for example C(CS2403011200ABCDE), as returned in RV(hwcloud.bandwidth.workspace_bandwidth#module:order_id)
        by the resize modules.
      - Exactly one of O(order_id) and O(order_ids) is required.
    type: str
  order_ids:
    description:
      - The IDs of several orders, to pay or cancel in one task. Repeated IDs are handled once, surrounding spaces are
        ignored, and an empty ID or an empty list is refused before any request.
      - Exactly one of O(order_id) and O(order_ids) is required.
    type: list
    elements: str
  state:
    description:
      - V(paid) pays the orders pending payment.
      - V(cancelled) cancels the orders pending payment; their bandwidths keep their sizes.
    type: str
    required: true
    choices: [paid, cancelled]
  wait:
    description:
      - With O(state=paid), wait until the orders are completed, that is, until their changes are applied.
      - All the paid orders are awaited together, in one poll loop with one deadline. Orders already paid and still
        processing are awaited too; orders that failed are not.
      - An order that is cancelled meanwhile, or that is not completed within O(wait_timeout), fails the task (with
        O(order_ids), the other orders are still awaited).
      - Ignored with O(state=cancelled) and in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait) before failing. The orders keep processing after a timeout.
    type: int
    default: 600
extends_documentation_fragment:
  - hwcloud.bandwidth.common
attributes:
  check_mode:
    description: Reads the orders and reports which would be paid or cancelled; pays and cancels nothing.
    support: full
  diff_mode:
    description: Reports the status before and after of each order that is (or would be) paid or cancelled.
    support: full
notes:
  - Paying and cancelling need billing (BSS) permissions; IAM users without them get C(CBC.0151) or C(APIGW.0302).
  - A payment request whose answer is lost is never sent again blindly; the order is read again instead.
  - Orders are paid one after the other, never in parallel, so that the balance is spent in the order given.
seealso:
  - module: hwcloud.bandwidth.order_info
  - module: hwcloud.bandwidth.workspace_bandwidth
  - module: hwcloud.bandwidth.vpc_bandwidth
"""

EXAMPLES = r"""
- name: Place a resize order without paying it
  hwcloud.bandwidth.workspace_bandwidth:
    name: wks-office
    size: 50
    auto_pay: false
    wait: false
    region: cn-north-4
  register: resize

- name: Place another one, on a VPC bandwidth
  hwcloud.bandwidth.vpc_bandwidth:
    name: shared-web
    size: 200
    auto_pay: false
    wait: false
    region: cn-north-4
  register: web_resize

- name: Pay the first once approved, and wait until the new size is applied
  hwcloud.bandwidth.order:
    order_id: "{{ resize.order_id }}"
    state: paid
    wait: true
    region: cn-north-4

- name: Cancel the other one, which was not approved
  hwcloud.bandwidth.order:
    order_id: "{{ web_resize.order_id }}"
    state: cancelled
    region: cn-north-4

- name: Pay several orders in one task and wait until all are applied; go on when some fail (a cancelled one does)
  hwcloud.bandwidth.order:
    order_ids:
      - "{{ resize.order_id }}"
      - "{{ web_resize.order_id }}"
    state: paid
    wait: true
    wait_timeout: 900
    region: cn-north-4
  register: payment
  ignore_errors: true

- name: Show the orders that could not be paid, with the reason
  ansible.builtin.debug:
    msg: "{{ payment.failures | default([]) | map(attribute='msg') | list }}"
  when: payment is failed
"""

RETURN = r"""
order:
  description:
    - The order after the task, as read from the billing service.
    - In check mode, the order as it would be (status V(processing) after paying, V(cancelled) after cancelling).
    - With O(wait), as last read when the wait ended.
    - Null when the order could not be read (for example, an unknown order ID).
  returned: with O(order_id), always, also when the module fails after reading the order
  type: dict
  contains:
    order_id:
      description: The ID of the order.
      type: str
      sample: CS2403011200ABCDE
    status:
      description: The status of the order by name.
      type: str
      choices: [pending_approval, pending_refund, processing, cancelled, completed, pending_payment, to_be_confirmed]
      sample: processing
    status_code:
      description: The billing service's status code.
      type: int
      sample: 3
    order_type:
      description: The billing service's order type; V(3) is a change (resize) order.
      type: int
      sample: 3
    service_type_code:
      description: The cloud service the order is for.
      type: str
      sample: hws.service.type.workspace
    create_time:
      description: When the order was placed (UTC).
      type: str
      sample: "2024-03-01T12:00:00Z"
    payment_time:
      description: When the order was paid (UTC); null while it is not paid.
      type: str
      sample: "2024-03-01T12:05:00Z"
    pending_payment_end_time:
      description: The payment deadline of an order pending payment (UTC), when the billing service gives it.
      type: str
      sample: "2024-03-08T12:00:00Z"
    amount:
      description: The amount to pay after discounts, when the billing service gives it.
      type: float
      sample: 250.0
    official_amount:
      description: The list price of the order, when the billing service gives it.
      type: float
      sample: 250.0
    currency:
      description: The currency of the amounts, when the billing service gives it.
      type: str
      sample: CNY
orders:
  description:
    - Every order after the task, in the order given (each ID once), with the same fields as RV(order).
    - In check mode, the orders as they would be; with O(wait), as last read when the wait ended.
    - An order that could not be read (an unknown order ID, or an order not tried) is missing here; the task fails
      and names it (with O(order_ids), also in RV(failures)).
  returned: always, also when the module fails
  type: list
  elements: dict
  sample: [{"order_id": "CS2403011200ABCDE", "status": "processing", "status_code": 3, "order_type": 3,
            "service_type_code": "hws.service.type.vpc", "create_time": "2024-03-01T12:00:00Z",
            "payment_time": "2024-03-01T12:05:00Z", "pending_payment_end_time": null, "amount": 250.0,
            "official_amount": 250.0, "currency": "CNY"}]
failures:
  description:
    - With O(order_ids), one entry per order that did not reach O(state), in the order handled.
    - The task message names the same orders with the same reasons.
  returned: with O(order_ids), when the module fails
  type: list
  elements: dict
  contains:
    order_id:
      description: The ID of the order.
      type: str
      sample: CS2403011200ABCDE
    msg:
      description: What failed and what to do, with the billing service's error code and message when it answered.
      type: str
      sample: "pay order CS2403011200ABCDE failed (HTTP 400, CBC.99005003): Insufficient balance. What to do: the
        account balance does not cover order CS2403011200ABCDE; top up the account (or arrange monthly settlement),
        then run the task again: the order stays pending payment until its deadline"
    error:
      description:
        - The billing service's answer, when the failure is an error answer of the service; null otherwise.
        - Has the keys C(operation), C(status), C(error_code), C(error_msg) and C(request_id).
      type: dict
      sample: {"operation": "pay order CS2403011200ABCDE", "status": 400, "error_code": "CBC.99005003",
               "error_msg": "Insufficient balance", "request_id": "0b1c2d3e"}
diff:
  description:
    - With O(order_id), the order ID and status before and after.
    - With O(order_ids), C(before) and C(after) each hold C(orders), a list with the ID and status of each order
      that is (or would be) paid or cancelled.
  returned: changed and diff mode
  type: dict
  sample: {"before": {"orders": [{"order_id": "CS2403011200ABCDE", "status": "pending_payment"}]},
           "after": {"orders": [{"order_id": "CS2403011200ABCDE", "status": "processing"}]}}
"""

import time

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    OutcomeUnknownError,
    ValidationError,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import (
    PAID,
    PAID_STATUSES,
    Orders,
    OrderStateError,
    clean_order_ids,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout

# HTTP statuses after which the other orders are not tried: the same credentials would fail the
# same way for each of them, and repeated authentication failures lock the access key.
STOP_STATUSES = (401, 403, 429)


class Failure:
    """One order that did not reach the requested state, and why."""

    def __init__(self, order_id, message, error=None, exception=None):
        self.order_id = order_id
        self.message = message
        self.error = error
        self.exception = exception

    def to_dict(self):
        return {"order_id": self.order_id, "msg": self.message, "error": self.error}


def stops_the_rest(exc):
    """True when an error is about the credentials or the account, not about one order."""
    return (isinstance(exc, HwCloudError) and not isinstance(exc, OutcomeUnknownError)
            and exc.status in STOP_STATUSES)


class OrderModule(BandwidthModule):
    argument_spec = dict(
        order_id=dict(type="str"),
        order_ids=dict(type="list", elements="str"),
        state=dict(type="str", required=True, choices=["paid", "cancelled"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module_kwargs = dict(
        mutually_exclusive=[("order_id", "order_ids")],
        required_one_of=[("order_id", "order_ids")],
    )

    def __init__(self, module):
        super().__init__(module)
        self.single = module.params.get("order_id") is not None
        if self.single:
            self.result["order"] = None
        self.result["orders"] = []
        self.ids = []

    def order_ids(self):
        """The IDs to handle, stripped, each once, in the order given."""
        params = self.module.params
        return clean_order_ids(params["order_id"], params["order_ids"])

    def run(self):
        params = self.module.params
        ids = self.ids = self.order_ids()
        if params["wait"] and params["wait_timeout"] <= 0:
            raise ValidationError("wait_timeout must be a positive number of seconds, got %s" % params["wait_timeout"])
        orders = Orders(self.client)
        found, outcomes, failures = self.ensure_each(orders, ids, params["state"])
        self.publish(found)
        changed = [outcome for outcome in outcomes if outcome.changed]
        if changed:
            self._mark_as_changed()
            if self.module._diff:
                self.result["diff"] = self.diff(changed)
        if failures and self.single:
            self.raise_single(failures[0])
        if params["state"] == PAID and params["wait"] and not self.module.check_mode:
            waiting = [outcome.after["order_id"] for outcome in outcomes
                       if outcome.after["status"] in PAID_STATUSES and outcome.after["status"] != "completed"]
            if waiting:
                failures.extend(self.wait(orders, waiting, found, params["wait_timeout"]))
                self.publish(found)
        if failures:
            self.fail(self.summary(outcomes, failures), failures=[failure.to_dict() for failure in failures])

    def ensure_each(self, orders, ids, state):
        """Bring every order to ``state`` independently; return (orders read, outcomes, failures)."""
        found, outcomes, failures = {}, [], []
        for position, order_id in enumerate(ids):
            try:
                outcome = orders.ensure(order_id, state, check_mode=self.module.check_mode)
            except OrderStateError as exc:
                found[order_id] = exc.order
                failures.append(Failure(order_id, str(exc), exception=exc))
                continue
            except HwCloudError as exc:
                if getattr(exc, "order", None):
                    found[order_id] = exc.order
                failures.append(Failure(order_id, str(exc), error=exc.to_dict(), exception=exc))
                if stops_the_rest(exc):
                    for rest in ids[position + 1:]:
                        failures.append(Failure(rest, "not tried: the billing service refused order %s with HTTP %s "
                                                      "(%s), which would refuse this order too; fix that first, "
                                                      "then run the task again" % (order_id, exc.status,
                                                                                   exc.error_code or "no code")))
                    break
                continue
            for warning in outcome.warnings:
                self.warn(warning)
            found[order_id] = outcome.after
            outcomes.append(outcome)
        return found, outcomes, failures

    def publish(self, found):
        """The orders as last read, in the order given; with order_id, also that one order."""
        self.result["orders"] = [found[order_id] for order_id in self.ids if order_id in found]
        if self.single:
            self.result["order"] = found.get(self.ids[0])

    def diff(self, changed):
        if self.single:
            return changed[0].diff()
        parts = [outcome.diff() for outcome in changed]
        return {"before": {"orders": [part["before"] for part in parts]},
                "after": {"orders": [part["after"] for part in parts]}}

    @staticmethod
    def raise_single(failure):
        """The one order's failure, exactly as the module has always reported it."""
        if isinstance(failure.exception, OrderStateError):
            raise ValidationError(failure.message) from None
        raise failure.exception

    def wait(self, orders, waiting, found, timeout):
        """Wait for all the paid orders together; return the failures of the wait.

        An order cancelled meanwhile fails on its own, and the others are still awaited until
        the one deadline.
        """
        failures = []
        deadline = time.monotonic() + timeout
        remaining = timeout
        while waiting:
            try:
                for order in orders.wait_completed(waiting, remaining):
                    found[order["order_id"]] = order
                return failures
            except HwCloudError as exc:
                if self.single:
                    raise
                failures.extend(Failure(order_id, "order %s is paid, but reading it while waiting for it to complete "
                                                  "failed: %s" % (order_id, exc), error=exc.to_dict())
                                for order_id in waiting)
                return failures
            except WaitFailed as exc:
                if self.single:
                    found.update((order["order_id"], order) for order in exc.last or [])
                    self.publish(found)
                    raise
                last = exc.last or []
                found.update((order["order_id"], order) for order in last)
                gone = [order["order_id"] for order in last if order["status"] == "cancelled"]
                for order_id in gone:
                    failures.append(Failure(order_id, "order %s was cancelled while waiting for it to complete, so "
                                                      "its change is not applied; place the change again" % order_id))
                if not gone:
                    failures.extend(Failure(order_id, str(exc)) for order_id in waiting)
                    return failures
                waiting = [order["order_id"] for order in last
                           if order["order_id"] not in gone and order["status"] != "completed"]
                remaining = max(int(round(deadline - time.monotonic())), 0)
            except WaitTimeout as exc:
                if self.single:
                    found.update((order["order_id"], order) for order in exc.last or [])
                    self.publish(found)
                    raise
                last = {order["order_id"]: order for order in exc.last or []}
                found.update(last)
                for order_id in waiting:
                    status = last[order_id]["status"] if order_id in last else "unknown"
                    if status == "completed":
                        continue
                    failures.append(Failure(order_id, "order %s is still %s after waiting %ss for it to complete; it "
                                                      "may still complete: read it later with "
                                                      "hwcloud.bandwidth.order_info, or raise wait_timeout"
                                            % (order_id, status, timeout)))
                return failures
        return failures

    def summary(self, outcomes, failures):
        """One message naming each failed order with its reason, and what was done with the others."""
        failed = []
        for failure in failures:
            if failure.order_id not in failed:
                failed.append(failure.order_id)
        total = len(self.ids)
        text = "%d of %d order%s failed: %s" % (len(failed), total, "s" if total > 1 else "", ", ".join(failed))
        done = self.done(outcomes)
        if done:
            text += " (%s)" % done
        return text + ". " + " ".join("[%s] %s" % (failure.order_id, failure.message.rstrip(".") + ".")
                                      for failure in failures)

    def done(self, outcomes):
        """What was done to the orders that reached the state (a paid one may still fail its wait), in words."""
        state = self.module.params["state"]
        if self.module.check_mode:
            verbs = ("would be paid", "already paid") if state == PAID else ("would be cancelled", "already cancelled")
        else:
            verbs = ("paid", "already paid") if state == PAID else ("cancelled", "already cancelled")
        groups = []
        for verb, changed in zip(verbs, (True, False)):
            names = [outcome.before["order_id"] for outcome in outcomes if outcome.changed is changed]
            if names:
                groups.append("%s: %s" % (verb, ", ".join(names)))
        return "; ".join(groups)


def main():
    OrderModule.main()


if __name__ == "__main__":
    main()

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
    product_spec_desc:
      description:
        - What the order is for, as the billing service describes it to people (free text of its order lines,
          shown verbatim and never parsed; several lines are joined with C(; )).
        - Null when the order details give none.
      type: str
      sample: "Bandwidth | 150 Mbit/s"
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

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import (
    PAID,
    Orders,
    OrderStateError,
    OrderTask,
    clean_order_ids,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout


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
        self.task = None

    def run(self):
        params = self.module.params
        ids = clean_order_ids(params["order_id"], params["order_ids"])
        if params["wait"]:
            self.check_wait_timeout()
        task = self.task = OrderTask(Orders(self.client), ids, params["state"], check_mode=self.module.check_mode)
        task.ensure()
        for outcome in task.outcomes:
            for warning in outcome.warnings:
                self.warn(warning)
        self.publish()
        changed = [outcome for outcome in task.outcomes if outcome.changed]
        if changed:
            self._mark_as_changed()
            if self.module._diff:
                self.result["diff"] = self.diff(changed)
        if task.failures and self.single:
            failure = task.failures[0]
            if isinstance(failure.exception, OrderStateError):
                raise ValidationError(failure.message) from None
            raise failure.exception
        waiting = task.paid_not_completed()
        if params["state"] == PAID and params["wait"] and not self.module.check_mode and waiting:
            self.wait(task, waiting, params["wait_timeout"])
        if task.failures:
            self.fail(task.summary(), failures=[failure.to_dict() for failure in task.failures])

    def wait(self, task, waiting, timeout):
        if not self.single:
            task.wait(waiting, timeout)
            self.publish()
            return
        try:
            for order in task.orders.wait_completed(waiting, timeout):
                task.found[order["order_id"]] = order
        except (WaitFailed, WaitTimeout) as exc:
            task.found.update((order["order_id"], order) for order in exc.last or [])
            raise
        finally:
            self.publish()

    def publish(self):
        """The orders as last read, in the order given; with order_id, also that one order."""
        found, ids = self.task.found, self.task.ids
        self.result["orders"] = [found[order_id] for order_id in ids if order_id in found]
        if self.single:
            self.result["order"] = found.get(ids[0])

    def diff(self, changed):
        if self.single:
            return changed[0].diff()
        parts = [outcome.diff() for outcome in changed]
        return {"before": {"orders": [part["before"] for part in parts]},
                "after": {"orders": [part["after"] for part in parts]}}


def main():
    OrderModule.main()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: order
short_description: Pay or cancel a Huawei Cloud billing order
version_added: 1.0.0
description:
  - Pays or cancels one yearly/monthly billing order of the Huawei Cloud billing service (BSS), typically a change
    order that M(hwcloud.bandwidth.workspace_bandwidth) or M(hwcloud.bandwidth.vpc_bandwidth) placed with
    O(hwcloud.bandwidth.workspace_bandwidth#module:auto_pay=false) so that a person could approve the spending first.
  - Idempotent. The order is read first. An order that is processing or completed is already paid, and a cancelled
    order is already cancelled; then nothing is written and the result is C(changed=false).
  - Only an order pending payment can be paid or cancelled. Paying a cancelled order, or cancelling a paid one,
    fails with a message that says so and what to do instead.
  - Paying uses the account balance or monthly settlement, without coupons or discounts.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
options:
  order_id:
    description:
      - The ID of the order, for example C(CS2403011200ABCDE), as returned in RV(hwcloud.bandwidth.workspace_bandwidth#module:order_id)
        by the resize modules.
    type: str
    required: true
  state:
    description:
      - V(paid) pays an order pending payment.
      - V(cancelled) cancels an order pending payment; the bandwidth keeps its size.
    type: str
    required: true
    choices: [paid, cancelled]
  wait:
    description:
      - With O(state=paid), wait until the order is completed, that is, until the change is applied.
      - Also waits when the order was already paid and is still processing.
      - Ignored with O(state=cancelled) and in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait) before failing. The order keeps processing after a timeout.
    type: int
    default: 600
extends_documentation_fragment:
  - hwcloud.bandwidth.common
attributes:
  check_mode:
    description: Reads the order and reports whether it would be paid or cancelled; pays and cancels nothing.
    support: full
  diff_mode:
    description: Reports the status of the order before and after.
    support: full
notes:
  - Paying and cancelling need billing (BSS) permissions; IAM users without them get C(CBC.0151) or C(APIGW.0302).
  - A payment request whose answer is lost is never sent again blindly; the order is read again instead.
seealso:
  - module: hwcloud.bandwidth.order_info
  - module: hwcloud.bandwidth.workspace_bandwidth
  - module: hwcloud.bandwidth.vpc_bandwidth
"""

EXAMPLES = r"""
- name: Place a resize order without paying it
  hwcloud.bandwidth.workspace_bandwidth:
    name: office
    size: 50
    auto_pay: false
    wait: false
    region: cn-north-4
  register: resize

- name: Pay it once approved, and wait until the new size is applied
  hwcloud.bandwidth.order:
    order_id: "{{ resize.order_id }}"
    state: paid
    wait: true
    region: cn-north-4

- name: Or cancel it
  hwcloud.bandwidth.order:
    order_id: "{{ resize.order_id }}"
    state: cancelled
    region: cn-north-4
"""

RETURN = r"""
order:
  description:
    - The order after the task, as read from the billing service.
    - In check mode, the order as it would be (status V(processing) after paying, V(cancelled) after cancelling).
    - With O(wait), as last read when the wait ended.
  returned: always, also when the module fails after reading the order
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
diff:
  description: The order ID and status before and after, in diff mode when something changed.
  returned: changed and diff mode
  type: dict
  sample: {"before": {"order_id": "CS2403011200ABCDE", "status": "pending_payment"},
           "after": {"order_id": "CS2403011200ABCDE", "status": "processing"}}
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import PAID, Orders, OrderStateError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout


class OrderModule(BandwidthModule):
    argument_spec = dict(
        order_id=dict(type="str", required=True),
        state=dict(type="str", required=True, choices=["paid", "cancelled"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )

    def __init__(self, module):
        super().__init__(module)
        self.result["order"] = None

    def run(self):
        params = self.module.params
        order_id = params["order_id"].strip()
        if not order_id:
            raise ValidationError("order_id must not be empty")
        if params["wait"] and params["wait_timeout"] <= 0:
            raise ValidationError("wait_timeout must be a positive number of seconds, got %s" % params["wait_timeout"])
        orders = Orders(self.client)
        try:
            outcome = orders.ensure(order_id, params["state"], check_mode=self.module.check_mode)
        except HwCloudError as exc:
            self.result["order"] = getattr(exc, "order", None)
            raise
        except OrderStateError as exc:
            self.result["order"] = exc.order
            raise ValidationError(str(exc)) from None
        for warning in outcome.warnings:
            self.warn(warning)
        self.result["order"] = outcome.after
        if outcome.changed:
            self._mark_as_changed()
            if self.module._diff:
                self.result["diff"] = outcome.diff()
        if (params["state"] == PAID and params["wait"] and not self.module.check_mode
                and outcome.after["status"] != "completed"):
            try:
                self.result["order"] = orders.wait_completed([order_id], params["wait_timeout"])[0]
            except (WaitFailed, WaitTimeout) as exc:
                if exc.last:
                    self.result["order"] = exc.last[0]
                raise


def main():
    OrderModule.main()


if __name__ == "__main__":
    main()

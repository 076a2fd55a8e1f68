#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: order_info
short_description: Read Huawei Cloud billing orders, and optionally wait until they complete
version_added: 1.0.0
description:
  - Reads yearly/monthly billing orders from the Huawei Cloud billing service (BSS), such as the change orders that
    M(hwcloud.bandwidth.workspace_bandwidth) and M(hwcloud.bandwidth.vpc_bandwidth) place to resize a prepaid bandwidth.
  - With O(wait_until=completed), waits until every given order is completed, polling all of them together with
    backoff, and fails naming any order that is cancelled or not completed within O(wait_timeout).
  - Fails naming every order that the billing service does not know.
  - This module only reads; it never changes anything.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
options:
  order_id:
    description:
      - The ID of one order, for example C(CS2403011200ABCDE).
      - Exactly one of O(order_id) and O(order_ids) is required.
    type: str
  order_ids:
    description:
      - The IDs of several orders. Repeated IDs are read once.
      - Exactly one of O(order_id) and O(order_ids) is required.
    type: list
    elements: str
  wait_until:
    description:
      - V(completed) waits until every order is completed, that is, paid and applied.
      - An order pending payment completes only once it is paid (M(hwcloud.bandwidth.order) with O(hwcloud.bandwidth.order#module:state=paid),
        or the billing console); waiting for it fails after O(wait_timeout) unless someone pays it meanwhile.
      - When not set, the orders are read once.
    type: str
    choices: [completed]
  wait_timeout:
    description:
      - Seconds to wait with O(wait_until) before failing.
    type: int
    default: 600
extends_documentation_fragment:
  - hwcloud.bandwidth.common
attributes:
  check_mode:
    description: Can run in check mode; the module only reads, so it does the same in both modes (waiting included).
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
notes:
  - Reading orders needs billing (BSS) read permission; IAM users without it get C(CBC.0151) or C(APIGW.0302).
seealso:
  - module: hwcloud.bandwidth.order
  - module: hwcloud.bandwidth.workspace_bandwidth
  - module: hwcloud.bandwidth.vpc_bandwidth
"""

EXAMPLES = r"""
- name: Order a larger yearly/monthly Workspace bandwidth and pay it, without waiting until it is applied
  hwcloud.bandwidth.workspace_bandwidth:
    region: cn-north-4
    name: wks-office
    size: 50
    auto_pay: true
    wait: false
  register: office_resize

- name: The same for a VPC bandwidth
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    name: shared-web
    size: 200
    auto_pay: true
    wait: false
  register: web_resize

- name: Read the order placed by the first resize
  hwcloud.bandwidth.order_info:
    order_id: "{{ office_resize.order_id }}"
    region: cn-north-4
  register: office_order

- name: Show its status and amount
  ansible.builtin.debug:
    msg: "{{ office_order.orders[0].status }}, {{ office_order.orders[0].amount }} {{ office_order.orders[0].currency }}"

- name: Wait until both orders are applied
  hwcloud.bandwidth.order_info:
    order_ids:
      - "{{ office_resize.order_id }}"
      - "{{ web_resize.order_id }}"
    wait_until: completed
    wait_timeout: 900
    region: cn-north-4
"""

RETURN = r"""
orders:
  description:
    - The orders, in the order given (each ID once).
    - With O(wait_until), as last read when the wait ended.
  returned: always, also when the module fails while waiting
  type: list
  elements: dict
  contains:
    order_id:
      description: The ID of the order.
      type: str
      sample: CS2403011200ABCDE
    status:
      description: The status of the order by name.
      type: str
      choices: [pending_approval, pending_refund, processing, cancelled, completed, pending_payment, to_be_confirmed]
      sample: pending_payment
    status_code:
      description: The billing service's status code (1, 2, 3, 4, 5, 6 or 9, in the order of the names above).
      type: int
      sample: 6
    order_type:
      description: The billing service's order type; V(3) is a change (resize) order.
      type: int
      sample: 3
    service_type_code:
      description: The cloud service the order is for.
      type: str
      sample: hws.service.type.vpc
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
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Orders, clean_order_ids, read_orders
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout


class OrderInfoModule(BandwidthModule):
    argument_spec = dict(
        order_id=dict(type="str"),
        order_ids=dict(type="list", elements="str"),
        wait_until=dict(type="str", choices=["completed"]),
        wait_timeout=dict(type="int", default=600),
    )
    module_kwargs = dict(
        mutually_exclusive=[("order_id", "order_ids")],
        required_one_of=[("order_id", "order_ids")],
    )

    def __init__(self, module):
        super().__init__(module)
        self.result["orders"] = []

    def run(self):
        params = self.module.params
        ids = clean_order_ids(params["order_id"], params["order_ids"])
        if params["wait_until"]:
            self.check_wait_timeout()
        orders = Orders(self.client)
        self.result["orders"], error = read_orders(orders, ids)
        if error is not None:
            raise error
        if params["wait_until"] == "completed" and any(o["status"] != "completed" for o in self.result["orders"]):
            try:
                self.result["orders"] = orders.wait_completed(ids, params["wait_timeout"])
            except (WaitFailed, WaitTimeout) as exc:
                self.result["orders"] = exc.last or self.result["orders"]
                raise


def main():
    OrderInfoModule.main()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workspace_bandwidth
short_description: Resize or rename a Huawei Cloud Workspace bandwidth
version_added: 1.0.0
description:
  - Brings the dedicated Internet bandwidth of a Huawei Cloud Workspace subnet to a desired size and name.
  - The bandwidth is read first; when it already has the desired size and name, nothing is written and the task
    reports no change.
  - A pay-per-use bandwidth (charge mode C(wks_traffic) or C(free)) is changed with an update, which starts an
    asynchronous job that the module follows to its end.
  - The size of a yearly/monthly bandwidth (charge mode C(wks_bandwidth)) is changed with a billing change order.
    The order costs money and takes effect once it is paid; see O(auto_pay). A change of the name alone never
    places an order.
  - An order is never placed twice. When the bandwidth already has an open change order (pending payment or
    processing), the module places no other. It reports that order with a warning, or fails naming it with
    O(auto_pay=true) (pay or cancel it first).
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
  - hwcloud.bandwidth.resize
options:
  id:
    description:
      - The ID of the bandwidth.
      - One of O(id) and O(name) is required. With O(id), O(name) is the desired name of the bandwidth.
    type: str
  name:
    description:
      - Without O(id), the name of the bandwidth to change; exactly one bandwidth must have it.
      - With O(id), the desired name. 1 to 64 characters, each a letter, a digit, a CJK character, V(_), V(-) or V(.).
    type: str
  size:
    description:
      - The desired size in Mbit/s, from V(1) to V(2000).
      - When not set, the size is left as it is.
      - An integer, or its digits as a string. V(auto) (a size from measured utilization) is an option of
        M(hwcloud.bandwidth.resize) only.
    type: raw
  enterprise_project_id:
    description:
      - The enterprise project of the bandwidth. The bandwidth is looked up in it, and it is sent with the change.
    type: str
notes:
  - Check mode makes no change and places no order; it reports the change and the diff the real run would.
  - Supports diff mode; the diff shows the name and the size before and after.
  - When the billing orders cannot be read (an IAM user without billing permissions), the module warns once and
    follows the bandwidth itself instead of the order.
attributes:
  check_mode:
    description: Can run in check mode and return the changed status and diff the real run would, writing nothing.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode).
    support: full
seealso:
  - module: hwcloud.bandwidth.workspace_bandwidth_info
  - module: hwcloud.bandwidth.order
  - name: Workspace bandwidth API
    description: Modifying, and ordering a change of, a Workspace bandwidth.
    link: https://support.huaweicloud.com/intl/en-us/api-workspace/UpdateSubnetBandwidth.html
"""

EXAMPLES = r"""
- name: Set a pay-per-use Workspace bandwidth to 50 Mbit/s (credentials from the HW_* environment variables)
  hwcloud.bandwidth.workspace_bandwidth:
    region: cn-north-4
    name: wks-training
    size: 50

- name: Rename a bandwidth and set its size, selecting it by ID
  hwcloud.bandwidth.workspace_bandwidth:
    region: cn-north-4
    id: 1e7a3b5f-9c2d-4f4e-8a6b-8d3c2f1e5b72
    name: wks-training-lab
    size: 30

- name: Order a larger yearly/monthly bandwidth and pay it from the balance, waiting until it is applied
  hwcloud.bandwidth.workspace_bandwidth:
    region: cn-north-4
    name: wks-office
    size: 200
    auto_pay: true
    wait_timeout: 900
  register: office

- name: Order a smaller yearly/monthly bandwidth now, leaving the order for someone to pay
  hwcloud.bandwidth.workspace_bandwidth:
    region: cn-north-4
    name: wks-office
    size: 100
    prepaid_decrease: immediate
  register: decrease

- name: Show the order that waits for payment
  ansible.builtin.debug:
    msg: "Order {{ decrease.order_id }} is {{ decrease.order_status }}"
  when: decrease.order_id is not none
"""

RETURN = r"""
bandwidth:
  description:
    - The bandwidth as the service last showed it, never a projection. After a change that was followed to its end
      it shows the change; in check mode, with O(wait=false), or while an order waits for payment it still shows the
      old size (the size asked for is RV(size_after)).
  returned: success
  type: dict
  contains:
    # Generated from plugins/doc_fragments/bandwidth.py by tests/utils/sync_return_docs.py: change the fields there.
    id:
      description: The ID of the bandwidth.
      type: str
      sample: 6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d
    name:
      description: The name of the bandwidth.
      type: str
      sample: wks-office
    size:
      description: The size in Mbit/s.
      type: int
      sample: 100
    billing_mode:
      description: V(prepaid) for a yearly/monthly bandwidth (charge mode V(wks_bandwidth)), V(on_demand) for a
        pay-per-use one.
      type: str
      choices: [prepaid, on_demand]
      sample: prepaid
    charge_mode:
      description: The charge mode of the service, V(wks_bandwidth) (yearly/monthly), V(wks_traffic) or V(free).
      type: str
      sample: wks_bandwidth
    status:
      description: The status, one of V(CREATING), V(ACTIVE), V(INACTIVE), V(UPDATING) and V(DELETING).
      type: str
      sample: ACTIVE
    enterprise_project_id:
      description: The enterprise project of the bandwidth.
      type: str
      sample: "0"
    subnet_id:
      description: The ID of the Workspace subnet the bandwidth serves.
      type: str
      sample: 6b7148a3-d2e0-5211-ba8b-091bc2eca1ff
    subnet_name:
      description: The name of that subnet.
      type: str
      sample: subnet-office
    vpc_id:
      description: The ID of the VPC of the subnet.
      type: str
      sample: 702d75b4-5349-5638-9cea-0d09e235ca32
    vpc_name:
      description: The name of the VPC.
      type: str
      sample: vpc-workspace
    order_id:
      description: The order that created a yearly/monthly bandwidth; null for a pay-per-use one.
      type: str
      sample: CS2403010800ABCDE
    control_mode:
      description: The access control mode, V(BLACK) or V(WHITE).
      type: str
      sample: BLACK
    created_at:
      description: When the bandwidth was created (UTC).
      type: str
      sample: "2024-03-01T08:00:00.000Z"
    # End of the generated fields.
size_after:
  description: The size in Mbit/s this task asks for (the current size when O(size) is not set).
  returned: success
  type: int
  sample: 200
action:
  description:
    - What the task does to the bandwidth, V(none) (already as asked, or an open order already changes it),
      V(update) (a plain update, never an order) or V(order) (a billing change order). In check mode, what it would do.
  returned: success
  type: str
  sample: order
price:
  description:
    - What the change does to the monthly bill at list prices - C(currency), C(monthly_before), C(monthly_after),
      C(monthly_change) and C(reason) when it cannot be told (see M(hwcloud.bandwidth.resize)); V(null) before planning.
  returned: success
  type: dict
  version_added: 1.2.0
amount:
  description: What the change order placed by this task costs, as the billing order shows it; V(null) otherwise.
  returned: success
  type: float
  version_added: 1.2.0
currency:
  description: The currency of RV(amount).
  returned: success
  type: str
  version_added: 1.2.0
order_id:
  description:
    - The change order placed, or the open change order found, for a yearly/monthly bandwidth; V(null) otherwise.
  returned: success
  type: str
  sample: CS2501010800ABCDE
order_status:
  description:
    - The status of that order, one of V(pending_approval), V(pending_refund), V(processing), V(cancelled),
      V(completed), V(pending_payment) and V(to_be_confirmed); V(null) when no order was involved.
  returned: success
  type: str
  sample: pending_payment
job_id:
  description: The ID of the job started by an update (pay-per-use, or a name-only change); V(null) otherwise.
  returned: success
  type: str
  sample: 2c9eb2c5937f4e1e8b0a1fa9a4a2d3c7
diff:
  description: The name and size before and after the change.
  returned: changed and diff mode
  type: dict
  sample:
    before:
      name: wks-office
      size: 100
    after:
      name: wks-office
      size: 200
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import (
    SingleResizeModule,
    resize_argument_spec,
)


class WorkspaceBandwidthModule(SingleResizeModule):
    service = "workspace"
    argument_spec = dict(
        resize_argument_spec(),
        id=dict(type="str"),
        name=dict(type="str"),
        size=dict(type="raw"),
        enterprise_project_id=dict(type="str"),
    )
    module_kwargs = dict(required_one_of=[("id", "name")])


def main():
    WorkspaceBandwidthModule.main()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_bandwidth
short_description: Resize or rename a Huawei Cloud VPC (EIP) bandwidth
version_added: 1.0.0
description:
  - Brings a shared (C(WHOLE)) or dedicated (C(PER)) bandwidth of Huawei Cloud elastic public IPs to a desired size,
    name and, for a pay-per-use bandwidth, charge mode.
  - The bandwidth is read first; when it already is as desired, nothing is written and the task reports no change.
  - A pay-per-use bandwidth is changed with an update that takes effect at once.
  - A bandwidth is yearly/monthly when its billing information is not empty. Its size is changed with a billing
    change order, which costs money and takes effect once it is paid; see O(auto_pay). A change of the name alone
    never places an order.
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
      - Without O(id), the name of the bandwidth to change; exactly one bandwidth must have it. The API has no name
        filter, so the bandwidths of the region (of O(enterprise_project_id) when set) are listed to find it.
      - With O(id), the desired name. 1 to 64 characters, each a letter, a digit, a CJK character, V(_), V(-) or V(.).
    type: str
  size:
    description:
      - The desired size in Mbit/s, from V(1) to V(2000), or the region's range for the charge mode when it can be
        read (C(GET /v3/{project_id}/eip/eip-bandwidth-limits)). A bandwidth billed by traffic takes at most V(300).
      - Any value up to V(300); from V(300) to V(1000) a multiple of V(50); above V(1000) a multiple of V(500).
        Another value fails before anything is written, naming the nearest valid sizes.
      - When not set, the size is left as it is.
      - An integer, or its digits as a string. V(auto) (a size from measured utilization) is an option of
        M(hwcloud.bandwidth.resize) only.
    type: raw
  charge_mode:
    description:
      - The desired charge mode of a pay-per-use bandwidth, by V(bandwidth), by V(traffic) (dedicated bandwidths
        only, at most 300 Mbit/s), or by enhanced 95th percentile, V(95peak_plus) (shared bandwidths only).
      - Setting it to another value than the current one on a yearly/monthly bandwidth fails before anything is
        written.
      - When not set, the charge mode is left as it is.
    type: str
    choices: [bandwidth, traffic, 95peak_plus]
  prepaid_decrease:
    description:
      - What to do when the desired size of a yearly/monthly bandwidth is smaller than the current one.
      - V(refuse) fails before anything is written, and says how to allow the decrease.
      - V(immediate) orders the smaller size now (the provider may refund the difference; some regions only allow a
        decrease at renewal and answer with an error).
      - V(at_renewal) orders the smaller size for the next renewal period given by O(period_type) and O(period_num).
        The bandwidth keeps its size until the renewal; the module warns so. See the notes for how a rerun knows
        that the decrease was already ordered.
    type: str
    choices: [refuse, immediate, at_renewal]
    default: refuse
  period_type:
    description:
      - The unit of the renewal period of O(prepaid_decrease=at_renewal). Required with it, and only allowed with it.
    type: str
    choices: [month, year]
  period_num:
    description:
      - The number of O(period_type) units of the renewal period, V(1) to V(9) months or V(1) to V(3) years.
        Required with O(prepaid_decrease=at_renewal), and only allowed with it.
    type: int
  enterprise_project_id:
    description:
      - The enterprise project to look the bandwidth up in when it is selected by O(name). Not used with O(id).
    type: str
notes:
  - Check mode makes no change and places no order; it reports the change and the diff the real run would (it reads
    the open orders of the bandwidth to tell).
  - Supports diff mode; the diff shows the name and the size (and a changed charge mode) before and after.
  - When the billing orders cannot be read (an IAM user without billing permissions), the module warns once and
    follows the bandwidth itself instead of the order.
  - "How a rerun knows that a decrease at renewal was already ordered: the bandwidth keeps its size until the
    renewal, so the bandwidth alone cannot tell. Before ordering, the module reads the billing orders of the
    bandwidth: an open change order (pending payment, processing) means it was ordered and not yet paid; a
    completed change order of the bandwidth created at or after the bandwidth's last update (C(updated_at)) did not
    change the bandwidth, so it is a change that waits for the renewal (whichever size it ordered). In both cases
    the module places no new order, reports that order and returns C(changed=false) with a warning."
  - The limits of that check, which the provider's API cannot lift. It needs billing (BSS) read permission; without
    it the module warns that it cannot tell and orders again. A later update of the bandwidth (a rename) moves
    C(updated_at) past the order, and orders older than one year are not searched; the module then orders again
    too.
attributes:
  check_mode:
    description: Can run in check mode and return the changed status and diff the real run would, writing nothing.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode).
    support: full
seealso:
  - module: hwcloud.bandwidth.vpc_bandwidth_info
  - module: hwcloud.bandwidth.order
  - module: hwcloud.bandwidth.order_info
  - name: Updating a yearly/monthly bandwidth
    description: The API that orders the change of a yearly/monthly VPC bandwidth.
    link: https://support.huaweicloud.com/intl/en-us/api-eip/eip_apisharedbandwidth_0006.html
"""

EXAMPLES = r"""
- name: Set the dedicated bandwidth of an EIP to 50 Mbit/s billed by traffic (credentials from the HW_* variables)
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    name: eip-bastion
    size: 50
    charge_mode: traffic

- name: Bill a pay-per-use shared bandwidth by enhanced 95th percentile, at 100 Mbit/s
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    name: shared-batch
    size: 100
    charge_mode: 95peak_plus

- name: Rename a bandwidth, selecting it by ID (never places an order, even on a yearly/monthly bandwidth)
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    id: 2f8b4c6a-0d3e-4a5f-9b7c-9e4d3a2f6c83
    name: shared-web-prod

- name: Order a larger yearly/monthly bandwidth and pay it from the balance, waiting until it is applied
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    name: shared-web-prod
    size: 400
    auto_pay: true
    wait_timeout: 900
  register: larger

- name: Order a smaller size for the next month of a yearly/monthly bandwidth, leaving the order to be paid
  hwcloud.bandwidth.vpc_bandwidth:
    region: cn-north-4
    name: shared-web-prod
    size: 100
    prepaid_decrease: at_renewal
    period_type: month
    period_num: 1
  register: smaller

- name: Show the order that waits for payment
  ansible.builtin.debug:
    msg: "Order {{ smaller.order_id }} is {{ smaller.order_status }}"
  when: smaller.order_id is not none
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
      sample: 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d
    name:
      description: The name of the bandwidth.
      type: str
      sample: shared-web-prod
    size:
      description: The size in Mbit/s.
      type: int
      sample: 100
    billing_mode:
      description: V(prepaid) for a yearly/monthly bandwidth (its billing information is not empty), V(on_demand)
        for a pay-per-use one.
      type: str
      choices: [prepaid, on_demand]
      sample: prepaid
    charge_mode:
      description: How the bandwidth is billed, V(bandwidth), V(traffic) or V(95peak_plus); V(bandwidth) when the
        service leaves it empty.
      type: str
      sample: bandwidth
    status:
      description: The status, V(NORMAL) or V(FREEZED).
      type: str
      sample: NORMAL
    enterprise_project_id:
      description: The enterprise project of the bandwidth.
      type: str
      sample: "0"
    share_type:
      description: V(WHOLE) for a shared bandwidth, V(PER) for the dedicated bandwidth of one elastic public IP.
      type: str
      sample: WHOLE
    bandwidth_type:
      description: The type of the bandwidth, for example V(share), V(bgp), V(sbgp) or V(telcom).
      type: str
      sample: share
    publicip_info:
      description: The elastic public IPs that use the bandwidth, as the API gives them; empty when none does.
      type: list
      elements: dict
      sample:
        - publicip_id: 8d9e0f1a-2b3c-4d5e-6f7a-8b9c0d1e2f3a
          publicip_address: 100.85.10.11
          publicip_type: 5_bgp
          ip_version: 4
    billing_info:
      description: The billing information of a yearly/monthly bandwidth; empty for a pay-per-use one.
      type: str
      sample: CS2403010800QWERT:5a8e1f2c3d4b4e6f8a9b0c1d2e3f4a5b:cn-north-4:0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b
    created_at:
      description: When the bandwidth was created (UTC).
      type: str
      sample: "2024-03-01T08:00:00"
    updated_at:
      description: When the bandwidth was last updated (UTC).
      type: str
      sample: "2024-03-01T08:00:00"
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
    - The change order placed, or the order found that already changes the bandwidth, for a yearly/monthly bandwidth;
      V(null) otherwise.
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
  description: Always V(null); VPC bandwidth updates are synchronous. Returned for the same results as
    M(hwcloud.bandwidth.workspace_bandwidth).
  returned: success
  type: str
  sample: null
diff:
  description: The name and size (and a changed charge mode) before and after the change.
  returned: changed and diff mode
  type: dict
  sample:
    before:
      name: shared-web-prod
      size: 100
    after:
      name: shared-web-prod
      size: 400
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import (
    SingleResizeModule,
    resize_argument_spec,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    DECREASE_POLICIES,
    PERIOD_LIMITS,
    VPC_CHARGE_MODES,
    validate_renewal,
)


class VpcBandwidthModule(SingleResizeModule):
    service = "vpc"
    decrease_choices = DECREASE_POLICIES["vpc"]
    argument_spec = dict(
        resize_argument_spec(DECREASE_POLICIES["vpc"]),
        id=dict(type="str"),
        name=dict(type="str"),
        size=dict(type="raw"),
        charge_mode=dict(type="str", choices=list(VPC_CHARGE_MODES)),
        period_type=dict(type="str", choices=sorted(PERIOD_LIMITS)),
        period_num=dict(type="int"),
        enterprise_project_id=dict(type="str"),
    )
    module_kwargs = dict(required_one_of=[("id", "name")])

    def renewal(self):
        params = self.module.params
        return validate_renewal(params["prepaid_decrease"], params.get("period_type"), params.get("period_num"))


def main():
    VpcBandwidthModule.main()


if __name__ == "__main__":
    main()

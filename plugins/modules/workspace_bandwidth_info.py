#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workspace_bandwidth_info
short_description: List Huawei Cloud Workspace bandwidths
version_added: 1.0.0
description:
  - Lists the Internet bandwidths of Huawei Cloud Workspace subnets, reading every page of the listing.
  - Each bandwidth is returned in the normalised form that M(hwcloud.bandwidth.workspace_bandwidth) returns too.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
options:
  id:
    description:
      - Only the bandwidth with this ID.
    type: str
  name:
    description:
      - Only the bandwidths with exactly this name.
    type: str
  vpc_id:
    description:
      - Only the bandwidths of subnets of this VPC.
    type: str
  subnet_id:
    description:
      - Only the bandwidth of this subnet.
    type: str
  enterprise_project_id:
    description:
      - Only the bandwidths of this enterprise project.
    type: str
attributes:
  check_mode:
    description: Can run in check mode; the module only reads, so it does the same in both modes.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
seealso:
  - module: hwcloud.bandwidth.workspace_bandwidth
"""

EXAMPLES = r"""
- name: List every Workspace bandwidth of the region (credentials from the HW_* environment variables)
  hwcloud.bandwidth.workspace_bandwidth_info:
    region: cn-north-4
  register: workspace

- name: Show the yearly/monthly ones
  ansible.builtin.debug:
    msg: "{{ workspace.bandwidths | selectattr('billing_mode', 'equalto', 'prepaid') | map(attribute='name') }}"

- name: Read one bandwidth by name
  hwcloud.bandwidth.workspace_bandwidth_info:
    region: cn-north-4
    name: wks-office
  register: office
"""

RETURN = r"""
bandwidths:
  description: The bandwidths that match every filter given; an empty list when none does.
  returned: always
  type: list
  elements: dict
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
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths


class WorkspaceBandwidthInfoModule(BandwidthModule):
    argument_spec = dict(
        id=dict(type="str"),
        name=dict(type="str"),
        vpc_id=dict(type="str"),
        subnet_id=dict(type="str"),
        enterprise_project_id=dict(type="str"),
    )

    def run(self):
        params = self.module.params
        self.result["bandwidths"] = WorkspaceBandwidths(self.client).list(
            bandwidth_id=params["id"],
            bandwidth_name=params["name"],
            vpc_id=params["vpc_id"],
            subnet_id=params["subnet_id"],
            enterprise_project_id=params["enterprise_project_id"],
        )


def main():
    WorkspaceBandwidthInfoModule.main()


if __name__ == "__main__":
    main()

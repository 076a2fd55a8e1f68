#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_bandwidth_info
short_description: List Huawei Cloud VPC (EIP) bandwidths
version_added: 1.0.0
description:
  - Lists the shared and dedicated bandwidths of the elastic public IPs of a region, following every page of the
    listing to its end, and returns them normalised the same way as M(hwcloud.bandwidth.vpc_bandwidth) does.
  - Reads only; never changes anything.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
options:
  id:
    description:
      - Only the bandwidth with this ID (read directly, one request). An empty list when it does not exist.
    type: str
  name:
    description:
      - Only the bandwidths with exactly this name. The API has no name filter, so the bandwidths are listed and
        filtered by the module.
    type: str
  share_type:
    description:
      - Only shared (V(WHOLE)) or only dedicated (V(PER)) bandwidths.
    type: str
    choices: [WHOLE, PER]
  enterprise_project_id:
    description:
      - Only the bandwidths of this enterprise project (V(0) is the default project).
    type: str
notes:
  - Supports check mode; the module reads only.
attributes:
  check_mode:
    description: Can run in check mode and return the same result, as it changes nothing.
    support: full
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: none
seealso:
  - module: hwcloud.bandwidth.vpc_bandwidth
"""

EXAMPLES = r"""
- name: List every VPC bandwidth of the region (credentials from the HW_* environment variables)
  hwcloud.bandwidth.vpc_bandwidth_info:
    region: cn-north-4
  register: vpc

- name: Show the yearly/monthly ones
  ansible.builtin.debug:
    msg: "{{ vpc.bandwidths | selectattr('billing_mode', 'equalto', 'prepaid') | map(attribute='name') }}"

- name: List the shared bandwidths of an enterprise project
  hwcloud.bandwidth.vpc_bandwidth_info:
    region: cn-north-4
    share_type: WHOLE
    enterprise_project_id: "0"
  register: shared

- name: Read one bandwidth by name
  hwcloud.bandwidth.vpc_bandwidth_info:
    region: cn-north-4
    name: shared-web
  register: web
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
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import SHARE_TYPES
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths


class VpcBandwidthInfoModule(BandwidthModule):
    argument_spec = dict(
        id=dict(type="str"),
        name=dict(type="str"),
        share_type=dict(type="str", choices=list(SHARE_TYPES)),
        enterprise_project_id=dict(type="str"),
    )

    def run(self):
        params = self.module.params
        service = VpcBandwidths(self.client)
        if params["id"]:
            found = service.get(params["id"])
            bandwidths = [found] if found else []
            filters = {key: params[key] for key in ("share_type", "name", "enterprise_project_id")}
            bandwidths = [item for item in bandwidths if service.matches(item, **filters)]
        else:
            bandwidths = service.list(share_type=params["share_type"], name=params["name"],
                                      enterprise_project_id=params["enterprise_project_id"])
        self.result["bandwidths"] = bandwidths


def main():
    VpcBandwidthInfoModule.main()


if __name__ == "__main__":
    main()

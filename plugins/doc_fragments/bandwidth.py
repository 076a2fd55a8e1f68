# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of the normalised bandwidth, written once for the RETURN of every module.

ansible-doc merges the DOCUMENTATION of a doc fragment into a module, never its RETURN: a
module's RETURN is read as the literal string in the module. So the fields live here, and
``tests/utils/sync_return_docs.py`` writes them into the ``contains`` of each module that returns
normalised bandwidths, between two marker comments. A unit test fails when a module's copy differs
from what the script would write: change the fields here, then run
``python tests/utils/sync_return_docs.py``.

No module names this class in ``extends_documentation_fragment``: it holds no options.
"""

from __future__ import annotations


class ModuleDocFragment:
    """RETURN ``contains`` fields of the normalised bandwidth (see the module docstring)."""

    # The fields of both services, in the order of the normalised bandwidth.
    COMMON = r"""
id:
  description: The ID of the bandwidth.
  type: str
name:
  description: The name of the bandwidth.
  type: str
size:
  description: The size in Mbit/s.
  type: int
  sample: 100
billing_mode:
  description: V(prepaid) for a yearly/monthly bandwidth, V(on_demand) for a pay-per-use one.
  type: str
  choices: [prepaid, on_demand]
  sample: prepaid
charge_mode:
  description: How the service bills the bandwidth.
  type: str
status:
  description: The status of the bandwidth, as the service gives it.
  type: str
enterprise_project_id:
  description: The enterprise project of the bandwidth.
  type: str
  sample: "0"
"""

    # Workspace: each key of a common field adds to it or replaces it; the other fields follow.
    WORKSPACE = r"""
id:
  sample: 6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d
name:
  sample: wks-office
billing_mode:
  description: V(prepaid) for a yearly/monthly bandwidth (charge mode V(wks_bandwidth)), V(on_demand) for a
    pay-per-use one.
charge_mode:
  description: The charge mode of the service, V(wks_bandwidth) (yearly/monthly), V(wks_traffic) or V(free).
  sample: wks_bandwidth
status:
  description: The status, one of V(CREATING), V(ACTIVE), V(INACTIVE), V(UPDATING) and V(DELETING).
  sample: ACTIVE
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
"""

    # VPC (EIP): each key of a common field adds to it or replaces it; the other fields follow.
    VPC = r"""
id:
  sample: 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d
name:
  sample: shared-web-prod
billing_mode:
  description: V(prepaid) for a yearly/monthly bandwidth (its billing information is not empty), V(on_demand) for a
    pay-per-use one.
charge_mode:
  description: How the bandwidth is billed, V(bandwidth), V(traffic) or V(95peak_plus); V(bandwidth) when the
    service leaves it empty.
  sample: bandwidth
status:
  description: The status, V(NORMAL) or V(FREEZED).
  sample: NORMAL
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
  sample: "CS2403010800QWERT:5a8e1f2c3d4b4e6f8a9b0c1d2e3f4a5b:cn-north-4:0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"
created_at:
  description: When the bandwidth was created (UTC).
  type: str
  sample: "2024-03-01T08:00:00"
updated_at:
  description: When the bandwidth was last updated (UTC).
  type: str
  sample: "2024-03-01T08:00:00"
"""

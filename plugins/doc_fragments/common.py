# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection and credential options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - The access key (AK) of the Huawei Cloud account or IAM user.
      - If not set, the value of the E(HW_ACCESS_KEY) environment variable is used.
    type: str
  secret_key:
    description:
      - The secret key (SK) that goes with O(access_key). Requests are signed with it; it is never sent.
      - If not set, the value of the E(HW_SECRET_KEY) environment variable is used.
    type: str
  security_token:
    description:
      - The security token of temporary credentials (an AK/SK obtained from IAM for a limited time).
      - If not set, the value of the E(HW_SECURITY_TOKEN) environment variable is used.
    type: str
  region:
    description:
      - The region of the bandwidths, for example V(cn-north-4) or V(ap-southeast-1).
      - If not set, the value of the E(HW_REGION_NAME) environment variable is used.
      - Required, from this option or from E(HW_REGION_NAME); the option need not be written in a task when the
        variable is set. A run with neither fails before any request and names both.
    type: str
  project_id:
    description:
      - The project ID of O(region).
      - If not set, the value of the E(HW_PROJECT_ID) environment variable is used; when that is
        empty too, the project is looked up through IAM by the region name (one request per run).
    type: str
  cloud:
    description:
      - The domain suffix of the endpoints, as in C(https://vpc.{region}.{cloud}).
      - If not set, the value of the E(HW_CLOUD) environment variable is used, and C(myhuaweicloud.com)
        when that is empty too.
    type: str
  endpoints:
    description:
      - Base URLs that replace the computed endpoint of a service, keyed by service name
        (C(iam), C(workspace), C(vpc), C(bss), C(ces)), for example a private endpoint or a local simulator.
      - C(ces) is Cloud Eye, read for the measured utilization of VPC bandwidths.
      - C(bss) is the billing service; accounts of the international site use C(https://bss-intl.myhuaweicloud.com),
        which the modules also switch to by themselves when the billing service says the account belongs there.
      - A service's value may also be a mapping of region to base URL, for a run whose targets span regions
        (M(hwcloud.bandwidth.resize)); a region it does not name gets the computed endpoint, and a plain URL serves
        every region.
      - If not set, the value of the E(HW_ENDPOINTS) environment variable is used, as JSON or as
        C(service=url,service=url).
    type: dict
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the endpoints. Set to V(false) only for a trusted test endpoint.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a read request is retried after a connection error or a server error (5xx), with exponential
        backoff and jitter.
      - A request that changes something is retried only when it certainly did not reach the service.
      - A throttling answer (429, which the API gateway gives before the service sees the request) does not count
        here; any request is sent again after it, honouring C(Retry-After), until it has waited 2 minutes in all.
        V(0) turns that off too.
      - If not set, the value of the E(HW_MAX_RETRIES) environment variable is used, and V(5) when that is empty too.
    type: int
requirements:
  - python >= 3.9
  - requests >= 2.25.0
notes:
  - Requests are signed with the AK/SK algorithm C(SDK-HMAC-SHA256); the clock of the machine that runs the module
    must be right to within a few minutes, or the API gateway rejects the requests.
"""

    # The same connection options for a plugin (the inventory plugin), whose settings the
    # configuration manager reads, with the HW_* variables as its environment sources.
    PLUGIN = r"""
options:
  access_key:
    description:
      - The access key (AK) of the Huawei Cloud account or IAM user.
      - May be a Jinja2 template.
    type: str
    env:
      - name: HW_ACCESS_KEY
  secret_key:
    description:
      - The secret key (SK) that goes with O(access_key). Requests are signed with it; it is never sent.
      - May be a Jinja2 template.
    type: str
    env:
      - name: HW_SECRET_KEY
  security_token:
    description:
      - The security token of temporary credentials.
      - May be a Jinja2 template.
    type: str
    env:
      - name: HW_SECURITY_TOKEN
  region:
    description:
      - The region of the bandwidths, for example V(cn-north-4).
      - May be a Jinja2 template.
      - Required, from this option or E(HW_REGION_NAME), unless the plugin is given a list of regions.
    type: str
    env:
      - name: HW_REGION_NAME
  project_id:
    description:
      - The project ID of O(region). When not set, it is looked up through IAM by the region name.
    type: str
    env:
      - name: HW_PROJECT_ID
  cloud:
    description:
      - The domain suffix of the endpoints, as in C(https://vpc.{region}.{cloud}).
      - Defaults to C(myhuaweicloud.com) when neither this option nor E(HW_CLOUD) is set.
    type: str
    env:
      - name: HW_CLOUD
  endpoints:
    description:
      - Base URLs that replace the computed endpoint of a service, keyed by service name
        (C(iam), C(workspace), C(vpc), C(bss), C(ces)), for example a private endpoint or a local simulator.
      - A mapping, or a string holding JSON or C(service=url,service=url) (the form of E(HW_ENDPOINTS)).
    type: raw
    env:
      - name: HW_ENDPOINTS
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the endpoints. Set to V(false) only for a trusted test endpoint.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a read request is retried after a connection error or a server error (5xx), with exponential
        backoff and jitter.
      - A throttling answer (429) does not count here; the request is sent again, honouring C(Retry-After), until it
        has waited 2 minutes in all. V(0) turns that off too.
    type: int
    default: 5
    env:
      - name: HW_MAX_RETRIES
"""

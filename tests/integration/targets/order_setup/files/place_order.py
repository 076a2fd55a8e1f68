#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Place a change order for a prepaid bandwidth without paying it, straight through the API.

    place_order.py workspace|vpc BANDWIDTH_ID SIZE

The order and order_info targets use it so that they do not depend on the bandwidth
modules. The credentials, region and endpoints come from the HW_* environment variables.
Prints {"order_id": ...} as JSON.
"""

from __future__ import annotations

import json
import os
import sys


def _collections_root():
    """The directory that holds ansible_collections/, found above this file."""
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        if os.path.basename(here) == "ansible_collections":
            return os.path.dirname(here)
        parent = os.path.dirname(here)
        if parent == here:
            raise SystemExit("place_order.py must run from inside an ansible_collections tree")
        here = parent


def main(argv):
    if len(argv) != 3 or argv[0] not in ("workspace", "vpc"):
        raise SystemExit("usage: place_order.py workspace|vpc BANDWIDTH_ID SIZE")
    service, bandwidth_id, size = argv[0], argv[1], int(argv[2])
    sys.path.insert(0, _collections_root())
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient

    client = HwCloudClient(ClientConfig.from_env(os.environ))
    if service == "workspace":
        answer = client.request(
            "workspace", "POST", client.path("/v2/{project_id}/bandwidths/{id}/periodic/change/order", id=bandwidth_id),
            "order a change of bandwidth %s" % bandwidth_id,
            body={"bandwidth_size": str(size), "extend_param": {"is_auto_pay": "false"}})
    else:
        answer = client.request(
            "vpc", "PUT", client.path("/v2.0/{project_id}/bandwidths/{id}", id=bandwidth_id),
            "order a change of bandwidth %s" % bandwidth_id,
            body={"bandwidth": {"size": size}, "extendParam": {"is_auto_pay": False}})
    print(json.dumps({"order_id": answer["order_id"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

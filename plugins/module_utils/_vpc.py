# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC bandwidths (the shared or dedicated bandwidth of elastic public IPs): find, read, normalise, change.

A bandwidth is yearly/monthly when its ``billing_info`` is not empty. Pay-per-use bandwidths
change through ``PUT /v1/{project_id}/bandwidths/{id}``, which answers the changed bandwidth at
once. Yearly/monthly ones change through ``PUT /v2.0/{project_id}/bandwidths/{id}``: a size
change places a billing order (``order_id``), a name-only change answers the bandwidth and
places none. ``extendParam`` is camelCase and ``is_auto_pay`` a JSON boolean there: the bodies
are built here and nowhere else.
"""

from __future__ import annotations

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    ON_DEMAND,
    PREPAID,
    BandwidthService,
    Change,
)

LIST_PATH = "/v1/{project_id}/bandwidths"
SHOW_PATH = "/v1/{project_id}/bandwidths/{bandwidth_id}"
UPDATE_PATH = "/v1/{project_id}/bandwidths/{bandwidth_id}"
PREPAID_UPDATE_PATH = "/v2.0/{project_id}/bandwidths/{bandwidth_id}"
# The API returns at most 2000 bandwidths a page.
PAGE_SIZE = 2000

# The enterprise_project_id value that lists the bandwidths of every enterprise project the user may see.
ALL_ENTERPRISE_PROJECTS = "all_granted_eps"
NOT_FOUND_CODES = frozenset(("VPC.0306",))
LIMITS_PATH = "/v3/{project_id}/eip/eip-bandwidth-limits"
LIMITS_PAGE_SIZE = 100
# The limits API is optional: not allowed, not found (older regions) or not served means "use the defaults".
LIMITS_UNAVAILABLE_STATUSES = frozenset((400, 401, 403, 404, 405, 501))


def normalize(item):
    """The design's normalised bandwidth from an EIP ``BandwidthResp``."""
    billing_info = item.get("billing_info") or ""
    return {
        "id": item.get("id"),
        "name": item.get("name"),
        "size": item.get("size"),
        "billing_mode": PREPAID if billing_info else ON_DEMAND,
        # The API leaves charge_mode empty for a bandwidth billed by bandwidth.
        "charge_mode": item.get("charge_mode") or "bandwidth",
        "status": item.get("status"),
        "enterprise_project_id": item.get("enterprise_project_id"),
        "share_type": item.get("share_type"),
        "bandwidth_type": item.get("bandwidth_type"),
        "publicip_info": list(item.get("publicip_info") or []),
        "billing_info": billing_info,
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
    }


class VpcBandwidths(BandwidthService):
    """The VPC (EIP) bandwidths of the client's project."""

    kind = "vpc"
    title = "VPC"

    def __init__(self, client, enterprise_project_id=None, page_size=PAGE_SIZE):
        super().__init__(client, enterprise_project_id=enterprise_project_id)
        self.page_size = page_size

    def normalize(self, item):
        return normalize(item)

    # -- reading --------------------------------------------------------------------------

    def list(self, share_type=None, enterprise_project_id=None, name=None):
        """Every bandwidth matching the filters, all ``marker`` pages.

        The API has no name filter: ``name`` is matched here, exactly.
        """
        query = {}
        if share_type:
            query["share_type"] = share_type
        enterprise_project_id = enterprise_project_id or self.enterprise_project_id
        if enterprise_project_id:
            query["enterprise_project_id"] = enterprise_project_id
        items = self.client.pages_by_marker("vpc", LIST_PATH, "bandwidths", "list VPC bandwidths", query=query,
                                            limit=self.page_size)
        found = []
        for item in items:
            bandwidth = normalize(item)
            if self.matches(bandwidth, share_type=share_type, name=name, enterprise_project_id=enterprise_project_id):
                found.append(bandwidth)
        return found

    @staticmethod
    def matches(bandwidth, share_type=None, name=None, enterprise_project_id=None):
        """Whether a normalised bandwidth passes the filters, exactly (None filters nothing).

        Applied to the answer too: a service that ignored a filter must not make a lookup pick
        the wrong bandwidth.
        """
        if share_type and bandwidth.get("share_type") != share_type:
            return False
        if name is not None and bandwidth.get("name") != name:
            return False
        if enterprise_project_id not in (None, "", ALL_ENTERPRISE_PROJECTS) and \
                bandwidth.get("enterprise_project_id") != enterprise_project_id:
            return False
        return True

    def get(self, bandwidth_id):
        """The bandwidth, or None when the service says it does not exist."""
        try:
            answer = self.client.request("vpc", "GET", self.client.path(SHOW_PATH, bandwidth_id=bandwidth_id),
                                         "read VPC bandwidth %s" % bandwidth_id) or {}
        except HwCloudError as exc:
            if exc.status == 404 and exc.error_code in NOT_FOUND_CODES:
                return None
            raise
        item = answer.get("bandwidth")
        if not item:
            raise HwCloudError("read VPC bandwidth %s" % bandwidth_id, "the answer holds no bandwidth",
                               hint="check the vpc endpoint")
        return normalize(item)

    # -- changing -------------------------------------------------------------------------

    def update(self, current, desired):
        """A plain update: any change of a pay-per-use bandwidth, or a rename of a yearly/monthly one."""
        label = self.label(current)
        changes = dict(desired.items())
        if current.get("billing_mode") == PREPAID:
            if set(changes) != {"name"}:
                # The plan sends every prepaid size change to order(); never order from here.
                raise ValueError("a yearly/monthly bandwidth is only renamed by update(), got %r" % (desired,))
            path, body = PREPAID_UPDATE_PATH, {"bandwidth": {"name": desired.name}}
        else:
            if "size" in changes:
                changes["size"] = int(changes["size"])
            path, body = UPDATE_PATH, {"bandwidth": self._update_option(current, changes)}
        operation = "update %s (%s)" % (label, ", ".join("%s=%s" % item for item in sorted(changes.items())))
        answer = self.client.request("vpc", "PUT", self.client.path(path, bandwidth_id=current["id"]), operation,
                                     body=body) or {}
        if answer.get("order_id"):
            raise HwCloudError(operation, "the service placed order %s for a change that needs none"
                               % answer["order_id"],
                               hint="check the order in the billing console and cancel it if it is not wanted")
        item = answer.get("bandwidth")
        return Change(bandwidth=normalize(item) if item else None)

    @staticmethod
    def _update_option(current, changes):
        """The ``bandwidth`` of a v1 update: the service wants ``name`` or ``size`` in every one.

        A change of the charge mode alone would be refused (400 VPC.0301), so it carries the
        current size, which changes nothing.
        """
        option = dict(changes)
        if "size" not in option and "name" not in option:
            option["size"] = int(current["size"])
        return option

    @staticmethod
    def order_body(current, desired, auto_pay, renewal=None):
        """The body of the yearly/monthly change order (``PUT /v2.0``)."""
        size = desired.size if desired.size is not None else current.get("size")
        option = {"size": int(size)}
        if desired.name is not None:
            option["name"] = desired.name
        extend = {"is_auto_pay": bool(auto_pay)}
        if renewal is not None:
            extend["period_type"] = renewal.period_type
            extend["period_num"] = int(renewal.period_num)
        return {"bandwidth": option, "extendParam": extend}

    def order(self, current, desired, auto_pay, renewal=None):
        """A change order of a yearly/monthly bandwidth: answers the order id."""
        body = self.order_body(current, desired, auto_pay, renewal)
        when = " at renewal" if renewal is not None else ""
        operation = "order the change of %s to %s Mbit/s%s" % (self.label(current), body["bandwidth"]["size"], when)
        answer = self.client.request(
            "vpc", "PUT", self.client.path(PREPAID_UPDATE_PATH, bandwidth_id=current["id"]), operation,
            body=body) or {}
        order_id = answer.get("order_id")
        if not order_id:
            # Accepted, but no order to follow: resolve it by reading, as after a lost answer.
            raise OutcomeUnknownError(operation, "the service accepted the change but returned no order_id")
        return Change(order_id=order_id)

    def size_limits(self):
        """The region's size range per charge mode, ``{charge_mode: (min, max)}``; None when it cannot be read.

        ``GET /v3/{project_id}/eip/eip-bandwidth-limits`` is newer than the bandwidth APIs: an
        older region answers 404, and a user may lack the permission. Either way the documented
        default range applies, so any refusal means "unknown", never a failure.
        """
        limits = {}
        try:
            items = self.client.pages_by_marker("vpc", LIMITS_PATH, "eip_bandwidth_limits",
                                                "read the bandwidth size limits of the region", limit=LIMITS_PAGE_SIZE,
                                                next_marker=("page_info", "next_marker"))
            for item in items:
                low, high = item.get("min_size"), item.get("max_size")
                if item.get("charge_mode") and isinstance(low, int) and isinstance(high, int) and low <= high:
                    limits[item["charge_mode"]] = (low, high)
        except HwCloudError as exc:
            if exc.status in LIMITS_UNAVAILABLE_STATUSES:
                return None
            raise
        return limits or None

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

import datetime

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    OutcomeUnknownError,
    ValidationError,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import ORDER_TYPE_CHANGE, STATUS_CODES, Orders
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    ON_DEMAND,
    PREPAID,
    validate_name,
    validate_vpc_size,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._resize import BandwidthService, Change

LIST_PATH = "/v1/{project_id}/bandwidths"
SHOW_PATH = "/v1/{project_id}/bandwidths/{bandwidth_id}"
UPDATE_PATH = "/v1/{project_id}/bandwidths/{bandwidth_id}"
PREPAID_UPDATE_PATH = "/v2.0/{project_id}/bandwidths/{bandwidth_id}"
# The API returns at most 2000 bandwidths a page.
PAGE_SIZE = 2000

# The enterprise_project_id value that lists the bandwidths of every enterprise project the user may see.
ALL_ENTERPRISE_PROJECTS = "all_granted_eps"
SHARE_TYPES = ("WHOLE", "PER")
CHARGE_MODES = ("bandwidth", "traffic", "95peak_plus")
# Only a shared (WHOLE) bandwidth can be billed by enhanced 95th percentile.
SHARED_ONLY_CHARGE_MODES = ("95peak_plus",)
NOT_FOUND_CODES = frozenset(("VPC.0306",))
# Renewal periods the provider accepts for a decrease that takes effect at renewal.
PERIOD_LIMITS = {"month": 9, "year": 3}
# BSS refuses an order search whose creation-time window is longer than one year.
ORDER_SEARCH_WINDOW = datetime.timedelta(days=365)
VPC_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
BSS_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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


def _describe(bandwidths):
    return ", ".join("%s (%s, %s, %s Mbit/s)" % (b.get("name"), b.get("id"), b.get("share_type"), b.get("size"))
                     for b in bandwidths)


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _parse_vpc_time(text):
    """A VPC timestamp (UTC, ``yyyy-MM-ddTHH:mm:ss``, sometimes with ``Z`` or fractions) or None."""
    if not text:
        return None
    try:
        return datetime.datetime.strptime(str(text)[:19], VPC_TIME_FORMAT)
    except ValueError:
        return None


def validate_period(params):
    """``period_type``/``period_num`` belong to ``prepaid_decrease=at_renewal``, and it needs both."""
    policy = params.get("prepaid_decrease")
    period_type = params.get("period_type")
    period_num = params.get("period_num")
    if policy != "at_renewal":
        given = [key for key in ("period_type", "period_num") if params.get(key) is not None]
        if given:
            raise ValidationError(
                "%s only apply to prepaid_decrease=at_renewal (the renewal period of a decrease that takes effect at "
                "renewal); remove %s, or set prepaid_decrease=at_renewal" % (" and ".join(given), " and ".join(given)))
        return
    if period_type is None or period_num is None:
        raise ValidationError(
            "prepaid_decrease=at_renewal needs period_type (month or year) and period_num (1 to 9 months, or 1 to 3 "
            "years): the smaller size is ordered for that renewal period")
    if period_type not in PERIOD_LIMITS:
        raise ValidationError("period_type must be month or year, got %r" % (period_type,))
    limit = PERIOD_LIMITS[period_type]
    if isinstance(period_num, bool) or not isinstance(period_num, int) or not 1 <= period_num <= limit:
        raise ValidationError("period_num %r is out of range for period_type=%s: use 1 to %d"
                              % (period_num, period_type, limit))


class VpcBandwidths(BandwidthService):
    """The VPC (EIP) bandwidths of the client's project."""

    kind = "vpc"
    decrease_policies = ("immediate", "at_renewal")

    def __init__(self, client, enterprise_project_id=None, page_size=PAGE_SIZE, clock=_utcnow, **kwargs):
        super().__init__(client, **kwargs)
        self.enterprise_project_id = enterprise_project_id
        self.page_size = page_size
        self.clock = clock

    def normalize(self, item):
        return normalize(item)

    def label(self, bandwidth):
        return "VPC bandwidth %s (%s)" % (bandwidth.get("name"), bandwidth.get("id"))

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

    def _scope(self, enterprise_project_id=None):
        region = getattr(getattr(self.client, "config", None), "region", None)
        scope = " in region %s" % region if region else ""
        if enterprise_project_id:
            scope += " and enterprise project %s" % enterprise_project_id
        return scope

    def find(self, bandwidth_id=None, name=None):
        """The one bandwidth with this id, or else with this name; fail on none or several."""
        if bandwidth_id:
            found = self.get(bandwidth_id)
            if found is not None:
                return found
            raise HwCloudError("find the VPC bandwidth with id %s" % bandwidth_id,
                               "no VPC bandwidth has id %s%s" % (bandwidth_id, self._scope()),
                               status=404, error_code="VPC.0306",
                               hint="check the id and the region; hwcloud.bandwidth.vpc_bandwidth_info lists the "
                                    "bandwidths")
        if not name:
            raise HwCloudError("find VPC bandwidth", "neither id nor name was given", hint="set id or name")
        every = self.list()
        found = [bandwidth for bandwidth in every if bandwidth["name"] == name]
        if len(found) == 1:
            return found[0]
        operation = "find the VPC bandwidth named %s" % name
        scope = self._scope(self.enterprise_project_id)
        if not found:
            raise HwCloudError(operation, "none of the %d VPC bandwidths%s is named %s" % (len(every), scope, name),
                               hint="check the name, the region and the enterprise project; "
                                    "hwcloud.bandwidth.vpc_bandwidth_info lists the bandwidths")
        raise HwCloudError(operation, "%d VPC bandwidths%s are named %s: %s" % (
            len(found), scope, name, _describe(found)), hint="select the bandwidth by id instead of by name")

    # -- checks ---------------------------------------------------------------------------

    def validate(self, size, name, params):
        """Everything that can be checked before the first call."""
        validate_vpc_size(size)
        validate_name(name)
        params = params or {}
        charge_mode = params.get("charge_mode")
        if charge_mode is not None and charge_mode not in CHARGE_MODES:
            raise ValidationError("charge_mode must be one of %s, got %r" % (", ".join(CHARGE_MODES), charge_mode))
        validate_period(params)

    def check_plan(self, plan):
        """Rules that need the current bandwidth; raised before any write, in check mode too."""
        charge_mode = plan.changes.get("charge_mode")
        if charge_mode in SHARED_ONLY_CHARGE_MODES and plan.current.get("share_type") != "WHOLE":
            raise ValidationError(
                "%s is a dedicated (%s) bandwidth: charge_mode %s is only for shared (WHOLE) bandwidths; use "
                "bandwidth or traffic" % (self.label(plan.current), plan.current.get("share_type"), charge_mode))

    # -- changing -------------------------------------------------------------------------

    def update(self, current, plan):
        """A plain update: any change of a pay-per-use bandwidth, or a rename of a yearly/monthly one."""
        changes = plan.changes
        label = self.label(current)
        if current.get("billing_mode") == PREPAID:
            if set(changes) != {"name"}:
                # The plan sends every prepaid size change to order(); never order from here.
                raise ValueError("a yearly/monthly bandwidth is only renamed by update(), got %r" % (changes,))
            path, body = PREPAID_UPDATE_PATH, {"bandwidth": {"name": changes["name"]}}
        else:
            option = {key: changes[key] for key in ("name", "size", "charge_mode") if key in changes}
            if "size" in option:
                option["size"] = int(option["size"])
            path, body = UPDATE_PATH, {"bandwidth": option}
        operation = "update %s (%s)" % (label, ", ".join("%s=%s" % item for item in sorted(changes.items())))
        answer = self.client.request("vpc", "PUT", self.client.path(path, bandwidth_id=current["id"]), operation,
                                     body=body) or {}
        if answer.get("order_id"):
            raise HwCloudError(operation, "the service placed order %s for a change that needs none"
                               % answer["order_id"],
                               hint="check the order in the billing console and cancel it if it is not wanted")
        item = answer.get("bandwidth")
        return Change(bandwidth=normalize(item) if item else None)

    def order_body(self, current, plan, auto_pay, params):
        """The body of the yearly/monthly change order (``PUT /v2.0``)."""
        option = {"size": int(plan.size_after)}
        if "name" in plan.changes:
            option["name"] = plan.changes["name"]
        extend = {"is_auto_pay": bool(auto_pay)}
        if plan.decrease_mode == "at_renewal":
            params = params or {}
            extend["period_type"] = params["period_type"]
            extend["period_num"] = int(params["period_num"])
        return {"bandwidth": option, "extendParam": extend}

    def order(self, current, plan, auto_pay, params):
        """A change order of a yearly/monthly bandwidth: answers the order id."""
        body = self.order_body(current, plan, auto_pay, params)
        when = " at renewal" if plan.decrease_mode == "at_renewal" else ""
        operation = "order the change of %s to %s Mbit/s%s" % (self.label(current), plan.size_after, when)
        answer = self.client.request(
            "vpc", "PUT", self.client.path(PREPAID_UPDATE_PATH, bandwidth_id=current["id"]), operation,
            body=body) or {}
        order_id = answer.get("order_id")
        if not order_id:
            # Accepted, but no order to follow: resolve it by reading, as after a lost answer.
            raise OutcomeUnknownError(operation, "the service accepted the change but returned no order_id")
        return Change(order_id=order_id)

    def ordered_changes(self, current, plan):
        """Completed orders of a change at renewal that the bandwidth cannot show yet.

        A decrease at renewal leaves the size as it is until the renewal, so the bandwidth
        alone cannot tell a rerun that it was ordered. The billing service can: a completed
        change order of this bandwidth, created at or after the bandwidth's last update
        (``updated_at``), did not change the bandwidth, so it is a change waiting for the
        renewal. (A change that took effect at once would have updated the bandwidth after the
        order was created.) Only the last year of orders can be searched.
        """
        if plan.decrease_mode != "at_renewal":
            return []
        now = self.clock()
        begin = max(_parse_vpc_time(current.get("updated_at")) or now - ORDER_SEARCH_WINDOW,
                    now - ORDER_SEARCH_WINDOW)
        orders = Orders(self.client)
        completed = orders.list(order_type=str(ORDER_TYPE_CHANGE), status=STATUS_CODES["completed"],
                                create_time_begin=begin.strftime(BSS_TIME_FORMAT),
                                create_time_end=(now + datetime.timedelta(minutes=5)).strftime(BSS_TIME_FORMAT))
        return [order for order in completed if current["id"] in orders.resource_ids(order["order_id"])]

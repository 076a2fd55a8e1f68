"""The API operations. Each takes (store, call) and returns (status, body); errors are raised as ApiError.

call is a Call: project_id, params (from the path), query (dict of lists), body (parsed JSON),
and order_id (set by an operation that places an order, for the request log).
"""

import re
import time
from dataclasses import dataclass, field
from typing import Optional

from . import errors, pricing
from .state import ORDER_CANCELLED, ORDER_PENDING_PAYMENT, SERVICE_CODES, utc_text, vpc_time_text
from .validation import BodyError, Field, check

NAME_RE = re.compile(r"^[\w.\-\u4e00-\u9fff]{1,64}$")


@dataclass
class Call:
    project_id: Optional[str]
    params: dict
    query: dict
    body: object
    order_id: Optional[str] = None
    extra: dict = field(default_factory=dict)

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default


def _validate(service, body, schema):
    if body is None:
        if service == "workspace":
            raise errors.workspace(400, "WKS.0001", "The request message input by the interface is empty.")
        raise errors.invalid_body(service, "the request body is empty")
    try:
        check(body, schema)
    except BodyError as exc:
        raise errors.invalid_body(service, str(exc)) from exc


def _int_arg(service, call, name, default, minimum=0):
    text = call.arg(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise errors.invalid_body(service, "query parameter %s must be an integer" % name) from exc
    if value < minimum:
        raise errors.invalid_body(service, "query parameter %s must be at least %d" % (name, minimum))
    return value


def _check_name(service, name):
    if not NAME_RE.match(name):
        raise errors.invalid_body(service, "name must be 1-64 letters, digits, CJK characters, '_', '-' or '.'")


# ---- IAM --------------------------------------------------------------------------------

def iam_projects(store, call):
    name = call.arg("name")
    domain = store.data["domain"]
    projects = []
    for project in store.data["projects"]:
        if name and project["name"] != name:
            continue
        projects.append({
            "id": project["id"], "name": project["name"], "domain_id": domain["id"], "parent_id": domain["id"],
            "enabled": True, "is_domain": False, "description": "", "links": {"self": "/v3/projects/%s" % project["id"]},
        })
    return 200, {"projects": projects, "links": {"self": "/v3/projects", "previous": None, "next": None}}


def iam_domains(store, call):
    del call
    domain = store.data["domain"]
    return 200, {"domains": [{"id": domain["id"], "name": domain["name"], "enabled": True, "description": "",
                              "links": {"self": "/v3/domains/%s" % domain["id"]}}],
                 "links": {"self": "/v3/auth/domains"}}


# ---- Workspace --------------------------------------------------------------------------

WORKSPACE_FILTERS = ("bandwidth_id", "bandwidth_name", "vpc_id", "subnet_id", "enterprise_project_id")
WORKSPACE_FIELDS = ("bandwidth_id", "bandwidth_name", "charge_mode", "size", "vpc_id", "vpc_name", "subnet_id", "subnet_name",
                    "enterprise_project_id", "created_at", "order_id", "status", "control_mode")

WORKSPACE_UPDATE = {
    "bandwidth_name": Field(str),
    "bandwidth_size": Field(int),
    "enterprise_project_id": Field(str),
    "charge_mode": Field(str, choices=("wks_bandwidth", "wks_traffic", "free")),
}
WORKSPACE_ORDER = {
    "bandwidth_name": Field(str),
    "bandwidth_size": Field(str),
    "enterprise_project_id": Field(str),
    "extend_param": Field(dict, schema={"is_auto_pay": Field(str, choices=("true", "false"))}),
}


def _workspace_view(item):
    return {key: item.get(key) for key in WORKSPACE_FIELDS}


def workspace_list(store, call):
    items = store.in_project(store.data["workspace_bandwidths"], call.project_id)
    for name in WORKSPACE_FILTERS:
        value = call.arg(name)
        if value:
            items = [item for item in items if item.get(name) == value]
    offset = _int_arg("workspace", call, "offset", 0)
    limit = _int_arg("workspace", call, "limit", None, minimum=1)
    page = items[offset:] if limit is None else items[offset:offset + limit]
    return 200, {"bandwidths": [_workspace_view(item) for item in page], "total_count": len(items)}


def _workspace_bandwidth(store, call):
    bandwidth = store.workspace(call.params["bandwidth_id"], call.project_id)
    if bandwidth is None:
        raise errors.workspace(404, "WKS.00200404", "The bandwidth %s does not exist." % call.params["bandwidth_id"])
    return bandwidth


def _workspace_size(store, size):
    low, high = int(store.config["workspace_min_size"]), int(store.config["workspace_max_size"])
    if not low <= size <= high:
        raise errors.invalid_body("workspace", "bandwidth_size must be between %d and %d" % (low, high))


def _workspace_busy(store, bandwidth):
    if store.running_job_for(bandwidth["bandwidth_id"]) or store.open_order_for(bandwidth["bandwidth_id"]):
        raise errors.workspace(409, "WKS.00200409",
                               "Another operation on bandwidth %s is in progress or an order is unpaid." % bandwidth["bandwidth_id"])


def workspace_update(store, call):
    _validate("workspace", call.body, WORKSPACE_UPDATE)
    bandwidth = _workspace_bandwidth(store, call)
    body = call.body
    changes = {}
    if body.get("bandwidth_name") is not None:
        _check_name("workspace", body["bandwidth_name"])
        changes["bandwidth_name"] = body["bandwidth_name"]
    if body.get("bandwidth_size") is not None:
        _workspace_size(store, body["bandwidth_size"])
        changes["size"] = body["bandwidth_size"]
    if body.get("enterprise_project_id") is not None:
        changes["enterprise_project_id"] = body["enterprise_project_id"]
    if body.get("charge_mode") is not None:
        if body["charge_mode"] == "wks_bandwidth" or bandwidth["charge_mode"] == "wks_bandwidth":
            raise errors.workspace(400, "WKS.00200400", "The charge mode of a yearly/monthly bandwidth cannot be changed here.")
        changes["charge_mode"] = body["charge_mode"]
    if not changes:
        raise errors.workspace(400, "WKS.0001", "The request message input by the interface is empty.")
    if bandwidth["charge_mode"] == "wks_bandwidth" and "size" in changes and changes["size"] != bandwidth["size"]:
        raise errors.workspace(400, "WKS.00200400",
                               "The bandwidth %s is billed yearly/monthly: change its size with a change order." % bandwidth["bandwidth_id"])
    _workspace_busy(store, bandwidth)
    job = store.create_job(bandwidth, changes)
    return 200, {"job_id": job["id"]}


def _workspace_order_size(store, text):
    if not re.match(r"^[0-9]+$", text):
        raise errors.invalid_body("workspace", "bandwidth_size must be a string of digits")
    size = int(text)
    _workspace_size(store, size)
    return size


def workspace_change_order(store, call):
    _validate("workspace", call.body, WORKSPACE_ORDER)
    bandwidth = _workspace_bandwidth(store, call)
    body = call.body
    if bandwidth["charge_mode"] != "wks_bandwidth":
        raise errors.workspace(400, "WKS.00200400",
                               "The bandwidth %s is billed pay-per-use: change it with the update API." % bandwidth["bandwidth_id"])
    if body.get("bandwidth_size") is None:
        raise errors.invalid_body("workspace", "bandwidth_size is required")
    changes = {"size": _workspace_order_size(store, body["bandwidth_size"])}
    if body.get("bandwidth_name") is not None:
        _check_name("workspace", body["bandwidth_name"])
        changes["bandwidth_name"] = body["bandwidth_name"]
    _workspace_busy(store, bandwidth)
    auto_pay = (body.get("extend_param") or {}).get("is_auto_pay") == "true"
    order = store.create_order("workspace", bandwidth, changes, auto_pay,
                               pricing.change_amount("workspace", bandwidth, changes["size"], store.config),
                               {"resource_name": bandwidth["bandwidth_name"], "old_size": bandwidth["size"]})
    call.order_id = order["order_id"]
    return 200, {"order_id": order["order_id"]}


def workspace_job(store, call):
    job = store.job(call.params["job_id"], call.project_id)
    if job is None:
        raise errors.workspace(404, "WKS.00100404", "The job %s does not exist." % call.params["job_id"])
    sub_job = {
        "id": job["id"] + "-1", "job_type": job["job_type"], "status": job["status"], "begin_time": job["begin_time"],
        "end_time": job["end_time"], "error_code": job["job_error_code"], "fail_reason": job["fail_reason"],
        "project_id": call.project_id, "job_id": job["id"], "process": 100 if job["end_time"] else 50,
    }
    return 200, {
        "id": job["id"], "job_type": job["job_type"], "begin_time": job["begin_time"], "end_time": job["end_time"],
        "status": job["status"], "job_error_code": job["job_error_code"], "fail_reason": job["fail_reason"],
        "sub_jobs_total": 1, "sub_jobs": [sub_job],
    }


# ---- VPC / EIP --------------------------------------------------------------------------

VPC_FIELDS = ("id", "name", "size", "share_type", "bandwidth_type", "charge_mode", "billing_info", "enterprise_project_id",
              "publicip_info", "status", "tenant_id", "created_at", "updated_at")
VPC_UPDATE = {
    "bandwidth": Field(dict, required=True, schema={
        "name": Field(str), "size": Field(int), "charge_mode": Field(str, choices=("bandwidth", "traffic", "95peak_plus"))}),
}
VPC_PREPAID_UPDATE = {
    "bandwidth": Field(dict, required=True, schema={"name": Field(str), "size": Field(int)}),
    "extendParam": Field(dict, schema={
        "is_auto_pay": Field(bool), "period_type": Field(str, choices=("month", "year")), "period_num": Field(int)}),
}


def _vpc_view(item):
    return {key: item.get(key) for key in VPC_FIELDS}


def vpc_list(store, call):
    items = store.in_project(store.data["vpc_bandwidths"], call.project_id)
    for name in ("share_type", "enterprise_project_id"):
        value = call.arg(name)
        if value:
            items = [item for item in items if item.get(name) == value]
    marker = call.arg("marker")
    if marker:
        ids = [item["id"] for item in items]
        if marker not in ids:
            raise errors.vpc(400, "VPC.0301", "Invalid marker %s." % marker)
        items = items[ids.index(marker) + 1:]
    limit = min(_int_arg("vpc", call, "limit", 2000), 2000)
    return 200, {"bandwidths": [_vpc_view(item) for item in items[:limit]]}


def _vpc_bandwidth(store, call):
    bandwidth = store.vpc(call.params["bandwidth_id"], call.project_id)
    if bandwidth is None:
        raise errors.vpc(404, "VPC.0306", "Bandwidth %s could not be found." % call.params["bandwidth_id"])
    return bandwidth


def vpc_show(store, call):
    return 200, {"bandwidth": _vpc_view(_vpc_bandwidth(store, call))}


def _vpc_size(store, size):
    low, high = int(store.config["vpc_min_size"]), int(store.config["vpc_max_size"])
    if not low <= size <= high:
        raise errors.vpc(400, "VPC.0301", "Bandwidth size %d is out of range %d-%d." % (size, low, high))
    if 300 < size <= 1000 and size % 50:
        raise errors.vpc(400, "VPC.0301", "Bandwidth size %d: above 300 Mbit/s the size must be a multiple of 50." % size)
    if size > 1000 and size % 500:
        raise errors.vpc(400, "VPC.0301", "Bandwidth size %d: above 1000 Mbit/s the size must be a multiple of 500." % size)


def _vpc_option(store, body):
    option = body["bandwidth"]
    if option.get("name") is None and option.get("size") is None:
        raise errors.vpc(400, "VPC.0301", "Invalid parameter: bandwidth.name or bandwidth.size must be given.")
    if option.get("name") is not None:
        _check_name("vpc", option["name"])
    if option.get("size") is not None:
        _vpc_size(store, option["size"])
    return option


def _touch(bandwidth, changes):
    bandwidth.update(changes)
    bandwidth["updated_at"] = vpc_time_text(time.time())


def vpc_update(store, call):
    _validate("vpc", call.body, VPC_UPDATE)
    bandwidth = _vpc_bandwidth(store, call)
    option = _vpc_option(store, call.body)
    if bandwidth.get("billing_info"):
        raise errors.vpc(400, "VPC.0301",
                         "Bandwidth %s is billed yearly/monthly: update it with PUT /v2.0/{project_id}/bandwidths/{id}." % bandwidth["id"])
    if bandwidth["share_type"] == "PER" and option.get("charge_mode") == "95peak_plus":
        raise errors.vpc(400, "VPC.0301", "Only a shared bandwidth can be billed by 95peak_plus.")
    _touch(bandwidth, {key: value for key, value in option.items() if value is not None})
    return 200, {"bandwidth": _vpc_view(bandwidth)}


def _prepaid_order(store, call, bandwidth, size, extend):
    at_renewal = extend.get("period_type") is not None or extend.get("period_num") is not None
    if size > bandwidth["size"] and not call.body.get("extendParam"):
        raise errors.vpc(400, "VPC.0301", "extendParam is required to increase a yearly/monthly bandwidth.")
    if size > bandwidth["size"]:
        at_renewal = False
    elif at_renewal:
        _check_renewal_period(extend)
    elif not store.config.get("allow_immediate_decrease", True):
        raise errors.vpc(400, "VPC.0301", "This region only allows decreasing a yearly/monthly bandwidth at renewal.")
    if store.open_order_for(bandwidth["id"]):
        raise errors.vpc(409, "VPC.0309", "Bandwidth %s has an order that is unpaid or in progress." % bandwidth["id"])
    extra = {"resource_name": bandwidth["name"], "old_size": bandwidth["size"], "at_renewal": at_renewal}
    if at_renewal:
        extra.update(period_type=extend["period_type"], period_num=extend["period_num"])
    order = store.create_order("vpc", bandwidth, {"size": size}, bool(extend.get("is_auto_pay")),
                               pricing.change_amount("vpc", bandwidth, size, store.config, at_renewal), extra)
    call.order_id = order["order_id"]
    return order


def _check_renewal_period(extend):
    limits = {"month": 9, "year": 3}
    if extend.get("period_type") is None or extend.get("period_num") is None:
        raise errors.vpc(400, "VPC.0301", "period_type and period_num must be given together.")
    if not 1 <= extend["period_num"] <= limits[extend["period_type"]]:
        raise errors.vpc(400, "VPC.0301", "period_num must be 1-%d for period_type %s." % (limits[extend["period_type"]], extend["period_type"]))


def vpc_update_prepaid(store, call):
    _validate("vpc", call.body, VPC_PREPAID_UPDATE)
    bandwidth = _vpc_bandwidth(store, call)
    option = _vpc_option(store, call.body)
    extend = call.body.get("extendParam") or {}
    size = option.get("size")
    if not bandwidth.get("billing_info") or size is None or size == bandwidth["size"]:
        # Name-only changes and pay-per-use bandwidths are applied at once, without an order.
        _touch(bandwidth, {key: value for key, value in option.items() if value is not None})
        return 200, {"bandwidth": _vpc_view(bandwidth)}
    order = _prepaid_order(store, call, bandwidth, size, extend)
    if option.get("name") is not None:
        _touch(bandwidth, {"name": option["name"]})
    return 200, {"order_id": order["order_id"]}


# ---- BSS --------------------------------------------------------------------------------

PAY = {
    "order_id": Field(str, required=True),
    "use_coupon": Field(str, required=True, choices=("YES", "NO")),
    "use_discount": Field(str, required=True, choices=("YES", "NO")),
    "coupon_infos": Field(list, item=dict),
    "discount_infos": Field(list, item=dict),
}
CANCEL = {"order_id": Field(str, required=True)}
RESOURCES_QUERY = {
    "resource_ids": Field(list, item=str),
    "order_id": Field(str),
    "only_main_resource": Field(int, choices=(0, 1)),
    "status_list": Field(list, item=int),
    "offset": Field(int),
    "limit": Field(int),
    "expire_time_begin": Field(str),
    "expire_time_end": Field(str),
    "service_type_code": Field(str),
    "customer_id": Field(str),
}


def _billing_allowed(store):
    if store.config.get("deny_billing"):
        raise errors.bss(403, "CBC.0151", "Access denied. The user has no permission to use the billing center APIs.")


def _order_view(store, order):
    return {
        "order_id": order["order_id"], "customer_id": store.data["domain"]["id"],
        "service_type_code": order["service_type_code"], "service_type_name": order["service_type_name"],
        "source_type": 1, "status": order["status"], "order_type": order["order_type"],
        "amount_after_discount": order["amount_after_discount"], "official_amount": order["official_amount"],
        "measure_id": 1, "create_time": order["create_time"], "payment_time": order["payment_time"],
        "currency": order["currency"], "amount_info": {"discounts": [], "coupon_amount": 0.0, "flexipurchase_coupon_amount": 0.0,
                                                       "stored_card_amount": 0.0, "commission_amount": 0.0, "consumed_amount": 0.0},
    }


def _line_item(order):
    code, _name, resource_type = SERVICE_CODES[order["service"]]
    return {
        "order_line_item_id": order["order_id"] + "-000001", "service_type_code": code,
        "service_type_name": order["service_type_name"], "product_id": resource_type.replace(".", "_"),
        "product_spec_desc": "Bandwidth %s Mbit/s -> %s Mbit/s" % (order.get("old_size"), order["changes"].get("size")),
        "period_type": 2, "period_num": order.get("period_num") or 1, "effective_time": order["create_time"],
        "expire_time": utc_text(order["created"] + 30 * 86400), "subscription_num": 1,
        "amount_after_discount": order["amount_after_discount"], "official_amount": order["official_amount"],
        "currency": order["currency"], "category_code": resource_type, "product_owner_service": code,
        "commercial_resource": resource_type, "order_id": order["order_id"],
        "base_product_info": None, "amount_info": None,
    }


def _find_order(store, order_id):
    order = store.order(order_id)
    if order is None:
        raise errors.bss(400, "CBC.30000010", "Invalid order ID: %s." % order_id)
    return order


def bss_order_show(store, call):
    _billing_allowed(store)
    order = _find_order(store, call.params["order_id"])
    info = _order_view(store, order)
    info["pending_payment_end_time"] = order["pending_payment_end_time"] if order["status"] == ORDER_PENDING_PAYMENT else None
    return 200, {"total_count": 1, "order_info": info, "order_line_items": [_line_item(order)]}


def _order_matches(order, call):
    for name in ("order_id", "service_type_code"):
        value = call.arg(name)
        if value and order[name] != value:
            return False
    for name in ("status", "order_type"):
        value = call.arg(name)
        if value and str(order[name]) != value:
            return False
    begin, end = call.arg("create_time_begin"), call.arg("create_time_end")
    return not (begin and order["create_time"] < begin) and not (end and order["create_time"] > end)


def bss_order_list(store, call):
    _billing_allowed(store)
    orders = [order for order in store.data["orders"] if _order_matches(order, call)]
    orders.sort(key=lambda order: order["created"], reverse=True)
    offset = _int_arg("bss", call, "offset", 0)
    limit = _int_arg("bss", call, "limit", 10, minimum=1)
    return 200, {"total_count": len(orders), "order_infos": [_order_view(store, order) for order in orders[offset:offset + limit]]}


def bss_pay(store, call):
    _billing_allowed(store)
    _validate("bss", call.body, PAY)
    order = _find_order(store, call.body["order_id"])
    if order["status"] != ORDER_PENDING_PAYMENT:
        raise errors.bss(400, "CBC.99003106", "The order status has changed and the order cannot be paid (status %d)." % order["status"])
    store.start_processing(order)
    store.save()
    return 204, None


def bss_cancel(store, call):
    _billing_allowed(store)
    _validate("bss", call.body, CANCEL)
    order = _find_order(store, call.body["order_id"])
    if order["status"] != ORDER_PENDING_PAYMENT:
        raise errors.bss(400, "CBC.99005010", "The order status (%d) does not allow cancelling it." % order["status"])
    order["status"] = ORDER_CANCELLED
    store.save()
    return 204, None


def _subscription(store, service, bandwidth):
    code, name, resource_type = SERVICE_CODES[service]
    resource_id = bandwidth["bandwidth_id"] if service == "workspace" else bandwidth["id"]
    # Billing is global; each resource names the region and project it lives in.
    project = store.project(store.project_of(bandwidth)) or store.data["projects"][0]
    return {
        "id": "sub-" + resource_id.replace("-", "")[:24], "resource_id": resource_id,
        "resource_name": bandwidth["bandwidth_name"] if service == "workspace" else bandwidth["name"],
        "region_code": project["name"], "service_type_code": code, "resource_type_code": resource_type,
        "resource_type_name": "Bandwidth", "service_type_name": name, "resource_spec_code": "bandwidth_%d" % bandwidth["size"],
        "project_id": project["id"], "product_id": resource_type.replace(".", "_"), "parent_resource_id": None,
        "is_main_resource": 1, "status": 2, "effective_time": "2024-03-01T08:00:00Z",
        "expire_time": utc_text(bandwidth["expire_epoch"]) if bandwidth.get("expire_epoch") else "2026-03-01T15:59:59Z",
        "expire_policy": 0, "product_spec_desc": "Bandwidth | %d Mbit/s" % bandwidth["size"], "spec_size": bandwidth["size"],
        "spec_size_measure_id": 15, "update_time": "2024-03-01T08:00:00Z",
        "enterprise_project": {"id": bandwidth.get("enterprise_project_id") or "0", "name": "default"},
    }


def _prepaid_resources(store):
    for item in store.data["workspace_bandwidths"]:
        if item["charge_mode"] == "wks_bandwidth":
            yield item["bandwidth_id"], _subscription(store, "workspace", item)
    for item in store.data["vpc_bandwidths"]:
        if item.get("billing_info"):
            yield item["id"], _subscription(store, "vpc", item)


def bss_resources_query(store, call):
    _billing_allowed(store)
    _validate("bss", call.body, RESOURCES_QUERY)
    body = call.body
    resources = dict(_prepaid_resources(store))
    if body.get("order_id"):
        order = _find_order(store, body["order_id"])
        wanted = [order["resource_id"]]
    else:
        wanted = body.get("resource_ids") or list(resources)
    data = [resources[resource_id] for resource_id in wanted if resource_id in resources]
    if body.get("service_type_code"):
        data = [item for item in data if item["service_type_code"] == body["service_type_code"]]
    offset, limit = body.get("offset") or 0, body.get("limit") or 10
    return 200, {"data": data[offset:offset + limit], "total_count": len(data)}

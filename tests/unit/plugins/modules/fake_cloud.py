# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One fake Huawei Cloud for the module tests, behind the ``fake_http`` router of conftest.

``FakeCloud(fake_http, project=..., workspace=[...], vpc=[...])`` keeps, in one place:

- Workspace bandwidths (``ws``, by id): the listing (filters, offset paging) moves every running
  job on, and the ``job_reads``-th listing after a job started ends it (applies the size and the
  name, or fails it when the bandwidth is in ``fail_jobs``); the job route answers its status.
- VPC bandwidths (``vpc``, by id): list (marker paging; ``page_sizes`` keeps each ``limit``),
  show, the pay-per-use update (synchronous) and the prepaid update, which places a change order
  (answered 409 while the bandwidth has an open order). ``slow_update``: the next plain update
  turns the bandwidth UPDATING, loses its answer and is applied on the second show after it.
  ``limits``: the region limits API answers 404 when None (an older region), 403 when
  ``"denied"``, else the ``{charge_mode: (min, max)}`` given.
- Billing orders (``orders``, by id): placed with auto-pay they are processing, else pending
  payment; a read of a processing order (the details route) completes it and applies it on its
  ``complete_after_reads``-th read, unless ``hold_orders`` (with ``listing_reads_orders``, the
  order listing counts as a read of each order it lists); a change at renewal is only recorded
  (``renewals``). ``deny_billing()`` answers 403 on the billing reads; paying moves an order on.
- Cloud Eye: ``series[(dimension name, value)] = {metric name: [Mbit/s per hour]}``;
  ``usage(bandwidth_id, values)`` sets a bandwidth's downstream to ``values`` and upstream to half.

Every route has a name (``ROUTES``). ``refuse[bandwidth_id] = (status, body)`` answers every
write to that bandwidth; ``fault(name, status, body)`` answers every call of a route;
``hook(name, handler)`` runs ``handler(request, **groups)`` first (its answer, when not None,
is the route's; it may raise); ``lose(name, times)`` breaks the connection before the service
acts, ``drop_answer(name, times)`` after it acted. Handlers hold a lock: modules write from
several threads.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import threading

from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import disconnected

PENDING_PAYMENT, PROCESSING, COMPLETED = 6, 3, 5
CES_BATCH = "/V1.0/{project}/batch-query-metric-data"
ORDER_RESOURCES = "/v2/orders/suscriptions/resources/query"

# name -> (method, path pattern); {project} is the cloud's project.
ROUTES = {
    "projects": ("GET", "/v3/projects"),
    "ws_list": ("GET", "/v2/{project}/bandwidths"),
    "ws_update": ("POST", "/v2/{project}/bandwidths/(?P<bid>[^/]+)/update"),
    "ws_order": ("POST", "/v2/{project}/bandwidths/(?P<bid>[^/]+)/periodic/change/order"),
    "ws_job": ("GET", "/v2/{project}/workspace-jobs/(?P<job_id>[^/]+)"),
    "vpc_list": ("GET", "/v1/{project}/bandwidths"),
    "vpc_show": ("GET", "/v1/{project}/bandwidths/(?P<bid>[^/]+)"),
    "vpc_update": ("PUT", "/v1/{project}/bandwidths/(?P<bid>[^/]+)"),
    "vpc_order": ("PUT", "/v2.0/{project}/bandwidths/(?P<bid>[^/]+)"),
    "limits": ("GET", "/v3/{project}/eip/eip-bandwidth-limits"),
    "cloud_eye": ("POST", CES_BATCH),
    "order_list": ("GET", "/v2/orders/customer-orders"),
    "order_show": ("GET", "/v2/orders/customer-orders/details/(?P<order_id>[^/]+)"),
    "resources": ("POST", ORDER_RESOURCES),
    "pay": ("POST", "/v3/orders/customer-orders/pay"),
    "price_period": ("POST", "/v2/bills/ratings/period-resources/subscribe-rate"),
    "price_on_demand": ("POST", "/v2/bills/ratings/on-demand-resources"),
}
# What a change order costs: per Mbit/s added (a decrease costs nothing).
ORDER_PER_MBIT = 10.0
# The fake list prices: per Mbit/s and month (yearly/monthly), per Mbit/s and hour (pay-per-use).
MONTHLY_PER_MBIT = 20.0
HOURLY_PER_MBIT = 0.05
BILLING_READS = ("order_list", "order_show", "resources")


def order_amount(size_before, size_after):
    return max(0, size_after - size_before) * ORDER_PER_MBIT


def spec_text(order):
    return "Bandwidth | %s Mbit/s | %s" % (order["size"], order["bid"])


def now_text(fmt="%Y-%m-%dT%H:%M:%SZ"):
    return datetime.datetime.now(datetime.timezone.utc).strftime(fmt)


class WorkspaceMixin:
    """The Workspace routes: bandwidths, updates that run as jobs, change orders."""

    def ws_list(self, request):
        self.advance_jobs()
        items = list(self.ws.values())
        for key in ("bandwidth_id", "bandwidth_name", "vpc_id", "subnet_id", "enterprise_project_id"):
            if request.query.get(key):
                items = [item for item in items if item.get(key) == request.query[key]]
        offset, limit = int(request.query.get("offset", 0)), int(request.query.get("limit", 100))
        return 200, {"bandwidths": copy.deepcopy(items[offset:offset + limit]), "total_count": len(items)}

    def ws_update(self, request, bid):
        return 200, {"job_id": self.start_job(bid, request.body)}

    def start_job(self, bid, body):
        job_id = "job-%d" % next(self.job_ids)
        self.jobs[job_id] = {"bid": bid, "body": body, "fail": bid in self.fail_jobs, "status": "WAITING",
                             "reads": 0}
        self.ws[bid]["status"] = "UPDATING"
        return job_id

    def advance_jobs(self):
        """A listing moves every running job on; the ``job_reads``-th ends it."""
        for job in self.jobs.values():
            if job["status"] != "WAITING":
                continue
            job["reads"] += 1
            if job["reads"] < self.job_reads:
                continue
            item = self.ws[job["bid"]]
            item["status"] = "ACTIVE"
            if job["fail"]:
                job["status"] = "FAIL"
                continue
            job["status"] = "SUCCESS"
            if "bandwidth_size" in job["body"]:
                item["size"] = job["body"]["bandwidth_size"]
            if "bandwidth_name" in job["body"]:
                item["bandwidth_name"] = job["body"]["bandwidth_name"]

    def ws_job(self, request, job_id):
        job = self.jobs[job_id]
        if job["status"] == "FAIL":
            return 200, {"id": job_id, "status": "FAIL", "fail_reason": "Simulated failure of the update",
                         "job_error_code": "WKS.00100001", "sub_jobs": []}
        sub_jobs = [{"id": job_id + "-1", "status": job["status"]}]
        return 200, {"id": job_id, "status": job["status"], "sub_jobs": sub_jobs}

    def ws_order(self, request, bid):
        body = request.body
        auto_pay = body["extend_param"]["is_auto_pay"] == "true"
        order_id = self.add_order(bid, int(body["bandwidth_size"]), PROCESSING if auto_pay else PENDING_PAYMENT,
                                  name=body.get("bandwidth_name"),
                                  amount=order_amount(self.ws[bid]["size"], int(body["bandwidth_size"])))
        return 200, {"order_id": order_id}

    def projects(self, request):
        return 200, {"projects": [{"id": self.project, "name": request.query["name"]}]}


class VpcMixin:
    """The VPC routes: bandwidths, the pay-per-use and the prepaid update, the region limits."""

    def vpc_list(self, request):
        items = list(self.vpc.values())
        limit = int(request.query["limit"])
        self.page_sizes.append(limit)
        if "marker" in request.query:
            ids = [item["id"] for item in items]
            items = items[ids.index(request.query["marker"]) + 1:]
        for key in ("share_type", "enterprise_project_id"):
            if key in request.query:
                items = [item for item in items if item[key] == request.query[key]]
        return 200, {"bandwidths": copy.deepcopy(items[:limit])}

    def vpc_show(self, request, bid):
        if bid not in self.vpc:
            return 404, {"code": "VPC.0306", "message": "Bandwidth %s could not be found." % bid}
        pending = self.pending_updates.get(bid)
        if pending is not None:
            pending["reads"] += 1
            if pending["reads"] >= 2:
                del self.pending_updates[bid]
                self.touch(self.vpc[bid], dict(pending["changes"], status="NORMAL"))
        return 200, {"bandwidth": copy.deepcopy(self.vpc[bid])}

    @staticmethod
    def touch(bandwidth, changes):
        bandwidth.update(changes)
        bandwidth["updated_at"] = now_text("%Y-%m-%dT%H:%M:%S")

    def vpc_update(self, request, bid):
        bandwidth = self.vpc[bid]
        assert not bandwidth["billing_info"], "a prepaid bandwidth was sent to the pay-per-use API"
        if self.slow_update:
            self.slow_update = False
            self.pending_updates[bid] = {"changes": request.body["bandwidth"], "reads": 0}
            bandwidth["status"] = "UPDATING"
            raise disconnected()
        self.touch(bandwidth, request.body["bandwidth"])
        return 200, {"bandwidth": copy.deepcopy(bandwidth)}

    def vpc_order(self, request, bid):
        bandwidth = self.vpc[bid]
        option = request.body["bandwidth"]
        if option.get("size") in (None, bandwidth["size"]):
            assert "extendParam" not in request.body
            self.touch(bandwidth, option)
            return 200, {"bandwidth": copy.deepcopy(bandwidth)}
        if self.open_orders(bid):
            return 409, {"code": "VPC.0309", "message": "Bandwidth %s has an unpaid order." % bid}
        extend = request.body["extendParam"]
        order_id = self.add_order(bid, option["size"], PROCESSING if extend["is_auto_pay"] else PENDING_PAYMENT,
                                  at_renewal="period_type" in extend, amount=order_amount(bandwidth["size"],
                                                                                          option["size"]))
        if "name" in option:
            self.touch(bandwidth, {"name": option["name"]})
        return 200, {"order_id": order_id}

    def size_limits(self, request):
        if self.limits is None:
            return 404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published"}
        if self.limits == "denied":
            return 403, {"code": "VPC.2701", "message": "Token not allowed to do this action."}
        items = [{"charge_mode": mode, "min_size": low, "max_size": high, "ext_limit": {}}
                 for mode, (low, high) in sorted(self.limits.items())]
        return 200, {"eip_bandwidth_limits": items, "page_info": {"next_marker": None, "current_count": len(items)}}


class BillingMixin:
    """The billing routes: change orders and their lifecycle."""

    def add_order(self, bid, size, status, name=None, at_renewal=False, order_id=None, amount=None):
        """An order for bandwidth ``bid``; returns its id. ``amount``: what it costs, None for no money fields."""
        order_id = order_id or "CS2501010800%05d" % next(self.order_ids)
        self.orders[order_id] = {"order_id": order_id, "bid": bid, "size": size, "name": name, "status": status,
                                 "order_type": 3, "create_time": now_text(), "at_renewal": at_renewal, "reads": 0,
                                 "amount": amount}
        return order_id

    def open_orders(self, bid):
        return [o for o in self.orders.values() if o["bid"] == bid and o["status"] in (PROCESSING, PENDING_PAYMENT)]

    @staticmethod
    def info(order):
        info = {key: order[key] for key in ("order_id", "status", "order_type", "create_time")}
        if order.get("amount") is not None:
            info.update(amount_after_discount=order["amount"], official_amount=order["amount"], currency="CNY",
                        measure_id=1)
        return info

    def order_list(self, request):
        query = request.query
        found = [o for o in self.orders.values() if query.get("status") in (None, str(o["status"]))
                 and str(o["order_type"]) == query.get("order_type", "3")
                 and query.get("create_time_begin", "") <= o["create_time"]]
        if self.listing_reads_orders:
            return 200, {"order_infos": [self.read_order(o) for o in found], "total_count": len(found)}
        return 200, {"order_infos": [self.info(o) for o in found], "total_count": len(found)}

    def order_show(self, request, order_id):
        if order_id not in self.orders:
            return 400, {"error_code": "CBC.30000010", "error_msg": "Invalid order ID."}
        order = self.orders[order_id]
        # Billing describes the product in free text only; the collection shows it verbatim.
        return 200, {"order_info": self.read_order(order),
                     "order_line_items": [{"order_id": order_id, "product_spec_desc": spec_text(order)}]}

    def read_order(self, order):
        """A read of an order moves it on: the ``complete_after_reads``-th completes a processing one."""
        order["reads"] += 1
        if order["status"] == PROCESSING and not self.hold_orders and order["reads"] >= self.complete_after_reads:
            self.complete(order)
        return self.info(order)

    def complete(self, order):
        order["status"] = COMPLETED
        bid = order["bid"]
        if order["at_renewal"]:
            self.renewals[bid] = order["size"]
        elif bid in self.vpc:
            self.touch(self.vpc[bid], {"size": order["size"]})
        else:
            self.ws[bid]["size"] = order["size"]
            if order["name"]:
                self.ws[bid]["bandwidth_name"] = order["name"]

    def resources(self, request):
        return 200, {"data": [{"resource_id": self.orders[request.body["order_id"]]["bid"]}], "total_count": 1}

    def pay(self, request):
        self.orders[request.body["order_id"]]["status"] = PROCESSING
        return 204, None

    def deny_billing(self):
        for name in BILLING_READS:
            self.fault(name, 403, {"error_code": "CBC.0151", "error_msg": "Access denied."})

    @property
    def created_orders(self):
        return list(self.orders)


class PriceMixin:
    """The two price inquiries, with one flat list price per Mbit/s."""

    def price_period(self, request):
        results = [{"id": info["id"], "official_website_amount": round(info["resource_size"] * MONTHLY_PER_MBIT, 2),
                    "measure_id": 1} for info in request.body["product_infos"]]
        return 200, {"currency": "CNY", "official_website_rating_result": {"product_rating_results": results}}

    def price_on_demand(self, request):
        results = [{"id": info["id"], "official_website_amount": round(info["resource_size"] * HOURLY_PER_MBIT, 4),
                    "measure_id": 1} for info in request.body["product_infos"]]
        return 200, {"currency": "CNY", "product_rating_results": results}


class CloudEyeMixin:
    """The Cloud Eye batch query: hourly maxima from ``series``."""

    def usage(self, bandwidth_id, values):
        self.series[("bandwidth_id", bandwidth_id)] = {
            "downstream_bandwidth": list(values), "upstream_bandwidth": [value * 0.5 for value in values]}

    def cloud_eye(self, request):
        body = request.body
        assert body["period"] == "3600" and body["filter"] == "max"
        metrics = []
        for metric in body["metrics"]:
            dim = metric["dimensions"][0]
            values = self.series.get((dim["name"], dim["value"]), {}).get(metric["metric_name"], [])
            metrics.append(dict(metric, unit="bit/s", datapoints=[
                {"max": value * 1e6, "timestamp": 1714000000000 + index * 3600000}
                for index, value in enumerate(values)]))
        return 200, {"metrics": metrics}


class FakeCloud(WorkspaceMixin, VpcMixin, BillingMixin, PriceMixin, CloudEyeMixin):
    """Workspace, VPC, billing and Cloud Eye of one project, with what the tests look at."""

    def __init__(self, http, project, workspace=(), vpc=()):
        self.http = http
        self.project = project
        self.lock = threading.RLock()
        self.ws = {item["bandwidth_id"]: copy.deepcopy(item) for item in workspace}
        self.vpc = {item["id"]: copy.deepcopy(item) for item in vpc}
        self.jobs, self.orders, self.renewals, self.series = {}, {}, {}, {}
        self.fail_jobs = set()
        self.job_reads = 1              # the listing after a job started that ends it
        self.complete_after_reads = 1   # the read of a processing order that completes it
        self.hold_orders = False        # True: processing orders stay processing
        self.listing_reads_orders = False  # True: the order listing moves the orders it lists on too
        self.limits = None
        self.slow_update = False
        self.pending_updates = {}
        self.page_sizes = []
        self.refuse = {}                # bandwidth id -> (status, body) answered to its writes
        self.hooks = {}                 # route name -> handler(request, **groups) run first
        self.job_ids, self.order_ids = itertools.count(1), itertools.count(1)
        handlers = {"limits": self.size_limits}
        for name, (method, pattern) in ROUTES.items():
            http.route(method, pattern.format(project=project), self.handler(name, handlers.get(name)))

    # -- how a test bends a route --
    def add(self, item):
        """One more bandwidth (Workspace when it has ``bandwidth_id``)."""
        if "bandwidth_id" in item:
            self.ws[item["bandwidth_id"]] = copy.deepcopy(item)
        else:
            self.vpc[item["id"]] = copy.deepcopy(item)

    def find(self, bid):
        return self.ws[bid] if bid in self.ws else self.vpc[bid]

    def hook(self, name, handler):
        assert name in ROUTES, name
        self.hooks[name] = handler

    def fault(self, name, status, body):
        self.hook(name, lambda request, **groups: (status, body))

    def lose(self, name, times=1):
        """The next ``times`` calls break before the service acts on them."""
        self._broken(name, times, after=False)

    def drop_answer(self, name, times=1):
        """The next ``times`` calls are acted on, then their answer is lost."""
        self._broken(name, times, after=True)

    def _broken(self, name, times, after):
        left = [times]

        def broken(request, **groups):
            left[0] -= 1
            if left[0] <= 0:
                self.hooks.pop(name)
            if after:
                getattr(self, name)(request, **groups)
            raise disconnected()
        self.hook(name, broken)

    def handler(self, name, method=None):
        method = method or getattr(self, name)

        def call(request, **groups):
            with self.lock:
                hook = self.hooks.get(name)
                if hook is not None:
                    answer = hook(request, **groups)
                    if answer is not None:
                        return answer
                if groups.get("bid") in self.refuse and request.write:
                    return self.refuse[groups["bid"]]
                return method(request, **groups)
        return call

    # -- what the tests look at --
    def changes(self):
        """Requests that can change something: not the Cloud Eye, resource and price queries (POST reads)."""
        ces = CES_BATCH.format(project=self.project)
        return [r for r in self.http.writes if r.path != ces and r.path != ORDER_RESOURCES]

    def price_reads(self):
        return self.route_calls("price_period") + self.route_calls("price_on_demand")

    def reads(self):
        changes = self.changes()
        return [r for r in self.http.requests if r not in changes]

    def route_calls(self, name):
        """The requests that route ``name`` answered (or would have)."""
        method, pattern = ROUTES[name]
        return self.http.calls(method, pattern.format(project=self.project))

    def listings(self):
        return self.route_calls("ws_list")

    def job_reads_made(self):
        return self.route_calls("ws_job")

    def orders_placed(self):
        return self.route_calls("ws_order")

    def cloud_eye_reads(self):
        return self.route_calls("cloud_eye")

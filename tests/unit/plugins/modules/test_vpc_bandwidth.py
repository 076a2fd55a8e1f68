# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_bandwidth and vpc_bandwidth_info end to end, over a fake VPC + billing API."""

from __future__ import annotations

import copy
import datetime
from http.client import RemoteDisconnected

import pytest
import requests
from urllib3.exceptions import ProtocolError

from ansible_collections.hwcloud.bandwidth.plugins.modules import vpc_bandwidth, vpc_bandwidth_info

PROJECT = "proj-1"
BILLING_INFO = "CS2403010800QWERT:5a8e1f2c:cn-north-4:proj-1"
ARGS = {
    "access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": PROJECT,
    "endpoints": {"vpc": "https://vpc.test", "bss": "https://bss.test"}, "max_retries": 0, "wait_timeout": 5,
}
P = r"/v1/%s/bandwidths" % PROJECT
P2 = r"/v2.0/%s/bandwidths" % PROJECT


def broken_connection():
    """The connection broke after the request went out."""
    return requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", RemoteDisconnected("Remote end closed connection without response")))


def now_text(fmt="%Y-%m-%dT%H:%M:%SZ"):
    return datetime.datetime.now(datetime.timezone.utc).strftime(fmt)


class FakeVpcCloud:
    """Bandwidths, change orders and their lifecycle, behind the routes the modules call.

    A paid order is processing; the next read of it completes it and applies its change
    (a change at renewal is only recorded). ``drop_after_order`` places the order, then breaks
    the connection; ``conflict`` answers 409 to every order; ``deny_billing`` answers 403 on BSS.
    """

    def __init__(self, http, bandwidths, page_size_seen=None):
        self.bandwidths = {item["id"]: item for item in copy.deepcopy(bandwidths)}
        self.orders = []
        self.renewals = {}
        self.drop_after_order = False
        self.drop_after_update = False
        self.conflict = False
        self.deny_billing = False
        # How many reads of a paid order it takes to complete it.
        self.complete_after_reads = 1
        self.page_sizes = page_size_seen if page_size_seen is not None else []
        http.route("GET", P, self.list)
        http.route("GET", P + r"/(?P<bandwidth_id>[^/]+)", self.show)
        http.route("PUT", P + r"/(?P<bandwidth_id>[^/]+)", self.update)
        http.route("PUT", P2 + r"/(?P<bandwidth_id>[^/]+)", self.update_prepaid)
        http.route("GET", r"/v2/orders/customer-orders", self.order_list)
        http.route("GET", r"/v2/orders/customer-orders/details/(?P<order_id>[^/]+)", self.order_show)
        http.route("POST", r"/v2/orders/suscriptions/resources/query", self.resources)
        http.route("POST", r"/v3/orders/customer-orders/pay", self.pay)

    # -- VPC --
    def list(self, request):
        items = list(self.bandwidths.values())
        limit = int(request.query["limit"])
        self.page_sizes.append(limit)
        if "marker" in request.query:
            ids = [item["id"] for item in items]
            items = items[ids.index(request.query["marker"]) + 1:]
        for key in ("share_type", "enterprise_project_id"):
            if key in request.query:
                items = [item for item in items if item[key] == request.query[key]]
        return 200, {"bandwidths": copy.deepcopy(items[:limit])}

    def show(self, request, bandwidth_id):
        if bandwidth_id not in self.bandwidths:
            return 404, {"code": "VPC.0306", "message": "Bandwidth %s could not be found." % bandwidth_id}
        return 200, {"bandwidth": copy.deepcopy(self.bandwidths[bandwidth_id])}

    def _touch(self, bandwidth, changes):
        bandwidth.update(changes)
        bandwidth["updated_at"] = now_text("%Y-%m-%dT%H:%M:%S")

    def update(self, request, bandwidth_id):
        bandwidth = self.bandwidths[bandwidth_id]
        assert not bandwidth["billing_info"], "a prepaid bandwidth was sent to the pay-per-use API"
        self._touch(bandwidth, request.body["bandwidth"])
        if self.drop_after_update:
            self.drop_after_update = False
            raise broken_connection()
        return 200, {"bandwidth": copy.deepcopy(bandwidth)}

    def update_prepaid(self, request, bandwidth_id):
        bandwidth = self.bandwidths[bandwidth_id]
        option = request.body["bandwidth"]
        if option.get("size") in (None, bandwidth["size"]):
            assert "extendParam" not in request.body
            self._touch(bandwidth, option)
            return 200, {"bandwidth": copy.deepcopy(bandwidth)}
        if self.conflict or any(o["resource_id"] == bandwidth_id and o["status"] in (3, 6) for o in self.orders):
            return 409, {"code": "VPC.0309", "message": "Bandwidth %s has an unpaid order." % bandwidth_id}
        extend = request.body["extendParam"]
        order = {
            "order_id": "CS25010108%05d" % (len(self.orders) + 1), "resource_id": bandwidth_id, "order_type": 3,
            "status": 3 if extend["is_auto_pay"] else 6, "create_time": now_text(),
            "size": option["size"], "at_renewal": "period_type" in extend,
        }
        self.orders.append(order)
        if "name" in option:
            self._touch(bandwidth, {"name": option["name"]})
        if self.drop_after_order:
            self.drop_after_order = False
            raise broken_connection()
        return 200, {"order_id": order["order_id"]}

    # -- BSS --
    def _billing(self):
        if self.deny_billing:
            return 403, {"error_code": "CBC.0151", "error_msg": "Access denied."}
        return None

    def order_list(self, request):
        denied = self._billing()
        if denied:
            return denied
        query = request.query
        found = [o for o in self.orders if query.get("status") in (None, str(o["status"]))
                 and str(o["order_type"]) == query.get("order_type")
                 and query.get("create_time_begin", "") <= o["create_time"]]
        return 200, {"order_infos": [self._info(o) for o in found], "total_count": len(found)}

    def _info(self, order):
        return {key: order[key] for key in ("order_id", "status", "order_type", "create_time")}

    def _order(self, order_id):
        return next(o for o in self.orders if o["order_id"] == order_id)

    def order_show(self, request, order_id):
        denied = self._billing()
        if denied:
            return denied
        order = self._order(order_id)
        order["reads"] = order.get("reads", 0) + 1
        if order["status"] == 3 and order["reads"] >= self.complete_after_reads:
            order["status"] = 5
            if order["at_renewal"]:
                self.renewals[order["resource_id"]] = order["size"]
            else:
                self._touch(self.bandwidths[order["resource_id"]], {"size": order["size"]})
        return 200, {"order_info": self._info(order)}

    def resources(self, request):
        denied = self._billing()
        if denied:
            return denied
        return 200, {"data": [{"resource_id": self._order(request.body["order_id"])["resource_id"]}]}

    def pay(self, request):
        self._order(request.body["order_id"])["status"] = 3
        return 204, None

    @property
    def created_orders(self):
        return [o["order_id"] for o in self.orders]


def bandwidth(bandwidth_id, name, size, prepaid=False, share_type="WHOLE", **extra):
    item = {
        "id": bandwidth_id, "name": name, "size": size, "share_type": share_type,
        "bandwidth_type": "share" if share_type == "WHOLE" else "bgp", "charge_mode": "bandwidth",
        "billing_info": BILLING_INFO if prepaid else "", "enterprise_project_id": "0", "publicip_info": [],
        "status": "NORMAL", "tenant_id": PROJECT, "created_at": "2024-03-01T08:00:00",
        "updated_at": "2024-03-01T08:00:00",
    }
    item.update(extra)
    return item


SEED = [
    bandwidth("bw-pre", "shared-prepaid", 100, prepaid=True),
    bandwidth("bw-od", "shared-ondemand", 50),
    bandwidth("bw-per", "dedicated", 5, share_type="PER"),
    bandwidth("bw-twin-1", "twin", 10),
    bandwidth("bw-twin-2", "twin", 20),
]


def changes(http):
    """The requests that change something (the billing resource query is a read sent as POST)."""
    return [request for request in http.writes if not request.path.endswith("/resources/query")]


@pytest.fixture
def cloud(fake_http):
    return FakeVpcCloud(fake_http, SEED)


def run(run_module, check_mode=False, diff=False, **args):
    return run_module(vpc_bandwidth, dict(ARGS, **args), check_mode=check_mode, diff=diff)


# -- no change, check mode, diff -----------------------------------------------------------

def test_no_change_reads_once_and_writes_nothing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=100, name="shared-prepaid")
    assert result["changed"] is False
    assert [r.method + " " + r.path for r in fake_http.requests] == ["GET " + P + "/bw-pre"]
    assert result["bandwidth"]["billing_mode"] == "prepaid"
    assert result["bandwidth"]["share_type"] == "WHOLE"
    assert result["order_id"] is None and result["job_id"] is None and result["order_status"] is None


def test_check_mode_reports_the_change_and_diff_and_writes_nothing(run_module, cloud, fake_http):
    result = run(run_module, check_mode=True, diff=True, id="bw-od", size=80, charge_mode="traffic")
    assert result["changed"] is True
    assert result["diff"] == {"before": {"name": "shared-ondemand", "size": 50, "charge_mode": "bandwidth"},
                              "after": {"name": "shared-ondemand", "size": 80, "charge_mode": "traffic"}}
    assert result["bandwidth"]["size"] == 80
    assert changes(fake_http) == []
    assert cloud.bandwidths["bw-od"]["size"] == 50


def test_check_mode_of_a_prepaid_increase_places_no_order(run_module, cloud, fake_http):
    result = run(run_module, check_mode=True, diff=True, name="shared-prepaid", size=200, auto_pay=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["size"] == 200
    assert changes(fake_http) == []
    assert cloud.orders == []


# -- pay-per-use ---------------------------------------------------------------------------

def test_on_demand_update_is_synchronous(run_module, cloud, fake_http):
    result = run(run_module, name="shared-ondemand", size=80, charge_mode="traffic")
    assert result["changed"] is True
    [write] = changes(fake_http)
    assert (write.method, write.path) == ("PUT", P + "/bw-od")
    assert write.body == {"bandwidth": {"size": 80, "charge_mode": "traffic"}}
    assert result["bandwidth"]["size"] == 80 and result["bandwidth"]["charge_mode"] == "traffic"
    assert result["order_id"] is None and result["job_id"] is None
    assert fake_http.calls("GET", r"/v2/orders/.*") == []


def test_on_demand_update_with_a_lost_answer_reads_the_bandwidth(run_module, cloud, fake_http):
    cloud.drop_after_update = True
    result = run(run_module, id="bw-od", size=70)
    assert result["changed"] is True
    assert result["bandwidth"]["size"] == 70
    assert len(changes(fake_http)) == 1


def test_95peak_plus_on_a_dedicated_bandwidth_fails_before_writing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-per", charge_mode="95peak_plus")
    assert result["failed"] is True
    assert "WHOLE" in result["msg"]
    assert changes(fake_http) == []


# -- yearly/monthly ------------------------------------------------------------------------

def test_prepaid_rename_only_never_orders(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", name="renamed", auto_pay=True)
    assert result["changed"] is True
    [write] = changes(fake_http)
    assert (write.path, write.body) == (P2 + "/bw-pre", {"bandwidth": {"name": "renamed"}})
    assert cloud.orders == []
    assert result["order_id"] is None
    assert result["bandwidth"]["name"] == "renamed"


def test_prepaid_charge_mode_fails_before_writing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", charge_mode="traffic")
    assert result["failed"] is True
    assert "charge_mode" in result["msg"]
    assert changes(fake_http) == []


def test_prepaid_increase_without_auto_pay_waits_for_payment(run_module, cloud, fake_http):
    result = run(run_module, name="shared-prepaid", size=200)
    assert result["changed"] is True
    assert len(cloud.orders) == 1
    [write] = changes(fake_http)
    assert write.body == {"bandwidth": {"size": 200}, "extendParam": {"is_auto_pay": False}}
    assert result["order_id"] == cloud.orders[0]["order_id"]
    assert result["order_status"] == "pending_payment"
    assert any("waits for payment" in w for w in result["warnings"])
    assert cloud.bandwidths["bw-pre"]["size"] == 100


def test_prepaid_increase_with_auto_pay_waits_until_applied(run_module, cloud, fake_http):
    result = run(run_module, name="shared-prepaid", size=200, auto_pay=True)
    assert result["changed"] is True
    assert result["order_status"] == "completed"
    assert result["bandwidth"]["size"] == 200
    assert changes(fake_http)[0].body["extendParam"] == {"is_auto_pay": True}
    assert len(cloud.orders) == 1


def test_prepaid_increase_without_wait_returns_the_processing_order(run_module, cloud, fake_http):
    cloud.complete_after_reads = 2
    result = run(run_module, name="shared-prepaid", size=200, auto_pay=True, wait=False)
    assert result["order_status"] == "processing"
    assert result["bandwidth"]["size"] == 100


def test_prepaid_decrease_is_refused_by_default_before_any_write(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50)
    assert result["failed"] is True
    assert "immediate" in result["msg"] and "at_renewal" in result["msg"]
    assert changes(fake_http) == []


def test_prepaid_immediate_decrease_orders_now(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50, prepaid_decrease="immediate", auto_pay=True)
    assert result["changed"] is True
    assert changes(fake_http)[0].body == {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": True}}
    assert result["bandwidth"]["size"] == 50


def test_prepaid_decrease_at_renewal_orders_once(run_module, cloud, fake_http):
    args = dict(id="bw-pre", size=50, prepaid_decrease="at_renewal", period_type="month", period_num=3,
                auto_pay=True)
    result = run(run_module, **args)
    assert result["changed"] is True
    assert changes(fake_http)[0].body == {
        "bandwidth": {"size": 50},
        "extendParam": {"is_auto_pay": True, "period_type": "month", "period_num": 3}}
    assert result["order_status"] == "completed"
    # The size only changes at renewal.
    assert result["bandwidth"]["size"] == 100
    assert cloud.renewals == {"bw-pre": 50}
    assert any("renewal" in w for w in result["warnings"])
    order_id = result["order_id"]

    fake_http.requests.clear()
    again = run(run_module, **args)
    assert again["changed"] is False
    assert again["order_id"] == order_id and again["order_status"] == "completed"
    assert changes(fake_http) == []
    assert len(cloud.orders) == 1
    assert any("at renewal" in w for w in again["warnings"])

    checked = run(run_module, check_mode=True, **args)
    assert checked["changed"] is False


def test_at_renewal_rerun_without_billing_permission_warns_that_it_cannot_tell(run_module, cloud, fake_http):
    args = dict(id="bw-pre", size=50, prepaid_decrease="at_renewal", period_type="year", period_num=1)
    cloud.deny_billing = True
    result = run(run_module, **args)
    assert result["changed"] is True
    assert any("cannot be told" in w for w in result["warnings"])
    assert result["order_status"] == "pending_payment"


def test_at_renewal_needs_the_period_before_any_request(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50, prepaid_decrease="at_renewal")
    assert result["failed"] is True
    assert "period_type" in result["msg"]
    assert fake_http.requests == []


def test_period_without_at_renewal_fails_before_any_request(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50, prepaid_decrease="immediate", period_type="month", period_num=1)
    assert result["failed"] is True
    assert fake_http.requests == []


def test_open_order_is_reported_and_not_placed_again(run_module, cloud, fake_http):
    first = run(run_module, id="bw-pre", size=200)
    assert first["order_status"] == "pending_payment"
    fake_http.requests.clear()
    for check_mode in (True, False):
        again = run(run_module, check_mode=check_mode, id="bw-pre", size=200)
        assert again["changed"] is False
        assert again["order_id"] == first["order_id"]
        assert again["order_status"] == "pending_payment"
    assert changes(fake_http) == []
    assert len(cloud.orders) == 1


def test_409_says_an_order_is_pending_and_what_to_do(run_module, cloud, fake_http):
    cloud.conflict = True
    cloud.deny_billing = True
    result = run(run_module, id="bw-pre", size=200)
    assert result["failed"] is True
    assert "HTTP 409" in result["msg"] and "VPC.0309" in result["msg"]
    assert "pay or cancel" in result["msg"]
    assert result["error"]["status"] == 409
    assert cloud.orders == []


def test_lost_answer_after_the_order_finds_the_order_and_orders_once(run_module, cloud, fake_http):
    cloud.drop_after_order = True
    result = run(run_module, id="bw-pre", size=200)
    assert "failed" not in result
    assert len(cloud.orders) == 1
    assert result["order_id"] == cloud.orders[0]["order_id"]
    assert result["order_status"] == "pending_payment"
    assert any("answer to the order was lost" in w for w in result["warnings"])
    assert len(changes(fake_http)) == 1


def test_lost_answer_with_nothing_to_find_fails_without_ordering_again(run_module, cloud, fake_http):
    cloud.deny_billing = True

    def dropped(request):
        raise broken_connection()
    fake_http.routes.insert(0, ("PUT", __import__("re").compile("^%s/bw-pre$" % P2), dropped))
    result = run(run_module, id="bw-pre", size=200)
    assert result["failed"] is True
    assert "order may have been placed" in result["msg"]
    assert len(changes(fake_http)) == 1


# -- lookups and input ---------------------------------------------------------------------

def test_name_lookup_with_two_matches_fails_naming_both(run_module, cloud, fake_http):
    result = run(run_module, name="twin", size=30)
    assert result["failed"] is True
    assert "bw-twin-1" in result["msg"] and "bw-twin-2" in result["msg"]
    assert changes(fake_http) == []


def test_unknown_id_fails_with_the_id(run_module, cloud, fake_http):
    result = run(run_module, id="bw-nope", size=30)
    assert result["failed"] is True
    assert "bw-nope" in result["msg"]


@pytest.mark.parametrize("size", [0, 333, 1050, 2500])
def test_invalid_size_fails_before_any_request(run_module, cloud, fake_http, size):
    result = run(run_module, id="bw-od", size=size)
    assert result["failed"] is True
    assert str(size) in result["msg"]
    assert fake_http.requests == []


def test_secret_key_is_not_in_the_result(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50)
    assert "SK" not in str({k: v for k, v in result.items() if k != "invocation"})


# -- vpc_bandwidth_info --------------------------------------------------------------------

def info(run_module, **args):
    common = {key: value for key, value in ARGS.items() if key != "wait_timeout"}
    result = run_module(vpc_bandwidth_info, dict(common, **args))
    assert "failed" not in result, result.get("msg")
    return result


def test_info_follows_every_marker_page(run_module, fake_http):
    many = [bandwidth("bw-%04d" % index, "fleet-%04d" % index, 10) for index in range(4500)]
    pages = []
    FakeVpcCloud(fake_http, many, page_size_seen=pages)
    result = info(run_module)
    assert len(result["bandwidths"]) == 4500
    assert result["bandwidths"][-1]["id"] == "bw-4499"
    assert pages == [2000, 2000, 2000]
    assert [r.query.get("marker") for r in fake_http.requests] == [None, "bw-1999", "bw-3999"]


def test_info_filters(run_module, cloud, fake_http):
    assert [b["id"] for b in info(run_module, name="twin")["bandwidths"]] == ["bw-twin-1", "bw-twin-2"]
    assert [b["id"] for b in info(run_module, share_type="PER")["bandwidths"]] == ["bw-per"]
    assert info(run_module, enterprise_project_id="ep-x")["bandwidths"] == []
    by_id = info(run_module, id="bw-pre")["bandwidths"]
    assert [b["billing_mode"] for b in by_id] == ["prepaid"]
    assert info(run_module, id="bw-pre", share_type="PER")["bandwidths"] == []
    assert info(run_module, id="bw-missing")["bandwidths"] == []
    assert changes(fake_http) == []

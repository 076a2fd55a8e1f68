# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_bandwidth and vpc_bandwidth_info end to end, over the fake VPC + billing API of ``fake_cloud``."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import vpc_bandwidth, vpc_bandwidth_info
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud

pytestmark = pytest.mark.usefixtures("fake_time")

PROJECT = "proj-1"
BILLING_INFO = "CS2403010800QWERT:5a8e1f2c:cn-north-4:proj-1"
ARGS = {
    "access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": PROJECT,
    "endpoints": {"vpc": "https://vpc.test", "bss": "https://bss.test"}, "max_retries": 0, "wait_timeout": 5,
}
P = r"/v1/%s/bandwidths" % PROJECT
P2 = r"/v2.0/%s/bandwidths" % PROJECT
LIMITS = r"/v3/%s/eip/eip-bandwidth-limits" % PROJECT


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
TRAFFIC = bandwidth("bw-traffic", "dedicated-traffic", 100, share_type="PER", charge_mode="traffic")


@pytest.fixture
def cloud(fake_http):
    return FakeCloud(fake_http, PROJECT, vpc=SEED)


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
    result = run(run_module, check_mode=True, diff=True, id="bw-per", size=80, charge_mode="traffic")
    assert result["changed"] is True
    assert result["diff"] == {"before": {"name": "dedicated", "size": 5, "charge_mode": "bandwidth"},
                              "after": {"name": "dedicated", "size": 80, "charge_mode": "traffic"}}
    # The bandwidth as the service shows it; what is asked for is size_after and action.
    assert result["bandwidth"]["size"] == 5 and result["bandwidth"]["charge_mode"] != "traffic"
    assert result["size_after"] == 80 and result["action"] == "update"
    assert cloud.changes() == []
    assert cloud.vpc["bw-per"]["size"] == 5


def test_check_mode_of_a_prepaid_increase_places_no_order(run_module, cloud, fake_http):
    result = run(run_module, check_mode=True, diff=True, name="shared-prepaid", size=200, auto_pay=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["size"] == 200
    assert cloud.changes() == []
    assert cloud.orders == {}


# -- pay-per-use ---------------------------------------------------------------------------

def test_on_demand_update_is_synchronous(run_module, cloud, fake_http):
    result = run(run_module, name="dedicated", size=80, charge_mode="traffic")
    assert result["changed"] is True
    [write] = cloud.changes()
    assert (write.method, write.path) == ("PUT", P + "/bw-per")
    assert write.body == {"bandwidth": {"size": 80, "charge_mode": "traffic"}}
    # Applied at once: the bandwidth as the service answered it.
    assert result["bandwidth"]["size"] == 80 and result["bandwidth"]["charge_mode"] == "traffic"
    assert result["size_after"] == 80 and result["action"] == "update"
    assert result["order_id"] is None and result["job_id"] is None
    assert fake_http.calls("GET", r"/v2/orders/.*") == []
    assert cloud.vpc["bw-per"]["size"] == 80


def test_a_shared_bandwidth_cannot_be_switched_to_traffic_billing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-od", size=80, charge_mode="traffic")
    assert result["failed"] is True and result["changed"] is False
    assert "shared (WHOLE)" in result["msg"] and "cannot be billed by traffic" in result["msg"]
    assert cloud.changes() == []
    assert cloud.vpc["bw-od"]["charge_mode"] == "bandwidth"


def test_switching_to_traffic_billing_is_capped_at_300_before_any_request(run_module, cloud, fake_http):
    result = run(run_module, id="bw-per", size=350, charge_mode="traffic")
    assert result["failed"] is True
    assert "billed by traffic" in result["msg"] and "300" in result["msg"]
    assert fake_http.requests == []


def test_a_bandwidth_billed_by_traffic_is_capped_at_300(run_module, cloud, fake_http):
    cloud.vpc["bw-traffic"] = copy.deepcopy(TRAFFIC)
    # 400 is a valid size by the default range; the current charge mode (traffic) caps it.
    result = run(run_module, id="bw-traffic", size=400)
    assert result["failed"] is True
    assert "billed by traffic" in result["msg"] and "use 1 to 300" in result["msg"]
    assert cloud.changes() == []
    ok = run(run_module, id="bw-traffic", size=300)
    assert ok["changed"] is True and cloud.vpc["bw-traffic"]["size"] == 300


# -- region limits -------------------------------------------------------------------------

def test_a_size_change_reads_the_region_limits_once_and_keeps_to_them(run_module, cloud, fake_http):
    cloud.limits = {"bandwidth": (1, 500), "traffic": (1, 200), "95peak_plus": (300, 2000)}
    cloud.vpc["bw-traffic"] = copy.deepcopy(TRAFFIC)
    refused = run(run_module, id="bw-od", size=1000)
    assert refused["failed"] is True and "use 1 to 500" in refused["msg"]
    assert cloud.changes() == []
    assert len(fake_http.calls("GET", LIMITS)) == 1
    fake_http.requests.clear()
    result = run(run_module, id="bw-od", size=450)
    assert result["changed"] is True and cloud.vpc["bw-od"]["size"] == 450
    assert len(fake_http.calls("GET", LIMITS)) == 1
    # The region's traffic limit applies below the cap of 300.
    fake_http.requests.clear()
    traffic = run(run_module, id="bw-traffic", size=250)
    assert traffic["failed"] is True and "use 1 to 200" in traffic["msg"]
    assert cloud.changes() == []


@pytest.mark.parametrize("limits", [None, "denied"], ids=["404", "403"])
def test_without_region_limits_the_documented_range_applies(run_module, cloud, fake_http, limits):
    cloud.limits = limits
    result = run(run_module, id="bw-od", size=1000)
    assert "failed" not in result and result["changed"] is True
    assert cloud.vpc["bw-od"]["size"] == 1000
    assert len(fake_http.calls("GET", LIMITS)) == 1
    too_big = run(run_module, id="bw-od", size=2500)
    assert too_big["failed"] is True and "out of range" in too_big["msg"]


def test_a_run_without_a_size_change_does_not_read_the_limits(run_module, cloud, fake_http):
    result = run(run_module, id="bw-od", name="renamed")
    assert result["changed"] is True and cloud.vpc["bw-od"]["name"] == "renamed"
    assert fake_http.calls("GET", LIMITS) == []


def test_on_demand_update_with_a_lost_answer_reads_the_bandwidth(run_module, cloud, fake_http):
    cloud.drop_answer("vpc_update")
    result = run(run_module, id="bw-od", size=70)
    assert result["changed"] is True
    assert result["bandwidth"]["size"] == 70
    assert len(cloud.changes()) == 1
    assert [r.path for r in fake_http.calls("GET", P + "/bw-od")] == [P + "/bw-od"] * 2


def test_on_demand_update_with_a_lost_answer_and_nothing_applied_is_sent_again(run_module, cloud, fake_http):
    cloud.lose("vpc_update")
    result = run(run_module, id="bw-od", size=70, max_retries=2)
    assert "failed" not in result and result["changed"] is True
    assert result["bandwidth"]["size"] == 70
    writes = cloud.changes()
    assert len(writes) == 2 and writes[0].body == writes[1].body == {"bandwidth": {"size": 70}}
    assert cloud.vpc["bw-od"]["size"] == 70


def test_on_demand_update_lost_every_time_fails_within_the_retry_budget(run_module, cloud, fake_http):
    cloud.lose("vpc_update", times=10)
    result = run(run_module, id="bw-od", size=70, max_retries=2)
    assert result["failed"] is True
    assert "sent 3 times" in result["msg"] and "safe to repeat" in result["msg"]
    assert len(cloud.changes()) == 3
    assert cloud.vpc["bw-od"]["size"] == 50


def test_on_demand_update_with_a_lost_answer_under_way_is_followed_not_resent(run_module, cloud, fake_http):
    cloud.slow_update = True
    result = run(run_module, id="bw-od", size=70, max_retries=2)
    assert "failed" not in result and result["changed"] is True
    assert result["bandwidth"]["size"] == 70 and result["bandwidth"]["status"] == "NORMAL"
    assert len(cloud.changes()) == 1


def test_a_busy_bandwidth_is_refused_before_any_write(run_module, cloud, fake_http):
    cloud.vpc["bw-od"]["status"] = "FREEZED"
    result = run(run_module, id="bw-od", size=70)
    assert result["failed"] is True and result["changed"] is False
    assert "FREEZED" in result["msg"] and "shared-ondemand (bw-od)" in result["msg"]
    assert cloud.changes() == []


def test_95peak_plus_on_a_dedicated_bandwidth_fails_before_writing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-per", charge_mode="95peak_plus")
    assert result["failed"] is True
    assert "WHOLE" in result["msg"]
    assert cloud.changes() == []


# -- yearly/monthly ------------------------------------------------------------------------

def test_prepaid_rename_only_never_orders(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", name="renamed", auto_pay=True)
    assert result["changed"] is True
    [write] = cloud.changes()
    assert (write.path, write.body) == (P2 + "/bw-pre", {"bandwidth": {"name": "renamed"}})
    assert cloud.orders == {}
    assert result["order_id"] is None
    assert result["bandwidth"]["name"] == "renamed"


def test_prepaid_charge_mode_fails_before_writing(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", charge_mode="traffic")
    assert result["failed"] is True
    assert "charge_mode" in result["msg"]
    assert cloud.changes() == []


def test_prepaid_increase_without_auto_pay_waits_for_payment(run_module, cloud, fake_http):
    result = run(run_module, name="shared-prepaid", size=200)
    assert result["changed"] is True
    assert len(cloud.orders) == 1
    [write] = cloud.changes()
    assert write.body == {"bandwidth": {"size": 200}, "extendParam": {"is_auto_pay": False}}
    assert result["order_id"] == cloud.created_orders[0]
    assert result["order_status"] == "pending_payment"
    assert any("waits for payment" in w for w in result["warnings"])
    assert cloud.vpc["bw-pre"]["size"] == 100
    # The bandwidth as it will be once the order is paid and applied.
    # Pending payment: the service still shows the old size; the size asked for is size_after.
    assert result["bandwidth"]["size"] == 100 and result["bandwidth"]["id"] == "bw-pre"
    assert result["size_after"] == 200 and result["action"] == "order"


def test_prepaid_increase_with_auto_pay_waits_until_applied(run_module, cloud, fake_http):
    result = run(run_module, name="shared-prepaid", size=200, auto_pay=True)
    assert result["changed"] is True
    assert result["order_status"] == "completed"
    assert result["bandwidth"]["size"] == 200
    assert cloud.changes()[0].body["extendParam"] == {"is_auto_pay": True}
    assert len(cloud.orders) == 1


def test_prepaid_increase_without_wait_returns_the_processing_order(run_module, cloud, fake_http):
    cloud.complete_after_reads = 2
    result = run(run_module, name="shared-prepaid", size=200, auto_pay=True, wait=False)
    assert result["order_status"] == "processing"
    # The order is not applied yet: the bandwidth shows 100, the size asked for is size_after.
    assert result["bandwidth"]["size"] == 100 and result["size_after"] == 200
    assert cloud.vpc["bw-pre"]["size"] == 100


def test_prepaid_decrease_is_refused_by_default_before_any_write(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50)
    assert result["failed"] is True
    assert "immediate" in result["msg"] and "at_renewal" in result["msg"]
    assert cloud.changes() == []


def test_prepaid_immediate_decrease_orders_now(run_module, cloud, fake_http):
    result = run(run_module, id="bw-pre", size=50, prepaid_decrease="immediate", auto_pay=True)
    assert result["changed"] is True
    assert cloud.changes()[0].body == {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": True}}
    assert result["bandwidth"]["size"] == 50


def test_prepaid_decrease_at_renewal_orders_once(run_module, cloud, fake_http):
    args = dict(id="bw-pre", size=50, prepaid_decrease="at_renewal", period_type="month", period_num=3,
                auto_pay=True)
    result = run(run_module, **args)
    assert result["changed"] is True
    assert cloud.changes()[0].body == {
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
    assert cloud.changes() == []
    assert len(cloud.orders) == 1
    assert any("at renewal" in w for w in again["warnings"])

    checked = run(run_module, check_mode=True, **args)
    assert checked["changed"] is False


def test_at_renewal_rerun_without_billing_permission_warns_that_it_cannot_tell(run_module, cloud, fake_http):
    args = dict(id="bw-pre", size=50, prepaid_decrease="at_renewal", period_type="year", period_num=1)
    cloud.deny_billing()
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
    assert cloud.changes() == []
    assert len(cloud.orders) == 1
    assert any(first["order_id"] in w for w in again["warnings"])


def test_open_order_with_auto_pay_fails_naming_the_order(run_module, cloud, fake_http):
    open_order = cloud.add_order("bw-pre", 150, 6, amount=75.5)
    result = run(run_module, id="bw-pre", size=200, auto_pay=True)
    assert result["failed"] is True and result["changed"] is False
    # The order, its amount and what billing says it is for, verbatim: the 150 it asks for shows.
    assert 'order %s (pending_payment, 75.50 CNY, "Bandwidth | 150 Mbit/s | bw-pre")' % open_order in result["msg"]
    assert "Nothing was ordered for it" in result["msg"]
    assert result["order_id"] == open_order and result["order_status"] == "pending_payment"
    assert cloud.changes() == []
    assert cloud.created_orders == [open_order]


def test_open_orders_are_listed_once_per_status_plus_one_query_per_open_order(run_module, cloud, fake_http):
    cloud.add_order("bw-twin-1", 30, 6)
    cloud.add_order("bw-od", 60, 1)
    done = cloud.add_order("bw-per", 10, 5)
    result = run(run_module, id="bw-pre", size=200)
    assert result["changed"] is True and result["order_status"] == "pending_payment"
    listings = fake_http.calls("GET", r"/v2/orders/customer-orders")
    assert sorted(r.query["status"] for r in listings) == ["1", "3", "6", "9"]
    assert all(r.query["order_type"] == "3" for r in listings)
    queried = [r.body["order_id"] for r in fake_http.calls("POST", r"/v2/orders/suscriptions/resources/query")]
    assert len(queried) == 2 and len(set(queried)) == 2 and done not in queried
    assert len(cloud.changes()) == 1


def test_409_says_an_order_is_pending_and_what_to_do(run_module, cloud, fake_http):
    cloud.fault("vpc_order", 409, {"code": "VPC.0309", "message": "Bandwidth bw-pre has an unpaid order."})
    cloud.deny_billing()
    result = run(run_module, id="bw-pre", size=200)
    assert result["failed"] is True
    # The service refused the order: nothing was changed.
    assert result["changed"] is False
    assert "HTTP 409" in result["msg"] and "VPC.0309" in result["msg"]
    assert "pay or cancel" in result["msg"]
    assert result["error"]["status"] == 409
    assert cloud.orders == {}


def test_lost_answer_after_the_order_finds_the_order_and_orders_once(run_module, cloud, fake_http):
    cloud.drop_answer("vpc_order")
    result = run(run_module, id="bw-pre", size=200)
    assert "failed" not in result
    assert len(cloud.orders) == 1
    assert result["order_id"] == cloud.created_orders[0]
    assert result["order_status"] == "pending_payment"
    assert any("answer to the order was lost" in w for w in result["warnings"])
    assert len(cloud.changes()) == 1


def test_lost_answer_with_nothing_to_find_fails_without_ordering_again(run_module, cloud, fake_http):
    cloud.deny_billing()
    cloud.lose("vpc_order", times=99)
    result = run(run_module, id="bw-pre", size=200)
    assert result["failed"] is True
    assert "order may have been placed" in result["msg"]
    assert len(cloud.changes()) == 1


# -- lookups and input ---------------------------------------------------------------------

def test_name_lookup_with_two_matches_fails_naming_both(run_module, cloud, fake_http):
    result = run(run_module, name="twin", size=30)
    assert result["failed"] is True
    assert "bw-twin-1" in result["msg"] and "bw-twin-2" in result["msg"]
    assert cloud.changes() == []


def test_unknown_id_fails_with_the_id(run_module, cloud, fake_http):
    result = run(run_module, id="bw-nope", size=30)
    assert result["failed"] is True
    assert "bw-nope" in result["msg"]


@pytest.mark.parametrize("size", [0, 333, 1050, 2600])
def test_invalid_size_fails_before_any_request(run_module, cloud, fake_http, size):
    result = run(run_module, id="bw-od", size=size)
    assert result["failed"] is True
    assert str(size) in result["msg"]
    assert fake_http.requests == []


def test_a_size_above_the_default_maximum_is_left_to_the_region_range(run_module, cloud, fake_http):
    # 2500 is on the step; only the region's range (read when it matters) can refuse it.
    result = run(run_module, id="bw-od", size=2500)
    assert result["failed"] is True and "out of range" in result["msg"]
    assert len(fake_http.calls("GET", LIMITS)) == 1
    assert cloud.changes() == []


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
    cloud = FakeCloud(fake_http, PROJECT, vpc=many)
    result = info(run_module)
    assert len(result["bandwidths"]) == 4500
    assert result["bandwidths"][-1]["id"] == "bw-4499"
    assert cloud.page_sizes == [2000, 2000, 2000]
    assert [r.query.get("marker") for r in fake_http.requests] == [None, "bw-1999", "bw-3999"]


def test_info_filters(run_module, cloud, fake_http):
    assert [b["id"] for b in info(run_module, name="twin")["bandwidths"]] == ["bw-twin-1", "bw-twin-2"]
    assert [b["id"] for b in info(run_module, share_type="PER")["bandwidths"]] == ["bw-per"]
    assert info(run_module, enterprise_project_id="ep-x")["bandwidths"] == []
    by_id = info(run_module, id="bw-pre")["bandwidths"]
    assert [b["billing_mode"] for b in by_id] == ["prepaid"]
    assert info(run_module, id="bw-pre", share_type="PER")["bandwidths"] == []
    assert info(run_module, id="bw-missing")["bandwidths"] == []
    assert cloud.changes() == []

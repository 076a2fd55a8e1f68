# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""workspace_bandwidth and workspace_bandwidth_info end to end, over a fake Workspace and billing API.

The shared fake cloud (``fake_cloud.FakeCloud``) keeps bandwidths, jobs and orders. An update
turns the bandwidth UPDATING; here the job ends (and the bandwidth leaves UPDATING) on the second
listing after it started, as the engine follows a job through the bandwidth listing. Paid
orders complete on their first read. Time is fake: no test waits.
"""

from __future__ import annotations

import pytest
import requests

from ansible_collections.hwcloud.bandwidth.plugins.modules import workspace_bandwidth, workspace_bandwidth_info
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import (
    COMPLETED,
    PENDING_PAYMENT,
    PROCESSING,
    FakeCloud,
)

pytestmark = pytest.mark.usefixtures("fake_time")

PROJECT = "p0123456789"
BASE = "https://api.test"
LIST = "/v2/%s/bandwidths" % PROJECT
UPDATE = "/v2/%s/bandwidths/[^/]+/update" % PROJECT


def bandwidth(bandwidth_id, name, charge_mode="wks_traffic", size=10, **extra):
    item = {
        "bandwidth_id": bandwidth_id, "bandwidth_name": name, "charge_mode": charge_mode, "size": size,
        "vpc_id": "vpc-1", "vpc_name": "vpc-workspace", "subnet_id": "subnet-" + bandwidth_id,
        "subnet_name": "subnet-" + name, "enterprise_project_id": "0", "created_at": "2024-03-01T08:00:00.000Z",
        "order_id": None, "status": "ACTIVE", "control_mode": "BLACK",
    }
    item.update(extra)
    return item


@pytest.fixture
def cloud(fake_http):
    cloud = FakeCloud(fake_http, PROJECT, workspace=[
        bandwidth("bw-od", "wks-lab", "wks_traffic", 10),
        bandwidth("bw-pre", "wks-office", "wks_bandwidth", 20, order_id="CS2403010800ABCDE"),
        bandwidth("bw-free", "wks-free", "free", 5),
    ])
    cloud.job_reads = 2
    return cloud


def args(**values):
    base = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": PROJECT,
            "endpoints": {"workspace": BASE, "bss": BASE, "iam": BASE}}
    base.update(values)
    return base


# -- no change, check mode, diff ------------------------------------------------------------

def test_nothing_to_change_makes_one_read_and_reports_no_change(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=10))
    assert result["changed"] is False
    assert result["bandwidth"]["size"] == 10
    assert [(r.method, r.path) for r in cloud.http.requests] == [("GET", LIST)]
    assert cloud.http.requests[0].query["bandwidth_name"] == "wks-lab"


def test_check_mode_on_demand_writes_nothing_and_shows_the_diff(cloud, run_module):
    result = run_module(workspace_bandwidth, args(id="bw-od", name="wks-lab-2", size=50), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"name": "wks-lab", "size": 10}, "after": {"name": "wks-lab-2", "size": 50}}
    # Check mode: the bandwidth as the service shows it, and what the run would ask for.
    assert result["bandwidth"]["size"] == 10 and result["bandwidth"]["name"] == "wks-lab"
    assert result["size_after"] == 50 and result["action"] == "update"
    assert cloud.http.writes == []
    assert cloud.find("bw-od")["size"] == 10


def test_check_mode_prepaid_increase_places_no_order(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True),
                        check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["size"] == 40
    assert cloud.orders_placed() == [] and cloud.orders == {}
    assert not cloud.http.calls("POST", UPDATE)


def test_check_mode_with_an_open_order_reports_what_the_real_run_would(cloud, run_module):
    cloud.add_order("bw-pre", 40, PENDING_PAYMENT)
    checked = run_module(workspace_bandwidth, args(name="wks-office", size=40), check_mode=True)
    real = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert checked["changed"] is real["changed"] is False
    assert cloud.orders_placed() == []


def test_diff_mode_without_check_mode_also_returns_the_diff(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=12), diff=True)
    assert result["diff"] == {"before": {"name": "wks-lab", "size": 10}, "after": {"name": "wks-lab", "size": 12}}


# -- pay-per-use: update and job ------------------------------------------------------------

@pytest.mark.parametrize("name, bid", [("wks-lab", "bw-od"), ("wks-free", "bw-free")])
def test_on_demand_resize_updates_and_follows_the_job_through_the_listing(cloud, run_module, fake_time, name, bid):
    result = run_module(workspace_bandwidth, args(name=name, size=50))
    assert result["changed"] is True
    assert result["job_id"] == "job-1"
    assert result["order_id"] is None and result["order_status"] is None
    assert result["bandwidth"]["size"] == 50 and result["bandwidth"]["status"] == "ACTIVE"
    updates = cloud.http.calls("POST", UPDATE)
    assert len(updates) == 1 and updates[0].body == {"bandwidth_size": 50}
    assert updates[0].path.endswith("/%s/update" % bid)
    # Followed through the bandwidth listing: the plan's read, one round that sees UPDATING, one that
    # sees the change; the job itself is never read when the bandwidth shows the change.
    assert len(cloud.listings()) == 3
    assert all(r.query["bandwidth_id"] == bid for r in cloud.listings()[1:])
    assert cloud.job_reads_made() == []
    assert len(fake_time.sleeps) == 1
    assert cloud.orders_placed() == []


def test_a_slow_job_is_followed_until_the_bandwidth_leaves_updating(cloud, run_module, fake_time):
    cloud.job_reads = 4
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50))
    assert "failed" not in result and result["bandwidth"]["size"] == 50
    assert len(cloud.listings()) == 1 + 4
    assert cloud.job_reads_made() == []
    assert len(fake_time.sleeps) == 3


def test_without_wait_the_job_is_not_followed(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50, wait=False))
    assert result["changed"] is True and result["job_id"] == "job-1"
    # The service still shows the old size; the size asked for is size_after.
    assert result["bandwidth"]["size"] == 10 and result["size_after"] == 50
    assert cloud.find("bw-od")["size"] == 10 and cloud.find("bw-od")["status"] == "UPDATING"
    assert not cloud.job_reads_made()
    assert len(cloud.listings()) == 1


def test_a_failed_job_fails_the_task_with_its_reason(cloud, run_module):
    cloud.fail_jobs.add("bw-od")
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50))
    assert result["failed"] is True
    assert "Simulated failure of the update" in result["msg"]
    assert "WKS.00100001" in result["msg"] and "wks-lab (bw-od)" in result["msg"]
    assert result["job_id"] == "job-1"
    assert "Traceback" not in result["msg"]
    # The job is read once: when the bandwidth left UPDATING without the change.
    assert [r.path for r in cloud.job_reads_made()] == ["/v2/%s/workspace-jobs/job-1" % PROJECT]
    assert cloud.find("bw-od")["size"] == 10


def test_a_name_only_change_of_a_prepaid_bandwidth_uses_the_update(cloud, run_module):
    result = run_module(workspace_bandwidth, args(id="bw-pre", name="wks-office-2", size=20, auto_pay=True))
    assert result["changed"] is True and result["job_id"] == "job-1"
    assert cloud.orders_placed() == []
    assert cloud.http.calls("POST", UPDATE)[0].body == {"bandwidth_name": "wks-office-2"}
    assert result["bandwidth"]["name"] == "wks-office-2"


def test_the_enterprise_project_scopes_the_lookup_and_goes_with_the_change(cloud, run_module):
    cloud.find("bw-od")["enterprise_project_id"] = "eps-1"
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=30, enterprise_project_id="eps-1"))
    assert result["changed"] is True
    assert cloud.http.requests[0].query["enterprise_project_id"] == "eps-1"
    assert cloud.http.calls("POST", UPDATE)[0].body == {"bandwidth_size": 30, "enterprise_project_id": "eps-1"}


# -- yearly/monthly: orders -----------------------------------------------------------------

def test_prepaid_increase_with_auto_pay_orders_once_and_follows_the_order(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert result["changed"] is True
    orders = cloud.orders_placed()
    assert len(orders) == 1
    assert orders[0].body == {"bandwidth_size": "40", "extend_param": {"is_auto_pay": "true"}}
    assert result["order_id"] in cloud.orders
    assert result["order_status"] == "completed"
    assert result["bandwidth"]["size"] == 40
    assert not any("waits for payment" in w for w in result.get("warnings", []))
    assert not cloud.http.calls("POST", UPDATE)


def test_prepaid_increase_without_auto_pay_leaves_the_order_pending_and_warns(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert result["changed"] is True
    assert cloud.orders_placed()[0].body["extend_param"] == {"is_auto_pay": "false"}
    assert result["order_status"] == "pending_payment"
    # The service still has 20 until the order is paid; the size asked for is size_after.
    assert result["bandwidth"]["size"] == 20 and result["size_after"] == 40 and result["action"] == "order"
    assert cloud.find("bw-pre")["size"] == 20
    warnings = " ".join(result["warnings"])
    assert result["order_id"] in warnings and "takes effect once it is paid" in warnings


def test_a_rerun_with_the_order_pending_places_no_second_order(cloud, run_module):
    first = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    again = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert len(cloud.orders_placed()) == 1 and len(cloud.orders) == 1
    assert again["changed"] is False
    assert again["order_id"] == first["order_id"] and again["order_status"] == "pending_payment"
    assert "no new order was placed" in " ".join(again["warnings"])


def test_once_the_order_is_paid_and_applied_a_rerun_changes_nothing(cloud, run_module):
    run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    before = len(cloud.http.requests)
    again = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert again["changed"] is False
    assert len(cloud.http.requests) - before == 1
    assert len(cloud.orders_placed()) == 1


def test_prepaid_decrease_is_refused_before_any_write(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-office", size=10))
    assert result["failed"] is True
    assert "prepaid_decrease" in result["msg"] and "immediate" in result["msg"]
    assert cloud.http.writes == []


def test_prepaid_decrease_with_immediate_places_the_order(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="wks-office", size=10, prepaid_decrease="immediate",
                                                  auto_pay=True))
    assert result["changed"] is True and result["bandwidth"]["size"] == 10
    assert cloud.orders_placed()[0].body["bandwidth_size"] == "10"


def test_a_409_lists_the_open_orders_and_places_no_other(cloud, run_module):
    # Another run places an order between this run's check and its own order.
    def conflict(request, bid):
        cloud.add_order(bid, 50, PENDING_PAYMENT)
        return 409, {"error_code": "WKS.00200409", "error_msg": "An order is unpaid."}
    cloud.hook("ws_order", conflict)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert result["failed"] is True
    # The service refused the write: nothing changed.
    assert result["changed"] is False
    (other,) = cloud.orders
    assert other in result["msg"] and "pending_payment" in result["msg"]
    assert "wks-office (bw-pre)" in result["msg"] and "HTTP 409" in result["msg"]
    assert "nothing was changed" in result["msg"] and "Pay or cancel it" in result["msg"]
    assert len(cloud.orders_placed()) == 1 and len(cloud.orders) == 1


def test_a_409_without_billing_access_says_where_to_look(cloud, run_module):
    cloud.deny_billing()
    cloud.fault("ws_order", 409, {"error_code": "WKS.00200409", "error_msg": "An order is unpaid."})
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert result["failed"] is True and result["changed"] is False
    assert "billing console" in result["msg"] and "nothing was changed" in result["msg"]
    assert result["error"]["status"] == 409


def test_a_lost_answer_to_the_order_adopts_the_order_it_placed(cloud, run_module):
    cloud.drop_answer("ws_order")
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert "failed" not in result
    (placed,) = cloud.orders
    assert result["order_id"] == placed and result["order_status"] == "pending_payment"
    assert len(cloud.orders_placed()) == 1
    assert any("answer to the order was lost" in w for w in result["warnings"])


def test_a_lost_answer_with_the_change_visible_succeeds(cloud, run_module):
    def drop_after_applied(request, bid):
        cloud.find(bid)["size"] = int(request.body["bandwidth_size"])
        raise requests.exceptions.ConnectionError("Connection aborted")
    cloud.hook("ws_order", drop_after_applied)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert "failed" not in result and result["changed"] is True
    assert result["bandwidth"]["size"] == 40
    assert len(cloud.orders_placed()) == 1


def test_a_lost_answer_with_nothing_to_see_fails_saying_an_order_may_exist(cloud, run_module):
    cloud.lose("ws_order", times=99)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert result["failed"] is True
    assert "an order may have been placed" in result["msg"] and "order_info" in result["msg"]
    # Billing showed no order: it was placed once more, unpaid (design, rule 4), and that answer was lost too.
    placed = cloud.orders_placed()
    assert [r.body["extend_param"]["is_auto_pay"] for r in placed] == ["true", "false"]


def test_without_billing_access_the_bandwidth_is_followed_and_a_warning_given_once(cloud, run_module):
    cloud.deny_billing()

    def paid_at_once(request, bid):
        cloud.find(bid)["size"] = int(request.body["bandwidth_size"])
        order_id = cloud.add_order(bid, int(request.body["bandwidth_size"]), COMPLETED)
        return 200, {"order_id": order_id}
    cloud.hook("ws_order", paid_at_once)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert result["changed"] is True and result["bandwidth"]["size"] == 40
    billing_warnings = [w for w in result["warnings"] if "billing orders cannot be read" in w]
    assert len(billing_warnings) == 1
    assert len(cloud.orders_placed()) == 1


def test_an_open_order_with_auto_pay_fails_naming_the_order(cloud, run_module):
    open_order = cloud.add_order("bw-pre", 30, PENDING_PAYMENT)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40, auto_pay=True))
    assert result["failed"] is True and result["changed"] is False
    assert open_order in result["msg"] and "pending_payment" in result["msg"]
    assert '"Bandwidth | 30 Mbit/s | bw-pre"' in result["msg"] and "amount unknown" in result["msg"]
    assert "Nothing was ordered for it" in result["msg"]
    assert result["order_id"] == open_order
    assert cloud.orders_placed() == [] and list(cloud.orders) == [open_order]


def test_an_open_order_without_auto_pay_is_reported_with_a_warning(cloud, run_module):
    open_order = cloud.add_order("bw-pre", 30, PENDING_PAYMENT)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert "failed" not in result and result["changed"] is False
    assert result["order_id"] == open_order and result["order_status"] == "pending_payment"
    assert any(open_order in w and "no new order was placed" in w for w in result["warnings"])
    assert cloud.orders_placed() == []


def test_open_orders_are_listed_once_per_status_and_each_is_queried_once(cloud, run_module):
    cloud.add(bandwidth("bw-other", "wks-other", "wks_bandwidth", 20))
    cloud.add_order("bw-other", 30, PENDING_PAYMENT)
    cloud.add_order("bw-od", 30, PROCESSING)
    cloud.add_order("bw-other", 40, COMPLETED)
    result = run_module(workspace_bandwidth, args(name="wks-office", size=40))
    assert result["changed"] is True and result["order_status"] == "pending_payment"
    listings = cloud.http.calls("GET", "/v2/orders/customer-orders")
    assert sorted(r.query["status"] for r in listings) == ["1", "3", "6", "9"]
    assert all(r.query["order_type"] == "3" for r in listings)
    # One resource query per open order found (two), none for the completed one.
    queried = [r.body["order_id"] for r in cloud.http.calls("POST", "/v2/orders/suscriptions/resources/query")]
    assert len(queried) == 2 and len(set(queried)) == 2
    assert len(cloud.orders_placed()) == 1


def test_a_busy_bandwidth_is_refused_before_any_write(cloud, run_module):
    cloud.find("bw-od")["status"] = "UPDATING"
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50))
    assert result["failed"] is True and result["changed"] is False
    assert "UPDATING" in result["msg"] and "wks-lab (bw-od)" in result["msg"]
    assert cloud.http.writes == []


# -- lost answers to a plain update (rule 4) -----------------------------------------------

def test_a_lost_update_answer_with_the_job_under_way_is_followed_not_resent(cloud, run_module):
    cloud.drop_answer("ws_update")
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50))
    assert "failed" not in result and result["changed"] is True
    assert result["bandwidth"]["size"] == 50
    assert len(cloud.http.calls("POST", UPDATE)) == 1
    assert cloud.find("bw-od")["size"] == 50


def test_a_lost_update_answer_with_nothing_under_way_is_sent_again(cloud, run_module):
    cloud.lose("ws_update")
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50))
    assert "failed" not in result and result["changed"] is True
    assert result["bandwidth"]["size"] == 50
    updates = cloud.http.calls("POST", UPDATE)
    assert len(updates) == 2 and updates[0].body == updates[1].body == {"bandwidth_size": 50}
    assert len(cloud.jobs) == 1


def test_a_lost_update_answer_is_resent_only_within_the_retry_budget(cloud, run_module):
    cloud.lose("ws_update", times=99)
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50, max_retries=1))
    assert result["failed"] is True
    assert "sent 2 times" in result["msg"] and "safe to repeat" in result["msg"]
    assert len(cloud.http.calls("POST", UPDATE)) == 2


# -- validation before any call -------------------------------------------------------------

@pytest.mark.parametrize("values, fragment", [
    ({"name": "wks-lab", "size": 0}, "out of range"),
    ({"name": "wks-lab", "size": 2001}, "out of range"),
    ({"id": "bw-od", "name": "bad name!"}, "is not valid"),
    ({"id": "bw-od", "name": "x" * 65}, "is not valid"),
    ({"name": "wks-lab", "size": 20, "wait_timeout": 0}, "wait_timeout"),
    ({"size": 20}, "one of the following is required: id, name"),
    ({"name": "wks-lab", "size": "ten"}, "size"),
    ({"name": "wks-lab", "prepaid_decrease": "at_renewal"}, "prepaid_decrease"),
])
def test_invalid_input_fails_before_any_call(cloud, run_module, values, fragment):
    result = run_module(workspace_bandwidth, args(**values))
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert cloud.http.requests == []


def test_a_name_matching_no_bandwidth_fails_without_writing(cloud, run_module):
    result = run_module(workspace_bandwidth, args(name="nope", size=10))
    assert result["failed"] is True and "no Workspace bandwidth is named nope" in result["msg"]
    assert cloud.http.writes == []


def test_a_name_matching_two_bandwidths_fails_and_lists_them(cloud, run_module):
    cloud.add(bandwidth("bw-twin", "wks-lab"))
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=20))
    assert result["failed"] is True
    assert "bw-od" in result["msg"] and "bw-twin" in result["msg"]
    assert cloud.http.writes == []


def test_the_secret_key_appears_nowhere_in_the_result(cloud, run_module):
    cloud.fail_jobs.add("bw-od")
    result = run_module(workspace_bandwidth, args(name="wks-lab", size=50, secret_key="very-secret-key-123"))
    assert "very-secret-key-123" not in repr(result)


# -- workspace_bandwidth_info ---------------------------------------------------------------

def test_info_reads_every_page_and_normalises(fake_http, run_module):
    items = [bandwidth("bw-%03d" % index, "fleet-%03d" % index, "wks_bandwidth" if index % 2 else "wks_traffic")
             for index in range(205)]
    FakeCloud(fake_http, PROJECT, workspace=items)
    result = run_module(workspace_bandwidth_info, args(), check_mode=True)
    assert result["changed"] is False
    assert len(result["bandwidths"]) == 205
    assert result["bandwidths"][1]["billing_mode"] == "prepaid"
    assert result["bandwidths"][0]["billing_mode"] == "on_demand"
    assert [int(r.query["offset"]) for r in fake_http.requests] == [0, 100, 200]
    assert fake_http.writes == []


def test_info_passes_the_filters(cloud, run_module):
    result = run_module(workspace_bandwidth_info, args(name="wks-office", vpc_id="vpc-1", subnet_id="subnet-bw-pre",
                                                       enterprise_project_id="0", id="bw-pre"))
    assert [b["id"] for b in result["bandwidths"]] == ["bw-pre"]
    query = cloud.http.requests[0].query
    assert query["bandwidth_name"] == "wks-office" and query["bandwidth_id"] == "bw-pre"
    assert query["vpc_id"] == "vpc-1" and query["subnet_id"] == "subnet-bw-pre"
    assert query["enterprise_project_id"] == "0"


def test_info_with_no_match_returns_an_empty_list(cloud, run_module):
    result = run_module(workspace_bandwidth_info, args(name="nothing"))
    assert result["bandwidths"] == [] and "failed" not in result


def test_info_looks_the_project_up_when_none_is_given(cloud, run_module):
    values = args()
    del values["project_id"]
    result = run_module(workspace_bandwidth_info, values)
    assert len(result["bandwidths"]) == 3
    assert [(r.method, r.path) for r in cloud.http.requests] == [("GET", "/v3/projects"), ("GET", LIST)]

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize module end to end over a fake Workspace, VPC and billing API.

The shared fake cloud (``fake_cloud.FakeCloud``) keeps bandwidths of both services and the
change orders. A Workspace update turns the bandwidth UPDATING and ends on the next listing; a
paid order completes (and is applied) the first time billing reads it; a VPC pay-per-use update
is synchronous. Time is fake: no test waits.
"""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import resize
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import PENDING_PAYMENT, FakeCloud

pytestmark = pytest.mark.usefixtures("fake_time")

PROJECT = "proj-9"
BASE = "https://api.test"
BILLING_INFO = "CS2403010800QWERT:5a8e1f2c:cn-north-4:proj-9"


def workspace(bid, name, size, prepaid=False):
    return {"bandwidth_id": bid, "bandwidth_name": name, "size": size, "status": "ACTIVE",
            "charge_mode": "wks_bandwidth" if prepaid else "wks_traffic", "vpc_id": "vpc-1",
            "subnet_id": "subnet-" + bid, "enterprise_project_id": "0"}


def vpc(bid, name, size, prepaid=False, share_type="WHOLE"):
    return {"id": bid, "name": name, "size": size, "share_type": share_type, "charge_mode": "bandwidth",
            "billing_info": BILLING_INFO if prepaid else "", "enterprise_project_id": "0", "publicip_info": [],
            "status": "NORMAL", "updated_at": "2024-03-01T08:00:00"}


def fake_cloud(http, workspace_items, vpc_items):
    """The shared fake; the engine follows many orders through the order listing: it moves them on."""
    cloud = FakeCloud(http, PROJECT, workspace=workspace_items, vpc=vpc_items)
    cloud.listing_reads_orders = True
    return cloud


@pytest.fixture
def cloud(fake_http):
    return fake_cloud(fake_http, [
        workspace("ws-od", "wks-lab", 10),
        workspace("ws-pre", "wks-office", 20, prepaid=True),
        workspace("ws-twin-1", "twin", 10),
        workspace("ws-twin-2", "twin", 10),
    ], [
        vpc("vpc-od", "shared-ondemand", 50),
        vpc("vpc-pre", "shared-prepaid", 100, prepaid=True),
        vpc("vpc-per", "dedicated", 5, share_type="PER"),
    ])


MIXED = [
    {"service": "workspace", "name": "wks-lab", "size": 30},
    {"service": "workspace", "id": "ws-pre", "size": 40},
    {"service": "vpc", "name": "shared-ondemand", "size": 80},
    {"service": "vpc", "id": "vpc-pre", "size": 200},
    {"service": "vpc", "id": "vpc-per", "size": 5},
]


def args(**values):
    base = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": PROJECT,
            "endpoints": {"workspace": BASE, "vpc": BASE, "bss": BASE, "iam": BASE}, "max_retries": 0}
    base.update(values)
    return base


def by_id(items):
    return {item["id"]: item for item in items}


# -- check mode ----------------------------------------------------------------------------

def test_check_mode_plans_every_target_writes_nothing_and_shows_the_diff(cloud, run_module):
    result = run_module(resize, args(targets=MIXED, auto_pay=True), check_mode=True, diff=True)
    assert "failed" not in result and result["changed"] is True
    assert cloud.changes() == []
    plan = by_id(result["plan"])
    assert [entry["id"] for entry in result["plan"]] == ["ws-od", "ws-pre", "vpc-od", "vpc-pre", "vpc-per"]
    assert plan["ws-od"]["action"] == "update" and plan["ws-pre"]["action"] == "order"
    assert plan["vpc-od"]["action"] == "update" and plan["vpc-pre"]["action"] == "order"
    assert plan["vpc-per"]["action"] == "none"
    assert (plan["vpc-pre"]["size_before"], plan["vpc-pre"]["size_after"]) == (100, 200)
    assert plan["vpc-pre"]["billing_mode"] == "prepaid" and plan["vpc-od"]["billing_mode"] == "on_demand"
    assert result["results"] == []
    assert result["counts"]["updates"] == 2 and result["counts"]["orders"] == 2
    assert result["counts"]["unchanged"] == 1 and result["counts"]["targets"] == 5
    diff = result["diff"]
    assert len(diff) == 4
    headers = [item["before_header"] for item in diff]
    assert "workspace bandwidth wks-lab (ws-od)" in headers and "vpc bandwidth shared-prepaid (vpc-pre)" in headers
    first = diff[0]
    assert first["before"] == {"name": "wks-lab", "size": 10} and first["after"] == {"name": "wks-lab", "size": 30}
    assert cloud.ws["ws-od"]["size"] == 10 and cloud.vpc["vpc-pre"]["size"] == 100


def test_check_mode_with_nothing_to_change_is_not_changed(cloud, run_module):
    targets = [{"service": "workspace", "id": "ws-od", "size": 10}, {"service": "vpc", "id": "vpc-od", "size": 50}]
    result = run_module(resize, args(targets=targets), check_mode=True, diff=True)
    assert result["changed"] is False and "diff" not in result
    assert cloud.changes() == []


# -- problems ------------------------------------------------------------------------------

def test_every_problem_is_listed_at_once_and_nothing_is_written(cloud, run_module):
    targets = [
        {"service": "vpc", "id": "vpc-missing", "size": 10},
        {"service": "workspace", "name": "twin", "size": 20},
        {"service": "vpc", "id": "vpc-od", "size": 60},
        {"service": "vpc", "name": "shared-ondemand", "size": 70},
        {"service": "vpc", "id": "vpc-per", "size": 333},
        {"service": "vpc", "id": "vpc-pre", "size": 50},
        {"service": "workspace", "id": "ws-od", "size": 30},
    ]
    result = run_module(resize, args(targets=targets))
    assert result["failed"] is True and result["changed"] is False
    problems = result["problems"]
    assert len(problems) == 5
    text = " ".join(problems)
    assert "vpc-missing" in text
    assert "ws-twin-1" in text and "ws-twin-2" in text
    assert "already the subject of" in text
    assert "333" in text and "multiple of 50" in text
    assert "prepaid_decrease=refuse" in text
    assert result["msg"].startswith("5 of 7 targets are wrong; nothing was changed")
    assert result["counts"]["problems"] == 5
    assert cloud.changes() == []
    assert cloud.ws["ws-od"]["size"] == 10


def test_targets_are_checked_before_any_request(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-od", "size": 0}, {"service": "vpc", "id": "vpc-per", "size": "many"}]
    result = run_module(resize, args(targets=targets))
    assert result["failed"] is True
    assert len(result["problems"]) == 2
    assert cloud.http.requests == []


@pytest.mark.parametrize("concurrency", [0, -3])
def test_concurrency_must_be_positive(cloud, run_module, concurrency):
    result = run_module(resize, args(targets=MIXED, concurrency=concurrency))
    assert result["failed"] is True and "concurrency must be at least 1" in result["msg"]
    assert cloud.http.requests == []


# -- apply ---------------------------------------------------------------------------------

def test_mixed_targets_are_applied_and_counted(cloud, run_module):
    result = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    results = by_id(result["results"])
    assert set(results) == {"ws-od", "ws-pre", "vpc-od", "vpc-pre"}
    assert all(item["status"] == "ok" for item in results.values())
    assert results["ws-od"]["job_id"] and results["ws-od"]["order_id"] is None
    assert results["ws-pre"]["order_id"] in cloud.orders and results["ws-pre"]["order_status"] == "completed"
    assert results["vpc-pre"]["order_id"] in cloud.orders and results["vpc-pre"]["order_status"] == "completed"
    assert results["vpc-od"]["order_id"] is None and results["vpc-od"]["job_id"] is None
    assert result["counts"] == {"targets": 5, "unchanged": 1, "held": 0, "updates": 2, "orders": 2, "problems": 0,
                                "ok": 4, "pending_payment": 0, "in_progress": 0, "failed": 0,
                                "not_started": 0, "running": 0, "verdict": "ok"}
    assert (cloud.ws["ws-od"]["size"], cloud.ws["ws-pre"]["size"]) == (30, 40)
    assert (cloud.vpc["vpc-od"]["size"], cloud.vpc["vpc-pre"]["size"], cloud.vpc["vpc-per"]["size"]) == (80, 200, 5)
    assert len(cloud.changes()) == 4 and len(cloud.orders) == 2


def test_a_rerun_changes_nothing_and_only_reads(cloud, run_module):
    first = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert first["changed"] is True
    cloud.http.requests.clear()
    again = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert "failed" not in again and again["changed"] is False
    assert cloud.changes() == []
    assert again["results"] == []
    assert all(entry["action"] == "none" for entry in again["plan"])
    assert again["counts"]["unchanged"] == 5
    assert len(cloud.orders) == 2


def test_without_auto_pay_orders_wait_for_payment(cloud, run_module):
    result = run_module(resize, args(targets=MIXED))
    assert "failed" not in result and result["changed"] is True
    results = by_id(result["results"])
    assert results["ws-pre"]["status"] == results["vpc-pre"]["status"] == "pending_payment"
    assert results["vpc-pre"]["order_status"] == "pending_payment"
    assert result["counts"]["pending_payment"] == 2 and result["counts"]["ok"] == 2
    assert cloud.vpc["vpc-pre"]["size"] == 100


def test_one_failing_target_fails_the_task_at_the_end_and_the_others_are_applied(cloud, run_module):
    cloud.refuse["vpc-od"] = (400, {"code": "VPC.0301", "message": "Invalid size."})
    result = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["msg"].startswith("1 of 4 changes did not complete")
    assert "shared-ondemand (vpc-od)" in result["msg"] and "VPC.0301" in result["msg"]
    assert result["msg"] == result["summary"] and result["counts"]["verdict"] == "failed"
    results = by_id(result["results"])
    assert results["vpc-od"]["status"] == "failed"
    assert [results[i]["status"] for i in ("ws-od", "ws-pre", "vpc-pre")] == ["ok", "ok", "ok"]
    assert result["counts"]["failed"] == 1 and result["counts"]["ok"] == 3
    assert cloud.vpc["vpc-od"]["size"] == 50
    assert (cloud.ws["ws-od"]["size"], cloud.ws["ws-pre"]["size"], cloud.vpc["vpc-pre"]["size"]) == (30, 40, 200)


def test_a_refused_write_alone_is_no_change(cloud, run_module):
    cloud.refuse["vpc-od"] = (409, {"code": "VPC.0309", "message": "Bandwidth vpc-od is busy."})
    result = run_module(resize, args(targets=[{"service": "vpc", "id": "vpc-od", "size": 80}]))
    assert result["failed"] is True and result["changed"] is False
    assert "HTTP 409" in result["msg"]


def test_an_open_order_with_auto_pay_fails_that_target_and_the_others_are_applied(cloud, run_module):
    open_order = cloud.add_order("vpc-pre", 150, PENDING_PAYMENT)
    result = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert result["failed"] is True and result["changed"] is True
    assert open_order in result["msg"] and "shared-prepaid (vpc-pre)" in result["msg"]
    results = by_id(result["results"])
    assert results["vpc-pre"]["status"] == "failed" and results["vpc-pre"]["order_id"] == open_order
    assert [results[i]["status"] for i in ("ws-od", "ws-pre", "vpc-od")] == ["ok", "ok", "ok"]
    assert by_id(result["plan"])["vpc-pre"]["action"] == "none"
    # No order for vpc-pre was placed; the other orders were.
    assert not [r for r in cloud.changes() if r.path.endswith("/vpc-pre")]
    assert len(cloud.orders) == 2
    assert cloud.vpc["vpc-pre"]["size"] == 100 and cloud.ws["ws-pre"]["size"] == 40


def test_an_open_order_without_auto_pay_is_reported_pending(cloud, run_module):
    open_order = cloud.add_order("vpc-pre", 200, PENDING_PAYMENT)
    targets = [{"service": "vpc", "id": "vpc-pre", "size": 200}]
    result = run_module(resize, args(targets=targets))
    assert "failed" not in result and result["changed"] is False
    [item] = result["results"]
    assert item["status"] == "pending_payment" and item["order_id"] == open_order
    assert cloud.changes() == []


# -- wait and follow -----------------------------------------------------------------------

def test_without_wait_then_follow_brings_the_results_to_their_end(cloud, run_module):
    started = run_module(resize, args(targets=MIXED, auto_pay=True, wait=False))
    assert "failed" not in started and started["changed"] is True
    statuses = {item["id"]: item["status"] for item in started["results"]}
    # A Workspace job and the paid orders are under way; the VPC pay-per-use update is synchronous.
    assert statuses == {"ws-od": "in_progress", "ws-pre": "in_progress", "vpc-od": "ok", "vpc-pre": "in_progress"}
    assert started["counts"]["in_progress"] == 3
    writes = len(cloud.changes())
    followed = run_module(resize, args(follow=started["results"], wait_timeout=60))
    assert "failed" not in followed, followed.get("msg")
    assert followed["changed"] is False
    assert len(cloud.changes()) == writes
    assert {item["id"]: item["status"] for item in followed["results"]} == dict.fromkeys(statuses, "ok")
    assert by_id(followed["results"])["vpc-pre"]["order_status"] == "completed"
    assert (cloud.ws["ws-od"]["size"], cloud.vpc["vpc-pre"]["size"]) == (30, 200)


def test_follow_leaves_what_is_not_done_in_progress(cloud, run_module):
    # Billing shows the order processing for ever: the bandwidth never changes.
    cloud.hold_orders = True
    started = run_module(resize, args(targets=[{"service": "vpc", "id": "vpc-pre", "size": 200}], auto_pay=True,
                                      wait=False))
    [item] = started["results"]
    assert item["status"] == "in_progress" and item["order_status"] == "processing"
    followed = run_module(resize, args(follow=started["results"], wait_timeout=5, wait=False))
    assert "failed" not in followed and followed["changed"] is False
    [item] = followed["results"]
    assert item["status"] == "in_progress" and item["order_status"] == "processing"
    assert followed["counts"]["verdict"] == "in_progress"
    assert "still waiting for order %s (processing)" % item["order_id"] in followed["summary"]
    assert cloud.vpc["vpc-pre"]["size"] == 100
    # Waited for (the last round), the same change fails the task but stays in progress: it may still complete.
    last = run_module(resize, args(follow=followed["results"], wait_timeout=5))
    assert last["failed"] is True and last["counts"]["verdict"] == "failed"
    assert [item["status"] for item in last["results"]] == ["in_progress"]
    assert "did not finish within 5 s, still waiting for order" in last["msg"] and "None" not in last["msg"]
    # Released, a later follow round sees it through.
    cloud.hold_orders = False
    done = run_module(resize, args(follow=followed["results"], wait_timeout=5))
    assert [item["status"] for item in done["results"]] == ["ok"]
    assert cloud.vpc["vpc-pre"]["size"] == 200


# -- cost of a run -------------------------------------------------------------------------

def fleet_cloud(http, count):
    """``count`` bandwidths of each kind: Workspace pay-per-use, VPC pay-per-use, VPC prepaid."""
    return fake_cloud(
        http,
        [workspace("ws-%03d" % index, "wks-%03d" % index, 10) for index in range(count)],
        [vpc("od-%03d" % index, "od-%03d" % index, 10) for index in range(count)]
        + [vpc("pre-%03d" % index, "pre-%03d" % index, 10, prepaid=True) for index in range(count)])


def fleet_targets(count):
    return ([{"service": "workspace", "id": "ws-%03d" % index, "size": 20} for index in range(count)]
            + [{"service": "vpc", "id": "od-%03d" % index, "size": 20} for index in range(count)]
            + [{"service": "vpc", "name": "pre-%03d" % index, "size": 20} for index in range(count)])


@pytest.mark.parametrize("concurrency", [1, 10])
def test_writes_grow_with_the_targets_and_reads_do_not(fake_http, run_module, concurrency):
    reads = {}
    for count in (3, 20):
        fake_http.requests.clear()
        fake_http.routes.clear()
        cloud = fleet_cloud(fake_http, count)
        result = run_module(resize, args(targets=fleet_targets(count), auto_pay=True, concurrency=concurrency))
        assert "failed" not in result, result.get("msg")
        assert result["counts"]["ok"] == 3 * count
        assert len(cloud.changes()) == 3 * count
        assert len(cloud.orders) == count
        assert all(item["size"] == 20 for item in list(cloud.ws.values()) + list(cloud.vpc.values()))
        reads[count] = len(cloud.reads())
    assert reads[20] == reads[3]
    assert reads[20] < 3 * 20


def test_problem_order_follows_the_targets():
    from ansible_collections.hwcloud.bandwidth.plugins.modules.resize import _target_index
    problems = ["target 9 (vpc id=x): size 0", "target 2 (vpc name=y): unknown", "target 10 (vpc id=z): dup"]
    assert sorted(problems, key=_target_index) == [problems[1], problems[0], problems[2]]


# -- defects found by probing (issue: one home for every rule) -----------------------------

GOOD_RECORD = {"service": "vpc", "id": "vpc-pre", "name": "shared-prepaid", "size_before": 100, "size_after": 200,
               "action": "order", "status": "in_progress", "order_id": "CS2501010800ABCDE",
               "order_status": "processing", "job_id": None, "msg": None}


@pytest.mark.parametrize("record, words", [
    ({}, ["follow record 1", "service must be workspace or vpc, got None", "id must be the id of a bandwidth"]),
    (dict(GOOD_RECORD, service="evil"), ["follow record 2: service must be workspace or vpc, got 'evil'"]),
    (dict(GOOD_RECORD, id=None), ["follow record 2: id must be the id of a bandwidth, got None"]),
    (dict(GOOD_RECORD, action="delete"), ["action must be one of none, update, order, got 'delete'"]),
    (dict(GOOD_RECORD, status="done"), ["status must be one of ok, pending_payment"]),
    (dict(GOOD_RECORD, order_id="x; DROP"), ["order_id 'x; DROP' is not a billing order id"]),
])
def test_a_bad_follow_record_fails_naming_it_before_any_request(cloud, run_module, record, words):
    result = run_module(resize, args(follow=[GOOD_RECORD, record] if record != {} else [record]))
    assert result["failed"] is True and result["changed"] is False
    for word in words:
        assert word in result["msg"], result["msg"]
    assert "None" not in result["msg"].replace("got None", "") and "Traceback" not in result["msg"]
    assert cloud.http.requests == []


def test_a_made_up_order_id_fails_its_record_naming_the_order(cloud, run_module):
    record = dict(GOOD_RECORD, order_id="CS2501010800FAKED")
    result = run_module(resize, args(follow=[record], wait_timeout=30))
    assert result["failed"] is True
    [item] = result["results"]
    assert item["status"] == "failed"
    assert "order CS2501010800FAKED" in item["msg"] and "not known to the billing service" in item["msg"]
    assert "CBC.30000010" in item["msg"]


def test_a_short_wait_reports_in_progress_not_failed_and_names_what_it_waits_for(cloud, run_module):
    cloud.hold_orders = True
    result = run_module(resize, args(targets=[{"service": "vpc", "id": "vpc-pre", "size": 200}], auto_pay=True,
                                     wait_timeout=1))
    assert result["failed"] is True and result["changed"] is True
    assert result["counts"]["in_progress"] == 1 and result["counts"]["failed"] == 0
    assert result["counts"]["verdict"] == "failed"
    [item] = result["results"]
    assert item["status"] == "in_progress"
    assert "did not finish within 1 s, still waiting for order %s (processing)" % item["order_id"] in result["msg"]
    assert "None" not in result["msg"]


def test_a_key_refused_in_the_middle_of_a_run_stops_the_other_writes(cloud, run_module, fake_http):
    """The first write is refused with 401: no other write goes out, and the others are not started."""
    refused = (401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information."})
    for bid in ("ws-od", "ws-pre", "vpc-od", "vpc-pre"):
        cloud.refuse[bid] = refused
    result = run_module(resize, args(targets=MIXED, auto_pay=True))
    assert result["failed"] is True and result["changed"] is False
    assert len(cloud.changes()) == 1
    statuses = [item["status"] for item in result["results"]]
    assert statuses.count("failed") == 1 and statuses.count("not_started") == len(statuses) - 1
    assert result["counts"]["not_started"] == len(statuses) - 1
    assert "not started: an earlier write of this run was refused with HTTP 401 (APIGW.0301)" in result["msg"]

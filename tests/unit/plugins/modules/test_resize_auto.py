# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize module with ``size: auto`` end to end over a fake VPC, Cloud Eye and billing API.

The shared fake cloud (``fake_cloud.FakeCloud``) keeps VPC bandwidths and their hourly Cloud
Eye maxima (not tied to the size, so a rerun after the apply measures the same series). Time is
fake: no test waits.
"""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_table import resize_table
from ansible_collections.hwcloud.bandwidth.plugins.modules import resize
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud

pytestmark = pytest.mark.usefixtures("fake_time")

PROJECT = "proj-9"
BASE = "https://api.test"
VPC_LIST = "/v1/%s/bandwidths" % PROJECT
BILLING_INFO = "CS2403010800QWERT:5a8e1f2c:cn-north-4:proj-9"


def vpc(bid, name, size, prepaid=False):
    return {"id": bid, "name": name, "size": size, "share_type": "WHOLE", "charge_mode": "bandwidth",
            "billing_info": BILLING_INFO if prepaid else "", "enterprise_project_id": "0", "publicip_info": [],
            "status": "NORMAL", "updated_at": "2024-03-01T08:00:00"}


def workspace(bid, name, size):
    return {"bandwidth_id": bid, "bandwidth_name": name, "size": size, "status": "ACTIVE",
            "charge_mode": "wks_traffic", "vpc_id": "vpc-1", "subnet_id": "subnet-" + bid,
            "enterprise_project_id": "0"}


def steady(mbit, count=48):
    return [float(mbit)] * count


@pytest.fixture
def cloud(fake_http):
    cloud = FakeCloud(fake_http, PROJECT, vpc=[
        vpc("vpc-busy", "shared-busy", 90),                  # p95 80 + 25 % -> 100
        vpc("vpc-idle", "shared-idle", 200),                 # p95 16 + 25 % -> 20
        vpc("vpc-pre", "shared-prepaid", 100, prepaid=True),  # p95 8 + 25 % -> 10, a prepaid decrease
        vpc("vpc-fit", "shared-fit", 50),                    # p95 40 + 25 % -> 50: kept
        vpc("vpc-new", "shared-new", 30),                    # 6 hours only: kept
        vpc("vpc-num", "shared-numeric", 20),
    ], workspace=[workspace("ws-1", "wks-lab", 10)])
    cloud.limits = {"bandwidth": (1, 2000), "traffic": (1, 300)}
    usage = {"vpc-busy": steady(80), "vpc-idle": steady(16), "vpc-pre": steady(8), "vpc-fit": steady(40),
             "vpc-new": steady(500, 6), "vpc-num": steady(500)}
    for bandwidth_id, values in usage.items():
        cloud.usage(bandwidth_id, values)
    return cloud


AUTO_TARGETS = [
    {"service": "vpc", "name": "shared-busy", "size": "auto"},
    {"service": "vpc", "id": "vpc-idle", "size": "auto"},
    {"service": "vpc", "id": "vpc-pre", "size": "auto"},
    {"service": "vpc", "id": "vpc-fit", "size": "auto"},
    {"service": "vpc", "name": "shared-new", "size": "auto"},
    {"service": "vpc", "id": "vpc-num", "size": 25},
]


def args(**values):
    base = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": PROJECT,
            "endpoints": {"workspace": BASE, "vpc": BASE, "bss": BASE, "iam": BASE, "ces": BASE}, "max_retries": 0}
    base.update(values)
    return base


def by_id(items):
    return {item["id"]: item for item in items}


# -- check mode ----------------------------------------------------------------------------

def test_check_mode_shows_the_recommended_sizes_with_their_evidence_and_writes_nothing(cloud, run_module):
    result = run_module(resize, args(targets=AUTO_TARGETS), check_mode=True, diff=True)
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True and result["problems"] == [] and result["results"] == []
    plan = by_id(result["plan"])
    order = ["vpc-busy", "vpc-idle", "vpc-pre", "vpc-fit", "vpc-new", "vpc-num"]
    assert [entry["id"] for entry in result["plan"]] == order
    sizes = {bid: (entry["size_before"], entry["size_after"], entry["action"]) for bid, entry in plan.items()}
    assert sizes == {"vpc-busy": (90, 100, "update"), "vpc-idle": (200, 20, "update"),
                     "vpc-pre": (100, 100, "none"), "vpc-fit": (50, 50, "none"), "vpc-new": (30, 30, "none"),
                     "vpc-num": (20, 25, "update")}

    busy = plan["vpc-busy"]["usage"]
    assert busy["hours"] == 48 and busy["peak_mbit"] == 80.0 and busy["percentile_mbit"] == 80.0
    assert busy["utilization_percent"] == 88.9 and busy["recommended_size"] == 100
    assert "95th percentile of 48 hourly maxima over 7 days is 80 Mbit/s" in plan["vpc-busy"]["reason"]
    assert "increase from 90 to 100 Mbit/s" in plan["vpc-busy"]["reason"]
    assert "decrease from 200 to 20 Mbit/s" in plan["vpc-idle"]["reason"]
    # The refused prepaid decrease: kept, with what was recommended and what would allow it.
    assert plan["vpc-pre"]["usage"]["recommended_size"] == 10
    assert "decrease from 100 to 10 Mbit/s" in plan["vpc-pre"]["reason"]
    assert "keeps 100 Mbit/s" in plan["vpc-pre"]["reason"] and "prepaid_decrease=immediate" in plan["vpc-pre"]["reason"]
    assert plan["vpc-new"]["usage"]["hours"] == 6 and "too few hours" in plan["vpc-new"]["reason"]
    assert "keep 50 Mbit/s" in plan["vpc-fit"]["reason"]
    assert "usage" not in plan["vpc-num"]

    assert result["counts"] == {"targets": 6, "unchanged": 3, "held": 0, "updates": 3, "orders": 0, "problems": 0,
                                "ok": 0, "failed": 0, "pending_payment": 0, "in_progress": 0,
                                "not_started": 0, "running": 0, "verdict": "check"}
    diff = {item["before_header"]: item for item in result["diff"]}
    assert len(diff) == 3
    assert diff["vpc bandwidth shared-busy (vpc-busy)"]["after"] == {"name": "shared-busy", "size": 100}
    assert diff["vpc bandwidth shared-idle (vpc-idle)"]["before"] == {"name": "shared-idle", "size": 200}
    assert diff["vpc bandwidth shared-idle (vpc-idle)"]["after"] == {"name": "shared-idle", "size": 20}

    assert cloud.changes() == []
    # One Cloud Eye read for the five auto targets (up and down each), none for the numeric one.
    (read,) = cloud.cloud_eye_reads()
    assert len(read.body["metrics"]) == 10
    assert "vpc-num" not in {m["dimensions"][0]["value"] for m in read.body["metrics"]}
    assert cloud.vpc["vpc-busy"]["size"] == 90 and cloud.vpc["vpc-idle"]["size"] == 200


def test_the_check_mode_table_shows_the_evidence(cloud, run_module):
    targets = AUTO_TARGETS[:-1] + [{"service": "vpc", "id": "vpc-num", "size": 20}]
    result = run_module(resize, args(targets=targets), check_mode=True)
    lines = resize_table(result["plan"], unchanged=False)
    assert lines[0].split()[:8] == ["SERVICE", "NAME", "ID", "SIZE", "(Mbit/s)", "PEAK", "PERCENTILE", "UTIL"]
    assert "RECOMMENDED" in lines[0]
    # Every auto row shows, the unchanged ones too; only the unchanged numeric row is hidden.
    assert [line.split()[2] for line in lines[1:-1]] == ["vpc-busy", "vpc-idle", "vpc-pre", "vpc-fit", "vpc-new"]
    assert lines[-1] == "(1 more unchanged)"
    busy = lines[1].split()
    assert busy[3:10] == ["90", "->", "100", "80.0", "80.0", "88.9", "100"]
    assert lines[3].split()[3:8] == ["100", "8.0", "8.0", "8.0", "10"]


def test_the_usage_option_reaches_the_rule(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-busy", "size": "auto"}]
    result = run_module(resize, args(targets=targets, usage={"headroom_percent": 0, "max_size": 60}),
                        check_mode=True)
    entry = result["plan"][0]
    assert entry["size_after"] == 60 and "held at the maximum 60 Mbit/s" in entry["reason"]
    assert cloud.changes() == []


def test_check_mode_with_immediate_plans_an_order_for_the_prepaid_decrease(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-pre", "size": "auto"}]
    result = run_module(resize, args(targets=targets, prepaid_decrease="immediate"), check_mode=True, diff=True)
    (entry,) = result["plan"]
    assert (entry["action"], entry["size_before"], entry["size_after"]) == ("order", 100, 10)
    assert result["changed"] is True and result["diff"][0]["after"]["size"] == 10
    assert cloud.changes() == [] and cloud.orders == {}


# -- apply ---------------------------------------------------------------------------------

def test_apply_writes_the_recommended_sizes_and_a_rerun_changes_nothing(cloud, run_module):
    result = run_module(resize, args(targets=AUTO_TARGETS))
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    results = by_id(result["results"])
    assert set(results) == {"vpc-busy", "vpc-idle", "vpc-num"}
    assert all(item["status"] == "ok" for item in results.values())
    written = {request.path.rsplit("/", 1)[1]: request.body for request in cloud.changes()}
    assert written == {"vpc-busy": {"bandwidth": {"size": 100}}, "vpc-idle": {"bandwidth": {"size": 20}},
                       "vpc-num": {"bandwidth": {"size": 25}}}
    assert all(request.method == "PUT" and request.path.startswith(VPC_LIST) for request in cloud.changes())
    assert cloud.orders == {}
    sizes = {bid: item["size"] for bid, item in cloud.vpc.items()}
    assert sizes == {"vpc-busy": 100, "vpc-idle": 20, "vpc-pre": 100, "vpc-fit": 50, "vpc-new": 30, "vpc-num": 25}

    before = len(cloud.http.requests)
    rerun = run_module(resize, args(targets=AUTO_TARGETS))
    assert "failed" not in rerun and rerun["changed"] is False and rerun["results"] == []
    assert [entry["action"] for entry in rerun["plan"]] == ["none"] * 6
    assert [request for request in cloud.http.requests[before:] if request.method == "PUT"] == []
    assert by_id(rerun["plan"])["vpc-busy"]["usage"]["utilization_percent"] == 80.0


def test_apply_with_immediate_orders_the_prepaid_decrease(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-pre", "size": "auto"}]
    result = run_module(resize, args(targets=targets, prepaid_decrease="immediate", wait=False))
    assert "failed" not in result, result.get("msg")
    (item,) = result["results"]
    assert item["action"] == "order" and item["order_id"] in cloud.orders
    (request,) = cloud.changes()
    assert request.path == "/v2.0/%s/bandwidths/vpc-pre" % PROJECT
    assert request.body["bandwidth"] == {"size": 10}


# -- failures before any write -------------------------------------------------------------

@pytest.mark.parametrize("usage, words", [
    ({"percentile": 0}, "usage.percentile must be from 1 to 100"),
    ({"percentile": 101}, "usage.percentile must be from 1 to 100"),
    ({"headroom_percent": -5}, "usage.headroom_percent must be at least 0"),
    ({"min_size": 500, "max_size": 100}, "usage.min_size 500 is above usage.max_size 100"),
    ({"window_days": 0}, "usage.window_days must be from 1 to 124"),
])
def test_a_bad_usage_rule_fails_before_any_request(cloud, run_module, usage, words):
    result = run_module(resize, args(targets=AUTO_TARGETS, usage=usage), check_mode=True)
    assert result["failed"] is True and result["changed"] is False
    assert words in result["msg"]
    assert cloud.http.requests == []


def test_a_bad_usage_rule_fails_even_without_an_auto_target(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-num", "size": 25}]
    result = run_module(resize, args(targets=targets, usage={"percentile": 0}))
    assert result["failed"] is True and "usage.percentile" in result["msg"]
    assert cloud.http.requests == []


def test_auto_on_a_workspace_target_is_a_problem_and_nothing_is_written(cloud, run_module):
    targets = [{"service": "workspace", "name": "wks-lab", "size": "auto"},
               {"service": "vpc", "id": "vpc-num", "size": 25}]
    result = run_module(resize, args(targets=targets))
    assert result["failed"] is True and result["changed"] is False
    (problem,) = result["problems"]
    assert problem.startswith("target 1 (workspace name=wks-lab)")
    assert "size auto is for VPC bandwidths only" in problem
    assert result["msg"].startswith("1 of 2 targets are wrong; nothing was changed")
    assert result["results"] == []
    assert cloud.changes() == [] and cloud.cloud_eye_reads() == []
    assert cloud.vpc["vpc-num"]["size"] == 20


def test_a_denied_cloud_eye_fails_naming_the_permission_and_writes_nothing(cloud, run_module):
    cloud.fault("cloud_eye", 403,
                {"error_code": "ces.0017", "error_msg": "The user has no permission to access the API."})
    result = run_module(resize, args(targets=AUTO_TARGETS))
    assert result["failed"] is True and result["changed"] is False
    assert "ces:metricData:list" in result["msg"] and "HTTP 403" in result["msg"]
    assert result["error"]["status"] == 403 and result["error"]["error_code"] == "ces.0017"
    assert len(cloud.cloud_eye_reads()) == 1
    assert cloud.changes() == []
    assert cloud.vpc["vpc-num"]["size"] == 20 and cloud.vpc["vpc-busy"]["size"] == 90


def test_an_unknown_auto_target_is_a_problem_and_is_not_measured(cloud, run_module):
    targets = [{"service": "vpc", "id": "vpc-gone", "size": "auto"},
               {"service": "vpc", "id": "vpc-busy", "size": "auto"}]
    result = run_module(resize, args(targets=targets))
    assert result["failed"] is True
    (problem,) = result["problems"]
    assert "no VPC bandwidth has id vpc-gone" in problem
    assert cloud.changes() == []
    (read,) = cloud.cloud_eye_reads()
    assert {m["dimensions"][0]["value"] for m in read.body["metrics"]} == {"vpc-busy"}

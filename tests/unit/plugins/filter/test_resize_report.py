# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize report: plan x what the changes returned x what the bandwidths show -> rows, waiting, failures."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_plan import resize_plan
from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_report import FilterModule, resize_report


def bandwidth(bandwidth_id, size, prepaid=False, status="ACTIVE"):
    return {"id": bandwidth_id, "name": "bw-" + bandwidth_id, "size": size, "status": status,
            "billing_mode": "prepaid" if prepaid else "on_demand", "charge_mode": "bandwidth"}


BEFORE_WS = [bandwidth("w1", 10), bandwidth("w2", 10, prepaid=True), bandwidth("w3", 10)]
BEFORE_VPC = [bandwidth("v1", 10, status="NORMAL"), bandwidth("v2", 10, prepaid=True, status="NORMAL")]
TARGETS = [
    {"service": "workspace", "id": "w1", "size": 20},   # update (job)
    {"service": "workspace", "id": "w2", "size": 30},   # order
    {"service": "workspace", "id": "w3", "size": 10},   # unchanged
    {"service": "vpc", "id": "v1", "size": 50},         # update (synchronous)
    {"service": "vpc", "id": "v2", "size": 100},        # order
]
PLAN = resize_plan(TARGETS, workspace=BEFORE_WS, vpc=BEFORE_VPC)


def applied(entry_id, loop_var="bandwidth_resize__change", **result):
    entry = next(entry for entry in PLAN["entries"] if entry["id"] == entry_id)
    base = {"changed": True, "failed": False, "job_id": None, "order_id": None, "order_status": None,
            "ansible_loop_var": loop_var, loop_var: entry}
    base.update(result)
    return base


def after(ws_sizes, vpc_sizes, ws_status=None):
    ws_status = ws_status or {}
    return ([bandwidth(i, s, prepaid=i == "w2", status=ws_status.get(i, "ACTIVE")) for i, s in ws_sizes.items()],
            [bandwidth(i, s, prepaid=i == "v2", status="NORMAL") for i, s in vpc_sizes.items()])


APPLIED_PAID = [applied("w1", job_id="job-1"),
                applied("w2", order_id="CS1", order_status="processing"),
                applied("v1"),
                applied("v2", order_id="CS2", order_status="processing")]
COMPLETED = [{"order_id": "CS1", "status": "completed"}, {"order_id": "CS2", "status": "completed"}]


def by_id(outcome):
    return {row["id"]: row for row in outcome["report"]}


def test_everything_applied():
    ws, vpc = after({"w1": 20, "w2": 30, "w3": 10}, {"v1": 50, "v2": 100})
    outcome = resize_report(PLAN["entries"], applied=APPLIED_PAID, orders=COMPLETED, workspace=ws, vpc=vpc)
    assert outcome["failures"] == [] and outcome["waiting"] == [] and outcome["pending_orders"] == []
    rows = by_id(outcome)
    assert [(r["size_before"], r["size_after"], r["action"]) for r in outcome["report"]] == [
        (10, 20, "update"), (10, 30, "order"), (10, 10, "none"), (10, 50, "update"), (10, 100, "order")]
    assert rows["w2"]["order_id"] == "CS1" and rows["w2"]["order_status"] == "completed"
    assert rows["w1"]["order_id"] is None and rows["w1"]["order_status"] is None
    assert set(outcome["report"][0]) == {"service", "id", "name", "size_before", "size_after", "action", "order_id",
                                         "order_status"}
    assert outcome["counts"] == {"targets": 5, "changed": 4, "unchanged": 1, "pending_orders": 0, "waiting": 0,
                                 "failures": 0}


def test_running_job_and_processing_order_are_waited_for():
    ws, vpc = after({"w1": 10, "w2": 10, "w3": 10}, {"v1": 50, "v2": 10}, ws_status={"w1": "UPDATING"})
    processing = [{"order_id": "CS1", "status": "completed"}, {"order_id": "CS2", "status": "processing"}]
    outcome = resize_report(PLAN["entries"], applied=APPLIED_PAID, orders=processing, workspace=ws, vpc=vpc)
    assert [row["id"] for row in outcome["waiting"]] == ["w1", "v2"]
    # w2's order completed but the bandwidth does not show it and is not busy: a failure, not a wait
    assert any("bw-w2 (w2): shows 10 Mbit/s, not the 30" in failure for failure in outcome["failures"])
    assert any("(still being changed)" in failure for failure in outcome["failures"])
    assert any("(still order CS2 processing)" in failure for failure in outcome["failures"])


def test_one_service_at_a_time_for_the_wait():
    ws, _vpc = after({"w1": 20, "w2": 30, "w3": 10}, {})
    outcome = resize_report(PLAN["entries"], applied=APPLIED_PAID, orders=COMPLETED, workspace=ws)
    assert outcome["waiting"] == [] and outcome["failures"] == []
    # the VPC rows were not compared: they keep their size before
    assert by_id(outcome)["v1"]["size_after"] == 10


def test_not_strict_reports_what_shows_without_failing():
    ws, vpc = after({"w1": 10, "w2": 10, "w3": 10}, {"v1": 50, "v2": 10}, ws_status={"w1": "UPDATING"})
    outcome = resize_report(PLAN["entries"], applied=APPLIED_PAID, workspace=ws, vpc=vpc, strict=False)
    assert outcome["failures"] == []
    assert by_id(outcome)["w1"]["size_after"] == 10


def test_pending_payment_is_reported_not_waited_for():
    pending = [applied("w1", job_id="job-1"),
               applied("w2", order_id="CS1", order_status="pending_payment"),
               applied("v1"),
               # a rerun: the module found the open order and placed none
               applied("v2", changed=False, order_id="CS2", order_status="pending_payment")]
    ws, vpc = after({"w1": 20, "w2": 10, "w3": 10}, {"v1": 50, "v2": 10})
    outcome = resize_report(PLAN["entries"], applied=pending, workspace=ws, vpc=vpc)
    assert outcome["failures"] == [] and outcome["waiting"] == []
    assert [(row["id"], row["order_id"], row["order_status"], row["size_after"]) for row in outcome["pending_orders"]] == [
        ("w2", "CS1", "pending_payment", 10), ("v2", "CS2", "pending_payment", 10)]
    assert outcome["counts"]["pending_orders"] == 2


def test_failures_are_named():
    results = [applied("w1", failed=True, msg="update workspace bandwidth failed (HTTP 409, WKS.00200409)"),
               applied("w2", order_id="CS1", order_status="processing"),
               applied("v1"),
               applied("v2", order_id="CS2", order_status="processing")]
    orders = [{"order_id": "CS1", "status": "cancelled"}, {"order_id": "CS2", "status": "completed"}]
    ws, vpc = after({"w1": 10, "w2": 10, "w3": 10}, {"v1": 50})
    outcome = resize_report(PLAN["entries"], applied=results, orders=orders, workspace=ws, vpc=vpc)
    assert outcome["failures"] == [
        "workspace bandwidth bw-w1 (w1): update workspace bandwidth failed (HTTP 409, WKS.00200409)",
        "workspace bandwidth bw-w2 (w2): order CS1 was cancelled; the size did not change",
        "vpc bandwidth bw-v2 (v2): it is no longer listed after the change",
    ]


def test_a_change_that_did_not_run_is_a_failure():
    ws, vpc = after({"w1": 20, "w2": 30, "w3": 10}, {"v1": 50, "v2": 100})
    outcome = resize_report(PLAN["entries"], applied=APPLIED_PAID[:3], orders=COMPLETED, workspace=ws, vpc=vpc)
    assert outcome["failures"] == ["vpc bandwidth bw-v2 (v2): no change was attempted (its change was not run)"]


def test_check_mode_shows_the_plan():
    outcome = resize_report(PLAN["entries"], check_mode=True)
    assert [row["size_after"] for row in outcome["report"]] == [20, 30, 10, 50, 100]
    assert outcome["failures"] == [] and outcome["waiting"] == []


def test_loop_variable_item_and_skipped_results():
    results = [applied("w1", loop_var="item"), {"skipped": True, "ansible_loop_var": "item"}]
    ws, _vpc = after({"w1": 20, "w2": 10, "w3": 10}, {})
    outcome = resize_report(PLAN["entries"][:1], applied=results, workspace=ws)
    assert outcome["failures"] == [] and by_id(outcome)["w1"]["size_after"] == 20


@pytest.mark.parametrize("entries, kwargs", [({}, {}), ([], {"vpc": {"bandwidths": []}})])
def test_bad_call(entries, kwargs):
    with pytest.raises(AnsibleFilterError):
        resize_report(entries, **kwargs)


def test_filter_is_registered():
    assert FilterModule().filters()["resize_report"] is resize_report

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report rows and the table of the bandwidth_resize role: formatting only."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_report import resize_report
from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_table import resize_table

PLAN = [
    {"service": "vpc", "id": "bw-1", "name": "web", "size_before": 10, "size_after": 20, "action": "update"},
    {"service": "workspace", "id": "bw-1", "name": "office", "size_before": 5, "size_after": 5, "action": "none"},
    {"service": "vpc", "id": "bw-2", "name": "batch", "size_before": 100, "size_after": 300, "action": "order"},
]


def test_rows_join_results_by_service_and_id():
    results = [{"service": "vpc", "id": "bw-2", "status": "pending_payment", "order_id": "CS1",
                "order_status": "pending_payment", "job_id": None, "msg": "waits"}]
    rows = resize_report(PLAN, results)
    assert [row["status"] for row in rows] == ["planned", "unchanged", "pending_payment"]
    assert rows[2]["order_id"] == "CS1" and rows[2]["msg"] == "waits"
    # The Workspace bandwidth with the same id as a VPC one is another bandwidth.
    assert rows[1]["order_id"] is None


def test_rows_keep_the_plan_fields_and_do_not_change_the_plan():
    rows = resize_report(PLAN, [{"service": "vpc", "id": "bw-1", "status": "ok"}])
    assert rows[0]["size_after"] == 20 and rows[0]["status"] == "ok"
    assert "status" not in PLAN[0]


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError):
        resize_report({"not": "a list"})


def test_table_shows_status_and_order_columns_only_when_some_row_has_them():
    plain = resize_table(PLAN)
    assert "STATUS" not in plain[0] and "ORDER" not in plain[0]
    rows = resize_report(PLAN, [{"service": "vpc", "id": "bw-2", "status": "ok", "order_id": "CS9",
                                 "order_status": "completed"}])
    table = resize_table(rows)
    assert "STATUS" in table[0] and "ORDER STATUS" in table[0]
    assert "100 -> 300" in table[3] and "CS9" in table[3] and "completed" in table[3]


def test_table_can_fold_unchanged_rows():
    lines = resize_table(PLAN, unchanged=False)
    assert len(lines) == 1 + 2 + 1
    assert lines[-1] == "(1 more unchanged)"


def test_table_shows_the_utilization_of_auto_rows():
    usage = {"hours": 169, "peak_mbit": 41.2, "percentile_mbit": 30.5, "utilization_percent": 30.5,
             "recommended_size": 39, "reason": "..."}
    rows = [dict(PLAN[0], usage=usage), PLAN[2]]
    table = resize_table(rows)
    assert table[0].split() == ["SERVICE", "NAME", "ID", "SIZE", "(Mbit/s)", "PEAK", "PERCENTILE", "UTIL", "%",
                                "RECOMMENDED", "ACTION"]
    assert "41.2" in table[1] and "30.5" in table[1] and "39" in table[1]
    assert "PEAK" not in resize_table(PLAN)[0]


def test_rows_that_are_not_unchanged_always_show_with_a_short_reason():
    """An open order or a failure on an action-none row is not folded away as unchanged."""
    plan = [dict(PLAN[1], reason="already 5 Mbit/s"),
            dict(PLAN[2], action="none", reason="order CS7 (pending_payment) is open for it: no new order was placed; "
                                                "it may be for another size: pay it or cancel it and run again"),
            {"service": "vpc", "id": "bw-3", "name": "edge", "size_before": 50, "size_after": 50, "action": "none",
             "reason": "keeps 50 Mbit/s: a smaller size for a yearly/monthly bandwidth needs prepaid_decrease"}]
    results = [{"service": "vpc", "id": "bw-2", "status": "failed", "order_id": "CS7", "order_status": "pending_payment",
                "msg": "VPC bandwidth batch (bw-2) has an open change order CS7"}]
    lines = resize_table(resize_report(plan, results), unchanged=False)
    assert "REASON" in lines[0]
    assert [line.split()[2] for line in lines[1:-1]] == ["bw-2"]
    assert "failed" in lines[1] and "has an open change order CS7" in lines[1]
    assert lines[-1] == "(2 more unchanged)"
    long = resize_table([dict(PLAN[0], reason="x" * 200)])[1]
    assert long.endswith("...") and len(long.split()[-1]) == 72

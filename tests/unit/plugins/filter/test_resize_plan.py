# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize planner: targets x a fleet read in bulk -> plan entries and every problem at once."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_plan import FilterModule, resize_plan
from ansible_collections.hwcloud.bandwidth.plugins.filter.resize_table import resize_table


def bandwidth(bandwidth_id, name, size, prepaid=False, status="ACTIVE"):
    return {"id": bandwidth_id, "name": name, "size": size, "status": status,
            "billing_mode": "prepaid" if prepaid else "on_demand", "charge_mode": "bandwidth"}


WORKSPACE = [
    bandwidth("ws-1", "office", 20, prepaid=True),
    bandwidth("ws-2", "lab", 10),
    bandwidth("ws-3", "twin", 10),
    bandwidth("ws-4", "twin", 30),
    bandwidth("ws-5", "busy", 10, status="UPDATING"),
]
VPC = [
    bandwidth("vpc-1", "shared-prepaid", 100, prepaid=True, status="NORMAL"),
    bandwidth("vpc-2", "shared-ondemand", 50, status="NORMAL"),
    bandwidth("vpc-3", "frozen", 5, status="FREEZED"),
    # The same name in the other service is not ambiguous.
    bandwidth("vpc-4", "lab", 5, status="NORMAL"),
]


def plan(targets, **kwargs):
    kwargs.setdefault("workspace", WORKSPACE)
    kwargs.setdefault("vpc", VPC)
    return resize_plan(targets, **kwargs)


def essentials(entry):
    return (entry["service"], entry["id"], entry["size_before"], entry["size_after"], entry["action"])


# (targets, keyword arguments, expected (service, id, before, after, action) entries, expected problem fragments)
CASES = {
    "converged by id and by name": (
        [{"service": "workspace", "id": "ws-1", "size": 20}, {"service": "vpc", "name": "shared-ondemand", "size": 50}],
        {},
        [("workspace", "ws-1", 20, 20, "none"), ("vpc", "vpc-2", 50, 50, "none")],
        [],
    ),
    "pay-per-use increase and decrease are updates": (
        [{"service": "workspace", "name": "lab", "size": 40}, {"service": "vpc", "id": "vpc-2", "size": 20}],
        {},
        [("workspace", "ws-2", 10, 40, "update"), ("vpc", "vpc-2", 50, 20, "update")],
        [],
    ),
    "prepaid increase is an order": (
        [{"service": "vpc", "name": "shared-prepaid", "size": 200}, {"service": "workspace", "id": "ws-1", "size": 50}],
        {},
        [("vpc", "vpc-1", 100, 200, "order"), ("workspace", "ws-1", 20, 50, "order")],
        [],
    ),
    "prepaid decrease is refused by default": (
        [{"service": "vpc", "id": "vpc-1", "size": 50}],
        {},
        [],
        ["target 1 (vpc id=vpc-1)", "decreasing it from 100 to 50", "bandwidth_resize_prepaid_decrease"],
    ),
    "prepaid decrease ordered when allowed": (
        [{"service": "vpc", "id": "vpc-1", "size": 50}],
        {"prepaid_decrease": "immediate"},
        [("vpc", "vpc-1", 100, 50, "order")],
        [],
    ),
    "size given as a digit string": (
        [{"service": "workspace", "id": "ws-2", "size": "15"}],
        {},
        [("workspace", "ws-2", 10, 15, "update")],
        [],
    ),
    "unknown id and unknown name": (
        [{"service": "vpc", "id": "nope", "size": 10}, {"service": "workspace", "name": "ghost", "size": 10}],
        {},
        [],
        ["target 1 (vpc id=nope): no vpc bandwidth has id nope",
         "target 2 (workspace name=ghost): no workspace bandwidth is named ghost"],
    ),
    "ambiguous name lists the ids": (
        [{"service": "workspace", "name": "twin", "size": 10}],
        {},
        [],
        ["2 workspace bandwidths are named twin (ids ws-3, ws-4): give the id instead"],
    ),
    "duplicate target by id and by name": (
        [{"service": "workspace", "id": "ws-2", "size": 20}, {"service": "workspace", "name": "lab", "size": 30}],
        {},
        [("workspace", "ws-2", 10, 20, "update")],
        ["target 2 (workspace name=lab): workspace bandwidth lab (ws-2) is already the subject of target 1"],
    ),
    "invalid vpc steps and out of range sizes": (
        [{"service": "vpc", "id": "vpc-2", "size": 333}, {"service": "workspace", "id": "ws-2", "size": 0},
         {"service": "vpc", "id": "vpc-4", "size": 2500}, {"service": "vpc", "id": "vpc-4", "size": 1200}],
        {},
        [],
        ["target 1 (vpc id=vpc-2): size 333 Mbit/s is not a valid VPC bandwidth size", "nearest valid sizes are 300 or 350",
         "target 2 (workspace id=ws-2): size 0 Mbit/s is out of range", "target 3 (vpc id=vpc-4): size 2500",
         "target 4 (vpc id=vpc-4): size 1200 Mbit/s is not a valid", "1000 or 1500"],
    ),
    "workspace sizes need no vpc step": (
        [{"service": "workspace", "id": "ws-2", "size": 333}],
        {},
        [("workspace", "ws-2", 10, 333, "update")],
        [],
    ),
    "malformed targets": (
        [{"service": "eip", "id": "x", "size": 5}, {"service": "vpc", "size": 5},
         {"service": "vpc", "id": "vpc-2", "name": "shared-ondemand", "size": 5}, {"service": "vpc", "id": "vpc-2"},
         {"service": "vpc", "id": "vpc-2", "size": "big"}, {"service": "vpc", "id": "vpc-2", "size": 5, "sise": 6},
         "vpc-2", {"service": "workspace", "name": "bad name!", "size": 5}],
        {},
        [],
        ["target 1 (eip id=x): service must be workspace or vpc", "target 2 (vpc name=None): give the id or the name",
         "target 3 (vpc id=vpc-2): give either id or name, not both", "target 4 (vpc id=vpc-2): size is missing",
         "target 5 (vpc id=vpc-2): size must be an integer", "target 6 (vpc id=vpc-2): unknown key sise",
         "target 7: must be a dictionary", "target 8 (workspace name=bad name!): name 'bad name!' is not valid"],
    ),
    "a busy bandwidth that must change is a problem, converged it is not": (
        [{"service": "workspace", "name": "busy", "size": 20}, {"service": "vpc", "name": "frozen", "size": 5}],
        {},
        [("vpc", "vpc-3", 5, 5, "none")],
        ["target 1 (workspace name=busy): workspace bandwidth busy (ws-5) is UPDATING and cannot change now"],
    ),
    "a service that was not read": (
        [{"service": "vpc", "id": "vpc-2", "size": 5}],
        {"vpc": None},
        [],
        ["target 1 (vpc id=vpc-2): the vpc bandwidths were not read"],
    ),
    "names are looked up per service": (
        [{"service": "vpc", "name": "lab", "size": 6}, {"service": "workspace", "name": "lab", "size": 10}],
        {},
        [("vpc", "vpc-4", 5, 6, "update"), ("workspace", "ws-2", 10, 10, "none")],
        [],
    ),
}


@pytest.mark.parametrize("targets, kwargs, expected, fragments", list(CASES.values()), ids=list(CASES))
def test_plan_table(targets, kwargs, expected, fragments):
    result = plan(targets, **kwargs)
    assert [essentials(entry) for entry in result["entries"]] == expected
    joined = "\n".join(result["problems"])
    for fragment in fragments:
        assert fragment in joined
    if not fragments:
        assert result["problems"] == []
    assert result["changes"] == [entry for entry in result["entries"] if entry["action"] != "none"]
    assert result["counts"]["problems"] == len(result["problems"])


def test_all_problems_reported_at_once_with_valid_entries_kept():
    targets = [{"service": "vpc", "id": "vpc-2", "size": 60},
               {"service": "vpc", "id": "nope", "size": 10},
               {"service": "workspace", "name": "twin", "size": 10},
               {"service": "vpc", "id": "vpc-1", "size": 10},
               {"service": "workspace", "id": "ws-1", "size": 40}]
    result = plan(targets)
    assert len(result["problems"]) == 3
    assert [problem.split(":")[0] for problem in result["problems"]] == [
        "target 2 (vpc id=nope)", "target 3 (workspace name=twin)", "target 4 (vpc id=vpc-1)"]
    assert result["counts"] == {"targets": 5, "unchanged": 0, "updates": 1, "orders": 1, "problems": 3}


def test_entry_fields():
    entry = plan([{"service": "vpc", "id": "vpc-1", "size": 50}], prepaid_decrease="immediate")["entries"][0]
    assert entry == {"service": "vpc", "id": "vpc-1", "name": "shared-prepaid", "size_before": 100,
                     "size_after": 50, "action": "order", "billing_mode": "prepaid", "charge_mode": "bandwidth",
                     "status": "NORMAL", "decrease": True, "target": "target 1 (vpc id=vpc-1)"}


def test_large_converged_fleet():
    fleet = [bandwidth("vpc-%04d" % i, "fleet-vpc-%04d" % i, 10, prepaid=i % 2 == 0) for i in range(1000)]
    targets = [{"service": "vpc", "name": item["name"], "size": 10} for item in fleet]
    result = resize_plan(targets, vpc=fleet)
    assert result["problems"] == [] and result["changes"] == []
    assert result["counts"]["unchanged"] == 1000


@pytest.mark.parametrize("targets, kwargs", [
    ({"service": "vpc"}, {}),
    ([], {"prepaid_decrease": "at_renewal"}),
    ([], {"vpc": {"bandwidths": []}}),
])
def test_bad_call(targets, kwargs):
    with pytest.raises(AnsibleFilterError):
        resize_plan(targets, **kwargs)


def test_filter_is_registered():
    assert FilterModule().filters()["resize_plan"] is resize_plan


def test_table_aligns_and_folds_unchanged_rows():
    rows = [
        {"service": "vpc", "id": "vpc-1", "name": "shared-prepaid", "size_before": 100, "size_after": 200,
         "action": "order", "order_id": "CS1", "order_status": "pending_payment"},
        {"service": "workspace", "id": "ws-2", "name": "lab", "size_before": 10, "size_after": 10, "action": "none",
         "order_id": None, "order_status": None},
    ]
    lines = resize_table(rows)
    assert lines[0].split() == ["SERVICE", "NAME", "ID", "SIZE", "(Mbit/s)", "ACTION", "ORDER", "ORDER", "STATUS"]
    assert "100 -> 200" in lines[1] and "pending_payment" in lines[1]
    assert lines[2].split() == ["workspace", "lab", "ws-2", "10", "none"]
    assert lines[1].index("vpc-1") == lines[2].index("ws-2")
    folded = resize_table(rows, unchanged=False)
    assert len(folded) == 3 and folded[-1] == "(1 more unchanged)"
    assert resize_table(rows[1:], unchanged=False)[-1] == "(1 unchanged)"
    # No order anywhere: no order columns.
    assert resize_table(rows[1:])[0].split() == ["SERVICE", "NAME", "ID", "SIZE", "(Mbit/s)", "ACTION"]
    with pytest.raises(AnsibleFilterError):
        resize_table("rows")

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan: targets x listings x policy -> entries and every problem, one case per rule; size and name rules."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    NOTHING,
    ON_DEMAND,
    ORDER,
    PREPAID,
    UPDATE,
    Policy,
    Target,
    VpcSizes,
    describe_open_order,
    open_order_outcome,
    parse_targets,
    plan,
    validate_name,
    validate_renewal,
    validate_size_range,
    vpc_size_step,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    FAILED,
    IN_PROGRESS,
    OK,
    PENDING_PAYMENT,
    Desired,
)

# The documented defaults, as a region whose limits cannot be read has them.
validate_vpc_size = VpcSizes({}).validate


def nearest_vpc_sizes(size):
    return VpcSizes.nearest(size, 2000)


def wks(bandwidth_id="ws-1", name="wks-one", size=10, prepaid=False, status="ACTIVE"):
    return {"id": bandwidth_id, "name": name, "size": size, "billing_mode": PREPAID if prepaid else ON_DEMAND,
            "charge_mode": "wks_bandwidth" if prepaid else "wks_traffic", "status": status,
            "enterprise_project_id": "0"}


def vpc(bandwidth_id="bw-1", name="shared-1", size=100, prepaid=False, charge_mode="bandwidth", share_type="WHOLE",
        status="NORMAL"):
    return {"id": bandwidth_id, "name": name, "size": size, "billing_mode": PREPAID if prepaid else ON_DEMAND,
            "charge_mode": charge_mode, "status": status, "share_type": share_type,
            "enterprise_project_id": "0", "updated_at": "2025-01-01T00:00:00"}


OPEN = {"order_id": "CS-OPEN", "status": "pending_payment"}
RENEWAL = {"order_id": "CS-RENEW", "status": "completed"}


def case(targets, bandwidths, policy=None, open_orders=None, renewal_orders=None, recommendations=None, **expect):
    """One row of the table: the inputs of ``plan()`` and what it must give."""
    if isinstance(targets, Target):
        targets = [targets]
    listings = {}
    for bandwidth in bandwidths:
        listings.setdefault("vpc" if "share_type" in bandwidth else "workspace", []).append(bandwidth)
    for target in targets:
        listings.setdefault(target.service, [])
    return dict(targets=targets, listings=listings, policy=policy or Policy(), open_orders=open_orders,
                renewal_orders=renewal_orders, recommendations=recommendations, expect=expect)


def wt(size=None, **kwargs):
    kwargs.setdefault("id", "ws-1")
    return Target("workspace", size=size, **kwargs)


def vt(size=None, **kwargs):
    kwargs.setdefault("id", "bw-1")
    return Target("vpc", size=size, **kwargs)


# Expectations: ``action``, ``desired`` (a dict), ``decrease_mode``, ``reason`` (words), ``order_id``,
# ``blocked`` (words or False); or ``problems`` (one list of words per problem, in order).
CASES = {
    # -- size range, per service
    "workspace size in range": case(wt(2000), [wks()], action=UPDATE, desired={"size": 2000}),
    "workspace takes any size, no step": case(wt(333), [wks()], action=UPDATE, desired={"size": 333}),
    "workspace size 0": case(wt(0), [wks()], problems=[["size 0 Mbit/s is out of range: use 1 to 2000"]]),
    "workspace size 2001": case(wt(2001), [wks()], problems=[["size 2001 Mbit/s is out of range: use 1 to 2000"]]),
    "vpc size 2001": case(vt(2001), [vpc()], Policy(limits={}),
                          problems=[["size 2001 Mbit/s is out of range: use 1 to 2000"]]),
    "vpc size 2001 before the region is read": case(vt(2001), [vpc()],
                                                    problems=[["the nearest valid sizes are 2000 or 2500"]]),
    "vpc size not an integer": case(vt("50"), [vpc()], problems=[["size must be an integer number of Mbit/s"]]),
    # -- the VPC step
    "vpc 300 is valid": case(vt(300), [vpc()], action=UPDATE, desired={"size": 300}),
    "vpc 301 names 300 or 350": case(vt(301), [vpc()], problems=[["nearest valid sizes are 300 or 350"]]),
    "vpc 1001 names 1000 or 1500": case(vt(1001), [vpc()], problems=[["nearest valid sizes are 1000 or 1500"]]),
    "vpc 1500 is valid": case(vt(1500), [vpc()], action=UPDATE, desired={"size": 1500}),
    # -- the traffic cap
    "traffic at the cap": case(vt(300), [vpc(charge_mode="traffic", share_type="PER")], action=UPDATE,
                               desired={"size": 300}),
    "traffic above the cap": case(vt(350), [vpc(charge_mode="traffic", share_type="PER")],
                                  problems=[["billed by traffic", "use 1 to 300"]]),
    "switch to traffic above the cap": case(vt(charge_mode="traffic"), [vpc(size=400, share_type="PER")],
                                            problems=[["size 400 Mbit/s", "billed by traffic", "use 1 to 300"]]),
    "switch to traffic within the cap": case(vt(charge_mode="traffic"), [vpc(size=200, share_type="PER")],
                                             action=UPDATE, desired={"charge_mode": "traffic"}),
    "switch away from traffic lifts the cap": case(vt(500, charge_mode="bandwidth"),
                                                   [vpc(size=200, charge_mode="traffic", share_type="PER")],
                                                   action=UPDATE, desired={"size": 500, "charge_mode": "bandwidth"}),
    # -- region limits replace the defaults
    "region maximum below the default": case(vt(1500), [vpc()], Policy(limits={"bandwidth": (1, 1000)}),
                                             problems=[["size 1500 Mbit/s is out of range: use 1 to 1000"]]),
    "region minimum above the default": case(vt(2), [vpc()], Policy(limits={"bandwidth": (5, 2000)}),
                                             problems=[["use 5 to 2000"]]),
    "region maximum above the default": case(vt(2500), [vpc()], Policy(limits={"bandwidth": (1, 5000)}),
                                             action=UPDATE, desired={"size": 2500}),
    "region limits of another charge mode do not apply": case(
        vt(1500), [vpc()], Policy(limits={"95peak_plus": (1, 1000)}), action=UPDATE, desired={"size": 1500}),
    "region limit of traffic keeps the cap": case(vt(350), [vpc(charge_mode="traffic", share_type="PER")],
                                                  Policy(limits={"traffic": (1, 2000)}),
                                                  problems=[["use 1 to 300"]]),
    "region limit of traffic below the cap": case(vt(250), [vpc(charge_mode="traffic", share_type="PER")],
                                                  Policy(limits={"traffic": (1, 200)}),
                                                  problems=[["use 1 to 200"]]),
    # -- charge modes by share type
    "95peak_plus on a shared bandwidth": case(vt(charge_mode="95peak_plus"), [vpc()], action=UPDATE,
                                              desired={"charge_mode": "95peak_plus"}),
    "95peak_plus on a dedicated bandwidth": case(vt(charge_mode="95peak_plus"), [vpc(share_type="PER")],
                                                 problems=[["only for shared (WHOLE) bandwidths"]]),
    "traffic on a shared bandwidth": case(vt(charge_mode="traffic"), [vpc(size=100)],
                                          problems=[["shared (WHOLE) bandwidth, which cannot be billed by traffic"]]),
    "unknown charge mode": case(vt(charge_mode="free"), [vpc()], problems=[["charge_mode must be one of"]]),
    "charge mode of a prepaid bandwidth": case(vt(charge_mode="95peak_plus"), [vpc(prepaid=True)],
                                               problems=[["yearly/monthly: charge_mode can only be changed on a "
                                                          "pay-per-use bandwidth"]]),
    "same charge mode of a prepaid bandwidth": case(vt(100, charge_mode="bandwidth"), [vpc(prepaid=True)],
                                                    action=NOTHING, desired={}),
    # -- names
    "rename on demand": case(vt(new_name="renamed"), [vpc()], action=UPDATE, desired={"name": "renamed"}),
    "invalid new name": case(vt(new_name="bad name"), [vpc()], problems=[["name 'bad name' is not valid"]]),
    "same name": case(wt(10, new_name="wks-one"), [wks()], action=NOTHING, desired={},
                      reason=["already 10 Mbit/s and named wks-one"]),
    "rename only of a prepaid bandwidth is an update": case(
        vt(new_name="renamed"), [vpc(prepaid=True)], action=UPDATE, desired={"name": "renamed"},
        reason=["rename only: a plain update, no order"]),
    "rename of a prepaid bandwidth at the same size is an update": case(
        wt(10, new_name="renamed"), [wks(prepaid=True)], Policy(auto_pay=True), action=UPDATE,
        desired={"name": "renamed"}),
    "rename and resize of a prepaid bandwidth is an order": case(
        vt(200, new_name="renamed"), [vpc(prepaid=True)], action=ORDER, desired={"size": 200, "name": "renamed"}),
    # -- billing mode
    "pay-per-use decrease is a plain update whatever the policy": case(
        wt(5), [wks()], action=UPDATE, desired={"size": 5}, reason=["pay-per-use: plain update", "10 -> 5 Mbit/s"]),
    "prepaid increase is an order": case(vt(200), [vpc(prepaid=True)], action=ORDER, desired={"size": 200},
                                         decrease_mode=None, reason=["change order", "left pending payment"]),
    "prepaid increase with auto_pay": case(wt(20), [wks(prepaid=True)], Policy(auto_pay=True), action=ORDER,
                                           reason=["paid at once"]),
    "increase ignores the decrease policy": case(vt(200), [vpc(prepaid=True)], Policy(prepaid_decrease="at_renewal"),
                                                 action=ORDER, decrease_mode=None),
    "nothing to change": case(vt(100), [vpc(prepaid=True)], action=NOTHING, desired={},
                              reason=["already 100 Mbit/s"]),
    # -- the decrease policy
    "prepaid decrease refused": case(wt(5), [wks(prepaid=True)], problems=[[
        "Workspace bandwidth wks-one (ws-1) is yearly/monthly",
        "from 10 to 5 Mbit/s is refused by prepaid_decrease=refuse",
        "prepaid_decrease=immediate orders the smaller size now"]]),
    "vpc decrease refused offers both policies when the caller does": case(
        vt(50), [vpc(prepaid=True)], Policy(decrease_choices=("immediate", "at_renewal")), problems=[[
            "refused by prepaid_decrease=refuse", "prepaid_decrease=immediate", "prepaid_decrease=at_renewal"]]),
    "vpc decrease refused names only the offered policies": case(
        vt(50), [vpc(prepaid=True)], problems=[["To allow it: prepaid_decrease=immediate orders the smaller size now"]],
        absent=["at_renewal"]),
    "no offered policy fits the service": case(
        wt(5), [wks(prepaid=True)], Policy(decrease_choices=("at_renewal",)),
        problems=[["To allow it: this service has no such change"]]),
    "prepaid decrease immediate": case(wt(5), [wks(prepaid=True)], Policy(prepaid_decrease="immediate"),
                                       action=ORDER, desired={"size": 5}, decrease_mode="immediate"),
    "vpc decrease at renewal": case(vt(50), [vpc(prepaid=True)], Policy(prepaid_decrease="at_renewal"),
                                    action=ORDER, desired={"size": 50}, decrease_mode="at_renewal",
                                    reason=["at the next renewal"]),
    "workspace decrease at renewal is unsupported": case(
        wt(5), [wks(prepaid=True)], Policy(prepaid_decrease="at_renewal"),
        problems=[["cannot be done with prepaid_decrease=at_renewal, which this service does not support"]]),
    # -- busy statuses
    "updating": case(wt(20), [wks(status="UPDATING")], problems=[["is UPDATING and cannot change now"]]),
    "creating": case(wt(20), [wks(status="CREATING")], problems=[["is CREATING and cannot change now"]]),
    "frozen": case(vt(200), [vpc(status="FREEZED")], problems=[["is FREEZED and cannot change now"]]),
    "busy, lower case": case(wt(20), [wks(status="updating")], problems=[["is UPDATING"]]),
    # -- resolution
    "unknown id": case(vt(200, id="bw-9"), [vpc()], problems=[["no VPC bandwidth has id bw-9"]]),
    "unknown name": case(wt(20, id=None, name="nope"), [wks()], problems=[["no Workspace bandwidth is named nope"]]),
    "name found": case(wt(20, id=None, name="wks-one"), [wks(), wks("ws-2", "other")], action=UPDATE),
    "ambiguous name lists the ids": case(
        wt(20, id=None, name="twin"), [wks("ws-2", "twin"), wks("ws-1", "twin")],
        problems=[["2 Workspace bandwidths are named twin", "(ids ws-1, ws-2)", "select the bandwidth by id"]]),
    "service not read": case(vt(200), [], problems=[["no VPC bandwidth has id bw-1"]]),
    "same bandwidth by id and by name": case(
        [vt(200), vt(200, id=None, name="shared-1")], [vpc()],
        problems=[["vpc name=shared-1: VPC bandwidth shared-1 (bw-1) is already the subject of vpc id=bw-1",
                   "give each bandwidth once"]]),
    "same id in two services is no duplicate": case(
        [vt(200, id="x-1"), wt(20, id="x-1")], [vpc("x-1"), wks("x-1")], action=UPDATE),
    # -- open and renewal orders
    "open order: nothing, with its id": case(
        vt(200), [vpc(prepaid=True)], open_orders={"bw-1": [OPEN]}, action=NOTHING, order_id="CS-OPEN",
        blocked=False, reason=["order CS-OPEN (pending_payment, amount unknown, no description could be read) is open for it",
                               "may be for another size"]),
    "open order with auto_pay blocks": case(
        vt(200), [vpc(prepaid=True)], Policy(auto_pay=True), open_orders={"bw-1": [OPEN]}, action=NOTHING,
        order_id="CS-OPEN", blocked=["this run did not place: order CS-OPEN", "Nothing was ordered for it."]),
    "open order of another bandwidth": case(vt(200), [vpc(prepaid=True)], open_orders={"bw-2": [OPEN]},
                                            action=ORDER, order_id=None),
    "open order does not stop a plain update": case(vt(200), [vpc()], open_orders={"bw-1": [OPEN]}, action=UPDATE),
    "renewal already ordered": case(
        vt(50), [vpc(prepaid=True)], Policy(prepaid_decrease="at_renewal"), renewal_orders={"bw-1": [RENEWAL]},
        action=NOTHING, order_id="CS-RENEW", reason=["order CS-RENEW (completed) already changes it at renewal"]),
    "renewal orders do not count for an immediate decrease": case(
        vt(50), [vpc(prepaid=True)], Policy(prepaid_decrease="immediate"), renewal_orders={"bw-1": [RENEWAL]},
        action=ORDER, decrease_mode="immediate"),
    "no renewal order found": case(vt(50), [vpc(prepaid=True)], Policy(prepaid_decrease="at_renewal"),
                                   renewal_orders={"bw-1": []}, action=ORDER, decrease_mode="at_renewal"),
    # -- size auto
    "auto takes the recommendation": case(
        vt("auto"), [vpc()], recommendations={"bw-1": {"recommended_size": 150, "reason": "p95 is 120 Mbit/s"}},
        action=UPDATE, desired={"size": 150}, reason=["p95 is 120 Mbit/s", "100 -> 150 Mbit/s"]),
    "auto without a recommendation": case(vt("auto"), [vpc()], problems=[["no utilization was read for it"]]),
    "auto decrease of a prepaid bandwidth keeps the size": case(
        vt("auto"), [vpc(prepaid=True)], recommendations={"bw-1": {"recommended_size": 50, "reason": "low"}},
        action=NOTHING, desired={}, reason=["keeps 100 Mbit/s", "prepaid_decrease=immediate"]),
    # -- every problem at once
    "every problem listed at once": case(
        [vt(301), wt(5, id="ws-1"), vt(200, id="bw-9"), wt(20, id="ws-2")],
        [vpc(), wks(prepaid=True), wks("ws-2", "fine")],
        problems=[["vpc id=bw-1", "300 or 350"], ["workspace id=ws-1", "prepaid_decrease=refuse"],
                  ["vpc id=bw-9", "no VPC bandwidth has id bw-9"]]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_plan_table(name):
    row = CASES[name]
    expect = row["expect"]
    result = plan(row["targets"], row["listings"], row["policy"], open_orders=row["open_orders"],
                  renewal_orders=row["renewal_orders"], recommendations=row["recommendations"])
    if "problems" in expect:
        assert len(result.problems) == len(expect["problems"]), result.problems
        for problem, words in zip(result.problems, expect["problems"]):
            for word in words:
                assert word in problem, problem
            for word in expect.get("absent", []):
                assert word not in problem, problem
        # The targets that were fine are still planned.
        assert len(result.entries) == len(row["targets"]) - len(expect["problems"])
        return
    assert result.problems == []
    entry = result.entries[0]
    assert entry.action == expect["action"]
    assert entry.changed is (expect["action"] != NOTHING)
    if "desired" in expect:
        assert dict(entry.desired.items()) == expect["desired"]
    if "decrease_mode" in expect:
        assert entry.decrease_mode == expect["decrease_mode"]
    for word in expect.get("reason", []):
        assert word in entry.reason
    if "order_id" in expect:
        assert entry.to_dict().get("order_id") == expect["order_id"]
    if "blocked" in expect:
        if expect["blocked"] is False:
            assert entry.outcome != FAILED
        else:
            assert entry.outcome == FAILED
            for word in expect["blocked"]:
                assert word in entry.reason


def test_one_target_problems_carry_no_target_label():
    result = plan([vt(301)], {"vpc": [vpc()]}, Policy())
    assert result.problems[0].startswith("VPC bandwidth shared-1 (bw-1): size 301")


def test_a_duplicate_is_planned_once():
    result = plan([vt(200), vt(300, id=None, name="shared-1")], {"vpc": [vpc()]}, Policy())
    assert [entry.size_after for entry in result.entries] == [200]
    assert result.problems[0].startswith("vpc name=shared-1: ")


def test_ambiguity_is_scoped_in_the_message():
    result = plan([wt(20, id=None, name="twin")], {"workspace": [wks("a", "twin"), wks("b", "twin")]}, Policy(),
                  scopes={"workspace": " in region r1"})
    assert "named twin in region r1 (ids a, b)" in result.problems[0]


def test_counts_of_a_plan():
    result = plan([vt(200), wt(20), vt(300, id="bw-2"), wt(5, id="ws-9")],
                  {"vpc": [vpc(), vpc("bw-2", "two", size=300, prepaid=True)], "workspace": [wks(prepaid=True)]},
                  Policy())
    assert result.counts() == {"targets": 4, "unchanged": 1, "held": 0, "updates": 1, "orders": 1, "problems": 1}
    assert [entry.id for entry in result.changes] == ["bw-1", "ws-1"]


# -- entries: diff, projected, public dict -------------------------------------------------

def one(target, bandwidth, policy=None):
    result = plan([target], {target.service: [bandwidth]}, policy or Policy())
    assert not result.problems, result.problems
    return result.entries[0]


def test_entry_to_dict_is_the_public_plan_entry():
    entry = one(vt(200), vpc(prepaid=True))
    assert entry.to_dict() == {"service": "vpc", "region": None, "id": "bw-1", "name": "shared-1", "size_before": 100,
                               "size_after": 200, "action": "order", "billing_mode": "prepaid",
                               "reason": entry.reason}


def test_diff_of_a_resize():
    assert one(wt(20), wks()).diff() == ({"name": "wks-one", "size": 10}, {"name": "wks-one", "size": 20})


def test_diff_of_a_rename_and_charge_mode():
    before, after = one(vt(new_name="new", charge_mode="95peak_plus"), vpc()).diff()
    assert before == {"name": "shared-1", "size": 100, "charge_mode": "bandwidth"}
    assert after == {"name": "new", "size": 100, "charge_mode": "95peak_plus"}


def test_diff_of_nothing_shows_no_difference():
    before, after = one(wt(10), wks(prepaid=True)).diff()
    assert before == after == {"name": "wks-one", "size": 10}


@pytest.mark.parametrize("status, auto_pay, for_approval, outcome, words", [
    ("pending_payment", False, False, PENDING_PAYMENT, "is open for it: no new order was placed"),
    ("processing", False, False, IN_PROGRESS, "is open for it: no new order was placed"),
    ("completed", False, False, OK, "already changes it"),
    ("completed", True, True, OK, "already changes it"),
    ("pending_payment", True, False, FAILED, "this run did not place: order CS-1 (pending_payment"),
    ("processing", True, False, FAILED, "Nothing was ordered for it. If it is the change you want, pay it"),
    ("pending_payment", False, True, FAILED, "Nothing was ordered for it, and it is not handed on for approval"),
])
def test_what_an_open_order_means_for_its_target(status, auto_pay, for_approval, outcome, words):
    """One rule: never a new order; with auto_pay or for an approver it is a problem of the target, else it stands."""
    order = {"order_id": "CS-1", "status": status, "amount": 12.5, "currency": "CNY",
             "product_spec_desc": "Bandwidth 100 Mbit/s -> 120 Mbit/s"}
    found, message = open_order_outcome(order, "VPC bandwidth a (bw-1)", auto_pay, for_approval)
    assert found == outcome and words in message and "CS-1" in message
    if status != "completed":
        # The amount and what billing says the order is for, verbatim: how an operator tells orders apart.
        assert '12.50 CNY, "Bandwidth 100 Mbit/s -> 120 Mbit/s")' in message


@pytest.mark.parametrize("order, shown", [
    ({"order_id": "CS-2", "status": "processing", "amount": None, "product_spec_desc": None},
     "order CS-2 (processing, amount unknown, no description could be read)"),
    ({"order_id": "CS-3", "status": "pending_payment", "amount": 0, "currency": "USD", "product_spec_desc": "x; y"},
     'order CS-3 (pending_payment, 0.00 USD, "x; y")'),
])
def test_an_open_order_is_described_without_none(order, shown):
    assert describe_open_order(order) == shown


# -- parse_targets -------------------------------------------------------------------------

PARSE = {
    "vpc by id": ([{"service": "vpc", "id": "bw-1", "size": 200}], [("vpc", "bw-1", None, 200)], []),
    "workspace by name": ([{"service": "workspace", "name": "wks-one", "size": 20}],
                          [("workspace", None, "wks-one", 20)], []),
    "digit string size": ([{"service": "vpc", "id": "bw-1", "size": "300"}], [("vpc", "bw-1", None, 300)], []),
    "digit string with spaces": ([{"service": "vpc", "id": "bw-1", "size": " 50 "}], [("vpc", "bw-1", None, 50)], []),
    "auto for vpc": ([{"service": "vpc", "id": "bw-1", "size": "auto"}], [("vpc", "bw-1", None, "auto")], []),
    "auto for workspace": ([{"service": "workspace", "id": "ws-1", "size": "auto"}], [],
                           [["target 1 (workspace id=ws-1)", "size auto is for VPC bandwidths only"]]),
    "unknown keys": ([{"service": "vpc", "id": "bw-1", "size": 10, "sise": 20, "auto_pay": True}], [],
                     [["unknown keys auto_pay, sise"]]),
    "one unknown key": ([{"service": "vpc", "id": "bw-1", "size": 10, "sise": 20}], [], [["unknown key sise:"]]),
    "missing size": ([{"service": "vpc", "id": "bw-1"}], [], [["size is missing"]]),
    "both id and name": ([{"service": "vpc", "id": "bw-1", "name": "x", "size": 10}], [],
                         [["give either id or name, not both"]]),
    "neither id nor name": ([{"service": "vpc", "size": 10}], [], [["give the id or the name"]]),
    "unknown service": ([{"service": "eip", "id": "bw-1", "size": 10}], [], [["service must be workspace or vpc"]]),
    "size out of range": ([{"service": "workspace", "id": "ws-1", "size": 0}], [], [["use 1 to 2000"]]),
    "size not a number": ([{"service": "workspace", "id": "ws-1", "size": "ten"}], [],
                          [["size must be an integer"]]),
    "bad name": ([{"service": "workspace", "name": "a b", "size": 10}], [], [["name 'a b' is not valid"]]),
    "not a dictionary": (["bw-1"], [], [["target 1: must be a dictionary"]]),
    "every problem, good ones kept": (
        [{"service": "vpc", "id": "bw-1", "size": 10}, {"service": "vpc", "id": "bw-2"},
         {"service": "workspace", "id": "ws-1", "size": "auto"}],
        [("vpc", "bw-1", None, 10)], [["target 2", "size is missing"], ["target 3", "size auto"]]),
}


@pytest.mark.parametrize("name", list(PARSE))
def test_parse_targets(name):
    raw, expected, problem_words = PARSE[name]
    targets, problems = parse_targets(raw)
    assert [(t.service, t.id, t.name, t.size) for t in targets] == expected
    assert len(problems) == len(problem_words), problems
    for problem, words in zip(problems, problem_words):
        for word in words:
            assert word in problem, problem


def test_parse_targets_wants_a_list():
    targets, problems = parse_targets({"service": "vpc"})
    assert targets == [] and "targets must be a list" in problems[0]


def test_parse_targets_refuses_auto_where_not_allowed():
    _targets, problems = parse_targets([{"service": "vpc", "id": "bw-1", "size": "auto"}], allow_auto=False)
    assert "size auto is not allowed here" in problems[0]


def test_parse_targets_leaves_the_vpc_maximum_to_the_region():
    # The region's limits (read later, when a VPC size changes) may allow more than the default 2000.
    targets, problems = parse_targets([{"service": "vpc", "id": "bw-1", "size": 2500}])
    assert problems == []
    result = plan(targets, {"vpc": [vpc()]}, Policy(limits={"bandwidth": (1, 5000)}))
    assert result.problems == [] and result.entries[0].desired == Desired(size=2500)


def test_parsed_targets_plan_like_built_ones():
    targets, _problems = parse_targets([{"service": "vpc", "name": "shared-1", "size": "300"}])
    result = plan(targets, {"vpc": [vpc()]}, Policy())
    assert result.entries[0].desired == Desired(size=300)


# -- renewal options -----------------------------------------------------------------------

@pytest.mark.parametrize("period_type, period_num, ok", [
    ("month", 1, True), ("month", 9, True), ("month", 10, False), ("month", 0, False),
    ("year", 1, True), ("year", 3, True), ("year", 4, False), ("year", True, False), ("week", 1, False),
])
def test_at_renewal_period_ranges(period_type, period_num, ok):
    if ok:
        renewal = validate_renewal("at_renewal", period_type, period_num)
        assert (renewal.period_type, renewal.period_num) == (period_type, period_num)
    else:
        with pytest.raises(ValidationError, match="period_"):
            validate_renewal("at_renewal", period_type, period_num)


@pytest.mark.parametrize("period_type, period_num", [("month", None), (None, 2), (None, None)])
def test_at_renewal_needs_both_period_options(period_type, period_num):
    with pytest.raises(ValidationError) as caught:
        validate_renewal("at_renewal", period_type, period_num)
    assert "period_type" in str(caught.value) and "period_num" in str(caught.value)


@pytest.mark.parametrize("policy", ["refuse", "immediate"])
def test_period_options_without_at_renewal_are_an_error(policy):
    assert validate_renewal(policy, None, None) is None
    with pytest.raises(ValidationError, match="only apply to prepaid_decrease=at_renewal"):
        validate_renewal(policy, "month", None)
    with pytest.raises(ValidationError, match="period_num"):
        validate_renewal(policy, None, 2)


# -- property: a target plans the same alone and in a fleet --------------------------------

NAMES = ("alpha", "beta", "gamma")


@st.composite
def fleets(draw):
    """Bandwidths of both services, one chosen target, and other targets that never name its bandwidth."""
    bandwidths = {"workspace": [], "vpc": []}
    for service in ("workspace", "vpc"):
        count = draw(st.integers(0, 5))
        for index in range(count):
            prepaid = draw(st.booleans())
            size = draw(st.sampled_from([1, 10, 100, 300, 350, 1000, 1500, 2000]))
            name = draw(st.sampled_from(NAMES))
            status = draw(st.sampled_from(["ACTIVE", "NORMAL", "UPDATING"]))
            if service == "vpc":
                bandwidths[service].append(vpc("v-%d" % index, name, size, prepaid=prepaid, status=status,
                                               charge_mode=draw(st.sampled_from(["bandwidth", "traffic"])),
                                               share_type=draw(st.sampled_from(["WHOLE", "PER"]))))
            else:
                bandwidths[service].append(wks("w-%d" % index, name, size, prepaid=prepaid, status=status))

    def target():
        service = draw(st.sampled_from(["workspace", "vpc"]))
        size = draw(st.sampled_from([5, 10, 50, 100, 301, 350, 400, 1001, 2000, 2001]))
        ids = [b["id"] for b in bandwidths[service]] + ["missing"]
        if draw(st.booleans()):
            return Target(service, id=draw(st.sampled_from(ids)), size=size)
        return Target(service, name=draw(st.sampled_from(NAMES + ("nobody",))), size=size)

    chosen = target()
    others = [target() for _index in range(draw(st.integers(0, 6)))]
    open_orders = {b["id"]: [OPEN] for service in bandwidths for b in bandwidths[service] if draw(st.booleans())}
    policy = Policy(prepaid_decrease=draw(st.sampled_from(["refuse", "immediate", "at_renewal"])),
                    auto_pay=draw(st.booleans()))
    return bandwidths, chosen, others, open_orders, policy


def resolves_to(target, bandwidths):
    found = [b for b in bandwidths[target.service]
             if (b["id"] == target.id if target.id else b["name"] == target.name)]
    return found[0]["id"] if len(found) == 1 else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleets())
def test_a_target_plans_the_same_alone_and_in_a_fleet(example):
    bandwidths, chosen, others, open_orders, policy = example
    mine = resolves_to(chosen, bandwidths)
    # No other target names the same bandwidth (that would be a duplicate).
    others = [t for t in others if t.service != chosen.service or mine is None or resolves_to(t, bandwidths) != mine]
    position = len(others) // 2
    fleet = others[:position] + [chosen] + others[position:]
    alone = plan([chosen], bandwidths, policy, open_orders=open_orders)
    together = plan(fleet, bandwidths, policy, open_orders=open_orders)
    entries = [entry for entry in together.entries if entry.target is chosen]
    assert len(alone.entries) == len(entries)
    for single, in_fleet in zip(alone.entries, entries):
        assert single.action == in_fleet.action
        assert single.size_after == in_fleet.size_after
        assert single.reason == in_fleet.reason
        assert single.desired == in_fleet.desired
        assert single.decrease_mode == in_fleet.decrease_mode
        assert single.outcome == in_fleet.outcome
    if not alone.entries:
        assert len(alone.problems) == 1
        # The fleet reports the same problem, under the target's label when it has others.
        expected = chosen.label + ": " + alone.problems[0] if len(fleet) > 1 else alone.problems[0]
        assert expected in together.problems


# -- size rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("size, ok", [
    (0, False), (1, True), (300, True), (301, True), (333, True), (350, True), (1000, True), (1050, True), (1500, True),
    (2000, True), (2001, False), (2500, False), (-1, False),
])
def test_validate_size_range(size, ok):
    if ok:
        validate_size_range(size)
    else:
        with pytest.raises(ValidationError, match="size %d Mbit/s is out of range: use 1 to 2000" % size):
            validate_size_range(size)


@pytest.mark.parametrize("size", [10.0, 10.5, "10", True, False, [10]])
def test_size_must_be_an_integer(size):
    with pytest.raises(ValidationError, match="size must be an integer number of Mbit/s"):
        validate_size_range(size)
    with pytest.raises(ValidationError, match="size must be an integer number of Mbit/s"):
        validate_vpc_size(size)


def test_size_none_means_unchanged():
    validate_size_range(None)
    validate_vpc_size(None)


def test_size_range_can_be_narrowed():
    validate_size_range(5, minimum=5, maximum=6)
    with pytest.raises(ValidationError, match="use 5 to 6"):
        validate_size_range(7, minimum=5, maximum=6)


# size -> None when valid, else the words of the error
VPC_SIZES = {
    0: "out of range: use 1 to 2000",
    1: None,
    299: None,
    300: None,
    301: "the nearest valid sizes are 300 or 350",
    333: "the nearest valid sizes are 300 or 350",
    349: "the nearest valid sizes are 300 or 350",
    350: None,
    999: "the nearest valid sizes are 950 or 1000",
    1000: None,
    1001: "the nearest valid sizes are 1000 or 1500",
    1050: "the nearest valid sizes are 1000 or 1500",
    1500: None,
    1999: "the nearest valid sizes are 1500 or 2000",
    2000: None,
    2001: "out of range: use 1 to 2000",
    2500: "out of range: use 1 to 2000",
}


@pytest.mark.parametrize("size", sorted(VPC_SIZES))
def test_validate_vpc_size(size):
    words = VPC_SIZES[size]
    if words is None:
        validate_vpc_size(size)
    else:
        with pytest.raises(ValidationError) as info:
            validate_vpc_size(size)
        assert words in str(info.value)


def test_vpc_size_message_explains_the_steps():
    with pytest.raises(ValidationError) as info:
        validate_vpc_size(333)
    assert str(info.value) == ("size 333 Mbit/s is not a valid VPC bandwidth size: above 300 it must be a multiple "
                               "of 50, above 1000 a multiple of 500; the nearest valid sizes are 300 or 350")


@pytest.mark.parametrize("size, expected", [
    (-5, (None, 1)),
    (0, (None, 1)),
    (1, (1, 2)),
    (299, (299, 300)),
    (300, (300, 350)),
    (301, (300, 350)),
    (333, (300, 350)),
    (350, (350, 400)),
    (999, (950, 1000)),
    (1000, (1000, 1500)),
    (1001, (1000, 1500)),
    (1050, (1000, 1500)),
    (1500, (1500, 2000)),
    (1999, (1500, 2000)),
    (2000, (2000, None)),
    (2001, (2000, None)),
    (2500, (2000, None)),
])
def test_nearest_vpc_sizes(size, expected):
    assert nearest_vpc_sizes(size) == expected


def is_valid_vpc_size(size):
    try:
        validate_vpc_size(size)
    except ValidationError:
        return False
    return True


def test_nearest_vpc_sizes_everywhere():
    """For every size: lower is the largest valid size at or below it, upper the smallest valid one above it."""
    valid = [size for size in range(-5, 2600) if is_valid_vpc_size(size)]
    assert len(valid) == 300 + 14 + 2
    for size in range(-5, 2600):
        below = [value for value in valid if value <= size]
        above = [value for value in valid if value > size]
        assert nearest_vpc_sizes(size) == (below[-1] if below else None, above[0] if above else None), size


@pytest.mark.parametrize("size, step", [(1, 1), (300, 1), (301, 50), (1000, 50), (1001, 500), (2000, 500)])
def test_vpc_size_step(size, step):
    assert vpc_size_step(size) == step


# -- name rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "a", "a" * 64, "bw-prod_01.eu", "帯域幅", "带宽-生产", "대역폭", "Bandbreite_ä", "x" * 63 + "帯",
    "0", "..", "-",
])
def test_valid_names(name):
    validate_name(name)


@pytest.mark.parametrize("name", [
    "", "a" * 65, "帯" * 65, "bw 1", "bw/1", "bw:1", "bw@1", "bw\n", "bw\t", "a" * 64 + "\n", "bw#", "bw*", "bw?",
    "name'", "<b>", "bw,1", "🙂",
])
def test_invalid_names(name):
    with pytest.raises(ValidationError) as info:
        validate_name(name)
    assert "use 1 to 64 characters, each a letter, a digit, a CJK character, '_', '-' or '.'" in str(info.value)


def test_name_none_means_unchanged():
    validate_name(None)

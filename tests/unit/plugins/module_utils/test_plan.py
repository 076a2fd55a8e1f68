# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan table: current state x desired state x policy -> nothing, an update, or an order; and the size and name rules."""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    NOTHING,
    ON_DEMAND,
    ORDER,
    PREPAID,
    UPDATE,
    nearest_vpc_sizes,
    plan_resize,
    validate_name,
    validate_size_range,
    validate_vpc_size,
    vpc_size_step,
)

WORKSPACE_POLICIES = ("immediate",)
VPC_POLICIES = ("immediate", "at_renewal")


def bandwidth(billing_mode, size=10, name="bw", charge_mode=None):
    if charge_mode is None:
        charge_mode = "wks_bandwidth" if billing_mode == PREPAID else "bandwidth"
    return {"id": "bw-1", "name": name, "size": size, "billing_mode": billing_mode, "charge_mode": charge_mode,
            "status": "ACTIVE", "enterprise_project_id": "0"}


# (current billing mode, desired size, name, charge_mode, prepaid_decrease, policies) -> (action, changes, decrease_mode)
PLANS = {
    # nothing to do
    "on-demand same size": ((ON_DEMAND, 10, None, None, "refuse", VPC_POLICIES), (NOTHING, {}, None)),
    "prepaid same size": ((PREPAID, 10, None, None, "refuse", VPC_POLICIES), (NOTHING, {}, None)),
    "nothing asked": ((PREPAID, None, None, None, "refuse", VPC_POLICIES), (NOTHING, {}, None)),
    "same name": ((ON_DEMAND, None, "bw", None, "refuse", VPC_POLICIES), (NOTHING, {}, None)),
    "same everything": ((ON_DEMAND, 10, "bw", "bandwidth", "refuse", VPC_POLICIES), (NOTHING, {}, None)),
    "prepaid same charge_mode": ((PREPAID, 10, None, "wks_bandwidth", "refuse", WORKSPACE_POLICIES), (NOTHING, {}, None)),
    # pay-per-use: always a plain update, whatever the decrease policy says
    "on-demand increase": ((ON_DEMAND, 20, None, None, "refuse", VPC_POLICIES), (UPDATE, {"size": 20}, None)),
    "on-demand decrease, refuse": ((ON_DEMAND, 5, None, None, "refuse", VPC_POLICIES), (UPDATE, {"size": 5}, None)),
    "on-demand decrease, workspace": ((ON_DEMAND, 1, None, None, "refuse", WORKSPACE_POLICIES), (UPDATE, {"size": 1}, None)),
    "on-demand rename": ((ON_DEMAND, None, "new", None, "refuse", VPC_POLICIES), (UPDATE, {"name": "new"}, None)),
    "on-demand resize and rename": ((ON_DEMAND, 20, "new", None, "refuse", VPC_POLICIES), (UPDATE, {"size": 20, "name": "new"}, None)),
    "on-demand charge_mode": ((ON_DEMAND, None, None, "traffic", "refuse", VPC_POLICIES), (UPDATE, {"charge_mode": "traffic"}, None)),
    "on-demand all three": ((ON_DEMAND, 30, "new", "traffic", "refuse", VPC_POLICIES),
                            (UPDATE, {"size": 30, "name": "new", "charge_mode": "traffic"}, None)),
    # prepaid: a size change is an order; a name-only change is an update, never an order
    "prepaid increase": ((PREPAID, 20, None, None, "refuse", VPC_POLICIES), (ORDER, {"size": 20}, None)),
    "prepaid increase, workspace": ((PREPAID, 2000, None, None, "refuse", WORKSPACE_POLICIES), (ORDER, {"size": 2000}, None)),
    "prepaid increase and rename": ((PREPAID, 20, "new", None, "refuse", VPC_POLICIES), (ORDER, {"size": 20, "name": "new"}, None)),
    "prepaid rename only": ((PREPAID, None, "new", None, "refuse", VPC_POLICIES), (UPDATE, {"name": "new"}, None)),
    "prepaid rename, same size": ((PREPAID, 10, "new", None, "refuse", WORKSPACE_POLICIES), (UPDATE, {"name": "new"}, None)),
    "prepaid decrease, immediate": ((PREPAID, 5, None, None, "immediate", VPC_POLICIES), (ORDER, {"size": 5}, "immediate")),
    "prepaid decrease, immediate, workspace": ((PREPAID, 5, None, None, "immediate", WORKSPACE_POLICIES), (ORDER, {"size": 5}, "immediate")),
    "prepaid decrease, at_renewal": ((PREPAID, 5, None, None, "at_renewal", VPC_POLICIES), (ORDER, {"size": 5}, "at_renewal")),
    "prepaid decrease and rename, at_renewal": ((PREPAID, 5, "new", None, "at_renewal", VPC_POLICIES),
                                                (ORDER, {"size": 5, "name": "new"}, "at_renewal")),
    # an increase ignores the decrease policy
    "prepaid increase with at_renewal set": ((PREPAID, 20, None, None, "at_renewal", VPC_POLICIES), (ORDER, {"size": 20}, None)),
}


@pytest.mark.parametrize("case", sorted(PLANS))
def test_plan_table(case):
    (mode, size, name, charge_mode, policy, policies), (action, changes, decrease_mode) = PLANS[case]
    current = bandwidth(mode)
    plan = plan_resize(current, size=size, name=name, charge_mode=charge_mode, prepaid_decrease=policy, decrease_policies=policies)
    assert plan.action == action
    assert plan.changes == changes
    assert plan.decrease_mode == decrease_mode
    assert plan.changed is (action != NOTHING)
    assert plan.current is current


# (billing mode, size, charge_mode, prepaid_decrease, policies) -> words the message must hold
REFUSED = {
    "prepaid decrease refused by default": ((PREPAID, 5, None, "refuse", VPC_POLICIES), [
        "bandwidth bw (bw-1) is yearly/monthly", "decreasing it from 10 to 5 Mbit/s is refused by prepaid_decrease=refuse",
        "prepaid_decrease=immediate", "prepaid_decrease=at_renewal with period_type and period_num"]),
    "prepaid decrease refused, workspace offers only immediate": ((PREPAID, 5, None, "refuse", WORKSPACE_POLICIES), [
        "refused by prepaid_decrease=refuse", "prepaid_decrease=immediate orders the smaller size now"]),
    "policy the service does not support": ((PREPAID, 5, None, "at_renewal", WORKSPACE_POLICIES), [
        "cannot be done with prepaid_decrease=at_renewal, which this service does not support",
        "To allow it: prepaid_decrease=immediate"]),
    "prepaid charge_mode change": ((PREPAID, None, "wks_traffic", "refuse", WORKSPACE_POLICIES), [
        "is yearly/monthly: charge_mode can only be changed on a pay-per-use bandwidth; leave charge_mode unset"]),
    "prepaid charge_mode change with an increase": ((PREPAID, 20, "traffic", "refuse", VPC_POLICIES), [
        "charge_mode can only be changed on a pay-per-use bandwidth"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_plans_say_what_to_change(case):
    (mode, size, charge_mode, policy, policies), words = REFUSED[case]
    with pytest.raises(ValidationError) as info:
        plan_resize(bandwidth(mode), size=size, charge_mode=charge_mode, prepaid_decrease=policy, decrease_policies=policies)
    for word in words:
        assert word in str(info.value)


def test_unsupported_policy_message_does_not_offer_it():
    with pytest.raises(ValidationError) as info:
        plan_resize(bandwidth(PREPAID), size=5, prepaid_decrease="at_renewal", decrease_policies=WORKSPACE_POLICIES)
    assert "To allow it: prepaid_decrease=at_renewal" not in str(info.value)


def test_diff_of_a_resize():
    plan = plan_resize(bandwidth(ON_DEMAND), size=20)
    assert plan.diff() == {"before": {"name": "bw", "size": 10}, "after": {"name": "bw", "size": 20}}


def test_diff_of_a_rename_and_charge_mode():
    plan = plan_resize(bandwidth(ON_DEMAND), name="new", charge_mode="traffic")
    assert plan.diff() == {"before": {"name": "bw", "size": 10, "charge_mode": "bandwidth"},
                           "after": {"name": "new", "size": 10, "charge_mode": "traffic"}}


def test_diff_of_nothing_shows_no_difference():
    diff = plan_resize(bandwidth(PREPAID), size=10).diff()
    assert diff["before"] == diff["after"] == {"name": "bw", "size": 10}


def test_diff_of_an_at_renewal_decrease_shows_the_ordered_size():
    plan = plan_resize(bandwidth(PREPAID), size=5, prepaid_decrease="at_renewal", decrease_policies=VPC_POLICIES)
    assert plan.diff() == {"before": {"name": "bw", "size": 10}, "after": {"name": "bw", "size": 5}}


def test_projected_applies_the_changes_without_touching_current():
    current = bandwidth(PREPAID)
    plan = plan_resize(current, size=20, name="new")
    assert plan.projected() == dict(current, size=20, name="new")
    assert current["size"] == 10 and current["name"] == "bw"
    assert (plan.size_before, plan.size_after, plan.name_after) == (10, 20, "new")


def test_projected_immediate_decrease_has_the_new_size():
    plan = plan_resize(bandwidth(PREPAID), size=5, prepaid_decrease="immediate", decrease_policies=VPC_POLICIES)
    assert plan.projected()["size"] == 5


def test_projected_at_renewal_keeps_the_size_but_takes_the_name():
    plan = plan_resize(bandwidth(PREPAID), size=5, name="new", prepaid_decrease="at_renewal", decrease_policies=VPC_POLICIES)
    projected = plan.projected()
    assert projected["size"] == 10
    assert projected["name"] == "new"
    assert plan.size_after == 5


def test_projected_of_nothing_is_current():
    current = bandwidth(ON_DEMAND)
    assert plan_resize(current, size=10).projected() == current


def test_repr_names_action_and_changes():
    assert repr(plan_resize(bandwidth(PREPAID), size=20)) == "Plan(action='order', changes={'size': 20}, decrease_mode=None)"


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
    assert str(info.value) == ("size 333 Mbit/s is not a valid VPC bandwidth size: above 300 it must be a multiple of 50, above 1000 "
                               "a multiple of 500; the nearest valid sizes are 300 or 350")


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
    "a", "a" * 64, "bw-prod_01.eu", "帯域幅", "带宽-生产", "대역폭", "Bandbreite_ä", "x" * 63 + "帯", "0", "..", "-",
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

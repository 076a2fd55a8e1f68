# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The approval-gated resize workflow, run the way AWX runs it: through ansible-runner.

request job (playbooks/resize_request.yml) -> [approval] -> pay job (playbooks/resize_pay.yml)

AWX takes the ``set_stats`` data of a job from the ``artifact_data`` of its ``playbook_on_stats``
event and passes it to the next workflow node as extra vars. These tests do the same against the
local simulator, with the credentials in environment variables as an AWX credential injects them.
"""

from __future__ import annotations

import collections
import copy
import os
import sys
from pathlib import Path

import pytest

from tests.simulator.control import start_simulator

ansible_runner = pytest.importorskip("ansible_runner")

HERE = Path(__file__).resolve()
COLLECTION_ROOT = HERE.parents[2]
# .../ansible_collections/hwcloud/bandwidth/tests/workflow/<this file>
COLLECTIONS_PATH = HERE.parents[5]
if HERE.parents[4].name != "ansible_collections":
    pytest.skip("run from a copy of the collection under ansible_collections/hwcloud/bandwidth (make units)",
                allow_module_level=True)

ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
REGION = "cn-north-4"

WS_BY_NAME = "0d0e0f10-0000-4000-8000-00000000c001"
WS_BY_ID = "0d0e0f10-0000-4000-8000-00000000c002"
WS_ON_DEMAND = "0d0e0f10-0000-4000-8000-00000000c003"
VPC_PREPAID = "0d0e0f10-0000-4000-8000-00000000d001"

SEED = {
    "config": {"order_delay": 0.3, "job_delay": 0.2},
    "workspace_bandwidths": [
        {"bandwidth_id": WS_BY_NAME, "bandwidth_name": "wf-office", "charge_mode": "wks_bandwidth", "size": 10},
        {"bandwidth_id": WS_BY_ID, "bandwidth_name": "wf-lab", "charge_mode": "wks_bandwidth", "size": 20},
        {"bandwidth_id": WS_ON_DEMAND, "bandwidth_name": "wf-guest", "charge_mode": "wks_traffic", "size": 5},
    ],
    "vpc_bandwidths": [
        {"id": VPC_PREPAID, "name": "wf-shared", "size": 100, "prepaid": True},
    ],
}
TARGETS = [
    {"service": "workspace", "name": "wf-office", "size": 30},
    {"service": "workspace", "id": WS_BY_ID, "size": 40},
    {"service": "vpc", "name": "wf-shared", "size": 150},
    {"service": "workspace", "name": "wf-guest", "size": 8},
]
PREPAID_IDS = {WS_BY_NAME, WS_BY_ID, VPC_PREPAID}
SIZES_BEFORE = {WS_BY_NAME: 10, WS_BY_ID: 20, WS_ON_DEMAND: 5, VPC_PREPAID: 100}
SIZES_AFTER = {WS_BY_NAME: 30, WS_BY_ID: 40, WS_ON_DEMAND: 8, VPC_PREPAID: 150}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    process = start_simulator(tmp_path_factory.mktemp("simulator") / "state.json")
    yield process
    process.stop()


@pytest.fixture()
def sim(simulator):
    simulator.admin.reset(copy.deepcopy(SEED))
    return simulator


def job(sim, tmp_path, name, playbook, extravars, expect="successful"):
    """One AWX job: a fresh private data dir, the project checkout, credentials in the environment."""
    envvars = {
        "HW_ACCESS_KEY": ACCESS_KEY,
        "HW_SECRET_KEY": SECRET_KEY,
        "HW_REGION_NAME": REGION,
        "HW_ENDPOINTS": '{"iam": "%s", "workspace": "%s", "vpc": "%s", "bss": "%s"}' % ((sim.url,) * 4),
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    private_data_dir = tmp_path / name
    private_data_dir.mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        project_dir=str(COLLECTION_ROOT),
        playbook=playbook,
        inventory={"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}},
        envvars=envvars,
        extravars=extravars,
        quiet=True,
    )
    assert runner.status == expect, "%s ended %s (rc %s):\n%s" % (playbook, runner.status, runner.rc, runner.stdout.read()[-4000:])
    return runner


def artifact(runner):
    """What AWX hands to the next workflow node: the set_stats data of the stats event."""
    stats = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert len(stats) == 1
    return stats[0]["event_data"].get("artifact_data") or {}


def failure_message(runner):
    """The ``msg`` of the one task that failed."""
    failed = [event["event_data"]["res"] for event in runner.events if event.get("event") == "runner_on_failed"]
    assert len(failed) == 1
    return failed[0]["msg"]


def sizes(sim):
    state = sim.admin.state()
    found = {item["bandwidth_id"]: item["size"] for item in state["workspace_bandwidths"]}
    found.update({item["id"]: item["size"] for item in state["vpc_bandwidths"]})
    return found


def orders_by_bandwidth(sim):
    return collections.Counter(order["resource_id"] for order in sim.admin.state()["orders"])


def test_request_then_pay_carries_the_orders_through_the_artifact(sim, tmp_path):
    request = job(sim, tmp_path, "request", "playbooks/resize_request.yml", {"bandwidth_resize_targets": TARGETS})
    data = artifact(request)

    # The request placed one unpaid order per prepaid target and changed nothing yet.
    placed = {order["order_id"]: order for order in sim.admin.state()["orders"]}
    assert sorted(data["resize_order_ids"]) == sorted(placed)
    assert {order["resource_id"] for order in placed.values()} == PREPAID_IDS
    assert {order["status"] for order in placed.values()} == {6}
    assert sizes(sim) == SIZES_BEFORE
    assert [target["id"] for target in data["resize_deferred_targets"]] == [WS_ON_DEMAND]
    assert {(o["id"], o["size_after"]) for o in data["resize_orders"]} == {(i, SIZES_AFTER[i]) for i in PREPAID_IDS}
    assert "workspace.update" not in sim.admin.summary()["by_operation"]
    # The approver sees what they approve: each order with its bandwidth, sizes and amount, and the total.
    lines = data["resize_orders_to_approve"]
    assert len(lines) == len(placed) + 1 and lines[-1].startswith("total ")
    for order_id in placed:
        line = next(text for text in lines if text.startswith(order_id))
        assert "Mbit/s" in line and "CNY" in line and "amount unknown" not in line

    # A relaunched request job finds the open orders and places none. It hands on only the orders it
    # placed itself: an order found open may have been placed elsewhere, for another size, so it is
    # never offered for payment by this workflow, and each such target fails naming its order.
    relaunch = job(sim, tmp_path, "request-again", "playbooks/resize_request.yml",
                   {"bandwidth_resize_targets": TARGETS}, expect="failed")
    again = artifact(relaunch)
    assert again["resize_order_ids"] == [] and again["resize_orders_to_approve"] == []
    output = relaunch.stdout.read()
    assert all(order_id in output for order_id in placed)
    assert orders_by_bandwidth(sim) == collections.Counter(PREPAID_IDS)

    # The approval node passes; the pay job gets the artifact as its extra vars.
    job(sim, tmp_path, "pay", "playbooks/resize_pay.yml", dict(data, bandwidth_resize_poll_interval=1))

    assert sizes(sim) == SIZES_AFTER
    assert {order["status"] for order in sim.admin.state()["orders"]} == {5}
    # Exactly one order per prepaid target over the whole workflow, each paid once.
    assert orders_by_bandwidth(sim) == collections.Counter(PREPAID_IDS)
    by_operation = sim.admin.summary()["by_operation"]
    assert by_operation["bss.pay"] == 3
    assert "bss.cancel" not in by_operation


def test_an_order_placed_elsewhere_is_a_problem_of_its_target_and_never_paid(sim, tmp_path):
    # Someone else asked for 120 Mbit/s on wf-shared, and their order waits for payment.
    job(sim, tmp_path, "someone-else", "playbooks/resize_request.yml",
        {"bandwidth_resize_targets": [{"service": "vpc", "name": "wf-shared", "size": 120}]})
    foreign = sim.admin.state()["orders"][0]

    # This request asks for 150 on it, among others: that target fails naming the foreign order, its
    # amount and what billing says it is for, verbatim; nothing is ordered for it; the other orders are
    # placed and handed on all the same.
    request = job(sim, tmp_path, "request", "playbooks/resize_request.yml", {"bandwidth_resize_targets": TARGETS},
                  expect="failed")
    message = failure_message(request)
    # The simulator's product_spec_desc of that order, as billing would show it to a person.
    assert 'order %s (pending_payment, %.2f %s, "Bandwidth 100 Mbit/s -> 120 Mbit/s")' % (
        foreign["order_id"], foreign["amount_after_discount"], foreign["currency"]) in message
    assert "wf-shared" in message and "not handed on for approval" in message
    data = artifact(request)
    assert foreign["order_id"] not in data["resize_order_ids"] and len(data["resize_order_ids"]) == 2
    assert orders_by_bandwidth(sim) == collections.Counter(PREPAID_IDS)

    # The pay job pays only the orders it was given: wf-shared keeps its size and the foreign order waits.
    job(sim, tmp_path, "pay", "playbooks/resize_pay.yml", dict(data, bandwidth_resize_poll_interval=1))
    state = sim.admin.state()
    assert {o["order_id"]: o["status"] for o in state["orders"]}[foreign["order_id"]] == 6
    assert sim.admin.summary()["by_operation"]["bss.pay"] == 2
    assert sizes(sim)[VPC_PREPAID] == 100 and sizes(sim)[WS_BY_NAME] == 30 and sizes(sim)[WS_BY_ID] == 40


def test_denied_approval_cancels_the_orders_and_changes_nothing(sim, tmp_path):
    data = artifact(job(sim, tmp_path, "request", "playbooks/resize_request.yml",
                        {"bandwidth_resize_targets": TARGETS}))
    # The deny branch of the workflow: the same pay job template with state cancelled.
    job(sim, tmp_path, "cancel", "playbooks/resize_pay.yml", dict(data, bandwidth_resize_order_state="cancelled"))

    assert sizes(sim) == SIZES_BEFORE
    assert {order["status"] for order in sim.admin.state()["orders"]} == {4}
    by_operation = sim.admin.summary()["by_operation"]
    assert by_operation["bss.cancel"] == 3
    assert "bss.pay" not in by_operation
    assert "workspace.update" not in by_operation


def writes(sim):
    return sim.admin.summary()["writes"]


@pytest.mark.parametrize("targets, extravars, expected", [
    # A Workspace increase and a VPC decrease that the policy refuses: nothing is ordered.
    ([{"service": "workspace", "name": "wf-office", "size": 30}, {"service": "vpc", "name": "wf-shared", "size": 50}],
     {}, "decreasing it from 100 to 50"),
    # The same bandwidth twice, once by id and once by name.
    ([{"service": "workspace", "id": WS_BY_ID, "size": 30}, {"service": "workspace", "name": "wf-lab", "size": 50}],
     {}, "give each bandwidth once"),
    # A decrease at renewal is not offered by the fleet paths.
    ([{"service": "workspace", "name": "wf-office", "size": 30}, {"service": "vpc", "name": "wf-shared", "size": 50}],
     {"bandwidth_resize_prepaid_decrease": "at_renewal"}, "prepaid_decrease"),
])
def test_a_wrong_request_fails_before_any_order(sim, tmp_path, targets, extravars, expected):
    sim.admin.clear_log()
    runner = job(sim, tmp_path, "request", "playbooks/resize_request.yml",
                 dict(extravars, bandwidth_resize_targets=targets), expect="failed")
    assert expected in runner.stdout.read()
    assert sim.admin.state()["orders"] == []
    assert writes(sim) == 0
    assert sizes(sim) == SIZES_BEFORE


def test_the_pay_job_by_hand_with_only_order_ids_says_what_it_needs_and_pays_nothing(sim, tmp_path):
    data = artifact(job(sim, tmp_path, "request", "playbooks/resize_request.yml", {"bandwidth_resize_targets": TARGETS}))
    runner = job(sim, tmp_path, "pay-by-hand", "playbooks/resize_pay.yml",
                 {"resize_order_ids": ",".join(data["resize_order_ids"])}, expect="failed")
    output = runner.stdout.read()
    assert "resize_order_ids was given without resize_orders" in output and "nothing was paid" in output
    assert "bss.pay" not in sim.admin.summary()["by_operation"]
    assert {order["status"] for order in sim.admin.state()["orders"]} == {6}

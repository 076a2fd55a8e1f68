# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clock skew, expired and wrong tokens, missing permissions (Workspace, VPC, billing) and 404s.

Each gives a specific message that says what to do. The simulator's knobs set the scene
between the tasks of one playbook: ``config.clock_offset`` shifts the simulator's clock (the
same as a client clock that is off: the signer stamps ``X-Sdk-Date`` from the machine's
clock), ``deny_workspace``/``deny_vpc`` (true or ``writes``) and ``deny_billing`` refuse calls
with 403 in each service's own shape, and a credential marked ``expired`` answers APIGW.0307.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.reliability import harness
from tests.simulator.state import DEFAULT_SEED

WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"     # wks-lab-ondemand, 10 Mbit/s
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"     # shared-prepaid, 100 Mbit/s
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"    # shared-ondemand, 50 Mbit/s
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
EXPIRED_AK = "SIMULATOREXPIREDAK00"
EXPIRED_SK = "simulator-expired-secret-key"
EXPIRED_TOKEN = "simulator-expired-token-0123456789"

CLOCK_SKEW = ["APIGW.0301", "signature expired", "clock skew", "synchronise the clock (NTP)"]

# (task name, simulator config before it or None, module, module args, connection overrides,
#  "ok" or the substrings of the failure message)
SCENES = [
    ("skew-ahead", {"clock_offset": 3600}, "vpc_bandwidth_info", {}, {}, CLOCK_SKEW),
    ("skew-behind", {"clock_offset": -3600}, "workspace_bandwidth", {"id": WS_ONDEMAND, "size": 20}, {}, CLOCK_SKEW),
    ("skew-small-is-fine", {"clock_offset": 600}, "vpc_bandwidth_info", {}, {}, "ok"),
    ("token-expired", {"clock_offset": 0}, "vpc_bandwidth", {"id": VPC_ONDEMAND, "size": 60},
     {"access_key": EXPIRED_AK, "secret_key": EXPIRED_SK, "security_token": EXPIRED_TOKEN},
     ["APIGW.0307", "renew the temporary credentials"]),
    ("token-wrong", None, "workspace_bandwidth_info", {},
     {"access_key": harness.TEMP_ACCESS_KEY, "secret_key": harness.TEMP_SECRET_KEY, "security_token": "not-the-token"},
     ["APIGW.0301", "security token is missing or invalid", "security token of temporary credentials"]),
    ("token-right", None, "workspace_bandwidth_info", {},
     {"access_key": harness.TEMP_ACCESS_KEY, "secret_key": harness.TEMP_SECRET_KEY,
      "security_token": harness.SECURITY_TOKEN}, "ok"),
    ("workspace-denied", {"deny_workspace": True}, "workspace_bandwidth_info", {}, {},
     ["list Workspace bandwidths failed", "HTTP 403", "APIGW.0302", "grant this IAM user the permissions"]),
    ("workspace-read-only", {"deny_workspace": "writes"}, "workspace_bandwidth", {"id": WS_ONDEMAND, "size": 20}, {},
     ["update workspace bandwidth wks-lab-ondemand", "HTTP 403", "APIGW.0302", "grant this IAM user the permissions"]),
    ("vpc-denied", {"deny_workspace": False, "deny_vpc": True}, "vpc_bandwidth_info", {}, {},
     ["list VPC bandwidths failed", "HTTP 403", "VPC.2701", "check the IAM permissions"]),
    ("vpc-read-only", {"deny_vpc": "writes"}, "vpc_bandwidth", {"id": VPC_ONDEMAND, "size": 60}, {},
     ["update VPC bandwidth shared-ondemand", "HTTP 403", "VPC.2701", "not frozen", "balance"]),
    ("vpc-read-only-order", None, "vpc_bandwidth", {"id": VPC_PREPAID, "size": 150, "auto_pay": True}, {},
     ["order the change of VPC bandwidth shared-prepaid", "VPC.2701"]),
    ("billing-denied-order-info", {"deny_vpc": False, "deny_billing": True}, "order_info",
     {"order_id": "CS2401010000ZZZZZ"}, {}, ["CBC.0151", "billing (BSS) permissions"]),
    ("billing-denied-pay", None, "order", {"order_id": "CS2401010000ZZZZZ", "state": "paid"}, {},
     ["CBC.0151", "billing (BSS) permissions", "console"]),
    # Without billing permission a resize still works: it warns and follows the bandwidth instead.
    ("billing-denied-resize", None, "vpc_bandwidth",
     {"id": VPC_PREPAID, "size": 150, "auto_pay": True, "wait_timeout": 60}, {}, "ok"),
    ("not-found-vpc-id", {"deny_billing": False}, "vpc_bandwidth", {"id": UNKNOWN_ID, "size": 60}, {},
     ["no VPC bandwidth has id %s" % UNKNOWN_ID, "check the id and the region"]),
    ("not-found-workspace-id", None, "workspace_bandwidth", {"id": UNKNOWN_ID, "size": 20}, {},
     ["no Workspace bandwidth has id %s" % UNKNOWN_ID, "check the id"]),
    ("not-found-order", None, "order", {"order_id": "CS2401010000ZZZZZ", "state": "cancelled"}, {},
     ["CBC.30000010", "check the order id"]),
    ("not-found-api-path", None, "vpc_bandwidth_info", {}, {"endpoints": "WRONG_PATH"},
     ["HTTP 404", "APIGW.0101", "check the endpoints option"]),
]


def _seed():
    with open(DEFAULT_SEED, encoding="utf-8") as stream:
        seed = copy.deepcopy(yaml.safe_load(stream))
    seed["credentials"].append({"access_key": EXPIRED_AK, "secret_key": EXPIRED_SK, "security_token": EXPIRED_TOKEN,
                                "expired": True})
    seed["config"] = {"job_delay": 0.2, "order_delay": 0.2}
    return seed


def _tasks(url):
    tasks = []
    for name, config, module, args, connection, _expected in SCENES:
        if config is not None:
            tasks.append({"name": "configure for %s" % name, "ansible.builtin.uri": {
                "url": url + "/_sim/config", "method": "POST", "body_format": "json", "body": config}})
        options = harness.credentials(url, **connection)
        if options["endpoints"] == "WRONG_PATH":
            options["endpoints"] = {service: url + "/wrong/prefix" for service in harness.SERVICES}
            options["project_id"] = harness.PROJECT_ID
        options.update(args)
        tasks.append({"name": name, "hwcloud.bandwidth.%s" % module: options, "ignore_errors": True})
    return tasks


@pytest.fixture(scope="module", name="scenes")
def scenes_fixture(simulator, workdir):
    simulator.admin.reset(_seed())
    run = harness.run_playbook([harness.play(_tasks(simulator.url))], workdir=workdir, sim_url=simulator.url)
    return run, simulator.admin.state(), simulator.admin.log(), simulator.admin.signatures()


@pytest.mark.parametrize("scene", SCENES, ids=[scene[0] for scene in SCENES])
def test_scene_gives_a_specific_actionable_message(scenes, scene):
    run = scenes[0]
    name, _config, _module, _args, _connection, expected = scene
    record = run.record(name)
    message = harness.result_message(record)
    if expected == "ok":
        assert record["status"] == "ok", "%s failed: %s" % (name, message)
        return
    assert record["status"] == "failed", "%s did not fail: %s" % (name, record["result"])
    for text in expected:
        assert text.lower() in message.lower(), "%s: %r not in %r" % (name, text, message)
    assert not harness.tracebacks(harness.json_text(record["result"]))


def test_auth_failures_are_never_retried(scenes):
    """Repeated authentication failures lock the access key: a task stops at its first 401 or 403."""
    run, _state, log, _signatures = scenes
    checked = 0
    for name, _config, _module, _args, _connection, expected in SCENES:
        if expected == "ok" or not any(code.startswith(("APIGW.03", "VPC.2701", "CBC.0151")) for code in expected):
            continue
        record = run.record(name)
        first, last = record["before"]["requests"], record["after"]["requests"]
        refused = [entry for entry in log if first < entry["seq"] <= last and entry["status"] in (401, 403)]
        assert len(refused) == 1, "%s: %d refused requests: %s" % (name, len(refused), refused)
        checked += 1
    assert checked >= 10
    assert not harness.tracebacks(run.output)


def test_denied_writes_changed_nothing(scenes):
    _run, state, log, _signatures = scenes
    workspace = {item["bandwidth_id"]: item for item in state["workspace_bandwidths"]}
    vpc = {item["id"]: item for item in state["vpc_bandwidths"]}
    assert workspace[WS_ONDEMAND]["size"] == 10
    assert vpc[VPC_ONDEMAND]["size"] == 50
    accepted = [entry for entry in log if entry["write"] and entry["status"] is not None and entry["status"] < 400]
    # The one accepted write: the resize made without billing permission.
    assert [(entry["operation"], entry["body"]["bandwidth"]["size"]) for entry in accepted] == [("vpc.update_prepaid", 150)]


def test_billing_denied_resize_warns_and_follows_the_bandwidth(scenes):
    record = scenes[0].record("billing-denied-resize")
    warnings = " ".join(record["result"].get("warnings") or [])
    assert "billing orders cannot be read" in warnings
    assert record["result"]["bandwidth"]["size"] == 150
    assert record["result"]["changed"] is True

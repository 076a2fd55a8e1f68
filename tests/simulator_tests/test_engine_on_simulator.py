# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize engine against the real simulator over HTTP: concurrency, failures, throttling, lost answers.

The engine is built as the modules build it (client, service classes, Engine), with targets
and policy from ``_plan``. The simulator's request log records when each request started
(``time``, taken before any injected latency) and in which order requests finished (``seq``).
"""

import copy
from datetime import datetime

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._engine import Engine
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import Policy, parse_targets
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths

ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
PROJECT_ID = "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
ON_DEMAND_PUT = "^/v1/%s/bandwidths/" % PROJECT_ID
LATENCY = 1.0


def engine_for(sim, concurrency, max_retries=5):
    config = ClientConfig(access_key=ACCESS_KEY, secret_key=SECRET_KEY, region="cn-north-4", project_id=PROJECT_ID,
                          endpoints={name: sim.url for name in ("iam", "workspace", "vpc", "bss")},
                          max_retries=max_retries, request_timeout=20)
    client = HwCloudClient(config)
    services = {"workspace": WorkspaceBandwidths(client), "vpc": VpcBandwidths(client)}
    return Engine(client, services, concurrency=concurrency)


def run(engine, raw_targets, **policy):
    targets, problems = parse_targets(raw_targets)
    assert problems == []
    plan, results = engine.run(targets, Policy(**policy), wait=True, wait_timeout=60)
    assert plan.problems == []
    return plan, {result.id: result for result in results}


def fleet(sim, fast_seed, count):
    """Reset the simulator with ``count`` pay-per-use VPC bandwidths of 10 Mbit/s; their ids."""
    seed = copy.deepcopy(fast_seed)
    seed["fleet"] = {"vpc": count, "workspace": 0, "prepaid_ratio": 0, "size": 10}
    sim.admin.reset(seed)
    return [item["id"] for item in sim.admin.state()["vpc_bandwidths"] if item["name"].startswith("fleet-vpc-")]


def sizes(sim):
    state = sim.admin.state()
    found = {item["id"]: item["size"] for item in state["vpc_bandwidths"]}
    found.update((item["bandwidth_id"], item["size"]) for item in state["workspace_bandwidths"])
    return found


def writes(sim, operation):
    return [entry for entry in sim.admin.log() if entry["operation"] == operation and entry["write"]]


def started(entry):
    return datetime.fromisoformat(entry["time"])


def test_concurrent_writes_overlap_and_serial_ones_do_not(sim, fast_seed):
    ids = fleet(sim, fast_seed, 4)
    spans = {}
    for concurrency, size in ((4, 20), (1, 30)):
        sim.admin.clear_log()
        sim.admin.add_faults([{"method": "PUT", "path": ON_DEMAND_PUT, "kind": "latency", "delay": LATENCY,
                               "times": len(ids)}])
        _plan, results = run(engine_for(sim, concurrency), [{"service": "vpc", "id": i, "size": size} for i in ids])
        assert [results[i].status for i in ids] == ["ok"] * len(ids)
        puts = writes(sim, "vpc.update")
        assert len(puts) == len(ids) and all(entry["fault"] == "latency" for entry in puts)
        starts = sorted(started(entry) for entry in puts)
        spans[concurrency] = starts
        assert all(sizes(sim)[i] == size for i in ids)
    # Each write is held LATENCY seconds by the simulator before it is answered. The first write goes
    # alone (a refusal of the credentials stops the rest); with concurrency 4 the others then started
    # before any of them could have finished: they overlapped.
    parallel = spans[4]
    assert (parallel[1] - parallel[0]).total_seconds() >= LATENCY
    assert (parallel[-1] - parallel[1]).total_seconds() < LATENCY
    # One at a time, each write starts only after the previous one was answered.
    serial = spans[1]
    assert all((later - earlier).total_seconds() >= LATENCY for earlier, later in zip(serial, serial[1:]))


def test_a_failing_target_leaves_the_others_applied(sim, fast_seed):
    ids = fleet(sim, fast_seed, 5)
    broken = ids[2]
    # Every write to this bandwidth fails on the server side: its outcome is unknown each time.
    sim.admin.add_faults([{"method": "PUT", "path": "/bandwidths/%s$" % broken, "kind": "error", "status": 500,
                           "times": None}])
    _plan, results = run(engine_for(sim, 5, max_retries=2), [{"service": "vpc", "id": i, "size": 40} for i in ids])
    assert results[broken].status == "failed"
    assert "sent 3 times" in results[broken].msg
    others = [i for i in ids if i != broken]
    assert [results[i].status for i in others] == ["ok"] * len(others)
    current = sizes(sim)
    assert current[broken] == 10 and all(current[i] == 40 for i in others)
    # The plain update was resent within the retry budget, never more.
    assert len([entry for entry in writes(sim, "vpc.update") if entry["path"].endswith(broken)]) == 3


def test_throttling_under_concurrency_is_absorbed(sim, fast_seed):
    ids = fleet(sim, fast_seed, 6)
    # The first write goes alone; the five written together after it meet one 429 each.
    throttles = len(ids) - 1
    sim.admin.add_faults([{"method": "PUT", "path": "/bandwidths/(%s)$" % "|".join(ids[1:]), "kind": "throttle",
                           "retry_after": 1, "times": throttles}])
    _plan, results = run(engine_for(sim, 6), [{"service": "vpc", "id": i, "size": 25} for i in ids])
    assert [results[i].status for i in ids] == ["ok"] * len(ids)
    puts = writes(sim, "vpc.update")
    assert sum(1 for entry in puts if entry["fault"] == "throttle") == throttles
    assert sum(1 for entry in puts if entry["status"] == 200) == len(ids)
    assert all(sizes(sim)[i] == 25 for i in ids)


def test_a_dropped_answer_after_the_order_never_orders_twice(sim):
    sim.admin.add_faults([
        {"method": "PUT", "path": "^/v2.0/.*/bandwidths/", "kind": "drop_after", "times": 1},
        {"method": "POST", "path": "change/order$", "kind": "drop_after", "times": 1},
    ])
    targets = [{"service": "vpc", "id": VPC_PREPAID, "size": 200},
               {"service": "workspace", "id": WS_PREPAID, "size": 40},
               {"service": "workspace", "id": WS_ONDEMAND, "size": 30},
               {"service": "vpc", "id": VPC_ONDEMAND, "size": 60}]
    _plan, results = run(engine_for(sim, 4), targets, auto_pay=True)
    assert {i: r.status for i, r in results.items()} == dict.fromkeys((VPC_PREPAID, WS_PREPAID, WS_ONDEMAND,
                                                                       VPC_ONDEMAND), "ok")
    orders = sim.admin.state()["orders"]
    assert sorted(order["resource_id"] for order in orders) == sorted([VPC_PREPAID, WS_PREPAID])
    assert sim.admin.summary()["orders_created"] == 2
    # The order ids found through billing are the ones the simulator created.
    assert {results[VPC_PREPAID].order_id, results[WS_PREPAID].order_id} == {o["order_id"] for o in orders}
    assert all(entry["fault"] == "drop_after" for entry in writes(sim, "vpc.update_prepaid"))
    assert len(writes(sim, "vpc.update_prepaid")) == 1 and len(writes(sim, "workspace.change_order")) == 1
    current = sizes(sim)
    assert (current[VPC_PREPAID], current[WS_PREPAID], current[WS_ONDEMAND], current[VPC_ONDEMAND]) == (200, 40, 30, 60)

    # A rerun finds everything done and writes nothing.
    sim.admin.clear_log()
    plan, results = run(engine_for(sim, 4), targets, auto_pay=True)
    assert plan.changes == [] and results == {}
    assert sim.admin.summary()["writes"] == 0

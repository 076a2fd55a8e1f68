"""Injected faults, persistence across restarts, fleets, the log and concurrency."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import yaml

from tests.simulator.control import start_simulator

from . import sdk

VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
LIST = "/v1/%s/bandwidths" % sdk.PROJECT_ID
SHOW = "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND)


def _size(sim):
    return next(item["size"] for item in sim.admin.state()["vpc_bandwidths"] if item["id"] == VPC_ONDEMAND)


def test_throttle_fault(sim):
    sim.admin.add_faults([{"method": "GET", "path": "/bandwidths$", "kind": "throttle", "retry_after": 3, "times": 2}])
    for _attempt in range(2):
        response = sdk.signed(sim.url, "GET", LIST)
        assert (response.status_code, response.json()["error_code"], response.headers["Retry-After"]) == (429, "APIGW.0308", "3")
    assert sdk.signed(sim.url, "GET", LIST).status_code == 200
    assert [entry["fault"] for entry in sim.admin.log()] == ["throttle", "throttle", None]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_fault(sim, status):
    sim.admin.add_faults([{"method": "*", "path": "bandwidths", "kind": "error", "status": status}])
    response = sdk.signed(sim.url, "GET", LIST)
    assert response.status_code == status and response.json()["error_code"].startswith("APIGW.")
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_html_fault(sim):
    sim.admin.add_faults([{"path": "bandwidths", "kind": "html", "status": 502}])
    response = sdk.signed(sim.url, "GET", LIST)
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html") and "<html>" in response.text


def test_latency_fault(sim):
    sim.admin.add_faults([{"path": "bandwidths", "kind": "latency", "delay": 0.3}])
    response = sdk.signed(sim.url, "GET", LIST)
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3


def test_drop_before_does_not_apply_the_change(sim):
    sim.admin.add_faults([{"method": "PUT", "path": "/bandwidths/", "kind": "drop_before"}])
    with pytest.raises(requests.ConnectionError):
        sdk.signed(sim.url, "PUT", SHOW, body={"bandwidth": {"size": 77}})
    assert _size(sim) == 50
    assert sim.admin.log()[-1]["fault"] == "drop_before"


def test_drop_after_applies_the_change(sim):
    sim.admin.add_faults([{"method": "PUT", "path": "/bandwidths/", "kind": "drop_after"}])
    with pytest.raises(requests.ConnectionError):
        sdk.signed(sim.url, "PUT", SHOW, body={"bandwidth": {"size": 77}})
    assert _size(sim) == 77


def test_drop_after_places_the_order(sim):
    sim.admin.add_faults([{"method": "POST", "path": "change/order", "kind": "drop_after"}])
    with pytest.raises(requests.ConnectionError):
        sdk.signed(sim.url, "POST", "/v2/%s/bandwidths/%s/periodic/change/order" % (sdk.PROJECT_ID, WS_PREPAID), body={"bandwidth_size": "22"})
    entry = sim.admin.log()[-1]
    assert entry["order_id"] and entry["operation"] == "workspace.change_order" and entry["write"] is True
    assert [order["order_id"] for order in sim.admin.state()["orders"]] == [entry["order_id"]]
    assert sim.admin.summary()["orders_created"] == 1


def test_faults_from_the_seed_and_clearing(sim, fast_seed):
    fast_seed["faults"] = [{"method": "GET", "path": "bandwidths", "kind": "throttle", "times": None}]
    sim.admin.reset(fast_seed)
    assert sdk.signed(sim.url, "GET", LIST).status_code == 429
    assert sdk.signed(sim.url, "GET", LIST).status_code == 429
    sim.admin.clear_faults()
    assert sdk.signed(sim.url, "GET", LIST).status_code == 200


def test_log_and_summary(sim):
    sdk.signed(sim.url, "GET", LIST, query=[("limit", "5")])
    sdk.signed(sim.url, "PUT", SHOW, body={"bandwidth": {"size": 12}})
    log = sim.admin.log()
    assert [(entry["operation"], entry["write"], entry["status"], entry["service"]) for entry in log] == [
        ("vpc.list", False, 200, "vpc"), ("vpc.update", True, 200, "vpc")]
    assert log[0]["query"] == {"limit": ["5"]} and log[1]["body"] == {"bandwidth": {"size": 12}}
    summary = sim.admin.summary()
    assert (summary["requests"], summary["reads"], summary["writes"]) == (2, 1, 1)
    assert summary["by_operation"] == {"vpc.list": 1, "vpc.update": 1}
    sim.admin.clear_log()
    assert sim.admin.log() == []


def test_resource_query_counts_as_a_read(sim):
    answer = sdk.signed(sim.url, "POST", "/v2/orders/suscriptions/resources/query", body={"resource_ids": ["none"]})
    assert answer.status_code == 200
    assert [(entry["operation"], entry["write"]) for entry in sim.admin.log()] == [("bss.resources_query", False)]
    assert sim.admin.summary()["writes"] == 0


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "state.json"
    first = start_simulator(state)
    try:
        assert sdk.signed(first.url, "PUT", SHOW, body={"bandwidth": {"size": 99}}).status_code == 200
    finally:
        first.stop()
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert next(item["size"] for item in saved["vpc_bandwidths"] if item["id"] == VPC_ONDEMAND) == 99
    second = start_simulator(state)
    try:
        assert sdk.signed(second.url, "GET", SHOW).json()["bandwidth"]["size"] == 99
    finally:
        second.stop()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".sim-state-")]


def test_fleet_seed_file(tmp_path):
    seed = tmp_path / "fleet.yml"
    seed.write_text(yaml.safe_dump({"fleet": {"workspace": 1000, "vpc": 1200, "prepaid_ratio": 0.5, "size": 10}}), encoding="utf-8")
    simulator = start_simulator(tmp_path / "state.json", seed)
    try:
        first = sdk.signed(simulator.url, "GET", LIST).json()["bandwidths"]
        assert len(first) == 1200 and first[0]["name"] == "fleet-vpc-0001"
        assert {item["share_type"] for item in first} == {"WHOLE", "PER"}
        assert sum(1 for item in first if item["billing_info"]) == 600
        page = sdk.signed(simulator.url, "GET", LIST, query=[("marker", first[999]["id"]), ("limit", "2000")]).json()["bandwidths"]
        assert len(page) == 200
        workspace = sdk.signed(simulator.url, "GET", "/v2/%s/bandwidths" % sdk.PROJECT_ID, query=[("limit", "10")]).json()
        assert workspace["total_count"] == 1000 and workspace["bandwidths"][0]["bandwidth_name"] == "fleet-ws-0001"
        assert {item["charge_mode"] for item in workspace["bandwidths"]} == {"wks_bandwidth", "wks_traffic"}
    finally:
        simulator.stop()


def test_fifty_concurrent_clients(sim):
    def client(index):
        if index % 5 == 0:
            return sdk.signed(sim.url, "PUT", SHOW, body={"bandwidth": {"size": 10 + index % 3}}).status_code
        return sdk.signed(sim.url, "GET", LIST if index % 2 else SHOW).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(client, range(200)))
    assert statuses == [200] * 200
    assert sim.admin.summary()["requests"] == 200

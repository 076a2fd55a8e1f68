# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_bandwidth_usage_info end to end over a fake HTTP session: reads, the rule, limits, errors, charts."""

from __future__ import annotations

import builtins
import os

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import vpc_bandwidth_usage_info as module

PROJECT = "proj-1"
ARGS = {"access_key": "AK", "secret_key": "SK", "region": "r1", "project_id": PROJECT,
        "endpoints": {"vpc": "https://vpc.test", "ces": "https://ces.test"}, "max_retries": 0}
P = "(?P<project_id>[^/]+)"


def api_bandwidth(bandwidth_id, size, share_type="WHOLE", billing_info="", charge_mode="bandwidth", eip=None):
    return {"id": bandwidth_id, "name": "name-" + bandwidth_id, "size": size, "share_type": share_type,
            "bandwidth_type": "share", "charge_mode": charge_mode, "billing_info": billing_info,
            "enterprise_project_id": "0", "status": "NORMAL", "tenant_id": PROJECT,
            "publicip_info": [{"publicip_id": eip}] if eip else [],
            "created_at": "2024-03-01T08:00:00", "updated_at": "2024-03-01T08:00:00"}


BANDWIDTHS = [
    api_bandwidth("bw-busy", 50),
    api_bandwidth("bw-idle", 100, billing_info="CS1:prod:r1:proj-1"),
    api_bandwidth("bw-new", 5, share_type="PER", charge_mode="traffic", eip="eip-new"),
]
# Mbit/s per hour and metric, by dimension value.
SERIES = {
    ("bandwidth_id", "bw-busy"): {"downstream_bandwidth": [50.0] * 100, "upstream_bandwidth": [10.0] * 100},
    ("bandwidth_id", "bw-idle"): {"downstream_bandwidth": [8.0] * 100, "upstream_bandwidth": [2.0] * 99 + [30.0]},
    ("publicip_id", "eip-new"): {"downstream_bandwidth": [1.0] * 5, "upstream_bandwidth": [1.0] * 5},
}


def batch(request, project_id):
    assert project_id == PROJECT
    body = request.body
    assert body["period"] == "3600" and body["filter"] == "max"
    metrics = []
    for metric in body["metrics"]:
        dim = metric["dimensions"][0]
        values = SERIES.get((dim["name"], dim["value"]), {}).get(metric["metric_name"], [])
        metrics.append(dict(metric, unit="bit/s", datapoints=[
            {"max": value * 1e6, "timestamp": 1714000000000 + index * 3600000} for index, value in enumerate(values)]))
    return 200, {"metrics": metrics}


@pytest.fixture(name="cloud")
def cloud_fixture(fake_http):
    fake_http.route("GET", "/v1/%s/bandwidths" % P, lambda request, project_id: (200, {"bandwidths": BANDWIDTHS}))
    fake_http.route("POST", "/V1.0/%s/batch-query-metric-data" % P, batch)
    return fake_http


def by_id(result):
    return {entry["id"]: entry for entry in result["bandwidths"]}


def test_recommends_for_every_bandwidth(cloud, run_module):
    result = run_module(module, ARGS)
    assert not result.get("failed"), result
    assert result["changed"] is False
    entries = by_id(result)
    assert [entry["id"] for entry in result["bandwidths"]] == ["bw-busy", "bw-idle", "bw-new"]
    busy, idle, new = entries["bw-busy"], entries["bw-idle"], entries["bw-new"]
    assert (busy["hours"], busy["percentile_mbit"], busy["utilization_percent"], busy["recommended_size"]) == (
        100, 50.0, 100.0, 64)
    # Its hourly maxima sit at its size: saturated, one size step above the plain 63.
    assert busy["saturated_percent"] >= 5 and "saturated" in busy["reason"]
    assert "increase from 50 to 64 Mbit/s" in busy["reason"]
    # Upstream is the larger in one hour only: the peak shows it, the percentile does not.
    assert (idle["peak_mbit"], idle["percentile_mbit"], idle["recommended_size"], idle["billing_mode"]) == (
        30.0, 8.0, 10, "prepaid")
    assert (new["hours"], new["recommended_size"]) == (5, 5) and "too few hours" in new["reason"]
    assert cloud.writes == cloud.calls("POST", "/V1.0/.*")
    assert not cloud.unrouted or all(request.path.endswith("eip-bandwidth-limits") for request in cloud.unrouted)


def test_one_batch_for_three_bandwidths_under_the_cap(cloud, run_module):
    run_module(module, ARGS)
    (call,) = cloud.calls("POST", "/V1.0/.*")
    assert call.host == "ces.test"
    assert len(call.body["metrics"]) == 6
    dims = {(m["dimensions"][0]["name"], m["dimensions"][0]["value"]) for m in call.body["metrics"]}
    assert dims == set(SERIES)


def test_ids_select_and_keep_their_order(cloud, run_module):
    result = run_module(module, dict(ARGS, ids=["bw-idle", "bw-busy"]))
    assert [entry["id"] for entry in result["bandwidths"]] == ["bw-idle", "bw-busy"]
    (call,) = cloud.calls("POST", "/V1.0/.*")
    assert len(call.body["metrics"]) == 4


def test_unknown_id_fails_before_cloud_eye(cloud, run_module):
    result = run_module(module, dict(ARGS, ids=["bw-busy", "bw-gone"]))
    assert result["failed"] and "bw-gone" in result["msg"] and "region r1" in result["msg"]
    assert cloud.calls("POST", "/V1.0/.*") == []


def test_usage_options(cloud, run_module):
    result = run_module(module, dict(ARGS, usage={"percentile": 100, "headroom_percent": 0, "min_hours": 5,
                                                  "max_size": 40}))
    entries = by_id(result)
    assert entries["bw-busy"]["recommended_size"] == 40
    assert entries["bw-idle"]["recommended_size"] == 30
    assert entries["bw-new"]["recommended_size"] == 1


def test_window_days_sets_the_query_span(cloud, run_module):
    run_module(module, dict(ARGS, usage={"window_days": 3}))
    (call,) = cloud.calls("POST", "/V1.0/.*")
    assert call.body["to"] - call.body["from"] == 3 * 86400 * 1000


@pytest.mark.parametrize("usage, words", [
    ({"percentile": 0}, "usage.percentile must be from 1 to 100"),
    ({"min_size": 50, "max_size": 10}, "usage.min_size 50 is above usage.max_size 10"),
    ({"window_days": 0}, "usage.window_days"),
])
def test_invalid_usage_fails_before_any_call(cloud, run_module, usage, words):
    result = run_module(module, dict(ARGS, usage=usage))
    assert result["failed"] and words in result["msg"]
    assert cloud.requests == []


def test_region_limits_are_used_when_readable(cloud, run_module):
    cloud.route("GET", "/v3/%s/eip/eip-bandwidth-limits" % P, lambda request, project_id: (200, {
        "eip_bandwidth_limits": [{"id": "l1", "charge_mode": "bandwidth", "min_size": 1, "max_size": 60}],
        "page_info": {"next_marker": None, "current_count": 1}}))
    result = run_module(module, ARGS)
    assert by_id(result)["bw-busy"]["recommended_size"] == 60
    (limits,) = cloud.calls("GET", "/v3/.*/eip/eip-bandwidth-limits")
    assert limits.host == "vpc.test"


def test_cloud_eye_denied_names_the_permission(fake_http, run_module):
    fake_http.route("GET", "/v1/%s/bandwidths" % P, lambda request, project_id: (200, {"bandwidths": BANDWIDTHS}))
    fake_http.route("POST", "/V1.0/%s/batch-query-metric-data" % P, lambda request, project_id: (
        403, {"error_code": "APIGW.0302", "error_msg": "The IAM user is not authorized to access the API.",
              "request_id": "req-9"}))
    result = run_module(module, ARGS)
    assert result["failed"]
    assert "ces:metricData:list" in result["msg"] and "HTTP 403" in result["msg"] and "APIGW.0302" in result["msg"]
    assert result["error"]["status"] == 403 and result["error"]["request_id"] == "req-9"
    # A 403 is never retried.
    assert len(fake_http.calls("POST", "/V1.0/.*")) == 1


def test_check_mode_gives_the_same_result(cloud, run_module):
    assert run_module(module, ARGS, check_mode=True)["bandwidths"] == run_module(module, ARGS)["bandwidths"]


def test_plot_dir_writes_one_svg_per_bandwidth(cloud, run_module, tmp_path):
    pytest.importorskip("pygal")
    directory = str(tmp_path / "plots")
    result = run_module(module, dict(ARGS, plot_dir=directory))
    assert not result.get("failed"), result
    for entry in result["bandwidths"]:
        assert entry["plot"] == os.path.join(directory, entry["id"] + ".svg")
        with open(entry["plot"], encoding="utf-8") as handle:
            text = handle.read()
        assert text.lstrip().startswith("<?xml") and "<svg" in text
        assert "recommended %s" % entry["recommended_size"] in text


def test_plot_dir_without_pygal_fails_clearly(cloud, run_module, monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_pygal(name, *args, **kwargs):
        if name == "pygal":
            raise ImportError("No module named 'pygal'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pygal)
    result = run_module(module, dict(ARGS, plot_dir=str(tmp_path)))
    assert result["failed"] and "pygal" in result["msg"] and "plot_dir" in result["msg"]
    assert cloud.requests == []


def test_without_plot_dir_pygal_is_not_needed(cloud, run_module, monkeypatch):
    real_import = builtins.__import__

    def no_pygal(name, *args, **kwargs):
        if name == "pygal":
            raise AssertionError("pygal imported without plot_dir")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pygal)
    result = run_module(module, ARGS)
    assert not result.get("failed") and all("plot" not in entry for entry in result["bandwidths"])

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_bandwidth_usage_info end to end over the shared fake cloud: reads, the rule, limits, errors, charts."""

from __future__ import annotations

import builtins
import os
import re

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import UsagePolicy
from ansible_collections.hwcloud.bandwidth.plugins.modules import vpc_bandwidth_usage_info as module
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud

PROJECT = "proj-1"
ARGS = {"access_key": "AK", "secret_key": "SK", "region": "r1", "project_id": PROJECT,
        "endpoints": {"vpc": "https://vpc.test", "ces": "https://ces.test"}, "max_retries": 0}


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


@pytest.fixture(name="cloud")
def cloud_fixture(fake_http):
    cloud = FakeCloud(fake_http, PROJECT, vpc=BANDWIDTHS)
    cloud.series.update(SERIES)
    return cloud


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
    assert cloud.http.writes == cloud.http.calls("POST", "/V1.0/.*")
    unrouted = cloud.http.unrouted
    assert not unrouted or all(request.path.endswith("eip-bandwidth-limits") for request in unrouted)


def test_one_batch_for_three_bandwidths_under_the_cap(cloud, run_module):
    run_module(module, ARGS)
    (call,) = cloud.http.calls("POST", "/V1.0/.*")
    assert call.host == "ces.test"
    assert len(call.body["metrics"]) == 6
    dims = {(m["dimensions"][0]["name"], m["dimensions"][0]["value"]) for m in call.body["metrics"]}
    assert dims == set(SERIES)


def test_ids_select_and_keep_their_order(cloud, run_module):
    result = run_module(module, dict(ARGS, ids=["bw-idle", "bw-busy"]))
    assert [entry["id"] for entry in result["bandwidths"]] == ["bw-idle", "bw-busy"]
    (call,) = cloud.http.calls("POST", "/V1.0/.*")
    assert len(call.body["metrics"]) == 4


def test_unknown_id_fails_before_cloud_eye(cloud, run_module):
    result = run_module(module, dict(ARGS, ids=["bw-busy", "bw-gone"]))
    assert result["failed"] and "bw-gone" in result["msg"] and "region r1" in result["msg"]
    assert cloud.http.calls("POST", "/V1.0/.*") == []


def test_usage_options(cloud, run_module):
    result = run_module(module, dict(ARGS, usage={"percentile": 100, "headroom_percent": 0, "min_hours": 5,
                                                  "max_size": 40}))
    entries = by_id(result)
    assert entries["bw-busy"]["recommended_size"] == 40
    assert entries["bw-idle"]["recommended_size"] == 30
    assert entries["bw-new"]["recommended_size"] == 1


def test_window_days_sets_the_query_span(cloud, run_module):
    run_module(module, dict(ARGS, usage={"window_days": 3}))
    (call,) = cloud.http.calls("POST", "/V1.0/.*")
    assert call.body["to"] - call.body["from"] == 3 * 86400 * 1000


@pytest.mark.parametrize("usage, words", [
    ({"percentile": 0}, "usage.percentile must be from 1 to 100"),
    ({"min_size": 50, "max_size": 10}, "usage.min_size 50 is above usage.max_size 10"),
    ({"window_days": 0}, "usage.window_days"),
])
def test_invalid_usage_fails_before_any_call(cloud, run_module, usage, words):
    result = run_module(module, dict(ARGS, usage=usage))
    assert result["failed"] and words in result["msg"]
    assert cloud.http.requests == []


def test_region_limits_are_used_when_readable(cloud, run_module):
    cloud.limits = {"bandwidth": (1, 60)}
    result = run_module(module, ARGS)
    assert by_id(result)["bw-busy"]["recommended_size"] == 60
    (limits,) = cloud.http.calls("GET", "/v3/.*/eip/eip-bandwidth-limits")
    assert limits.host == "vpc.test"


def test_cloud_eye_denied_names_the_permission(cloud, fake_http, run_module):
    cloud.fault("cloud_eye", 403, {"error_code": "APIGW.0302", "request_id": "req-9",
                                   "error_msg": "The IAM user is not authorized to access the API."})
    result = run_module(module, ARGS)
    assert result["failed"]
    assert "ces:metricData:list" in result["msg"] and "HTTP 403" in result["msg"] and "APIGW.0302" in result["msg"]
    assert result["error"]["status"] == 403 and result["error"]["request_id"] == "req-9"
    # A 403 is never retried.
    assert len(fake_http.calls("POST", "/V1.0/.*")) == 1


def test_check_mode_gives_the_same_result(cloud, run_module):
    assert run_module(module, ARGS, check_mode=True)["bandwidths"] == run_module(module, ARGS)["bandwidths"]


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_plot_dir_writes_a_chart_per_bandwidth_named_by_name_and_id_and_an_overview(cloud, run_module, tmp_path):
    pytest.importorskip("pygal")
    directory = str(tmp_path / "plots")
    result = run_module(module, dict(ARGS, plot_dir=directory))
    assert not result.get("failed"), result
    assert [os.path.basename(entry["plot"]) for entry in result["bandwidths"]] == [
        "name-bw-busy_bw-busy.svg", "name-bw-idle_bw-idle.svg", "name-bw-new_bw-new.svg"]
    assert sorted(os.listdir(directory)) == sorted(
        [os.path.basename(entry["plot"]) for entry in result["bandwidths"]] + ["overview.html"])
    for entry in result["bandwidths"]:
        text = read(entry["plot"])
        assert text.lstrip().startswith("<?xml") and "<svg" in text
        assert "recommended %s Mbit/s" % entry["recommended_size"] in text
        assert "current size %s Mbit/s" % entry["size"] in text
        assert "95th percentile %s Mbit/s" % entry["percentile_mbit"] in text
    assert "Too little data: 5 hourly points, 24 needed" in read(by_id(result)["bw-new"]["plot"])
    assert "Too little data" not in read(by_id(result)["bw-busy"]["plot"])
    assert result["overview"] == os.path.join(directory, "overview.html")
    overview = read(result["overview"])
    for entry in result["bandwidths"]:
        row = overview[overview.index(">%s<" % entry["name"]):]
        row = row[:row.index("</tr>")]
        assert 'href="%s"' % os.path.basename(entry["plot"]) in row
        assert ">%s<" % entry["percentile_mbit"] in row and "%s %%" % entry["utilization_percent"] in row
    assert "50 &rarr; 64" in overview and "100 &rarr; 10" in overview
    assert "95th percentile of the hourly maxima over 7 days, 25% headroom" in overview


ENTRY = {"id": "2f8b4c6a-0d3e-4a5f-9b7c-9e4d3a2f6c83", "name": "shared-web", "size": 50, "billing_mode": "on_demand",
         "hours": 48, "peak_mbit": 50.0, "percentile_mbit": 49.5, "utilization_percent": 99.0,
         "recommended_size": 63, "reason": "increase"}
END = 1714003200.0  # 2024-04-25 00:00 UTC


def series_paths(svg):
    """The drawn line of each series, in the order the series were added: [(x, y), ...]."""
    lines = []
    for group in re.findall(r'<g class="series serie-(\d+)[^"]*">(.*?)</g>', svg, re.S):
        path = re.search(r'<path d="M([^"]+)"', group[1])
        points = re.findall(r"(-?[\d.]+) (-?[\d.]+)", path.group(1)) if path else []
        lines.append([(float(x), float(y)) for x, y in points])
    return lines


def y_axis_labels(svg):
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*</g>', svg, re.S) or re.search(
        r'<g class="axis y[^"]*">(.*)', svg, re.S)
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis.group(1))


def chart(tmp_path, entry=None, series=None, policy=None):
    pygal = pytest.importorskip("pygal")
    path = str(tmp_path / "chart.svg")
    values = [float(10 + hour % 24) for hour in range(72)] if series is None else series
    module.write_plot(pygal, path, dict(ENTRY, **(entry or {})), values, policy or UsagePolicy(VpcSizes({})), END)
    return read(path)


def test_a_chart_has_dates_a_zero_based_axis_and_flat_lines_for_the_percentile_and_sizes(tmp_path):
    svg = chart(tmp_path)
    # 72 bare values end at the hour of the window end: from 04-22 01:00 to 04-25 00:00; a label each midnight.
    assert sorted(set(re.findall(r">(Apr [^<]*)<", svg))) == ["Apr 23", "Apr 24", "Apr 25"]
    assert "counted back from the end of the window" in svg
    assert "0" in y_axis_labels(svg)
    hourly, current, percentile, recommended = series_paths(svg)
    assert len(hourly) == 72
    for line in (current, percentile, recommended):
        assert len(line) == 2 and line[0][1] == line[1][1] and line[0][0] < line[1][0]
    # Higher values are drawn higher (smaller y): recommended 63 > current 50 > percentile 49.5.
    assert recommended[0][1] < current[0][1] < percentile[0][1]
    for label in ("hourly maximum", "current size 50 Mbit/s", "95th percentile 49.5 Mbit/s", "recommended 63 Mbit/s",
                  "shared-web (2f8b4c6a-0d3e-4a5f-9b7c-9e4d3a2f6c83), on_demand"):
        assert label in svg
    assert "Too little data" not in svg and "Saturated" not in svg


def test_a_chart_uses_the_timestamps_of_the_points_when_given(tmp_path):
    stamps = [1714003200000 + hour * 3600000 for hour in range(30)]  # 04-25 00:00 to 04-26 05:00: every 6 hours
    svg = chart(tmp_path, series=[(stamp, 5.0) for stamp in stamps])
    assert sorted(set(re.findall(r">(Apr [^<]*)<", svg))) == [
        "Apr 25", "Apr 25 06:00", "Apr 25 12:00", "Apr 25 18:00", "Apr 26"]
    assert "counted back" not in svg
    points, derived = module.chart_points([{"timestamp": stamps[1], "max": 2.0}, {"timestamp": stamps[0], "value": 1.0}], END)
    assert not derived and [point[1] for point in points] == [1.0, 2.0]
    assert points[0][0].strftime("%Y-%m-%d %H:%M") == "2024-04-25 00:00"


def test_a_chart_notes_short_data_and_saturation(tmp_path):
    svg = chart(tmp_path, entry={"hours": 10, "saturated_percent": 12.5}, series=[20.0] * 10)
    assert "Too little data: 10 hourly points, 24 needed; the size is kept." in svg
    assert "Saturated: 12.5% of the hours at 95% of the size or more" in svg
    assert "Saturated" not in chart(tmp_path, entry={"saturated_percent": 4.9})
    assert "Too little data: 10 hourly points, 48 needed" in chart(
        tmp_path, entry={"hours": 10}, policy=UsagePolicy(VpcSizes({}), min_hours=48))


def test_a_chart_without_data_still_shows_the_sizes(tmp_path):
    svg = chart(tmp_path, entry={"hours": 0, "peak_mbit": None, "percentile_mbit": None, "utilization_percent": None,
                                 "recommended_size": 50}, series=[])
    assert "95th percentile no data" in svg and "None" not in svg
    assert "Too little data: 0 hourly points" in svg and "current size 50 Mbit/s" in svg
    assert "peak 49.5 Mbit/s" in chart(tmp_path, policy=UsagePolicy(VpcSizes({}), percentile=100))


def test_chart_file_names_are_safe_and_unique():
    used = set()
    assert module.plot_file_name({"name": "shared-web", "id": "2f8b4c6a-0d3e"}, used) == "shared-web_2f8b4c6a.svg"
    assert module.plot_file_name({"name": "shared-web", "id": "2f8b4c6a-ffff"}, used) == "shared-web_2f8b4c6a-ffff.svg"
    assert module.plot_file_name({"name": "../a b/c", "id": "12345678"}, used) == "a_b_c_12345678.svg"
    assert module.plot_file_name({"name": "..", "id": "12345678"}, used) == "bandwidth_12345678.svg"
    assert module.plot_file_name({"name": "办公.带宽", "id": "abcdefgh"}, used) == "办公.带宽_abcdefgh.svg"


def test_plot_dir_without_pygal_fails_clearly(cloud, run_module, monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_pygal(name, *args, **kwargs):
        if name == "pygal":
            raise ImportError("No module named 'pygal'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pygal)
    result = run_module(module, dict(ARGS, plot_dir=str(tmp_path)))
    assert result["failed"] and "pygal" in result["msg"] and "plot_dir" in result["msg"]
    assert cloud.http.requests == []


def test_without_plot_dir_pygal_is_not_needed(cloud, run_module, monkeypatch):
    real_import = builtins.__import__

    def no_pygal(name, *args, **kwargs):
        if name == "pygal":
            raise AssertionError("pygal imported without plot_dir")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pygal)
    result = run_module(module, ARGS)
    assert not result.get("failed") and all("plot" not in entry for entry in result["bandwidths"])


def test_every_recommendation_says_what_it_saves_or_costs_a_month(cloud, run_module):
    result = run_module(module, ARGS)
    assert not result.get("failed"), result
    entries = by_id(result)
    for entry in result["bandwidths"]:
        price = entry["price"]
        if entry["recommended_size"] == entry["size"]:
            assert price["monthly_change"] == 0.0
        else:
            assert price["reason"] is None and price["currency"] == "CNY"
            assert price["monthly_change"] == round(price["monthly_after"] - price["monthly_before"], 2)
    changed = [e for e in entries.values() if e["recommended_size"] != e["size"]]
    assert changed and result["monthly_change"] == {
        "currency": "CNY", "monthly_change": round(sum(e["price"]["monthly_change"] for e in changed), 2), "unknown": 0}
    # The fake seed has prepaid and pay-per-use bandwidths: one inquiry per billing mode.
    assert len(cloud.price_reads()) == 2

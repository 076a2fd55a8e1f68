# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_bandwidth_usage_info over several regions: each region its own project, limits and Cloud Eye, one pricing."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import vpc_bandwidth_usage_info as module
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.test_vpc_bandwidth_usage_info import (
    ARGS,
    api_bandwidth,
)

HOME, WEST = "r1", "r2"
PROJECTS = {HOME: "proj-1", WEST: "proj-west"}


def named(bandwidth, name):
    return dict(bandwidth, name=name)


@pytest.fixture(name="clouds")
def clouds_fixture(fake_http):
    """Region r1 (the task's, project proj-1) and r2 (project proj-west, looked up through IAM)."""
    home = FakeCloud(fake_http, PROJECTS[HOME], vpc=[api_bandwidth("bw-home", 50)])
    west_bandwidths = [api_bandwidth("bw-west", 100, billing_info="CS1:prod:r2:proj-west"),
                       named(api_bandwidth("bw-home-x", 20), "name-bw-home")]
    west = FakeCloud(fake_http, PROJECTS[WEST], vpc=west_bandwidths)
    home.usage("bw-home", [20.0] * 48)
    west.usage("bw-west", [8.0] * 48)
    west.usage("bw-home-x", [30.0] * 48)

    def projects(request, **_groups):
        name = request.query["name"]
        return 200, {"projects": [{"id": PROJECTS[name], "name": name}] if name in PROJECTS else []}
    home.hook("projects", projects)
    return home, west


def by_id(result):
    return {entry["id"]: entry for entry in result["bandwidths"]}


def test_two_regions_in_one_task_each_entry_names_its_region(clouds, run_module):
    home, west = clouds
    result = run_module(module, dict(ARGS, regions=[HOME, WEST]))
    assert not result.get("failed"), result.get("msg")
    assert [(entry["region"], entry["id"]) for entry in result["bandwidths"]] == [
        (HOME, "bw-home"), (WEST, "bw-west"), (WEST, "bw-home-x")]
    entries = by_id(result)
    assert entries["bw-home"]["recommended_size"] == 25 and entries["bw-west"]["recommended_size"] == 10
    # 30 Mbit/s every hour on 20 Mbit/s: saturated, one step above 30 x 1.25 = 38.
    assert entries["bw-home-x"]["recommended_size"] == 39
    # Each region's listing and Cloud Eye under its own project; the other region's project from IAM, once.
    assert len(home.route_calls("vpc_list")) == 1 and len(west.route_calls("vpc_list")) == 1
    assert len(home.cloud_eye_reads()) == 1 and len(west.cloud_eye_reads()) == 1
    lookups = home.route_calls("projects")
    assert [request.query["name"] for request in lookups] == [WEST]
    # Billing is global: one inquiry per billing mode for both regions, each product in its own region.
    inquiries = home.price_reads()
    assert len(inquiries) == 2
    regions = {info["region"] for request in inquiries for info in request.body["product_infos"]}
    assert regions == {HOME, WEST}
    assert {request.body["project_id"] for request in inquiries} == {PROJECTS[HOME]}
    changes = [entry["price"]["monthly_change"] for entry in result["bandwidths"]
               if entry["recommended_size"] != entry["size"]]
    assert len(changes) == 3 and None not in changes
    assert result["monthly_change"] == {"currency": "CNY", "monthly_change": round(sum(changes), 2), "unknown": 0}
    # Reads only: the Cloud Eye queries are the only POSTs besides the price inquiries.
    assert [request for request in home.http.writes if not request.path.startswith("/V1.0/")] == []


def test_each_region_is_held_within_its_own_limits(clouds, run_module):
    home, west = clouds
    home.limits = {"bandwidth": (1, 2000)}
    west.limits = {"bandwidth": (1, 25)}
    result = run_module(module, dict(ARGS, regions=[HOME, WEST], usage={"percentile": 100, "headroom_percent": 0}))
    assert not result.get("failed"), result.get("msg")
    entries = by_id(result)
    assert entries["bw-home"]["recommended_size"] == 20
    assert entries["bw-home-x"]["recommended_size"] == 25


def test_a_region_that_fails_is_named_and_nothing_more_is_read(clouds, run_module):
    home, west = clouds
    west.fault("vpc_list", 403, {"code": "VPC.2701", "message": "Token not allowed to do this action."})
    result = run_module(module, dict(ARGS, regions=[HOME, WEST]))
    assert result["failed"] is True
    assert "in region r2" in result["msg"] and "HTTP 403" in result["msg"] and "VPC.2701" in result["msg"]
    assert "region r2" in result["error"]["operation"]
    # Every region is listed before Cloud Eye is read in any.
    assert home.cloud_eye_reads() == [] and west.cloud_eye_reads() == []


def test_a_cloud_eye_failure_names_its_region(clouds, run_module):
    _home, west = clouds
    west.fault("cloud_eye", 403, {"error_code": "APIGW.0302", "error_msg": "The IAM user is not authorized."})
    result = run_module(module, dict(ARGS, regions=[HOME, WEST]))
    assert result["failed"] is True
    assert "in region r2" in result["msg"] and "ces:metricData:list" in result["msg"]


def test_a_region_iam_does_not_know_is_named(clouds, run_module):
    result = run_module(module, dict(ARGS, regions=[HOME, "r9"]))
    assert result["failed"] is True and "look up the project of region r9" in result["msg"]


def test_without_regions_only_the_task_region_is_read(clouds, run_module):
    home, west = clouds
    for regions in (None, []):
        args = dict(ARGS) if regions is None else dict(ARGS, regions=regions)
        result = run_module(module, args)
        assert not result.get("failed"), result.get("msg")
        assert [(entry["region"], entry["id"]) for entry in result["bandwidths"]] == [(HOME, "bw-home")]
    assert west.http.calls("GET", "/v1/proj-west/.*") == [] and home.route_calls("projects") == []


def test_regions_alone_are_read_and_region_gives_its_project_only(clouds, run_module):
    home, west = clouds
    # r1 is the task's region (project proj-1, no lookup) but not listed: only r2 is read.
    result = run_module(module, dict(ARGS, regions=[WEST]))
    assert not result.get("failed"), result.get("msg")
    assert {entry["region"] for entry in result["bandwidths"]} == {WEST}
    assert home.route_calls("vpc_list") == [] and len(west.route_calls("vpc_list")) == 1


def test_without_region_the_first_of_regions_is_the_task_region(clouds, run_module, monkeypatch):
    home, west = clouds
    monkeypatch.delenv("HW_REGION_NAME", raising=False)
    args = {key: value for key, value in ARGS.items() if key != "region"}
    # project_id (proj-west) is the project of the first region; r1 is looked up.
    result = run_module(module, dict(args, project_id=PROJECTS[WEST], regions=[" r2 ", HOME, WEST]))
    assert not result.get("failed"), result.get("msg")
    assert [entry["region"] for entry in result["bandwidths"]] == [WEST, WEST, HOME]
    assert [request.query["name"] for request in home.route_calls("projects")] == [HOME]
    assert len(west.route_calls("vpc_list")) == 1


def test_neither_region_nor_regions_names_both(clouds, run_module, monkeypatch):
    monkeypatch.delenv("HW_REGION_NAME", raising=False)
    args = {key: value for key, value in ARGS.items() if key != "region"}
    result = run_module(module, args)
    assert result["failed"] is True
    assert "regions option" in result["msg"] and "HW_REGION_NAME" in result["msg"]
    assert clouds[0].http.requests == []


def test_a_blank_region_fails_before_any_request(clouds, run_module):
    result = run_module(module, dict(ARGS, regions=[HOME, "  "]))
    assert result["failed"] is True and "regions: item 2 is not a region name" in result["msg"]
    assert clouds[0].http.requests == []


def test_ids_are_found_in_any_region_and_keep_their_order(clouds, run_module):
    home, west = clouds
    result = run_module(module, dict(ARGS, regions=[HOME, WEST], ids=["bw-home-x", "bw-home", "bw-home-x"]))
    assert not result.get("failed"), result.get("msg")
    assert [(entry["region"], entry["id"]) for entry in result["bandwidths"]] == [(WEST, "bw-home-x"), (HOME, "bw-home")]
    (call,) = west.cloud_eye_reads()
    assert {metric["dimensions"][0]["value"] for metric in call.body["metrics"]} == {"bw-home-x"}
    assert len(home.cloud_eye_reads()) == 1


def test_ids_of_one_region_read_cloud_eye_there_only(clouds, run_module):
    home, west = clouds
    result = run_module(module, dict(ARGS, regions=[HOME, WEST], ids=["bw-west"]))
    assert [entry["id"] for entry in result["bandwidths"]] == ["bw-west"]
    assert home.cloud_eye_reads() == [] and home.http.calls("GET", "/v3/proj-1/eip/.*") == []


def test_an_unknown_id_names_every_region_read(clouds, run_module):
    home, west = clouds
    result = run_module(module, dict(ARGS, regions=[HOME, WEST], ids=["bw-west", "bw-gone"]))
    assert result["failed"] is True
    assert "no VPC bandwidth of regions r1, r2 has the id bw-gone (of 3 listed)" in result["msg"]
    assert home.cloud_eye_reads() == [] and west.cloud_eye_reads() == []


def test_charts_of_two_regions_never_share_a_file(clouds, run_module, tmp_path):
    pytest.importorskip("pygal")
    home, west = clouds
    # The same name and the same first 8 characters of the id in both regions, and even the same id.
    west.add(named(api_bandwidth("bw-home", 30), "name-bw-home"))
    west.usage("bw-home", [5.0] * 48)
    directory = str(tmp_path / "plots")
    result = run_module(module, dict(ARGS, regions=[HOME, WEST], plot_dir=directory))
    assert not result.get("failed"), result.get("msg")
    plots = [os.path.basename(entry["plot"]) for entry in result["bandwidths"]]
    assert plots == ["name-bw-home_bw-home.svg", "name-bw-west_bw-west.svg", "name-bw-home_bw-home-.svg",
                     "name-bw-home_bw-home_r2.svg"]
    assert sorted(os.listdir(directory)) == sorted(plots + ["overview.html"])
    with open(os.path.join(directory, "name-bw-home_bw-home_r2.svg"), encoding="utf-8") as handle:
        svg = handle.read()
    assert "name-bw-home (bw-home) in r2, on_demand" in svg and "current size 30 Mbit/s" in svg
    with open(result["overview"], encoding="utf-8") as handle:
        overview = handle.read()
    assert "4 bandwidth(s) in r1, r2" in overview and "bw-home<br>r2" in overview

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One resize task over several regions: a plan per region, every problem before any write, regions named."""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.modules import resize
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.test_resize import args, by_id, vpc, workspace

pytestmark = pytest.mark.usefixtures("fake_time")

OTHER = "proj-west"


@pytest.fixture
def clouds(fake_http):
    """The task's region (project proj-9) and another one (its own project): one fake cloud each."""
    home = FakeCloud(fake_http, "proj-9", workspace=[workspace("ws-od", "wks-lab", 10)],
                     vpc=[vpc("vpc-od", "shared-ondemand", 50)])
    west = FakeCloud(fake_http, OTHER, vpc=[vpc("vpc-west", "shared-west", 20), vpc("vpc-dup", "shared-ondemand", 5)])
    return home, west


def west(target):
    return dict(target, region="ap-southeast-1", project_id=OTHER)


def test_one_task_resizes_bandwidths_of_two_regions(clouds, run_module):
    home, far = clouds
    targets = [{"service": "vpc", "id": "vpc-od", "size": 60}, west({"service": "vpc", "id": "vpc-west", "size": 40}),
               {"service": "workspace", "name": "wks-lab", "size": 20}]
    result = run_module(resize, args(targets=targets))
    assert "failed" not in result, result.get("msg")
    plan = by_id(result["plan"])
    assert [entry["id"] for entry in result["plan"]] == ["vpc-od", "vpc-west", "ws-od"]
    assert (plan["vpc-od"]["region"], plan["vpc-west"]["region"]) == ("cn-north-4", "ap-southeast-1")
    assert {item["id"]: item["region"] for item in result["results"]}["vpc-west"] == "ap-southeast-1"
    assert home.vpc["vpc-od"]["size"] == 60 and far.vpc["vpc-west"]["size"] == 40 and home.ws["ws-od"]["size"] == 20
    # One narrow read per service and region.
    assert len(far.route_calls("vpc_show")) + len(far.route_calls("vpc_list")) >= 1
    assert far.route_calls("vpc_update")[0].body == {"bandwidth": {"size": 40}}


def test_a_problem_in_one_region_stops_every_write_and_names_the_region(clouds, run_module):
    home, far = clouds
    targets = [{"service": "vpc", "id": "vpc-od", "size": 60}, west({"service": "vpc", "id": "vpc-gone", "size": 40})]
    result = run_module(resize, args(targets=targets))
    assert result["failed"] is True and result["changed"] is False
    assert "no VPC bandwidth has id vpc-gone in region ap-southeast-1" in result["msg"]
    # The only target of its region is still named as the second target of the task.
    assert result["problems"][0].startswith("target 2 (")
    assert home.changes() == [] and far.changes() == []


def test_the_same_name_in_two_regions_is_two_bandwidths(clouds, run_module):
    home, far = clouds
    targets = [{"service": "vpc", "name": "shared-ondemand", "size": 70},
               west({"service": "vpc", "name": "shared-ondemand", "size": 6})]
    result = run_module(resize, args(targets=targets))
    assert "failed" not in result, result.get("msg")
    assert home.vpc["vpc-od"]["size"] == 70 and far.vpc["vpc-dup"]["size"] == 6


def test_a_bad_region_value_is_a_problem_of_its_target(clouds, run_module):
    result = run_module(resize, args(targets=[{"service": "vpc", "id": "vpc-od", "size": 60, "region": " "}]))
    assert result["failed"] is True and "region must be a non-empty string" in result["msg"]

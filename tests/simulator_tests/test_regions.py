"""Regions: each regional API serves only the project in its path; billing is one account for all.

The clients are the official SDK's, each built with the project of one region, as a user of two
regions would build them.
"""

import copy
import time

import pytest
import requests
from huaweicloudsdkbss.v2 import ListCustomerOrdersRequest, ListPayPerUseCustomerResourcesRequest, QueryResourcesReq
from huaweicloudsdkces.v1 import BatchListMetricDataRequest, BatchListMetricDataRequestBody, MetricInfo, MetricsDimension
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkeip.v2 import (ListBandwidthsRequest, ShowBandwidthRequest, UpdatePrePaidBandwidthExtendParamOption,
                                  UpdatePrePaidBandwidthOption, UpdatePrePaidBandwidthRequest, UpdatePrePaidBandwidthRequestBody)
from huaweicloudsdkworkspace.v2 import (ListSubnetBandwidthsRequest, ShowJobRequest, UpdateSubnetBandwidthReq,
                                        UpdateSubnetBandwidthRequest)

from tests.simulator.state import build_state

from . import sdk

REGION_B, PROJECT_B = "cn-south-1", "7e9a1c3e5a7c4e9a8c0e2a4c6e8a0c2e"
VPC_A = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"  # shared-ondemand of the default seed, in cn-north-4
VPC_B, VPC_B_PREPAID = "b0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"
WS_B = "b0000000-0000-4000-8000-000000000003"
WS_A = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"
HOUR_MS = 3600 * 1000


@pytest.fixture(name="two_regions")
def two_regions_fixture(simulator, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["projects"].append({"name": REGION_B, "id": PROJECT_B})
    seed["vpc_bandwidths"] += [
        {"id": VPC_B, "name": "south-ondemand", "size": 30, "region": REGION_B},
        {"id": VPC_B_PREPAID, "name": "south-prepaid", "size": 40, "prepaid": True, "region": REGION_B},
    ]
    seed["workspace_bandwidths"].append({"bandwidth_id": WS_B, "bandwidth_name": "wks-south", "region": REGION_B})
    simulator.admin.reset(seed)
    return simulator


def credentials(project_id):
    return BasicCredentials(sdk.ACCESS_KEY, sdk.SECRET_KEY, project_id)


def test_a_listing_shows_only_its_own_region(two_regions):
    in_a = sdk.eip(two_regions.url).list_bandwidths(ListBandwidthsRequest()).bandwidths
    in_b = sdk.eip(two_regions.url, credentials(PROJECT_B)).list_bandwidths(ListBandwidthsRequest()).bandwidths
    assert [item.id for item in in_b] == [VPC_B, VPC_B_PREPAID]
    assert {item.tenant_id for item in in_b} == {PROJECT_B}
    assert VPC_A in [item.id for item in in_a] and not {VPC_B, VPC_B_PREPAID} & {item.id for item in in_a}
    workspace_b = sdk.workspace(two_regions.url, credentials(PROJECT_B)).list_subnet_bandwidths(ListSubnetBandwidthsRequest())
    assert [item.bandwidth_id for item in workspace_b.bandwidths] == [WS_B] and workspace_b.total_count == 1


def test_a_bandwidth_of_another_region_is_not_found(two_regions):
    with pytest.raises(ClientRequestException) as caught:
        sdk.eip(two_regions.url, credentials(PROJECT_B)).show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_A))
    assert (caught.value.status_code, caught.value.error_code) == (404, "VPC.0306")
    refused = sdk.signed(two_regions.url, "PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_B), body={"bandwidth": {"size": 31}})
    assert (refused.status_code, refused.json()["code"]) == (404, "VPC.0306")
    moved = sdk.signed(two_regions.url, "POST", "/v2/%s/bandwidths/%s/update" % (PROJECT_B, WS_A), body={"bandwidth_size": 12})
    assert moved.status_code == 404
    state = two_regions.admin.state()
    assert [b["size"] for b in state["vpc_bandwidths"] if b["id"] == VPC_B] == [30] and not state["jobs"]


def test_a_job_is_read_in_its_own_region_only(two_regions):
    client_b = sdk.workspace(two_regions.url, credentials(PROJECT_B))
    body = UpdateSubnetBandwidthReq(bandwidth_size=12)
    job_id = client_b.update_subnet_bandwidth(UpdateSubnetBandwidthRequest(bandwidth_id=WS_B, body=body)).job_id
    assert client_b.show_job(ShowJobRequest(job_id=job_id)).id == job_id
    with pytest.raises(ClientRequestException) as caught:
        sdk.workspace(two_regions.url).show_job(ShowJobRequest(job_id=job_id))
    assert caught.value.status_code == 404


def test_an_order_of_region_b_is_in_the_one_billing_account_with_its_region(two_regions):
    client_b = sdk.eip(two_regions.url, credentials(PROJECT_B))
    shown = client_b.show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_B_PREPAID)).bandwidth
    assert shown.billing_info.split(":")[2:] == [REGION_B, PROJECT_B]
    body = UpdatePrePaidBandwidthRequestBody(bandwidth=UpdatePrePaidBandwidthOption(size=50),
                                             extend_param=UpdatePrePaidBandwidthExtendParamOption(is_auto_pay=False))
    order_id = client_b.update_pre_paid_bandwidth(UpdatePrePaidBandwidthRequest(bandwidth_id=VPC_B_PREPAID, body=body)).order_id
    billing = sdk.bss(two_regions.url)
    listed = billing.list_customer_orders(ListCustomerOrdersRequest(status=6, order_type="3"))
    assert [order.order_id for order in listed.order_infos] == [order_id]
    resources = billing.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(order_id=order_id, only_main_resource=1))).data
    assert [(r.resource_id, r.region_code, r.project_id) for r in resources] == [(VPC_B_PREPAID, REGION_B, PROJECT_B)]
    everything = billing.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(limit=100))).data
    assert {r.region_code for r in everything} == {"cn-north-4", REGION_B}


def _metric(bandwidth_id):
    return MetricInfo(namespace="SYS.VPC", metric_name="downstream_bandwidth",
                      dimensions=[MetricsDimension(name="bandwidth_id", value=bandwidth_id)])


def test_cloud_eye_reports_the_bandwidths_of_its_own_region(two_regions):
    end = int(time.time() * 1000)
    body = BatchListMetricDataRequestBody(metrics=[_metric(VPC_A), _metric(VPC_B)], period="3600", filter="max",
                                          _from=end - 24 * HOUR_MS, to=end)
    for project_id, present in ((sdk.PROJECT_ID, VPC_A), (PROJECT_B, VPC_B)):
        client = sdk.ces(two_regions.url, credentials(project_id))
        answer = client.batch_list_metric_data(BatchListMetricDataRequest(body=body)).metrics
        with_data = [m.dimensions[0].value for m in answer if m.datapoints]
        assert with_data == [present]


def test_rate_limits_are_per_region(two_regions):
    two_regions.admin.rate_limits({"writes": "2/min"})
    paths = {project_id: "/v1/%s/bandwidths/%s" % (project_id, bandwidth_id)
             for project_id, bandwidth_id in ((sdk.PROJECT_ID, VPC_A), (PROJECT_B, VPC_B))}
    first_a = [sdk.signed(two_regions.url, "PUT", paths[sdk.PROJECT_ID], body={"bandwidth": {"size": size}}).status_code
               for size in (51, 52, 53)]
    in_b = [sdk.signed(two_regions.url, "PUT", paths[PROJECT_B], body={"bandwidth": {"size": size}}).status_code
            for size in (31, 32, 33)]
    assert first_a == [200, 200, 429] and in_b == [200, 200, 429]


def test_fleet_spreads_over_regions_in_turn(fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["projects"] += [{"name": REGION_B, "id": PROJECT_B}, {"name": "ap-southeast-1", "id": "c" * 32}]
    seed["fleet"] = {"vpc": 5, "workspace": 4, "regions": ["cn-north-4", REGION_B, "ap-southeast-1"]}
    state = build_state(seed)
    fleet_vpc = [b for b in state["vpc_bandwidths"] if b["name"].startswith("fleet-")]
    assert [b["region"] for b in fleet_vpc] == ["cn-north-4", REGION_B, "ap-southeast-1", "cn-north-4", REGION_B]
    assert [b["tenant_id"] for b in fleet_vpc][1] == PROJECT_B
    fleet_ws = [b for b in state["workspace_bandwidths"] if b["bandwidth_name"].startswith("fleet-")]
    assert [b["project_id"] for b in fleet_ws] == [sdk.PROJECT_ID, PROJECT_B, "c" * 32, sdk.PROJECT_ID]
    assert {b["region"] for b in state["vpc_bandwidths"] if not b["name"].startswith("fleet-")} == {"cn-north-4"}


@pytest.mark.parametrize("change", [
    lambda seed: seed["vpc_bandwidths"][0].update(region="xx-nowhere-1"),
    lambda seed: seed.update(fleet={"vpc": 2, "regions": ["cn-north-4", "xx-nowhere-1"]}),
    lambda seed: seed.update(fleet={"vpc": 2, "regions": "cn-north-4"}),
])
def test_a_region_that_is_no_project_is_refused(simulator, fast_seed, change):
    seed = copy.deepcopy(fast_seed)
    change(seed)
    with pytest.raises(ValueError):
        build_state(seed)
    answer = requests.post(simulator.url + "/_sim/reset", json=seed, timeout=10)
    assert answer.status_code == 400 and "project" in answer.json()["error"]

"""Every route of the simulator, called by the official SDK clients unchanged and parsed into their models."""

from huaweicloudsdkbss.v2 import (CancelCustomerOrderReq, CancelCustomerOrderRequest, ListCustomerOrdersRequest,
                                  ListPayPerUseCustomerResourcesRequest, PayCustomerOrderV3Req, PayOrdersRequest,
                                  QueryResourcesReq, ShowCustomerOrderDetailsRequest)
from huaweicloudsdkeip.v2 import (ListBandwidthsRequest, ShowBandwidthRequest, UpdateBandwidthOption, UpdateBandwidthRequest,
                                  UpdateBandwidthRequestBody, UpdatePrePaidBandwidthExtendParamOption, UpdatePrePaidBandwidthOption,
                                  UpdatePrePaidBandwidthRequest, UpdatePrePaidBandwidthRequestBody)
from huaweicloudsdkworkspace.v2 import (CreateSubnetBandwidthChangeOrderRequest, CreateSubnetBandwidthChangeOrderRequestBody,
                                        ListSubnetBandwidthsRequest, OrderExtendParam, ShowJobRequest, UpdateSubnetBandwidthReq,
                                        UpdateSubnetBandwidthRequest)

from . import sdk

WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
VPC_PER = "5c7d9e1f-3a4b-4c8d-0e2f-1a0b9c8d7e6f"


def _ws_order(client, bandwidth_id, size, auto_pay="false"):
    body = CreateSubnetBandwidthChangeOrderRequestBody(bandwidth_size=str(size), extend_param=OrderExtendParam(is_auto_pay=auto_pay))
    return client.create_subnet_bandwidth_change_order(CreateSubnetBandwidthChangeOrderRequest(bandwidth_id=bandwidth_id, body=body))


def _order_status(url, order_id):
    return sdk.bss(url).show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order_id)).order_info.status


def test_iam_projects_with_sdk_signer(sim):
    response = sdk.signed(sim.url, "GET", "/v3/projects", query=[("name", "cn-north-4")])
    assert response.status_code == 200
    projects = response.json()["projects"]
    assert [project["id"] for project in projects] == [sdk.PROJECT_ID]
    assert projects[0]["name"] == "cn-north-4" and projects[0]["enabled"] is True and projects[0]["domain_id"]
    assert sdk.signed(sim.url, "GET", "/v3/projects", query=[("name", "xx-nowhere-1")]).json()["projects"] == []
    assert response.headers["X-Request-Id"]


def test_workspace_list_filters_and_paging(sim):
    client = sdk.workspace(sim.url)
    everything = client.list_subnet_bandwidths(ListSubnetBandwidthsRequest())
    assert everything.total_count == 2 and len(everything.bandwidths) == 2
    first = everything.bandwidths[0]
    assert isinstance(first.size, int) and first.charge_mode == "wks_bandwidth" and first.status == "ACTIVE"
    page = client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(offset=1, limit=1))
    assert page.total_count == 2 and [item.bandwidth_id for item in page.bandwidths] == [WS_ONDEMAND]
    by_name = client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_name="wks-lab-ondemand"))
    assert [item.bandwidth_id for item in by_name.bandwidths] == [WS_ONDEMAND]
    by_subnet = client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(subnet_id=first.subnet_id, vpc_id=first.vpc_id))
    assert by_subnet.total_count == 1
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id="nope")).total_count == 0


def test_workspace_update_job_lifecycle(sim):
    client = sdk.workspace(sim.url)
    body = UpdateSubnetBandwidthReq(bandwidth_size=30, bandwidth_name="wks-lab-bigger")
    job_id = client.update_subnet_bandwidth(UpdateSubnetBandwidthRequest(bandwidth_id=WS_ONDEMAND, body=body)).job_id
    job = client.show_job(ShowJobRequest(job_id=job_id))
    assert job.status in ("INIT", "WAITING") and job.sub_jobs[0].status == job.status
    done = sdk.wait_until(lambda: _finished(client.show_job(ShowJobRequest(job_id=job_id))))
    assert done.status == "SUCCESS" and done.end_time and done.sub_jobs[0].status == "SUCCESS"
    bandwidth = client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_ONDEMAND)).bandwidths[0]
    assert (bandwidth.size, bandwidth.bandwidth_name, bandwidth.status) == (30, "wks-lab-bigger", "ACTIVE")


def _finished(job):
    return job if job.status in ("SUCCESS", "FAIL", "COMPLETE") else None


def test_workspace_job_failure_from_config(sim):
    sim.admin.config({"fail_jobs_for": [WS_ONDEMAND], "fail_reason": "quota", "job_error_code": "WKS.00990001"})
    client = sdk.workspace(sim.url)
    body = UpdateSubnetBandwidthReq(bandwidth_size=40)
    job_id = client.update_subnet_bandwidth(UpdateSubnetBandwidthRequest(bandwidth_id=WS_ONDEMAND, body=body)).job_id
    done = sdk.wait_until(lambda: _finished(client.show_job(ShowJobRequest(job_id=job_id))))
    assert (done.status, done.fail_reason, done.job_error_code) == ("FAIL", "quota", "WKS.00990001")
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_ONDEMAND)).bandwidths[0].size == 10
    assert sim.admin.state()["config"]["fail_jobs_for"] == []


def test_workspace_change_order_pay_and_complete(sim):
    client, billing = sdk.workspace(sim.url), sdk.bss(sim.url)
    order_id = _ws_order(client, WS_PREPAID, 50).order_id
    details = billing.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order_id))
    assert (details.order_info.status, details.order_info.order_type) == (6, 3)
    assert details.order_info.order_id == order_id and details.order_line_items[0].order_id == order_id
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_PREPAID)).bandwidths[0].size == 20
    billing.pay_orders(PayOrdersRequest(body=PayCustomerOrderV3Req(order_id=order_id, use_coupon="NO", use_discount="NO")))
    assert _order_status(sim.url, order_id) == 3
    sdk.wait_until(lambda: _order_status(sim.url, order_id) == 5)
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_PREPAID)).bandwidths[0].size == 50
    assert sim.admin.summary()["orders_created"] == 1


def test_workspace_auto_pay_and_conflict(sim):
    # Long enough that a loaded machine still sees the order processing before it completes.
    sim.admin.config({"order_delay": 3})
    client = sdk.workspace(sim.url)
    order_id = _ws_order(client, WS_PREPAID, 25, auto_pay="true").order_id
    assert _order_status(sim.url, order_id) == 3
    response = sdk.signed(sim.url, "POST", "/v2/%s/bandwidths/%s/periodic/change/order" % (sdk.PROJECT_ID, WS_PREPAID),
                          body={"bandwidth_size": "30"})
    assert response.status_code == 409 and response.json()["error_code"]
    sdk.wait_until(lambda: _order_status(sim.url, order_id) == 5)
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_PREPAID)).bandwidths[0].size == 25


def test_bss_cancel_list_and_errors(sim):
    client, billing = sdk.workspace(sim.url), sdk.bss(sim.url)
    order_id = _ws_order(client, WS_PREPAID, 60).order_id
    listed = billing.list_customer_orders(ListCustomerOrdersRequest(status=6, order_type="3"))
    assert [order.order_id for order in listed.order_infos] == [order_id] and listed.total_count == 1
    assert billing.list_customer_orders(ListCustomerOrdersRequest(status=5)).total_count == 0
    assert billing.list_customer_orders(ListCustomerOrdersRequest(order_id=order_id)).total_count == 1
    billing.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=order_id)))
    assert _order_status(sim.url, order_id) == 4
    again = sdk.signed(sim.url, "PUT", "/v2/orders/customer-orders/cancel", body={"order_id": order_id})
    assert (again.status_code, again.json()["error_code"]) == (400, "CBC.99005010")
    pay = sdk.signed(sim.url, "POST", "/v3/orders/customer-orders/pay", body={"order_id": order_id, "use_coupon": "NO", "use_discount": "NO"})
    assert (pay.status_code, pay.json()["error_code"]) == (400, "CBC.99003106")
    unknown = sdk.signed(sim.url, "GET", "/v2/orders/customer-orders/details/CS0000000000NOPE")
    assert unknown.json()["error_code"] == "CBC.30000010"
    assert client.list_subnet_bandwidths(ListSubnetBandwidthsRequest(bandwidth_id=WS_PREPAID)).bandwidths[0].size == 20


def test_bss_resources_query_finds_the_bandwidth_of_an_order(sim):
    client, billing = sdk.workspace(sim.url), sdk.bss(sim.url)
    order_id = _ws_order(client, WS_PREPAID, 21).order_id
    by_order = billing.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(order_id=order_id, only_main_resource=1)))
    assert [item.resource_id for item in by_order.data] == [WS_PREPAID]
    by_id = billing.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(resource_ids=[VPC_PREPAID])))
    assert by_id.data[0].resource_id == VPC_PREPAID and by_id.data[0].is_main_resource == 1


def test_bss_deny_billing(sim):
    sim.admin.config({"deny_billing": True})
    response = sdk.signed(sim.url, "GET", "/v2/orders/customer-orders")
    assert (response.status_code, response.json()["error_code"]) == (403, "CBC.0151")


def test_vpc_list_show_and_paging(sim):
    client = sdk.eip(sim.url)
    everything = client.list_bandwidths(ListBandwidthsRequest()).bandwidths
    assert [item.id for item in everything] == [VPC_PREPAID, VPC_ONDEMAND, VPC_PER]
    assert everything[0].billing_info and not everything[1].billing_info and everything[2].publicip_info[0].ip_version == 4
    page = client.list_bandwidths(ListBandwidthsRequest(marker=VPC_PREPAID, limit=1)).bandwidths
    assert [item.id for item in page] == [VPC_ONDEMAND]
    per = client.list_bandwidths(ListBandwidthsRequest(share_type="PER")).bandwidths
    assert [item.id for item in per] == [VPC_PER]
    assert client.list_bandwidths(ListBandwidthsRequest(enterprise_project_id="0")).bandwidths
    shown = client.show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_PER)).bandwidth
    assert (shown.share_type, shown.size, shown.status) == ("PER", 5, "NORMAL")
    missing = sdk.signed(sim.url, "GET", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, "0" * 8))
    assert (missing.status_code, missing.json()["code"]) == (404, "VPC.0306")


def test_vpc_on_demand_update(sim):
    client = sdk.eip(sim.url)
    body = UpdateBandwidthRequestBody(bandwidth=UpdateBandwidthOption(name="shared-bigger", size=350))
    updated = client.update_bandwidth(UpdateBandwidthRequest(bandwidth_id=VPC_ONDEMAND, body=body)).bandwidth
    assert (updated.name, updated.size) == ("shared-bigger", 350)
    rejected = sdk.signed(sim.url, "PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_PREPAID), body={"bandwidth": {"size": 200}})
    assert (rejected.status_code, rejected.json()["code"]) == (400, "VPC.0301")


def _prepaid(client, bandwidth_id, name=None, size=None, extend=None):
    body = UpdatePrePaidBandwidthRequestBody(bandwidth=UpdatePrePaidBandwidthOption(name=name, size=size), extend_param=extend)
    return client.update_pre_paid_bandwidth(UpdatePrePaidBandwidthRequest(bandwidth_id=bandwidth_id, body=body))


def test_vpc_prepaid_name_only_increase_and_conflict(sim):
    client = sdk.eip(sim.url)
    renamed = _prepaid(client, VPC_PREPAID, name="shared-renamed")
    assert renamed.bandwidth.name == "shared-renamed" and renamed.order_id is None
    no_extend = sdk.signed(sim.url, "PUT", "/v2.0/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_PREPAID), body={"bandwidth": {"size": 200}})
    assert (no_extend.status_code, no_extend.json()["code"]) == (400, "VPC.0301")
    order_id = _prepaid(client, VPC_PREPAID, size=200, extend=UpdatePrePaidBandwidthExtendParamOption(is_auto_pay=True)).order_id
    assert order_id and _order_status(sim.url, order_id) == 3
    conflict = sdk.signed(sim.url, "PUT", "/v2.0/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_PREPAID),
                          body={"bandwidth": {"size": 250}, "extendParam": {"is_auto_pay": False}})
    assert conflict.status_code == 409
    sdk.wait_until(lambda: _order_status(sim.url, order_id) == 5)
    assert client.show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_PREPAID)).bandwidth.size == 200


def test_vpc_prepaid_decreases(sim):
    client = sdk.eip(sim.url)
    immediate = _prepaid(client, VPC_PREPAID, size=80, extend=UpdatePrePaidBandwidthExtendParamOption(is_auto_pay=True)).order_id
    sdk.wait_until(lambda: _order_status(sim.url, immediate) == 5)
    assert client.show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_PREPAID)).bandwidth.size == 80
    extend = UpdatePrePaidBandwidthExtendParamOption(is_auto_pay=True, period_type="month", period_num=1)
    at_renewal = _prepaid(client, VPC_PREPAID, size=40, extend=extend).order_id
    sdk.wait_until(lambda: _order_status(sim.url, at_renewal) == 5)
    assert client.show_bandwidth(ShowBandwidthRequest(bandwidth_id=VPC_PREPAID)).bandwidth.size == 80
    pending = sim.admin.state()["renewal_changes"][VPC_PREPAID]
    assert (pending["size"], pending["order_id"]) == (40, at_renewal)


def test_vpc_size_rules(sim):
    path = "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND)
    for size in (0, 2001, 301, 1100):
        response = sdk.signed(sim.url, "PUT", path, body={"bandwidth": {"size": size}})
        assert (response.status_code, response.json()["code"]) == (400, "VPC.0301"), size
    for size in (1, 300, 350, 1000, 1500, 2000):
        assert sdk.signed(sim.url, "PUT", path, body={"bandwidth": {"size": size}}).status_code == 200, size

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's price inquiry APIs and order amounts, called by the official BSS SDK and by the collection's reader."""

import copy
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (DemandProductInfo, ListOnDemandResourceRatingsRequest, ListRateOnPeriodDetailRequest,
                                  PeriodProductInfo, RateOnDemandReq, RateOnPeriodReq, ShowCustomerOrderDetailsRequest)
from huaweicloudsdkeip.v2 import (UpdatePrePaidBandwidthExtendParamOption, UpdatePrePaidBandwidthOption,
                                  UpdatePrePaidBandwidthRequest, UpdatePrePaidBandwidthRequestBody)
from huaweicloudsdkworkspace.v2 import (CreateSubnetBandwidthChangeOrderRequest, CreateSubnetBandwidthChangeOrderRequestBody,
                                        OrderExtendParam)

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._pricing import Prices
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import order_amount
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths

from . import sdk

VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
PERIOD_PATH = "/v2/bills/ratings/period-resources/subscribe-rate"
DEMAND_PATH = "/v2/bills/ratings/on-demand-resources"


def period_product(product_id="p1", spec="19_share", size=10, region="cn-north-4", **extra):
    values = dict(id=product_id, cloud_service_type="hws.service.type.vpc", resource_type="hws.resource.type.bandwidth",
                  resource_spec=spec, region=region, resource_size=size, size_measure_id=15, period_type=2, period_num=1,
                  subscription_num=1)
    values.update(extra)
    return values


def demand_product(product_id="p1", spec="19_bgp", size=10, **extra):
    values = dict(id=product_id, cloud_service_type="hws.service.type.vpc", resource_type="hws.resource.type.bandwidth",
                  resource_spec=spec, region="cn-north-4", resource_size=size, size_measure_id=15, usage_factor="Duration",
                  usage_value=1, usage_measure_id=4, subscription_num=1)
    values.update(extra)
    return values


def test_list_rate_on_period_detail_with_the_sdk(sim):
    body = RateOnPeriodReq(project_id=sdk.PROJECT_ID, product_infos=[
        PeriodProductInfo(**period_product("small", "19_share", 3)),
        PeriodProductInfo(**period_product("large", "19_share", 10)),
        PeriodProductInfo(**period_product("year", "19_bgp", 6, period_type=3)),
    ])
    answer = sdk.bss(sim.url).list_rate_on_period_detail(ListRateOnPeriodDetailRequest(body=body))
    results = {item.id: item for item in answer.official_website_rating_result.product_rating_results}
    # 19_share: 30 per Mbit/s for the first 5, 75 above; 19_bgp 23 and 80; a year is 10 months.
    assert Decimal(str(results["small"].official_website_amount)) == Decimal("90")
    assert Decimal(str(results["large"].official_website_amount)) == Decimal("525")
    assert Decimal(str(results["year"].official_website_amount)) == Decimal("1950")
    assert results["large"].measure_id == 1 and results["large"].product_id
    assert Decimal(str(answer.official_website_rating_result.official_website_amount)) == Decimal("2565")
    assert answer.currency == "CNY" and answer.optional_discount_rating_results == []
    [entry] = sim.admin.log()
    assert (entry["operation"], entry["write"]) == ("bss.rate_on_period", False)


def test_list_on_demand_resource_ratings_with_the_sdk(sim):
    body = RateOnDemandReq(project_id=sdk.PROJECT_ID, inquiry_precision=1, product_infos=[
        DemandProductInfo(**demand_product("bgp", "19_bgp", 10, usage_value=Decimal("1"))),
        DemandProductInfo(**demand_product("sbgp", "19_sbgp", 2, usage_value=Decimal("2"))),
    ])
    answer = sdk.bss(sim.url).list_on_demand_resource_ratings(ListOnDemandResourceRatingsRequest(body=body))
    results = {item.id: item for item in answer.product_rating_results}
    assert Decimal(str(results["bgp"].official_website_amount)) == Decimal("1.565")  # 5 x 0.063 + 5 x 0.25
    assert Decimal(str(results["sbgp"].amount)) == Decimal("0.228")  # 2 x 0.057, for 2 hours
    assert results["bgp"].measure_id == 1 and results["bgp"].discount_rating_results == []
    assert Decimal(str(answer.amount)) == Decimal("1.793") and answer.currency == "CNY"


@pytest.mark.parametrize("path, body, words", [
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(colour="red")]}, "unknown parameter"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(resource_size="10")]}, "integer"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(spec="12_bgp")]}, "no product"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(region="xx-nowhere-1")]}, "no product"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(period_type=4)]}, "month"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(size=2001)]}, "resource_size"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [period_product(), period_product()]}, "unique"),
    (PERIOD_PATH, {"project_id": sdk.PROJECT_ID,
                   "product_infos": [period_product("p%d" % n) for n in range(101)]}, "1 to 100"),
    (PERIOD_PATH, {"project_id": "not-mine", "product_infos": [period_product()]}, "project_id"),
    (PERIOD_PATH, {"product_infos": [period_product()]}, "project_id is required"),
    (DEMAND_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [demand_product(usage_measure_id=3)]}, "hours"),
    (DEMAND_PATH, {"project_id": sdk.PROJECT_ID, "inquiry_precision": 2, "product_infos": [demand_product()]},
     "inquiry_precision"),
    (DEMAND_PATH, {"project_id": sdk.PROJECT_ID, "product_infos": [demand_product(period_type=2)]}, "unknown parameter"),
])
def test_price_inquiries_reject_what_the_documentation_does_not_allow(sim, path, body, words):
    response = sdk.signed(sim.url, "POST", path, body=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "CBC.0100" and words in response.json()["error_msg"]


def test_price_inquiries_follow_deny_billing(sim):
    sim.admin.config({"deny_billing": True})
    response = sdk.signed(sim.url, "POST", PERIOD_PATH,
                          body={"project_id": sdk.PROJECT_ID, "product_infos": [period_product()]})
    assert (response.status_code, response.json()["error_code"]) == (403, "CBC.0151")


def _vpc_order(url, bandwidth_id, size):
    client = sdk.eip(url)
    body = UpdatePrePaidBandwidthRequestBody(bandwidth=UpdatePrePaidBandwidthOption(size=size),
                                             extend_param=UpdatePrePaidBandwidthExtendParamOption(is_auto_pay=False))
    return client.update_pre_paid_bandwidth(UpdatePrePaidBandwidthRequest(bandwidth_id=bandwidth_id, body=body)).order_id


def _details(url, order_id):
    return sdk.bss(url).show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order_id))


def test_an_increase_costs_the_monthly_difference_for_the_days_left(sim, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["vpc_bandwidths"][0]["remaining_days"] = 15
    seed["config"]["order_discount_percent"] = 10
    sim.admin.reset(seed)
    order_id = _vpc_order(sim.url, VPC_PREPAID, 120)
    details = _details(sim.url, order_id)
    # 19_share 100 -> 120 Mbit/s: 20 x 75 = 1500 a month, for 15 of 30 days = 750; 10 % off = 675.
    assert Decimal(str(details.order_info.official_amount)) == Decimal("750")
    assert Decimal(str(details.order_info.amount_after_discount)) == Decimal("675")
    assert (details.order_info.currency, details.order_info.measure_id) == ("CNY", 1)
    assert Decimal(str(details.order_line_items[0].official_amount)) == Decimal("750")
    resources = sdk.signed(sim.url, "POST", "/v2/orders/suscriptions/resources/query",
                           body={"resource_ids": [VPC_PREPAID]}).json()["data"]
    assert resources[0]["expire_time"] > details.order_info.create_time


def test_a_decrease_costs_nothing_and_the_default_period_is_180_days(sim):
    decrease = _details(sim.url, _vpc_order(sim.url, VPC_PREPAID, 80)).order_info
    assert decrease.amount_after_discount == 0 and decrease.official_amount == 0
    body = CreateSubnetBandwidthChangeOrderRequestBody(bandwidth_size="30", extend_param=OrderExtendParam(is_auto_pay="false"))
    order_id = sdk.workspace(sim.url).create_subnet_bandwidth_change_order(
        CreateSubnetBandwidthChangeOrderRequest(bandwidth_id=WS_PREPAID, body=body)).order_id
    increase = _details(sim.url, order_id).order_info
    # Workspace 20 -> 30 Mbit/s: 10 x 70 = 700 a month, for 180 days = 4200.
    assert Decimal(str(increase.amount_after_discount)) == Decimal("4200")


def test_the_collections_price_reader_against_the_simulator(sim):
    config = ClientConfig(access_key=sdk.ACCESS_KEY, secret_key=sdk.SECRET_KEY, region="cn-north-4",
                          project_id=sdk.PROJECT_ID, endpoints={"bss": sim.url, "vpc": sim.url})
    client = HwCloudClient(config)
    bandwidths = {item["id"]: item for item in VpcBandwidths(client).list()}
    prices = Prices(client)
    prepaid, ondemand, traffic = prices.estimate([
        (bandwidths[VPC_PREPAID], 100, 120, None),
        (bandwidths[VPC_ONDEMAND], 50, 60, None),
        (bandwidths["5c7d9e1f-3a4b-4c8d-0e2f-1a0b9c8d7e6f"], 5, 10, None),
    ])
    assert prepaid == {"currency": "CNY", "monthly_before": 7275.0, "monthly_after": 8775.0, "monthly_change": 1500.0,
                       "reason": None}
    # Pay-per-use shared: (5 x 0.084 + 45 x 0.21) = 9.87 an hour x 730 = 7205.10; 60 Mbit/s: 11.97 x 730 = 8738.10.
    assert ondemand == {"currency": "CNY", "monthly_before": 7205.1, "monthly_after": 8738.1, "monthly_change": 1533.0,
                        "reason": None}
    assert traffic["monthly_change"] is None and "traffic" in traffic["reason"]
    assert prices.calls == 2
    assert sim.admin.summary()["by_operation"].get("bss.rate_on_period") == 1
    # The money of a placed order, read the way the collection reads it.
    order = _details(sim.url, _vpc_order(sim.url, VPC_PREPAID, 120)).order_info
    money = order_amount({"order_id": order.order_id, "amount": order.amount_after_discount,
                          "official_amount": order.official_amount, "currency": order.currency,
                          "measure_id": order.measure_id})
    assert money == {"amount": 9000.0, "official_amount": 9000.0, "currency": "CNY", "reason": None}

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The price reader: product codes, batching, the per-run cache, amounts and units, and every unknown."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _pricing
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._pricing import (
    ON_DEMAND_PATH,
    PERIOD_PATH,
    Prices,
    product_spec,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import order_amount
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import RetryPolicy
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import FakeSession, response

# A list price per Mbit/s and month (yearly/monthly) and per hour (pay-per-use), by price code.
MONTHLY = {"19_share": 20.0, "19_bgp": 23.0, "19_sbgp": 21.0}
HOURLY = {"19_share": 0.06, "19_bgp": 0.08, "19_sbgp": 0.07}


def shared(size=10, billing="prepaid", charge_mode="bandwidth", bandwidth_id="bw-shared"):
    return {"id": bandwidth_id, "name": "shared", "size": size, "billing_mode": billing, "charge_mode": charge_mode,
            "share_type": "WHOLE", "bandwidth_type": "share", "publicip_info": []}


def dedicated(publicip_type="5_bgp", size=5, billing="on_demand", bandwidth_type="bgp"):
    return {"id": "bw-per", "name": "per", "size": size, "billing_mode": billing, "charge_mode": "bandwidth",
            "share_type": "PER", "bandwidth_type": bandwidth_type,
            "publicip_info": [{"publicip_id": "ip-1", "publicip_type": publicip_type}] if publicip_type else []}


def workspace(size=20, billing="prepaid"):
    return {"id": "wks-1", "name": "office", "size": size, "billing_mode": billing,
            "charge_mode": "wks_bandwidth" if billing == "prepaid" else "wks_traffic", "subnet_id": "subnet-1",
            "vpc_id": "vpc-1"}


class FakeBss:
    """Stands in for HwCloudClient: answers the two price inquiries from the tables above, records every call.

    ``failures`` is a list of errors raised by the next calls, in turn; ``answer`` replaces the
    computed answer when set (a malformed one, say); ``unknown_specs`` are refused with 400 as
    the service refuses a product it does not know; ``measure_id`` and ``currency`` shape the answer.
    """

    def __init__(self, failures=(), answer=None, unknown_specs=(), measure_id=1, currency="CNY", project_id="p-1"):
        self.failures = list(failures)
        self.answer = answer
        self.unknown_specs = set(unknown_specs)
        self.measure_id = measure_id
        self.currency = currency
        self._project_id = project_id
        self.config = SimpleNamespace(region="cn-north-4")
        self.calls = []

    @property
    def project_id(self):
        if isinstance(self._project_id, Exception):
            raise self._project_id
        return self._project_id

    def request(self, service, method, path, operation, query=None, body=None, project=True, expect=None,
                read_only=False):
        self.calls.append({"service": service, "method": method, "path": path, "body": body,
                           "read_only": read_only, "project": project, "operation": operation})
        if self.failures:
            raise self.failures.pop(0)
        if any(info["resource_spec"] in self.unknown_specs for info in body["product_infos"]):
            raise HwCloudError(operation, "The product does not exist.", status=400, error_code="CBC.0100")
        if self.answer is not None:
            return self.answer
        scale = {1: 1, 2: 10, 3: 100}[self.measure_id]
        results = []
        for info in body["product_infos"]:
            table = MONTHLY if path == PERIOD_PATH else HOURLY
            amount = round(table[info["resource_spec"]] * info["resource_size"] * scale, 6)
            results.append({"id": info["id"], "product_id": "prod-" + info["resource_spec"],
                            "official_website_amount": amount, "measure_id": self.measure_id})
        if path == PERIOD_PATH:
            total = sum(result["official_website_amount"] for result in results)
            return {"official_website_rating_result": {"official_website_amount": total, "measure_id": self.measure_id,
                                                       "product_rating_results": results},
                    "optional_discount_rating_results": [], "currency": self.currency}
        return {"amount": 0, "discount_amount": 0, "official_website_amount": 0, "measure_id": self.measure_id,
                "currency": self.currency, "product_rating_results": results}


def denied(code="CBC.0151", status=403):
    return HwCloudError("ask prices", "Access denied.", status=status, error_code=code)


# -- product codes ------------------------------------------------------------------------------

@pytest.mark.parametrize("bandwidth, spec", [
    (shared(), "19_share"),
    (dedicated("5_bgp"), "19_bgp"),
    (dedicated("5_sbgp"), "19_sbgp"),
    (dedicated(None, bandwidth_type="sbgp"), "19_sbgp"),
])
def test_price_codes_of_vpc_bandwidths(bandwidth, spec):
    assert product_spec(bandwidth) == (spec, None)


@pytest.mark.parametrize("bandwidth, words", [
    (shared(billing="on_demand", charge_mode="traffic"), "billed by traffic"),
    (shared(billing="on_demand", charge_mode="95peak_plus"), "95th percentile"),
    (workspace(), "Workspace"),
    (workspace(billing="on_demand"), "Workspace"),
    (dedicated("5_telcom", bandwidth_type="telcom"), "EIP type 5_telcom"),
    (dedicated(None, bandwidth_type=None), "EIP type unknown"),
])
def test_bandwidths_without_a_price_code_say_why(bandwidth, words):
    spec, reason = product_spec(bandwidth)
    assert spec is None
    assert words in reason


# -- the two inquiries --------------------------------------------------------------------------

def test_yearly_monthly_price_of_a_change_asks_one_month_of_both_sizes():
    bss = FakeBss()
    [price] = Prices(bss).estimate([(shared(size=10), 10, 30, "cn-north-4")])
    assert price == {"currency": "CNY", "monthly_before": 200.0, "monthly_after": 600.0, "monthly_change": 400.0,
                     "reason": None}
    [call] = bss.calls
    assert (call["service"], call["method"], call["path"], call["read_only"]) == ("bss", "POST", PERIOD_PATH, True)
    assert call["body"]["project_id"] == "p-1"
    infos = call["body"]["product_infos"]
    assert [info["resource_size"] for info in infos] == [10, 30]
    assert infos[0] == {"id": "p1", "cloud_service_type": "hws.service.type.vpc",
                        "resource_type": "hws.resource.type.bandwidth", "resource_spec": "19_share",
                        "region": "cn-north-4", "resource_size": 10, "size_measure_id": 15, "period_type": 2,
                        "period_num": 1, "subscription_num": 1}


def test_pay_per_use_is_one_hour_times_730():
    bss = FakeBss()
    [price] = Prices(bss).estimate([(dedicated("5_bgp", size=5), 5, 8, None)])
    # 0.08 per Mbit/s and hour: 5 Mbit/s = 0.40 an hour = 292.00 a month; 8 Mbit/s = 467.20.
    assert price == {"currency": "CNY", "monthly_before": 292.0, "monthly_after": 467.2, "monthly_change": 175.2,
                     "reason": None}
    [call] = bss.calls
    assert call["path"] == ON_DEMAND_PATH
    body = call["body"]
    assert body["inquiry_precision"] == 1 and body["project_id"] == "p-1"
    info = body["product_infos"][0]
    assert (info["usage_factor"], info["usage_value"], info["usage_measure_id"], info["subscription_num"]) == (
        "Duration", 1, 4, 1)
    assert "period_type" not in info
    assert info["region"] == "cn-north-4"  # None means the client's region


def test_the_answer_is_in_the_order_of_the_changes_across_both_billing_modes():
    bss = FakeBss()
    prices = Prices(bss).estimate([
        (shared(size=10, billing="on_demand"), 10, 20, "r1"),
        (shared(size=10), 10, 5, "r1"),
        (workspace(), 20, 30, "r1"),
        (dedicated("5_sbgp", size=2, billing="prepaid"), 2, 2, "r1"),
    ])
    assert [p["monthly_after"] for p in prices] == [876.0, 100.0, None, 42.0]
    assert prices[1]["monthly_change"] == -100.0
    assert prices[3]["monthly_change"] == 0.0
    assert "Workspace" in prices[2]["reason"]
    assert sorted(call["path"] for call in bss.calls) == sorted([ON_DEMAND_PATH, PERIOD_PATH])


# -- batching and the per-run cache -------------------------------------------------------------

def test_products_are_batched_by_the_documented_maximum():
    bss = FakeBss()
    changes = [(shared(size=size, bandwidth_id="bw-%d" % size), size, size + 1, "cn-north-4") for size in range(1, 251)]
    prices = Prices(bss).estimate(changes)
    distinct = 251  # sizes 1..251
    assert len(bss.calls) == math.ceil(distinct / _pricing.BATCH_MAX) == 3
    assert [len(call["body"]["product_infos"]) for call in bss.calls] == [100, 100, 51]
    assert all(len({info["id"] for info in call["body"]["product_infos"]}) == len(call["body"]["product_infos"])
               for call in bss.calls)
    assert all(p["reason"] is None for p in prices)
    assert prices[41]["monthly_before"] == 42 * 20.0 and prices[41]["monthly_after"] == 43 * 20.0


def test_each_distinct_product_is_asked_once_per_run():
    bss = FakeBss()
    prices = Prices(bss)
    same = [(shared(size=10, bandwidth_id="bw-%d" % n), 10, 20, "cn-north-4") for n in range(50)]
    first = prices.estimate(same)
    assert len(bss.calls) == 1
    assert len(bss.calls[0]["body"]["product_infos"]) == 2
    again = prices.estimate([(shared(size=20), 20, 10, "cn-north-4")])
    assert len(bss.calls) == 1
    assert again[0]["monthly_change"] == -first[0]["monthly_change"]
    # Another region, billing mode or code is another product: one more call, for the new ones only.
    prices.estimate([(shared(size=10), 10, 20, "cn-south-1"), (shared(size=10), 10, 20, "cn-north-4")])
    assert len(bss.calls) == 2
    assert [info["region"] for info in bss.calls[1]["body"]["product_infos"]] == ["cn-south-1", "cn-south-1"]


def test_a_given_project_id_is_used_and_batched_apart():
    bss = FakeBss(project_id=HwCloudError("look up the project", "no IAM"))
    prices = Prices(bss).estimate([(shared(size=10), 10, 20, "r2", "p-r2"), (shared(size=30), 30, 40, "r3", "p-r3")])
    assert [call["body"]["project_id"] for call in bss.calls] == ["p-r2", "p-r3"]
    assert all(p["reason"] is None for p in prices)


def test_a_product_wanted_under_two_projects_is_asked_once():
    bss = FakeBss()
    Prices(bss).estimate([(shared(size=10), 10, 20, "r1", "p-a"), (shared(size=10), 10, 20, "r1", "p-b")])
    assert len(bss.calls) == 1


# -- units and currency -------------------------------------------------------------------------

@pytest.mark.parametrize("measure_id", [1, 2, 3])
def test_amounts_are_read_in_the_currency_unit_whatever_the_measure_id(measure_id):
    bss = FakeBss(measure_id=measure_id, currency="USD")
    [price] = Prices(bss).estimate([(shared(size=3), 3, 4, "r1")])
    assert price == {"currency": "USD", "monthly_before": 60.0, "monthly_after": 80.0, "monthly_change": 20.0,
                     "reason": None}


def test_an_empty_currency_means_yuan():
    [price] = Prices(FakeBss(currency="")).estimate([(shared(size=1), 1, 2, "r1")])
    assert price["currency"] == "CNY"


def test_an_unknown_measure_id_is_no_price():
    answer = {"official_website_rating_result": {"product_rating_results": [
        {"id": "p1", "official_website_amount": 20, "measure_id": 7},
        {"id": "p2", "official_website_amount": 40, "measure_id": 7}]}, "currency": "CNY"}
    [price] = Prices(FakeBss(answer=answer)).estimate([(shared(size=1), 1, 2, "r1")])
    assert price["monthly_change"] is None and "measure_id 7" in price["reason"]


# -- every unknown, and never an exception ------------------------------------------------------

@pytest.mark.parametrize("error", [denied(), denied("APIGW.0302"), denied(None, 403),
                                   denied("APIGW.0301", 401)])
def test_no_permission_stops_asking_and_warns_once(error):
    warnings = []
    bss = FakeBss(failures=[error])
    prices = Prices(bss, warn=warnings.append)
    first = prices.estimate([(shared(size=10), 10, 20, "r1"), (dedicated(), 5, 6, "r1")])
    second = prices.estimate([(shared(size=50), 50, 60, "r1")])
    assert len(bss.calls) == 1
    assert len(warnings) == 1 and "BSS" in warnings[0]
    for price in first + second:
        assert price["monthly_before"] is None and price["currency"] is None
        assert "HTTP %s" % error.status in price["reason"]


@pytest.mark.parametrize("answer", [
    {},
    {"official_website_rating_result": None, "currency": "CNY"},
    {"official_website_rating_result": {"product_rating_results": "none"}},
    {"official_website_rating_result": {"product_rating_results": [
        {"id": "p1", "official_website_amount": "abc"}, {"id": "p2", "official_website_amount": 3}]}},
    {"official_website_rating_result": {"product_rating_results": [
        {"id": "p1", "official_website_amount": -5}, {"id": "p2", "official_website_amount": 3}]}},
    {"official_website_rating_result": {"product_rating_results": [{"id": "p2", "official_website_amount": 3}]}},
    ["not", "an", "object"],
    None,
])
def test_a_malformed_answer_is_no_price(answer):
    bss = FakeBss(answer=answer)
    if answer is None:
        bss.request = lambda *args, **kwargs: None
    [price] = Prices(bss).estimate([(shared(size=1), 1, 2, "r1")])
    assert price["monthly_change"] is None
    assert price["reason"] and "None" not in price["reason"]


def test_an_unknown_product_is_found_by_halving_and_the_others_keep_their_price():
    bss = FakeBss(unknown_specs={"19_sbgp"})
    changes = [(shared(size=size, bandwidth_id="s%d" % size), size, size + 1, "r1") for size in range(1, 8)]
    changes.append((dedicated("5_sbgp", size=3, billing="prepaid"), 3, 4, "r1"))
    prices = Prices(bss).estimate(changes)
    assert all(p["reason"] is None for p in prices[:-1])
    assert prices[-1]["monthly_change"] is None and "CBC.0100" in prices[-1]["reason"]
    # 10 products: the whole batch, then halves until the two 19_sbgp sizes stand alone.
    assert len(bss.calls) <= 1 + 2 * math.ceil(math.log2(10)) + 2


@pytest.mark.parametrize("error", [
    HwCloudError("ask prices", "Service unavailable", status=503, error_code="APIGW.0203"),
    HwCloudError("ask prices", "throttled", status=429, error_code="APIGW.0308"),
    HwCloudError("ask prices", "could not connect: refused"),
])
def test_a_failed_inquiry_is_no_price_for_its_batch_only(error):
    bss = FakeBss(failures=[error])
    prices = Prices(bss, batch_max=2).estimate([(shared(size=1), 1, 2, "r1"), (shared(size=3), 3, 4, "r1")])
    assert prices[0]["monthly_change"] is None and "ask prices failed" in prices[0]["reason"]
    assert prices[1]["monthly_change"] == 20.0
    assert len(bss.calls) == 2


def test_a_project_lookup_failure_is_no_price():
    bss = FakeBss(project_id=HwCloudError("look up the project of region r1", "IAM returned 0 projects"))
    [price] = Prices(bss).estimate([(shared(size=1), 1, 2, "r1")])
    assert "no project id" in price["reason"] and not bss.calls


@pytest.mark.parametrize("before, after", [(0, 5), (5, "x"), (None, -1), (True, 5)])
def test_an_invalid_size_is_no_price(before, after):
    bandwidth = shared(size=None)
    [price] = Prices(FakeBss()).estimate([(bandwidth, before, after, "r1")])
    assert price["monthly_change"] is None and "whole number" in price["reason"]
    assert "None" not in price["reason"]


def test_an_unknown_billing_mode_is_no_price():
    [price] = Prices(FakeBss()).estimate([(dict(shared(), billing_mode=None), 1, 2, "r1")])
    assert "billing mode of bandwidth bw-shared is unknown" in price["reason"]


def test_sizes_default_to_the_bandwidths_own():
    bss = FakeBss()
    [price] = Prices(bss).estimate([(shared(size=7), None, None, "r1")])
    assert price["monthly_before"] == price["monthly_after"] == 140.0 and price["monthly_change"] == 0.0


def test_no_change_needs_no_call_when_nothing_can_be_priced():
    bss = FakeBss()
    traffic = shared(charge_mode="traffic", billing="on_demand")
    prices = Prices(bss).estimate([(workspace(), 20, 30, "r1"), (traffic, 10, 20, "r1")])
    assert not bss.calls and all(p["reason"] for p in prices)


# -- through the real client --------------------------------------------------------------------

def test_the_real_client_posts_to_the_billing_endpoint_and_does_not_retry_a_403():
    session = FakeSession(response(403, {"error_code": "CBC.0151", "error_msg": "Access denied."}))
    client = HwCloudClient(ClientConfig(access_key="AK", secret_key="SK", region="cn-north-4", project_id="p-1"),
                           session=session, retry=RetryPolicy(max_retries=3, sleep=lambda seconds: None))
    [price] = Prices(client).estimate([(shared(size=1), 1, 2, None)])
    [call] = session.calls
    assert call["method"] == "POST"
    assert call["url"] == "https://bss.myhuaweicloud.com" + PERIOD_PATH
    assert json.loads(call["data"])["product_infos"][0]["region"] == "cn-north-4"
    assert price["currency"] is None and "CBC.0151" in price["reason"]


def test_the_real_client_retries_a_throttled_inquiry_as_a_read():
    ok = {"official_website_rating_result": {"product_rating_results": [
        {"id": "p1", "official_website_amount": 20, "measure_id": 1},
        {"id": "p2", "official_website_amount": 40, "measure_id": 1}]}, "currency": "CNY"}
    session = FakeSession(response(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}), response(200, ok))
    client = HwCloudClient(ClientConfig(access_key="AK", secret_key="SK", region="r1", project_id="p-1"),
                           session=session, retry=RetryPolicy(max_retries=3, sleep=lambda seconds: None))
    [price] = Prices(client).estimate([(shared(size=1), 1, 2, None)])
    assert len(session.calls) == 2 and price["monthly_change"] == 20.0


# -- the money of an order ----------------------------------------------------------------------

@pytest.mark.parametrize("order, expected", [
    ({"order_id": "CS1", "amount": 250.5, "official_amount": 300, "currency": "CNY"},
     {"amount": 250.5, "official_amount": 300.0, "currency": "CNY", "reason": None}),
    ({"order_id": "CS2", "amount": 2505, "official_amount": 3000, "currency": "CNY", "measure_id": 2},
     {"amount": 250.5, "official_amount": 300.0, "currency": "CNY", "reason": None}),
    ({"order_id": "CS3", "amount": 25050, "official_amount": None, "currency": "USD", "measure_id": 3},
     {"amount": 250.5, "official_amount": None, "currency": "USD", "reason": None}),
    ({"order_id": "CS4", "amount": 0, "official_amount": 0, "currency": None},
     {"amount": 0.0, "official_amount": 0.0, "currency": "CNY", "reason": None}),
])
def test_order_amount_in_the_currency_unit(order, expected):
    assert order_amount(order) == expected


@pytest.mark.parametrize("order", [{"order_id": "CS5", "amount": None},
                                   {"order_id": "CS6", "amount": 5, "measure_id": 9}])
def test_order_amount_unknown_says_why(order):
    money = order_amount(order)
    assert money["amount"] is None and order["order_id"] in money["reason"]

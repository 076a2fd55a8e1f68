# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC bandwidths: normalisation, lookups, marker paging, request bodies and their types, period rules."""

from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from huaweicloudsdkeip.v2.model import (
    UpdateBandwidthRequestBody,
    UpdatePrePaidBandwidthRequestBody,
)

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    OutcomeUnknownError,
    ValidationError,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import ORDER, UPDATE, Plan, plan_resize
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths, normalize, validate_period

PROJECT = "proj-1"
BILLING_INFO = "CS1712121146TSQOJ:0616e2a5ab:southchina:35f2b308"


def api_bandwidth(bandwidth_id="bw-1", name="shared-1", size=100, billing_info="", **extra):
    item = {
        "id": bandwidth_id, "name": name, "size": size, "share_type": "WHOLE", "bandwidth_type": "share",
        "charge_mode": "bandwidth", "billing_info": billing_info, "enterprise_project_id": "0",
        "publicip_info": [], "status": "NORMAL", "tenant_id": PROJECT,
        "created_at": "2024-03-01T08:00:00", "updated_at": "2024-03-01T08:00:00",
    }
    item.update(extra)
    return item


def answer(status, payload=None):
    response = requests.Response()
    response.status_code = status
    response._content = b"" if payload is None else json.dumps(payload).encode("utf-8")
    response.headers = CaseInsensitiveDict({"X-Request-Id": "req-1"})
    response.encoding = "utf-8"
    return response


class Api:
    """A fake session that routes each request to ``handler(method, path, query, body)``."""

    def __init__(self, handler):
        self.handler = handler
        self.calls = []

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None):
        del headers, timeout, verify
        parts = urlsplit(url)
        call = {"method": method, "path": parts.path, "query": dict(parse_qsl(parts.query)),
                "body": json.loads(data) if data else None, "host": parts.netloc}
        self.calls.append(call)
        outcome = self.handler(method, parts.path, call["query"], call["body"])
        if isinstance(outcome, BaseException):
            raise outcome
        return answer(*outcome)

    @property
    def writes(self):
        return [call for call in self.calls if call["method"] != "GET"]


def service(handler, **kwargs):
    config = ClientConfig(access_key="AK", secret_key="SK", region="r1", project_id=PROJECT,
                          endpoints={"vpc": "https://vpc.test", "bss": "https://bss.test"}, max_retries=0)
    api = Api(handler)
    return VpcBandwidths(HwCloudClient(config, session=api), **kwargs), api


def unexpected(method, path, query, body):
    raise AssertionError("unexpected request %s %s %r %r" % (method, path, query, body))


def is_exactly(value, kind):
    """``isinstance`` that does not take a bool for an int."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def conforms(data, model):
    """``data`` has only keys of the SDK model (by JSON name), each of the model's type."""
    types = {"str": str, "int": int, "bool": bool}
    names = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, value in data.items():
        assert key in names, "%s is not a field of %s" % (key, model.__name__)
        kind = model.openapi_types[names[key]]
        if kind in types:
            assert is_exactly(value, types[kind]), "%s must be %s, got %r" % (key, kind, value)
        else:
            import huaweicloudsdkeip.v2.model as models
            conforms(value, getattr(models, kind))
    return True


# -- normalisation -------------------------------------------------------------------------

def test_normalize_prepaid_when_billing_info_is_not_empty():
    item = api_bandwidth(billing_info=BILLING_INFO, publicip_info=[{"publicip_id": "ip-1", "ip_version": 4}])
    bandwidth = normalize(item)
    assert bandwidth == {
        "id": "bw-1", "name": "shared-1", "size": 100, "billing_mode": "prepaid", "charge_mode": "bandwidth",
        "status": "NORMAL", "enterprise_project_id": "0", "share_type": "WHOLE", "bandwidth_type": "share",
        "publicip_info": [{"publicip_id": "ip-1", "ip_version": 4}], "billing_info": BILLING_INFO,
        "created_at": "2024-03-01T08:00:00", "updated_at": "2024-03-01T08:00:00",
    }


@pytest.mark.parametrize("billing_info", ["", None])
def test_normalize_on_demand_when_billing_info_is_empty_or_missing(billing_info):
    item = api_bandwidth(billing_info=billing_info, charge_mode=None, publicip_info=None)
    bandwidth = normalize(item)
    assert bandwidth["billing_mode"] == "on_demand"
    assert bandwidth["billing_info"] == ""
    # An empty charge_mode means billed by bandwidth.
    assert bandwidth["charge_mode"] == "bandwidth"
    assert bandwidth["publicip_info"] == []


def test_normalize_keeps_the_shared_keys_of_the_design():
    assert {"id", "name", "size", "billing_mode", "charge_mode", "status", "enterprise_project_id",
            "share_type", "publicip_info"} <= set(normalize(api_bandwidth()))


# -- reading -------------------------------------------------------------------------------

def test_list_follows_marker_pages_to_the_end():
    items = [api_bandwidth("bw-%d" % index, "name-%d" % index) for index in range(5)]

    def handler(method, path, query, body):
        assert (method, path) == ("GET", "/v1/%s/bandwidths" % PROJECT)
        start = 0
        if "marker" in query:
            start = [item["id"] for item in items].index(query["marker"]) + 1
        return 200, {"bandwidths": items[start:start + int(query["limit"])]}

    vpc, api = service(handler, page_size=2)
    found = vpc.list()
    assert [bandwidth["id"] for bandwidth in found] == ["bw-0", "bw-1", "bw-2", "bw-3", "bw-4"]
    assert [call["query"].get("marker") for call in api.calls] == [None, "bw-1", "bw-3"]
    assert all(call["query"]["limit"] == "2" for call in api.calls)


def test_list_asks_for_2000_a_page_and_stops_after_a_short_page():
    vpc, api = service(lambda *args: (200, {"bandwidths": [api_bandwidth()]}))
    vpc.list()
    assert len(api.calls) == 1
    assert api.calls[0]["query"] == {"limit": "2000"}


def test_list_sends_the_api_filters_and_matches_the_name_locally():
    items = [api_bandwidth("bw-1", "web"), api_bandwidth("bw-2", "db"), api_bandwidth("bw-3", "web", share_type="PER")]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}))
    found = vpc.list(share_type="WHOLE", enterprise_project_id="ep-1", name="web")
    assert api.calls[0]["query"] == {"limit": "2000", "share_type": "WHOLE", "enterprise_project_id": "ep-1"}
    # The service ignored the filters here; the answer is filtered again, exactly.
    assert found == []
    found = vpc.list(share_type="PER", name="web")
    assert [bandwidth["id"] for bandwidth in found] == ["bw-3"]


def test_list_all_granted_enterprise_projects_does_not_filter_locally():
    items = [api_bandwidth("bw-1", enterprise_project_id="ep-1"), api_bandwidth("bw-2", enterprise_project_id="0")]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}))
    assert len(vpc.list(enterprise_project_id="all_granted_eps")) == 2
    assert api.calls[0]["query"]["enterprise_project_id"] == "all_granted_eps"


def test_get_reads_one_bandwidth():
    vpc, api = service(lambda *args: (200, {"bandwidth": api_bandwidth(billing_info=BILLING_INFO)}))
    bandwidth = vpc.get("bw-1")
    assert bandwidth["billing_mode"] == "prepaid"
    assert api.calls[0]["path"] == "/v1/%s/bandwidths/bw-1" % PROJECT


def test_get_is_none_on_vpc_0306():
    vpc, _api = service(lambda *args: (404, {"code": "VPC.0306", "message": "Bandwidth bw-9 could not be found."}))
    assert vpc.get("bw-9") is None


def test_get_raises_on_another_404():
    vpc, _api = service(lambda *args: (404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.get("bw-1")
    assert caught.value.error_code == "APIGW.0101"


def test_find_by_id_names_the_id_when_missing():
    vpc, _api = service(lambda *args: (404, {"code": "VPC.0306", "message": "not found"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.find("bw-9")
    text = str(caught.value)
    assert "bw-9" in text and "region r1" in text


@pytest.mark.parametrize("count", [0, 1, 2])
def test_find_by_name_wants_exactly_one(count):
    items = [api_bandwidth("bw-%d" % index, "web", size=10 * (index + 1)) for index in range(count)]
    items.append(api_bandwidth("bw-other", "db"))
    vpc, api = service(lambda *args: (200, {"bandwidths": items}))
    if count == 1:
        assert vpc.find(name="web")["id"] == "bw-0"
    else:
        with pytest.raises(HwCloudError) as caught:
            vpc.find(name="web")
        text = str(caught.value)
        assert "named web" in text
        if count == 0:
            assert "none of the 1 VPC bandwidths" in text
        else:
            assert "2 VPC bandwidths" in text and "bw-0" in text and "bw-1" in text
            assert "by id" in text
    assert all(call["method"] == "GET" for call in api.calls)


def test_find_by_name_searches_in_the_enterprise_project():
    items = [api_bandwidth("bw-1", "web", enterprise_project_id="ep-1"),
             api_bandwidth("bw-2", "web", enterprise_project_id="ep-2")]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}), enterprise_project_id="ep-2")
    assert vpc.find(name="web")["id"] == "bw-2"
    assert api.calls[0]["query"]["enterprise_project_id"] == "ep-2"


# -- validation ----------------------------------------------------------------------------

def params(**values):
    base = {"prepaid_decrease": "refuse", "period_type": None, "period_num": None, "charge_mode": None}
    base.update(values)
    return base


@pytest.mark.parametrize("size, ok", [(300, True), (333, False), (350, True), (1050, False), (1500, True), (0, False)])
def test_validate_uses_the_vpc_size_rules(size, ok):
    vpc, _api = service(unexpected)
    if ok:
        vpc.validate(size, None, params())
    else:
        with pytest.raises(ValidationError) as caught:
            vpc.validate(size, None, params())
        assert str(size) in str(caught.value)


def test_validate_names_the_nearest_sizes():
    vpc, _api = service(unexpected)
    with pytest.raises(ValidationError) as caught:
        vpc.validate(333, None, params())
    assert "300 or 350" in str(caught.value)


def test_validate_name_rules():
    vpc, _api = service(unexpected)
    vpc.validate(None, "web_1.prod-2", params())
    with pytest.raises(ValidationError):
        vpc.validate(None, "web prod", params())
    with pytest.raises(ValidationError):
        vpc.validate(None, "x" * 65, params())


@pytest.mark.parametrize("period_type, period_num, ok", [
    ("month", 1, True), ("month", 9, True), ("month", 10, False), ("month", 0, False),
    ("year", 1, True), ("year", 3, True), ("year", 4, False), ("year", True, False),
])
def test_at_renewal_period_ranges(period_type, period_num, ok):
    values = params(prepaid_decrease="at_renewal", period_type=period_type, period_num=period_num)
    if ok:
        validate_period(values)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_period(values)
        assert "period_num" in str(caught.value)


@pytest.mark.parametrize("missing", ["period_type", "period_num"])
def test_at_renewal_needs_both_period_options(missing):
    values = params(prepaid_decrease="at_renewal", period_type="month", period_num=1)
    values[missing] = None
    with pytest.raises(ValidationError) as caught:
        validate_period(values)
    assert "period_type" in str(caught.value) and "period_num" in str(caught.value)


@pytest.mark.parametrize("policy", ["refuse", "immediate"])
def test_period_options_without_at_renewal_are_an_error(policy):
    with pytest.raises(ValidationError) as caught:
        validate_period(params(prepaid_decrease=policy, period_type="month"))
    assert "at_renewal" in str(caught.value) and "period_type" in str(caught.value)
    with pytest.raises(ValidationError):
        validate_period(params(prepaid_decrease=policy, period_num=2))


def test_check_plan_refuses_95peak_plus_on_a_dedicated_bandwidth():
    vpc, _api = service(unexpected)
    current = normalize(api_bandwidth(share_type="PER"))
    plan = plan_resize(current, charge_mode="95peak_plus")
    with pytest.raises(ValidationError) as caught:
        vpc.check_plan(plan)
    assert "WHOLE" in str(caught.value)
    vpc.check_plan(plan_resize(normalize(api_bandwidth()), charge_mode="95peak_plus"))


# -- changing: request bodies --------------------------------------------------------------

def test_on_demand_update_sends_only_the_changed_keys_to_v1():
    current = normalize(api_bandwidth(size=50))
    updated = api_bandwidth(size=80, charge_mode="traffic")

    vpc, api = service(lambda *args: (200, {"bandwidth": updated}))
    plan = plan_resize(current, size=80, name="shared-1", charge_mode="traffic")
    assert plan.action == UPDATE
    change = vpc.update(current, plan)
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v1/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == {"bandwidth": {"size": 80, "charge_mode": "traffic"}}
    assert is_exactly(call["body"]["bandwidth"]["size"], int)
    assert conforms(call["body"], UpdateBandwidthRequestBody)
    assert change.bandwidth["size"] == 80 and change.order_id is None and change.job_id is None


def test_prepaid_rename_goes_to_v2_with_the_name_only_and_places_no_order():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, api = service(lambda *args: (200, {"bandwidth": api_bandwidth(name="renamed", billing_info=BILLING_INFO)}))
    plan = plan_resize(current, size=100, name="renamed")
    assert plan.action == UPDATE
    change = vpc.update(current, plan)
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v2.0/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == {"bandwidth": {"name": "renamed"}}
    assert change.order_id is None and change.bandwidth["name"] == "renamed"


def test_update_never_changes_a_prepaid_size():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, api = service(unexpected)
    with pytest.raises(ValueError):
        vpc.update(current, Plan(UPDATE, current, {"size": 200}))
    assert api.calls == []


def test_update_that_answers_an_order_is_an_error():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, _api = service(lambda *args: (200, {"order_id": "CS1"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.update(current, plan_resize(current, name="renamed"))
    assert "CS1" in str(caught.value)


PREPAID = normalize(api_bandwidth(size=100, billing_info=BILLING_INFO))


@pytest.mark.parametrize("size, policy, auto_pay, name, expected", [
    (200, "refuse", True, None, {"bandwidth": {"size": 200}, "extendParam": {"is_auto_pay": True}}),
    (200, "refuse", False, "bigger", {"bandwidth": {"size": 200, "name": "bigger"},
                                      "extendParam": {"is_auto_pay": False}}),
    (50, "immediate", False, None, {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": False}}),
    (50, "at_renewal", True, None, {"bandwidth": {"size": 50},
                                    "extendParam": {"is_auto_pay": True, "period_type": "year", "period_num": 2}}),
])
def test_order_bodies_per_policy(size, policy, auto_pay, name, expected):
    vpc, api = service(lambda *args: (200, {"order_id": "CS2501010800ABCDE"}))
    plan = plan_resize(PREPAID, size=size, name=name, prepaid_decrease=policy,
                       decrease_policies=vpc.decrease_policies)
    assert plan.action == ORDER
    values = params(prepaid_decrease=policy)
    if policy == "at_renewal":
        values.update(period_type="year", period_num=2)
    change = vpc.order(PREPAID, plan, auto_pay, values)
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v2.0/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == expected
    assert is_exactly(call["body"]["extendParam"]["is_auto_pay"], bool)
    assert conforms(call["body"], UpdatePrePaidBandwidthRequestBody)
    assert change.order_id == "CS2501010800ABCDE"


def test_order_without_order_id_is_an_unknown_outcome():
    vpc, _api = service(lambda *args: (200, {}))
    plan = plan_resize(PREPAID, size=200)
    with pytest.raises(OutcomeUnknownError):
        vpc.order(PREPAID, plan, False, params())


def test_order_409_is_raised_with_its_status():
    vpc, _api = service(lambda *args: (409, {"code": "VPC.0309", "message": "an order is unpaid"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.order(PREPAID, plan_resize(PREPAID, size=200), False, params())
    assert caught.value.status == 409
    assert not isinstance(caught.value, OutcomeUnknownError)


# -- a decrease at renewal that was already ordered ----------------------------------------

NOW = datetime.datetime(2025, 6, 1, 12, 0, 0)


def bss(orders, resources):
    """BSS answering ``orders`` (a list of order infos) and ``resources`` (order id -> resource ids)."""
    seen = []

    def handler(method, path, query, body):
        if path == "/v2/orders/customer-orders":
            seen.append(query)
            matching = [order for order in orders
                        if str(order["status"]) == query.get("status") and str(order["order_type"]) == query.get("order_type")
                        and query.get("create_time_begin", "") <= order["create_time"]]
            return 200, {"order_infos": matching, "total_count": len(matching)}
        if path == "/v2/orders/suscriptions/resources/query":
            return 200, {"data": [{"resource_id": rid} for rid in resources.get(body["order_id"], [])]}
        return unexpected(method, path, query, body)
    return handler, seen


def order_info(order_id, create_time, status=5):
    return {"order_id": order_id, "status": status, "order_type": 3, "create_time": create_time}


def renewal_plan(current):
    return plan_resize(current, size=50, prepaid_decrease="at_renewal", decrease_policies=("immediate", "at_renewal"))


def test_completed_change_order_after_the_last_update_counts_as_ordered():
    current = normalize(api_bandwidth(size=100, billing_info=BILLING_INFO, updated_at="2025-05-30T10:00:00"))
    orders = [order_info("CS-NEW", "2025-05-31T09:00:00Z"), order_info("CS-OTHER", "2025-05-31T09:30:00Z"),
              order_info("CS-OLD", "2025-05-01T09:00:00Z")]
    handler, seen = bss(orders, {"CS-NEW": ["bw-1"], "CS-OTHER": ["bw-2"], "CS-OLD": ["bw-1"]})
    vpc, _api = service(handler, clock=lambda: NOW)
    found = vpc.ordered_changes(current, renewal_plan(current))
    assert [order["order_id"] for order in found] == ["CS-NEW"]
    assert found[0]["status"] == "completed"
    assert seen[0]["create_time_begin"] == "2025-05-30T10:00:00Z"
    assert seen[0]["order_type"] == "3" and seen[0]["status"] == "5"


def test_the_order_search_never_spans_more_than_a_year():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO, updated_at="2020-01-01T00:00:00"))
    handler, seen = bss([], {})
    vpc, _api = service(handler, clock=lambda: NOW)
    assert vpc.ordered_changes(current, renewal_plan(current)) == []
    begin = datetime.datetime.strptime(seen[0]["create_time_begin"], "%Y-%m-%dT%H:%M:%SZ")
    end = datetime.datetime.strptime(seen[0]["create_time_end"], "%Y-%m-%dT%H:%M:%SZ")
    assert end - begin <= datetime.timedelta(days=366)
    assert end >= NOW


def test_no_order_search_for_other_plans():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, api = service(unexpected)
    assert vpc.ordered_changes(current, plan_resize(current, size=200)) == []
    assert vpc.ordered_changes(current, plan_resize(current, size=50, prepaid_decrease="immediate")) == []
    assert api.calls == []

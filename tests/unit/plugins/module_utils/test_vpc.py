# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC bandwidths: normalisation, reads, marker paging, request bodies and their types, region size limits."""

from __future__ import annotations

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
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import Desired, Renewal
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths, normalize

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


def test_list_by_name_searches_in_the_enterprise_project():
    items = [api_bandwidth("bw-1", "web", enterprise_project_id="ep-1"),
             api_bandwidth("bw-2", "web", enterprise_project_id="ep-2")]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}), enterprise_project_id="ep-2")
    assert [b["id"] for b in vpc.list(name="web")] == ["bw-2"]
    assert api.calls[0]["query"]["enterprise_project_id"] == "ep-2"


def test_read_for_one_id_is_one_narrow_read():
    vpc, api = service(lambda *args: (200, {"bandwidth": api_bandwidth("bw-7")}))
    assert [b["id"] for b in vpc.read_for(ids=["bw-7"])] == ["bw-7"]
    assert [call["path"] for call in api.calls] == ["/v1/%s/bandwidths/bw-7" % PROJECT]


def test_read_for_one_missing_id_is_empty():
    vpc, _api = service(lambda *args: (404, {"code": "VPC.0306", "message": "not found"}))
    assert vpc.read_for(ids=["bw-9"]) == []


def test_read_for_one_name_lists_and_keeps_every_namesake():
    items = [api_bandwidth("bw-1", "web"), api_bandwidth("bw-2", "db"), api_bandwidth("bw-3", "web")]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}))
    assert [b["id"] for b in vpc.read_for(names=["web"])] == ["bw-1", "bw-3"]
    assert len(api.calls) == 1


@pytest.mark.parametrize("ids, names", [(["bw-1", "bw-2"], []), (["bw-1"], ["db"]), ([], ["web", "db"])])
def test_read_for_several_targets_is_one_listing(ids, names):
    items = [api_bandwidth("bw-%d" % index, "name-%d" % index) for index in range(5)]
    vpc, api = service(lambda *args: (200, {"bandwidths": items}))
    assert len(vpc.read_for(ids=ids, names=names)) == 5
    assert [call["path"] for call in api.calls] == ["/v1/%s/bandwidths" % PROJECT]


# -- changing: request bodies --------------------------------------------------------------

def test_on_demand_update_sends_only_the_changed_keys_to_v1():
    current = normalize(api_bandwidth(size=50))
    updated = api_bandwidth(size=80, charge_mode="traffic")

    vpc, api = service(lambda *args: (200, {"bandwidth": updated}))
    change = vpc.update(current, Desired(size=80, charge_mode="traffic"))
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v1/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == {"bandwidth": {"size": 80, "charge_mode": "traffic"}}
    assert is_exactly(call["body"]["bandwidth"]["size"], int)
    assert conforms(call["body"], UpdateBandwidthRequestBody)
    assert change.bandwidth["size"] == 80 and change.order_id is None and change.job_id is None


def test_on_demand_rename_sends_the_name_only():
    vpc, api = service(lambda *args: (200, {"bandwidth": api_bandwidth(name="renamed")}))
    change = vpc.update(normalize(api_bandwidth()), Desired(name="renamed"))
    assert api.calls[0]["body"] == {"bandwidth": {"name": "renamed"}}
    assert change.bandwidth["name"] == "renamed"


def documented_v1_update(current):
    """The v1 update as documented: ``name`` or ``size`` must be given, or 400 VPC.0301."""
    def handler(method, path, query, body):
        del query
        assert (method, path) == ("PUT", "/v1/%s/bandwidths/%s" % (PROJECT, current["id"]))
        option = body["bandwidth"]
        if option.get("name") is None and option.get("size") is None:
            return 400, {"code": "VPC.0301", "message": "Invalid parameter: bandwidth.name or bandwidth.size must be given."}
        changed = dict(current, **{key: value for key, value in option.items() if value is not None})
        return 200, {"bandwidth": changed}
    return handler


def test_on_demand_charge_mode_change_alone_carries_the_current_size():
    current = api_bandwidth(size=100, charge_mode="bandwidth")
    vpc, api = service(documented_v1_update(current))
    change = vpc.update(normalize(current), Desired(charge_mode="traffic"))
    body = api.calls[0]["body"]
    assert body == {"bandwidth": {"charge_mode": "traffic", "size": 100}}
    assert is_exactly(body["bandwidth"]["size"], int)
    assert conforms(body, UpdateBandwidthRequestBody)
    assert change.bandwidth["charge_mode"] == "traffic" and change.bandwidth["size"] == 100
    assert len(api.writes) == 1


@pytest.mark.parametrize("desired, expected", [
    (Desired(name="renamed", charge_mode="traffic"), {"name": "renamed", "charge_mode": "traffic"}),
    (Desired(size=80, charge_mode="traffic"), {"size": 80, "charge_mode": "traffic"}),
])
def test_on_demand_charge_mode_change_with_a_name_or_size_adds_nothing(desired, expected):
    current = api_bandwidth(size=100)
    vpc, api = service(documented_v1_update(current))
    vpc.update(normalize(current), desired)
    assert api.calls[0]["body"] == {"bandwidth": expected}


def test_update_operation_names_only_the_changes_asked_for():
    current = api_bandwidth(size=100)
    vpc, _api = service(lambda *args: (500, {"code": "VPC.9999", "message": "internal error"}))
    with pytest.raises(OutcomeUnknownError) as caught:
        vpc.update(normalize(current), Desired(charge_mode="traffic"))
    assert "charge_mode=traffic" in str(caught.value) and "size=" not in str(caught.value)


def test_update_answer_without_a_bandwidth_is_a_change_without_one():
    vpc, _api = service(lambda *args: (200, {}))
    change = vpc.update(normalize(api_bandwidth()), Desired(size=20))
    assert change.bandwidth is None and change.order_id is None


def test_prepaid_rename_goes_to_v2_with_the_name_only_and_places_no_order():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, api = service(lambda *args: (200, {"bandwidth": api_bandwidth(name="renamed", billing_info=BILLING_INFO)}))
    change = vpc.update(current, Desired(name="renamed"))
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v2.0/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == {"bandwidth": {"name": "renamed"}}
    assert "extendParam" not in call["body"]
    assert change.order_id is None and change.bandwidth["name"] == "renamed"


@pytest.mark.parametrize("desired", [Desired(size=200), Desired(size=200, name="x"), Desired(charge_mode="traffic")])
def test_update_never_changes_a_prepaid_size(desired):
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, api = service(unexpected)
    with pytest.raises(ValueError):
        vpc.update(current, desired)
    assert api.calls == []


def test_update_that_answers_an_order_is_an_error():
    current = normalize(api_bandwidth(billing_info=BILLING_INFO))
    vpc, _api = service(lambda *args: (200, {"order_id": "CS1"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.update(current, Desired(name="renamed"))
    assert "CS1" in str(caught.value)


def test_update_with_a_5xx_is_an_unknown_outcome():
    vpc, api = service(lambda *args: (502, {"code": "VPC.9999", "message": "bad gateway"}))
    with pytest.raises(OutcomeUnknownError):
        vpc.update(normalize(api_bandwidth()), Desired(size=20))
    assert len(api.writes) == 1


PREPAID = normalize(api_bandwidth(size=100, billing_info=BILLING_INFO))


@pytest.mark.parametrize("desired, auto_pay, renewal, expected", [
    (Desired(size=200), True, None, {"bandwidth": {"size": 200}, "extendParam": {"is_auto_pay": True}}),
    (Desired(size=200, name="bigger"), False, None, {"bandwidth": {"size": 200, "name": "bigger"},
                                                     "extendParam": {"is_auto_pay": False}}),
    (Desired(size=50), False, None, {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": False}}),
    (Desired(size=50), True, Renewal("year", 2),
     {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": True, "period_type": "year", "period_num": 2}}),
    (Desired(size=50), False, Renewal("month", 9),
     {"bandwidth": {"size": 50}, "extendParam": {"is_auto_pay": False, "period_type": "month", "period_num": 9}}),
])
def test_order_bodies(desired, auto_pay, renewal, expected):
    vpc, api = service(lambda *args: (200, {"order_id": "CS2501010800ABCDE"}))
    change = vpc.order(PREPAID, desired, auto_pay, renewal)
    call = api.calls[0]
    assert (call["method"], call["path"]) == ("PUT", "/v2.0/%s/bandwidths/bw-1" % PROJECT)
    assert call["body"] == expected
    # camelCase extendParam, a JSON boolean is_auto_pay, an integer size.
    assert "extend_param" not in call["body"]
    assert is_exactly(call["body"]["extendParam"]["is_auto_pay"], bool)
    assert is_exactly(call["body"]["bandwidth"]["size"], int)
    assert conforms(call["body"], UpdatePrePaidBandwidthRequestBody)
    assert change.order_id == "CS2501010800ABCDE"


def test_order_of_a_rename_keeps_the_current_size():
    vpc, api = service(lambda *args: (200, {"order_id": "CS1"}))
    vpc.order(PREPAID, Desired(name="renamed"), False)
    assert api.calls[0]["body"]["bandwidth"] == {"size": 100, "name": "renamed"}


def test_order_operation_says_at_renewal():
    vpc, _api = service(lambda *args: (400, {"code": "VPC.0301", "message": "invalid"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.order(PREPAID, Desired(size=50), False, Renewal("month", 1))
    assert "to 50 Mbit/s at renewal" in caught.value.operation


def test_order_without_order_id_is_an_unknown_outcome():
    vpc, _api = service(lambda *args: (200, {}))
    with pytest.raises(OutcomeUnknownError):
        vpc.order(PREPAID, Desired(size=200), False)


def test_order_409_is_raised_with_its_status():
    vpc, _api = service(lambda *args: (409, {"code": "VPC.0309", "message": "an order is unpaid"}))
    with pytest.raises(HwCloudError) as caught:
        vpc.order(PREPAID, Desired(size=200), False)
    assert caught.value.status == 409
    assert not isinstance(caught.value, OutcomeUnknownError)


# -- the region's size limits ---------------------------------------------------------------

LIMITS = "/v3/%s/eip/eip-bandwidth-limits" % PROJECT


def limit(charge_mode, low, high):
    return {"charge_mode": charge_mode, "min_size": low, "max_size": high,
            "ext_limit": {"min_ingress_size": 1, "max_ingress_size": high, "ratio_95peak": 20}}


def test_size_limits_are_read_per_charge_mode_over_every_page():
    pages = {None: ([limit("bandwidth", 1, 2000), limit("traffic", 1, 300)], "m-2"),
             "m-2": ([limit("95peak_plus", 300, 5000)], None)}

    def handler(method, path, query, body):
        assert (method, path) == ("GET", LIMITS)
        items, marker = pages[query.get("marker")]
        return 200, {"eip_bandwidth_limits": items,
                     "page_info": {"next_marker": marker, "current_count": len(items)}}

    vpc, api = service(handler)
    assert vpc.size_limits() == {"bandwidth": (1, 2000), "traffic": (1, 300), "95peak_plus": (300, 5000)}
    assert [call["query"].get("marker") for call in api.calls] == [None, "m-2"]


def test_size_limits_skip_entries_that_make_no_range():
    items = [limit("bandwidth", 5, 1000), limit("traffic", 500, 300),
             {"charge_mode": "x", "min_size": "1", "max_size": 2}, limit(None, 1, 2)]
    vpc, _api = service(lambda *args: (200, {"eip_bandwidth_limits": items, "page_info": {}}))
    assert vpc.size_limits() == {"bandwidth": (5, 1000)}


def test_size_limits_of_an_empty_answer_are_unknown():
    vpc, _api = service(lambda *args: (200, {"eip_bandwidth_limits": [], "page_info": {}}))
    assert vpc.size_limits() is None


@pytest.mark.parametrize("status, payload", [
    (403, {"error_code": "APIGW.0302", "error_msg": "not authorized"}),
    (404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist"}),
])
def test_size_limits_fall_back_when_not_readable(status, payload):
    vpc, api = service(lambda *args: (status, payload))
    assert vpc.size_limits() is None
    assert len(api.calls) == 1


def test_size_limits_raise_other_errors():
    vpc, _api = service(lambda *args: (500, {"code": "VPC.9999", "message": "internal"}))
    with pytest.raises(HwCloudError):
        vpc.size_limits()

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WorkspaceBandwidths: normalisation, request bodies and their types, job status, reads.

The client is the real one; only the HTTP session is fake, so the bodies checked here are
the JSON that would go on the wire. The body types are checked against the official SDK models.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from huaweicloudsdkworkspace.v2.model.create_subnet_bandwidth_change_order_request_body import (
    CreateSubnetBandwidthChangeOrderRequestBody,
)
from huaweicloudsdkworkspace.v2.model.order_extend_param import OrderExtendParam
from huaweicloudsdkworkspace.v2.model.show_job_response import ShowJobResponse
from huaweicloudsdkworkspace.v2.model.subnet_bandwidth_detail import SubnetBandwidthDetail
from huaweicloudsdkworkspace.v2.model.update_subnet_bandwidth_req import UpdateSubnetBandwidthReq

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import RetryPolicy
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import Desired, Renewal
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths, normalize

PROJECT = "p0123456789"
WS = "https://workspace.test"
SDK_TYPES = {"str": str, "int": int}


class Response:
    def __init__(self, status, body=None):
        self.status_code = status
        self.content = b"" if body is None else json.dumps(body).encode("utf-8")
        self.headers = {}

    def json(self):
        return json.loads(self.content)


class Session:
    """Answers with ``handler(method, path, query, body)``; records (method, path, query, body)."""

    def __init__(self, handler):
        self.handler = handler
        self.sent = []

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None):
        del headers, timeout, verify
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        body = json.loads(data) if data else None
        self.sent.append((method, parts.path, query, body))
        return Response(*self.handler(method, parts.path, query, body))


def service_for(handler, **kwargs):
    session = Session(handler)
    config = ClientConfig(access_key="AK", secret_key="SK", region="cn-north-4", project_id=PROJECT,
                          endpoints={"workspace": WS})
    client = HwCloudClient(config, session=session, retry=RetryPolicy(max_retries=0))
    return WorkspaceBandwidths(client, **kwargs), session


def api_bandwidth(bandwidth_id="bw-1", name="wks-one", charge_mode="wks_traffic", size=10, **extra):
    item = {
        "bandwidth_id": bandwidth_id, "bandwidth_name": name, "charge_mode": charge_mode, "size": size,
        "vpc_id": "vpc-1", "vpc_name": "vpc-workspace", "subnet_id": "subnet-" + bandwidth_id,
        "subnet_name": "subnet-office", "enterprise_project_id": "0", "created_at": "2024-03-01T08:00:00.000Z",
        "order_id": "CS2403010800ABCDE" if charge_mode == "wks_bandwidth" else None, "status": "ACTIVE",
        "control_mode": "BLACK",
    }
    item.update(extra)
    return item


def listing(items):
    """A handler serving ``items`` on the list path, honouring offset and limit (not the filters)."""
    def handler(method, path, query, body):
        assert method == "GET" and path == "/v2/%s/bandwidths" % PROJECT
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 1000))
        return 200, {"bandwidths": items[offset:offset + limit], "total_count": len(items)}
    return handler


# -- normalisation --------------------------------------------------------------------------

@pytest.mark.parametrize("charge_mode, billing_mode", [
    ("wks_bandwidth", "prepaid"), ("wks_traffic", "on_demand"), ("free", "on_demand"),
])
def test_normalize_billing_mode_follows_charge_mode(charge_mode, billing_mode):
    bandwidth = normalize(api_bandwidth(charge_mode=charge_mode))
    assert bandwidth["billing_mode"] == billing_mode
    assert bandwidth["charge_mode"] == charge_mode


def test_normalize_keeps_the_design_keys_and_the_workspace_extras():
    bandwidth = normalize(api_bandwidth(bandwidth_id="bw-9", name="wks-nine", size=25, status="UPDATING"))
    assert bandwidth == {
        "id": "bw-9", "name": "wks-nine", "size": 25, "billing_mode": "on_demand", "charge_mode": "wks_traffic",
        "status": "UPDATING", "enterprise_project_id": "0", "subnet_id": "subnet-bw-9", "subnet_name": "subnet-office",
        "vpc_id": "vpc-1", "vpc_name": "vpc-workspace", "order_id": None, "control_mode": "BLACK",
        "created_at": "2024-03-01T08:00:00.000Z",
    }


def test_normalize_reads_every_field_the_sdk_model_declares():
    # Each field of the SDK's SubnetBandwidthDetail ends up in the normalised bandwidth.
    sdk_fields = set(SubnetBandwidthDetail.attribute_map.values())
    item = {name: "value-%s" % name for name in sdk_fields}
    item["size"] = 7
    values = set(normalize(item).values())
    assert {item[name] for name in sdk_fields} <= values


def test_normalize_turns_a_size_sent_as_digits_into_an_integer():
    assert normalize(api_bandwidth(size="30"))["size"] == 30


# -- reading --------------------------------------------------------------------------------

def test_list_reads_every_page_and_passes_the_filters():
    items = [api_bandwidth("bw-%03d" % index, "wks-%03d" % index, vpc_id="vpc-x") for index in range(230)]
    service, session = service_for(listing(items))
    found = service.list(vpc_id="vpc-x", enterprise_project_id="eps-1")
    assert [b["id"] for b in found] == [item["bandwidth_id"] for item in items]
    offsets = [int(query["offset"]) for _method, _path, query, _body in session.sent]
    assert offsets == [0, 100, 200]
    assert all(query["vpc_id"] == "vpc-x" and query["enterprise_project_id"] == "eps-1" and query["limit"] == "100"
               for _method, _path, query, _body in session.sent)


def test_list_filters_exactly_when_the_service_matches_loosely():
    items = [api_bandwidth("bw-1", "office"), api_bandwidth("bw-2", "office-2"), api_bandwidth("bw-3", "office")]
    service, _session = service_for(listing(items))
    assert [b["id"] for b in service.list(bandwidth_name="office")] == ["bw-1", "bw-3"]


def test_list_rejects_an_unknown_filter():
    service, session = service_for(listing([]))
    with pytest.raises(ValueError):
        service.list(name="x")
    assert not session.sent


def test_the_service_wide_enterprise_project_scopes_every_listing():
    service, session = service_for(listing([api_bandwidth()]), enterprise_project_id="eps-7")
    service.get("bw-1")
    assert session.sent[0][2]["enterprise_project_id"] == "eps-7"
    assert session.sent[0][2]["bandwidth_id"] == "bw-1"


def test_read_for_one_id_is_one_filtered_call():
    service, session = service_for(listing([api_bandwidth("bw-1"), api_bandwidth("bw-2")]))
    assert [b["id"] for b in service.read_for(ids=["bw-2"])] == ["bw-2"]
    assert len(session.sent) == 1 and session.sent[0][2]["bandwidth_id"] == "bw-2"


def test_read_for_a_missing_id_is_empty():
    service, _session = service_for(listing([]))
    assert service.read_for(ids=["bw-404"]) == []
    assert service.get("bw-404") is None


def test_read_for_one_name_filters_by_name_and_keeps_every_namesake():
    items = [api_bandwidth("bw-1", "twin"), api_bandwidth("bw-2", "twin"), api_bandwidth("bw-3", "twin-2")]
    service, session = service_for(listing(items))
    assert [b["id"] for b in service.read_for(names=["twin"])] == ["bw-1", "bw-2"]
    assert len(session.sent) == 1 and session.sent[0][2]["bandwidth_name"] == "twin"


def test_read_for_several_targets_is_one_listing_without_filters():
    items = [api_bandwidth("bw-%d" % index) for index in range(3)]
    service, session = service_for(listing(items))
    assert len(service.read_for(ids=["bw-0", "bw-1"], names=["x"])) == 3
    assert len(session.sent) == 1
    assert "bandwidth_id" not in session.sent[0][2] and "bandwidth_name" not in session.sent[0][2]


# -- request bodies -------------------------------------------------------------------------

def recorder(answer):
    def handler(method, path, query, body):
        return 200, answer
    return handler


def assert_types_match_sdk(body, model):
    for key, value in body.items():
        declared = model.openapi_types[key]
        if declared in SDK_TYPES:
            assert isinstance(value, SDK_TYPES[declared]) and not isinstance(value, bool), (
                "%s should be %s, is %r" % (key, declared, value))


def test_update_body_has_an_integer_size_and_matches_the_sdk_model():
    service, session = service_for(recorder({"job_id": "job-1"}))
    current = normalize(api_bandwidth(size=10))
    change = service.update(current, Desired(size=50, name="wks-renamed"))
    method, path, _query, body = session.sent[0]
    assert (method, path) == ("POST", "/v2/%s/bandwidths/bw-1/update" % PROJECT)
    assert body == {"bandwidth_size": 50, "bandwidth_name": "wks-renamed"}
    assert_types_match_sdk(body, UpdateSubnetBandwidthReq)
    assert change.job_id == "job-1" and change.order_id is None


def test_update_of_the_name_alone_sends_no_size():
    service, session = service_for(recorder({"job_id": "job-1"}))
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth"))
    service.update(current, Desired(name="new-name"))
    assert session.sent[0][3] == {"bandwidth_name": "new-name"}


def test_update_of_the_charge_mode():
    service, session = service_for(recorder({"job_id": "job-1"}))
    service.update(normalize(api_bandwidth()), Desired(charge_mode="free"))
    assert session.sent[0][3] == {"charge_mode": "free"}
    assert_types_match_sdk(session.sent[0][3], UpdateSubnetBandwidthReq)


def test_update_sends_the_enterprise_project_when_given():
    service, session = service_for(recorder({"job_id": "job-1"}), enterprise_project_id="eps-1")
    service.update(normalize(api_bandwidth()), Desired(size=20))
    assert session.sent[0][3] == {"bandwidth_size": 20, "enterprise_project_id": "eps-1"}
    assert_types_match_sdk(session.sent[0][3], UpdateSubnetBandwidthReq)


def test_update_with_a_5xx_is_an_unknown_outcome():
    service, session = service_for(lambda *args: (503, {"error_code": "WKS.500", "error_msg": "busy"}))
    with pytest.raises(OutcomeUnknownError):
        service.update(normalize(api_bandwidth()), Desired(size=20))
    assert len(session.sent) == 1


@pytest.mark.parametrize("auto_pay, flag", [(True, "true"), (False, "false")])
def test_order_body_has_a_string_size_and_a_string_auto_pay_flag(auto_pay, flag):
    service, session = service_for(recorder({"order_id": "CS1", "job_id": "job-9"}))
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth", size=20))
    change = service.order(current, Desired(size=40), auto_pay, None)
    method, path, _query, body = session.sent[0]
    assert (method, path) == ("POST", "/v2/%s/bandwidths/bw-1/periodic/change/order" % PROJECT)
    assert body == {"bandwidth_size": "40", "extend_param": {"is_auto_pay": flag}}
    assert_types_match_sdk(body, CreateSubnetBandwidthChangeOrderRequestBody)
    assert_types_match_sdk(body["extend_param"], OrderExtendParam)
    assert change.order_id == "CS1" and change.job_id == "job-9"


def test_order_body_carries_the_new_name_and_the_enterprise_project():
    service, session = service_for(recorder({"order_id": "CS1"}), enterprise_project_id="eps-2")
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth", size=20))
    service.order(current, Desired(size=10, name="smaller"), False)
    body = session.sent[0][3]
    assert body == {"bandwidth_size": "10", "bandwidth_name": "smaller", "enterprise_project_id": "eps-2",
                    "extend_param": {"is_auto_pay": "false"}}
    assert_types_match_sdk(body, CreateSubnetBandwidthChangeOrderRequestBody)


def test_order_has_no_change_at_renewal():
    service, session = service_for(recorder({"order_id": "CS1"}))
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth", size=20))
    with pytest.raises(ValueError):
        service.order(current, Desired(size=10), False, Renewal("month", 1))
    assert session.sent == []


def test_an_order_answer_without_order_id_is_an_unknown_outcome():
    service, _session = service_for(recorder({}))
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth", size=20))
    with pytest.raises(OutcomeUnknownError):
        service.order(current, Desired(size=40), True)


def test_a_409_on_the_order_is_raised_with_its_code():
    def handler(method, path, query, body):
        return 409, {"error_code": "WKS.00200409", "error_msg": "an order is unpaid"}
    service, session = service_for(handler)
    current = normalize(api_bandwidth(charge_mode="wks_bandwidth", size=20))
    with pytest.raises(HwCloudError) as caught:
        service.order(current, Desired(size=40), False)
    assert caught.value.status == 409 and caught.value.error_code == "WKS.00200409"
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert len(session.sent) == 1


# -- job status -----------------------------------------------------------------------------

def job(status, sub_statuses=(), fail_reason=None, code=None, sub_reason=None):
    return {
        "id": "job-1", "job_type": "UPDATE_SUBNET_BANDWIDTH", "status": status, "fail_reason": fail_reason,
        "job_error_code": code, "sub_jobs_total": len(sub_statuses),
        "sub_jobs": [{"id": "sub-%d" % index, "status": sub, "fail_reason": sub_reason if sub == "FAIL" else None,
                      "error_code": "WKS.SUB" if sub == "FAIL" else None}
                     for index, sub in enumerate(sub_statuses)],
    }


def job_service(answer):
    def handler(method, path, query, body):
        assert (method, path) == ("GET", "/v2/%s/workspace-jobs/job-1" % PROJECT)
        return 200, answer
    return service_for(handler)[0]


def test_the_job_fields_read_are_those_of_the_sdk_model():
    assert {"status", "fail_reason", "job_error_code", "sub_jobs"} <= set(ShowJobResponse.attribute_map.values())


@pytest.mark.parametrize("answer, done, failed", [
    (job("INIT"), False, False),
    (job("WAITING"), False, False),
    (job("SUCCESS"), True, False),
    (job("COMPLETE"), True, False),
    (job("SUCCESS", ["SUCCESS", "COMPLETE"]), True, False),
    (job("SUCCESS", ["SUCCESS", "WAITING"]), False, False),
    (job("WAITING", ["SUCCESS", "INIT"]), False, False),
    (job("FAIL", fail_reason="quota exceeded", code="WKS.001"), True, True),
    (job("SUCCESS", ["SUCCESS", "FAIL"], sub_reason="subnet busy"), True, True),
    (job("WAITING", ["FAIL"], sub_reason="subnet busy"), True, True),
])
def test_job_status_mapping(answer, done, failed):
    is_done, reason = job_service(answer).job_status("job-1")
    assert is_done is done
    assert (reason is not None) is failed


def test_a_failed_job_gives_its_reason_and_code():
    _done, reason = job_service(job("FAIL", fail_reason="quota exceeded", code="WKS.001")).job_status("job-1")
    assert "quota exceeded" in reason and "WKS.001" in reason and "FAIL" in reason


def test_a_failed_sub_job_gives_its_own_reason():
    _done, reason = job_service(job("SUCCESS", ["SUCCESS", "FAIL"], sub_reason="subnet busy")).job_status("job-1")
    assert "subnet busy" in reason and "sub-1" in reason and "WKS.SUB" in reason


def test_a_failed_job_is_named_by_the_label_given():
    service = job_service(job("FAIL", fail_reason="quota exceeded"))
    _done, reason = service.job_status("job-1", "Workspace bandwidth wks-lab (bw-1)")
    assert reason.startswith("the update of Workspace bandwidth wks-lab (bw-1) ended with status FAIL")


def test_a_failed_job_started_by_update_names_the_bandwidth():
    answers = {"POST": {"job_id": "job-1"}, "GET": job("FAIL", fail_reason="quota exceeded")}

    def handler(method, path, query, body):
        return 200, answers[method]
    service, _session = service_for(handler)
    current = normalize(api_bandwidth(name="wks-lab"))
    service.update(current, Desired(size=30))
    _done, reason = service.job_status("job-1")
    assert re.search(r"wks-lab \(bw-1\)", reason)

"""Requests the real services reject: bad signatures, stale dates, wrong types, unknown keys, missing fields."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkeip.v2 import ListBandwidthsRequest

from . import sdk

WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"


def _ws(path):
    return "/v2/%s/bandwidths/%s" % (sdk.PROJECT_ID, path)


def test_wrong_secret_key_is_rejected_with_apigw_0301(sim):
    with pytest.raises(ClientRequestException) as caught:
        sdk.eip(sim.url, sdk.basic(sk="not-the-secret")).list_bandwidths(ListBandwidthsRequest())
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0301")
    assert caught.value.request_id


def test_unknown_access_key_and_missing_authorization(sim):
    response = sdk.signed(sim.url, "GET", "/v1/%s/bandwidths" % sdk.PROJECT_ID, ak="UNKNOWNAK")
    body = response.json()
    assert (response.status_code, body["error_code"]) == (401, "APIGW.0301")
    assert body["request_id"] == response.headers["X-Request-Id"]
    bare = requests.get(sim.url + "/v1/%s/bandwidths" % sdk.PROJECT_ID, timeout=5)
    assert (bare.status_code, bare.json()["error_code"]) == (401, "APIGW.0301")


def test_tampered_query_body_and_path_are_rejected(sim):
    good = sdk.signed(sim.url, "GET", "/v1/%s/bandwidths" % sdk.PROJECT_ID, query=[("limit", "1")])
    assert good.status_code == 200
    request = requests.Request("GET", good.request.url.replace("limit=1", "limit=2"), headers=dict(good.request.headers)).prepare()
    with requests.Session() as session:
        assert session.send(request, timeout=5).status_code == 401
        signed = sdk.signed(sim.url, "PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND), body={"bandwidth": {"size": 10}})
        assert signed.status_code == 200
        tampered = requests.Request("PUT", signed.request.url, headers=dict(signed.request.headers), data=b'{"bandwidth": {"size": 11}}')
        assert session.send(tampered.prepare(), timeout=5).status_code == 401


@pytest.mark.parametrize("minutes", [-16, 16])
def test_stale_date_says_signature_expired(sim, minutes):
    date = (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime("%Y%m%dT%H%M%SZ")
    response = sdk.signed(sim.url, "GET", "/v1/%s/bandwidths" % sdk.PROJECT_ID, date=date)
    assert (response.status_code, response.json()["error_code"]) == (401, "APIGW.0301")
    assert "expired" in response.json()["error_msg"]


def test_small_clock_skew_is_accepted(sim):
    date = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y%m%dT%H%M%SZ")
    assert sdk.signed(sim.url, "GET", "/v1/%s/bandwidths" % sdk.PROJECT_ID, date=date).status_code == 200


def test_security_token_of_temporary_credentials(sim):
    path = "/v1/%s/bandwidths" % sdk.PROJECT_ID
    good = sdk.eip(sim.url, sdk.basic(sdk.TEMP_ACCESS_KEY, sdk.TEMP_SECRET_KEY, sdk.TEMP_TOKEN))
    assert good.list_bandwidths(ListBandwidthsRequest()).bandwidths
    missing = sdk.signed(sim.url, "GET", path, ak=sdk.TEMP_ACCESS_KEY, sk=sdk.TEMP_SECRET_KEY)
    assert (missing.status_code, missing.json()["error_code"]) == (401, "APIGW.0301")
    wrong = sdk.signed(sim.url, "GET", path, ak=sdk.TEMP_ACCESS_KEY, sk=sdk.TEMP_SECRET_KEY, headers={"X-Security-Token": "wrong"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("method, path, body, code", [
    ("POST", _ws(WS_ONDEMAND + "/update"), {"bandwidth_size": "30"}, "WKS."),
    ("POST", _ws(WS_ONDEMAND + "/update"), {"bandwidth_size": 30, "colour": "red"}, "WKS."),
    ("POST", _ws(WS_ONDEMAND + "/update"), {"bandwidth_size": True}, "WKS."),
    ("POST", _ws(WS_PREPAID + "/periodic/change/order"), {"bandwidth_size": 30}, "WKS."),
    ("POST", _ws(WS_PREPAID + "/periodic/change/order"), {"bandwidth_size": "30", "extend_param": {"is_auto_pay": True}}, "WKS."),
    ("POST", _ws(WS_PREPAID + "/periodic/change/order"), {"bandwidth_size": "30", "extend_param": {"auto": "true"}}, "WKS."),
    ("POST", _ws(WS_PREPAID + "/periodic/change/order"), {"bandwidth_name": "x"}, "WKS."),
    ("PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND), {"bandwidth": {"size": "20"}}, "VPC.0301"),
    ("PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND), {"bandwidth": {"size": 20, "speed": 1}}, "VPC.0301"),
    ("PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND), {"size": 20}, "VPC.0301"),
    ("PUT", "/v1/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_ONDEMAND), {"bandwidth": {}}, "VPC.0301"),
    ("PUT", "/v2.0/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_PREPAID), {"bandwidth": {"size": 200}, "extendParam": {"is_auto_pay": "true"}},
     "VPC.0301"),
    ("PUT", "/v2.0/%s/bandwidths/%s" % (sdk.PROJECT_ID, VPC_PREPAID), {"bandwidth": {"size": 200}, "extend_param": {"is_auto_pay": True}},
     "VPC.0301"),
    ("POST", "/v3/orders/customer-orders/pay", {"order_id": "CS1"}, "CBC.0100"),
    ("POST", "/v3/orders/customer-orders/pay", {"order_id": "CS1", "use_coupon": "NO", "use_discount": "NO", "x": 1}, "CBC.0100"),
    ("PUT", "/v2/orders/customer-orders/cancel", {"order_id": 5}, "CBC.0100"),
    ("POST", "/v2/orders/suscriptions/resources/query", {"resource_ids": "abc"}, "CBC.0100"),
])
def test_bodies_are_checked_strictly(sim, method, path, body, code):
    response = sdk.signed(sim.url, method, path, body=body)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert (answer.get("error_code") or answer.get("code")).startswith(code)
    assert not sim.admin.state()["orders"] and not sim.admin.state()["jobs"]


def test_empty_workspace_body_and_invalid_json(sim):
    empty = sdk.signed(sim.url, "POST", _ws(WS_ONDEMAND + "/update"))
    assert (empty.status_code, empty.json()["error_code"]) == (400, "WKS.0001")
    not_json = sdk.signed(sim.url, "POST", _ws(WS_ONDEMAND + "/update"), headers={}, body=None)
    assert not_json.status_code == 400


def test_unknown_route_and_unknown_project(sim):
    response = sdk.signed(sim.url, "GET", "/v9/nothing/here")
    assert (response.status_code, response.json()["error_code"]) == (404, "APIGW.0101")
    other = sdk.signed(sim.url, "GET", "/v1/%s/bandwidths" % ("f" * 32))
    assert (other.status_code, other.json()["code"]) == (400, "VPC.0007")

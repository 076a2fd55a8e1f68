"""Knobs used by the reliability tests: clock offset, expired temporary credentials, denied services,
seeded fault draws and the record of signatures received."""

import copy

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkeip.v2 import ListBandwidthsRequest

from . import sdk

LIST_VPC = "/v1/%s/bandwidths" % sdk.PROJECT_ID
LIST_WS = "/v2/%s/bandwidths" % sdk.PROJECT_ID
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"


@pytest.mark.parametrize("offset", [-3600, 3600])
def test_clock_offset_makes_a_right_date_look_skewed(sim, offset):
    sim.admin.config({"clock_offset": offset})
    response = sdk.signed(sim.url, "GET", LIST_VPC)
    assert (response.status_code, response.json()["error_code"]) == (401, "APIGW.0301")
    assert "signature expired" in response.json()["error_msg"]
    sim.admin.config({"clock_offset": 0})
    assert sdk.signed(sim.url, "GET", LIST_VPC).status_code == 200


def test_small_clock_offset_is_tolerated(sim):
    sim.admin.config({"clock_offset": 600})
    assert sdk.signed(sim.url, "GET", LIST_VPC).status_code == 200


def test_expired_temporary_credentials_answer_apigw_0307(sim, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["credentials"] = [dict(sdk_credential, expired=True) if sdk_credential.get("security_token") else sdk_credential
                           for sdk_credential in seed["credentials"]]
    sim.admin.reset(seed)
    with pytest.raises(ClientRequestException) as caught:
        sdk.eip(sim.url, sdk.basic(sdk.TEMP_ACCESS_KEY, sdk.TEMP_SECRET_KEY, sdk.TEMP_TOKEN)).list_bandwidths(
            ListBandwidthsRequest())
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0307")
    # The permanent credentials are not affected.
    assert sdk.signed(sim.url, "GET", LIST_VPC).status_code == 200


def test_deny_vpc_answers_vpc_2701_in_the_vpc_shape(sim):
    sim.admin.config({"deny_vpc": True})
    response = sdk.signed(sim.url, "GET", LIST_VPC)
    assert response.status_code == 403
    assert response.json() == {"code": "VPC.2701", "message": "Token not allowed to do this action."}
    assert sdk.signed(sim.url, "GET", LIST_WS).status_code == 200


def test_deny_writes_lets_reads_through_and_changes_nothing(sim):
    sim.admin.config({"deny_vpc": "writes", "deny_workspace": "writes"})
    assert sdk.signed(sim.url, "GET", LIST_VPC).status_code == 200
    response = sdk.signed(sim.url, "PUT", "%s/%s" % (LIST_VPC, VPC_ONDEMAND), body={"bandwidth": {"size": 60}})
    assert (response.status_code, response.json()["code"]) == (403, "VPC.2701")
    size = next(b["size"] for b in sim.admin.state()["vpc_bandwidths"] if b["id"] == VPC_ONDEMAND)
    assert size == 50


def test_deny_workspace_answers_apigw_0302(sim):
    sim.admin.config({"deny_workspace": True})
    response = sdk.signed(sim.url, "GET", LIST_WS)
    assert (response.status_code, response.json()["error_code"]) == (403, "APIGW.0302")
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def _draws(sim, seed):
    sim.admin.clear_faults()
    sim.admin.clear_log()
    sim.admin.add_faults([{"method": "GET", "path": "bandwidths", "kind": "error", "status": 503, "probability": 0.5,
                           "times": None}], seed=seed)
    for _attempt in range(30):
        sdk.signed(sim.url, "GET", LIST_VPC)
    return [entry["fault"] for entry in sim.admin.log()]


def test_seeded_fault_draws_repeat(sim):
    first, again, other = _draws(sim, 7), _draws(sim, 7), _draws(sim, 8)
    assert first == again
    assert first != other
    assert "error" in first and None in first


def test_signatures_are_recorded_apart_from_the_log(sim):
    response = sdk.signed(sim.url, "GET", LIST_VPC)
    signature = response.request.headers["Authorization"].rsplit("Signature=", 1)[1]
    assert signature in sim.admin.signatures()
    assert signature not in repr(sim.admin.log())

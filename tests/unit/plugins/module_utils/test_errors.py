# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every error body the services send becomes one clear error."""

from __future__ import annotations

import json

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    ADVICE,
    CLOCK_SKEW_HINT,
    HwCloudError,
    OutcomeUnknownError,
    parse_error,
)

OP = "resize bandwidth bw-1"


def body(data):
    return json.dumps(data).encode("utf-8")


@pytest.mark.parametrize("status, payload, headers, code, message, request_id", [
    # Workspace and BSS
    (400, body({"error_code": "WKS.0001", "error_msg": "Invalid parameter.", "error_detail": "size"}), {},
     "WKS.0001", "Invalid parameter.", None),
    (403, body({"error_code": "CBC.0151", "error_msg": "Access denied."}), {"X-Request-Id": "req-h"},
     "CBC.0151", "Access denied.", "req-h"),
    # EIP/VPC
    (404, body({"code": "VPC.0306", "message": "Bandwidth bw-1 does not exist."}), {},
     "VPC.0306", "Bandwidth bw-1 does not exist.", None),
    # Neutron style
    (404, body({"NeutronError": {"message": "Bandwidth bw-1 could not be found", "type": "BandwidthNotFound", "detail": ""}}), {},
     "BandwidthNotFound", "Bandwidth bw-1 could not be found", None),
    (400, body({"NeutronError": {"detail": "only a detail"}}), {},
     None, "only a detail", None),
    # nested error object, both spellings of its fields
    (409, body({"error": {"code": "WKS.1409", "message": "A job is running."}}), {},
     "WKS.1409", "A job is running.", None),
    (409, body({"error": {"error_code": "CBC.99003106", "error_msg": "Order status changed.", "request_id": "req-n"}}), {},
     "CBC.99003106", "Order status changed.", "req-n"),
    # the gateway: request id in the body
    (429, body({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached", "request_id": "req-b"}), {},
     "APIGW.0308", "The throttling threshold has been reached", "req-b"),
    # the header's request id wins over the body's, and its name is case-insensitive
    (401, body({"error_code": "APIGW.0301", "error_msg": "verify aksk signature fail", "request_id": "req-b"}), {"x-request-id": "req-h"},
     "APIGW.0301", "verify aksk signature fail", "req-h"),
    # camelCase fields, and any other wrapper object one level down (the SDK reads both)
    (400, body({"errorCode": "CBC.0100", "errorMsg": "Invalid parameter."}), {},
     "CBC.0100", "Invalid parameter.", None),
    (400, body({"badRequest": {"code": 400, "message": "Invalid input for field/attribute size."}}), {},
     "400", "Invalid input for field/attribute size.", None),
    (400, body({"wrapper": {"error_code": "WKS.0001", "error_msg": "m", "request_id": "req-w"}}), {},
     "WKS.0001", "m", "req-w"),
    # a code given as a number
    (400, body({"code": 400, "message": "bad"}), {}, "400", "bad", None),
])
def test_json_shapes(status, payload, headers, code, message, request_id):
    error = parse_error(OP, status, payload, headers)
    assert isinstance(error, HwCloudError)
    assert (error.operation, error.status, error.error_code, error.message, error.request_id) == (OP, status, code, message, request_id)


@pytest.mark.parametrize("status, payload, expected", [
    (502, b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
     "the service answered HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx"),
    (503, b"", "the service answered HTTP 503 with an empty body"),
    (504, None, "the service answered HTTP 504 with an empty body"),
    (500, b"   \n ", "the service answered HTTP 500 with an empty body"),
    (500, b"upstream connect error", "the service answered HTTP 500: upstream connect error"),
    (500, "text given as str", "the service answered HTTP 500: text given as str"),
    (400, b"[1, 2]", "the service answered HTTP 400: [1, 2]"),
    (400, b'{"unrelated": 1}', 'the service answered HTTP 400: {"unrelated": 1}'),
    (400, b'{"a": {"b": {"code": "deep"}}}', 'the service answered HTTP 400: {"a": {"b": {"code": "deep"}}}'),
    (400, b'{"error_code": "X.1"}', 'the service answered HTTP 400: {"error_code": "X.1"}'),
    (500, b"\xff\xfe broken bytes", "the service answered HTTP 500: \ufffd\ufffd broken bytes"),
])
def test_non_json_and_empty_bodies(status, payload, expected):
    error = parse_error(OP, status, payload)
    assert error.message == expected
    assert error.status == status


def test_error_code_kept_when_message_missing():
    error = parse_error(OP, 400, b'{"error_code": "X.1"}')
    assert error.error_code == "X.1"


def test_long_text_is_cut():
    error = parse_error(OP, 502, b"<p>" + b"x" * 1000 + b"</p>")
    assert error.message.endswith("...")
    assert len(error.message) < 260


@pytest.mark.parametrize("code, message, skew", [
    ("APIGW.0301", "Incorrect IAM authentication information: signature expired, signature time:20230527T000431Z,"
                   "server time:20230527T020608Z", True),
    ("APIG.0301", "Incorrect IAM authentication information: Signature expired", True),
    ("APIGW.0301", "Incorrect IAM authentication information: request time 20240101T000000Z is more than 15 minutes "
                   "away from server time", True),
    ("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail", False),
    # a failed signature check echoes the canonical request, header names included: not a clock problem
    ("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:GET|/v1/|"
                   "|host:vpc.example.com|x-sdk-date:20230527T015431Z||host;x-sdk-date|e3b0", False),
    ("APIGW.0301", "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist", False),
    # the same words under another code are not the gateway's date check
    ("VPC.0301", "signature expired", False),
])
def test_clock_skew_hint(code, message, skew):
    error = parse_error(OP, 401, body({"error_code": code, "error_msg": message, "request_id": "r"}))
    assert (error.hint == CLOCK_SKEW_HINT) is skew
    if skew:
        assert "clock skew" in str(error)
    else:
        assert "clock skew" not in str(error)


@pytest.mark.parametrize("code", sorted(ADVICE))
def test_every_code_of_the_hint_table_gives_its_advice(code):
    error = parse_error(OP, 400, body({"error_code": code, "error_msg": "m"}))
    assert error.hint == ADVICE[code]
    assert str(error).endswith(". What to do: %s" % ADVICE[code])


@pytest.mark.parametrize("code, expected", [
    ("APIG.0301", "APIGW.0301"),
    ("APIG.0302", "APIGW.0302"),
    ("APIG.0308", "APIGW.0308"),
])
def test_older_gateway_spelling_gets_the_same_advice(code, expected):
    assert parse_error(OP, 403, body({"error_code": code, "error_msg": "m"})).hint == ADVICE[expected]


def test_unknown_code_has_no_hint():
    error = parse_error(OP, 400, body({"code": "VPC.9999", "message": "m"}))
    assert error.hint is None
    assert "What to do" not in str(error)


def test_design_codes_are_in_the_hint_table():
    for code in ("APIGW.0301", "APIGW.0302", "APIGW.0307", "APIGW.0308", "VPC.0306", "VPC.2701", "VPC.0301", "CBC.0151",
                 "CBC.30000010", "CBC.99003106", "CBC.99003110", "CBC.99005003", "CBC.99000088", "CBC.99005010"):
        assert ADVICE.get(code), code


def test_str_names_operation_status_code_message_request_id():
    error = parse_error(OP, 404, body({"code": "VPC.0306", "message": "Bandwidth bw-1 does not exist."}), {"X-Request-Id": "abc123"})
    assert str(error) == ("resize bandwidth bw-1 failed (HTTP 404, VPC.0306): Bandwidth bw-1 does not exist. [request id abc123]. "
                          "What to do: check the bandwidth id and the region")


@pytest.mark.parametrize("kwargs, expected", [
    ({}, "op failed: boom"),
    ({"status": 500}, "op failed (HTTP 500): boom"),
    ({"error_code": "X.1"}, "op failed (X.1): boom"),
    ({"request_id": "r1"}, "op failed: boom [request id r1]"),
    ({"hint": "do this"}, "op failed: boom. What to do: do this"),
])
def test_str_leaves_out_what_is_unknown(kwargs, expected):
    assert str(HwCloudError("op", "boom", **kwargs)) == expected


def test_explicit_hint_wins_over_table():
    error = HwCloudError("op", "m", error_code="VPC.0306", hint="mine")
    assert error.hint == "mine"


def test_to_dict_has_the_error_fields():
    error = parse_error(OP, 409, body({"error_code": "WKS.1409", "error_msg": "busy", "request_id": "r9"}))
    assert error.to_dict() == {"operation": OP, "status": 409, "error_code": "WKS.1409", "error_msg": "busy", "request_id": "r9"}


def test_outcome_unknown_is_an_hwcloud_error():
    error = OutcomeUnknownError(OP, "connection broke", hint="read the state")
    assert isinstance(error, HwCloudError)
    assert str(error) == "resize bandwidth bw-1 failed: connection broke. What to do: read the state"


@pytest.mark.parametrize("body", [
    {"http_code": "400", "message": {"details": "the period is not supported", "code": "ces.0014"}},
    {"code": 400, "message": "the period is not supported", "details": {"code": "ces.0014"}},
])
def test_cloud_eye_error_bodies_give_their_code_and_message(body):
    error = parse_error("read utilization", 400, json.dumps(body).encode())
    assert error.error_code == "ces.0014"
    assert error.message == "the period is not supported"

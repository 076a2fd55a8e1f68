# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the API client, and the parsing of every error body the services send."""

from __future__ import annotations

import json
import re

# What a person should do next, by the service's error code. Kept short: the message
# already names the operation and the bandwidth.
ADVICE = {
    "APIGW.0301": "check the access key and secret key (and the security token of temporary credentials)",
    "APIGW.0302": "grant this IAM user the permissions the operation needs",
    "APIGW.0307": "renew the temporary credentials (security token)",
    "APIGW.0308": "the API is throttled; retry later or lower the request rate",
    "APIGW.0101": "this endpoint does not serve the API: check the endpoints option (the base URL of the service, "
                  "without a path) and the region",
    "VPC.0306": "check the bandwidth id and the region",
    "VPC.0007": "the project id in the request is not the project of these credentials; check project_id "
                "(HW_PROJECT_ID) and the region, or leave project_id unset to look it up",
    "VPC.2701": "check the IAM permissions, that the account is not frozen and that it has balance",
    "VPC.0301": "check the requested size and name against the documented rules",
    "CBC.0151": "grant this IAM user billing (BSS) permissions, or pay and follow the order in the console",
    "CBC.30000010": "check the order id",
    "CBC.99003106": "the order changed status; read it again with hwcloud.bandwidth.order_info",
    "CBC.99003110": "the payment deadline passed; place the change again",
    "CBC.99005003": "top up the account balance, then pay the order",
    "CBC.99000088": "a payment is in progress; wait and read the order again",
    "CBC.99005010": "only an order pending payment can be cancelled",
}

CLOCK_SKEW_HINT = ("the gateway rejected the request time: the clock of this machine is probably wrong (clock skew) "
                   "or temporary credentials expired; synchronise the clock (NTP) or renew the credentials")

# Words of the gateway's answer to a request whose X-Sdk-Date is too far from its clock
# ("signature expired, signature time:..., server time:..."). Not "x-sdk-date" alone: a failed
# signature check echoes the canonical request, which holds that header name too.
_SKEW_PATTERN = re.compile(r"(signature expired|request time|server time|time ?stamp|clock)", re.IGNORECASE)


def gateway_code(code):
    """Gateway codes come as ``APIG.0301`` or ``APIGW.0301`` depending on the gateway: one meaning."""
    if code and code.startswith("APIG."):
        return "APIGW." + code[len("APIG."):]
    return code


def advice_for(code):
    """What to do about a service error code, or None."""
    return ADVICE.get(gateway_code(code) or "")


class BandwidthError(Exception):
    """The root of every error this collection raises on purpose: the module base reports them all."""


class HwCloudError(BandwidthError):
    """A call to a Huawei Cloud service failed.

    Carries what a person needs: the operation, the HTTP status, the service's code, its
    message and the request id. Never a credential.
    """

    def __init__(self, operation, message, status=None, error_code=None, request_id=None, hint=None):
        super().__init__(message)
        self.operation = operation
        self.message = message
        self.status = status
        self.error_code = error_code
        self.request_id = request_id
        self.hint = hint if hint is not None else advice_for(error_code)

    def __str__(self):
        parts = ["%s failed" % self.operation]
        details = []
        if self.status is not None:
            details.append("HTTP %s" % self.status)
        if self.error_code:
            details.append(self.error_code)
        if details:
            parts.append(" (%s)" % ", ".join(details))
        parts.append(": %s" % self.message)
        if self.request_id:
            parts.append(" [request id %s]" % self.request_id)
        if self.hint:
            parts.append(". What to do: %s" % self.hint)
        return "".join(parts)

    def with_hint(self, hint):
        """The same error (same class, same fields) with ``hint`` as what to do next."""
        copy = self.__class__(self.operation, self.message, status=self.status, error_code=self.error_code,
                              request_id=self.request_id, hint=hint)
        copy.__dict__.update({key: value for key, value in self.__dict__.items() if key not in copy.__dict__})
        return copy

    def to_dict(self):
        """The error fields for a module result."""
        return {
            "operation": self.operation,
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.message,
            "request_id": self.request_id,
        }


class OutcomeUnknownError(HwCloudError):
    """A change request may or may not have reached the service.

    Raised for a write whose connection broke after the request was sent, or that got a 5xx:
    the caller must read the state again before deciding anything, never resend blindly.
    """


class ValidationError(BandwidthError):
    """Input that fails the documented rules; raised before any write."""


# After one of these answers, a run makes no further write: the same credentials would be
# refused the same way, and repeated authentication failures lock the access key (design, rule 7).
HALTING_STATUSES = frozenset((401, 403))


def halts_writes(error):
    """True when ``error`` says the credentials or the account are refused, not one bandwidth or order."""
    return (isinstance(error, HwCloudError) and not isinstance(error, OutcomeUnknownError)
            and error.status in HALTING_STATUSES)


def parse_error(operation, status, body, headers=None):
    """Build an :class:`HwCloudError` from an HTTP error answer of any service.

    Understands ``{"error_code", "error_msg"}`` (Workspace, BSS, the gateway),
    ``{"code", "message"}`` (EIP/VPC), ``{"NeutronError": {...}}``, a nested
    ``{"error": {"code", "message"}}``, an HTML page and an empty body.
    """
    headers = headers or {}
    request_id = _header(headers, "X-Request-Id")
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    code, message = None, None
    data = _json_or_none(text)
    if isinstance(data, dict):
        code, message, body_request_id = _fields_of(data)
        request_id = request_id or body_request_id
    if message is None:
        message = _message_from_text(text, status)
    hint = None
    if gateway_code(code) == "APIGW.0301" and _SKEW_PATTERN.search(message or ""):
        hint = CLOCK_SKEW_HINT
    return HwCloudError(operation, message, status=status, error_code=code, request_id=request_id, hint=hint)


def _fields_of(data, nested=False):
    request_id = data.get("request_id")
    for code_key, message_key in (("error_code", "error_msg"), ("errorCode", "errorMsg")):
        if code_key in data or message_key in data:
            return _str(data.get(code_key)), _str(data.get(message_key)), request_id
    inner = data.get("NeutronError") or data.get("error")
    if isinstance(inner, dict):
        code = inner.get("code") or inner.get("error_code") or inner.get("type")
        message = inner.get("message") or inner.get("error_msg") or inner.get("detail")
        return _str(code), _str(message), request_id or inner.get("request_id")
    if "code" in data or "message" in data:
        message = data.get("message")
        if isinstance(message, dict):
            # Cloud Eye: {"http_code", "message": {"details", "code"}}
            return _str(message.get("code")), _str(message.get("details") or message.get("message")), request_id
        code = data.get("code")
        details = data.get("details")
        if isinstance(details, dict) and details.get("code"):
            # Older Cloud Eye: {"code": 400, "message", "details": {"code"}}
            code = details["code"]
        return _str(code), _str(message), request_id
    if not nested:
        # Any other wrapper object ({"badRequest": {"code", "message"}}), one level down, as the SDK reads it.
        for value in data.values():
            if isinstance(value, dict):
                code, message, inner_request_id = _fields_of(value, nested=True)
                if code or message:
                    return code, message, request_id or inner_request_id
    return None, None, request_id


def _message_from_text(text, status):
    stripped = re.sub(r"<[^>]+>", " ", text or "")
    stripped = " ".join(stripped.split())
    if not stripped:
        return "the service answered HTTP %s with an empty body" % status
    if len(stripped) > 200:
        stripped = stripped[:200] + "..."
    return "the service answered HTTP %s: %s" % (status, stripped)


def _json_or_none(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _str(value):
    return None if value is None else str(value)


def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake ``requests.Session`` and the transport failures that ``requests`` really raises."""

from __future__ import annotations

import json
from http.client import RemoteDisconnected

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError

URL = "https://vpc.r1.example.com/v1/p/bandwidths/bw-1"


def response(status, payload=None, headers=None):
    """A real ``requests.Response``; ``payload`` is a dict/list (JSON), bytes, str or None."""
    answer = requests.Response()
    answer.status_code = status
    if payload is None:
        answer._content = b""
    elif isinstance(payload, bytes):
        answer._content = payload
    elif isinstance(payload, str):
        answer._content = payload.encode("utf-8")
    else:
        answer._content = json.dumps(payload).encode("utf-8")
    answer.headers = CaseInsensitiveDict(headers or {})
    answer.encoding = "utf-8"
    return answer


# Transport failures, built the way requests' HTTPAdapter builds them from urllib3's errors.

def refused():
    """The TCP connection was refused: nothing was sent."""
    return requests.exceptions.ConnectionError(MaxRetryError(
        None, URL, NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")))


def unresolvable():
    """The host name did not resolve: nothing was sent."""
    return requests.exceptions.ConnectionError(MaxRetryError(
        None, URL, NameResolutionError("vpc.r1.example.com", None, OSError("Name or service not known"))))


def connect_timeout():
    """The TCP connection was not made in time: nothing was sent."""
    return requests.exceptions.ConnectTimeout(MaxRetryError(
        None, URL, ConnectTimeoutError(None, "Connection to vpc.r1.example.com timed out. (connect timeout=30)")))


def tls_failure():
    return requests.exceptions.SSLError(MaxRetryError(
        None, URL, Urllib3SSLError("certificate verify failed: self-signed certificate")))


def disconnected():
    """The connection broke after the request went out: the service may have acted on it."""
    return requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", RemoteDisconnected("Remote end closed connection without response")))


def reset():
    return requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))


def read_timeout():
    """The request went out and no answer came in time."""
    return requests.exceptions.ReadTimeout(ReadTimeoutError(None, URL, "Read timed out. (read timeout=30)"))


class FakeSession:
    """Answers each ``request()`` with the next prepared outcome: a response, or an exception to raise.

    An outcome may also be a callable taking the call dict, for answers that depend on the request.
    """

    def __init__(self, *outcomes, default=None):
        self.outcomes = list(outcomes)
        self.default = default
        self.calls = []

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None):
        call = {"method": method, "url": url, "data": data, "headers": dict(headers or {}), "timeout": timeout, "verify": verify}
        self.calls.append(call)
        if self.outcomes:
            outcome = self.outcomes.pop(0)
        elif self.default is not None:
            outcome = self.default
        else:
            raise AssertionError("unexpected request %s %s" % (method, url))
        if callable(outcome) and not isinstance(outcome, requests.Response):
            outcome = outcome(call)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

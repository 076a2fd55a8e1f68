# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures for module tests: run a module end to end over a fake HTTP session.

- ``fake_http``: replaces ``requests.Session`` in the API client with a router. A test
  registers handlers with ``fake_http.route(method, path_regex, handler)``; a handler gets a
  :class:`FakeRequest` (plus the regex's named groups) and returns ``(status, body)`` or
  ``(status, body, headers)``, or raises (a ``requests`` exception stands for a broken
  connection). Every request is kept in ``fake_http.requests``; ``fake_http.writes`` holds the
  non-GET ones. An unrouted request answers 404 and is kept in ``fake_http.unrouted``.
- ``fake_time``: a ``FakeClock`` (``fakes.py``) as the clock and the sleep of the engine and of
  the retries; sleeping moves it on at once, and a wait that would never end stops with
  ``StuckWait``. Files whose modules run on the engine use it for every test (``pytestmark``).
- ``run_module``: ``run_module(module, args, check_mode=False, diff=False)`` runs a module's
  ``main()`` with those arguments and returns its JSON result (with ``failed`` on failure).
  ``warnings`` are given as plain messages (ansible-core 2.19 sends them as structured
  summaries).
- ``run_on_client``: ``run_on_client(module, client, args, check_mode=False, diff=False)`` runs a
  module's ``main()`` with ``client`` in place of the API client (e.g. ``fakes.FakeBilling``) and
  returns ``(failed, result)``.
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible.module_utils import _internal as _module_internal
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as _module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _client, _engine, _module, _retry
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import FakeClock


class FakeResponse:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        if body is None:
            self.content = b""
        elif isinstance(body, (bytes, str)):
            self.content = body if isinstance(body, bytes) else body.encode("utf-8")
        else:
            self.content = json.dumps(body).encode("utf-8")
        self.headers = dict(headers or {})

    def json(self):
        return json.loads(self.content)


# POSTs that only read: the billing price inquiries (list prices, never a change).
READ_ONLY_POSTS = ("/v2/bills/ratings/period-resources/subscribe-rate", "/v2/bills/ratings/on-demand-resources")


class FakeRequest:
    def __init__(self, method, url, data, headers):
        parts = urlsplit(url)
        self.method = method.upper()
        self.url = url
        self.host = parts.netloc
        self.path = parts.path
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = dict(headers or {})
        self.raw_body = data
        self.body = json.loads(data) if data else None

    @property
    def write(self):
        return self.method != "GET" and self.path not in READ_ONLY_POSTS

    def __repr__(self):
        return "FakeRequest(%s %s %r %r)" % (self.method, self.path, self.query, self.body)


class FakeHttp:
    """Stands in for ``requests.Session``."""

    def __init__(self):
        self.routes = []
        self.requests = []
        self.unrouted = []

    def route(self, method, pattern, handler):
        self.routes.append((method.upper(), re.compile("^%s$" % pattern), handler))

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None):
        del timeout, verify
        request = FakeRequest(method, url, data, headers)
        self.requests.append(request)
        for route_method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if route_method == request.method and match:
                answer = handler(request, **match.groupdict())
                return FakeResponse(*answer)
        self.unrouted.append(request)
        return FakeResponse(404, {"error_code": "TEST.404", "error_msg": "no route for %s %s" % (method, request.path)})

    @property
    def writes(self):
        return [request for request in self.requests if request.write]

    def calls(self, method, pattern):
        regex = re.compile("^%s$" % pattern)
        return [r for r in self.requests if r.method == method.upper() and regex.match(r.path)]


@pytest.fixture
def fake_http(monkeypatch):
    http = FakeHttp()
    monkeypatch.setattr(_client.requests, "Session", lambda: http)
    return http


@pytest.fixture
def run_module(capsys, monkeypatch):
    # Warnings are kept in a process-wide store that is never emptied, and go to the
    # controller's display once any test has imported controller code: start each run clean.
    monkeypatch.setattr(_module_internal, "is_controller", False)

    def run(module, args, check_mode=False, diff=False):
        _module_warnings._global_warnings.clear()
        _module_warnings._global_deprecations.clear()
        module_args = dict(args)
        module_args["_ansible_check_mode"] = check_mode
        module_args["_ansible_diff"] = diff
        with patch_module_args(module_args):
            with pytest.raises(SystemExit):
                module.main()
        result = json.loads(capsys.readouterr().out)
        if "warnings" in result:
            result["warnings"] = [_message(warning) for warning in result["warnings"]]
        return result
    return run


class ModuleExit(Exception):
    def __init__(self, failed, result):
        super().__init__(result.get("msg"))
        self.failed = failed
        self.result = result


@pytest.fixture
def run_on_client(monkeypatch):
    def exit_json(_self, **result):
        raise ModuleExit(False, result)

    def fail_json(_self, msg, **result):
        raise ModuleExit(True, dict(result, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(module, client, args, check_mode=False, diff=False):
        monkeypatch.setattr(_module, "HwCloudClient", lambda config: client)
        args = dict(args)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                module.main()
        return caught.value.failed, caught.value.result
    return run


def _message(warning):
    """The text of a warning, plain or structured (``{"event": {"msg": ...}}``)."""
    if isinstance(warning, dict):
        event = warning.get("event") or {}
        return event.get("msg") or warning.get("msg") or str(warning)
    return warning


@pytest.fixture
def fake_time(monkeypatch):
    fake = FakeClock(limit=200)
    monkeypatch.setattr(_module, "Engine", functools.partial(_engine.Engine, sleep=fake.sleep, clock=fake))
    monkeypatch.setattr(_client, "RetryPolicy", functools.partial(_retry.RetryPolicy, sleep=fake.sleep))
    return fake

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests' fakes below the HTTP router of the module tests.

A fake ``requests.Session`` and the transport failures that ``requests`` really raises; the one
fake clock; a bandwidth service and a billing facade for the engine; a billing client for the
order flows. The module tests' fake cloud (``tests/unit/plugins/modules/fake_cloud.py``) uses
the transport failures from here.
"""

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

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import BandwidthService, Change

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


# -- the engine's collaborators: a service, the billing facade, a clock ------------------------

class StuckWait(Exception):
    """A wait that a fake would never end (a broken flow): stop it instead of spinning."""


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it: waits run instantly.

    The one fake clock of the unit tests: call it for the time, ``sleep`` moves it on at once,
    ``sleeps`` keeps every pause. With ``limit``, the sleep after that many raises
    :class:`StuckWait`, so that a wait that would never end fails the test instead of spinning.
    """

    def __init__(self, now=1000.0, limit=None):
        self.now = now
        self.sleeps = []
        self.limit = limit

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.limit is not None and len(self.sleeps) > self.limit:
            raise StuckWait("still waiting after %d sleeps" % len(self.sleeps))


class FakeService(BandwidthService):
    """A bandwidth service over a dict of normalised bandwidths, counting every call.

    ``writes`` is a list of behaviours taken in turn by ``update``/``order`` (the last one
    stays): ``"apply"`` applies the change and answers it, ``"job"`` marks the bandwidth
    UPDATING and answers a job, ``"lost"`` loses the answer without applying,
    ``"lost-applied"`` applies then loses the answer, ``"lost-updating"`` marks it UPDATING then
    loses the answer, ``"placed"`` answers an order without changing the bandwidth yet; an
    exception instance is raised; a callable is called with (service, current, desired) and its
    answer returned.
    """

    def __init__(self, kind, bandwidths, writes=("apply",), limits=None):
        super().__init__(client=None)
        self.kind = kind
        self.title = {"vpc": "VPC", "workspace": "Workspace"}[kind]
        self.bandwidths = {b["id"]: dict(b) for b in bandwidths}
        self.writes = list(writes)
        self.limits = limits
        self.sent = []
        self.gets = []
        self.lists = 0
        self.limit_reads = 0
        self.jobs = {}
        self.job_reads = []
        self.job_labels = []
        self.reads = 0
        # Called with the service before each read answers: lets a test move the cloud on.
        self.on_read = None

    def scope(self):
        return " in region r1"

    def _read(self):
        self.reads += 1
        if self.on_read is not None:
            self.on_read(self)

    def list(self, **filters):
        self.lists += 1
        self._read()
        return [dict(b) for b in self.bandwidths.values()]

    def get(self, bandwidth_id):
        self.gets.append(bandwidth_id)
        self._read()
        found = self.bandwidths.get(bandwidth_id)
        return dict(found) if found else None

    def size_limits(self):
        self.limit_reads += 1
        return self.limits

    def job_status(self, job_id, label=None):
        self.job_reads.append(job_id)
        self.job_labels.append(label)
        return self.jobs.get(job_id, (False, None))

    # writes
    def apply(self, bandwidth_id, desired):
        self.bandwidths[bandwidth_id].update(desired.items())

    def update(self, current, desired):
        return self._write("update", current, desired)

    def order(self, current, desired, auto_pay, renewal=None):
        return self._write("order", current, desired, auto_pay=auto_pay, renewal=renewal)

    def _write(self, what, current, desired, **extra):
        self.sent.append(dict(extra, what=what, id=current["id"], desired=dict(desired.items())))
        behaviour = self.writes.pop(0) if len(self.writes) > 1 else self.writes[0]
        if isinstance(behaviour, BaseException):
            raise behaviour  # pylint: disable=raising-bad-type
        if callable(behaviour):
            return behaviour(self, current, desired)
        bandwidth_id = current["id"]
        lost = OutcomeUnknownError("%s %s" % (what, bandwidth_id), "the connection broke after the request was sent",
                                   status=502)
        if behaviour == "lost":
            raise lost
        if behaviour == "lost-applied":
            self.apply(bandwidth_id, desired)
            raise lost
        if behaviour == "lost-updating":
            self.bandwidths[bandwidth_id]["status"] = "UPDATING"
            raise lost
        if behaviour == "placed":
            return Change(order_id="CS-%s" % bandwidth_id)
        if behaviour == "job":
            self.bandwidths[bandwidth_id]["status"] = "UPDATING"
            return Change(job_id="job-%s" % bandwidth_id)
        assert behaviour == "apply", behaviour
        self.apply(bandwidth_id, desired)
        if what == "order":
            return Change(order_id="CS-%s" % bandwidth_id)
        return Change(bandwidth=dict(self.bandwidths[bandwidth_id]))


class FakeBillingFacade:
    """Stands in for ``_billing.Billing``: answers from dicts, counts every call.

    ``open`` is ``{resource id: [orders]}`` or None (unreadable); ``orders`` is
    ``{order id: order}`` for ``statuses``; ``this_run`` is a list of successive answers of
    ``orders_of_this_run`` (the last one stays); ``renewals`` answers ``renewal_orders``.
    """

    def __init__(self, open_orders=None, orders=None, this_run=(None,), renewals=None, readable=True):
        self.open = {} if open_orders is None else open_orders
        self.orders = dict(orders or {})
        self.this_run = list(this_run)
        self.renewals = renewals
        self.readable = readable
        self.calls = []
        self.paid = []

    def open_change_orders(self, fresh=False):
        self.calls.append("open_change_orders")
        return self.open if self.readable else None

    def describe(self, orders):
        """What billing says each order is for: ``spec`` of the order, as a detail read would give it."""
        self.calls.append(("describe", tuple(order["order_id"] for order in orders)))
        for order in orders:
            order.setdefault("product_spec_desc", order.get("spec"))

    def statuses(self, order_ids):
        self.calls.append(("statuses", tuple(order_ids)))
        if not self.readable:
            return None
        return {order_id: self.orders[order_id] for order_id in order_ids if order_id in self.orders}

    def pay_within(self, order_id, limits):
        """Pays at once (no amount known: only for runs without limits)."""
        self.calls.append(("pay_within", order_id))
        self.paid.append(order_id)
        return {"order_id": order_id, "status": "processing", "amount": None, "currency": None}, None

    def orders_of_this_run(self, resource_id):
        self.calls.append(("orders_of_this_run", resource_id))
        return self.this_run.pop(0) if len(self.this_run) > 1 else self.this_run[0]

    def renewal_orders(self, bandwidth):
        self.calls.append(("renewal_orders", bandwidth["id"]))
        return self.renewals


# -- the billing service behind a client: the order modules and the Orders/Billing tests ------

PAY_PATH = "/v3/orders/customer-orders/pay"
CANCEL_PATH = "/v2/orders/customer-orders/cancel"
DETAILS_PATH = "/v2/orders/customer-orders/details/"


class FakeBilling:
    """A stand-in for HwCloudClient serving the BSS order calls from a dict of orders.

    ``statuses`` maps order ids to status codes. ``script[order_id]`` is a list of status codes
    that successive reads return (the last one stays). Paying moves an order pending payment to
    ``paid_status`` (processing by default); cancelling moves it to cancelled; any other status
    is refused with the billing service's codes. ``fail(method, error, applied=False)`` makes
    the next call with that method raise ``error``, after applying it when ``applied``.
    """

    def __init__(self, paid_status=3, **statuses):
        self.orders = dict(statuses)
        self.script = {}
        self.paid_status = paid_status
        self.calls = []
        self._failures = {}

    # -- what tests look at ---------------------------------------------------------------

    @property
    def writes(self):
        return [call for call in self.calls if call[0] != "GET"]

    def reads(self, order_id=None):
        return [call for call in self.calls if call[0] == "GET" and (order_id is None or call[1].endswith(order_id))]

    def fail(self, method, error, applied=False):
        self._failures.setdefault(method, []).append((error, applied))

    # -- the client interface -------------------------------------------------------------

    @staticmethod
    def path(template, **values):
        return template.format(**values)

    def request(self, service, method, path, operation, query=None, body=None, project=True, expect=None,
                read_only=False):
        assert service == "bss"
        self.calls.append((method, path, body))
        pending = self._failures.get(method)
        if pending:
            error, applied = pending.pop(0)
            if applied:
                self._apply(method, path, body, operation)
            raise error
        return self._apply(method, path, body, operation)

    def _apply(self, method, path, body, operation):
        if method == "GET" and path.startswith(DETAILS_PATH):
            order_id = path[len(DETAILS_PATH):]
            self._known(order_id, operation)
            script = self.script.get(order_id)
            if script:
                self.orders[order_id] = script.pop(0) if len(script) > 1 else script[0]
            return {"order_info": self.info(order_id), "order_line_items": [
                {"order_id": order_id, "product_spec_desc": "Bandwidth | 50 Mbit/s | %s" % order_id}]}
        if method == "POST" and path == PAY_PATH:
            self._known(body["order_id"], operation)
            if self.orders[body["order_id"]] != 6:
                raise HwCloudError(operation, "The order status has changed.", status=400, error_code="CBC.99003106")
            self.orders[body["order_id"]] = self.paid_status
            return None
        if method == "PUT" and path == CANCEL_PATH:
            self._known(body["order_id"], operation)
            if self.orders[body["order_id"]] != 6:
                raise HwCloudError(operation, "The order status does not allow cancelling.", status=400,
                                   error_code="CBC.99005010")
            self.orders[body["order_id"]] = 4
            return None
        raise AssertionError("unexpected call %s %s" % (method, path))

    def _known(self, order_id, operation):
        if order_id not in self.orders:
            raise HwCloudError(operation, "Invalid order ID: %s." % order_id, status=400, error_code="CBC.30000010")

    def info(self, order_id):
        status = self.orders[order_id]
        return {
            "order_id": order_id, "status": status, "order_type": 3, "service_type_code": "hws.service.type.vpc",
            "create_time": "2024-03-01T12:00:00Z",
            "payment_time": "2024-03-01T12:05:00Z" if status in (3, 5) else None,
            "amount_after_discount": 250.0, "official_amount": 300.0, "currency": "CNY",
        }


class FakePrices:
    """Stands in for ``_pricing.Prices``: a flat list price per Mbit/s and month; keeps what it was asked."""

    def __init__(self, per_mbit=10.0, currency="CNY"):
        self.per_mbit = per_mbit
        self.currency = currency
        self.asked = []

    def estimate(self, changes):
        self.asked.append(list(changes))
        return [{"currency": self.currency, "monthly_before": before * self.per_mbit,
                 "monthly_after": after * self.per_mbit, "monthly_change": (after - before) * self.per_mbit,
                 "reason": None} for _bandwidth, before, after, _region in changes]

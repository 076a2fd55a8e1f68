# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A gateway in front of the simulator's billing API that fails after the payment was applied.

The simulator's own faults answer a 5xx or an HTML page *before* the service sees a request, or
drop the connection after it. A gateway can also time out or fail while the service has already
taken a payment, and answer 502, 503 or 504: the caller gets an error for a payment that went
through. This proxy forwards every request unchanged (the signature covers the ``Host`` header,
which is passed on as the client sent it) and, by a seeded draw, replaces the answer of a payment
that billing accepted (204) with a gateway error, until ``DELETE /_sim/faults`` passes through it (the
campaign clears the faults that way). ``records`` lists each payment it forwarded as
``(order_id, replaced status or None)``, in the order they came, for the campaign's judge.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.simulator.server import GATEWAY_FAULT_CODES, Server

PAY_PATH = "/v3/orders/customer-orders/pay"


class PayProxy:
    """``with PayProxy(simulator_url, times=2, probability=0.7, seed=1) as proxy:`` serves at ``proxy.url``."""

    def __init__(self, target_url, times=1, probability=1.0, statuses=(502,), seed=None, client_timeout=None):
        self.target = urlsplit(target_url)
        # An answer slower than the client waits for is never seen: it is not replaced (nor counted).
        self.client_timeout = client_timeout
        self.times = times
        self.probability = probability
        self.statuses = tuple(statuses)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.records = []
        handler = type("PayProxyHandler", (_Handler,), {"proxy": self})
        # The simulator's server class: threaded, and quiet about clients that gave up waiting.
        self.server = Server(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def after_payment(self, body, status, seconds=0.0):
        """The status to answer instead of billing's ``status`` for this payment, or None; recorded either way."""
        try:
            order_id = json.loads(body.decode("utf-8")).get("order_id")
        except (ValueError, AttributeError):
            order_id = None
        with self.lock:
            replaced = None
            seen = self.client_timeout is None or seconds < self.client_timeout
            if status == 204 and seen and self.times > 0 and self.random.random() < self.probability:
                self.times -= 1
                replaced = self.random.choice(self.statuses)
            self.records.append((order_id, replaced))
            return replaced


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy = None  # set on the subclass made by PayProxy

    def log_message(self, *args):
        """Quiet: the simulator logs every request."""

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        payment = self.command == "POST" and self.path.split("?")[0] == PAY_PATH
        if self.command == "DELETE" and self.path == "/_sim/faults":
            # The faults are cleared (passed on to the simulator too): no more gateway errors either.
            with self.proxy.lock:
                self.proxy.times = 0
        target = self.proxy.target
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        started = time.monotonic()
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            status, payload, answer_headers = response.status, response.read(), response.getheaders()
        except (OSError, http.client.HTTPException):
            # The simulator dropped the connection (a fault of its own): so does the gateway.
            if payment:
                self.proxy.after_payment(body, None)
            self.close_connection = True
            return
        finally:
            connection.close()
        if payment:
            replaced = self.proxy.after_payment(body, status, time.monotonic() - started)
            if replaced:
                status, answer_headers = replaced, [("Content-Type", "application/json;charset=UTF-8")]
                payload = json.dumps({"error_code": GATEWAY_FAULT_CODES.get(replaced, "APIGW.0103"),
                                      "error_msg": "Gateway failure after the backend answered (HTTP %d)" % replaced,
                                      "request_id": "proxy"}).encode("utf-8")
        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = forward


def mark_log(log, records, kind="error_after"):
    """Mark the simulator's log entries of the payments whose answer the proxy replaced (matched per order, in turn)."""
    replaced = {}
    for order_id, status in records:
        replaced.setdefault(order_id, []).append(status)
    for entry in log:
        if entry.get("operation") != "bss.pay":
            continue
        turns = replaced.get((entry.get("body") or {}).get("order_id")) or []
        if turns and turns.pop(0) and not entry.get("fault"):
            entry["fault"] = kind
    return log

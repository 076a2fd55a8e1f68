"""The HTTP front: routing, signature check, faults, request log and the /_sim admin API."""

import json
import re
import sys
import threading
import time
import uuid
from collections import Counter, deque
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from . import cloudeye, errors, pricing, ratelimit, services, signing
from .faults import FaultError, Faults
from .state import Store

P = r"(?P<project_id>[^/]+)"
ROUTES = [
    ("GET", r"/v3/projects", "iam", "iam.projects", services.iam_projects),
    ("GET", r"/v3/auth/domains", "iam", "iam.domains", services.iam_domains),
    ("GET", r"/v2/orders/customer-orders/details/(?P<order_id>[^/]+)", "bss", "bss.order_show", services.bss_order_show),
    ("GET", r"/v2/orders/customer-orders", "bss", "bss.order_list", services.bss_order_list),
    ("POST", r"/v3/orders/customer-orders/pay", "bss", "bss.pay", services.bss_pay),
    ("PUT", r"/v2/orders/customer-orders/cancel", "bss", "bss.cancel", services.bss_cancel),
    ("POST", r"/v2/orders/suscriptions/resources/query", "bss", "bss.resources_query", services.bss_resources_query),
    ("POST", r"/v2/bills/ratings/period-resources/subscribe-rate", "bss", "bss.rate_on_period", pricing.rate_on_period),
    ("POST", r"/v2/bills/ratings/on-demand-resources", "bss", "bss.rate_on_demand", pricing.rate_on_demand),
    ("GET", r"/v2/%s/bandwidths" % P, "workspace", "workspace.list", services.workspace_list),
    ("POST", r"/v2/%s/bandwidths/(?P<bandwidth_id>[^/]+)/update" % P, "workspace", "workspace.update", services.workspace_update),
    ("POST", r"/v2/%s/bandwidths/(?P<bandwidth_id>[^/]+)/periodic/change/order" % P, "workspace", "workspace.change_order",
     services.workspace_change_order),
    ("GET", r"/v2/%s/workspace-jobs/(?P<job_id>[^/]+)" % P, "workspace", "workspace.job", services.workspace_job),
    ("GET", r"/v1/%s/bandwidths" % P, "vpc", "vpc.list", services.vpc_list),
    ("GET", r"/v1/%s/bandwidths/(?P<bandwidth_id>[^/]+)" % P, "vpc", "vpc.show", services.vpc_show),
    ("PUT", r"/v1/%s/bandwidths/(?P<bandwidth_id>[^/]+)" % P, "vpc", "vpc.update", services.vpc_update),
    ("PUT", r"/v2.0/%s/bandwidths/(?P<bandwidth_id>[^/]+)" % P, "vpc", "vpc.update_prepaid", services.vpc_update_prepaid),
    ("GET", r"/v3/%s/eip/eip-bandwidth-limits" % P, "vpc", "vpc.bandwidth_limits", cloudeye.eip_bandwidth_limits),
    ("POST", r"/V1.0/%s/batch-query-metric-data" % P, "ces", "ces.batch_query", cloudeye.ces_batch_query),
    ("GET", r"/V1.0/%s/metric-data" % P, "ces", "ces.metric_data", cloudeye.ces_show_metric_data),
]
COMPILED = [(method, re.compile("^%s/?$" % pattern), service, operation, func) for method, pattern, service, operation, func in ROUTES]

HTML_PAGE = "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>"
GATEWAY_FAULT_CODES = {500: "APIGW.0103", 502: "APIGW.0202", 503: "APIGW.0203", 504: "APIGW.0201"}


# POST routes that only read: the billing resource query, the price inquiries and the Cloud Eye
# batch query carry their filters in a body.
READ_ONLY_POSTS = frozenset(("bss.resources_query", "bss.rate_on_period", "bss.rate_on_demand", "ces.batch_query"))


def is_write(method, route):
    """Whether a request can change state: every non-GET call except the read-only POSTs."""
    return method != "GET" and not (route and route[1] in READ_ONLY_POSTS)


class DropConnection(Exception):
    """Close the connection without an answer."""


class Simulator:
    """Everything the handler threads share."""

    def __init__(self, store):
        self.store = store
        self.faults = Faults(store.data.get("faults"))
        self.rate_limits = ratelimit.RateLimiter()
        self.log = []
        self.log_lock = threading.Lock()
        # Signature values of the requests received, kept apart from the log (which holds no
        # headers) so that tests can search their own output for leaked signatures.
        self.signatures = deque(maxlen=100000)

    def credentials(self):
        return {item["access_key"]: item for item in self.store.data["credentials"]}

    def record(self, entry):
        with self.log_lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)

    def reset(self, seed=None):
        self.store.reset(seed)
        self.faults = Faults(self.store.data.get("faults"))
        self.rate_limits.reset()
        self.clear_log()

    def clear_log(self):
        with self.log_lock:
            self.log = []

    def summary(self):
        with self.log_lock:
            entries = list(self.log)
        return {
            "requests": len(entries),
            "reads": sum(1 for entry in entries if not entry["write"]),
            "writes": sum(1 for entry in entries if entry["write"]),
            "orders_created": sum(1 for entry in entries if entry["order_id"]),
            "jobs_created": sum(1 for entry in entries if entry["operation"] == "workspace.update" and entry["status"] == 200),
            "by_operation": dict(Counter(entry["operation"] for entry in entries)),
        }


def find_route(method, path):
    """Return (service, operation, func, params) or None; a path known under another method gives func None."""
    for route_method, pattern, service, operation, func in COMPILED:
        match = pattern.match(path)
        if match and route_method == method:
            return service, operation, func, match.groupdict()
    return None


def guess_service(path):
    if path.startswith("/v3/projects") or path.startswith("/v3/auth"):
        return "iam"
    if path.startswith("/V1.0/"):
        return "ces"
    if path.startswith("/v3/") and "/eip/" in path:
        return "vpc"
    if "/orders/" in path or path.startswith("/v2/bills/"):
        return "bss"
    if path.startswith("/v1/") or path.startswith("/v2.0/"):
        return "vpc"
    return "workspace"


class Handler(BaseHTTPRequestHandler):
    """One request; the work is split into small steps so each can be read on its own."""

    protocol_version = "HTTP/1.1"
    server_version = "HuaweiCloudSimulator/1.0"
    sim = None  # set on the subclass made by make_server

    def log_message(self, *args):
        """The request log at /_sim/log replaces the default stderr lines."""

    def dispatch(self):
        parts = urlsplit(self.path)
        body = self.read_body()
        if parts.path.startswith("/_sim/"):
            self.admin(self.command, parts.path, body)
            return
        self.api(parts, body)

    # http.server looks these names up; every method goes through the same dispatch.
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = dispatch

    # ---- plumbing ---------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body=None, headers=None, content_type="application/json;charset=UTF-8"):
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            payload = body.encode("utf-8")
        else:
            payload = b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        if payload:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def drop(self):
        self.close_connection = True
        self.wfile.flush()

    # ---- API ----------------------------------------------------------------------------

    def api(self, parts, raw_body):
        request_id = uuid.uuid4().hex
        route = find_route(self.command, parts.path)
        service = route[0] if route else guess_service(parts.path)
        entry = {
            "time": datetime.now(timezone.utc).isoformat(), "method": self.command, "path": parts.path,
            "query": parse_qs(parts.query, keep_blank_values=True), "body": _parse_json(raw_body), "status": None,
            "service": service, "operation": route[1] if route else "unknown", "write": is_write(self.command, route),
            "fault": None, "order_id": None,
        }
        try:
            status, body, headers = self.api_answer(parts, raw_body, request_id, route, entry)
        except DropConnection:
            self.sim.record(entry)
            self.drop()
            return
        entry["status"] = status
        self.sim.record(entry)
        headers = dict(headers or {}, **{"X-Request-Id": request_id})
        if entry["fault"] == "html":
            self.send(status, body, headers, content_type="text/html")
        else:
            self.send(status, body, headers)

    def api_answer(self, parts, raw_body, request_id, route, entry):
        fault = self.sim.faults.pick(self.command, parts.path)
        if fault:
            entry["fault"] = fault["kind"]
            early = self.fault_answer(fault, request_id)
            if early:
                return early
        try:
            self.authenticate(parts, raw_body, request_id)
            if route is None:
                raise errors.gateway(404, "APIGW.0101", "The API does not exist or has not been published in the environment", request_id)
            self.throttle(route, entry, request_id)
            self.check_permission(route[0], request_id)
            status, body = self.call_service(route, parts, entry)
        except errors.ApiError as exc:
            return exc.status, exc.body, exc.headers
        if fault and fault["kind"] == "drop_after":
            raise DropConnection()
        return status, body, {}

    def fault_answer(self, fault, request_id):
        """Answer for a fault that stops the request early; None lets the request go on."""
        kind = fault["kind"]
        if kind == "latency":
            time.sleep(fault["delay"])
            return None
        if kind == "drop_before":
            raise DropConnection()
        if kind == "throttle":
            error = errors.gateway(429, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second",
                                   request_id, {"Retry-After": fault["retry_after"]})
            return error.status, error.body, error.headers
        status = fault["status"]
        if kind == "html":
            reason = self.responses.get(status, ("Error",))[0]
            return status, HTML_PAGE % (status, reason, status, reason), {}
        if kind == "error":
            code = GATEWAY_FAULT_CODES.get(status, "APIGW.0103")
            error = errors.gateway(status, code, "Simulated gateway failure (HTTP %d)" % status, request_id)
            return error.status, error.body, {}
        return None

    def authenticate(self, parts, raw_body, request_id):
        request = {
            "method": self.command, "path": parts.path,
            "query_pairs": parse_qsl(parts.query, keep_blank_values=True),
            "headers": {name.lower(): value for name, value in self.headers.items()}, "body": raw_body,
        }
        try:
            self.sim.signatures.append(signing.parse_authorization(request["headers"].get("authorization"))[2])
        except signing.SignatureError:
            pass
        # config.clock_offset (seconds) shifts the simulator's clock: a client clock that is off.
        now = datetime.now(timezone.utc) + timedelta(seconds=float(self.sim.store.config.get("clock_offset") or 0))
        try:
            signing.verify(request, self.sim.credentials(), now=now)
        except signing.CredentialsExpiredError as exc:
            raise errors.gateway(401, "APIGW.0307", str(exc), request_id) from exc
        except signing.SignatureError as exc:
            raise errors.gateway(401, "APIGW.0301", str(exc), request_id) from exc

    def throttle(self, route, entry, request_id):
        """config.rate_limits: the gateway's limit per API, access key and region (see ratelimit.py); off by default."""
        access_key = signing.parse_authorization(self.headers.get("Authorization"))[0]
        project_id = route[3].get("project_id")
        # A regional API is throttled by its region's gateway; an unknown project is refused later anyway.
        project = self.sim.store.project(project_id) if project_id else None
        region = project["name"] if project else project_id
        try:
            self.sim.rate_limits.check(self.sim.store.config.get("rate_limits"), route[1], access_key, entry["write"], request_id,
                                       region)
        except errors.ApiError:
            entry["fault"] = "rate_limited"
            raise
        except ValueError as exc:  # a malformed setting from a seed file
            raise errors.gateway(500, "APIGW.0103", "The simulator's config.rate_limits is malformed: %s" % exc, request_id) from exc

    def check_permission(self, service, request_id):
        """config.deny_workspace / deny_vpc / deny_ces: true denies every call, "writes" every non-GET call."""
        deny = self.sim.store.config.get("deny_%s" % service) if service in ("workspace", "vpc", "ces") else None
        if not deny or (deny == "writes" and self.command == "GET"):
            return
        if service == "ces":
            # The code is a simulator choice: the documented table does not name the permission error.
            raise errors.ces(403, "ces.0017", "The user has no permission to access the API (ces:metricData:list).")
        if service == "vpc":
            raise errors.vpc(403, "VPC.2701", "Token not allowed to do this action.")
        raise errors.gateway(403, "APIGW.0302", "The IAM user is not authorized to access the API.", request_id)

    def call_service(self, route, parts, entry):
        service, _operation, func, params = route
        store = self.sim.store
        project_id = params.pop("project_id", None)
        if project_id is not None:
            self.check_project(service, project_id)
        body = entry["body"]
        if entry["body"] is _INVALID:
            entry["body"] = None
            raise errors.invalid_body(service, "the request body is not valid JSON")
        call = services.Call(project_id, params, parse_qs(parts.query, keep_blank_values=True), body if self.command != "GET" else None)
        store.advance()
        with store.lock:
            status, answer = func(store, call)
            if is_write(self.command, route):
                # Saved before answering, so a crash or drop after the change never loses it.
                store.save()
        entry["order_id"] = call.order_id
        return status, answer

    def check_project(self, service, project_id):
        known = {project["id"] for project in self.sim.store.data["projects"]}
        header = self.headers.get("X-Project-Id")
        if project_id in known and header in (None, project_id):
            return
        message = "urlTenantId is not equal tokenTenantId" if service == "vpc" else "The project ID %s is invalid." % project_id
        if service == "ces":
            raise errors.ces(400, "ces.0003", "The tenant ID is left blank or incorrect.")
        if service == "vpc":
            raise errors.vpc(400, "VPC.0007", message)
        raise errors.workspace(400, "WKS.00000007", message)

    # ---- admin --------------------------------------------------------------------------

    def admin(self, method, path, raw_body):
        body = _parse_json(raw_body)
        if body is _INVALID:
            self.send(400, {"error": "the body is not valid JSON"})
            return
        action = ADMIN.get((method, path))
        if action is None:
            self.send(404, {"error": "no admin endpoint %s %s" % (method, path)})
            return
        try:
            status, answer = action(self.sim, body)
        except (FaultError, ValueError, TypeError, KeyError) as exc:
            status, answer = 400, {"error": str(exc)}
        self.send(status, answer)


_INVALID = object()


def _parse_json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _INVALID


def _admin_state(sim, _body):
    sim.store.advance()
    view = sim.store.public_view()
    view["faults"] = sim.faults.snapshot()
    return 200, view


def _admin_log(sim, _body):
    with sim.log_lock:
        return 200, {"requests": [dict(entry, body=None if entry["body"] is _INVALID else entry["body"]) for entry in sim.log]}


def _admin_clear_log(sim, _body):
    sim.clear_log()
    return 200, {"ok": True}


def _admin_reset(sim, body):
    if body is not None and not isinstance(body, dict):
        raise ValueError("the seed must be a JSON object")
    sim.reset(body)
    return 200, {"ok": True}


def _admin_add_faults(sim, body):
    if not isinstance(body, dict) or not isinstance(body.get("faults"), list):
        raise ValueError('expected {"faults": [...]}')
    sim.faults.add(body["faults"])
    if body.get("seed") is not None:
        # Reproducible draws for rules with a probability.
        sim.faults.reseed(body["seed"])
    return 200, {"faults": sim.faults.snapshot()}


def _admin_clear_faults(sim, _body):
    sim.faults.clear()
    return 200, {"faults": []}


def _admin_config(sim, body):
    if not isinstance(body, dict):
        raise ValueError("the config must be a JSON object")
    ratelimit.validate(body.get("rate_limits"))
    with sim.store.lock:
        sim.store.config.update(body)
        sim.store.save()
        return 200, {"config": dict(sim.store.config)}


ADMIN = {
    ("GET", "/_sim/health"): lambda sim, body: (200, {"ok": True}),
    ("POST", "/_sim/reset"): _admin_reset,
    ("GET", "/_sim/state"): _admin_state,
    ("GET", "/_sim/log"): _admin_log,
    ("DELETE", "/_sim/log"): _admin_clear_log,
    ("GET", "/_sim/summary"): lambda sim, body: (200, sim.summary()),
    ("GET", "/_sim/faults"): lambda sim, body: (200, {"faults": sim.faults.snapshot()}),
    ("POST", "/_sim/faults"): _admin_add_faults,
    ("DELETE", "/_sim/faults"): _admin_clear_faults,
    ("POST", "/_sim/config"): _admin_config,
    ("GET", "/_sim/signatures"): lambda sim, body: (200, {"signatures": list(sim.signatures)}),
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # 50+ clients connect at once in the tests; the default backlog of 5 would refuse some.
    request_queue_size = 256

    def handle_error(self, request, client_address):
        """A client that gave up (its timeout passed during a latency fault) is normal here: no traceback."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def make_server(host, port, state_path, seed):
    store = Store(state_path, seed)
    handler = type("BoundHandler", (Handler,), {"sim": Simulator(store)})
    return Server((host, port), handler)

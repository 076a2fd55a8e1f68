"""The simulator's state: bandwidths, jobs and orders, seeded from YAML, persisted to JSON.

Jobs and orders advance lazily: every access calls advance(), which moves each job or order
whose due time has passed to its next status and applies its change. This keeps the state
file the single source of truth (a restart resumes exactly where it stopped) without a
background thread.
"""

import copy
import json
import os
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone

import yaml

DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "default.yml")

DEFAULT_CONFIG = {
    "job_delay": 0.5,
    "order_delay": 0.5,
    "fail_jobs_for": [],
    "fail_reason": "Simulated failure: the bandwidth could not be updated",
    "job_error_code": "WKS.00100001",
    "deny_billing": False,
    "vpc_min_size": 1,
    "vpc_max_size": 2000,
    "workspace_min_size": 1,
    "workspace_max_size": 2000,
    "allow_immediate_decrease": True,
    "currency": "CNY",
    # Days left in the period of a yearly/monthly bandwidth whose seed gives no expire_time or
    # remaining_days; a change order is priced for the days left (tests/simulator/pricing.py).
    "prepaid_remaining_days": 180,
    # Discount of every order: amount_after_discount = official_amount * (100 - this) / 100.
    "order_discount_percent": 0,
    "deny_ces": False,
    "usage_seed": 1,
    "traffic_max_size": 300,
}

ORDER_PENDING_PAYMENT = 6
ORDER_PROCESSING = 3
ORDER_COMPLETED = 5
ORDER_CANCELLED = 4
ORDER_TYPE_CHANGE = 3

SERVICE_CODES = {
    "workspace": ("hws.service.type.workspace", "Workspace", "hws.resource.type.workspace.bandwidth"),
    "vpc": ("hws.service.type.vpc", "Virtual Private Cloud", "hws.resource.type.bandwidth"),
}


def utc_text(epoch, millis=False):
    """Format a timestamp as the services do (UTC, ISO 8601 with Z)."""
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def vpc_time_text(epoch):
    """VPC timestamps have no zone suffix: yyyy-MM-ddTHH:mm:ss in UTC."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def stable_id(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "hwcloud-sim/" + "/".join(str(part) for part in parts)))


def new_order_id():
    """Order ids look like the real ones: CS + yymmddHHMM + 5 upper-case letters."""
    stamp = datetime.now(timezone.utc).strftime("%y%m%d%H%M")
    letters = "".join(chr(ord("A") + byte % 26) for byte in os.urandom(5))
    return "CS%s%s" % (stamp, letters)


def load_seed(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _workspace_defaults(item, index, project):
    bandwidth_id = item.get("bandwidth_id") or stable_id("ws", index, item.get("bandwidth_name", ""))
    result = {
        "bandwidth_id": bandwidth_id,
        "bandwidth_name": "wks-bandwidth-%04d" % (index + 1),
        "charge_mode": "wks_traffic",
        "size": 10,
        "vpc_id": stable_id("vpc", bandwidth_id),
        "vpc_name": "vpc-workspace",
        "subnet_id": stable_id("subnet", bandwidth_id),
        "subnet_name": "subnet-workspace-%04d" % (index + 1),
        "enterprise_project_id": "0",
        "status": "ACTIVE",
        "created_at": "2024-03-01T08:00:00.000Z",
        "order_id": None,
        "control_mode": "BLACK",
    }
    result.update(item)
    if result["charge_mode"] == "wks_bandwidth" and not result.get("order_id"):
        result["order_id"] = "CS2403010800%s" % bandwidth_id.replace("-", "")[:5].upper()
    _place(result, project)
    return result


def _billing_info(bandwidth_id, project):
    order = "CS2403010800%s" % bandwidth_id.replace("-", "")[:5].upper()
    product = stable_id("product", bandwidth_id).replace("-", "")
    return "%s:%s:%s:%s" % (order, product, project["name"], project["id"])


def _place(item, project):
    """Record the region and project an item lives in (kept out of the API views)."""
    item["region"] = project["name"]
    item["project_id"] = project["id"]


def _vpc_defaults(item, index, project):
    bandwidth_id = item.get("id") or stable_id("vpc-bw", index, item.get("name", ""))
    result = {
        "id": bandwidth_id,
        "name": "bandwidth-%04d" % (index + 1),
        "size": 10,
        "share_type": "WHOLE",
        "bandwidth_type": "share",
        "charge_mode": "bandwidth",
        "billing_info": "",
        "enterprise_project_id": "0",
        "publicip_info": [],
        "status": "NORMAL",
        "tenant_id": project["id"],
        "created_at": "2024-03-01T08:00:00",
        "updated_at": "2024-03-01T08:00:00",
    }
    result.update(item)
    if result.get("billing_info") is True or result.get("prepaid"):
        result["billing_info"] = _billing_info(bandwidth_id, project)
    result.pop("prepaid", None)
    # Cloud Eye demand is sized from the seed, so a resize does not change the demand itself.
    result.setdefault("usage_size", result["size"])
    if result["share_type"] == "PER" and result["bandwidth_type"] == "share":
        result["bandwidth_type"] = "bgp"
    _place(result, project)
    return result


def _set_expiry(item, prepaid, config, now):
    """``expire_epoch`` of a yearly/monthly bandwidth, from the seed's ``expire_time`` or ``remaining_days``."""
    expire_time, days = item.pop("expire_time", None), item.pop("remaining_days", None)
    if not prepaid:
        return
    if expire_time:
        moment = datetime.strptime(str(expire_time).rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S")
        item["expire_epoch"] = moment.replace(tzinfo=timezone.utc).timestamp()
        return
    remaining = config.get("prepaid_remaining_days", 180) if days is None else days
    item["expire_epoch"] = now + int(remaining) * 86400


def _is_prepaid_slot(index, ratio):
    """Spread prepaid items evenly and deterministically through a fleet."""
    return int((index + 1) * ratio) > int(index * ratio)


def _fleet_regions(spec, projects):
    """The region of each generated item: ``regions`` (names of ``projects``) in turn, else the first project."""
    names = spec.get("regions") or [projects[0]["name"]]
    if isinstance(names, str) or not isinstance(names, list):
        raise ValueError("fleet.regions must be a list of region (project) names")
    return [_project_named(projects, name, "fleet.regions") for name in names]


def _project_named(projects, name, where):
    for project in projects:
        if project["name"] == name:
            return project
    raise ValueError("%s: %r is not the name of a project of the seed (known: %s)"
                     % (where, name, ", ".join(project["name"] for project in projects)))


def _fleet(spec, projects):
    """Generated bandwidths, each with the ``region`` it lives in (round-robin over ``regions``)."""
    regions = _fleet_regions(spec, projects)
    prefix = spec.get("name_prefix", "fleet")
    ratio = float(spec.get("prepaid_ratio", 0.5))
    size = int(spec.get("size", 10))
    workspace, vpc = [], []
    for index in range(int(spec.get("workspace", 0))):
        name = "%s-ws-%04d" % (prefix, index + 1)
        workspace.append({
            "bandwidth_id": stable_id("fleet-ws", prefix, index),
            "bandwidth_name": name,
            "charge_mode": "wks_bandwidth" if _is_prepaid_slot(index, ratio) else "wks_traffic",
            "size": size,
            "region": regions[index % len(regions)]["name"],
        })
    for index in range(int(spec.get("vpc", 0))):
        bandwidth_id = stable_id("fleet-vpc", prefix, index)
        share_type = "WHOLE" if index % 2 == 0 else "PER"
        publicips = [] if share_type == "WHOLE" else [{
            "publicip_id": stable_id("eip", bandwidth_id),
            "publicip_address": "100.64.%d.%d" % (index // 250 % 250, index % 250 + 1),
            "publicip_type": "5_bgp",
            "ip_version": 4,
        }]
        vpc.append({
            "id": bandwidth_id,
            "name": "%s-vpc-%04d" % (prefix, index + 1),
            "share_type": share_type,
            "size": size,
            "prepaid": _is_prepaid_slot(index, ratio),
            "publicip_info": publicips,
            "region": regions[index % len(regions)]["name"],
        })
    return workspace, vpc


def _home(projects, item, where):
    """The project of a seed item: its ``region`` (a project name), else the first project."""
    name = item.pop("region", None)
    item.pop("project_id", None)  # always the region's own project
    return projects[0] if name is None else _project_named(projects, name, where)


def build_state(seed):
    """Turn a seed document into a fresh state document."""
    seed = copy.deepcopy(seed or {})
    if not all(seed.get(key) for key in ("credentials", "projects", "domain")):
        # A seed that only describes bandwidths (a fleet, say) keeps the default account.
        defaults = load_seed(DEFAULT_SEED)
        for key in ("credentials", "projects", "domain"):
            seed[key] = seed.get(key) or defaults.get(key)
    projects = seed["projects"]
    config = dict(DEFAULT_CONFIG)
    config.update(seed.get("config") or {})
    fleet_ws, fleet_vpc = _fleet(seed.get("fleet") or {}, projects)
    workspace = [_workspace_defaults(item, index, _home(projects, item, "workspace_bandwidths"))
                 for index, item in enumerate((seed.get("workspace_bandwidths") or []) + fleet_ws)]
    vpc = [_vpc_defaults(item, index, _home(projects, item, "vpc_bandwidths"))
           for index, item in enumerate((seed.get("vpc_bandwidths") or []) + fleet_vpc)]
    now = time.time()
    for item in workspace:
        _set_expiry(item, item["charge_mode"] == "wks_bandwidth", config, now)
    for item in vpc:
        _set_expiry(item, bool(item.get("billing_info")), config, now)
    return {
        "domain": seed["domain"],
        "projects": projects,
        "credentials": seed["credentials"],
        "workspace_bandwidths": workspace,
        "vpc_bandwidths": vpc,
        "jobs": [],
        "orders": [],
        "renewal_changes": {},
        "config": config,
        "faults": seed.get("faults") or [],
    }


class Store:
    """Thread-safe holder of the state document, saved atomically after every change."""

    def __init__(self, path, seed):
        self.path = path
        self.seed = seed
        self.lock = threading.RLock()
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                self.data = json.load(handle)
        else:
            self.data = build_state(seed)
            self.save()

    def reset(self, seed=None):
        with self.lock:
            self.data = build_state(self.seed if seed is None else seed)
            self.save()

    def save(self):
        """Write to a temporary file in the same directory, then rename it over the old one."""
        if not self.path:
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(prefix=".sim-state-", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                # Compact and in one piece: an indented dump goes through json's pure-Python encoder and
                # json.dump writes many small pieces; every write saves, and a fleet of 1,000 took 50 ms
                # a save that way, which capped the simulator near 20 writes a second (now about 5 ms).
                stream.write(json.dumps(self.data, sort_keys=True))
            os.replace(temporary, self.path)
        except OSError:
            os.unlink(temporary)
            raise

    @property
    def config(self):
        return self.data["config"]

    def project_of(self, item):
        """The project id a bandwidth or job lives in (a state file without one: the first project)."""
        return item.get("project_id") or self.data["projects"][0]["id"]

    def in_project(self, items, project_id):
        """The items of one project; every item when ``project_id`` is None (the global view)."""
        if project_id is None:
            return items
        return [item for item in items if self.project_of(item) == project_id]

    def project(self, project_id):
        return next((project for project in self.data["projects"] if project["id"] == project_id), None)

    def workspace(self, bandwidth_id, project_id=None):
        """A Workspace bandwidth by id; with ``project_id``, only one of that project (a regional endpoint)."""
        return next((item for item in self.data["workspace_bandwidths"] if item["bandwidth_id"] == bandwidth_id
                     and project_id in (None, self.project_of(item))), None)

    def vpc(self, bandwidth_id, project_id=None):
        """A VPC bandwidth by id; with ``project_id``, only one of that project (a regional endpoint)."""
        return next((item for item in self.data["vpc_bandwidths"] if item["id"] == bandwidth_id
                     and project_id in (None, self.project_of(item))), None)

    def order(self, order_id):
        return next((item for item in self.data["orders"] if item["order_id"] == order_id), None)

    def job(self, job_id, project_id=None):
        return next((item for item in self.data["jobs"] if item["id"] == job_id
                     and project_id in (None, self.project_of(item))), None)

    def open_order_for(self, resource_id):
        return next((order for order in self.data["orders"]
                     if order["resource_id"] == resource_id and order["status"] in (ORDER_PENDING_PAYMENT, ORDER_PROCESSING)), None)

    def running_job_for(self, resource_id):
        return next((job for job in self.data["jobs"] if job["resource_id"] == resource_id and job["status"] in ("INIT", "WAITING")), None)

    # ---- jobs ---------------------------------------------------------------------------

    def create_job(self, bandwidth, changes):
        now = time.time()
        config = self.config
        fail_for = list(config.get("fail_jobs_for") or [])
        fails = bandwidth["bandwidth_id"] in fail_for
        if fails:
            fail_for.remove(bandwidth["bandwidth_id"])
            config["fail_jobs_for"] = fail_for
        job = {
            "id": uuid.uuid4().hex,
            "job_type": "UPDATE_SUBNET_BANDWIDTH",
            "status": "INIT",
            "resource_id": bandwidth["bandwidth_id"],
            "project_id": self.project_of(bandwidth),
            "changes": changes,
            "will_fail": fails,
            "created": now,
            "due": now + float(config.get("job_delay", 0.5)),
            "begin_time": utc_text(now),
            "end_time": None,
            "fail_reason": None,
            "job_error_code": None,
        }
        bandwidth["status"] = "UPDATING"
        self.data["jobs"].append(job)
        self.save()
        return job

    def _finish_job(self, job, now):
        bandwidth = self.workspace(job["resource_id"])
        job["end_time"] = utc_text(now)
        if job["will_fail"]:
            job["status"] = "FAIL"
            job["fail_reason"] = self.config.get("fail_reason")
            job["job_error_code"] = self.config.get("job_error_code")
        else:
            job["status"] = "SUCCESS"
            if bandwidth is not None:
                bandwidth.update(job["changes"])
        if bandwidth is not None:
            bandwidth["status"] = "ACTIVE"

    def _advance_job(self, job, now):
        if job["status"] not in ("INIT", "WAITING"):
            return False
        if now >= job["due"]:
            self._finish_job(job, now)
            return True
        if job["status"] == "INIT" and now >= job["created"] + (job["due"] - job["created"]) / 2:
            job["status"] = "WAITING"
            return True
        return False

    # ---- orders -------------------------------------------------------------------------

    def create_order(self, service, bandwidth, changes, auto_pay, amount, extra=None):
        """A change order of ``bandwidth``; billing is global, the order records the bandwidth's region."""
        now = time.time()
        code, name, _resource_type = SERVICE_CODES[service]
        project = self.project(self.project_of(bandwidth)) or self.data["projects"][0]
        order = {
            "order_id": self._unused_order_id(),
            "service": service,
            "resource_id": bandwidth["bandwidth_id"] if service == "workspace" else bandwidth["id"],
            "region": project["name"],
            "project_id": project["id"],
            "changes": changes,
            "status": ORDER_PENDING_PAYMENT,
            "order_type": ORDER_TYPE_CHANGE,
            "service_type_code": code,
            "service_type_name": name,
            "created": now,
            "create_time": utc_text(now),
            "payment_time": None,
            "complete_at": None,
            "amount_after_discount": round(amount * (100 - float(self.config.get("order_discount_percent") or 0)) / 100, 2),
            "official_amount": round(amount, 2),
            "currency": self.config.get("currency", "CNY"),
            "pending_payment_end_time": utc_text(now + 7 * 86400),
        }
        order.update(extra or {})
        self.data["orders"].append(order)
        if auto_pay:
            self.start_processing(order, now)
        self.save()
        return order

    def _unused_order_id(self):
        while True:
            order_id = new_order_id()
            if self.order(order_id) is None:
                return order_id

    def start_processing(self, order, now=None):
        now = now or time.time()
        order["status"] = ORDER_PROCESSING
        order["payment_time"] = utc_text(now)
        order["complete_at"] = now + float(self.config.get("order_delay", 0.5))

    def _complete_order(self, order):
        order["status"] = ORDER_COMPLETED
        changes = order["changes"]
        if order.get("at_renewal"):
            self.data["renewal_changes"][order["resource_id"]] = dict(changes, order_id=order["order_id"])
            return
        if order["service"] == "workspace":
            bandwidth = self.workspace(order["resource_id"])
        else:
            bandwidth = self.vpc(order["resource_id"])
            if bandwidth is not None:
                bandwidth["updated_at"] = vpc_time_text(time.time())
        if bandwidth is not None:
            bandwidth.update(changes)

    def advance(self):
        """Move jobs and orders whose time has come; save when anything changed."""
        with self.lock:
            now = time.time()
            changed = False
            for job in self.data["jobs"]:
                changed = self._advance_job(job, now) or changed
            for order in self.data["orders"]:
                if order["status"] == ORDER_PROCESSING and now >= order["complete_at"]:
                    self._complete_order(order)
                    changed = True
            if changed:
                self.save()

    def public_view(self):
        with self.lock:
            keys = ("workspace_bandwidths", "vpc_bandwidths", "jobs", "orders", "config", "renewal_changes", "projects")
            return copy.deepcopy({key: self.data[key] for key in keys})

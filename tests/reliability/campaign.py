# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault campaign: many resizes under random faults, then a fault-free rerun, then an idempotence check.

One *round* is one simulator reset and one ``ansible-playbook`` run over an inventory of
target hosts (one host per intended change, as with the collection's inventory plugin), in
five plays:

A. every target resizes its bandwidth while the simulator injects faults drawn per request
   from a seeded RNG (latency, also beyond the request timeout, 429, 5xx, HTML error pages,
   connections dropped before and after the change); targets without auto pay then pay
   their order with ``hwcloud.bandwidth.order``;
   then the faults are cleared;
B. the same tasks again, fault-free: everything must now succeed and converge;
C. the resize tasks a third time: ``changed: false`` and no write at all.

A *run* is one target through A, B and C. After each round the simulator's state and request
log are checked; see :func:`judge_round` for every rule. ``python -m tests.reliability.campaign``
runs a campaign from the command line (``make soak``) and prints the figures.

Besides the rules, each round measures *first-run convergence* (:func:`first_run`): of the
targets that had a fault injected on their path in phase A (a request that names the
bandwidth, its id or name, or one of its jobs or orders), how many converged in phase A
itself, that is phase A did not fail for the target and the fault-free phase B had nothing
left to write for it. The figures split it into plain updates (pay-per-use bandwidths),
orders (yearly/monthly size changes) and name-only changes of yearly/monthly bandwidths.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import yaml

from tests.reliability import harness, hazards as round_hazards, payproxy
from tests.simulator.control import start_simulator

FAULT_KINDS = ("latency", "throttle", "error", "html", "drop_before", "drop_after")
# Beside the injected faults, the log shows the 429s of the simulator's rate limits (throttling storms).
LOGGED_FAULTS = FAULT_KINDS + ("error_after", "rate_limited")
TARGETS_PER_ROUND = 8
REQUEST_TIMEOUT = 2          # seconds: a latency fault of LONG_DELAY outlives it
LONG_DELAY = 2.5
WAIT_TIMEOUT = 40
TRAFFIC_CAP = 300            # Mbit/s: the most a VPC bandwidth billed by traffic may have
WORKSPACE_SIZES = (5, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500)
VPC_SIZES = (5, 10, 20, 50, 100, 150, 200, 300, 350, 400, 500, 1000, 1500, 2000)
FIGURES_START = "<!-- reliability-figures:start -->"
FIGURES_END = "<!-- reliability-figures:end -->"
RESIZE_OPTIONS = ("id", "name", "size", "charge_mode", "auto_pay", "prepaid_decrease", "period_type", "period_num",
                  "wait", "wait_timeout", "max_order_amount", "max_run_amount")


# -- drawing a round ---------------------------------------------------------------------

def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_seed(rng, round_no):
    """A fresh account with three bandwidths of each service x billing mode."""
    prefix = "r%03d" % round_no
    workspace, vpc = [], []
    for index, charge_mode in enumerate(("wks_bandwidth", "wks_bandwidth", "wks_bandwidth", "wks_traffic", "wks_traffic", "free")):
        workspace.append({"bandwidth_id": _uuid(rng), "bandwidth_name": "%s-ws-%d" % (prefix, index + 1),
                          "charge_mode": charge_mode, "size": rng.choice(WORKSPACE_SIZES)})
    shapes = (("WHOLE", True), ("WHOLE", True), ("PER", True), ("WHOLE", False), ("PER", False), ("WHOLE", False))
    for index, (share_type, prepaid) in enumerate(shapes):
        vpc.append({"id": _uuid(rng), "name": "%s-vpc-%d" % (prefix, index + 1), "share_type": share_type,
                    "bandwidth_type": "share" if share_type == "WHOLE" else "bgp",
                    "charge_mode": "bandwidth" if prepaid or index != 4 else "traffic",
                    "prepaid": prepaid, "size": rng.choice(VPC_SIZES[:9])})
    return {"config": {"job_delay": 0.3, "order_delay": 0.3}, "workspace_bandwidths": workspace, "vpc_bandwidths": vpc}


class Target:
    """One intended change of one bandwidth."""

    def __init__(self, host, service, item, rng, via="module", auto_pay=None, wait=None):
        self.host = host
        self.service = service
        self.via = via
        if service == "workspace":
            self.id, self.name, self.size = item["bandwidth_id"], item["bandwidth_name"], item["size"]
            self.prepaid = item["charge_mode"] == "wks_bandwidth"
            self.charge_mode = item["charge_mode"]
            sizes = WORKSPACE_SIZES
        else:
            self.id, self.name, self.size = item["id"], item["name"], item["size"]
            self.prepaid = bool(item.get("prepaid"))
            self.charge_mode = item.get("charge_mode") or "bandwidth"
            sizes = VPC_SIZES
        self.share_type = item.get("share_type")
        # Set by the round's hazards: spend limits, and a change meant to be held (over a limit, or a foreign order).
        self.limits = None
        self.held = None
        self.held_order = None
        self.expected_amount = None
        # The role changes sizes only, with one auto pay, wait and decrease policy for all its targets.
        role = via == "role"
        self.by_id = rng.random() < 0.5
        self.auto_pay = rng.random() < 0.5 if auto_pay is None else auto_pay
        self.wait = rng.random() < 0.85 if wait is None else wait
        self.decrease = None
        self.period = None
        self.new_charge_mode = None
        rename_only = self.by_id and not role and rng.random() < 0.1
        self.new_size = self.size if rename_only else rng.choice([s for s in sizes if s != self.size])
        if self.prepaid and self.new_size < self.size:
            self.decrease = "immediate" if service == "workspace" or role or rng.random() < 0.5 else "at_renewal"
            if self.decrease == "at_renewal":
                unit = rng.choice(("month", "year"))
                self.period = (unit, rng.randint(1, 9 if unit == "month" else 3))
        renames = self.by_id and not role and (rename_only or (rng.random() < 0.3 and self.decrease != "at_renewal"))
        self.new_name = "%s-new" % self.name if renames else self.name
        if service == "vpc" and not self.prepaid and not role and rng.random() < 0.25:
            # Only a dedicated (PER) bandwidth may be billed by traffic.
            if self.charge_mode == "traffic":
                self.new_charge_mode = "bandwidth"
            elif self.share_type == "PER":
                self.new_charge_mode = "traffic"
        if (self.new_charge_mode or self.charge_mode) == "traffic" and self.new_size > TRAFFIC_CAP:
            self.new_size = rng.choice([s for s in sizes if s != self.size and s <= TRAFFIC_CAP])

    @property
    def module(self):
        return "hwcloud.bandwidth.%s_bandwidth" % self.service

    @property
    def billing(self):
        return "prepaid" if self.prepaid else "on_demand"

    @property
    def expects_order(self):
        return self.prepaid and self.new_size != self.size

    @property
    def pays_later(self):
        return self.expects_order and not self.auto_pay

    @property
    def places_order(self):
        """An order of this run is expected: a prepaid size change not held by a foreign order."""
        return self.expects_order and self.held != "foreign"

    def args(self):
        args = {"size": self.new_size, "wait": self.wait, "wait_timeout": WAIT_TIMEOUT}
        if self.by_id:
            args["id"] = self.id
            if self.new_name != self.name:
                args["name"] = self.new_name
        else:
            args["name"] = self.name
        if self.prepaid:
            args["auto_pay"] = self.auto_pay
        if self.decrease:
            args["prepaid_decrease"] = self.decrease
        if self.period:
            args["period_type"], args["period_num"] = self.period
        if self.new_charge_mode:
            args["charge_mode"] = self.new_charge_mode
        args.update(self.limits or {})
        return args

    @classmethod
    def explicit(cls, host, service, item, new_size, auto_pay=False, wait=True):
        """A target chosen by a test rather than drawn: selected by id, size change only."""
        target = cls(host, service, item, random.Random(0))
        target.by_id, target.auto_pay, target.wait = True, auto_pay, wait
        target.new_size, target.new_name, target.new_charge_mode = new_size, target.name, None
        target.decrease = "immediate" if target.prepaid and new_size < target.size else None
        target.period = None
        return target

    def role_target(self):
        target = {"service": self.service, "size": self.new_size}
        if self.by_id:
            target["id"] = self.id
        else:
            target["name"] = self.name
        return target

    def describe(self):
        return "%s: %s %s %s via %s, args %s" % (
            self.host, self.service, self.billing, self.id, self.via, json.dumps(self.args(), sort_keys=True))


def draw_targets(rng, seed, count, use_role):
    pool = [("workspace", item) for item in seed["workspace_bandwidths"]] + [("vpc", item) for item in seed["vpc_bandwidths"]]
    chosen = rng.sample(pool, min(count, len(pool)))
    # In about a third of the rounds, some targets go through the role, all on one host as the
    # role is meant to be used (one bulk read, one plan, changes, one wait).
    role_count = rng.randint(2, 4) if use_role and rng.random() < 0.35 else 0
    role_auto_pay, role_wait = rng.random() < 0.5, rng.random() < 0.85
    targets = []
    for index, (service, item) in enumerate(chosen):
        if index < len(chosen) - role_count:
            targets.append(Target("t%02d" % (index + 1), service, item, rng))
        else:
            targets.append(Target("role", service, item, rng, via="role", auto_pay=role_auto_pay, wait=role_wait))
    return targets


def draw_faults(rng):
    """Fault rules for phase A: each kind hits a share of every request, with its own probability."""
    rate = rng.uniform(0.05, 0.3)
    weights = {kind: rng.random() for kind in FAULT_KINDS}
    total = sum(weights.values())
    rules = []
    for kind in FAULT_KINDS:
        share = rate * weights[kind] / total
        base = {"method": "*", "path": ".*", "kind": kind, "times": None}
        if kind == "latency":
            rules.append(dict(base, delay=LONG_DELAY, probability=round(share * 0.3, 4)))
            # A short delay is no unknown outcome: it stays off the pay call, so that every latency fault on a
            # payment in the log is one beyond the request timeout.
            rules.append(dict(base, path="^(?!%s)" % round_hazards.PAY_PATH, delay=0.1,
                              probability=round(share * 0.7, 4)))
        elif kind == "throttle":
            rules.append(dict(base, retry_after=0, probability=round(share, 4)))
        elif kind in ("error", "html"):
            statuses = (500, 502, 503, 504) if kind == "error" else (502, 503)
            for status in statuses:
                rules.append(dict(base, status=status, probability=round(share / len(statuses), 4)))
        else:
            rules.append(dict(base, probability=round(share, 4)))
    return rate, rules


# -- the playbook of a round -------------------------------------------------------------

def _resize_tasks(phase, targets):
    """The resize tasks of one phase: one per service for module targets, one for role targets."""
    tasks = []
    for service in ("workspace", "vpc"):
        if not any(t.service == service and t.via == "module" for t in targets):
            continue
        args = {option: "{{ t_args.%s | default(omit) }}" % option for option in RESIZE_OPTIONS}
        tasks.append({
            "name": "%s resize %s" % (phase, service),
            "hwcloud.bandwidth.%s_bandwidth" % service: args,
            "when": "t_via == 'module' and t_service == '%s'" % service,
            "register": "%s_%s" % (phase, service),
            "ignore_errors": True,
        })
    if any(t.via == "role" for t in targets):
        # A failure inside the role is recorded by the callback; the rescue lets the host go on.
        tasks.append({
            "name": "%s role" % phase,
            "when": "t_via == 'role'",
            "block": [{
                "name": "%s resize role" % phase,
                "ansible.builtin.include_role": {"name": "hwcloud.bandwidth.bandwidth_resize"},
                "vars": {"bandwidth_resize_targets": "{{ t_role_targets }}",
                         "bandwidth_resize_auto_pay": "{{ t_auto_pay }}", "bandwidth_resize_wait": "{{ t_wait }}",
                         "bandwidth_resize_wait_timeout": WAIT_TIMEOUT, "bandwidth_resize_poll_interval": 1,
                         "bandwidth_resize_prepaid_decrease": "immediate",
                         "bandwidth_resize_max_run_amount": "{{ t_max_run }}"},
            }],
            "rescue": [{"name": "%s role failed" % phase, "ansible.builtin.set_fact": {"role_failed": True}}],
        })
    return tasks


def _pay_tasks(phase, targets):
    """Pay what was left pending payment, as the person approving the spending would."""
    tasks = []
    if any(t.via == "module" for t in targets):
        resized = "(%s_workspace if t_service == 'workspace' else %s_vpc)" % (phase, phase)
        tasks.append({
            "name": "%s pay" % phase,
            "hwcloud.bandwidth.order": {"order_id": "{{ %s.order_id }}" % resized, "state": "paid", "wait": True,
                                        "wait_timeout": WAIT_TIMEOUT},
            "when": "t_via == 'module' and t_pays_later and (%s.order_id | default(none)) is not none and "
                    "(%s.order_status | default('')) == 'pending_payment' and %s.order_id not in t_not_mine"
                    % (resized, resized, resized),
            "ignore_errors": True,
        })
    if any(t.via == "role" for t in targets):
        tasks.append({
            "name": "%s pay" % phase,
            "hwcloud.bandwidth.order": {"order_id": "{{ item.order_id }}", "state": "paid", "wait": True,
                                        "wait_timeout": WAIT_TIMEOUT},
            "loop": "{{ bandwidth_resize_report | default([]) | selectattr('order_status', 'equalto', 'pending_payment')"
                    " | list }}",
            "when": "t_via == 'role' and not t_auto_pay",
            "ignore_errors": True,
        })
    return tasks


def _mark(url, name, clear_faults=None):
    """A play that reads the request count; with ``clear_faults`` (the simulator's URL, or the pay proxy's in front
    of it), the faults are cleared first."""
    tasks = []
    if clear_faults:
        tasks.append({"name": "clear faults", "ansible.builtin.uri": {"url": clear_faults + "/_sim/faults",
                                                                      "method": "DELETE"}})
    tasks.append({"name": name, "ansible.builtin.uri": {"url": url + "/_sim/summary", "return_content": True}})
    return {"name": name, "hosts": "localhost", "gather_facts": False, "tasks": tasks}


def round_playbook(url, targets, bss_url=None):
    connection = harness.credentials(url, request_timeout=REQUEST_TIMEOUT)
    if bss_url:
        connection["endpoints"] = dict(connection["endpoints"], bss=bss_url)

    def phase(name, tasks):
        return {"name": "phase %s" % name, "hosts": "targets", "gather_facts": False, "strategy": "free",
                "module_defaults": {"group/hwcloud.bandwidth.all": connection}, "tasks": tasks}
    return [
        phase("A", _resize_tasks("A", targets) + _pay_tasks("A", targets)),
        _mark(url, "mark B", clear_faults=bss_url or url),
        phase("B", _resize_tasks("B", targets) + _pay_tasks("B", targets)),
        _mark(url, "mark C"),
        phase("C", _resize_tasks("C", targets)),
    ]


def round_inventory(targets, not_mine=()):
    hosts = {}
    base = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    for target in targets:
        if target.via == "module":
            hosts[target.host] = dict(base, t_service=target.service, t_via="module", t_args=target.args(),
                                      t_pays_later=target.pays_later, t_not_mine=list(not_mine))
    role = [target for target in targets if target.via == "role"]
    if role:
        hosts["role"] = dict(base, t_via="role", t_role_targets=[target.role_target() for target in role],
                             t_auto_pay=role[0].auto_pay, t_wait=role[0].wait,
                             t_max_run=(role[0].limits or {}).get("max_run_amount"))
    return {"all": {"children": {"targets": {"hosts": hosts}}}}


# -- judging a round ---------------------------------------------------------------------

class RoundResult:
    def __init__(self, round_no, seed, targets, hazards=None):
        self.round_no = round_no
        self.seed = seed
        self.targets = targets
        self.hazards = hazards or round_hazards.Hazards()
        self.money = round_hazards.MoneyFigures()
        self.violations = []
        self.faults = collections.Counter()
        self.requests = 0
        self.pay_faults = 0
        self.orders = 0
        self.intended_orders = sum(1 for t in targets if t.places_order)
        self.duplicates = 0
        self.failed_a = 0
        self.unclear = 0
        self.messages = []
        self.outcomes = collections.Counter()
        self.seconds = 0.0
        self.a_failures = {}     # target id -> phase A failure messages that concern it
        self.first_runs = []     # one FirstRun per target

    def violation(self, target, what):
        where = "round %d (seed %s)" % (self.round_no, self.seed)
        self.violations.append("%s, %s: %s" % (where, target.describe() if target else "playbook", what))


def phases(run):
    """Each record with the phase it belongs to (the marks run between the phases)."""
    phase = "A"
    for record in run.records:
        if record["task"] == "mark B":
            phase = "B"
        elif record["task"] == "mark C":
            phase = "C"
        yield phase, record


def _mark_requests(run, name):
    for record in run.records:
        if record["task"] == name and record["status"] == "ok":
            return json.loads(record["result"].get("content") or "{}").get("requests")
    return None


def _failure_messages(record):
    """The messages of a failed record: its own, or those of its failed loop items."""
    result = record.get("result") or {}
    items = [item for item in result.get("results") or [] if isinstance(item, dict) and item.get("failed")]
    if items:
        return [str(item.get("msg") or "") for item in items]
    return [str(result.get("msg") or "")]


def judge_round(result, run, state, log, signatures):
    """Every rule of the campaign, for one round."""
    targets = result.targets
    # No traceback and no secret anywhere.
    for marker in harness.tracebacks(run.output):
        result.violation(None, "traceback marker %r in the output" % marker)
    texts = {"stdout/stderr": run.output, "task results": harness.json_text(run.records),
             "simulator request log": harness.json_text(log)}
    for where, text in texts.items():
        for item in harness.leaked(text, signatures=signatures):
            result.violation(None, "secret in %s: %s" % (where, item))
    if run.rc not in (0, 2):
        result.violation(None, "ansible-playbook ended with rc %s\n%s" % (run.rc, run.describe()))
    start_c = _mark_requests(run, "mark C")
    if _mark_requests(run, "mark B") is None or start_c is None:
        result.violation(None, "the playbook did not reach every phase\n%s" % run.describe())
        return result
    result.requests = len(log)
    for entry in log:
        if entry.get("fault"):
            result.faults[entry["fault"]] += 1
            if entry.get("operation") == "bss.pay" and entry["fault"] in round_hazards.UNKNOWN_PAY_FAULTS:
                result.pay_faults += 1
    foreign = result.hazards.foreign_orders
    orders_by_resource = collections.Counter(order["resource_id"] for order in state["orders"]
                                             if order.get("order_id") not in foreign)
    result.orders = sum(orders_by_resource.values())
    for target in targets:
        if target.held == "over_limit":
            target.held_order = next((o["order_id"] for o in state["orders"] if o["resource_id"] == target.id), None)
    by_phase = collections.defaultdict(list)
    for phase, record in phases(run):
        by_phase[(phase, record.get("host"))].append(record)
    current = {item["bandwidth_id"]: item for item in state["workspace_bandwidths"]}
    current.update({item["id"]: item for item in state["vpc_bandwidths"]})
    for target in targets:
        _judge_target(result, target, by_phase, current, state, orders_by_resource)
    if any(t.via == "role" for t in targets):
        _judge_role(result, [t for t in targets if t.via == "role"], by_phase)
    writes_c = [entry for entry in log if entry["seq"] > start_c and entry["write"]]
    for entry in writes_c:
        owner = next((t for t in targets if t.id in entry["path"]), None)
        result.violation(owner, "phase C (rerun) wrote: %s %s %s" % (entry["method"], entry["path"], entry.get("body")))
    start_b = _mark_requests(run, "mark B")
    # The role fails once for all its targets, naming each failed one (or its order); a message that
    # names none of them concerns them all.
    role = [t for t in targets if t.via == "role"]
    messages = result.a_failures.pop("role", [])
    named = {t.id: [m for m in messages if any(key in m for key in _keys(t, state))] for t in role}
    anonymous = [m for m in messages if not any(m in named[t.id] for t in role)]
    for target in role:
        result.a_failures[target.id] = named[target.id] + anonymous
    for target in targets:
        if not target.held:
            result.first_runs.append(first_run(target, result.a_failures.get(target.id, []), log, state, start_b))
    round_hazards.judge(result, result.hazards, state, log, start_b, start_c)
    return result


# -- first-run convergence ---------------------------------------------------------------

FIRST_RUN_KINDS = (
    ("plain", "plain updates (pay-per-use)"),
    ("order", "orders (yearly/monthly size changes)"),
    ("prepaid_rename", "name-only changes of yearly/monthly bandwidths (no order)"),
)


class FirstRun:
    """How one target fared in phase A: the faults on its path, and whether it converged there."""

    def __init__(self, target, kind, faults, failures, writes_b):
        self.target = target
        self.kind = kind
        self.faults = faults          # [(kind, method, path, operation, write)] in phase A
        self.failures = failures      # phase A failure messages that concern the target
        self.writes_b = writes_b      # [(method, path)]: what phase B still had to write
        self.faulted = bool(faults)
        self.converged = not failures and not writes_b

    def describe(self):
        faults = ", ".join("%s on %s %s (%s%s)" % (kind, method, path, operation, ", a write" if write else "")
                           for kind, method, path, operation, write in self.faults)
        lines = [self.target.describe(), "  faults in phase A: " + faults]
        lines.extend("  phase A failed: " + message for message in self.failures)
        lines.extend("  phase B wrote: %s %s" % write for write in self.writes_b)
        return "\n".join(lines)


def change_kind(target):
    """plain (pay-per-use), order (a yearly/monthly size change) or prepaid_rename (yearly/monthly, name only)."""
    if not target.prepaid:
        return "plain"
    return "order" if target.expects_order else "prepaid_rename"


def _keys(target, state):
    """What names a target in a request: its id and names, and the ids of its jobs and orders."""
    keys = {target.id, target.name, target.new_name}
    keys.update(order.get("order_id") for order in state.get("orders", []) if order.get("resource_id") == target.id)
    keys.update(job.get("id") for job in state.get("jobs", []) if job.get("resource_id") == target.id)
    return [key for key in keys if key]


def _names(entry, keys):
    text = " ".join((entry.get("path") or "", json.dumps(entry.get("query"), sort_keys=True),
                     json.dumps(entry.get("body"), sort_keys=True)))
    return any(key in text for key in keys)


def first_run(target, failures, log, state, start_b):
    """The FirstRun of a target: the phase A faults on its path, its failures, and phase B's writes for it."""
    keys = _keys(target, state)
    faults, writes_b = [], []
    for entry in log:
        if not _names(entry, keys):
            continue
        # A faulted request belongs to phase A even when its answer was logged late (a long latency).
        if entry["seq"] <= start_b or entry.get("fault"):
            if entry.get("fault"):
                faults.append((entry["fault"], entry["method"], entry["path"], entry.get("operation"),
                               bool(entry.get("write"))))
        elif entry.get("write"):
            writes_b.append((entry["method"], entry["path"]))
    return FirstRun(target, change_kind(target), faults, failures, writes_b)


def _failed_messages(records):
    return [message for record in records if record["status"] == "failed" for message in _failure_messages(record)]


def _judge_failure(result, target, records, phase):
    """Phase A may fail, clearly; the fault-free phases B and C may not fail, unless naming the order that holds the target."""
    failed = [record for record in records if record["status"] == "failed"]
    for record in failed:
        for message in _failure_messages(record):
            result.messages.append((phase, message))
            held = target is not None and target.held_order and target.held_order in message
            if phase != "A" and not held:
                result.violation(target, "phase %s (fault-free) failed in %r: %s" % (phase, record["task"], message))
            elif not harness.clear_failure(message):
                result.unclear += 1
                result.violation(target, "phase %s failed in %r without a clear message: %r" % (phase, record["task"], message))
    return bool(failed)


def _judge_target(result, target, by_phase, current, state, orders_by_resource):
    orders = orders_by_resource.get(target.id, 0)
    if orders > 1:
        result.duplicates += orders - 1
        result.violation(target, "%d orders for one intended change" % orders)
    if target.via == "module":
        records = {phase: by_phase.get((phase, target.host), []) for phase in "ABC"}
        resize = {phase: [r for r in records[phase] if r["task"] == "%s resize %s" % (phase, target.service)]
                  for phase in "ABC"}
        for phase in "ABC":
            if not resize[phase]:
                result.violation(target, "no phase %s result" % phase)
        failed_a = _judge_failure(result, target, records["A"], "A")
        result.failed_a += failed_a
        result.a_failures[target.id] = _failed_messages(records["A"])
        result.outcomes["A failed" if failed_a else "A succeeded"] += 1
        if resize["A"] and resize["A"][-1]["status"] == "ok" and not target.held:
            _check_success_claim(result, target, resize["A"][-1])
        _judge_failure(result, target, records["B"], "B")
        _judge_failure(result, target, records["C"], "C")
        if resize["C"] and resize["C"][-1]["result"].get("changed"):
            result.violation(target, "phase C (rerun) reported changed")
    if target.places_order and orders == 0:
        result.violation(target, "no order was placed for a prepaid size change")
    if not target.places_order and orders:
        result.violation(target, "an order was placed for a change that needs none")
    if target.held:
        # Held by a foreign order or by a spend limit: the bandwidth keeps its size.
        if current[target.id]["size"] != target.size:
            result.violation(target, "held (%s) but its size changed to %s" % (target.held, current[target.id]["size"]))
        return
    _check_converged(result, target, current[target.id], state)


def _judge_role(result, targets, by_phase):
    """The role host: its failures in A must be clear; in B and C nothing fails; C changes nothing."""
    first = targets[0]
    failed_a = _judge_failure(result, first, by_phase.get(("A", "role"), []), "A")
    result.a_failures["role"] = _failed_messages(by_phase.get(("A", "role"), []))
    result.failed_a += failed_a * len(targets)
    result.outcomes["A failed" if failed_a else "A succeeded"] += len(targets)
    for phase in "BC":
        _judge_failure(result, first, by_phase.get((phase, "role"), []), phase)
    for record in by_phase.get(("C", "role"), []):
        changed = [item for item in (record["result"].get("results") or [record["result"]])
                   if isinstance(item, dict) and item.get("changed")]
        if changed and record["action"].startswith("hwcloud.bandwidth."):
            result.violation(first, "phase C (rerun) changed in %r" % record["task"])


def _check_success_claim(result, target, record):
    """A phase A success that waited for the change must show it applied."""
    returned = record["result"].get("bandwidth") or {}
    applied_now = target.wait and (not target.expects_order or target.auto_pay) and target.decrease != "at_renewal"
    if applied_now and record["result"].get("order_status") != "pending_payment":
        if returned.get("size") != target.new_size or returned.get("name") != target.new_name:
            result.violation(target, "phase A succeeded but returned %s/%s, not %s/%s" % (
                returned.get("name"), returned.get("size"), target.new_name, target.new_size))


def _check_converged(result, target, item, state):
    if target.service == "workspace":
        name, size = item["bandwidth_name"], item["size"]
    else:
        name, size = item["name"], item["size"]
        if target.new_charge_mode and item.get("charge_mode") != target.new_charge_mode:
            result.violation(target, "charge_mode is %s after the fault-free rerun" % item.get("charge_mode"))
    want_size = target.new_size
    if target.decrease == "at_renewal":
        renewal = state.get("renewal_changes", {}).get(target.id) or {}
        if renewal.get("size") != target.new_size:
            result.violation(target, "no change at renewal to %s recorded: %s" % (target.new_size, renewal))
        want_size = target.size
    if size != want_size or name != target.new_name:
        result.violation(target, "did not converge: %s/%s, wanted %s/%s" % (name, size, target.new_name, want_size))


# -- running -----------------------------------------------------------------------------

def draw_round(base_seed, round_no, per_round=TARGETS_PER_ROUND, use_role=True):
    """Everything a round's seed decides: (seed, simulator seed, targets, fault rules, fault seed, hazards)."""
    seed = "%s-%d" % (base_seed, round_no)
    rng = random.Random(seed)
    sim_seed = make_seed(rng, round_no)
    targets = draw_targets(rng, sim_seed, per_round, use_role)
    _rate, faults = draw_faults(rng)
    fault_seed = rng.randrange(2 ** 31)
    # The hazards draw from their own stream: the accounts, targets and faults of a seed stay as they were.
    hazards = round_hazards.draw(random.Random(seed + "-hazards"), round_no, targets, sim_seed,
                                 {"workspace": WORKSPACE_SIZES, "vpc": VPC_SIZES}, LONG_DELAY)
    return seed, sim_seed, targets, faults, fault_seed, hazards


def run_round(simulator, round_no, base_seed, workdir, per_round=TARGETS_PER_ROUND, use_role=None):
    """One random round: draw the account, the targets, the faults and the hazards from the round's seed, run, judge."""
    use_role = harness.role_available() if use_role is None else use_role
    seed, sim_seed, targets, faults, fault_seed, hazards = draw_round(base_seed, round_no, per_round, use_role)
    return execute(simulator, round_no, seed, sim_seed, targets, faults, fault_seed, workdir, hazards=hazards)[0]


def execute(simulator, round_no, label, sim_seed, targets, faults, fault_seed, workdir, forks=None, hazards=None):
    """Run one round's playbook against a reset simulator and judge it; return (RoundResult, PlaybookRun)."""
    hazards = hazards or round_hazards.Hazards()
    result = RoundResult(round_no, label, targets, hazards)
    started = time.monotonic()
    simulator.admin.reset(sim_seed)
    round_hazards.place_foreign_orders(simulator, hazards, targets)
    simulator.admin.add_faults(hazards.rules + list(faults), seed=fault_seed)
    round_dir = os.path.join(workdir, "round-%03d" % round_no)
    os.makedirs(round_dir, exist_ok=True)
    inventory = os.path.join(round_dir, "inventory.yml")
    with open(inventory, "w", encoding="utf-8") as stream:
        yaml.safe_dump(round_inventory(targets, hazards.foreign_orders), stream)
    proxy = None
    if hazards.proxy:
        proxy = payproxy.PayProxy(simulator.url, seed=fault_seed, client_timeout=REQUEST_TIMEOUT, **hazards.proxy)
    with proxy or contextlib.nullcontext():
        run = harness.run_playbook(round_playbook(simulator.url, targets, proxy.url if proxy else None),
                                   workdir=round_dir, sim_url=None, inventory=inventory,
                                   args=("-f", str(forks or len(targets) + 1)))
    state = simulator.admin.state()
    log = simulator.admin.log()
    if proxy:
        payproxy.mark_log(log, proxy.records)
    judge_round(result, run, state, log, simulator.admin.signatures())
    result.seconds = time.monotonic() - started
    if result.violations:
        with open(os.path.join(round_dir, "output.txt"), "w", encoding="utf-8") as stream:
            stream.write(run.stdout + "\n" + run.stderr)
    return result, run


def run_campaign(runs, base_seed, workers=2, workdir=None, progress=None, use_role=None):
    """Run enough rounds for ``runs`` target runs; return (figures, violations)."""
    rounds = max(1, -(-runs // TARGETS_PER_ROUND))
    workdir = workdir or tempfile.mkdtemp(prefix="hwcloud-campaign-")
    workers = max(1, min(workers, rounds))
    simulators = [start_simulator(os.path.join(workdir, "state-%d.json" % index)) for index in range(workers)]
    started = time.monotonic()
    results = []
    try:
        def worker(index):
            mine = []
            for round_no in range(index, rounds, workers):
                result = run_round(simulators[index], round_no, base_seed, workdir, use_role=use_role)
                mine.append(result)
                if progress:
                    progress(result)
            return mine
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for mine in pool.map(worker, range(workers)):
                results.extend(mine)
    finally:
        for simulator in simulators:
            simulator.stop()
    results.sort(key=lambda r: r.round_no)
    return figures(results, base_seed, time.monotonic() - started, workdir), [v for r in results for v in r.violations]


def figures(results, base_seed, seconds, workdir):
    faults = collections.Counter()
    outcomes = collections.Counter()
    by_kind = collections.Counter()
    money = round_hazards.MoneyFigures()
    hazards = collections.Counter()
    for result in results:
        faults.update(result.faults)
        money.add(result.money)
        hazards.update(result.hazards.kinds)
        outcomes.update(result.outcomes)
        for target in result.targets:
            by_kind["%s %s via %s" % (target.service, target.billing, target.via)] += 1
    first = {kind: {"faulted": 0, "converged": 0, "runs": 0} for kind, _label in FIRST_RUN_KINDS}
    missed = []
    missed_faults = collections.Counter()
    for result in results:
        for run in result.first_runs:
            first[run.kind]["runs"] += 1
            if run.faulted:
                first[run.kind]["faulted"] += 1
                first[run.kind]["converged"] += run.converged
                if not run.converged:
                    missed.append((run.kind, "round %d (seed %s), %s" % (result.round_no, result.seed, run.describe())))
                    missed_faults[(run.kind, ", ".join(sorted({f[0] + (" on a write" if f[4] else "")
                                                              for f in run.faults})))] += 1
    return {
        "seed": base_seed,
        "first_run": first,
        "first_run_missed": missed,
        "first_run_missed_faults": dict(missed_faults.most_common()),
        "rounds": len(results),
        "runs": sum(len(r.targets) for r in results),
        "playbook_runs": len(results),
        "runs_by_kind": dict(sorted(by_kind.items())),
        "runs_with_auto_pay": sum(1 for r in results for t in r.targets if t.prepaid and t.auto_pay),
        "runs_paid_later": sum(1 for r in results for t in r.targets if t.pays_later),
        "requests": sum(r.requests for r in results),
        "faults_injected": sum(faults.values()),
        "faults_by_kind": {kind: faults.get(kind, 0) for kind in LOGGED_FAULTS},
        "pay_faults": sum(r.pay_faults for r in results),
        "rounds_by_hazard": dict(sorted(hazards.items())),
        "foreign_orders": sum(len(r.hazards.foreign_orders) for r in results),
        "money": vars(money),
        "intended_orders": sum(r.intended_orders for r in results),
        "orders": sum(r.orders for r in results),
        "duplicates": sum(r.duplicates for r in results),
        "phase_a_failures": sum(r.failed_a for r in results),
        "held_runs": sum(1 for r in results for t in r.targets if t.held),
        "unclear_failures": sum(r.unclear for r in results),
        "violations": sum(len(r.violations) for r in results),
        "failure_kinds": failure_kinds(message for r in results for phase, message in r.messages if phase == "A"),
        "seconds": round(seconds, 1),
        "workdir": workdir,
    }


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b|\bCS\d{10}[A-Z]{5}\b"
                  r"|r\d{3}-(ws|vpc)-\d(-new)?|\d+(\.\d+)?")


def failure_kinds(messages):
    """Failure messages with ids, names and numbers blanked, counted: what users would see."""
    counter = collections.Counter()
    for message in messages:
        text = _IDS.sub("#", message.split(" [request id ")[0])
        counter[text[:240]] += 1
    return dict(counter.most_common())


def _ratio(counts):
    if not counts["faulted"]:
        return "0 / 0 (of %d runs)" % counts["runs"]
    share = 100.0 * counts["converged"] / counts["faulted"]
    return "%d / %d (%.1f%%; %d runs in all)" % (counts["converged"], counts["faulted"], share, counts["runs"])


def first_run_ratio(data, kind):
    """Converged / faulted for one kind of change, or None when no such change was faulted."""
    counts = data["first_run"][kind]
    return counts["converged"] / counts["faulted"] if counts["faulted"] else None


def format_first_run_misses(data):
    """The faulted changes that did not converge on the first run, plain updates first, with their faults."""
    lines = []
    for (kind, faults), count in data["first_run_missed_faults"].items():
        lines.append("%5d  %s: %s" % (count, kind, faults))
    order = {kind: index for index, (kind, _label) in enumerate(FIRST_RUN_KINDS)}
    for kind, text in sorted(data["first_run_missed"], key=lambda item: order[item[0]]):
        lines.append("[%s] %s" % (kind, text))
    return "\n".join(lines)


def format_figures(data):
    money = data["money"]
    lines = [
        "| figure | value |",
        "|---|---|",
        "| campaign seed | `%s` |" % data["seed"],
        "| runs (intended changes) | %d |" % data["runs"],
        "| playbook runs (rounds of %d targets, phases A+B+C) | %d |" % (TARGETS_PER_ROUND, data["playbook_runs"]),
        "| API requests | %d |" % data["requests"],
        "| faults injected | %d (%s) |" % (data["faults_injected"], ", ".join(
            "%s %d" % item for item in data["faults_by_kind"].items())),
        "| orders expected / placed | %d / %d |" % (data["intended_orders"], data["orders"]),
        "| duplicate orders | %d |" % data["duplicates"],
        "| rounds by hazard | %s |" % (", ".join("%s %d" % item for item in data["rounds_by_hazard"].items()) or "none"),
        "| faults on payments with an unknown outcome (dropped, slower than the timeout, 5xx, HTML) | %d |"
        % data["pay_faults"],
    ] + [
        "| faulted %s converged on the first run (phase A) | %s |" % (label, _ratio(data["first_run"][kind]))
        for kind, label in FIRST_RUN_KINDS if kind != "prepaid_rename" or data["first_run"][kind]["faulted"]
    ] + [
        "| faulted payments with an unknown outcome settled on the first run (phase A) | %s |" % _ratio(
            {"faulted": money["unknown_payments"], "converged": money["unknown_payments_settled"],
             "runs": data["runs_with_auto_pay"] + data["runs_paid_later"]}),
        "| orders paid twice | %d |" % money["paid_twice"],
        "| payments of an order the run did not place / orders placed beside a foreign order | %d / %d (%d foreign "
        "orders seeded) |" % (money["foreign_payments"], money["foreign_new_orders"], data["foreign_orders"]),
        "| payments over a spend limit | %d (%d runs with limits; %d orders over their limit left pending payment) |"
        % (money["over_limit_payments"], money["limited_runs"], money["held_over_limit"]),
        "| failures caused by throttling | %d |" % money["throttling_failures"],
        "| runs that failed under faults (phase A) | %d (runs held on purpose, by a foreign order or over a limit: "
        "%d) |" % (data["phase_a_failures"], data["held_runs"]),
        "| unclear failures | %d |" % data["unclear_failures"],
        "| rule violations (duplicates, unclear failures, tracebacks, leaks, no convergence, non-idempotent reruns) | %d |"
        % data["violations"],
        "| runs by kind | %s |" % ", ".join("%s: %d" % item for item in data["runs_by_kind"].items()),
        "| prepaid runs with auto pay / paid afterwards with `order` | %d / %d |" % (
            data["runs_with_auto_pay"], data["runs_paid_later"]),
        "| wall time | %.0f s |" % data["seconds"],
    ]
    return "\n".join(lines)


def write_figures(path, data, when=None):
    """Replace the figures block of docs/reliability.md."""
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    when = when or time.strftime("%Y-%m-%d", time.gmtime())
    block = "%s\nLatest soak run (%s):\n\n%s\n%s" % (FIGURES_START, when, format_figures(data), FIGURES_END)
    pattern = re.compile(re.escape(FIGURES_START) + ".*?" + re.escape(FIGURES_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError("%s has no figures block (%s ... %s)" % (path, FIGURES_START, FIGURES_END))
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(pattern.sub(lambda _match: block, text))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the fault campaign against the simulator.")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("SOAK_RUNS", "504")))
    parser.add_argument("--seed", default=os.environ.get("SOAK_SEED", "soak"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SOAK_WORKERS", "2")))
    parser.add_argument("--figures", help="write the figures into this docs/reliability.md")
    args = parser.parse_args(argv)
    if not harness.collection_available():
        parser.error("run from a copy of the collection in ansible_collections/hwcloud/bandwidth (make collection)")

    def progress(result):
        print("round %3d: %d runs, %d faults, %d orders, %d violations, %.0f s (hazards: %s)" % (
            result.round_no, len(result.targets), sum(result.faults.values()), result.orders, len(result.violations),
            result.seconds, result.hazards.describe()), flush=True)

    data, violations = run_campaign(args.runs, args.seed, workers=args.workers, progress=progress)
    print(format_figures(data))
    print("\nFaulted changes that did not converge on the first run, by kind and fault kinds on their path:")
    print(format_first_run_misses(data) or "(none)")
    print("\nPhase A failure messages (ids and numbers blanked), by count:")
    for message, count in data["failure_kinds"].items():
        print("%5d  %s" % (count, message))
    for violation in violations:
        print("VIOLATION: " + violation)
    if args.figures:
        write_figures(args.figures, data)
        print("figures written to %s" % args.figures)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

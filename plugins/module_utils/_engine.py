# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize engine: read -> plan -> apply with bounded concurrency -> follow -> verify.

One engine serves one target and ten thousand alike. Reading costs one listing per service
(one narrow read for a single target); open change orders are checked for the whole run at
once; writes run in a thread pool; every job, order and bandwidth still changing is followed
in one waiter loop whose rounds make one bulk read per service (plus one billing read), and
the last round is the verification. A failing target does not stop the others.

Unknown outcomes follow rule 4 of the design: a plain update is declarative, so it is read
again, followed when under way and sent again when it shows neither the change nor a change
under way; an order is never sent again: it is looked for in billing for a bounded time and
followed when found, otherwise the target fails saying that an order may exist.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Billing
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    BandwidthError,
    HwCloudError,
    OutcomeUnknownError,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    AUTO,
    ORDER,
    UPDATE,
    Entry,
    Target,
    index_bandwidths,
    plan,
    resolve,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import Desired
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import (
    CloudEye,
    UsagePolicy,
    policy_limits,
    recommend,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter, WaitTimeout

OK = "ok"
PENDING_PAYMENT = "pending_payment"
IN_PROGRESS = "in_progress"
FAILED = "failed"

DEFAULT_CONCURRENCY = 10
# After a lost answer to an order, billing is asked again this many times (it may lag), with backoff.
ORDER_LOOKUP_ROUNDS = 4
ORDER_LOOKUP_PAUSE = 2.0


class Result:
    """What the run did to one planned change (or to a target an open order blocks)."""

    def __init__(self, entry):
        self.entry = entry
        self.status = IN_PROGRESS
        self.order_id = None
        self.order_status = None
        self.job_id = None
        self.msg = None
        self.error = None
        self.bandwidth = None
        # True once a write may have changed something: a failure before any write keeps it False.
        self.changed = False

    @property
    def id(self):
        return self.entry.id

    @property
    def done(self):
        return self.status != IN_PROGRESS

    def succeed(self, bandwidth=None, msg=None):
        self.status = OK
        if bandwidth is not None:
            self.bandwidth = bandwidth
        if msg:
            self.msg = msg

    def fail(self, error):
        self.status = FAILED
        self.msg = str(error)
        if isinstance(error, HwCloudError):
            self.error = error.to_dict()

    def to_dict(self):
        entry = self.entry
        return {
            "service": entry.service,
            "id": entry.id,
            "name": entry.current.get("name"),
            "size_before": entry.size_before,
            "size_after": entry.size_after,
            "action": entry.action,
            "status": self.status,
            "order_id": self.order_id,
            "order_status": self.order_status,
            "job_id": self.job_id,
            "msg": self.msg,
        }


class Engine:
    """Plans and applies resize targets over the service classes of one client."""

    def __init__(self, client, services, concurrency=DEFAULT_CONCURRENCY, warn=None, sleep=time.sleep,
                 clock=time.monotonic, billing=None):
        self.client = client
        self.services = services
        self.concurrency = max(1, int(concurrency or 1))
        self.warn = warn or (lambda message: None)
        self.sleep = sleep
        self.clock = clock
        self.billing = billing or Billing(client, warn=self.warn)
        self._lock = threading.Lock()
        self._conflicts = None
        self._read_error = None

    # -- read and plan --------------------------------------------------------------------

    def read(self, targets):
        """``{service: bandwidths}`` for the targets: one narrow read or one listing per service."""
        listings = {}
        for kind, service in self.services.items():
            wanted = [target for target in targets if target.service == kind]
            if wanted:
                listings[kind] = service.read_for(ids=[t.id for t in wanted if t.id],
                                                  names=[t.name for t in wanted if not t.id])
        return listings

    def plan(self, targets, policy, listings=None, recommendations=None, usage=None):
        """The plan of ``targets``; billing is read only when some target needs an order.

        ``size: auto`` targets get their size from Cloud Eye with the ``usage`` rule (a dict,
        validated by :class:`UsagePolicy`); a Cloud Eye that cannot be read fails here, before
        any write.
        """
        listings = self.read(targets) if listings is None else listings
        if recommendations is None and any(target.size == AUTO for target in targets):
            recommendations = self.recommend(targets, listings, policy, usage)
        scopes = {kind: service.scope() for kind, service in self.services.items()}
        result = plan(targets, listings, policy, recommendations=recommendations, scopes=scopes)
        if policy.limits is None and self._needs_limits(targets, result):
            # The region's own range per charge mode, read once and only when a VPC size changes.
            policy.limits = self.services["vpc"].size_limits() or {}
            if policy.limits:
                result = plan(targets, listings, policy, recommendations=recommendations, scopes=scopes)
        orders = [entry for entry in result.entries if entry.action == ORDER]
        if not orders:
            return result
        open_orders = self.billing.open_change_orders()
        renewal_orders = {}
        for entry in orders:
            if entry.renewal:
                found = self.billing.renewal_orders(entry.current)
                if found is None:
                    self.warn("%s: without billing read permission it cannot be told whether this change at renewal "
                              "was already ordered (the size only changes at renewal); a rerun orders it again. "
                              "Check the orders in the billing console first." % self._label(entry))
                else:
                    renewal_orders[entry.id] = found
        if not open_orders and not renewal_orders:
            return result
        return plan(targets, listings, policy, open_orders=open_orders, renewal_orders=renewal_orders,
                    recommendations=recommendations, scopes=scopes)

    def recommend(self, targets, listings, policy, usage=None):
        """``{bandwidth id: recommendation}`` for the VPC targets whose size is ``auto``."""
        index = index_bandwidths(listings.get("vpc") or [])
        wanted = {}
        for target in targets:
            if target.service == "vpc" and target.size == AUTO:
                found = resolve(target, index)
                if found is not None:  # unknown and ambiguous targets are the plan's problems
                    wanted[found["id"]] = found
        if not wanted:
            return {}
        if policy.limits is None:
            policy.limits = self.services["vpc"].size_limits() or {}
        rule = UsagePolicy.from_params(usage, *policy_limits(policy.limits))
        bandwidths = list(wanted.values())
        series = CloudEye(self.client).hourly_maxima(bandwidths, window_days=rule.window_days)
        return {bandwidth["id"]: recommend(bandwidth, series.get(bandwidth["id"]), rule) for bandwidth in bandwidths}

    @staticmethod
    def _needs_limits(targets, plan_):
        """True when a VPC size changes, or a VPC target was refused before the region's range was known."""
        if any(entry.service == "vpc" and (entry.desired.size is not None or entry.desired.charge_mode is not None)
               for entry in plan_.entries):
            return True
        planned = {id(entry.target) for entry in plan_.entries}
        return any(target.service == "vpc" and (target.size is not None or target.charge_mode is not None)
                   and id(target) not in planned for target in targets)

    def _label(self, entry):
        return self.services[entry.service].label(entry.current)

    # -- apply ----------------------------------------------------------------------------

    def blocked(self, plan_):
        """Results of the targets that an open order keeps from changing (no write is made)."""
        results = []
        for entry in plan_.entries:
            if entry.open_order is None:
                continue
            result = Result(entry)
            result.order_id = entry.open_order.get("order_id")
            result.order_status = entry.open_order.get("status")
            if entry.blocked:
                result.fail(entry.blocked)
            elif result.order_status == "completed":
                result.succeed(entry.current, msg=entry.reason)
            else:
                result.status = PENDING_PAYMENT if result.order_status == PENDING_PAYMENT else IN_PROGRESS
                result.msg = entry.reason
            results.append(result)
        return results

    def apply(self, plan_, policy):
        """Start every change of the plan, ``concurrency`` at a time; a failure stays with its target."""
        changes = plan_.changes
        if not changes:
            return []
        self._conflicts = None
        self.client.project_id  # resolved once, before the threads share the client
        workers = min(self.concurrency, len(changes))
        if workers == 1:
            results = [self._apply_one(entry, policy) for entry in changes]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(lambda entry: self._apply_one(entry, policy), changes))
        self._read_order_statuses(results)
        return results

    def _apply_one(self, entry, policy):
        result = Result(entry)
        try:
            if entry.action == UPDATE:
                self._update(entry, result)
            else:
                self._order(entry, policy, result)
        except BandwidthError as exc:
            result.fail(exc)
        return result

    def _update(self, entry, result):
        service = self.services[entry.service]
        retry = self.client.retry
        attempt = 0
        while True:
            try:
                change = service.update(entry.current, entry.desired)
            except OutcomeUnknownError as exc:
                result.changed = True
                fresh = service.get(entry.id)
                if entry.desired.shown_by(fresh) and not service.is_changing(fresh):
                    result.succeed(fresh)
                    return
                if service.is_changing(fresh):
                    # Under way: the waiter follows the bandwidth to its end.
                    result.bandwidth = fresh
                    return
                if attempt >= retry.max_retries:
                    result.fail(exc.with_hint(
                        "the update of %s was sent %d times without a readable outcome and the bandwidth shows "
                        "neither the change nor a change under way; run the task again (an update is safe to "
                        "repeat)" % (service.label(entry.current), attempt + 1)))
                    return
                # Neither applied nor under way: the same update again changes nothing twice.
                retry.pause(attempt)
                attempt += 1
                continue
            except HwCloudError as exc:
                if attempt and exc.status == 409:
                    # An earlier try that lost its answer is being applied now.
                    return
                result.fail(self._explain(exc, entry))
                return
            result.changed = True
            result.job_id = change.job_id
            if change.bandwidth is not None and entry.desired.shown_by(change.bandwidth):
                result.succeed(change.bandwidth)
            return

    def _order(self, entry, policy, result):
        service = self.services[entry.service]
        renewal = policy.renewal if entry.renewal else None
        try:
            change = service.order(entry.current, entry.desired, policy.auto_pay, renewal)
        except OutcomeUnknownError as exc:
            result.changed = True
            self._find_lost_order(entry, result, exc)
            return
        except HwCloudError as exc:
            result.fail(self._explain(exc, entry))
            return
        result.changed = True
        result.order_id = change.order_id
        result.job_id = change.job_id
        self._order_placed(entry, result, policy.auto_pay)

    def _order_placed(self, entry, result, auto_pay):
        if not auto_pay:
            result.status = PENDING_PAYMENT
            result.order_status = PENDING_PAYMENT
            result.msg = ("order %s waits for payment; the change takes effect once it is paid "
                          "(hwcloud.bandwidth.order with state=paid, or the billing console)" % result.order_id)
            return
        result.order_status = "processing"

    def _find_lost_order(self, entry, result, exc):
        """The answer to an order was lost: find the order by reading; never order again."""
        service = self.services[entry.service]
        label = service.label(entry.current)
        pause = ORDER_LOOKUP_PAUSE
        for attempt in range(ORDER_LOOKUP_ROUNDS):
            fresh = service.get(entry.id)
            orders = self.billing.orders_of_this_run(entry.id)
            if orders:
                order = orders[0]
                result.order_id = order["order_id"]
                result.order_status = order["status"]
                self.warn("%s: the answer to the order was lost; found its order %s (%s)." % (
                    label, order["order_id"], order["status"]))
                if order["status"] == PENDING_PAYMENT:
                    result.status = PENDING_PAYMENT
                    result.msg = "order %s waits for payment" % order["order_id"]
                elif entry.desired.shown_by(fresh) and not entry.renewal:
                    result.succeed(fresh)
                return
            if not entry.renewal and entry.desired.shown_by(fresh) and not service.is_changing(fresh):
                self.warn("%s: the answer to the order was lost, but the bandwidth shows the change." % label)
                result.succeed(fresh)
                return
            if orders is None or attempt == ORDER_LOOKUP_ROUNDS - 1:
                break
            self.sleep(pause)
            pause *= 2
        result.fail(exc.with_hint(
            "an order may have been placed for %s. Do not retry blindly: check the orders pending payment in the "
            "billing console, or with hwcloud.bandwidth.order_info, then run the task again (it finds an open order "
            "and places no other)" % label))

    def _explain(self, exc, entry):
        """A refused write, with what to do: a 409 names the open orders of the bandwidth."""
        if exc.status != 409:
            return exc
        label = self._label(entry)
        with self._lock:
            # One billing read explains every conflict of this apply, however many targets got a 409.
            if self._conflicts is None:
                self._conflicts = self.billing.open_change_orders() or {}
            found = self._conflicts
        listed = ", ".join("%s (%s)" % (o["order_id"], o["status"]) for o in found.get(entry.id, []))
        outcome = "no new order was placed, nothing was changed" if entry.action == ORDER else "nothing was changed"
        if listed:
            hint = ("%s has an open change order: %s; %s. Pay or cancel it with hwcloud.bandwidth.order, then run "
                    "again" % (label, listed, outcome))
        else:
            hint = ("%s is being changed by another operation (a job running, or an order pending payment or "
                    "processing); %s. Wait for it, or find the order in the billing console and pay or cancel it, "
                    "then run again" % (label, outcome))
        return exc.with_hint(hint)

    def _read_order_statuses(self, results):
        """One billing read for the orders placed by this run (their real status, when billing allows)."""
        placed = [r for r in results if r.order_id and r.status != FAILED]
        if not placed:
            return
        statuses = self.billing.statuses([r.order_id for r in placed])
        for result in placed:
            order = (statuses or {}).get(result.order_id)
            if order:
                result.order_status = order["status"]

    # -- follow and verify ----------------------------------------------------------------

    def follow(self, results, timeout, final=True):
        """Wait until every result in progress is done, with one waiter: a bulk read per service a round.

        With ``final``, what is still in progress at the deadline fails; otherwise it stays in
        progress (a follow round of a longer wait).
        """
        # An order found open before the run is reported, not followed: it may be for another size.
        pending = [r for r in results if r.status == IN_PROGRESS and r.entry.open_order is None]
        if not pending:
            return results
        waiter = Waiter(timeout, sleep=self.sleep, clock=self.clock)
        try:
            waiter.until("the changes to show", lambda: self._round(pending), lambda left: not left)
        except WaitTimeout:
            if final:
                for result in pending:
                    if result.status == IN_PROGRESS:
                        last = "; the last read failed: %s" % self._read_error if self._read_error else ""
                        result.fail("%s: not applied after %ss; it may still complete: run the task again later "
                                    "(it changes only what still differs) or raise wait_timeout%s"
                                    % (self._label(result.entry), timeout, last))
        return results

    def _round(self, pending):
        """One poll of everything still in progress; returns what still is."""
        left = [r for r in pending if r.status == IN_PROGRESS]
        fresh, unread = {}, set()
        for kind, service in self.services.items():
            ids = [r.id for r in left if r.entry.service == kind]
            if not ids:
                continue
            try:
                for bandwidth in service.read_for(ids=ids):
                    fresh[(kind, bandwidth["id"])] = bandwidth
            except HwCloudError as exc:
                # The read was already retried; the next round tries again, and the deadline names this error.
                self._read_error = exc
                unread.add(kind)
        try:
            orders = self.billing.statuses([r.order_id for r in left if r.order_id]) or {}
        except HwCloudError as exc:
            self._read_error = exc
            orders = {}
        for result in left:
            if result.entry.service not in unread:
                self._settle(result, fresh.get((result.entry.service, result.id)), orders.get(result.order_id))
        return [r for r in left if r.status == IN_PROGRESS]

    def _settle(self, result, bandwidth, order):
        entry = result.entry
        service = self.services[entry.service]
        if bandwidth is None:
            result.fail("%s no longer exists" % service.label(entry.current))
            return
        result.bandwidth = bandwidth
        if order is not None:
            result.order_status = order["status"]
            if order["status"] == "cancelled":
                result.fail("order %s of %s was cancelled; the change is not applied: place it again"
                            % (result.order_id, service.label(entry.current)))
                return
            if entry.renewal and order["status"] == "completed":
                result.succeed(bandwidth, msg="ordered for the renewal; it keeps %s Mbit/s until then"
                               % entry.size_before)
                return
        if entry.renewal and order is None and not self.billing.readable:
            result.succeed(bandwidth, msg="ordered for the renewal (billing cannot be read to follow the order)")
            return
        if entry.desired.shown_by(bandwidth) and not service.is_changing(bandwidth):
            if order is not None and order["status"] != "completed":
                return  # applied, but the order is not closed yet: one more round
            if result.order_id and order is None:
                # Billing cannot be read: the bandwidth showing the change is the evidence.
                result.order_status = "completed"
            result.succeed(bandwidth)
            return
        if result.job_id and not service.is_changing(bandwidth):
            done, reason = service.job_status(result.job_id, service.label(entry.current))
            if done and reason:
                result.fail(reason)

    # -- the whole run --------------------------------------------------------------------

    def run(self, targets, policy, check_mode=False, wait=True, wait_timeout=600, recommendations=None, usage=None):
        """Plan, then (unless ``check_mode`` or a problem) apply and, with ``wait``, follow and verify.

        Returns (plan, results); a plan with problems is returned before any write.
        """
        plan_ = self.plan(targets, policy, recommendations=recommendations, usage=usage)
        if plan_.problems:
            return plan_, []
        results = self.blocked(plan_)
        if check_mode:
            return plan_, results
        started = self.clock()
        results.extend(self.apply(plan_, policy))
        if wait:
            remaining = max(1.0, wait_timeout - (self.clock() - started))
            self.follow(results, remaining)
        return plan_, results


def counts(plan_, results):
    """The figures a person reads first: targets, what the plan does, what the run did."""
    figures = plan_.counts()
    for status in (OK, PENDING_PAYMENT, IN_PROGRESS, FAILED):
        figures[status] = sum(1 for r in results if r.status == status)
    return figures


def resume(records):
    """Results rebuilt from the ``results`` an earlier run returned, to follow what it left in progress."""
    results = []
    for record in records:
        current = {"id": record.get("id"), "name": record.get("name"), "size": record.get("size_before")}
        size_after = record.get("size_after")
        desired = Desired(size=size_after if size_after not in (None, record.get("size_before")) else None)
        target = Target(record.get("service"), id=record.get("id"), size=size_after)
        open_order = None
        if record.get("action") == "none" and record.get("order_id"):
            # An order found open before that run: reported, never followed (it may be for another size).
            open_order = {"order_id": record.get("order_id"), "status": record.get("order_status")}
        entry = Entry(target, current, desired, record.get("action"), reason=None, open_order=open_order)
        result = Result(entry)
        result.status = record.get("status") or IN_PROGRESS
        result.order_id = record.get("order_id")
        result.order_status = record.get("order_status")
        result.job_id = record.get("job_id")
        result.msg = record.get("msg")
        results.append(result)
    return results

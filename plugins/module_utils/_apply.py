# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apply step of the engine: start every change of a plan, a bounded number at a time.

The run's first change is written alone: when the credentials are refused (401, 403), no
other write goes out (the gateway locks an access key after repeated authentication failures),
and every target not yet written is reported as not started. The others then run in a pool per
region, the regions at once; a :class:`WriteGate` shared by the run holds both rules.

Unknown outcomes follow rule 4 of the design: a plain update is declarative, so it is read
again, followed when under way and sent again when it shows neither the change nor a change
under way; an order is never sent again: it is looked for in billing for a bounded time (with
the collection's one backoff) and followed when found; otherwise the target fails saying that
an order may exist.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import SpendLimits
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    BandwidthError,
    HwCloudError,
    OutcomeUnknownError,
    halts_writes,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import ORDER, UPDATE
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import Result
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import AdaptiveLimit, Backoff
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    FAILED,
    IN_PROGRESS,
    NOT_STARTED,
    PENDING_PAYMENT,
    order_amount,
)

# After a lost answer to an order, billing is asked this many times (its listings may lag), pausing
# 2, 4 and 8 seconds between the rounds.
ORDER_LOOKUP_ROUNDS = 4
ORDER_LOOKUP_BACKOFF = Backoff(initial=2.0, cap=8.0, jitter=False)
# After this many writes in a row go through, a throttled service gets one more concurrent write; 429s
# within this many seconds of a decrease count as one (a burst of 429s halves the limit once).
THROTTLE_RECOVERY = 10
THROTTLE_COOLDOWN = 1.0


class WriteGate:
    """What the writers of one run share: the first write goes alone, and a refused key stops the rest.

    A run over several regions writes them at once, each region with its own pool; one gate
    makes the run's first write the only one in flight (the key is the same in every region),
    and its refusal (401, 403), or any later one, is seen by every writer before its next write.
    """

    def __init__(self):
        self.refusal = None
        self._lock = threading.Lock()
        self._claimed = False
        self._opened = threading.Event()

    def first(self, write):
        """``[write()]`` for the one caller that claims the run's first write; ``[]`` for the others, once it is done."""
        with self._lock:
            mine, self._claimed = not self._claimed, True
        if mine:
            try:
                return [write()]
            finally:
                self._opened.set()
        self._opened.wait()
        return []

    def refuse(self, error):
        with self._lock:
            self.refusal = self.refusal or error


class Applier:
    """Writes the changes of one plan and keeps what each write started."""

    def __init__(self, client, services, billing, concurrency=10, warn=None, sleep=time.sleep):
        self.client = client
        self.services = services
        self.billing = billing
        self.concurrency = max(1, int(concurrency or 1))
        self.warn = warn or (lambda message: None)
        self.sleep = sleep
        self._conflicts = Conflicts(billing)
        self._lost_orders = LostOrders(services, billing, self.warn, sleep)
        self._gate = WriteGate()
        self._limits = SpendLimits()
        self.throttles = {}

    def apply(self, plan_, policy, spend=None, gate=None):
        """Start every change of the plan; a failure stays with its target.

        ``spend`` and ``gate``: the run's :class:`SpendLimits` and :class:`WriteGate` when it spans
        several plans (regions) written at once; else the policy's limits and a gate of its own.
        """
        changes = plan_.changes
        if not changes:
            return []
        self._conflicts = Conflicts(self.billing)
        self._gate = gate or WriteGate()
        self._limits = spend or SpendLimits(policy.max_order_amount, policy.max_run_amount)
        self.client.project_id  # resolved once, before the threads share the client
        # Writes to a service that throttles (429) slow down: its limit halves, and grows again after successes.
        self.throttles = {kind: AdaptiveLimit(self.concurrency, floor=1, increase_after=THROTTLE_RECOVERY,
                                              cooldown=THROTTLE_COOLDOWN, name=kind) for kind in self.services}
        self.client.on_throttle = self._throttled
        try:
            return self._apply_all(changes, policy)
        finally:
            self.client.on_throttle = None

    def _throttled(self, service):
        limit = self.throttles.get(service)
        if limit is not None:
            limit.throttled()

    def _apply_all(self, changes, policy):
        results = self._gate.first(lambda: self._apply_one(changes[0], policy))
        rest = changes[len(results):]
        workers = min(self.concurrency, len(rest))
        if workers <= 1:
            results.extend(self._apply_one(entry, policy) for entry in rest)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results.extend(pool.map(lambda entry: self._apply_one(entry, policy), rest))
        self._read_order_statuses(results)
        return results

    def _apply_one(self, entry, policy):
        limit = self.throttles.get(entry.service) if self.throttles else None
        if limit is None:
            return self._write_one(entry, policy)
        with limit.slot():
            result = self._write_one(entry, policy)
        if result.status not in (FAILED, NOT_STARTED):
            limit.succeeded()
        return result

    def _write_one(self, entry, policy):
        result = Result(entry)
        if self._gate.refusal is not None:
            result.not_started(self._gate.refusal)
            return result
        try:
            if entry.action == UPDATE:
                self._update(entry, result)
            else:
                self._order(entry, policy, result)
        except BandwidthError as exc:
            result.fail(exc)
        if result.status == FAILED and halts_writes(result.exception):
            self._gate.refuse(result.exception)
        return result

    # -- plain updates ----------------------------------------------------------------------

    def _update(self, entry, result):
        service = self.services[entry.service]
        retry = self.client.retry
        attempt = 0
        while True:
            try:
                change = service.update(entry.current, entry.desired)
            except OutcomeUnknownError as exc:
                result.changed = True
                if self._settled_after_lost_update(entry, result, exc, attempt):
                    return
                # Neither applied nor under way: the same update again changes nothing twice.
                retry.pause(attempt)
                attempt += 1
                continue
            except HwCloudError as exc:
                if attempt and exc.status == 409:
                    # An earlier try that lost its answer is being applied now.
                    return
                result.fail(self._conflicts.explain(exc, entry))
                return
            result.changed = True
            result.job_id = change.job_id
            if change.bandwidth is not None and entry.desired.shown_by(change.bandwidth):
                result.succeed(change.bandwidth)
            return

    def _settled_after_lost_update(self, entry, result, exc, attempt):
        """Read the bandwidth after a lost answer; True when nothing more is to be sent."""
        service = self.services[entry.service]
        fresh = service.get(entry.id)
        if entry.desired.shown_by(fresh) and not service.is_changing(fresh):
            result.succeed(fresh)
            return True
        if service.is_changing(fresh):
            # Under way: the follow step follows the bandwidth to its end.
            result.bandwidth = fresh
            return True
        if attempt >= self.client.retry.max_retries:
            result.fail(exc.with_hint(
                "the update of %s was sent %d times without a readable outcome and the bandwidth shows neither the "
                "change nor a change under way; run the task again (an update is safe to repeat)"
                % (entry.label, attempt + 1)))
            return True
        return False

    # -- orders -------------------------------------------------------------------------------

    def _order(self, entry, policy, result):
        service = self.services[entry.service]
        renewal = policy.renewal if entry.renewal else None
        # With spend limits, the order is placed unpaid: its amount is read and paid only within them.
        pay_here = policy.auto_pay and self._limits.active
        try:
            change = service.order(entry.current, entry.desired, policy.auto_pay and not pay_here, renewal)
        except OutcomeUnknownError as exc:
            result.changed = True
            self._lost_orders.resolve(entry, result, exc, renewal)
            if policy.auto_pay and result.status == PENDING_PAYMENT:
                # An order whose id this run now holds (found, or placed again unpaid): paid within the limits.
                self._pay(entry, result)
            return
        except HwCloudError as exc:
            result.fail(self._conflicts.explain(exc, entry))
            return
        result.changed = True
        result.order_id = change.order_id
        result.job_id = change.job_id
        if pay_here:
            self._pay(entry, result)
            return
        if policy.auto_pay:
            result.order_status = "processing"
            return
        result.status = PENDING_PAYMENT
        result.order_status = PENDING_PAYMENT
        result.msg = ("order %s waits for payment; the change takes effect once it is paid (hwcloud.bandwidth.order "
                      "with state=paid, or the billing console)" % result.order_id)

    def _pay(self, entry, result):
        """Pay the order this run just placed, only within the spend limits; over them it stays pending payment."""
        try:
            order, refusal = self.billing.pay_within(result.order_id, self._limits)
        except HwCloudError as exc:
            result.fail(exc.with_hint("order %s of %s was placed and its payment refused; it stays pending payment "
                                      "(nothing else was ordered): pay it with hwcloud.bandwidth.order (state: paid) "
                                      "once the cause is fixed, or cancel it" % (result.order_id, entry.label)))
            return
        result.order_status = order["status"]
        money = order_amount(order)
        result.amount, result.currency = money["amount"], money["currency"]
        if refusal:
            result.fail("%s: %s; it was not paid and stays pending payment (nothing else was ordered). Pay it with "
                        "hwcloud.bandwidth.order (order_id: %s, state: paid) once it is approved, or cancel it, or "
                        "raise the limit and run again" % (entry.label, refusal, result.order_id))
            return
        if order["status"] != PENDING_PAYMENT:
            # Paid: the service applies it now, and the follow step sees it through.
            result.status, result.msg = IN_PROGRESS, None

    # -- refusals -------------------------------------------------------------------------------

    def _read_order_statuses(self, results):
        """One billing read for the orders placed by this run (their real status, when billing allows)."""
        placed = [r for r in results if r.order_id and r.status != FAILED]
        if not placed:
            return
        statuses = self.billing.statuses([r.order_id for r in placed])
        for result in placed:
            order = (statuses or {}).get(result.order_id)
            if order and not order.get("unknown"):
                result.order_status = order["status"]
                money = order_amount(order)
                result.amount, result.currency = money["amount"], money["currency"]


class Conflicts:
    """Explains the writes of one apply that the service refused with 409, with one billing read for all."""

    def __init__(self, billing):
        self.billing = billing
        self._lock = threading.Lock()
        self._found = None

    def explain(self, exc, entry):
        """A refused write, with what to do: a 409 names the open orders of the bandwidth."""
        if exc.status != 409:
            return exc
        with self._lock:
            if self._found is None:
                self._found = self.billing.open_change_orders(fresh=True) or {}
            found = self._found
        listed = ", ".join("%s (%s)" % (o["order_id"], o["status"]) for o in found.get(entry.id, []))
        outcome = "no new order was placed, nothing was changed" if entry.action == ORDER else "nothing was changed"
        if listed:
            hint = ("%s has an open change order: %s; %s. Pay or cancel it with hwcloud.bandwidth.order, then run "
                    "again" % (entry.label, listed, outcome))
        else:
            hint = ("%s is being changed by another operation (a job running, or an order pending payment or "
                    "processing); %s. Wait for it, or find the order in the billing console and pay or cancel it, "
                    "then run again" % (entry.label, outcome))
        return exc.with_hint(hint)


class LostOrders:
    """The answer to a change order was lost (design, rule 4): find the order, or place it once more, unpaid.

    Billing is read for a bounded time (its listings may lag), with the bandwidth. When neither shows
    the order, it is placed once more without payment: the service refuses a change order while
    another is open on the bandwidth (409), which proves the first exists, and an unpaid duplicate
    costs nothing. When billing cannot be read, nothing is placed again and the target fails saying
    that an order may exist.
    """

    def __init__(self, services, billing, warn, sleep):
        self.services = services
        self.billing = billing
        self.warn = warn
        self.sleep = sleep

    def resolve(self, entry, result, exc, renewal):
        found = self._search(entry, result)
        if found:
            return
        if found is not None:  # billing was read and shows no order
            self._place_again(entry, result, exc, renewal)
            return
        result.fail(exc.with_hint(
            "an order may have been placed for %s. Do not retry blindly: check the orders pending payment in the "
            "billing console, or with hwcloud.bandwidth.order_info, then run the task again (it finds an open order "
            "and places no other)" % entry.label))

    def _search(self, entry, result, rounds=ORDER_LOOKUP_ROUNDS):
        """True when the order (or the change itself) was found and ``result`` says so; None when billing is unread."""
        service = self.services[entry.service]
        for attempt in range(rounds):
            fresh = service.get(entry.id)
            orders = self.billing.orders_of_this_run(entry.id)
            if orders:
                self._found(entry, result, orders[0], fresh)
                return True
            if not entry.renewal and entry.desired.shown_by(fresh) and not service.is_changing(fresh):
                self.warn("%s: the answer to the order was lost, but the bandwidth shows the change." % entry.label)
                result.succeed(fresh)
                return True
            if orders is None:
                return None
            if attempt == rounds - 1:
                return False
            self.sleep(ORDER_LOOKUP_BACKOFF.delay(attempt))
        return False

    def _found(self, entry, result, order, fresh):
        result.order_id = order["order_id"]
        result.order_status = order["status"]
        self.warn("%s: the answer to the order was lost; found its order %s (%s)." % (
            entry.label, order["order_id"], order["status"]))
        if order["status"] == PENDING_PAYMENT:
            result.status = PENDING_PAYMENT
            result.msg = "order %s waits for payment" % order["order_id"]
        elif entry.desired.shown_by(fresh) and not entry.renewal:
            result.succeed(fresh)

    def _place_again(self, entry, result, exc, renewal):
        service = self.services[entry.service]
        try:
            change = service.order(entry.current, entry.desired, False, renewal)
        except OutcomeUnknownError:
            # Lost again: billing may show this one (it was placed unpaid), and then the run holds its id.
            if self._search(entry, result):
                return
            result.fail(exc.with_hint(
                "an order may have been placed for %s (the answer to it was lost twice). Do not retry blindly: check "
                "the orders pending payment with hwcloud.bandwidth.order_info or in the billing console, then run "
                "the task again (it finds an open order and places no other)" % entry.label))
            return
        except HwCloudError as again:
            if again.status == 409 and self._search(entry, result, rounds=2):
                return  # refused because the first order is open: that one is followed
            result.fail(exc.with_hint(
                "the answer to the order for %s was lost, billing showed no order, and placing it again unpaid was "
                "refused (%s); check the orders pending payment with hwcloud.bandwidth.order_info or in the billing "
                "console, then run the task again" % (entry.label, again.error_code or "HTTP %s" % again.status)))
            return
        self.warn("%s: the answer to the order was lost and billing showed none; it was placed again, unpaid: order "
                  "%s." % (entry.label, change.order_id))
        result.order_id = change.order_id
        result.job_id = change.job_id
        result.status = PENDING_PAYMENT
        result.order_status = PENDING_PAYMENT
        result.msg = "order %s waits for payment" % change.order_id

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing orders (BSS): read, find, wait for, pay and cancel.

The order state logic (what paying or cancelling means from each status) is a pure function,
:func:`plan_order_state`, so that it can be tested without HTTP; :meth:`Orders.ensure` applies
it with the safety rules of the design: read before write, check mode writes nothing, an
unknown outcome is resolved by reading the order again, never by paying twice.
"""

from __future__ import annotations

import datetime
import threading

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    OutcomeUnknownError,
    ValidationError,
    gateway_code,
    halts_writes,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import parse_time, utcnow
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import RetryPolicy, Tries
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import order_amount
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter, WaitTimeout

STATUS_NAMES = {
    1: "pending_approval",
    2: "pending_refund",
    3: "processing",
    4: "cancelled",
    5: "completed",
    6: "pending_payment",
    9: "to_be_confirmed",
}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}
ORDER_TYPE_CHANGE = 3
# Orders that still hold the bandwidth: the service answers 409 to a new change meanwhile.
OPEN_STATUSES = ("pending_approval", "processing", "pending_payment", "to_be_confirmed")
# BSS refuses an order search whose creation-time window is longer than one year.
ORDER_SEARCH_WINDOW = datetime.timedelta(days=365)
# Orders of this run are searched from a little before it started: the two clocks may differ.
CLOCK_MARGIN = datetime.timedelta(minutes=10)
BSS_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Up to this many orders are read one by one; more are read with one listing of this run's orders.
SINGLE_READS_MAX = 2
# Billing codes that mean "this user may not read or pay orders": degrade, don't fail.
NO_BILLING_PERMISSION = frozenset(("CBC.0151", "APIGW.0302"))

# The states the order module manages, and the statuses that already satisfy them.
PAID = "paid"
CANCELLED = "cancelled"
PAID_STATUSES = ("processing", "completed")
PAYABLE = "pending_payment"

# Billing error codes (design, API facts).
UNKNOWN_ORDER = "CBC.30000010"
STATUS_CHANGED = "CBC.99003106"
PAYMENT_DEADLINE_PASSED = "CBC.99003110"
INSUFFICIENT_BALANCE = "CBC.99005003"
PAYMENT_IN_PROGRESS = "CBC.99000088"
CANNOT_CANCEL = "CBC.99005010"
# After these, the order may have moved on by itself (or through another payer): read it again.
RACE_CODES = frozenset((STATUS_CHANGED, PAYMENT_IN_PROGRESS, CANNOT_CANCEL))

# What to do, by billing code, when paying or cancelling one order fails.
_WRITE_HINTS = {
    PAYMENT_DEADLINE_PASSED: "order {id} passed its payment deadline and can no longer be paid; the bandwidth keeps "
                             "its size. Place the change again (run the resize task) and pay the new order in time",
    INSUFFICIENT_BALANCE: "the account balance does not cover order {id}; top up the account (or arrange monthly "
                          "settlement), then run the task again: the order stays pending payment until its deadline",
    PAYMENT_IN_PROGRESS: "a payment of order {id} is already in progress; wait a minute and read it with "
                         "hwcloud.bandwidth.order_info, or run the task again",
    STATUS_CHANGED: "order {id} changed status while it was being paid; read it with hwcloud.bandwidth.order_info",
    CANNOT_CANCEL: "order {id} is no longer pending payment, so it cannot be cancelled; read it with "
                   "hwcloud.bandwidth.order_info",
    "CBC.0151": "this IAM user may not use the billing center: grant it BSS permissions (for example the "
                "BSS Administrator role), or pay or cancel order {id} in the billing console",
    "APIGW.0302": "this IAM user is not authorized for the billing API: grant it BSS permissions, or pay or cancel "
                  "order {id} in the billing console",
}


class OrderStateError(Exception):
    """The order is in a status from which the requested state cannot be reached."""

    def __init__(self, message, order):
        super().__init__(message)
        self.order = order


def clean_order_ids(order_id=None, order_ids=None):
    """The order IDs of a task (``order_id`` or ``order_ids``): stripped, each once, in the order given."""
    if order_id is not None:
        if not order_id.strip():
            raise ValidationError("order_id must not be empty")
        return [order_id.strip()]
    ids = []
    for value in order_ids or []:
        value = (value or "").strip()
        if not value:
            raise ValidationError("order_ids must not hold an empty order ID (it must not be empty)")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise ValidationError("order_ids is empty: give at least one order ID")
    return ids


def status_name(code):
    """The design's name of a BSS order status code; unknown codes keep their number."""
    try:
        return STATUS_NAMES.get(int(code), "unknown_%s" % code)
    except (TypeError, ValueError):
        return "unknown"


def is_permission_error(error):
    return error.status == 403 or gateway_code(error.error_code) in NO_BILLING_PERMISSION


def is_unknown_order(error):
    """True when the billing service says the order does not exist.

    Only its own code counts: a bare 404 from BSS usually means an outdated endpoint.
    """
    return error.error_code == UNKNOWN_ORDER


def normalize_order(info):
    """The fields every module returns for an order; amounts in the currency's main unit (``measure_id`` applied)."""
    money = order_amount({"order_id": info.get("order_id"), "amount": info.get("amount_after_discount"),
                          "official_amount": info.get("official_amount"), "currency": info.get("currency"),
                          "measure_id": info.get("measure_id")})
    return {
        "order_id": info.get("order_id"),
        "status": status_name(info.get("status")),
        "status_code": info.get("status"),
        "order_type": info.get("order_type"),
        "service_type_code": info.get("service_type_code"),
        "create_time": info.get("create_time"),
        "payment_time": info.get("payment_time"),
        "pending_payment_end_time": info.get("pending_payment_end_time"),
        "amount": money["amount"],
        "official_amount": money["official_amount"],
        "currency": info.get("currency") or (money["currency"] if money["amount"] is not None else None),
    }


def spec_of(line_items):
    """What an order is for, as billing describes it: its lines' ``product_spec_desc``, verbatim; None if none.

    Free text for people (docs/api-notes.md): shown as it is, never parsed.
    """
    specs = [item.get("product_spec_desc") for item in line_items or [] if isinstance(item, dict)]
    specs = [spec for spec in specs if isinstance(spec, str) and spec.strip()]
    return "; ".join(specs) or None


def plan_order_state(order, state):
    """What brings ``order`` (normalised) to ``state`` (``paid`` or ``cancelled``).

    Returns ``"pay"``, ``"cancel"`` or None (already there). Raises :class:`OrderStateError`
    when the order's status does not allow it, with a message that says what to do instead.
    """
    order_id = order["order_id"]
    status = order["status"]
    if state == PAID:
        if status in PAID_STATUSES:
            return None
        if status == PAYABLE:
            return "pay"
        if status == "cancelled":
            message = ("order %s is cancelled and cannot be paid; the bandwidth keeps its size. Place the change again "
                       "(run the resize task with auto_pay false) and pay the new order" % order_id)
        elif status == "pending_approval":
            message = ("order %s is pending approval and cannot be paid yet; pay it once it is approved (it then "
                       "shows pending_payment)" % order_id)
        elif status == "to_be_confirmed":
            message = "order %s is to be confirmed; confirm it in the billing console before paying it" % order_id
        else:
            message = "order %s is %s; only an order pending payment can be paid" % (order_id, status)
        raise OrderStateError(message, order)
    if state == CANCELLED:
        if status == "cancelled":
            return None
        if status == PAYABLE:
            return "cancel"
        if status in PAID_STATUSES:
            message = ("order %s is already paid (%s) and cannot be cancelled; to undo the change, resize the bandwidth "
                       "back (that places a new order)" % (order_id, status))
        else:
            message = "order %s is %s; only an order pending payment can be cancelled" % (order_id, status)
        raise OrderStateError(message, order)
    raise ValueError("unknown order state %r" % (state,))


def reached(order, state):
    return order["status"] in (PAID_STATUSES if state == PAID else ("cancelled",))


def projected(order, action):
    """The order as it would look after ``action`` (check mode)."""
    code = STATUS_CODES["processing" if action == "pay" else "cancelled"]
    return dict(order, status=status_name(code), status_code=code)


class Outcome:
    """What :meth:`Orders.ensure` did: changed or not, the order before and after, warnings."""

    def __init__(self, before):
        self.before = before
        self.after = before
        self.changed = False
        self.action = None
        self.warnings = []

    def diff(self):
        return {"before": {"order_id": self.before["order_id"], "status": self.before["status"]},
                "after": {"order_id": self.after["order_id"], "status": self.after["status"]}}


class Orders:
    """The billing orders of the account the client signs for."""

    def __init__(self, client):
        self.client = client
        # A payment (or cancellation) whose answer is lost is read and sent again while the order still waits,
        # within the client's wait budget and backoff: both are keyed by the order id and cannot act twice.
        self.retry = getattr(client, "retry", None) or RetryPolicy(max_retries=1, sleep=lambda seconds: None)

    def resends(self):
        """The resends of one payment or cancellation whose answers may be lost."""
        return Tries(self.retry)

    def get(self, order_id):
        try:
            answer = self.client.request(
                "bss", "GET", self.client.path("/v2/orders/customer-orders/details/{order_id}", order_id=order_id),
                "read order %s" % order_id) or {}
        except HwCloudError as exc:
            if not is_unknown_order(exc):
                raise
            raise HwCloudError(exc.operation, exc.message, status=exc.status, error_code=exc.error_code,
                               request_id=exc.request_id,
                               hint="check the order ID, and that the credentials belong to the account that "
                                    "placed the order") from None
        info = answer.get("order_info")
        if not info:
            raise HwCloudError("read order %s" % order_id, "the billing service returned no order_info",
                               hint="check the order id")
        order = normalize_order(info)
        order["product_spec_desc"] = spec_of(answer.get("order_line_items"))
        return order

    def get_many(self, order_ids):
        return [self.get(order_id) for order_id in order_ids]

    def list(self, **filters):
        query = {key: value for key, value in filters.items() if value is not None}
        items = self.client.pages_by_offset("bss", "/v2/orders/customer-orders", "order_infos", "list orders",
                                            query=query, limit=100)
        return [normalize_order(item) for item in items]

    def resource_ids(self, order_id):
        """The ids of the main resources an order changes."""
        answer = self.client.request(
            "bss", "POST", "/v2/orders/suscriptions/resources/query",
            "read the resources of order %s" % order_id,
            body={"order_id": order_id, "only_main_resource": 1}, read_only=True) or {}
        return [item.get("resource_id") for item in answer.get("data") or [] if item.get("resource_id")]

    def pay(self, order_id):
        self.client.request("bss", "POST", "/v3/orders/customer-orders/pay", "pay order %s" % order_id,
                            body={"order_id": order_id, "use_coupon": "NO", "use_discount": "NO"})

    def cancel(self, order_id):
        self.client.request("bss", "PUT", "/v2/orders/customer-orders/cancel", "cancel order %s" % order_id,
                            body={"order_id": order_id})

    def ensure(self, order_id, state, check_mode=False):
        """Bring one order to ``state`` (``paid`` or ``cancelled``); return an :class:`Outcome`.

        Reads the order first; writes only when its status needs it, and not at all in check
        mode. Raises :class:`OrderStateError` when the status does not allow the state, and
        :class:`HwCloudError` (with an order-specific hint) when the billing service refuses.
        """
        outcome = Outcome(self.get(order_id))
        action = plan_order_state(outcome.before, state)
        if action is None:
            return outcome
        outcome.changed = True
        outcome.action = action
        if check_mode:
            outcome.after = projected(outcome.before, action)
            return outcome
        write = self.pay if action == "pay" else self.cancel
        tries = self.resends()
        while True:
            try:
                write(order_id)
            except OutcomeUnknownError as exc:
                outcome.after = self.get(order_id)
                if reached(outcome.after, state):
                    outcome.warnings.append("the answer to the %s request of order %s was lost, but the order shows "
                                            "%s" % (action, order_id, outcome.after["status"]))
                    return outcome
                if outcome.after["status"] == PAYABLE and tries.resend():
                    continue
                error = HwCloudError(exc.operation, exc.message, status=exc.status, error_code=exc.error_code,
                                     request_id=exc.request_id,
                                     hint="order %s still shows %s, but the %s request may yet take effect; read it "
                                          "with hwcloud.bandwidth.order_info before trying again (running this task "
                                          "again is safe: it reads the order first)"
                                          % (order_id, outcome.after["status"], action))
                error.order = outcome.after
                raise error from None
            except HwCloudError as exc:
                if exc.error_code in RACE_CODES:
                    fresh = self.get(order_id)
                    if reached(fresh, state):
                        # Reached through another request meanwhile (or through our own lost one, on the second try).
                        outcome.changed = bool(tries.resent)
                        outcome.after = fresh
                        outcome.warnings.append("order %s reached %s through another request meanwhile (%s)"
                                                % (order_id, fresh["status"], exc.error_code))
                        return outcome
                error = self._explained(exc, order_id)
                error.order = outcome.before
                raise error from None
            break
        outcome.after = self.get(order_id)
        return outcome

    @staticmethod
    def _explained(exc, order_id):
        hint = _WRITE_HINTS.get(gateway_code(exc.error_code))
        if hint is None:
            return exc
        return HwCloudError(exc.operation, exc.message, status=exc.status, error_code=exc.error_code,
                            request_id=exc.request_id, hint=hint.format(id=order_id))

    def wait_completed(self, order_ids, timeout, sleep=None, clock=None):
        """Poll all the orders together until every one is completed; fail on a cancelled one.

        One poll loop with backoff for every order. Raises :class:`WaitFailed` naming the
        cancelled orders, and :class:`WaitTimeout` naming the orders not completed yet.
        """
        kwargs = {}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if clock is not None:
            kwargs["clock"] = clock
        waiter = Waiter(timeout, **kwargs)
        what = "order%s %s to complete" % ("s" if len(order_ids) > 1 else "", ", ".join(order_ids))

        def cancelled(orders):
            gone = [o["order_id"] for o in orders if o["status"] == "cancelled"]
            if not gone:
                return None
            return ("cancelled: %s; %s will never complete and %s not applied: place the change again"
                    % (", ".join(gone), "it" if len(gone) == 1 else "they", "its change is" if len(gone) == 1
                       else "their changes are"))

        try:
            return waiter.until(what, lambda: self.get_many(order_ids),
                                lambda orders: all(o["status"] == "completed" for o in orders), cancelled)
        except WaitTimeout as exc:
            raise WaitTimeout(_still_open(what, exc.last), exc.timeout, exc.last) from None


class OrderFailure:
    """One order that did not reach the requested state, and why."""

    def __init__(self, order_id, message, error=None, exception=None):
        self.order_id = order_id
        self.message = message
        self.error = error
        self.exception = exception

    def to_dict(self):
        return {"order_id": self.order_id, "msg": self.message, "error": self.error}


class OrderTask:
    """The orders of one task brought to ``state`` (``paid`` or ``cancelled``), and waited for.

    Each order is handled on its own: one that fails does not stop the others, except a refusal
    of the credentials, after which none is tried (the same refusal would meet each, and repeated
    authentication failures lock the access key). ``found`` holds every order as last read.
    """

    def __init__(self, orders, order_ids, state, check_mode=False):
        self.orders = orders
        self.ids = list(order_ids)
        self.state = state
        self.check_mode = check_mode
        self.found = {}
        self.outcomes = []
        self.failures = []

    def ensure(self):
        """Bring every order to the state; fills ``found``, ``outcomes`` and ``failures``."""
        for position, order_id in enumerate(self.ids):
            try:
                outcome = self.orders.ensure(order_id, self.state, check_mode=self.check_mode)
            except OrderStateError as exc:
                self.found[order_id] = exc.order
                self.failures.append(OrderFailure(order_id, str(exc), exception=exc))
                continue
            except HwCloudError as exc:
                if getattr(exc, "order", None):
                    self.found[order_id] = exc.order
                self.failures.append(OrderFailure(order_id, str(exc), error=exc.to_dict(), exception=exc))
                if halts_writes(exc):
                    self.failures.extend(OrderFailure(rest, "not tried: the billing service refused order %s with "
                                                            "HTTP %s (%s), which would refuse this order too; fix that "
                                                            "first, then run the task again" % (
                                                                order_id, exc.status, exc.error_code or "no code"))
                                         for rest in self.ids[position + 1:])
                    break
                continue
            self.found[order_id] = outcome.after
            self.outcomes.append(outcome)

    def paid_not_completed(self):
        return [outcome.after["order_id"] for outcome in self.outcomes
                if outcome.after["status"] in PAID_STATUSES and outcome.after["status"] != "completed"]

    def wait(self, order_ids, timeout):
        """Wait for the paid orders together, in one loop; a cancelled or late order fails on its own."""
        left = list(order_ids)

        def poll():
            for order in self.orders.get_many(left):
                self.found[order["order_id"]] = order
                if order["status"] == "cancelled":
                    self.failures.append(OrderFailure(
                        order["order_id"], "order %s was cancelled while waiting for it to complete, so its change "
                                           "is not applied; place the change again" % order["order_id"]))
            left[:] = [i for i in left if self.found[i]["status"] not in ("completed", "cancelled")]
            return left

        try:
            Waiter(timeout).until("orders %s to complete" % ", ".join(order_ids), poll, lambda rest: not rest)
        except HwCloudError as exc:
            self.failures.extend(OrderFailure(i, "order %s is paid, but reading it while waiting for it to complete "
                                                 "failed: %s" % (i, exc), error=exc.to_dict()) for i in left)
        except WaitTimeout:
            self.failures.extend(OrderFailure(i, "order %s is still %s after waiting %ss for it to complete; it may "
                                                 "still complete: read it later with hwcloud.bandwidth.order_info, "
                                                 "or raise wait_timeout" % (i, self.found[i]["status"], timeout))
                                 for i in left)

    def summary(self):
        """One message naming each failed order with its reason, and what was done with the others."""
        failed = list(dict.fromkeys(failure.order_id for failure in self.failures))
        total = len(self.ids)
        text = "%d of %d order%s failed: %s" % (len(failed), total, "s" if total > 1 else "", ", ".join(failed))
        done = self.done()
        if done:
            text += " (%s)" % done
        return text + ". " + " ".join("[%s] %s" % (failure.order_id, failure.message.rstrip(".") + ".")
                                      for failure in self.failures)

    def done(self):
        """What was done to the orders that reached the state (a paid one may still fail its wait), in words."""
        verb = {PAID: "paid", CANCELLED: "cancelled"}[self.state]
        verbs = ("would be %s" % verb if self.check_mode else verb, "already %s" % verb)
        groups = []
        for words, changed in zip(verbs, (True, False)):
            names = [outcome.before["order_id"] for outcome in self.outcomes if outcome.changed is changed]
            if names:
                groups.append("%s: %s" % (words, ", ".join(names)))
        return "; ".join(groups)


def read_orders(orders, order_ids):
    """(orders read, error): every order, and one error naming all the IDs billing does not know."""
    found, unknown = [], []
    for order_id in order_ids:
        try:
            found.append(orders.get(order_id))
        except HwCloudError as exc:
            if not is_unknown_order(exc):
                raise
            unknown.append((order_id, exc))
    if not unknown:
        return found, None
    first = unknown[0][1]
    names = ", ".join(order_id for order_id, _exc in unknown)
    return found, HwCloudError(
        first.operation if len(unknown) == 1 else "read orders %s" % names,
        "the billing service does not know order%s %s (%s)" % ("s" if len(unknown) > 1 else "", names, first.message),
        status=first.status, error_code=first.error_code, request_id=first.request_id,
        hint="check the order IDs and that the credentials belong to the account that placed the orders")


def _still_open(what, orders):
    """``what`` with the orders that did not complete, and what waiting on them needs."""
    if not orders:
        return what
    late = ["%s (%s)" % (o["order_id"], o["status"]) for o in orders if o["status"] != "completed"]
    text = "%s; not completed: %s" % (what, ", ".join(late))
    if any(o["status"] == PAYABLE for o in orders):
        text += "; an order pending payment completes only once paid (hwcloud.bandwidth.order with state=paid)"
    return text


class SpendLimits:
    """What one run may pay: each order at most ``max_order``, all its payments together at most ``max_run``.

    In the account's currency; None is no limit. Shared by the threads of a run: an amount is
    reserved before its payment is sent and kept when the payment's outcome is unknown (it may
    have been paid), so that no fault can lead to paying over a limit.
    """

    def __init__(self, max_order=None, max_run=None):
        self.max_order = max_order
        self.max_run = max_run
        self.spent = 0.0
        self._lock = threading.Lock()

    @property
    def active(self):
        return self.max_order is not None or self.max_run is not None

    def reserve(self, order_id, amount, currency):
        """None when paying ``amount`` keeps within the limits (it is then counted), else why not."""
        with self._lock:
            if self.max_order is not None and amount > self.max_order:
                return ("order %s costs %s %s, more than max_order_amount %s"
                        % (order_id, _figure(amount), currency, _figure(self.max_order)))
            if self.max_run is not None and self.spent + amount > self.max_run:
                return ("order %s costs %s %s; with the %s %s this run already paid that is more than "
                        "max_run_amount %s" % (order_id, _figure(amount), currency, _figure(self.spent), currency,
                                               _figure(self.max_run)))
            self.spent = round(self.spent + amount, 2)
            return None

    def release(self, amount):
        """A payment that certainly did not happen no longer counts."""
        with self._lock:
            self.spent = round(self.spent - amount, 2)


def _figure(value):
    return "%.2f" % value


class Billing:
    """Billing as one run of the engine sees it.

    It owns the one question every caller used to answer again: can these credentials read
    billing? The first refusal (CBC.0151, 403) is warned about once; from then on every read
    answers None ("cannot tell") and the caller follows the bandwidths instead. It also keeps
    what does not change during a run (which resources an order changes), so that no order is
    asked about twice.
    """

    def __init__(self, client, warn=None, clock=utcnow):
        self.orders = Orders(client)
        self._retry = self.orders.retry
        self.readable = True
        self.denied = None
        self._warn = warn or (lambda message: None)
        self._clock = clock
        self._since = clock() - CLOCK_MARGIN
        self._resources = {}
        # The open orders of the account, read once for every region of a run (set by the run that shares it).
        self._cache_open = False
        self._open = None

    def _read(self, reader):
        """``reader()``, or None once billing proves unreadable for these credentials."""
        if not self.readable:
            return None
        try:
            return reader()
        except HwCloudError as exc:
            if not is_permission_error(exc):
                raise
            self.readable = False
            self.denied = exc
            self._warn("billing orders cannot be read with these credentials (%s); following the bandwidths "
                       "themselves instead. Grant BSS read permission to see order status."
                       % (exc.error_code or "HTTP %s" % exc.status))
            return None

    def share_open_orders(self):
        """Read the account's open change orders once for the rest of this run (several regions plan on them)."""
        self._cache_open = True

    def resources_of(self, order_id):
        if order_id not in self._resources:
            self._resources[order_id] = set(self.orders.resource_ids(order_id))
        return self._resources[order_id]

    def _change_orders(self, **filters):
        return self.orders.list(order_type=str(ORDER_TYPE_CHANGE), **filters)

    def open_change_orders(self, fresh=False):
        """``{resource_id: [open change orders]}`` for the whole account, or None.

        One listing per open status (four calls, whatever the number of targets), then one
        resource query per open order found: what a 409 refers to, and what a rerun must find
        instead of ordering again.
        """
        if self._open is not None and not fresh:
            return self._open

        def read():
            found = {}
            for status in OPEN_STATUSES:
                for order in self._change_orders(status=STATUS_CODES[status]):
                    for resource_id in self.resources_of(order["order_id"]):
                        found.setdefault(resource_id, []).append(order)
            return found
        found = self._read(read)
        if self._cache_open:
            self._open = found
        return found

    def describe(self, orders):
        """Add ``product_spec_desc`` to open orders found before the run: one detail read each, once a run.

        Never blocks a plan: an order whose detail cannot be read keeps ``product_spec_desc`` None.
        """
        for order in orders:
            if "product_spec_desc" not in order:
                try:
                    order["product_spec_desc"] = self.orders.get(order["order_id"]).get("product_spec_desc")
                except HwCloudError:
                    order["product_spec_desc"] = None

    def statuses(self, order_ids):
        """``{order_id: order}`` for the orders of this run, or None when billing cannot be read."""
        order_ids = list(dict.fromkeys(order_ids))

        def read():
            if len(order_ids) <= SINGLE_READS_MAX:
                return {order_id: self._get_or_unknown(order_id) for order_id in order_ids}
            wanted = set(order_ids)
            found = {order["order_id"]: order for order in self._change_orders(
                create_time_begin=self._since.strftime(BSS_TIME_FORMAT)) if order["order_id"] in wanted}
            # An order the listing does not show yet (it may lag) is read by itself.
            for order_id in wanted - set(found):
                found[order_id] = self._get_or_unknown(order_id)
            return found
        return self._read(read) if order_ids else {}

    def pay_within(self, order_id, limits):
        """Pay one order this run placed, only while its amount keeps within ``limits``.

        Returns (order as last read, why it was not paid or None). The amount is read from the
        order first; a payment whose answer is lost is resolved by reading the order and paying
        again only while it still waits for payment (paying is keyed by the order id), and its
        amount stays counted as spent.
        """
        order = self.orders.get(order_id)
        if order["status"] != PAYABLE:
            return order, None if order["status"] in PAID_STATUSES else "order %s is %s" % (order_id, order["status"])
        money = order_amount(order)
        if money["amount"] is None:
            return order, "%s, so the spend limits cannot be checked" % money["reason"]
        refusal = limits.reserve(order_id, money["amount"], money["currency"])
        if refusal:
            return order, refusal
        uncertain, tries = False, Tries(self._retry)
        while True:
            try:
                self.orders.pay(order_id)
                break
            except OutcomeUnknownError:
                uncertain = True
                order = self.orders.get(order_id)
                if order["status"] != PAYABLE:
                    break
                if not tries.resend():
                    return order, ("the answers to its %d payments were lost and it still waits for payment "
                                   "(counted as spent)" % (tries.resent + 1))
            except HwCloudError as exc:
                if uncertain and exc.error_code in RACE_CODES:
                    break  # the payment whose answer was lost went through meanwhile
                if not uncertain:
                    limits.release(money["amount"])
                raise
        return self.orders.get(order_id), None

    def _get_or_unknown(self, order_id):
        """The order; one the billing service does not know (or refuses as malformed) says so in ``unknown``."""
        try:
            return self.orders.get(order_id)
        except HwCloudError as exc:
            if not (is_unknown_order(exc) or exc.status == 400):
                raise
            return {"order_id": order_id, "status": "unknown", "unknown": str(exc)}

    def orders_of_this_run(self, resource_id):
        """Change orders created since this run started that change ``resource_id``; None when unreadable."""
        def read():
            orders = self._change_orders(create_time_begin=self._since.strftime(BSS_TIME_FORMAT))
            return [order for order in orders if resource_id in self.resources_of(order["order_id"])]
        return self._read(read)

    def renewal_orders(self, bandwidth):
        """Completed change orders that wait for the renewal of ``bandwidth``; None when unreadable.

        A decrease at renewal leaves the size as it is until the renewal, so the bandwidth
        alone cannot tell a rerun that it was ordered. Billing can: a completed change order of
        this bandwidth created at or after the bandwidth's last update (``updated_at``) did not
        change the bandwidth, so it is a change waiting for the renewal. (A change that took
        effect at once would have updated the bandwidth after the order was created.) Only the
        last year of orders can be searched.
        """
        def read():
            now = self._clock()
            begin = max(parse_time(bandwidth.get("updated_at")) or now - ORDER_SEARCH_WINDOW,
                        now - ORDER_SEARCH_WINDOW)
            completed = self._change_orders(status=STATUS_CODES["completed"],
                                            create_time_begin=begin.strftime(BSS_TIME_FORMAT),
                                            create_time_end=(now + datetime.timedelta(minutes=5)).strftime(
                                                BSS_TIME_FORMAT))
            return [order for order in completed if bandwidth["id"] in self.resources_of(order["order_id"])]
        return self._read(read)

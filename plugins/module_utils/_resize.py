# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize flow shared by workspace_bandwidth and vpc_bandwidth.

find -> plan -> (check mode stops here) -> update or order -> follow the job or the order ->
read the bandwidth again. The service classes supply the calls; this module supplies the
safety: read before write, never a second order, an unknown outcome resolved by reading.
"""

from __future__ import annotations

import time

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Orders, is_permission_error
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import ORDER, plan_resize, validate_name
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter


class Change:
    """What a write started: a job to follow, an order to follow, or a finished bandwidth."""

    def __init__(self, job_id=None, order_id=None, bandwidth=None):
        self.job_id = job_id
        self.order_id = order_id
        self.bandwidth = bandwidth


class BandwidthService:
    """The calls one service offers the resize flow. Subclasses implement the ``NotImplemented`` ones.

    - ``find(id, name)``: the one normalised bandwidth, or a :class:`HwCloudError` naming what
      was searched and found;
    - ``get(id)``: the normalised bandwidth, None when it does not exist;
    - ``list(**filters)``: every normalised bandwidth matching the filters (all pages);
    - ``validate(size, name, params)``: raise :class:`ValidationError` before any call;
    - ``update(current, plan)`` -> :class:`Change` (a job or a finished bandwidth; never an order);
    - ``order(current, plan, auto_pay, params)`` -> :class:`Change` with ``order_id``;
    - ``job_status(job_id)`` -> (done, failure reason or None) for services with async jobs.
    """

    kind = None
    decrease_policies = ("immediate",)

    def __init__(self, client, sleep=time.sleep):
        self.client = client
        self.sleep = sleep

    def label(self, bandwidth):
        return "%s bandwidth %s (%s)" % (self.kind, bandwidth.get("name"), bandwidth.get("id"))

    def waiter(self, timeout):
        return Waiter(timeout, sleep=self.sleep)

    def wait_job(self, job_id, timeout):
        def failure(status):
            return status[1]
        self.waiter(timeout).until("job %s" % job_id, lambda: self.job_status(job_id),
                                   lambda status: status[0] and not status[1], failure)

    def wait_for(self, bandwidth_id, predicate, what, timeout):
        return self.waiter(timeout).until(what, lambda: self.get(bandwidth_id) or {}, predicate)

    def find(self, bandwidth_id=None, name=None):
        raise NotImplementedError

    def get(self, bandwidth_id):
        raise NotImplementedError

    def validate(self, size, name, params):
        validate_name(name)

    def check_plan(self, plan):
        """Raise :class:`ValidationError` for a plan the current bandwidth does not allow (before any write)."""

    def ordered_changes(self, current, plan):
        """Orders already placed for ``plan`` that the bandwidth cannot show yet (a change at renewal)."""
        return []

    def update(self, current, plan):
        raise NotImplementedError

    def order(self, current, plan, auto_pay, params):
        raise NotImplementedError

    def job_status(self, job_id):
        raise NotImplementedError


class ResizeModule(BandwidthModule):
    """Base of the two changing modules; a subclass names its service class and options."""

    service_class = BandwidthService

    def __init__(self, module):
        super().__init__(module)
        self.result.update(bandwidth=None, order_id=None, job_id=None, order_status=None)
        self._deadline = None
        self._billing_readable = True
        self._renewal_unknown = False

    @property
    def service(self):
        # enterprise_project_id narrows the lookup by name and goes into the change bodies.
        return self.service_class(self.client, enterprise_project_id=self.module.params.get("enterprise_project_id"))

    def desired(self):
        """(size, name, charge_mode) wanted; with ``id``, ``name`` is the desired name."""
        params = self.module.params
        name = params["name"] if params.get("id") else None
        return params.get("size"), name, params.get("charge_mode")

    def run(self):
        params = self.module.params
        size, name, charge_mode = self.desired()
        if params["wait_timeout"] <= 0:
            self.fail("wait_timeout must be a positive number of seconds, got %s" % params["wait_timeout"])
        service = self.service
        service.validate(size, name, params)
        current = service.find(params.get("id"), None if params.get("id") else params.get("name"))
        self.result["bandwidth"] = current
        plan = plan_resize(current, size=size, name=name, charge_mode=charge_mode,
                           prepaid_decrease=params["prepaid_decrease"], decrease_policies=service.decrease_policies)
        if not plan.changed:
            return
        service.check_plan(plan)
        # Before check mode, so that a dry run reports what the real run would.
        if plan.action == ORDER and self._already_ordered(service, plan):
            return
        self._mark_as_changed()
        if self.module._diff:
            self.result["diff"] = plan.diff()
        if self.module.check_mode:
            self.result["bandwidth"] = plan.projected()
            return
        self._deadline = time.monotonic() + params["wait_timeout"]
        if plan.action == ORDER:
            self._order(service, plan)
        else:
            self._update(service, plan)

    def _remaining(self):
        return max(1, self._deadline - time.monotonic())

    # -- plain updates --------------------------------------------------------------------

    def _update(self, service, plan):
        current = plan.current
        try:
            change = service.update(current, plan)
        except OutcomeUnknownError as exc:
            if not self._visible(service, plan):
                raise HwCloudError(exc.operation, exc.message, status=exc.status, error_code=exc.error_code,
                                   request_id=exc.request_id,
                                   hint="the update of %s may still be applied; run the task again to check, it "
                                        "changes nothing once the bandwidth shows the new values"
                                        % service.label(current)) from None
            return
        self.result["job_id"] = change.job_id
        if change.job_id and self.module.params["wait"]:
            service.wait_job(change.job_id, self._remaining())
        if change.bandwidth is not None:
            self.result["bandwidth"] = change.bandwidth
        elif self.module.params["wait"]:
            self.result["bandwidth"] = service.get(current["id"])
        else:
            self.result["bandwidth"] = plan.projected()

    def _visible(self, service, plan):
        """After an unknown outcome: does the bandwidth already show the change?"""
        fresh = service.get(plan.current["id"]) or {}
        shown = all(fresh.get(key) == value for key, value in plan.changes.items())
        if shown:
            self.result["bandwidth"] = fresh
        return shown

    # -- billing orders -------------------------------------------------------------------

    def _open_orders(self, current):
        """Open change orders of the bandwidth, or None when billing cannot be read."""
        try:
            return Orders(self.client).open_change_orders(current["id"])
        except HwCloudError as exc:
            if not is_permission_error(exc):
                raise
            self._warn_billing_unreadable(exc)
            return None

    def _warn_billing_unreadable(self, exc):
        if self._billing_readable:
            self._billing_readable = False
            self.warn("billing orders cannot be read with these credentials (%s); following the bandwidth "
                      "itself instead. Grant BSS read permission to see order status." % (exc.error_code or exc.status))

    def _existing_orders(self, service, plan):
        """Open change orders, then orders the bandwidth cannot show yet; None when billing cannot be read."""
        current = plan.current
        orders = self._open_orders(current)
        if orders:
            return orders
        if orders is not None:
            try:
                orders = service.ordered_changes(current, plan)
            except HwCloudError as exc:
                if not is_permission_error(exc):
                    raise
                self._warn_billing_unreadable(exc)
                orders = None
        if orders is None and plan.decrease_mode == "at_renewal" and not self._renewal_unknown:
            self._renewal_unknown = True
            self.warn("%s: without billing read permission it cannot be told whether this change at renewal was "
                      "already ordered (the size only changes at renewal); a rerun orders it again. Check the "
                      "orders in the billing console first." % service.label(current))
        return orders

    def _already_ordered(self, service, plan):
        """True when an order for the bandwidth is open (or waits for the renewal): never order again."""
        orders = self._existing_orders(service, plan)
        if not orders:
            return False
        order = orders[0]
        label = service.label(plan.current)
        self.result.update(changed=False, order_id=order["order_id"], order_status=order["status"])
        if order["status"] == "completed":
            self.warn("%s: order %s (completed) already changes it at renewal; no new order was placed. The bandwidth "
                      "keeps %s Mbit/s until the renewal." % (label, order["order_id"], plan.size_before))
        else:
            self.warn("%s already has an open change order %s (%s); no new order was placed. Pay it or cancel it "
                      "with hwcloud.bandwidth.order, then run again." % (label, order["order_id"], order["status"]))
        return True

    def _order(self, service, plan):
        params = self.module.params
        current = plan.current
        label = service.label(current)
        try:
            change = service.order(current, plan, params["auto_pay"], params)
        except OutcomeUnknownError as exc:
            change = self._after_unknown_order(service, plan, exc)
            if change is None:
                return
        except HwCloudError as exc:
            if exc.status == 409:
                raise self._conflict(exc, label, current) from None
            raise
        self.result["order_id"] = change.order_id
        if plan.decrease_mode == "at_renewal":
            self.warn("%s: the smaller size %s Mbit/s was ordered for the renewal; the bandwidth keeps %s Mbit/s "
                      "until then." % (label, plan.size_after, plan.size_before))
        if not params["auto_pay"]:
            self.result["order_status"] = self._order_status(change.order_id, "pending_payment")
            self.warn("%s: order %s was placed and waits for payment; the change takes effect once it is paid "
                      "(hwcloud.bandwidth.order with state=paid, or the billing console)." % (label, change.order_id))
            return
        if not params["wait"]:
            self.result["order_status"] = self._order_status(change.order_id, "processing")
            return
        self._follow_paid_order(service, plan, change.order_id)

    def _order_status(self, order_id, assumed):
        if not self._billing_readable:
            return assumed
        try:
            return Orders(self.client).get(order_id)["status"]
        except HwCloudError as exc:
            if not is_permission_error(exc):
                raise
            self._warn_billing_unreadable(exc)
            return assumed

    def _follow_paid_order(self, service, plan, order_id):
        current = plan.current
        if self._billing_readable:
            try:
                Orders(self.client).wait_completed([order_id], self._remaining(), sleep=service.sleep)
                self.result["order_status"] = "completed"
            except HwCloudError as exc:
                if not is_permission_error(exc):
                    raise
                self._warn_billing_unreadable(exc)
        if plan.decrease_mode == "at_renewal":
            self.result["bandwidth"] = service.get(current["id"])
            return
        target = plan.changes

        def applied(bandwidth):
            return all(bandwidth.get(key) == value for key, value in target.items())

        self.result["bandwidth"] = service.wait_for(current["id"], applied, "%s to show %s" % (
            service.label(current), ", ".join("%s=%s" % item for item in sorted(target.items()))), self._remaining())
        if self.result["order_status"] is None:
            self.result["order_status"] = "completed"

    def _after_unknown_order(self, service, plan, exc):
        """The order request may have been placed. Find out by reading; never order again."""
        label = service.label(plan.current)
        if self._visible(service, plan):
            self.warn("%s: the answer to the order was lost, but the bandwidth shows the change." % label)
            return None
        open_orders = self._existing_orders(service, plan)
        if open_orders:
            self.warn("%s: the answer to the order was lost; found its order %s." % (
                label, open_orders[0]["order_id"]))
            return Change(order_id=open_orders[0]["order_id"])
        raise HwCloudError(
            exc.operation, exc.message, status=exc.status, error_code=exc.error_code, request_id=exc.request_id,
            hint="an order may have been placed for %s. Do not retry blindly: check the orders pending payment in the "
                 "billing console, or with hwcloud.bandwidth.order_info, then run the task again (it will find an "
                 "open order and not place another)" % label) from None

    def _conflict(self, exc, label, current):
        open_orders = None
        if self._billing_readable:
            try:
                open_orders = Orders(self.client).open_change_orders(current["id"])
            except HwCloudError:
                open_orders = None
        listed = ", ".join("%s (%s)" % (o["order_id"], o["status"]) for o in open_orders or [])
        hint = ("%s has an order pending payment or processing; no new order was placed. %s" % (
            label, "Open orders: %s. Pay or cancel it with hwcloud.bandwidth.order, then run again." % listed
            if listed else "Find it in the billing console (orders pending payment) and pay or cancel it."))
        return HwCloudError(exc.operation, exc.message, status=exc.status, error_code=exc.error_code,
                            request_id=exc.request_id, hint=hint)

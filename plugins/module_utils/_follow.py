# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The follow step of the engine: every job, order and bandwidth still changing, in one waiter.

Each round makes one bulk read per service and one billing read for the orders; the last
round is the verification. A change still running at the deadline stays ``in_progress`` (it
may still complete): the caller says whether that fails the task, and the result says what it
still waits for.
"""

from __future__ import annotations

import time

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import waits_for
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import IN_PROGRESS
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import Waiter, WaitTimeout

# Rounds in which a completed order's bandwidth must show another size before the result fails.
MISMATCH_ROUNDS = 2


class Follower:
    """Follows the results of an apply (or of an earlier run) until they end or the deadline passes."""

    def __init__(self, services, billing, sleep=time.sleep, clock=time.monotonic):
        self.services = services
        self.billing = billing
        self.sleep = sleep
        self.clock = clock
        self._read_error = None
        self._mismatches = {}

    def follow(self, results, timeout):
        """Wait until every change in progress is done; what still runs at the deadline keeps ``in_progress``."""
        # An order found open before the run is reported, not followed: it may be for another size.
        pending = [r for r in results if r.status == IN_PROGRESS and r.entry.open_order is None]
        if not pending:
            return results
        self._read_error = None
        waiter = Waiter(timeout, sleep=self.sleep, clock=self.clock)
        try:
            waiter.until("the changes to show", lambda: self._round(pending), lambda left: not left)
        except WaitTimeout:
            last = "; the last read failed: %s" % self._read_error if self._read_error else ""
            for result in pending:
                if result.status == IN_PROGRESS:
                    result.msg = ("%s: not finished within %s s, still waiting for %s; it may still complete: "
                                  "run the task again later (it changes only what still differs) or raise "
                                  "wait_timeout%s" % (result.entry.label, timeout, waits_for(result), last))
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
        if bandwidth is None:
            result.fail("%s no longer exists" % entry.label)
            return
        result.bandwidth = bandwidth
        if order is not None and self._order_ends(result, order):
            return
        if entry.renewal and order is None and not self.billing.readable:
            result.succeed(bandwidth, msg="ordered for the renewal (billing cannot be read to follow the order)")
            return
        service = self.services[entry.service]
        if entry.desired.shown_by(bandwidth) and not service.is_changing(bandwidth):
            if order is not None and order["status"] != "completed":
                return  # applied, but the order is not closed yet: one more round
            if result.order_id and order is None:
                # Billing cannot be read: the bandwidth showing the change is the evidence.
                result.order_status = "completed"
            result.succeed(bandwidth)
            return
        if order is not None and order["status"] == "completed" and not service.is_changing(bandwidth):
            self._completed_elsewhere(result, bandwidth)
            return
        if result.job_id and not service.is_changing(bandwidth):
            done, reason = service.job_status(result.job_id, entry.label)
            if done and reason:
                result.fail(reason)

    def _completed_elsewhere(self, result, bandwidth):
        """The order completed, yet the bandwidth shows another size: after a second look, say so at once."""
        seen = self._mismatches.get(id(result), 0) + 1
        self._mismatches[id(result)] = seen
        if seen < MISMATCH_ROUNDS:
            return  # the service may apply it a moment after the order closes
        entry = result.entry
        result.fail("order %s of %s completed, but the bandwidth shows %s Mbit/s, not the %s Mbit/s this run asked "
                    "for: the order was for another size. Check it with hwcloud.bandwidth.order_info (or in the "
                    "billing console), then run the task again to order the size you want"
                    % (result.order_id, entry.label, bandwidth.get("size"), entry.size_after))

    @staticmethod
    def _order_ends(result, order):
        """Take the order's status; True when it ends the result (unknown, cancelled, or done at renewal)."""
        entry = result.entry
        result.order_status = order["status"]
        if order.get("unknown"):
            result.fail("order %s of %s is not known to the billing service: %s. Check the order id; the "
                        "results given to follow must come from a run of hwcloud.bandwidth.resize with these "
                        "credentials" % (result.order_id, entry.label, order["unknown"]))
            return True
        if order["status"] == "cancelled":
            result.fail("order %s of %s was cancelled; the change is not applied: place it again"
                        % (result.order_id, entry.label))
            return True
        if entry.renewal and order["status"] == "completed":
            result.succeed(result.bandwidth, msg="ordered for the renewal; it keeps %s Mbit/s until then"
                           % entry.size_before)
            return True
        return False

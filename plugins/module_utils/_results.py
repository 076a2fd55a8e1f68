# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run did to each target, and what it adds up to.

A :class:`Result` per change (or per target an open order holds); :func:`counts` with the run's
verdict, :func:`pending_orders` and :func:`summary` say it for playbooks, so that YAML decides
nothing. :func:`resume` rebuilds results from the ``results`` of an earlier run, after checking
every record, to follow what that run left in progress. Nothing here imports Ansible or makes
a call.
"""

from __future__ import annotations

import re

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    NOTHING,
    ORDER,
    SERVICES,
    UPDATE,
    Entry,
    Target,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    FAILED,
    IN_PROGRESS,
    NOT_STARTED,
    OK,
    PENDING_PAYMENT,
    RESULT_STATUSES,
    Desired,
)

# The run's verdict (``counts.verdict``), worst first.
VERDICT_FAILED = "failed"            # a change failed or never started, or did not finish while waited for
VERDICT_IN_PROGRESS = "in_progress"  # changes still run, and the caller did not wait for them
VERDICT_PENDING = "pending_payment"  # orders wait for payment; nothing failed
VERDICT_OK = "ok"                    # every change is applied, or nothing had to change
VERDICT_CHECK = "check"              # check mode: planned only

# Billing order ids are letters and digits (CS2403011200ABCDE); a little slack for other sites.
ORDER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
RECORD_ACTIONS = (NOTHING, UPDATE, ORDER)


class Result:
    """What the run did to one planned change (or to a target an open order holds)."""

    def __init__(self, entry):
        self.entry = entry
        self.status = IN_PROGRESS
        self.order_id = None
        self.order_status = None
        self.job_id = None
        self.msg = None
        self.amount = None
        self.currency = None
        self.error = None
        self.exception = None
        self.bandwidth = None
        # True once a write may have changed something: a failure before any write keeps it False.
        self.changed = False

    @classmethod
    def of_open_order(cls, entry):
        """The result of a target that an order found before the run holds: as the plan decided."""
        result = cls(entry)
        result.order_id = entry.open_order.get("order_id")
        result.order_status = entry.open_order.get("status")
        result.amount = entry.open_order.get("amount")
        result.currency = entry.open_order.get("currency")
        result.status = entry.outcome
        result.msg = entry.reason
        if entry.outcome == OK:
            result.bandwidth = entry.current
        return result

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
        self.exception = error
        if isinstance(error, HwCloudError):
            self.error = error.to_dict()

    def not_started(self, refusal):
        """Never written: an earlier write of the run was refused with ``refusal`` (a 401 or 403)."""
        self.status = NOT_STARTED
        self.msg = ("not started: an earlier write of this run was refused with HTTP %s (%s), so no other write was "
                    "sent; fix the credentials or permissions, then run again"
                    % (refusal.status, refusal.error_code or "no error code"))

    def to_dict(self):
        entry = self.entry
        return {
            "service": entry.service,
            "region": entry.target.region,
            "id": entry.id,
            "name": entry.current.get("name"),
            "size_before": entry.size_before,
            "size_after": entry.size_after,
            "action": entry.action,
            "status": self.status,
            "order_id": self.order_id,
            "order_status": self.order_status,
            "job_id": self.job_id,
            "amount": self.amount,
            "currency": self.currency,
            "msg": self.msg,
        }


def verdict(results, check_mode=False, waited=True):
    """One word for the run: failed, in_progress, pending_payment, ok (or check in check mode).

    ``waited``: the caller waited for the changes, so one still running at the deadline failed
    the wait (its status stays ``in_progress``: it may still complete).
    """
    statuses = set(result.status for result in results)
    if FAILED in statuses or NOT_STARTED in statuses:
        return VERDICT_FAILED
    if check_mode:
        return VERDICT_CHECK
    running = [r for r in results if r.status == IN_PROGRESS and r.entry.open_order is None]
    if running:
        return VERDICT_FAILED if waited else VERDICT_IN_PROGRESS
    if PENDING_PAYMENT in statuses or IN_PROGRESS in statuses:
        return VERDICT_PENDING
    return VERDICT_OK


def counts(plan_, results, check_mode=False, waited=True):
    """The figures a person reads first: targets, what the plan does, what the run did, and the verdict."""
    figures = plan_.counts()
    for status in RESULT_STATUSES:
        figures[status] = sum(1 for r in results if r.status == status)
    # Changes this run started that still run (an order found open before the run is never followed).
    figures["running"] = sum(1 for r in results if r.status == IN_PROGRESS and r.entry.open_order is None)
    figures["verdict"] = verdict(results, check_mode, waited)
    return figures


def pending_orders(results):
    """The orders this run placed that wait for payment, each once with the targets it changes."""
    found = {}
    for result in results:
        if result.status != PENDING_PAYMENT or not result.order_id or result.entry.open_order is not None:
            continue
        order = found.setdefault(result.order_id, {"order_id": result.order_id, "amount": result.amount,
                                                   "currency": result.currency, "targets": []})
        order["targets"].append({"service": result.entry.service, "id": result.id,
                                 "name": result.entry.current.get("name"), "size_before": result.entry.size_before,
                                 "size_after": result.entry.size_after})
    return list(found.values())


def price_total(entries):
    """What the plan's changes do to the monthly bill in total (list prices): ``{currency, monthly_change, unknown}``."""
    total, currency, unknown = 0.0, None, 0
    for entry in entries:
        if not entry.changed or entry.price is None:
            continue
        price = entry.price
        if price.get("monthly_change") is None or (currency and price.get("currency") != currency):
            unknown += 1
            continue
        currency = price.get("currency")
        total += price["monthly_change"]
    return {"currency": currency, "monthly_change": round(total, 2), "unknown": unknown}


def waits_for(result):
    """What a change still in progress waits for, in words."""
    entry = result.entry
    if result.order_id:
        return "order %s (%s)" % (result.order_id, result.order_status or "status unknown")
    if result.job_id:
        return "job %s" % result.job_id
    return "the bandwidth to show %s Mbit/s" % entry.size_after


def summary(results, check_mode=False, waited=True, timeout=None):
    """One sentence on what did not end well, each target named: failures, and changes still running."""
    failed, running = [], []
    for result in results:
        name = "%s %s (%s)" % (result.entry.service, result.entry.current.get("name"), result.id)
        if result.status in (FAILED, NOT_STARTED):
            msg = result.msg or "failed without a message from the service"
            # A message that already names the bandwidth (by its id) is not prefixed with it again.
            failed.append(msg if result.id and result.id in msg else "%s: %s" % (name, msg))
        elif result.status == IN_PROGRESS and result.entry.open_order is None and not check_mode:
            late = "did not finish within %s s, " % timeout if waited else ""
            running.append("%s: %sstill waiting for %s" % (name, late, waits_for(result)))
    if not failed and not running:
        return ""
    others = len(results) - len(failed) - len(running)
    if failed or waited:
        return "%d of %d changes did not complete%s: %s. Running the task again changes only what still differs " \
               "and never orders twice." % (len(failed) + len(running), len(results),
                                            " (the other %d went ahead)" % others if others else "",
                                            "; ".join(failed + running))
    return "%d of %d changes are still in progress: %s" % (len(running), len(results), "; ".join(running))


def check_records(records):
    """Every problem of the ``follow`` records of an earlier run, each naming its record; [] when they are sound."""
    if not isinstance(records, list):
        return ["follow must be the results list of an earlier run of hwcloud.bandwidth.resize"]
    problems = []
    for index, record in enumerate(records):
        where = "follow record %d" % (index + 1)
        if not isinstance(record, dict):
            problems.append("%s: must be a result of hwcloud.bandwidth.resize (a dictionary), got %r" % (where, record))
            continue
        found = []
        if record.get("service") not in SERVICES:
            found.append("service must be workspace or vpc, got %r" % (record.get("service"),))
        if not isinstance(record.get("id"), str) or not record.get("id").strip():
            found.append("id must be the id of a bandwidth, got %r" % (record.get("id"),))
        if record.get("action") not in RECORD_ACTIONS:
            found.append("action must be one of %s, got %r" % (", ".join(RECORD_ACTIONS), record.get("action")))
        if record.get("status") not in RESULT_STATUSES:
            found.append("status must be one of %s, got %r" % (", ".join(RESULT_STATUSES), record.get("status")))
        order_id = record.get("order_id")
        if order_id is not None and not (isinstance(order_id, str) and ORDER_ID_PATTERN.fullmatch(order_id)):
            found.append("order_id %r is not a billing order id" % (order_id,))
        for key in ("size_before", "size_after"):
            value = record.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                found.append("%s must be a number of Mbit/s, got %r" % (key, value))
        problems.extend("%s: %s" % (where, problem) for problem in found)
    return problems


def resume(records, order_ids=None):
    """Results rebuilt from the ``results`` an earlier run returned, to follow what it left in progress.

    ``order_ids``: orders paid since that run: their records are followed as changes in
    progress, and records of other orders are left out. Raises :class:`ValidationError` naming
    every bad record before anything is read.
    """
    problems = check_records(records)
    if problems:
        raise ValidationError("the follow records are not results of hwcloud.bandwidth.resize; nothing was read: %s"
                              % "; ".join(problems))
    paid = set(order_ids or ())
    results = []
    for record in records:
        if order_ids is not None and record.get("order_id") not in paid:
            continue
        results.append(_result_of(record, paid))
    return results


def _result_of(record, paid):
    current = {"id": record["id"], "name": record.get("name"), "size": record.get("size_before")}
    size_after = record.get("size_after")
    desired = Desired(size=size_after if size_after not in (None, record.get("size_before")) else None)
    target = Target(record["service"], id=record["id"], size=size_after, region=record.get("region"))
    open_order = None
    if record["action"] == NOTHING and record.get("order_id"):
        # An order found open before that run: reported, never followed (it may be for another size).
        open_order = {"order_id": record.get("order_id"), "status": record.get("order_status")}
    entry = Entry(target, current, desired, record["action"], reason=record.get("msg"), open_order=open_order,
                  outcome=record["status"])
    result = Result(entry)
    result.status = record["status"]
    if record.get("order_id") in paid and open_order is None and result.status == PENDING_PAYMENT:
        # Paid since: the service applies it now.
        result.status = IN_PROGRESS
    result.order_id = record.get("order_id")
    result.order_status = record.get("order_status")
    result.job_id = record.get("job_id")
    result.amount = record.get("amount")
    result.currency = record.get("currency")
    result.msg = record.get("msg")
    return result

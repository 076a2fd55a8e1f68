# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targets x listings x policy -> plan entries and every problem. Pure: no HTTP, no Ansible.

Every rule about what may change lives here, once: the size range and step of each service and
charge mode (with the traffic cap), names, the billing options of shared and dedicated
bandwidths, the decrease policy of yearly/monthly bandwidths, busy statuses, duplicate
targets, unknown ids, ambiguous names, and open orders. The single-bandwidth modules and the
fleet module call :func:`plan` alike; the first with one target.
"""

from __future__ import annotations

import math
import re

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    FAILED,
    IN_PROGRESS,
    OK,
    ON_DEMAND,
    PENDING_PAYMENT,
    PREPAID,
    Desired,
    Renewal,
)

__all__ = ["ON_DEMAND", "PREPAID"]

SERVICES = ("workspace", "vpc")
TITLES = {"workspace": "Workspace", "vpc": "VPC"}

NOTHING = "none"      # already as desired, or an open order already changes it
UPDATE = "update"     # a plain update: pay-per-use, or a name-only change; never an order
ORDER = "order"       # a billing order: a size change of a yearly/monthly bandwidth

AUTO = "auto"         # a size recommended from measured utilization (VPC only)

SIZE_MIN = 1
SIZE_MAX = 2000
# A bandwidth billed by traffic is capped (EIP "Notes and Constraints").
TRAFFIC_CAP = 300
VPC_CHARGE_MODES = ("bandwidth", "traffic", "95peak_plus")
SHARE_TYPES = ("WHOLE", "PER")
# Enhanced 95th percentile is for shared bandwidths only; billing by traffic for dedicated ones only.
SHARED_ONLY_CHARGE_MODES = frozenset(("95peak_plus",))
DEDICATED_ONLY_CHARGE_MODES = frozenset(("traffic",))
# Letters and digits of any script (CJK included), underscore, hyphen and dot; matched whole
# (``fullmatch``: a trailing newline is not allowed through).
NAME_PATTERN = re.compile(r"[\w.\-]{1,64}")
# A bandwidth in one of these states refuses a change until it leaves it (compared upper case).
BUSY_STATUSES = frozenset(("CREATING", "UPDATING", "DELETING", "FREEZED", "FROZEN", "INACTIVE"))

REFUSE = "refuse"
# The ways each service can decrease a yearly/monthly bandwidth, besides refusing to.
DECREASE_POLICIES = {"workspace": ("immediate",), "vpc": ("immediate", "at_renewal")}
DECREASE_HELP = {
    "immediate": "prepaid_decrease=immediate orders the smaller size now (the provider may refund the difference)",
    "at_renewal": ("prepaid_decrease=at_renewal with period_type and period_num orders the smaller size "
                   "for the next renewal period"),
}
# Renewal periods the provider accepts for a decrease that takes effect at renewal.
PERIOD_LIMITS = {"month": 9, "year": 3}
TARGET_KEYS = frozenset(("service", "id", "name", "size", "region", "project_id"))


# -- single rules ---------------------------------------------------------------------------

def validate_name(name):
    if name is None:
        return
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            "name %r is not valid: use 1 to 64 characters, each a letter, a digit, a CJK character, "
            "'_', '-' or '.'" % name)


def validate_size_range(size, minimum=SIZE_MIN, maximum=SIZE_MAX, why=""):
    """``size`` is an integer within [minimum, maximum]; a ``maximum`` of None has no upper bound."""
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError("size must be an integer number of Mbit/s, got %r" % (size,))
    if size < minimum or maximum is not None and size > maximum:
        if maximum is None:
            raise ValidationError("size %d Mbit/s is out of range%s: use at least %d" % (size, why, minimum))
        raise ValidationError("size %d Mbit/s is out of range%s: use %d to %d" % (size, why, minimum, maximum))


def vpc_size_step(size):
    """The step a VPC bandwidth size must be a multiple of, by range."""
    if size <= 300:
        return 1
    if size <= 1000:
        return 50
    return 500


class VpcSizes:
    """The valid sizes of the VPC bandwidths of one region: the range of each charge mode, and the step.

    ``limits`` is ``{charge_mode: (min, max)}`` as the region's limits API answers it; ``{}``
    when it cannot be read (the documented defaults stand); None while it has not been read yet.
    Until then the range has no maximum (a region may allow more than the documented 2000), so
    that checks made before any call refuse only what no region allows; the plan checks again
    once the region's range is known. A bandwidth billed by traffic is capped in every region.
    """

    def __init__(self, limits=None):
        self.limits = limits

    def range(self, charge_mode="bandwidth"):
        """(minimum, maximum) for a bandwidth billed by ``charge_mode``; maximum None while not known."""
        if self.limits is None:
            low, high = SIZE_MIN, None
        else:
            low, high = self.limits.get(charge_mode) or (SIZE_MIN, SIZE_MAX)
            low, high = low or SIZE_MIN, high or SIZE_MAX
        if charge_mode == "traffic":
            high = TRAFFIC_CAP if high is None else min(high, TRAFFIC_CAP)
        return low, high

    def validate(self, size, charge_mode="bandwidth"):
        """The range of the charge mode; any value up to 300, multiples of 50 up to 1000, of 500 above."""
        low, high = self.range(charge_mode)
        why = " for a bandwidth billed by traffic" if charge_mode == "traffic" and high <= TRAFFIC_CAP else ""
        validate_size_range(size, low, high, why)
        if size is None or not size % vpc_size_step(size):
            return
        nearest = " or ".join(str(v) for v in self.nearest(size, high) if v is not None)
        raise ValidationError(
            "size %d Mbit/s is not a valid VPC bandwidth size: above 300 it must be a multiple of 50, above 1000 "
            "a multiple of 500; the nearest valid sizes are %s" % (size, nearest))

    @staticmethod
    def nearest(size, maximum=None):
        """The valid sizes around ``size``: the largest at or below it, the smallest above it (None past the range)."""
        lower = None
        if size >= SIZE_MIN:
            capped = size if maximum is None else min(size, maximum)
            lower = capped - capped % vpc_size_step(capped)
        if size < SIZE_MIN:
            return lower, SIZE_MIN
        # The step of the range the next size falls in: 300 is followed by 350, 1000 by 1500.
        step = vpc_size_step(size + 1)
        upper = (size // step + 1) * step
        return lower, None if maximum is not None and upper > maximum else upper

    @staticmethod
    def at_least(value):
        """The smallest valid size at or above ``value`` (at least 1)."""
        size = max(SIZE_MIN, int(math.ceil(round(value, 6))))
        step = vpc_size_step(size)
        return -(-size // step) * step

    @staticmethod
    def at_most(value):
        """The largest valid size at or below ``value`` (at least 1)."""
        size = max(SIZE_MIN, int(math.floor(round(value, 6))))
        return max(SIZE_MIN, size // vpc_size_step(size) * vpc_size_step(size))

    @staticmethod
    def next_above(size):
        """The smallest valid size above ``size``."""
        return VpcSizes.nearest(size)[1]


def check_size(service, size, charge_mode=None, sizes=None):
    """The size rules of ``service`` (``sizes``: the region's :class:`VpcSizes`, unknown by default)."""
    if service == "vpc":
        (sizes or VpcSizes()).validate(size, charge_mode or "bandwidth")
    else:
        validate_size_range(size)


def validate_renewal(prepaid_decrease, period_type, period_num):
    """``period_type``/``period_num`` belong to ``prepaid_decrease=at_renewal``, and it needs both."""
    if prepaid_decrease != "at_renewal":
        given = [key for key, value in (("period_type", period_type), ("period_num", period_num)) if value is not None]
        if given:
            raise ValidationError(
                "%s only apply to prepaid_decrease=at_renewal (the renewal period of a decrease that takes effect at "
                "renewal); remove %s, or set prepaid_decrease=at_renewal" % (" and ".join(given), " and ".join(given)))
        return None
    if period_type is None or period_num is None:
        raise ValidationError(
            "prepaid_decrease=at_renewal needs period_type (month or year) and period_num (1 to 9 months, or 1 to 3 "
            "years): the smaller size is ordered for that renewal period")
    if period_type not in PERIOD_LIMITS:
        raise ValidationError("period_type must be month or year, got %r" % (period_type,))
    limit = PERIOD_LIMITS[period_type]
    if isinstance(period_num, bool) or not isinstance(period_num, int) or not 1 <= period_num <= limit:
        raise ValidationError("period_num %r is out of range for period_type=%s: use 1 to %d"
                              % (period_num, period_type, limit))
    return Renewal(period_type, period_num)


def as_size(value):
    """An integer size; digit strings (from extra vars and surveys) count too."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


# -- inputs ---------------------------------------------------------------------------------

class Target:
    """One bandwidth to bring to a state: found by ``id`` or else by ``name``.

    ``new_name`` is a desired name (the single modules: ``name`` together with ``id``);
    ``size`` is Mbit/s, :data:`AUTO`, or None to leave it.
    """

    def __init__(self, service, id=None, name=None, size=None, new_name=None, charge_mode=None, label=None,
                 region=None, project_id=None):
        self.service = service
        self.id = id
        self.name = name
        self.size = size
        self.new_name = new_name
        self.charge_mode = charge_mode
        # None: the run's default region (and that region's project).
        self.region = region
        self.project_id = project_id
        key = "id=%s" % id if id else "name=%s" % name
        self.label = label or "%s %s" % (service, key)

    def __repr__(self):
        return "Target(%s, size=%r)" % (self.label, self.size)


def parse_targets(raw, allow_auto=True):
    """Targets from the dictionaries of a task: (targets, problems), every problem at once."""
    if not isinstance(raw, list):
        return [], ["targets must be a list of {service, id or name, size}, got %s" % type(raw).__name__]
    targets, problems = [], []
    for index, item in enumerate(raw):
        where = "target %d" % (index + 1)
        if not isinstance(item, dict):
            problems.append("%s: must be a dictionary with service, id or name, and size; got %r" % (where, item))
            continue
        label = "%s (%s %s)" % (where, item.get("service"),
                                "id=%s" % item["id"] if item.get("id") else "name=%s" % item.get("name"))
        found = []
        unknown = sorted(set(item) - TARGET_KEYS)
        if unknown:
            found.append("unknown key%s %s: a target has service, id or name, and size" % (
                "s" if len(unknown) > 1 else "", ", ".join(unknown)))
        service = item.get("service")
        if service not in SERVICES:
            found.append("service must be workspace or vpc, got %r" % (service,))
        if item.get("id") and item.get("name"):
            found.append("give either id or name, not both")
        elif not item.get("id") and not item.get("name"):
            found.append("give the id or the name of the bandwidth")
        size = as_size(item.get("size"))
        if size is None:
            found.append("size is missing")
        elif size == AUTO:
            if not allow_auto:
                found.append("size auto is not allowed here; give the size in Mbit/s")
            elif service == "workspace":
                found.append("size auto is for VPC bandwidths only: Cloud Eye has no utilization metric for the "
                             "Workspace subnet bandwidth; give the size in Mbit/s")
        else:
            try:
                check_size(service, size)
            except ValidationError as exc:
                found.append(str(exc))
        for key in ("region", "project_id"):
            if item.get(key) is not None and not (isinstance(item[key], str) and item[key].strip()):
                found.append("%s must be a non-empty string, got %r" % (key, item[key]))
        if item.get("name") and not item.get("id"):
            try:
                validate_name(item["name"])
            except ValidationError as exc:
                found.append(str(exc))
        if found:
            problems.extend("%s: %s" % (label, problem) for problem in found)
            continue
        targets.append(Target(service, id=item.get("id") or None, name=item.get("name") or None, size=size,
                              label=label, region=item.get("region") or None,
                              project_id=item.get("project_id") or None))
    return targets, problems


class Policy:
    """How a run may change yearly/monthly bandwidths, and the region's size limits."""

    def __init__(self, prepaid_decrease="refuse", auto_pay=False, renewal=None, limits=None,
                 decrease_choices=("immediate",), max_order_amount=None, max_run_amount=None, for_approval=False):
        self.prepaid_decrease = prepaid_decrease
        # The run hands its orders to an approver (resize_request.yml): an order it did not place is a problem.
        self.for_approval = bool(for_approval)
        # The decrease policies the caller offers besides refuse: the help of a refusal names only these.
        self.decrease_choices = tuple(decrease_choices)
        self.auto_pay = bool(auto_pay)
        self.renewal = renewal
        # What auto_pay may pay: one order, and all orders of the run together (account currency; None: no limit).
        self.max_order_amount = max_order_amount
        self.max_run_amount = max_run_amount
        # {charge_mode: (min, max)} of VPC bandwidths, from the region; {}: the documented defaults;
        # None: not read yet.
        self.limits = limits

    @property
    def sizes(self):
        return VpcSizes(self.limits)


# -- the plan -------------------------------------------------------------------------------

def decrease_choices(service=None):
    """The values of ``prepaid_decrease`` a module offers: ``refuse`` and what the service (or any service) allows."""
    services = [service] if service else SERVICES
    allowed = [REFUSE]
    for name in services:
        allowed.extend(policy for policy in DECREASE_POLICIES[name] if policy not in allowed)
    return allowed


def open_order_outcome(order, label, auto_pay, for_approval=False):
    """What an open change order found on a bandwidth before the run means for its target.

    The one place that decides it; returns (result status, message). No new order is placed
    for that bandwidth, whatever the options. The order may be for another size and this run
    did not place it, so it is never paid or followed by this run. It is a problem of the
    target (failed) when the run was asked to finish its changes (``auto_pay``) or to hand its
    orders to an approver (``for_approval``): it can do neither for this bandwidth. Otherwise
    it is reported as it stands: done when completed, else pending payment or in progress.
    The message names the order, its amount and what billing says it is for, verbatim.
    """
    order_id, status = order.get("order_id"), order.get("status")
    if status == "completed":
        return OK, "order %s (completed) already changes it" % order_id
    shown = describe_open_order(order)
    if auto_pay or for_approval:
        return FAILED, ("%s has an open change order that this run did not place: %s. Nothing was ordered for it%s. "
                        "If it is the change you want, pay it (hwcloud.bandwidth.order state=paid, or the billing "
                        "console); otherwise cancel it; then run again"
                        % (label, shown, ", and it is not handed on for approval" if for_approval else ""))
    return (PENDING_PAYMENT if status == PENDING_PAYMENT else IN_PROGRESS,
            "%s is open for it: no new order was placed; it may be for another size: pay it "
            "(hwcloud.bandwidth.order state=paid) or cancel it and run again" % shown)


def describe_open_order(order):
    """``order CS... (pending_payment, 12.00 CNY, "Bandwidth ...")``: what an operator needs to tell orders apart."""
    amount = order.get("amount")
    cost = "%.2f %s" % (amount, order.get("currency") or "") if isinstance(amount, (int, float)) else "amount unknown"
    spec = order.get("product_spec_desc")
    return "order %s (%s, %s, %s)" % (order.get("order_id"), order.get("status"), cost.strip(),
                                      '"%s"' % spec if spec else "no description could be read")


class Entry:
    """What a run does to one bandwidth, why, and the diff it shows.

    ``open_order`` is an order found open (or completed, for a change at renewal) before the
    run; ``outcome`` is then the result status that order gives the target.
    """

    def __init__(self, target, current, desired, action, reason, decrease_mode=None, open_order=None,
                 outcome=None, recommendation=None):
        self.target = target
        self.service = target.service
        self.current = current
        self.desired = desired
        self.action = action
        self.reason = reason
        self.decrease_mode = decrease_mode
        self.open_order = open_order
        self.outcome = outcome
        self.recommendation = recommendation
        # What the change does to the monthly bill (list prices), set once the plan is priced.
        self.price = None

    @property
    def id(self):
        return self.current.get("id")

    @property
    def label(self):
        return "%s bandwidth %s (%s)" % (TITLES[self.service], self.current.get("name"), self.id)

    @property
    def changed(self):
        return self.action != NOTHING

    @property
    def size_before(self):
        return self.current.get("size")

    @property
    def size_after(self):
        """The size this run asks for (with an open order too: that order's own size is not known)."""
        return self.desired.size if self.desired.size is not None else self.current.get("size")

    @property
    def renewal(self):
        return self.decrease_mode == "at_renewal"

    def to_dict(self):
        """The public plan entry."""
        entry = {
            "service": self.service,
            "region": self.target.region,
            "id": self.id,
            "name": self.current.get("name"),
            "size_before": self.size_before,
            "size_after": self.size_after,
            "action": self.action,
            "billing_mode": self.current.get("billing_mode"),
            "reason": self.reason,
        }
        if self.open_order is not None:
            entry["order_id"] = self.open_order.get("order_id")
            entry["order_status"] = self.open_order.get("status")
        if self.recommendation is not None:
            entry["usage"] = self.recommendation
        if self.price is not None:
            entry["price"] = self.price
        return entry

    def diff(self):
        """(before, after) of the fields a person checks: name and size, and a changed charge mode."""
        keys = ["name", "size"] + [key for key in ("charge_mode",) if getattr(self.desired, key) is not None]
        before = {key: self.current.get(key) for key in keys}
        after = dict(before)
        if self.changed:
            after.update(self.desired.items())
        return before, after

    def __repr__(self):
        return "Entry(%s %s, action=%r, desired=%r)" % (self.service, self.id, self.action, self.desired)


class Plan:
    """The entries of every target that resolved, and every problem found."""

    def __init__(self, entries, problems):
        self.entries = entries
        self.problems = problems

    @property
    def changes(self):
        return [entry for entry in self.entries if entry.changed]

    def counts(self):
        changes = self.changes
        held = sum(1 for entry in self.entries if entry.open_order is not None)
        return {
            "targets": len(self.entries) + len(self.problems),
            "unchanged": len(self.entries) - len(changes) - held,
            "held": held,
            "updates": sum(1 for entry in changes if entry.action == UPDATE),
            "orders": sum(1 for entry in changes if entry.action == ORDER),
            "problems": len(self.problems),
        }


def index_bandwidths(bandwidths):
    """(by id, by name -> every bandwidth of that name) of a listing."""
    by_id, by_name = {}, {}
    for bandwidth in bandwidths:
        by_id[bandwidth.get("id")] = bandwidth
        by_name.setdefault(bandwidth.get("name"), []).append(bandwidth)
    return by_id, by_name


def resolve(target, index):
    """The one bandwidth of ``index`` (from :func:`index_bandwidths`) that the target names, or None."""
    by_id, by_name = index
    if target.id:
        return by_id.get(target.id)
    found = by_name.get(target.name, [])
    return found[0] if len(found) == 1 else None


def _resolve(target, indexes, scopes):
    """(bandwidth, problem): the one bandwidth the target names, or why there is none."""
    title = TITLES[target.service]
    scope = scopes.get(target.service, "")
    if indexes.get(target.service) is None:
        return None, "the %s bandwidths were not read" % title
    found = resolve(target, indexes[target.service])
    if found is not None:
        return found, None
    if target.id:
        return None, "no %s bandwidth has id %s%s; check the id and the region (hwcloud.bandwidth.%s_bandwidth_info " \
                     "lists them)" % (title, target.id, scope, target.service)
    namesakes = indexes[target.service][1].get(target.name, [])
    if not namesakes:
        return None, "no %s bandwidth is named %s%s; check the name, the region and the enterprise project " \
                     "(hwcloud.bandwidth.%s_bandwidth_info lists them)" % (title, target.name, scope, target.service)
    return None, "%d %s bandwidths are named %s%s (ids %s): select the bandwidth by id instead" % (
        len(namesakes), title, target.name, scope, ", ".join(sorted(str(b.get("id")) for b in namesakes)))


def _check_vpc_billing(current, desired, sizes):
    """The VPC rules that depend on the bandwidth: charge mode by share type, size by charge mode."""
    share_type = current.get("share_type")
    charge_mode = desired.charge_mode or current.get("charge_mode") or "bandwidth"
    if desired.charge_mode is not None:
        if desired.charge_mode not in VPC_CHARGE_MODES:
            raise ValidationError("charge_mode must be one of %s, got %r" % (", ".join(VPC_CHARGE_MODES),
                                                                             desired.charge_mode))
        if desired.charge_mode in SHARED_ONLY_CHARGE_MODES and share_type != "WHOLE":
            raise ValidationError("it is a dedicated (%s) bandwidth: charge_mode %s is only for shared (WHOLE) "
                                  "bandwidths; use bandwidth or traffic" % (share_type, desired.charge_mode))
        if desired.charge_mode in DEDICATED_ONLY_CHARGE_MODES and share_type == "WHOLE":
            raise ValidationError("it is a shared (WHOLE) bandwidth, which cannot be billed by traffic; use "
                                  "bandwidth or 95peak_plus")
    if desired.size is not None or desired.charge_mode is not None:
        size = desired.size if desired.size is not None else current.get("size")
        sizes.validate(size, charge_mode)


def _describe_change(entry_current, desired, action, policy, decrease_mode):
    size_before = entry_current.get("size")
    parts = []
    if desired.size is not None:
        parts.append("%s -> %s Mbit/s" % (size_before, desired.size))
    if desired.name is not None:
        parts.append("rename to %s" % desired.name)
    if desired.charge_mode is not None:
        parts.append("charge mode %s -> %s" % (entry_current.get("charge_mode"), desired.charge_mode))
    change = ", ".join(parts)
    if action == UPDATE:
        if entry_current.get("billing_mode") == PREPAID:
            return "rename only: a plain update, no order (%s)" % change
        return "pay-per-use: plain update (%s)" % change
    when = " at the next renewal" if decrease_mode == "at_renewal" else ""
    payment = "left pending payment"
    if policy.auto_pay:
        payment = "paid at once" if policy.max_order_amount is None and policy.max_run_amount is None else \
            "paid at once if its amount keeps within the spend limits"
    return "yearly/monthly: change order%s (%s), %s" % (when, change, payment)


def _desired(target, current, recommendation, label):
    """(desired change, note from the usage rule) of one resolved target; raises ValidationError."""
    size, note = target.size, ""
    if size == AUTO:
        if recommendation is None:
            raise ValidationError("%s: no utilization was read for it" % label)
        size, note = recommendation.get("recommended_size"), recommendation.get("reason") or ""
    desired = Desired()
    if size is not None and size != current.get("size"):
        desired.size = size
    if target.new_name is not None and target.new_name != current.get("name"):
        desired.name = target.new_name
    if target.charge_mode is not None and target.charge_mode != current.get("charge_mode"):
        if current.get("billing_mode") == PREPAID:
            raise ValidationError("%s is yearly/monthly: charge_mode can only be changed on a pay-per-use bandwidth; "
                                  "leave charge_mode unset" % label)
        desired.charge_mode = target.charge_mode
    return desired, note


def _check(target, current, desired, policy, label):
    """The rules of names, sizes and billing for the change; raises ValidationError naming the bandwidth."""
    try:
        validate_name(desired.name)
        if target.service == "vpc":
            _check_vpc_billing(current, desired, policy.sizes)
        else:
            validate_size_range(desired.size)
    except ValidationError as exc:
        raise ValidationError("%s: %s" % (label, exc)) from None


def _refused_decrease(target, current, desired, policy, label):
    """Why a yearly/monthly decrease may not be ordered under the policy, or None when it may."""
    allowed = DECREASE_POLICIES[target.service]
    if policy.prepaid_decrease in allowed:
        return None
    choices = "; or ".join(DECREASE_HELP[name] for name in allowed
                           if name in policy.decrease_choices) or "this service has no such change"
    refusal = ("is refused by prepaid_decrease=refuse" if policy.prepaid_decrease == REFUSE else
               "cannot be done with prepaid_decrease=%s, which this service does not support"
               % policy.prepaid_decrease)
    return "%s is yearly/monthly: decreasing it from %s to %s Mbit/s %s. To allow it: %s" % (
        label, current.get("size"), desired.size, refusal, choices)


def _plan_one(target, current, policy, open_orders, renewal_orders, recommendation):
    """(entry, problem) for one resolved target."""
    label = "%s bandwidth %s (%s)" % (TITLES[target.service], current.get("name"), current.get("id"))
    try:
        desired, note = _desired(target, current, recommendation, label)
        _check(target, current, desired, policy, label)
    except ValidationError as exc:
        return None, str(exc)

    def entry(action, reason, change=desired, **kwargs):
        reason = "; ".join(text for text in (note, reason) if text)
        return Entry(target, current, change, action, reason, recommendation=recommendation, **kwargs), None

    if not desired:
        return entry(NOTHING, "already %s Mbit/s%s" % (current.get("size"), " and named %s" % current.get("name")
                                                       if target.new_name else ""))
    action = ORDER if current.get("billing_mode") == PREPAID and desired.size is not None else UPDATE
    decrease_mode = None
    if action == ORDER and desired.size < current.get("size"):
        refusal = _refused_decrease(target, current, desired, policy, label)
        if refusal and target.size == AUTO:
            # A recommendation is advice: keeping the size is no failure, the reason tells.
            kept = Desired(name=desired.name)
            return entry(UPDATE if kept else NOTHING, "keeps %s Mbit/s: a smaller size for a yearly/monthly bandwidth "
                         "needs prepaid_decrease=immediate" % current.get("size"), change=kept)
        if refusal:
            return None, refusal
        decrease_mode = policy.prepaid_decrease
    if str(current.get("status") or "").upper() in BUSY_STATUSES:
        return None, "%s is %s and cannot change now; run again once it is back to normal" % (
            label, str(current.get("status")).upper())
    if action == ORDER:
        found = (open_orders or {}).get(current.get("id"))
        if found:
            outcome, message = open_order_outcome(found[0], label, policy.auto_pay, policy.for_approval)
            return entry(NOTHING, message, open_order=found[0], outcome=outcome)
        renewals = (renewal_orders or {}).get(current.get("id"))
        if decrease_mode == "at_renewal" and renewals:
            return entry(NOTHING, "order %s (completed) already changes it at renewal; it keeps %s Mbit/s until then"
                         % (renewals[0].get("order_id"), current.get("size")), open_order=renewals[0], outcome=OK)
    return entry(action, _describe_change(current, desired, action, policy, decrease_mode),
                 decrease_mode=decrease_mode)


def plan(targets, listings, policy, open_orders=None, renewal_orders=None, recommendations=None, scopes=None,
         labelled=None):
    """Resolve and plan every target.

    ``listings``: ``{service: [normalised bandwidths]}`` (a service absent when not read);
    ``open_orders``/``renewal_orders``: ``{bandwidth id: [orders]}`` or None when unknown;
    ``recommendations``: ``{bandwidth id: recommendation}`` for ``size: auto`` targets;
    ``scopes``: ``{service: " in region ..."}`` for messages; ``labelled``: problems name their
    target ("target 3 (...)"), by default when there are several (a region of a larger run is told).
    """
    labelled = len(targets) > 1 if labelled is None else labelled
    indexes = {service: index_bandwidths(bandwidths) for service, bandwidths in listings.items()
               if bandwidths is not None}
    entries, problems = [], []
    seen = {}
    for target in targets:
        current, problem = _resolve(target, indexes, scopes or {})
        if problem:
            problems.append("%s: %s" % (target.label, problem) if labelled else problem)
            continue
        key = (target.service, current.get("id"))
        if key in seen:
            problems.append("%s: %s bandwidth %s (%s) is already the subject of %s; give each bandwidth once" % (
                target.label, TITLES[target.service], current.get("name"), current.get("id"), seen[key]))
            continue
        seen[key] = target.label
        entry, problem = _plan_one(target, current, policy, open_orders, renewal_orders,
                                   (recommendations or {}).get(current.get("id")))
        if problem:
            problems.append("%s: %s" % (target.label, problem) if labelled else problem)
            continue
        entries.append(entry)
    return Plan(entries, problems)

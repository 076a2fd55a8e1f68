# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every bandwidth service offers the plan and the engine, and the values they exchange.

The service classes (``_workspace``, ``_vpc``) read, normalise and change bandwidths; they
hold no rule about what may change (that is ``_plan``) and no flow (that is ``_engine``).
Nothing here imports Ansible.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PREPAID = "prepaid"
ON_DEMAND = "on_demand"

# What became of one target of a run (``results[].status``).
OK = "ok"                            # applied, or nothing left to do
PENDING_PAYMENT = "pending_payment"  # its order waits for payment
IN_PROGRESS = "in_progress"          # started, not (yet) seen to its end
FAILED = "failed"                    # refused, or failed on the way; the message says why
NOT_STARTED = "not_started"          # never written: an earlier write showed that the credentials are refused
RESULT_STATUSES = (OK, PENDING_PAYMENT, IN_PROGRESS, FAILED, NOT_STARTED)

# Amount units of BSS answers (measure_id): 1 yuan, 2 jiao, 3 fen; amounts are returned in the first.
MEASURE_DIVISORS = {1: Decimal(1), 2: Decimal(10), 3: Decimal(100)}
# "currency: CNY; an empty value means CNY" (ListRateOnPeriodDetailResponse, ListOnDemandResourceRatingsResponse).
DEFAULT_CURRENCY = "CNY"
CENT = Decimal("0.01")

# How many targets of one service are still read one by one; more are read with one listing.
NARROW_READ_MAX = 1


class Desired:
    """The part of a bandwidth a change sets: only the fields that differ are not None."""

    __slots__ = ("size", "name", "charge_mode")

    def __init__(self, size=None, name=None, charge_mode=None):
        self.size = size
        self.name = name
        self.charge_mode = charge_mode

    def items(self):
        """(key, value) of the fields that are set, in a fixed order."""
        return [(key, getattr(self, key)) for key in self.__slots__ if getattr(self, key) is not None]

    def keys(self):
        return [key for key, _value in self.items()]

    def __bool__(self):
        return bool(self.items())

    def shown_by(self, bandwidth):
        """True when ``bandwidth`` already has every field of this change."""
        return bool(bandwidth) and all(bandwidth.get(key) == value for key, value in self.items())

    def __eq__(self, other):
        return isinstance(other, Desired) and self.items() == other.items()

    def __repr__(self):
        return "Desired(%s)" % ", ".join("%s=%r" % item for item in self.items())


class Renewal:
    """The renewal period of a yearly/monthly decrease that takes effect at renewal (VPC only)."""

    __slots__ = ("period_type", "period_num")

    def __init__(self, period_type, period_num):
        self.period_type = period_type
        self.period_num = period_num


class Change:
    """What a write started: a job to follow, an order to follow, or a finished bandwidth."""

    def __init__(self, job_id=None, order_id=None, bandwidth=None):
        self.job_id = job_id
        self.order_id = order_id
        self.bandwidth = bandwidth


class BandwidthService:
    """The calls of one service. Subclasses implement the ``NotImplementedError`` ones.

    - ``list(**filters)``: every normalised bandwidth matching the filters (all pages);
    - ``get(id)``: the normalised bandwidth, None when it does not exist;
    - ``read_for(ids, names)``: the bandwidths a set of targets needs, in as few calls as the
      service allows (a narrow read for one target, one listing for more);
    - ``update(current, desired)`` -> :class:`Change` (a job or a finished bandwidth; never an order);
    - ``order(current, desired, auto_pay, renewal)`` -> :class:`Change` with ``order_id``;
    - ``job_status(job_id)`` -> (done, failure reason or None) for services with async jobs.
    """

    kind = None
    title = None
    # The states in which the bandwidth is still being changed.
    changing_statuses = frozenset(("UPDATING",))

    def __init__(self, client, enterprise_project_id=None):
        self.client = client
        self.enterprise_project_id = enterprise_project_id

    def label(self, bandwidth):
        return "%s bandwidth %s (%s)" % (self.title, bandwidth.get("name"), bandwidth.get("id"))

    def is_changing(self, bandwidth):
        return str((bandwidth or {}).get("status") or "").upper() in self.changing_statuses

    def scope(self):
        """Where the bandwidths were looked for, for messages: region and enterprise project."""
        region = getattr(getattr(self.client, "config", None), "region", None)
        scope = " in region %s" % region if region else ""
        if self.enterprise_project_id:
            scope += " and enterprise project %s" % self.enterprise_project_id
        return scope

    def read_for(self, ids=(), names=()):
        """The bandwidths that targets with these ids and names need."""
        ids, names = list(ids), list(names)
        if len(ids) + len(names) <= NARROW_READ_MAX:
            if ids:
                found = self.get(ids[0])
                return [found] if found else []
            if names:
                return self.list_named(names[0])
        return self.list()

    def list_named(self, name):
        return [bandwidth for bandwidth in self.list() if bandwidth.get("name") == name]

    def list(self, **filters):
        raise NotImplementedError

    def get(self, bandwidth_id):
        raise NotImplementedError

    def update(self, current, desired):
        raise NotImplementedError

    def order(self, current, desired, auto_pay, renewal=None):
        raise NotImplementedError

    def job_status(self, job_id, label=None):
        raise NotImplementedError


# -- money: the amounts of orders and prices, read one way ---------------------------------

def to_amount(value, measure_id=1):
    """A BSS amount in the currency's main unit as a Decimal, or None when it is not a number or unit."""
    divisor = MEASURE_DIVISORS.get(1 if measure_id is None else measure_id)
    if divisor is None or isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return amount / divisor


def order_amount(order):
    """The money of a normalised order: ``{amount, official_amount, currency, reason}``.

    ``amount`` is what is paid (after discounts), in the currency's main unit; ``measure_id``
    (1 yuan, 2 jiao, 3 fen) is applied when the order carries it, else the documented 1.
    """
    measure_id = order.get("measure_id")
    amount = to_amount(order.get("amount"), measure_id)
    official = to_amount(order.get("official_amount"), measure_id)
    if amount is None:
        return {"amount": None, "official_amount": None, "currency": None,
                "reason": "order %s shows no amount that can be read" % order.get("order_id")}
    return {"amount": money(amount), "official_amount": None if official is None else money(official),
            "currency": order.get("currency") or DEFAULT_CURRENCY, "reason": None}


def money(amount):
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP))

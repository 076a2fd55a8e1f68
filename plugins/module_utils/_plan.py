# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Current state x desired state x policy -> what to do. Pure functions, no HTTP.

Both services share it: the billing mode decides whether a change is a plain update or a
billing order, and the decrease policy decides whether a prepaid decrease may happen at all.
"""

from __future__ import annotations

import re

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError

PREPAID = "prepaid"
ON_DEMAND = "on_demand"

NOTHING = "none"      # already as desired
UPDATE = "update"     # a plain update: pay-per-use, or a name-only change; never an order
ORDER = "order"       # a billing order: a size change of a yearly/monthly bandwidth

SIZE_MIN = 1
SIZE_MAX = 2000
# Letters and digits of any script (CJK included), underscore, hyphen and dot; matched whole
# (``fullmatch``: a trailing newline is not allowed through).
NAME_PATTERN = re.compile(r"[\w.\-]{1,64}")

DECREASE_HELP = {
    "immediate": "prepaid_decrease=immediate orders the smaller size now (the provider may refund the difference)",
    "at_renewal": ("prepaid_decrease=at_renewal with period_type and period_num orders the smaller size "
                   "for the next renewal period"),
}


def validate_name(name):
    if name is None:
        return
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            "name %r is not valid: use 1 to 64 characters, each a letter, a digit, a CJK character, "
            "'_', '-' or '.'" % name)


def validate_size_range(size, minimum=SIZE_MIN, maximum=SIZE_MAX):
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError("size must be an integer number of Mbit/s, got %r" % (size,))
    if not minimum <= size <= maximum:
        raise ValidationError("size %d Mbit/s is out of range: use %d to %d" % (size, minimum, maximum))


def vpc_size_step(size):
    """The step a VPC bandwidth size must be a multiple of, by range."""
    if size <= 300:
        return 1
    if size <= 1000:
        return 50
    return 500


def nearest_vpc_sizes(size):
    """The valid VPC sizes around ``size``: the largest at or below it, the smallest above it.

    Either is None when the range 1-2000 has none.
    """
    lower = None
    if size >= SIZE_MIN:
        capped = min(size, SIZE_MAX)
        lower = capped - capped % vpc_size_step(capped)
    if size < SIZE_MIN:
        upper = SIZE_MIN
    elif size >= SIZE_MAX:
        upper = None
    else:
        # The step of the range the next size falls in: 300 is followed by 350, 1000 by 1500.
        step = vpc_size_step(size + 1)
        upper = (size // step + 1) * step
    return lower, upper


def validate_vpc_size(size):
    """Range 1-2000; any value up to 300, multiples of 50 up to 1000, of 500 above."""
    validate_size_range(size)
    if size is None:
        return
    step = vpc_size_step(size)
    if size % step:
        lower, upper = nearest_vpc_sizes(size)
        nearest = " or ".join(str(v) for v in (lower, upper) if v is not None)
        raise ValidationError(
            "size %d Mbit/s is not a valid VPC bandwidth size: above 300 it must be a multiple of 50, above 1000 "
            "a multiple of 500; the nearest valid sizes are %s" % (size, nearest))


class Plan:
    """What a run will do to one bandwidth, and the diff it shows."""

    def __init__(self, action, current, changes, decrease_mode=None):
        self.action = action
        self.current = current
        self.changes = changes
        self.decrease_mode = decrease_mode

    @property
    def changed(self):
        return self.action != NOTHING

    @property
    def size_before(self):
        return self.current.get("size")

    @property
    def size_after(self):
        return self.changes.get("size", self.current.get("size"))

    @property
    def name_after(self):
        return self.changes.get("name", self.current.get("name"))

    def diff(self):
        keys = ("name", "size", "charge_mode")
        before = {key: self.current.get(key) for key in keys if key in self.changes or key in ("name", "size")}
        after = dict(before)
        after.update(self.changes)
        return {"before": before, "after": after}

    def projected(self):
        """The bandwidth as it will look once the change is applied (for check mode)."""
        bandwidth = dict(self.current)
        if self.decrease_mode != "at_renewal":
            bandwidth.update(self.changes)
        else:
            bandwidth.update({key: value for key, value in self.changes.items() if key != "size"})
        return bandwidth

    def __repr__(self):
        return "Plan(action=%r, changes=%r, decrease_mode=%r)" % (self.action, self.changes, self.decrease_mode)


def plan_resize(current, size=None, name=None, charge_mode=None, prepaid_decrease="refuse",
                decrease_policies=("immediate",)):
    """Decide what to do with ``current`` (a normalised bandwidth).

    ``decrease_policies`` lists what the service supports besides ``refuse``. Raises
    :class:`ValidationError` when the desired state is not allowed.
    """
    label = "bandwidth %s (%s)" % (current.get("name"), current.get("id"))
    prepaid = current.get("billing_mode") == PREPAID
    changes = {}
    if size is not None and size != current.get("size"):
        changes["size"] = size
    if name is not None and name != current.get("name"):
        changes["name"] = name
    if charge_mode is not None and charge_mode != current.get("charge_mode"):
        if prepaid:
            raise ValidationError("%s is yearly/monthly: charge_mode can only be changed on a pay-per-use "
                                  "bandwidth; leave charge_mode unset" % label)
        changes["charge_mode"] = charge_mode
    if not changes:
        return Plan(NOTHING, current, changes)
    if not prepaid or "size" not in changes:
        return Plan(UPDATE, current, changes)
    if changes["size"] > current.get("size"):
        return Plan(ORDER, current, changes)
    if prepaid_decrease == "refuse" or prepaid_decrease not in decrease_policies:
        choices = "; or ".join(DECREASE_HELP[policy] for policy in decrease_policies)
        reason = "is refused by prepaid_decrease=refuse" if prepaid_decrease == "refuse" else (
            "cannot be done with prepaid_decrease=%s, which this service does not support" % prepaid_decrease)
        raise ValidationError(
            "%s is yearly/monthly: decreasing it from %s to %s Mbit/s %s. "
            "To allow it: %s" % (label, current.get("size"), changes["size"], reason, choices))
    return Plan(ORDER, current, changes, decrease_mode=prepaid_decrease)

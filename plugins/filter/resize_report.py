# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: resize_report
version_added: 1.0.0
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
short_description: Compare a resize plan with what the changes did and what the bandwidths show now
description:
  - Takes the entries of P(hwcloud.bandwidth.resize_plan#filter), the registered results of the changing modules
    (run in a loop over the changes), the orders read by M(hwcloud.bandwidth.order_info), and the bandwidths read
    in bulk after the changes, and tells for every target what happened.
  - Used by the C(hwcloud.bandwidth.bandwidth_resize) role to wait (until nothing is C(waiting) any more), to verify,
    and to build its report. It makes no API call.
positional: applied, orders
options:
  _input:
    description: The C(entries) of P(hwcloud.bandwidth.resize_plan#filter).
    type: list
    elements: dict
    required: true
  applied:
    description:
      - The C(results) registered from looping M(hwcloud.bandwidth.workspace_bandwidth) and
        M(hwcloud.bandwidth.vpc_bandwidth) over the changes; each result carries its plan entry as its loop variable.
      - Results of both services may be concatenated.
    type: list
    elements: dict
    default: []
  orders:
    description: The C(orders) returned by M(hwcloud.bandwidth.order_info); their status replaces the one the change returned.
    type: list
    elements: dict
    default: []
  workspace:
    description:
      - The C(bandwidths) returned by M(hwcloud.bandwidth.workspace_bandwidth_info) after the changes.
      - When not set, the Workspace targets are not compared with the current state.
    type: list
    elements: dict
  vpc:
    description:
      - The C(bandwidths) returned by M(hwcloud.bandwidth.vpc_bandwidth_info) after the changes.
      - When not set, the VPC targets are not compared with the current state.
    type: list
    elements: dict
  check_mode:
    description: Whether nothing was applied (a dry run); the report then shows the planned sizes.
    type: bool
    default: false
  strict:
    description:
      - Whether a target that should show its new size and does not is a failure.
      - Set to V(false) when the changes were not waited for.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Compare the plan with the bandwidths read after the changes
  ansible.builtin.set_fact:
    outcome: >-
      {{ plan.entries | hwcloud.bandwidth.resize_report(applied=vpc_changes.results, vpc=vpc_after.bandwidths) }}

- name: Fail when a change did not take effect
  ansible.builtin.assert:
    that: outcome.failures | length == 0
    fail_msg: "{{ outcome.failures }}"
"""

RETURN = r"""
_value:
  description: What happened to every target.
  type: dict
  contains:
    report:
      description:
        - One row per plan entry with C(service), C(id), C(name), C(size_before), C(size_after) (the size the bandwidth
          shows now, or the planned size in check mode), C(action) (V(none), V(update) or V(order)), C(order_id) and
          C(order_status).
      type: list
      elements: dict
    waiting:
      description:
        - Rows of changed targets that do not show their new size yet but are still being changed (a running job,
          an order being processed). A wait is over when this is empty.
      type: list
      elements: dict
    pending_orders:
      description: Rows whose order waits for payment (or approval); the change takes effect once it is paid.
      type: list
      elements: dict
    failures:
      description: One sentence per target whose change failed or did not take effect.
      type: list
      elements: str
    counts:
      description: C(targets), C(changed), C(unchanged), C(pending_orders), C(waiting) and C(failures).
      type: dict
"""

from ansible.errors import AnsibleFilterError

# A bandwidth in one of these states is being changed (compared lower case).
BUSY_STATUSES = frozenset(("creating", "updating"))
# Order statuses after which the new size is expected on the bandwidth.
EXPECTED_ORDER_STATUSES = frozenset(("processing", "completed"))


def _entry_of(result):
    """The plan entry a loop result was run for (its loop variable)."""
    loop_var = result.get("ansible_loop_var", "item")
    entry = result.get(loop_var)
    if isinstance(entry, dict) and entry.get("service") and entry.get("id"):
        return entry["service"], entry["id"]
    return None


def _index(bandwidths):
    if bandwidths is None:
        return None
    if not isinstance(bandwidths, list):
        raise AnsibleFilterError("resize_report: the bandwidths must be the list an info module returns")
    return {bandwidth.get("id"): bandwidth for bandwidth in bandwidths}


def _label(entry):
    return "%s bandwidth %s (%s)" % (entry.get("service"), entry.get("name"), entry.get("id"))


def resize_report(entries, applied=None, orders=None, workspace=None, vpc=None, check_mode=False, strict=True):
    """One report row per entry, and what is still waited for, pending or failed."""
    if not isinstance(entries, list):
        raise AnsibleFilterError("resize_report expects the entries of resize_plan")
    results = {}
    for result in applied or []:
        if isinstance(result, dict) and not result.get("skipped"):
            key = _entry_of(result)
            if key:
                results[key] = result
    order_status = {order.get("order_id"): order.get("status") for order in orders or [] if isinstance(order, dict)}
    current = {"workspace": _index(workspace), "vpc": _index(vpc)}
    report, waiting, pending, failures = [], [], [], []
    for entry in entries:
        key = (entry.get("service"), entry.get("id"))
        changed = entry.get("action") not in (None, "none")
        result = results.get(key, {}) if changed else {}
        order_id = result.get("order_id")
        status = order_status.get(order_id, result.get("order_status")) if order_id else None
        known = current.get(entry.get("service"))
        observed = known.get(entry.get("id")) if known is not None else None
        if check_mode:
            size_after = entry.get("size_after")
        elif observed is not None:
            size_after = observed.get("size")
        else:
            size_after = entry.get("size_before")
        row = {
            "service": entry.get("service"),
            "id": entry.get("id"),
            "name": entry.get("name"),
            "size_before": entry.get("size_before"),
            "size_after": size_after,
            "action": entry.get("action"),
            "order_id": order_id,
            "order_status": status,
        }
        report.append(row)
        if not changed or check_mode:
            continue
        if not result:
            failures.append("%s: no change was attempted (its change was not run)" % _label(entry))
            continue
        if result.get("failed"):
            failures.append("%s: %s" % (_label(entry), result.get("msg") or "the change failed"))
            continue
        if order_id and status not in EXPECTED_ORDER_STATUSES:
            if status == "cancelled":
                failures.append("%s: order %s was cancelled; the size did not change" % (_label(entry), order_id))
            else:
                pending.append(row)
            continue
        if known is None:
            continue
        if observed is None:
            failures.append("%s: it is no longer listed after the change" % _label(entry))
            continue
        if observed.get("size") == entry.get("size_after"):
            continue
        busy = str(observed.get("status") or "").lower() in BUSY_STATUSES
        still = "being changed" if busy else "order %s processing" % order_id if status == "processing" else None
        if still:
            waiting.append(row)
        if strict:
            failures.append("%s: shows %s Mbit/s, not the %s Mbit/s asked for%s" % (
                _label(entry), observed.get("size"), entry.get("size_after"), " (still %s)" % still if still else ""))
    changed_count = sum(1 for entry in entries if entry.get("action") not in (None, "none"))
    return {
        "report": report,
        "waiting": waiting,
        "pending_orders": pending,
        "failures": failures,
        "counts": {
            "targets": len(entries),
            "changed": changed_count,
            "unchanged": len(entries) - changed_count,
            "pending_orders": len(pending),
            "waiting": len(waiting),
            "failures": len(failures),
        },
    }


class FilterModule:
    """The report of the bandwidth_resize role."""

    def filters(self):
        return {"resize_report": resize_report}

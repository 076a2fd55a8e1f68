# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: resize_plan
version_added: 1.0.0
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
short_description: Plan the resize of many bandwidths from one bulk read per service
description:
  - Resolves every resize target against the bandwidths read in bulk by
    M(hwcloud.bandwidth.workspace_bandwidth_info) and M(hwcloud.bandwidth.vpc_bandwidth_info),
    and decides for each one what a run would do, without any API call.
  - Returns the plan entries and B(all) the problems at once (unknown id or name, ambiguous name,
    duplicate targets, invalid sizes, a yearly/monthly decrease the policy refuses), so that a
    playbook can fail before its first write and list everything that must be fixed.
  - The rules are the ones the modules apply to a single bandwidth.
positional: workspace, vpc
options:
  _input:
    description:
      - The targets, each a dictionary with C(service) (V(workspace) or V(vpc)), C(id) or C(name), and C(size) in Mbit/s.
    type: list
    elements: dict
    required: true
  workspace:
    description:
      - The C(bandwidths) returned by M(hwcloud.bandwidth.workspace_bandwidth_info) (every page, no filter).
      - Leave unset when no target is a Workspace bandwidth; a Workspace target then becomes a problem.
    type: list
    elements: dict
  vpc:
    description:
      - The C(bandwidths) returned by M(hwcloud.bandwidth.vpc_bandwidth_info) (every page, no filter).
      - Leave unset when no target is a VPC bandwidth; a VPC target then becomes a problem.
    type: list
    elements: dict
  prepaid_decrease:
    description:
      - What to do with a target that is smaller than its yearly/monthly bandwidth.
      - V(refuse) makes such a target a problem; V(immediate) plans a billing order for the smaller size.
    type: str
    choices: [refuse, immediate]
    default: refuse
seealso:
  - plugin: hwcloud.bandwidth.resize_table
    plugin_type: filter
  - module: hwcloud.bandwidth.workspace_bandwidth_info
  - module: hwcloud.bandwidth.vpc_bandwidth_info
"""

EXAMPLES = r"""
- name: Read the bandwidths of both services
  hwcloud.bandwidth.workspace_bandwidth_info:
  register: workspace_info

- name: Read the VPC bandwidths
  hwcloud.bandwidth.vpc_bandwidth_info:
  register: vpc_info

- name: Plan
  ansible.builtin.set_fact:
    resize_plan: >-
      {{ targets | hwcloud.bandwidth.resize_plan(workspace=workspace_info.bandwidths,
                                                 vpc=vpc_info.bandwidths, prepaid_decrease='refuse') }}
  vars:
    targets:
      - {service: workspace, name: wks-office, size: 50}
      - {service: vpc, id: 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d, size: 200}

- name: Stop before any change when a target is wrong
  ansible.builtin.assert:
    that: resize_plan.problems | length == 0
    fail_msg: "{{ resize_plan.problems }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    entries:
      description:
        - One entry per valid target, in the order of the targets.
        - Each has C(service), C(id), C(name), C(size_before), C(size_after) (the size after the change),
          C(action) (V(none) when already at its size, V(update) for a plain update of a pay-per-use bandwidth,
          V(order) for a billing order of a yearly/monthly bandwidth), C(billing_mode), C(charge_mode),
          C(status), C(decrease) (a smaller size) and C(target) (how the target was written).
      type: list
      elements: dict
    changes:
      description: The entries whose C(action) is not V(none).
      type: list
      elements: dict
    problems:
      description: Every problem found, one sentence each naming the target and what to change; empty when the plan is valid.
      type: list
      elements: str
    counts:
      description: C(targets), C(unchanged), C(updates), C(orders) and C(problems).
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    NOTHING,
    ORDER,
    UPDATE,
    plan_resize,
    validate_name,
    validate_size_range,
    validate_vpc_size,
)

SERVICES = ("workspace", "vpc")
SIZE_CHECKS = {"workspace": validate_size_range, "vpc": validate_vpc_size}
DECREASE_POLICIES = ("refuse", "immediate")
TARGET_KEYS = frozenset(("service", "id", "name", "size"))
# A bandwidth in one of these states refuses a change until it leaves it (compared lower case).
BUSY_STATUSES = frozenset(("creating", "updating", "deleting", "freezed", "frozen"))


def _describe(index, target):
    """How a target reads in a message: its position and what identifies it."""
    if not isinstance(target, dict):
        return "target %d" % (index + 1)
    key = "id=%s" % target["id"] if target.get("id") else "name=%s" % target.get("name")
    return "target %d (%s %s)" % (index + 1, target.get("service"), key)


def _size(value):
    """An integer size; digit strings (from extra vars) count too."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _index(bandwidths):
    by_id, by_name = {}, {}
    for bandwidth in bandwidths or []:
        by_id[bandwidth.get("id")] = bandwidth
        by_name.setdefault(bandwidth.get("name"), []).append(bandwidth)
    return by_id, by_name


def _check_shape(target):
    """Problems with the target itself, before looking anything up."""
    if not isinstance(target, dict):
        return ["must be a dictionary with service, id or name, and size; got %r" % (target,)]
    problems = []
    unknown = sorted(set(target) - TARGET_KEYS)
    if unknown:
        problems.append("unknown key%s %s: a target has service, id or name, and size" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown)))
    if target.get("service") not in SERVICES:
        problems.append("service must be workspace or vpc, got %r" % (target.get("service"),))
    if target.get("id") and target.get("name"):
        problems.append("give either id or name, not both")
    elif not target.get("id") and not target.get("name"):
        problems.append("give the id or the name of the bandwidth")
    if target.get("size") is None:
        problems.append("size is missing")
    elif target.get("service") in SERVICES:
        try:
            SIZE_CHECKS[target["service"]](_size(target["size"]))
        except ValidationError as exc:
            problems.append(str(exc))
    if target.get("name") and not target.get("id"):
        try:
            validate_name(target["name"])
        except ValidationError as exc:
            problems.append(str(exc))
    return problems


def _resolve(target, indexes):
    """(bandwidth, problem): the one bandwidth the target names."""
    service = target["service"]
    if indexes.get(service) is None:
        return None, "the %s bandwidths were not read: pass them as %s=" % (service, service)
    by_id, by_name = indexes[service]
    if target.get("id"):
        found = by_id.get(target["id"])
        if found is None:
            return None, "no %s bandwidth has id %s in this region and project" % (service, target["id"])
        return found, None
    found = by_name.get(target["name"], [])
    if not found:
        return None, "no %s bandwidth is named %s in this region and project" % (service, target["name"])
    if len(found) > 1:
        return None, "%d %s bandwidths are named %s (ids %s): give the id instead" % (
            len(found), service, target["name"], ", ".join(sorted(str(b.get("id")) for b in found)))
    return found[0], None


def resize_plan(targets, workspace=None, vpc=None, prepaid_decrease="refuse"):
    """Resolve and plan every target; return the entries and all the problems."""
    if not isinstance(targets, list):
        raise AnsibleFilterError("resize_plan expects a list of targets, got %s" % type(targets).__name__)
    if prepaid_decrease not in DECREASE_POLICIES:
        raise AnsibleFilterError("prepaid_decrease must be one of %s, got %r" % (", ".join(DECREASE_POLICIES),
                                                                                 prepaid_decrease))
    for service, bandwidths in (("workspace", workspace), ("vpc", vpc)):
        if bandwidths is not None and not isinstance(bandwidths, list):
            raise AnsibleFilterError("%s must be the list of bandwidths an info module returns" % service)
    indexes = {"workspace": None if workspace is None else _index(workspace),
               "vpc": None if vpc is None else _index(vpc)}
    entries, problems = [], []
    seen = {}
    for index, target in enumerate(targets):
        label = _describe(index, target)
        shape = _check_shape(target)
        if shape:
            problems.extend("%s: %s" % (label, problem) for problem in shape)
            continue
        bandwidth, problem = _resolve(target, indexes)
        if problem:
            problems.append("%s: %s" % (label, problem))
            continue
        key = (target["service"], bandwidth.get("id"))
        if key in seen:
            problems.append("%s: %s bandwidth %s (%s) is already the subject of %s; give each bandwidth once" % (
                label, target["service"], bandwidth.get("name"), bandwidth.get("id"), seen[key]))
            continue
        seen[key] = label
        try:
            plan = plan_resize(bandwidth, size=_size(target["size"]), prepaid_decrease=prepaid_decrease,
                               decrease_policies=("immediate",))
        except ValidationError as exc:
            problems.append("%s: %s (in the bandwidth_resize role: bandwidth_resize_prepaid_decrease)" % (label, exc))
            continue
        status = str(bandwidth.get("status") or "")
        if plan.changed and status.lower() in BUSY_STATUSES:
            problems.append("%s: %s bandwidth %s (%s) is %s and cannot change now; run again once it is back to "
                            "normal" % (label, target["service"], bandwidth.get("name"), bandwidth.get("id"), status))
            continue
        entries.append({
            "service": target["service"],
            "id": bandwidth.get("id"),
            "name": bandwidth.get("name"),
            "size_before": plan.size_before,
            "size_after": plan.size_after,
            "action": plan.action,
            "billing_mode": bandwidth.get("billing_mode"),
            "charge_mode": bandwidth.get("charge_mode"),
            "status": bandwidth.get("status"),
            "decrease": plan.changed and plan.size_after < plan.size_before,
            "target": label,
        })
    changes = [entry for entry in entries if entry["action"] != NOTHING]
    return {
        "entries": entries,
        "changes": changes,
        "problems": problems,
        "counts": {
            "targets": len(targets),
            "unchanged": len(entries) - len(changes),
            "updates": sum(1 for entry in changes if entry["action"] == UPDATE),
            "orders": sum(1 for entry in changes if entry["action"] == ORDER),
            "problems": len(problems),
        },
    }


class FilterModule:
    """The resize planner of the bandwidth_resize role."""

    def filters(self):
        return {"resize_plan": resize_plan}

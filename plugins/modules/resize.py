#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: resize
short_description: Resize many Huawei Cloud Workspace and VPC bandwidths in one task
version_added: 1.1.0
description:
  - Brings any number of Workspace subnet bandwidths and VPC (EIP) bandwidths to their target sizes, with the same
    rules and safety as M(hwcloud.bandwidth.workspace_bandwidth) and M(hwcloud.bandwidth.vpc_bandwidth), which run
    on the same engine with one target.
  - Every target is resolved and checked before the first write, reading each service once (every page); when any
    target is wrong (unknown id or name, ambiguous name, duplicate, invalid size, a yearly/monthly decrease that
    O(prepaid_decrease) refuses, a busy bandwidth), the module fails listing every problem and changes nothing.
  - Open change orders are read for the whole run at once, never twice per target. A bandwidth with an open change
    order gets no new order; with O(auto_pay=true) that target fails naming the order, without it the order is
    reported as pending.
  - Changes are started O(concurrency) at a time. A target that fails does not stop the others; the module fails at
    the end naming each failed target.
  - With O(wait=true), every job, paid order and bandwidth still changing is followed in one loop that reads each
    service once per round, and the last round verifies the new sizes.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
  - hwcloud.bandwidth.resize
  - hwcloud.bandwidth.usage
options:
  targets:
    description:
      - The bandwidths to resize. Required unless O(follow) is given.
    type: list
    elements: dict
    suboptions:
      service:
        description: V(workspace) for a Workspace subnet bandwidth, V(vpc) for a shared or dedicated EIP bandwidth.
        type: str
        required: true
        choices: [workspace, vpc]
      id:
        description: The ID of the bandwidth. Give either O(targets[].id) or O(targets[].name).
        type: str
      name:
        description: The exact name of the bandwidth, which exactly one bandwidth of the service must have.
        type: str
      region:
        description:
          - The region of the bandwidth; O(region) when not set. One task plans every region (one listing per
            service and region) and checks every target before the first write anywhere; billing is read once.
          - The endpoints of O(endpoints) serve every region, unless a service's entry maps regions to URLs.
        type: str
        version_added: 1.2.0
      project_id:
        description: The project of O(targets[].region); looked up through IAM when not set.
        type: str
        version_added: 1.2.0
      size:
        description:
          - The size in Mbit/s (an integer, or digits as a string), or V(auto) for a VPC bandwidth.
          - VPC bandwidths take any size up to 300, multiples of 50 up to 1000 and multiples of 500 above, within
            the region's range for their charge mode (at most 300 when billed by traffic).
          - V(auto) sizes a VPC bandwidth from its measured utilization with the rule of O(usage); the plan entry's
            C(reason) and C(usage) carry the evidence (hours read, peak, percentile, utilization, recommended size)
            or why the size is kept (no data, too few hours). A smaller size for a yearly/monthly bandwidth follows
            O(prepaid_decrease); with V(refuse) it keeps its size and the reason says what was recommended. Cloud
            Eye has no metric for the Workspace subnet bandwidth, so V(auto) on a Workspace target is a problem.
        type: raw
        required: true
  concurrency:
    description:
      - How many changes are started at the same time in each region (the regions of a run are written at once, each
        against its own endpoints). Throttling by the service (HTTP 429) slows the run down; it does not fail it.
    type: int
    default: 10
  defer_updates:
    description:
      - Hold the plain updates (pay-per-use bandwidths, and renames) instead of writing them; they are returned in
        RV(deferred), as targets for a later run of this module. Only the change orders are placed.
      - For an approval workflow in which nothing changes before the orders are approved and paid; see
        C(playbooks/resize_request.yml).
      - A change order found open on a target before the run (placed elsewhere, or by an earlier request) cannot be
        handed on for approval, so that target fails, naming the order, its amount and what billing says it is for;
        nothing is ordered for it, and the other targets go ahead.
    version_added: 1.2.0
    type: bool
    default: false
  follow:
    description:
      - The RV(results) of an earlier run of this module with O(wait=false). Instead of planning, the module follows
        the changes those results left V(in_progress) for at most O(wait_timeout) seconds and returns them with
        their new status. Nothing is written.
      - Every record is checked before any request (service, id, action, status, order id); a record that is not a
        result of this module fails the task naming it.
      - With O(wait=true), a change still running at the end fails the task (its status stays V(in_progress), as it may
        still complete); with O(wait=false) it is a round of a longer wait and the verdict is V(in_progress).
      - Lets a playbook wait in short rounds that show progress; see the role P(hwcloud.bandwidth.bandwidth_resize#role).
    type: list
    elements: dict
  order_ids:
    description:
      - With O(follow), the orders paid since that run (a list, or a comma-separated string); only their records are
        followed, as changes in progress; the other records are left out.
      - For the pay job of an approval workflow, which pays exactly these orders; see C(playbooks/resize_pay.yml).
    version_added: 1.2.0
    type: list
    elements: str
notes:
  - Check mode writes nothing and places no order; it returns the plan, C(changed) when the plan changes any
    target, and the diff that the real run would.
  - A faulted plain update (pay-per-use) is resolved in the same run by reading the bandwidth again and following
    or resending the update; an order whose answer was lost is looked for in billing and never placed twice.
attributes:
  check_mode:
    description: Can run in check mode and return the changed status and diff the real run would, writing nothing.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode).
    support: full
seealso:
  - module: hwcloud.bandwidth.workspace_bandwidth
  - module: hwcloud.bandwidth.vpc_bandwidth
  - module: hwcloud.bandwidth.order
  - module: hwcloud.bandwidth.order_info
"""

EXAMPLES = r"""
- name: Scale the office bandwidths up before business hours, paying the orders at once
  hwcloud.bandwidth.resize:
    region: cn-north-4
    targets:
      - {service: workspace, name: wks-office, size: 100}
      - {service: vpc, name: shared-web, size: 400}
      - {service: vpc, id: 3a9c5d7b-1e4f-4b6a-8c8d-0f5e4b3a7d94, size: 100}
    auto_pay: true
    wait_timeout: 900
  register: resized

- name: The night profile (in a real play, a variable of the inventory or a vars file)
  ansible.builtin.set_fact:
    night_targets:
      - {service: workspace, name: wks-office, size: 50}
      - {service: workspace, name: wks-training, size: 10}
      - {service: vpc, name: shared-batch, size: 20}
      - {service: vpc, name: eip-bastion, size: 2}

- name: Dry run of the night profile, allowing yearly/monthly decreases
  hwcloud.bandwidth.resize:
    region: cn-north-4
    targets: "{{ night_targets }}"
    prepaid_decrease: immediate
  check_mode: true
  diff: true
  register: night_plan

- name: Right-size two VPC bandwidths from a week of traffic, as a dry run first
  hwcloud.bandwidth.resize:
    region: cn-north-4
    targets:
      - {service: vpc, name: shared-web, size: auto}
      - {service: vpc, name: shared-batch, size: auto}
    usage:
      percentile: 95
      headroom_percent: 30
      max_size: 500
  check_mode: true
  register: right_size

- name: Start the night profile's changes without waiting (its yearly/monthly order is left to be paid)
  hwcloud.bandwidth.resize:
    region: cn-north-4
    targets: "{{ night_targets }}"
    prepaid_decrease: immediate
    wait: false
  register: started

- name: Follow them for at most 30 seconds
  hwcloud.bandwidth.resize:
    region: cn-north-4
    follow: "{{ started.results }}"
    wait_timeout: 30
  register: followed
"""

RETURN = r"""
plan:
  description: One entry per target that could be resolved, in the order of the targets.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: V(workspace) or V(vpc).
      type: str
    id:
      description: The ID of the bandwidth.
      type: str
    name:
      description: The name of the bandwidth.
      type: str
    size_before:
      description: The size in Mbit/s before the run.
      type: int
    size_after:
      description: The size in Mbit/s the run brings it to.
      type: int
    action:
      description:
        - V(none) when nothing is written (already at its size, or an open change order already changes it),
          V(update) for a plain update of a pay-per-use bandwidth (or a rename), V(order) for a billing order.
      type: str
    billing_mode:
      description: V(prepaid) (yearly/monthly) or V(on_demand) (pay-per-use).
      type: str
    reason:
      description: Why the entry does what it does, in a sentence.
      type: str
    order_id:
      description: The open change order found for the bandwidth; only present when there is one.
      type: str
    order_status:
      description: The status of that order; only present when there is one.
      type: str
    price:
      description:
        - What the change does to the monthly bill, at list prices (an estimate; the amount of a placed order is in
          RV(results[].amount)) - C(currency), C(monthly_before), C(monthly_after), C(monthly_change) (pay-per-use as
          730 hours a month), and C(reason) when it cannot be told (no permission, a Workspace bandwidth, billing by
          traffic); then the amounts are V(null). An unchanged entry has C(monthly_change) V(0) and is not priced.
        - A price never fails the plan or the change.
      type: dict
      version_added: 1.2.0
    usage:
      description:
        - For a O(targets[].size=auto) target, the evidence of M(hwcloud.bandwidth.vpc_bandwidth_usage_info)
          (C(hours), C(peak_mbit), C(percentile_mbit), C(utilization_percent), C(recommended_size), C(reason)).
      type: dict
  sample:
    - service: vpc
      id: 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d
      name: shared-web
      size_before: 200
      size_after: 400
      action: order
      billing_mode: prepaid
      reason: "yearly/monthly: change order (200 -> 400 Mbit/s), paid at once"
results:
  description:
    - One result per target the run changed, or that an open order kept from changing; empty in check mode unless
      an open order blocks a target.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: V(workspace) or V(vpc).
      type: str
    id:
      description: The ID of the bandwidth.
      type: str
    name:
      description: The name of the bandwidth.
      type: str
    size_before:
      description: The size before the run.
      type: int
    size_after:
      description: The size asked for.
      type: int
    action:
      description: V(update) or V(order), as planned.
      type: str
    status:
      description:
        - V(ok) when the change is applied (a change accepted with O(wait=false) is V(in_progress), not V(ok)).
        - V(pending_payment) when its order waits for payment.
        - V(in_progress) when it was started and not followed to its end (O(wait=false), or the wait timed out).
        - V(failed) when it failed; RV(results[].msg) says why.
      type: str
    order_id:
      description: The billing order of the change, or V(null).
      type: str
    order_status:
      description:
        - The status of that order, one of V(pending_approval), V(pending_refund), V(processing), V(cancelled),
          V(completed), V(pending_payment) and V(to_be_confirmed); V(null) without an order.
      type: str
    job_id:
      description: The Workspace job of a plain update, or V(null).
      type: str
    amount:
      description:
        - What the order costs (after discounts), in the currency's main unit, as the billing order shows it;
          V(null) without an order, or when billing cannot be read.
      type: float
    currency:
      description: The currency of RV(results[].amount), for example V(CNY).
      type: str
    msg:
      description: What happened, for a failed, pending or unusual result; V(null) otherwise.
      type: str
monthly_change:
  description:
    - The plan's changes together, at list prices - C(currency), C(monthly_change) (the total) and C(unknown) (how
      many changes could not be priced, not in the total).
  returned: always
  type: dict
  sample: {currency: CNY, monthly_change: 1250.5, unknown: 1}
  version_added: 1.2.0
counts:
  description:
    - C(targets), C(unchanged), C(held) (targets an order found open before the run holds), C(updates), C(orders) and
      C(problems) from the plan; C(ok), C(pending_payment), C(in_progress), C(failed) and C(not_started) from the
      results; C(running), the changes this run started that are still in progress (what a later O(follow) waits
      for).
    - C(verdict), one word for the run, which playbooks act on instead of counting themselves - V(failed) (a change
      failed or was not started, or did not finish while the task waited for it; the task fails), V(in_progress)
      (changes still run and the task did not wait), V(pending_payment) (orders wait for payment, nothing failed),
      V(ok), or V(check) in check mode.
  returned: always
  type: dict
  sample: {targets: 3, unchanged: 1, held: 0, updates: 1, orders: 1, problems: 0, ok: 2, pending_payment: 0,
           in_progress: 0, failed: 0, not_started: 0, running: 0, verdict: ok}
pending_orders:
  description:
    - The orders this run placed that wait for payment, each once, with its C(order_id), C(amount), C(currency) and
      the C(targets) it changes (C(service), C(id), C(name), C(size_before), C(size_after)). Orders found open before
      the run are not in it.
  returned: always
  type: list
  elements: dict
deferred:
  description:
    - With O(defer_updates=true), the plain updates held back, as targets (C(service), C(id), C(size)) for a later run.
  returned: always
  type: list
  elements: dict
summary:
  description:
    - One sentence naming each target that failed, was not started or is still in progress, and what it waits for;
      empty when nothing is left to say. The failure message of the task.
  returned: always
  type: str
problems:
  description: Every problem found while planning; the module then fails and writes nothing.
  returned: always
  type: list
  elements: str
diff:
  description: Per changed target, its name and size before and after.
  returned: changed and diff mode
  type: list
  elements: dict
"""

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import (
    EngineModule,
    resize_argument_spec,
    usage_argument_spec,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    SERVICES,
    UPDATE,
    Plan,
    VpcSizes,
    parse_targets,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import (
    VERDICT_FAILED,
    counts,
    pending_orders,
    price_total,
    resume,
    summary,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import FAILED, OK
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import UsagePolicy


def _an_order(entry):
    """With defer_updates, only the orders are written."""
    return entry.action != UPDATE


def _target_index(problem):
    """The position of the target a problem names ("target 3 (...): ..."), to list problems in target order."""
    words = problem.split(None, 2)
    if len(words) > 1 and words[0] == "target" and words[1].isdigit():
        return int(words[1])
    return 0


class ResizeModule(EngineModule):
    argument_spec = dict(
        resize_argument_spec(),
        targets=dict(type="list", elements="dict", options=dict(
            service=dict(type="str", required=True, choices=list(SERVICES)),
            id=dict(type="str"),
            name=dict(type="str"),
            size=dict(type="raw", required=True),
            region=dict(type="str"),
            project_id=dict(type="str"),
        ), mutually_exclusive=[("id", "name")], required_one_of=[("id", "name")]),
        concurrency=dict(type="int", default=10),
        defer_updates=dict(type="bool", default=False),
        follow=dict(type="list", elements="dict"),
        order_ids=dict(type="list", elements="str"),
        usage=usage_argument_spec(),
    )
    module_kwargs = dict(required_one_of=[("targets", "follow")], mutually_exclusive=[("targets", "follow")],
                         required_by={"order_ids": "follow"})

    def __init__(self, module):
        super().__init__(module)
        self.result.update(plan=[], results=[], counts={}, problems=[], pending_orders=[], deferred=[], summary="",
                           monthly_change={})

    @property
    def concurrency(self):
        return self.module.params["concurrency"]

    def run(self):
        params = self.module.params
        self.check_wait_timeout()
        if params["concurrency"] < 1:
            raise ValidationError("concurrency must be at least 1, got %s" % params["concurrency"])
        if params["follow"] is not None:
            self.follow(params["follow"], params["order_ids"])
            return
        # The usage rule is checked before any call; the region's range is checked once it is read.
        UsagePolicy.from_params(params["usage"], VpcSizes())
        plan = self.plan(params["targets"])
        results = self.fleet_.held()
        if plan.changes:
            self._mark_as_changed()
            if self.module._diff:
                self.result["diff"] = [self._diff(entry) for entry in plan.changes]
        only = None
        if params["defer_updates"]:
            # Targets as resize takes them, for the run after the approval.
            self.result["deferred"] = [{"service": e.service, "id": e.id, "size": e.size_after, "region": e.target.region}
                                       for e in plan.changes if e.action == UPDATE]
            only = _an_order
        if self.module.check_mode:
            self.warn_estimates(plan, self.policy_)
        else:
            results.extend(self.fleet_.apply(self.policy_, only))
            if params["wait"]:
                self.fleet_.follow(results, params["wait_timeout"])
            # Only what was written counts as a change: a target that failed before its write did not change.
            self.result["changed"] = any(result.changed for result in results)
        self.finish(plan, results, waited=params["wait"])

    def plan(self, raw_targets):
        """The plan of every target; fails listing every problem, before any write."""
        params = self.module.params
        targets, problems = parse_targets([{key: value for key, value in target.items() if value is not None}
                                           for target in raw_targets])
        self.fleet_ = self.fleet()
        self.policy_ = self.policy(for_approval=params["defer_updates"])
        plan = self.fleet_.plan(targets, self.policy_, usage=params["usage"]) if targets else Plan([], [])
        plan.problems[:0] = problems
        plan.problems.sort(key=_target_index)
        self.result["plan"] = [entry.to_dict() for entry in plan.entries]
        self.result["monthly_change"] = price_total(plan.entries)
        self.result["problems"] = plan.problems
        if plan.problems:
            self.result["counts"] = counts(plan, [])
            self.fail("%d of %d targets are wrong; nothing was changed: %s" % (
                len(plan.problems), len(raw_targets), "; ".join(plan.problems)))
        return plan

    @staticmethod
    def _diff(entry):
        before, after = entry.diff()
        header = "%s bandwidth %s (%s)" % (entry.service, entry.current.get("name"), entry.id)
        return {"before_header": header, "after_header": header, "before": before, "after": after}

    def follow(self, records, order_ids):
        results = resume(records, order_ids)
        self.fleet().follow(results, self.module.params["wait_timeout"])
        self.finish(Plan([], []), results, waited=self.module.params["wait"])
        self.result["counts"]["targets"] = len(results)

    def finish(self, plan, results, waited):
        params = self.module.params
        check_mode = self.module.check_mode
        self.result["results"] = [result.to_dict() for result in results]
        self.result["counts"] = counts(plan, results, check_mode=check_mode, waited=waited)
        self.result["pending_orders"] = pending_orders(results)
        self.result["summary"] = summary(results, check_mode=check_mode, waited=waited, timeout=params["wait_timeout"])
        for result in results:
            if result.entry.open_order is not None and result.status not in (OK, FAILED):
                self.warn(result.msg)
        if self.result["counts"]["verdict"] == VERDICT_FAILED:
            self.fail(self.result["summary"])


def main():
    ResizeModule.main()


if __name__ == "__main__":
    main()

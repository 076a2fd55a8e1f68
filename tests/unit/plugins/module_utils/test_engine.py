# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine over fake services and a fake billing facade: concurrency, failures, rule 4, follow, resume.

Nothing sleeps: the engine, the waiter and the retry policy run on a fake clock.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._engine import Engine, Fleet
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import counts, resume, summary
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    FAILED,
    IN_PROGRESS,
    NOT_STARTED,
    OK,
    PENDING_PAYMENT,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import ORDER, UPDATE, Entry, Plan, Policy, Target
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import RetryPolicy
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import Change, Desired

from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    FakeBillingFacade,
    FakePrices,
    FakeClock,
    FakeService,
)

MAX_RETRIES = 2


def vpc(bandwidth_id="bw-1", size=100, prepaid=False, status="NORMAL", name=None):
    return {"id": bandwidth_id, "name": name or "name-%s" % bandwidth_id, "size": size,
            "billing_mode": "prepaid" if prepaid else "on_demand", "charge_mode": "bandwidth", "status": status,
            "share_type": "WHOLE", "updated_at": "2025-01-01T00:00:00"}


def wks(bandwidth_id="ws-1", size=10, prepaid=False, status="ACTIVE"):
    return {"id": bandwidth_id, "name": "name-%s" % bandwidth_id, "size": size,
            "billing_mode": "prepaid" if prepaid else "on_demand",
            "charge_mode": "wks_bandwidth" if prepaid else "wks_traffic", "status": status}


class Run:
    """An engine over fake services, with its clock, billing and warnings at hand."""

    def __init__(self, *services, billing=None, concurrency=10):
        self.clock = FakeClock()
        self.client = SimpleNamespace(project_id="p-1",
                                      retry=RetryPolicy(max_retries=MAX_RETRIES, sleep=self.clock.sleep,
                                                        rand=lambda: 0.5))
        self.billing = billing or FakeBillingFacade()
        self.prices = FakePrices()
        self.warnings = []
        self.services = {service.kind: service for service in services}
        self.engine = Engine(self.client, self.services, concurrency=concurrency, warn=self.warnings.append,
                             sleep=self.clock.sleep, clock=self.clock, billing=self.billing, prices=self.prices)

    def plan(self, targets, policy=None):
        return self.engine.plan(targets, policy or Policy())

    def apply(self, targets, policy=None):
        policy = policy or Policy()
        plan = self.engine.plan(targets, policy)
        assert not plan.problems, plan.problems
        return self.engine.apply(plan, policy)


def vt(bandwidth_id="bw-1", size=200, **kwargs):
    return Target("vpc", id=bandwidth_id, size=size, **kwargs)


def wt(bandwidth_id="ws-1", size=20, **kwargs):
    return Target("workspace", id=bandwidth_id, size=size, **kwargs)


def settle(service, sizes):
    """Apply ``{id: size}`` and end UPDATING, as the cloud does once a change is done."""
    for bandwidth_id, size in sizes.items():
        service.bandwidths[bandwidth_id].update(size=size, status="NORMAL" if service.kind == "vpc" else "ACTIVE")


# -- apply: concurrency and isolation ------------------------------------------------------

class InFlight:
    """A write that counts how many writes run at once, and meets a partner at a barrier."""

    def __init__(self, parties):
        self.barrier = threading.Barrier(parties, timeout=5) if parties > 1 else None
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.met = []
        self.calls = 0

    def __call__(self, service, current, desired):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.calls += 1
            first = self.calls == 1
        try:
            # The engine writes its first change alone (it may show that the credentials are refused).
            if self.barrier is not None and not first:
                try:
                    self.barrier.wait()
                    self.met.append(current["id"])
                except threading.BrokenBarrierError:
                    raise HwCloudError("update", "no other write was in flight") from None
            service.apply(current["id"], desired)
            return Change(bandwidth=dict(service.bandwidths[current["id"]]))
        finally:
            with self.lock:
                self.active -= 1


def test_apply_writes_the_first_alone_then_two_at_once_with_concurrency_2():
    write = InFlight(2)
    service = FakeService("vpc", [vpc("bw-%d" % i) for i in range(5)], writes=[write])
    run = Run(service, concurrency=2)
    results = run.apply([vt("bw-%d" % i) for i in range(5)])
    assert [r.status for r in results] == [OK] * 5, [r.msg for r in results]
    # After the first write, every write met another one at the barrier: two in flight together, never more.
    assert sorted(write.met) == ["bw-1", "bw-2", "bw-3", "bw-4"]
    assert write.most == 2
    assert all(b["size"] == 200 for b in service.bandwidths.values())


def test_apply_with_concurrency_1_writes_one_at_a_time():
    write = InFlight(1)
    service = FakeService("vpc", [vpc("bw-%d" % i) for i in range(3)], writes=[write])
    results = Run(service, concurrency=1).apply([vt("bw-%d" % i) for i in range(3)])
    assert [r.status for r in results] == [OK] * 3
    assert write.most == 1


def test_a_failed_write_leaves_the_others_applied():
    def write(service, current, desired):
        if current["id"] == "bw-2":
            raise HwCloudError("update VPC bandwidth bw-2", "invalid parameter", status=400, error_code="VPC.0301")
        service.apply(current["id"], desired)
        return Change(bandwidth=dict(service.bandwidths[current["id"]]))

    service = FakeService("vpc", [vpc("bw-1"), vpc("bw-2"), vpc("bw-3")], writes=[write])
    run = Run(service, concurrency=3)
    targets = [vt("bw-1"), vt("bw-2"), vt("bw-3")]
    plan = run.plan(targets)
    results = run.engine.apply(plan, Policy())
    run.engine.follow(results, 60)
    assert [(r.id, r.status) for r in results] == [("bw-1", OK), ("bw-2", FAILED), ("bw-3", OK)]
    assert "VPC.0301" in results[1].msg and results[1].error["error_code"] == "VPC.0301"
    assert results[1].changed is False
    assert service.bandwidths["bw-1"]["size"] == service.bandwidths["bw-3"]["size"] == 200
    assert service.bandwidths["bw-2"]["size"] == 100
    assert counts(plan, results) == {"targets": 3, "unchanged": 0, "held": 0, "updates": 3, "orders": 0, "problems": 0,
                                     OK: 2, PENDING_PAYMENT: 0, IN_PROGRESS: 0, FAILED: 1, NOT_STARTED: 0, "running": 0,
                                     "verdict": "failed"}


def test_a_409_before_any_write_is_no_change_and_names_the_open_orders():
    conflict = HwCloudError("order the change", "a conflicting operation", status=409, error_code="VPC.0309")
    service = FakeService("vpc", [vpc(prepaid=True)], writes=[conflict])
    billing = FakeBillingFacade(open_orders={})
    run = Run(service, billing=billing)
    plan = run.plan([vt()])
    assert plan.entries[0].action == ORDER
    # The order appeared between the plan and the write.
    billing.open = {"bw-1": [{"order_id": "CS-OTHER", "status": "pending_payment"}]}
    result = run.engine.apply(plan, Policy())[0]
    assert result.status == FAILED
    assert result.changed is False
    assert "CS-OTHER (pending_payment)" in result.msg and "nothing was changed" in result.msg
    assert len(service.sent) == 1


def test_a_409_without_a_known_order_says_another_operation_runs():
    conflict = HwCloudError("update", "busy", status=409, error_code="WKS.409")
    service = FakeService("workspace", [wks()], writes=[conflict])
    result = Run(service).apply([wt()])[0]
    assert result.status == FAILED and result.changed is False
    assert "being changed by another operation" in result.msg


# -- rule 4: a plain update whose answer is lost --------------------------------------------

def test_lost_update_that_shows_the_change_is_ok_without_resending():
    service = FakeService("vpc", [vpc()], writes=["lost-applied"])
    result = Run(service).apply([vt()])[0]
    assert result.status == OK and result.changed is True
    assert result.bandwidth["size"] == 200
    assert len(service.sent) == 1


def test_lost_update_that_shows_updating_is_followed_not_resent():
    service = FakeService("vpc", [vpc()], writes=["lost-updating"])
    run = Run(service)
    results = run.apply([vt()])
    assert results[0].status == IN_PROGRESS and results[0].changed is True
    service.on_read = lambda s: settle(s, {"bw-1": 200}) if s.reads >= 3 else None
    run.engine.follow(results, 60)
    assert results[0].status == OK
    assert len(service.sent) == 1


def test_lost_update_that_shows_neither_is_sent_again():
    service = FakeService("vpc", [vpc()], writes=["lost", "apply"])
    result = Run(service).apply([vt()])[0]
    assert result.status == OK
    assert len(service.sent) == 2
    assert service.sent[0]["desired"] == service.sent[1]["desired"] == {"size": 200}


def test_resending_a_lost_update_is_bounded_by_the_retry_budget():
    service = FakeService("vpc", [vpc()], writes=["lost"])
    run = Run(service)
    result = run.apply([vt()])[0]
    assert result.status == FAILED
    assert len(service.sent) == MAX_RETRIES + 1
    assert "sent %d times" % (MAX_RETRIES + 1) in result.msg
    # Paused between the tries, on the fake clock.
    assert len(run.clock.sleeps) == MAX_RETRIES


def test_a_resent_update_answered_409_is_followed():
    conflict = HwCloudError("update", "busy", status=409)
    service = FakeService("vpc", [vpc()], writes=["lost", conflict])
    result = Run(service).apply([vt()])[0]
    assert result.status == IN_PROGRESS and result.changed is True
    assert len(service.sent) == 2


# -- rule 4: an order whose answer is lost -------------------------------------------------

ORDER_FOUND = {"order_id": "CS-FOUND", "status": "pending_payment"}


def test_lost_order_found_in_billing_is_followed_by_its_id():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost"])
    billing = FakeBillingFacade(this_run=[[ORDER_FOUND]])
    run = Run(service, billing=billing)
    result = run.apply([vt()])[0]
    assert len(service.sent) == 1
    assert (result.status, result.order_id, result.order_status) == (PENDING_PAYMENT, "CS-FOUND", "pending_payment")
    assert ("orders_of_this_run", "bw-1") in billing.calls
    assert any("found its order CS-FOUND" in warning for warning in run.warnings)


def test_lost_order_found_on_a_later_lookup_when_billing_lags():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost"])
    processing = {"order_id": "CS-LATE", "status": "processing"}
    billing = FakeBillingFacade(this_run=[[], [processing]], orders={"CS-LATE": processing})
    run = Run(service, billing=billing)
    policy = Policy(auto_pay=True)
    results = run.apply([vt()], policy)
    result = results[0]
    assert len(service.sent) == 1
    assert result.order_id == "CS-LATE" and result.status == IN_PROGRESS
    assert billing.calls.count(("orders_of_this_run", "bw-1")) == 2
    assert run.clock.sleeps == [2.0]
    # Followed to the end by its order id.
    billing.orders["CS-LATE"] = {"order_id": "CS-LATE", "status": "completed"}
    settle(service, {"bw-1": 200})
    run.engine.follow(results, 60)
    assert result.status == OK and result.order_status == "completed"
    assert len(service.sent) == 1


@pytest.mark.parametrize("answers, lookups, sent", [([[]], 8, 2), ([None], 1, 1)])
def test_lost_order_not_found_fails_saying_an_order_may_exist(answers, lookups, sent):
    """Billing shows no order: it is placed once more, unpaid (lost too here, and looked for again);
    unreadable billing: never placed again."""
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost"])
    billing = FakeBillingFacade(this_run=answers)
    run = Run(service, billing=billing)
    result = run.apply([vt()], Policy(auto_pay=True))[0]
    assert result.status == FAILED and result.changed is True
    assert "an order may have been placed" in result.msg
    assert len(service.sent) == sent
    assert [write["auto_pay"] for write in service.sent] == [True, False][:sent]
    assert billing.calls.count(("orders_of_this_run", "bw-1")) == lookups
    assert len(run.clock.sleeps) == lookups - (2 if sent == 2 else 1)


def test_a_second_lost_answer_finds_the_unpaid_order_and_the_run_pays_it():
    """The first order was never placed, the answer to the second was lost: billing shows it, the run pays it."""
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost"])
    second = {"order_id": "CS-SECOND", "status": "pending_payment"}
    billing = FakeBillingFacade(this_run=[[], [], [], [], [second]])
    run = Run(service, billing=billing)
    result = run.apply([vt()], Policy(auto_pay=True))[0]
    assert len(service.sent) == 2 and result.order_id == "CS-SECOND"
    assert billing.paid == ["CS-SECOND"] and result.status != FAILED


def test_a_lost_order_that_billing_does_not_show_is_placed_again_unpaid_and_then_paid():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost", "placed"])
    billing = FakeBillingFacade(this_run=[[]])
    run = Run(service, billing=billing)
    result = run.apply([vt()], Policy(auto_pay=True))[0]
    assert [write["auto_pay"] for write in service.sent] == [True, False]
    # The run holds the new order's id, so it pays it (within its limits; none here).
    assert billing.paid == ["CS-bw-1"]
    assert result.order_id == "CS-bw-1" and result.status != FAILED
    assert any("placed again, unpaid" in warning for warning in run.warnings)


def test_a_second_order_refused_with_409_proves_the_first_and_it_is_followed():
    conflict = HwCloudError("order", "an unpaid order exists", status=409, error_code="VPC.0309")
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["lost", conflict])
    first = {"order_id": "CS-FIRST", "status": "processing"}
    billing = FakeBillingFacade(this_run=[[], [], [], [], [first]])
    run = Run(service, billing=billing)
    result = run.apply([vt()], Policy(auto_pay=True))[0]
    assert len(service.sent) == 2
    assert result.order_id == "CS-FIRST" and result.status != FAILED and billing.paid == []


def test_lost_order_whose_bandwidth_shows_the_change_is_ok():
    service = FakeService("workspace", [wks(prepaid=True)], writes=["lost-applied"])
    billing = FakeBillingFacade(this_run=[[]])
    result = Run(service, billing=billing).apply([wt()], Policy(auto_pay=True))[0]
    assert result.status == OK and len(service.sent) == 1


# -- follow --------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 7])
def test_follow_reads_once_per_service_per_round(count):
    vpcs = FakeService("vpc", [vpc("bw-%d" % i) for i in range(count)], writes=["job"])
    workspaces = FakeService("workspace", [wks("ws-%d" % i) for i in range(count)], writes=["job"])
    run = Run(vpcs, workspaces)
    targets = [vt("bw-%d" % i) for i in range(count)] + [wt("ws-%d" % i) for i in range(count)]
    results = run.apply(targets)
    reads_before = (vpcs.reads, workspaces.reads)
    narrow_before = (vpcs.lists, len(vpcs.gets))
    rounds = 4

    def later(service):
        # The waiter sleeps between rounds: the cloud settles during the 4th round, whatever the reads.
        if len(run.clock.sleeps) >= rounds - 1:
            settle(service, {b: (200 if service.kind == "vpc" else 20) for b in service.bandwidths})

    vpcs.on_read = workspaces.on_read = later
    run.engine.follow(results, 600)
    assert [r.status for r in results] == [OK] * (2 * count)
    assert len(run.clock.sleeps) == rounds - 1
    assert vpcs.reads - reads_before[0] == rounds
    assert workspaces.reads - reads_before[1] == rounds
    # A listing for several targets, a narrow read for one.
    narrow = (vpcs.lists - narrow_before[0], len(vpcs.gets) - narrow_before[1])
    assert narrow == ((rounds, 0) if count > 1 else (0, rounds))
    # Jobs are only asked about when a bandwidth leaves UPDATING without the change.
    assert vpcs.job_reads == workspaces.job_reads == []


def test_follow_notices_a_failed_job_when_the_bandwidth_leaves_updating_unchanged():
    service = FakeService("workspace", [wks("ws-1"), wks("ws-2")], writes=["job"])
    run = Run(service)
    results = run.apply([wt("ws-1"), wt("ws-2")])
    assert [r.job_id for r in results] == ["job-ws-1", "job-ws-2"]
    service.jobs["job-ws-1"] = (True, "the update of ws-1 ended with status FAIL: quota")
    # ws-1 stops updating without the change; ws-2 gets its change.
    service.bandwidths["ws-1"]["status"] = "ACTIVE"
    settle(service, {"ws-2": 20})
    run.engine.follow(results, 60)
    assert (results[0].status, results[1].status) == (FAILED, OK)
    assert "quota" in results[0].msg
    assert service.job_reads == ["job-ws-1"]
    # The job is asked about with the label of its bandwidth, for the failure message.
    assert service.job_labels == ["Workspace bandwidth name-ws-1 (ws-1)"]


@pytest.mark.parametrize("waited, verdict", [(True, "failed"), (False, "in_progress")])
def test_follow_until_the_deadline_keeps_the_change_in_progress(waited, verdict):
    """Still running at the deadline is in_progress; it fails the run only when the caller waited for it."""
    service = FakeService("workspace", [wks()], writes=["job"])
    run = Run(service)
    plan = run.plan([wt()])
    results = run.engine.apply(plan, Policy())
    started = run.clock.now
    run.engine.follow(results, 30)
    assert results[0].status == IN_PROGRESS
    assert run.clock.now - started == pytest.approx(30)
    assert "not finished within 30 s, still waiting for job job-ws-1" in results[0].msg
    assert counts(plan, results, waited=waited)["verdict"] == verdict
    text = summary(results, waited=waited, timeout=30)
    assert "ws-1" in text and "still waiting for job job-ws-1" in text
    assert ("did not finish within 30 s" in text) is waited


def test_follow_fails_a_cancelled_order():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["placed"])
    billing = FakeBillingFacade(orders={"CS-bw-1": {"order_id": "CS-bw-1", "status": "processing"}})
    run = Run(service, billing=billing)
    results = run.apply([vt()], Policy(auto_pay=True))
    assert results[0].status == IN_PROGRESS and results[0].order_id == "CS-bw-1"
    billing.orders["CS-bw-1"] = {"order_id": "CS-bw-1", "status": "cancelled"}
    run.engine.follow(results, 60)
    assert results[0].status == FAILED
    assert "order CS-bw-1" in results[0].msg and "was cancelled" in results[0].msg


def test_follow_waits_for_the_order_to_complete_after_the_size_shows():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["apply"])
    billing = FakeBillingFacade(orders={"CS-bw-1": {"order_id": "CS-bw-1", "status": "processing"}})
    run = Run(service, billing=billing)
    results = run.apply([vt()], Policy(auto_pay=True))
    run.engine.follow(results, 30)
    assert results[0].status == IN_PROGRESS
    billing.orders["CS-bw-1"] = {"order_id": "CS-bw-1", "status": "completed"}
    run.engine.follow(results, 30)
    assert results[0].status == OK and results[0].order_status == "completed"


def test_an_order_without_auto_pay_waits_for_payment_and_is_not_followed():
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["placed"])
    run = Run(service)
    results = run.apply([vt()])
    assert results[0].status == PENDING_PAYMENT and results[0].order_id == "CS-bw-1"
    reads = service.reads
    run.engine.follow(results, 60)
    assert results[0].status == PENDING_PAYMENT
    assert service.reads == reads


# -- the whole run -------------------------------------------------------------------------

def test_check_mode_makes_no_write():
    vpcs = FakeService("vpc", [vpc(), vpc("bw-2", prepaid=True)])
    workspaces = FakeService("workspace", [wks()])
    run = Run(vpcs, workspaces)
    plan, results = run.engine.run([vt(), vt("bw-2"), wt()], Policy(auto_pay=True), check_mode=True)
    assert [e.action for e in plan.entries] == [UPDATE, ORDER, UPDATE]
    assert results == []
    assert vpcs.sent == [] and workspaces.sent == []


def test_a_plan_with_a_problem_writes_nothing():
    service = FakeService("vpc", [vpc(), vpc("bw-2")])
    plan, results = Run(service).engine.run([vt(), vt("bw-2", size=301)], Policy())
    assert len(plan.problems) == 1 and results == []
    assert service.sent == []


def test_run_applies_and_follows():
    service = FakeService("workspace", [wks(), wks("ws-2")], writes=["job"])
    run = Run(service)
    service.on_read = lambda s: settle(s, {"ws-1": 20, "ws-2": 20}) if s.sent else None
    plan, results = run.engine.run([wt(), wt("ws-2")], Policy())
    assert [r.status for r in results] == [OK, OK]
    assert counts(plan, results)[OK] == 2


def test_an_open_order_blocks_with_auto_pay_and_writes_nothing():
    service = FakeService("vpc", [vpc(prepaid=True)])
    billing = FakeBillingFacade(open_orders={"bw-1": [{"order_id": "CS-OPEN", "status": "pending_payment"}]})
    plan, results = Run(service, billing=billing).engine.run([vt()], Policy(auto_pay=True))
    assert plan.entries[0].outcome == FAILED
    assert [(r.status, r.order_id, r.changed) for r in results] == [(FAILED, "CS-OPEN", False)]
    assert service.sent == []


def test_an_open_order_is_described_and_counted_as_held_never_as_running():
    """A processing order found before the run: in progress as it stands, named with its amount and spec, not followed."""
    service = FakeService("vpc", [vpc(prepaid=True), vpc("bw-2")], writes=["job"])
    order = {"order_id": "CS-OPEN", "status": "processing", "amount": 40.0, "currency": "CNY",
             "spec": "Bandwidth | 150 Mbit/s"}
    billing = FakeBillingFacade(open_orders={"bw-1": [order]})
    run = Run(service, billing=billing)
    plan = run.plan([vt(), vt("bw-2")])
    results = run.engine.held(plan) + run.engine.apply(plan, Policy())
    assert ("describe", ("CS-OPEN",)) in billing.calls
    held = results[0]
    assert (held.status, held.amount, held.currency) == (IN_PROGRESS, 40.0, "CNY")
    assert 'order CS-OPEN (processing, 40.00 CNY, "Bandwidth | 150 Mbit/s") is open for it' in held.msg
    figures = counts(plan, results, waited=False)
    # Both are in progress; only the update this run started is a change to follow.
    assert (figures[IN_PROGRESS], figures["running"], figures["held"]) == (2, 1, 1)


def test_billing_is_read_only_when_an_order_is_planned():
    service = FakeService("vpc", [vpc()])
    run = Run(service)
    run.plan([vt()])
    assert run.billing.calls == []
    prepaid = FakeService("vpc", [vpc(prepaid=True)])
    run = Run(prepaid)
    run.plan([vt()])
    assert run.billing.calls == ["open_change_orders"]


def test_region_limits_are_read_once_and_only_when_a_vpc_size_changes():
    service = FakeService("vpc", [vpc("bw-1"), vpc("bw-2", size=200)], limits={"bandwidth": (1, 1000)})
    run = Run(service)
    plan = run.plan([vt("bw-2"), vt("bw-1", size=1500)])
    assert service.limit_reads == 1
    assert len(plan.problems) == 1 and "use 1 to 1000" in plan.problems[0]
    unchanged = FakeService("vpc", [vpc()], limits={"bandwidth": (1, 1000)})
    Run(unchanged).plan([vt(size=100)])
    assert unchanged.limit_reads == 0


def test_region_limits_above_the_default_maximum_are_honoured():
    # The region allows 5000 Mbit/s: 2500 is a valid size there (multiple of 500).
    service = FakeService("vpc", [vpc()], limits={"bandwidth": (1, 5000)})
    plan = Run(service).plan([vt(size=2500)])
    assert plan.problems == []
    assert plan.entries[0].desired == Desired(size=2500)


# -- resume and counts ---------------------------------------------------------------------

def test_resume_round_trips_the_results():
    service = FakeService("vpc", [vpc(), vpc("bw-2", prepaid=True)], writes=["job", "placed"])
    run = Run(service)
    results = run.apply([vt(), vt("bw-2", size=300)], Policy(auto_pay=True))
    records = [r.to_dict() for r in results]
    resumed = resume(records)
    assert [r.to_dict() for r in resumed] == records
    assert [r.status for r in resumed] == [IN_PROGRESS, IN_PROGRESS]
    # What an earlier run left in progress is followed to the end by a new engine.
    billing = FakeBillingFacade(orders={"CS-bw-2": {"order_id": "CS-bw-2", "status": "completed"}})
    settle(service, {"bw-1": 200, "bw-2": 300})
    later = Run(service, billing=billing)
    later.engine.follow(resumed, 60)
    assert [r.status for r in resumed] == [OK, OK]
    assert resumed[1].order_status == "completed"
    assert len(service.sent) == 2


def test_resume_reports_an_order_found_open_before_and_does_not_follow_it():
    service = FakeService("vpc", [vpc(prepaid=True)])
    billing = FakeBillingFacade(open_orders={"bw-1": [{"order_id": "CS-OPEN", "status": "processing"}]})
    run = Run(service, billing=billing)
    plan, results = run.engine.run([vt()], Policy())
    assert [(r.status, r.order_id) for r in results] == [(IN_PROGRESS, "CS-OPEN")]
    resumed = resume([r.to_dict() for r in results])
    assert resumed[0].entry.open_order == {"order_id": "CS-OPEN", "status": "processing"}
    reads = service.reads
    Run(service, billing=billing).engine.follow(resumed, 60)
    assert resumed[0].status == IN_PROGRESS and service.reads == reads
    assert resumed[0].to_dict() == results[0].to_dict()
    assert plan.entries[0].action == "none"


def test_resume_keeps_finished_results_as_they_were():
    records = [{"service": "vpc", "id": "bw-1", "name": "n", "size_before": 100, "size_after": 200,
                "action": "order", "status": PENDING_PAYMENT, "order_id": "CS-1", "order_status": "pending_payment",
                "job_id": None, "amount": 12.5, "currency": "CNY", "msg": "waits", "region": "r-1"}]
    resumed = resume(records)
    service = FakeService("vpc", [vpc(prepaid=True)])
    Run(service).engine.follow(resumed, 60)
    assert resumed[0].status == PENDING_PAYMENT and service.reads == 0
    assert resumed[0].to_dict() == records[0]


def test_a_throttled_service_gets_fewer_writes_at_once():
    """A 429 halves the writes in flight towards that service (additive increase, multiplicative decrease)."""
    lock = threading.Lock()
    state = {"active": 0, "most_after_throttle": 0, "calls": 0}
    run = None

    def write(service, current, desired):
        with lock:
            state["calls"] += 1
            first = state["calls"] == 1
            state["active"] += 1
            if not first:
                state["most_after_throttle"] = max(state["most_after_throttle"], state["active"])
        try:
            if first:
                # The gateway answered 429 twice (the client retried): the engine hears of each.
                run.client.on_throttle("vpc")
                run.client.on_throttle("vpc")
            time.sleep(0.01)
            service.apply(current["id"], desired)
            return Change(bandwidth=dict(service.bandwidths[current["id"]]))
        finally:
            with lock:
                state["active"] -= 1

    service = FakeService("vpc", [vpc("bw-%d" % i) for i in range(9)], writes=[write])
    run = Run(service, concurrency=8)
    results = run.apply([vt("bw-%d" % i) for i in range(9)])
    assert [r.status for r in results] == [OK] * 9
    limit = run.engine.applier.throttles["vpc"].snapshot()
    # Two 429s within the cooldown halve once: 8 -> 4; eight successes later it has not grown back yet.
    assert limit["throttles"] == 2 and limit["decreases"] == 1 and limit["current"] == 4
    assert state["most_after_throttle"] <= 4
    assert run.client.on_throttle is None


class StubEngine:
    """An engine of one region that records what the fleet asks of it."""

    def __init__(self, region):
        self.region = region
        self.plans, self.applied = [], []

    def plan(self, targets, policy, usage=None, labelled=None):
        self.plans.append((list(targets), policy))
        entries = [Entry(t, {"id": t.id, "size": 1, "name": t.id}, Desired(size=t.size), UPDATE, "update")
                   for t in targets]
        return Plan(entries, [])

    @staticmethod
    def held(_plan):
        return []

    def apply(self, plan_, policy, spend, gate=None):
        self.applied.append((plan_, policy, spend, gate))
        return []


def test_a_fleet_plans_each_region_with_its_own_limits_and_one_spend_limit():
    engines = {}

    def engine_for(region, project_id):
        return engines.setdefault((region, project_id), StubEngine(region))

    fleet = Fleet(engine_for, "r-home", "p-home")
    targets = [Target("vpc", id="a", size=10), Target("vpc", id="b", size=20, region="r-west"),
               Target("vpc", id="c", size=30)]
    policy = Policy(limits={"bandwidth": (1, 500)}, max_run_amount=100.0)
    plan_ = fleet.plan(targets, policy)
    assert [entry.id for entry in plan_.entries] == ["a", "b", "c"]
    assert sorted(engines) == [("r-home", "p-home"), ("r-west", None)]
    home, west = engines[("r-home", "p-home")], engines[("r-west", None)]
    assert [t.id for t in home.plans[0][0]] == ["a", "c"] and [t.id for t in west.plans[0][0]] == ["b"]
    # Each region reads its own size limits: none is handed the task's, nor another region's.
    assert home.plans[0][1].limits is None and west.plans[0][1].limits is None and policy.limits is not None
    fleet.apply(policy)
    (_p1, _pol1, spend_home, gate_home), (_p2, _pol2, spend_west, gate_west) = home.applied[0], west.applied[0]
    assert spend_home is spend_west and spend_home.max_run == 100.0
    # One gate for the run: its first write goes alone, and a refused key stops every region.
    assert gate_home is gate_west and gate_home is not None


def _two_region_fleet(first, second):
    """A fleet over two fake regions whose services are ``first`` and ``second``."""
    runs = {"r-1": Run(first), "r-2": Run(second)}
    fleet = Fleet(lambda region, project_id: runs[region].engine, "r-1")
    return fleet, runs


def test_regions_are_written_at_once_and_a_refused_key_stops_every_region():
    """The run's first write goes alone; refused (403) in one region, no write goes out in any other."""
    refused = HwCloudError("resize bandwidth", "denied", status=403, error_code="APIGW.0302")
    first = FakeService("vpc", [vpc("a-%d" % i) for i in range(3)], writes=[refused])
    second = FakeService("vpc", [vpc("b-%d" % i) for i in range(3)], writes=[refused])
    fleet, _runs = _two_region_fleet(first, second)
    targets = [vt("a-%d" % i, region="r-1") for i in range(3)] + [vt("b-%d" % i, region="r-2") for i in range(3)]
    fleet.plan(targets, Policy())
    results = fleet.apply(Policy())
    statuses = sorted(r.status for r in results)
    assert statuses == [FAILED] + [NOT_STARTED] * 5
    assert len(first.sent) + len(second.sent) == 1


def test_regions_are_followed_at_once_within_one_timeout():
    first = FakeService("workspace", [wks("ws-1")], writes=["job"])
    second = FakeService("workspace", [wks("ws-2")], writes=["job"])
    fleet, runs = _two_region_fleet(first, second)
    fleet.plan([wt("ws-1", region="r-1"), wt("ws-2", region="r-2")], Policy())
    results = fleet.apply(Policy())
    settle(first, {"ws-1": 20})
    settle(second, {"ws-2": 20})
    started = {region: run.clock.now for region, run in runs.items()}
    fleet.follow(results, 60)
    assert [r.status for r in results] == [OK, OK]
    assert all(run.clock.now - started[region] < 60 for region, run in runs.items())


def test_an_order_that_completes_with_another_size_fails_naming_both_sizes():
    """The pay job paid an order that was for 120 Mbit/s while this run asked for 140: it says so, at once."""
    service = FakeService("vpc", [vpc(prepaid=True)], writes=["placed"])
    billing = FakeBillingFacade(orders={"CS-bw-1": {"order_id": "CS-bw-1", "status": "completed"}})
    run = Run(service, billing=billing)
    results = run.apply([vt(size=140)], Policy(auto_pay=True))
    settle(service, {"bw-1": 120})
    started = run.clock.now
    run.engine.follow(results, 600)
    assert results[0].status == FAILED
    assert "shows 120 Mbit/s, not the 140 Mbit/s this run asked for" in results[0].msg
    assert "CS-bw-1" in results[0].msg
    # Two rounds, not the whole timeout.
    assert run.clock.now - started < 10

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The short seeded fault campaign of ``make test``, and tests of the campaign's own judge.

``CAMPAIGN_RUNS`` (default 32), ``CAMPAIGN_SEED`` and ``CAMPAIGN_WORKERS`` (default 2, one
simulator each) size it; ``make soak`` runs the long one through ``python -m
tests.reliability.campaign``.
"""

from __future__ import annotations

import json
import os
import random

import pytest

from tests.reliability import campaign, harness

RUNS = int(os.environ.get("CAMPAIGN_RUNS", "32"))
SEED = os.environ.get("CAMPAIGN_SEED", "make-test")
WORKERS = int(os.environ.get("CAMPAIGN_WORKERS", "2"))
# Below this many faulted plain updates one miss moves the ratio by more than 5 points: no ratio is asserted.
FIRST_RUN_MIN_FAULTED = 40


def test_short_seeded_fault_campaign(tmp_path):
    data, violations = campaign.run_campaign(RUNS, SEED, workers=WORKERS, workdir=str(tmp_path))
    print("\n" + campaign.format_figures(data))
    assert violations == [], "\n".join(violations)
    assert data["runs"] >= RUNS
    assert data["faults_injected"] > 0
    assert data["duplicates"] == 0 and data["unclear_failures"] == 0
    assert data["orders"] == data["intended_orders"] > 0
    # First-run convergence, split into plain updates and orders, over the targets with a fault on their path.
    plain, orders = data["first_run"]["plain"], data["first_run"]["order"]
    assert "faulted plain updates (pay-per-use) converged on the first run" in campaign.format_figures(data)
    assert "faulted orders (yearly/monthly size changes) converged on the first run" in campaign.format_figures(data)
    assert plain["runs"] > 0 and orders["runs"] > 0
    assert 0 <= plain["converged"] <= plain["faulted"] <= plain["runs"]
    assert 0 <= orders["converged"] <= orders["faulted"] <= orders["runs"]
    print("faulted plain updates converged on the first run: %d / %d" % (plain["converged"], plain["faulted"]))
    print(campaign.format_first_run_misses(data))
    # A faulted plain update is read again, followed or resent in the same run (design rule 4). With too few
    # faulted plain updates for a ratio to mean anything, the rules above (every run converges after the
    # fault-free rerun, no duplicate order) are what this short campaign asserts.
    if plain["faulted"] >= FIRST_RUN_MIN_FAULTED:
        assert campaign.first_run_ratio(data, "plain") >= 0.95, campaign.format_first_run_misses(data)


# -- the judge, on made-up rounds (no network) -------------------------------------------

def _item(service, prepaid, size=20):
    if service == "workspace":
        return {"bandwidth_id": "ws-1", "bandwidth_name": "ws-one", "size": size,
                "charge_mode": "wks_bandwidth" if prepaid else "wks_traffic"}
    return {"id": "vpc-1", "name": "vpc-one", "size": size, "prepaid": prepaid, "charge_mode": "bandwidth"}


def _record(task, host, status="ok", **result):
    result.setdefault("changed", False)
    return {"task": task, "host": host, "action": "hwcloud.bandwidth.vpc_bandwidth", "status": status, "result": result}


def _mark(name, requests):
    return {"task": name, "host": "localhost", "action": "ansible.builtin.uri", "status": "ok",
            "result": {"content": json.dumps({"requests": requests})}}


class _Run(harness.PlaybookRun):
    def __init__(self, records, stdout=""):
        super().__init__(0, stdout, "", records, "")


def _round(target, a_status="ok", a_msg="", c_changed=False, orders=1, size=50, log=None, stdout=""):
    records = [
        _record("A resize vpc", target.host, a_status, msg=a_msg, bandwidth={"name": "vpc-one", "size": 50}),
        _mark("mark B", 5),
        _record("B resize vpc", target.host),
        _mark("mark C", 10),
        _record("C resize vpc", target.host, changed=c_changed),
    ]
    state = {"orders": [{"resource_id": "vpc-1"}] * orders, "workspace_bandwidths": [],
             "vpc_bandwidths": [{"id": "vpc-1", "name": "vpc-one", "size": size, "charge_mode": "bandwidth"}],
             "renewal_changes": {}}
    result = campaign.RoundResult(0, "unit", [target])
    return campaign.judge_round(result, _Run(records, stdout), state, log or [], ["ab" * 32])


@pytest.fixture(name="target")
def target_fixture():
    return campaign.Target.explicit("t01", "vpc", _item("vpc", True), 50, auto_pay=True)


def test_a_clean_round_has_no_violation(target):
    assert _round(target).violations == []


def test_a_duplicate_order_is_a_violation(target):
    result = _round(target, orders=2)
    assert result.duplicates == 1
    assert any("2 orders for one intended change" in v for v in result.violations)


def test_an_unclear_failure_is_a_violation_and_a_clear_one_is_not(target):
    unclear = _round(target, a_status="failed", a_msg="something went wrong")
    assert unclear.unclear == 1 and unclear.violations
    message = "order the change of VPC bandwidth x failed (HTTP 503): boom. What to do: check the orders, then run again"
    clear = _round(target, a_status="failed", a_msg=message)
    assert clear.violations == [] and clear.failed_a == 1


def test_a_rerun_that_changes_or_writes_is_a_violation(target):
    assert any("reported changed" in v for v in _round(target, c_changed=True).violations)
    write = {"seq": 11, "write": True, "method": "PUT", "path": "/v2.0/p/bandwidths/vpc-1", "body": {}, "fault": None}
    assert any("phase C (rerun) wrote" in v for v in _round(target, log=[write]).violations)


def test_no_convergence_a_traceback_and_a_leak_are_violations(target):
    assert any("did not converge" in v for v in _round(target, size=20).violations)
    assert any("traceback" in v for v in _round(target, stdout="Traceback (most recent call last):").violations)
    assert any("secret" in v for v in _round(target, stdout="sig " + "ab" * 32).violations)
    assert any("secret" in v for v in _round(target, stdout=harness.SECRET_KEY).violations)


def test_a_missing_order_is_a_violation(target):
    assert any("no order was placed" in v for v in _round(target, orders=0).violations)


def _entry(seq, method, path, write, fault=None):
    return {"seq": seq, "method": method, "path": path, "write": write, "fault": fault, "operation": "vpc.x",
            "query": {}, "body": {}}


def test_first_run_convergence_counts_faulted_targets_only():
    plain = campaign.Target.explicit("t01", "vpc", _item("vpc", False), 50)
    assert campaign.change_kind(plain) == "plain"
    put = "/v1/p/bandwidths/vpc-1"
    # No fault on its path: not counted (a fault on another bandwidth's request does not count either).
    other = _entry(2, "GET", "/v1/p/bandwidths/vpc-2", False, "drop_after")
    clean = _round(plain, orders=0, log=[_entry(1, "PUT", put, True), other])
    assert clean.violations == [] and [(r.faulted, r.converged) for r in clean.first_runs] == [(False, True)]
    # The answer to the update was lost and phase A still converged: phase B had nothing to write.
    resent = _round(plain, orders=0, log=[_entry(1, "PUT", put, True, "drop_after"), _entry(2, "GET", put, False),
                                          _entry(6, "GET", put, False)])
    assert [(r.faulted, r.converged) for r in resent.first_runs] == [(True, True)]
    # Phase B (after mark B at request 5) had to write: not converged on the first run.
    late = _round(plain, orders=0, log=[_entry(1, "PUT", put, True, "error"), _entry(6, "PUT", put, True)])
    assert [(r.faulted, r.converged) for r in late.first_runs] == [(True, False)]
    assert "phase B wrote: PUT " + put in late.first_runs[0].describe()
    # Phase A failed (clearly): not converged either.
    message = "update VPC bandwidth x failed (HTTP 503): boom. What to do: run the task again"
    failed = _round(plain, a_status="failed", a_msg=message, orders=0, log=[_entry(1, "PUT", put, True, "html")])
    assert [(r.faulted, r.converged) for r in failed.first_runs] == [(True, False)]
    data = campaign.figures([clean, resent, late, failed], "unit", 1.0, "/tmp")
    assert data["first_run"]["plain"] == {"runs": 4, "faulted": 3, "converged": 1}
    assert campaign.first_run_ratio(data, "plain") == pytest.approx(1 / 3)
    assert campaign.first_run_ratio(data, "order") is None
    assert "| faulted plain updates (pay-per-use) converged on the first run (phase A) | 1 / 3 (33.3%; 4 runs in all) |" \
        in campaign.format_figures(data)
    assert "error on a write" in campaign.format_first_run_misses(data)


def test_first_run_of_an_order_follows_its_order_id(target):
    assert campaign.change_kind(target) == "order"
    result = _round(target, log=[_entry(1, "GET", "/v2/orders/customer-orders/details/CS1", False, "error"),
                                 _entry(6, "POST", "/v3/orders/customer-orders/pay", True)])
    # The order's id names the target: the state links it to the bandwidth.
    state = {"orders": [{"resource_id": "vpc-1", "order_id": "CS1"}]}
    run = campaign.first_run(target, [], [_entry(1, "GET", "/v2/orders/customer-orders/details/CS1", False, "error")],
                             state, 5)
    assert run.faulted and run.converged and run.kind == "order"
    assert [(r.faulted, r.converged) for r in result.first_runs] == [(False, True)]


def test_clear_failure_needs_the_operation_and_what_to_do():
    assert harness.clear_failure("update VPC bandwidth x failed (HTTP 502): bad. What to do: run the task again")
    assert harness.clear_failure("timed out after 40s waiting for job 1; the change may still complete: run the task "
                                 "again later, or raise wait_timeout")
    assert not harness.clear_failure("update VPC bandwidth x failed (HTTP 502): bad gateway")
    assert not harness.clear_failure("MODULE FAILURE\nSee stdout/stderr for the exact error")
    assert not harness.clear_failure("")


def test_draws_repeat_with_the_seed_and_cover_every_kind():
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes

    def draw(seed):
        rng = random.Random(seed)
        sim_seed = campaign.make_seed(rng, 1)
        targets = campaign.draw_targets(rng, sim_seed, campaign.TARGETS_PER_ROUND, True)
        return [t.describe() for t in targets], campaign.draw_faults(rng)[1]

    assert draw("x") == draw("x")
    assert draw("x") != draw("y")
    kinds, fault_kinds = set(), set()
    for number in range(40):
        rng = random.Random(number)
        sim_seed = campaign.make_seed(rng, number)
        for target in campaign.draw_targets(rng, sim_seed, campaign.TARGETS_PER_ROUND, True):
            kinds.add((target.service, target.billing, target.via, target.auto_pay if target.prepaid else None))
            if target.service == "vpc":
                # Within the range of the charge mode the target ends with (billed by traffic: up to 300).
                VpcSizes({}).validate(target.new_size, target.new_charge_mode or target.charge_mode)
                assert target.new_charge_mode != "traffic" or target.share_type == "PER"
        fault_kinds.update(rule["kind"] for rule in campaign.draw_faults(rng)[1])
    assert {(s, b) for s, b, _v, _a in kinds} == {(s, b) for s in ("workspace", "vpc") for b in ("prepaid", "on_demand")}
    assert {a for _s, b, _v, a in kinds if b == "prepaid"} == {True, False}
    assert {v for _s, _b, v, _a in kinds} == {"module", "role"}
    assert fault_kinds == set(campaign.FAULT_KINDS)

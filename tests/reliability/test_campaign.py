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
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.reliability import campaign, harness, hazards, payproxy

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
    # The money and throttling rules, judged in every round (a breach is also a violation above). The seed
    # decides which rounds meet which hazard, so the short campaign meets each of them.
    money = data["money"]
    assert money["paid_twice"] == money["foreign_payments"] == money["foreign_new_orders"] == 0
    assert money["over_limit_payments"] == money["throttling_failures"] == 0
    assert money["unknown_payments_settled"] == money["unknown_payments"]
    assert data["foreign_orders"] > 0 and money["limited_runs"] > 0 and money["held_over_limit"] > 0
    assert {"storm", "payment faults"} <= set(data["rounds_by_hazard"])


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


# -- the money and throttling rules (tests/reliability/hazards.py), on made-up rounds -------

def _pay(seq, order_id, status=204, fault=None):
    return {"seq": seq, "method": "POST", "path": hazards.PAY_PATH, "operation": "bss.pay", "write": True,
            "body": {"order_id": order_id}, "status": status, "fault": fault, "query": {}}


def _order(order_id, resource_id, status=5, amount=0.0):
    return {"order_id": order_id, "resource_id": resource_id, "status": status, "amount_after_discount": amount}


def _money(targets, orders, log, messages=(), a_failures=None, foreign=None, start_b=10, start_c=20):
    result = campaign.RoundResult(0, "unit", targets)
    result.messages = list(messages)
    result.a_failures = dict(a_failures or {})
    result.hazards.foreign_orders = dict(foreign or {})
    hazards.judge(result, result.hazards, {"orders": orders}, log, start_b, start_c)
    return result


def _limited(host, item, limits, held=None):
    target = campaign.Target.explicit(host, "vpc", item, 100, auto_pay=True)
    target.limits, target.held = limits, held
    return target


def test_an_order_paid_twice_is_counted_and_a_refused_second_payment_is_not(target):
    once = _money([target], [_order("CS1", "vpc-1")], [_pay(1, "CS1"), _pay(2, "CS1", status=400)])
    assert once.money.paid_twice == 0 and once.violations == []
    # A dropped connection after billing took the payment counts as a payment.
    twice = _money([target], [_order("CS1", "vpc-1")], [_pay(1, "CS1", status=None, fault="drop_after"), _pay(2, "CS1")])
    assert twice.money.paid_twice == 1 and any("paid 2 times" in v for v in twice.violations)


def test_a_foreign_order_is_never_paid_and_nothing_is_ordered_beside_it():
    target = campaign.Target.explicit("t01", "vpc", _item("vpc", True), 50, auto_pay=True)
    target.held, target.held_order = "foreign", "CSF"
    clean = _money([target], [_order("CSF", "vpc-1", status=6)], [], foreign={"CSF": "vpc-1"})
    assert clean.violations == [] and clean.money.foreign_payments == 0
    paid = _money([target], [_order("CSF", "vpc-1", status=3)], [_pay(1, "CSF")], foreign={"CSF": "vpc-1"})
    assert paid.money.foreign_payments == 1
    assert any("which it did not place" in v for v in paid.violations)
    assert any("no longer pending payment" in v for v in paid.violations)
    beside = _money([target], [_order("CSF", "vpc-1", status=6), _order("CS2", "vpc-1", status=6)], [],
                    foreign={"CSF": "vpc-1"})
    assert beside.money.foreign_new_orders == 1 and any("foreign open order" in v for v in beside.violations)


def test_no_payment_over_the_order_limit_nor_over_the_run_limit():
    item = _item("vpc", True)
    within = _limited("t01", item, {"max_order_amount": 10.0})
    assert _money([within], [_order("CS1", "vpc-1", amount=9.5)], [_pay(1, "CS1")]).money.over_limit_payments == 0
    over = _money([within], [_order("CS1", "vpc-1", amount=10.5)], [_pay(1, "CS1")])
    assert over.money.over_limit_payments == 1 and any("paid over the limits" in v for v in over.violations)
    # The role's targets share one run: its payments of one phase add up.
    first, second = _limited("role", item, {"max_run_amount": 10.0}), _limited("role", dict(item, id="vpc-2"),
                                                                               {"max_run_amount": 10.0})
    orders = [_order("CS1", "vpc-1", amount=6.0), _order("CS2", "vpc-2", amount=6.0)]
    assert _money([first, second], orders, [_pay(1, "CS1"), _pay(2, "CS2")]).money.over_limit_payments == 1
    # ... but a payment of another phase is another run.
    assert _money([first, second], orders, [_pay(1, "CS1"), _pay(12, "CS2")]).money.over_limit_payments == 0


def test_an_order_over_its_limit_stays_pending_and_its_target_fails_naming_it():
    target = _limited("t01", _item("vpc", True), {"max_order_amount": 1.0}, held="over_limit")
    message = "VPC bandwidth x: order CS1 costs 5.00 CNY, more than max_order_amount 1.00; it was not paid"
    held = _money([target], [_order("CS1", "vpc-1", status=6, amount=5.0)], [], messages=[("A", message)],
                  a_failures={target.id: [message]})
    assert held.violations == [] and held.money.held_over_limit == 1
    silent = _money([target], [_order("CS1", "vpc-1", status=6, amount=5.0)], [])
    assert any("over its limit" in v for v in silent.violations)
    paid = _money([target], [_order("CS1", "vpc-1", status=3, amount=5.0)], [_pay(1, "CS1")],
                  messages=[("A", message)], a_failures={target.id: [message]})
    assert paid.money.over_limit_payments == 1 and any("not the one order left pending" in v for v in paid.violations)


def test_a_payment_with_an_unknown_outcome_settles_in_the_first_run(target):
    orders = [_order("CS1", "vpc-1")]
    settled = _money([target], orders, [_pay(1, "CS1", status=None, fault="drop_before"), _pay(2, "CS1")])
    assert (settled.money.unknown_payments, settled.money.unknown_payments_settled) == (1, 1)
    assert settled.violations == []
    # Paid only by the fault-free rerun, or failed naming the order: not settled in the first run.
    late = _money([target], orders, [_pay(1, "CS1", status=502, fault="error"), _pay(12, "CS1")])
    assert late.money.unknown_payments_settled == 0 and any("did not settle" in v for v in late.violations)
    failed = _money([target], orders, [_pay(1, "CS1", status=None, fault="latency")],
                    a_failures={target.id: ["pay order CS1 failed: the request may yet take effect"]})
    assert failed.money.unknown_payments_settled == 0 and failed.violations
    # A 429 is no unknown outcome: it never reached billing.
    assert _money([target], orders, [_pay(1, "CS1", status=429, fault="throttle"), _pay(2, "CS1")]).money.unknown_payments == 0


def test_a_failure_caused_by_throttling_is_a_violation(target):
    throttled = "list orders failed (HTTP 429): APIGW.0308 over ratelimit. What to do: run the task again"
    result = _money([target], [], [], messages=[("A", throttled)])
    assert result.money.throttling_failures == 1 and any("because of throttling" in v for v in result.violations)
    amount = "order CS1 costs 1429.00 CNY; it was not paid. What to do: raise the limit"
    assert _money([target], [], [], messages=[("A", amount)]).money.throttling_failures == 0


def test_hazards_repeat_with_the_seed_and_a_short_campaign_meets_each_kind():
    first, second = campaign.draw_round("x", 2)[5], campaign.draw_round("x", 2)[5]
    assert (first.kinds, first.rules, first.rate_limits) == (second.kinds, second.rules, second.rate_limits)
    kinds, held = set(), []
    for round_no in range(-(-RUNS // campaign.TARGETS_PER_ROUND)):
        _seed, sim_seed, targets, _faults, _fault_seed, found = campaign.draw_round(SEED, round_no)
        kinds.update(found.kinds)
        assert sim_seed["config"].get("rate_limits") == found.rate_limits
        for target in targets:
            if target.held == "over_limit":
                held.append(target)
                assert target.expected_amount > min(target.limits.values()) > 0
            elif target.limits and target.via == "module":
                assert target.expected_amount <= min(target.limits.values())
        for rule in found.rules:
            assert rule["kind"] == "throttle" or (rule["path"] == hazards.PAY_PATTERN and rule["times"] <= 3)
    # The short campaign of make test meets every hazard, and holds at least one order over its limit.
    assert kinds == {"storm", "payment faults", "spend limits", "foreign order"}
    assert held
    assert all(found.proxy for found in (campaign.draw_round(SEED, 0)[5], campaign.draw_round(SEED, 2)[5]))


class _Billing(BaseHTTPRequestHandler):
    """A billing endpoint that takes every payment (204)."""

    protocol_version = "HTTP/1.1"

    def take(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = take

    def log_message(self, *args):
        """Quiet."""


def _post(url, order_id):
    request = urllib.request.Request(url + hazards.PAY_PATH, data=json.dumps({"order_id": order_id}).encode("utf-8"),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_pay_proxy_fails_a_payment_that_went_through_and_the_log_says_so():
    backend = ThreadingHTTPServer(("127.0.0.1", 0), _Billing)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        with payproxy.PayProxy("http://127.0.0.1:%d" % backend.server_address[1], times=1, statuses=(504,),
                               seed=1) as proxy:
            assert [_post(proxy.url, "CS1"), _post(proxy.url, "CS1"), _post(proxy.url, "CS2")] == [504, 204, 204]
    finally:
        backend.shutdown()
        backend.server_close()
    assert proxy.records == [("CS1", 504), ("CS1", None), ("CS2", None)]
    log = [_pay(1, "CS1"), _pay(2, "CS2"), _pay(3, "CS1")]
    assert [entry["fault"] for entry in payproxy.mark_log(log, proxy.records)] == ["error_after", None, None]
    # Billing took it: an unknown outcome for the caller, and a payment for the judge.
    assert hazards.payments(log)[0][2] is True and "error_after" in hazards.UNKNOWN_PAY_FAULTS


def test_the_figures_show_the_money_rules(target):
    result = _money([target], [_order("CS1", "vpc-1")], [_pay(1, "CS1", status=None, fault="drop_after")])
    text = campaign.format_figures(campaign.figures([result], "unit", 1.0, "/tmp"))
    for row in ("| orders paid twice | 0 |", "| failures caused by throttling | 0 |",
                "| faulted payments with an unknown outcome settled on the first run (phase A) | 1 / 1 (100.0%",
                "| payments over a spend limit | 0 (0 runs with limits;"):
        assert row in text, text

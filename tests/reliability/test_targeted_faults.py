# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every fault kind on the one write of every kind of change, deterministically.

The random campaign hits a write only now and then; this matrix hits each write once, on
purpose: {Workspace, VPC} x {prepaid with auto pay, prepaid paid afterwards, pay-per-use} x
{answer dropped after the change, connection dropped before it, 503, HTML 502 page, an answer
slower than the request timeout}. All 30 run as the hosts of one round of the campaign, with
its phases and rules (A under the fault, B fault-free, C changes nothing), plus what each
fault must lead to.
"""

from __future__ import annotations

import collections

import pytest

from tests.reliability import campaign, harness

KINDS = {
    "drop_after": {"kind": "drop_after"},
    "drop_before": {"kind": "drop_before"},
    "error_503": {"kind": "error", "status": 503},
    "html_502": {"kind": "html", "status": 502},
    "slow": {"kind": "latency", "delay": campaign.REQUEST_TIMEOUT + 1.5},
}
MODES = ("auto_pay", "pay_later", "on_demand")


def _matrix():
    workspace, vpc, targets, faults = [], [], [], []
    number = 0
    for service in ("workspace", "vpc"):
        for mode in MODES:
            for kind, fault in KINDS.items():
                number += 1
                bandwidth_id = "%08d-0000-4000-8000-%012d" % (number, number)
                prepaid = mode != "on_demand"
                if service == "workspace":
                    item = {"bandwidth_id": bandwidth_id, "bandwidth_name": "m-%s-%s-%s" % (service, mode, kind),
                            "charge_mode": "wks_bandwidth" if prepaid else "wks_traffic", "size": 20}
                    workspace.append(item)
                    method = "POST"
                else:
                    item = {"id": bandwidth_id, "name": "m-%s-%s-%s" % (service, mode, kind), "size": 20,
                            "prepaid": prepaid, "share_type": "WHOLE"}
                    vpc.append(item)
                    method = "PUT"
                target = campaign.Target.explicit("m%02d" % number, service, item, 50, auto_pay=mode == "auto_pay")
                target.scenario = (service, mode, kind)
                targets.append(target)
                faults.append(dict(fault, method=method, path="/bandwidths/%s" % bandwidth_id, times=1))
    seed = {"config": {"job_delay": 0.3, "order_delay": 0.3}, "workspace_bandwidths": workspace, "vpc_bandwidths": vpc}
    return seed, targets, faults


@pytest.fixture(scope="module", name="matrix")
def matrix_fixture(simulator, workdir):
    seed, targets, faults = _matrix()
    result, run = campaign.execute(simulator, 0, "targeted", seed, targets, faults, 0, workdir, forks=10)
    records = collections.defaultdict(list)
    for phase, record in campaign.phases(run):
        records[(phase, record.get("host"))].append(record)
    return result, run, records, simulator.admin.log()


def test_matrix_follows_every_campaign_rule(matrix):
    result = matrix[0]
    assert result.violations == [], "\n".join(result.violations)
    assert result.orders == result.intended_orders == 20


def _phase_a(matrix, target):
    return [r for r in matrix[2][("A", target.host)] if r["task"] == "A resize %s" % target.service][-1]


@pytest.mark.parametrize("scenario", [(s, m, k) for s in ("workspace", "vpc") for m in MODES for k in KINDS],
                         ids=["-".join((s, m, k)) for s in ("workspace", "vpc") for m in MODES for k in KINDS])
def test_each_fault_hit_its_write_and_led_where_it_must(matrix, scenario):
    result, _run, _records, log = matrix
    target = next(t for t in result.targets if t.scenario == scenario)
    service, mode, kind = scenario
    hit = [entry for entry in log if entry["fault"] and target.id in entry["path"]]
    assert len(hit) == 1 and hit[0]["write"], hit
    record = _phase_a(matrix, target)
    message = harness.result_message(record)
    warnings = " ".join(record["result"].get("warnings") or [])
    if kind == "drop_after" and mode != "on_demand":
        # The order was placed and its answer lost: the module finds it, never orders again.
        assert record["status"] == "ok", message
        assert "the answer to the order was lost" in warnings
        assert record["result"]["order_id"]
    elif kind in ("drop_before", "error_503", "html_502") and mode != "on_demand":
        # The order was not placed and billing shows none: it is placed once more, unpaid, in the same run
        # (design, rule 4), and paid by the run that holds its id when auto_pay asks for it.
        assert record["status"] == "ok", message
        assert "placed again, unpaid" in warnings, warnings
        assert record["result"]["order_id"]
    elif mode == "on_demand":
        # A plain update is declarative: whatever the fault, it converges in the same run (design, rule 4):
        # read again, followed when under way, sent again when it shows neither.
        assert record["status"] == "ok", message
        assert record["result"]["changed"] is True
    elif record["status"] == "failed":
        assert harness.clear_failure(message), message
        if mode != "on_demand":
            assert "an order may have been placed" in message or "Do not retry blindly" in message, message
        else:
            assert "run the task again" in message, message
    else:
        # A read after the lost answer may already show a finished change (slow answers).
        assert kind in ("slow", "drop_after"), (kind, record)


def test_resource_query_is_retried_as_a_read(simulator, workdir):
    """The billing resource query is a POST that only reads: a dropped answer is retried, not an unknown change."""
    seed, _targets, _faults = _matrix()
    item = seed["vpc_bandwidths"][0]
    simulator.admin.reset(seed)
    connection = harness.credentials(simulator.url)
    task = {"id": item["id"], "size": 50, "auto_pay": False}
    first = harness.run_playbook([harness.play([{"name": "place", "hwcloud.bandwidth.vpc_bandwidth": task}],
                                               url=simulator.url, connection=connection)], workdir=workdir)
    assert first.rc == 0, first.describe()
    simulator.admin.add_faults([{"method": "POST", "path": "/resources/query", "kind": "drop_after", "times": 1},
                                {"method": "POST", "path": "/resources/query", "kind": "error", "status": 503,
                                 "times": 1}])
    again = harness.run_playbook([harness.play([{"name": "again", "hwcloud.bandwidth.vpc_bandwidth": task}],
                                               url=simulator.url, connection=connection)], workdir=workdir)
    record = again.record("again")
    assert record["status"] == "ok", harness.result_message(record)
    assert record["result"]["changed"] is False
    assert record["result"]["order_status"] == "pending_payment"
    assert [o["resource_id"] for o in simulator.admin.state()["orders"]] == [item["id"]]
    assert [e["fault"] for e in simulator.admin.log() if e["operation"] == "bss.resources_query"][:2] == ["drop_after", "error"]

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's bounds: one billing read explains every 409 of an apply; a failed read stays in its round."""

from __future__ import annotations

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import FAILED, IN_PROGRESS, OK
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import Policy

from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    FakeBillingFacade,
    FakeService,
)
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.test_engine import (
    Run,
    settle,
    vpc,
    vt,
)


class CountingBilling(FakeBillingFacade):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.open_reads = 0

    def open_change_orders(self, fresh=False):
        self.open_reads += 1
        return super().open_change_orders()


def test_every_409_of_an_apply_is_explained_by_one_billing_read():
    conflict = HwCloudError("order the change", "a conflicting operation", status=409, error_code="VPC.0309")
    service = FakeService("vpc", [vpc("bw-%d" % i, prepaid=True) for i in range(5)], writes=[conflict])
    billing = CountingBilling(open_orders={})
    run = Run(service, billing=billing, concurrency=5)
    plan = run.plan([vt("bw-%d" % i) for i in range(5)])
    reads_for_the_plan = billing.open_reads
    results = run.engine.apply(plan, Policy())
    assert [r.status for r in results] == [FAILED] * 5
    assert all(r.changed is False for r in results)
    assert billing.open_reads - reads_for_the_plan == 1


def test_a_failed_read_in_a_follow_round_is_tried_again_in_the_next():
    service = FakeService("vpc", [vpc("bw-1"), vpc("bw-2")], writes=["job"])
    run = Run(service)
    results = run.apply([vt("bw-1"), vt("bw-2")])
    calls = []

    def flaky(svc):
        calls.append(1)
        if len(calls) == 1:
            raise HwCloudError("list VPC bandwidths", "service unavailable", status=503)
        settle(svc, {"bw-1": 200, "bw-2": 200})

    service.on_read = flaky
    run.engine.follow(results, 600)
    assert [r.status for r in results] == [OK, OK]
    assert len(calls) == 2


def test_a_read_that_keeps_failing_is_named_at_the_deadline():
    service = FakeService("vpc", [vpc("bw-1"), vpc("bw-2")], writes=["job"])
    run = Run(service)
    results = run.apply([vt("bw-1"), vt("bw-2")])

    def down(_svc):
        raise HwCloudError("list VPC bandwidths", "service unavailable", status=503)

    service.on_read = down
    run.engine.follow(results, 30)
    assert [r.status for r in results] == [IN_PROGRESS, IN_PROGRESS]
    assert "the last read failed" in results[0].msg and "HTTP 503" in results[0].msg

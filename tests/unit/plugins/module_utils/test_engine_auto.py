# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``size: auto`` in the engine: the real VPC service, Cloud Eye reads and the client over a fake HTTP API.

The fake API keeps the VPC bandwidths, the region limits and the hourly Cloud Eye series of each
bandwidth; every request is recorded, so the tests count Cloud Eye reads, limit reads and writes.
Billing is the fake facade of ``fakes``: no test here needs real BSS answers.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._engine import Engine
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import OK, PENDING_PAYMENT
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    AUTO,
    NOTHING,
    ORDER,
    UPDATE,
    Policy,
    Target,
    parse_targets,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths

from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    FakeBillingFacade,
    FakeClock,
    FakePrices,
)

PROJECT = "proj-1"
BILLING_INFO = "CS2403010800QWERT:5a8e1f2c:r1:proj-1"
VPC_LIST = "/v1/%s/bandwidths" % PROJECT
VPC_ONE = VPC_LIST + "/(?P<bid>[^/]+)"
VPC_ORDER = "/v2.0/%s/bandwidths/(?P<bid>[^/]+)" % PROJECT
LIMITS = "/v3/%s/eip/eip-bandwidth-limits" % PROJECT
CES_BATCH = "/V1.0/%s/batch-query-metric-data" % PROJECT
WS_LIST = "/v2/%s/bandwidths" % PROJECT
HOUR_MS = 3600 * 1000
FIRST_HOUR_MS = 1714000000000


def api_vpc(bid, name=None, size=100, prepaid=False, share_type="WHOLE", charge_mode="bandwidth", eip=None):
    return {"id": bid, "name": name or "name-" + bid, "size": size, "share_type": share_type,
            "bandwidth_type": "share", "charge_mode": charge_mode, "billing_info": BILLING_INFO if prepaid else "",
            "enterprise_project_id": "0", "publicip_info": [{"publicip_id": eip}] if eip else [],
            "status": "NORMAL", "created_at": "2024-03-01T08:00:00", "updated_at": "2024-03-01T08:00:00"}


def api_workspace(bid, name, size=10):
    return {"bandwidth_id": bid, "bandwidth_name": name, "size": size, "status": "ACTIVE",
            "charge_mode": "wks_traffic", "vpc_id": "vpc-1", "subnet_id": "subnet-" + bid,
            "enterprise_project_id": "0"}


def response(status, payload=None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = b"" if payload is None else json.dumps(payload).encode("utf-8")
    answer.headers = CaseInsensitiveDict({"X-Request-Id": "req-1"})
    answer.encoding = "utf-8"
    return answer


class FakeApi:
    """A ``requests.Session`` over VPC bandwidths with Cloud Eye series.

    ``usage`` maps a Cloud Eye dimension value (bandwidth id, or the EIP id of a dedicated
    bandwidth) to its hourly downstream maxima in Mbit/s; the upstream is a third of it.
    ``limits`` is the list the region limits API answers, or an ``(status, body)`` error.
    ``ces_error`` is an ``(status, body)`` every Cloud Eye read answers.
    """

    def __init__(self, bandwidths, usage=None, limits=None, ces_error=None, workspace=()):
        self.vpc = {item["id"]: copy.deepcopy(item) for item in bandwidths}
        self.workspace = [copy.deepcopy(item) for item in workspace]
        self.usage = dict(usage or {})
        self.limits = limits
        self.ces_error = ces_error
        self.calls = []
        self.lock = threading.Lock()
        self.orders = 0

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None):
        del headers, timeout, verify
        parts = urlsplit(url)
        call = {"method": method, "path": parts.path, "query": dict(parse_qsl(parts.query)),
                "body": json.loads(data) if data else None}
        with self.lock:
            self.calls.append(call)
            return response(*self._answer(call))

    def _answer(self, call):
        method, path = call["method"], call["path"]
        routes = (
            ("GET", VPC_LIST, self._list),
            ("GET", VPC_ONE, self._show),
            ("PUT", VPC_ONE, self._update),
            ("PUT", VPC_ORDER, self._order),
            ("GET", LIMITS, self._limits),
            ("POST", CES_BATCH, self._cloud_eye),
            ("GET", WS_LIST, self._workspace),
        )
        for route_method, pattern, handler in routes:
            match = re.match("^%s$" % pattern, path)
            if match and method == route_method:
                return handler(call, **match.groupdict())
        raise AssertionError("unexpected request %s %s" % (method, path))

    def _list(self, call):
        items = list(self.vpc.values())
        if call["query"].get("marker"):
            ids = [item["id"] for item in items]
            items = items[ids.index(call["query"]["marker"]) + 1:]
        return 200, {"bandwidths": copy.deepcopy(items[:int(call["query"]["limit"])])}

    def _show(self, call, bid):
        if bid not in self.vpc:
            return 404, {"code": "VPC.0306", "message": "Bandwidth %s could not be found." % bid}
        return 200, {"bandwidth": copy.deepcopy(self.vpc[bid])}

    def _update(self, call, bid):
        self.vpc[bid].update(call["body"]["bandwidth"])
        return 200, {"bandwidth": copy.deepcopy(self.vpc[bid])}

    def _order(self, call, bid):
        self.orders += 1
        return 200, {"order_id": "CS25010108000%04d" % self.orders}

    def _limits(self, call):
        if isinstance(self.limits, tuple):
            return self.limits
        return 200, {"eip_bandwidth_limits": list(self.limits or []), "page_info": {"next_marker": None}}

    def _cloud_eye(self, call):
        if self.ces_error is not None:
            return self.ces_error
        metrics = []
        for metric in call["body"]["metrics"]:
            value = metric["dimensions"][0]["value"]
            ratio = 1.0 if metric["metric_name"] == "downstream_bandwidth" else 1 / 3.0
            points = [{"max": mbit * ratio * 10 ** 6, "timestamp": FIRST_HOUR_MS + index * HOUR_MS}
                      for index, mbit in enumerate(self.usage.get(value, []))]
            metrics.append({"namespace": metric["namespace"], "metric_name": metric["metric_name"],
                            "dimensions": metric["dimensions"], "datapoints": points, "unit": "bit/s"})
        return 200, {"metrics": metrics}

    def _workspace(self, call):
        return 200, {"bandwidths": copy.deepcopy(self.workspace), "total_count": len(self.workspace)}

    # -- what the tests look at --
    def to(self, method, pattern):
        regex = re.compile("^%s$" % pattern)
        return [call for call in self.calls if call["method"] == method and regex.match(call["path"])]

    @property
    def cloud_eye_reads(self):
        return self.to("POST", CES_BATCH)

    @property
    def limit_reads(self):
        return self.to("GET", LIMITS)

    @property
    def writes(self):
        """Requests that can change something: every non-GET but the read-only Cloud Eye query."""
        return [call for call in self.calls if call["method"] != "GET" and call["path"] != CES_BATCH]


def limits(bandwidth_max=2000, traffic_max=300, bandwidth_min=1):
    return [{"id": "l-1", "charge_mode": "bandwidth", "min_size": bandwidth_min, "max_size": bandwidth_max},
            {"id": "l-2", "charge_mode": "traffic", "min_size": 1, "max_size": traffic_max}]


class Run:
    """The engine over the real services and client, on a fake clock and billing."""

    def __init__(self, api, billing=None):
        self.api = api
        self.clock = FakeClock()
        config = ClientConfig(access_key="AK", secret_key="SK", region="r1", project_id=PROJECT, max_retries=0,
                              endpoints={name: "https://%s.test" % name for name in ("vpc", "ces", "workspace")})
        self.client = HwCloudClient(config, session=api)
        self.billing = billing or FakeBillingFacade()
        self.prices = FakePrices()
        self.warnings = []
        services = {"workspace": WorkspaceBandwidths(self.client), "vpc": VpcBandwidths(self.client)}
        self.engine = Engine(self.client, services, warn=self.warnings.append, sleep=self.clock.sleep,
                             clock=self.clock, billing=self.billing, prices=self.prices)

    def plan(self, targets, policy=None, usage=None):
        return self.engine.plan(targets, policy or Policy(), usage=usage)


def auto(bid=None, name=None):
    return Target("vpc", id=bid, name=None if bid else name, size=AUTO)


def hours(mbit, count=48):
    return [float(mbit)] * count


def by_id(plan):
    return {entry.id: entry for entry in plan.entries}


# -- the rule decides the size -------------------------------------------------------------

def test_an_auto_target_gets_the_size_of_the_rule_and_the_apply_writes_it():
    # 95th percentile 40 Mbit/s + 25 % = 50 Mbit/s: a pay-per-use decrease is a plain update.
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(40)}, limits=limits())
    run = Run(api)
    plan = run.plan([auto("bw-1")])
    assert plan.problems == []
    (entry,) = plan.entries
    assert entry.action == UPDATE
    assert (entry.size_before, entry.size_after) == (100, 50)
    shown = entry.to_dict()
    assert shown["usage"]["recommended_size"] == 50 and shown["usage"]["hours"] == 48
    assert shown["usage"]["percentile_mbit"] == 40.0 and shown["usage"]["utilization_percent"] == 40.0
    assert "decrease from 100 to 50 Mbit/s" in entry.reason and "pay-per-use: plain update" in entry.reason
    assert api.writes == []

    results = run.engine.apply(plan, Policy())
    assert [result.status for result in results] == [OK]
    (write,) = api.writes
    assert (write["method"], write["path"], write["body"]) == ("PUT", VPC_LIST + "/bw-1", {"bandwidth": {"size": 50}})
    assert api.vpc["bw-1"]["size"] == 50


def test_the_usage_option_changes_the_rule():
    # 47 hours at 10 and one at 200: the peak rule without headroom sizes for 200.
    series = hours(10, 47) + [200.0]
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": series}, limits=limits())
    peak = Run(api).plan([auto("bw-1")], usage={"percentile": 100, "headroom_percent": 0})
    assert peak.entries[0].size_after == 200 and "the peak of 48 hourly maxima" in peak.entries[0].reason
    default = Run(FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": series}, limits=limits())).plan(
        [auto("bw-1")])
    assert default.entries[0].size_after == 13


def test_the_larger_of_up_and_down_counts_and_a_dedicated_bandwidth_is_read_under_its_eip():
    api = FakeApi([api_vpc("bw-per", size=100, share_type="PER", charge_mode="traffic", eip="eip-9")],
                  usage={"eip-9": hours(24), "bw-per": hours(1)}, limits=limits())
    plan = Run(api).plan([auto("bw-per")])
    assert plan.entries[0].size_after == 30
    (read,) = api.cloud_eye_reads
    assert {(m["metric_name"], m["dimensions"][0]["name"], m["dimensions"][0]["value"])
            for m in read["body"]["metrics"]} == {("upstream_bandwidth", "publicip_id", "eip-9"),
                                                  ("downstream_bandwidth", "publicip_id", "eip-9")}


def test_a_bandwidth_billed_by_traffic_is_capped_at_300():
    api = FakeApi([api_vpc("bw-t", size=100, share_type="PER", charge_mode="traffic")],
                  usage={"bw-t": hours(400)}, limits=limits(traffic_max=500))
    entry = Run(api).plan([auto("bw-t")]).entries[0]
    assert entry.size_after == 300 and "billed by traffic is capped at 300" in entry.reason


def test_several_auto_targets_take_one_cloud_eye_read():
    api = FakeApi([api_vpc("bw-%d" % index, size=200 if index == 3 else 100) for index in range(1, 5)],
                  usage={"bw-1": hours(40), "bw-2": hours(80), "bw-3": hours(120), "bw-4": hours(8)},
                  limits=limits())
    targets = [auto("bw-1"), auto("bw-2"), auto(name="name-bw-3"), Target("vpc", id="bw-4", size=60)]
    plan = Run(api).plan(targets)
    assert plan.problems == []
    sizes = {entry.id: entry.size_after for entry in plan.entries}
    assert sizes == {"bw-1": 50, "bw-2": 100, "bw-3": 150, "bw-4": 60}
    assert by_id(plan)["bw-2"].action == NOTHING
    assert "usage" not in by_id(plan)["bw-4"].to_dict()
    (read,) = api.cloud_eye_reads
    # Up and down of the three auto targets only: the numeric target is not measured.
    values = sorted({m["dimensions"][0]["value"] for m in read["body"]["metrics"]})
    assert values == ["bw-1", "bw-2", "bw-3"] and len(read["body"]["metrics"]) == 6
    assert read["body"]["period"] == "3600" and read["body"]["filter"] == "max"
    assert len(api.limit_reads) == 1


def test_without_an_auto_target_cloud_eye_is_never_read():
    api = FakeApi([api_vpc("bw-1", size=100), api_vpc("bw-2", size=100)], usage={"bw-1": hours(40)},
                  limits=limits())
    plan = Run(api).plan([Target("vpc", id="bw-1", size=80), Target("vpc", id="bw-2", size=100)],
                         usage={"percentile": 50})
    assert plan.problems == [] and [entry.size_after for entry in plan.entries] == [80, 100]
    assert api.cloud_eye_reads == []
    assert all("usage" not in entry.to_dict() for entry in plan.entries)


def test_too_few_hours_keep_the_size():
    api = FakeApi([api_vpc("bw-1", size=100), api_vpc("bw-2", size=100)],
                  usage={"bw-1": hours(400, 23)}, limits=limits())
    plan = Run(api).plan([auto("bw-1"), auto("bw-2")])
    assert plan.problems == []
    few, none = by_id(plan)["bw-1"], by_id(plan)["bw-2"]
    assert few.action == NOTHING and few.size_after == 100
    assert "too few hours: only 23 hourly datapoints" in few.reason and "keeping 100 Mbit/s" in few.reason
    assert few.to_dict()["usage"]["hours"] == 23 and few.to_dict()["usage"]["peak_mbit"] == 400.0
    assert none.action == NOTHING and "no data" in none.reason
    # A lower min_hours lets the same series decide.
    lower = Run(FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(400, 23)}, limits=limits()))
    # 400 Mbit/s every hour on 100 is saturated: one size step above 400 x 1.25 = 500.
    assert lower.plan([auto("bw-1")], usage={"min_hours": 23}).entries[0].size_after == 550


# -- yearly/monthly -------------------------------------------------------------------------

def test_a_refused_prepaid_decrease_keeps_the_size_and_says_what_was_recommended():
    api = FakeApi([api_vpc("bw-pre", size=100, prepaid=True)], usage={"bw-pre": hours(8)}, limits=limits())
    run = Run(api)
    plan = run.plan([auto("bw-pre")], Policy(prepaid_decrease="refuse"))
    assert plan.problems == []
    (entry,) = plan.entries
    assert entry.action == NOTHING and (entry.size_before, entry.size_after) == (100, 100)
    assert "decrease from 100 to 10 Mbit/s" in entry.reason
    assert "keeps 100 Mbit/s" in entry.reason and "prepaid_decrease=immediate" in entry.reason
    assert entry.to_dict()["usage"]["recommended_size"] == 10
    # Nothing to order: billing is not read and nothing is written.
    assert run.billing.calls == []
    assert run.engine.apply(plan, Policy()) == [] and api.writes == []


def test_a_prepaid_increase_is_ordered_under_refuse():
    api = FakeApi([api_vpc("bw-pre", size=100, prepaid=True)], usage={"bw-pre": hours(90)}, limits=limits())
    entry = Run(api).plan([auto("bw-pre")], Policy(prepaid_decrease="refuse")).entries[0]
    assert entry.action == ORDER and entry.size_after == 113


def test_a_prepaid_decrease_with_immediate_is_ordered():
    api = FakeApi([api_vpc("bw-pre", size=100, prepaid=True)], usage={"bw-pre": hours(8)}, limits=limits())
    run = Run(api)
    policy = Policy(prepaid_decrease="immediate")
    plan = run.plan([auto("bw-pre")], policy)
    (entry,) = plan.entries
    assert entry.action == ORDER and entry.decrease_mode == "immediate"
    assert (entry.size_before, entry.size_after) == (100, 10)
    assert "decrease from 100 to 10 Mbit/s" in entry.reason and "change order" in entry.reason
    assert "open_change_orders" in run.billing.calls
    assert len(api.cloud_eye_reads) == 1
    results = run.engine.apply(plan, policy)
    assert [result.status for result in results] == [PENDING_PAYMENT]
    (write,) = api.writes
    assert write["path"] == "/v2.0/%s/bandwidths/bw-pre" % PROJECT
    assert write["body"]["bandwidth"] == {"size": 10}
    assert write["body"]["extendParam"] == {"is_auto_pay": False}


def test_an_open_order_replans_without_a_second_cloud_eye_read():
    api = FakeApi([api_vpc("bw-pre", size=100, prepaid=True)], usage={"bw-pre": hours(90)}, limits=limits())
    billing = FakeBillingFacade(open_orders={"bw-pre": [{"order_id": "CS-OPEN", "status": "pending_payment"}]})
    entry = Run(api, billing=billing).plan([auto("bw-pre")]).entries[0]
    assert entry.action == NOTHING and entry.open_order["order_id"] == "CS-OPEN"
    assert entry.to_dict()["usage"]["recommended_size"] == 113
    assert len(api.cloud_eye_reads) == 1


# -- failures before any write --------------------------------------------------------------

@pytest.mark.parametrize("status, body", [
    (403, {"error_code": "ces.0017", "error_msg": "The user has no permission to access the API."}),
    (403, {"error_code": "APIGW.0302", "error_msg": "The IAM user is not authorized to access the API."}),
])
def test_a_denied_cloud_eye_fails_the_plan_naming_the_permission_and_writes_nothing(status, body):
    api = FakeApi([api_vpc("bw-1", size=100), api_vpc("bw-2", size=100)], limits=limits(), ces_error=(status, body))
    run = Run(api)
    targets = [Target("vpc", id="bw-2", size=80), auto("bw-1")]
    with pytest.raises(HwCloudError) as raised:
        run.engine.run(targets, Policy())
    assert raised.value.status == 403
    assert "ces:metricData:list" in raised.value.hint and "ces:metricData:list" in str(raised.value)
    assert len(api.cloud_eye_reads) == 1
    assert api.writes == []
    assert api.vpc["bw-2"]["size"] == 100


def test_unknown_and_ambiguous_auto_targets_are_problems_and_are_not_measured():
    api = FakeApi([api_vpc("bw-1", size=100), api_vpc("bw-2", name="twin"), api_vpc("bw-3", name="twin")],
                  usage={"bw-1": hours(40), "bw-2": hours(40), "bw-3": hours(40)}, limits=limits())
    run = Run(api)
    plan = run.plan([auto("bw-1"), auto("bw-missing"), auto(name="twin"), auto(name="nobody")])
    assert [entry.id for entry in plan.entries] == ["bw-1"] and plan.entries[0].size_after == 50
    assert len(plan.problems) == 3
    text = " ".join(plan.problems)
    assert "no VPC bandwidth has id bw-missing" in text
    assert "2 VPC bandwidths are named twin" in text and "bw-2" in text and "bw-3" in text
    assert "no VPC bandwidth is named nobody" in text
    (read,) = api.cloud_eye_reads
    assert {m["dimensions"][0]["value"] for m in read["body"]["metrics"]} == {"bw-1"}
    again, results = run.engine.run([auto("bw-1"), auto("bw-missing")], Policy())
    assert len(again.problems) == 1 and results == [] and api.writes == []


def test_only_unresolved_auto_targets_read_no_cloud_eye():
    api = FakeApi([api_vpc("bw-2", name="twin"), api_vpc("bw-3", name="twin")], limits=limits())
    plan = Run(api).plan([auto("bw-missing"), auto(name="twin")])
    assert plan.entries == [] and len(plan.problems) == 2
    assert api.cloud_eye_reads == []


def test_auto_on_a_workspace_target_is_a_problem():
    targets, problems = parse_targets([{"service": "workspace", "id": "ws-1", "size": "auto"},
                                       {"service": "vpc", "id": "bw-1", "size": "auto"}])
    assert [target.id for target in targets] == ["bw-1"] and targets[0].size == AUTO
    (problem,) = problems
    assert problem.startswith("target 1 (workspace id=ws-1)") and "VPC bandwidths only" in problem
    # Given to the engine anyway, a Workspace auto target is not measured and becomes a problem.
    api = FakeApi([], workspace=[api_workspace("ws-1", "wks-1")], limits=limits())
    plan = Run(api).plan([Target("workspace", id=None, name="wks-1", size=AUTO)])
    assert plan.entries == [] and "no utilization was read" in plan.problems[0]
    assert api.cloud_eye_reads == []


def test_a_bad_usage_rule_fails_before_cloud_eye_is_read():
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(40)}, limits=limits())
    with pytest.raises(ValidationError, match="usage.percentile must be from 1 to 100"):
        Run(api).plan([auto("bw-1")], usage={"percentile": 0})
    assert api.cloud_eye_reads == []


# -- the region limits ----------------------------------------------------------------------

def test_the_region_maximum_holds_the_recommendation_and_is_read_once():
    api = FakeApi([api_vpc("bw-1", size=100), api_vpc("bw-2", size=100)],
                  usage={"bw-1": hours(1900), "bw-2": hours(40)}, limits=limits(bandwidth_max=1000))
    plan = Run(api).plan([auto("bw-1"), auto("bw-2")])
    assert plan.problems == []
    entry = by_id(plan)["bw-1"]
    assert entry.size_after == 1000 and "held at the maximum 1000 Mbit/s" in entry.reason
    assert by_id(plan)["bw-2"].size_after == 50
    assert len(api.limit_reads) == 1


def test_a_region_maximum_above_the_default_is_used():
    api = FakeApi([api_vpc("bw-1", size=2500)], usage={"bw-1": hours(2350)}, limits=limits(bandwidth_max=5000))
    run = Run(api)
    plan = run.plan([auto("bw-1")], usage={"max_size": None})
    assert plan.problems == [] and plan.entries[0].size_after == 3000
    assert len(api.limit_reads) == 1
    results = run.engine.apply(plan, Policy())
    assert [result.status for result in results] == [OK] and api.vpc["bw-1"]["size"] == 3000


def test_unreadable_region_limits_use_the_defaults_and_are_read_once():
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(1900)},
                  limits=(403, {"code": "VPC.2701", "message": "Token not allowed to do this action."}))
    plan = Run(api).plan([auto("bw-1")])
    assert plan.problems == [] and plan.entries[0].size_after == 2000
    assert len(api.limit_reads) == 1


def test_limits_given_to_the_policy_are_not_read_again():
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(1900)}, limits=limits())
    plan = Run(api).plan([auto("bw-1")], Policy(limits={"bandwidth": (1, 500)}))
    assert plan.entries[0].size_after == 500
    assert api.limit_reads == []


def test_the_region_minimum_holds_the_recommendation():
    api = FakeApi([api_vpc("bw-1", size=100)], usage={"bw-1": hours(1)}, limits=limits(bandwidth_min=5))
    plan = Run(api).plan([auto("bw-1")])
    assert plan.problems == []
    assert plan.entries[0].size_after == 5

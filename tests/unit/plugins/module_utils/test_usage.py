# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The usage rule (percentile, headroom, size steps, limits) and the packed Cloud Eye reads."""

from __future__ import annotations

import datetime
import math
import threading

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import (
    CloudEye,
    UsagePolicy,
    dimension,
    nearest_rank,
    recommend,
    saturated_percent,
)

# The documented defaults: what a region whose limits cannot be read gets.
DEFAULT_SIZES = VpcSizes({})

NOW = datetime.datetime(2024, 5, 1, 12, 0, 0)
NOW_EPOCH = 1714564800.0  # 2024-05-01T12:00:00Z


def bandwidth(size=100, charge_mode="bandwidth", billing_mode="on_demand", share_type="WHOLE", publicips=(),
              updated_at="2024-03-01T08:00:00", bandwidth_id="bw-1"):
    return {"id": bandwidth_id, "name": "name-" + bandwidth_id, "size": size, "charge_mode": charge_mode,
            "billing_mode": billing_mode, "share_type": share_type,
            "publicip_info": [{"publicip_id": ip} for ip in publicips], "updated_at": updated_at}


def policy(**params):
    return UsagePolicy.from_params(params, DEFAULT_SIZES)


# -- the rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("values, percentile, expected", [
    (list(range(1, 101)), 95, 95),          # rank ceil(0.95 * 100) = 95
    (list(range(1, 21)), 95, 19),           # rank ceil(19.0) = 19
    (list(range(1, 22)), 95, 20),           # rank ceil(19.95) = 20
    ([5, 1, 4, 2, 3], 50, 3),               # unsorted input
    ([5, 1, 4, 2, 3], 100, 5),              # 100 = the peak
    ([5, 1, 4, 2, 3], 1, 1),
    ([7.5], 95, 7.5),
])
def test_nearest_rank(values, percentile, expected):
    assert nearest_rank(values, percentile) == expected


@pytest.mark.parametrize("value, at_least, at_most", [
    (0.2, 1, 1), (1, 1, 1), (7.01, 8, 7), (300, 300, 300), (300.5, 350, 300), (301, 350, 300),
    (349, 350, 300), (350, 350, 350), (999, 1000, 950), (1000, 1000, 1000), (1001, 1500, 1000),
    (1499, 1500, 1000), (1500, 1500, 1500), (1999, 2000, 1500), (66.00000000000001, 66, 66),
])
def test_valid_size_rounding(value, at_least, at_most):
    assert VpcSizes.at_least(value) == at_least
    assert VpcSizes.at_most(value) == at_most


@pytest.mark.parametrize("values, params, size, expected", [
    # 95th percentile 80 x 1.25 = 100: kept.
    ([80.0] * 30, {}, 100, 100),
    # Peak instead of the percentile.
    ([10.0] * 29 + [200.0], {"percentile": 100}, 100, 250),
    ([10.0] * 29 + [200.0], {}, 100, 13),
    # Headroom 0 and 50.
    ([40.0] * 24, {"headroom_percent": 0}, 100, 40),
    ([40.0] * 24, {"headroom_percent": 50}, 100, 60),
    # Rounded up to the step: 241 x 1.25 = 301.25 -> 350; 801 x 1.25 = 1001.25 -> 1500.
    ([241.0] * 24, {}, 1000, 350),
    ([240.0] * 24, {}, 1000, 300),
    ([801.0] * 24, {}, 1000, 1500),
    ([800.0] * 24, {}, 1000, 1000),
    # Limits: min_size, max_size (landing on a valid size), the region maximum.
    ([0.1] * 24, {"min_size": 5}, 100, 5),
    ([0.1] * 24, {"min_size": 301}, 100, 350),
    ([900.0] * 24, {"max_size": 1200}, 1000, 1000),
    ([1900.0] * 24, {}, 2000, 2000),
    ([500.0] * 24, {"max_size": 320}, 1000, 300),
])
def test_recommended_size(values, params, size, expected):
    entry = recommend(bandwidth(size=size), values, policy(**params), now=NOW)
    assert entry["recommended_size"] == expected
    assert entry["hours"] == len(values)


def test_traffic_billing_is_capped_at_300():
    values = [400.0] * 24
    capped = recommend(bandwidth(size=100, charge_mode="traffic"), values, policy(), now=NOW)
    free = recommend(bandwidth(size=1000, charge_mode="bandwidth"), values, policy(), now=NOW)
    assert capped["recommended_size"] == 300 and "billed by traffic" in capped["reason"]
    assert free["recommended_size"] == 500


def test_region_limits_replace_the_defaults():
    tight = UsagePolicy.from_params(None, VpcSizes({"bandwidth": (1, 1000), "traffic": (1, 200)}))
    assert recommend(bandwidth(), [1900.0] * 24, tight, now=NOW)["recommended_size"] == 1000
    assert recommend(bandwidth(charge_mode="traffic"), [1900.0] * 24, tight, now=NOW)["recommended_size"] == 200


def test_entry_fields_and_reason():
    entry = recommend(bandwidth(size=100, billing_mode="prepaid"), [float(v) for v in range(1, 101)], policy(), now=NOW)
    assert entry == {
        "id": "bw-1", "name": "name-bw-1", "size": 100, "billing_mode": "prepaid", "hours": 100, "peak_mbit": 100.0,
        "percentile_mbit": 95.0, "utilization_percent": 95.0, "saturated_percent": 6.0, "recommended_size": 120,
        "reason": entry["reason"],
    }
    assert "95th percentile of 100 hourly maxima" in entry["reason"]
    # 6 of the 100 hours reached 95 Mbit/s: saturated, one step above the plain 119.
    assert "25% headroom" in entry["reason"] and "increase from 100 to 120 Mbit/s" in entry["reason"]
    assert "saturated: 6% of the hours" in entry["reason"]


def test_decrease_is_reported_not_refused():
    entry = recommend(bandwidth(size=100, billing_mode="prepaid"), [8.0] * 48, policy(), now=NOW)
    assert entry["recommended_size"] == 10
    assert "decrease from 100 to 10 Mbit/s" in entry["reason"]
    assert entry["utilization_percent"] == 8.0


@pytest.mark.parametrize("values, min_hours, words", [
    ([], 24, "no data"),
    ([], 0, "no data"),
    ([500.0] * 23, 24, "too few hours: only 23 hourly datapoints"),
    ([500.0] * 3, 4, "fewer than min_hours 4"),
])
def test_too_little_data_keeps_the_size(values, min_hours, words):
    entry = recommend(bandwidth(size=100), values, policy(min_hours=min_hours), now=NOW)
    assert entry["recommended_size"] == 100
    assert words in entry["reason"] and "keeping 100 Mbit/s" in entry["reason"]
    assert entry["hours"] == len(values)


def test_enough_hours_at_the_threshold():
    assert recommend(bandwidth(size=1000), [500.0] * 24, policy(min_hours=24), now=NOW)["recommended_size"] == 650


@pytest.mark.parametrize("updated_at, noted", [
    ("2024-05-01T11:30:00", True),
    ("2024-05-01T11:00:00", True),
    ("2024-05-01T10:59:59", False),
    ("2024-03-01T08:00:00", False),
    (None, False),
])
def test_recent_change_is_noted(updated_at, noted):
    entry = recommend(bandwidth(updated_at=updated_at), [50.0] * 30, policy(), now=NOW)
    assert ("metrics trail a change" in entry["reason"]) is noted


@pytest.mark.parametrize("params, message", [
    ({"percentile": 0}, "usage.percentile must be from 1 to 100"),
    ({"percentile": 101}, "usage.percentile must be from 1 to 100"),
    ({"window_days": 0}, "usage.window_days must be from 1"),
    ({"window_days": 200}, "usage.window_days must be from 1 to 124"),
    ({"headroom_percent": -1}, "usage.headroom_percent must be at least 0"),
    ({"min_hours": -1}, "usage.min_hours must be at least 0"),
    ({"min_size": 0}, "usage.min_size must be from 1"),
    ({"max_size": 2500}, "usage.max_size must be from 1 to 2000"),
    ({"min_size": 500, "max_size": 100}, "usage.min_size 500 is above usage.max_size 100"),
    ({"min_size": 1100, "max_size": 1400}, "leave no valid VPC size"),
    ({"window_days": "7"}, "usage.window_days must be an integer"),
    ({"min_hours": True}, "usage.min_hours must be an integer"),
    ({"windows": 7}, "usage has unknown keys: windows"),
])
def test_policy_validation(params, message):
    with pytest.raises(ValidationError, match=message):
        UsagePolicy.from_params(params, DEFAULT_SIZES)


def test_policy_defaults_and_none_values():
    default = UsagePolicy.from_params(None, DEFAULT_SIZES)
    assert default.to_dict() == {"window_days": 7, "percentile": 95, "headroom_percent": 25, "min_hours": 24,
                                 "min_size": 1, "max_size": None}
    assert default.highest("bandwidth") == 2000 and default.points == 169
    # Ansible passes every suboption, None when not set.
    assert UsagePolicy.from_params({"percentile": None, "max_size": 500}, DEFAULT_SIZES).to_dict()["percentile"] == 95
    assert UsagePolicy.from_params({}, VpcSizes({"bandwidth": (1, 1000)})).highest("bandwidth") == 1000
    assert UsagePolicy.from_params({"percentile": 99.5}, DEFAULT_SIZES).percentile == 99.5


def test_limits_from_the_region():
    policy = UsagePolicy.from_params(None, VpcSizes({"bandwidth": (5, 5000), "traffic": (1, 200)}))
    assert (policy.lower, policy.highest("bandwidth"), policy.highest("traffic")) == (5, 5000, 200)
    # The traffic cap of the design stands even when a region says more.
    assert UsagePolicy.from_params(None, VpcSizes({"traffic": (1, 500)})).highest("traffic") == 300


def test_the_region_minimum_holds_a_recommendation():
    policy = UsagePolicy.from_params(None, VpcSizes({"bandwidth": (5, 2000)}))
    assert recommend(bandwidth(size=100), [1.0] * 24, policy, now=NOW)["recommended_size"] == 5


def test_before_the_region_is_read_only_the_documented_bounds_apply():
    """Checked before any call: a maximum above the default may be the region's, and is checked once read."""
    assert UsagePolicy.from_params({"max_size": 3000}, VpcSizes()).max_size == 3000
    with pytest.raises(ValidationError):
        UsagePolicy.from_params({"percentile": 0}, VpcSizes())


# -- saturation ---------------------------------------------------------------------------

def test_saturated_percent_counts_the_hours_at_95_percent_of_the_size():
    assert saturated_percent([28.5, 30.0, 10.0, 5.0], 30) == 50.0
    assert saturated_percent([28.4] * 10, 30) == 0.0
    assert saturated_percent([], 30) is None and saturated_percent([1.0], None) is None


def test_a_saturated_bandwidth_gets_one_step_more_than_the_plain_rule_and_says_why():
    """Hourly maxima at the size: the plain rule gives 30 x 1.25 = 38; saturation adds a step."""
    entry = recommend(bandwidth(size=30), [30.0] * 20 + [12.0] * 10, policy(), now=NOW)
    assert entry["saturated_percent"] == 66.7
    assert entry["recommended_size"] == 39
    assert "saturated" in entry["reason"] and "not measured" in entry["reason"]


def test_a_few_full_hours_are_not_saturation():
    entry = recommend(bandwidth(size=100), [96.0] + [40.0] * 99, policy(), now=NOW)
    assert entry["saturated_percent"] == 1.0
    assert entry["recommended_size"] == 50 and "saturated" not in entry["reason"]


# -- Cloud Eye reads ----------------------------------------------------------------------

class FakeClient:
    """Records ``request()`` calls; answers each batch from ``series(metric_name, dim_name, dim_value)``."""

    def __init__(self, series=None, error=None):
        self.series = series or (lambda metric, name, value: [])
        self.error = error
        self.calls = []
        self.lock = threading.Lock()
        self.threads = set()

    def path(self, template, **values):
        return template.replace("{project_id}", "proj-1").format(**values)

    def request(self, service, method, path, operation, query=None, body=None, project=True, expect=None,
                read_only=False):
        with self.lock:
            self.calls.append({"service": service, "method": method, "path": path, "operation": operation,
                               "body": body, "read_only": read_only})
            self.threads.add(threading.get_ident())
        if self.error is not None:
            raise self.error
        metrics = []
        for metric in body["metrics"]:
            dim = metric["dimensions"][0]
            metrics.append({"namespace": metric["namespace"], "metric_name": metric["metric_name"],
                            "dimensions": metric["dimensions"], "unit": "bit/s",
                            "datapoints": self.series(metric["metric_name"], dim["name"], dim["value"])})
        return {"metrics": metrics}


def points(values, start=1714000000000):
    return [{"max": value, "timestamp": start + index * 3600000} for index, value in enumerate(values)]


def test_larger_of_up_and_down_each_hour_in_mbit():
    def series(metric, name, value):
        if metric == "upstream_bandwidth":
            return points([10e6, 50e6, 30e6])
        # Downstream answered in another order, and with one hour more.
        return list(reversed(points([20e6, 40e6, 35e6, 5e6])))
    client = FakeClient(series)
    result = CloudEye(client).hourly_maxima([bandwidth()], now=NOW_EPOCH)
    assert result == {"bw-1": [20.0, 50.0, 35.0, 5.0]}


def test_request_body_and_read_only():
    client = FakeClient()
    CloudEye(client).hourly_maxima([bandwidth()], window_days=7, now=NOW_EPOCH)
    (call,) = client.calls
    assert (call["service"], call["method"], call["path"], call["read_only"]) == (
        "ces", "POST", "/V1.0/proj-1/batch-query-metric-data", True)
    body = call["body"]
    assert set(body) == {"metrics", "from", "to", "period", "filter"}
    assert body["period"] == "3600" and body["filter"] == "max"
    assert body["to"] == int(NOW_EPOCH * 1000) and body["to"] - body["from"] == 7 * 86400 * 1000
    assert [(m["namespace"], m["metric_name"]) for m in body["metrics"]] == [
        ("SYS.VPC", "upstream_bandwidth"), ("SYS.VPC", "downstream_bandwidth")]


@pytest.mark.parametrize("item, expected", [
    (bandwidth(share_type="WHOLE", publicips=("eip-1",)), ("bandwidth_id", "bw-1")),
    (bandwidth(share_type="PER", publicips=("eip-1",)), ("publicip_id", "eip-1")),
    (bandwidth(share_type="PER"), ("bandwidth_id", "bw-1")),
])
def test_dimensions(item, expected):
    assert dimension(item) == expected
    client = FakeClient()
    CloudEye(client).hourly_maxima([item], now=NOW_EPOCH)
    assert {tuple(m["dimensions"][0].values()) for m in client.calls[0]["body"]["metrics"]} == {expected}


def test_dedicated_bandwidth_read_under_its_eip():
    def series(metric, name, value):
        return points([80e6] * 30) if (name, value) == ("publicip_id", "eip-9") else []
    result = CloudEye(FakeClient(series)).hourly_maxima(
        [bandwidth(share_type="PER", publicips=("eip-9",)), bandwidth(bandwidth_id="bw-2")], now=NOW_EPOCH)
    assert result == {"bw-1": [80.0] * 30, "bw-2": []}


@pytest.mark.parametrize("count, window_days, per_request", [
    (1, 7, 17), (8, 7, 17), (9, 7, 17), (1000, 7, 17), (1000, 1, 120), (300, 30, 4), (5, 124, 1),
])
def test_packing_under_the_datapoint_cap(count, window_days, per_request):
    client = FakeClient()
    items = [bandwidth(bandwidth_id="bw-%d" % index) for index in range(count)]
    eye = CloudEye(client, workers=8)
    eye.hourly_maxima(items, window_days=window_days, now=NOW_EPOCH)
    hours_points = window_days * 24 + 1
    expected_calls = math.ceil(2 * count / per_request)
    assert len(client.calls) == expected_calls == eye.requests
    assert all(len(call["body"]["metrics"]) * hours_points <= 3000 for call in client.calls)
    assert max(len(call["body"]["metrics"]) for call in client.calls) == min(per_request, 2 * count)
    asked = [(m["metric_name"], m["dimensions"][0]["value"]) for call in client.calls for m in call["body"]["metrics"]]
    assert len(asked) == len(set(asked)) == 2 * count


def test_a_thousand_bandwidths_take_118_concurrent_calls():
    client = FakeClient(lambda metric, name, value: points([1e6] * 169))
    items = [bandwidth(bandwidth_id="bw-%d" % index) for index in range(1000)]
    result = CloudEye(client, workers=8).hourly_maxima(items, now=NOW_EPOCH)
    assert len(client.calls) == 118
    assert len(client.threads) > 1
    assert all(len(result["bw-%d" % index]) == 169 for index in range(1000))


@pytest.mark.parametrize("status, code", [(403, "ces.0017"), (403, None), (400, "ces.0017"), (403, "APIGW.0302"),
                                          (403, "APIG.0302")])
def test_denied_names_the_permission(status, code):
    error = HwCloudError("read the hourly bandwidth metrics", "denied", status=status, error_code=code)
    client = FakeClient(error=error)
    with pytest.raises(HwCloudError) as raised:
        CloudEye(client).hourly_maxima([bandwidth()], now=NOW_EPOCH)
    assert "ces:metricData:list" in str(raised.value)
    assert raised.value.status == status and raised.value.error_code == code


def test_other_errors_keep_their_hint():
    error = HwCloudError("read", "bad body", status=400, error_code="ces.0014", hint="check the body")
    with pytest.raises(HwCloudError) as raised:
        CloudEye(FakeClient(error=error)).hourly_maxima([bandwidth()], now=NOW_EPOCH)
    assert raised.value.hint == "check the body"


def test_no_bandwidths_no_calls():
    client = FakeClient()
    assert CloudEye(client).hourly_maxima([], now=NOW_EPOCH) == {}
    assert client.calls == []

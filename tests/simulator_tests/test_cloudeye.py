"""Cloud Eye metric reads and the EIP region limits, through the official SDK clients unchanged."""

import copy
import time

import pytest
from huaweicloudsdkces.v1 import (BatchListMetricDataRequest, BatchListMetricDataRequestBody, MetricInfo, MetricsDimension,
                                  ShowMetricDataRequest)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkeip.v3 import ListBandwidthsLimitRequest

from . import sdk

VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
VPC_PER = "5c7d9e1f-3a4b-4c8d-0e2f-1a0b9c8d7e6f"
PER_EIP = "9e0f1a2b-3c4d-4e5f-7a8b-9c0d1e2f3a4b"
HOUR = 3600 * 1000
DAY = 24 * HOUR
BATCH_PATH = "/V1.0/%s/batch-query-metric-data" % sdk.PROJECT_ID


def metric(name, dim_name, dim_value, namespace="SYS.VPC"):
    return MetricInfo(namespace=namespace, metric_name=name, dimensions=[MetricsDimension(name=dim_name, value=dim_value)])


def batch(url, metrics, days=7, period="3600", filter_="max", end=None):
    end = end or int(time.time() * 1000)
    body = BatchListMetricDataRequestBody(metrics=metrics, period=period, filter=filter_, _from=end - days * DAY, to=end)
    return sdk.ces(url).batch_list_metric_data(BatchListMetricDataRequest(body=body)), end


def raw_batch(url, body):
    return sdk.signed(url, "POST", BATCH_PATH, body=body)


def test_batch_read_with_the_sdk(sim):
    metrics = [metric("upstream_bandwidth", "bandwidth_id", VPC_ONDEMAND),
               metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND),
               metric("downstream_bandwidth", "publicip_id", PER_EIP)]
    response, end = batch(sim.url, metrics)
    assert [(m.metric_name, m.dimensions[0].value, m.unit) for m in response.metrics] == [
        ("upstream_bandwidth", VPC_ONDEMAND, "bit/s"), ("downstream_bandwidth", VPC_ONDEMAND, "bit/s"),
        ("downstream_bandwidth", PER_EIP, "bit/s")]
    up, down, dedicated = response.metrics
    # from rounded down to the hour: 7 x 24 + 1 points, on the hour, up to now.
    stamps = [point.timestamp for point in down.datapoints]
    assert len(stamps) == 169 and all(stamp % HOUR == 0 for stamp in stamps)
    assert stamps[0] == (end - 7 * DAY) // HOUR * HOUR and stamps[-1] <= end
    assert [point.timestamp for point in up.datapoints] == stamps
    # bit/s, never above the size (50 Mbit/s); only the statistic asked for.
    assert all(0 <= point.max <= 50e6 for point in down.datapoints) and max(p.max for p in down.datapoints) > 40e6
    assert all(point.average is None and point.min is None for point in down.datapoints)
    assert sum(point.max for point in up.datapoints) < sum(point.max for point in down.datapoints)
    # The dedicated bandwidth of the default seed has only 6 hours of metrics.
    assert len(dedicated.datapoints) == 6


def test_series_are_deterministic_and_have_a_daily_pattern(sim):
    metrics = [metric("downstream_bandwidth", "bandwidth_id", VPC_PREPAID)]
    end = int(time.time() * 1000)
    first = batch(sim.url, metrics, end=end)[0]
    sim.admin.reset()
    again = batch(sim.url, metrics, end=end)[0]
    assert first.to_json_object() == again.to_json_object()
    by_hour = {}
    for point in first.metrics[0].datapoints:
        by_hour.setdefault(point.timestamp // HOUR % 24, []).append(point.max)
    quiet, busy = sum(by_hour[4]) / len(by_hour[4]), sum(by_hour[16]) / len(by_hour[16])
    assert busy > 3 * quiet


def test_dimension_rules(sim):
    metrics = [metric("downstream_bandwidth", "bandwidth_id", VPC_PER),           # dedicated: reported under its EIP
               metric("downstream_bandwidth", "bandwidth_id", "no-such-bandwidth"),
               metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND, namespace="SYS.ECS"),
               metric("cpu_util", "bandwidth_id", VPC_ONDEMAND)]
    response = batch(sim.url, metrics)[0]
    assert [len(m.datapoints) for m in response.metrics] == [0, 0, 0, 0]


def test_single_metric_read_with_the_sdk(sim):
    end = int(time.time() * 1000)
    request = ShowMetricDataRequest(namespace="SYS.VPC", metric_name="upstream_bandwidth",
                                    dim_0="bandwidth_id,%s" % VPC_ONDEMAND, filter="max", period=3600,
                                    _from=end - 2 * DAY, to=end)
    response = sdk.ces(sim.url).show_metric_data(request)
    assert response.metric_name == "upstream_bandwidth"
    assert len(response.datapoints) == 49
    assert all(point.unit == "bit/s" and point.max is not None for point in response.datapoints)
    average = sdk.ces(sim.url).show_metric_data(ShowMetricDataRequest(
        namespace="SYS.VPC", metric_name="upstream_bandwidth", dim_0="bandwidth_id,%s" % VPC_ONDEMAND,
        filter="average", period=3600, _from=end - 2 * DAY, to=end))
    assert all(point.average is not None and point.max is None for point in average.datapoints)


@pytest.mark.parametrize("count, expected", [(17, 169), (18, 166), (500, 6)])
def test_datapoint_cap_moves_from_forward(sim, count, expected):
    metrics = [metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)] * count
    response, end = batch(sim.url, metrics)
    lengths = {len(m.datapoints) for m in response.metrics}
    assert lengths == {expected}
    assert count * expected <= 3000
    assert response.metrics[0].datapoints[-1].timestamp == end // HOUR * HOUR


def test_short_periods_keep_two_days(sim):
    response, end = batch(sim.url, [metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)], days=7, period="300")
    stamps = [point.timestamp for point in response.metrics[0].datapoints]
    assert stamps and stamps[0] >= end - 2 * DAY and all(stamp % 300000 == 0 for stamp in stamps)
    assert len(stamps) <= 2 * 24 * 12 + 1
    hourly = batch(sim.url, [metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)], days=7, period="14400")[0]
    assert hourly.metrics[0].datapoints[0].timestamp < end - 6 * DAY


def test_seed_profiles_no_data_and_explicit_levels(sim, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["vpc_bandwidths"][0]["usage"] = None
    seed["vpc_bandwidths"][1]["usage"] = {"base_mbit": 10, "peak_mbit": 10, "noise": 0}
    sim.admin.reset(seed)
    metrics = [metric("downstream_bandwidth", "bandwidth_id", VPC_PREPAID),
               metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)]
    response = batch(sim.url, metrics)[0]
    assert response.metrics[0].datapoints == []
    assert {point.max for point in response.metrics[1].datapoints} == {10e6}


@pytest.mark.parametrize("change, words", [
    ({"period": 3600}, "period must be of type string"),
    ({"period": "3601"}, "period must be one of"),
    ({"filter": "p95"}, "filter must be one of"),
    ({"extra": 1}, "unknown parameter extra"),
    ({"metrics": []}, "1 to 500 metrics"),
    ({"from": "yesterday"}, "from must be of type integer"),
    ({"to": 1000}, "from must be before to"),
])
def test_batch_body_is_validated(sim, change, words):
    end = int(time.time() * 1000)
    body = {"metrics": [{"namespace": "SYS.VPC", "metric_name": "downstream_bandwidth",
                         "dimensions": [{"name": "bandwidth_id", "value": VPC_ONDEMAND}]}],
            "from": end - DAY, "to": end, "period": "3600", "filter": "max"}
    body.update(change)
    response = raw_batch(sim.url, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["http_code"] == "400" and answer["message"]["code"] == "ces.0014"
    assert words in answer["message"]["details"]


def test_too_many_metrics_and_bad_dimension_are_refused(sim):
    end = int(time.time() * 1000)
    one = {"namespace": "SYS.VPC", "metric_name": "downstream_bandwidth", "dimensions": [{"name": "bandwidth_id", "value": "x"}]}
    many = raw_batch(sim.url, {"metrics": [one] * 501, "from": end - DAY, "to": end, "period": "3600", "filter": "max"})
    assert many.status_code == 400 and many.json()["message"]["code"] == "ces.0014"
    bad = dict(one, dimensions=[{"name": "bandwidth_id", "value": "x", "unit": "bit"}])
    refused = raw_batch(sim.url, {"metrics": [bad], "from": end - DAY, "to": end, "period": "3600", "filter": "max"})
    assert refused.status_code == 400 and "unknown parameter" in refused.json()["message"]["details"]


def test_batch_read_is_logged_as_a_read(sim):
    batch(sim.url, [metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)])
    (entry,) = [e for e in sim.admin.log() if e["operation"] == "ces.batch_query"]
    assert entry["service"] == "ces" and entry["write"] is False and entry["status"] == 200


def test_cloud_eye_can_be_denied(sim):
    sim.admin.config({"deny_ces": True})
    end = int(time.time() * 1000)
    response = raw_batch(sim.url, {"metrics": [{"namespace": "SYS.VPC", "metric_name": "downstream_bandwidth",
                                                "dimensions": [{"name": "bandwidth_id", "value": VPC_ONDEMAND}]}],
                                   "from": end - DAY, "to": end, "period": "3600", "filter": "max"})
    assert response.status_code == 403
    answer = response.json()
    assert answer == {"http_code": "403", "message": {"details": answer["message"]["details"], "code": "ces.0017"}}
    with pytest.raises(ClientRequestException) as raised:
        batch(sim.url, [metric("downstream_bandwidth", "bandwidth_id", VPC_ONDEMAND)])
    assert raised.value.status_code == 403


def test_wrong_project_answers_in_the_cloud_eye_shape(sim):
    end = int(time.time() * 1000)
    response = sdk.signed(sim.url, "POST", "/V1.0/not-my-project/batch-query-metric-data",
                          body={"metrics": [], "from": end - DAY, "to": end, "period": "3600", "filter": "max"})
    assert response.status_code == 400 and response.json()["message"]["code"] == "ces.0003"


def test_region_limits_with_the_sdk(sim):
    client = sdk.eip_v3(sim.url)
    response = client.list_bandwidths_limit(ListBandwidthsLimitRequest())
    limits = {item.charge_mode: (item.min_size, item.max_size) for item in response.eip_bandwidth_limits}
    assert limits == {"bandwidth": (1, 2000), "traffic": (1, 300), "95peak_plus": (1, 2000)}
    assert response.page_info.current_count == 3 and response.page_info.next_marker is None
    peak = [item for item in response.eip_bandwidth_limits if item.charge_mode == "95peak_plus"][0]
    assert peak.ext_limit.ratio_95peak == 20
    traffic = client.list_bandwidths_limit(ListBandwidthsLimitRequest(charge_mode="traffic"))
    assert [item.max_size for item in traffic.eip_bandwidth_limits] == [300]


def test_region_limits_paging_and_config(sim):
    sim.admin.config({"vpc_max_size": 5000})
    client = sdk.eip_v3(sim.url)
    first = client.list_bandwidths_limit(ListBandwidthsLimitRequest(limit=2))
    assert len(first.eip_bandwidth_limits) == 2 and first.page_info.next_marker == first.eip_bandwidth_limits[1].id
    rest = client.list_bandwidths_limit(ListBandwidthsLimitRequest(limit=2, marker=first.page_info.next_marker))
    assert [item.charge_mode for item in rest.eip_bandwidth_limits] == ["95peak_plus"]
    assert rest.page_info.next_marker is None and rest.eip_bandwidth_limits[0].max_size == 5000


def test_region_limits_can_be_denied(sim):
    sim.admin.config({"deny_vpc": True})
    response = sdk.signed(sim.url, "GET", "/v3/%s/eip/eip-bandwidth-limits" % sdk.PROJECT_ID)
    assert response.status_code == 403 and response.json()["code"] == "VPC.2701"

"""Cloud Eye (CES) metric reads and the EIP region bandwidth limits.

Utilization series are not stored point by point: each value is computed from the usage
profile of the bandwidth (set in the seed, or derived from its id and ``config.usage_seed``)
and the timestamp, so the same query always answers the same numbers. A profile is in Mbit/s
of demand; what Cloud Eye reports is that demand held to the bandwidth's current size, as a
real bandwidth limits its own throughput.

Profile keys (all optional): ``base_mbit`` (the quiet hours), ``peak_mbit`` (the busy hours of
the daily pattern), ``spike_mbit`` and ``spikes_per_week`` (short bursts), ``up_ratio``
(upstream as a share of downstream), ``noise`` (relative jitter), ``hours`` (only the most
recent N hours have data; 0 = no data at all). ``usage: none`` in a seed also means no data.
"""

import math
import time
import uuid
import zlib

from . import errors
from .validation import BodyError, Field, check

NAMESPACE = "SYS.VPC"
BANDWIDTH_METRICS = ("upstream_bandwidth", "downstream_bandwidth")
PERIODS = ("1", "60", "300", "1200", "3600", "14400", "86400")
FILTERS = ("average", "max", "min", "sum", "variance")
DATAPOINT_CAP = 3000
MAX_METRICS = 500
# Data at periods of 300 s and below is kept about two days.
SHORT_RETENTION_MS = 2 * 86400 * 1000
MASK = (1 << 64) - 1

BATCH = {
    "metrics": Field(list, required=True, item=dict),
    "from": Field(int, required=True),
    "to": Field(int, required=True),
    "period": Field(str, required=True, choices=PERIODS),
    "filter": Field(str, required=True, choices=FILTERS),
}
METRIC = {
    "namespace": Field(str, required=True),
    "metric_name": Field(str, required=True),
    "dimensions": Field(list, required=True, item=dict),
}
DIMENSION = {"name": Field(str, required=True), "value": Field(str, required=True)}


def interval_ms(period):
    """The spacing of the datapoints of a period: raw data ("1") comes once a minute."""
    return 60000 if period == "1" else int(period) * 1000


# ---- deterministic profiles and series ----------------------------------------------------

def _mix(value):
    """splitmix64: a cheap, well-spread hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


def _unit(*parts):
    """A number in [0, 1) fixed by its parts."""
    return _mix(zlib.crc32("/".join(str(part) for part in parts).encode("utf-8"))) / float(1 << 64)


def default_profile(bandwidth_id, size, seed):
    """A profile for a bandwidth the seed says nothing about: most are busy, a few have no data or few hours."""
    bucket = int(_unit(seed, bandwidth_id, "bucket") * 100)
    if bucket < 4:
        return {"hours": 0}
    profile = {
        "base_mbit": round(size * (0.02 + 0.15 * _unit(seed, bandwidth_id, "base")), 3),
        "peak_mbit": round(size * (0.15 + 0.8 * _unit(seed, bandwidth_id, "peak")), 3),
        "spike_mbit": round(size * (0.9 + 0.6 * _unit(seed, bandwidth_id, "spike")), 3),
        "spikes_per_week": int(_unit(seed, bandwidth_id, "spikes") * 5),
        "up_ratio": round(0.2 + 0.5 * _unit(seed, bandwidth_id, "up"), 3),
        "noise": 0.1,
    }
    if bucket < 8:
        profile["hours"] = 6
    return profile


def profile_of(bandwidth, seed):
    usage = bandwidth.get("usage", False)
    if usage is None or usage == "none":
        return {"hours": 0}
    if isinstance(usage, dict):
        # An explicit profile stands alone: what it leaves out takes the defaults of demand_mbit.
        return dict(usage)
    return default_profile(bandwidth["id"], bandwidth.get("usage_size") or bandwidth.get("size") or 10, seed)


def demand_mbit(profile, metric, key, stamp_ms, spacing_ms):
    """Demand in Mbit/s at one datapoint: a daily pattern, jitter and rare spikes."""
    hour = (stamp_ms // 3600000) % 24 + ((stamp_ms % 3600000) / 3600000.0)
    # Quietest at 04:00 UTC, busiest at 16:00 UTC.
    daily = 0.5 - 0.5 * math.cos(2 * math.pi * (hour - 4) / 24.0)
    base = float(profile.get("base_mbit", 5.0))
    peak = float(profile.get("peak_mbit", base))
    level = base + (peak - base) * daily
    bucket = stamp_ms // spacing_ms
    jitter = _mix(key ^ bucket) / float(1 << 64)
    level *= 1 + float(profile.get("noise", 0.1)) * (2 * jitter - 1)
    spikes = float(profile.get("spikes_per_week", 0))
    if spikes and _mix(key ^ (bucket * 7919 + 17)) / float(1 << 64) < spikes * spacing_ms / (7 * 86400000.0):
        level = max(level, float(profile.get("spike_mbit", peak * 1.5)))
    if metric == "upstream_bandwidth":
        level *= float(profile.get("up_ratio", 0.35))
    return max(0.0, level)


def _statistics(value_bits, spacing_ms):
    return {
        "max": round(value_bits, 2), "min": round(value_bits * 0.55, 2), "average": round(value_bits * 0.8, 2),
        "sum": round(value_bits * 0.8 * max(1, spacing_ms // 60000), 2), "variance": round((value_bits * 0.1) ** 2, 2),
    }


# ---- answering ------------------------------------------------------------------------------

class Resolver:
    """Finds the bandwidth behind a dimension, once per request: only the bandwidths of ``project_id``."""

    def __init__(self, store, project_id=None):
        self.store = store
        self.by_id = {}
        self.by_eip = {}
        for item in store.in_project(store.data["vpc_bandwidths"], project_id):
            self.by_id[item["id"]] = item
            if item.get("share_type") == "PER":
                for publicip in item.get("publicip_info") or []:
                    if publicip.get("publicip_id"):
                        self.by_eip[publicip["publicip_id"]] = item

    def bandwidth(self, namespace, dimensions):
        if namespace != NAMESPACE or len(dimensions) != 1:
            return None
        name, value = dimensions[0].get("name"), dimensions[0].get("value")
        if name == "publicip_id":
            return self.by_eip.get(value)
        if name == "bandwidth_id":
            item = self.by_id.get(value)
            # A dedicated bandwidth is reported under its EIP, unless it has none.
            if item is not None and item.get("share_type") == "PER" and self._has_eip(item):
                return None
            return item
        return None

    @staticmethod
    def _has_eip(item):
        return any(publicip.get("publicip_id") for publicip in item.get("publicip_info") or [])


def window(start, end, period, metric_count, now_ms):
    """The timestamps answered: ``from`` rounded down, the cap, retention, nothing in the future."""
    spacing = interval_ms(period)
    first = start // spacing * spacing
    last = min(end, now_ms) // spacing * spacing
    if last < first:
        return []
    count = (last - first) // spacing + 1
    allowed = max(1, DATAPOINT_CAP // max(1, metric_count))
    if count > allowed:
        # Cloud Eye moves ``from`` forward, silently, to stay within the datapoint cap.
        first = last - (allowed - 1) * spacing
    if int(period) <= 300:
        oldest = now_ms - SHORT_RETENTION_MS
        first = max(first, -(-oldest // spacing) * spacing)
    return list(range(first, last + 1, spacing))


def series(store, resolver, metric, period, stamps, now_ms):
    """The datapoints of one metric at ``stamps`` (all statistics), or [] when there is no data."""
    name = metric["metric_name"]
    if name not in BANDWIDTH_METRICS:
        return []
    bandwidth = resolver.bandwidth(metric["namespace"], metric["dimensions"])
    if bandwidth is None:
        return []
    seed = store.config.get("usage_seed", 1)
    profile = profile_of(bandwidth, seed)
    hours = profile.get("hours")
    if hours is not None:
        if int(hours) <= 0:
            return []
        since = (now_ms // 3600000 - int(hours) + 1) * 3600000
        stamps = [stamp for stamp in stamps if stamp >= since]
    dims = metric["dimensions"][0]
    key = zlib.crc32(("%s/%s/%s=%s" % (seed, name, dims["name"], dims["value"])).encode("utf-8"))
    spacing = interval_ms(period)
    size = float(bandwidth.get("size") or 0)
    points = []
    for stamp in stamps:
        mbit = min(demand_mbit(profile, name, key, stamp, spacing), size)
        point = _statistics(mbit * 1e6, spacing)
        point["timestamp"] = stamp
        points.append(point)
    return points


def _error(status, code, message):
    return errors.ces(status, code, message)


def _check_metric(index, metric):
    try:
        check(metric, METRIC, "metrics[%d]." % index)
        dimensions = metric["dimensions"]
        if not 1 <= len(dimensions) <= 4:
            raise BodyError("metrics[%d].dimensions must hold 1 to 4 dimensions" % index)
        for position, dim in enumerate(dimensions):
            check(dim, DIMENSION, "metrics[%d].dimensions[%d]." % (index, position))
    except BodyError as exc:
        raise _error(400, "ces.0014", "Some content in message body is not correct: %s" % exc) from exc


def batch_query(store, call, now_ms):
    body = call.body
    if body is None:
        raise _error(400, "ces.0001", "The content must be specified.")
    try:
        check(body, BATCH)
    except BodyError as exc:
        raise _error(400, "ces.0014", "Some content in message body is not correct: %s" % exc) from exc
    metrics = body["metrics"]
    if not 1 <= len(metrics) <= MAX_METRICS:
        raise _error(400, "ces.0014", "Some content in message body is not correct: metrics must hold 1 to %d "
                                      "metrics" % MAX_METRICS)
    for index, metric in enumerate(metrics):
        _check_metric(index, metric)
    if body["from"] >= body["to"]:
        raise _error(400, "ces.0014", "Some content in message body is not correct: from must be before to")
    stamps = window(body["from"], body["to"], body["period"], len(metrics), now_ms)
    resolver = Resolver(store, call.project_id)
    wanted = body["filter"]
    answer = []
    for metric in metrics:
        points = series(store, resolver, metric, body["period"], stamps, now_ms)
        answer.append({
            "namespace": metric["namespace"], "metric_name": metric["metric_name"],
            "dimensions": [{"name": dim["name"], "value": dim["value"]} for dim in metric["dimensions"]],
            "unit": "bit/s" if metric["metric_name"] in BANDWIDTH_METRICS else "",
            "datapoints": [{wanted: point[wanted], "timestamp": point["timestamp"]} for point in points],
        })
    return 200, {"metrics": answer}


def _query_int(call, name):
    text = call.arg(name)
    if text is None or text == "":
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: %s is required." % name)
    try:
        return int(text)
    except ValueError as exc:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: %s must be an integer."
                     % name) from exc


def show_metric_data(store, call, now_ms):
    namespace, metric_name = call.arg("namespace"), call.arg("metric_name")
    if not namespace or not metric_name:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: namespace and metric_name "
                                      "are required.")
    dimensions = []
    for index in range(4):
        text = call.arg("dim.%d" % index)
        if text is None:
            continue
        name, sep, value = text.partition(",")
        if not sep or not name or not value:
            raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: dim.%d must be name,value."
                         % index)
        dimensions.append({"name": name, "value": value})
    if not dimensions:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: dim.0 is required.")
    period, wanted = call.arg("period"), call.arg("filter")
    if period not in PERIODS:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: period must be one of %s."
                     % ", ".join(PERIODS))
    if wanted not in FILTERS:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: filter must be one of %s."
                     % ", ".join(FILTERS))
    start, end = _query_int(call, "from"), _query_int(call, "to")
    if start >= end:
        raise _error(400, "ces.0013", "The URL parameter is invalid or does not exist: from must be before to.")
    metric = {"namespace": namespace, "metric_name": metric_name, "dimensions": dimensions}
    stamps = window(start, end, period, 1, now_ms)
    points = series(store, Resolver(store, call.project_id), metric, period, stamps, now_ms)
    unit = "bit/s" if metric_name in BANDWIDTH_METRICS else ""
    return 200, {"metric_name": metric_name,
                 "datapoints": [{wanted: point[wanted], "timestamp": point["timestamp"], "unit": unit} for point in points]}


# ---- EIP region limits --------------------------------------------------------------------

def bandwidth_limits(config):
    """The region's limits by charge mode, from the config (so they agree with the size checks)."""
    low, high = int(config.get("vpc_min_size", 1)), int(config.get("vpc_max_size", 2000))
    traffic_high = int(config.get("traffic_max_size", 300))
    return [
        {"id": "0b6a3c1e-7d2f-4e8a-9c5b-1f3e5a7c9d01", "charge_mode": "bandwidth", "min_size": low, "max_size": high,
         "ext_limit": {"min_ingress_size": low, "max_ingress_size": high}},
        {"id": "1c7b4d2f-8e3a-4f9b-8d6c-2a4f6b8d0e12", "charge_mode": "traffic", "min_size": low,
         "max_size": traffic_high, "ext_limit": {"min_ingress_size": low, "max_ingress_size": traffic_high}},
        {"id": "2d8c5e3a-9f4b-4a0c-9e7d-3b5a7c9e1f23", "charge_mode": "95peak_plus", "min_size": low, "max_size": high,
         "ext_limit": {"ratio_95peak": 20}},
    ]


def eip_bandwidth_limits(store, call):
    items = bandwidth_limits(store.config)
    charge_mode = call.arg("charge_mode")
    if charge_mode:
        items = [item for item in items if item["charge_mode"] == charge_mode]
    marker = call.arg("marker")
    if marker:
        ids = [item["id"] for item in items]
        if marker not in ids:
            raise errors.vpc(400, "VPC.0301", "Invalid marker %s." % marker)
        items = items[ids.index(marker) + 1:]
    text = call.arg("limit")
    limit = 2000
    if text not in (None, ""):
        try:
            limit = int(text)
        except ValueError as exc:
            raise errors.vpc(400, "VPC.0301", "Invalid parameter: limit must be an integer.") from exc
        if not 0 <= limit <= 2000:
            raise errors.vpc(400, "VPC.0301", "Invalid parameter: limit must be 0 to 2000.")
        limit = limit or 2000
    page = items[:limit]
    more = len(items) > limit
    return 200, {
        "eip_bandwidth_limits": page,
        "page_info": {"previous_marker": page[0]["id"] if page else None, "next_marker": page[-1]["id"] if more and page else None,
                      "current_count": len(page)},
        "request_id": uuid.uuid4().hex,
    }


def ces_batch_query(store, call):
    return batch_query(store, call, int(time.time() * 1000))


def ces_show_metric_data(store, call):
    return show_metric_data(store, call, int(time.time() * 1000))

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Right-sizing VPC bandwidths from their measured use: Cloud Eye reads and the size rule.

Cloud Eye (CES) answers at most 3000 datapoints per batch query and, when a query asks for
more, silently moves ``from`` forward: the reads here are packed so that no request asks for
more than the cap, and sent concurrently. The rule itself (:func:`recommend`) is a pure
function so that the engine, the info module and the tests share it. Nothing here imports
Ansible, and nothing here writes to the cloud. The valid sizes (range and step) are the plan's:
the caller hands them in as ``sizes`` (a ``_plan.VpcSizes``), so that this service layer does
not reach up to the plan.
"""

from __future__ import annotations

import datetime
import math
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    ValidationError,
    gateway_code,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import TIME_FORMAT, parse_time, utcnow

BATCH_PATH = "/V1.0/{project_id}/batch-query-metric-data"
NAMESPACE = "SYS.VPC"
METRICS = ("upstream_bandwidth", "downstream_bandwidth")
PERIOD = "3600"
PERIOD_MS = 3600 * 1000
# Cloud Eye answers at most this many datapoints per batch query (metrics x points).
DATAPOINT_CAP = 3000
# A batch query names at most this many metrics.
METRICS_PER_REQUEST = 500
BITS_PER_MBIT = 10 ** 6
DENIED_CODES = frozenset(("ces.0017", "APIGW.0302"))
DENIED_HINT = ("grant this IAM user the Cloud Eye permission ces:metricData:list (read metric data), "
               "or read the usage with credentials that have it")

# An hour whose maximum reaches this share of the size was held down by it; when at least
# SATURATED_SHARE % of the hours are, the demand above the size is invisible (design, usage).
SATURATED_AT = 0.95
SATURATED_SHARE = 5
# Metrics trail a resize by 5-10 minutes, and an hourly maximum mixes both sizes for an hour.
RECENT_CHANGE = datetime.timedelta(hours=1)

DEFAULTS = {
    "window_days": 7,
    "percentile": 95,
    "headroom_percent": 25,
    "min_hours": 24,
    "min_size": 1,
    "max_size": None,
}
# One metric's hourly points must fit in one request: 124 days x 24 + 1 = 2977.
MAX_WINDOW_DAYS = (DATAPOINT_CAP - 1) // 24


# -- policy -------------------------------------------------------------------------------

def _number(name, value, minimum=None, maximum=None, integer=True):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValidationError("usage.%s must be %s, got %r" % (name, "an integer" if integer else "a number", value))
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            bounds = "at least %s" % minimum
        else:
            bounds = "from %s to %s" % (minimum, maximum)
        raise ValidationError("usage.%s must be %s, got %s" % (name, bounds, value))
    return value


class UsagePolicy:
    """How a measured series becomes a size: the ``usage`` option, validated against ``sizes``.

    ``sizes`` is the region's ``_plan.VpcSizes``: its range per charge mode bounds ``min_size``
    and ``max_size`` (no upper bound while the region's range is not read), and it rounds onto
    the valid steps. ``max_size`` None means the region's maximum.
    """

    def __init__(self, sizes, window_days=7, percentile=95, headroom_percent=25, min_hours=24, min_size=1,
                 max_size=None):
        self.sizes = sizes
        self.window_days = window_days
        self.percentile = percentile
        self.headroom_percent = headroom_percent
        self.min_hours = min_hours
        self.min_size = min_size
        self.max_size = max_size

    @classmethod
    def from_params(cls, params, sizes):
        """A policy from the ``usage`` dict (None or missing keys take the defaults).

        Raises :class:`ValidationError` naming the option, before any call is made.
        """
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ValidationError("usage must be a dict with the keys %s, got %r" % (", ".join(DEFAULTS), params))
        unknown = sorted(set(params) - set(DEFAULTS))
        if unknown:
            raise ValidationError("usage has unknown keys: %s (known: %s)" % (", ".join(unknown), ", ".join(DEFAULTS)))
        values = {key: params.get(key) if params.get(key) is not None else default for key, default in DEFAULTS.items()}
        region_max = sizes.range("bandwidth")[1]
        _number("window_days", values["window_days"], 1, MAX_WINDOW_DAYS)
        _number("percentile", values["percentile"], 1, 100, integer=False)
        _number("headroom_percent", values["headroom_percent"], 0, integer=False)
        _number("min_hours", values["min_hours"], 0)
        _number("min_size", values["min_size"], 1, region_max)
        if values["max_size"] is not None:
            _number("max_size", values["max_size"], 1, region_max)
            if values["min_size"] > values["max_size"]:
                raise ValidationError("usage.min_size %d is above usage.max_size %d: make min_size smaller or max_size "
                                      "larger" % (values["min_size"], values["max_size"]))
        policy = cls(sizes, **values)
        high = policy.highest("bandwidth")
        if high is not None and policy.lower > high:
            raise ValidationError(
                "usage.min_size %d and usage.max_size %d leave no valid VPC size between them (sizes above 300 are "
                "multiples of 50, above 1000 multiples of 500): widen the range" % (policy.min_size, policy.max_size))
        return policy

    @property
    def lower(self):
        """The smallest valid size allowed: ``min_size``, and at least the region's minimum."""
        return self.sizes.at_least(max(self.min_size, self.sizes.range("bandwidth")[0]))

    def highest(self, charge_mode):
        """The largest valid size allowed for a bandwidth billed by ``charge_mode``; None when unbounded."""
        high = self.sizes.range(charge_mode)[1]
        if self.max_size is not None:
            high = self.max_size if high is None else min(high, self.max_size)
        return None if high is None else self.sizes.at_most(high)

    @property
    def points(self):
        """Hourly points per metric in the window: Cloud Eye rounds ``from`` down to the period."""
        return self.window_days * 24 + 1

    def to_dict(self):
        return {key: getattr(self, key) for key in DEFAULTS}


# -- Cloud Eye ----------------------------------------------------------------------------

def dimension(bandwidth):
    """The Cloud Eye dimension of a bandwidth's metrics, as (name, value).

    A shared (WHOLE) bandwidth is reported under ``bandwidth_id``; a dedicated (PER) one under
    its EIP's ``publicip_id``, or under ``bandwidth_id`` while it has no EIP.
    """
    if bandwidth.get("share_type") == "PER":
        for publicip in bandwidth.get("publicip_info") or []:
            if publicip.get("publicip_id"):
                return "publicip_id", publicip["publicip_id"]
    return "bandwidth_id", bandwidth["id"]


def metrics_per_request(points):
    """How many metrics fit one batch query of ``points`` points each under the datapoint cap."""
    return max(1, min(METRICS_PER_REQUEST, DATAPOINT_CAP // max(1, points)))


def pack(metrics, points):
    """Split ``metrics`` into batches that each ask for at most 3000 datapoints."""
    size = metrics_per_request(points)
    return [metrics[start:start + size] for start in range(0, len(metrics), size)]


def is_denied(exc):
    return exc.status == 403 or gateway_code(exc.error_code) in DENIED_CODES


class CloudEye:
    """Batched, concurrent reads of the hourly maxima of VPC bandwidths."""

    def __init__(self, client, workers=8, clock=time.time):
        self.client = client
        self.workers = max(1, int(workers))
        self.clock = clock
        # Batch queries sent by the last read (one per pack, retries not counted).
        self.requests = 0

    def hourly_maxima(self, bandwidths, window_days=7, now=None):
        """Per bandwidth id, its hourly values in Mbit/s, oldest first.

        Each value is the larger of the upstream and downstream hourly maxima of that hour
        (bit/s / 10**6); an hour that Cloud Eye has no datapoint for is left out, so the list
        length is the number of hours measured.
        """
        bandwidths = list(bandwidths)
        if not bandwidths:
            self.requests = 0
            return {}
        end = int((self.clock() if now is None else now) * 1000)
        start = end - int(window_days) * 86400 * 1000
        owners = {}
        metrics = []
        for bandwidth in bandwidths:
            name, value = dimension(bandwidth)
            for metric_name in METRICS:
                key = (metric_name, name, value)
                if key not in owners:
                    owners[key] = []
                    metrics.append({"namespace": NAMESPACE, "metric_name": metric_name,
                                    "dimensions": [{"name": name, "value": value}]})
                owners[key].append(bandwidth["id"])
        batches = pack(metrics, int(window_days) * 24 + 1)
        self.requests = len(batches)
        # Resolve the project id once, before the threads need it.
        path = self.client.path(BATCH_PATH)
        hours = {bandwidth["id"]: {} for bandwidth in bandwidths}
        for answer in self._send_all(path, batches, start, end):
            for metric in answer.get("metrics") or []:
                dims = metric.get("dimensions") or [{}]
                key = (metric.get("metric_name"), dims[0].get("name"), dims[0].get("value"))
                for bandwidth_id in owners.get(key, ()):
                    series = hours[bandwidth_id]
                    for point in metric.get("datapoints") or []:
                        value = point.get("max")
                        stamp = point.get("timestamp")
                        if value is None or stamp is None:
                            continue
                        mbit = float(value) / BITS_PER_MBIT
                        if mbit > series.get(stamp, -1.0):
                            series[stamp] = mbit
        return {bandwidth_id: [series[stamp] for stamp in sorted(series)] for bandwidth_id, series in hours.items()}

    def _send_all(self, path, batches, start, end):
        if len(batches) == 1 or self.workers == 1:
            return [self._send(path, batch, start, end, index, len(batches)) for index, batch in enumerate(batches)]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batches))) as pool:
            futures = [pool.submit(self._send, path, batch, start, end, index, len(batches))
                       for index, batch in enumerate(batches)]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _send(self, path, batch, start, end, index, total):
        body = {"metrics": batch, "from": start, "to": end, "period": PERIOD, "filter": "max"}
        operation = "read the hourly bandwidth metrics from Cloud Eye (batch %d of %d, %d metrics)" % (
            index + 1, total, len(batch))
        try:
            return self.client.request("ces", "POST", path, operation, body=body, read_only=True) or {}
        except HwCloudError as exc:
            if is_denied(exc):
                raise exc.with_hint(DENIED_HINT) from None
            raise


# -- the rule -----------------------------------------------------------------------------

def nearest_rank(values, percentile):
    """The nearest-rank percentile: the smallest value with at least ``percentile`` % at or below it."""
    ordered = sorted(values)
    rank = max(1, int(math.ceil(round(percentile / 100.0 * len(ordered), 9))))
    return ordered[min(rank, len(ordered)) - 1]


def _mbit(value):
    return None if value is None else round(value, 3)


def _fmt(value):
    return ("%.3f" % value).rstrip("0").rstrip(".")


def _statistic(policy):
    if policy.percentile >= 100:
        return "the peak"
    return "the %sth percentile" % _fmt(policy.percentile)


def saturated_percent(values, size):
    """The share of hours (%) whose maximum reached ``SATURATED_AT`` of the size: traffic held down by it."""
    if not values or not size:
        return None
    full = sum(1 for value in values if value >= size * SATURATED_AT)
    return round(full * 100.0 / len(values), 1)


def recommend(bandwidth, hourly_mbit, policy, now=None):
    """The recommended size of one normalised VPC bandwidth from its hourly values (Mbit/s).

    Returns ``id``, ``name``, ``size``, ``billing_mode``, ``hours``, ``peak_mbit``,
    ``percentile_mbit``, ``utilization_percent``, ``saturated_percent``, ``recommended_size`` and
    ``reason``. With fewer than ``min_hours`` points the size is kept. The prepaid decrease
    policy is not applied here: the caller decides what to do with a smaller size.
    """
    values = [float(value) for value in hourly_mbit or []]
    size = bandwidth.get("size")
    days = "%d day%s" % (policy.window_days, "" if policy.window_days == 1 else "s")
    entry = {
        "id": bandwidth.get("id"),
        "name": bandwidth.get("name"),
        "size": size,
        "billing_mode": bandwidth.get("billing_mode"),
        "hours": len(values),
        "peak_mbit": None,
        "percentile_mbit": None,
        "utilization_percent": None,
        "saturated_percent": None,
        "recommended_size": size,
        "reason": None,
    }
    notes = _recent_change_note(bandwidth, now)
    if not values:
        entry["reason"] = ("no data: Cloud Eye holds no hourly %s datapoints for this bandwidth in the last %s; "
                           "keeping %s Mbit/s" % (" or ".join(METRICS), days, size)) + notes
        return entry
    value = nearest_rank(values, policy.percentile)
    entry.update(peak_mbit=_mbit(max(values)), percentile_mbit=_mbit(value),
                 saturated_percent=saturated_percent(values, size))
    if size:
        entry["utilization_percent"] = round(value / size * 100, 1)
    if len(values) < policy.min_hours:
        entry["reason"] = ("too few hours: only %d hourly datapoints in the last %s, fewer than min_hours %d; keeping "
                           "%s Mbit/s" % (len(values), days, policy.min_hours, size)) + notes
        return entry
    entry["recommended_size"], evidence = _size_for(entry, bandwidth.get("charge_mode"), value, policy, days)
    target = entry["recommended_size"]
    if size is None or target == size:
        verdict = "keep %s Mbit/s" % size
    elif target > size:
        verdict = "increase from %s to %d Mbit/s" % (size, target)
    else:
        verdict = "decrease from %s to %d Mbit/s" % (size, target)
    entry["reason"] = "%s: %s" % (evidence, verdict) + notes
    return entry


def _size_for(entry, charge_mode, value, policy, days):
    """(recommended size, the evidence in words) from the percentile ``value`` of the hours measured."""
    sizes = policy.sizes
    needed = value * (1 + policy.headroom_percent / 100.0)
    plain = sizes.at_least(needed)
    target = plain
    evidence = "%s of %d hourly maxima over %s is %s Mbit/s (peak %s Mbit/s" % (
        _statistic(policy), entry["hours"], days, _fmt(value), _fmt(entry["peak_mbit"]))
    if entry["size"]:
        evidence += ", %s%% of %s Mbit/s)" % (_fmt(entry["utilization_percent"]), entry["size"])
    else:
        evidence += ")"
    evidence += "; with %s%% headroom it needs %s Mbit/s, the next valid size is %d Mbit/s" % (
        _fmt(policy.headroom_percent), _fmt(round(needed, 3)), plain)
    limits = []
    saturated = entry["saturated_percent"]
    if saturated is not None and saturated >= SATURATED_SHARE:
        # Traffic capped by the size hides the demand above it: one step more than the plain rule.
        target = sizes.next_above(plain)
        limits.append("saturated: %s%% of the hours reached %d%% of the size, so the demand above it is not "
                      "measured; one size step more: %d Mbit/s" % (_fmt(saturated), SATURATED_AT * 100, target))
    low, high = policy.lower, policy.highest(charge_mode or "bandwidth")
    if high is not None and target > high:
        if charge_mode == "traffic" and high < (policy.highest("bandwidth") or high + 1):
            limits.append("a bandwidth billed by traffic is capped at %d Mbit/s" % high)
        else:
            limits.append("held at the maximum %d Mbit/s" % high)
        target = high
    elif target < low:
        limits.append("raised to min_size %d Mbit/s" % low)
        target = low if high is None else min(low, high)
    if limits:
        evidence += " (%s)" % "; ".join(limits)
    return target, evidence


def _recent_change_note(bandwidth, now):
    changed = parse_time(bandwidth.get("updated_at"))
    now = now or utcnow()
    if changed is None or not now - RECENT_CHANGE <= changed <= now + datetime.timedelta(minutes=5):
        return ""
    return (". Note: the bandwidth changed at %s UTC, less than an hour ago; its metrics trail a change by 5-10 "
            "minutes, so the latest hours may still reflect the old size" % changed.strftime(TIME_FORMAT))

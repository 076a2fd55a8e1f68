"""Per-API request throttling, as the API gateway applies it: one token bucket per (API, access key, region).

Each region has its own endpoint and its own gateway, so a regional API (its path holds the
project id) gets a bucket per region: 20 writes a second in each of three regions is 60 a second
for the account. IAM and the global billing (BSS) APIs have no project in their path and share one
bucket per (API, access key).

Off unless ``config.rate_limits`` turns it on (a seed's ``config`` or ``POST /_sim/config``):

    rate_limits: true                      # the documented limits below, 200/s for the others
    rate_limits:                           # or a mapping, every key optional
      enabled: true
      default: 200                         # every API not named otherwise (the gateway's default)
      documented: true                     # false: ignore DOCUMENTED, use default/reads/writes only
      reads: 50                            # every read API (GET and the read-only POSTs)
      writes: "20/s"                       # every write API
      apis: {vpc.update: "5/s", iam.projects: null}   # per operation name (as in the request log); null = no limit

A limit is a number of requests per second, or a string "N/s", "N/min" (also "N/second",
"N/minute", "N/h"). The most specific setting wins: ``apis``, then ``reads``/``writes``, then the
documented figure, then ``default``. A bucket holds N tokens (one window's worth) and refills at
N per window, so "20/s" admits a burst of 20 and then 20 a second. A request past the limit is
answered 429 ``APIGW.0308`` with ``Retry-After`` (whole seconds until a token is back, at least
1) and never reaches the service. Changing a limit at run time starts that API's buckets full.

Where the figures come from: docs/api-notes.md, "Rate limits".
"""

import math
import re
import threading
import time

from . import errors

# Requests per user and API, from the providers' documentation (docs/api-notes.md, "Rate limits").
DOCUMENTED = {
    # BSS "Request Throttling" of the customer operations APIs: 10/s per user and API unless a row says more.
    "bss.order_list": "20/s",
    "bss.order_show": "10/s",
    "bss.pay": "10/s",
    "bss.cancel": "10/s",
    "bss.resources_query": "10/s",
    "bss.rate_on_period": "30/s",
    "bss.rate_on_demand": "10/s",
    # Workspace "Constraints": per-user limits per minute; the rows read give reads 200/min and
    # writes 100/min, which are used for the bandwidth and job APIs (see the notes).
    "workspace.list": "200/min",
    "workspace.job": "200/min",
    "workspace.update": "100/min",
    "workspace.change_order": "100/min",
}
# A service whose documentation states one quota for all of its APIs.
SERVICE_DEFAULTS = {"bss": "10/s"}
GATEWAY_DEFAULT = "200/s"

_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE_RE = re.compile(r"^\s*(?P<count>\d+(?:\.\d+)?)\s*(?:/\s*(?P<unit>[a-z]+))?\s*$")
_KEYS = frozenset(("enabled", "default", "documented", "reads", "writes", "apis"))


class Limit:
    """``count`` requests per ``period`` seconds."""

    def __init__(self, count, period):
        self.count = count
        self.period = period

    @property
    def rate(self):
        return self.count / self.period

    def describe(self):
        unit = {1.0: "1 second", 60.0: "1 minute", 3600.0: "1 hour"}.get(self.period, "%g seconds" % self.period)
        return "limit:%g,time:%s" % (self.count, unit)

    def __eq__(self, other):
        return isinstance(other, Limit) and (self.count, self.period) == (other.count, other.period)

    def __hash__(self):
        return hash((self.count, self.period))


def parse_limit(value):
    """A Limit from 20, "20/s", "100/min"; None for None (no limit). ValueError when unreadable."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a rate limit must be a number or a string such as \"20/s\", not %r" % (value,))
    if isinstance(value, (int, float)):
        count, period = float(value), 1.0
    else:
        match = _RATE_RE.match(str(value).lower())
        if not match or (match.group("unit") and match.group("unit") not in _UNITS):
            raise ValueError("a rate limit must look like 20, \"20/s\" or \"100/min\", not %r" % (value,))
        count, period = float(match.group("count")), _UNITS[match.group("unit") or "s"]
    if count <= 0:
        raise ValueError("a rate limit must be above zero (use null for no limit), not %r" % (value,))
    return Limit(count, period)


def normalise(config):
    """The rate_limits setting as a dict, or None when throttling is off. ValueError when malformed."""
    if config in (None, False):
        return None
    if config is True:
        return {}
    if not isinstance(config, dict):
        raise ValueError("rate_limits must be true, false, null or a mapping")
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise ValueError("unknown rate_limits keys: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(_KEYS))))
    if config.get("apis") is not None and not isinstance(config["apis"], dict):
        raise ValueError("rate_limits.apis must map operation names to limits")
    for key in ("default", "reads", "writes"):
        parse_limit(config.get(key))
    for value in (config.get("apis") or {}).values():
        parse_limit(value)
    return None if config.get("enabled", True) is False else config


def validate(config):
    """Raise ValueError when a rate_limits setting is malformed (used by the admin API before saving)."""
    normalise(config)


def limit_for(config, operation, write):
    """The Limit that applies to one operation under a normalised config, or None for no limit."""
    apis = config.get("apis") or {}
    if operation in apis:
        return parse_limit(apis[operation])
    side = config.get("writes" if write else "reads")
    if side is not None:
        return parse_limit(side)
    if config.get("documented", True):
        documented = DOCUMENTED.get(operation) or SERVICE_DEFAULTS.get(operation.split(".", 1)[0])
        if documented:
            return parse_limit(documented)
    return parse_limit(config.get("default", GATEWAY_DEFAULT))


class Bucket:
    """A token bucket: ``limit.count`` tokens at most, refilled at ``limit.rate`` a second."""

    def __init__(self, limit, now):
        self.limit = limit
        self.tokens = limit.count
        self.updated = now

    def take(self, now):
        """Take one token; return 0 when granted, else the seconds until one is back."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.limit.count, self.tokens + elapsed * self.limit.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.limit.rate


class RateLimiter:
    """The buckets of every (operation, access key, region) seen; thread-safe; ``clock`` is injectable."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.buckets = {}
        self.throttled = 0

    def reset(self):
        with self.lock:
            self.buckets = {}
            self.throttled = 0

    def wait_needed(self, config, operation, access_key, write, region=None):
        """Seconds the caller must wait before this request is allowed (0: allowed now, a token is taken).

        ``config`` is the raw ``rate_limits`` setting; ``region`` the region of a regional API
        (None for a global one). Returns (seconds, limit); limit is None when the request is not limited.
        """
        settings = normalise(config)
        if settings is None:
            return 0.0, None
        limit = limit_for(settings, operation, write)
        if limit is None:
            return 0.0, None
        key = (operation, access_key, region)
        with self.lock:
            now = self.clock()
            bucket = self.buckets.get(key)
            if bucket is None or bucket.limit != limit:
                bucket = self.buckets[key] = Bucket(limit, now)
            wait = bucket.take(now)
            if wait:
                self.throttled += 1
            return wait, limit

    def check(self, config, operation, access_key, write, request_id, region=None):
        """Raise the gateway's 429 when this request is over its API's limit for this access key (and region)."""
        wait, limit = self.wait_needed(config, operation, access_key, write, region)
        if not wait:
            return
        message = "The throttling threshold has been reached: policy user over ratelimit,%s" % limit.describe()
        raise errors.gateway(429, "APIGW.0308", message, request_id, {"Retry-After": max(1, math.ceil(wait))})

    def snapshot(self):
        with self.lock:
            return {"throttled": self.throttled, "buckets": len(self.buckets)}

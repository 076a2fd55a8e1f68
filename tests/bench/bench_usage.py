# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the Cloud Eye reads of right-sizing: 1,000 VPC bandwidths over 7 days.

Cloud Eye answers at most 3000 datapoints per batch query, so a read of N bandwidths (two
metrics each, ``window_days * 24 + 1`` hourly points per metric) needs at least
``ceil(2N / floor(3000 / points))`` queries: 118 for 1,000 bandwidths over 7 days. The figures
are the queries made (counted by the simulator), that minimum, the HTTP calls of the client
(retries included), the wall time of the read and of the recommendations, and the number of
bandwidths with enough data.

Run from the collection root (``python -m tests.bench.bench_usage``), or call
:func:`bench_usage` with the URL of a running simulator (it is reset to a generated fleet).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
# The collection is imported as ansible_collections.hwcloud.bandwidth: its parent of parents must be on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(ROOT))))

# pylint: disable=wrong-import-position
from tests.simulator.control import Admin, start_simulator  # noqa: E402

ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
REGION = "cn-north-4"


def _collection():
    """The collection's modules, imported lazily so that ``--help`` works anywhere."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _usage
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._pricing import BATCH_MAX, Prices
    from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
    return _usage, ClientConfig, HwCloudClient, VpcBandwidths, VpcSizes, Prices, BATCH_MAX


def minimum_queries(bandwidths, window_days):
    """The fewest batch queries the 3000-datapoint cap allows for this many bandwidths."""
    points = window_days * 24 + 1
    return math.ceil(2 * bandwidths / max(1, 3000 // points))


def bench_usage(url=None, count=1000, window_days=7, workers=8):
    """Read ``count`` VPC bandwidths over ``window_days`` from the simulator at ``url`` and return the figures.

    Without ``url`` a simulator is started for the run and stopped after it. With ``url`` that
    simulator is reset to a fleet of ``count`` VPC bandwidths (its state is replaced).
    """
    _usage, ClientConfig, HwCloudClient, VpcBandwidths, VpcSizes, Prices, batch_max = _collection()
    process = None
    if url is None:
        state = os.path.join(tempfile.mkdtemp(prefix="bench-usage-"), "state.json")
        process = start_simulator(state)
        url = process.url
    try:
        admin = Admin(url)
        admin.reset({"fleet": {"vpc": count, "size": 20, "name_prefix": "bench"}})
        config = ClientConfig(access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION,
                              endpoints={service: url for service in ("iam", "vpc", "ces", "bss")})
        client = HwCloudClient(config)
        bandwidths = VpcBandwidths(client).list()
        admin.clear_log()
        calls_before = client.calls
        policy = _usage.UsagePolicy.from_params({"window_days": window_days}, VpcSizes({}))
        eye = _usage.CloudEye(client, workers=workers)
        started = time.monotonic()
        series = eye.hourly_maxima(bandwidths, window_days=window_days)
        read_seconds = time.monotonic() - started
        started = time.monotonic()
        entries = [_usage.recommend(bandwidth, series.get(bandwidth["id"]), policy) for bandwidth in bandwidths]
        rule_seconds = time.monotonic() - started
        # The price of every recommendation: each distinct product (price code, billing mode, size) asked once.
        changes = [(bandwidth, entry["size"], entry["recommended_size"], None)
                   for bandwidth, entry in zip(bandwidths, entries)]
        prices = Prices(client)
        started = time.monotonic()
        quotes = prices.estimate(changes)
        price_seconds = time.monotonic() - started
        products = {}
        for bandwidth, before, after, _region in changes:
            for size in (before, after):
                products.setdefault(bandwidth.get("billing_mode"), set()).add((bandwidth.get("share_type"), size))
        summary = admin.summary()
        return {
            "bandwidths": len(bandwidths),
            "window_days": window_days,
            "workers": workers,
            "queries": summary["by_operation"].get("ces.batch_query", 0),
            "minimum_queries": minimum_queries(len(bandwidths), window_days),
            "metrics_per_query": _usage.metrics_per_request(window_days * 24 + 1),
            "http_calls": client.calls - calls_before,
            "read_seconds": round(read_seconds, 3),
            "rule_seconds": round(rule_seconds, 3),
            "with_enough_data": sum(1 for entry in entries if entry["hours"] >= policy.min_hours),
            "recommend_change": sum(1 for entry in entries if entry["recommended_size"] != entry["size"]),
            "price_calls": prices.calls,
            "price_products": sum(len(found) for found in products.values()),
            "price_bound": sum(math.ceil(len(found) / batch_max) for found in products.values()),
            "priced": sum(1 for quote in quotes if quote["monthly_change"] is not None),
            "price_seconds": round(price_seconds, 3),
        }
    finally:
        if process is not None:
            process.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="a running simulator to use (it is reset); default: start one")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    figures = bench_usage(args.url, count=args.count, window_days=args.window_days, workers=args.workers)
    print(json.dumps(figures, indent=2))
    return 0 if figures["queries"] == figures["minimum_queries"] else 1


if __name__ == "__main__":
    sys.exit(main())

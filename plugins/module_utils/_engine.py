# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resize engine: read -> plan -> apply with bounded concurrency -> follow -> verify.

One engine serves one target and ten thousand alike. This file is the plan step and the whole
run: reading costs one listing per service (one narrow read for a single target), open change
orders are read for the whole run at once, the region's size limits and Cloud Eye only when a
target needs them. The apply step is :mod:`._apply`, the follow step :mod:`._follow`, and what
a run did to each target is :mod:`._results`.
"""

from __future__ import annotations

import copy
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._apply import Applier, WriteGate
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Billing, SpendLimits
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._follow import Follower
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._pricing import Prices, unknown_price
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    AUTO,
    ORDER,
    Plan,
    index_bandwidths,
    plan,
    resolve,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import Result
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import CloudEye, UsagePolicy, recommend

DEFAULT_CONCURRENCY = 10


class Engine:
    """Plans and applies resize targets over the service classes of one client."""

    def __init__(self, client, services, concurrency=DEFAULT_CONCURRENCY, warn=None, sleep=time.sleep,
                 clock=time.monotonic, billing=None, prices=None):
        self.client = client
        self.services = services
        self.warn = warn or (lambda message: None)
        self.clock = clock
        self.billing = billing or Billing(client, warn=self.warn)
        self.prices = prices or Prices(client, warn=self.warn)
        self.applier = Applier(client, services, self.billing, concurrency=concurrency, warn=self.warn, sleep=sleep)
        self.follower = Follower(services, self.billing, sleep=sleep, clock=clock)

    # -- read and plan --------------------------------------------------------------------

    def read(self, targets):
        """``{service: bandwidths}`` for the targets: one narrow read or one listing per service."""
        listings = {}
        for kind, service in self.services.items():
            wanted = [target for target in targets if target.service == kind]
            if wanted:
                listings[kind] = service.read_for(ids=[t.id for t in wanted if t.id],
                                                  names=[t.name for t in wanted if not t.id])
        return listings

    def plan(self, targets, policy, listings=None, recommendations=None, usage=None, labelled=None):
        """The plan of ``targets``; billing is read only when some target needs an order.

        ``size: auto`` targets get their size from Cloud Eye with the ``usage`` rule (a dict,
        validated by :class:`UsagePolicy`); a Cloud Eye that cannot be read fails here, before
        any write.
        """
        listings = self.read(targets) if listings is None else listings
        if recommendations is None and any(target.size == AUTO for target in targets):
            recommendations = self.recommend(targets, listings, policy, usage)
        scopes = {kind: service.scope() for kind, service in self.services.items()}

        def planned(**orders):
            return plan(targets, listings, policy, recommendations=recommendations, scopes=scopes, labelled=labelled,
                        **orders)
        result = planned()
        if policy.limits is None and self._needs_limits(targets, result):
            # The region's own range per charge mode, read once and only when a VPC size changes.
            policy.limits = self.services["vpc"].size_limits() or {}
            result = planned()
        orders = [entry for entry in result.entries if entry.action == ORDER]
        if orders:
            open_orders = self.billing.open_change_orders()
            if open_orders:
                # What each order on a target is for and costs, so that its message can say it.
                self.billing.describe([open_orders[entry.id][0] for entry in orders if open_orders.get(entry.id)])
            renewal_orders = self._renewal_orders(orders)
            if open_orders or renewal_orders:
                result = planned(open_orders=open_orders, renewal_orders=renewal_orders)
        return self.price(result)

    def price(self, plan_):
        """Every entry's effect on the monthly bill (list prices); only the size changes are asked of billing."""
        sized = [entry for entry in plan_.entries if entry.changed and entry.desired.size is not None]
        quotes = self.prices.estimate([(entry.current, entry.size_before, entry.size_after, None)
                                       for entry in sized]) if sized else []
        for entry, quote in zip(sized, quotes):
            entry.price = quote
        for entry in plan_.entries:
            if entry.price is None:
                entry.price = dict(unknown_price("the size does not change"), monthly_change=0.0)
        return plan_

    def _renewal_orders(self, orders):
        """``{bandwidth id: [completed orders]}`` of the decreases at renewal among ``orders``."""
        found = {}
        for entry in orders:
            if not entry.renewal:
                continue
            orders_of = self.billing.renewal_orders(entry.current)
            if orders_of is None:
                self.warn("%s: without billing read permission it cannot be told whether this change at renewal "
                          "was already ordered (the size only changes at renewal); a rerun orders it again. "
                          "Check the orders in the billing console first." % entry.label)
            else:
                found[entry.id] = orders_of
        return found

    def recommend(self, targets, listings, policy, usage=None):
        """``{bandwidth id: recommendation}`` for the VPC targets whose size is ``auto``."""
        index = index_bandwidths(listings.get("vpc") or [])
        wanted = {}
        for target in targets:
            if target.service == "vpc" and target.size == AUTO:
                found = resolve(target, index)
                if found is not None:  # unknown and ambiguous targets are the plan's problems
                    wanted[found["id"]] = found
        if not wanted:
            return {}
        if policy.limits is None:
            policy.limits = self.services["vpc"].size_limits() or {}
        rule = UsagePolicy.from_params(usage, policy.sizes)
        bandwidths = list(wanted.values())
        series = CloudEye(self.client).hourly_maxima(bandwidths, window_days=rule.window_days)
        return {bandwidth["id"]: recommend(bandwidth, series.get(bandwidth["id"]), rule) for bandwidth in bandwidths}

    @staticmethod
    def _needs_limits(targets, plan_):
        """True when a VPC size changes, or a VPC target was refused before the region's range was known."""
        if any(entry.service == "vpc" and (entry.desired.size is not None or entry.desired.charge_mode is not None)
               for entry in plan_.entries):
            return True
        planned = {id(entry.target) for entry in plan_.entries}
        return any(target.service == "vpc" and (target.size is not None or target.charge_mode is not None)
                   and id(target) not in planned for target in targets)

    # -- apply and follow -----------------------------------------------------------------

    @staticmethod
    def held(plan_):
        """Results of the targets that an order found before the run holds (no write is made)."""
        return [Result.of_open_order(entry) for entry in plan_.entries if entry.open_order is not None]

    def apply(self, plan_, policy, spend=None, gate=None):
        return self.applier.apply(plan_, policy, spend, gate)

    def follow(self, results, timeout):
        return self.follower.follow(results, timeout)

    def run(self, targets, policy, check_mode=False, wait=True, wait_timeout=600, recommendations=None, usage=None):
        """Plan, then (unless ``check_mode`` or a problem) apply and, with ``wait``, follow and verify.

        Returns (plan, results); a plan with problems is returned before any write.
        """
        plan_ = self.plan(targets, policy, recommendations=recommendations, usage=usage)
        if plan_.problems:
            return plan_, []
        results = self.held(plan_)
        if check_mode:
            return plan_, results
        started = self.clock()
        results.extend(self.apply(plan_, policy))
        if wait:
            self.follow(results, max(1.0, wait_timeout - (self.clock() - started)))
        return plan_, results


class Fleet:
    """One run over several regions: an engine per (region, project), and billing read once.

    Targets that carry no ``region`` take the run's; every target is planned (one listing per
    service and region) and checked before the first write anywhere. ``engine_for(region,
    project_id)`` makes the engine of a region; the engines share one :class:`Billing`, so the
    open change orders of the account (a global service) are read once per run. Each region
    plans with its own size limits; the spend limits are the run's, across every region.
    """

    def __init__(self, engine_for, region, project_id=None):
        self.engine_for = engine_for
        self.region = region
        self.project_id = project_id
        self.engines = {}
        self.parts = []  # (engine, policy, plan) per region, in the order the regions first appear

    def _engine(self, region, project_id):
        key = (region, project_id)
        if key not in self.engines:
            self.engines[key] = self.engine_for(region, project_id)
        return self.engines[key]

    def _key(self, region, project_id=None):
        return region, project_id or (self.project_id if region == self.region else None)

    def plan(self, targets, policy, usage=None):
        """The plan of every target over its region; one Plan with every entry and problem."""
        groups = {}
        for target in targets:
            target.region = target.region or self.region
            groups.setdefault(self._key(target.region, target.project_id), []).append(target)
        entries, problems = [], []
        for key, group in groups.items():
            engine = self._engine(*key)
            # The region's own size limits: each region reads its own.
            mine = copy.copy(policy)
            mine.limits = None
            part = engine.plan(group, mine, usage=usage, labelled=len(targets) > 1)
            self.parts.append((engine, mine, part))
            entries.extend(part.entries)
            problems.extend(part.problems)
        order = {id(target): index for index, target in enumerate(targets)}
        entries.sort(key=lambda entry: order.get(id(entry.target), 0))
        return Plan(entries, problems)

    def held(self):
        return [result for engine, _policy, plan_ in self.parts for result in engine.held(plan_)]

    def apply(self, policy, only=None):
        """Start the changes of every region at once (``only(entry)`` picks them), each region with its own pool.

        One :class:`SpendLimits` and one :class:`WriteGate` for the run: the run's first write goes
        alone, and a refused key stops the writes of every region.
        """
        spend = SpendLimits(policy.max_order_amount, policy.max_run_amount)
        gate = WriteGate()
        jobs = [(engine, Plan([entry for entry in plan_.entries if only is None or only(entry)], []), mine)
                for engine, mine, plan_ in self.parts]
        return _each_region([lambda job=job: job[0].apply(job[1], job[2], spend, gate) for job in jobs])

    def follow(self, results, timeout):
        """Follow each region's results with its engine, the regions at once, within the one timeout."""
        regions = {}
        for result in results:
            regions.setdefault(result.entry.target.region or self.region, []).append(result)
        _each_region([lambda region=region, mine=mine: self._engine(*self._key(region)).follow(mine, timeout)
                      for region, mine in regions.items()])
        return results


def _each_region(calls):
    """Run one call per region, at once when there are several; their lists joined in region order."""
    if len(calls) <= 1:
        return [item for call in calls for item in call() or []]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [item for found in pool.map(lambda call: call() or [], calls) for item in found]

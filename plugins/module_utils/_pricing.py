# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""List prices of bandwidth sizes from the billing price inquiry (BSS): read only, batched, cached per run.

What a size costs a month is asked of two BSS APIs: yearly/monthly sizes of
``POST /v2/bills/ratings/period-resources/subscribe-rate`` (one month), pay-per-use sizes of
``POST /v2/bills/ratings/on-demand-resources`` (one hour, times 730 hours a month). Each request
carries up to 100 products (the documented maximum of ``product_infos``), and each distinct
product (price code, region, billing mode, size) is asked once per :class:`Prices` object.

These are list prices (the official website price, before discounts) of a size bought afresh.
No API prices the change of an existing resource: the estimate of a change is the monthly list
price of the new size minus that of the old one. The truth is the amount of the placed order.

A price never fails its caller: no permission, an unknown price code, a malformed answer or any
error of the billing service makes that price unknown (``None``), with the reason.
"""

from __future__ import annotations

import json
from collections import namedtuple
from decimal import Decimal

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, gateway_code
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    DEFAULT_CURRENCY,
    ON_DEMAND,
    PREPAID,
    money as _money,
    to_amount,
)

PERIOD_PATH = "/v2/bills/ratings/period-resources/subscribe-rate"
ON_DEMAND_PATH = "/v2/bills/ratings/on-demand-resources"
# "product_infos ... 最大个数:100" on both price inquiry pages (docs/api-notes.md, Prices).
BATCH_MAX = 100
HOURS_PER_MONTH = 730
VPC_SERVICE_TYPE = "hws.service.type.vpc"
BANDWIDTH_RESOURCE_TYPE = "hws.resource.type.bandwidth"
SIZE_MEASURE_MBITS = 15
PERIOD_TYPE_MONTH = 2
USAGE_MEASURE_HOUR = 4
# inquiry_precision 1 keeps 10 decimals of an hourly price, which is then multiplied by 730.
ON_DEMAND_PRECISION = 1
SHARED_SPEC = "19_share"
# A dedicated bandwidth billed by bandwidth is priced by its EIP's type (or its own bandwidth_type).
DEDICATED_SPECS = {"5_bgp": "19_bgp", "5_sbgp": "19_sbgp", "bgp": "19_bgp", "sbgp": "19_sbgp"}
# After these, asking again only repeats the refusal (and repeated 401s lock the access key).
STOP_CODES = frozenset(("CBC.0151", "APIGW.0301", "APIGW.0302", "APIGW.0307"))

Quote = namedtuple("Quote", "monthly currency")
Unknown = namedtuple("Unknown", "reason")
_Product = namedtuple("_Product", "spec region billing size")
_Request = namedtuple("_Request", "before after project_id reason")

_BILLING_WORDS = {PREPAID: "yearly/monthly", ON_DEMAND: "pay-per-use"}


def unknown_price(reason):
    """The price of a change that cannot be told, and why."""
    return {"currency": None, "monthly_before": None, "monthly_after": None, "monthly_change": None,
            "reason": reason}


def product_spec(bandwidth):
    """``(resource_spec, None)`` for a bandwidth the price inquiry knows, else ``(None, reason)``."""
    service = bandwidth.get("service") or ("vpc" if "share_type" in bandwidth else "workspace")
    if service == "workspace":
        return None, ("no list price for a Workspace bandwidth: the billing price inquiry documents no product code "
                      "for it (docs/api-notes.md, Prices)")
    charge_mode = bandwidth.get("charge_mode") or "bandwidth"
    if charge_mode == "traffic":
        return None, "billed by traffic: its price depends on the traffic, not on the size"
    if charge_mode == "95peak_plus":
        return None, "billed by enhanced 95th percentile: its price depends on the usage, not on the size alone"
    if charge_mode != "bandwidth":
        return None, "no list price for charge mode %s" % charge_mode
    if bandwidth.get("share_type") == "WHOLE":
        return SHARED_SPEC, None
    kinds = [ip.get("publicip_type") for ip in bandwidth.get("publicip_info") or [] if ip.get("publicip_type")]
    kind = kinds[0] if kinds else bandwidth.get("bandwidth_type")
    spec = DEDICATED_SPECS.get(kind or "")
    if spec is None:
        return None, ("no list price for a dedicated bandwidth of EIP type %s (only 5_bgp and 5_sbgp have "
                      "documented price codes)" % (kind or "unknown"))
    return spec, None


def _size(value):
    """A size in whole Mbit/s (an int or a string of digits), or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        size = int(str(value).strip())
    except ValueError:
        return None
    return size if size > 0 else None


def _product_info(product, product_id):
    return {"id": product_id, "cloud_service_type": VPC_SERVICE_TYPE, "resource_type": BANDWIDTH_RESOURCE_TYPE,
            "resource_spec": product.spec, "region": product.region, "resource_size": product.size,
            "size_measure_id": SIZE_MEASURE_MBITS}


def _inquiry(billing, project_id, products):
    """Path and body of one price inquiry; product ids are ``p1``, ``p2``... in the order given."""
    infos = []
    for index, product in enumerate(products, 1):
        info = _product_info(product, "p%d" % index)
        if billing == PREPAID:
            info.update(period_type=PERIOD_TYPE_MONTH, period_num=1, subscription_num=1)
        else:
            info.update(usage_factor="Duration", usage_value=1, usage_measure_id=USAGE_MEASURE_HOUR, subscription_num=1)
        infos.append(info)
    if billing == PREPAID:
        return PERIOD_PATH, {"project_id": project_id, "product_infos": infos}
    return ON_DEMAND_PATH, {"project_id": project_id, "inquiry_precision": ON_DEMAND_PRECISION, "product_infos": infos}


def read_quotes(billing, products, answer):
    """``{product: Quote or Unknown}`` from the answer of one inquiry about ``products``."""
    if not isinstance(answer, dict):
        reason = Unknown("the billing service answered the price inquiry without a body")
        return {product: reason for product in products}
    if billing == PREPAID:
        result = answer.get("official_website_rating_result")
        result = result if isinstance(result, dict) else {}
    else:
        result = answer
    items = result.get("product_rating_results")
    if not isinstance(items, list):
        return {product: Unknown("the answer of the price inquiry holds no product_rating_results")
                for product in products}
    by_id = {item.get("id"): item for item in items if isinstance(item, dict)}
    currency = answer.get("currency") or DEFAULT_CURRENCY
    quotes = {}
    for index, product in enumerate(products, 1):
        item = by_id.get("p%d" % index)
        if item is None:
            quotes[product] = Unknown("the billing service returned no price for %s" % _describe(product))
            continue
        amount = to_amount(item.get("official_website_amount"), item.get("measure_id", result.get("measure_id")))
        if amount is None:
            quotes[product] = Unknown("the price of %s is not an amount that can be read (%s)" % (
                _describe(product), _shown(item)))
            continue
        quotes[product] = Quote(amount if billing == PREPAID else amount * HOURS_PER_MONTH, currency)
    return quotes


def _shown(item):
    """The amount and unit of a rating result as the service sent them, for a reason."""
    text = "official_website_amount %s" % json.dumps(item.get("official_website_amount"))
    if item.get("measure_id") is not None:
        text += ", measure_id %s" % json.dumps(item.get("measure_id"))
    return text


def _describe(product):
    return "%s %d Mbit/s (%s, %s)" % (product.spec, product.size, _BILLING_WORDS[product.billing], product.region)


def _stops(error):
    """True when asking again would only repeat a refusal of these credentials."""
    return error.status in (401, 403) or gateway_code(error.error_code) in STOP_CODES


def _combine(before, after):
    """The price dict of a change from the quotes of its two sizes."""
    for quote in (before, after):
        if isinstance(quote, Unknown):
            return unknown_price(quote.reason)
    if before.currency != after.currency:
        return unknown_price("the two sizes are priced in different currencies (%s, %s)"
                             % (before.currency, after.currency))
    monthly_before, monthly_after = _money(before.monthly), _money(after.monthly)
    return {"currency": after.currency, "monthly_before": monthly_before, "monthly_after": monthly_after,
            "monthly_change": _money(Decimal(str(monthly_after)) - Decimal(str(monthly_before))), "reason": None}


class Prices:
    """Monthly list prices of bandwidth sizes for one run: every product asked once, in batches of 100.

    This is an estimate from list prices: no API prices a change of an existing resource, so a
    change is priced as the monthly list price of the new size minus that of the old one
    (pay-per-use as 730 hours). Discounts, the remaining period of a yearly/monthly bandwidth and
    coupons are not in it; the truth is the amount of the placed order. ``warn`` is called once
    when these credentials may not read prices. Nothing here raises.
    """

    def __init__(self, client, warn=None, batch_max=BATCH_MAX):
        self.client = client
        self.batch_max = batch_max
        self.denied = None
        self.calls = 0
        self._warn = warn or (lambda message: None)
        self._quotes = {}

    def estimate(self, changes):
        """Price each ``(bandwidth, size_before, size_after, region[, project_id])``; a list in the same order.

        Each entry is ``{currency, monthly_before, monthly_after, monthly_change, reason}``:
        amounts in the account's currency, or all None with the reason. ``region`` None means
        the client's region, ``project_id`` (optional) that of the client; at most
        ceil(new distinct products / 100) requests per billing mode and project are made
        (more only when a batch is refused as invalid and split to find the product at fault).
        """
        requests = [self._request(change) for change in changes]
        wanted, seen = {}, set(self._quotes)
        for request in requests:
            if request.reason is None:
                for product in (request.before, request.after):
                    if product not in seen:
                        seen.add(product)
                        wanted.setdefault((product.billing, request.project_id), {})[product] = None
        for (billing, project_id), products in sorted(wanted.items(), key=lambda item: (item[0][0], str(item[0][1]))):
            self._ask(billing, project_id, list(products))
        return [unknown_price(request.reason) if request.reason else
                _combine(self._quotes[request.before], self._quotes[request.after]) for request in requests]

    def _request(self, change):
        bandwidth, size_before, size_after, region = change[:4]
        project_id = change[4] if len(change) > 4 else None
        spec, reason = product_spec(bandwidth)
        if reason:
            return _Request(None, None, None, reason)
        billing = bandwidth.get("billing_mode")
        if billing not in (PREPAID, ON_DEMAND):
            return _Request(None, None, None, "the billing mode of bandwidth %s is unknown"
                            % (bandwidth.get("id") or bandwidth.get("name") or "(no id)"))
        before = _size(bandwidth.get("size") if size_before is None else size_before)
        after = before if size_after is None else _size(size_after)
        if before is None or after is None:
            return _Request(None, None, None, "no price for a size that is not a whole number of Mbit/s (%s -> %s)"
                            % (json.dumps(size_before), json.dumps(size_after)))
        region = region or getattr(getattr(self.client, "config", None), "region", None)
        return _Request(_Product(spec, region, billing, before), _Product(spec, region, billing, after), project_id,
                        None)

    def _ask(self, billing, project_id, products):
        if self.denied is None and project_id is None:
            try:
                project_id = self.client.project_id
            except HwCloudError as exc:
                self._set(products, "no project id to ask prices with: %s" % exc)
                return
        for start in range(0, len(products), self.batch_max):
            self._ask_batch(billing, project_id, products[start:start + self.batch_max])

    def _ask_batch(self, billing, project_id, products):
        if self.denied is not None:
            self._set(products, self.denied)
            return
        path, body = _inquiry(billing, project_id, products)
        operation = "ask the %s list price of %d bandwidth size%s" % (
            _BILLING_WORDS[billing], len(products), "" if len(products) == 1 else "s")
        self.calls += 1
        try:
            answer = self.client.request("bss", "POST", path, operation, body=body, project=False, read_only=True)
        except HwCloudError as exc:
            if _stops(exc):
                self.denied = "no list price: %s" % exc
                self._warn("list prices cannot be read with these credentials (%s); plans show no price. Grant the "
                           "IAM user billing (BSS) read permission to see them"
                           % (exc.error_code or "HTTP %s" % exc.status))
                self._set(products, self.denied)
            elif exc.status == 400 and len(products) > 1:
                # One product the service does not know refuses the whole batch: halve it to find that one.
                middle = len(products) // 2
                self._ask_batch(billing, project_id, products[:middle])
                self._ask_batch(billing, project_id, products[middle:])
            else:
                self._set(products, "no list price: %s" % exc)
            return
        self._quotes.update(read_quotes(billing, products, answer))

    def _set(self, products, reason):
        for product in products:
            self._quotes[product] = Unknown(reason)

"""The simulator's list prices: the two BSS price inquiry APIs and the amount of a change order.

One table holds every price. A bandwidth is priced per Mbit/s in two tiers, as the public price
list shows them: each of the first 5 Mbit/s at one price, each Mbit/s above at another. Shared
bandwidth (``19_share``) has its own table; pay-per-use prices are per hour. The values are the
simulator's (shaped like the public list, not copied from it): see docs/simulator.md, "Prices".

A change order of a yearly/monthly bandwidth costs the difference of the two monthly prices for
the rest of the bandwidth's period (whole days left / 30); a decrease costs nothing.
"""

import math
import time
from decimal import ROUND_HALF_UP, Decimal

from . import errors
from .validation import BodyError, Field, check

TIER_MBIT = 5
# price code -> (monthly per Mbit/s up to 5, above 5; hourly per Mbit/s up to 5, above 5), in yuan.
PRICE_TABLE = {
    "19_bgp": (Decimal("23.00"), Decimal("80.00"), Decimal("0.063"), Decimal("0.25")),
    "19_sbgp": (Decimal("21.00"), Decimal("72.00"), Decimal("0.057"), Decimal("0.22")),
    "19_share": (Decimal("30.00"), Decimal("75.00"), Decimal("0.084"), Decimal("0.21")),
    # Only for the amount of a Workspace change order: the price inquiry has no product code for it.
    "workspace": (Decimal("25.00"), Decimal("70.00"), Decimal("0.070"), Decimal("0.20")),
}
# A year is sold for ten months (simulator choice).
MONTHS_PER_YEAR_PRICE = 10
VPC_SERVICE_TYPE = "hws.service.type.vpc"
BANDWIDTH_RESOURCE_TYPE = "hws.resource.type.bandwidth"
SIZE_MEASURE_MBITS = 15
PERIOD_MONTH, PERIOD_YEAR = 2, 3
USAGE_MEASURE_HOUR = 4
PRODUCT_INFOS_MAX = 100
MEASURE_YUAN = 1
CENTS = Decimal("0.01")
DAY = 86400

_COMMON = {
    "id": Field(str, required=True),
    "cloud_service_type": Field(str, required=True),
    "resource_type": Field(str, required=True),
    "resource_spec": Field(str, required=True),
    "region": Field(str, required=True),
    "available_zone": Field(str),
    "resource_size": Field(int),
    "size_measure_id": Field(int),
    "subscription_num": Field(int, required=True),
}
PERIOD_PRODUCT = dict(_COMMON, period_type=Field(int, required=True, choices=(0, 2, 3, 4)),
                      period_num=Field(int, required=True), fee_installment_mode=Field(str))
DEMAND_PRODUCT = dict(_COMMON, usage_factor=Field(str, required=True), usage_value=Field(float, required=True),
                      usage_measure_id=Field(int, required=True))
PERIOD_BODY = {"project_id": Field(str, required=True), "product_infos": Field(list, required=True, item=dict)}
DEMAND_BODY = {"project_id": Field(str, required=True), "product_infos": Field(list, required=True, item=dict),
               "inquiry_precision": Field(int, choices=(0, 1))}


def tiered(spec, size, hourly=False):
    """The list price of ``size`` Mbit/s of ``spec`` for a month (or an hour), in yuan."""
    first, above, first_hour, above_hour = PRICE_TABLE[spec]
    low, high = (first_hour, above_hour) if hourly else (first, above)
    return low * min(size, TIER_MBIT) + high * max(size - TIER_MBIT, 0)


def spec_of(service, bandwidth):
    """The price code of a simulated bandwidth (by its share type and its EIP's type)."""
    if service == "workspace":
        return "workspace"
    if bandwidth.get("share_type") == "WHOLE":
        return "19_share"
    kinds = [ip.get("publicip_type") for ip in bandwidth.get("publicip_info") or []]
    return "19_sbgp" if "5_sbgp" in kinds or bandwidth.get("bandwidth_type") == "sbgp" else "19_bgp"


def remaining_days(bandwidth, config, now=None):
    """Whole days (rounded up) until the yearly/monthly bandwidth expires."""
    now = time.time() if now is None else now
    expires = bandwidth.get("expire_epoch")
    if expires is None:
        expires = now + int(config.get("prepaid_remaining_days", 180)) * DAY
    return max(0, math.ceil((expires - now) / DAY))


def change_amount(service, bandwidth, new_size, config, at_renewal=False):
    """What a change order costs: the monthly difference for the days left; 0 for a decrease."""
    old_size = bandwidth["size"]
    if new_size <= old_size or at_renewal:
        return 0.0
    spec = spec_of(service, bandwidth)
    monthly = tiered(spec, new_size) - tiered(spec, old_size)
    amount = monthly * remaining_days(bandwidth, config) / 30
    return float(amount.quantize(CENTS, rounding=ROUND_HALF_UP))


# ---- the price inquiry APIs ----------------------------------------------------------------------

def _invalid(message):
    return errors.bss(400, "CBC.0100", "Invalid parameter: %s" % message)


def _products(store, body, body_schema, product_schema):
    try:
        check(body, body_schema)
        infos = body["product_infos"]
        if not 1 <= len(infos) <= PRODUCT_INFOS_MAX:
            raise BodyError("product_infos must hold 1 to %d products" % PRODUCT_INFOS_MAX)
        for index, info in enumerate(infos):
            check(info, product_schema, "product_infos[%d]." % index)
    except BodyError as exc:
        raise _invalid(str(exc)) from exc
    ids = [info["id"] for info in infos]
    if len(set(ids)) != len(ids):
        raise _invalid("product_infos ids must be unique within one inquiry")
    if body["project_id"] not in {project["id"] for project in store.data["projects"]}:
        raise _invalid("project_id %s is not a project of this account" % body["project_id"])
    regions = {project["name"] for project in store.data["projects"]}
    for info in infos:
        _check_product(store, info, regions)
    return infos


def _check_product(store, info, regions):
    """A product the catalogue has: a VPC bandwidth of a known code, region and size in Mbit/s."""
    known = (info["cloud_service_type"] == VPC_SERVICE_TYPE and info["resource_type"] == BANDWIDTH_RESOURCE_TYPE
             and info["resource_spec"] in PRICE_TABLE and info["resource_spec"] != "workspace"
             and info["region"] in regions)
    if not known:
        # The whole inquiry is refused when one product is unknown (simulator choice).
        raise errors.bss(400, "CBC.0100", "Invalid parameter: no product matches %s/%s/%s in region %s (id %s)." % (
            info["cloud_service_type"], info["resource_type"], info["resource_spec"], info["region"], info["id"]))
    size = info.get("resource_size")
    low, high = int(store.config["vpc_min_size"]), int(store.config["vpc_max_size"])
    if info.get("size_measure_id") != SIZE_MEASURE_MBITS or size is None or not low <= size <= high:
        raise _invalid("product %s: a bandwidth needs resource_size %d-%d with size_measure_id 15" % (info["id"], low, high))
    if info["subscription_num"] < 1:
        raise _invalid("product %s: subscription_num must be at least 1" % info["id"])


def _number(amount):
    return float(amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def _billing_allowed(store):
    if store.config.get("deny_billing"):
        raise errors.bss(403, "CBC.0151", "Access denied. The user has no permission to use the billing center APIs.")


def rate_on_period(store, call):
    """``POST /v2/bills/ratings/period-resources/subscribe-rate`` (ListRateOnPeriodDetail)."""
    _billing_allowed(store)
    infos = _products(store, call.body, PERIOD_BODY, PERIOD_PRODUCT)
    results = []
    for info in infos:
        if info["period_type"] not in (PERIOD_MONTH, PERIOD_YEAR) or info["period_num"] < 1:
            raise _invalid("product %s: a bandwidth is sold by month (2) or year (3), period_num at least 1" % info["id"])
        months = info["period_num"] * (MONTHS_PER_YEAR_PRICE if info["period_type"] == PERIOD_YEAR else 1)
        amount = tiered(info["resource_spec"], info["resource_size"]) * months * info["subscription_num"]
        results.append({"id": info["id"], "product_id": "sim-period-" + info["resource_spec"],
                        "official_website_amount": _number(amount), "measure_id": MEASURE_YUAN})
    total = sum(Decimal(str(result["official_website_amount"])) for result in results)
    return 200, {"official_website_rating_result": {"official_website_amount": _number(total), "measure_id": MEASURE_YUAN,
                                                    "product_rating_results": results},
                 "optional_discount_rating_results": [], "currency": store.config.get("currency", "CNY")}


def rate_on_demand(store, call):
    """``POST /v2/bills/ratings/on-demand-resources`` (ListOnDemandResourceRatings)."""
    _billing_allowed(store)
    infos = _products(store, call.body, DEMAND_BODY, DEMAND_PRODUCT)
    results = []
    for info in infos:
        if info["usage_factor"].lower() != "duration" or info["usage_measure_id"] != USAGE_MEASURE_HOUR:
            raise _invalid("product %s: a bandwidth is priced by Duration in hours (usage_measure_id 4)" % info["id"])
        hours = Decimal(str(info["usage_value"]))
        amount = tiered(info["resource_spec"], info["resource_size"], hourly=True) * hours * info["subscription_num"]
        results.append({"id": info["id"], "product_id": "sim-demand-" + info["resource_spec"], "amount": _number(amount),
                        "discount_amount": 0.0, "official_website_amount": _number(amount), "measure_id": MEASURE_YUAN,
                        "discount_rating_results": []})
    total = sum(Decimal(str(result["amount"])) for result in results)
    return 200, {"amount": _number(total), "discount_amount": 0.0, "official_website_amount": _number(total),
                 "measure_id": MEASURE_YUAN, "currency": store.config.get("currency", "CNY"),
                 "product_rating_results": results}

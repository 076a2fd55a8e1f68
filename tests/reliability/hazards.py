# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a campaign round meets besides the per-request faults, and the money rules judged on it.

Four hazards, each in some rounds (:func:`draw`):

- **throttling storms**: the simulator's per-API rate limits (``config.rate_limits``, see
  tests/simulator/ratelimit.py) turned on at a few requests a second for every phase, sometimes
  with a burst of 429s at the start; the runs must converge and no failure may be caused by
  throttling;
- **unknown payment outcomes**: faults on the pay call (``POST /v3/orders/customer-orders/pay``),
  a few per round: the connection dropped after the payment is applied, or before an answer,
  an answer slower than the request timeout (the payment is applied meanwhile), a 5xx or an HTML
  error page; both the engine's auto pay and the ``hwcloud.bandwidth.order`` pay step meet them;
- **spend limits**: auto-pay targets run with ``max_order_amount``/``max_run_amount`` within or
  below the amount of their order (the simulator's pro rata price, computed here beforehand);
- **foreign orders**: an unpaid change order placed before the round, by another user of the
  account, on a bandwidth that a target wants to change (another size).

:func:`judge` checks the state and the request log of a round: no order paid twice, no payment
of an order the run did not place and nothing new ordered for that bandwidth, no payment over a
limit (each order within ``max_order_amount``, the orders one run paid within ``max_run_amount``),
an order over its limit left pending payment and its target failing with its id, every payment
whose outcome was unknown settled in the first run, and no failure caused by throttling.
"""

from __future__ import annotations

import collections
import json
import random
import re
import urllib.request

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._signer import sign_request

from tests.reliability import harness
from tests.reliability.payproxy import PAY_PATH
from tests.simulator import pricing
from tests.simulator.state import DEFAULT_CONFIG

PAY_PATTERN = "^%s$" % PAY_PATH
# Faults that leave the caller without the outcome of a payment (a 429 is certain: it never reached billing);
# error_after is a gateway error after billing took the payment (tests/reliability/payproxy.py).
UNKNOWN_PAY_FAULTS = ("drop_before", "drop_after", "latency", "error", "html", "error_after")
THROTTLING = re.compile(r"HTTP 429|APIGW\.0308|throttl", re.IGNORECASE)
LIMIT_SHARE = 0.5            # of the auto-pay targets of a round
# The other user of the account who places the foreign orders (the default seed's temporary credentials).
OTHER_USER = (harness.TEMP_ACCESS_KEY, harness.TEMP_SECRET_KEY, harness.SECURITY_TOKEN)


class Hazards:
    """The hazards of one round: simulator config, extra fault rules, foreign orders."""

    def __init__(self):
        self.kinds = []
        self.rate_limits = None
        self.rules = []              # fault rules that go before the round's other rules
        self.proxy = None            # PayProxy settings: gateway errors after a payment went through
        self.foreign = {}            # target id -> the size the foreign order asks for
        self.foreign_orders = {}     # order id -> target id, once placed

    def describe(self):
        return ", ".join(self.kinds) or "none"


def _storm(rng, hazards):
    hazards.kinds.append("storm")
    hazards.rate_limits = {"reads": rng.choice((2, 3, 4)), "writes": rng.choice((1, 2)), "documented": False}
    if rng.random() < 0.5:
        hazards.rules.append({"method": "*", "path": ".*", "kind": "throttle", "times": rng.randint(4, 12),
                              "probability": 1.0, "retry_after": 1})


def _pay_faults(rng, hazards, long_delay):
    hazards.kinds.append("payment faults")
    # Every such round has gateway errors after the payment went through, and one or two kinds of the simulator's.
    hazards.proxy = {"times": rng.randint(1, 3), "probability": 0.7, "statuses": (502, 503, 504)}
    for kind in rng.sample(UNKNOWN_PAY_FAULTS[:-1], rng.randint(1, 2)):
        rule = {"method": "POST", "path": PAY_PATTERN, "kind": kind, "times": rng.randint(1, 3),
                "probability": 0.7}
        if kind == "latency":
            rule["delay"] = long_delay
        elif kind in ("error", "html"):
            rule["status"] = rng.choice((500, 502, 503, 504) if kind == "error" else (502, 503))
        hazards.rules.append(rule)


def order_amount(target, item):
    """What the simulator charges for the target's change order (pro rata for a fresh seed's period)."""
    if not target.expects_order or target.decrease == "at_renewal":
        return 0.0
    bandwidth = dict(item, size=target.size)
    return pricing.change_amount(target.service, bandwidth, target.new_size, dict(DEFAULT_CONFIG))


def _limits(rng, targets, items, hazards):
    """Some auto-pay module targets get a limit within their order's amount, or below it (the order is held)."""
    for target in targets:
        if target.via != "module" or not (target.expects_order and target.auto_pay) or target.id in hazards.foreign:
            continue
        amount = order_amount(target, items[target.id])
        # Every round limits its first auto-pay order that costs anything; the others, one in two.
        first = amount > 0 and "spend limits" not in hazards.kinds
        if not first and rng.random() >= LIMIT_SHARE:
            continue
        # That first one goes over its limit; the others that cost anything, one in three.
        over = first or (amount > 0 and rng.random() < 1 / 3)
        limit = round(amount * rng.uniform(0.2, 0.9), 2) if over else round(amount * rng.uniform(1.05, 2.0) + 1, 2)
        which = rng.choice(("max_order_amount", "max_run_amount", "both"))
        target.limits = {key: limit for key in ("max_order_amount", "max_run_amount") if which in (key, "both")}
        target.expected_amount = amount
        if over:
            target.held = "over_limit"
        if "spend limits" not in hazards.kinds:
            hazards.kinds.append("spend limits")


def _role_limit(rng, targets, items):
    """The role's auto-pay targets share one run: a max_run_amount above what their orders cost together."""
    role = [t for t in targets if t.via == "role" and t.auto_pay and t.prepaid]
    if not role or rng.random() >= LIMIT_SHARE:
        return
    total = sum(order_amount(t, items[t.id]) for t in role)
    limit = round(total * rng.uniform(1.05, 2.0) + 1, 2)
    for target in role:
        target.limits = {"max_run_amount": limit}


def _foreign(rng, targets, hazards, sizes):
    candidates = [t for t in targets if t.via == "module" and t.expects_order]
    if not candidates:
        return
    target = rng.choice(candidates)
    choices = [s for s in sizes[target.service] if s not in (target.size, target.new_size)]
    hazards.foreign[target.id] = rng.choice(choices)
    target.held = "foreign"
    hazards.kinds.append("foreign order")


def draw(rng, round_no, targets, sim_seed, sizes, long_delay):
    """The hazards of a round; a cycle over the round numbers makes even a short campaign meet each of them."""
    hazards = Hazards()
    # One stream per hazard, so that a change in how one is drawn leaves the others as they were.
    storm, pay, foreign, limits = (random.Random(rng.getrandbits(64)) for _stream in range(4))
    items = {item["bandwidth_id"]: item for item in sim_seed["workspace_bandwidths"]}
    items.update({item["id"]: item for item in sim_seed["vpc_bandwidths"]})
    if round_no % 4 in (1, 2):
        _storm(storm, hazards)
        sim_seed["config"]["rate_limits"] = hazards.rate_limits
    if round_no % 2 == 0:
        _pay_faults(pay, hazards, long_delay)
    if round_no % 4 in (0, 3):
        _foreign(foreign, targets, hazards, sizes)
    _limits(limits, targets, items, hazards)
    _role_limit(limits, targets, items)
    return hazards


# -- the foreign orders ----------------------------------------------------------------------

def _signed(url, method, path, body, credentials=OTHER_USER):
    access_key, secret_key, token = credentials
    data = json.dumps(body).encode("utf-8")
    headers = sign_request(method, url + path, {"Content-Type": "application/json;charset=UTF-8",
                                                "X-Security-Token": token}, data, access_key, secret_key)
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def place_foreign_orders(simulator, hazards, targets):
    """Place each foreign order unpaid, as another user of the account would, before the round starts."""
    for target in targets:
        size = hazards.foreign.get(target.id)
        if size is None:
            continue
        if target.service == "workspace":
            path = "/v2/%s/bandwidths/%s/periodic/change/order" % (harness.PROJECT_ID, target.id)
            body = {"bandwidth_size": str(size), "extend_param": {"is_auto_pay": "false"}}
            answer = _signed(simulator.url, "POST", path, body)
        else:
            path = "/v2.0/%s/bandwidths/%s" % (harness.PROJECT_ID, target.id)
            answer = _signed(simulator.url, "PUT", path, {"bandwidth": {"size": size},
                                                          "extendParam": {"is_auto_pay": False}})
        hazards.foreign_orders[answer["order_id"]] = target.id
        target.held_order = answer["order_id"]
    if hazards.foreign_orders:
        simulator.admin.clear_log()


# -- judging -----------------------------------------------------------------------------

def _phase(seq, start_b, start_c):
    return "A" if seq <= start_b else ("B" if seq <= start_c else "C")


def payments(log):
    """The pay requests of a round: (entry, order id, applied), applied when billing took the payment."""
    found = []
    for entry in log:
        if entry.get("operation") != "bss.pay":
            continue
        order_id = (entry.get("body") or {}).get("order_id")
        applied = entry.get("status") == 204 or (entry.get("fault") == "drop_after" and entry.get("status") is None)
        found.append((entry, order_id, applied))
    return found


class MoneyFigures:
    """What :func:`judge` counts in one round."""

    def __init__(self):
        self.paid_twice = 0
        self.foreign_payments = 0
        self.foreign_new_orders = 0
        self.over_limit_payments = 0
        self.throttling_failures = 0
        self.limited_runs = 0
        self.held_over_limit = 0
        self.unknown_payments = 0
        self.unknown_payments_settled = 0

    def add(self, other):
        for key, value in vars(other).items():
            setattr(self, key, getattr(self, key) + value)


def judge(result, hazards, state, log, start_b, start_c):
    """The money and throttling rules of one round; violations go to ``result``, counts to ``result.money``."""
    money = result.money
    orders = {order.get("order_id"): order for order in state["orders"]}
    by_target = {t.id: t for t in result.targets}
    paid = payments(log)
    applied = collections.Counter(order_id for _entry, order_id, ok in paid if ok)
    for order_id, count in applied.items():
        if count > 1:
            money.paid_twice += 1
            result.violation(by_target.get(orders.get(order_id, {}).get("resource_id")), "order %s paid %d times"
                             % (order_id, count))
    _judge_foreign(result, hazards, orders, paid)
    _judge_limits(result, orders, paid, start_b, start_c)
    _judge_unknown_payments(result, orders, paid, start_b)
    for phase, message in result.messages:
        if THROTTLING.search(message):
            money.throttling_failures += 1
            result.violation(None, "phase %s failed because of throttling: %s" % (phase, message))


def _judge_foreign(result, hazards, orders, paid):
    for order_id, target_id in hazards.foreign_orders.items():
        target = next(t for t in result.targets if t.id == target_id)
        sent = [entry for entry, paid_id, _ok in paid if paid_id == order_id]
        if sent:
            result.money.foreign_payments += len(sent)
            result.violation(target, "the run sent %d payment(s) of order %s, which it did not place"
                             % (len(sent), order_id))
        if orders[order_id]["status"] != 6:
            result.violation(target, "the foreign order %s is no longer pending payment (status %s)"
                             % (order_id, orders[order_id]["status"]))
        mine = [o for o in orders.values() if o["resource_id"] == target_id and o["order_id"] != order_id]
        if mine:
            result.money.foreign_new_orders += len(mine)
            result.violation(target, "ordered %s for a bandwidth with a foreign open order"
                             % ", ".join(o["order_id"] for o in mine))


def _judge_limits(result, orders, paid, start_b, start_c):
    """Each paid order within max_order_amount, each run's paid orders within max_run_amount; held orders unpaid."""
    limited = [t for t in result.targets if getattr(t, "limits", None)]
    result.money.limited_runs += len(limited)
    spent = collections.defaultdict(float)
    for entry, order_id, ok in paid:
        order = orders.get(order_id)
        target = next((t for t in limited if order and t.id == order["resource_id"]), None)
        if not ok or target is None:
            continue
        amount = order["amount_after_discount"]
        key = (target.host, _phase(entry["seq"], start_b, start_c))
        spent[key] += amount
        cap = target.limits.get("max_order_amount")
        run_cap = target.limits.get("max_run_amount")
        if (cap is not None and amount > cap) or (run_cap is not None and spent[key] > run_cap + 1e-9):
            result.money.over_limit_payments += 1
            result.violation(target, "order %s (%s) was paid over the limits %s" % (order_id, amount, target.limits))
    for target in limited:
        if getattr(target, "held", None) != "over_limit":
            continue
        result.money.held_over_limit += 1
        held = [o for o in orders.values() if o["resource_id"] == target.id]
        if len(held) != 1 or held[0]["status"] != 6:
            result.violation(target, "the order over its limit is not the one order left pending payment: %s"
                             % [(o["order_id"], o["status"]) for o in held])
            continue
        target.held_order = held[0]["order_id"]
        # Phase A fails naming the order; when its answer was lost, the fault-free phase B names it.
        named = [m for phase, m in result.messages if phase in "AB" and target.held_order in m]
        if not result.a_failures.get(target.id) or not named:
            result.violation(target, "phase A did not fail, or no failure named order %s, over its limit"
                             % target.held_order)


def _judge_unknown_payments(result, orders, paid, start_b):
    """A payment whose outcome was unknown in phase A is settled there: phase B never pays that order."""
    unknown = {order_id for entry, order_id, _ok in paid
               if entry["seq"] <= start_b and entry.get("fault") in UNKNOWN_PAY_FAULTS}
    for order_id in unknown:
        if order_id not in orders or order_id in {getattr(t, "held_order", None) for t in result.targets}:
            continue
        result.money.unknown_payments += 1
        again = [entry for entry, paid_id, _ok in paid if paid_id == order_id and entry["seq"] > start_b]
        target = next((t for t in result.targets if t.id == orders[order_id]["resource_id"]), None)
        failed = [m for m in result.a_failures.get(target.id if target else None, []) if order_id in m]
        if again or failed:
            result.violation(target, "the payment of order %s had an unknown outcome in phase A and did not settle "
                                     "there: %s" % (order_id, "; ".join(failed) or "phase B paid it"))
        else:
            result.money.unknown_payments_settled += 1

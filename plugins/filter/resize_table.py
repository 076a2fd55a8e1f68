# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: resize_table
version_added: 1.0.0
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
short_description: Format resize plan entries or report rows as a text table
description:
  - Turns the RV(hwcloud.bandwidth.resize#module:plan) entries, or the rows of
    P(hwcloud.bandwidth.resize_report#filter) and of the C(bandwidth_resize_report) fact, into aligned lines, for an
    C(ansible.builtin.debug) message.
  - Columns are the service, name, id, the size before and after, the action, and, when some row has them, the
    change of the monthly bill (list prices, V(?) when unknown), the status, order id and order status, the amount
    of the order and a short reason.
  - Rows of O(hwcloud.bandwidth.resize#module:targets[].size=auto) targets carry their utilization; then the
    columns also show the peak and percentile traffic in Mbit/s, the utilization of the current size and the
    recommended size, so that a right-sizing dry run reads at a glance.
positional: unchanged
options:
  _input:
    description:
      - The rows; each a dictionary with C(service), C(id), C(name), C(size_before), C(size_after), C(action)
        and optionally C(order_id) and C(order_status).
    type: list
    elements: dict
    required: true
  unchanged:
    description:
      - Whether unchanged rows get a line each.
      - When V(false), they are counted in one closing line instead, which keeps the output of a large,
        mostly converged fleet short. A row with an order, a failure or utilization evidence always shows.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Show the report
  ansible.builtin.debug:
    msg: "{{ bandwidth_resize_report | hwcloud.bandwidth.resize_table(unchanged=false) }}"
"""

RETURN = r"""
_value:
  description: The lines of the table, a header first.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

COLUMNS = (
    ("service", "SERVICE"),
    ("name", "NAME"),
    ("id", "ID"),
    ("sizes", "SIZE (Mbit/s)"),
    ("peak", "PEAK"),
    ("percentile", "PERCENTILE"),
    ("utilization", "UTIL %"),
    ("recommended", "RECOMMENDED"),
    ("action", "ACTION"),
    ("monthly", "MONTHLY"),
    ("status", "STATUS"),
    ("order_id", "ORDER"),
    ("order_status", "ORDER STATUS"),
    ("amount", "AMOUNT"),
    ("reason", "REASON"),
)
# A reason is cut to this many characters in the table; the full text is in the plan and the report.
REASON_WIDTH = 72


OPTIONAL = ("peak", "percentile", "utilization", "recommended", "monthly", "status", "order_id", "order_status",
            "amount", "reason")


def _short(text):
    if not text:
        return None
    text = " ".join(str(text).split())
    return text if len(text) <= REASON_WIDTH else text[:REASON_WIDTH - 3].rstrip() + "..."


def _monthly(price):
    """The change of the monthly bill in the table: +12.50 CNY, 0, or ? when it cannot be told."""
    if not price:
        return None
    change = price.get("monthly_change")
    if change is None:
        return "?"
    if change == 0:
        return "0"
    return "%+.2f %s" % (change, price.get("currency") or "")


def _quiet(row):
    """An unchanged row: nothing to do and nothing to tell (no order, no evidence, no failure)."""
    if row.get("action") != "none" or row.get("usage") or row.get("order_id"):
        return False
    return row.get("status") in (None, "unchanged", "ok")


def _cells(row):
    before, after = row.get("size_before"), row.get("size_after")
    sizes = "%s" % before if before == after else "%s -> %s" % (before, after)
    usage = row.get("usage") or {}
    cells = {
        "peak": usage.get("peak_mbit"),
        "percentile": usage.get("percentile_mbit"),
        "utilization": usage.get("utilization_percent"),
        "recommended": usage.get("recommended_size"),
        "service": row.get("service"),
        "name": row.get("name"),
        "id": row.get("id"),
        "sizes": sizes,
        "action": row.get("action"),
        "status": row.get("status"),
        "order_id": row.get("order_id"),
        "order_status": row.get("order_status"),
        "monthly": _monthly(row.get("price")),
        "amount": None if row.get("amount") is None else "%.2f %s" % (row["amount"], row.get("currency") or ""),
        "reason": _short(row.get("msg") if row.get("status") in ("failed", "not_started") else row.get("reason")),
    }
    return ["" if cells[key] is None else str(cells[key]) for key, _title in COLUMNS]


def resize_table(rows, unchanged=True):
    """Aligned text lines for the rows, a header first."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise AnsibleFilterError("resize_table expects a list of dictionaries")
    # Only the quiet rows may be folded: a right-sized row shows its evidence, an order or a failure shows too.
    shown = [row for row in rows if unchanged or not _quiet(row)]
    hidden = len(rows) - len(shown)
    table = [[title for _key, title in COLUMNS]] + [_cells(row) for row in shown]
    # The order columns only when some row has an order.
    columns = [index for index, (key, _title) in enumerate(COLUMNS)
               if key not in OPTIONAL or any(line[index] for line in table[1:])]
    table = [[line[index] for index in columns] for line in table]
    widths = [max(len(line[column]) for line in table) for column in range(len(columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
    if hidden:
        lines.append("(%d more unchanged)" % hidden if shown else "(%d unchanged)" % hidden)
    return lines


def resize_orders(orders):
    """One line per order of ``pending_orders`` (id, bandwidths and sizes, amount), and the total."""
    if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
        raise AnsibleFilterError("resize_orders expects the pending_orders that hwcloud.bandwidth.resize returned")
    lines, totals, unknown = [], {}, 0
    for order in orders:
        changes = ", ".join("%s %s (%s) %s -> %s Mbit/s" % (t.get("service"), t.get("name"), t.get("id"),
                                                            t.get("size_before"), t.get("size_after"))
                            for t in order.get("targets") or [])
        amount = order.get("amount")
        if amount is None:
            unknown += 1
            money = "amount unknown"
        else:
            currency = order.get("currency") or ""
            totals[currency] = totals.get(currency, 0.0) + amount
            money = "%.2f %s" % (amount, currency)
        lines.append("%s  %s  %s" % (order.get("order_id"), changes, money))
    if orders:
        total = ", ".join("%.2f %s" % (value, currency) for currency, value in sorted(totals.items())) or "unknown"
        lines.append("total %s%s" % (total, " (and %d order(s) of unknown amount)" % unknown if unknown else ""))
    return lines


class FilterModule:
    """Text tables of the bandwidth_resize role and of the approval playbooks."""

    def filters(self):
        return {"resize_table": resize_table, "resize_orders": resize_orders}

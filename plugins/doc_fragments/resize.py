# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of the modules that change bandwidths (one engine for one bandwidth and many).
    DOCUMENTATION = r"""
options:
  auto_pay:
    description:
      - Whether the change order of a yearly/monthly bandwidth is paid at once from the account balance.
      - With V(false), the order waits for payment; the module returns its order ID with the status
        V(pending_payment) and a warning, and the change takes effect once the order is paid (with
        M(hwcloud.bandwidth.order) or in the billing console).
      - With V(true), a bandwidth that already has an open change order (pending payment or processing) fails,
        naming that order, and no other order is placed; pay or cancel it first.
      - Has no effect on a pay-per-use bandwidth.
    type: bool
    default: false
  max_order_amount:
    description:
      - The most that O(auto_pay=true) may pay for one change order, in the account's currency (for example V(500)).
      - With a limit, each order is placed unpaid, its amount is read from the billing order, and it is paid only when
        it keeps within O(max_order_amount) and O(max_run_amount). An order over a limit is left pending payment (never
        cancelled) and its target fails, naming the order, its amount, the limit and how to pay it.
      - An order whose amount cannot be read is not paid. A payment whose outcome is unknown counts as spent.
      - In check mode, the estimated monthly change of each order (list prices) is compared with the limit, with a
        warning; the amount of an order is only known once it is placed.
    version_added: 1.2.0
    type: float
  max_run_amount:
    description:
      - The most that O(auto_pay=true) may pay for all the orders of this task together, in the account's currency.
      - Works like O(max_order_amount); orders are paid as they are placed, and the first order that would pass the
        limit, and every later one, stays pending payment.
    version_added: 1.2.0
    type: float
  prepaid_decrease:
    description:
      - What to do when the desired size of a yearly/monthly bandwidth is smaller than the current one.
      - V(refuse) fails before anything is written, and says how to allow the decrease.
      - V(immediate) orders the smaller size now (the provider may refund the difference; some regions only allow a
        decrease at renewal and answer with an error).
    type: str
    choices: [refuse, immediate]
    default: refuse
  wait:
    description:
      - Whether to wait until every change is applied (a job finished, a paid order completed, the bandwidth showing
        the new values), reading the bandwidths again to verify.
      - With V(false), the module returns once the updates and orders have been accepted.
      - Orders left pending payment (O(auto_pay=false)) are never waited for.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true), for all the changes together. Must be positive.
    type: int
    default: 600
"""

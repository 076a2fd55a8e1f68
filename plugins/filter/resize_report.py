# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: resize_report
version_added: 1.0.0
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
short_description: One report row per target from what M(hwcloud.bandwidth.resize) returned
description:
  - Joins the RV(hwcloud.bandwidth.resize#module:plan) entries with the RV(hwcloud.bandwidth.resize#module:results)
    of the same bandwidth, so that a person reads one row per target.
  - Formatting only, every decision was made by the module.
positional: results
options:
  _input:
    description: The C(plan) that M(hwcloud.bandwidth.resize) returned.
    type: list
    elements: dict
    required: true
  results:
    description: The C(results) of that run, or of a later run that followed it (O(hwcloud.bandwidth.resize#module:follow)).
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Show one row per target
  ansible.builtin.debug:
    msg: "{{ resized.plan | hwcloud.bandwidth.resize_report(resized.results) | hwcloud.bandwidth.resize_table }}"
"""

RETURN = r"""
_value:
  description:
    - One row per plan entry, with its C(service), C(id), C(name), C(size_before), C(size_after), C(action),
      C(billing_mode), C(reason) and C(price), and from its result C(status), C(order_id), C(order_status),
      C(job_id), C(amount), C(currency) and C(msg). An entry without a result has C(status) V(unchanged) when its action is V(none), else V(planned).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

RESULT_KEYS = ("status", "order_id", "order_status", "job_id", "amount", "currency", "msg")


def resize_report(plan, results=None):
    """Plan entries joined with the results of the same bandwidth."""
    if not isinstance(plan, list) or not isinstance(results or [], list):
        raise AnsibleFilterError("resize_report expects the plan and the results that hwcloud.bandwidth.resize returned")
    by_key = {(r.get("service"), r.get("id")): r for r in results or [] if isinstance(r, dict)}
    rows = []
    for entry in plan:
        row = dict(entry)
        result = by_key.get((entry.get("service"), entry.get("id")))
        for key in RESULT_KEYS:
            row.setdefault(key, None)
        if result is None:
            row["status"] = row["status"] or ("unchanged" if entry.get("action") == "none" else "planned")
        else:
            row.update((key, result.get(key)) for key in RESULT_KEYS)
        rows.append(row)
    return rows


class FilterModule:
    """The report rows of the bandwidth_resize role."""

    def filters(self):
        return {"resize_report": resize_report}

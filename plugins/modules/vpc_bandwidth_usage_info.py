#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_bandwidth_usage_info
short_description: Recommend sizes for Huawei Cloud VPC (EIP) bandwidths from their measured use
version_added: 1.0.0
description:
  - Reads the hourly maxima of the upstream and downstream bandwidth of VPC bandwidths from Cloud Eye (CES) over a
    window, and recommends a size for each from the larger of the two each hour.
  - The rule takes the nearest-rank percentile of the hourly values (in Mbit/s), adds the headroom, rounds up to the
    next valid VPC size (any size up to 300 Mbit/s, multiples of 50 up to 1000, multiples of 500 above) and holds the
    result within O(usage.min_size) and O(usage.max_size). A bandwidth billed by traffic is capped at 300 Mbit/s.
  - With fewer than O(usage.min_hours) hourly points (a new bandwidth, or no metrics at all) the size is kept and the
    reason says so.
  - The size range comes from the region's EIP bandwidth limits when they can be read, and from the documented
    defaults (1 to 2000 Mbit/s) otherwise.
  - Reads only; never changes a bandwidth. To apply the recommendations use M(hwcloud.bandwidth.resize) with
    C(size=auto), which follows the same rule and the yearly/monthly decrease policy.
  - Cloud Eye answers at most 3000 datapoints per query, so the reads are packed (17 metrics per query for a 7-day
    window) and sent 8 at a time.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
  - hwcloud.bandwidth.usage
requirements:
  - pygal (only when O(plot_dir) is set)
options:
  ids:
    description:
      - The IDs of the bandwidths to analyse. Every VPC bandwidth of the region when not set.
      - An ID that is not a VPC bandwidth of the region fails the module before Cloud Eye is read.
    type: list
    elements: str
  plot_dir:
    description:
      - When set, write one small SVG chart per bandwidth into this directory (created when missing), named after the
        bandwidth ID, showing the hourly values, the current size and the recommended size. Needs the Python library
        pygal on the host that runs the module.
      - The charts are written in check mode too; they are local files, not changes to the cloud.
    type: path
notes:
  - Needs the Cloud Eye permission C(ces:metricData:list) (read metric data) besides reading the VPC bandwidths.
  - A dedicated (V(PER)) bandwidth is measured under its elastic public IP, a shared (V(WHOLE)) one under its own ID.
  - Metrics trail a resize by 5 to 10 minutes; the reason of a bandwidth changed in the last hour says so.
attributes:
  check_mode:
    description: Can run in check mode and return the same result, as it changes nothing in the cloud.
    support: full
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: none
seealso:
  - module: hwcloud.bandwidth.vpc_bandwidth_info
  - module: hwcloud.bandwidth.resize
"""

EXAMPLES = r"""
- name: Recommend sizes for every VPC bandwidth from the last 7 days (credentials from the HW_* variables)
  hwcloud.bandwidth.vpc_bandwidth_usage_info:
    region: cn-north-4
  register: usage

- name: Show the bandwidths whose recommended size differs
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.size }} -> {{ item.recommended_size }} Mbit/s ({{ item.reason }})"
  loop: "{{ usage.bandwidths | rejectattr('recommended_size', 'equalto', none) | list }}"
  when: item.recommended_size != item.size

- name: Size two bandwidths for their peak over 14 days, never below 10 Mbit/s, with charts
  hwcloud.bandwidth.vpc_bandwidth_usage_info:
    region: cn-north-4
    ids:
      - 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d
      - 4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e
    usage:
      window_days: 14
      percentile: 100
      headroom_percent: 10
      min_size: 10
    plot_dir: /tmp/bandwidth-usage
  register: peaks
"""

RETURN = r"""
bandwidths:
  description: One entry per bandwidth analysed, in the order of O(ids) or of the listing.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The ID of the bandwidth.
      type: str
      sample: 4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e
    name:
      description: The name of the bandwidth.
      type: str
      sample: shared-web-prod
    size:
      description: The current size in Mbit/s.
      type: int
      sample: 50
    billing_mode:
      description: V(prepaid) for a yearly/monthly bandwidth, V(on_demand) for a pay-per-use one. A smaller
        recommended size of a prepaid bandwidth is a billing order when applied.
      type: str
      sample: on_demand
    hours:
      description: How many hourly points Cloud Eye returned for the window.
      type: int
      sample: 169
    peak_mbit:
      description: The largest hourly value in Mbit/s; null without data.
      type: float
      sample: 50.0
    percentile_mbit:
      description: The nearest-rank percentile of the hourly values in Mbit/s; null without data.
      type: float
      sample: 49.2
    utilization_percent:
      description: The percentile as a percentage of the current size, to one decimal; null without data.
      type: float
      sample: 98.4
    recommended_size:
      description: The recommended size in Mbit/s; the current size when there are too few hourly points.
      type: int
      sample: 63
    reason:
      description: The evidence behind the recommendation, or why the size is kept, as a sentence.
      type: str
      sample: "the 95th percentile of 169 hourly maxima over 7 days is 49.2 Mbit/s (peak 50 Mbit/s, 98.4% of 50 Mbit/s);
        with 25% headroom it needs 61.5 Mbit/s, the next valid size is 62 Mbit/s: increase from 50 to 62 Mbit/s"
    plot:
      description: The path of the SVG chart of the bandwidth.
      type: str
      returned: when O(plot_dir) is set
      sample: /tmp/bandwidth-usage/4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e.svg
"""

import os
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule, usage_argument_spec
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import CloudEye, UsagePolicy, recommend
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths

CLOUD_EYE_WORKERS = 8


def _load_pygal():
    """pygal is needed only for the charts: imported when they are asked for."""
    try:
        import pygal  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, traceback.format_exc()
    return pygal, None


def write_plot(pygal, path, entry, values):
    """One small SVG: the hourly values, the current size and the recommended size."""
    chart = pygal.Line(width=640, height=260, show_dots=False, show_x_labels=False, x_title="hours",
                       y_title="Mbit/s", title="%s (%s)" % (entry["name"], entry["id"]), legend_at_bottom=True)
    count = max(1, len(values))
    chart.add("hourly maximum", [round(value, 3) for value in values])
    chart.add("current size %s" % entry["size"], [entry["size"]] * count)
    chart.add("recommended %s" % entry["recommended_size"], [entry["recommended_size"]] * count)
    chart.render_to_file(path)


class VpcBandwidthUsageInfoModule(BandwidthModule):
    argument_spec = dict(
        ids=dict(type="list", elements="str"),
        usage=usage_argument_spec(),
        plot_dir=dict(type="path"),
    )

    def run(self):
        params = self.module.params
        pygal = None
        if params["plot_dir"]:
            pygal, error = _load_pygal()
            if pygal is None:
                self.module.fail_json(msg=missing_required_lib("pygal", reason="to write the charts of plot_dir"),
                                      exception=error)
        # Validate the options before any call, against the documented defaults; the region's
        # limits, when readable, narrow them below.
        UsagePolicy.from_params(params["usage"], VpcSizes())
        service = VpcBandwidths(self.client)
        bandwidths = self._select(service.list(), params["ids"])
        policy = UsagePolicy.from_params(params["usage"], VpcSizes(service.size_limits() or {}))
        eye = CloudEye(self.client, workers=CLOUD_EYE_WORKERS)
        series = eye.hourly_maxima(bandwidths, window_days=policy.window_days)
        entries = [recommend(bandwidth, series.get(bandwidth["id"]), policy) for bandwidth in bandwidths]
        if pygal is not None:
            directory = params["plot_dir"]
            os.makedirs(directory, exist_ok=True)
            for entry in entries:
                entry["plot"] = os.path.join(directory, "%s.svg" % entry["id"])
                write_plot(pygal, entry["plot"], entry, series.get(entry["id"]) or [])
        self.result["bandwidths"] = entries

    def _select(self, bandwidths, ids):
        if not ids:
            return bandwidths
        by_id = {bandwidth["id"]: bandwidth for bandwidth in bandwidths}
        unknown = [bandwidth_id for bandwidth_id in ids if bandwidth_id not in by_id]
        if unknown:
            self.fail("no VPC bandwidth of region %s has the id %s (of %d listed); check ids and the region, "
                      "hwcloud.bandwidth.vpc_bandwidth_info lists the bandwidths"
                      % (self.module.params["region"], ", ".join(unknown), len(bandwidths)))
        seen = set()
        chosen = []
        for bandwidth_id in ids:
            if bandwidth_id not in seen:
                seen.add(bandwidth_id)
                chosen.append(by_id[bandwidth_id])
        return chosen


def main():
    VpcBandwidthUsageInfoModule.main()


if __name__ == "__main__":
    main()

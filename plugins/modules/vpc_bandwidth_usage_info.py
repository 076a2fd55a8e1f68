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
  - With O(regions) one task reads the bandwidths of several regions, each region with its own project, size limits
    and Cloud Eye, and prices every recommendation with one inquiry of the billing service, which is global.
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
extends_documentation_fragment:
  - hwcloud.bandwidth.common
  - hwcloud.bandwidth.usage
requirements:
  - pygal (only when O(plot_dir) is set)
options:
  ids:
    description:
      - The IDs of the bandwidths to analyse, in any of the regions read. Every VPC bandwidth of those regions when
        not set.
      - An ID that is not a VPC bandwidth of any region read fails the module before Cloud Eye is read.
    type: list
    elements: str
  regions:
    description:
      - The regions whose VPC bandwidths to analyse, for example V(cn-north-4) and V(ap-southeast-1). Each is read
        once, in the order given, and the totals in RV(monthly_change) cover them all.
      - When set, exactly these regions are read, and O(region) is read only when it is listed too. O(region) still
        names the region whose project O(project_id) is; every other region's project is looked up through IAM by
        its name (one request per region). Without O(region) and E(HW_REGION_NAME), that region is the first of
        O(regions).
      - When not set, or empty, only O(region) is read.
      - A plain URL in O(endpoints) serves every region; a service's entry may map regions to URLs instead.
      - Every region is listed before Cloud Eye is read in any, and an error in any region fails the task with a
        message that names the region.
    type: list
    elements: str
    version_added: 1.2.0
  plot_dir:
    description:
      - When set, write one SVG chart per bandwidth into this directory (created when missing), and one overview page
        C(overview.html) of the whole run. Needs the Python library pygal on the host that runs the module.
      - A chart is named after the bandwidth's name, made safe for a file name (characters other than letters, digits,
        C(_), C(-) and C(.) become C(_)), and the first 8 characters of its ID, for example
        C(shared-web_2f8b4c6a.svg) (the whole ID if two bandwidths would share a file name, and the whole ID and the
        region if they would still share it). The charts of every region of O(regions) go into this directory.
      - A chart shows the hourly maxima against their date and hour (UTC) on a y-axis that starts at 0, with
        horizontal lines for the percentile of O(usage.percentile), the current size and the recommended size, and a
        note when there are fewer than O(usage.min_hours) hourly points (the size is kept) or when the bandwidth is
        saturated (5% of the hours or more at 95% of its size; demand above the size is not visible).
      - The overview page lists every bandwidth with its size, hours, peak, percentile, utilization (with a bar),
        saturation, recommendation and reason, and shows its chart.
      - The charts are written in check mode too; they are local files, not changes to the cloud. Files of an earlier
        run in the directory are overwritten when the names match and kept otherwise.
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

- name: Size two bandwidths for their peak over 14 days, never below 10 Mbit/s, with charts next to the playbook
  hwcloud.bandwidth.vpc_bandwidth_usage_info:
    region: cn-north-4
    ids:
      - 2f8b4c6a-0d3e-4a5f-9b7c-9e4d3a2f6c83
      - 3a9c5d7b-1e4f-4b6a-8c8d-0f5e4b3a7d94
    usage:
      window_days: 14
      percentile: 100
      headroom_percent: 10
      min_size: 10
    plot_dir: "{{ playbook_dir }}/bandwidth-usage"
  register: peaks

- name: Show where the charts are
  ansible.builtin.debug:
    msg: "Charts: {{ peaks.bandwidths | map(attribute='plot') | join(', ') }}; overview: {{ peaks.overview }}"

- name: Recommend sizes for the VPC bandwidths of two regions, with one monthly total for both
  hwcloud.bandwidth.vpc_bandwidth_usage_info:
    regions:
      - cn-north-4
      - cn-south-1
  register: fleet

- name: Show each recommendation with its region
  ansible.builtin.debug:
    msg: "{{ item.region }} {{ item.name }}: {{ item.size }} -> {{ item.recommended_size }} Mbit/s"
  loop: "{{ fleet.bandwidths }}"

- name: Show what the recommendations of both regions save or cost a month together
  ansible.builtin.debug:
    msg: >-
      {{ fleet.monthly_change.monthly_change }} {{ fleet.monthly_change.currency }} a month
      ({{ fleet.monthly_change.unknown }} not priced)
"""

RETURN = r"""
bandwidths:
  description:
    - One entry per bandwidth analysed, in the order of O(ids), or region by region (in the order of O(regions)) in
      the order of each region's listing.
    - A smaller recommended size of a yearly/monthly (V(prepaid)) bandwidth is a billing order when applied.
  returned: always
  type: list
  elements: dict
  contains:
    # Generated from plugins/doc_fragments/bandwidth.py by tests/utils/sync_return_docs.py: change the fields there.
    id:
      description: The ID of the bandwidth.
      type: str
      sample: 3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d
    name:
      description: The name of the bandwidth.
      type: str
      sample: shared-web-prod
    size:
      description: The size in Mbit/s.
      type: int
      sample: 100
    billing_mode:
      description: V(prepaid) for a yearly/monthly bandwidth (its billing information is not empty), V(on_demand) for a
        pay-per-use one.
      type: str
      choices: [prepaid, on_demand]
      sample: prepaid
    # End of the generated fields.
    region:
      description: The region of the bandwidth, one of O(regions) (or O(region)).
      type: str
      sample: cn-north-4
      version_added: 1.2.0
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
      sample: 49.2
    saturated_percent:
      description:
        - The share of the hourly values (%) that reached 95% of the current size, to one decimal; null without data.
        - From 5% on, the bandwidth held its traffic down, the demand above the size is not measured, and the
          recommendation is one size step larger.
      type: float
      sample: 0.0
    recommended_size:
      description: The recommended size in Mbit/s; the current size when there are too few hourly points.
      type: int
      sample: 62
    reason:
      description: The evidence behind the recommendation, or why the size is kept, as a sentence.
      type: str
      sample: "the 95th percentile of 169 hourly maxima over 7 days is 49.2 Mbit/s (peak 50 Mbit/s, 49.2% of 100 Mbit/s);
        with 25% headroom it needs 61.5 Mbit/s, the next valid size is 62 Mbit/s: decrease from 100 to 62 Mbit/s"
    price:
      description:
        - What the recommendation saves (negative) or costs a month at list prices - C(currency), C(monthly_before),
          C(monthly_after), C(monthly_change), and C(reason) when it cannot be told (billing by traffic, no
          permission); C(monthly_change) is V(0) when the size is kept.
      type: dict
      version_added: 1.2.0
    plot:
      description: The path of the SVG chart of the bandwidth, named after its name and ID (see O(plot_dir)).
      type: str
      returned: when O(plot_dir) is set
      sample: /tmp/bandwidth-usage/shared-web-prod_3a5b7c9d.svg
monthly_change:
  description:
    - What all the recommendations (of every region read) save or cost a month together, at list prices -
      C(currency), C(monthly_change) and C(unknown) (recommendations that could not be priced).
  returned: always
  type: dict
  sample: {currency: CNY, monthly_change: -1520.0, unknown: 0}
  version_added: 1.2.0
overview:
  description: The path of the overview page (HTML) of the run, which shows every bandwidth and links its chart.
  returned: when O(plot_dir) is set
  type: str
  sample: /tmp/bandwidth-usage/overview.html
"""

import contextlib
import datetime
import html
import os
import re
import time
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import (
    BandwidthModule,
    region_list,
    usage_argument_spec,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._pricing import Prices, unknown_price
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import CloudEye, UsagePolicy, recommend
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths

CLOUD_EYE_WORKERS = 8


SATURATED_PERCENT = 5
HOUR = 3600
SAFE_NAME = re.compile(r"[^\w.-]+")
COLORS = ("#1f77b4", "#7f7f7f", "#ff7f0e", "#2ca02c")  # hourly maxima, current size, percentile, recommended


def _load_pygal():
    """pygal is needed only for the charts: imported when they are asked for."""
    try:
        import pygal  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, traceback.format_exc()
    return pygal, None


def _utc(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def chart_points(series, end):
    """The points of a series as [(UTC datetime, Mbit/s)], oldest first, and whether their times were derived.

    A point may carry its time: a (timestamp in ms, value) pair or a dict with C(timestamp) and C(value) or
    C(max). Bare values (oldest first, one per hour) get their hour counted back from the hour of the window
    end (C(end), seconds); hours without data are left out of a series, so derived times are approximate.
    """
    series = list(series or [])
    if series and all(isinstance(point, (int, float)) for point in series):
        last = int(end) // HOUR * HOUR
        return [(_utc(last - (len(series) - 1 - index) * HOUR), float(value))
                for index, value in enumerate(series)], True
    points = []
    for point in series:
        if isinstance(point, dict):
            stamp, value = point.get("timestamp"), point.get("value", point.get("max"))
        else:
            stamp, value = point
        points.append((_utc(float(stamp) / 1000.0), float(value)))
    return sorted(points), False


def plot_file_name(entry, used):
    """<name made filesystem-safe>_<first 8 characters of the id>.svg; the whole id when that is taken, and the
    whole id and the region when that is taken too (one run may read several regions)."""
    name = SAFE_NAME.sub("_", entry.get("name") or "").strip("._")[:64] or "bandwidth"
    whole = SAFE_NAME.sub("_", str(entry["id"]))
    suffixes = [str(entry["id"])[:8], whole]
    if entry.get("region"):
        suffixes.append("%s_%s" % (whole, SAFE_NAME.sub("_", str(entry["region"]))))
    for suffix in suffixes:
        file_name = "%s_%s.svg" % (name, suffix)
        if file_name not in used:
            used.add(file_name)
            return file_name
    raise ValueError("two bandwidths share the id %s%s" % (
        entry["id"], " in region %s" % entry["region"] if entry.get("region") else ""))


def ordinal(number):
    """95 -> 95th, 99.5 -> 99.5th."""
    if number != int(number):
        return "%gth" % number
    number = int(number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return "%d%s" % (number, suffix)


def chart_notes(entry, min_hours):
    """Short warnings written on a chart: too little data, saturation."""
    notes = []
    if (entry.get("hours") or 0) < min_hours:
        notes.append("Too little data: %d hourly points, %d needed; the size is kept."
                     % (entry.get("hours") or 0, min_hours))
    saturated = entry.get("saturated_percent")
    if saturated is not None and saturated >= SATURATED_PERCENT:
        notes.append("Saturated: %s%% of the hours at 95%% of the size or more; demand above the size is not "
                     "visible." % saturated)
    return notes


def _moment(moment):
    """A day's first hour as its date, other hours with their time (axis labels and tooltips)."""
    return moment.strftime("%b %d" if moment.hour == 0 else "%b %d %H:00")


def x_labels(first, last):
    """Midnights within [first, last]; every 1, 3 or 6 hours when that spans less than two days."""
    hours = (last - first).total_seconds() / HOUR
    step = 24 if hours > 48 else 6 if hours > 24 else 3 if hours > 8 else 1
    moment = first.replace(minute=0, second=0, microsecond=0)
    while moment < first or moment.hour % step:
        moment += datetime.timedelta(hours=1)
    labels = []
    while moment <= last:
        labels.append(moment)
        moment += datetime.timedelta(hours=step)
    return labels or [first]


def _chart(pygal, title, x_title):
    style = pygal.style.Style(colors=COLORS, background="white", plot_background="white", foreground="#333",
                              foreground_strong="#111", foreground_subtle="#999", guide_stroke_color="#e4e4e4",
                              major_guide_stroke_color="#e4e4e4", title_font_size=15, legend_font_size=12,
                              label_font_size=11)
    return pygal.DateTimeLine(
        width=900, height=400, style=style, title=title, x_title=x_title, y_title="Mbit/s",
        show_dots=False, include_x_axis=True, legend_at_bottom=True, legend_at_bottom_columns=2,
        truncate_legend=-1, x_value_formatter=_moment, value_formatter=lambda value: "%g" % round(value, 1),
        show_x_guides=True)


def write_plot(pygal, path, entry, series, policy, end):
    """One SVG: the hourly maxima against their dates, on a y-axis from 0, with horizontal lines for the
    percentile, the current size and the recommended size, and a note when data is short or saturated."""
    points, derived = chart_points(series, end)
    first = points[0][0] if points else _utc(end - policy.window_days * 86400)
    last = points[-1][0] if points else _utc(end)
    where = " in %s" % entry["region"] if entry.get("region") else ""
    heading = "%s (%s)%s, %s" % (entry.get("name"), entry["id"], where, entry.get("billing_mode"))
    title = "\n".join([heading] + chart_notes(entry, policy.min_hours))
    x_title = "hour (UTC)%s" % (", counted back from the end of the window" if derived else "")
    chart = _chart(pygal, title, x_title)
    top = max([point[1] for point in points] + [entry["size"], entry.get("recommended_size") or 0, 1])
    chart.range = (0, top * 1.1)
    chart.x_labels = x_labels(first, last)
    chart.add("hourly maximum", [(moment, round(value, 3)) for moment, value in points])
    # The current size first and solid, so that a percentile or recommendation on the same value stays visible.
    lines = [("current size %s Mbit/s" % entry["size"], entry["size"], {"width": 3}),
             ("recommended %s Mbit/s" % entry.get("recommended_size"), entry.get("recommended_size"),
              {"width": 2, "dasharray": "10,5"})]
    label = "peak" if policy.percentile >= 100 else "%s percentile" % ordinal(policy.percentile)
    percentile = entry.get("percentile_mbit")
    lines.insert(1, ("%s %s" % (label, "no data" if percentile is None else "%s Mbit/s" % percentile),
                     percentile, {"width": 2, "dasharray": "4,4"}))
    for label, value, stroke in lines:
        chart.add(label, [(first, value), (last, value)] if value is not None else [], stroke_style=stroke)
    chart.render_to_file(path)


def _cell(value, suffix=""):
    return "&ndash;" if value is None else html.escape("%s%s" % (value, suffix))


def _overview_row(entry):
    utilization = entry.get("utilization_percent")
    width = min(100.0, utilization or 0.0)
    change = entry.get("recommended_size")
    if change is not None and change != entry["size"]:
        change = "%s &rarr; %s" % (entry["size"], change)
    plot = entry.get("plot")
    link = '<a href="%s"><img src="%s" width="270" alt="chart"></a>' % ((html.escape(os.path.basename(plot)),) * 2) \
        if plot else ""
    saturated = entry.get("saturated_percent")
    flag = ' class="saturated"' if saturated is not None and saturated >= SATURATED_PERCENT else ""
    return ("<tr%s><td>%s<br><small>%s</small></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
            '<td><div class="bar"><div style="width:%.1f%%"></div></div>%s</td><td>%s</td><td>%s</td>'
            "<td><small>%s</small></td><td>%s</td></tr>"
            % (flag, html.escape(entry.get("name") or ""),
               html.escape(entry["id"]) + ("<br>%s" % html.escape(entry["region"]) if entry.get("region") else ""),
               _cell(entry.get("billing_mode")), _cell(entry["size"]), _cell(entry.get("hours")),
               _cell(entry.get("peak_mbit")), _cell(entry.get("percentile_mbit")), width,
               _cell(utilization, " %"), _cell(saturated, " %"), change if change is not None else "&ndash;",
               _cell(entry.get("reason")), link))


def write_overview(path, entries, policy):
    """One HTML page: every bandwidth's size, percentile, utilization and recommendation at a glance."""
    heading = ("VPC bandwidth usage: %s percentile of the hourly maxima over %s days, %s%% headroom"
               % (ordinal(policy.percentile), policy.window_days, policy.headroom_percent))
    rows = "\n".join(_overview_row(entry) for entry in entries)
    regions = list(dict.fromkeys(entry["region"] for entry in entries if entry.get("region")))
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%(title)s</title><style>
body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}.bar{display:inline-block;width:120px;height:10px;background:#eee;margin-right:6px}
.bar div{height:10px;background:#1f77b4}tr.saturated td{background:#fff3e0}
</style></head><body><h1>%(title)s</h1>
<p>%(count)d bandwidth(s)%(regions)s, written %(written)s UTC. Sizes in Mbit/s; utilization is the percentile as a share of the
size; saturated is the share of hours at 95%% of the size or more (highlighted from %(saturated)d%%).</p>
<table><tr><th>bandwidth</th><th>billing</th><th>size</th><th>hours</th><th>peak</th><th>percentile</th>
<th>utilization</th><th>saturated</th><th>recommended</th><th>reason</th><th></th></tr>
%(rows)s
</table></body></html>
""" % {"title": html.escape(heading), "count": len(entries), "rows": rows, "saturated": SATURATED_PERCENT,
       "regions": html.escape(" in %s" % ", ".join(regions)) if regions else "",
       "written": _utc(time.time()).strftime("%Y-%m-%d %H:%M")}
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)


def write_charts(pygal, directory, entries, series, policy, end=None):
    """A chart per entry (its path in the entry's C(plot)) and the overview page; returns the overview's path.

    C(series) holds the hourly values of each entry, in the order of C(entries).
    """
    end = time.time() if end is None else end
    os.makedirs(directory, exist_ok=True)
    used = set()
    for entry, values in zip(entries, series):
        entry["plot"] = os.path.join(directory, plot_file_name(entry, used))
        write_plot(pygal, entry["plot"], entry, values, policy, end)
    overview = os.path.join(directory, "overview.html")
    write_overview(overview, entries, policy)
    return overview


@contextlib.contextmanager
def in_region(region):
    """Name ``region`` in an error raised within, unless the error names it already."""
    try:
        yield
    except HwCloudError as exc:
        if "region %s" % region not in exc.operation:
            exc.operation = "%s in region %s" % (exc.operation, region)
        raise
    except ValidationError as exc:
        raise ValidationError("region %s: %s" % (region, exc)) from None


class VpcBandwidthUsageInfoModule(BandwidthModule):
    argument_spec = dict(
        ids=dict(type="list", elements="str"),
        regions=dict(type="list", elements="str"),
        usage=usage_argument_spec(),
        plot_dir=dict(type="path"),
    )
    region_sources = "the region option (for example region: cn-north-4) or the regions option"

    @classmethod
    def home_region(cls, params):
        """``region``, or the first of ``regions`` when only they are given."""
        names = [name.strip() for name in params.get("regions") or [] if isinstance(name, str) and name.strip()]
        return params.get("region") or (names[0] if names else None)

    def run(self):
        params = self.module.params
        pygal = None
        if params["plot_dir"]:
            pygal, error = _load_pygal()
            if pygal is None:
                self.module.fail_json(msg=missing_required_lib("pygal", reason="to write the charts of plot_dir"),
                                      exception=error)
        # Validate the options before any call, against the documented defaults; each region's
        # limits, when readable, narrow them below.
        rule = UsagePolicy.from_params(params["usage"], VpcSizes())
        try:
            regions = region_list(params["region"], params["regions"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        # Every region is listed (and every id found) before Cloud Eye is read anywhere.
        listings = []
        for region in regions:
            with in_region(region):
                listings.append((region, VpcBandwidths(self.region_client(region)).list()))
        rows = []
        for region, bandwidths in self._select(listings, params["ids"]):
            rows.extend(self._recommend(region, bandwidths))
        if params["ids"]:
            order = {bandwidth_id: index for index, bandwidth_id in enumerate(dict.fromkeys(params["ids"]))}
            rows.sort(key=lambda row: order[row[0]["id"]])
        entries = [entry for _bandwidth, entry, _series in rows]
        self.price(self.region_client(regions[0]), rows)
        if pygal is not None:
            self.result["overview"] = write_charts(pygal, params["plot_dir"], entries,
                                                   [series for _bandwidth, _entry, series in rows], rule)
        self.result["bandwidths"] = entries

    def _recommend(self, region, bandwidths):
        """``(bandwidth, usage entry, hourly values)`` of each bandwidth of a region, by its own limits and Cloud Eye."""
        client = self.region_client(region)
        with in_region(region):
            limits = VpcBandwidths(client).size_limits()
            policy = UsagePolicy.from_params(self.module.params["usage"], VpcSizes(limits or {}))
            eye = CloudEye(client, workers=CLOUD_EYE_WORKERS)
            series = eye.hourly_maxima(bandwidths, window_days=policy.window_days)
        rows = []
        for bandwidth in bandwidths:
            entry = recommend(bandwidth, series.get(bandwidth["id"]), policy)
            entry["region"] = region
            rows.append((bandwidth, entry, series.get(bandwidth["id"])))
        return rows

    def price(self, client, rows):
        """What each recommendation saves or costs a month at list prices, and the total (``monthly_change``).

        Billing is global: one price inquiry per billing mode for the bandwidths of every region.
        """
        prices = Prices(client, warn=self.warn)
        changes = [(bandwidth, entry["size"], entry["recommended_size"], entry["region"])
                   for bandwidth, entry, _series in rows if entry["recommended_size"] != entry["size"]]
        quotes = iter(prices.estimate(changes)) if changes else iter(())
        total, currency, unknown = 0.0, None, 0
        for _bandwidth, entry, _series in rows:
            if entry["recommended_size"] == entry["size"]:
                entry["price"] = dict(unknown_price("the recommended size is the current size"), monthly_change=0.0)
                continue
            entry["price"] = next(quotes)
            change = entry["price"]["monthly_change"]
            if change is None or currency not in (None, entry["price"]["currency"]):
                unknown += 1
                continue
            currency, total = entry["price"]["currency"], total + change
        self.result["monthly_change"] = {"currency": currency, "monthly_change": round(total, 2), "unknown": unknown}

    def _select(self, listings, ids):
        """``[(region, bandwidths)]``: every bandwidth listed, or those of ``ids`` (each id once)."""
        if not ids:
            return listings
        found = {}
        for region, bandwidths in listings:
            for bandwidth in bandwidths:
                found.setdefault(bandwidth["id"], []).append(region)
        unknown = [bandwidth_id for bandwidth_id in ids if bandwidth_id not in found]
        if unknown:
            regions = [region for region, _bandwidths in listings]
            self.fail("no VPC bandwidth of region%s %s has the id %s (of %d listed); check ids and the regions, "
                      "hwcloud.bandwidth.vpc_bandwidth_info lists the bandwidths"
                      % ("s" if len(regions) > 1 else "", ", ".join(regions), ", ".join(unknown),
                         sum(len(bandwidths) for _region, bandwidths in listings)))
        wanted = set(ids)
        return [(region, [bandwidth for bandwidth in bandwidths if bandwidth["id"] in wanted])
                for region, bandwidths in listings if any(bandwidth["id"] in wanted for bandwidth in bandwidths)]


def main():
    VpcBandwidthUsageInfoModule.main()


if __name__ == "__main__":
    main()

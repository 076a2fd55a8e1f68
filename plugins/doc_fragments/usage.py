# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The sizing rule from measured utilization (Cloud Eye), shared by the modules that recommend or apply it.
    DOCUMENTATION = r"""
options:
  usage:
    description:
      - How the measured series becomes a size. The hourly maxima of upstream and downstream traffic over the
        window, the larger of the two each hour, in Mbit/s; the nearest-rank O(usage.percentile) of those values
        plus O(usage.headroom_percent), rounded up to the next valid VPC size and held within O(usage.min_size)
        and O(usage.max_size). A bandwidth billed by traffic is capped at 300 Mbit/s.
      - Cloud Eye must be readable (permission C(ces:metricData:list)); otherwise the module fails before any
        change.
    type: dict
    suboptions:
      window_days:
        description:
          - How many days of hourly maxima to read, counted back from now (1 to 124).
        type: int
        default: 7
      percentile:
        description:
          - The nearest-rank percentile of the hourly values to size for (1 to 100); V(100) is the peak.
        type: float
        default: 95
      headroom_percent:
        description:
          - How much to add to the percentile, in percent of it.
        type: float
        default: 25
      min_hours:
        description:
          - The fewest hourly points a recommendation needs; with fewer the size is kept.
        type: int
        default: 24
      min_size:
        description:
          - The smallest size to recommend, in Mbit/s (raised to the next valid size).
        type: int
        default: 1
      max_size:
        description:
          - The largest size to recommend, in Mbit/s (lowered to the previous valid size). The region's maximum when
            not set.
        type: int
"""

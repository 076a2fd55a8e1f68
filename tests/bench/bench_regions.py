# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of one ``hwcloud.bandwidth.resize`` task over three regions (used by bench.py).

1. ``throttled``: pay-per-use VPC changes (plain updates: the writes are ``vpc.update``) spread
   evenly over three regions, against the simulator limited to N writes a second per API. The
   limit is per region (docs/api-notes.md, "Rate limits"), so the least time is that of the
   busiest region: its writes / the rate.
2. ``converged``: a fleet of VPC bandwidths over three regions, every one a target at its size:
   the calls must be the listing pages of each region (and IAM's project lookups).

Figures only: every run is checked (sizes, no duplicate write), but nothing is timed against a bar.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter

# Three regions of one account: the first is the simulator's default project (the module's region).
REGIONS = [
    {"name": "cn-north-4", "id": "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"},
    {"name": "cn-south-1", "id": "7e9a1c3e5a7c4e9a8c0e2a4c6e8a0c2e"},
    {"name": "ap-southeast-1", "id": "2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c"},
]

# The start of every benchmark playbook: one play on localhost; ``%`` its name.
PLAY_HEADER = """---
- name: %s
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
"""

RESIZE_PLAYBOOK = PLAY_HEADER % "One resize task over every target" + """    - name: Resize every target, in every region, in one task
      hwcloud.bandwidth.resize:
        targets: "{{ bench_targets }}"
        wait_timeout: 900
      register: bench_resize
      ignore_errors: true
    - name: Keep what the task returned
      ansible.builtin.copy:
        content: "{{ bench_resize | to_json }}"
        dest: "{{ bench_result_file }}"
        mode: "0600"
"""

# Runs a command and writes the peak resident memory of its largest process (KiB) to a file.
PEAK_RSS = ("import resource, subprocess, sys\n"
            "code = subprocess.call(sys.argv[2:])\n"
            "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
            "sys.exit(code)\n")


def _stamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class RegionRun:
    """One playbook run of a single resize task against the bench's simulator."""

    def __init__(self, bench):
        self.bench = bench
        self.playbook = os.path.join(bench.workdir, "resize_regions.yml")
        with open(self.playbook, "w", encoding="utf-8") as handle:
            handle.write(RESIZE_PLAYBOOK)

    def seed(self, count, config=None):
        """A fleet of ``count`` VPC bandwidths spread in turn over the three regions."""
        fleet = {"workspace": 0, "vpc": count, "prepaid_ratio": 0.0, "size": 10,
                 "regions": [region["name"] for region in REGIONS]}
        return {"projects": REGIONS, "config": dict({"job_delay": 0.5, "order_delay": 0.5}, **(config or {})),
                "fleet": fleet}

    def targets(self, size, prepaid=None):
        state = self.bench.admin.state()
        return [{"service": "vpc", "id": item["id"], "size": size, "region": item["region"]}
                for item in state["vpc_bandwidths"] if prepaid is None or bool(item.get("billing_info")) == prepaid]

    def run(self, targets):
        """(wall seconds, module result, request log, peak RSS in MiB) of the playbook."""
        work = self.bench.workdir
        vars_file, result_file, rss_file = (os.path.join(work, name) for name in ("rvars.json", "result.json", "rss"))
        with open(vars_file, "w", encoding="utf-8") as handle:
            json.dump({"bench_targets": targets, "bench_result_file": result_file}, handle)
        self.bench.admin.clear_log()
        command = [sys.executable, "-c", PEAK_RSS, rss_file, "ansible-playbook", "-i", "localhost,", self.playbook,
                   "-e", "@" + vars_file]
        started = time.monotonic()
        completed = subprocess.run(command, env=self.bench.env, cwd=self.bench_root(), capture_output=True, text=True,
                                   check=False)
        seconds = time.monotonic() - started
        if completed.returncode != 0 or self.bench.verbose:
            sys.stderr.write(completed.stdout[-6000:] + completed.stderr[-3000:])
        if completed.returncode != 0:
            raise SystemExit("the resize playbook failed (exit code %d)" % completed.returncode)
        with open(result_file, encoding="utf-8") as handle:
            result = json.load(handle)
        with open(rss_file, encoding="utf-8") as handle:
            peak_mib = int(handle.read().strip() or 0) / 1024.0
        return seconds, result, self.bench.admin.log(), peak_mib

    @staticmethod
    def bench_root():
        return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def throttled(bench, changes, rate):
    """``changes`` plain VPC updates over three regions, ``rate`` writes a second per API (and region)."""
    runner = RegionRun(bench)
    limits = {"enabled": True, "writes": "%g/s" % rate}
    bench.admin.reset(runner.seed(changes, {"rate_limits": limits}))
    targets = runner.targets(20)
    seconds, result, log, peak = runner.run(targets)
    state = bench.admin.state()
    sizes = {item["id"]: item["size"] for item in state["vpc_bandwidths"]}
    wrong = sum(1 for target in targets if sizes.get(target["id"]) != 20)
    per_region = Counter(target["region"] for target in targets)
    applied = Counter(entry["path"].rsplit("/", 1)[1] for entry in log
                      if entry["operation"] == "vpc.update" and entry["status"] == 200)
    writes = [entry for entry in log if entry["write"]]
    stamps = [_stamp(entry["time"]) for entry in log]
    write_stamps = [_stamp(entry["time"]) for entry in writes if entry["status"] == 200]
    minimum = max(per_region.values()) / float(rate)
    counts = result.get("counts") or {}
    return {
        "changes": changes, "rate": rate, "regions": len(per_region), "busiest": max(per_region.values()),
        "playbook_s": seconds, "module_s": max(stamps) - min(stamps), "writing_s": max(write_stamps) - min(write_stamps),
        "minimum_s": minimum, "global_minimum_s": changes / float(rate),
        "failed": int(counts.get("failed", 0)) + (1 if result.get("failed") and not counts else 0), "wrong_sizes": wrong,
        "ok": int(counts.get("ok", 0)), "duplicates": sum(count - 1 for count in applied.values() if count > 1),
        "orders": sum(1 for entry in log if entry["order_id"]), "throttled": sum(1 for entry in log if entry["status"] == 429),
        "write_attempts": len(writes), "requests": len(log), "peak_mib": peak,
        "by_region": _writes_by_region(writes), "msg": result.get("msg"),
    }


def _writes_by_region(writes):
    """Per region: the first and last accepted write, seconds from the first write of the run."""
    by_project = {region["id"]: region["name"] for region in REGIONS}
    accepted = [(_stamp(entry["time"]), entry["path"].split("/")[2]) for entry in writes if entry["status"] == 200]
    if not accepted:
        return {}
    start = min(stamp for stamp, _project in accepted)
    spans = {}
    for stamp, project in accepted:
        name = by_project.get(project, project)
        first, last = spans.get(name, (stamp, stamp))
        spans[name] = (min(first, stamp), max(last, stamp))
    return {name: (first - start, last - start) for name, (first, last) in sorted(spans.items())}


def converged(bench, count):
    """A converged fleet of ``count`` VPC bandwidths over three regions, half of them yearly/monthly."""
    runner = RegionRun(bench)
    seed = runner.seed(count)
    seed["fleet"]["prepaid_ratio"] = 0.5
    bench.admin.reset(seed)
    targets = runner.targets(10)
    seconds, result, log, peak = runner.run(targets)
    by_operation = Counter(entry["operation"] for entry in log)
    pages = {region["name"]: sum(1 for entry in log if entry["operation"] == "vpc.list" and region["id"] in entry["path"])
             for region in REGIONS}
    per_region = Counter(target["region"] for target in targets)
    return {
        "targets": count, "seconds": seconds, "calls": len(log), "by_operation": dict(sorted(by_operation.items())),
        "pages": pages, "least_pages": {name: max(1, math.ceil(n / 2000.0)) for name, n in per_region.items()},
        "writes": sum(1 for entry in log if entry["write"]), "changed": bool(result.get("changed")),
        "failed": bool(result.get("failed")), "peak_mib": peak,
        "unchanged": int((result.get("counts") or {}).get("unchanged", 0)),
    }


def fmt(value, digits=1):
    return "%.*f" % (digits, value) if isinstance(value, float) else str(value)


def throttled_lines(row):
    ratio = row["module_s"] / row["minimum_s"]
    spans = ", ".join("%s %s–%s s" % (name, fmt(first), fmt(last)) for name, (first, last) in row["by_region"].items())
    return [
        "", "## %d changes over %d regions, %g writes a second per API" % (row["changes"], row["regions"], row["rate"]), "",
        "One `hwcloud.bandwidth.resize` task (`targets[].region`, concurrency 10) changes %d pay-per-use VPC" % row["changes"],
        "bandwidths spread evenly over three regions (plain updates: every write is `vpc.update`), against the",
        "simulator with `config.rate_limits: {writes: \"%g/s\"}`. The simulator throttles per API, access key and" % row["rate"],
        "region, as each region has its own gateway (docs/api-notes.md, \"Rate limits\"), so the least time is",
        "that of the busiest region: %d writes / %g a second = %s s (all %d writes through one bucket would be %s s)."
        % (row["busiest"], row["rate"], fmt(row["minimum_s"]), row["changes"], fmt(row["global_minimum_s"])), "",
        "| | figure |", "|---|---:|",
        "| module run, first to last request (s) | %s |" % fmt(row["module_s"]),
        "| writing, first to last accepted write (s) | %s |" % fmt(row["writing_s"]),
        "| playbook wall time, with the start of ansible-playbook (s) | %s |" % fmt(row["playbook_s"]),
        "| the limit's minimum (s) | %s |" % fmt(row["minimum_s"]),
        "| module run / minimum (target ≤ 1.3×) | %.2f× |" % ratio,
        "| targets ok / failed / left at another size | %d / %d / %d |" % (row["ok"], row["failed"], row["wrong_sizes"]),
        "| duplicate writes (a bandwidth updated twice) / orders placed | %d / %d |" % (row["duplicates"], row["orders"]),
        "| 429 answers (throttled writes, retried) | %d |" % row["throttled"],
        "| write requests sent, all told / API requests | %d / %d |" % (row["write_attempts"], row["requests"]),
        "| peak memory of the largest process (MiB) | %s |" % fmt(row["peak_mib"], 0),
        "", "Accepted writes per region, from the first write of the run: %s. %s" % (spans, _overlap(row["by_region"])),
        "The module does not return its `AdaptiveLimit` figures (halvings, raises, the lowest limit); the 429s",
        "above are what the simulator answered.",
    ]


def _overlap(spans):
    """Whether the regions were written at the same time or one after another."""
    if len(spans) < 2:
        return ""
    if max(first for first, _last in spans.values()) < min(last for _first, last in spans.values()):
        return "The regions were written at the same time."
    longest = max(last - first for first, last in spans.values())
    return ("The regions were written one after another, so the run took the sum of their times; the longest "
            "region alone took %s s." % fmt(longest))


def converged_lines(row):
    calls = ", ".join("%s %d" % item for item in row["by_operation"].items())
    pages = ", ".join("%s %d (least %d)" % (name, row["pages"][name], row["least_pages"].get(name, 0)) for name in row["pages"])
    return [
        "", "## A converged fleet of %d over three regions" % row["targets"], "",
        "Every VPC bandwidth (half of them yearly/monthly, spread evenly over three regions) is a target, by id",
        "and region, at the size it has, in one `hwcloud.bandwidth.resize` task; no `project_id` is given, so",
        "each region's project is looked up once through IAM (`GET /v3/projects?name=`, one call per region).", "",
        "| targets | wall time (s) | API calls | writes | unchanged | peak memory (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
        "| %d | %s | %d | %d | %d | %s |" % (
            row["targets"], fmt(row["seconds"]), row["calls"], row["writes"], row["unchanged"], fmt(row["peak_mib"], 0)),
        "", "Calls by API: %s. Listing pages per region (2,000 a page at most): %s." % (calls, pages),
        "Peak memory is that of the largest process of the run (ansible-playbook or the module).",
    ]

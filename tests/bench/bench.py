# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the bandwidth_resize role against the local simulator (``make bench``).

1. A converged fleet of 50, 200 and 1000 VPC bandwidths (half of them yearly/monthly), every one a
   target at its current size: wall time and API calls of the role (playbooks/resize.yml), beside
   the loop a user would otherwise write (one hwcloud.bandwidth.vpc_bandwidth task per target, via
   ``loop``) on the same fleet and targets, and the ratio.
2. Sixteen yearly/monthly bandwidths (8 Workspace, 8 VPC) ordered up with auto pay while every order
   takes 5 s to complete: wall time of the role, which waits for all orders together, beside the
   same loop with each task waiting for its own order.
3. One change against 60, the Cloud Eye read of 1,000 bandwidths and the pricing of its recommendations.
4. One resize task over three regions (tests/bench/bench_regions.py): 1,000 plain updates against the
   simulator limited to 20 writes a second per API, and a converged fleet of 10,000.
5. AWX job slices (tests/bench/bench_slices.py): the per-host playbook over 4 slices of 250 hosts in
   three regions against one run over all 1,000.

``--only NAME`` runs one of them (converged, orders, scaling, usage, throttled, regions, slices); each
also has its own switch to skip it.

Run it from the collection root, with ansible-playbook on PATH; the collection must be found as
hwcloud.bandwidth (this copy when it sits in ansible_collections/hwcloud/bandwidth, or
ANSIBLE_COLLECTIONS_PATH). The figures are printed and written to docs/benchmarks.md (--output).
Wall times depend on the machine and its load; the API call counts do not.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.bench import bench_regions, bench_slices  # noqa: E402  pylint: disable=wrong-import-position
from tests.bench.bench_usage import bench_usage  # noqa: E402  pylint: disable=wrong-import-position
from tests.simulator.control import start_simulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.utils.with_simulator import environment  # noqa: E402  pylint: disable=wrong-import-position

LOOP_PLAYBOOK = bench_regions.PLAY_HEADER % "The loop a user would otherwise write" + """    - name: Resize each Workspace bandwidth
      hwcloud.bandwidth.workspace_bandwidth:
        id: "{{ item.id }}"
        size: "{{ item.size }}"
        auto_pay: "{{ bandwidth_resize_auto_pay | default(false) }}"
        wait_timeout: 900
      loop: "{{ bandwidth_resize_targets | selectattr('service', 'equalto', 'workspace') | list }}"
    - name: Resize each VPC bandwidth
      hwcloud.bandwidth.vpc_bandwidth:
        id: "{{ item.id }}"
        size: "{{ item.size }}"
        auto_pay: "{{ bandwidth_resize_auto_pay | default(false) }}"
        wait_timeout: 900
      loop: "{{ bandwidth_resize_targets | selectattr('service', 'equalto', 'vpc') | list }}"
"""


def collections_path():
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    parent = os.path.dirname(os.path.dirname(ROOT))
    if os.path.basename(parent) == "ansible_collections":
        return os.path.dirname(parent)
    raise SystemExit("hwcloud.bandwidth cannot be found: run from ansible_collections/hwcloud/bandwidth "
                     "or set ANSIBLE_COLLECTIONS_PATH")


class Bench:
    def __init__(self, simulator, workdir, verbose=False):
        self.simulator = simulator
        self.admin = simulator.admin
        self.workdir = workdir
        self.verbose = verbose
        self.root = ROOT
        self.env = environment(simulator.url)
        self.env["ANSIBLE_COLLECTIONS_PATH"] = collections_path()
        self.env.setdefault("ANSIBLE_NOCOLOR", "1")
        self.loop_playbook = os.path.join(workdir, "loop.yml")
        with open(self.loop_playbook, "w", encoding="utf-8") as handle:
            handle.write(LOOP_PLAYBOOK)

    def targets(self, size):
        state = self.admin.state()
        return ([{"service": "workspace", "id": b["bandwidth_id"], "size": size} for b in state["workspace_bandwidths"]]
                + [{"service": "vpc", "id": b["id"], "size": size} for b in state["vpc_bandwidths"]])

    def run(self, playbook, extra_vars):
        """(seconds, summary of the API requests) of one ansible-playbook run; its log stays in the simulator."""
        vars_file = os.path.join(self.workdir, "vars.json")
        with open(vars_file, "w", encoding="utf-8") as handle:
            json.dump(extra_vars, handle)
        self.admin.clear_log()
        command = ["ansible-playbook", "-i", "localhost,", playbook, "-e", "@" + vars_file]
        started = time.monotonic()
        completed = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        if completed.returncode != 0 or self.verbose:
            sys.stderr.write(completed.stdout[-6000:] + completed.stderr[-3000:])
        if completed.returncode != 0:
            raise SystemExit("%s failed (exit code %d)" % (playbook, completed.returncode))
        return seconds, self.admin.summary()


def converged(bench, count, loop):
    bench.admin.reset({"config": {"job_delay": 0.5, "order_delay": 0.5},
                       "fleet": {"workspace": 0, "vpc": count, "prepaid_ratio": 0.5, "size": 10}})
    targets = bench.targets(10)
    role_time, role_calls = bench.run("playbooks/resize.yml", {"bandwidth_resize_targets": targets})
    row = {"targets": count, "role_s": role_time, "role_calls": role_calls["requests"],
           "role_writes": role_calls["writes"], "loop_s": None, "loop_calls": None, "loop_writes": None}
    if loop:
        loop_time, loop_calls = bench.run(bench.loop_playbook, {"bandwidth_resize_targets": targets})
        row.update(loop_s=loop_time, loop_calls=loop_calls["requests"], loop_writes=loop_calls["writes"])
    return row


def orders(bench, count, delay, sequential):
    half = count // 2
    seed = {"config": {"job_delay": 0.5, "order_delay": delay},
            "fleet": {"workspace": half, "vpc": count - half, "prepaid_ratio": 1.0, "size": 10}}
    bench.admin.reset(seed)
    targets = bench.targets(20)
    extra = {"bandwidth_resize_targets": targets, "bandwidth_resize_auto_pay": True,
             "bandwidth_resize_wait_timeout": 900}
    role_time, role_calls = bench.run("playbooks/resize.yml", extra)
    ended = time.time()
    check(bench, count)
    writes = [stamp(entry["time"]) for entry in bench.admin.log() if entry.get("write")]
    completed = max(order["complete_at"] for order in bench.admin.state()["orders"])
    row = {"orders": count, "delay": delay, "role_s": role_time, "role_calls": role_calls["requests"],
           "role_writes": role_calls["writes"], "loop_s": None, "loop_calls": None,
           "placing_s": max(writes) - min(writes), "until_done_s": completed - max(writes),
           "after_done_s": ended - completed}
    if sequential:
        bench.admin.reset(seed)
        loop_time, loop_calls = bench.run(bench.loop_playbook, extra)
        check(bench, count)
        row.update(loop_s=loop_time, loop_calls=loop_calls["requests"])
    return row


def scaling(bench, count, order_delay):
    """One change against ``count`` changes across both services and both billing modes, in one run each.

    Orders are paid at once and complete ``order_delay`` seconds after payment; the figures say
    how the wall time and the API calls of the role grow with the number of changes.
    """
    rows = []
    for changes in (1, count):
        quarter = max(1, changes // 4)
        fleet = {"workspace": 2 * quarter, "vpc": 2 * quarter, "prepaid_ratio": 0.5, "size": 10}
        bench.admin.reset({"config": {"job_delay": 1.0, "order_delay": order_delay}, "fleet": fleet})
        targets = bench.targets(20)[:changes]
        seconds, calls = bench.run("playbooks/resize.yml", {"bandwidth_resize_targets": targets,
                                                            "bandwidth_resize_auto_pay": True,
                                                            "bandwidth_resize_poll_interval": 5,
                                                            "bandwidth_resize_wait_timeout": 600})
        check_sizes(bench, targets)
        rows.append({"changes": changes, "seconds": seconds, "calls": calls["requests"], "writes": calls["writes"],
                     "reads": calls["reads"]})
    return rows


def check_sizes(bench, targets):
    state = bench.admin.state()
    sizes = {b["bandwidth_id"]: b["size"] for b in state["workspace_bandwidths"]}
    sizes.update({b["id"]: b["size"] for b in state["vpc_bandwidths"]})
    wrong = [t["id"] for t in targets if sizes.get(t["id"]) != t["size"]]
    if wrong:
        raise SystemExit("the run left %d bandwidths at another size: %s" % (len(wrong), ", ".join(wrong[:5])))


def scaling_lines(rows, order_delay):
    one, many = rows[0], rows[-1]
    lines = [
        "", "## One change against %d changes" % many["changes"], "",
        "`playbooks/resize.yml` (the role: one `hwcloud.bandwidth.resize` task, then follow rounds), auto pay on,",
        "changes spread over both services and both billing modes, jobs completing after 1 s and orders %s s" % (
            fmt(order_delay)),
        "after payment. Every run is checked: each bandwidth shows its new size.", "",
        "| changes | wall time (s) | API calls | writes | reads |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cells = (row["changes"], fmt(row["seconds"]), row["calls"], row["writes"], row["reads"])
        lines.append("| %d | %s | %d | %d | %d |" % cells)
    lines += ["", "%d changes take %s the wall time of one; their reads are %d against %d for one change "
              "(target: N + 40 calls)." % (many["changes"], ratio(many["seconds"], one["seconds"]), many["reads"],
                                           one["reads"])]
    return lines


def stamp(text):
    """Seconds since the epoch of a log entry's ISO time."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def check(bench, count):
    """Every order completed and every bandwidth shows its new size: the figures are of a real run."""
    state = bench.admin.state()
    sizes = [b["size"] for b in state["workspace_bandwidths"] + state["vpc_bandwidths"]]
    done = [o for o in state["orders"] if o["status"] == 5]
    if sizes != [20] * count or len(done) != count:
        raise SystemExit("the run did not complete every order: sizes %s, %d orders completed" % (sizes, len(done)))


def fmt(value, digits=1):
    if value is None:
        return "not run"
    if isinstance(value, float):
        return "%.*f" % (digits, value)
    return str(value)


def ratio(slow, fast):
    return "not run" if slow is None or not fast else "%.1f×" % (slow / fast)


def report(converged_rows, order_rows, started, load_before, load_after):
    versions = subprocess.run(["ansible-playbook", "--version"], capture_output=True, text=True, check=False)
    core = versions.stdout.splitlines()[0] if versions.stdout else "ansible-playbook"
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`tests/bench/bench.py`) against the local simulator; run it again to update",
        "this page. Wall times include the start of `ansible-playbook` and depend on the machine and its",
        "load; the API call counts (from the simulator's request log) do not.",
        "",
        "Run: %s, %s, Python %s, %d CPUs, load average %s before and %s after." % (
            started.strftime("%Y-%m-%d %H:%M UTC"), core, platform.python_version(), os.cpu_count() or 0,
            load_before, load_after),
        "",
        "## A converged fleet",
        "",
        "Every VPC bandwidth of the fleet (half of them yearly/monthly) is a target, by id, at the size it",
        "already has. The role (`playbooks/resize.yml`) reads the fleet once and plans in one pass; the loop",
        "runs `hwcloud.bandwidth.vpc_bandwidth` once per target, each run looking up the project and reading",
        "its bandwidth.",
        "",
        "| targets | role: wall time (s) | role: API calls | loop: wall time (s) | loop: API calls | loop / role time | loop / role calls |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in converged_rows:
        lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            row["targets"], fmt(row["role_s"]), fmt(row["role_calls"]), fmt(row["loop_s"]), fmt(row["loop_calls"]),
            ratio(row["loop_s"], row["role_s"]), ratio(row["loop_calls"], row["role_calls"])))
    writes = sum(row["role_writes"] for row in converged_rows) + sum(row["loop_writes"] or 0 for row in converged_rows)
    lines += ["", "Writes in these runs: %d (a converged fleet must make none)." % writes]
    for row in order_rows:
        lines += [
            "",
            "## %d yearly/monthly orders, %s s each to complete" % (row["orders"], fmt(row["delay"], 0)),
            "",
            "%d yearly/monthly bandwidths (%d Workspace, %d VPC) are ordered up with auto pay; the simulator"
            % (row["orders"], row["orders"] // 2, row["orders"] - row["orders"] // 2),
            "completes each order %s s after its payment. The role's one `resize` task places every order"
            % fmt(row["delay"], 0),
            "concurrently without waiting, then follows them all in rounds (one bulk read per service and one",
            "billing read per poll); the loop runs the changing module once per bandwidth, each run waiting for its",
            "own order.",
            "",
            "| | wall time (s) | API calls |",
            "|---|---:|---:|",
            "| role | %s | %s |" % (fmt(row["role_s"]), fmt(row["role_calls"])),
            "| loop, waiting in each task | %s | %s |" % (fmt(row["loop_s"]), fmt(row["loop_calls"])),
            "",
            "One completion delay is %s s; %d of them one after another are %s s. In the role's run, placing the"
            % (fmt(row["delay"], 0), row["orders"], fmt(row["delay"] * row["orders"], 0)),
            "%d orders took %s s from the first to the last (%d writes, started concurrently); the last order"
            % (row["orders"], fmt(row["placing_s"]), row["role_writes"]),
            "completed %s s after it was placed, and the run ended %s s after that (the follow round noticing it"
            % (fmt(row["until_done_s"]), fmt(row["after_done_s"])),
            "and the report). The waiting itself is one delay, not %d." % row["orders"],
            "",
            "Open change orders are read once for the whole run (four billing listings, so that a rerun never",
            "orders twice), not once per order as each run of the loop does.",
        ]
    return "\n".join(lines) + "\n"


BENCHES = ("converged", "orders", "scaling", "usage", "throttled", "regions", "slices")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000", help="fleet sizes of the converged runs")
    parser.add_argument("--loop-sizes", default=None,
                        help="fleet sizes at which the per-target loop also runs (default: every size)")
    parser.add_argument("--orders", type=int, default=16, help="how many yearly/monthly orders (0: skip)")
    parser.add_argument("--order-delay", type=float, default=5.0, help="seconds from payment to completion")
    parser.add_argument("--no-sequential", action="store_true", help="skip the loop that waits in each task")
    parser.add_argument("--scaling", type=int, default=60, help="changes of the scaling run (0: skip)")
    parser.add_argument("--usage", type=int, default=1000, help="VPC bandwidths of the utilization read (0: skip)")
    parser.add_argument("--throttled", type=int, default=1000,
                        help="plain VPC updates over three regions under a write rate limit (0: skip)")
    parser.add_argument("--throttled-rate", type=float, default=20.0, help="writes a second per API (and region)")
    parser.add_argument("--regions-fleet", type=int, default=10000,
                        help="VPC bandwidths of the converged fleet over three regions (0: skip)")
    parser.add_argument("--slices", type=int, default=4, help="AWX job slices of the per-host playbook (0: skip)")
    parser.add_argument("--slice-hosts", type=int, default=1000, help="hosts of the sliced runs, over three regions")
    parser.add_argument("--only", choices=BENCHES, help="run this benchmark alone")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    parser.add_argument("--verbose", action="store_true", help="show the output of every playbook run")
    args = parser.parse_args()
    if args.only:
        # Every other benchmark is skipped; the chosen one keeps its own setting.
        keep = {"converged": "sizes", "orders": "orders", "scaling": "scaling", "usage": "usage",
                "throttled": "throttled", "regions": "regions_fleet", "slices": "slices"}[args.only]
        for name, off in (("sizes", ""), ("orders", 0), ("scaling", 0), ("usage", 0), ("throttled", 0), ("regions_fleet", 0),
                          ("slices", 0)):
            if name != keep:
                setattr(args, name, off)
    return args


def run_regions(bench, args):
    """The benchmarks of one task over three regions; their lines for the page."""
    lines = []
    if args.throttled:
        row = bench_regions.throttled(bench, args.throttled, args.throttled_rate)
        lines += bench_regions.throttled_lines(row)
        print("\n".join(lines), flush=True)
    if args.regions_fleet:
        row = bench_regions.converged(bench, args.regions_fleet)
        more = bench_regions.converged_lines(row)
        lines += more
        print("\n".join(more), flush=True)
    if args.slices:
        more = bench_slices.slice_lines(bench_slices.bench_slices(bench, args.slice_hosts, args.slices,
                                                                  bench_regions.REGIONS))
        lines += more
        print("\n".join(more), flush=True)
    return lines


def run_usage(simulator, count):
    figures = bench_usage(simulator.url, count=count)
    lines = ["", "## Utilization of %d VPC bandwidths over 7 days" % count, "",
             "`vpc_bandwidth_usage_info`'s Cloud Eye read: %d batch calls (the 3000-datapoint cap allows "
             "no fewer than %d), %s s." % (figures["queries"], figures["minimum_queries"], fmt(figures.get("read_seconds")))]
    lines += ["", "Pricing the %d recommendations (BSS price inquiry): %d calls for %d distinct products "
              "(the bound: ceil(products / 100) per billing mode = %d), %d priced, %s s."
              % (figures["bandwidths"], figures["price_calls"], figures["price_products"],
                 figures["price_bound"], figures["priced"], fmt(figures.get("price_seconds")))]
    print("\n".join(lines[-3:]), flush=True)
    return lines


def main():
    args = arguments()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    loop_sizes = sizes if args.loop_sizes is None else [int(size) for size in args.loop_sizes.split(",") if size]
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = "%.1f" % os.getloadavg()[0]
    converged_rows, order_rows, extra = [], [], []
    with tempfile.TemporaryDirectory(prefix="hwcloud-bench-") as workdir:
        simulator = start_simulator(os.path.join(workdir, "state.json"))
        try:
            bench = Bench(simulator, workdir, verbose=args.verbose)
            # One unmeasured run first, so that no figure carries the cost of a cold start.
            converged(bench, 5, loop=False)
            for count in sizes:
                row = converged(bench, count, count in loop_sizes)
                converged_rows.append(row)
                print("converged %4d targets: role %6.1f s, %4d calls | loop %s s, %s calls | time ratio %s"
                      % (count, row["role_s"], row["role_calls"], fmt(row["loop_s"]), fmt(row["loop_calls"]),
                         ratio(row["loop_s"], row["role_s"])), flush=True)
            if args.orders:
                row = orders(bench, args.orders, args.order_delay, not args.no_sequential)
                order_rows.append(row)
                print("%d orders, %.0f s delay: role %.1f s (%d calls) | loop waiting in each task %s s"
                      % (args.orders, args.order_delay, row["role_s"], row["role_calls"], fmt(row["loop_s"])),
                      flush=True)
            if args.scaling:
                rows = scaling(bench, args.scaling, 3.0)
                extra += scaling_lines(rows, 3.0)
                print("\n".join(extra), flush=True)
            if args.usage:
                extra += run_usage(simulator, args.usage)
            extra += run_regions(bench, args)
        finally:
            simulator.stop()
    text = report(converged_rows, order_rows, started, load_before, "%.1f" % os.getloadavg()[0]) + "\n".join(extra)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n")
    print("\n" + text)
    print("written to %s" % args.output)


if __name__ == "__main__":
    main()

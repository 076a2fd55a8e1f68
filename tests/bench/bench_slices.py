# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the sliced path: ``playbooks/resize_per_host.yml`` over the inventory plugin, as AWX runs it.

AWX syncs an inventory source once and stores its hosts; a sliced job template then runs one job
per slice, each on its share of the hosts (host i goes to slice i mod N). Here the inventory plugin
lists a converged fleet once (``ansible-inventory --list --yaml``, its calls counted apart), and
the playbook runs once over every host, then once per slice with ``--limit`` on that slice's
hosts, each host asking for the size it has (``resize_size`` composed from ``bandwidth_size``).
Each run is one ``hwcloud.bandwidth.resize`` task whatever its hosts, so a slice's calls are those
of one converged plan: the listing pages of each region (the hosts carry their project ids), the
same as one task over the whole fleet, never one plan per host.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time

SOURCE = """\
plugin: hwcloud.bandwidth.bandwidths
services: [vpc]
%s
compose:
  ansible_connection: "'local'"
  resize_size: bandwidth_size
"""


def _run(bench, command):
    """(seconds, request summary) of one command with the bench's environment."""
    bench.admin.clear_log()
    started = time.monotonic()
    completed = subprocess.run(command, env=bench.env, cwd=bench.root, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0 or bench.verbose:
        sys.stderr.write(completed.stdout[-6000:] + completed.stderr[-3000:])
    if completed.returncode != 0:
        raise SystemExit("%s failed (exit code %d)" % (" ".join(command[:3]), completed.returncode))
    return seconds, bench.admin.summary()


def _figures(seconds, summary, hosts):
    operations = summary.get("by_operation") or {}
    return {"hosts": hosts, "seconds": seconds, "calls": summary["requests"], "writes": summary["writes"],
            "by_operation": dict(sorted(operations.items()))}


def bench_slices(bench, count=1000, slices=4, regions=None):
    """Figures of one run over ``count`` converged hosts and of each of ``slices`` slices of them.

    ``regions``: ``[{name, id}]``, the simulator's projects; the fleet is spread over them in
    turn and the inventory lists them all. None keeps the simulator's one region.
    """
    fleet = {"workspace": 0, "vpc": count, "prepaid_ratio": 0.5, "size": 10}
    seed = {"config": {"job_delay": 0.5, "order_delay": 0.5}, "fleet": fleet}
    names = [region["name"] for region in regions or []]
    if regions:
        fleet["regions"] = names
        seed["projects"] = list(regions)
    bench.admin.reset(seed)
    source = os.path.join(bench.workdir, "fleet.hwcloud.yml")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(SOURCE % ("regions: [%s]" % ", ".join(names) if regions else ""))
    inventory = os.path.join(bench.workdir, "fleet.yml")
    sync_s, sync = _run(bench, ["ansible-inventory", "-i", source, "--list", "--yaml", "--output", inventory])
    playbook = ["ansible-playbook", "-i", inventory, "playbooks/resize_per_host.yml"]
    whole = _figures(*_run(bench, playbook), count)
    hosts = _hosts(inventory)
    rows = []
    for index in range(slices):
        share = hosts[index::slices]
        limit = os.path.join(bench.workdir, "slice-%d.txt" % index)
        with open(limit, "w", encoding="utf-8") as handle:
            handle.write("\n".join(share) + "\n")
        rows.append(_figures(*_run(bench, playbook + ["--limit", "@" + limit]), len(share)))
    return {"sync": _figures(sync_s, sync, count), "whole": whole, "slices": rows, "regions": names}


def _hosts(inventory):
    """The host names of a YAML inventory written by ``ansible-inventory --list --yaml``, in its order."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(inventory, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    found = collections.OrderedDict()

    def walk(group):
        for name in (group or {}).get("hosts") or {}:
            found[name] = True
        for child in ((group or {}).get("children") or {}).values():
            walk(child)
    walk(data.get("all"))
    return list(found)


def slice_lines(figures):
    """The section of docs/benchmarks.md."""
    whole, rows = figures["whole"], figures["slices"]
    where = "%d regions (%s)" % (len(figures["regions"]), ", ".join(figures["regions"])) if figures["regions"] \
        else "one region"
    lines = [
        "",
        "## AWX job slices: %d slices of %d hosts against one task of %d" % (len(rows), rows[0]["hosts"], whole["hosts"]),
        "",
        "A converged fleet of %d VPC bandwidths in %s, listed once by the inventory plugin (%d calls, %.1f s, as"
        % (whole["hosts"], where, figures["sync"]["calls"], figures["sync"]["seconds"]),
        "an AWX inventory sync), then `playbooks/resize_per_host.yml` over every host, and over each slice",
        "(`--limit`, host i in slice i mod %d). Each run is one `hwcloud.bandwidth.resize` task, run once." % len(rows),
        "",
        "| run | hosts | wall time (s) | API calls | writes | calls by API |",
        "|---|---:|---:|---:|---:|---|",
        _row("one task", whole),
    ]
    lines += [_row("slice %d" % (index + 1), row) for index, row in enumerate(rows)]
    same = all(row["by_operation"] == whole["by_operation"] for row in rows)
    lines += ["", "Every slice made %s calls as the one task over all hosts: %s." % (
        "the same" if same else "NOT the same",
        "one converged plan each (the listing pages of each region; the project ids come with the hosts), none per host"
        if same
        else "see the table")]
    lines += ["", "The wall time grows with the hosts of a run, not with its calls: Ansible runs the per-host tasks",
              "(the check of the host's variables, its target and its report) for every host, on one control node.",
              "That is the time slicing spreads over execution nodes; the calls to the cloud stay those of one plan."]
    return lines


def _row(label, row):
    calls = ", ".join("%s %d" % (name, number) for name, number in row["by_operation"].items())
    return "| %s | %d | %.1f | %d | %d | %s |" % (label, row["hosts"], row["seconds"], row["calls"], row["writes"], calls)

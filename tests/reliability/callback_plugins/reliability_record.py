# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per task result, with the simulator's counts around the task."""

from __future__ import annotations

DOCUMENTATION = r"""
name: reliability_record
type: aggregate
short_description: Record every task result of a reliability test run
description:
  - Writes one JSON line per task result to the file named by E(RELIABILITY_RECORD), with the simulator's request
    and write counts (from E(RELIABILITY_SIM_URL)) read when the task started and when its result came.
options: {}
"""

import json
import os
import time
import urllib.request

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = os.environ.get("RELIABILITY_RECORD")
        self.sim_url = os.environ.get("RELIABILITY_SIM_URL")
        self.started = None
        self.clock = time.monotonic()

    def _counts(self):
        if not self.sim_url:
            return None
        try:
            with urllib.request.urlopen(self.sim_url.rstrip("/") + "/_sim/summary", timeout=10) as response:
                summary = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError):
            return None
        return {"requests": summary.get("requests"), "writes": summary.get("writes")}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started = self._counts()
        self.clock = time.monotonic()

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _write(self, result, status):
        if not self.path:
            return
        ended = self._counts()
        entry = {
            "task": result._task.get_name(),
            "host": result._host.get_name(),
            "action": result._task.action,
            "status": status,
            "result": result._result,
            "before": self.started,
            "after": ended,
            "seconds": round(time.monotonic() - self.clock, 3),
        }
        if self.started and ended and None not in self.started.values() and None not in ended.values():
            entry["writes"] = ended["writes"] - self.started["writes"]
            entry["requests"] = ended["requests"] - self.started["requests"]
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")
        # The next result of the same task (there is one host) counts from here.
        self.started = ended
        self.clock = time.monotonic()

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")

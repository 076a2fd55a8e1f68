# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run generated playbooks against the simulator and judge what came out.

Shared by the fault campaign, the bad-input catalogue and the scans. A playbook run gives
its exit code, its standard output and error, and one record per task result, written by
the ``reliability_record`` callback with the simulator's request and write counts before and
after the task (so each task's writes are known exactly: one host, tasks run one by one).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# The collection root (ansible_collections/hwcloud/bandwidth): tests run from there.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS_PATH = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION_ROOT)))

# The account of tests/simulator/seeds/default.yml.
ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
REGION = "cn-north-4"
PROJECT_ID = "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"
TEMP_ACCESS_KEY = "SIMULATORTEMPAK000000"
TEMP_SECRET_KEY = "simulator-temp-secret-key"
SECURITY_TOKEN = "simulator-security-token-0123456789abcdef"
SECRETS = (SECRET_KEY, TEMP_SECRET_KEY, SECURITY_TOKEN)
SERVICES = ("iam", "workspace", "vpc", "bss")

TRACEBACK_MARKERS = ("Traceback (most recent call last)", "MODULE FAILURE", "module_stderr", "An exception occurred during task execution")
# Any 64-hex-digit word: the shape of an SDK-HMAC-SHA256 signature. Nothing the collection
# returns has that shape, so any one of them in the output is suspicious.
HEX64 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
SIGNATURE_MARKERS = ("Signature=", "SDK-HMAC-SHA256 Access=")


def collection_available():
    return os.path.basename(COLLECTIONS_PATH) != "" and os.path.isdir(
        os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "bandwidth"))


def role_available(name="bandwidth_resize"):
    return os.path.isfile(os.path.join(COLLECTION_ROOT, "roles", name, "tasks", "main.yml"))


def endpoints(url):
    return {service: url for service in SERVICES}


def credentials(url, **overrides):
    """The connection options of every task, for module_defaults or a task's arguments."""
    options = {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": REGION, "endpoints": endpoints(url)}
    options.update(overrides)
    return options


class PlaybookRun:
    """What one ansible-playbook run produced."""

    def __init__(self, rc, stdout, stderr, records, playbook):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records
        self.playbook = playbook

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr

    def by_task(self):
        """Records by task name (the last record of a name wins)."""
        return {record["task"]: record for record in self.records}

    def record(self, task):
        found = [record for record in self.records if record["task"] == task]
        if not found:
            raise KeyError("no result for task %r (rc %s)\n%s\n%s" % (task, self.rc, self.stdout[-3000:], self.stderr[-3000:]))
        return found[-1]

    def describe(self):
        return "rc=%s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (self.rc, self.stdout[-4000:], self.stderr[-2000:])


def ansible_env(workdir, sim_url=None, extra=None):
    env = dict(os.environ)
    for name in list(env):
        # The campaign and the scans decide every credential themselves.
        if name.startswith("HW_"):
            del env[name]
    bindir = os.path.dirname(sys.executable)
    env.update({
        "PATH": bindir + os.pathsep + env.get("PATH", ""),
        "PYTHONPATH": COLLECTIONS_PATH + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "reliability_record",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_HOME": os.path.join(workdir, "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
        "ANSIBLE_PIPELINING": "true",
    })
    if sim_url:
        env["RELIABILITY_SIM_URL"] = sim_url
    env.update(extra or {})
    return env


def run_playbook(plays, workdir=None, sim_url=None, verbosity=3, env=None, args=(), timeout=900, inventory="localhost,"):
    """Write ``plays`` (a list of plays) to a file and run it; return a :class:`PlaybookRun`."""
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="hwcloud-reliability-")
    os.makedirs(workdir, exist_ok=True)
    handle, playbook = tempfile.mkstemp(prefix="playbook-", suffix=".yml", dir=workdir)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        yaml.safe_dump(plays, stream, sort_keys=False, allow_unicode=True)
    record_path = playbook[:-4] + ".records.jsonl"
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-c", "local", playbook]
    if verbosity:
        command.append("-" + "v" * verbosity)
    command += list(args)
    run_env = ansible_env(workdir, sim_url, dict(env or {}, RELIABILITY_RECORD=record_path))
    completed = subprocess.run(command, cwd=COLLECTION_ROOT, env=run_env, capture_output=True, text=True,
                               timeout=timeout, check=False)
    records = []
    if os.path.exists(record_path):
        with open(record_path, encoding="utf-8") as stream:
            records = [json.loads(line) for line in stream if line.strip()]
    with open(playbook, encoding="utf-8") as stream:
        text = stream.read()
    if own:
        subprocess.run(["rm", "-rf", workdir], check=False)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, records, text)


def play(tasks, url=None, connection=None, gather_facts=False, name="reliability"):
    """One play on localhost; with ``url``, the simulator credentials as module defaults."""
    result = {"name": name, "hosts": "localhost", "gather_facts": gather_facts, "tasks": tasks}
    if url:
        result["module_defaults"] = {"group/hwcloud.bandwidth.all": connection or credentials(url)}
    return result


# -- judging -----------------------------------------------------------------------------

def tracebacks(text):
    """The traceback markers found in ``text``."""
    return [marker for marker in TRACEBACK_MARKERS if marker in text]


def leaked(text, secrets=SECRETS, signatures=()):
    """What of the secrets, signature values and signature markers ``text`` contains."""
    found = [secret for secret in secrets if secret and secret in text]
    found += [marker for marker in SIGNATURE_MARKERS if marker in text]
    words = set(word.lower() for word in HEX64.findall(text))
    if words:
        known = set(signature.lower() for signature in signatures)
        found += sorted("signature %s..." % word[:12] for word in words & known)
        found += sorted("64-hex word %s..." % word[:12] for word in words - known)
    return found


GUIDANCE = ("What to do:", "run the task again", "wait_timeout", "place the change again", "Pay or cancel",
            "then run again", "raise the limit")
# What went wrong: a failed call, a wait, an order held back by a spend limit, an order placed elsewhere.
OPERATION = re.compile(r"\b(failed|timed out after|cancelled:|ended with status|was not paid|has an open change order)\b")


def clear_failure(message):
    """True when a runtime failure names what failed and says what to do, without a traceback."""
    if not message or tracebacks(message):
        return False
    return bool(OPERATION.search(message)) and any(marker in message for marker in GUIDANCE)


def result_message(record):
    result = record.get("result") or {}
    return str(result.get("msg") or "")


def json_text(value):
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command against a freshly started local simulator, then stop the simulator.

    python tests/utils/with_simulator.py [--seed FILE] -- COMMAND...

The command gets the HW_* variables that point the collection at the simulator, and
tests/integration/integration_config.yml carries the same values for ansible-test targets.
Run it from the collection root.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# The credentials and region of tests/simulator/seeds/default.yml.
ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
REGION = "cn-north-4"
SERVICES = ("iam", "workspace", "vpc", "bss", "ces")


def start(state_dir, seed):
    url_file = os.path.join(state_dir, "url")
    command = [sys.executable, "-m", "tests.simulator", "--host", "127.0.0.1", "--port", "0",
               "--state", os.path.join(state_dir, "state.json"), "--url-file", url_file]
    if seed:
        command += ["--seed", seed]
    log = open(os.path.join(state_dir, "simulator.log"), "wb")  # pylint: disable=consider-using-with
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(url_file) and os.path.getsize(url_file):
            with open(url_file, encoding="utf-8") as handle:
                return process, handle.read().strip()
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    with open(os.path.join(state_dir, "simulator.log"), encoding="utf-8", errors="replace") as handle:
        sys.stderr.write(handle.read())
    raise SystemExit("the simulator did not start")


def environment(url):
    env = dict(os.environ)
    env.update({
        "HW_ACCESS_KEY": ACCESS_KEY,
        "HW_SECRET_KEY": SECRET_KEY,
        "HW_REGION_NAME": REGION,
        "HW_ENDPOINTS": json.dumps({service: url for service in SERVICES}),
        "HW_SIMULATOR_URL": url,
    })
    return env


def write_integration_config(url):
    path = os.path.join("tests", "integration", "integration_config.yml")
    config = {
        "sim_url": url,
        "sim_access_key": ACCESS_KEY,
        "sim_secret_key": SECRET_KEY,
        "sim_region": REGION,
        "sim_endpoints": {service: url for service in SERVICES},
    }
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("---\n# Written by tests/utils/with_simulator.py for this run only.\n")
        for key, value in config.items():
            handle.write("%s: %s\n" % (key, json.dumps(value)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", help="seed file of the simulator (default: its own default seed)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    with tempfile.TemporaryDirectory(prefix="hwcloud-sim-") as state_dir:
        process, url = start(state_dir, args.seed)
        try:
            write_integration_config(url)
            return subprocess.call(command, env=environment(url))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())

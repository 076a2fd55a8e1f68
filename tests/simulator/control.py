"""Start, stop and steer a simulator process from tests (shared by every test suite of the project)."""

import json
import os
import subprocess
import sys
import time
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SimulatorError(RuntimeError):
    """The simulator did not start or an admin call failed."""


class Admin:
    """Client of the /_sim admin API (no signature needed)."""

    def __init__(self, url, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + "/_sim/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            text = response.read().decode("utf-8")
        return json.loads(text) if text else None

    def health(self):
        return self.call("GET", "health")

    def reset(self, seed=None):
        return self.call("POST", "reset", seed)

    def state(self):
        return self.call("GET", "state")

    def log(self):
        return self.call("GET", "log")["requests"]

    def summary(self):
        return self.call("GET", "summary")

    def clear_log(self):
        return self.call("DELETE", "log")

    def add_faults(self, faults, seed=None):
        body = {"faults": list(faults)}
        if seed is not None:
            body["seed"] = seed
        return self.call("POST", "faults", body)

    def clear_faults(self):
        return self.call("DELETE", "faults")

    def config(self, values):
        return self.call("POST", "config", dict(values))

    def rate_limits(self, limits):
        """Set config.rate_limits (tests/simulator/ratelimit.py): true, a mapping, or None to turn throttling off."""
        return self.call("POST", "config", {"rate_limits": limits})

    def signatures(self):
        return self.call("GET", "signatures")["signatures"]


class SimulatorProcess:
    """A running simulator: .url, .admin, .stop()."""

    def __init__(self, process, url):
        self.process = process
        self.url = url
        self.admin = Admin(url)

    def stop(self, timeout=10):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_simulator(state_path, seed_path=None, host="127.0.0.1", port=0, python=None, timeout=20):
    """Start `python -m tests.simulator` as a subprocess and wait until it answers."""
    command = [python or sys.executable, "-m", "tests.simulator", "--host", host, "--port", str(port), "--state", str(state_path)]
    if seed_path:
        command += ["--seed", str(seed_path)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
    url = process.stdout.readline().strip()
    if not url.startswith("http://"):
        process.kill()
        process.wait()
        raise SimulatorError("the simulator did not print its URL (exit code %s)" % process.poll())
    simulator = SimulatorProcess(process, url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            simulator.admin.health()
            return simulator
        except OSError as exc:
            if time.monotonic() > deadline:
                simulator.stop()
                raise SimulatorError("the simulator at %s does not answer" % url) from exc
            time.sleep(0.05)

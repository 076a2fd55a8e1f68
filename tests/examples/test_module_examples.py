# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES, pasted into a playbook as they are, run against the demo seed.

One playbook per module (its examples in order, so that later ones use what earlier ones
registered), on a fresh simulator started from tests/simulator/seeds/demo.yml, with the
credentials in the HW_* variables as the examples say. A task may fail only when the example
itself says so with ``ignore_errors``; every module task runs (none is skipped).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.simulator.control import start_simulator

HERE = Path(__file__).resolve()
COLLECTION_ROOT = HERE.parents[2]
# .../ansible_collections/hwcloud/bandwidth/tests/examples/<this file>
COLLECTIONS_PATH = HERE.parents[5]
if HERE.parents[4].name != "ansible_collections":
    pytest.skip("run from a copy of the collection under ansible_collections/hwcloud/bandwidth (make examples)",
                allow_module_level=True)

MODULES_DIR = COLLECTION_ROOT / "plugins" / "modules"
DEMO_SEED = COLLECTION_ROOT / "tests" / "simulator" / "seeds" / "demo.yml"
MODULES = sorted(path.stem for path in MODULES_DIR.glob("*.py") if path.stem != "__init__")
ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
REGION = "cn-north-4"
SERVICES = ("iam", "workspace", "vpc", "bss", "ces")
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


def examples_of(module):
    """The EXAMPLES string of a module, read without importing it."""
    tree = ast.parse((MODULES_DIR / (module + ".py")).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("%s has no EXAMPLES" % module)


def module_of(task):
    """The collection module a task calls, or None."""
    return next((key for key in task if key.startswith("hwcloud.bandwidth.")), None)


def junit_cases(directory):
    """(task name, outcome) of every task in the junit report: outcome is ok, skipped or failed."""
    cases = []
    for report in Path(directory).glob("*.xml"):
        for case in ET.parse(report).getroot().iter("testcase"):
            outcome = "ok"
            if case.find("skipped") is not None:
                outcome = "skipped"
            elif case.find("failure") is not None or case.find("error") is not None:
                outcome = "failed"
            cases.append((case.get("name"), outcome))
    return cases


def run_examples(module, tasks, workdir):
    playbook = [{
        "name": "The examples of hwcloud.bandwidth.%s" % module,
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": tasks,
    }]
    path = workdir / "examples.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False), encoding="utf-8")
    with start_simulator(workdir / "state.json", seed_path=DEMO_SEED) as sim:
        env = dict(os.environ)
        env.update({
            "HW_ACCESS_KEY": ACCESS_KEY,
            "HW_SECRET_KEY": SECRET_KEY,
            "HW_REGION_NAME": REGION,
            "HW_ENDPOINTS": json.dumps({service: sim.url for service in SERVICES}),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
            "ANSIBLE_HOME": str(workdir / "ansible-home"),
            "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit",
            "JUNIT_OUTPUT_DIR": str(workdir / "junit"),
            "JUNIT_HIDE_TASK_ARGUMENTS": "true",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
        })
        env.pop("HW_PROJECT_ID", None)
        result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(path)], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=150, check=False)
    return result, junit_cases(workdir / "junit")


def test_every_module_has_examples_that_use_it():
    for module in MODULES:
        tasks = yaml.safe_load(examples_of(module))
        assert isinstance(tasks, list) and tasks, module
        assert all(isinstance(task, dict) and task.get("name") for task in tasks), "%s: every example has a name" % module
        assert "hwcloud.bandwidth." + module in [module_of(task) for task in tasks], module


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_run_against_the_demo_seed(module, tmp_path):
    tasks = yaml.safe_load(examples_of(module))
    result, cases = run_examples(module, tasks, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "reserved name" not in output, output
    assert "[DEPRECATION WARNING]" not in output, output
    may_fail = {task["name"] for task in tasks if task.get("ignore_errors")}
    prefix = "[localhost] The examples of hwcloud.bandwidth.%s: " % module
    outcomes = {name[len(prefix):]: outcome for name, outcome in cases if name.startswith(prefix)}
    for task in tasks:
        if module_of(task):
            assert task["name"] in outcomes, "%s: task %r did not run\n%s" % (module, task["name"], output)
            assert outcomes[task["name"]] != "skipped", "%s: task %r was skipped\n%s" % (module, task["name"], output)
            if task["name"] not in may_fail:
                assert outcomes[task["name"]] == "ok", "%s: task %r failed\n%s" % (module, task["name"], output)

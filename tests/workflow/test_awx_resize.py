# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/resize.yml run the way AWX runs a job template: through ansible-runner, with the
credential injected as environment variables only.

The environment is not written by hand: it is computed the way AWX computes it, by rendering the
``env`` injectors of ``extensions/awx/credential_type.yml`` with Jinja2 (a sandboxed environment,
with only the inputs that have a value defined) on sample inputs. So these tests prove that the
credential type and the modules agree on every variable.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.simulator.control import start_simulator

ansible_runner = pytest.importorskip("ansible_runner")

HERE = Path(__file__).resolve()
COLLECTION_ROOT = HERE.parents[2]
# .../ansible_collections/hwcloud/bandwidth/tests/workflow/<this file>
COLLECTIONS_PATH = HERE.parents[5]
if HERE.parents[4].name != "ansible_collections":
    pytest.skip("run from a copy of the collection under ansible_collections/hwcloud/bandwidth (make units)",
                allow_module_level=True)

# pylint: disable=wrong-import-position
from ansible.module_utils.common.validation import check_type_dict  # noqa: E402

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ENV, parse_endpoints  # noqa: E402
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import common_argument_spec  # noqa: E402

CREDENTIAL_TYPE = COLLECTION_ROOT / "extensions" / "awx" / "credential_type.yml"
INJECTED = {"HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_REGION_NAME", "HW_PROJECT_ID", "HW_ENDPOINTS"}

ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
TEMP_ACCESS_KEY = "SIMULATORTEMPAK000000"
TEMP_SECRET_KEY = "simulator-temp-secret-key"
SECURITY_TOKEN = "simulator-security-token-0123456789abcdef"
REGION = "cn-north-4"
PROJECT_ID = "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"

WS_PREPAID = "5e6f7a8b-0000-4000-8000-0000000a0001"
WS_ON_DEMAND = "5e6f7a8b-0000-4000-8000-0000000a0002"
VPC_PREPAID = "5e6f7a8b-0000-4000-8000-0000000b0001"
VPC_ON_DEMAND = "5e6f7a8b-0000-4000-8000-0000000b0002"
SEED = {
    "config": {"order_delay": 0.2, "job_delay": 0.2},
    "workspace_bandwidths": [
        {"bandwidth_id": WS_PREPAID, "bandwidth_name": "awx-office", "charge_mode": "wks_bandwidth", "size": 10},
        {"bandwidth_id": WS_ON_DEMAND, "bandwidth_name": "awx-lab", "charge_mode": "wks_traffic", "size": 10},
    ],
    "vpc_bandwidths": [
        {"id": VPC_PREPAID, "name": "awx-shared", "size": 100, "share_type": "WHOLE", "prepaid": True},
        {"id": VPC_ON_DEMAND, "name": "awx-dedicated", "size": 5, "share_type": "PER", "charge_mode": "traffic"},
    ],
}
# The schedule profiles an administrator keeps in the job template's extra variables.
PROFILES = {
    "business_hours": [
        {"service": "workspace", "name": "awx-office", "size": 50},
        {"service": "workspace", "name": "awx-lab", "size": 40},
        {"service": "vpc", "name": "awx-shared", "size": 200},
        {"service": "vpc", "name": "awx-dedicated", "size": 20},
    ],
    "night": [
        {"service": "workspace", "name": "awx-lab", "size": 2},
        {"service": "vpc", "name": "awx-dedicated", "size": 1},
    ],
}


# -- the credential type, as AWX applies it -----------------------------------------------


def load_credential_type():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def inject(credential_type, inputs):
    """The environment variables AWX injects for a credential with these inputs.

    As AWX does it: only inputs with a value are in the template namespace (a missing one is an
    undefined variable and renders as an empty string), and every ``env`` injector is rendered
    in an immutable sandboxed Jinja2 environment.
    """
    namespace = {name: value for name, value in inputs.items() if value not in (None, "")}
    sandbox = ImmutableSandboxedEnvironment()
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"]["env"].items()}


def endpoints_input(url):
    return json.dumps({service: url for service in ("iam", "workspace", "vpc", "bss")})


def test_credential_type_has_the_inputs_of_the_design():
    credential_type = load_credential_type()
    assert credential_type["kind"] == "cloud"
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert set(fields) == {"access_key", "secret_key", "security_token", "region", "project_id", "endpoints"}
    assert {name for name, field in fields.items() if field.get("secret")} == {"secret_key", "security_token"}
    assert all(field["type"] == "string" for field in fields.values())
    assert set(credential_type["inputs"]["required"]) == {"access_key", "secret_key", "region"}
    # Only environment injectors: no extra_vars, so credentials never reach the job's variables.
    assert set(credential_type["injectors"]) == {"env"}


def test_injectors_set_exactly_the_variables_the_modules_read():
    credential_type = load_credential_type()
    injected = set(credential_type["injectors"]["env"])
    assert injected == INJECTED
    module_env = {fallback[1][0] for fallback in (spec.get("fallback") for spec in common_argument_spec().values())
                  if fallback}
    assert injected <= module_env
    assert injected <= set(ENV.values())
    with open(COLLECTION_ROOT / "plugins" / "inventory" / "bandwidths.py", encoding="utf-8") as handle:
        source = handle.read()
    inventory_doc = yaml.safe_load(source.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
    # The connection options come from the plugin variant of the collection's connection fragment.
    assert "hwcloud.bandwidth.common.plugin" in inventory_doc["extends_documentation_fragment"]
    with open(COLLECTION_ROOT / "plugins" / "doc_fragments" / "common.py", encoding="utf-8") as handle:
        fragment = handle.read()
    plugin_options = yaml.safe_load(fragment.split('PLUGIN = r"""', 1)[1].split('"""', 1)[0])["options"]
    options = dict(plugin_options, **inventory_doc["options"])
    inventory_env = {entry["name"] for option in options.values() for entry in option.get("env", [])}
    assert injected <= inventory_env


def test_injectors_pass_the_validation_of_awx():
    """AWX renders every injector with each field set and undefined names forbidden before saving the type."""
    credential_type = load_credential_type()
    fields = [field["id"] for field in credential_type["inputs"]["fields"]]
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for template in credential_type["injectors"]["env"].values():
        sandbox.from_string(template).render(**{name: "EXAMPLE" for name in fields})


def test_empty_optional_inputs_render_to_values_the_modules_accept():
    env = inject(load_credential_type(), {"access_key": "AK", "secret_key": "SK", "region": REGION})
    assert env["HW_ACCESS_KEY"] == "AK"
    assert env["HW_REGION_NAME"] == REGION
    assert env["HW_PROJECT_ID"] == "" and env["HW_SECURITY_TOKEN"] == ""
    # The modules' endpoints option is a dict: what the injector gives must parse as one, and mean "no override".
    assert check_type_dict(env["HW_ENDPOINTS"]) == {}
    assert parse_endpoints(env["HW_ENDPOINTS"]) == {}


def test_given_inputs_are_injected_verbatim():
    endpoints = endpoints_input("http://127.0.0.1:9")
    env = inject(load_credential_type(), {"access_key": "AK", "secret_key": "S'K\"{x}", "region": REGION,
                                          "security_token": "TOKEN", "project_id": PROJECT_ID,
                                          "endpoints": endpoints})
    assert env == {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "S'K\"{x}", "HW_SECURITY_TOKEN": "TOKEN",
                   "HW_REGION_NAME": REGION, "HW_PROJECT_ID": PROJECT_ID, "HW_ENDPOINTS": endpoints}
    assert check_type_dict(env["HW_ENDPOINTS"]) == json.loads(endpoints)


def test_survey_and_schedules_fit_the_playbook():
    """Every survey question sets a variable of the resize role, and the schedules choose existing profiles."""
    with open(COLLECTION_ROOT / "extensions" / "awx" / "survey_resize.json", encoding="utf-8") as handle:
        survey = json.load(handle)
    with open(COLLECTION_ROOT / "roles" / "bandwidth_resize" / "meta" / "argument_specs.yml", encoding="utf-8") as handle:
        role_options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    with open(COLLECTION_ROOT / "docs" / "examples" / "awx-project" / "profiles.yml", encoding="utf-8") as handle:
        profiles = yaml.safe_load(handle)["bandwidth_resize_profiles"]
    questions = {question["variable"]: question for question in survey["spec"]}
    assert set(questions) <= set(role_options)
    assert set(questions["bandwidth_resize_profile"]["choices"]) == set(profiles)
    assert set(questions["bandwidth_resize_auto_pay"]["choices"]) == {"true", "false"}
    with open(COLLECTION_ROOT / "extensions" / "awx" / "configure_awx.yml", encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)[0]["tasks"]
    schedules = [task["awx.awx.schedule"] for task in tasks if "awx.awx.schedule" in task]
    assert len(schedules) == 2
    for schedule in schedules:
        assert set(schedule["extra_data"]) <= set(questions)
        assert schedule["extra_data"]["bandwidth_resize_profile"] in profiles
        assert "RRULE:FREQ=WEEKLY" in schedule["rrule"]


# -- jobs against the simulator -------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    process = start_simulator(tmp_path_factory.mktemp("simulator") / "state.json")
    yield process
    process.stop()


@pytest.fixture()
def sim(simulator):
    simulator.admin.reset(copy.deepcopy(SEED))
    return simulator


def run_job(tmp_path, name, credential_env, extravars, playbook="playbooks/resize.yml", inventory=None,
            cmdline=None, limit=None):
    """One AWX job: a fresh private data dir, the project checkout, the credential in the environment only."""
    envvars = dict(credential_env)
    envvars.update({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    private_data_dir = tmp_path / name
    private_data_dir.mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        project_dir=str(COLLECTION_ROOT),
        playbook=playbook,
        inventory=inventory or {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}},
        envvars=envvars,
        extravars=extravars,
        cmdline=cmdline,
        limit=limit,
        quiet=True,
    )
    return runner


def output(runner):
    return runner.stdout.read()


def assert_successful(runner):
    assert runner.status == "successful", "job failed (rc %s):\n%s" % (runner.rc, output(runner)[-4000:])


def sizes(sim):
    state = sim.admin.state()
    found = {item["bandwidth_id"]: item["size"] for item in state["workspace_bandwidths"]}
    found.update({item["id"]: item["size"] for item in state["vpc_bandwidths"]})
    return found


def report_of(runner):
    facts = [event["event_data"]["res"]["ansible_facts"] for event in runner.events
             if event.get("event") == "runner_on_ok"
             and "bandwidth_resize_report" in (event["event_data"].get("res", {}).get("ansible_facts") or {})]
    assert facts, "the job set no bandwidth_resize_report"
    return facts[-1]["bandwidth_resize_report"]


def test_prompted_targets_with_the_injected_credential(sim, tmp_path):
    credential_env = inject(load_credential_type(), {
        "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": REGION, "endpoints": endpoints_input(sim.url)})
    # The targets given at launch (extra variables prompted on launch, in YAML) are the only extra variables:
    # no credential among them.
    survey = {"bandwidth_resize_targets": [
        {"service": "workspace", "id": WS_ON_DEMAND, "size": 30},
        {"service": "vpc", "name": "awx-dedicated", "size": 25},
    ]}
    runner = run_job(tmp_path, "targets", credential_env, survey)
    assert_successful(runner)
    after = sizes(sim)
    assert after[WS_ON_DEMAND] == 30
    assert after[VPC_ON_DEMAND] == 25
    assert after[WS_PREPAID] == 10 and after[VPC_PREPAID] == 100
    # project_id was empty in the credential: the modules looked it up through IAM.
    assert sim.admin.summary()["by_operation"].get("iam.projects", 0) >= 1
    text = output(runner)
    assert SECRET_KEY not in text
    assert not any(SECRET_KEY in json.dumps(event, default=str) for event in runner.events)


def test_check_mode_job_changes_nothing(sim, tmp_path):
    credential_env = inject(load_credential_type(), {
        "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": REGION, "project_id": PROJECT_ID,
        "endpoints": endpoints_input(sim.url)})
    sim.admin.clear_log()
    runner = run_job(tmp_path, "check", credential_env, {"bandwidth_resize_profiles": PROFILES,
                                                         "bandwidth_resize_profile": "business_hours"},
                     cmdline="--check --diff")
    assert_successful(runner)
    summary = sim.admin.summary()
    assert summary["writes"] == 0
    # project_id came from the credential: no IAM lookup.
    assert "iam.projects" not in summary["by_operation"]
    assert sizes(sim)[WS_PREPAID] == 10


def test_schedule_profiles_with_auto_pay(sim, tmp_path):
    """The business-hours schedule scales up (prepaid ones through paid orders), the night one scales down."""
    credential_env = inject(load_credential_type(), {
        "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": REGION, "project_id": PROJECT_ID,
        "endpoints": endpoints_input(sim.url)})
    # AWX survey answers of a multiple-choice question are strings ("true"/"false").
    morning = run_job(tmp_path, "morning", credential_env, {
        "bandwidth_resize_profiles": PROFILES, "bandwidth_resize_profile": "business_hours",
        "bandwidth_resize_auto_pay": "true", "bandwidth_resize_wait_timeout": 60})
    assert_successful(morning)
    assert sizes(sim) == {WS_PREPAID: 50, WS_ON_DEMAND: 40, VPC_PREPAID: 200, VPC_ON_DEMAND: 20}
    orders = sim.admin.state()["orders"]
    assert len(orders) == 2
    assert {order["status"] for order in orders} == {5}
    report = report_of(morning)
    assert len(report) == 4

    night = run_job(tmp_path, "night", credential_env, {
        "bandwidth_resize_profiles": PROFILES, "bandwidth_resize_profile": "night",
        "bandwidth_resize_auto_pay": "false"})
    assert_successful(night)
    assert sizes(sim) == {WS_PREPAID: 50, WS_ON_DEMAND: 2, VPC_PREPAID: 200, VPC_ON_DEMAND: 1}
    assert len(sim.admin.state()["orders"]) == 2


def test_temporary_credentials_need_the_security_token(sim, tmp_path):
    inputs = {"access_key": TEMP_ACCESS_KEY, "secret_key": TEMP_SECRET_KEY, "region": REGION,
              "project_id": PROJECT_ID, "endpoints": endpoints_input(sim.url)}
    survey = {"bandwidth_resize_targets": [{"service": "vpc", "id": VPC_ON_DEMAND, "size": 7}]}
    without_token = run_job(tmp_path, "no-token", inject(load_credential_type(), inputs), survey)
    assert without_token.status == "failed"
    assert "APIGW.0301" in output(without_token)
    assert sizes(sim)[VPC_ON_DEMAND] == 5

    with_token = run_job(tmp_path, "token", inject(load_credential_type(), dict(inputs, security_token=SECURITY_TOKEN)),
                         survey)
    assert_successful(with_token)
    assert sizes(sim)[VPC_ON_DEMAND] == 7
    assert SECURITY_TOKEN not in output(with_token)


def test_sliced_per_host_job_over_the_inventory_plugin(sim, tmp_path):
    """An inventory source of the plugin with the same credential, and a job sliced in two (as AWX job slicing
    splits the hosts of an inventory): each slice resizes only its own bandwidths."""
    credential_env = inject(load_credential_type(), {
        "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": REGION, "endpoints": endpoints_input(sim.url)})
    source = tmp_path / "inventory" / "bandwidths.hwcloud.yml"
    source.parent.mkdir()
    source.write_text("plugin: hwcloud.bandwidth.bandwidths\nhostname: \"{{ bandwidth_name }}\"\n")
    on_demand = ["awx-dedicated", "awx-lab"]
    for index, host in enumerate(on_demand):
        runner = run_job(tmp_path, "slice-%d" % index, credential_env, {"resize_size": 33},
                         playbook="playbooks/resize_per_host.yml", inventory=str(source), limit=host)
        assert_successful(runner)
        if index == 0:
            assert sizes(sim)[VPC_ON_DEMAND] == 33
            assert sizes(sim)[WS_ON_DEMAND] == 10
    assert sizes(sim) == {WS_PREPAID: 10, WS_ON_DEMAND: 33, VPC_PREPAID: 100, VPC_ON_DEMAND: 33}

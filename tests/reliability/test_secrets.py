# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret scans: representative playbooks at -vvv leak no secret key, token or signature, and no traceback.

Scanned: standard output and error of ``ansible-playbook -vvv --diff``, every task result,
and the simulator's request log (paths, queries, bodies; it holds no headers). Searched for:
the secret keys, the security token, every signature value the simulator received (it keeps
them apart from its log), any 64-hex-digit word (the shape of a signature) and the words of
an Authorization header. The playbooks cover permanent and temporary credentials, options and
``HW_*`` variables, successes, check and diff mode, faults on writes, refused signatures,
billing and the role.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.reliability import harness
from tests.simulator.state import DEFAULT_SEED

WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"
WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
WRONG_SECRET = "a-wrong-secret-key-0123"
SECRETS = harness.SECRETS + (WRONG_SECRET,)


def _seed():
    with open(DEFAULT_SEED, encoding="utf-8") as stream:
        seed = copy.deepcopy(yaml.safe_load(stream))
    seed["config"] = {"job_delay": 0.2, "order_delay": 0.2}
    # A dropped answer on the first prepaid order and a 502 page on a read: the error paths talk too.
    seed["faults"] = [{"method": "PUT", "path": "/v2.0/", "kind": "drop_after", "times": 1},
                      {"method": "GET", "path": "/workspace-jobs/", "kind": "html", "status": 502, "times": 1}]
    return seed


def _playbook(url):
    wait = {"wait_timeout": 60}
    permanent = [
        {"name": "list vpc", "hwcloud.bandwidth.vpc_bandwidth_info": {}},
        {"name": "list workspace", "hwcloud.bandwidth.workspace_bandwidth_info": {}},
        {"name": "dry run", "hwcloud.bandwidth.vpc_bandwidth": {"id": VPC_ONDEMAND, "size": 70}, "check_mode": True},
        {"name": "resize workspace on demand", "hwcloud.bandwidth.workspace_bandwidth": dict(id=WS_ONDEMAND, size=30, **wait)},
        {"name": "order vpc prepaid (answer dropped)", "hwcloud.bandwidth.vpc_bandwidth": dict(
            id=VPC_PREPAID, size=150, auto_pay=False, **wait), "register": "placed", "ignore_errors": True},
        {"name": "order again (finds the open order)", "hwcloud.bandwidth.vpc_bandwidth": dict(
            id=VPC_PREPAID, size=150, auto_pay=False, **wait), "register": "found"},
        {"name": "pay", "hwcloud.bandwidth.order": {
            "order_id": "{{ found.order_id }}", "state": "paid", "wait": True, "wait_timeout": 60}},
        {"name": "read orders", "hwcloud.bandwidth.order_info": {"order_ids": ["{{ found.order_id }}"]}},
        {"name": "refused signature", "hwcloud.bandwidth.vpc_bandwidth_info": {"secret_key": WRONG_SECRET},
         "ignore_errors": True},
    ]
    # No module defaults: the HW_* variables of the ansible-playbook process apply (see _environment).
    temporary = {
        "name": "temporary credentials from HW_* variables", "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "temporary list", "hwcloud.bandwidth.vpc_bandwidth_info": {}},
            {"name": "temporary resize prepaid with auto pay", "hwcloud.bandwidth.workspace_bandwidth": dict(
                id=WS_PREPAID, size=40, auto_pay=True, **wait)},
            {"name": "temporary wrong token", "hwcloud.bandwidth.workspace_bandwidth_info": {
                "security_token": "a-wrong-token-0123"}, "ignore_errors": True},
        ],
    }
    plays = [harness.play(permanent, url=url), temporary]
    if harness.role_available():
        plays.append(harness.play([{"name": "role", "ansible.builtin.include_role": {
            "name": "hwcloud.bandwidth.bandwidth_resize"}, "vars": {
            "bandwidth_resize_targets": [{"service": "vpc", "id": VPC_ONDEMAND, "size": 80},
                                         {"service": "workspace", "name": "wks-office-prepaid", "size": 50}],
            "bandwidth_resize_auto_pay": True, "bandwidth_resize_wait_timeout": 60,
            "bandwidth_resize_poll_interval": 1}}], url=url, name="role"))
    return plays


def _environment(url):
    """Temporary credentials in the environment of ansible-playbook, the way AWX injects a credential.

    Not with the play keyword ``environment:``: ansible-playbook -vvv prints those variables on
    its EXEC lines, whatever the module does (docs/reliability.md says so).
    """
    return {"HW_ACCESS_KEY": harness.TEMP_ACCESS_KEY, "HW_SECRET_KEY": harness.TEMP_SECRET_KEY,
            "HW_SECURITY_TOKEN": harness.SECURITY_TOKEN, "HW_REGION_NAME": harness.REGION,
            "HW_ENDPOINTS": harness.json_text(harness.endpoints(url))}


@pytest.fixture(scope="module", name="scanned")
def scanned_fixture(simulator, workdir):
    simulator.admin.reset(_seed())
    run = harness.run_playbook(_playbook(simulator.url), workdir=workdir, sim_url=simulator.url, args=("--diff",),
                               env=_environment(simulator.url))
    return run, simulator.admin.log(), simulator.admin.signatures()


def test_the_scanned_playbooks_did_what_they_should(scanned):
    run, log, signatures = scanned
    assert run.rc == 0, run.describe()
    # The scan has something to find: signed requests, masked secrets in -vvv output, bodies in the log.
    assert len(signatures) >= 20
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.stdout
    assert any(entry["body"] for entry in log)
    assert any(entry["fault"] == "drop_after" for entry in log)
    assert run.record("order vpc prepaid (answer dropped)")["status"] in ("ok", "failed")
    assert run.record("refused signature")["status"] == "failed"
    assert run.record("temporary wrong token")["status"] == "failed"
    assert run.record("temporary resize prepaid with auto pay")["status"] == "ok"


@pytest.mark.parametrize("where", ["stdout", "stderr", "task results", "simulator request log"])
def test_no_secret_or_signature_anywhere(scanned, where):
    run, log, signatures = scanned
    text = {"stdout": run.stdout, "stderr": run.stderr, "task results": harness.json_text(run.records),
            "simulator request log": harness.json_text(log)}[where]
    assert harness.leaked(text, secrets=SECRETS, signatures=signatures) == []


def test_no_traceback_anywhere(scanned):
    run = scanned[0]
    assert harness.tracebacks(run.output) == []
    assert harness.tracebacks(harness.json_text(run.records)) == []


def test_the_scan_would_catch_a_leak(scanned):
    """The scan itself is tested: a signature, the token or a secret key in any text is found."""
    signatures = scanned[2]
    for text in ("... Signature=%s ..." % signatures[0], "token %s" % harness.SECURITY_TOKEN, "sk=" + harness.SECRET_KEY,
                 "x %s y" % signatures[-1]):
        assert harness.leaked(text, secrets=SECRETS, signatures=signatures)

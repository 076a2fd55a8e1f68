# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue of bad inputs: each fails with a message that names the problem, and writes nothing.

All cases run as the tasks of one playbook (``ignore_errors``), so ansible starts once; the
recording callback reads the simulator's write count around every task, so "nothing was
written" is checked for each case on its own. Credentials are given per task (not as module
defaults), so that a case can leave one out.
"""

from __future__ import annotations

import copy
import socket

import pytest
import yaml

from tests.reliability import harness
from tests.simulator.state import DEFAULT_SEED

WS_PREPAID = "6b1e9c2a-4d3f-4a8b-9c7d-1e2f3a4b5c6d"      # wks-office-prepaid, 20 Mbit/s
WS_ONDEMAND = "7c2f0d3b-5e4a-4b9c-8d0e-2f3a4b5c6d7e"     # wks-lab-ondemand, 10 Mbit/s
VPC_PREPAID = "3a5b7c9d-1e2f-4a6b-8c0d-9e8f7a6b5c4d"     # shared-prepaid, WHOLE, 100 Mbit/s
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"    # shared-ondemand, WHOLE, 50 Mbit/s
VPC_PER = "5c7d9e1f-3a4b-4c8d-0e2f-1a0b9c8d7e6f"         # eip-dedicated-ondemand, PER, 5 Mbit/s
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
UNKNOWN_ORDER = "CS2401010000ZZZZZ"
REMOVE = object()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED = "http://127.0.0.1:%d" % _closed_port()


class Case:
    def __init__(self, case_id, module, args, expected, connection=None):
        self.id = case_id
        self.module = module
        self.args = args
        self.expected = expected
        self.connection = connection or {}

    def task(self, url):
        args = harness.credentials(url)
        for key, value in self.connection.items():
            if value is REMOVE:
                args.pop(key, None)
            else:
                args[key] = value
        args.update(self.args)
        return {"name": self.id, "hwcloud.bandwidth.%s" % self.module: args, "ignore_errors": True}


WS = "workspace_bandwidth"
VPC = "vpc_bandwidth"
CASES = [
    # -- wrong types ----------------------------------------------------------------------
    Case("type-size-word", WS, {"name": "wks-lab-ondemand", "size": "big"}, ["size", "int"]),
    Case("type-size-fraction", VPC, {"id": VPC_ONDEMAND, "size": 10.5}, ["size", "int"]),
    Case("type-auto-pay", VPC, {"id": VPC_PREPAID, "size": 150, "auto_pay": "maybe"}, ["auto_pay", "bool"]),
    Case("type-wait-timeout", WS, {"id": WS_ONDEMAND, "size": 20, "wait_timeout": "soon"}, ["wait_timeout", "int"]),
    Case("type-order-ids", "order_info", {"order_ids": {"a": 1}}, ["order_ids", "list"]),
    Case("type-endpoints", "vpc_bandwidth_info", {}, ["endpoints", "dict"], connection={"endpoints": "not a mapping"}),
    Case("type-max-retries", "vpc_bandwidth_info", {}, ["max_retries", "int"], connection={"max_retries": "many"}),
    Case("type-validate-certs", "vpc_bandwidth_info", {}, ["validate_certs", "bool"],
         connection={"validate_certs": "perhaps"}),
    Case("unknown-option", VPC, {"id": VPC_ONDEMAND, "size": 60, "colour": "red"}, ["Unsupported parameters", "colour"]),
    # -- sizes ----------------------------------------------------------------------------
    Case("size-zero", WS, {"id": WS_ONDEMAND, "size": 0}, ["size 0 Mbit/s is out of range", "1 to 2000"]),
    Case("size-above-max-ws", WS, {"id": WS_PREPAID, "size": 2001, "auto_pay": True}, ["size 2001 Mbit/s is out of range"]),
    Case("size-negative-vpc", VPC, {"id": VPC_ONDEMAND, "size": -5}, ["size -5 Mbit/s is out of range"]),
    Case("size-above-max-vpc", VPC, {"id": VPC_PREPAID, "size": 2500, "auto_pay": True}, ["size 2500 Mbit/s is out of range"]),
    Case("size-off-step-301", VPC, {"id": VPC_ONDEMAND, "size": 301}, ["not a valid VPC bandwidth size", "300 or 350"]),
    Case("size-off-step-975", VPC, {"id": VPC_ONDEMAND, "size": 975}, ["multiple of 50", "950 or 1000"]),
    Case("size-off-step-1200", VPC, {"id": VPC_PREPAID, "size": 1200, "auto_pay": True}, ["multiple of 500", "1000 or 1500"]),
    # -- names ----------------------------------------------------------------------------
    Case("name-too-long", WS, {"id": WS_ONDEMAND, "name": "n" * 65}, ["is not valid", "1 to 64 characters"]),
    Case("name-space-bang", VPC, {"id": VPC_ONDEMAND, "name": "bad name!"}, ["'bad name!' is not valid"]),
    Case("name-slash", VPC, {"id": VPC_PREPAID, "name": "a/b"}, ["'a/b' is not valid"]),
    Case("name-empty", WS, {"id": WS_PREPAID, "name": ""}, ["'' is not valid"]),
    # -- unknown and ambiguous ------------------------------------------------------------
    Case("unknown-id-ws", WS, {"id": UNKNOWN_ID, "size": 20}, ["no Workspace bandwidth has id %s" % UNKNOWN_ID]),
    Case("unknown-id-vpc", VPC, {"id": UNKNOWN_ID, "size": 20},
         ["no VPC bandwidth has id %s" % UNKNOWN_ID, "vpc_bandwidth_info"]),
    Case("unknown-name-ws", WS, {"name": "no-such-bandwidth", "size": 20}, ["no Workspace bandwidth is named no-such-bandwidth"]),
    Case("unknown-name-vpc", VPC, {"name": "no-such-bandwidth", "size": 20}, ["is named no-such-bandwidth"]),
    Case("ambiguous-name-ws", WS, {"name": "dup-ws", "size": 20},
         ["2 Workspace bandwidths are named dup-ws", "select the bandwidth by id"]),
    Case("ambiguous-name-vpc", VPC, {"name": "dup-vpc", "size": 20},
         ["2 VPC bandwidths", "named dup-vpc", "select the bandwidth by id"]),
    # -- credentials, region, endpoints ---------------------------------------------------
    Case("missing-access-key", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["missing access_key", "HW_ACCESS_KEY"],
         connection={"access_key": REMOVE}),
    Case("missing-secret-key", WS, {"id": WS_ONDEMAND, "size": 20}, ["missing secret_key"],
         connection={"secret_key": REMOVE}),
    Case("missing-region", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["missing required argument: region", "HW_REGION_NAME"],
         connection={"region": REMOVE}),
    Case("wrong-secret-key", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["APIGW.0301", "check the access key and secret key"],
         connection={"secret_key": "not-the-secret"}),
    Case("unknown-access-key", WS, {"id": WS_ONDEMAND, "size": 20}, ["APIGW.0301", "is unknown"],
         connection={"access_key": "UNKNOWNAK00000000000"}),
    Case("temporary-key-without-token", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["APIGW.0301", "security token"],
         connection={"access_key": harness.TEMP_ACCESS_KEY, "secret_key": harness.TEMP_SECRET_KEY}),
    Case("unknown-region", VPC, {"id": VPC_ONDEMAND, "size": 60},
         ["IAM returned 0 projects named eu-west-0", "check the region name", "project_id"],
         connection={"region": "eu-west-0"}),
    Case("unknown-project-id", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["VPC.0007", "check project_id"],
         connection={"project_id": "0123456789abcdef0123456789abcdef"}),
    Case("unknown-project-id-ws", WS, {"id": WS_ONDEMAND, "size": 20},
         ["The project ID 0123456789abcdef0123456789abcdef is invalid"],
         connection={"project_id": "0123456789abcdef0123456789abcdef"}),
    Case("endpoint-not-a-url", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["endpoint of vpc must be an http(s) URL"],
         connection={"endpoints": {"vpc": "not-a-url"}}),
    Case("endpoint-ftp", WS, {"id": WS_ONDEMAND, "size": 20}, ["endpoint of workspace must be an http(s) URL"],
         connection={"endpoints": {"workspace": "ftp://127.0.0.1/"}}),
    Case("endpoint-unknown-service", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["unknown service in endpoints: ecs"],
         connection={"endpoints": {"ecs": "http://127.0.0.1"}}),
    Case("endpoint-unreachable", VPC, {"id": VPC_ONDEMAND, "size": 60}, ["could not connect", "check the region, the endpoints"],
         connection={"endpoints": {"iam": CLOSED, "vpc": CLOSED}, "max_retries": 0}),
    # -- decrease policy and periods ------------------------------------------------------
    Case("period-without-at-renewal", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "immediate",
                                            "period_type": "month", "period_num": 1},
         ["only apply to prepaid_decrease=at_renewal"]),
    Case("at-renewal-without-period", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "at_renewal"},
         ["prepaid_decrease=at_renewal needs period_type"]),
    Case("period-num-10-months", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "at_renewal",
                                       "period_type": "month", "period_num": 10},
         ["period_num 10 is out of range for period_type=month", "1 to 9"]),
    Case("period-num-4-years", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "at_renewal",
                                     "period_type": "year", "period_num": 4},
         ["period_num 4 is out of range for period_type=year", "1 to 3"]),
    Case("period-num-zero", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "at_renewal",
                                  "period_type": "month", "period_num": 0}, ["period_num 0 is out of range"]),
    Case("period-type-week", VPC, {"id": VPC_PREPAID, "size": 50, "prepaid_decrease": "at_renewal",
                                   "period_type": "week", "period_num": 1}, ["period_type", "month, year"]),
    Case("decrease-refused-vpc", VPC, {"id": VPC_PREPAID, "size": 50},
         ["decreasing it from 100 to 50 Mbit/s is refused by prepaid_decrease=refuse", "prepaid_decrease=immediate"]),
    Case("decrease-refused-ws", WS, {"name": "wks-office-prepaid", "size": 10},
         ["decreasing it from 20 to 10 Mbit/s is refused", "prepaid_decrease=immediate"]),
    Case("decrease-at-renewal-ws", WS, {"id": WS_PREPAID, "size": 10, "prepaid_decrease": "at_renewal"},
         ["prepaid_decrease", "refuse, immediate"]),
    Case("charge-mode-on-prepaid", VPC, {"id": VPC_PREPAID, "charge_mode": "traffic"},
         ["is yearly/monthly: charge_mode can only be changed on a pay-per-use"]),
    Case("peak-on-dedicated", VPC, {"id": VPC_PER, "charge_mode": "95peak_plus"},
         ["dedicated (PER) bandwidth", "only for shared (WHOLE)"]),
    Case("charge-mode-unknown", VPC, {"id": VPC_ONDEMAND, "charge_mode": "flat"}, ["charge_mode", "bandwidth, traffic"]),
    # -- orders ---------------------------------------------------------------------------
    Case("order-info-unknown", "order_info", {"order_id": UNKNOWN_ORDER},
         ["does not know order %s" % UNKNOWN_ORDER, "check the order IDs"]),
    Case("order-info-one-unknown-of-two", "order_info", {"order_ids": ["CS2401010000YYYYY", UNKNOWN_ORDER]},
         ["CS2401010000YYYYY, %s" % UNKNOWN_ORDER]),
    Case("order-pay-unknown", "order", {"order_id": UNKNOWN_ORDER, "state": "paid"}, [UNKNOWN_ORDER, "CBC.30000010",
                                                                                      "check the order id"]),
    Case("order-cancel-unknown", "order", {"order_id": UNKNOWN_ORDER, "state": "cancelled"}, [UNKNOWN_ORDER, "CBC.30000010"]),
    Case("order-state-unknown", "order", {"order_id": UNKNOWN_ORDER, "state": "refunded"}, ["state", "paid, cancelled"]),
    Case("order-id-blank", "order", {"order_id": "   ", "state": "paid"}, ["order_id must not be empty"]),
    Case("order-ids-empty", "order_info", {"order_ids": []}, ["order_ids is empty"]),
    # -- wait_timeout ---------------------------------------------------------------------
    Case("wait-timeout-zero-ws", WS, {"id": WS_ONDEMAND, "size": 20, "wait_timeout": 0},
         ["wait_timeout must be a positive number of seconds, got 0"]),
    Case("wait-timeout-negative-vpc", VPC, {"id": VPC_ONDEMAND, "size": 60, "wait_timeout": -1},
         ["wait_timeout must be a positive number of seconds, got -1"]),
    Case("wait-timeout-zero-order-info", "order_info", {"order_id": UNKNOWN_ORDER, "wait_until": "completed",
                                                        "wait_timeout": 0}, ["wait_timeout must be a positive number"]),
    Case("wait-timeout-zero-order", "order", {"order_id": UNKNOWN_ORDER, "state": "paid", "wait": True, "wait_timeout": 0},
         ["wait_timeout must be a positive number"]),
    # -- mutually exclusive and required-one-of -------------------------------------------
    Case("order-info-both-ids", "order_info", {"order_id": UNKNOWN_ORDER, "order_ids": [UNKNOWN_ORDER]},
         ["mutually exclusive", "order_id|order_ids"]),
    Case("order-info-no-id", "order_info", {}, ["one of the following is required", "order_id", "order_ids"]),
    Case("resize-neither-id-nor-name-ws", WS, {"size": 20}, ["one of the following is required", "id, name"]),
    Case("resize-neither-id-nor-name-vpc", VPC, {"size": 20}, ["one of the following is required", "id, name"]),
]


def catalogue_seed():
    with open(DEFAULT_SEED, encoding="utf-8") as stream:
        seed = yaml.safe_load(stream)
    seed = copy.deepcopy(seed)
    seed["workspace_bandwidths"] += [{"bandwidth_name": "dup-ws", "charge_mode": "wks_traffic", "size": 10,
                                      "subnet_name": "subnet-a"},
                                     {"bandwidth_name": "dup-ws", "charge_mode": "wks_traffic", "size": 10,
                                      "subnet_name": "subnet-b"}]
    seed["vpc_bandwidths"] += [{"name": "dup-vpc", "size": 10}, {"name": "dup-vpc", "size": 20, "share_type": "PER"}]
    return seed


@pytest.fixture(scope="module", name="catalogue")
def catalogue_fixture(simulator, workdir):
    simulator.admin.reset(catalogue_seed())
    run = harness.run_playbook([harness.play([case.task(simulator.url) for case in CASES])], workdir=workdir,
                               sim_url=simulator.url)
    return run, simulator.admin.summary(), simulator.admin.signatures(), simulator.admin.log()


def test_catalogue_has_enough_cases():
    assert len(CASES) >= 40
    assert len(set(case.id for case in CASES)) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_clearly_and_writes_nothing(catalogue, case):
    run = catalogue[0]
    record = run.record(case.id)
    message = harness.result_message(record)
    assert record["status"] == "failed", "case %s did not fail: %s" % (case.id, record["result"])
    for expected in case.expected:
        # Case-insensitive: the message must name the problem; its capitals may change.
        assert expected.lower() in message.lower(), "case %s: %r not in %r" % (case.id, expected, message)
    assert record.get("writes") == 0, "case %s wrote %s times" % (case.id, record.get("writes"))
    assert not harness.tracebacks(harness.json_text(record["result"]))
    # ansible-core 2.19 adds this placeholder to failures; a real traceback would replace it.
    assert record["result"].get("exception") in (None, "(traceback unavailable)")


def test_catalogue_run_wrote_nothing_and_leaked_nothing(catalogue):
    run, summary, signatures, log = catalogue
    assert summary["writes"] == 0, summary
    assert summary["reads"] > 0
    assert not harness.tracebacks(run.output), run.describe()
    for text in (run.output, harness.json_text(run.records), harness.json_text(log)):
        assert not harness.leaked(text, secrets=harness.SECRETS + ("not-the-secret",), signatures=signatures)

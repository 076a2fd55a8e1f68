# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: every error the collection raises becomes a failure a person can act on.

No traceback, the operation and the service's code in the message, ``changed`` false when
nothing was written, and true once a write may have changed something.
"""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _apply
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import (
    BandwidthModule,
    SingleResizeModule,
    resize_argument_spec,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitTimeout
# The module tests' fixtures, used as they are: a fake HTTP session and a runner of main().
# pylint: disable-next=unused-import
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.conftest import (  # noqa: F401
    fake_http,
    run_module,
)
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.modules.fake_cloud import FakeCloud

PROJECT = "proj-1"
ARGS = {"access_key": "AK", "secret_key": "SECRET-never-shown", "region": "r1", "project_id": PROJECT,
        "endpoints": {"vpc": "https://vpc.test", "bss": "https://bss.test"}, "max_retries": 0}
PREPAID_UPDATE = "/v2.0/%s/bandwidths/bw-1" % PROJECT


class Raising(BandwidthModule):
    """Raises what ``raise`` names, after marking the result changed when ``changed`` says so."""

    argument_spec = {"raise": {"type": "str", "required": True}, "changed": {"type": "bool", "default": False}}

    def run(self):
        if self.module.params["changed"]:
            self._mark_as_changed()
        what = self.module.params["raise"]
        if what == "service":
            raise HwCloudError("update VPC bandwidth bw-1", "Insufficient balance.", status=403,
                               error_code="VPC.2701", request_id="req-42")
        if what == "validation":
            raise ValidationError("size 301 Mbit/s is not a valid VPC bandwidth size")
        if what == "timeout":
            raise WaitTimeout("VPC bandwidth bw-1 to show 200 Mbit/s", 30, None)
        if what == "client":
            self.client.project_id  # pylint: disable=pointless-statement
        self.result["done"] = what


def no_traceback(result):
    assert "exception" not in result
    assert "Traceback" not in result["msg"]
    assert ARGS["secret_key"] not in str(result)


def test_a_service_error_names_operation_status_code_and_request_id(run_module):
    result = run_module(Raising, dict(ARGS, **{"raise": "service"}))
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith("update VPC bandwidth bw-1 failed (HTTP 403, VPC.2701): Insufficient balance.")
    assert "[request id req-42]" in result["msg"] and "What to do:" in result["msg"]
    assert result["error"] == {"operation": "update VPC bandwidth bw-1", "status": 403, "error_code": "VPC.2701",
                               "error_msg": "Insufficient balance.", "request_id": "req-42"}
    no_traceback(result)


def test_a_validation_error_is_the_message_alone(run_module):
    result = run_module(Raising, dict(ARGS, **{"raise": "validation"}))
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "size 301 Mbit/s is not a valid VPC bandwidth size"
    assert "error" not in result
    no_traceback(result)


def test_a_timeout_says_the_change_may_still_complete(run_module):
    result = run_module(Raising, dict(ARGS, **{"raise": "timeout"}))
    assert result["failed"] is True
    assert "timed out after 30s" in result["msg"] and "may still complete" in result["msg"]
    no_traceback(result)


def test_a_failure_after_a_change_keeps_changed(run_module):
    result = run_module(Raising, dict(ARGS, **{"raise": "service", "changed": True}))
    assert result["failed"] is True and result["changed"] is True


def test_missing_credentials_fail_clearly(run_module, monkeypatch):
    for name in ("HW_ACCESS_KEY", "HW_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    args = {key: value for key, value in ARGS.items() if key not in ("access_key", "secret_key")}
    result = run_module(Raising, dict(args, **{"raise": "client"}))
    assert result["failed"] is True and result["changed"] is False
    assert "missing" in result["msg"] and "access_key" in result["msg"]
    no_traceback(result)


def test_invalid_connection_settings_fail_clearly(run_module):
    result = run_module(Raising, dict(ARGS, endpoints={"nosuch": "https://x.test"}, **{"raise": "client"}))
    assert result["failed"] is True
    assert result["msg"].startswith("invalid connection settings: ")
    no_traceback(result)


def test_a_run_without_error_exits_with_its_result(run_module):
    result = run_module(Raising, dict(ARGS, **{"raise": "nothing"}))
    assert result.get("failed") is not True
    assert result["done"] == "nothing" and result["changed"] is False


# -- EngineModule: the one-target case of the engine --------------------------------------

class OneVpc(SingleResizeModule):
    service = "vpc"
    argument_spec = dict(resize_argument_spec(), id={"type": "str"}, name={"type": "str"}, size={"type": "int"},
                         charge_mode={"type": "str"})


def api_bandwidth(size=100, prepaid=True):
    return {"id": "bw-1", "name": "shared-1", "size": size, "share_type": "WHOLE", "charge_mode": "bandwidth",
            "billing_info": "CS1:p:r1:proj-1" if prepaid else "", "status": "NORMAL",
            "enterprise_project_id": "0", "publicip_info": [], "updated_at": "2025-01-01T00:00:00"}


def cloud_of(http, prepaid=True):
    """The shared fake cloud with one VPC bandwidth (prepaid unless told otherwise)."""
    return FakeCloud(http, PROJECT, vpc=[api_bandwidth(prepaid=prepaid)])


def test_a_read_refused_before_any_write_is_no_change(run_module, fake_http):
    cloud_of(fake_http).fault("vpc_show", 403, {"code": "VPC.2701", "message": "not allowed"})
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=200))
    assert result["failed"] is True and result["changed"] is False
    assert "HTTP 403" in result["msg"] and "VPC.2701" in result["msg"]
    assert result["error"]["status"] == 403
    assert fake_http.writes == []
    no_traceback(result)


def test_a_409_on_the_order_is_no_change_and_names_the_open_order(run_module, fake_http):
    cloud = cloud_of(fake_http)

    def conflict(request, bid):
        # Another order appeared between the plan and this order.
        cloud.add_order(bid, 200, 6, order_id="CS-OTHER")
        return 409, {"code": "VPC.0309", "message": "Bandwidth bw-1 has an unpaid order."}

    cloud.hook("vpc_order", conflict)
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=200))
    assert result["failed"] is True and result["changed"] is False
    assert "CS-OTHER (pending_payment)" in result["msg"] and "nothing was changed" in result["msg"]
    assert result["error"]["status"] == 409
    assert len(fake_http.writes) == 2  # the order, and the read-only resources query
    no_traceback(result)


def test_a_lost_order_answer_fails_as_a_possible_change(run_module, fake_http, monkeypatch):
    cloud_of(fake_http).fault("vpc_order", 502, {"code": "VPC.9999", "message": "bad gateway"})
    monkeypatch.setattr(_apply, "ORDER_LOOKUP_ROUNDS", 1)
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=200))
    assert result["failed"] is True
    # The order may have been placed: changed is true, and the message says how to check.
    assert result["changed"] is True
    assert "an order may have been placed" in result["msg"]
    # Billing showed none: placed once more, unpaid, and refused the same way; never a third time.
    orders = [r for r in fake_http.writes if r.path == PREPAID_UPDATE]
    assert [r.body["extendParam"]["is_auto_pay"] for r in orders] == [False, False]
    no_traceback(result)


def test_a_rule_refusal_is_no_change_and_no_write(run_module, fake_http):
    cloud_of(fake_http)
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=50))
    assert result["failed"] is True and result["changed"] is False
    assert "prepaid_decrease" in result["msg"]
    assert fake_http.writes == []
    no_traceback(result)


def test_a_size_within_the_region_limits_is_not_refused_by_the_default_range(run_module, fake_http):
    cloud_of(fake_http, prepaid=False).limits = {"bandwidth": (1, 5000)}
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=2500))
    assert result.get("failed") is not True, result["msg"]
    assert result["changed"] is True and result["bandwidth"]["size"] == 2500


@pytest.mark.parametrize("timeout", [0, -5])
def test_a_wait_timeout_that_is_not_positive_fails_before_any_request(run_module, fake_http, timeout):
    result = run_module(OneVpc, dict(ARGS, id="bw-1", size=200, wait_timeout=timeout))
    assert result["failed"] is True and result["changed"] is False
    assert "wait_timeout must be a positive number of seconds" in result["msg"]
    assert fake_http.requests == []

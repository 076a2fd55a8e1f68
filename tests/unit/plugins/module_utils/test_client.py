# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client: endpoints, configuration, the project lookup, paging, and keeping secrets out of sight."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _client
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient, parse_endpoints
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import BandwidthModule
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import RetryPolicy
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    FakeSession,
    disconnected,
    read_timeout,
    refused,
    response,
)

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    patch_module_args = None

SECRET = "Sk-v3ry/Secret+Key=42"
TOKEN = "gQpzaW5lLXRva2VuLXZhbHVlLWZvci10ZXN0cw=="
ENV_NAMES = ("HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_REGION_NAME", "HW_PROJECT_ID", "HW_CLOUD",
             "HW_ENDPOINTS", "HW_MAX_RETRIES")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def make_client(session, **options):
    settings = dict(access_key="AK", secret_key=SECRET, region="cn-north-4")
    settings.update(options)
    retry = RetryPolicy(max_retries=settings.pop("max_retries", 2), sleep=lambda seconds: None)
    return HwCloudClient(ClientConfig(**settings), session=session, retry=retry)


def query_of(call):
    return parse_qsl(urlsplit(call["url"]).query, keep_blank_values=True)


def base_of(call):
    parts = urlsplit(call["url"])
    return "%s://%s" % (parts.scheme, parts.netloc)


# -- endpoints ----------------------------------------------------------------------------

@pytest.mark.parametrize("cloud, service, expected", [
    (None, "vpc", "https://vpc.cn-north-4.myhuaweicloud.com"),
    (None, "workspace", "https://workspace.cn-north-4.myhuaweicloud.com"),
    (None, "iam", "https://iam.cn-north-4.myhuaweicloud.com"),
    (None, "bss", "https://bss.myhuaweicloud.com"),
    ("myhuaweicloud.eu", "vpc", "https://vpc.cn-north-4.myhuaweicloud.eu"),
    ("myhuaweicloud.eu", "bss", "https://bss.myhuaweicloud.eu"),
    ("", "vpc", "https://vpc.cn-north-4.myhuaweicloud.com"),
])
def test_default_endpoints(cloud, service, expected):
    client = make_client(FakeSession(), cloud=cloud)
    assert client.endpoint(service) == expected


def test_overrides_apply_per_service_and_allow_plain_http():
    client = make_client(FakeSession(), endpoints={"vpc": "http://127.0.0.1:8080/", "bss": "https://billing.example.com/base/"})
    assert client.endpoint("vpc") == "http://127.0.0.1:8080"
    assert client.endpoint("bss") == "https://billing.example.com/base"
    assert client.endpoint("workspace") == "https://workspace.cn-north-4.myhuaweicloud.com"
    assert client.endpoint("iam") == "https://iam.cn-north-4.myhuaweicloud.com"


def test_request_goes_to_the_override_with_its_path_prefix():
    session = FakeSession(response(200, {"orders": []}))
    client = make_client(session, endpoints={"bss": "http://127.0.0.1:9/prefix"})
    client.request("bss", "GET", "/v2/orders/customer-orders", "list orders", query={"limit": 10, "status": None})
    assert session.calls[0]["url"] == "http://127.0.0.1:9/prefix/v2/orders/customer-orders?limit=10"
    assert session.calls[0]["headers"]["Host"] == "127.0.0.1:9"


BSS_WRONG_SITE = {"error_code": "CBC.0150", "error_msg": "Access denied. The customer does not belong to the website you are now at."}


@pytest.mark.parametrize("code", ["CBC.0150", "CBC.0156"])
def test_billing_switches_to_the_international_site_once(code):
    wrong = {"error_code": code, "error_msg": "wrong site"}
    session = FakeSession(response(403, wrong), response(200, {"order_info": {}}), response(200, {"order_info": {}}))
    client = make_client(session)
    client.request("bss", "GET", "/v2/orders/customer-orders/details/CS1", "read order CS1")
    client.request("bss", "GET", "/v2/orders/customer-orders/details/CS1", "read order CS1")
    assert [base_of(call) for call in session.calls] == [
        "https://bss.myhuaweicloud.com", "https://bss-intl.myhuaweicloud.com", "https://bss-intl.myhuaweicloud.com"]
    assert client.endpoint("bss") == "https://bss-intl.myhuaweicloud.com"


def test_billing_switch_happens_for_writes_too_and_only_once():
    session = FakeSession(response(403, BSS_WRONG_SITE), response(403, dict(BSS_WRONG_SITE, error_code="CBC.0156")))
    client = make_client(session)
    with pytest.raises(HwCloudError) as info:
        client.request("bss", "POST", "/v3/orders/customer-orders/pay", "pay order CS1", body={"order_id": "CS1"})
    assert info.value.error_code == "CBC.0156"
    assert [base_of(call) for call in session.calls] == ["https://bss.myhuaweicloud.com", "https://bss-intl.myhuaweicloud.com"]


def test_billing_does_not_switch_when_the_user_chose_the_endpoint():
    session = FakeSession(response(403, BSS_WRONG_SITE))
    client = make_client(session, endpoints={"bss": "https://bss.example.com"})
    with pytest.raises(HwCloudError) as info:
        client.request("bss", "GET", "/v2/orders/customer-orders", "list orders")
    assert info.value.error_code == "CBC.0150"
    assert len(session.calls) == 1
    assert client.endpoint("bss") == "https://bss.example.com"


def test_wrong_site_codes_from_other_services_do_not_switch_billing():
    session = FakeSession(response(403, BSS_WRONG_SITE))
    client = make_client(session)
    with pytest.raises(HwCloudError):
        client.request("vpc", "GET", "/v1/p/bandwidths", "list bandwidths")
    assert len(session.calls) == 1
    assert client.endpoint("bss") == "https://bss.myhuaweicloud.com"


@pytest.mark.parametrize("value, expected", [
    (None, {}),
    ("", {}),
    ({}, {}),
    ({"vpc": "https://vpc.example.com/"}, {"vpc": "https://vpc.example.com"}),
    ('{"vpc": "http://127.0.0.1:8000", "iam": "http://127.0.0.1:8000"}', {"vpc": "http://127.0.0.1:8000", "iam": "http://127.0.0.1:8000"}),
    (" vpc=http://127.0.0.1:8000 , bss=https://b.example.com/ ", {"vpc": "http://127.0.0.1:8000", "bss": "https://b.example.com"}),
    ("workspace=http://localhost:1/", {"workspace": "http://localhost:1"}),
])
def test_parse_endpoints(value, expected):
    assert parse_endpoints(value) == expected


@pytest.mark.parametrize("value, message", [
    ({"ecs": "https://ecs.example.com"}, "unknown service in endpoints: ecs (known: iam, workspace, vpc, bss, ces)"),
    ({"vpc": "vpc.example.com"}, "endpoint of vpc must be an http(s) URL, got 'vpc.example.com'"),
    ({"vpc": "ftp://vpc.example.com"}, "endpoint of vpc must be an http(s) URL"),
    ({"vpc": "https://"}, "endpoint of vpc must be an http(s) URL"),
    ('{"vpc": ', "endpoints is not valid JSON"),
    ("vpc=https://v.example.com,iam", "endpoints entry 'iam' is not service=url"),
])
def test_bad_endpoints_are_rejected_clearly(value, message):
    with pytest.raises(ValueError) as info:
        parse_endpoints(value)
    assert message in str(info.value)


# -- configuration -------------------------------------------------------------------------

FULL_ENV = {
    "HW_ACCESS_KEY": "env-ak",
    "HW_SECRET_KEY": "env-sk",
    "HW_SECURITY_TOKEN": "env-token",
    "HW_REGION_NAME": "ap-southeast-1",
    "HW_PROJECT_ID": "env-project",
    "HW_CLOUD": "myhuaweicloud.eu",
    "HW_ENDPOINTS": "vpc=http://127.0.0.1:1",
    "HW_MAX_RETRIES": "7",
}


def test_every_setting_falls_back_to_its_variable():
    config = ClientConfig.from_env(environ=FULL_ENV)
    assert (config.access_key, config.secret_key, config.security_token, config.region, config.project_id, config.cloud,
            config.endpoints, config.max_retries) == (
        "env-ak", "env-sk", "env-token", "ap-southeast-1", "env-project", "myhuaweicloud.eu", {"vpc": "http://127.0.0.1:1"}, 7)


@pytest.mark.parametrize("option, given", [
    ("access_key", "opt-ak"),
    ("secret_key", "opt-sk"),
    ("security_token", "opt-token"),
    ("region", "eu-west-101"),
    ("project_id", "opt-project"),
    ("cloud", "example.com"),
    ("endpoints", {"iam": "https://iam.example.com"}),
    ("max_retries", 0),
])
def test_options_win_over_variables(option, given):
    assert getattr(ClientConfig.from_env(environ=FULL_ENV, **{option: given}), option) == given


@pytest.mark.parametrize("option, empty, expected", [
    ("access_key", "", "env-ak"),
    ("secret_key", None, "env-sk"),
    ("security_token", "", "env-token"),
    ("region", None, "ap-southeast-1"),
    ("project_id", "", "env-project"),
    ("cloud", "", "myhuaweicloud.eu"),
    ("endpoints", {}, {"vpc": "http://127.0.0.1:1"}),
    ("max_retries", None, 7),
])
def test_empty_options_fall_back_to_variables(option, empty, expected):
    assert getattr(ClientConfig.from_env(environ=FULL_ENV, **{option: empty}), option) == expected


def test_from_env_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", "proc-ak")
    monkeypatch.setenv("HW_ENDPOINTS", '{"vpc": "http://127.0.0.1:2"}')
    config = ClientConfig.from_env(region="r1")
    assert config.access_key == "proc-ak"
    assert config.endpoints == {"vpc": "http://127.0.0.1:2"}
    assert config.region == "r1"


def test_defaults_without_anything():
    config = ClientConfig.from_env(environ={})
    assert config.cloud == "myhuaweicloud.com"
    assert config.max_retries == 5
    assert config.endpoints == {}
    assert config.validate_certs is True
    assert config.request_timeout == 30
    assert config.missing() == ["access_key", "secret_key", "region"]


def test_bad_max_retries_is_named():
    with pytest.raises(ValueError, match="max_retries must be a whole number, got 'many'"):
        ClientConfig.from_env(environ={"HW_MAX_RETRIES": "many"})


def test_missing_settings_fail_before_any_call():
    with pytest.raises(HwCloudError) as info:
        HwCloudClient(ClientConfig(access_key="AK", region="r1"), session=FakeSession())
    assert "missing secret_key" in str(info.value)
    assert "HW_SECRET_KEY" in str(info.value)


def test_timeout_and_certificate_settings_reach_the_session():
    session = FakeSession(response(200, {}))
    client = make_client(session, project_id="p", request_timeout=7, validate_certs=False)
    client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    assert (session.calls[0]["timeout"], session.calls[0]["verify"]) == (7, False)
    assert session.calls[0]["url"] == "https://vpc.cn-north-4.myhuaweicloud.com/v1/p/bandwidths"


def test_security_token_is_sent_and_signed():
    session = FakeSession(response(200, {}))
    client = make_client(session, project_id="p", security_token=TOKEN)
    client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    headers = session.calls[0]["headers"]
    assert headers["X-Security-Token"] == TOKEN
    assert "x-security-token" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def test_body_is_compact_utf8_json_and_answers_are_parsed():
    session = FakeSession(response(200, {"job_id": "j1"}), response(204), response(200, b"not json"))
    client = make_client(session, project_id="p")
    assert client.request("workspace", "POST", "/v2/{project_id}/bandwidths/bw/update", "update", body={"bandwidth_name": "帯域"}) == {"job_id": "j1"}
    assert session.calls[0]["data"] == '{"bandwidth_name":"帯域"}'.encode("utf-8")
    assert client.request("bss", "PUT", "/v2/orders/customer-orders/cancel", "cancel", body={"order_id": "o"}) is None
    assert client.request("vpc", "GET", "/v1/p/x", "read") is None


def test_path_values_are_encoded():
    client = make_client(FakeSession(), project_id="p 1")
    assert client.path("/v1/{project_id}/bandwidths/{id}", id="a/b c") == "/v1/p%201/bandwidths/a%2Fb%20c"


# -- project id ---------------------------------------------------------------------------

def iam_answer(*names):
    return response(200, {"projects": [{"id": "id-%d" % number, "name": name} for number, name in enumerate(names)]})


def test_project_is_looked_up_by_region_once_per_client():
    session = FakeSession(iam_answer("cn-north-4_sub", "cn-north-4"), default=response(200, {"bandwidths": []}))
    client = make_client(session)
    client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    client.request("workspace", "GET", "/v2/{project_id}/bandwidths", "list bandwidths")
    assert client.project_id == "id-1"
    iam_calls = [call for call in session.calls if "/v3/projects" in call["url"]]
    assert len(iam_calls) == 1
    assert iam_calls[0]["url"] == "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4"
    assert iam_calls[0]["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 Access=AK,")
    assert [urlsplit(call["url"]).path for call in session.calls[1:]] == ["/v1/id-1/bandwidths", "/v2/id-1/bandwidths"]


@pytest.mark.parametrize("names, count", [((), 0), (("cn-north-4", "cn-north-4"), 2), (("cn-north-1",), 0)])
def test_project_lookup_fails_clearly_unless_exactly_one_matches(names, count):
    client = make_client(FakeSession(iam_answer(*names)))
    with pytest.raises(HwCloudError) as info:
        client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    text = str(info.value)
    assert "look up the project of region cn-north-4 failed" in text
    assert "IAM returned %d projects named cn-north-4, expected exactly one" % count in text
    assert "HW_PROJECT_ID" in text


def test_project_lookup_errors_are_reported_as_such():
    client = make_client(FakeSession(response(403, {"error_code": "APIGW.0302", "error_msg": "not authorized"})))
    with pytest.raises(HwCloudError) as info:
        _ignored = client.project_id
    assert info.value.operation == "look up the project of region cn-north-4"
    assert info.value.status == 403


def test_given_project_id_skips_the_lookup():
    session = FakeSession(response(200, {}))
    client = make_client(session, project_id="given")
    client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    assert len(session.calls) == 1
    assert urlsplit(session.calls[0]["url"]).path == "/v1/given/bandwidths"


# -- paging -------------------------------------------------------------------------------

def paged(items_key, pages, total=None):
    answers = []
    for page in pages:
        answer = {items_key: [{"id": item} for item in page]}
        if total is not None:
            answer["total_count"] = total
        answers.append(response(200, answer))
    return answers


def test_offset_paging_stops_on_a_short_page():
    session = FakeSession(*paged("bandwidths", [["a", "b"], ["c"]]))
    client = make_client(session, project_id="p")
    items = list(client.pages_by_offset("workspace", "/v2/p/bandwidths", "bandwidths", "list", query={"vpc_id": "v"}, limit=2))
    assert [item["id"] for item in items] == ["a", "b", "c"]
    assert [dict(query_of(call)) for call in session.calls] == [
        {"vpc_id": "v", "offset": "0", "limit": "2"}, {"vpc_id": "v", "offset": "2", "limit": "2"}]


def test_offset_paging_stops_on_total_count():
    session = FakeSession(*paged("bandwidths", [["a", "b"], ["c", "d"]], total=4))
    client = make_client(session, project_id="p")
    items = list(client.pages_by_offset("workspace", "/v2/p/bandwidths", "bandwidths", "list", limit=2))
    assert [item["id"] for item in items] == ["a", "b", "c", "d"]
    assert len(session.calls) == 2


def test_offset_paging_stops_on_an_empty_page():
    session = FakeSession(*paged("orders", [["a", "b"], []]))
    client = make_client(session)
    assert len(list(client.pages_by_offset("bss", "/v2/orders/customer-orders", "orders", "list", limit=2))) == 2
    assert len(session.calls) == 2


def test_offset_paging_reads_lazily():
    session = FakeSession(*paged("bandwidths", [["a", "b"], ["c"]]))
    client = make_client(session, project_id="p")
    pages = client.pages_by_offset("workspace", "/v2/p/bandwidths", "bandwidths", "list", limit=2)
    assert next(pages)["id"] == "a"
    assert len(session.calls) == 1


def test_marker_paging_passes_the_last_id():
    session = FakeSession(*paged("bandwidths", [["a", "b"], ["c", "d"], ["e"]]))
    client = make_client(session, project_id="p")
    items = list(client.pages_by_marker("vpc", "/v1/p/bandwidths", "bandwidths", "list", query={"share_type": "WHOLE"}, limit=2))
    assert [item["id"] for item in items] == ["a", "b", "c", "d", "e"]
    assert [dict(query_of(call)) for call in session.calls] == [
        {"share_type": "WHOLE", "limit": "2"},
        {"share_type": "WHOLE", "limit": "2", "marker": "b"},
        {"share_type": "WHOLE", "limit": "2", "marker": "d"},
    ]


def test_marker_paging_stops_on_an_empty_page():
    session = FakeSession(*paged("bandwidths", [["a", "b"], []]))
    client = make_client(session, project_id="p")
    assert len(list(client.pages_by_marker("vpc", "/v1/p/bandwidths", "bandwidths", "list", limit=2))) == 2
    assert len(session.calls) == 2


@pytest.mark.parametrize("pager", ["pages_by_offset", "pages_by_marker"])
def test_paging_stops_when_the_service_repeats_a_page(pager):
    # A service that ignores offset/marker would otherwise be listed forever.
    session = FakeSession(*paged("bandwidths", [["a", "b"], ["a", "b"], ["a", "b"]]))
    client = make_client(session, project_id="p")
    with pytest.raises(HwCloudError, match="same page twice"):
        list(getattr(client, pager)("vpc", "/v1/p/bandwidths", "bandwidths", "list bandwidths", limit=2))
    assert len(session.calls) == 2


def test_marker_paging_with_another_marker_key():
    pages = [response(200, {"items": [{"uuid": "u1"}, {"uuid": "u2"}]}), response(200, {"items": []})]
    session = FakeSession(*pages)
    client = make_client(session)
    list(client.pages_by_marker("vpc", "/v1/p/x", "items", "list", limit=2, marker_key="uuid"))
    assert dict(query_of(session.calls[1]))["marker"] == "u2"


# -- secrets ------------------------------------------------------------------------------

def signatures_sent(session):
    return [call["headers"]["Authorization"].rpartition("Signature=")[2] for call in session.calls]


def echo_canonical_request(call):
    """A gateway that fails the signature check and echoes what it received, credentials included."""
    headers = call["headers"]
    return response(401, {
        "error_code": "APIGW.0301",
        "error_msg": "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:GET|/v1/|"
                     "|x-security-token:%s|%s|sk=%s" % (headers.get("X-Security-Token"), headers["Authorization"], SECRET),
        "request_id": "rid-1",
    })


def assert_clean(text, session):
    assert SECRET not in text
    assert TOKEN not in text
    for signature in signatures_sent(session):
        assert signature not in text


@pytest.mark.parametrize("method, outcomes, error_type", [
    ("GET", [echo_canonical_request], HwCloudError),
    ("POST", [echo_canonical_request], HwCloudError),
    ("GET", [response(403, {"error_code": "APIGW.0302", "error_msg": "denied"})], HwCloudError),
    ("GET", [refused()] * 3, HwCloudError),
    ("GET", [read_timeout()] * 3, HwCloudError),
    ("POST", [disconnected()], OutcomeUnknownError),
    ("PUT", [response(500, {"error_code": "APIGW.0103", "error_msg": "internal"})], OutcomeUnknownError),
])
def test_no_secret_in_errors(method, outcomes, error_type):
    session = FakeSession(*outcomes)
    client = make_client(session, project_id="p", security_token=TOKEN)
    with pytest.raises(error_type) as info:
        client.request("vpc", method, "/v1/{project_id}/bandwidths/bw-1", "resize bandwidth bw-1", body=None if method == "GET" else {"a": 1})
    error = info.value
    for text in (str(error), repr(error), json.dumps(error.to_dict()), error.message, str(error.args), str(error.hint)):
        assert_clean(text, session)
    assert error.operation == "resize bandwidth bw-1"


def test_echoed_credentials_are_redacted_but_the_rest_of_the_message_is_kept():
    session = FakeSession(echo_canonical_request)
    client = make_client(session, project_id="p", security_token=TOKEN)
    with pytest.raises(HwCloudError) as info:
        client.request("vpc", "GET", "/v1/{project_id}/bandwidths", "list bandwidths")
    assert "verify aksk signature fail" in info.value.message
    assert "Signature=********" in info.value.message
    assert "x-security-token:********" in info.value.message
    assert info.value.request_id == "rid-1"


def test_no_secret_in_repr_of_configuration_and_client():
    config = ClientConfig(access_key="AK", secret_key=SECRET, security_token=TOKEN, region="r1")
    client = HwCloudClient(config, session=FakeSession())
    for text in (repr(config), str(config), repr(client), repr(client.retry)):
        assert SECRET not in text
        assert TOKEN not in text
    assert "AK" in repr(config)


def test_missing_setting_error_holds_no_secret():
    with pytest.raises(HwCloudError) as info:
        HwCloudClient(ClientConfig(secret_key=SECRET, security_token=TOKEN, region="r1"), session=FakeSession())
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


# -- through the module base --------------------------------------------------------------

class ReadOne(BandwidthModule):
    """A tiny module: reads one bandwidth."""

    argument_spec = dict(id=dict(type="str", required=True))

    def run(self):
        self.result["bandwidth"] = self.client.request("vpc", "GET", "/v1/{project_id}/bandwidths/%s" % self.module.params["id"],
                                                       "read bandwidth %s" % self.module.params["id"])


class Failing(BandwidthModule):
    argument_spec = dict(kind=dict(type="str", required=True))

    def run(self):
        kind = self.module.params["kind"]
        if kind == "validation":
            raise ValidationError("size 3000 Mbit/s is out of range: use 1 to 2000")
        if kind == "timeout":
            raise WaitTimeout("job j1", 5, None)
        if kind == "failed":
            raise WaitFailed("job j1", "FAIL: quota exceeded", None)
        self._mark_as_changed()
        self.result["done"] = kind


def run_module(module_class, args, capsys):
    if patch_module_args is None:  # pragma: no cover - older ansible-core
        pytest.skip("needs ansible.module_utils.testing")
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            module_class.main()
    output = capsys.readouterr().out
    return info.value.code, output, json.loads(output)


COMMON = dict(access_key="AK", secret_key=SECRET, security_token=TOKEN, region="cn-north-4", project_id="p",
              endpoints={"vpc": "https://vpc.example.com"}, max_retries=0)


def test_module_failure_reports_the_error_fields_and_no_secret(monkeypatch, capsys):
    session = FakeSession(echo_canonical_request)
    monkeypatch.setattr(_client.requests, "Session", lambda: session)
    code, output, result = run_module(ReadOne, dict(COMMON, id="bw-1"), capsys)
    assert code == 1
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["error"] == {"operation": "read bandwidth bw-1", "status": 401, "error_code": "APIGW.0301",
                               "error_msg": result["error"]["error_msg"], "request_id": "rid-1"}
    assert "verify aksk signature fail" in result["error"]["error_msg"]
    assert result["msg"].startswith("read bandwidth bw-1 failed (HTTP 401, APIGW.0301): ")
    assert "[request id rid-1]" in result["msg"]
    assert "Traceback" not in output
    assert len(session.calls) == 1
    assert SECRET not in output
    assert TOKEN not in output
    for signature in signatures_sent(session):
        assert signature not in output


def test_module_success_returns_the_result(monkeypatch, capsys):
    session = FakeSession(response(200, {"bandwidth": {"id": "bw-1"}}))
    monkeypatch.setattr(_client.requests, "Session", lambda: session)
    code, output, result = run_module(ReadOne, dict(COMMON, id="bw-1"), capsys)
    assert code == 0
    assert result["bandwidth"] == {"bandwidth": {"id": "bw-1"}}
    assert result["changed"] is False
    assert SECRET not in output and TOKEN not in output
    assert session.calls[0]["url"] == "https://vpc.example.com/v1/p/bandwidths/bw-1"


def test_module_takes_credentials_from_the_environment(monkeypatch, capsys):
    session = FakeSession(response(200, {}))
    monkeypatch.setattr(_client.requests, "Session", lambda: session)
    monkeypatch.setenv("HW_ACCESS_KEY", "ENVAK")
    monkeypatch.setenv("HW_SECRET_KEY", SECRET)
    monkeypatch.setenv("HW_REGION_NAME", "r9")
    monkeypatch.setenv("HW_PROJECT_ID", "envp")
    monkeypatch.setenv("HW_ENDPOINTS", "vpc=http://127.0.0.1:9")
    code, output, _result = run_module(ReadOne, {"id": "bw-1"}, capsys)
    assert code == 0
    assert session.calls[0]["url"] == "http://127.0.0.1:9/v1/envp/bandwidths/bw-1"
    assert "Access=ENVAK," in session.calls[0]["headers"]["Authorization"]
    assert SECRET not in output


def test_module_takes_empty_environment_variables_as_unset(monkeypatch, capsys):
    # AWX injects every input of a credential type, empty ones included.
    session = FakeSession(response(200, {}))
    monkeypatch.setattr(_client.requests, "Session", lambda: session)
    for name, value in (("HW_ACCESS_KEY", "ENVAK"), ("HW_SECRET_KEY", SECRET), ("HW_REGION_NAME", "r9"),
                        ("HW_PROJECT_ID", "envp"), ("HW_ENDPOINTS", ""), ("HW_SECURITY_TOKEN", ""), ("HW_MAX_RETRIES", "")):
        monkeypatch.setenv(name, value)
    code, _output, result = run_module(ReadOne, {"id": "bw-1"}, capsys)
    assert code == 0, result
    assert session.calls[0]["url"] == "https://vpc.r9.myhuaweicloud.com/v1/envp/bandwidths/bw-1"
    assert "X-Security-Token" not in session.calls[0]["headers"]


def test_module_reports_missing_credentials(capsys):
    code, _output, result = run_module(ReadOne, {"id": "bw-1", "region": "r1"}, capsys)
    assert code == 1
    assert "missing access_key, secret_key" in result["msg"]


def test_module_reports_bad_endpoints_as_a_validation_error(capsys):
    code, _output, result = run_module(ReadOne, dict(COMMON, id="bw-1", endpoints={"vpc": "vpc.example.com"}), capsys)
    assert code == 1
    assert result["msg"] == "invalid connection settings: endpoint of vpc must be an http(s) URL, got 'vpc.example.com'"


@pytest.mark.parametrize("kind, message", [
    ("validation", "size 3000 Mbit/s is out of range: use 1 to 2000"),
    ("timeout", "timed out after 5s waiting for job j1; the change may still complete: run the task again later, or raise wait_timeout"),
    ("failed", "job j1: FAIL: quota exceeded"),
])
def test_module_turns_errors_into_failures(kind, message, capsys):
    code, output, result = run_module(Failing, dict(COMMON, kind=kind), capsys)
    assert code == 1
    assert result["msg"] == message
    assert "Traceback" not in output


def test_module_marks_changed(capsys):
    code, _output, result = run_module(Failing, dict(COMMON, kind="fine"), capsys)
    assert code == 0
    assert result["changed"] is True
    assert result["done"] == "fine"


def test_an_endpoint_may_be_given_per_region():
    endpoints = {"vpc": {"cn-north-4": "https://vpc-north.test/", "ap-southeast-1": "https://vpc-west.test"},
                 "bss": "https://bss.test"}
    north = HwCloudClient(ClientConfig(access_key="AK", secret_key="SK", region="cn-north-4", endpoints=endpoints))
    west = HwCloudClient(ClientConfig(access_key="AK", secret_key="SK", region="ap-southeast-1", endpoints=endpoints))
    other = HwCloudClient(ClientConfig(access_key="AK", secret_key="SK", region="eu-west-0", endpoints=endpoints))
    assert (north.endpoint("vpc"), west.endpoint("vpc")) == ("https://vpc-north.test", "https://vpc-west.test")
    # A region the mapping does not name gets the service's public endpoint; a plain URL serves every region.
    assert other.endpoint("vpc") == "https://vpc.eu-west-0.myhuaweicloud.com"
    assert north.endpoint("bss") == west.endpoint("bss") == "https://bss.test"
    with pytest.raises(ValueError, match="endpoint of vpc in region r must be an http.s. URL, got .not-a-url."):
        ClientConfig(access_key="AK", secret_key="SK", region="r", endpoints={"vpc": {"r": "not-a-url"}})

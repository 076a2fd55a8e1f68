# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy as a table: reads retry freely, writes only when nothing reached the service."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import ClientConfig, HwCloudClient
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import (
    MAX_RETRY_AFTER,
    NOT_SENT,
    SENT,
    THROTTLE_BUDGET,
    THROTTLE_MAX_TRIES,
    RetryPolicy,
    parse_retry_after,
)
from ansible_collections.hwcloud.bandwidth.tests.unit.plugins.module_utils.fakes import (
    FakeSession,
    connect_timeout,
    disconnected,
    read_timeout,
    refused,
    reset,
    response,
    tls_failure,
    unresolvable,
)

MAX_RETRIES = 3
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def gateway(status, code):
    return lambda: response(status, {"error_code": code, "error_msg": "m", "request_id": "rid"})


def service(status, code):
    return lambda: response(status, {"code": code, "message": "m"})


# outcome name -> (factory of one failed attempt, retried for reads?, retried for writes?,
#                   error type after the last read attempt, error type after the last write attempt)
TABLE = {
    "refused": (refused, True, True, HwCloudError, HwCloudError),
    "unresolvable": (unresolvable, True, True, HwCloudError, HwCloudError),
    "connect timeout": (connect_timeout, True, True, HwCloudError, HwCloudError),
    "disconnected after send": (disconnected, True, False, HwCloudError, OutcomeUnknownError),
    "reset after send": (reset, True, False, HwCloudError, OutcomeUnknownError),
    "read timeout": (read_timeout, True, False, HwCloudError, OutcomeUnknownError),
    "429 with Retry-After": (lambda: response(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}, {"Retry-After": "2"}),
                             True, True, HwCloudError, HwCloudError),
    "429 without Retry-After": (gateway(429, "APIGW.0308"), True, True, HwCloudError, HwCloudError),
    "500": (gateway(500, "APIGW.0103"), True, False, HwCloudError, OutcomeUnknownError),
    "502 html": (lambda: response(502, b"<html><body>Bad Gateway</body></html>"), True, False, HwCloudError, OutcomeUnknownError),
    "503": (gateway(503, "APIGW.0203"), True, False, HwCloudError, OutcomeUnknownError),
    "504 empty": (lambda: response(504), True, False, HwCloudError, OutcomeUnknownError),
    "400": (service(400, "VPC.0301"), False, False, HwCloudError, HwCloudError),
    "401": (gateway(401, "APIGW.0301"), False, False, HwCloudError, HwCloudError),
    "403": (gateway(403, "APIGW.0302"), False, False, HwCloudError, HwCloudError),
    "404": (service(404, "VPC.0306"), False, False, HwCloudError, HwCloudError),
    "409": (lambda: response(409, {"error_code": "WKS.1409", "error_msg": "conflict"}), False, False, HwCloudError, HwCloudError),
}


def make_client(session, max_retries=MAX_RETRIES, rand=lambda: 1.0, base_delay=0.5, max_delay=20.0):
    sleeps = []
    policy = RetryPolicy(max_retries=max_retries, base_delay=base_delay, max_delay=max_delay, sleep=sleeps.append,
                         rand=rand, now=lambda: NOW)
    config = ClientConfig(access_key="AK", secret_key="SK", region="r1", project_id="p", endpoints={"vpc": "https://vpc.r1.example.com"})
    return HwCloudClient(config, session=session, retry=policy), sleeps


def call(client, method):
    body = None if method in ("GET", "DELETE") else {"bandwidth": {"size": 20}}
    return client.request("vpc", method, "/v1/{project_id}/bandwidths/bw-1", "resize bandwidth bw-1", body=body)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("outcome", sorted(TABLE))
def test_retry_table(method, outcome):
    factory, read_retried, write_retried, read_error, write_error = TABLE[outcome]
    safe = method == "GET"
    retried = read_retried if safe else write_retried
    throttled = outcome.startswith("429")
    session = FakeSession(default=lambda _call: factory()) if throttled else FakeSession(*[factory() for _attempt in range(MAX_RETRIES + 1)])
    client, sleeps = make_client(session)
    with pytest.raises(HwCloudError) as info:
        call(client, method)
    assert info.type is (read_error if safe else write_error)
    if throttled:
        # Throttling does not use up max_retries: the call waits until its budget of pauses is spent.
        assert len(session.calls) > MAX_RETRIES + 1 and len(sleeps) == len(session.calls) - 1
        assert sum(sleeps[:-1]) < THROTTLE_BUDGET <= sum(sleeps)
    else:
        assert len(session.calls) == (MAX_RETRIES + 1 if retried else 1)
        assert len(sleeps) == (MAX_RETRIES if retried else 0)
    # every attempt is the same request, signed afresh
    assert len({(c["method"], c["url"], c["data"]) for c in session.calls}) == 1
    assert all(c["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 Access=AK,") for c in session.calls)
    assert info.value.operation == "resize bandwidth bw-1"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("outcome", sorted(name for name, row in TABLE.items() if row[1]))
def test_success_after_retried_failures(method, outcome):
    factory, _read, write_retried, _re, _we = TABLE[outcome]
    session = FakeSession(factory(), factory(), response(200, {"bandwidth": {"id": "bw-1", "size": 20}}))
    client, sleeps = make_client(session)
    if method == "GET" or write_retried:
        assert call(client, method) == {"bandwidth": {"id": "bw-1", "size": 20}}
        assert len(session.calls) == 3
        assert len(sleeps) == 2
    else:
        with pytest.raises(OutcomeUnknownError):
            call(client, method)
        assert len(session.calls) == 1


def test_outcome_unknown_messages_say_what_to_do():
    client, _sleeps = make_client(FakeSession(disconnected()))
    with pytest.raises(OutcomeUnknownError) as info:
        call(client, "PUT")
    text = str(info.value)
    assert "after the request was sent" in text
    assert "read the state before trying again" in text

    client, _sleeps = make_client(FakeSession(response(503, {"error_code": "APIGW.0203", "error_msg": "busy"}, {"X-Request-Id": "r-7"})))
    with pytest.raises(OutcomeUnknownError) as info:
        call(client, "POST")
    assert (info.value.status, info.value.error_code, info.value.request_id) == (503, "APIGW.0203", "r-7")
    assert "read the state before trying again" in str(info.value)


def test_read_failures_name_the_cause():
    client, _sleeps = make_client(FakeSession(*[refused() for _attempt in range(4)]))
    with pytest.raises(HwCloudError, match="could not connect") as info:
        call(client, "GET")
    assert "check the region, the endpoints and the network" in str(info.value)
    client, _sleeps = make_client(FakeSession(*[read_timeout() for _attempt in range(4)]))
    with pytest.raises(HwCloudError, match="no answer"):
        call(client, "GET")


def test_tls_failure_is_not_outcome_unknown_and_suggests_validate_certs():
    client, _sleeps = make_client(FakeSession(*[tls_failure() for _attempt in range(4)]))
    with pytest.raises(HwCloudError) as info:
        call(client, "POST")
    assert info.type is HwCloudError
    assert "validate_certs" in str(info.value)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_tls_failure_is_not_retried(method):
    # A certificate that fails verification fails the same way on every try.
    session = FakeSession(*[tls_failure() for _attempt in range(4)])
    client, sleeps = make_client(session)
    with pytest.raises(HwCloudError):
        call(client, method)
    assert (len(session.calls), sleeps) == (1, [])


@pytest.mark.parametrize("max_retries, expected", [
    (6, [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]),
    (3, [0.5, 1.0, 2.0]),
    (0, []),
])
def test_backoff_doubles_up_to_the_cap(max_retries, expected):
    session = FakeSession(*[refused() for _attempt in range(max_retries + 1)])
    client, sleeps = make_client(session, max_retries=max_retries, max_delay=4.0)
    with pytest.raises(HwCloudError):
        call(client, "GET")
    assert sleeps == expected
    assert len(session.calls) == max_retries + 1


def test_full_jitter_scales_the_whole_delay():
    draws = iter([0.5, 0.25, 0.1])
    session = FakeSession(*[gateway(503, "APIGW.0203")() for _attempt in range(4)])
    client, sleeps = make_client(session, rand=lambda: next(draws))
    with pytest.raises(HwCloudError):
        call(client, "GET")
    assert sleeps == pytest.approx([0.25, 0.25, 0.2])


def test_zero_jitter_does_not_sleep_but_still_retries():
    session = FakeSession(*[refused() for _attempt in range(4)])
    client, sleeps = make_client(session, rand=lambda: 0.0)
    with pytest.raises(HwCloudError):
        call(client, "POST")
    assert sleeps == []
    assert len(session.calls) == 4


@pytest.mark.parametrize("header, expected", [
    ("7", [7.0, 7.0]),
    ("0", [0.5, 1.0]),
    ("1000", [MAX_RETRY_AFTER, MAX_RETRY_AFTER]),
    ("not a number", [0.5, 1.0]),
    ("Tue, 02 Jan 2024 03:04:35 GMT", [30.0, 30.0]),
    ("Tue, 02 Jan 2024 03:00:00 GMT", [0.5, 1.0]),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_retry_after_is_honoured_for_429(method, header, expected):
    throttled = [response(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}, {"Retry-After": header}) for _attempt in range(2)]
    session = FakeSession(*throttled, response(200, {"ok": True}))
    client, sleeps = make_client(session)
    assert call(client, method) == {"ok": True}
    assert sleeps == pytest.approx(expected)


def test_retry_after_is_honoured_for_503_reads():
    session = FakeSession(response(503, b"", {"Retry-After": "4"}), response(200, {"ok": 1}))
    client, sleeps = make_client(session)
    assert call(client, "GET") == {"ok": 1}
    assert sleeps == [4.0]


def test_client_takes_max_retries_from_config():
    config = ClientConfig(access_key="AK", secret_key="SK", region="r1", project_id="p", max_retries=2,
                          endpoints={"vpc": "https://vpc.r1.example.com"})
    session = FakeSession(*[refused() for _attempt in range(3)])
    client = HwCloudClient(config, session=session)
    client.retry.sleep = lambda seconds: None
    with pytest.raises(HwCloudError):
        call(client, "GET")
    assert len(session.calls) == 3
    assert client.calls == 3


# -- the policy on its own ---------------------------------------------------------------

@pytest.mark.parametrize("safe, status, transport, expected", [
    (True, None, NOT_SENT, True),
    (True, None, SENT, True),
    (False, None, NOT_SENT, True),
    (False, None, SENT, False),
    (True, 429, None, True),
    (False, 429, None, True),
    (True, 500, None, True),
    (True, 502, None, True),
    (True, 503, None, True),
    (True, 504, None, True),
    (False, 500, None, False),
    (False, 502, None, False),
    (False, 503, None, False),
    (False, 504, None, False),
    (True, 501, None, False),
    (True, 400, None, False),
    (True, 401, None, False),
    (True, 403, None, False),
    (True, 404, None, False),
    (True, 409, None, False),
    (False, 401, None, False),
    (False, 403, None, False),
    (False, 409, None, False),
])
def test_should_retry(safe, status, transport, expected):
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(safe, 0, status=status, transport=transport) is expected
    assert policy.should_retry(safe, 1, status=status, transport=transport) is expected
    # never past max_retries
    assert policy.should_retry(safe, 2, status=status, transport=transport) is False


def test_negative_max_retries_means_none():
    assert RetryPolicy(max_retries=-3).should_retry(True, 0, transport=NOT_SENT) is False


@pytest.mark.parametrize("attempt, ceiling", [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (10, 10.0), (60, 10.0)])
def test_delay_ceiling(attempt, ceiling):
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0, rand=lambda: 1.0)
    assert policy.delay(attempt) == ceiling
    assert RetryPolicy(base_delay=1.0, max_delay=10.0, rand=lambda: 0.5).delay(attempt) == ceiling / 2


def test_delay_takes_the_larger_of_retry_after_and_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0, rand=lambda: 1.0)
    assert policy.delay(3, retry_after="2") == 8.0
    assert policy.delay(0, retry_after="2") == 2.0


def test_pause_sleeps_the_delay():
    slept = []
    policy = RetryPolicy(base_delay=1.0, rand=lambda: 0.5, sleep=slept.append)
    assert policy.pause(2) == 2.0
    assert slept == [2.0]


@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("5", 5.0),
    (" 5 ", 5.0),
    ("2.5", 2.5),
    (3, 3.0),
    ("0", 0.0),
    ("-4", 0.0),
    ("61", MAX_RETRY_AFTER),
    ("inf", MAX_RETRY_AFTER),
    ("nan", None),
    ("soon", None),
    ("", None),
    ("Tue, 02 Jan 2024 03:04:15 GMT", 10.0),
    ("Tue, 02 Jan 2024 03:04:15 -0000", 10.0),
    ("Tue, 02 Jan 2024 04:00:00 GMT", MAX_RETRY_AFTER),
    ("Mon, 01 Jan 2024 00:00:00 GMT", 0.0),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize("factory", [disconnected, read_timeout, gateway(503, "APIGW.0203")])
def test_a_read_only_post_is_retried_like_a_get(factory):
    session = FakeSession(factory(), response(200, {"data": []}))
    client, sleeps = make_client(session)
    answer = client.request("bss", "POST", "/v2/orders/suscriptions/resources/query", "find the order's resources",
                            body={"order_id": "CS1", "only_main_resource": 1}, read_only=True)
    assert answer == {"data": []}
    assert len(session.calls) == 2
    assert len(sleeps) == 1


# -- one call's retries: a count for failures, a wait budget for throttling ------------------

def test_a_throttled_call_is_retried_past_max_retries_within_its_wait_budget():
    slept = []
    tries = RetryPolicy(max_retries=2, base_delay=1.0, max_delay=4.0, rand=lambda: 1.0, sleep=slept.append,
                        throttle_budget=20.0).start()
    # Ten 429s in a row: far more than max_retries, well within 20 s of waiting.
    assert all(tries.again(False, status=429) for _round in range(6))
    assert slept == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    # 19 s waited: one more, then the budget is spent and the call fails.
    assert tries.again(False, status=429) is True
    assert tries.again(False, status=429) is False
    assert sum(slept) == 23.0


def test_retry_after_sets_the_pause_of_a_throttled_call():
    slept = []
    tries = RetryPolicy(base_delay=0.5, rand=lambda: 0.0, sleep=slept.append, throttle_budget=5.0).start()
    assert [tries.again(True, status=429, retry_after="2") for _round in range(4)] == [True, True, True, False]
    assert slept == [2.0, 2.0, 2.0]


def test_throttling_and_failures_are_counted_apart():
    tries = RetryPolicy(max_retries=1, rand=lambda: 0.0, sleep=lambda seconds: None).start()
    assert tries.again(True, status=429) and tries.again(True, status=503)
    assert tries.again(True, status=429)
    # The one failure retry is used up; throttling still may wait.
    assert tries.again(True, status=503) is False
    assert tries.again(True, status=429) is True


def test_zero_max_retries_retries_nothing_not_even_throttling():
    tries = RetryPolicy(max_retries=0, sleep=lambda seconds: None).start()
    assert tries.again(True, status=429) is False and tries.again(True, status=503) is False


def test_pauses_of_zero_still_end_the_throttled_loop():
    tries = RetryPolicy(rand=lambda: 0.0, sleep=lambda seconds: None).start()
    answers = [tries.again(False, status=429) for _round in range(100)]
    assert answers.count(True) == THROTTLE_MAX_TRIES and answers[-1] is False

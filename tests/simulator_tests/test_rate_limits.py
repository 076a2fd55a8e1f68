"""The simulator's per-API rate limits: the gateway's 429 APIGW.0308 with Retry-After past a limit.

The limiter's arithmetic is tested with an injected clock; the HTTP tests use per-minute limits,
so that the few milliseconds between requests refill a negligible fraction of a token and the
outcome does not depend on timing.
"""

import copy
from urllib.error import HTTPError

import pytest

from tests.simulator import ratelimit

from . import sdk

LIST_VPC = "/v1/%s/bandwidths" % sdk.PROJECT_ID
LIST_WS = "/v2/%s/bandwidths" % sdk.PROJECT_ID
VPC_ONDEMAND = "4b6c8d0e-2f3a-4b7c-9d1e-0f9a8b7c6d5e"
SHOW_VPC = "%s/%s" % (LIST_VPC, VPC_ONDEMAND)
OTHER_AK, OTHER_SK = "SIMULATORAK1111111111", "simulator-second-secret-key"


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def statuses(url, count, path=LIST_VPC, **kwargs):
    return [sdk.signed(url, "GET", path, **kwargs).status_code for _index in range(count)]


# ---- the limiter on its own, on a fake clock --------------------------------------------------


def test_parse_limit_reads_numbers_and_units():
    assert ratelimit.parse_limit(20) == ratelimit.Limit(20, 1)
    assert ratelimit.parse_limit("20/s") == ratelimit.Limit(20, 1)
    assert ratelimit.parse_limit("100/min") == ratelimit.Limit(100, 60)
    assert ratelimit.parse_limit("2.5/second") == ratelimit.Limit(2.5, 1)
    assert ratelimit.parse_limit(None) is None


@pytest.mark.parametrize("value", [0, -1, "ten", "10/fortnight", True, "/s"])
def test_parse_limit_refuses_what_it_cannot_read(value):
    with pytest.raises(ValueError):
        ratelimit.parse_limit(value)


@pytest.mark.parametrize("config", ["yes", {"enable": True}, {"apis": ["vpc.list"]}, {"writes": "fast"}, {"apis": {"vpc.list": 0}}])
def test_malformed_settings_are_refused(config):
    with pytest.raises(ValueError):
        ratelimit.validate(config)


def test_off_unless_turned_on():
    limiter = ratelimit.RateLimiter(clock=FakeClock())
    for config in (None, False, {"enabled": False, "default": 1}):
        assert all(limiter.wait_needed(config, "vpc.list", "AK", False)[0] == 0 for _index in range(1000))


def test_a_bucket_admits_its_burst_then_refills_at_its_rate():
    clock = FakeClock()
    limiter = ratelimit.RateLimiter(clock=clock)
    config = {"default": "4/s"}
    assert [limiter.wait_needed(config, "vpc.list", "AK", False)[0] for _index in range(4)] == [0, 0, 0, 0]
    assert limiter.wait_needed(config, "vpc.list", "AK", False)[0] == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.wait_needed(config, "vpc.list", "AK", False)[0] == 0
    assert limiter.wait_needed(config, "vpc.list", "AK", False)[0] == pytest.approx(0.25)
    clock.now += 10  # a long pause refills to the burst, never beyond it
    assert [limiter.wait_needed(config, "vpc.list", "AK", False)[0] == 0 for _index in range(5)] == [True] * 4 + [False]


def test_over_a_long_run_the_admitted_rate_is_the_limit():
    clock = FakeClock()
    limiter = ratelimit.RateLimiter(clock=clock)
    admitted = 0
    for _index in range(10000):  # a request every millisecond for 10 s against 20/s
        admitted += limiter.wait_needed({"writes": 20}, "vpc.update", "AK", True)[0] == 0
        clock.now += 0.001
    # The first second's burst, then the rate: 20 + 20 x 9.999 s of refill.
    assert 219 <= admitted <= 220


def test_most_specific_setting_wins():
    config = ratelimit.normalise({"default": 7, "reads": "50/s", "apis": {"vpc.show": "3/min", "iam.projects": None}})
    assert ratelimit.limit_for(config, "vpc.show", False) == ratelimit.Limit(3, 60)
    assert ratelimit.limit_for(config, "vpc.list", False) == ratelimit.Limit(50, 1)
    assert ratelimit.limit_for(config, "vpc.update", True) == ratelimit.Limit(7, 1)
    assert ratelimit.limit_for(config, "iam.projects", False) is None


def test_documented_figures_and_the_gateway_default():
    config = ratelimit.normalise(True)
    assert ratelimit.limit_for(config, "bss.order_list", False) == ratelimit.Limit(20, 1)
    assert ratelimit.limit_for(config, "bss.pay", True) == ratelimit.Limit(10, 1)
    assert ratelimit.limit_for(config, "bss.some_new_route", False) == ratelimit.Limit(10, 1)
    assert ratelimit.limit_for(config, "workspace.update", True) == ratelimit.Limit(100, 60)
    assert ratelimit.limit_for(config, "vpc.update", True) == ratelimit.Limit(200, 1)
    assert ratelimit.limit_for(config, "ces.batch_query", False) == ratelimit.Limit(200, 1)
    assert ratelimit.limit_for(ratelimit.normalise({"documented": False, "default": 5}), "bss.pay", True) == ratelimit.Limit(5, 1)


def test_changing_a_limit_starts_a_full_bucket():
    limiter = ratelimit.RateLimiter(clock=FakeClock())
    assert [limiter.wait_needed({"default": "1/min"}, "vpc.list", "AK", False)[0] > 0 for _index in range(2)] == [False, True]
    assert limiter.wait_needed({"default": "2/min"}, "vpc.list", "AK", False)[0] == 0


# ---- over HTTP ----------------------------------------------------------------------------------


def test_within_the_limit_no_request_is_throttled(sim):
    sim.admin.rate_limits({"reads": "5/min"})
    assert statuses(sim.url, 5) == [200] * 5


def test_over_the_limit_the_gateway_answers_429_with_retry_after(sim):
    sim.admin.rate_limits({"reads": "3/min"})
    assert statuses(sim.url, 3) == [200] * 3
    response = sdk.signed(sim.url, "GET", LIST_VPC)
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["error_code"] == "APIGW.0308"
    assert "limit:3,time:1 minute" in body["error_msg"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    # One token comes back every 20 s: the wait is whole seconds, at least 1, at most 20.
    assert 1 <= int(response.headers["Retry-After"]) <= 20
    entry = sim.admin.log()[-1]
    assert (entry["status"], entry["fault"], entry["operation"]) == (429, "rate_limited", "vpc.list")


def test_a_throttled_write_never_reaches_the_service(sim):
    sim.admin.rate_limits({"writes": "1/min"})
    first = sdk.signed(sim.url, "PUT", SHOW_VPC, body={"bandwidth": {"size": 60}})
    second = sdk.signed(sim.url, "PUT", SHOW_VPC, body={"bandwidth": {"size": 70}})
    assert (first.status_code, second.status_code) == (200, 429)
    size = next(b["size"] for b in sim.admin.state()["vpc_bandwidths"] if b["id"] == VPC_ONDEMAND)
    assert size == 60


def test_each_api_has_its_own_bucket(sim):
    sim.admin.rate_limits({"reads": "2/min"})
    assert statuses(sim.url, 3, LIST_VPC) == [200, 200, 429]
    assert statuses(sim.url, 3, SHOW_VPC) == [200, 200, 429]
    assert statuses(sim.url, 3, LIST_WS) == [200, 200, 429]


def test_each_access_key_has_its_own_bucket(sim, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["credentials"].append({"access_key": OTHER_AK, "secret_key": OTHER_SK})
    seed["config"]["rate_limits"] = {"reads": "2/min"}  # from the seed, as a user would set it
    sim.admin.reset(seed)
    assert statuses(sim.url, 3) == [200, 200, 429]
    assert statuses(sim.url, 3, ak=OTHER_AK, sk=OTHER_SK) == [200, 200, 429]


def test_per_api_setting_overrides_the_global_one(sim):
    sim.admin.rate_limits({"reads": "100/min", "apis": {"vpc.show": "1/min"}})
    assert statuses(sim.url, 2, SHOW_VPC) == [200, 429]
    assert statuses(sim.url, 10, LIST_VPC) == [200] * 10


def test_the_knob_changes_limits_at_run_time(sim):
    sim.admin.rate_limits({"reads": "1/min"})
    assert statuses(sim.url, 2) == [200, 429]
    sim.admin.rate_limits({"reads": "3/min"})
    assert statuses(sim.url, 4) == [200, 200, 200, 429]
    sim.admin.rate_limits(None)
    assert statuses(sim.url, 20) == [200] * 20
    assert sim.admin.state()["config"]["rate_limits"] is None


def test_reset_refills_every_bucket(sim, fast_seed):
    seed = copy.deepcopy(fast_seed)
    seed["config"]["rate_limits"] = {"reads": "1/min"}
    sim.admin.reset(seed)
    assert statuses(sim.url, 2) == [200, 429]
    sim.admin.reset(seed)
    assert statuses(sim.url, 2) == [200, 429]


def test_a_bad_signature_is_refused_before_throttling(sim):
    sim.admin.rate_limits({"reads": "1/min"})
    assert sdk.signed(sim.url, "GET", LIST_VPC, sk="wrong").status_code == 401
    assert statuses(sim.url, 2) == [200, 429]


def test_a_malformed_setting_is_refused_by_the_admin_api(sim):
    with pytest.raises(HTTPError) as caught:
        sim.admin.rate_limits({"reads": "lots"})
    assert caught.value.code == 400
    assert sim.admin.state()["config"].get("rate_limits") is None


def test_throttling_is_off_by_default(sim):
    assert sim.admin.state()["config"].get("rate_limits") is None
    assert statuses(sim.url, 30) == [200] * 30

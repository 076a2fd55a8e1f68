"""Fixtures: one simulator subprocess per test session, reset before each test."""

import copy
import os

import pytest
import yaml

from tests.simulator.control import start_simulator
from tests.simulator.state import DEFAULT_SEED


@pytest.fixture(scope="session", name="default_seed")
def default_seed_fixture():
    with open(DEFAULT_SEED, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session", name="simulator")
def simulator_fixture(tmp_path_factory):
    state = os.path.join(str(tmp_path_factory.mktemp("sim")), "state.json")
    process = start_simulator(state)
    yield process
    process.stop()


@pytest.fixture(name="fast_seed")
def fast_seed_fixture(default_seed):
    """The default seed with short delays, so lifecycles finish quickly in tests."""
    seed = copy.deepcopy(default_seed)
    seed["config"] = {"job_delay": 0.2, "order_delay": 0.2}
    return seed


@pytest.fixture()
def sim(simulator, fast_seed):
    simulator.admin.reset(fast_seed)
    return simulator

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: the collection must be importable as installed, and one simulator serves a test module."""

from __future__ import annotations

import os

import pytest

from tests.reliability import harness
from tests.simulator.control import start_simulator


def pytest_collection_modifyitems(config, items):
    if harness.collection_available():
        return
    skip = pytest.mark.skip(reason="run from a copy of the collection in ansible_collections/hwcloud/bandwidth "
                                   "(make collection), so that ansible-playbook finds it")
    for item in items:
        if "tests/reliability" in str(item.path).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    process = start_simulator(tmp_path_factory.mktemp("sim") / "state.json")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("playbooks"))

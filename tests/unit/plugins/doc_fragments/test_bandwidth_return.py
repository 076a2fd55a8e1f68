# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalised-bandwidth RETURN docs: one source (the doc fragment), copies that cannot drift, and the code.

The fields are written once in plugins/doc_fragments/bandwidth.py; tests/utils/sync_return_docs.py
copies them into the RETURN of each module. These tests fail when a copy differs from the
source, when the source differs from what ``normalize`` returns, and when a module that returns
normalised bandwidths is not among the script's targets.
"""

from __future__ import annotations

import ast
import glob
import os
import shutil

import pytest
import yaml

from ansible_collections.hwcloud.bandwidth.plugins.module_utils import _vpc, _workspace
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import VpcSizes
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._usage import UsagePolicy, recommend
from tests.simulator import services as simulator
from tests.simulator.state import DEFAULT_SEED, build_state, load_seed
from tests.utils import sync_return_docs as sync

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
TYPES = {"str": str, "int": int, "float": float, "list": list, "dict": dict, "bool": bool}
NORMALIZE = {"vpc": _vpc.normalize, "workspace": _workspace.normalize}


def module_return(path):
    """The RETURN of a module as data, read as ansible-doc reads it: the literal string, parsed as YAML."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "RETURN" for target in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no RETURN" % path)


def simulator_bandwidths(service):
    """The default seed's bandwidths of ``service`` as the simulator's API answers them (shapes of the SDK models)."""
    state = build_state(load_seed(DEFAULT_SEED))
    if service == "vpc":
        return [simulator._vpc_view(item) for item in state["vpc_bandwidths"]]
    return [simulator._workspace_view(item) for item in state["workspace_bandwidths"]]


def test_every_module_copy_is_what_the_script_writes():
    assert sync.stale(ROOT) == [], "run python tests/utils/sync_return_docs.py and commit the modules it rewrites"


@pytest.mark.parametrize("target", sync.TARGETS, ids=lambda target: os.path.basename(target.path))
def test_ansible_doc_reads_the_fields_of_the_fragment(target):
    contains = module_return(target.path)[target.key]["contains"]
    expected = sync.fields(target.service, target.fields)
    assert {name: contains.get(name) for name in expected} == expected
    # The generated fields come first, in the order of the normalised bandwidth.
    assert list(contains)[:len(expected)] == list(expected)


@pytest.mark.parametrize("service", sorted(NORMALIZE))
def test_the_fragment_documents_exactly_what_normalize_returns(service):
    documented = sync.fields(service)
    for item in simulator_bandwidths(service):
        bandwidth = NORMALIZE[service](item)
        assert list(bandwidth) == list(documented)
        for name, value in bandwidth.items():
            kind = TYPES[documented[name]["type"]]
            assert value is None or isinstance(value, kind), "%s.%s is %r, documented %s" % (
                service, name, value, documented[name]["type"])
            if "choices" in documented[name]:
                assert value in documented[name]["choices"]


@pytest.mark.parametrize("service", sorted(NORMALIZE))
def test_every_sample_has_its_documented_type(service):
    for name, spec in sync.fields(service).items():
        if "sample" in spec:
            assert isinstance(spec["sample"], TYPES[spec["type"]]), "%s.%s sample" % (service, name)
        if spec["type"] == "list":
            assert spec.get("elements"), "%s.%s is a list without elements" % (service, name)


def test_the_usage_entries_are_documented_field_by_field_with_a_real_sample():
    contains = module_return("plugins/modules/vpc_bandwidth_usage_info.py")["bandwidths"]["contains"]
    documented = sync.fields("vpc")
    item = simulator_bandwidths("vpc")[0]
    item.update({name: contains[name]["sample"] for name in ("id", "name", "size")})
    bandwidth = _vpc.normalize(item)
    assert bandwidth["billing_mode"] == documented["billing_mode"]["sample"]
    # 169 hours: the 95th percentile (rank 161) is 49.2 Mbit/s, the peak 50 Mbit/s.
    hours = [10.0] * 160 + [49.2] * 8 + [50.0]
    entry = recommend(bandwidth, hours, UsagePolicy.from_params(None, VpcSizes({})))
    # The module adds the price, the region and, with plot_dir, the chart.
    assert set(contains) == set(entry) | {"plot", "price", "region"}
    for name, value in entry.items():
        assert value == contains[name]["sample"], name


def test_every_module_returning_normalised_bandwidths_is_a_target():
    targets = {(target.path, target.key) for target in sync.TARGETS}
    found = set()
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
        relative = os.path.relpath(path, ROOT)
        for key, spec in (module_return(relative) or {}).items():
            if {"id", "name", "size", "billing_mode"} <= set(spec.get("contains") or {}):
                found.add((relative, key))
    assert found == targets


def copy_tree(tmp_path):
    for relative in [sync.FRAGMENT] + [target.path for target in sync.TARGETS]:
        os.makedirs(os.path.dirname(os.path.join(tmp_path, relative)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, relative), os.path.join(tmp_path, relative))
    return str(tmp_path)


def test_a_copy_edited_by_hand_is_found_and_written_back(tmp_path):
    root = copy_tree(tmp_path)
    path = os.path.join(root, "plugins/modules/vpc_bandwidth_info.py")
    with open(path, encoding="utf-8") as handle:
        original = handle.read()
    edited = original.replace("The ID of the bandwidth.", "The identifier.", 1)
    assert edited != original
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(edited)
    assert sync.stale(root) == ["plugins/modules/vpc_bandwidth_info.py"]
    assert sync.stale(root, write=True) == ["plugins/modules/vpc_bandwidth_info.py"]
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == original
    assert sync.stale(root) == []


def test_a_change_of_the_fragment_reaches_every_module_of_its_service(tmp_path):
    root = copy_tree(tmp_path)
    fragment = os.path.join(root, sync.FRAGMENT)
    with open(fragment, encoding="utf-8") as handle:
        text = handle.read()
    with open(fragment, "w", encoding="utf-8") as handle:
        handle.write(text.replace("description: The status, V(NORMAL) or V(FREEZED).",
                                  "description: The status, V(NORMAL) or V(FREEZED) (frozen).", 1))
    assert sync.stale(root) == ["plugins/modules/vpc_bandwidth.py", "plugins/modules/vpc_bandwidth_info.py"]


def test_a_module_without_markers_is_an_error_that_says_how_to_mark_it(tmp_path):
    root = copy_tree(tmp_path)
    path = os.path.join(root, "plugins/modules/workspace_bandwidth.py")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text.replace(sync.END, "", 1))
    with pytest.raises(ValueError, match="bandwidth.contains"):
        sync.stale(root)


def test_check_mode_writes_nothing_and_exits_1(tmp_path, monkeypatch, capsys):
    root = copy_tree(tmp_path)
    path = os.path.join(root, "plugins/modules/workspace_bandwidth_info.py")
    with open(path, encoding="utf-8") as handle:
        edited = handle.read().replace("The name of that subnet.", "The subnet's name.", 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(edited)
    monkeypatch.setattr(sync, "ROOT", root)
    assert sync.main(["--check"]) == 1
    assert "differs: plugins/modules/workspace_bandwidth_info.py" in capsys.readouterr().out
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == edited

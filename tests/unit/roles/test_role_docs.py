# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's variables: meta/argument_specs.yml, defaults/main.yml and docs/role.md agree."""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLE = os.path.join(ROOT, "roles", "bandwidth_resize")
HEADER = "| variable | default | meaning |"
ROW = re.compile(r"^\|\s*`(?P<name>[a-z0-9_]+)`\s*\|\s*`(?P<default>[^`]*)`\s*\|")


def load_yaml(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def spec_options():
    return load_yaml(ROLE, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]


def doc_table(text):
    """The variable table of docs/role.md: {name: default parsed as YAML}; the rows stop at the first non-row."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2
    table = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        match = ROW.match(line)
        assert match, "docs/role.md: a row of the variable table is not `name` | `default` | meaning: %s" % line
        assert match.group("name") not in table, "docs/role.md lists %s twice" % match.group("name")
        table[match.group("name")] = yaml.safe_load(match.group("default"))
    return table


def documented():
    with open(os.path.join(ROOT, "docs", "role.md"), encoding="utf-8") as handle:
        return doc_table(handle.read())


def test_every_option_of_the_spec_has_a_default_in_defaults_main():
    defaults = load_yaml(ROLE, "defaults", "main.yml")
    options = spec_options()
    assert sorted(defaults) == sorted(options)
    for name, option in options.items():
        assert "default" in option, "argument_specs.yml gives %s no default" % name
        assert option["default"] == defaults[name], name


def test_docs_role_md_lists_every_variable_with_its_default():
    options = spec_options()
    table = documented()
    assert sorted(table) == sorted(options), "docs/role.md and meta/argument_specs.yml list other variables"
    for name, option in options.items():
        assert table[name] == option["default"], "docs/role.md gives %s the default %r, the spec %r" % (
            name, table[name], option["default"])


def test_the_table_reader_sees_a_wrong_default_and_a_missing_row():
    text = "\n".join([HEADER, "|---|---|---|",
                      "| `bandwidth_resize_poll_interval` | `2` | seconds |",
                      "| `bandwidth_resize_profile` | `\"\"` | the profile |",
                      "", "| `not_a_row` | `1` | after the table |"])
    table = doc_table(text)
    assert table == {"bandwidth_resize_poll_interval": 2, "bandwidth_resize_profile": ""}
    assert table["bandwidth_resize_poll_interval"] != spec_options()["bandwidth_resize_poll_interval"]["default"]
    assert sorted(table) != sorted(spec_options())

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the normalised-bandwidth fields of plugins/doc_fragments/bandwidth.py into the modules' RETURN.

    python tests/utils/sync_return_docs.py            # rewrite every module whose copy differs
    python tests/utils/sync_return_docs.py --check    # list them and exit 1, change nothing

ansible-doc reads a module's RETURN as the literal string in the module and merges no RETURN from
doc fragments, so each module carries a copy of the fields. The copy sits in the ``contains`` of
one return value, between the two marker lines BEGIN and END below (at the indentation of the
fields); everything else in RETURN is the module's own. Run it from anywhere: paths are taken
from the location of this file.
"""

from __future__ import annotations

import argparse
import ast
import collections
import importlib.util
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRAGMENT = "plugins/doc_fragments/bandwidth.py"
BEGIN = "# Generated from %s by tests/utils/sync_return_docs.py: change the fields there." % FRAGMENT
END = "# End of the generated fields."
WIDTH = 120
# The keys of a field, in the order they are written.
FIELD_KEYS = ("description", "type", "elements", "choices", "returned", "sample")

Target = collections.namedtuple("Target", "path key service fields")

# Every module that returns normalised bandwidths: its file, the return value whose ``contains``
# holds the copy, the service, and the fields it returns (None: every field of the service).
# The inventory plugin makes host variables of the same fields; it has no RETURN.
TARGETS = (
    Target("plugins/modules/workspace_bandwidth.py", "bandwidth", "workspace", None),
    Target("plugins/modules/workspace_bandwidth_info.py", "bandwidths", "workspace", None),
    Target("plugins/modules/vpc_bandwidth.py", "bandwidth", "vpc", None),
    Target("plugins/modules/vpc_bandwidth_info.py", "bandwidths", "vpc", None),
    # The usage entries carry four fields of the bandwidth; the figures after END are the module's own.
    Target("plugins/modules/vpc_bandwidth_usage_info.py", "bandwidths", "vpc", ("id", "name", "size", "billing_mode")),
)


def load_fragment(root=None):
    """The ``ModuleDocFragment`` class of the fragment file (it imports nothing from Ansible)."""
    spec = importlib.util.spec_from_file_location("hwcloud_bandwidth_fragment", os.path.join(root or ROOT, FRAGMENT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ModuleDocFragment


def fields(service, only=None, root=None):
    """The fields of ``service`` as data: the common ones, with the service's keys over them, then its own."""
    fragment = load_fragment(root)
    merged = yaml.safe_load(fragment.COMMON)
    for name, spec in yaml.safe_load(getattr(fragment, service.upper())).items():
        merged[name] = dict(merged.get(name) or {}, **spec)
    if only is not None:
        unknown = sorted(set(only) - set(merged))
        if unknown:
            raise ValueError("%s has no field %s" % (FRAGMENT, ", ".join(unknown)))
        merged = {name: merged[name] for name in only}
    for name, spec in merged.items():
        extra = sorted(set(spec) - set(FIELD_KEYS))
        if extra or "description" not in spec or "type" not in spec:
            raise ValueError("%s: field %s needs a description and a type, and only %s (got %s)"
                             % (FRAGMENT, name, ", ".join(FIELD_KEYS), ", ".join(sorted(spec))))
    return {name: {key: spec[key] for key in FIELD_KEYS if key in spec} for name, spec in merged.items()}


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key and lists of scalars inline, as in the collection's docs."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_list(dumper, data):
    inline = all(not isinstance(item, (dict, list)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


def _represent_str(dumper, data):
    # A string that would read as another type (a number, a date) gets double quotes, as in the collection's docs.
    implicit = dumper.resolve(yaml.ScalarNode, data, (True, False))
    style = '"' if implicit != "tag:yaml.org,2002:str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def render(data, indent):
    """The YAML lines of ``data``, each indented by ``indent`` spaces, within ``WIDTH`` columns where words allow.

    The emitter folds a long string only after the word that crosses its width: the width is
    narrowed until every line fits.
    """
    for width in range(WIDTH - indent, WIDTH // 2, -2):
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                         width=width, indent=2)
        lines = ["%s%s" % (" " * indent, line) if line else line for line in text.splitlines()]
        if all(len(line) <= WIDTH for line in lines):
            break
    return lines


def _return_lines(text, path):
    """The first and last line numbers (1-based) of the RETURN string of a module."""
    for node in ast.parse(text, filename=path).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "RETURN" for target in node.targets):
            return node.lineno, node.end_lineno
    raise ValueError("%s has no RETURN" % path)


def synced(text, target, root=None):
    """``text`` (a module's source) with the generated fields of ``target`` written between the markers."""
    first, last = _return_lines(text, target.path)
    lines = text.split("\n")
    inside = range(first - 1, last)
    begins = [index for index in inside if lines[index].strip() == BEGIN]
    ends = [index for index in inside if lines[index].strip() == END]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise ValueError("%s: RETURN needs one line '%s' and, after it, one line '%s', at the indentation of the "
                         "fields of %s.contains" % (target.path, BEGIN, END, target.key))
    begin, end = begins[0], ends[0]
    indent = len(lines[begin]) - len(lines[begin].lstrip())
    generated = render(fields(target.service, target.fields, root), indent)
    return "\n".join(lines[:begin + 1] + generated + [" " * indent + END] + lines[end + 1:])


def stale(root=None, write=False):
    """The paths of the modules whose copy differs from the fragment; with ``write``, rewritten."""
    root = root or ROOT
    found = []
    for target in TARGETS:
        path = os.path.join(root, target.path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        wanted = synced(text, target, root)
        if wanted != text:
            found.append(target.path)
            if write:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(wanted)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the modules that differ and exit 1; write nothing")
    args = parser.parse_args(argv)
    try:
        found = stale(write=not args.check)
    except ValueError as exc:
        print("sync_return_docs: %s" % exc, file=sys.stderr)
        return 2
    for path in found:
        print("%s %s" % ("differs:" if args.check else "rewritten:", path))
    if args.check and found:
        print("run python tests/utils/sync_return_docs.py to write them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

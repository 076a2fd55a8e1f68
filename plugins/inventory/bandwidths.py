# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: bandwidths
short_description: Huawei Cloud Workspace and VPC bandwidths as an inventory
version_added: 1.0.0
author: Contributors to the hwcloud.bandwidth collection (@hwcloud-bandwidth)
description:
  - Makes every Workspace bandwidth and every VPC (elastic IP) bandwidth of a region one inventory host,
    with the normalised bandwidth fields of the collection as host variables.
  - Adds each host to groups by service, billing mode, share type and enterprise project, and supports
    O(compose), O(keyed_groups) and O(groups) for more.
  - A playbook can then resize bandwidths per host with a local connection, and AWX can slice a large
    fleet across execution nodes.
  - The inventory source file must end with C(hwcloud.yml) or C(hwcloud.yaml), for example C(bandwidths.hwcloud.yml).
  - "Host variables are named O(vars_prefix) followed by the field name: with the default prefix,
    C(bandwidth_id), C(bandwidth_name), C(bandwidth_size), C(bandwidth_billing_mode) (V(prepaid) or
    V(on_demand)), C(bandwidth_charge_mode), C(bandwidth_status), C(bandwidth_enterprise_project_id);
    Workspace bandwidths add C(bandwidth_subnet_id), C(bandwidth_vpc_id) and the other Workspace fields,
    VPC bandwidths add C(bandwidth_share_type) (V(WHOLE) or V(PER)), C(bandwidth_publicip_info) and the
    other VPC fields. Every host also has C(bandwidth_service) (V(workspace) or V(vpc)),
    C(bandwidth_region) and C(bandwidth_project_id)."
  - "A field whose prefixed name Ansible reserves for a keyword is named C(bandwidth_) followed by the field name
    instead. This matters only for an empty O(vars_prefix): the bandwidth's name is then C(bandwidth_name), not
    C(name), so that Ansible does not warn C(Found variable using reserved name 'name')."
  - "Groups (always added): C(service_workspace) and C(service_vpc); C(billing_mode_prepaid) and
    C(billing_mode_on_demand); C(share_type_whole) and C(share_type_per) (VPC bandwidths only);
    C(enterprise_project_<id>) with every character other than letters, digits and C(_) of the id
    replaced by C(_) (for example C(enterprise_project_0) for the default enterprise project)."
  - Secrets (O(secret_key), O(security_token)) never become host variables.
extends_documentation_fragment:
  - hwcloud.bandwidth.common.plugin
  - constructed
  - inventory_cache
requirements:
  - python >= 3.9
  - requests >= 2.25.0
options:
  plugin:
    description:
      - The name of this plugin. It must always be V(hwcloud.bandwidth.bandwidths) for the file to be read by it.
    type: str
    required: true
    choices: [hwcloud.bandwidth.bandwidths]
  services:
    description:
      - Which bandwidths to list.
    type: list
    elements: str
    choices: [workspace, vpc]
    default: [workspace, vpc]
  enterprise_project_id:
    description:
      - List only the bandwidths of this enterprise project (both services).
    type: str
  workspace_filters:
    description:
      - More filters of the Workspace bandwidth listing, in the API's names
        (C(bandwidth_id), C(bandwidth_name), C(vpc_id), C(subnet_id), C(enterprise_project_id)).
    type: dict
    default: {}
  vpc_filters:
    description:
      - More filters of the VPC bandwidth listing, in the API's names (C(share_type), C(enterprise_project_id), C(name)).
      - "The provider documents C(enterprise_project_id: all_granted_eps) for the bandwidths of every enterprise
        project the user may see; set it here if the listing without it shows only some."
    type: dict
    default: {}
  hostname:
    description:
      - A Jinja2 template that makes the inventory hostname of a bandwidth from its host variables,
        for example C({{ bandwidth_service }}-{{ bandwidth_name }}).
      - When not set, the hostname is the bandwidth ID.
      - Two bandwidths that get the same hostname are an error, because per-host plays would change the wrong one.
    type: str
  vars_prefix:
    description:
      - The prefix of the host variable names. Set it to an empty string for the bare field names
        (C(id), C(size), C(service)...).
      - Ansible reserves some names for its keywords, C(name) among them. A field whose prefixed name is reserved
        gets the prefix C(bandwidth_) instead, so with an empty prefix the bandwidth's name is C(bandwidth_name).
    type: str
    default: bandwidth_
notes:
  - Listing makes read requests only. With O(cache=true) the listing is kept in the inventory cache
    and reused until O(cache_timeout) passes; C(ansible-inventory --flush-cache) forces a new listing.
  - In AWX or Automation Platform, attach a credential of the collection's credential type to the inventory
    source; it sets the E(HW_*) environment variables this plugin reads.
seealso:
  - module: hwcloud.bandwidth.workspace_bandwidth_info
  - module: hwcloud.bandwidth.vpc_bandwidth_info
"""

EXAMPLES = r"""
# bandwidths.hwcloud.yml: every bandwidth of the region, credentials from the HW_* variables
plugin: hwcloud.bandwidth.bandwidths
region: cn-north-4

# Bare field names (id, size, service...); the name, which Ansible reserves, stays bandwidth_name
plugin: hwcloud.bandwidth.bandwidths
region: cn-north-4
vars_prefix: ''
hostname: "{{ service }}-{{ bandwidth_name }}"

# Only VPC bandwidths, named after the bandwidth, grouped by size, with a shorter variable prefix
plugin: hwcloud.bandwidth.bandwidths
region: cn-north-4
services: [vpc]
hostname: "vpc-{{ bw_name }}"
vars_prefix: bw_
keyed_groups:
  - key: bw_size | string
    prefix: size
groups:
  large: bw_size >= 100
compose:
  ansible_connection: "'local'"

# With the inventory cache (repeated runs within an hour make no request)
plugin: hwcloud.bandwidth.bandwidths
region: cn-north-4
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/hwcloud-bandwidths-cache
cache_timeout: 3600
"""

import inspect
import re

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import (
    HAS_REQUESTS,
    ClientConfig,
    HwCloudClient,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths

try:
    from ansible.vars.reserved import is_reserved_name
except ImportError:  # an ansible-core without it: the one reserved name a field has today
    def is_reserved_name(name):
        return name == "name"

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every template is trusted
    def trust_as_template(value):
        return value

SERVICE_CLASSES = {
    "workspace": WorkspaceBandwidths,
    "vpc": VpcBandwidths,
}
CONNECTION_OPTIONS = ("access_key", "secret_key", "security_token", "region", "project_id", "cloud", "endpoints",
                      "validate_certs", "request_timeout", "max_retries")
TEMPLATED_OPTIONS = ("access_key", "secret_key", "security_token", "region")
# Fields that are host variables of every host even when the service's answer lacks them.
EXTRA_FIELDS = ("service", "region", "project_id")
# The prefix of a field whose prefixed name Ansible reserves (with an empty vars_prefix: name).
RESERVED_FIELD_PREFIX = "bandwidth_"
_UNSAFE_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix, value):
    """``prefix_value`` in lower case, with every character Ansible does not accept in a group name as ``_``."""
    return _UNSAFE_GROUP_CHARS.sub("_", "%s_%s" % (prefix, value)).lower()


def standard_groups(record):
    """The groups every bandwidth joins, from its normalised record (with ``service``)."""
    groups = ["service_%s" % record["service"]]
    if record.get("billing_mode"):
        groups.append(group_name("billing_mode", record["billing_mode"]))
    if record.get("share_type"):
        groups.append(group_name("share_type", record["share_type"]))
    if record.get("enterprise_project_id") not in (None, ""):
        groups.append(group_name("enterprise_project", record["enterprise_project_id"]))
    return groups


def variable_name(prefix, field):
    """``prefix + field``, or ``bandwidth_`` + field when Ansible reserves that name (``name`` with no prefix)."""
    name = prefix + field
    return RESERVED_FIELD_PREFIX + field if is_reserved_name(name) else name


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """One host per Workspace or VPC bandwidth."""

    NAME = "hwcloud.bandwidth.bandwidths"

    def verify_file(self, path):
        if not super().verify_file(path):
            return False
        if path.endswith(("hwcloud.yml", "hwcloud.yaml")):
            return True
        self.display.vvv("Skipping %s: the file name of a %s source must end with hwcloud.yml or hwcloud.yaml"
                         % (path, self.NAME))
        return False

    # -- configuration ----------------------------------------------------------------------

    def _option(self, name):
        value = self.get_option(name)
        if name in TEMPLATED_OPTIONS and isinstance(value, str) and "{" in value:
            self.templar.available_variables = self._vars or {}
            value = self.templar.template(trust_as_template(value))
        return value

    def client_config(self):
        """The :class:`ClientConfig` from the options (the ``HW_*`` variables are their ``env`` fallbacks)."""
        options = {name: self._option(name) for name in CONNECTION_OPTIONS}
        if options["endpoints"] in ("", None):
            options["endpoints"] = None
        try:
            return ClientConfig(**options)
        except ValueError as exc:
            raise AnsibleParserError("%s: invalid connection settings: %s" % (self.NAME, to_native(exc))) from None

    def make_client(self, config):
        """The API client; tests replace it with a fake."""
        if not HAS_REQUESTS:
            raise AnsibleParserError("%s needs the Python library requests on the control node" % self.NAME)
        return HwCloudClient(config)

    def _filters(self, service):
        filters = dict(self.get_option("%s_filters" % service) or {})
        enterprise_project_id = self.get_option("enterprise_project_id")
        if enterprise_project_id and "enterprise_project_id" not in filters:
            filters["enterprise_project_id"] = enterprise_project_id
        return {key: value for key, value in filters.items() if value not in (None, "")}

    # -- reading ----------------------------------------------------------------------------

    def fetch(self):
        """Every bandwidth of the selected services, normalised, with ``service``, ``region`` and ``project_id``."""
        config = self.client_config()
        try:
            client = self.make_client(config)
            records = []
            for service in self.get_option("services"):
                listing = SERVICE_CLASSES[service](client).list
                filters = self._filters(service)
                signature = inspect.signature(listing)
                try:
                    signature.bind(**filters)
                except TypeError:
                    accepted = [name for name, parameter in signature.parameters.items()
                                if parameter.kind == parameter.POSITIONAL_OR_KEYWORD]
                    raise ValueError("%s_filters holds a filter the %s listing does not take (given: %s; taken: %s)"
                                     % (service, service, ", ".join(sorted(filters)), ", ".join(accepted))) from None
                for bandwidth in listing(**filters):
                    record = dict(bandwidth)
                    record["service"] = service
                    record["region"] = config.region
                    record["project_id"] = client.project_id
                    records.append(record)
        except HwCloudError as exc:
            raise AnsibleParserError("%s: %s" % (self.NAME, to_native(exc))) from None
        except ValueError as exc:  # an unknown filter name
            raise AnsibleParserError("%s: %s" % (self.NAME, to_native(exc))) from None
        return records

    # -- building ---------------------------------------------------------------------------

    def host_vars(self, record):
        """The record's fields as host variables named ``vars_prefix`` + field, never a name Ansible reserves."""
        prefix = self.get_option("vars_prefix") or ""
        return {variable_name(prefix, key): value for key, value in record.items()}

    def _hostname(self, record, host_vars):
        template = self.get_option("hostname")
        if not template:
            return record["id"]
        self.templar.available_variables = host_vars
        try:
            name = self.templar.template(trust_as_template(template))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise AnsibleParserError("%s: the hostname template failed for bandwidth %s: %s"
                                     % (self.NAME, record.get("id"), to_native(exc))) from None
        name = to_native(name).strip()
        if not name:
            raise AnsibleParserError("%s: the hostname template gave an empty name for bandwidth %s"
                                     % (self.NAME, record.get("id")))
        return name

    def populate(self, records):
        strict = self.get_option("strict")
        seen = {}
        for record in records:
            host_vars = self.host_vars(record)
            hostname = self._hostname(record, host_vars)
            if hostname in seen:
                raise AnsibleParserError(
                    "%s: bandwidths %s and %s both get the hostname %s; make the hostname template unique, "
                    "for example by adding the id" % (self.NAME, seen[hostname], record.get("id"), hostname))
            seen[hostname] = record.get("id")
            self.inventory.add_host(hostname)
            for key, value in host_vars.items():
                self.inventory.set_variable(hostname, key, value)
            for group in standard_groups(record):
                self.inventory.add_group(group)
                self.inventory.add_child(group, hostname)
            # Constructed features see the host variables, including those that compose makes.
            all_vars = self.inventory.get_host(hostname).get_vars()
            self._set_composite_vars(self.get_option("compose"), all_vars, hostname, strict=strict)
            all_vars = self.inventory.get_host(hostname).get_vars()
            self._add_host_to_composed_groups(self.get_option("groups"), all_vars, hostname, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), all_vars, hostname, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        read_cache = use_cache and cache
        update_cache = use_cache and not cache
        records = None
        if read_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self.fetch()
        if update_cache:
            self._cache[cache_key] = records
        self.populate(records)

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
  - Makes every Workspace bandwidth and every VPC (elastic IP) bandwidth of a region, or of several regions
    (O(regions)), one inventory host, with the normalised bandwidth fields of the collection as host variables.
  - Adds each host to groups by service, billing mode, share type, enterprise project and region, and supports
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
    C(bandwidth_region) (the region it was listed in) and C(bandwidth_project_id) (that region's project)."
  - "A field whose prefixed name Ansible reserves for a keyword is named C(bandwidth_) followed by the field name
    instead. This matters only for an empty O(vars_prefix): the bandwidth's name is then C(bandwidth_name), not
    C(name), so that Ansible does not warn C(Found variable using reserved name 'name')."
  - "Groups (always added): C(service_workspace) and C(service_vpc); C(billing_mode_prepaid) and
    C(billing_mode_on_demand); C(share_type_whole) and C(share_type_per) (VPC bandwidths only);
    C(enterprise_project_<id>) with every character other than letters, digits and C(_) of the id
    replaced by C(_) (for example C(enterprise_project_0) for the default enterprise project); C(region_<region>)
    in the same form (for example C(region_cn_north_4))."
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
  regions:
    description:
      - The regions whose bandwidths become hosts, each listed once, in the order given, for example
        V(cn-north-4) and V(ap-southeast-1). Items may be Jinja2 templates.
      - When set, exactly these regions are listed, and O(region) only when it is listed too. O(region) (or
        E(HW_REGION_NAME)) still names the region whose project O(project_id) is; every other region's project is
        looked up through IAM by its name (one request per region). Without O(region), that region is the first of
        O(regions).
      - When not set, or empty, only O(region) is listed.
      - Each host carries the region it was listed in (C(bandwidth_region) with the default O(vars_prefix)) and joins
        the group C(region_<region>), so that a play or an AWX job can pick a region with C(--limit region_cn_north_4)
        and build resize targets with their region.
      - A region whose listing fails fails the whole source, and the message names the region, so that a partial
        inventory never replaces a whole one.
      - It has no environment variable, on purpose - one would silently replace the O(region) of every source file
        of the environment (E(HW_REGION_NAME) sets O(region)).
    type: list
    elements: str
    version_added: 1.2.0
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

# Every bandwidth of two regions; hosts get bandwidth_region and join region_cn_north_4 or region_ap_southeast_1
plugin: hwcloud.bandwidth.bandwidths
regions:
  - cn-north-4
  - ap-southeast-1

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
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._module import region_list
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
TEMPLATED_OPTIONS = ("access_key", "secret_key", "security_token", "region", "regions")
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
    if record.get("region"):
        groups.append(group_name("region", record["region"]))
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
        if name in TEMPLATED_OPTIONS:
            value = [self._template(item) for item in value] if isinstance(value, list) else self._template(value)
        return value

    def _template(self, value):
        if isinstance(value, str) and "{" in value:
            self.templar.available_variables = self._vars or {}
            value = self.templar.template(trust_as_template(value))
        return value

    def client_configs(self):
        """A :class:`ClientConfig` per region listed (the ``HW_*`` variables are the options' ``env`` fallbacks).

        The ``project_id`` option is the project of ``region`` (of the first of ``regions`` without it);
        every other region's project is looked up through IAM.
        """
        options = {name: self._option(name) for name in CONNECTION_OPTIONS}
        if options["endpoints"] in ("", None):
            options["endpoints"] = None
        try:
            regions = region_list(options["region"], self._option("regions"))
        except ValueError as exc:
            raise AnsibleParserError("%s: %s" % (self.NAME, to_native(exc))) from None
        if not regions[0]:
            raise AnsibleParserError("%s: no region: set region or regions in the inventory source, or the "
                                     "HW_REGION_NAME environment variable" % self.NAME)
        home = options["region"] or regions[0]
        configs = []
        for region in regions:
            settings = dict(options, region=region, project_id=options["project_id"] if region == home else None)
            try:
                configs.append(ClientConfig(**settings))
            except ValueError as exc:
                raise AnsibleParserError("%s: invalid connection settings: %s" % (self.NAME, to_native(exc))) from None
        return configs

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

    def listing_filters(self):
        """``{service: filters}`` of the services to list, each checked against its listing before any request."""
        chosen = {}
        for service in self.get_option("services"):
            filters = self._filters(service)
            signature = inspect.signature(SERVICE_CLASSES[service].list)
            try:
                signature.bind(None, **filters)
            except TypeError:
                accepted = [name for name, parameter in list(signature.parameters.items())[1:]
                            if parameter.kind == parameter.POSITIONAL_OR_KEYWORD]
                raise AnsibleParserError("%s: %s_filters holds a filter the %s listing does not take (given: %s; "
                                         "taken: %s)" % (self.NAME, service, service, ", ".join(sorted(filters)),
                                                         ", ".join(accepted))) from None
            chosen[service] = filters
        return chosen

    def fetch(self):
        """Every bandwidth of the selected services and regions, normalised, with ``service``, ``region`` and
        ``project_id``; a region that fails fails the whole source, naming the region."""
        configs = self.client_configs()
        filters = self.listing_filters()
        records = []
        for config in configs:
            try:
                client = self.make_client(config)
                for service, service_filters in filters.items():
                    for bandwidth in SERVICE_CLASSES[service](client).list(**service_filters):
                        record = dict(bandwidth)
                        record.update(service=service, region=config.region, project_id=client.project_id)
                        records.append(record)
            except HwCloudError as exc:
                where = "" if "region %s" % config.region in str(exc) else "region %s: " % config.region
                raise AnsibleParserError("%s: %s%s" % (self.NAME, where, to_native(exc))) from None
            except ValueError as exc:  # a filter name the service refuses
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

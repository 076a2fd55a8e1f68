# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the hwcloud.bandwidth.bandwidths inventory plugin, with fake services and a fake client."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import add_fragments
from ansible.vars import reserved
from ansible.vars.reserved import is_reserved_name

from ansible_collections.hwcloud.bandwidth.plugins.doc_fragments import common
from ansible_collections.hwcloud.bandwidth.plugins.inventory import bandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths

NAME = "hwcloud.bandwidth.bandwidths"
PROJECT_ID = "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"

WORKSPACE = [
    {"id": "ws-1", "name": "office", "size": 20, "billing_mode": "prepaid", "charge_mode": "wks_bandwidth",
     "status": "ACTIVE", "enterprise_project_id": "0", "subnet_id": "subnet-1", "vpc_id": "vpc-1"},
    {"id": "ws-2", "name": "lab", "size": 10, "billing_mode": "on_demand", "charge_mode": "wks_traffic",
     "status": "ACTIVE", "enterprise_project_id": "ep-a1b2-c3", "subnet_id": "subnet-2", "vpc_id": "vpc-1"},
]
VPC = [
    {"id": "vpc-bw-1", "name": "shared", "size": 100, "billing_mode": "prepaid", "charge_mode": "bandwidth",
     "status": "NORMAL", "enterprise_project_id": "0", "share_type": "WHOLE", "publicip_info": []},
    {"id": "vpc-bw-2", "name": "dedicated", "size": 5, "billing_mode": "on_demand", "charge_mode": "traffic",
     "status": "NORMAL", "enterprise_project_id": "0", "share_type": "PER",
     "publicip_info": [{"publicip_address": "100.85.10.12"}]},
]

ENV_NAMES = ("HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_REGION_NAME", "HW_PROJECT_ID", "HW_CLOUD",
             "HW_ENDPOINTS", "HW_MAX_RETRIES")


class FakeClient:
    """Stands in for HwCloudClient: answers listings from canned API items and records the calls."""

    def __init__(self, config, workspace_items=(), vpc_items=()):
        self.config = config
        self.project_id = PROJECT_ID
        self.items = {"workspace": list(workspace_items), "vpc": list(vpc_items)}
        self.listings = []

    def path(self, template, **values):
        values.setdefault("project_id", self.project_id)
        return template.format(**values)

    def pages_by_offset(self, service, path, items_key, operation, query=None, limit=100):
        self.listings.append((service, path, dict(query or {})))
        return iter(self.items[service])

    def pages_by_marker(self, service, path, items_key, operation, query=None, limit=1000, marker_key="id"):
        self.listings.append((service, path, dict(query or {})))
        return iter(self.items[service])

    def request(self, *args, **kwargs):
        raise AssertionError("the inventory must list, not read one by one: %r" % (args,))


class FakeService:
    """Stands in for a service class: ``list(**filters)`` answers normalised bandwidths."""

    records = []
    calls = []
    error = None

    def __init__(self, client):
        self.client = client

    def list(self, **filters):
        type(self).calls.append(filters)
        error = type(self).error
        if error is not None:
            raise error  # pylint: disable=raising-bad-type
        return [dict(record) for record in type(self).records]


def fake_service(records, error=None):
    return type("FakeService", (FakeService,), {"records": records, "calls": [], "error": error})


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module", autouse=True)
def plugin_definitions():
    """What the plugin loader does for a real load: register the option definitions of the plugin.

    Outside a configured collection loader the fragment loader finds Ansible's own fragments only:
    the collection's connection fragment is merged here, as the loader would merge it.
    """
    doc = yaml.safe_load(bandwidths.DOCUMENTATION)
    ours = "hwcloud.bandwidth.common.plugin"
    assert ours in doc["extends_documentation_fragment"]
    doc["extends_documentation_fragment"].remove(ours)
    add_fragments(doc, bandwidths.__file__, fragment_loader=fragment_loader)
    connection = yaml.safe_load(common.ModuleDocFragment.PLUGIN)["options"]
    assert not set(connection) & set(doc["options"]), "the plugin repeats an option of its fragment"
    doc["options"].update(connection)
    C.config.initialize_plugin_configuration_definitions("inventory", NAME, doc["options"])


@pytest.fixture
def services(monkeypatch):
    workspace = fake_service(WORKSPACE)
    vpc = fake_service(VPC)
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "workspace", workspace)
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "vpc", vpc)
    return {"workspace": workspace, "vpc": vpc}


class Run:
    """One plugin instance that parses a config file written to a temporary directory."""

    def __init__(self, tmp_path, monkeypatch, client_factory=None):
        self.tmp_path = tmp_path
        self.configs = []
        self.clients = []
        self.client_factory = client_factory or FakeClient
        run = self

        def make_client(plugin, config):  # pylint: disable=unused-argument
            return run.make_client(config)
        monkeypatch.setattr(bandwidths.InventoryModule, "make_client", make_client)

    def make_client(self, config):
        self.configs.append(config)
        client = self.client_factory(config)
        self.clients.append(client)
        return client

    def parse(self, config, filename="test.hwcloud.yml", cache=True):
        path = self.tmp_path / filename
        path.write_text(yaml.safe_dump(dict({"plugin": NAME}, **config)))
        plugin = bandwidths.InventoryModule()
        plugin._load_name = NAME  # pylint: disable=protected-access
        plugin._redirected_names = [NAME]  # pylint: disable=protected-access
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        # As the inventory manager does after a parse: write what the plugin put in the cache.
        if getattr(plugin, "_cache", None) is not None:
            plugin.update_cache_if_changed()
        return inventory


@pytest.fixture
def run(tmp_path, monkeypatch):
    return Run(tmp_path, monkeypatch)


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


# -- verify_file ------------------------------------------------------------------------------


@pytest.mark.parametrize("filename, accepted", [
    ("bandwidths.hwcloud.yml", True),
    ("bandwidths.hwcloud.yaml", True),
    ("hwcloud.yml", True),
    ("bandwidths.yml", False),
    ("hwcloud.yml.bak", False),
    ("inventory.ini", False),
])
def test_verify_file_accepts_only_hwcloud_yml(tmp_path, filename, accepted):
    path = tmp_path / filename
    path.write_text("plugin: %s\n" % NAME)
    assert bandwidths.InventoryModule().verify_file(str(path)) is accepted


def test_verify_file_rejects_a_missing_file(tmp_path):
    assert not bandwidths.InventoryModule().verify_file(str(tmp_path / "missing.hwcloud.yml"))


# -- hosts, variables, groups -----------------------------------------------------------------


def test_every_bandwidth_is_a_host_named_by_id_with_prefixed_vars(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK"})
    assert sorted(inventory.hosts) == ["vpc-bw-1", "vpc-bw-2", "ws-1", "ws-2"]
    office = hostvars(inventory, "ws-1")
    assert office["bandwidth_id"] == "ws-1"
    assert office["bandwidth_name"] == "office"
    assert office["bandwidth_size"] == 20
    assert office["bandwidth_billing_mode"] == "prepaid"
    assert office["bandwidth_subnet_id"] == "subnet-1"
    assert office["bandwidth_service"] == "workspace"
    assert office["bandwidth_region"] == "cn-north-4"
    assert office["bandwidth_project_id"] == PROJECT_ID
    dedicated = hostvars(inventory, "vpc-bw-2")
    assert dedicated["bandwidth_share_type"] == "PER"
    assert dedicated["bandwidth_publicip_info"] == [{"publicip_address": "100.85.10.12"}]
    assert dedicated["bandwidth_service"] == "vpc"


def test_secrets_never_become_host_variables(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SECRET-SK",
                           "security_token": "SECRET-TOKEN"})
    for host in inventory.hosts:
        text = json.dumps(hostvars(inventory, host), default=str)
        assert "SECRET-SK" not in text
        assert "SECRET-TOKEN" not in text


def test_standard_groups(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK"})
    assert members(inventory, "service_workspace") == ["ws-1", "ws-2"]
    assert members(inventory, "service_vpc") == ["vpc-bw-1", "vpc-bw-2"]
    assert members(inventory, "billing_mode_prepaid") == ["vpc-bw-1", "ws-1"]
    assert members(inventory, "billing_mode_on_demand") == ["vpc-bw-2", "ws-2"]
    assert members(inventory, "share_type_whole") == ["vpc-bw-1"]
    assert members(inventory, "share_type_per") == ["vpc-bw-2"]
    assert members(inventory, "enterprise_project_0") == ["vpc-bw-1", "vpc-bw-2", "ws-1"]
    # Characters Ansible does not accept in group names become "_".
    assert members(inventory, "enterprise_project_ep_a1b2_c3") == ["ws-2"]


def test_vars_prefix_can_be_empty(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK", "vars_prefix": ""})
    office = hostvars(inventory, "ws-1")
    assert office["id"] == "ws-1"
    assert office["size"] == 20
    assert office["service"] == "workspace"
    assert office["subnet_id"] == "subnet-1"
    # Ansible reserves "name" (a keyword): the bare name would warn on every parse, so it keeps the prefix.
    assert office["bandwidth_name"] == "office"
    assert "name" not in office
    assert hostvars(inventory, "vpc-bw-2")["share_type"] == "PER"


@pytest.mark.parametrize("vars_prefix", ["", "bandwidth_", "bw_"])
def test_no_host_variable_has_a_reserved_name(run, services, vars_prefix):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK", "vars_prefix": vars_prefix})
    for host in inventory.hosts:
        reserved = [name for name in hostvars(inventory, host) if is_reserved_name(name)]
        assert reserved == [], host


def test_an_empty_prefix_does_not_warn_about_reserved_names(run, services, monkeypatch):
    """What ansible-inventory and ansible-playbook do with the host variables: no reserved-name warning."""
    warnings = []
    monkeypatch.setattr(reserved.display, "warning", lambda msg, *args, **kwargs: warnings.append(msg))
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK", "vars_prefix": "",
                           "hostname": "{{ service }}-{{ bandwidth_name }}"})
    assert sorted(inventory.hosts) == ["vpc-dedicated", "vpc-shared", "workspace-lab", "workspace-office"]
    for host in inventory.hosts:
        reserved.warn_if_reserved(hostvars(inventory, host))
    assert warnings == []
    # The check itself catches a bare name.
    reserved.warn_if_reserved(["name"])
    assert warnings and "reserved name" in warnings[0]


def test_variable_name_keeps_the_prefix_only_for_reserved_names():
    assert bandwidths.variable_name("", "name") == "bandwidth_name"
    assert bandwidths.variable_name("", "size") == "size"
    assert bandwidths.variable_name("bw_", "name") == "bw_name"
    assert bandwidths.variable_name("bandwidth_", "name") == "bandwidth_name"


def test_hostname_template(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK",
                           "hostname": "{{ bandwidth_service }}-{{ bandwidth_name }}"})
    assert sorted(inventory.hosts) == ["vpc-dedicated", "vpc-shared", "workspace-lab", "workspace-office"]
    assert hostvars(inventory, "workspace-office")["bandwidth_id"] == "ws-1"


def test_duplicate_hostnames_are_refused(run, services):
    with pytest.raises(AnsibleParserError, match="both get the hostname"):
        run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK",
                   "hostname": "{{ bandwidth_service }}"})


def test_services_option_limits_the_listing(run, services):
    inventory = run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK", "services": ["vpc"]})
    assert sorted(inventory.hosts) == ["vpc-bw-1", "vpc-bw-2"]
    assert not services["workspace"].calls


def test_filters_reach_the_service_classes(run, services):
    run.parse({"region": "cn-north-4", "access_key": "AK", "secret_key": "SK", "enterprise_project_id": "ep-1",
               "workspace_filters": {"vpc_id": "vpc-1"}, "vpc_filters": {"share_type": "WHOLE"}})
    assert services["workspace"].calls == [{"vpc_id": "vpc-1", "enterprise_project_id": "ep-1"}]
    assert services["vpc"].calls == [{"share_type": "WHOLE", "enterprise_project_id": "ep-1"}]


# -- constructed ------------------------------------------------------------------------------


def test_compose_keyed_groups_and_groups(run, services):
    inventory = run.parse({
        "region": "cn-north-4", "access_key": "AK", "secret_key": "SK",
        "compose": {"ansible_connection": "'local'", "doubled": "bandwidth_size * 2"},
        "keyed_groups": [{"key": "bandwidth_charge_mode", "prefix": "charge"},
                         {"key": "bandwidth_size | string", "prefix": "size"}],
        "groups": {"large": "bandwidth_size >= 20", "twice_big": "doubled >= 200"},
    })
    assert hostvars(inventory, "ws-2")["ansible_connection"] == "local"
    assert hostvars(inventory, "vpc-bw-1")["doubled"] == 200
    assert members(inventory, "charge_wks_traffic") == ["ws-2"]
    assert members(inventory, "size_100") == ["vpc-bw-1"]
    assert members(inventory, "large") == ["vpc-bw-1", "ws-1"]
    # groups see the variables compose made
    assert members(inventory, "twice_big") == ["vpc-bw-1"]


def test_strict_makes_a_bad_compose_expression_fail(run, services):
    config = {"region": "cn-north-4", "access_key": "AK", "secret_key": "SK",
              "compose": {"broken": "no_such_variable + 1"}}
    inventory = run.parse(dict(config, strict=False))
    assert "broken" not in hostvars(inventory, "ws-1")
    with pytest.raises(AnsibleError):
        run.parse(dict(config, strict=True))


# -- credentials ------------------------------------------------------------------------------


def test_credentials_come_from_the_hw_variables(run, services, monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", "ENV-AK")
    monkeypatch.setenv("HW_SECRET_KEY", "ENV-SK")
    monkeypatch.setenv("HW_SECURITY_TOKEN", "ENV-TOKEN")
    monkeypatch.setenv("HW_REGION_NAME", "ap-southeast-1")
    monkeypatch.setenv("HW_PROJECT_ID", "ENV-PROJECT")
    monkeypatch.setenv("HW_CLOUD", "example.test")
    monkeypatch.setenv("HW_ENDPOINTS", json.dumps({"vpc": "http://127.0.0.1:9", "workspace": "http://127.0.0.1:9"}))
    monkeypatch.setenv("HW_MAX_RETRIES", "2")
    inventory = run.parse({})
    config = run.configs[0]
    assert (config.access_key, config.secret_key, config.security_token) == ("ENV-AK", "ENV-SK", "ENV-TOKEN")
    assert (config.region, config.project_id, config.cloud) == ("ap-southeast-1", "ENV-PROJECT", "example.test")
    assert config.endpoints == {"vpc": "http://127.0.0.1:9", "workspace": "http://127.0.0.1:9"}
    assert config.max_retries == 2
    assert hostvars(inventory, "ws-1")["bandwidth_region"] == "ap-southeast-1"


def test_options_win_over_the_hw_variables(run, services, monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", "ENV-AK")
    monkeypatch.setenv("HW_REGION_NAME", "ap-southeast-1")
    run.parse({"access_key": "FILE-AK", "secret_key": "SK", "region": "cn-north-4",
               "endpoints": "vpc=http://127.0.0.1:9"})
    config = run.configs[0]
    assert (config.access_key, config.region) == ("FILE-AK", "cn-north-4")
    assert config.endpoints == {"vpc": "http://127.0.0.1:9"}


def test_templated_credentials(run, services, monkeypatch):
    monkeypatch.setenv("MY_VAULTED_AK", "AK-FROM-LOOKUP")
    run.parse({"access_key": "{{ lookup('env', 'MY_VAULTED_AK') }}", "secret_key": "SK",
               "region": "cn-north-4"})
    assert run.configs[0].access_key == "AK-FROM-LOOKUP"


def test_invalid_endpoints_fail_clearly(run, services):
    with pytest.raises(AnsibleParserError, match="invalid connection settings"):
        run.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "endpoints": {"dns": "http://x"}})


def test_a_service_error_fails_the_source_without_a_secret(run, monkeypatch):
    error = HwCloudError("list VPC bandwidths", "Incorrect IAM authentication information", status=401,
                         error_code="APIGW.0301")
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "workspace", fake_service(WORKSPACE))
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "vpc", fake_service(VPC, error=error))
    with pytest.raises(AnsibleParserError) as caught:
        run.parse({"access_key": "AK", "secret_key": "SECRET-SK", "region": "cn-north-4"})
    message = str(caught.value)
    assert "list VPC bandwidths" in message
    assert "APIGW.0301" in message
    assert "SECRET-SK" not in message


# -- cache ------------------------------------------------------------------------------------


def test_cache_is_used_and_refreshed(run, services, tmp_path):
    config = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "cache": True,
              "cache_plugin": "jsonfile", "cache_connection": str(tmp_path / "cache"),
              "cache_timeout": 3600}
    first = run.parse(config, cache=True)
    assert len(run.clients) == 1
    # The second parse reads the cache: no client, no listing.
    services["workspace"].records = []
    second = run.parse(config, cache=True)
    assert len(run.clients) == 1
    assert sorted(second.hosts) == sorted(first.hosts)
    assert hostvars(second, "ws-1")["bandwidth_size"] == 20
    # cache=False (as with --flush-cache) lists again and updates the cache.
    third = run.parse(config, cache=False)
    assert len(run.clients) == 2
    assert sorted(third.hosts) == ["vpc-bw-1", "vpc-bw-2"]
    fourth = run.parse(config, cache=True)
    assert len(run.clients) == 2
    assert sorted(fourth.hosts) == ["vpc-bw-1", "vpc-bw-2"]


def test_without_cache_every_parse_lists(run, services):
    config = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4"}
    run.parse(config)
    run.parse(config)
    assert len(run.clients) == 2


# -- the real service classes over a fake client ---------------------------------------------


WORKSPACE_API_ITEMS = [
    {"bandwidth_id": "ws-1", "bandwidth_name": "office", "charge_mode": "wks_bandwidth", "size": 20,
     "vpc_id": "vpc-1", "subnet_id": "subnet-1", "enterprise_project_id": "0", "status": "ACTIVE"},
    {"bandwidth_id": "ws-2", "bandwidth_name": "lab", "charge_mode": "wks_traffic", "size": 10,
     "vpc_id": "vpc-1", "subnet_id": "subnet-2", "enterprise_project_id": "0", "status": "ACTIVE"},
]
VPC_API_ITEMS = [
    {"id": "vpc-bw-1", "name": "shared", "size": 100, "share_type": "WHOLE", "charge_mode": "bandwidth",
     "billing_info": "CS2403010800QWERT:product:cn-north-4:%s" % PROJECT_ID, "enterprise_project_id": "0",
     "publicip_info": [], "status": "NORMAL"},
    {"id": "vpc-bw-2", "name": "dedicated", "size": 5, "share_type": "PER", "charge_mode": "traffic",
     "billing_info": "", "enterprise_project_id": "0", "publicip_info": [], "status": "NORMAL"},
]


def api_client(config):
    return FakeClient(config, WORKSPACE_API_ITEMS, VPC_API_ITEMS)


def test_real_service_classes_are_used(tmp_path, monkeypatch):
    assert bandwidths.SERVICE_CLASSES == {"workspace": WorkspaceBandwidths, "vpc": VpcBandwidths}
    run = Run(tmp_path, monkeypatch, client_factory=api_client)
    inventory = run.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4",
                           "workspace_filters": {"subnet_id": "subnet-2"}, "vpc_filters": {"share_type": "PER"}})
    # Each service class filtered exactly what the fake listing returned.
    assert sorted(inventory.hosts) == ["vpc-bw-2", "ws-2"]
    assert hostvars(inventory, "ws-2")["bandwidth_billing_mode"] == "on_demand"
    assert hostvars(inventory, "vpc-bw-2")["bandwidth_share_type"] == "PER"
    listings = run.clients[0].listings
    assert ("workspace", "/v2/{project_id}/bandwidths", {"subnet_id": "subnet-2"}) in listings
    assert ("vpc", "/v1/{project_id}/bandwidths", {"share_type": "PER"}) in listings


def test_real_normalisation_of_billing_mode(tmp_path, monkeypatch):
    run = Run(tmp_path, monkeypatch, client_factory=api_client)
    inventory = run.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4"})
    assert members(inventory, "billing_mode_prepaid") == ["vpc-bw-1", "ws-1"]
    assert members(inventory, "billing_mode_on_demand") == ["vpc-bw-2", "ws-2"]


@pytest.mark.parametrize("option, filters", [
    ("workspace_filters", {"bandwidth_size": 10}),
    ("vpc_filters", {"vpc_id": "vpc-1"}),
])
def test_unknown_filters_are_refused(tmp_path, monkeypatch, option, filters):
    run = Run(tmp_path, monkeypatch, client_factory=api_client)
    with pytest.raises(AnsibleParserError, match="filter"):
        run.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", option: filters})


# -- regions ----------------------------------------------------------------------------------


WEST_VPC = [dict(VPC[0], id="vpc-west-1", name="shared-west", size=30)]


class RegionalClient(FakeClient):
    """A client whose project is the configured one, or the one IAM would give for its region."""

    def __init__(self, config):
        super().__init__(config)
        self.project_id = config.project_id or "iam-project-of-%s" % config.region


def regional_service(by_region):
    """A service class that lists ``by_region[region]`` for the region of its client (an exception is raised)."""
    def listing(self, **filters):
        del filters
        records = by_region[self.client.config.region]
        if isinstance(records, Exception):
            raise records
        return [dict(record) for record in records]
    return type("RegionalService", (FakeService,), {"list": listing})


@pytest.fixture
def regional(tmp_path, monkeypatch):
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "workspace",
                        regional_service({"cn-north-4": WORKSPACE, "ap-southeast-1": [], "ap-southeast-3": []}))
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "vpc",
                        regional_service({"cn-north-4": VPC, "ap-southeast-1": WEST_VPC, "ap-southeast-3": []}))
    return Run(tmp_path, monkeypatch, client_factory=RegionalClient)


def test_regions_make_hosts_of_every_region_with_their_region_and_project(regional):
    inventory = regional.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": "P-HOME",
                                "regions": ["cn-north-4", "ap-southeast-1"]})
    assert [config.region for config in regional.configs] == ["cn-north-4", "ap-southeast-1"]
    assert [config.project_id for config in regional.configs] == ["P-HOME", None]
    assert sorted(inventory.hosts) == ["vpc-bw-1", "vpc-bw-2", "vpc-west-1", "ws-1", "ws-2"]
    west = hostvars(inventory, "vpc-west-1")
    assert (west["bandwidth_region"], west["bandwidth_project_id"]) == ("ap-southeast-1", "iam-project-of-ap-southeast-1")
    assert (west["bandwidth_id"], west["bandwidth_service"], west["bandwidth_size"]) == ("vpc-west-1", "vpc", 30)
    home = hostvars(inventory, "ws-1")
    assert (home["bandwidth_region"], home["bandwidth_project_id"]) == ("cn-north-4", "P-HOME")
    assert members(inventory, "region_ap_southeast_1") == ["vpc-west-1"]
    assert members(inventory, "region_cn_north_4") == ["vpc-bw-1", "vpc-bw-2", "ws-1", "ws-2"]
    assert members(inventory, "service_vpc") == ["vpc-bw-1", "vpc-bw-2", "vpc-west-1"]


def test_regions_replace_region_which_keeps_only_its_project(regional):
    inventory = regional.parse({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4", "project_id": "P-HOME",
                                "regions": ["ap-southeast-1", "ap-southeast-3", "ap-southeast-1"]})
    assert [(config.region, config.project_id) for config in regional.configs] == [
        ("ap-southeast-1", None), ("ap-southeast-3", None)]
    assert sorted(inventory.hosts) == ["vpc-west-1"]


def test_without_region_the_first_of_regions_has_the_project(regional, monkeypatch):
    monkeypatch.setenv("HW_PROJECT_ID", "ENV-PROJECT")
    regional.parse({"access_key": "AK", "secret_key": "SK", "regions": [" ap-southeast-1 ", "cn-north-4"]})
    assert [(config.region, config.project_id) for config in regional.configs] == [
        ("ap-southeast-1", "ENV-PROJECT"), ("cn-north-4", None)]


@pytest.mark.parametrize("extra", [{}, {"regions": []}])
def test_without_regions_only_region_is_listed(regional, extra):
    inventory = regional.parse(dict({"access_key": "AK", "secret_key": "SK", "region": "cn-north-4"}, **extra))
    assert [config.region for config in regional.configs] == ["cn-north-4"]
    assert sorted(inventory.hosts) == ["vpc-bw-1", "vpc-bw-2", "ws-1", "ws-2"]
    assert members(inventory, "region_cn_north_4") == sorted(inventory.hosts)


def test_regions_may_be_templates(regional, monkeypatch):
    monkeypatch.setenv("MY_REGION", "ap-southeast-1")
    regional.parse({"access_key": "AK", "secret_key": "SK", "regions": ["cn-north-4", "{{ lookup('env', 'MY_REGION') }}"]})
    assert [config.region for config in regional.configs] == ["cn-north-4", "ap-southeast-1"]


def test_a_region_that_fails_fails_the_source_and_is_named(regional, monkeypatch):
    error = HwCloudError("list VPC bandwidths", "Token not allowed to do this action.", status=403, error_code="VPC.2701")
    monkeypatch.setitem(bandwidths.SERVICE_CLASSES, "vpc", regional_service({"cn-north-4": VPC, "ap-southeast-1": error}))
    with pytest.raises(AnsibleParserError) as caught:
        regional.parse({"access_key": "AK", "secret_key": "SK", "regions": ["cn-north-4", "ap-southeast-1"]})
    message = str(caught.value)
    assert "region ap-southeast-1: list VPC bandwidths failed (HTTP 403, VPC.2701)" in message


@pytest.mark.parametrize("config, words", [
    ({}, "no region: set region or regions"),
    ({"regions": ["cn-north-4", " "]}, "regions: item 2 is not a region name"),
])
def test_regions_that_name_no_region_fail_before_any_request(regional, config, words):
    with pytest.raises(AnsibleParserError, match=words):
        regional.parse(dict({"access_key": "AK", "secret_key": "SK"}, **config))
    assert regional.clients == []

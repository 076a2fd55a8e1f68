# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small steps of runme.sh that need the simulator's admin API or its settings, without a playbook run each.

    python sim_admin.py CONFIG env OUT_DIR      write OUT_DIR/hw.env (the HW_* variables) and the inventory sources
    python sim_admin.py CONFIG reset SEED_NAME  reset the simulator to a seed of seeds.yml
    python sim_admin.py CONFIG summary FILE     save the request counts since the last reset to FILE

CONFIG is tests/integration/integration_config.yml (sim_url, sim_access_key, ...).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

SOURCE = """\
plugin: hwcloud.bandwidth.bandwidths
hostname: "{{ bandwidth_service }}-{{ bandwidth_name }}"
strict: true
compose:
  ansible_connection: "'local'"
  size_class: "'large' if bandwidth_size >= 100 else 'small'"
keyed_groups:
  - key: bandwidth_charge_mode
    prefix: charge
  - key: size_class
    prefix: size
groups:
  wide: bandwidth_size >= 20
  has_public_ip: bandwidth_publicip_info | default([]) | length > 0
"""

# Bare field names: the name, which Ansible reserves, stays bandwidth_name.
BARE_SOURCE = """\
plugin: hwcloud.bandwidth.bandwidths
vars_prefix: ''
hostname: "{{ service }}-{{ bandwidth_name }}"
strict: true
groups:
  wide: size >= 20
"""

# Two regions in one source; the hostname carries the region, since a name may be in both.
REGIONS_SOURCE = """\
plugin: hwcloud.bandwidth.bandwidths
services: [vpc]
regions: [cn-north-4, cn-south-1]
hostname: "{{ bandwidth_region }}-{{ bandwidth_name }}"
strict: true
compose:
  ansible_connection: "'local'"
"""

CACHED_SOURCE = """\
plugin: hwcloud.bandwidth.bandwidths
services: [vpc]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {cache_dir}
cache_timeout: 3600
"""


def admin(config, method, path, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(config["sim_url"].rstrip("/") + "/_sim/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode("utf-8")
    return json.loads(text) if text else None


def write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def main(config_path, command, argument):
    with open(config_path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    if command == "env":
        variables = {
            "HW_ACCESS_KEY": config["sim_access_key"],
            "HW_SECRET_KEY": config["sim_secret_key"],
            "HW_REGION_NAME": config["sim_region"],
            "HW_ENDPOINTS": json.dumps(config["sim_endpoints"]),
        }
        lines = ["export %s=%s" % (name, shlex.quote(value)) for name, value in variables.items()]
        lines.append("unset HW_PROJECT_ID HW_SECURITY_TOKEN HW_CLOUD")
        write(os.path.join(argument, "hw.env"), "\n".join(lines) + "\n")
        write(os.path.join(argument, "sim.hwcloud.yml"), SOURCE)
        write(os.path.join(argument, "bare.hwcloud.yml"), BARE_SOURCE)
        write(os.path.join(argument, "regions.hwcloud.yml"), REGIONS_SOURCE)
        write(os.path.join(argument, "cached.hwcloud.yml"), CACHED_SOURCE.format(cache_dir=os.path.join(argument, "cache")))
    elif command == "reset":
        with open(os.path.join(HERE, "seeds.yml"), encoding="utf-8") as handle:
            seeds = yaml.safe_load(handle)
        admin(config, "POST", "reset", seeds[argument])
    elif command == "summary":
        write(argument, json.dumps(admin(config, "GET", "summary")))
    else:
        raise SystemExit("unknown command %s" % command)


if __name__ == "__main__":
    main(*sys.argv[1:4])

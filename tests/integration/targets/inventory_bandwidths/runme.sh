#!/usr/bin/env bash
# The hwcloud.bandwidth.bandwidths inventory plugin against the local simulator:
# ansible-inventory --list (hosts, variables, groups, constructed features, paging, reads only, an empty vars_prefix),
# the inventory cache, a file name the plugin must not take, and the per-host resize playbook
# (check mode, then for real, then a rerun) over the inventory.
# The simulator's URL and credentials (sim_url, sim_access_key...) come from tests/integration/integration_config.yml,
# which tests/utils/with_simulator.py writes and ansible-test copies beside the targets. The inventory and the
# resize playbook get the credentials as HW_* environment variables only, as AWX injects them.
set -eux

CONFIG="$(cd ../.. && pwd)/integration_config.yml"
test -f "${CONFIG}"
set -- "$@" -e "@${CONFIG}"
export ANSIBLE_ROLES_PATH="..${ANSIBLE_ROLES_PATH:+:${ANSIBLE_ROLES_PATH}}"
OUT="${OUTPUT_DIR:-$(mktemp -d)}/inventory_bandwidths"
rm -rf "${OUT}"
mkdir -p "${OUT}"
admin() { python sim_admin.py "${CONFIG}" "$@"; }

admin env "${OUT}"
set +x  # keep the secret key out of the output
# shellcheck disable=SC1091
source "${OUT}/hw.env"
set -x

# 1. --list: every bandwidth, its variables and groups.
admin reset full
ansible-inventory -i "${OUT}/sim.hwcloud.yml" --list --output "${OUT}/list.json"
ansible-playbook verify_list.yml -e "out_dir=${OUT}" "$@"

# 1b. An empty vars_prefix: bare field names, bandwidth_name for the reserved name, and no reserved-name warning
#     (Ansible warns when it gathers the variables of a host for a task, as this ad-hoc task does).
ansible-inventory -i "${OUT}/bare.hwcloud.yml" --list --output "${OUT}/bare.json"
ansible -i "${OUT}/bare.hwcloud.yml" workspace-inv-office -c local -m ansible.builtin.debug -a var=bandwidth_name \
  >"${OUT}/bare.log" 2>&1
grep -q "inv-office" "${OUT}/bare.log"
if grep -i "reserved name" "${OUT}/bare.log"; then
  echo "an empty vars_prefix made a host variable with a reserved name"
  exit 1
fi
python - "${OUT}/bare.json" <<'PY'
import json
import sys

def plain(value):
    """ansible-inventory writes untrusted strings as {"__ansible_unsafe": text}."""
    return value.get("__ansible_unsafe", value) if len(value) == 1 else value


with open(sys.argv[1], encoding="utf-8") as handle:
    listed = json.load(handle, object_hook=plain)
office = listed["_meta"]["hostvars"]["workspace-inv-office"]
assert office["service"] == "workspace" and office["bandwidth_name"] == "inv-office", office
assert "name" not in office and "id" in office and "size" in office, sorted(office)
assert office["id"] == "1a2b3c4d-0000-4000-8000-000000000001" and office["size"] == 20, office
assert "workspace-inv-office" in listed["wide"]["hosts"], listed["wide"]
PY

# 2. The inventory cache: after a reset to another seed, a cached listing makes no request and shows the
#    cached hosts; --flush-cache lists again.
ansible-inventory -i "${OUT}/cached.hwcloud.yml" --list --output "${OUT}/cached-1.json"
admin reset small
ansible-inventory -i "${OUT}/cached.hwcloud.yml" --list --output "${OUT}/cached-2.json"
ansible-inventory -i "${OUT}/cached.hwcloud.yml" --list --flush-cache --output "${OUT}/cached-3.json"
admin summary "${OUT}/cache-summary.json"
ansible-playbook verify_cache.yml -e "out_dir=${OUT}" "$@"

# 3. A file whose name does not end with hwcloud.yml is not this plugin's.
cp "${OUT}/sim.hwcloud.yml" "${OUT}/sim.yml"
ansible-inventory -i "${OUT}/sim.yml" --list --output "${OUT}/wrong-name.json" 2>"${OUT}/wrong-name.err" || true
if grep -q bandwidth_id "${OUT}/wrong-name.json"; then
  echo "a file not named *.hwcloud.yml was parsed by the plugin"
  exit 1
fi

# 4. Resize three hosts: check mode (changed, no write), for real, then a rerun (no change).
admin reset full
resize() {
  ansible-playbook -i "${OUT}/sim.hwcloud.yml" hwcloud.bandwidth.resize_per_host \
    --limit 'vpc-inv-dedicated,workspace-inv-lab,workspace-inv-office' \
    -e resize_size=30 -e resize_auto_pay=true -e resize_wait_timeout=30 "$@"
}
resize --check --diff | tee "${OUT}/check.log"
test "$(grep -cE 'changed=1 +unreachable=0 +failed=0' "${OUT}/check.log")" -eq 3
resize | tee "${OUT}/apply.log"
test "$(grep -cE 'changed=1 +unreachable=0 +failed=0' "${OUT}/apply.log")" -eq 3
admin summary "${OUT}/resize-summary.json"
ansible-playbook verify_resize.yml -e "out_dir=${OUT}" "$@"
resize | tee "${OUT}/rerun.log"
test "$(grep -cE 'changed=0 +unreachable=0 +failed=0' "${OUT}/rerun.log")" -eq 3

# 5. A slice over two regions (--limit as an AWX job slice): one task resizes the bandwidths of both
#    regions, each in its own region; the bandwidth outside the slice and a twin name are left alone.
admin reset regions
ansible-playbook -i "${OUT}/regions.hwcloud.yml" hwcloud.bandwidth.resize_per_host \
  --limit 'cn-north-4-web,cn-south-1-web' -e resize_size=25 -e resize_wait_timeout=30 "$@" | tee "${OUT}/regions.log"
test "$(grep -cE 'changed=1 +unreachable=0 +failed=0' "${OUT}/regions.log")" -eq 2
admin summary "${OUT}/regions-summary.json"
python - "${CONFIG}" "${OUT}/regions-summary.json" <<'PY'
import json
import sys
import urllib.request

import yaml

with open(sys.argv[1], encoding="utf-8") as handle:
    url = yaml.safe_load(handle)["sim_url"].rstrip("/")
with urllib.request.urlopen(url + "/_sim/state", timeout=30) as answer:
    state = json.load(answer)
sizes = {(item["region"], item["name"]): item["size"] for item in state["vpc_bandwidths"]}
assert sizes == {("cn-north-4", "web"): 25, ("cn-south-1", "web"): 25, ("cn-south-1", "idle"): 10}, sizes
with open(sys.argv[2], encoding="utf-8") as handle:
    summary = json.load(handle)
# One listing per region and one update per bandwidth of the slice, nothing planned per host.
assert summary["by_operation"].get("vpc.update") == 2, summary
assert summary["writes"] == 2, summary
PY

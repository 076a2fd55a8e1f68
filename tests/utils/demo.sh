#!/usr/bin/env bash
# make demo: on a fresh local simulator, show the plan of playbooks/demo.yml in check mode, apply
# it, and run it again to show that nothing changes; then stop the simulator.
#
#   tests/utils/demo.sh [ansible-playbook options]      (from the collection root)
#
# The collection must be found as hwcloud.bandwidth: by default this copy, when it sits in an
# ansible_collections/hwcloud/bandwidth directory, or ANSIBLE_COLLECTIONS_PATH.
set -euo pipefail

if [ -z "${HW_SIMULATOR_URL:-}" ]; then
    exec "${PYTHON:-python}" tests/utils/with_simulator.py --seed tests/simulator/seeds/demo.yml -- bash "$0" "$@"
fi

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ] && [ "$(basename "$(cd ../.. && pwd)")" = ansible_collections ]; then
    ANSIBLE_COLLECTIONS_PATH="$(cd ../../.. && pwd)"
    export ANSIBLE_COLLECTIONS_PATH
fi

# Count the API requests of each step through the simulator's admin API.
sim() {
    "${PYTHON:-python}" - "$1" <<'PY'
import json, os, sys, urllib.request
url = os.environ["HW_SIMULATOR_URL"] + "/_sim/"
if sys.argv[1] == "clear":
    urllib.request.urlopen(urllib.request.Request(url + "log", method="DELETE")).read()
else:
    s = json.load(urllib.request.urlopen(url + "summary"))
    print("\n>>> API requests of this step: %d (%d reads, %d writes; %d orders placed, %d jobs started)"
          % (s["requests"], s["reads"], s["writes"], s["orders_created"], s["jobs_created"]))
PY
}

step() {
    local title=$1
    shift
    printf '\n==================== %s ====================\n' "$title"
    sim clear
    ansible-playbook -i localhost, playbooks/demo.yml "$@"
    sim summary
}

# A step that must fail: the play's failure is what it shows.
expect_failure() {
    local title=$1
    shift
    printf '\n==================== %s ====================\n' "$title"
    sim clear
    if ansible-playbook -i localhost, playbooks/demo.yml "$@"; then
        echo "make demo: this step should have failed" >&2
        exit 1
    fi
    sim summary
    echo ">>> As expected: the order over the spend limit was placed but not paid; it waits for someone to pay it."
}

echo "Simulator: $HW_SIMULATOR_URL"
step "1/6 The plan, with prices (check mode: nothing is changed)" --check --diff "$@"
step "2/6 Apply the plan (orders paid at once, each amount shown)" "$@"
step "3/6 Run again: nothing left to change" "$@"
step "4/6 Right-size the VPC bandwidths from their utilization (check mode)" -e demo_profile=right_size --check --diff "$@"
step "5/6 Apply the right sizes" -e demo_profile=right_size "$@"
expect_failure "6/6 A spend limit: auto pay may pay 100.00 for one order, the next one costs more" \
    -e demo_profile=web_peak -e demo_max_order_amount=100 "$@"

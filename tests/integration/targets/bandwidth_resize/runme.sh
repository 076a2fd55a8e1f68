#!/usr/bin/env bash
# The bandwidth_resize role against a simulator fleet of 200 bandwidths (both services, both
# billing modes). A script target, because the dry run must be a real `--check` run: the role
# reads ansible_check_mode, which only the command line (or an AWX check job) sets.
set -eux

export ANSIBLE_ROLES_PATH=..
run() {
    ansible-playbook -i "${INVENTORY_PATH}" -e @../../integration_config.yml "$@"
}

run converged.yml "$@"
run check.yml --check "$@"
run apply.yml "$@"

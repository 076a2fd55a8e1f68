#!/usr/bin/env bash
# Release hygiene: what a release must pass before it is published.
#
#   tests/utils/release_check.sh
#
# 1. antsibull-changelog lint (the fragments) and lint-changelog-yaml (changelogs/changelog.yaml); the modules'
#    copies of the normalised bandwidth's RETURN fields match plugins/doc_fragments/bandwidth.py;
# 2. ansible-galaxy collection build into a temporary directory;
# 3. the tarball holds no build or test leftovers, and every module and plugin of the tree;
# 4. install of the tarball into a clean, temporary collections path (offline);
# 5. ansible-doc of every module, plugin and role from that path only: any error or warning fails.
#
# Run it from the collection root with the test venv's tools on PATH (make does both).
set -euo pipefail

ROOT="$(pwd)"
test -f "${ROOT}/galaxy.yml" || { echo "run from the collection root (where galaxy.yml is)" >&2; exit 2; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hwcloud-release-XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

echo "== antsibull-changelog lint"
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

echo "== RETURN docs of the normalised bandwidth"
python tests/utils/sync_return_docs.py --check || fail "a module's RETURN differs from plugins/doc_fragments/bandwidth.py"

echo "== ansible-galaxy collection build"
ansible-galaxy collection build --output-path "${WORK}/dist" "${ROOT}"
TARBALL="$(ls "${WORK}"/dist/hwcloud-bandwidth-*.tar.gz)"
echo "built ${TARBALL##*/}"

echo "== tarball contents"
tar -tzf "${TARBALL}" > "${WORK}/contents.txt"
if grep -E '(^|/)(\.venv|\.cache|\.git|\.sim|__pycache__|tests/output)(/|$)|\.pyc$|integration_config\.yml$' \
    "${WORK}/contents.txt"; then
  fail "the tarball holds build or test leftovers (listed above)"
fi
for path in plugins/modules/*.py plugins/inventory/*.py plugins/filter/*.py plugins/module_utils/*.py \
            plugins/doc_fragments/*.py meta/runtime.yml meta/execution-environment.yml requirements.txt bindep.txt; do
  [ -e "${path}" ] || continue
  grep -qx "${path}" "${WORK}/contents.txt" || fail "the tarball lacks ${path}"
done

echo "== install into a clean collections path"
CLEAN="${WORK}/collections"
# Only the clean path from here on: neither the source tree nor collections installed elsewhere may
# count as installed, or answer ansible-doc.
export ANSIBLE_COLLECTIONS_PATH="${CLEAN}"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
cd "${WORK}"
ansible-galaxy collection install --offline --force -p "${CLEAN}" "${TARBALL}"
INSTALLED="${CLEAN}/ansible_collections/hwcloud/bandwidth"
test -f "${INSTALLED}/MANIFEST.json" || fail "the installed collection has no MANIFEST.json"

echo "== ansible-doc from the installed collection"
documented=0
for type in module inventory filter test lookup callback connection become cache vars strategy; do
  ansible-doc -t "${type}" --list --json hwcloud.bandwidth > "${WORK}/list-${type}.json" 2>"${WORK}/list-${type}.err" \
    || { cat "${WORK}/list-${type}.err" >&2; fail "ansible-doc --list -t ${type}"; continue; }
  names="$(python -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1])))))' "${WORK}/list-${type}.json")"
  for name in ${names}; do
    if ansible-doc -t "${type}" --json "${name}" > "${WORK}/doc.json" 2> "${WORK}/doc.err" \
        && ! grep -qE 'WARNING|ERROR' "${WORK}/doc.err" \
        && python -c 'import json, sys; doc = json.load(open(sys.argv[1])); assert doc and all(v.get("doc") for v in doc.values())' "${WORK}/doc.json"; then
      echo "ok: ${type} ${name}"
      documented=$((documented + 1))
    else
      cat "${WORK}/doc.err" >&2
      fail "ansible-doc -t ${type} ${name}"
    fi
  done
done
# Every module of the tree must have been found in the installed collection.
for source in "${ROOT}"/plugins/modules/*.py; do
  name="hwcloud.bandwidth.$(basename "${source}" .py)"
  grep -q "\"${name}\"" "${WORK}/list-module.json" || fail "module ${name} is missing from the installed collection"
done
for role in "${INSTALLED}"/roles/*/; do
  [ -d "${role}" ] || continue
  name="hwcloud.bandwidth.$(basename "${role}")"
  if ansible-doc -t role "${name}" > /dev/null 2> "${WORK}/role.err" && ! grep -qE 'WARNING|ERROR' "${WORK}/role.err"; then
    echo "ok: role ${name}"
    documented=$((documented + 1))
  else
    cat "${WORK}/role.err" >&2
    fail "ansible-doc -t role ${name}"
  fi
done

if [ "${failures}" -gt 0 ]; then
  echo "release check: ${failures} problem(s)" >&2
  exit 1
fi
echo "release check: passed (${TARBALL##*/}, ${documented} modules, plugins and roles documented)"

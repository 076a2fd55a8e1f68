#!/usr/bin/env bash
# Build the collection's HTML documentation with antsibull-docs, and lint the collection's docs.
#
#   tests/utils/build_docs.sh [DEST_DIR]
#
# Run it from the root of a copy of the collection that sits in
# <collections path>/ansible_collections/hwcloud/bandwidth (as `make collection` makes it), with
# antsibull-docs, Sphinx and the theme of requirements-docs.txt on PATH (`make docs` installs them
# into a venv of their own). The HTML lands in DEST_DIR/build/html (default: build/docs).
#
# Every Sphinx warning fails the build, except one kind when the Ansible documentation cannot be
# reached to resolve cross-references (no network): then the references into the Ansible docs
# stay unresolved and only those warnings are tolerated; any other warning still fails.
set -euo pipefail

ROOT="$(pwd)"
case "${ROOT}" in
  */ansible_collections/hwcloud/bandwidth) ;;
  *) echo "run from <path>/ansible_collections/hwcloud/bandwidth (make collection makes one)" >&2; exit 2 ;;
esac
COLLECTIONS_PATH="$(cd ../../.. && pwd)"
export ANSIBLE_COLLECTIONS_PATH="${COLLECTIONS_PATH}"
DEST="${1:-${ROOT}/build/docs}"
for tool in antsibull-docs sphinx-build ansible ansible-doc; do
  command -v "${tool}" >/dev/null || { echo "${tool} is missing: pip install -r requirements-docs.txt" >&2; exit 2; }
done

echo "== antsibull-docs lint-collection-docs"
antsibull-docs lint-collection-docs --plugin-docs .

echo "== antsibull-docs sphinx-init"
rm -rf "${DEST}"
mkdir -p "${DEST}"
antsibull-docs sphinx-init --use-current --dest-dir "${DEST}" --fail-on-error hwcloud.bandwidth

echo "== antsibull-docs collection (rst)"
mkdir -p "${DEST}/rst"
chmod og-w "${DEST}/rst"
antsibull-docs --config-file "${DEST}/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --fail-on-error --dest-dir "${DEST}/rst" hwcloud.bandwidth

echo "== sphinx-build (html)"
WARNINGS="${DEST}/sphinx-warnings.log"
if ! sphinx-build -M html "${DEST}/rst" "${DEST}/build" -c "${DEST}" -q -w "${WARNINGS}" --keep-going \
    2>"${DEST}/sphinx.log"; then
  tail -n 40 "${DEST}/sphinx.log" >&2
  echo "sphinx-build failed (full output: ${DEST}/sphinx.log)" >&2
  exit 1
fi
if grep -q "failed to reach any of the inventories" "${WARNINGS}"; then
  echo "note: the Ansible documentation was not reachable; references into it stay unresolved" >&2
  unexpected="$(grep "WARNING" "${WARNINGS}" | grep -v -E \
    "failed to reach any of the inventories|undefined label: '(ansible_configuration_settings|common_return_values)'|'envvar' reference target not found: ANSIBLE_" \
    || true)"
else
  unexpected="$(grep "WARNING" "${WARNINGS}" || true)"
fi
if [ -n "${unexpected}" ]; then
  echo "${unexpected}" >&2
  echo "the documentation build has warnings (full list: ${WARNINGS})" >&2
  exit 1
fi
for page in index.html collections/hwcloud/bandwidth/index.html collections/hwcloud/bandwidth/bandwidths_inventory.html \
            collections/hwcloud/bandwidth/docsite/guide_awx.html; do
  test -s "${DEST}/build/html/${page}" || { echo "missing page ${page}" >&2; exit 1; }
done
echo "HTML documentation: ${DEST}/build/html/index.html"

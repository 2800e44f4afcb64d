#!/usr/bin/env bash
# Install the real azcopy and the Python tool venv (both idempotent), then run the emulator
# conformance suite against the real Azure Python SDK and azcopy. Extra args go to pytest.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"

"${SCRIPT_DIR}/install-azcopy.sh" >/dev/null
"${SCRIPT_DIR}/setup-python-env.sh" >/dev/null

cd "${REPO_ROOT}"
exec timeout 900 "${REPO_ROOT}/.venv-tools/bin/python" -m pytest -q -p no:cacheprovider Tests/Conformance "$@"

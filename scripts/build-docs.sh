#!/usr/bin/env bash
# Builds the DocC catalog with the toolchain's own docc; any warning (a broken symbol link, an undocumented
# parameter) fails. Output: .build/docs/AzFuse.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."

symbol_graphs=.build/symbol-graphs
rm -rf "$symbol_graphs" .build/docs
mkdir -p "$symbol_graphs" .build/docs
swift build --target AzFuse -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$symbol_graphs"
docc convert Sources/AzFuse/Documentation.docc \
    --additional-symbol-graph-dir "$symbol_graphs" \
    --fallback-display-name AzFuse \
    --fallback-bundle-identifier org.azfuse.AzFuse \
    --output-path .build/docs/AzFuse.doccarchive \
    --warnings-as-errors
echo "documentation built: .build/docs/AzFuse.doccarchive"

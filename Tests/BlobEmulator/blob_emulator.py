#!/usr/bin/env python3
"""Azurite-compatible Azure Blob Storage emulator (Python 3.11 standard library only).

Start:
    python3 blob_emulator.py --port 0 --data-dir DIR [--account NAME:BASE64KEY ...]
                             [--log-file FILE] [--host 127.0.0.1] [--verbose]

When listening it prints exactly one line ``{"port": N}`` to stdout.
In-process use::

    from blob_emulator import BlobEmulator
    with BlobEmulator(data_dir) as emu:
        print(emu.blob_endpoint("devstoreaccount1"))

This file is the entry point (command line) and the import surface; the implementation is the
``emulator`` package next to it (module map in README.md). Every name this module defined before the
split is still importable from here. See README.md for the supported operations, auth rules, the
control API and the limits.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Dict, List, Optional

# The package lives next to this file. Running the script puts this directory on sys.path; an importer
# normally does too, but make sure (for example when loaded from a file path with importlib).
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in (os.path.abspath(p or os.curdir) for p in sys.path):
    sys.path.insert(0, _HERE)

from emulator.auth import (ANON_BLOB_READ, ANON_CONTAINER_READ, CREATE_OPS, OP_PERMS,  # noqa: E402,F401
                           AuthContext, AuthMixin, _sdk_like_header_key, account_sas_string_to_sign, hmac_b64,
                           ip_allowed, service_sas_string_to_sign, shared_key_candidates)
from emulator.body import BodyReader, BodyReceiveMixin  # noqa: E402,F401
from emulator.common import (_ACCOUNT_RE, _CONTAINER_RE, _GUID_RE, _HOST_ACCOUNT_RE,  # noqa: E402,F401
                             _METADATA_NAME_RE, _RANGE_RE, _TICKS_AT_EPOCH, _TIERS, CHUNK, CLOCK_SKEW_SECONDS,
                             DEFAULT_VERSION, DEV_ACCOUNT, DEV_KEY, ERROR_DRAIN_LIMIT, MAX_BLOCK_SIZE,
                             MAX_BLOCKS_IN_LIST, MAX_LIST_RESULTS, MAX_PUT_BLOB_SIZE, MAX_SMALL_BODY,
                             REQUEST_LOG_LIMIT, SERVER_HEADER, _now, b64_md5, iso_utc, parse_http_date,
                             parse_iso8601, rfc1123, xml_text)
from emulator.errors import (ApiError, ClientGone, err_auth, err_bad_header, err_bad_query,  # noqa: E402,F401
                             err_blob_not_found, err_condition, err_container_not_found, err_permission)
from emulator.faults import FaultRule, Faults  # noqa: E402,F401
from emulator.handler import BaseHandler  # noqa: E402,F401
from emulator.ops_blob_write import copy_range  # noqa: E402,F401
from emulator.request_helpers import (check_conditions, collect_metadata, lease_check_read,  # noqa: E402,F401
                                      lease_check_write, parse_query)
from emulator.request_log import REDACT_QUERY, RequestLog  # noqa: E402,F401
from emulator.server import BlobEmulator, EmulatorHTTPServer, Handler  # noqa: E402,F401
from emulator.store import BlobRecord, Container, Store, name_key  # noqa: E402,F401


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Azurite-compatible Azure Blob emulator (stdlib only).")
    ap.add_argument("--port", type=int, default=10000, help="TCP port (0 picks a free one)")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    ap.add_argument("--data-dir", required=True, help="directory holding blob data and sidecars")
    ap.add_argument("--account", action="append", default=[], metavar="NAME:BASE64KEY",
                    help="extra account (repeatable); devstoreaccount1 is always present")
    ap.add_argument("--log-file", help="append the JSON request log to this file")
    ap.add_argument("--verbose", action="store_true", help="print internal errors to stderr")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="stop when the process that started the emulator exits (for emulators shared by a test run)")
    args = ap.parse_args(argv)
    accounts: Dict[str, str] = {}
    for spec in args.account:
        name, sep, key = spec.partition(":")
        if not sep:
            ap.error("--account expects NAME:BASE64KEY")
        accounts[name] = key
    try:
        emu = BlobEmulator(args.data_dir, host=args.host, port=args.port, accounts=accounts,
                           log_file=args.log_file, verbose=args.verbose)
    except (ValueError, OSError) as e:
        print("blob_emulator: %s" % e, file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emu.start()
    sys.stdout.write(json.dumps({"port": emu.port}) + "\n")
    sys.stdout.flush()
    parent = os.getppid()
    while not stop.wait(0.5):
        if args.exit_with_parent and os.getppid() != parent:
            break
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The threaded HTTP server, the concrete request handler and the embeddable `BlobEmulator`.

Contract: `BlobEmulator(data_dir, host, port, accounts, log_file, verbose)` binds to loopback only (raises
`ValueError` otherwise), always has `devstoreaccount1`, serves on a background thread between `start()`
and `stop()` (also a context manager), and exposes `port`, `blob_endpoint()`, `connection_string()`,
`add_account()`, plus the shared `store`, `faults`, `request_log`, `keys` and `max_list_results` that the
handler uses. `Handler` is `BaseHandler` plus one mixin per operation group.
"""

from __future__ import annotations

import base64
import binascii
import http.server
import socket
import sys
import threading
from typing import Any, Dict, Optional

from .auth import AuthMixin
from .blob_common import BlobCommonMixin
from .body import BodyReceiveMixin
from .common import _ACCOUNT_RE, DEV_ACCOUNT, DEV_KEY, MAX_LIST_RESULTS
from .control import ControlMixin
from .errors import ClientGone
from .faults import Faults
from .handler import BaseHandler
from .ops_blob_props import BlobPropertyOps
from .ops_blob_read import BlobReadOps
from .ops_blob_write import BlobWriteOps
from .ops_container import ContainerOps
from .ops_lease import LeaseOps
from .ops_list import ListOps
from .request_log import RequestLog
from .store import Store


class Handler(ControlMixin, AuthMixin, ContainerOps, ListOps, BlobReadOps, BlobWriteOps, BlobPropertyOps,
              LeaseOps, BlobCommonMixin, BodyReceiveMixin, BaseHandler):
    """The emulator's request handler: the base handler plus every operation group."""


class EmulatorHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, emulator: "BlobEmulator"):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self._conns_lock = threading.Lock()
        self._conns: set = set()
        super().__init__(addr, handler)

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError, ClientGone)):
            return
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class BlobEmulator:
    """Embeddable emulator: ``start()`` serves on a background thread, ``stop()`` shuts it down."""

    def __init__(self, data_dir: str, host: str = "127.0.0.1", port: int = 0,
                 accounts: Optional[Dict[str, str]] = None, log_file: Optional[str] = None,
                 verbose: bool = False):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator binds to loopback only")
        self.keys: Dict[str, bytes] = {}
        self.store = Store(data_dir)
        self.faults = Faults()
        self.max_list_results = MAX_LIST_RESULTS
        self.request_log = RequestLog(log_file)
        self.verbose = verbose
        self.add_account(DEV_ACCOUNT, DEV_KEY)
        for name, key in (accounts or {}).items():
            self.add_account(name, key)
        self.httpd = EmulatorHTTPServer(("127.0.0.1" if host == "localhost" else host, port), Handler, self)
        self._thread: Optional[threading.Thread] = None

    def add_account(self, name: Any, key: Any) -> None:
        if not isinstance(name, str) or not _ACCOUNT_RE.match(name):
            raise ValueError("account name must be 3-24 lowercase letters or digits")
        if not isinstance(key, str):
            raise ValueError("key must be a base64 string")
        try:
            raw = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("key must be valid base64")
        if not raw:
            raise ValueError("key must not be empty")
        self.keys[name] = raw
        self.store.add_account(name)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    def blob_endpoint(self, account: str = DEV_ACCOUNT) -> str:
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d/%s" % (host, self.port, account)

    def connection_string(self, account: str = DEV_ACCOUNT) -> str:
        key = base64.b64encode(self.keys[account]).decode()
        return ("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;"
                % (account, key, self.blob_endpoint(account)))

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.25)

    def start(self) -> "BlobEmulator":
        self._thread = threading.Thread(target=self.serve_forever, name="blob-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()
        self.httpd.close_all_connections()
        self.request_log.close()

    def __enter__(self) -> "BlobEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

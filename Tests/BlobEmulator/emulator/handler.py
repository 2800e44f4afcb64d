"""The base HTTP handler: request entry, parsing, routing and dispatch, responses and the request log.

Contract: `BaseHandler` turns every request into exactly one of: an Azure-shaped response, an Azure-shaped
XML error (any `ApiError`; 500 `InternalError` for an unexpected exception, never a crash), or a dropped
connection (client gone, injected drop/truncate). It parses the target (path or host style), decodes
the query, picks the operation name (`_operation`), applies fault rules, checks names, authenticates
(`self._authenticate`, from `AuthMixin`) and calls `self.op_<Operation>(auth, account, container, blob, q)`.
`/__emulator/...` goes to `self._control` (from `ControlMixin`) and is not logged. Operations answer with
`_send_bytes`, `_send_xml`, `_send_json`, `_send_file` or `_start`. The concrete class combining this base
with the operation mixins is `server.Handler`.
"""

from __future__ import annotations

import http.server
import json
import socket
import struct
import time
import uuid
from typing import TYPE_CHECKING, Any, Dict, Optional
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from .body import BodyReader
from .common import (CHUNK, DEFAULT_VERSION, ERROR_DRAIN_LIMIT, SERVER_HEADER, _CONTAINER_RE, _HOST_ACCOUNT_RE,
                     _now, iso_utc, xml_text)
from .errors import ApiError, ClientGone, err_bad_header, err_bad_query
from .request_helpers import parse_query
from .request_log import REDACT_QUERY

if TYPE_CHECKING:
    from .server import EmulatorHTTPServer


class BaseHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "EmulatorHTTPServer"
    timeout = 300  # idle keep-alive connections are dropped after this many seconds

    # ---------- plumbing ----------
    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK add about 40 ms to every small response (as Azure's own front ends do not).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return SERVER_HEADER

    def log_message(self, fmt, *args) -> None:  # silence the default stderr access log
        pass

    def send_error(self, code, message=None, explain=None):  # malformed request line/headers
        self.close_connection = True
        if not str(getattr(self, "request_version", "")).startswith("HTTP/1"):
            self.request_version = "HTTP/1.1"  # always answer with a status line, even to garbage
        codes = {400: "InvalidUri", 414: "InvalidUri", 431: "InvalidHeaderValue", 501: "UnsupportedHttpVerb",
                 505: "UnsupportedHttpVersion"}
        body = self._error_xml(codes.get(code, "InvalidInput"), message or "Bad request", str(uuid.uuid4()), {})
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    def do_GET(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_OPTIONS(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_MERGE(self):
        self._handle()

    # ---------- request entry ----------
    def _handle(self) -> None:
        self.t0 = time.monotonic()
        self.request_id = str(uuid.uuid4())
        self.resp_bytes = 0
        self.resp_status = 0
        self.resp_error_code: Optional[str] = None
        self.log_ctx: Dict[str, Any] = {"account": None, "container": None, "blob": None, "query": {},
                                        "auth": "anonymous", "operation": None}
        self.body: Optional[BodyReader] = None
        self.truncate_after: Optional[int] = None
        self.resp_version = DEFAULT_VERSION
        emu = self.server.emulator
        control = self.path.startswith("/__emulator")
        # The container as the path names it (path-style URLs), so a test sharing the emulator can wait for its own
        # requests only (GET /__emulator/requests?container=).
        segments = self.path.split("?", 1)[0].split("/")
        in_flight_key = unquote(segments[2]) if not control and len(segments) > 2 and segments[2] else None
        if not control:
            emu.request_log.begin(in_flight_key)
        try:
            try:
                length = self._content_length()
                self.body = BodyReader(self.rfile, length)
                target = self.path
                if target.startswith("http://") or target.startswith("https://"):
                    parts = urlsplit(target)
                    host = parts.netloc
                    raw_path = parts.path or "/"
                    raw_query = parts.query
                else:
                    host = self.headers.get("Host", "")
                    raw_path, _, raw_query = target.partition("?")
                    raw_path = raw_path.split("#", 1)[0] or "/"
                if control:
                    self._control(raw_path, raw_query)
                    return
                self._route(host, raw_path, raw_query)
            except ApiError as e:
                self._send_error(e)
        except ClientGone:
            self.close_connection = True
        except (ConnectionError, BrokenPipeError, socket.timeout, TimeoutError):
            self.close_connection = True
        except Exception as e:  # never crash: report an Azure-shaped 500
            self.close_connection = True
            if emu.verbose:
                import traceback
                traceback.print_exc()
            try:
                if not self.resp_status:
                    self._send_error(ApiError(500, "InternalError",
                                              "Server encountered an internal error. Please try again after some "
                                              "time. (%s)" % type(e).__name__))
            except OSError:
                pass
        finally:
            if self.body is not None and self.body.remaining > 0:
                # Unread request body: drain a little, otherwise drop the connection.
                if self.body.remaining <= 1024 * 1024 and not self.close_connection:
                    try:
                        self.body.read_all(1024 * 1024)
                    except Exception:
                        self.close_connection = True
                else:
                    self.close_connection = True
            if not control:
                try:
                    self._log()
                finally:
                    emu.request_log.end(in_flight_key)

    def _content_length(self) -> int:
        te = self.headers.get("Transfer-Encoding")
        if te and te.strip().lower() != "identity":
            self.close_connection = True
            raise ApiError(411, "MissingContentLengthHeader", "Content-Length header must be specified "
                           "(chunked transfer encoding is not supported).")
        cl = self.headers.get("Content-Length")
        if cl is None or cl.strip() == "":
            return 0
        try:
            n = int(cl.strip())
            if n < 0:
                raise ValueError
            return n
        except ValueError:
            self.close_connection = True
            raise err_bad_header("Content-Length", cl)

    def _log(self) -> None:
        emu = self.server.emulator
        q = {}
        for k, v in self.log_ctx.get("query", {}).items():
            q[k] = "REDACTED" if k.lower() in REDACT_QUERY else v
        entry = {
            "time": iso_utc(_now()),
            "requestId": self.request_id,
            "method": getattr(self, "command", None),
            "operation": self.log_ctx.get("operation"),
            "account": self.log_ctx.get("account"),
            "container": self.log_ctx.get("container"),
            "blob": self.log_ctx.get("blob"),
            "query": q,
            "status": self.resp_status,
            "errorCode": self.resp_error_code,
            "bytes": (self.body.read_bytes if self.body else 0) + self.resp_bytes,
            "bytesIn": self.body.read_bytes if self.body else 0,
            "bytesOut": self.resp_bytes,
            "auth": self.log_ctx.get("auth"),
            "durationMs": round((time.monotonic() - self.t0) * 1000, 3),
        }
        if self.log_ctx.get("fault"):
            entry["fault"] = self.log_ctx["fault"]
        if self.headers.get("x-ms-range") or self.headers.get("Range"):
            entry["range"] = self.headers.get("x-ms-range") or self.headers.get("Range")
        emu.request_log.add(entry)

    # ---------- responses ----------
    def _error_xml(self, code: str, message: str, request_id: str, detail: Dict[str, str]) -> bytes:
        msg = "%s\nRequestId:%s\nTime:%s" % (message, request_id, iso_utc(_now()))
        extra = "".join("<%s>%s</%s>" % (k, xml_text(v), k) for k, v in detail.items())
        return ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s</Message>%s</Error>'
                % (xml_text(code), xml_text(msg), extra)).encode("utf-8")

    def _common_headers(self) -> Dict[str, str]:
        h = {"x-ms-request-id": self.request_id, "x-ms-version": self.resp_version}
        cid = self.headers.get("x-ms-client-request-id")
        if cid:
            h["x-ms-client-request-id"] = cid
        return h

    def _start(self, status: int, headers: Dict[str, str], content_length: int) -> None:
        self.resp_status = status
        self.send_response(status)
        for k, v in self._common_headers().items():
            self.send_header(k, v)
        for k, v in headers.items():
            if v is None:
                continue
            self.send_header(k, str(v))
        if status != 304 and status >= 200 and status != 204:
            self.send_header("Content-Length", str(content_length))
        if self.close_connection or (self.body is not None and self.body.remaining > 1024 * 1024):
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()

    def _send_bytes(self, status: int, headers: Dict[str, str], body: bytes = b"") -> None:
        self._start(status, headers, len(body))
        if self.command != "HEAD" and body and status not in (204, 304):
            self._write_body(memoryview(body))

    def _write_body(self, mv: memoryview) -> None:
        if self.truncate_after is not None:
            allowed = max(0, self.truncate_after - self.resp_bytes)
            if len(mv) > allowed:
                if allowed:
                    self.wfile.write(mv[:allowed])
                    self.resp_bytes += allowed
                self._abort_connection()
                return
        self.wfile.write(mv)
        self.resp_bytes += len(mv)

    def _abort_connection(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise ClientGone()

    def _send_file(self, status: int, headers: Dict[str, str], fh, offset: int, count: int) -> None:
        self._start(status, headers, count)
        if self.command == "HEAD" or count == 0:
            return
        to_send = count
        truncated = False
        if self.truncate_after is not None and self.truncate_after < count:
            to_send = self.truncate_after
            truncated = True
        sent_total = 0
        try:
            while sent_total < to_send:
                n = self.connection.sendfile(fh, offset + sent_total, to_send - sent_total)
                if n == 0:
                    break
                sent_total += n
        finally:
            self.resp_bytes += sent_total
        if truncated or sent_total < count:
            self._abort_connection()

    def _send_error(self, e: ApiError) -> None:
        self.resp_error_code = e.code
        if self.resp_status:
            # Headers were already sent; the only honest thing left is to drop the connection.
            self.close_connection = True
            return
        if self.body is not None and 0 < self.body.remaining <= ERROR_DRAIN_LIMIT and not self.close_connection:
            # Swallow the rest of the upload first so the client reads our error instead of a reset.
            try:
                scratch = memoryview(bytearray(min(CHUNK, self.body.remaining)))
                while self.body.remaining > 0:
                    self.body.readinto(scratch[: min(len(scratch), self.body.remaining)])
            except (ClientGone, OSError):
                self.close_connection = True
                return
        body = self._error_xml(e.code, e.message, self.request_id, e.detail)
        headers = {"x-ms-error-code": e.code, "Content-Type": "application/xml"}
        headers.update(e.headers)
        if e.status in (304,):
            body = b""
            headers.pop("Content-Type")
        self._send_bytes(e.status, headers, body)

    def _send_xml(self, status: int, xml: str, headers: Optional[Dict[str, str]] = None) -> None:
        h = {"Content-Type": "application/xml"}
        if headers:
            h.update(headers)
        self._send_bytes(status, h, xml.encode("utf-8"))

    def _send_json(self, status: int, obj: Any) -> None:
        self._send_bytes(status, {"Content-Type": "application/json"}, json.dumps(obj).encode("utf-8"))

    # ---------- routing ----------
    def _route(self, host: str, raw_path: str, raw_query: str) -> None:
        emu = self.server.emulator
        method = self.command
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host
        m = _HOST_ACCOUNT_RE.match(hostname)
        try:
            path = unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
        if m:
            account = m.group(1).lower()
            host_style = True
            rest = path[1:] if path.startswith("/") else path
        else:
            host_style = False
            trimmed = path[1:] if path.startswith("/") else path
            account, _, rest = trimmed.partition("/")
        container, _, blob = rest.partition("/")
        container = container or None
        blob = blob if blob != "" else None
        pairs = parse_query(raw_query)
        query: Dict[str, str] = {}
        for name, value, _ in pairs:
            lname = name.lower()
            if lname in query:
                query[lname] = query[lname] + "," + value
            else:
                query[lname] = value
        self.log_ctx.update({"account": account or None, "container": container, "blob": blob,
                             "query": {n: v for n, v, _ in pairs}})
        xv = self.headers.get("x-ms-version")
        if xv:
            self.resp_version = xv
        elif query.get("sv"):
            self.resp_version = query["sv"]

        if method not in ("GET", "HEAD", "PUT", "DELETE"):
            raise ApiError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")
        operation = self._operation(method, container, blob, query)
        self.log_ctx["operation"] = operation

        # Fault injection happens before everything else, as a flaky front end would.
        rules = emu.faults.take(method, account, container, blob, operation)
        for rule in rules:
            if rule.latency_ms:
                emu.faults.hold(container, +1)
                try:
                    time.sleep(rule.latency_ms / 1000.0)
                finally:
                    emu.faults.hold(container, -1)
        for rule in rules:
            if rule.drop_after is not None:
                # A dropped connection: read part of the request body, then reset the socket with no response.
                self.log_ctx["fault"] = {"id": rule.id, "dropAfterRequestBytes": rule.drop_after}
                scratch = memoryview(bytearray(CHUNK))
                wanted = min(rule.drop_after, self.body.remaining)
                while wanted > 0:
                    wanted -= self.body.readinto(scratch[: min(len(scratch), wanted)])
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._abort_connection()
            if rule.status is not None:
                self.log_ctx["fault"] = {"id": rule.id, "status": rule.status}
                code = rule.error_code or {500: "InternalError", 503: "ServerBusy", 408: "OperationTimedOut",
                                           429: "ServerBusy", 404: "BlobNotFound",
                                           412: "ConditionNotMet"}.get(rule.status, "InjectedFault")
                headers = {"Retry-After": rule.retry_after, "x-ms-retry-after-ms": rule.retry_after_ms}
                raise ApiError(rule.status, code, "Injected fault (emulator rule %d)." % rule.id,
                               headers={k: str(v) for k, v in headers.items() if v is not None})
            if rule.truncate is not None:
                self.log_ctx["fault"] = {"id": rule.id, "truncateAfterBytes": rule.truncate}
                self.truncate_after = rule.truncate

        if not account or account not in emu.keys:
            raise ApiError(404, "ResourceNotFound", "The specified account does not exist.")
        if container is not None and not _CONTAINER_RE.match(container):
            raise ApiError(400, "InvalidResourceName", "The specifed resource name contains invalid characters.")
        if blob is not None:
            if len(blob) > 1024 or any(ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF for ch in blob):
                raise ApiError(400, "InvalidResourceName", "The specifed resource name contains invalid "
                               "characters.")

        # Canonicalized resource paths for Shared Key.
        if host_style:
            resource_paths = ["/" + account + raw_path]
        else:
            resource_paths = ["/" + account + raw_path]
            single = raw_path  # already /account/...
            if single not in resource_paths:
                resource_paths.append(single)
        auth = self._authenticate(account, container, blob, operation, query, pairs, resource_paths)
        self.log_ctx["auth"] = auth.kind
        handler = getattr(self, "op_" + operation)
        handler(auth, account, container, blob, query)

    def _operation(self, method: str, container: Optional[str], blob: Optional[str], q: Dict[str, str]) -> str:
        comp = q.get("comp")
        restype = q.get("restype")
        if container is None:
            if method == "GET" and comp == "list":
                return "ListContainers"
            if method in ("GET", "HEAD") and restype == "account" and comp == "properties":
                return "GetAccountInfo"
            if method == "GET" and restype == "service" and comp == "properties":
                return "GetServiceProperties"
            raise ApiError(400, "InvalidQueryParameterValue" if comp or restype else "InvalidUri",
                           "The requested URI does not represent any resource on the server.")
        if blob is None:
            if restype == "account" and comp == "properties" and method in ("GET", "HEAD"):
                return "GetAccountInfo"
            if restype != "container":
                raise err_bad_query("restype", restype or "",
                                    "The requested URI does not represent any resource on the server.")
            if comp is None:
                return {"PUT": "CreateContainer", "GET": "GetContainerProperties",
                        "HEAD": "GetContainerProperties", "DELETE": "DeleteContainer"}[method]
            if comp == "list" and method == "GET":
                return "ListBlobs"
            if comp == "metadata" and method == "PUT":
                return "SetContainerMetadata"
            if comp == "metadata" and method in ("GET", "HEAD"):
                return "GetContainerMetadata"
            if comp in ("acl", "lease", "batch", "blobs", "undelete", "rename"):
                raise ApiError(501, "NotImplemented", "The emulator does not implement comp=%s." % comp)
            raise err_bad_query("comp", comp)
        if comp is None:
            if method == "PUT":
                if self.headers.get("x-ms-copy-source"):
                    raise ApiError(501, "NotImplemented", "The emulator does not implement Copy Blob.")
                return "PutBlob"
            return {"GET": "GetBlob", "HEAD": "GetBlobProperties", "DELETE": "DeleteBlob"}[method]
        table = {("PUT", "block"): "PutBlock", ("PUT", "blocklist"): "PutBlockList",
                 ("GET", "blocklist"): "GetBlockList", ("PUT", "metadata"): "SetBlobMetadata",
                 ("GET", "metadata"): "GetBlobMetadata", ("HEAD", "metadata"): "GetBlobMetadata",
                 ("PUT", "properties"): "SetBlobProperties", ("PUT", "tier"): "SetBlobTier",
                 ("PUT", "lease"): "LeaseBlob"}
        op = table.get((method, comp))
        if op is None:
            if comp in ("snapshot", "copy", "tags", "appendblock", "page", "pagelist", "expiry",
                        "immutabilityPolicies", "legalhold", "undelete", "query"):
                raise ApiError(501, "NotImplemented", "The emulator does not implement comp=%s." % comp)
            raise err_bad_query("comp", comp)
        if op == "PutBlock" and self.headers.get("x-ms-copy-source"):
            raise ApiError(501, "NotImplemented", "The emulator does not implement Put Block From URL.")
        return op

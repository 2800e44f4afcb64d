"""The control API under `/__emulator/` (faults, delayed, requests, accounts, settings, health).

Contract: `ControlMixin._control` (a handler mixin) answers one control request with JSON (or 204), 400
`InvalidInput` for a bad body, 404 for an unknown endpoint and 405 for a wrong method. Control requests
need no authorization and are not written to the request log.
"""

from __future__ import annotations

import json
from urllib.parse import unquote
from typing import Any

from .common import DEFAULT_VERSION, MAX_LIST_RESULTS, MAX_SMALL_BODY
from .errors import ApiError


class ControlMixin:
    """Handler mixin: the `/__emulator/...` endpoints (uses `server.emulator`)."""

    def _control(self, raw_path: str, raw_query: str) -> None:
        emu = self.server.emulator
        path = raw_path.rstrip("/")
        method = self.command
        # `?container=NAME` scopes faults, delayed and requests to one container, for tests sharing an emulator.
        scope = next((unquote(v) for k, _, v in (p.partition("=") for p in raw_query.split("&")) if k == "container"),
                     None)
        self.resp_version = DEFAULT_VERSION

        def json_body() -> Any:
            data = self.body.read_all(MAX_SMALL_BODY) if self.body else b""
            try:
                return json.loads(data.decode("utf-8") or "null")
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "InvalidInput", "Body is not valid JSON.")

        if path == "/__emulator/faults":
            if method == "POST":
                spec = json_body()
                specs = spec if isinstance(spec, list) else [spec]
                out = []
                for s in specs:
                    if not isinstance(s, dict):
                        raise ApiError(400, "InvalidInput", "A fault must be a JSON object.")
                    try:
                        out.append(emu.faults.add(s).to_json())
                    except (ValueError, TypeError) as ex:
                        raise ApiError(400, "InvalidInput", "Invalid fault: %s" % ex)
                self._send_json(201, out if isinstance(spec, list) else out[0])
                return
            if method == "DELETE":
                emu.faults.clear(scope)
                self._send_bytes(204, {})
                return
            if method == "GET":
                with emu.faults.lock:
                    rules = [r.to_json() for r in emu.faults.rules if scope is None or r.container == scope]
                self._send_json(200, rules)
                return
        elif path == "/__emulator/delayed":
            if method == "GET":
                self._send_json(200, {"count": emu.faults.delayed(scope)})
                return
        elif path == "/__emulator/requests":
            if method == "GET":
                emu.request_log.wait_idle(2.0, scope)
                self._send_bytes(200, {"Content-Type": "application/x-ndjson"},
                                 emu.request_log.dump(scope).encode("utf-8"))
                return
            if method == "DELETE":
                emu.request_log.wait_idle(2.0, scope)
                emu.request_log.clear(scope)
                self._send_bytes(204, {})
                return
        elif path == "/__emulator/accounts":
            if method == "POST":
                spec = json_body()
                if not isinstance(spec, dict):
                    raise ApiError(400, "InvalidInput", "Expected {\"name\": ..., \"key\": ...}.")
                try:
                    emu.add_account(spec.get("name"), spec.get("key"))
                except ValueError as ex:
                    raise ApiError(400, "InvalidInput", str(ex))
                self._send_json(201, {"name": spec.get("name")})
                return
            if method == "GET":
                self._send_json(200, sorted(emu.keys))
                return
        elif path == "/__emulator/settings":
            # Azure may return fewer entries than maxresults with a NextMarker; a small cap makes tests see paging.
            if method == "POST":
                spec = json_body()
                cap = spec.get("maxListResults") if isinstance(spec, dict) else None
                if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= MAX_LIST_RESULTS:
                    raise ApiError(400, "InvalidInput", "Expected {\"maxListResults\": 1..%d}." % MAX_LIST_RESULTS)
                emu.max_list_results = cap
                self._send_json(200, {"maxListResults": cap})
                return
        elif path == "/__emulator/health":
            if method in ("GET", "HEAD"):
                self._send_json(200, {"ok": True})
                return
        else:
            raise ApiError(404, "ResourceNotFound", "Unknown emulator control endpoint.")
        raise ApiError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")

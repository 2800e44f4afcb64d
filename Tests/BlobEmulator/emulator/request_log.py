"""The request log (`GET /__emulator/requests`, `--log-file`).

Contract: `RequestLog.add` appends one JSON line (in memory, capped at `REQUEST_LOG_LIMIT` lines, and to the
log file when one is set); `begin`/`end` count requests in flight so `wait_idle` can wait, bounded, for
responses a client already read but the server has not logged yet. Query values named in `REDACT_QUERY`
are logged as "REDACTED" by the handler.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Optional

from .common import REQUEST_LOG_LIMIT


class RequestLog:
    def __init__(self, log_file: Optional[str]):
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.in_flight = 0  # requests started but not yet logged
        self.entries: List[str] = []
        self.log_file = log_file
        self._fh = open(log_file, "a", encoding="utf-8") if log_file else None

    def begin(self) -> None:
        with self.lock:
            self.in_flight += 1

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        """A client may read its response before the server thread logged it; wait (bounded) for that."""
        with self.lock:
            self.idle.wait_for(lambda: self.in_flight == 0, timeout=timeout)

    def add(self, entry: Dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock:
            self.entries.append(line)
            if len(self.entries) > REQUEST_LOG_LIMIT:
                del self.entries[: len(self.entries) - REQUEST_LOG_LIMIT]
            if self._fh:
                self._fh.write(line + "\n")
                self._fh.flush()

    def dump(self) -> str:
        with self.lock:
            return "".join(line + "\n" for line in self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def close(self) -> None:
        with self.lock:
            if self._fh:
                self._fh.close()
                self._fh = None


REDACT_QUERY = {"sig"}

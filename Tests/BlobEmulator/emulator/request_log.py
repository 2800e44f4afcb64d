"""The request log (`GET /__emulator/requests`, `--log-file`).

Contract: `RequestLog.add` appends one JSON line (in memory, capped at `REQUEST_LOG_LIMIT` lines, and to the
log file when one is set); `begin`/`end` count requests in flight so `wait_idle` can wait, bounded, for
responses a client already read but the server has not logged yet. Query values named in `REDACT_QUERY`
are logged as "REDACTED" by the handler.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Optional, Tuple

from .common import REQUEST_LOG_LIMIT


class RequestLog:
    def __init__(self, log_file: Optional[str]):
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.in_flight: Dict[Optional[str], int] = {}  # requests started but not yet logged, per container
        self.entries: List[Tuple[Optional[str], str]] = []  # (container, JSON line)
        self.log_file = log_file
        self._fh = open(log_file, "a", encoding="utf-8") if log_file else None

    def begin(self, container: Optional[str] = None) -> None:
        with self.lock:
            self.in_flight[container] = self.in_flight.get(container, 0) + 1

    def end(self, container: Optional[str] = None) -> None:
        with self.lock:
            self.in_flight[container] -= 1
            if self.in_flight[container] == 0:
                del self.in_flight[container]
                self.idle.notify_all()

    def wait_idle(self, timeout: float, container: Optional[str] = None) -> None:
        """A client may read its response before the server thread logged it; wait (bounded) for that, for every
        request or only for those of `container`."""
        with self.lock:
            self.idle.wait_for(lambda: not self.in_flight if container is None else container not in self.in_flight,
                               timeout=timeout)

    def add(self, entry: Dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock:
            self.entries.append((entry.get("container"), line))
            if len(self.entries) > REQUEST_LOG_LIMIT:
                del self.entries[: len(self.entries) - REQUEST_LOG_LIMIT]
            if self._fh:
                self._fh.write(line + "\n")
                self._fh.flush()

    def dump(self, container: Optional[str] = None) -> str:
        """Every logged request, or only those for `container`, one JSON line each."""
        with self.lock:
            return "".join(line + "\n" for c, line in self.entries if container is None or c == container)

    def clear(self, container: Optional[str] = None) -> None:
        """Forgets every logged request, or only those for `container`."""
        with self.lock:
            if container is None:
                self.entries.clear()
            else:
                self.entries = [e for e in self.entries if e[0] != container]

    def close(self) -> None:
        with self.lock:
            if self._fh:
                self._fh.close()
                self._fh = None


REDACT_QUERY = {"sig"}

"""Fault injection rules (`POST /__emulator/faults`).

Contract: `Faults.add` validates a rule spec (raises `ValueError`/`TypeError` on a bad one); `Faults.take`
consumes one use of every rule matching a request (at most one failing rule: status, truncate or drop;
any number of latency rules) and returns them in order. The handler applies them before authentication.
`Faults.delaying` counts requests sleeping in a latency rule (guarded by `Faults.lock`).
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional


class FaultRule:
    def __init__(self, spec: Dict[str, Any], rule_id: int):
        self.id = rule_id
        self.method = spec.get("method")
        self.account = spec.get("account")
        self.container = spec.get("container")
        self.blob = spec.get("blob")
        self.blob_prefix = spec.get("blobPrefix")
        self.operation = spec.get("operation")
        self.status = spec.get("status")
        self.error_code = spec.get("errorCode")
        self.truncate = spec.get("truncateAfterBytes")
        self.latency_ms = spec.get("latencyMs")
        self.retry_after = spec.get("retryAfter")  # Retry-After header value sent with `status`
        self.retry_after_ms = spec.get("retryAfterMs")  # x-ms-retry-after-ms header value sent with `status`
        self.drop_after = spec.get("dropAfterRequestBytes")  # read this much request body, then drop the socket
        count = spec.get("count", 1)
        self.remaining = -1 if count is None or count == -1 else int(count)
        if self.status is not None:
            self.status = int(self.status)
            if not 100 <= self.status <= 599:
                raise ValueError("status must be an HTTP status code")
        if self.truncate is not None:
            self.truncate = int(self.truncate)
            if self.truncate < 0:
                raise ValueError("truncateAfterBytes must be >= 0")
        if self.latency_ms is not None:
            self.latency_ms = float(self.latency_ms)
            if not 0 <= self.latency_ms <= 600000:
                raise ValueError("latencyMs must be within 0..600000")
        if self.drop_after is not None:
            self.drop_after = int(self.drop_after)
            if self.drop_after < 0:
                raise ValueError("dropAfterRequestBytes must be >= 0")
        if self.status is None and self.truncate is None and self.latency_ms is None and self.drop_after is None:
            raise ValueError("a fault needs status, truncateAfterBytes, dropAfterRequestBytes or latencyMs")
        if self.remaining == 0 or self.remaining < -1:
            raise ValueError("count must be >= 1, -1 or null (unlimited)")

    def matches(self, method: str, account, container, blob, operation) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self.account and self.account != account:
            return False
        if self.container and self.container != container:
            return False
        if self.blob is not None and self.blob != blob:
            return False
        if self.blob_prefix is not None and (blob is None or not blob.startswith(self.blob_prefix)):
            return False
        if self.operation and self.operation != operation:
            return False
        return True

    def to_json(self) -> Dict[str, Any]:
        return {"id": self.id, "method": self.method, "account": self.account, "container": self.container,
                "blob": self.blob, "blobPrefix": self.blob_prefix, "operation": self.operation,
                "status": self.status, "errorCode": self.error_code, "truncateAfterBytes": self.truncate,
                "latencyMs": self.latency_ms, "retryAfter": self.retry_after, "retryAfterMs": self.retry_after_ms,
                "dropAfterRequestBytes": self.drop_after, "remaining": self.remaining}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules: List[FaultRule] = []
        self.next_id = 1
        self.delaying = 0  # requests sleeping in a latency rule now (GET /__emulator/delayed)
        self.delaying_by_container: Dict[Optional[str], int] = {}  # the same, per container (?container=)

    def add(self, spec: Dict[str, Any]) -> FaultRule:
        with self.lock:
            rule = FaultRule(spec, self.next_id)
            self.next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self, container: Optional[str] = None) -> None:
        """Removes every rule, or only the rules scoped to `container`."""
        with self.lock:
            if container is None:
                self.rules.clear()
            else:
                self.rules = [r for r in self.rules if r.container != container]

    def delayed(self, container: Optional[str] = None) -> int:
        """Requests held by a latency rule now, all or those for `container`."""
        with self.lock:
            return self.delaying if container is None else self.delaying_by_container.get(container, 0)

    def hold(self, container: Optional[str], change: int) -> None:
        with self.lock:
            self.delaying += change
            self.delaying_by_container[container] = self.delaying_by_container.get(container, 0) + change

    def take(self, method, account, container, blob, operation) -> List[FaultRule]:
        """Consume one use of every matching rule (first matching status/truncate rule, all latency rules)."""
        out: List[FaultRule] = []
        with self.lock:
            have_failure = False
            for rule in list(self.rules):
                if not rule.matches(method, account, container, blob, operation):
                    continue
                is_failure = rule.status is not None or rule.truncate is not None or rule.drop_after is not None
                if is_failure and have_failure:
                    continue
                have_failure = have_failure or is_failure
                out.append(rule)
                if rule.remaining > 0:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self.rules.remove(rule)
        return out

"""Lease Blob: acquire, renew, change, release, break.

Contract: runs the Azure lease state machine (available, leased, expired, breaking, broken) on the blob
record under the store lock, with Azure's status codes (201 acquire, 202 break, 200 otherwise) and errors
(409 `LeaseAlreadyPresent`, `LeaseIdMismatchWithLeaseOperation`, `LeaseNotPresentWithLeaseOperation`, ...).
A lease action does not change the blob's ETag.
"""

from __future__ import annotations

import uuid
from typing import Dict

from .common import _GUID_RE, _now, rfc1123
from .errors import ApiError, err_bad_header
from .request_helpers import check_conditions


class LeaseOps:
    """Handler mixin: Lease Blob."""

    def op_LeaseBlob(self, auth, account, container, blob, q):
        action = (self.headers.get("x-ms-lease-action") or "").strip().lower()
        if action not in ("acquire", "renew", "release", "break", "change"):
            if not action:
                raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is "
                               "not specified.", detail={"HeaderName": "x-ms-lease-action"})
            raise err_bad_header("x-ms-lease-action", action)
        lease_id = self.headers.get("x-ms-lease-id")
        proposed = self.headers.get("x-ms-proposed-lease-id")
        for hn, hv in (("x-ms-lease-id", lease_id), ("x-ms-proposed-lease-id", proposed)):
            if hv is not None and not _GUID_RE.match(hv.strip()):
                raise err_bad_header(hn, hv)
        lease_id = lease_id.strip().lower() if lease_id else None
        proposed = proposed.strip().lower() if proposed else None
        store = self.server.emulator.store
        mismatch = ApiError(409, "LeaseIdMismatchWithLeaseOperation", "The lease ID specified did not match the "
                            "lease ID for the blob.")
        not_present = ApiError(409, "LeaseNotPresentWithLeaseOperation", "There is currently no lease on the blob.")
        with store.lock:
            c, rec = self._require_blob(account, container, blob)
            check_conditions(rec, self.headers, read=False)
            now = _now()
            state, _, _ = rec.lease_view(now)
            headers: Dict[str, str] = {}
            status = 200
            if action == "acquire":
                dur_raw = self.headers.get("x-ms-lease-duration")
                if dur_raw is None:
                    raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request "
                                   "is not specified.", detail={"HeaderName": "x-ms-lease-duration"})
                try:
                    duration = int(dur_raw)
                except ValueError:
                    raise err_bad_header("x-ms-lease-duration", dur_raw)
                if duration != -1 and not 15 <= duration <= 60:
                    raise err_bad_header("x-ms-lease-duration", dur_raw)
                new_id = proposed or str(uuid.uuid4())
                if state == "leased" and rec.lease_id != new_id:
                    raise ApiError(409, "LeaseAlreadyPresent", "There is already a lease present.")
                if state == "breaking":
                    raise ApiError(409, "LeaseIsBreakingAndCannotBeAcquired", "The lease ID matched, but the lease "
                                   "is currently in breaking state and cannot be acquired until it is broken.")
                rec.lease_id = new_id
                rec.lease_state = "leased"
                rec.lease_duration = duration
                rec.lease_expiry = None if duration == -1 else now + duration
                rec.lease_break_time = None
                headers["x-ms-lease-id"] = new_id
                status = 201
            elif action == "renew":
                if not lease_id:
                    raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request "
                                   "is not specified.", detail={"HeaderName": "x-ms-lease-id"})
                if state == "available":
                    raise not_present
                if rec.lease_id != lease_id:
                    raise mismatch
                if state in ("breaking", "broken"):
                    raise ApiError(409, "LeaseIsBrokenAndCannotBeRenewed", "The lease ID matched, but the lease "
                                   "has been broken explicitly and cannot be renewed.")
                rec.lease_state = "leased"
                rec.lease_expiry = None if rec.lease_duration == -1 else now + rec.lease_duration
                headers["x-ms-lease-id"] = rec.lease_id
            elif action == "release":
                if not lease_id:
                    raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request "
                                   "is not specified.", detail={"HeaderName": "x-ms-lease-id"})
                if state == "available":
                    raise not_present
                if rec.lease_id != lease_id:
                    raise mismatch
                rec.lease_state = "available"
                rec.lease_id = None
                rec.lease_expiry = None
                rec.lease_break_time = None
            elif action == "change":
                if not lease_id or not proposed:
                    raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request "
                                   "is not specified.",
                                   detail={"HeaderName": "x-ms-lease-id" if not lease_id else "x-ms-proposed-lease-id"})
                if state not in ("leased",):
                    if state in ("breaking", "broken"):
                        raise ApiError(409, "LeaseIsBrokenAndCannotBeChanged" if state == "broken"
                                       else "LeaseIsBreakingAndCannotBeChanged",
                                       "The lease cannot be changed in its current state.")
                    raise not_present
                if rec.lease_id not in (lease_id, proposed):
                    raise mismatch
                rec.lease_id = proposed
                headers["x-ms-lease-id"] = proposed
            elif action == "break":
                period_raw = self.headers.get("x-ms-lease-break-period")
                period = None
                if period_raw is not None:
                    try:
                        period = int(period_raw)
                    except ValueError:
                        raise err_bad_header("x-ms-lease-break-period", period_raw)
                    if not 0 <= period <= 60:
                        raise err_bad_header("x-ms-lease-break-period", period_raw)
                if state in ("available", "expired"):
                    if state == "available":
                        raise not_present
                    rec.lease_state = "broken"
                    rec.lease_break_time = now
                    remaining = 0
                elif state == "broken":
                    remaining = 0
                elif state == "breaking":
                    remaining = max(0, rec.lease_break_time - now)
                    if period is not None and period < remaining:
                        rec.lease_break_time = now + period
                        remaining = period
                else:
                    if period is None:
                        remaining = 0 if rec.lease_duration == -1 else max(0, rec.lease_expiry - now)
                    elif rec.lease_duration == -1:
                        remaining = period
                    else:
                        remaining = min(period, max(0, rec.lease_expiry - now))
                    rec.lease_state = "breaking" if remaining > 0 else "broken"
                    rec.lease_break_time = now + remaining
                headers["x-ms-lease-time"] = str(int(remaining + 0.999))
                status = 202
            store.save_blob(c, rec)
            headers["ETag"] = rec.etag
            headers["Last-Modified"] = rfc1123(rec.last_modified)
        self._send_bytes(status, headers)

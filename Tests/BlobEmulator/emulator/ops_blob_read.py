"""Blob reads: Get Blob (full and ranged), Get Blob Properties (HEAD), Get Blob Metadata.

Contract: reads honour leases (`x-ms-lease-id` must match when sent), conditional headers (304 / 412),
ranges (`x-ms-range` wins over `Range`; 416 past the end), the archive tier (409 `BlobArchived`) and SAS
response-header overrides (`rscc`...`rsct`). Bodies are sent with `sendfile` from a file opened under the
store lock, so a concurrent overwrite never mixes versions.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Dict, Optional, Tuple

from .common import _RANGE_RE, rfc1123
from .errors import ApiError, err_bad_header
from .request_helpers import check_conditions, lease_check_read
from .store import BlobRecord


class BlobReadOps:
    """Handler mixin: Get Blob, Get Blob Properties, Get Blob Metadata."""

    def _blob_headers(self, rec: BlobRecord, *, full: bool) -> Dict[str, str]:
        state, status, duration = rec.lease_view()
        h = {
            "ETag": rec.etag,
            "Last-Modified": rfc1123(rec.last_modified),
            "x-ms-creation-time": rfc1123(rec.creation_time),
            "x-ms-blob-type": rec.blob_type,
            "x-ms-lease-state": state,
            "x-ms-lease-status": status,
            "x-ms-server-encrypted": "true",
            "Accept-Ranges": "bytes",
            "Content-Type": rec.content_type or "application/octet-stream",
        }
        if duration:
            h["x-ms-lease-duration"] = duration
        if rec.content_encoding:
            h["Content-Encoding"] = rec.content_encoding
        if rec.content_language:
            h["Content-Language"] = rec.content_language
        if rec.cache_control:
            h["Cache-Control"] = rec.cache_control
        if rec.content_disposition:
            h["Content-Disposition"] = rec.content_disposition
        if full and rec.content_md5:
            h["Content-MD5"] = rec.content_md5
        for k, v in rec.metadata.items():
            h["x-ms-meta-" + k] = v
        return h

    def _parse_range(self, size: int) -> Optional[Tuple[int, int]]:
        xr = self.headers.get("x-ms-range")
        rr = self.headers.get("Range")
        value, strict = (xr, True) if xr is not None else (rr, False)
        if value is None:
            return None
        m = _RANGE_RE.match(value)
        if not m:
            if strict:
                raise err_bad_header("x-ms-range", value)
            return None
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else None
        if end is not None and end < start:
            if strict:
                raise err_bad_header("x-ms-range", value)
            return None
        if start >= size:
            raise ApiError(416, "InvalidRange", "The range specified is invalid for the current size of the "
                           "resource.", headers={"Content-Range": "bytes */%d" % size})
        if end is None or end >= size:
            end = size - 1
        return start, end

    def op_GetBlob(self, auth, account, container, blob, q):
        self._get_blob(auth, account, container, blob, q, head=False)

    def op_GetBlobProperties(self, auth, account, container, blob, q):
        self._get_blob(auth, account, container, blob, q, head=True)

    def _get_blob(self, auth, account, container, blob, q, head: bool):
        store = self.server.emulator.store
        with store.lock:
            c, rec = self._require_blob(account, container, blob)
            lease_check_read(rec, self.headers.get("x-ms-lease-id"))
            cond = check_conditions(rec, self.headers, read=True)
            if cond == 304:
                self._send_bytes(304, {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified)})
                return
            if rec.tier == "Archive" and not head:
                raise ApiError(409, "BlobArchived", "This operation is not permitted on an archived blob.")
            fh = open(store.blob_data_path(c, rec.key), "rb") if not head else None
            snapshot = BlobRecord.from_json(rec.to_json())
        try:
            rec = snapshot
            overrides = {}
            if auth.kind == "sas":
                for qn, hn in (("rscc", "Cache-Control"), ("rscd", "Content-Disposition"),
                               ("rsce", "Content-Encoding"), ("rscl", "Content-Language"),
                               ("rsct", "Content-Type")):
                    if auth.sas.get(qn):
                        overrides[hn] = auth.sas[qn]
            if head:
                h = self._blob_headers(rec, full=True)
                h["x-ms-access-tier"] = rec.tier
                h["x-ms-access-tier-inferred"] = "false" if rec.tier_explicit else "true"
                if rec.tier_change_time:
                    h["x-ms-access-tier-change-time"] = rfc1123(rec.tier_change_time)
                h.update(overrides)
                self._start(200, h, rec.size)
                return
            rng = self._parse_range(rec.size)
            if rng is None:
                h = self._blob_headers(rec, full=True)
                h.update(overrides)
                self._send_file(200, h, fh, 0, rec.size)
                return
            start, end = rng
            count = end - start + 1
            h = self._blob_headers(rec, full=False)
            h["Content-Range"] = "bytes %d-%d/%d" % (start, end, rec.size)
            if rec.content_md5:
                h["x-ms-blob-content-md5"] = rec.content_md5
            if (self.headers.get("x-ms-range-get-content-md5") or "").lower() == "true":
                if count > 4 * 1024 * 1024:
                    raise ApiError(400, "OutOfRangeInput", "One of the request inputs is out of range.")
                fh.seek(start)
                h["Content-MD5"] = base64.b64encode(hashlib.md5(fh.read(count)).digest()).decode()
            h.update(overrides)
            self._send_file(206, h, fh, start, count)
        finally:
            if fh is not None:
                fh.close()

    def op_GetBlobMetadata(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        with store.lock:
            _, rec = self._require_blob(account, container, blob)
            lease_check_read(rec, self.headers.get("x-ms-lease-id"))
            h = {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified)}
            for k, v in rec.metadata.items():
                h["x-ms-meta-" + k] = v
        self._send_bytes(200, h)

"""Helpers shared by the blob operations: looking a blob up, content properties and tier from request
headers, MD5 header validation.

Contract: `_require_blob` returns (container, record) or raises 404 `ContainerNotFound` / `BlobNotFound`;
the header helpers raise 400 `InvalidHeaderValue` for malformed values and treat empty ones as absent.
"""

from __future__ import annotations

import base64
import binascii
from typing import Optional, Tuple

from .common import _TIERS
from .errors import err_bad_header, err_blob_not_found
from .store import BlobRecord, Container


class BlobCommonMixin:
    """Handler mixin: blob lookup and request-header parsing shared by reads and writes."""

    def _require_blob(self, account, container, blob) -> Tuple[Container, BlobRecord]:
        store = self.server.emulator.store
        with store.lock:
            c = store.require_container(account, container)
            rec = c.blobs.get(blob)
            if rec is None:
                raise err_blob_not_found()
            return c, rec

    def _content_props_from_headers(self, rec: BlobRecord, *, use_plain: bool) -> None:
        h = self.headers

        def pick(xname: str, plain: str) -> Optional[str]:
            v = h.get(xname) or None
            if v is None and use_plain:
                v = h.get(plain) or None
            return v

        ct = pick("x-ms-blob-content-type", "Content-Type")
        rec.content_type = ct if ct else "application/octet-stream"
        rec.content_encoding = pick("x-ms-blob-content-encoding", "Content-Encoding")
        rec.content_language = pick("x-ms-blob-content-language", "Content-Language")
        rec.cache_control = pick("x-ms-blob-cache-control", "Cache-Control")
        rec.content_disposition = h.get("x-ms-blob-content-disposition") or None

    def _tier_from_header(self) -> Optional[str]:
        t = self.headers.get("x-ms-access-tier")
        if t is None or not t.strip():
            return None
        tier = _TIERS.get(t.strip().lower())
        if tier is None:
            raise err_bad_header("x-ms-access-tier", t)
        return tier

    def _validate_md5_header(self, name: str) -> Optional[bytes]:
        v = self.headers.get(name)
        if v is None or not v.strip():  # Azure treats an empty header as absent (azcopy sends empty ones)
            return None
        try:
            raw = base64.b64decode(v.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise err_bad_header(name, v)
        if len(raw) != 16:
            raise err_bad_header(name, v)
        return raw

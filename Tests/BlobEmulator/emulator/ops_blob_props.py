"""Blob property writes and deletion: Set Blob Metadata, Set Blob Properties, Set Blob Tier, Delete Blob.

Contract: each change happens under the store lock. Metadata, properties and delete check the
conditional headers and the lease (as a write); Set Blob Tier checks only a lease ID that was sent.
Metadata and property changes give the blob a new ETag, a tier change does not (202 when leaving
Archive). Delete Blob also drops the blob's uncommitted blocks.
"""

from __future__ import annotations

import base64
import os
import shutil

from .common import _now, rfc1123
from .errors import ApiError
from .request_helpers import check_conditions, collect_metadata, lease_check_read, lease_check_write
from .store import BlobRecord


class BlobPropertyOps:
    """Handler mixin: Set Blob Metadata / Properties / Tier and Delete Blob."""

    def _mutate(self, account, container, blob, fn, *, bump: bool = True) -> BlobRecord:
        store = self.server.emulator.store
        with store.lock:
            c, rec = self._require_blob(account, container, blob)
            check_conditions(rec, self.headers, read=False)
            lease_check_write(rec, self.headers.get("x-ms-lease-id"))
            fn(rec)
            if bump:
                rec.etag = store.new_etag()
                rec.last_modified = _now()
            store.save_blob(c, rec)
            return rec

    def op_SetBlobMetadata(self, auth, account, container, blob, q):
        meta = collect_metadata(self.headers)
        rec = self._mutate(account, container, blob, lambda r: setattr(r, "metadata", meta))
        self._send_bytes(200, {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified),
                               "x-ms-request-server-encrypted": "true"})

    def op_SetBlobProperties(self, auth, account, container, blob, q):
        md5 = self._validate_md5_header("x-ms-blob-content-md5")

        def fn(r: BlobRecord) -> None:
            self._content_props_from_headers(r, use_plain=False)
            r.content_md5 = base64.b64encode(md5).decode() if md5 else None

        rec = self._mutate(account, container, blob, fn)
        self._send_bytes(200, {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified)})

    def op_SetBlobTier(self, auth, account, container, blob, q):
        tier = self._tier_from_header()
        if tier is None:
            raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not "
                           "specified.", detail={"HeaderName": "x-ms-access-tier"})
        store = self.server.emulator.store
        with store.lock:
            c, rec = self._require_blob(account, container, blob)
            lease_check_read(rec, self.headers.get("x-ms-lease-id"))
            status = 202 if rec.tier == "Archive" and tier != "Archive" else 200
            rec.tier, rec.tier_explicit, rec.tier_change_time = tier, True, _now()
            store.save_blob(c, rec)
        self._send_bytes(status, {})

    def op_DeleteBlob(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        with store.lock:
            c, rec = self._require_blob(account, container, blob)
            check_conditions(rec, self.headers, read=False)
            lease_check_write(rec, self.headers.get("x-ms-lease-id"))
            del c.blobs[blob]
            c.invalidate()
            for p in (store.blob_data_path(c, rec.key), store.blob_meta_path(c, rec.key)):
                try:
                    os.unlink(p)
                except OSError:
                    pass
            if c.uncommitted.pop(blob, None) is not None:
                shutil.rmtree(store.block_dir(c, blob), ignore_errors=True)
        self._send_bytes(202, {"x-ms-delete-type-permanent": "true"})

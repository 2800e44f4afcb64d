"""Block blob uploads: Put Blob, Put Block, Put Block List, Get Block List.

Contract: Put Blob and Put Block receive the body into a temp file outside the store lock and move it into
place under the lock; Put Blob and Put Block List check their preconditions (conditional headers, lease,
container still the same) again under the lock before publishing, and publishing a blob drops its
uncommitted blocks. Put Block List concatenates blocks on disk (`copy_range`, with `copy_file_range`).
Errors follow Azure: 400 `Md5Mismatch`, `InvalidBlockList`, `InvalidBlobOrBlock`, 411
`MissingContentLengthHeader`, 413 `RequestBodyTooLarge`, 409 `BlobAlreadyExists`, 412 conditions/leases.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional, Tuple

from .common import (CHUNK, MAX_BLOCK_SIZE, MAX_BLOCKS_IN_LIST, MAX_PUT_BLOB_SIZE, MAX_SMALL_BODY, _now, b64_md5,
                     rfc1123, xml_text)
from .errors import ApiError, err_bad_query, err_blob_not_found, err_condition, err_container_not_found
from .request_helpers import check_conditions, collect_metadata, lease_check_write
from .store import BlobRecord, name_key


class BlobWriteOps:
    """Handler mixin: Put Blob, Put Block, Put Block List, Get Block List."""

    @staticmethod
    def _publish(store, c, blob: str, rec, tmp: str, tier, now) -> None:
        """Makes the file `tmp` the content of `blob` with the properties in `rec` (call holding the store lock), and
        drops the blob's uncommitted blocks."""
        if tier:
            rec.tier, rec.tier_explicit, rec.tier_change_time = tier, True, now
        os.replace(tmp, store.blob_data_path(c, rec.key))
        store.save_blob(c, rec)
        if blob not in c.blobs:
            c.invalidate()
        c.blobs[blob] = rec
        c.uncommitted.pop(blob, None)
        shutil.rmtree(store.block_dir(c, blob), ignore_errors=True)

    def op_PutBlob(self, auth, account, container, blob, q):
        emu = self.server.emulator
        store = emu.store
        btype = self.headers.get("x-ms-blob-type")
        if btype is None:
            raise ApiError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not "
                           "specified.", detail={"HeaderName": "x-ms-blob-type"})
        if btype != "BlockBlob":
            raise ApiError(400, "InvalidHeaderValue", "The emulator only supports BlockBlob.",
                           detail={"HeaderName": "x-ms-blob-type", "HeaderValue": btype})
        if self.headers.get("Content-Length") is None:
            raise ApiError(411, "MissingContentLengthHeader", "Content-Length header must be specified.")
        length = self.body.remaining
        if length > MAX_PUT_BLOB_SIZE:
            raise ApiError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum "
                           "permissible limit.")
        tx_md5 = self._validate_md5_header("Content-MD5")
        blob_md5 = self._validate_md5_header("x-ms-blob-content-md5")
        meta = collect_metadata(self.headers)
        tier = self._tier_from_header()
        lease_hdr = self.headers.get("x-ms-lease-id")
        c = store.require_container(account, container)

        def preconditions() -> Optional[BlobRecord]:
            existing = c.blobs.get(blob)
            inm = self.headers.get("If-None-Match") or ""
            if existing is not None and inm is not None and inm.strip() == "*":
                raise ApiError(409, "BlobAlreadyExists", "The specified blob already exists.")
            if existing is None and self.headers.get("If-Match"):
                raise err_condition()
            check_conditions(existing, self.headers, read=False)
            lease_check_write(existing, lease_hdr)
            return existing

        with store.lock:
            preconditions()
        tmp = store.tmp_path(c)
        try:
            md5 = self._receive_checked(tmp, length, tx_md5)
            with store.lock:
                c2 = store.require_container(account, container)
                if c2 is not c:
                    raise err_container_not_found()
                existing = preconditions()
                rec = BlobRecord(blob, name_key(blob))
                now = _now()
                rec.creation_time = existing.creation_time if existing else now
                if existing is not None:  # leases survive overwrites
                    for f in ("lease_id", "lease_state", "lease_duration", "lease_expiry", "lease_break_time"):
                        setattr(rec, f, getattr(existing, f))
                rec.size = length
                rec.etag = store.new_etag()
                rec.last_modified = now
                rec.content_md5 = base64.b64encode(blob_md5).decode() if blob_md5 else b64_md5(md5)
                self._content_props_from_headers(rec, use_plain=True)
                rec.metadata = meta
                self._publish(store, c, blob, rec, tmp, tier, now)
                tmp = None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._send_bytes(201, {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified),
                               "Content-MD5": b64_md5(md5), "x-ms-request-server-encrypted": "true"})

    # ---------- Put Block ----------
    def op_PutBlock(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        block_id = q.get("blockid")
        if block_id is None:
            raise ApiError(400, "MissingRequiredQueryParameter", "A query parameter that's mandatory for this "
                           "request is not specified.", detail={"QueryParameterName": "blockid"})
        try:
            decoded = base64.b64decode(block_id, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in "
                           "the request URI is invalid.",
                           detail={"QueryParameterName": "blockid", "QueryParameterValue": block_id})
        if not decoded or len(decoded) > 64:
            raise err_bad_query("blockid", block_id)
        if self.headers.get("Content-Length") is None:
            raise ApiError(411, "MissingContentLengthHeader", "Content-Length header must be specified.")
        length = self.body.remaining
        if length > MAX_BLOCK_SIZE:
            raise ApiError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum "
                           "permissible limit.")
        tx_md5 = self._validate_md5_header("Content-MD5")
        lease_hdr = self.headers.get("x-ms-lease-id")
        with store.lock:
            c = store.require_container(account, container)
            if c.blobs.get(blob) is not None:
                lease_check_write(c.blobs.get(blob), lease_hdr)
            existing_ids = c.uncommitted.get(blob, {})
            if existing_ids:
                some = next(iter(existing_ids))
                if len(some) != len(block_id):
                    raise ApiError(400, "InvalidBlobOrBlock", "The specified blob or block content is invalid.")
        tmp = store.tmp_path(c)
        try:
            md5 = self._receive_checked(tmp, length, tx_md5)
            with store.lock:
                c2 = store.require_container(account, container)
                if c2 is not c:
                    raise err_container_not_found()
                bdir = store.block_dir(c, blob)
                if blob not in c.uncommitted:
                    os.makedirs(bdir, exist_ok=True)
                    with open(os.path.join(bdir, "name"), "w", encoding="utf-8") as f:
                        f.write(blob)
                os.replace(tmp, store.block_file(bdir, block_id))
                tmp = None
                c.uncommitted.setdefault(blob, {})[block_id] = length
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._send_bytes(201, {"Content-MD5": b64_md5(md5), "x-ms-request-server-encrypted": "true"})

    # ---------- Put Block List ----------
    def op_PutBlockList(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        tx_md5 = self._validate_md5_header("Content-MD5")
        blob_md5 = self._validate_md5_header("x-ms-blob-content-md5")
        meta = collect_metadata(self.headers)
        tier = self._tier_from_header()
        lease_hdr = self.headers.get("x-ms-lease-id")
        body = self.body.read_all(MAX_SMALL_BODY)
        if tx_md5 is not None and hashlib.md5(body).digest() != tx_md5:
            raise ApiError(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 "
                           "value calculated by the server.")
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise ApiError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.")
        if root.tag != "BlockList":
            raise ApiError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.")
        wanted: List[Tuple[str, str]] = []
        for el in root:
            if el.tag not in ("Latest", "Committed", "Uncommitted"):
                raise ApiError(400, "InvalidXmlNodeValue", "The value for one of the XML nodes is not in the "
                               "correct format.")
            wanted.append((el.tag, (el.text or "").strip()))
        if len(wanted) > MAX_BLOCKS_IN_LIST:
            raise ApiError(400, "BlockListTooLong", "The block list may not contain more than 50,000 blocks.")
        invalid = ApiError(400, "InvalidBlockList", "The specified block list is invalid.")
        c = store.require_container(account, container)
        old_fh = None
        sources: List[Tuple[Any, int, int, str]] = []  # (path or old_fh, offset, size, block id)
        try:
            with store.lock:
                c2 = store.require_container(account, container)
                if c2 is not c:
                    raise err_container_not_found()
                existing = c.blobs.get(blob)
                check_conditions(existing, self.headers, read=False)
                if existing is None and self.headers.get("If-Match"):
                    raise err_condition()
                lease_check_write(existing, lease_hdr)
                unc = dict(c.uncommitted.get(blob, {}))
                committed: Dict[str, Tuple[int, int]] = {}
                if existing is not None:
                    off = 0
                    for bid, size in existing.committed_blocks:
                        committed.setdefault(bid, (off, size))
                        off += size
                    old_fh = open(store.blob_data_path(c, existing.key), "rb")
                bdir = store.block_dir(c, blob)
                block_fhs: Dict[str, Any] = {}
                for kind, bid in wanted:
                    use_unc = kind in ("Latest", "Uncommitted") and bid in unc
                    if use_unc:
                        if bid not in block_fhs:
                            block_fhs[bid] = open(store.block_file(bdir, bid), "rb")
                        sources.append((block_fhs[bid], 0, unc[bid], bid))
                    elif kind in ("Latest", "Committed") and bid in committed:
                        off, size = committed[bid]
                        sources.append((old_fh, off, size, bid))
                    else:
                        raise invalid
            tmp = store.tmp_path(c)
            total = 0
            try:
                with open(tmp, "wb") as out:
                    for fh, off, size, _ in sources:
                        copy_range(fh, off, size, out)
                        total += size
                with store.lock:
                    c2 = store.require_container(account, container)
                    if c2 is not c:
                        raise err_container_not_found()
                    existing = c.blobs.get(blob)
                    check_conditions(existing, self.headers, read=False)
                    lease_check_write(existing, lease_hdr)
                    rec = BlobRecord(blob, name_key(blob))
                    now = _now()
                    rec.creation_time = existing.creation_time if existing else now
                    if existing is not None:
                        for f in ("lease_id", "lease_state", "lease_duration", "lease_expiry",
                                  "lease_break_time"):
                            setattr(rec, f, getattr(existing, f))
                    rec.size = total
                    rec.etag = store.new_etag()
                    rec.last_modified = now
                    rec.content_md5 = base64.b64encode(blob_md5).decode() if blob_md5 else None
                    self._content_props_from_headers(rec, use_plain=False)
                    rec.metadata = meta
                    rec.committed_blocks = [[bid, size] for _, _, size, bid in sources]
                    self._publish(store, c, blob, rec, tmp, tier, now)
                    tmp = None
            finally:
                if tmp is not None:
                    try:
                        os.unlink(tmp)
                    except OSError:
                        pass
        finally:
            if old_fh is not None:
                old_fh.close()
            for fh, _, _, _ in sources:
                try:
                    fh.close()
                except Exception:
                    pass
        self._send_bytes(201, {"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified),
                               "x-ms-request-server-encrypted": "true"})

    def op_GetBlockList(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        ltype = (q.get("blocklisttype") or "committed").lower()
        if ltype not in ("committed", "uncommitted", "all"):
            raise err_bad_query("blocklisttype", ltype)
        with store.lock:
            c = store.require_container(account, container)
            rec = c.blobs.get(blob)
            unc = dict(c.uncommitted.get(blob, {}))
            if rec is None and not unc:
                raise err_blob_not_found()
            committed = list(rec.committed_blocks) if rec else []
        parts = ['<?xml version="1.0" encoding="utf-8"?><BlockList>']
        if ltype in ("committed", "all"):
            parts.append("<CommittedBlocks>")
            for bid, size in committed:
                parts.append("<Block><Name>%s</Name><Size>%d</Size></Block>" % (xml_text(bid), size))
            parts.append("</CommittedBlocks>")
        if ltype in ("uncommitted", "all"):
            parts.append("<UncommittedBlocks>")
            for bid, size in unc.items():
                parts.append("<Block><Name>%s</Name><Size>%d</Size></Block>" % (xml_text(bid), size))
            parts.append("</UncommittedBlocks>")
        parts.append("</BlockList>")
        headers = {"x-ms-blob-content-length": str(rec.size if rec else 0)}
        if rec:
            headers.update({"ETag": rec.etag, "Last-Modified": rfc1123(rec.last_modified)})
        self._send_xml(200, "".join(parts), headers)


def copy_range(src, offset: int, size: int, dst) -> None:
    """Copy size bytes from src (at offset) to the end of dst without loading them into memory."""
    if size <= 0:
        return
    dst.flush()
    sfd, dfd = src.fileno(), dst.fileno()
    remaining = size
    pos = offset
    try:
        while remaining > 0:
            n = os.copy_file_range(sfd, dfd, min(remaining, 1 << 30), pos)
            if n == 0:
                raise OSError("short copy")
            pos += n
            remaining -= n
        return
    except (OSError, AttributeError):
        pass
    # Fallback: chunked read/write (restart at where copy_file_range stopped).
    os.lseek(dfd, 0, os.SEEK_END)
    while remaining > 0:
        data = os.pread(sfd, min(CHUNK, remaining), pos)
        if not data:
            raise OSError("source file shorter than expected")
        os.write(dfd, data)
        pos += len(data)
        remaining -= len(data)

"""Request-level helpers shared by the operations: query parsing, conditional headers, lease checks for
blob operations, and `x-ms-meta-*` collection.

Contract: pure functions over headers, query strings and `BlobRecord`s; they raise `ApiError` (400, 412)
exactly as Azure answers, and return 304 from `check_conditions` for a read that is not modified.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote_plus

from .common import _METADATA_NAME_RE, parse_http_date
from .errors import ApiError, err_condition
from .store import BlobRecord


def parse_query(raw: str) -> List[Tuple[str, str, str]]:
    """Returns (name, value, raw_value) triples; names/values are percent-decoded (+ means space)."""
    out: List[Tuple[str, str, str]] = []
    if not raw:
        return out
    for part in raw.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        try:
            out.append((unquote_plus(name, errors="strict"), unquote_plus(value, errors="strict"), value))
        except UnicodeDecodeError:
            raise ApiError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
    return out


def check_conditions(rec: Optional[BlobRecord], headers, *, read: bool) -> Optional[int]:
    """Evaluate If-* headers. Returns 304 for a read that is not modified, raises 412, or None."""
    if_match = headers.get("If-Match") or None
    if_none = headers.get("If-None-Match") or None
    if_mod = headers.get("If-Modified-Since") or None
    if_unmod = headers.get("If-Unmodified-Since") or None
    if not (if_match or if_none or if_mod or if_unmod):
        return None
    etag = rec.etag if rec else None
    lm = int(rec.last_modified) if rec else None

    def matches(header_value: str) -> bool:
        if rec is None:
            return False
        items = [t.strip() for t in header_value.split(",")]
        for t in items:
            if t == "*":
                return True
            if t.startswith("W/"):
                t = t[2:]
            if t == etag or ('"%s"' % t) == etag:
                return True
        return False

    if if_match is not None and not matches(if_match):
        raise err_condition()
    if if_unmod is not None:
        ts = parse_http_date(if_unmod)
        if ts is not None and rec is not None and lm > int(ts):
            raise err_condition()
    if if_none is not None and matches(if_none):
        if read:
            return 304
        raise err_condition()
    if if_mod is not None:
        ts = parse_http_date(if_mod)
        if ts is not None and rec is not None and lm <= int(ts):
            if read:
                return 304
            raise err_condition()
    return None


def lease_check_write(rec: Optional[BlobRecord], lease_header: Optional[str]) -> None:
    if rec is None:
        if lease_header:
            raise ApiError(412, "LeaseNotPresentWithBlobOperation",
                           "There is currently no lease on the blob.")
        return
    active = rec.active_lease_id()
    if active is None:
        if lease_header:
            raise ApiError(412, "LeaseNotPresentWithBlobOperation", "There is currently no lease on the blob.")
        return
    if not lease_header:
        raise ApiError(412, "LeaseIdMissing",
                       "There is currently a lease on the blob and no lease ID was specified in the request.")
    if lease_header.strip().lower() != active.lower():
        raise ApiError(412, "LeaseIdMismatchWithBlobOperation",
                       "The lease ID specified did not match the lease ID for the blob.")


def lease_check_read(rec: BlobRecord, lease_header: Optional[str]) -> None:
    if not lease_header:
        return
    active = rec.active_lease_id()
    if active is None or lease_header.strip().lower() != active.lower():
        raise ApiError(412, "LeaseIdMismatchWithBlobOperation",
                       "The lease ID specified did not match the lease ID for the blob.")


def collect_metadata(headers) -> Dict[str, str]:
    meta: Dict[str, str] = {}
    seen = set()
    for name, value in headers.items():
        lname = name.lower()
        if lname.startswith("x-ms-meta-"):
            key = name[len("x-ms-meta-"):]
            if not _METADATA_NAME_RE.match(key) or key.lower() in seen:
                raise ApiError(400, "InvalidMetadata", "The metadata specified is invalid. It has characters "
                               "that are not permitted.", detail={"MetadataName": key})
            seen.add(key.lower())
            meta[key] = value.strip()
    return meta

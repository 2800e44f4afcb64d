#!/usr/bin/env python3
"""Azurite-compatible Azure Blob Storage emulator (Python 3.11 standard library only).

Start:
    python3 blob_emulator.py --port 0 --data-dir DIR [--account NAME:BASE64KEY ...]
                             [--log-file FILE] [--host 127.0.0.1]

When listening it prints exactly one line ``{"port": N}`` to stdout.
In-process use::

    from blob_emulator import BlobEmulator
    with BlobEmulator(data_dir) as emu:
        print(emu.blob_endpoint("devstoreaccount1"))

See README.md next to this file for the supported operations, auth rules,
the control API and the limits.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as _dt
import email.utils
import hashlib
import hmac
import http.server
import io
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import unquote, unquote_plus, unquote_to_bytes, urlsplit
from xml.sax.saxutils import escape as _xml_escape

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEFAULT_VERSION = "2021-08-06"
CHUNK = 1024 * 1024
MAX_SMALL_BODY = 32 * 1024 * 1024  # block list XML, control JSON
MAX_BLOCK_SIZE = 4000 * 1024 * 1024
MAX_PUT_BLOB_SIZE = 5000 * 1024 * 1024
MAX_BLOCKS_IN_LIST = 50000
MAX_LIST_RESULTS = 5000
CLOCK_SKEW_SECONDS = 15 * 60
SERVER_HEADER = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
REQUEST_LOG_LIMIT = 200000
ERROR_DRAIN_LIMIT = 64 * 1024 * 1024  # unread upload bytes swallowed before an error reply

_CONTAINER_RE = re.compile(r"^(?:\$root|\$logs|\$web|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$")
_ACCOUNT_RE = re.compile(r"^[a-z0-9]{3,24}$")
_METADATA_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HOST_ACCOUNT_RE = re.compile(r"^([a-z0-9]{3,24})\.blob\.", re.IGNORECASE)
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d+)\s*-\s*(\d*)\s*$")
_TIERS = {"hot": "Hot", "cool": "Cool", "cold": "Cold", "archive": "Archive"}
_TICKS_AT_EPOCH = 621355968000000000  # .NET ticks at 1970-01-01


def _now() -> float:
    return time.time()


def rfc1123(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def parse_http_date(value: str) -> Optional[float]:
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.timezone.utc)
    return dt.timestamp()


def parse_iso8601(value: str) -> Optional[float]:
    """Parse the ISO 8601 UTC forms accepted in SAS st/se."""
    v = value.strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?)?$", v)
    if not m:
        return None
    y, mo, d, hh, mm, ss, frac, tz = m.groups()
    try:
        dt = _dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                          int((frac or "0").ljust(6, "0")[:6]), tzinfo=_dt.timezone.utc)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        dt = dt - sign * offset
    return dt.timestamp()


def iso_utc(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def xml_text(value: Any) -> str:
    return _xml_escape("" if value is None else str(value))


def b64_md5(data_md5: "hashlib._Hash") -> str:
    return base64.b64encode(data_md5.digest()).decode("ascii")


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None,
                 detail: Optional[Dict[str, str]] = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.detail = detail or {}


class ClientGone(Exception):
    """The client closed the connection in the middle of a body."""


def err_container_not_found() -> ApiError:
    return ApiError(404, "ContainerNotFound", "The specified container does not exist.")


def err_blob_not_found() -> ApiError:
    return ApiError(404, "BlobNotFound", "The specified blob does not exist.")


def err_condition() -> ApiError:
    return ApiError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")


def err_bad_header(name: str, value: str, message: str = "The value for one of the HTTP headers is not in the correct format.") -> ApiError:
    return ApiError(400, "InvalidHeaderValue", message, detail={"HeaderName": name, "HeaderValue": value})


def err_bad_query(name: str, value: str, message: str = "Value for one of the query parameters specified in the request URI is invalid.") -> ApiError:
    return ApiError(400, "InvalidQueryParameterValue", message,
                    detail={"QueryParameterName": name, "QueryParameterValue": value})


def err_auth(detail: str) -> ApiError:
    return ApiError(403, "AuthenticationFailed",
                    "Server failed to authenticate the request. Make sure the value of Authorization header is "
                    "formed correctly including the signature.", detail={"AuthenticationErrorDetail": detail})


def err_permission() -> ApiError:
    return ApiError(403, "AuthorizationPermissionMismatch",
                    "This request is not authorized to perform this operation using this permission.")


# --------------------------------------------------------------------------------------
# Storage model
# --------------------------------------------------------------------------------------


class BlobRecord:
    FIELDS = ("name", "key", "size", "etag", "last_modified", "creation_time", "content_md5", "content_type",
              "content_encoding", "content_language", "cache_control", "content_disposition", "metadata",
              "tier", "tier_explicit", "tier_change_time", "committed_blocks", "lease_id", "lease_state",
              "lease_duration", "lease_expiry", "lease_break_time", "blob_type")

    def __init__(self, name: str, key: str):
        self.name = name
        self.key = key
        self.size = 0
        self.etag = ""
        self.last_modified = 0.0
        self.creation_time = 0.0
        self.content_md5: Optional[str] = None
        self.content_type = "application/octet-stream"
        self.content_encoding: Optional[str] = None
        self.content_language: Optional[str] = None
        self.cache_control: Optional[str] = None
        self.content_disposition: Optional[str] = None
        self.metadata: Dict[str, str] = {}
        self.tier = "Hot"
        self.tier_explicit = False
        self.tier_change_time: Optional[float] = None
        self.committed_blocks: List[List[Any]] = []  # [block_id, size]
        self.lease_id: Optional[str] = None
        self.lease_state = "available"  # available | leased | breaking | broken (expired is computed)
        self.lease_duration = -1
        self.lease_expiry: Optional[float] = None
        self.lease_break_time: Optional[float] = None
        self.blob_type = "BlockBlob"

    def to_json(self) -> Dict[str, Any]:
        return {f: getattr(self, f) for f in self.FIELDS}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "BlobRecord":
        rec = cls(data["name"], data["key"])
        for f in cls.FIELDS:
            if f in data:
                setattr(rec, f, data[f])
        return rec

    # Lease state, evaluated lazily against the clock.
    def lease_view(self, now: Optional[float] = None) -> Tuple[str, str, Optional[str]]:
        """Returns (state, status, duration) as Azure reports them."""
        now = _now() if now is None else now
        st = self.lease_state
        if st == "leased":
            if self.lease_duration != -1 and self.lease_expiry is not None and now >= self.lease_expiry:
                return "expired", "unlocked", None
            return "leased", "locked", "infinite" if self.lease_duration == -1 else "fixed"
        if st == "breaking":
            if self.lease_break_time is not None and now >= self.lease_break_time:
                return "broken", "unlocked", None
            return "breaking", "locked", None
        if st == "broken":
            return "broken", "unlocked", None
        return "available", "unlocked", None

    def active_lease_id(self, now: Optional[float] = None) -> Optional[str]:
        state, _, _ = self.lease_view(now)
        return self.lease_id if state in ("leased", "breaking") else None


class Container:
    def __init__(self, account: str, name: str, path: str):
        self.account = account
        self.name = name
        self.path = path
        self.etag = ""
        self.last_modified = 0.0
        self.metadata: Dict[str, str] = {}
        self.public_access: Optional[str] = None
        self.blobs: Dict[str, BlobRecord] = {}
        self.uncommitted: Dict[str, Dict[str, int]] = {}  # blob name -> {block id: size}
        self._sorted: Optional[List[str]] = None

    def sorted_names(self) -> List[str]:
        if self._sorted is None:
            self._sorted = sorted(self.blobs)
        return self._sorted

    def invalidate(self) -> None:
        self._sorted = None

    def props_json(self) -> Dict[str, Any]:
        return {"name": self.name, "etag": self.etag, "last_modified": self.last_modified,
                "metadata": self.metadata, "public_access": self.public_access}


def name_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
    """Blob data on disk with an in-memory index. One lock guards the index; bulk data moves outside it."""

    def __init__(self, data_dir: str):
        self.root = os.path.abspath(data_dir)
        os.makedirs(self.root, exist_ok=True)
        self.lock = threading.RLock()
        self.accounts: Dict[str, Dict[str, Container]] = {}
        self._last_ticks = 0
        self._tmp_counter = 0
        self._load()

    # ---- helpers ----
    def new_etag(self) -> str:
        with self.lock:
            ticks = int(time.time_ns() // 100) + _TICKS_AT_EPOCH
            if ticks <= self._last_ticks:
                ticks = self._last_ticks + 1
            self._last_ticks = ticks
            return '"0x%X"' % ticks

    def tmp_path(self, container: Container) -> str:
        with self.lock:
            self._tmp_counter += 1
            n = self._tmp_counter
        return os.path.join(container.path, "tmp", f"{os.getpid()}-{threading.get_ident()}-{n}.tmp")

    def blob_data_path(self, container: Container, key: str) -> str:
        return os.path.join(container.path, "blobs", key + ".bin")

    def blob_meta_path(self, container: Container, key: str) -> str:
        return os.path.join(container.path, "blobs", key + ".json")

    def block_dir(self, container: Container, blob_name: str) -> str:
        return os.path.join(container.path, "blocks", name_key(blob_name))

    @staticmethod
    def block_file(block_dir: str, block_id: str) -> str:
        return os.path.join(block_dir, block_id.encode("utf-8").hex() + ".blk")

    @staticmethod
    def _write_json(path: str, data: Any) -> None:
        tmp = path + ".tmp%d" % threading.get_ident()
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)

    def save_blob(self, container: Container, rec: BlobRecord) -> None:
        self._write_json(self.blob_meta_path(container, rec.key), rec.to_json())

    def save_container(self, container: Container) -> None:
        self._write_json(os.path.join(container.path, "container.json"), container.props_json())

    # ---- loading ----
    def _load(self) -> None:
        for account in sorted(os.listdir(self.root)):
            adir = os.path.join(self.root, account)
            if not os.path.isdir(adir):
                continue
            containers = self.accounts.setdefault(account, {})
            for cname in sorted(os.listdir(adir)):
                cdir = os.path.join(adir, cname)
                cjson = os.path.join(cdir, "container.json")
                if not os.path.isfile(cjson):
                    if cname.startswith(".trash"):
                        shutil.rmtree(cdir, ignore_errors=True)
                    continue
                try:
                    with open(cjson, encoding="utf-8") as f:
                        props = json.load(f)
                except (OSError, ValueError):
                    continue
                c = Container(account, cname, cdir)
                c.etag = props.get("etag", "")
                c.last_modified = props.get("last_modified", 0.0)
                c.metadata = props.get("metadata", {})
                c.public_access = props.get("public_access")
                shutil.rmtree(os.path.join(cdir, "tmp"), ignore_errors=True)
                os.makedirs(os.path.join(cdir, "tmp"), exist_ok=True)
                bdir = os.path.join(cdir, "blobs")
                for fn in os.listdir(bdir) if os.path.isdir(bdir) else []:
                    if not fn.endswith(".json"):
                        continue
                    try:
                        with open(os.path.join(bdir, fn), encoding="utf-8") as f:
                            rec = BlobRecord.from_json(json.load(f))
                    except (OSError, ValueError, KeyError):
                        continue
                    if os.path.isfile(self.blob_data_path(c, rec.key)):
                        c.blobs[rec.name] = rec
                kdir = os.path.join(cdir, "blocks")
                for key in os.listdir(kdir) if os.path.isdir(kdir) else []:
                    try:
                        with open(os.path.join(kdir, key, "name"), encoding="utf-8") as f:
                            bname = f.read()
                    except OSError:
                        continue
                    blocks: Dict[str, int] = {}
                    for fn in os.listdir(os.path.join(kdir, key)):
                        if fn.endswith(".blk"):
                            try:
                                bid = bytes.fromhex(fn[:-4]).decode("utf-8")
                                blocks[bid] = os.path.getsize(os.path.join(kdir, key, fn))
                            except (ValueError, OSError):
                                continue
                    if blocks:
                        c.uncommitted[bname] = blocks
                containers[cname] = c

    # ---- containers ----
    def get_container(self, account: str, name: str) -> Optional[Container]:
        with self.lock:
            return self.accounts.get(account, {}).get(name)

    def require_container(self, account: str, name: str) -> Container:
        c = self.get_container(account, name)
        if c is None:
            raise err_container_not_found()
        return c

    def create_container(self, account: str, name: str, metadata: Dict[str, str],
                         public_access: Optional[str]) -> Container:
        with self.lock:
            containers = self.accounts.setdefault(account, {})
            if name in containers:
                raise ApiError(409, "ContainerAlreadyExists", "The specified container already exists.")
            cdir = os.path.join(self.root, account, name)
            for sub in ("blobs", "blocks", "tmp"):
                os.makedirs(os.path.join(cdir, sub), exist_ok=True)
            c = Container(account, name, cdir)
            c.etag = self.new_etag()
            c.last_modified = _now()
            c.metadata = metadata
            c.public_access = public_access
            self.save_container(c)
            containers[name] = c
            return c

    def delete_container(self, account: str, name: str) -> None:
        with self.lock:
            containers = self.accounts.get(account, {})
            c = containers.get(name)
            if c is None:
                raise err_container_not_found()
            trash = os.path.join(self.root, account, ".trash-%s-%s" % (name, uuid.uuid4().hex))
            os.replace(c.path, trash)
            del containers[name]
        shutil.rmtree(trash, ignore_errors=True)

    def add_account(self, name: str) -> None:
        with self.lock:
            self.accounts.setdefault(name, {})


# --------------------------------------------------------------------------------------
# Shared helpers for requests
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Authorization
# --------------------------------------------------------------------------------------


class AuthContext:
    def __init__(self, kind: str, permissions: str = "", sas: Optional[Dict[str, str]] = None,
                 account_sas: bool = False, resource_types: str = ""):
        self.kind = kind  # sharedkey | sas | anonymous
        self.permissions = permissions
        self.sas = sas or {}
        self.account_sas = account_sas
        self.resource_types = resource_types


def _sdk_like_header_key(name: str) -> Tuple[str, str]:
    # The Python SDK sorts x-ms-* headers with a culture-aware comparison in which '-' is ignored at the
    # first level; approximate it as a second candidate ordering.
    return (name.replace("-", ""), name)


def shared_key_candidates(method: str, headers, account: str, resource_paths: Iterable[str],
                          query_pairs: List[Tuple[str, str, str]]) -> List[str]:
    def h(name: str) -> str:
        v = headers.get(name)
        return v if v is not None else ""

    content_length = h("Content-Length")
    if content_length == "0":
        content_length = ""
    date_values = [h("Date")]
    if headers.get("Date") is not None and headers.get("x-ms-date") is not None:
        date_values.append("")

    xms: Dict[str, List[str]] = {}
    for name, value in headers.items():
        lname = name.lower()
        if lname.startswith("x-ms-"):
            xms.setdefault(lname, []).append(value.strip())
    xms_items = [(k, ",".join(v)) for k, v in xms.items()]
    header_blocks = []
    for ordering in (sorted(xms_items), sorted(xms_items, key=lambda kv: _sdk_like_header_key(kv[0]))):
        block = "".join(f"{k}:{v}\n" for k, v in ordering)
        if block not in header_blocks:
            header_blocks.append(block)

    query_variants = []
    for decoder in (unquote, unquote_plus):
        params: Dict[str, List[str]] = {}
        for name, _value, raw_value in query_pairs:
            params.setdefault(name.lower(), []).append(decoder(raw_value))
        q = "".join(f"\n{k}:{','.join(sorted(params[k]))}" for k in sorted(params))
        if q not in query_variants:
            query_variants.append(q)

    out: List[str] = []
    for date_value in date_values:
        head = "\n".join([
            method, h("Content-Encoding"), h("Content-Language"), content_length, h("Content-MD5"),
            h("Content-Type"), date_value, h("If-Modified-Since"), h("If-Match"), h("If-None-Match"),
            h("If-Unmodified-Since"), h("Range")]) + "\n"
        for hb in header_blocks:
            for rp in resource_paths:
                for q in query_variants:
                    s = head + hb + rp + q
                    if s not in out:
                        out.append(s)
    return out


def hmac_b64(key: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")


def service_sas_string_to_sign(q: Dict[str, str], canonical_resource: str, snapshot: str) -> Optional[str]:
    sv = q.get("sv", "")
    g = lambda k: q.get(k, "")  # noqa: E731
    rsc = [g("rscc"), g("rscd"), g("rsce"), g("rscl"), g("rsct")]
    if sv >= "2020-12-06":
        fields = [g("sp"), g("st"), g("se"), canonical_resource, g("si"), g("sip"), g("spr"), sv, g("sr"),
                  snapshot, g("ses")] + rsc
    elif sv >= "2018-11-09":
        fields = [g("sp"), g("st"), g("se"), canonical_resource, g("si"), g("sip"), g("spr"), sv, g("sr"),
                  snapshot] + rsc
    elif sv >= "2015-04-05":
        fields = [g("sp"), g("st"), g("se"), canonical_resource, g("si"), g("sip"), g("spr"), sv] + rsc
    else:
        return None
    return "\n".join(fields)


def account_sas_string_to_sign(account: str, q: Dict[str, str]) -> str:
    g = lambda k: q.get(k, "")  # noqa: E731
    fields = [account, g("sp"), g("ss"), g("srt"), g("st"), g("se"), g("sip"), g("spr"), g("sv")]
    if g("sv") >= "2020-12-06":
        fields.append(g("ses"))
    return "\n".join(fields) + "\n"


def ip_allowed(sip: str, client_ip: str) -> bool:
    import ipaddress
    try:
        ip = ipaddress.ip_address(client_ip)
        if "-" in sip:
            lo, hi = sip.split("-", 1)
            return ipaddress.ip_address(lo.strip()) <= ip <= ipaddress.ip_address(hi.strip())
        return ip == ipaddress.ip_address(sip.strip())
    except ValueError:
        return False


# Operation -> (service-SAS permission letters any-of, account-SAS resource type)
OP_PERMS: Dict[str, Tuple[str, str]] = {
    "GetBlob": ("r", "o"), "GetBlobProperties": ("r", "o"), "GetBlobMetadata": ("r", "o"),
    "GetBlockList": ("r", "o"),
    "PutBlob": ("w", "o"), "PutBlock": ("w", "o"), "PutBlockList": ("w", "o"),
    "SetBlobMetadata": ("w", "o"), "SetBlobProperties": ("w", "o"), "SetBlobTier": ("w", "o"),
    "LeaseBlob": ("w", "o"), "DeleteBlob": ("d", "o"),
    "ListBlobs": ("l", "c"), "GetContainerProperties": ("r", "c"), "GetContainerMetadata": ("r", "c"),
    "CreateContainer": ("cw", "c"), "DeleteContainer": ("d", "c"), "SetContainerMetadata": ("w", "c"),
    "ListContainers": ("l", "s"), "GetAccountInfo": ("rwdlacup", "s"), "GetServiceProperties": ("r", "s"),
}
CREATE_OPS = {"PutBlob", "PutBlock", "PutBlockList"}
ANON_BLOB_READ = {"GetBlob", "GetBlobProperties", "GetBlobMetadata"}
ANON_CONTAINER_READ = {"ListBlobs", "GetContainerProperties", "GetContainerMetadata"}


# --------------------------------------------------------------------------------------
# Faults and request log
# --------------------------------------------------------------------------------------


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

    def add(self, spec: Dict[str, Any]) -> FaultRule:
        with self.lock:
            rule = FaultRule(spec, self.next_id)
            self.next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

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


# --------------------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------------------


class BodyReader:
    def __init__(self, rfile, length: int):
        self.rfile = rfile
        self.remaining = length
        self.read_bytes = 0

    def readinto(self, mv: memoryview) -> int:
        if self.remaining <= 0:
            return 0
        want = min(len(mv), self.remaining)
        n = self.rfile.readinto(mv[:want])
        if not n:
            raise ClientGone()
        self.remaining -= n
        self.read_bytes += n
        return n

    def read_all(self, limit: int) -> bytes:
        if self.remaining > limit:
            raise ApiError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum "
                           "permissible limit.")
        buf = bytearray(self.remaining)
        mv = memoryview(buf)
        pos = 0
        while self.remaining > 0:
            pos += self.readinto(mv[pos:])
        return bytes(buf)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "EmulatorHTTPServer"
    timeout = 300  # idle keep-alive connections are dropped after this many seconds

    # ---------- plumbing ----------
    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK add about 40 ms to every small response (as Azure's own front ends do not).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return SERVER_HEADER

    def log_message(self, fmt, *args) -> None:  # silence the default stderr access log
        pass

    def send_error(self, code, message=None, explain=None):  # malformed request line/headers
        self.close_connection = True
        if not str(getattr(self, "request_version", "")).startswith("HTTP/1"):
            self.request_version = "HTTP/1.1"  # always answer with a status line, even to garbage
        codes = {400: "InvalidUri", 414: "InvalidUri", 431: "InvalidHeaderValue", 501: "UnsupportedHttpVerb",
                 505: "UnsupportedHttpVersion"}
        body = self._error_xml(codes.get(code, "InvalidInput"), message or "Bad request", str(uuid.uuid4()), {})
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    def do_GET(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_OPTIONS(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_MERGE(self):
        self._handle()

    # ---------- request entry ----------
    def _handle(self) -> None:
        self.t0 = time.monotonic()
        self.request_id = str(uuid.uuid4())
        self.resp_bytes = 0
        self.resp_status = 0
        self.resp_error_code: Optional[str] = None
        self.log_ctx: Dict[str, Any] = {"account": None, "container": None, "blob": None, "query": {},
                                        "auth": "anonymous", "operation": None}
        self.body: Optional[BodyReader] = None
        self.truncate_after: Optional[int] = None
        self.resp_version = DEFAULT_VERSION
        emu = self.server.emulator
        control = self.path.startswith("/__emulator")
        if not control:
            emu.request_log.begin()
        try:
            try:
                length = self._content_length()
                self.body = BodyReader(self.rfile, length)
                target = self.path
                if target.startswith("http://") or target.startswith("https://"):
                    parts = urlsplit(target)
                    host = parts.netloc
                    raw_path = parts.path or "/"
                    raw_query = parts.query
                else:
                    host = self.headers.get("Host", "")
                    raw_path, _, raw_query = target.partition("?")
                    raw_path = raw_path.split("#", 1)[0] or "/"
                if control:
                    self._control(raw_path, raw_query)
                    return
                self._route(host, raw_path, raw_query)
            except ApiError as e:
                self._send_error(e)
        except ClientGone:
            self.close_connection = True
        except (ConnectionError, BrokenPipeError, socket.timeout, TimeoutError):
            self.close_connection = True
        except Exception as e:  # never crash: report an Azure-shaped 500
            self.close_connection = True
            if emu.verbose:
                import traceback
                traceback.print_exc()
            try:
                if not self.resp_status:
                    self._send_error(ApiError(500, "InternalError",
                                              "Server encountered an internal error. Please try again after some "
                                              "time. (%s)" % type(e).__name__))
            except OSError:
                pass
        finally:
            if self.body is not None and self.body.remaining > 0:
                # Unread request body: drain a little, otherwise drop the connection.
                if self.body.remaining <= 1024 * 1024 and not self.close_connection:
                    try:
                        self.body.read_all(1024 * 1024)
                    except Exception:
                        self.close_connection = True
                else:
                    self.close_connection = True
            if not control:
                try:
                    self._log()
                finally:
                    emu.request_log.end()

    def _content_length(self) -> int:
        te = self.headers.get("Transfer-Encoding")
        if te and te.strip().lower() != "identity":
            self.close_connection = True
            raise ApiError(411, "MissingContentLengthHeader", "Content-Length header must be specified "
                           "(chunked transfer encoding is not supported).")
        cl = self.headers.get("Content-Length")
        if cl is None or cl.strip() == "":
            return 0
        try:
            n = int(cl.strip())
            if n < 0:
                raise ValueError
            return n
        except ValueError:
            self.close_connection = True
            raise err_bad_header("Content-Length", cl)

    def _log(self) -> None:
        emu = self.server.emulator
        q = {}
        for k, v in self.log_ctx.get("query", {}).items():
            q[k] = "REDACTED" if k.lower() in REDACT_QUERY else v
        entry = {
            "time": iso_utc(_now()),
            "requestId": self.request_id,
            "method": getattr(self, "command", None),
            "operation": self.log_ctx.get("operation"),
            "account": self.log_ctx.get("account"),
            "container": self.log_ctx.get("container"),
            "blob": self.log_ctx.get("blob"),
            "query": q,
            "status": self.resp_status,
            "errorCode": self.resp_error_code,
            "bytes": (self.body.read_bytes if self.body else 0) + self.resp_bytes,
            "bytesIn": self.body.read_bytes if self.body else 0,
            "bytesOut": self.resp_bytes,
            "auth": self.log_ctx.get("auth"),
            "durationMs": round((time.monotonic() - self.t0) * 1000, 3),
        }
        if self.log_ctx.get("fault"):
            entry["fault"] = self.log_ctx["fault"]
        if self.headers.get("x-ms-range") or self.headers.get("Range"):
            entry["range"] = self.headers.get("x-ms-range") or self.headers.get("Range")
        emu.request_log.add(entry)

    # ---------- responses ----------
    def _error_xml(self, code: str, message: str, request_id: str, detail: Dict[str, str]) -> bytes:
        msg = "%s\nRequestId:%s\nTime:%s" % (message, request_id, iso_utc(_now()))
        extra = "".join("<%s>%s</%s>" % (k, xml_text(v), k) for k, v in detail.items())
        return ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s</Message>%s</Error>'
                % (xml_text(code), xml_text(msg), extra)).encode("utf-8")

    def _common_headers(self) -> Dict[str, str]:
        h = {"x-ms-request-id": self.request_id, "x-ms-version": self.resp_version}
        cid = self.headers.get("x-ms-client-request-id")
        if cid:
            h["x-ms-client-request-id"] = cid
        return h

    def _start(self, status: int, headers: Dict[str, str], content_length: int) -> None:
        self.resp_status = status
        self.send_response(status)
        for k, v in self._common_headers().items():
            self.send_header(k, v)
        for k, v in headers.items():
            if v is None:
                continue
            self.send_header(k, str(v))
        if status != 304 and status >= 200 and status != 204:
            self.send_header("Content-Length", str(content_length))
        if self.close_connection or (self.body is not None and self.body.remaining > 1024 * 1024):
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()

    def _send_bytes(self, status: int, headers: Dict[str, str], body: bytes = b"") -> None:
        self._start(status, headers, len(body))
        if self.command != "HEAD" and body and status not in (204, 304):
            self._write_body(memoryview(body))

    def _write_body(self, mv: memoryview) -> None:
        if self.truncate_after is not None:
            allowed = max(0, self.truncate_after - self.resp_bytes)
            if len(mv) > allowed:
                if allowed:
                    self.wfile.write(mv[:allowed])
                    self.resp_bytes += allowed
                self._abort_connection()
                return
        self.wfile.write(mv)
        self.resp_bytes += len(mv)

    def _abort_connection(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise ClientGone()

    def _send_file(self, status: int, headers: Dict[str, str], fh, offset: int, count: int) -> None:
        self._start(status, headers, count)
        if self.command == "HEAD" or count == 0:
            return
        to_send = count
        truncated = False
        if self.truncate_after is not None and self.truncate_after < count:
            to_send = self.truncate_after
            truncated = True
        sent_total = 0
        try:
            while sent_total < to_send:
                n = self.connection.sendfile(fh, offset + sent_total, to_send - sent_total)
                if n == 0:
                    break
                sent_total += n
        finally:
            self.resp_bytes += sent_total
        if truncated or sent_total < count:
            self._abort_connection()

    def _send_error(self, e: ApiError) -> None:
        self.resp_error_code = e.code
        if self.resp_status:
            # Headers were already sent; the only honest thing left is to drop the connection.
            self.close_connection = True
            return
        if self.body is not None and 0 < self.body.remaining <= ERROR_DRAIN_LIMIT and not self.close_connection:
            # Swallow the rest of the upload first so the client reads our error instead of a reset.
            try:
                scratch = memoryview(bytearray(min(CHUNK, self.body.remaining)))
                while self.body.remaining > 0:
                    self.body.readinto(scratch[: min(len(scratch), self.body.remaining)])
            except (ClientGone, OSError):
                self.close_connection = True
                return
        body = self._error_xml(e.code, e.message, self.request_id, e.detail)
        headers = {"x-ms-error-code": e.code, "Content-Type": "application/xml"}
        headers.update(e.headers)
        if e.status in (304,):
            body = b""
            headers.pop("Content-Type")
        self._send_bytes(e.status, headers, body)

    def _send_xml(self, status: int, xml: str, headers: Optional[Dict[str, str]] = None) -> None:
        h = {"Content-Type": "application/xml"}
        if headers:
            h.update(headers)
        self._send_bytes(status, h, xml.encode("utf-8"))

    def _send_json(self, status: int, obj: Any) -> None:
        self._send_bytes(status, {"Content-Type": "application/json"}, json.dumps(obj).encode("utf-8"))

    # ---------- control API ----------
    def _control(self, raw_path: str, raw_query: str) -> None:
        emu = self.server.emulator
        path = raw_path.rstrip("/")
        method = self.command
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
                emu.faults.clear()
                self._send_bytes(204, {})
                return
            if method == "GET":
                with emu.faults.lock:
                    rules = [r.to_json() for r in emu.faults.rules]
                self._send_json(200, rules)
                return
        elif path == "/__emulator/delayed":
            if method == "GET":
                with emu.faults.lock:
                    count = emu.faults.delaying
                self._send_json(200, {"count": count})
                return
        elif path == "/__emulator/requests":
            if method == "GET":
                emu.request_log.wait_idle(2.0)
                self._send_bytes(200, {"Content-Type": "application/x-ndjson"},
                                 emu.request_log.dump().encode("utf-8"))
                return
            if method == "DELETE":
                emu.request_log.wait_idle(2.0)
                emu.request_log.clear()
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

    # ---------- routing ----------
    def _route(self, host: str, raw_path: str, raw_query: str) -> None:
        emu = self.server.emulator
        method = self.command
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host
        m = _HOST_ACCOUNT_RE.match(hostname)
        try:
            path = unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
        if m:
            account = m.group(1).lower()
            host_style = True
            rest = path[1:] if path.startswith("/") else path
        else:
            host_style = False
            trimmed = path[1:] if path.startswith("/") else path
            account, _, rest = trimmed.partition("/")
        container, _, blob = rest.partition("/")
        container = container or None
        blob = blob if blob != "" else None
        pairs = parse_query(raw_query)
        query: Dict[str, str] = {}
        for name, value, _ in pairs:
            lname = name.lower()
            if lname in query:
                query[lname] = query[lname] + "," + value
            else:
                query[lname] = value
        self.log_ctx.update({"account": account or None, "container": container, "blob": blob,
                             "query": {n: v for n, v, _ in pairs}})
        xv = self.headers.get("x-ms-version")
        if xv:
            self.resp_version = xv
        elif query.get("sv"):
            self.resp_version = query["sv"]

        if method not in ("GET", "HEAD", "PUT", "DELETE"):
            raise ApiError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")
        operation = self._operation(method, container, blob, query)
        self.log_ctx["operation"] = operation

        # Fault injection happens before everything else, as a flaky front end would.
        rules = emu.faults.take(method, account, container, blob, operation)
        for rule in rules:
            if rule.latency_ms:
                with emu.faults.lock:
                    emu.faults.delaying += 1
                try:
                    time.sleep(rule.latency_ms / 1000.0)
                finally:
                    with emu.faults.lock:
                        emu.faults.delaying -= 1
        for rule in rules:
            if rule.drop_after is not None:
                # A dropped connection: read part of the request body, then reset the socket with no response.
                self.log_ctx["fault"] = {"id": rule.id, "dropAfterRequestBytes": rule.drop_after}
                scratch = memoryview(bytearray(CHUNK))
                wanted = min(rule.drop_after, self.body.remaining)
                while wanted > 0:
                    wanted -= self.body.readinto(scratch[: min(len(scratch), wanted)])
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._abort_connection()
            if rule.status is not None:
                self.log_ctx["fault"] = {"id": rule.id, "status": rule.status}
                code = rule.error_code or {500: "InternalError", 503: "ServerBusy", 408: "OperationTimedOut",
                                           429: "ServerBusy", 404: "BlobNotFound",
                                           412: "ConditionNotMet"}.get(rule.status, "InjectedFault")
                headers = {"Retry-After": rule.retry_after, "x-ms-retry-after-ms": rule.retry_after_ms}
                raise ApiError(rule.status, code, "Injected fault (emulator rule %d)." % rule.id,
                               headers={k: str(v) for k, v in headers.items() if v is not None})
            if rule.truncate is not None:
                self.log_ctx["fault"] = {"id": rule.id, "truncateAfterBytes": rule.truncate}
                self.truncate_after = rule.truncate

        if not account or account not in emu.keys:
            raise ApiError(404, "ResourceNotFound", "The specified account does not exist.")
        if container is not None and not _CONTAINER_RE.match(container):
            raise ApiError(400, "InvalidResourceName", "The specifed resource name contains invalid characters.")
        if blob is not None:
            if len(blob) > 1024 or any(ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF for ch in blob):
                raise ApiError(400, "InvalidResourceName", "The specifed resource name contains invalid "
                               "characters.")

        # Canonicalized resource paths for Shared Key.
        if host_style:
            resource_paths = ["/" + account + raw_path]
        else:
            resource_paths = ["/" + account + raw_path]
            single = raw_path  # already /account/...
            if single not in resource_paths:
                resource_paths.append(single)
        auth = self._authenticate(account, container, blob, operation, query, pairs, resource_paths)
        self.log_ctx["auth"] = auth.kind
        handler = getattr(self, "op_" + operation)
        handler(auth, account, container, blob, query)

    def _operation(self, method: str, container: Optional[str], blob: Optional[str], q: Dict[str, str]) -> str:
        comp = q.get("comp")
        restype = q.get("restype")
        if container is None:
            if method == "GET" and comp == "list":
                return "ListContainers"
            if method in ("GET", "HEAD") and restype == "account" and comp == "properties":
                return "GetAccountInfo"
            if method == "GET" and restype == "service" and comp == "properties":
                return "GetServiceProperties"
            raise ApiError(400, "InvalidQueryParameterValue" if comp or restype else "InvalidUri",
                           "The requested URI does not represent any resource on the server.")
        if blob is None:
            if restype == "account" and comp == "properties" and method in ("GET", "HEAD"):
                return "GetAccountInfo"
            if restype != "container":
                raise err_bad_query("restype", restype or "",
                                    "The requested URI does not represent any resource on the server.")
            if comp is None:
                return {"PUT": "CreateContainer", "GET": "GetContainerProperties",
                        "HEAD": "GetContainerProperties", "DELETE": "DeleteContainer"}[method]
            if comp == "list" and method == "GET":
                return "ListBlobs"
            if comp == "metadata" and method == "PUT":
                return "SetContainerMetadata"
            if comp == "metadata" and method in ("GET", "HEAD"):
                return "GetContainerMetadata"
            if comp in ("acl", "lease", "batch", "blobs", "undelete", "rename"):
                raise ApiError(501, "NotImplemented", "The emulator does not implement comp=%s." % comp)
            raise err_bad_query("comp", comp)
        if comp is None:
            if method == "PUT":
                if self.headers.get("x-ms-copy-source"):
                    raise ApiError(501, "NotImplemented", "The emulator does not implement Copy Blob.")
                return "PutBlob"
            return {"GET": "GetBlob", "HEAD": "GetBlobProperties", "DELETE": "DeleteBlob"}[method]
        table = {("PUT", "block"): "PutBlock", ("PUT", "blocklist"): "PutBlockList",
                 ("GET", "blocklist"): "GetBlockList", ("PUT", "metadata"): "SetBlobMetadata",
                 ("GET", "metadata"): "GetBlobMetadata", ("HEAD", "metadata"): "GetBlobMetadata",
                 ("PUT", "properties"): "SetBlobProperties", ("PUT", "tier"): "SetBlobTier",
                 ("PUT", "lease"): "LeaseBlob"}
        op = table.get((method, comp))
        if op is None:
            if comp in ("snapshot", "copy", "tags", "appendblock", "page", "pagelist", "expiry",
                        "immutabilityPolicies", "legalhold", "undelete", "query"):
                raise ApiError(501, "NotImplemented", "The emulator does not implement comp=%s." % comp)
            raise err_bad_query("comp", comp)
        if op == "PutBlock" and self.headers.get("x-ms-copy-source"):
            raise ApiError(501, "NotImplemented", "The emulator does not implement Put Block From URL.")
        return op

    # ---------- authentication ----------
    def _authenticate(self, account, container, blob, operation, q, pairs, resource_paths) -> AuthContext:
        emu = self.server.emulator
        key = emu.keys[account]
        authz = self.headers.get("Authorization")
        if authz:
            scheme, _, cred = authz.strip().partition(" ")
            if scheme != "SharedKey":
                raise err_auth("Authorization scheme '%s' is not supported by the emulator." % scheme[:32])
            acct, _, sig = cred.strip().partition(":")
            if acct != account:
                raise err_auth("The account name in the Authorization header does not match the request.")
            date_header = self.headers.get("x-ms-date") or self.headers.get("Date")
            if not date_header:
                raise err_auth("Request date header not specified")
            ts = parse_http_date(date_header)
            if ts is None:
                raise err_auth("Request date header '%s' is invalid." % date_header[:64])
            if abs(ts - _now()) > CLOCK_SKEW_SECONDS:
                raise err_auth("Request date header too old or in the future: '%s'" % date_header[:64])
            candidates = shared_key_candidates(self.command, self.headers, account, resource_paths, pairs)
            for s in candidates:
                if hmac.compare_digest(hmac_b64(key, s), sig.strip()):
                    return AuthContext("sharedkey")
            raise err_auth("The MAC signature found in the HTTP request is not the same as any computed "
                           "signature. Server used following string to sign: '%s'." % candidates[0])
        if "sig" in q:
            return self._authenticate_sas(account, container, blob, operation, q, key)
        # Anonymous: allowed only for public containers.
        if container is not None:
            c = emu.store.get_container(account, container)
            if c is not None and c.public_access:
                if operation in ANON_BLOB_READ or (c.public_access == "container"
                                                   and operation in ANON_CONTAINER_READ):
                    return AuthContext("anonymous")
        raise ApiError(404, "ResourceNotFound", "The specified resource does not exist.")

    def _authenticate_sas(self, account, container, blob, operation, q, key) -> AuthContext:
        emu = self.server.emulator
        sv = q.get("sv")
        if not sv:
            raise err_auth("sv is mandatory. Cannot be empty")
        if "skoid" in q:
            raise err_auth("User delegation SAS is not supported by the emulator.")
        sig = q.get("sig", "")
        account_sas = "ss" in q or "srt" in q
        if account_sas:
            sts = account_sas_string_to_sign(account, q)
        else:
            sr = q.get("sr", "")
            if sr in ("c",):
                cr = "/blob/%s/%s" % (account, container or "")
            elif sr in ("b", "bs", "bv"):
                cr = "/blob/%s/%s/%s" % (account, container or "", blob or "")
            else:
                raise err_auth("Signed resource '%s' is not supported." % sr[:16])
            snapshot = q.get("snapshot") or q.get("versionid") or ""
            maybe = service_sas_string_to_sign(q, cr, snapshot)
            if maybe is None:
                raise err_auth("SAS version %s is not supported by the emulator (need >= 2015-04-05)." % sv[:16])
            sts = maybe
        if not hmac.compare_digest(hmac_b64(key, sts), sig):
            raise err_auth("Signature did not match. String to sign used was %s" % sts)
        now = _now()
        st, se = q.get("st"), q.get("se")
        if not se:
            raise err_auth("Signed expiry time (se) is required.")
        se_ts = parse_iso8601(se)
        if se_ts is None:
            raise err_auth("Signed expiry time '%s' is not a valid date." % se[:40])
        if now > se_ts:
            raise err_auth("Signed expiry time [%s] must be after current time [%s]" % (se, rfc1123(now)))
        if st:
            st_ts = parse_iso8601(st)
            if st_ts is None:
                raise err_auth("Signed start time '%s' is not a valid date." % st[:40])
            if now < st_ts:
                raise err_auth("Signed start time [%s] is in the future (current time %s)" % (st, rfc1123(now)))
        spr = q.get("spr")
        if spr and "http" not in [p.strip() for p in spr.split(",")]:
            raise ApiError(403, "AuthorizationProtocolMismatch",
                           "This request is not authorized to perform this operation using this protocol.")
        sip = q.get("sip")
        if sip and not ip_allowed(sip, self.client_address[0]):
            raise ApiError(403, "AuthorizationSourceIPMismatch",
                           "This request is not authorized to perform this operation using this source IP %s."
                           % self.client_address[0])
        if q.get("si"):
            raise err_auth("Stored access policies (si) are not supported by the emulator.")
        perms = q.get("sp", "")
        needed, rtype = OP_PERMS[operation]
        if account_sas:
            if "b" not in q.get("ss", ""):
                raise ApiError(403, "AuthorizationServiceMismatch",
                               "This request is not authorized to perform this operation using this service.")
            if rtype not in q.get("srt", ""):
                raise ApiError(403, "AuthorizationResourceTypeMismatch",
                               "This request is not authorized to perform this operation using this resource "
                               "type.")
        else:
            if operation in ("CreateContainer", "DeleteContainer", "SetContainerMetadata", "ListContainers",
                             "GetServiceProperties"):
                raise err_permission()
            if q.get("sr") != "c" and operation in ("ListBlobs", "GetContainerProperties",
                                                    "GetContainerMetadata"):
                raise err_permission()
        if not any(p in perms for p in needed):
            allowed = False
            if operation in CREATE_OPS and "c" in perms:
                c = emu.store.get_container(account, container)
                allowed = c is None or (blob not in c.blobs)  # 'c' may only create new blobs
            if not allowed:
                raise err_permission()
        return AuthContext("sas", permissions=perms, sas=q, account_sas=account_sas,
                           resource_types=q.get("srt", ""))

    # ---------- account-level ----------
    def op_GetAccountInfo(self, auth, account, container, blob, q):
        self._send_bytes(200, {"x-ms-sku-name": "Standard_LRS", "x-ms-account-kind": "StorageV2",
                               "x-ms-is-hns-enabled": "false"})

    def op_GetServiceProperties(self, auth, account, container, blob, q):
        xml = ('<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Logging><Version>1.0</Version>'
               '<Read>false</Read><Write>false</Write><Delete>false</Delete><RetentionPolicy><Enabled>false'
               '</Enabled></RetentionPolicy></Logging><Cors /><DeleteRetentionPolicy><Enabled>false</Enabled>'
               '</DeleteRetentionPolicy><StaticWebsite><Enabled>false</Enabled></StaticWebsite>'
               '</StorageServiceProperties>')
        self._send_xml(200, xml)

    def op_ListContainers(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        prefix = q.get("prefix", "")
        marker = q.get("marker", "")
        maxresults = self._maxresults(q)
        include = [s.strip() for s in q.get("include", "").split(",") if s.strip()]
        with store.lock:
            items = sorted((n, c) for n, c in store.accounts.get(account, {}).items()
                           if n.startswith(prefix) and n >= marker)
        page, rest = items[:maxresults], items[maxresults:]
        parts = ['<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="%s">'
                 % xml_text(self._service_endpoint(account))]
        if "prefix" in q:
            parts.append("<Prefix>%s</Prefix>" % xml_text(prefix))
        if "marker" in q:
            parts.append("<Marker>%s</Marker>" % xml_text(marker))
        if "maxresults" in q:
            parts.append("<MaxResults>%d</MaxResults>" % maxresults)
        parts.append("<Containers>")
        for name, c in page:
            parts.append("<Container><Name>%s</Name><Properties><Last-Modified>%s</Last-Modified>"
                         "<Etag>%s</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
                         "%s<HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false"
                         "</HasLegalHold></Properties>"
                         % (xml_text(name), rfc1123(c.last_modified), xml_text(c.etag),
                            "<PublicAccess>%s</PublicAccess>" % c.public_access if c.public_access else ""))
            if "metadata" in include:
                parts.append("<Metadata>%s</Metadata>" % "".join(
                    "<%s>%s</%s>" % (k, xml_text(v), k) for k, v in c.metadata.items()))
            parts.append("</Container>")
        parts.append("</Containers>")
        parts.append("<NextMarker>%s</NextMarker>" % xml_text(rest[0][0]) if rest else "<NextMarker />")
        parts.append("</EnumerationResults>")
        self._send_xml(200, "".join(parts))

    def _service_endpoint(self, account: str) -> str:
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        if _HOST_ACCOUNT_RE.match(host):
            return "http://%s/" % host
        return "http://%s/%s/" % (host, account)

    def _maxresults(self, q: Dict[str, str]) -> int:
        cap = self.server.emulator.max_list_results
        raw = q.get("maxresults")
        if raw is None:
            return cap
        try:
            n = int(raw)
        except ValueError:
            raise err_bad_query("maxresults", raw)
        if n <= 0:
            raise ApiError(400, "OutOfRangeQueryParameterValue", "One of the query parameters specified in the "
                           "request URI is outside the permissible range.",
                           detail={"QueryParameterName": "maxresults", "QueryParameterValue": raw,
                                   "MinimumAllowed": "1", "MaximumAllowed": "5000"})
        return min(n, cap)

    # ---------- containers ----------
    def op_CreateContainer(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        meta = collect_metadata(self.headers)
        access = self.headers.get("x-ms-blob-public-access")
        if access is not None and access not in ("container", "blob"):
            raise err_bad_header("x-ms-blob-public-access", access)
        c = store.create_container(account, container, meta, access)
        self._send_bytes(201, {"ETag": c.etag, "Last-Modified": rfc1123(c.last_modified)})

    def _container_headers(self, c: Container) -> Dict[str, str]:
        h = {"ETag": c.etag, "Last-Modified": rfc1123(c.last_modified), "x-ms-lease-state": "available",
             "x-ms-lease-status": "unlocked", "x-ms-has-immutability-policy": "false",
             "x-ms-has-legal-hold": "false", "x-ms-default-encryption-scope": "$account-encryption-key",
             "x-ms-deny-encryption-scope-override": "false"}
        if c.public_access:
            h["x-ms-blob-public-access"] = c.public_access
        for k, v in c.metadata.items():
            h["x-ms-meta-" + k] = v
        return h

    def op_GetContainerProperties(self, auth, account, container, blob, q):
        c = self.server.emulator.store.require_container(account, container)
        self._send_bytes(200, self._container_headers(c))

    op_GetContainerMetadata = op_GetContainerProperties

    def op_SetContainerMetadata(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        meta = collect_metadata(self.headers)
        with store.lock:
            c = store.require_container(account, container)
            c.metadata = meta
            c.etag = store.new_etag()
            c.last_modified = _now()
            store.save_container(c)
        self._send_bytes(200, {"ETag": c.etag, "Last-Modified": rfc1123(c.last_modified)})

    def op_DeleteContainer(self, auth, account, container, blob, q):
        self.server.emulator.store.delete_container(account, container)
        self._send_bytes(202, {})

    # ---------- list blobs ----------
    def op_ListBlobs(self, auth, account, container, blob, q):
        store = self.server.emulator.store
        prefix = q.get("prefix", "")
        delimiter = q.get("delimiter", "")
        marker = q.get("marker", "")
        maxresults = self._maxresults(q)
        include = [s.strip().lower() for s in q.get("include", "").split(",") if s.strip()]
        valid_include = {"snapshots", "metadata", "uncommittedblobs", "copy", "deleted", "tags", "versions",
                         "deletedwithversions", "immutabilitypolicy", "legalhold", "permissions"}
        for inc in include:
            if inc not in valid_include:
                raise err_bad_query("include", q.get("include", ""))
        with store.lock:
            c = store.require_container(account, container)
            names = list(c.sorted_names())
            records = dict(c.blobs)
            if "uncommittedblobs" in include:
                extra = [n for n, blocks in c.uncommitted.items() if blocks and n not in records]
                if extra:
                    names = sorted(set(names) | set(extra))
        items: List[Tuple[str, str, Optional[BlobRecord]]] = []  # (kind, key, record)
        next_marker = ""
        last_prefix = None
        import bisect
        start = bisect.bisect_left(names, max(marker, prefix))
        for name in names[start:]:
            if not name.startswith(prefix):
                break
            if delimiter:
                idx = name.find(delimiter, len(prefix))
                if idx >= 0:
                    p = name[: idx + len(delimiter)]
                    if p == last_prefix:
                        continue
                    if len(items) >= maxresults:
                        next_marker = p
                        break
                    last_prefix = p
                    items.append(("prefix", p, None))
                    continue
            if len(items) >= maxresults:
                next_marker = name
                break
            items.append(("blob", name, records.get(name)))
        now = _now()
        parts = ['<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="%s" '
                 'ContainerName="%s">' % (xml_text(self._service_endpoint(account)), xml_text(container))]
        if "prefix" in q:
            parts.append("<Prefix>%s</Prefix>" % xml_text(prefix))
        if "marker" in q:
            parts.append("<Marker>%s</Marker>" % xml_text(marker))
        if "maxresults" in q:
            parts.append("<MaxResults>%d</MaxResults>" % maxresults)
        if "delimiter" in q:
            parts.append("<Delimiter>%s</Delimiter>" % xml_text(delimiter))
        parts.append("<Blobs>")
        for kind, key, rec in items:
            if kind == "prefix":
                parts.append("<BlobPrefix><Name>%s</Name></BlobPrefix>" % xml_text(key))
                continue
            parts.append("<Blob><Name>%s</Name>" % xml_text(key))
            if rec is None:  # uncommitted-only blob
                parts.append("<Properties><Content-Length>0</Content-Length><BlobType>BlockBlob</BlobType>"
                             "</Properties>")
                if "metadata" in include:
                    parts.append("<Metadata />")
                parts.append("</Blob>")
                continue
            state, status, duration = rec.lease_view(now)
            props = [
                ("Creation-Time", rfc1123(rec.creation_time)),
                ("Last-Modified", rfc1123(rec.last_modified)),
                ("Etag", rec.etag.strip('"')),
                ("Content-Length", str(rec.size)),
                ("Content-Type", rec.content_type or ""),
                ("Content-Encoding", rec.content_encoding or ""),
                ("Content-Language", rec.content_language or ""),
                ("Content-CRC64", ""),
                ("Content-MD5", rec.content_md5 or ""),
                ("Cache-Control", rec.cache_control or ""),
                ("Content-Disposition", rec.content_disposition or ""),
                ("BlobType", rec.blob_type),
                ("AccessTier", rec.tier),
                ("AccessTierInferred", "false" if rec.tier_explicit else "true"),
                ("LeaseStatus", status),
                ("LeaseState", state),
            ]
            if duration:
                props.append(("LeaseDuration", duration))
            if rec.tier_change_time:
                props.append(("AccessTierChangeTime", rfc1123(rec.tier_change_time)))
            props.append(("ServerEncrypted", "true"))
            parts.append("<Properties>")
            for k, v in props:
                parts.append("<%s>%s</%s>" % (k, xml_text(v), k) if v != "" else "<%s />" % k)
            parts.append("</Properties>")
            if "metadata" in include:
                parts.append("<Metadata>%s</Metadata>" % "".join(
                    "<%s>%s</%s>" % (k, xml_text(v), k) for k, v in rec.metadata.items()))
            parts.append("</Blob>")
        parts.append("</Blobs>")
        parts.append("<NextMarker>%s</NextMarker>" % xml_text(next_marker) if next_marker else "<NextMarker />")
        parts.append("</EnumerationResults>")
        self._send_xml(200, "".join(parts))

    # ---------- blob helpers ----------
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

    def _fill(self, mv: memoryview) -> int:
        """Read until mv is full or the body ends; returns the byte count."""
        got = 0
        while got < len(mv):
            got += self.body.readinto(mv[got:])
        return got

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

    def _receive_checked(self, path: str, length: int, tx_md5: Optional[bytes]) -> "hashlib._Hash":
        """Receives the request body into `path`; checks the transactional Content-MD5 when the client sent one."""
        md5 = hashlib.md5()
        self._receive_to(path, length, md5)
        if tx_md5 is not None and tx_md5 != md5.digest():
            raise ApiError(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the "
                           "MD5 value calculated by the server.",
                           detail={"UserSpecifiedMd5": base64.b64encode(tx_md5).decode(),
                                   "ServerCalculatedMd5": b64_md5(md5)})
        return md5

    def _receive_to(self, path: str, length: int, md5: "hashlib._Hash") -> None:
        """Stream the request body to path in 1 MiB chunks while hashing it.

        Large bodies hash on a helper thread (hashlib releases the GIL), so receiving+writing and MD5
        overlap; a small pool of buffers bounds memory to POOL MiB per upload."""
        with open(path, "wb", buffering=0) as f:
            if length <= 4 * CHUNK:
                buf = bytearray(max(1, min(CHUNK, length)))
                mv = memoryview(buf)
                remaining = length
                while remaining > 0:
                    n = self._fill(mv[: min(len(mv), remaining)])
                    md5.update(mv[:n])
                    f.write(mv[:n])
                    remaining -= n
                return
            import queue
            pool = 6
            free: "queue.Queue[bytearray]" = queue.Queue()
            for _ in range(pool):
                free.put(bytearray(CHUNK))
            work: "queue.Queue[Optional[Tuple[bytearray, int]]]" = queue.Queue()

            def hasher() -> None:
                while True:
                    item = work.get()
                    if item is None:
                        return
                    b, n = item
                    md5.update(memoryview(b)[:n])
                    free.put(b)

            t = threading.Thread(target=hasher, name="md5", daemon=True)
            t.start()
            try:
                remaining = length
                while remaining > 0:
                    b = free.get()
                    mv = memoryview(b)
                    n = self._fill(mv[: min(CHUNK, remaining)])
                    f.write(mv[:n])
                    remaining -= n
                    work.put((b, n))
            finally:
                work.put(None)
                t.join()

    # ---------- Put Blob ----------
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

    # ---------- Get Blob / properties ----------
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

    # ---------- property writes ----------
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

    # ---------- leases ----------
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


# --------------------------------------------------------------------------------------
# Server and embedding API
# --------------------------------------------------------------------------------------


class EmulatorHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, emulator: "BlobEmulator"):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self._conns_lock = threading.Lock()
        self._conns: set = set()
        super().__init__(addr, handler)

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError, ClientGone)):
            return
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class BlobEmulator:
    """Embeddable emulator: ``start()`` serves on a background thread, ``stop()`` shuts it down."""

    def __init__(self, data_dir: str, host: str = "127.0.0.1", port: int = 0,
                 accounts: Optional[Dict[str, str]] = None, log_file: Optional[str] = None,
                 verbose: bool = False):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator binds to loopback only")
        self.keys: Dict[str, bytes] = {}
        self.store = Store(data_dir)
        self.faults = Faults()
        self.max_list_results = MAX_LIST_RESULTS
        self.request_log = RequestLog(log_file)
        self.verbose = verbose
        self.add_account(DEV_ACCOUNT, DEV_KEY)
        for name, key in (accounts or {}).items():
            self.add_account(name, key)
        self.httpd = EmulatorHTTPServer(("127.0.0.1" if host == "localhost" else host, port), Handler, self)
        self._thread: Optional[threading.Thread] = None

    def add_account(self, name: Any, key: Any) -> None:
        if not isinstance(name, str) or not _ACCOUNT_RE.match(name):
            raise ValueError("account name must be 3-24 lowercase letters or digits")
        if not isinstance(key, str):
            raise ValueError("key must be a base64 string")
        try:
            raw = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("key must be valid base64")
        if not raw:
            raise ValueError("key must not be empty")
        self.keys[name] = raw
        self.store.add_account(name)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    def blob_endpoint(self, account: str = DEV_ACCOUNT) -> str:
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d/%s" % (host, self.port, account)

    def connection_string(self, account: str = DEV_ACCOUNT) -> str:
        key = base64.b64encode(self.keys[account]).decode()
        return ("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;"
                % (account, key, self.blob_endpoint(account)))

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.25)

    def start(self) -> "BlobEmulator":
        self._thread = threading.Thread(target=self.serve_forever, name="blob-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()
        self.httpd.close_all_connections()
        self.request_log.close()

    def __enter__(self) -> "BlobEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Azurite-compatible Azure Blob emulator (stdlib only).")
    ap.add_argument("--port", type=int, default=10000, help="TCP port (0 picks a free one)")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    ap.add_argument("--data-dir", required=True, help="directory holding blob data and sidecars")
    ap.add_argument("--account", action="append", default=[], metavar="NAME:BASE64KEY",
                    help="extra account (repeatable); devstoreaccount1 is always present")
    ap.add_argument("--log-file", help="append the JSON request log to this file")
    ap.add_argument("--verbose", action="store_true", help="print internal errors to stderr")
    args = ap.parse_args(argv)
    accounts: Dict[str, str] = {}
    for spec in args.account:
        name, sep, key = spec.partition(":")
        if not sep:
            ap.error("--account expects NAME:BASE64KEY")
        accounts[name] = key
    try:
        emu = BlobEmulator(args.data_dir, host=args.host, port=args.port, accounts=accounts,
                           log_file=args.log_file, verbose=args.verbose)
    except (ValueError, OSError) as e:
        print("blob_emulator: %s" % e, file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emu.start()
    sys.stdout.write(json.dumps({"port": emu.port}) + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

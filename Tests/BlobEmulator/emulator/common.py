"""Constants, regular expressions and time/XML helpers shared by the emulator modules.

Contract: values and pure functions only (no state, no I/O). Names with a leading underscore are
package-internal; they keep the names they had in the single-file emulator.
"""

from __future__ import annotations

import base64
import datetime as _dt
import email.utils
import hashlib
import re
import time
from typing import Any, Optional
from xml.sax.saxutils import escape as _xml_escape


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

"""Authorization: Shared Key, service and account SAS, anonymous access to public containers.

Contract: `AuthMixin._authenticate` (a handler mixin) checks a request in Azure's order (authentication,
then permissions) and returns an `AuthContext` or raises `ApiError` (403 `AuthenticationFailed`,
`AuthorizationPermissionMismatch`, ...; 404 `ResourceNotFound` for anonymous requests to private data).
The string-to-sign builders (`shared_key_candidates`, `service_sas_string_to_sign`,
`account_sas_string_to_sign`) and `hmac_b64` are also used by the conformance suite's signing vectors.
`OP_PERMS` maps each operation to its SAS permission letters and account-SAS resource type.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Dict, Iterable, List, Optional, Tuple
from urllib.parse import unquote, unquote_plus

from .common import CLOCK_SKEW_SECONDS, _now, parse_http_date, parse_iso8601, rfc1123
from .errors import ApiError, err_auth, err_permission


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


class AuthMixin:
    """Handler mixin: authenticates and authorizes the request being routed (needs the base handler's
    `headers`, `command`, `client_address` and `server.emulator`)."""

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

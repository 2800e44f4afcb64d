"""Listing: List Containers and List Blobs (prefix, delimiter, marker, maxresults, include).

Contract: listings are in code-point name order, pages hold at most `maxresults` entries (capped by the
`maxListResults` setting), `NextMarker` is the next entry's name (empty at the end), and the XML matches
Azure's shape (unquoted `Etag`, `BlobPrefix` entries interleaved with blobs).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .common import _HOST_ACCOUNT_RE, _now, rfc1123, xml_text
from .errors import ApiError, err_bad_query
from .store import BlobRecord


class ListOps:
    """Handler mixin: List Containers and List Blobs, with their `maxresults` and endpoint helpers."""

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

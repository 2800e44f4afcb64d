#!/usr/bin/env python3
"""Write Tests/AzFuseTests/Fixtures/signing-vectors.json from the REAL Azure Python SDK.

Run with the tool venv (scripts/setup-python-env.sh):
    .venv-tools/bin/python scripts/generate-signing-vectors.py

Shared Key: each request goes through the SDK's own SharedKeyCredentialPolicy; the string-to-sign
is captured at the point where the policy signs it, and the Authorization header is the one the
policy sets. SAS: tokens come from generate_blob_sas / generate_container_sas and the string-to-sign
from their sts_hook. Every vector is checked: HMAC-SHA256(key, stringToSign) must equal the SDK's
signature, otherwise the script fails. Inputs are fixed, so the output is deterministic.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import sys
import urllib.parse
from pathlib import Path

import azure.storage.blob
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.pipeline.transport import HttpRequest
from azure.storage.blob import generate_blob_sas, generate_container_sas
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "Tests" / "AzFuseTests" / "Fixtures" / "signing-vectors.json"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
BASE = f"http://127.0.0.1:10000/{ACCOUNT}"
DATE = "Wed, 25 Nov 2026 08:00:00 GMT"
VERSION = "2021-08-06"


def hmac_b64(text: str) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(KEY), text.encode("utf-8"), hashlib.sha256).digest()).decode()


class CapturingPolicy(SharedKeyCredentialPolicy):
    """The SDK policy, unchanged, except that it remembers the string it signed."""

    captured: str = ""

    def _add_authorization_header(self, request, string_to_sign):
        self.captured = string_to_sign
        super()._add_authorization_header(request, string_to_sign)


def shared_key_vector(name: str, method: str, url: str, headers: dict) -> dict:
    policy = CapturingPolicy(ACCOUNT, KEY)
    http_request = HttpRequest(method, url, headers=dict(headers))
    policy.on_request(PipelineRequest(http_request, PipelineContext(None)))
    authorization = http_request.headers["Authorization"]
    sts = policy.captured
    if authorization != f"SharedKey {ACCOUNT}:{hmac_b64(sts)}":
        raise SystemExit(f"{name}: HMAC of the captured string-to-sign does not match the SDK signature")
    return {"name": name, "method": method, "url": url, "headers": headers, "stringToSign": sts,
            "authorization": authorization}


def iso(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def sas_vector(name: str, resource: str, container: str, blob, permission: str, start, expiry,
               protocol, ip, **extra) -> dict:
    captured = []
    kwargs = dict(account_key=KEY, permission=permission, expiry=expiry, start=start, protocol=protocol, ip=ip,
                  sts_hook=captured.append, **extra)
    if resource == "b":
        token = generate_blob_sas(ACCOUNT, container, blob, **kwargs)
    else:
        token = generate_container_sas(ACCOUNT, container, **kwargs)
    if len(captured) != 1:
        raise SystemExit(f"{name}: the SDK did not report its string-to-sign")
    sts = captured[0]
    query = urllib.parse.parse_qs(token, keep_blank_values=True)
    if query["sig"][0] != hmac_b64(sts):
        raise SystemExit(f"{name}: HMAC of the SDK string-to-sign does not match the token signature")
    vector = {"name": name, "resource": resource, "container": container, "blob": blob, "permission": permission,
              "start": iso(start) if start else None, "expiry": iso(expiry), "protocol": protocol, "ip": ip,
              "version": query["sv"][0], "token": token, "stringToSign": sts}
    return vector


def main() -> int:
    md5_11 = base64.b64encode(hashlib.md5(b"hello world").digest()).decode()
    block_id = base64.b64encode(b"azfuse-block-000042-\xfb\xff").decode()  # contains '+' '/' '='
    block_list = ('<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>%s</Latest></BlockList>' % block_id)
    common = {"x-ms-date": DATE, "x-ms-version": VERSION}

    shared = [
        shared_key_vector("get-blob-range", "GET", f"{BASE}/container/dir/blob%20name.txt?timeout=30",
                          {**common, "x-ms-range": "bytes=0-99", "Content-Length": "0"}),
        shared_key_vector("head-blob", "HEAD", f"{BASE}/container/dir/file.bin",
                          {**common, "x-ms-client-request-id": "3f2f6e3a-9d0c-4a55-a0b0-1b2c3d4e5f60"}),
        shared_key_vector("get-blob-if-none-match", "GET", f"{BASE}/container/file.bin",
                          {**common, "If-None-Match": '"0x8DE2B1C0A1B2C3D"', "Content-Length": "0"}),
        shared_key_vector("put-blob", "PUT", f"{BASE}/container/dir/hello.txt",
                          {**common, "x-ms-blob-type": "BlockBlob", "Content-Length": "11",
                           "Content-MD5": md5_11, "Content-Type": "text/plain; charset=utf-8",
                           "x-ms-blob-content-type": "text/plain", "x-ms-meta-owner": "azfuse",
                           "If-None-Match": "*"}),
        shared_key_vector("put-block", "PUT",
                          f"{BASE}/container/big.bin?comp=block&blockid={urllib.parse.quote(block_id, safe='')}",
                          {**common, "Content-Length": "4194304"}),
        shared_key_vector("put-block-list", "PUT", f"{BASE}/container/big.bin?comp=blocklist",
                          {**common, "Content-Length": str(len(block_list)), "Content-Type": "application/xml",
                           "x-ms-blob-content-md5": md5_11, "x-ms-blob-content-type": "application/octet-stream",
                           "If-Match": '"0x8DE2B1C0A1B2C3D"'}),
        shared_key_vector("list-blobs", "GET",
                          f"{BASE}/container?restype=container&comp=list&prefix=dir%2Fsub%20dir%2F&delimiter=%2F"
                          f"&marker=dir%2Fsub%20dir%2Fm%C3%BCnchen.txt&maxresults=100&include=metadata",
                          {**common, "Content-Length": "0"}),
        shared_key_vector("unicode-percent-name", "GET",
                          f"{BASE}/container/{urllib.parse.quote('ünïcødé dir/100% sure & ok.txt')}",
                          {**common, "Content-Length": "0"}),
        shared_key_vector("delete-blob", "DELETE", f"{BASE}/container/dir/old.txt",
                          {**common, "x-ms-delete-snapshots": "include", "Content-Length": "0"}),
        shared_key_vector("lease-acquire", "PUT", f"{BASE}/container/locked.bin?comp=lease",
                          {**common, "x-ms-lease-action": "acquire", "x-ms-lease-duration": "60",
                           "x-ms-proposed-lease-id": "b6f2c7e8-1d2a-4f3b-9c4d-5e6f7a8b9c0d",
                           "Content-Length": "0"}),
        shared_key_vector("create-container", "PUT", f"{BASE}/newcontainer?restype=container",
                          {**common, "Content-Length": "0", "x-ms-meta-project": "azfuse"}),
        shared_key_vector("set-blob-metadata", "PUT", f"{BASE}/container/dir/hello.txt?comp=metadata",
                          {**common, "Content-Length": "0", "x-ms-meta-alpha": "1", "x-ms-meta-zeta": "last",
                           "x-ms-lease-id": "b6f2c7e8-1d2a-4f3b-9c4d-5e6f7a8b9c0d"}),
    ]

    start = dt.datetime(2026, 11, 25, 8, 0, 0, tzinfo=dt.timezone.utc)
    expiry = dt.datetime(2026, 11, 26, 8, 0, 0, tzinfo=dt.timezone.utc)
    sas = [
        sas_vector("blob-read", "b", "container", "dir/blob name.txt", "r", start, expiry, "https,http", None),
        sas_vector("blob-read-write-https", "b", "container", "dir/data.bin", "rw", start, expiry, "https", None),
        sas_vector("container-read-list", "c", "container", None, "rl", start, expiry, "https,http", None),
        sas_vector("container-racwdl", "c", "container", None, "racwdl", start, expiry, "https,http", None),
        sas_vector("blob-no-start", "b", "container", "file.bin", "r", None, expiry, "https,http", None),
        sas_vector("blob-ip-range", "b", "container", "file.bin", "r", start, expiry, "https,http",
                   "127.0.0.1-127.0.0.255"),
        sas_vector("container-no-protocol", "c", "container", None, "rwl", start, expiry, None, None),
        sas_vector("blob-unicode-name", "b", "container", "ünïcødé dir/100% sure.txt", "r", start, expiry,
                   "https,http", None),
    ]

    doc = {"account": ACCOUNT, "accountKey": KEY, "sharedKey": shared, "sas": sas}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}: {len(shared)} Shared Key and {len(sas)} SAS vectors "
          f"(azure-storage-blob {azure.storage.blob.__version__})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

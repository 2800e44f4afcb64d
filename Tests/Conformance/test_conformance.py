"""Conformance tests: the blob emulator against REAL clients (Azure Python SDK 12.x and azcopy 10.18.1).

Run through scripts/run-conformance.sh (it installs azcopy and the venv first), or directly:
    .venv-tools/bin/python -m pytest -q Tests/Conformance
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.core import MatchConditions
from azure.storage.blob import (
    AccountSasPermissions,
    BlobClient,
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContainerSasPermissions,
    ContentSettings,
    LinearRetry,
    ResourceTypes,
    generate_account_sas,
    generate_blob_sas,
    generate_container_sas,
)

REPO = Path(__file__).resolve().parents[2]
EMULATOR = REPO / "Tests" / "BlobEmulator" / "blob_emulator.py"
AZCOPY = REPO / ".tools" / "azcopy" / "azcopy"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
EXTRA_ACCOUNT = "secondacct"
EXTRA_KEY = base64.b64encode(b"second-account-key-0123456789abcdef").decode()


# --------------------------------------------------------------------------------------
# Emulator process
# --------------------------------------------------------------------------------------


class EmulatorProcess:
    def __init__(self, data_dir: Path, log_file: Path, extra_args=()):
        self.log_file = log_file
        self.proc = subprocess.Popen(
            [sys.executable, str(EMULATOR), "--port", "0", "--data-dir", str(data_dir), "--log-file", str(log_file),
             *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        if not ready:
            self.proc.kill()
            raise RuntimeError("emulator did not print its port within 15 s")
        line = self.proc.stdout.readline().decode()
        self.first_line = line
        self.port = json.loads(line)["port"]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def account_url(self) -> str:
        return f"{self.base}/{ACCOUNT}"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode

    # control API
    def control(self, method: str, path: str, body=None):
        return raw(self.port, method, path, {"Content-Type": "application/json"} if body is not None else {},
                   json.dumps(body).encode() if body is not None else b"")

    def requests(self):
        status, _, body = self.control("GET", "/__emulator/requests")
        assert status == 200
        return [json.loads(line) for line in body.decode().splitlines() if line.strip()]

    def clear_requests(self):
        assert self.control("DELETE", "/__emulator/requests")[0] == 204

    def clear_faults(self):
        assert self.control("DELETE", "/__emulator/faults")[0] == 204


def raw(port: int, method: str, path: str, headers=None, body: bytes = b"", timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


@pytest.fixture(scope="session")
def emu(tmp_path_factory):
    root = tmp_path_factory.mktemp("emulator")
    proc = EmulatorProcess(root / "data", root / "requests.jsonl", ["--account", f"{EXTRA_ACCOUNT}:{EXTRA_KEY}"])
    yield proc
    rc = proc.stop()
    assert rc == 0, "emulator must exit cleanly on SIGTERM"


@pytest.fixture(scope="session")
def svc(emu):
    return BlobServiceClient(emu.account_url, credential={"account_name": ACCOUNT, "account_key": KEY},
                             max_single_put_size=64 * 1024, max_block_size=16 * 1024, retry_total=0)


@pytest.fixture
def container(svc):
    name = "c" + uuid.uuid4().hex[:12]
    cc = svc.create_container(name)
    yield cc
    try:
        cc.delete_container()
    except ResourceNotFoundError:
        pass


def fast_retry():
    # The storage SDK's default exponential retry waits 15 s first; keep the suite fast.
    return LinearRetry(backoff=0.2, random_jitter_range=0.1, retry_total=3)


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def ops(entries, name=None):
    return [e["operation"] for e in entries if name is None or e["blob"] == name]


# --------------------------------------------------------------------------------------
# Startup, control API
# --------------------------------------------------------------------------------------


def test_startup_line_and_health(emu):
    assert json.loads(emu.first_line) == {"port": emu.port}
    status, headers, body = emu.control("GET", "/__emulator/health")
    assert status == 200 and json.loads(body) == {"ok": True}


def test_sigterm_exits_cleanly_and_data_persists(tmp_path):
    p = EmulatorProcess(tmp_path / "d", tmp_path / "log.jsonl")
    try:
        bs = BlobServiceClient(p.account_url, credential={"account_name": ACCOUNT, "account_key": KEY})
        bs.create_container("persist").upload_blob("a/b.txt", b"persisted")
    finally:
        assert p.stop() == 0
    p2 = EmulatorProcess(tmp_path / "d", tmp_path / "log2.jsonl")
    try:
        bs = BlobServiceClient(p2.account_url, credential={"account_name": ACCOUNT, "account_key": KEY})
        assert bs.get_blob_client("persist", "a/b.txt").download_blob().readall() == b"persisted"
    finally:
        assert p2.stop() == 0


def test_in_process_start(tmp_path):
    sys.path.insert(0, str(EMULATOR.parent))
    try:
        from blob_emulator import BlobEmulator
    finally:
        sys.path.pop(0)
    with BlobEmulator(str(tmp_path / "inproc")) as e:
        bs = BlobServiceClient(e.blob_endpoint(), credential={"account_name": ACCOUNT, "account_key": KEY})
        bs.create_container("inproc").upload_blob("x", b"123")
        assert bs.get_blob_client("inproc", "x").download_blob().readall() == b"123"


# --------------------------------------------------------------------------------------
# Azure Python SDK (Shared Key)
# --------------------------------------------------------------------------------------


def test_container_lifecycle(svc):
    name = "life-" + uuid.uuid4().hex[:8]
    cc = svc.create_container(name, metadata={"owner": "tests"})
    with pytest.raises(ResourceExistsError) as ei:
        svc.create_container(name)
    assert ei.value.error_code == "ContainerAlreadyExists"
    props = cc.get_container_properties()
    assert props.metadata == {"owner": "tests"} and props.etag.startswith('"0x')
    assert name in [c.name for c in svc.list_containers(name_starts_with="life-")]
    cc.delete_container()
    with pytest.raises(ResourceNotFoundError) as ei:
        cc.get_container_properties()
    assert ei.value.error_code == "ContainerNotFound"


def test_small_upload_is_single_put_blob_with_md5(emu, container):
    emu.clear_requests()
    data = b"hello emulator\n" * 100
    container.upload_blob("small.txt", data, metadata={"Kind": "small"},
                          content_settings=ContentSettings(content_type="text/plain"))
    assert ops(emu.requests(), "small.txt") == ["PutBlob"]
    bc = container.get_blob_client("small.txt")
    props = bc.get_blob_properties()
    assert props.size == len(data)
    assert props.etag.startswith('"0x') and props.etag.endswith('"')
    assert bytes(props.content_settings.content_md5) == hashlib.md5(data).digest()  # Azure computes it for Put Blob
    assert props.content_settings.content_type == "text/plain"
    assert props.blob_type == "BlockBlob" and props.metadata == {"Kind": "small"}
    assert props.lease.state == "available" and props.lease.status == "unlocked"
    assert props.blob_tier == "Hot" and props.creation_time is not None
    assert bc.download_blob().readall() == data
    assert bc.download_blob(offset=6, length=8).readall() == data[6:14]


def test_large_upload_uses_put_block_and_block_list(emu, container):
    emu.clear_requests()
    data = os.urandom(100 * 1024 + 123)  # > max_single_put_size (64 KiB), blocks of 16 KiB
    container.upload_blob("dir/large.bin", data)
    seen = ops(emu.requests(), "dir/large.bin")
    assert seen.count("PutBlock") == 7 and seen[-1] == "PutBlockList" and "PutBlob" not in seen
    bc = container.get_blob_client("dir/large.bin")
    props = bc.get_blob_properties()
    assert props.size == len(data)
    assert props.content_settings.content_md5 is None  # Azure does not compute MD5 for block lists
    assert bc.download_blob().readall() == data
    assert bc.download_blob(offset=50000, length=30000).readall() == data[50000:80000]
    # a client-supplied whole-blob MD5 is stored at commit
    md5 = hashlib.md5(data).digest()
    container.upload_blob("dir/large-md5.bin", data, content_settings=ContentSettings(content_md5=bytearray(md5)))
    assert bytes(container.get_blob_client("dir/large-md5.bin").get_blob_properties().content_settings.content_md5) \
        == md5
    # block list visible through Get Block List
    committed, uncommitted = bc.get_block_list("all")
    assert len(committed) == 7 and not uncommitted and sum(b.size for b in committed) == len(data)


def test_stage_and_commit_blocks_explicitly(container):
    bc = container.get_blob_client("staged")
    ids = [base64.b64encode(f"block-{i:04d}".encode()).decode() for i in range(3)]
    for i, bid in enumerate(ids):
        bc.stage_block(bid, bytes([65 + i]) * 10)
    _, uncommitted = bc.get_block_list("all")
    assert [b.id for b in uncommitted] == ids
    bc.commit_block_list([ids[2], ids[0]])
    assert bc.download_blob().readall() == b"C" * 10 + b"A" * 10
    # re-commit using a committed block plus a new one
    new_id = base64.b64encode(b"block-0009").decode()
    bc.stage_block(new_id, b"Z" * 5)
    from azure.storage.blob import BlobBlock
    bc.commit_block_list([BlobBlock(ids[0]), BlobBlock(new_id)])
    assert bc.download_blob().readall() == b"A" * 10 + b"Z" * 5
    with pytest.raises(HttpResponseError) as ei:
        bc.commit_block_list([base64.b64encode(b"block-9999").decode()])
    assert ei.value.status_code == 400 and ei.value.error_code == "InvalidBlockList"


def test_metadata_roundtrip_changes_etag(container):
    bc = container.upload_blob("meta.txt", b"m")
    before = bc.get_blob_properties()
    time.sleep(0.01)
    bc.set_blob_metadata({"Alpha": "1", "beta_two": "x y"})
    after = bc.get_blob_properties()
    assert after.metadata == {"Alpha": "1", "beta_two": "x y"}
    assert after.etag != before.etag
    assert after.last_modified >= before.last_modified
    blobs = list(container.list_blobs(name_starts_with="meta", include=["metadata"]))
    assert blobs[0].metadata == {"Alpha": "1", "beta_two": "x y"}


def test_list_prefix_delimiter_and_pagination(emu, container):
    names = ["a/1.txt", "a/2.txt", "a/sub/3.txt", "b/4.txt", "c.txt", "d/5.txt", "d/6.txt", "e.txt",
             "sp ace/ü nicode %41.txt"]
    for n in names:
        container.upload_blob(n, n.encode())
    assert [b.name for b in container.list_blobs()] == sorted(names)
    assert [b.name for b in container.list_blobs(name_starts_with="a/")] == ["a/1.txt", "a/2.txt", "a/sub/3.txt"]
    # (the SDK yields a page's prefixes before its blobs, so compare sorted)
    top = sorted(b.name for b in container.walk_blobs(delimiter="/"))
    assert top == ["a/", "b/", "c.txt", "d/", "e.txt", "sp ace/"]
    assert sorted(b.name for b in container.walk_blobs(name_starts_with="a/", delimiter="/")) == \
        ["a/1.txt", "a/2.txt", "a/sub/"]
    # the wire order interleaves prefixes and blobs lexicographically, like Azure
    tok = container_sas(container.container_name, "l")
    status, _, xml = raw(emu.port, "GET", f"/{ACCOUNT}/{container.container_name}?restype=container&comp=list"
                         f"&delimiter=/&{tok}")
    import re
    assert status == 200
    assert re.findall(r"<Name>([^<]*)</Name>", xml.decode()) == top
    # pagination: results_per_page=2 must walk NextMarker to the end, no duplicates, no gaps
    emu.clear_requests()
    pages = list(container.list_blobs(results_per_page=2).by_page())
    flat = [b.name for p in pages for b in p]
    assert flat == sorted(names) and len(pages) == 5
    markers = [e["query"].get("marker") for e in emu.requests() if e["operation"] == "ListBlobs"]
    assert markers[0] is None and all(markers[1:])
    # pagination with a delimiter counts prefixes as items
    emu.clear_requests()
    walked = [b.name for b in container.walk_blobs(delimiter="/", results_per_page=2)]
    assert sorted(walked) == top and len(walked) == len(top)
    assert len([e for e in emu.requests() if e["operation"] == "ListBlobs"]) == 3
    # list entry properties
    entry = next(iter(container.list_blobs(name_starts_with="c.txt")))
    assert entry.size == 5 and entry.blob_type == "BlockBlob" and entry.etag
    assert bytes(entry.content_settings.content_md5) == hashlib.md5(b"c.txt").digest()


def test_conditional_requests(container):
    bc = container.upload_blob("cond.txt", b"v1")
    etag = bc.get_blob_properties().etag
    bc.upload_blob(b"v2", overwrite=True)
    with pytest.raises(ResourceModifiedError) as ei:
        bc.download_blob(etag=etag, match_condition=MatchConditions.IfNotModified)
    assert ei.value.status_code == 412 and ei.value.error_code == "ConditionNotMet"
    current = bc.get_blob_properties().etag
    assert bc.download_blob(etag=current, match_condition=MatchConditions.IfNotModified).readall() == b"v2"
    with pytest.raises(HttpResponseError) as ei:  # the SDK surfaces the bare 304 as a generic error
        bc.download_blob(etag=current, match_condition=MatchConditions.IfModified)
    assert ei.value.status_code == 304
    with pytest.raises(ResourceExistsError) as ei:
        bc.upload_blob(b"v3", overwrite=False)  # If-None-Match: *
    assert ei.value.error_code == "BlobAlreadyExists"
    with pytest.raises(ResourceModifiedError):
        bc.upload_blob(b"v3", overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified)
    assert bc.download_blob().readall() == b"v2"


def test_delete_and_not_found_codes(svc, container):
    bc = container.upload_blob("gone.txt", b"x")
    bc.delete_blob()
    for call in (bc.download_blob, bc.get_blob_properties, bc.delete_blob):
        with pytest.raises(ResourceNotFoundError) as ei:
            call()
        assert ei.value.error_code == "BlobNotFound"
    missing = svc.get_blob_client("no-such-container", "x")
    with pytest.raises(ResourceNotFoundError) as ei:
        missing.download_blob()
    assert ei.value.error_code == "ContainerNotFound"


def test_tier_and_lease(container):
    bc = container.upload_blob("leased.txt", b"x")
    bc.set_standard_blob_tier("Cool")
    assert bc.get_blob_properties().blob_tier == "Cool"
    lease = bc.acquire_lease(lease_duration=15)
    props = bc.get_blob_properties()
    assert props.lease.state == "leased" and props.lease.status == "locked" and props.lease.duration == "fixed"
    with pytest.raises(HttpResponseError) as ei:
        bc.upload_blob(b"y", overwrite=True)
    assert ei.value.status_code == 412 and ei.value.error_code == "LeaseIdMissing"
    with pytest.raises(HttpResponseError) as ei:
        bc.delete_blob()
    assert ei.value.error_code == "LeaseIdMissing"
    bc.upload_blob(b"y", overwrite=True, lease=lease)
    with pytest.raises(HttpResponseError) as ei:
        bc.acquire_lease(lease_duration=-1)
    assert ei.value.status_code == 409 and ei.value.error_code == "LeaseAlreadyPresent"
    lease.renew()
    new_id = str(uuid.uuid4())
    lease.change(new_id)
    assert lease.id == new_id
    lease.break_lease(lease_break_period=0)
    assert bc.get_blob_properties().lease.state == "broken"
    bc.delete_blob()


def test_shared_key_wrong_key_is_rejected(emu):
    bad = BlobServiceClient(emu.account_url, credential={"account_name": ACCOUNT,
                                                         "account_key": base64.b64encode(b"x" * 64).decode()},
                            retry_total=0)
    with pytest.raises(ClientAuthenticationError) as ei:
        bad.create_container("never")
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthenticationFailed"


def test_extra_account_and_accounts_api(emu):
    bs = BlobServiceClient(f"{emu.base}/{EXTRA_ACCOUNT}",
                           credential={"account_name": EXTRA_ACCOUNT, "account_key": EXTRA_KEY})
    bs.create_container("extra").upload_blob("x", b"1")
    assert [b.name for b in bs.get_container_client("extra").list_blobs()] == ["x"]
    new_key = base64.b64encode(b"third-account-key").decode()
    assert emu.control("POST", "/__emulator/accounts", {"name": "thirdacct", "key": new_key})[0] == 201
    bs3 = BlobServiceClient(f"{emu.base}/thirdacct", credential={"account_name": "thirdacct", "account_key": new_key})
    bs3.create_container("third")
    assert [c.name for c in bs3.list_containers()] == ["third"]
    assert emu.control("POST", "/__emulator/accounts", {"name": "BAD NAME", "key": new_key})[0] == 400


def _sign_shared_key(method, path, query, headers, resource):
    """Independent minimal Shared Key signer used to probe the canonicalized-resource forms."""
    xms = "".join(f"{k}:{v}\n" for k, v in sorted((k.lower(), v) for k, v in headers.items()
                                                  if k.lower().startswith("x-ms-")))
    qs = "".join(f"\n{k}:{v}" for k, v in sorted(query.items()))
    sts = method + "\n" * 12 + xms + resource + qs
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(), hashlib.sha256).digest()).decode()
    return f"SharedKey {ACCOUNT}:{sig}"


@pytest.mark.parametrize("form", ["double", "single"])
def test_shared_key_canonical_resource_forms(emu, container, form):
    container.upload_blob("dir/x y.txt", b"payload")
    path = f"/{ACCOUNT}/{container.container_name}/dir/x%20y.txt"
    headers = {"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": "2021-08-06"}
    resource = f"/{ACCOUNT}{path}" if form == "double" else path
    headers["Authorization"] = _sign_shared_key("GET", path, {"timeout": "30"}, headers, resource)
    status, h, body = raw(emu.port, "GET", path + "?timeout=30", headers)
    assert status == 200 and body == b"payload"
    # a stale date is refused like Azure does (15 minute window)
    old = {"x-ms-date": email.utils.formatdate(time.time() - 3600, usegmt=True), "x-ms-version": "2021-08-06"}
    old["Authorization"] = _sign_shared_key("GET", path, {}, old, resource)
    status, h, body = raw(emu.port, "GET", path, old)
    assert status == 403 and h["x-ms-error-code"] == "AuthenticationFailed"


def test_anonymous_access_to_private_container_is_404(emu, container):
    container.upload_blob("private.txt", b"secret")
    status, h, body = raw(emu.port, "GET", f"/{ACCOUNT}/{container.container_name}/private.txt")
    assert status == 404 and h["x-ms-error-code"] == "ResourceNotFound"
    assert body.startswith(b'<?xml') and b"<Code>ResourceNotFound</Code>" in body
    for hn in ("x-ms-request-id", "x-ms-version", "date"):
        assert hn in h


def test_public_container_allows_anonymous_reads(emu, svc):
    cc = svc.create_container("pub-" + uuid.uuid4().hex[:8], public_access="container")
    try:
        cc.upload_blob("open.txt", b"public")
        status, _, body = raw(emu.port, "GET", f"/{ACCOUNT}/{cc.container_name}/open.txt")
        assert status == 200 and body == b"public"
        status, _, body = raw(emu.port, "GET", f"/{ACCOUNT}/{cc.container_name}?restype=container&comp=list")
        assert status == 200 and b"<Name>open.txt</Name>" in body
        status, h, _ = raw(emu.port, "PUT", f"/{ACCOUNT}/{cc.container_name}/new.txt",
                           {"x-ms-blob-type": "BlockBlob"}, b"x")
        assert status == 404 and h["x-ms-error-code"] == "ResourceNotFound"
    finally:
        cc.delete_container()


# --------------------------------------------------------------------------------------
# SAS minted by the SDK
# --------------------------------------------------------------------------------------


def blob_sas(container, blob, permission, **kw):
    kw.setdefault("expiry", utcnow() + dt.timedelta(hours=1))
    kw.setdefault("protocol", "https,http")
    return generate_blob_sas(ACCOUNT, container, blob, account_key=KEY, permission=permission, **kw)


def container_sas(container, permission, **kw):
    kw.setdefault("expiry", utcnow() + dt.timedelta(hours=1))
    kw.setdefault("protocol", "https,http")
    return generate_container_sas(ACCOUNT, container, account_key=KEY, permission=permission, **kw)


def test_blob_sas_read_only(emu, container):
    container.upload_blob("sas/read.txt", b"readable")
    token = blob_sas(container.container_name, "sas/read.txt", BlobSasPermissions(read=True),
                     start=utcnow() - dt.timedelta(minutes=5))
    bc = BlobClient(emu.account_url, container.container_name, "sas/read.txt", credential=token, retry_total=0)
    assert bc.download_blob().readall() == b"readable"
    assert bc.get_blob_properties().size == 8
    with pytest.raises(HttpResponseError) as ei:
        bc.upload_blob(b"nope", overwrite=True)
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationPermissionMismatch"
    with pytest.raises(HttpResponseError) as ei:
        bc.delete_blob()
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationPermissionMismatch"
    # a refused multi-MiB upload still gets a readable 403 (the emulator drains the body first)
    with pytest.raises(HttpResponseError) as ei:
        bc.upload_blob(os.urandom(3 * 1024 * 1024), overwrite=True)
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationPermissionMismatch"
    # the token is bound to its blob
    other = BlobClient(emu.account_url, container.container_name, "sas/other.txt", credential=token, retry_total=0)
    with pytest.raises(ClientAuthenticationError) as ei:
        other.download_blob()
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthenticationFailed"
    # log lines never carry the signature
    lines = [e for e in emu.requests() if e["blob"] == "sas/read.txt" and e["auth"] == "sas"]
    assert lines and all(e["query"]["sig"] == "REDACTED" for e in lines)
    sig = urllib.parse.parse_qs(token)["sig"][0]
    assert sig not in emu.log_file.read_text() and KEY not in emu.log_file.read_text()


def test_blob_sas_write_and_create_permissions(emu, container):
    token = blob_sas(container.container_name, "sas/rw.txt", BlobSasPermissions(read=True, write=True))
    bc = BlobClient(emu.account_url, container.container_name, "sas/rw.txt", credential=token, retry_total=0,
                    max_single_put_size=1024, max_block_size=512)
    bc.upload_blob(b"w" * 3000)  # Put Block + Put Block List via SAS
    bc.set_blob_metadata({"k": "v"})
    assert bc.download_blob().readall() == b"w" * 3000
    # 'c' alone may create a new blob but not overwrite it
    ctoken = blob_sas(container.container_name, "sas/create.txt", BlobSasPermissions(create=True))
    cc = BlobClient(emu.account_url, container.container_name, "sas/create.txt", credential=ctoken, retry_total=0)
    cc.upload_blob(b"first")
    with pytest.raises(HttpResponseError) as ei:
        cc.upload_blob(b"second", overwrite=True)
    assert ei.value.error_code == "AuthorizationPermissionMismatch"


def test_container_sas_list_and_permissions(emu, container):
    for n in ("l/1", "l/2", "m/3"):
        container.upload_blob(n, b"x")
    rl = container_sas(container.container_name, ContainerSasPermissions(read=True, list=True))
    cc = ContainerClient(emu.account_url, container.container_name, credential=rl, retry_total=0)
    assert [b.name for b in cc.list_blobs(name_starts_with="l/")] == ["l/1", "l/2"]
    assert cc.download_blob("m/3").readall() == b"x"
    with pytest.raises(HttpResponseError) as ei:
        cc.upload_blob("new", b"x")
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationPermissionMismatch"
    # no 'l' -> list is refused
    rw = container_sas(container.container_name, ContainerSasPermissions(read=True, write=True))
    cw = ContainerClient(emu.account_url, container.container_name, credential=rw, retry_total=0)
    with pytest.raises(HttpResponseError) as ei:
        list(cw.list_blobs())
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationPermissionMismatch"
    cw.upload_blob("written-by-sas", b"ok")
    # full container token
    full = container_sas(container.container_name, ContainerSasPermissions(read=True, add=True, create=True,
                                                                            write=True, delete=True, list=True))
    cf = ContainerClient(emu.account_url, container.container_name, credential=full, retry_total=0)
    cf.delete_blob("written-by-sas")
    assert "written-by-sas" not in [b.name for b in cf.list_blobs()]
    # a blob-scoped token cannot list the container
    bt = blob_sas(container.container_name, "l/1", BlobSasPermissions(read=True))
    with pytest.raises(HttpResponseError) as ei:
        list(ContainerClient(emu.account_url, container.container_name, credential=bt, retry_total=0).list_blobs())
    assert ei.value.status_code == 403


def _status_code(emu, path_and_query):
    status, h, body = raw(emu.port, "GET", path_and_query)
    return status, h.get("x-ms-error-code"), body


def test_sas_rejections(emu, container):
    container.upload_blob("sas/x.txt", b"x")
    base = f"/{ACCOUNT}/{container.container_name}/sas/x.txt?"
    good = blob_sas(container.container_name, "sas/x.txt", "r")
    assert _status_code(emu, base + good)[0] == 200
    # tampered signature
    parts = good.split("&")
    i = next(n for n, part in enumerate(parts) if part.startswith("sig="))
    first = parts[i][4]
    parts[i] = "sig=" + ("A" if first != "A" else "B") + parts[i][5:]
    tampered = "&".join(parts)
    assert tampered != good
    status, code, body = _status_code(emu, base + tampered)
    assert (status, code) == (403, "AuthenticationFailed") and b"<Error><Code>AuthenticationFailed" in body
    # tampered permission (signature no longer matches)
    status, code, _ = _status_code(emu, base + good.replace("sp=r", "sp=rw"))
    assert (status, code) == (403, "AuthenticationFailed")
    # expired
    expired = blob_sas(container.container_name, "sas/x.txt", "r", start=utcnow() - dt.timedelta(hours=2),
                       expiry=utcnow() - dt.timedelta(hours=1))
    assert _status_code(emu, base + expired)[:2] == (403, "AuthenticationFailed")
    # not yet valid
    future = blob_sas(container.container_name, "sas/x.txt", "r", start=utcnow() + dt.timedelta(hours=1),
                      expiry=utcnow() + dt.timedelta(hours=2))
    assert _status_code(emu, base + future)[:2] == (403, "AuthenticationFailed")
    # https only over http
    https_only = blob_sas(container.container_name, "sas/x.txt", "r", protocol="https")
    assert _status_code(emu, base + https_only)[:2] == (403, "AuthorizationProtocolMismatch")
    # IP ranges
    ok_ip = blob_sas(container.container_name, "sas/x.txt", "r", ip="127.0.0.0-127.0.0.255")
    assert _status_code(emu, base + ok_ip)[0] == 200
    bad_ip = blob_sas(container.container_name, "sas/x.txt", "r", ip="10.1.2.3")
    assert _status_code(emu, base + bad_ip)[:2] == (403, "AuthorizationSourceIPMismatch")


def test_sas_2018_11_09_layout(emu, container):
    """Older service versions sign without the encryption-scope line; build one by hand."""
    container.upload_blob("old.txt", b"old")
    se = (utcnow() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cr = f"/blob/{ACCOUNT}/{container.container_name}/old.txt"
    sts = "\n".join(["r", "", se, cr, "", "", "https,http", "2018-11-09", "b", "", "", "", "", "", ""])
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(), hashlib.sha256).digest()).decode()
    q = urllib.parse.urlencode({"sv": "2018-11-09", "sr": "b", "sp": "r", "se": se, "spr": "https,http",
                                "sig": sig})
    status, _, body = _status_code(emu, f"/{ACCOUNT}/{container.container_name}/old.txt?{q}")
    assert status == 200 and body == b"old"


def test_account_sas(emu):
    token = generate_account_sas(ACCOUNT, KEY, ResourceTypes(container=True, object=True),
                                 AccountSasPermissions(read=True, write=True, create=True, list=True, delete=True),
                                 expiry=utcnow() + dt.timedelta(hours=1))
    bs = BlobServiceClient(emu.account_url, credential=token, retry_total=0)
    cc = bs.create_container("acct-sas-" + uuid.uuid4().hex[:6])
    cc.upload_blob("f", b"data")
    assert [b.name for b in cc.list_blobs()] == ["f"]
    cc.delete_container()
    ro = generate_account_sas(ACCOUNT, KEY, ResourceTypes(object=True), AccountSasPermissions(read=True),
                              expiry=utcnow() + dt.timedelta(hours=1))
    with pytest.raises(HttpResponseError) as ei:
        BlobServiceClient(emu.account_url, credential=ro, retry_total=0).create_container("never-made")
    assert ei.value.status_code == 403 and ei.value.error_code == "AuthorizationResourceTypeMismatch"


# --------------------------------------------------------------------------------------
# Raw protocol details and robustness
# --------------------------------------------------------------------------------------


def test_raw_errors_are_azure_shaped(emu, container):
    cname = container.container_name
    container.upload_blob("r.bin", bytes(range(256)) * 4)
    tok = container_sas(cname, "racwdl")
    p = f"/{ACCOUNT}/{cname}"
    # Content-MD5 transactional check
    status, h, body = raw(emu.port, "PUT", f"{p}/md5.bin?{tok}", {"x-ms-blob-type": "BlockBlob",
                          "Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()}, b"payload")
    assert (status, h["x-ms-error-code"]) == (400, "Md5Mismatch")
    status, h, body = raw(emu.port, "PUT", f"{p}/md5.bin?{tok}", {"x-ms-blob-type": "BlockBlob",
                          "Content-MD5": base64.b64encode(hashlib.md5(b"payload").digest()).decode()}, b"payload")
    assert status == 201 and h["content-md5"] == base64.b64encode(hashlib.md5(b"payload").digest()).decode()
    # ranges: x-ms-range wins over Range, 206 + Content-Range; 416 past the end
    status, h, body = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"Range": "bytes=0-0", "x-ms-range": "bytes=10-19"})
    assert status == 206 and body == bytes(range(10, 20)) and h["content-range"] == "bytes 10-19/1024"
    status, h, body = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"Range": "bytes=1000-"})
    assert status == 206 and len(body) == 24 and h["content-range"] == "bytes 1000-1023/1024"
    status, h, body = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"x-ms-range": "bytes=5000-6000"})
    assert (status, h["x-ms-error-code"]) == (416, "InvalidRange")
    status, h, body = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"x-ms-range": "bytes=0-99",
                                                                "x-ms-range-get-content-md5": "true"})
    assert h["content-md5"] == base64.b64encode(hashlib.md5((bytes(range(256)) * 4)[:100]).digest()).decode()
    # conditional GET: 304 with If-None-Match, 412 with stale If-Match
    etag = raw(emu.port, "HEAD", f"{p}/r.bin?{tok}")[1]["etag"]
    assert raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"If-None-Match": etag})[0] == 304
    status, h, _ = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"If-Match": '"0x1"'})
    assert (status, h["x-ms-error-code"]) == (412, "ConditionNotMet")
    status, h, _ = raw(emu.port, "GET", f"{p}/r.bin?{tok}", {"If-Modified-Since": h.get("date") or
                                                            email.utils.formatdate(time.time() + 60, usegmt=True)})
    assert status == 304
    # bad inputs never crash the server
    bad = [
        ("GET", f"{p}/r.bin?{tok}", {"x-ms-range": "bytes=oops"}, b"", 400),
        ("PUT", f"{p}/x?comp=block&blockid=%%%&{tok}", {}, b"x", 400),
        ("PUT", f"{p}/x?comp=block&blockid=not*base64&{tok}", {}, b"x", 400),
        ("PUT", f"{p}/x?comp=blocklist&{tok}", {}, b"<not xml", 400),
        ("PUT", f"{p}/x?comp=nonsense&{tok}", {}, b"", 400),
        ("PUT", f"{p}/x?{tok}", {}, b"no blob type", 400),
        ("PUT", f"{p}/x?{tok}", {"x-ms-blob-type": "BlockBlob", "x-ms-meta-bad-name": "v"}, b"", 400),
        ("GET", f"/{ACCOUNT}/Bad_Container?restype=container&comp=list&{tok}", {}, b"", 400),
        ("GET", f"{p}?restype=container&comp=list&maxresults=zero&{tok}", {}, b"", 400),
        ("GET", f"{p}/%FF%FE?{tok}", {}, b"", 400),
        ("PUT", f"{p}/x?{tok}", {"x-ms-blob-type": "BlockBlob", "Content-MD5": "!!"}, b"", 400),
        ("GET", "/", {}, b"", 400),
        ("PATCH", f"{p}/x?{tok}", {}, b"", 405),
    ]
    for method, path, headers, body, want in bad:
        status, h, data = raw(emu.port, method, path, headers, body)
        assert status == want, (method, path, status, data)
        assert h.get("x-ms-error-code") and data.startswith(b'<?xml version="1.0" encoding="utf-8"?><Error><Code>')
    # garbage on the socket gets a 400 and the server keeps serving
    import socket
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as s:
        s.sendall(b"\x00\x01garbage\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    assert emu.control("GET", "/__emulator/health")[0] == 200


def test_fault_injection(emu, container):
    cname = container.container_name
    container.upload_blob("flaky.bin", os.urandom(300000))
    emu.clear_faults()
    tok = container_sas(cname, "racwdl")
    path = f"/{ACCOUNT}/{cname}/flaky.bin?{tok}"
    st, _, body = emu.control("POST", "/__emulator/faults",
                              {"method": "GET", "container": cname, "blob": "flaky.bin", "status": 503, "count": 2,
                               "errorCode": "ServerBusy"})
    assert st == 201 and json.loads(body)["remaining"] == 2
    for _ in range(2):
        status, h, data = raw(emu.port, "GET", path)
        assert (status, h["x-ms-error-code"]) == (503, "ServerBusy") and b"<Code>ServerBusy</Code>" in data
    assert raw(emu.port, "GET", path)[0] == 200
    # the SDK retries through injected 503s
    emu.control("POST", "/__emulator/faults", {"method": "GET", "blob": "flaky.bin", "status": 503, "count": 1})
    retrying = BlobClient(emu.account_url, cname, "flaky.bin",
                          credential={"account_name": ACCOUNT, "account_key": KEY}, retry_policy=fast_retry())
    assert len(retrying.download_blob().readall()) == 300000
    # uploads retry through injected 503s too (Put Block and Put Block List each fail once)
    emu.control("POST", "/__emulator/faults", [{"method": "PUT", "blobPrefix": "retry-up", "operation": op,
                                                "status": 503, "count": 1} for op in ("PutBlock", "PutBlockList")])
    up = BlobClient(emu.account_url, cname, "retry-up.bin", credential={"account_name": ACCOUNT, "account_key": KEY},
                    retry_policy=fast_retry(), max_single_put_size=1024 * 1024,
                    max_block_size=1024 * 1024)
    payload = os.urandom(3 * 1024 * 1024 + 5)
    up.upload_blob(payload)
    assert up.download_blob().readall() == payload
    assert [e["status"] for e in emu.requests() if e["blob"] == "retry-up.bin" and e.get("fault")] == [503, 503]
    # truncated body: the connection is cut after K bytes
    emu.control("POST", "/__emulator/faults", {"blobPrefix": "flaky", "truncateAfterBytes": 1000, "count": 1})
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.getheader("Content-Length")) == 300000
    with pytest.raises(http.client.IncompleteRead) as ei:
        resp.read()
    assert len(ei.value.partial) == 1000
    conn.close()
    # latency
    emu.control("POST", "/__emulator/faults", {"method": "HEAD", "blob": "flaky.bin", "latencyMs": 300, "count": 1})
    t0 = time.monotonic()
    assert raw(emu.port, "HEAD", path)[0] == 200
    assert time.monotonic() - t0 >= 0.29
    # listing, clearing
    emu.control("POST", "/__emulator/faults", {"blob": "never-requested", "status": 500, "count": -1})
    st, _, body = emu.control("GET", "/__emulator/faults")
    assert any(f["blob"] == "never-requested" for f in json.loads(body))
    emu.clear_faults()
    assert json.loads(emu.control("GET", "/__emulator/faults")[2]) == []
    assert emu.control("POST", "/__emulator/faults", {"blob": "x"})[0] == 400
    faulted = [e for e in emu.requests() if e.get("fault")]
    assert faulted and all("sig" not in json.dumps(e) or e["query"]["sig"] == "REDACTED" for e in faulted)


def test_retry_after_and_dropped_connection_faults(emu, container):
    cname = container.container_name
    container.upload_blob("drop.bin", b"x" * 5000)
    emu.clear_faults()
    path = f"/{ACCOUNT}/{cname}/drop.bin?{container_sas(cname, 'racwdl')}"
    emu.control("POST", "/__emulator/faults", {"blob": "drop.bin", "status": 429, "retryAfter": "2",
                                               "retryAfterMs": 1500, "count": 1})
    status, h, _ = raw(emu.port, "GET", path)
    assert (status, h["retry-after"], h["x-ms-retry-after-ms"]) == (429, "2", "1500")
    # the connection is reset after K request body bytes, with no response
    emu.control("POST", "/__emulator/faults", {"blob": "drop.bin", "dropAfterRequestBytes": 100, "count": 1})
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        conn.request("PUT", path, body=b"y" * 5000, headers={"x-ms-blob-type": "BlockBlob"})
        conn.getresponse()
    conn.close()
    assert [e["status"] for e in emu.requests() if e.get("fault", {}).get("dropAfterRequestBytes") == 100] == [0]
    # the SDK retries an upload through a dropped connection, resending the whole body
    emu.control("POST", "/__emulator/faults", {"blob": "drop.bin", "dropAfterRequestBytes": 10, "count": 1})
    up = BlobClient(emu.account_url, cname, "drop.bin", credential={"account_name": ACCOUNT, "account_key": KEY},
                    retry_policy=fast_retry())
    up.upload_blob(b"z" * 5000, overwrite=True)
    assert up.download_blob().readall() == b"z" * 5000
    assert emu.control("POST", "/__emulator/faults", {"blob": "x", "dropAfterRequestBytes": -1})[0] == 400


def test_request_log_shape(emu, container):
    emu.clear_requests()
    container.upload_blob("logged.txt", b"12345")
    container.get_blob_client("logged.txt").download_blob().readall()
    entries = emu.requests()
    put = next(e for e in entries if e["operation"] == "PutBlob")
    for field in ("time", "method", "account", "container", "blob", "query", "status", "bytes", "auth"):
        assert field in put
    assert (put["method"], put["account"], put["container"], put["blob"], put["status"], put["auth"]) == \
        ("PUT", ACCOUNT, container.container_name, "logged.txt", 201, "sharedkey")
    get = next(e for e in entries if e["operation"] == "GetBlob")
    assert get["bytes"] == 5
    text = emu.log_file.read_text()
    assert "SharedKey" not in text and KEY not in text


def test_unicode_and_percent_names_roundtrip(container):
    names = ["dir with space/file.txt", "ünïcødé/日本語.txt", "percent%2Fliteral%41.txt", "plus+sign.txt",
             "question?mark#hash.txt"]
    for n in names:
        container.upload_blob(n, n.encode("utf-8"))
    for n in names:
        assert container.get_blob_client(n).download_blob().readall() == n.encode("utf-8")
    assert sorted(b.name for b in container.list_blobs()) == sorted(names)


def test_concurrent_clients(emu, container):
    from concurrent.futures import ThreadPoolExecutor

    def worker(i):
        data = os.urandom(50000 + i)
        bc = container.get_blob_client(f"conc/{i:03d}.bin")
        for _ in range(3):
            bc.upload_blob(data, overwrite=True)
            assert bc.download_blob().readall() == data
            assert bc.download_blob(offset=100, length=1000).readall() == data[100:1100]
        return len(data)

    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(worker, range(16)))
    listed = {b.name: b.size for b in container.list_blobs(name_starts_with="conc/")}
    assert listed == {f"conc/{i:03d}.bin": sizes[i] for i in range(16)}


def test_host_style_through_proxy(emu, container):
    """Absolute-URI requests (what an HTTP proxy client sends) resolve the account from the host."""
    container.upload_blob("proxied.txt", b"via proxy")
    tok = container_sas(container.container_name, "rl")
    target = f"http://{ACCOUNT}.blob.core.windows.net/{container.container_name}/proxied.txt?{tok}"
    status, _, body = raw(emu.port, "GET", target)
    assert status == 200 and body == b"via proxy"
    status, _, body = raw(emu.port, "GET", f"/{container.container_name}/proxied.txt?{tok}",
                          {"Host": f"{ACCOUNT}.blob.core.windows.net"})
    assert status == 200 and body == b"via proxy"


# --------------------------------------------------------------------------------------
# Real azcopy
# --------------------------------------------------------------------------------------


def run_azcopy(args, workdir: Path, extra_env=None, timeout=120):
    env = dict(os.environ)
    env.update({"AZCOPY_LOG_LOCATION": str(workdir / "azlogs"), "AZCOPY_JOB_PLAN_LOCATION": str(workdir / "azplans"),
                "AZCOPY_CONCURRENCY_VALUE": "8", "AZCOPY_DISABLE_SYSLOG": "true"})
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
        env.pop(k, None)
    env.update(extra_env or {})
    proc = subprocess.run([str(AZCOPY), *args, "--output-type", "json"], env=env, capture_output=True,
                          timeout=timeout, text=True)
    messages = []
    for line in proc.stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    summary = None
    for m in messages:
        if m.get("MessageType") == "EndOfJob":
            try:
                summary = json.loads(m["MessageContent"])
            except (ValueError, TypeError):
                summary = m["MessageContent"]
    return proc.returncode, summary, messages, proc


@pytest.fixture(scope="module")
def azcopy_ready():
    if not AZCOPY.exists():
        pytest.skip("azcopy not installed: run scripts/install-azcopy.sh")
    return AZCOPY


def test_azcopy_upload_download_remove(emu, svc, azcopy_ready, tmp_path):
    cname = "azcopy-" + uuid.uuid4().hex[:8]
    cc = svc.create_container(cname)
    src = tmp_path / "src"
    files = {
        "a.txt": b"alpha\n",
        "empty.bin": b"",
        "nested/b.bin": os.urandom(70000),
        "nested/deeper/c d ü.txt": "unicode name".encode(),
        "big/large.bin": os.urandom(20 * 1024 * 1024 + 17),  # several Put Block calls (8 MiB blocks)
    }
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    token = container_sas(cname, ContainerSasPermissions(read=True, add=True, create=True, write=True,
                                                          delete=True, list=True))
    base = f"{emu.account_url}/{cname}"
    emu.clear_requests()
    rc, summary, _, proc = run_azcopy(["copy", f"{src}/*", f"{base}/up?{token}", "--recursive",
                                       "--from-to", "LocalBlob", "--put-md5"], tmp_path)
    assert rc == 0, proc.stdout[-2000:]
    assert summary["JobStatus"] == "Completed" and int(summary["TransfersCompleted"]) == len(files)
    listed = {b.name: b for b in cc.list_blobs(name_starts_with="up/")}
    assert set(listed) == {"up/" + k for k in files}
    for rel, data in files.items():
        assert cc.get_blob_client("up/" + rel).download_blob().readall() == data
        if data:
            assert bytes(listed["up/" + rel].content_settings.content_md5) == hashlib.md5(data).digest()
    used = {e["operation"] for e in emu.requests()}
    assert {"PutBlob", "PutBlock", "PutBlockList"} <= used

    # download part of it with --list-of-files
    wanted = ["a.txt", "nested/deeper/c d ü.txt", "big/large.bin"]
    lof = tmp_path / "list.txt"
    lof.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    dst = tmp_path / "dst"
    dst.mkdir()
    rc, summary, _, proc = run_azcopy(["copy", f"{base}/up?{token}", str(dst), "--list-of-files", str(lof),
                                       "--recursive", "--from-to", "BlobLocal", "--check-md5", "FailIfDifferent"],
                                      tmp_path)
    assert rc == 0, proc.stdout[-2000:]
    got = sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file())
    assert got == sorted("up/" + w for w in wanted)
    for w in wanted:
        assert (dst / "up" / w).read_bytes() == files[w]

    # remove some blobs
    rc, summary, _, proc = run_azcopy(["remove", f"{base}/up/nested?{token}", "--recursive",
                                       "--from-to", "BlobTrash"], tmp_path)
    assert rc == 0, proc.stdout[-2000:]
    left = sorted(b.name for b in cc.list_blobs())
    assert left == sorted("up/" + k for k in files if not k.startswith("nested/"))
    cc.delete_container()


def test_azcopy_list_and_make_through_proxy(emu, svc, azcopy_ready, tmp_path):
    proxy = {"HTTP_PROXY": emu.base, "http_proxy": emu.base}
    acct_token = generate_account_sas(ACCOUNT, KEY, ResourceTypes(service=True, container=True, object=True),
                                      AccountSasPermissions(read=True, write=True, create=True, list=True),
                                      expiry=utcnow() + dt.timedelta(hours=1))
    cname = "made-" + uuid.uuid4().hex[:8]
    rc, summary, messages, proc = run_azcopy(
        ["make", f"http://{ACCOUNT}.blob.core.windows.net/{cname}?{acct_token}"], tmp_path, proxy)
    assert rc == 0, proc.stdout[-2000:]
    cc = svc.get_container_client(cname)
    assert cc.exists()
    cc.upload_blob("one.txt", b"1")
    cc.upload_blob("dir/two.txt", b"22")
    token = container_sas(cname, "rl")
    rc, summary, messages, proc = run_azcopy(
        ["list", f"http://{ACCOUNT}.blob.core.windows.net/{cname}?{token}"], tmp_path, proxy)
    assert rc == 0, proc.stdout[-2000:]
    infos = [m["MessageContent"] for m in messages if m.get("MessageType") in ("Info", "ListObject")]
    assert any("one.txt" in i for i in infos) and any("dir/two.txt" in i for i in infos)
    cc.delete_container()


# --------------------------------------------------------------------------------------
# The SDK-generated signing vectors agree with the emulator's verifier
# --------------------------------------------------------------------------------------

VECTORS = REPO / "Tests" / "AzFuseTests" / "Fixtures" / "signing-vectors.json"


def _emulator_module():
    sys.path.insert(0, str(EMULATOR.parent))
    try:
        import blob_emulator
    finally:
        sys.path.pop(0)
    return blob_emulator


def test_signing_vectors_match_emulator_verifier():
    be = _emulator_module()
    doc = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert doc["account"] == ACCOUNT and doc["accountKey"] == KEY
    assert len(doc["sharedKey"]) >= 8 and len(doc["sas"]) >= 6
    for v in doc["sharedKey"]:
        msg = http.client.HTTPMessage()
        for k, val in v["headers"].items():
            msg[k] = val
        parts = urllib.parse.urlsplit(v["url"])
        pairs = be.parse_query(parts.query)
        candidates = be.shared_key_candidates(v["method"], msg, ACCOUNT, ["/" + ACCOUNT + parts.path], pairs)
        assert v["stringToSign"] in candidates, v["name"]
        assert v["authorization"] == f"SharedKey {ACCOUNT}:" + be.hmac_b64(base64.b64decode(KEY), v["stringToSign"])
    for v in doc["sas"]:
        q = {k: vals[0] for k, vals in urllib.parse.parse_qs(v["token"], keep_blank_values=True).items()}
        cr = f"/blob/{ACCOUNT}/{v['container']}" + (f"/{v['blob']}" if v["resource"] == "b" else "")
        assert be.service_sas_string_to_sign(q, cr, "") == v["stringToSign"], v["name"]
        assert q["sig"] == be.hmac_b64(base64.b64decode(KEY), v["stringToSign"])


def test_list_page_cap_setting(emu, container):
    for i in range(7):
        container.upload_blob("paged/%d" % i, b"x")
    assert emu.control("POST", "/__emulator/settings", {"maxListResults": 3})[0] == 200
    try:
        pages = list(container.list_blobs(name_starts_with="paged/").by_page())
        assert [len(list(p)) for p in pages] == [3, 3, 1]
        assert emu.control("POST", "/__emulator/settings", {"maxListResults": 0})[0] == 400
    finally:
        assert emu.control("POST", "/__emulator/settings", {"maxListResults": 5000})[0] == 200

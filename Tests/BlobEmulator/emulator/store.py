"""On-disk storage model: blob records, containers and the `Store` index.

Contract: `Store` owns `<data-dir>/<account>/<container>/...` (layout in README.md), loads it at start
and keeps an in-memory index guarded by one re-entrant lock (`Store.lock`); callers mutate `Container`
and `BlobRecord` objects only while holding it, and move bulk data outside it. `BlobRecord` is the JSON
sidecar of one blob, including its lease state (evaluated lazily against the clock).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

from .common import _TICKS_AT_EPOCH, _now
from .errors import ApiError, err_container_not_found


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

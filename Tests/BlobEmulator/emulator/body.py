"""Request bodies: bounded reading and streaming uploads to disk.

Contract: `BodyReader` reads at most Content-Length bytes from the connection (raises `ClientGone` when the
client closes early, `ApiError` 413 from `read_all` above its limit) and counts what it read.
`BodyReceiveMixin` (a handler mixin, uses `self.body`) streams a body to a file in 1 MiB chunks while
hashing it with MD5 (on a helper thread for large bodies) and checks the transactional Content-MD5.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Optional, Tuple

from .common import CHUNK, b64_md5
from .errors import ApiError, ClientGone


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


class BodyReceiveMixin:
    """Handler mixin: receives the request body (`self.body`) into a file."""

    def _fill(self, mv: memoryview) -> int:
        """Read until mv is full or the body ends; returns the byte count."""
        got = 0
        while got < len(mv):
            got += self.body.readinto(mv[got:])
        return got

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

"""The blob emulator's implementation, split by concern (module map in ../README.md).

Contract: standard library only, relative imports only, no state at import time. The entry point and
stable import surface is ../blob_emulator.py; `BlobEmulator` is re-exported here for convenience.
"""

from .server import BlobEmulator

__all__ = ["BlobEmulator"]

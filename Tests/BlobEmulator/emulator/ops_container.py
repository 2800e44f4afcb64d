"""Account-level and container operations: Get Account Information, Get Service Properties, Create /
Get Properties / Get and Set Metadata / Delete Container.

Contract: each `op_*` method (a handler mixin) runs after authentication and sends one response through
the base handler; missing containers raise 404 `ContainerNotFound`, duplicates 409 `ContainerAlreadyExists`.
"""

from __future__ import annotations

from typing import Dict

from .common import _now, rfc1123
from .errors import err_bad_header
from .request_helpers import collect_metadata
from .store import Container


class ContainerOps:
    """Handler mixin: account-level and container operations."""

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

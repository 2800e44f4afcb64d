"""Azure-shaped errors.

Contract: `ApiError` carries an HTTP status, an Azure error code, a message, extra response headers and
the extra XML elements of the error body; the handler turns it into the response. `ClientGone` means the
client vanished mid-body (the connection is dropped, nothing is answered). The `err_*` helpers build the
common Azure errors with Azure's wording.
"""

from __future__ import annotations

from typing import Dict, Optional


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

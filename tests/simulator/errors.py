"""Error answers in the shape each service uses (see docs/api-notes.md, Simulator fidelity notes)."""


class ApiError(Exception):
    """An error answer: HTTP status, JSON body and extra headers."""

    def __init__(self, status, body, headers=None):
        super().__init__("%s %s" % (status, body))
        self.status = status
        self.body = body
        self.headers = headers or {}


def gateway(status, code, message, request_id, headers=None):
    """API gateway (APIG) errors carry the request id in the body."""
    return ApiError(status, {"error_code": code, "error_msg": message, "request_id": request_id}, headers)


def workspace(status, code, message):
    return ApiError(status, {"error_code": code, "error_msg": message, "error_detail": message})


def bss(status, code, message):
    return ApiError(status, {"error_code": code, "error_msg": message, "error_detail": message})


def vpc(status, code, message):
    return ApiError(status, {"code": code, "message": message})


def ces(status, code, message):
    """Cloud Eye: the HTTP status as text and the code inside ``message``."""
    return ApiError(status, {"http_code": str(status), "message": {"details": message, "code": code}})


def iam(status, message):
    """Keystone-style error of IAM."""
    return ApiError(status, {"error": {"code": status, "message": message, "title": "Bad Request" if status == 400 else "Error"}})


BY_SERVICE = {"workspace": workspace, "bss": bss, "vpc": vpc}


def invalid_body(service, message):
    """400 for a body that does not match the documented schema, in the service's own shape."""
    if service == "vpc":
        return vpc(400, "VPC.0301", "Invalid parameter: %s" % message)
    if service == "bss":
        return bss(400, "CBC.0100", "Invalid parameter: %s" % message)
    if service == "iam":
        return iam(400, "Invalid parameter: %s" % message)
    if service == "ces":
        return ces(400, "ces.0014", "Some content in message body is not correct: %s" % message)
    return workspace(400, "WKS.00000002", "Invalid parameter: %s" % message)

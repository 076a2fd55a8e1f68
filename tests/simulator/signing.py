"""Verification of SDK-HMAC-SHA256 request signatures (the AK/SK scheme of Huawei Cloud's API gateway).

This is an independent implementation written from the published algorithm: the canonical
request is rebuilt from what actually arrived on the wire, so a client that signs something
different from what it sends is caught here exactly as the real gateway would catch it.
"""

import hashlib
import hmac
import re
from datetime import datetime, timezone
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
MAX_SKEW_SECONDS = 15 * 60

_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


class SignatureError(Exception):
    """The request is not correctly signed; the message is safe to show to the caller."""


class CredentialsExpiredError(SignatureError):
    """Correctly signed with temporary credentials that have expired (the gateway's APIGW.0307)."""


def _encode(value):
    return quote(value, safe="~")


def canonical_uri(path):
    """Each segment is decoded then re-encoded, and the result always ends with a slash."""
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(pairs):
    """Pairs sorted by key then value, each part percent-encoded, repeated keys kept."""
    return "&".join("%s=%s" % (_encode(key), _encode(value)) for key, value in sorted(pairs))


def canonical_request(method, path, query_pairs, headers, signed_headers, body):
    """Build the canonical request; headers is a dict with lower-case keys."""
    lines = ["%s:%s" % (name, headers.get(name, "").strip()) for name in signed_headers]
    payload_hash = headers.get("x-sdk-content-sha256") if body else None
    if not payload_hash:
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_HASH
    return "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query(query_pairs),
        "\n".join(lines) + "\n",
        ";".join(signed_headers),
        payload_hash,
    ])


def string_to_sign(canonical, date_text):
    return "%s\n%s\n%s" % (ALGORITHM, date_text, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def signature(secret_key, text):
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value):
    """Return (access_key, signed_headers list, signature) or raise SignatureError."""
    match = _AUTH_RE.match(value or "")
    if not match:
        raise SignatureError("Incorrect IAM authentication information: Authorization header is missing or malformed")
    return match.group("access"), match.group("headers").lower().split(";"), match.group("signature").lower()


def check_date(date_text, now=None):
    """Reject a missing, malformed or skewed X-Sdk-Date, the way the gateway reports clock skew."""
    if not date_text:
        raise SignatureError("Incorrect IAM authentication information: X-Sdk-Date header is missing")
    try:
        sent = datetime.strptime(date_text, DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise SignatureError("Incorrect IAM authentication information: X-Sdk-Date is not in %s format" % DATE_FORMAT) from exc
    now = now or datetime.now(timezone.utc)
    if abs((now - sent).total_seconds()) > MAX_SKEW_SECONDS:
        raise SignatureError(
            "Incorrect IAM authentication information: signature expired, request time %s is more than 15 minutes "
            "away from server time %s (check the client clock)" % (date_text, now.strftime(DATE_FORMAT))
        )


def verify(request, credentials, now=None):
    """Verify a request.

    request: dict with method, path, query_pairs, headers (lower-case keys), body (bytes).
    credentials: dict access_key -> {secret_key, security_token}.
    Returns the matching credential or raises SignatureError.
    """
    headers = request["headers"]
    access_key, signed_headers, sent_signature = parse_authorization(headers.get("authorization"))
    credential = credentials.get(access_key)
    if credential is None:
        raise SignatureError("Incorrect IAM authentication information: AK %s is unknown" % access_key)
    check_date(headers.get("x-sdk-date"), now)
    if "x-sdk-date" not in signed_headers:
        raise SignatureError("Incorrect IAM authentication information: X-Sdk-Date must be a signed header")
    missing = [name for name in signed_headers if name not in headers]
    if missing:
        raise SignatureError("Incorrect IAM authentication information: signed header %s is absent" % missing[0])
    canonical = canonical_request(request["method"], request["path"], request["query_pairs"], headers, signed_headers, request["body"])
    expected = signature(credential["secret_key"], string_to_sign(canonical, headers["x-sdk-date"]))
    if not hmac.compare_digest(expected, sent_signature):
        raise SignatureError("Incorrect IAM authentication information: verify aksk signature fail")
    token = credential.get("security_token")
    if token and headers.get("x-security-token") != token:
        raise SignatureError("Incorrect IAM authentication information: the security token is missing or invalid")
    if credential.get("expired"):
        raise CredentialsExpiredError("The token must be updated.")
    return credential

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SDK-HMAC-SHA256 request signing, the AK/SK scheme of the Huawei Cloud API gateway.

Pure functions on strings and bytes: no HTTP, no Ansible. The canonical request is built
exactly as the official SDK builds it, so a request signed here is accepted wherever a
request signed by the SDK is.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()


def encode(value):
    """Percent-encode everything but the unreserved characters (the gateway's rule)."""
    return quote(value, safe="~")


def canonical_uri(path):
    """Each segment decoded then encoded once; always ends with a slash."""
    uri = "/".join(encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(params):
    """Sorted ``key=value`` pairs; ``params`` is a mapping or a list of (key, value) pairs.

    A list value stands for a repeated key. Booleans are written in lower case.
    """
    items = params.items() if hasattr(params, "items") else params
    pairs = []
    for key, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for one in values:
            text = str(one).lower() if isinstance(one, bool) else str(one)
            pairs.append((str(key), text))
    # Sorted before encoding, as the official SDK does: the order can differ once encoded.
    return "&".join("%s=%s" % (encode(key), encode(value)) for key, value in sorted(pairs))


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return body


def sign_request(method, url, headers, body, access_key, secret_key, now=None):
    """Return a copy of ``headers`` with ``X-Sdk-Date``, ``Host`` and ``Authorization`` added.

    ``url`` holds the path and the query exactly as they will be sent (build the query with
    :func:`canonical_query`). Headers whose name holds an underscore are not signed, as the
    gateway ignores them.
    """
    signed = dict(headers)
    parts = urlsplit(url)
    if not any(name.lower() == "x-sdk-date" for name in signed):
        moment = now or datetime.now(timezone.utc)
        signed["X-Sdk-Date"] = moment.strftime(DATE_FORMAT)
    if not any(name.lower() == "host" for name in signed):
        signed["Host"] = parts.netloc
    lowered = {}
    for name, value in signed.items():
        if "_" not in name:
            lowered[name.lower()] = str(value).strip()
    names = sorted(lowered)
    date = lowered["x-sdk-date"]
    payload = _body_bytes(body)
    canonical = "\n".join([
        method.upper(),
        canonical_uri(parts.path or "/"),
        canonical_query(_split_query(parts.query)),
        "".join("%s:%s\n" % (name, lowered[name]) for name in names),
        ";".join(names),
        hashlib.sha256(payload).hexdigest() if payload else EMPTY_BODY_HASH,
    ])
    string_to_sign = "\n".join([ALGORITHM, date, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    signature = hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, access_key, ";".join(names), signature)
    return signed


def _split_query(query):
    """Decode a query string that :func:`canonical_query` produced back into pairs."""
    pairs = []
    for item in query.split("&") if query else []:
        key, _sep, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs

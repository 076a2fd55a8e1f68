# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signer agrees with the official SDK signer, and with the provider's documented example."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlsplit

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._signer import (
    canonical_query,
    canonical_uri,
    sign_request,
)

AK = "HPUAEXAMPLEAK1234567"
SK = "sk-Example/Secret+Key=0123456789abcdef"
DATE = "20240102T030405Z"
HOST = "workspace.cn-north-4.myhuaweicloud.com"
CONTENT_TYPE = "application/json;charset=UTF-8"

# Characters that need care: space, reserved and sub-delimiters, percent, plus, unicode
# (accented, CJK, emoji), and the unreserved ones that must stay as they are.
TRICKY = " /?#&=+%;,:@!$'()*[]~-._" + "éü中文帯域🙂" + "aZ09"
text = st.text(alphabet=st.sampled_from(TRICKY), max_size=8)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "get", "post"])
segments = st.lists(text, min_size=0, max_size=4)
query_pairs = st.lists(st.tuples(text, text), max_size=6)
bodies = st.one_of(
    st.none(),
    st.just(b""),
    st.dictionaries(st.sampled_from(["bandwidth_name", "bandwidth_size", "extend_param"]), text, max_size=3).map(
        lambda data: json.dumps(data, ensure_ascii=False).encode("utf-8")),
)
tokens = st.one_of(st.none(), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_", min_size=1, max_size=40))


def build_path(parts, trailing_slash=False):
    """A path as the client builds it: each value percent-encoded with no safe character."""
    path = "/v2/0123456789abcdef/bandwidths" + "".join("/" + quote(part, safe="") for part in parts)
    return path + "/" if trailing_slash else path


def client_headers(token=None):
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": "hwcloud.bandwidth/1.0.0", "X-Sdk-Date": DATE}
    if token:
        headers["X-Security-Token"] = token
    return headers


def ours(method, path, pairs, body, headers, host=HOST, secret=SK):
    query = canonical_query(pairs)
    url = "https://%s%s%s" % (host, path, "?" + query if query else "")
    return url, sign_request(method, url, headers, body, AK, secret)


def official(method, path, pairs, body, headers, host=HOST, secret=SK):
    request = SdkRequest(method=method, schema="https", host=host, resource_path=path,
                         query_params=list(pairs), header_params=dict(headers), body=body)
    Signer(BasicCredentials(AK, secret)).sign(request)
    return request


@settings(max_examples=100, deadline=None, database=None)
@given(method=methods, parts=segments, trailing=st.booleans(), pairs=query_pairs, body=bodies, token=tokens)
def test_agrees_with_official_signer(method, parts, trailing, pairs, body, token):
    path = build_path(parts, trailing)
    url, signed = ours(method, path, pairs, body, client_headers(token))
    sdk = official(method, path, pairs, body, client_headers(token))
    assert signed["Authorization"] == sdk.header_params["Authorization"]
    # The URL we send carries the same canonical query that the SDK puts on the wire.
    assert url.split("?", 1)[1:] == sdk.uri.split("?", 1)[1:]
    assert signed["Host"] == HOST
    assert signed["X-Sdk-Date"] == DATE


@settings(max_examples=50, deadline=None, database=None)
@given(method=methods, parts=segments, pairs=query_pairs, body=bodies, token=tokens)
def test_what_requests_sends_verifies_with_official_signer(method, parts, pairs, body, token):
    """A gateway rebuilds the canonical request from the wire: requests must not re-encode the URL."""
    parts = [part for part in parts if part not in (".", "..")]  # dot segments are removed by any HTTP client
    path = build_path(parts)
    url, signed = ours(method, path, pairs, body, client_headers(token))
    prepared = requests.Request(method.upper(), url, headers=signed, data=body).prepare()
    wire = urlsplit(prepared.url)
    received = [tuple(unquote(side) for side in item.partition("=")[::2]) for item in wire.query.split("&")] if wire.query else []
    headers = {name: value for name, value in signed.items() if name != "Authorization"}
    sdk = official(method, wire.path, received, prepared.body, headers)
    assert signed["Authorization"] == sdk.header_params["Authorization"]


@pytest.mark.parametrize("pairs", [
    [("name", "a b")],
    [("marker", "x/y"), ("limit", "2000")],
    [("k", "b"), ("k", "a"), ("k", "")],
    [("", "empty key"), ("a", "")],
    [("名前", "帯域"), ("emoji", "🙂")],
    [("a+b", "c&d=e"), ("a", "%20")],
    [("Z", "1"), ("a", "1"), ("_", "1"), ("~", "1")],
])
def test_known_tricky_queries_agree(pairs):
    path = build_path(["bw 1", "a/b"])
    _url, signed = ours("GET", path, pairs, None, client_headers("tok"))
    sdk = official("GET", path, pairs, None, client_headers("tok"))
    assert signed["Authorization"] == sdk.header_params["Authorization"]


def test_documented_example_hash():
    """The provider's signing guide hashes this VPC list request to b25362e6...a7 (20191115T033655Z)."""
    url = "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
    headers = {"Content-Type": "application/json", "X-Sdk-Date": "20191115T033655Z"}
    signed = sign_request("GET", url, headers, None, "AK", "example-secret")
    string_to_sign = "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
    expected = hmac.new(b"example-secret", string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date, Signature=%s" % expected)
    assert signed["Host"] == "service.region.example.com"


def test_known_answer_with_body_and_token():
    """A fixed request spelled out by hand: canonical request, string to sign, signature."""
    body = b'{"bandwidth_size":20}'
    headers = {"Content-Type": "application/json", "X-Sdk-Date": "20240102T030405Z", "X-Security-Token": " tok "}
    url = "https://vpc.r1.example.com:8443/v1/p%201/bandwidths/bw?b=2&a=x%20y&a=1"
    signed = sign_request("post", url, headers, body, "AKX", "SKX")
    canonical = "\n".join([
        "POST",
        "/v1/p%201/bandwidths/bw/",
        "a=1&a=x%20y&b=2",
        "content-type:application/json\nhost:vpc.r1.example.com:8443\nx-sdk-date:20240102T030405Z\nx-security-token:tok\n",
        "content-type;host;x-sdk-date;x-security-token",
        hashlib.sha256(body).hexdigest(),
    ])
    to_sign = "SDK-HMAC-SHA256\n20240102T030405Z\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(b"SKX", to_sign.encode(), hashlib.sha256).hexdigest()
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKX, SignedHeaders=content-type;host;x-sdk-date;x-security-token, Signature=" + signature)
    assert signed["Host"] == "vpc.r1.example.com:8443"


def test_date_comes_from_now_and_is_utc():
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    signed = sign_request("GET", "https://h/x", {}, None, AK, SK, now=moment)
    assert signed["X-Sdk-Date"] == "20240506T070809Z"
    sdk = official("GET", "/x", [], None, {"X-Sdk-Date": "20240506T070809Z"}, host="h")
    assert signed["Authorization"] == sdk.header_params["Authorization"]


def test_caller_headers_are_not_modified_and_existing_host_is_kept():
    headers = {"X-Sdk-Date": DATE, "host": "other.example.com"}
    signed = sign_request("GET", "https://%s/x" % HOST, headers, None, AK, SK)
    assert headers == {"X-Sdk-Date": DATE, "host": "other.example.com"}
    assert "Host" not in signed
    assert "host" in signed["Authorization"].split("SignedHeaders=")[1]


def test_headers_with_underscore_are_not_signed():
    signed = sign_request("GET", "https://h/x", {"X-Sdk-Date": DATE, "X_Trace_Id": "1"}, None, AK, SK)
    assert "SignedHeaders=host;x-sdk-date," in signed["Authorization"]


def test_secret_key_changes_signature_and_is_not_in_headers():
    one = sign_request("GET", "https://h/x", {"X-Sdk-Date": DATE}, None, AK, SK)
    two = sign_request("GET", "https://h/x", {"X-Sdk-Date": DATE}, None, AK, SK + "x")
    assert one["Authorization"] != two["Authorization"]
    assert all(SK not in str(value) for value in one.values())


def test_string_and_bytes_body_sign_alike():
    one = sign_request("PUT", "https://h/x", {"X-Sdk-Date": DATE}, '{"name":"帯域"}', AK, SK)
    two = sign_request("PUT", "https://h/x", {"X-Sdk-Date": DATE}, '{"name":"帯域"}'.encode("utf-8"), AK, SK)
    assert one["Authorization"] == two["Authorization"]


@pytest.mark.parametrize("path, expected", [
    ("/", "/"),
    ("/v1/p/bandwidths", "/v1/p/bandwidths/"),
    ("/v1/p/bandwidths/", "/v1/p/bandwidths/"),
    ("/v1/a%20b/c", "/v1/a%20b/c/"),
    ("/v1/a b/c", "/v1/a%20b/c/"),
    ("/v1/%E5%B8%AF", "/v1/%E5%B8%AF/"),
    ("/v1/a~b", "/v1/a~b/"),
    ("/v1/a%7Eb", "/v1/a~b/"),
])
def test_canonical_uri(path, expected):
    assert canonical_uri(path) == expected


@pytest.mark.parametrize("params, expected", [
    ({}, ""),
    ({"limit": 10, "offset": 0}, "limit=10&offset=0"),
    ({"flag": True, "other": False}, "flag=true&other=false"),
    ({"k": ["b", "a"]}, "k=a&k=b"),
    ([("k", "b"), ("k", "a")], "k=a&k=b"),
    ({"name": "a b/c"}, "name=a%20b%2Fc"),
    ({"name": "帯"}, "name=%E5%B8%AF"),
    ({"x": ""}, "x="),
    ({"t": "~-._"}, "t=~-._"),
])
def test_canonical_query(params, expected):
    assert canonical_query(params) == expected

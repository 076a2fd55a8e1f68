"""Official SDK clients pointed at the simulator, and a raw signed-request helper built on the SDK's signer."""

import json
import time

import requests
from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkces.v1 import CesClient
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkeip.v2 import EipClient
from huaweicloudsdkeip.v3 import EipClient as EipClientV3
from huaweicloudsdkworkspace.v2 import WorkspaceClient

ACCESS_KEY = "SIMULATORAK0000000000"
SECRET_KEY = "simulator-secret-key"
PROJECT_ID = "0f3c5e7a9b1d4c6e8a0b2c4d6e8f0a1b"
TEMP_ACCESS_KEY = "SIMULATORTEMPAK000000"
TEMP_SECRET_KEY = "simulator-temp-secret-key"
TEMP_TOKEN = "simulator-security-token-0123456789abcdef"
DOMAIN_ID = "d5f7a9c1e3b54d6f8a0c2e4a6b8d0f12"


def basic(ak=ACCESS_KEY, sk=SECRET_KEY, token=None):
    credentials = BasicCredentials(ak, sk, PROJECT_ID)
    if token:
        credentials = credentials.with_security_token(token)
    return credentials


def workspace(url, credentials=None):
    return WorkspaceClient.new_builder().with_credentials(credentials or basic()).with_endpoints([url]).build()


def eip(url, credentials=None):
    return EipClient.new_builder().with_credentials(credentials or basic()).with_endpoints([url]).build()


def eip_v3(url, credentials=None):
    return EipClientV3.new_builder().with_credentials(credentials or basic()).with_endpoints([url]).build()


def ces(url, credentials=None):
    return CesClient.new_builder().with_credentials(credentials or basic()).with_endpoints([url]).build()


def bss(url):
    credentials = GlobalCredentials(ACCESS_KEY, SECRET_KEY, DOMAIN_ID)
    return BssClient.new_builder().with_credentials(credentials).with_endpoints([url]).build()


class _Credentials:
    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


def signed(url, method, path, query=None, body=None, ak=ACCESS_KEY, sk=SECRET_KEY, headers=None, date=None):
    """Sign with huaweicloudsdkcore's Signer and send with requests; returns the requests.Response."""
    host = url.split("://", 1)[1]
    header_params = {"Content-Type": "application/json"}
    header_params.update(headers or {})
    if date:
        header_params["X-Sdk-Date"] = date
    payload = json.dumps(body) if body is not None else ""
    request = SdkRequest(method=method, schema="http", host=host, resource_path=path, query_params=list(query or []),
                         header_params=header_params, body=payload)
    request = Signer(_Credentials(ak, sk)).sign(request)
    return requests.request(method, url + request.uri, headers=request.header_params, data=request.body or None, timeout=10)


def wait_until(predicate, timeout=5.0, interval=0.05):
    """Poll predicate() until it returns a true value; return that value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1f s" % timeout)
        time.sleep(interval)

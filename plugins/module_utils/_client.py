# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Huawei Cloud API client: configuration, endpoints, project id, HTTP, retries, paging.

It knows nothing of Ansible: the modules, the inventory plugin and the tests all use it the
same way. ``requests`` is imported under a guard so that the modules can report a missing
library instead of a traceback.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from urllib.parse import quote, urlsplit

try:
    import requests
    from urllib3.exceptions import NewConnectionError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    requests = None
    NewConnectionError = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import (
    HwCloudError,
    OutcomeUnknownError,
    parse_error,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import FATAL, NOT_SENT, SENT, RetryPolicy
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._signer import canonical_query, sign_request

USER_AGENT = "hwcloud.bandwidth/1.0.0"
DEFAULT_CLOUD = "myhuaweicloud.com"
SERVICES = ("iam", "workspace", "vpc", "bss", "ces")
# BSS answers these on the endpoint of the wrong site (Chinese vs international account).
WRONG_BILLING_SITE = frozenset(("CBC.0150", "CBC.0156"))
REDACTED = "********"
# A gateway that fails a signature check may echo what it saw, the signature included.
_SIGNATURE_TEXT = re.compile(r"(Signature=)[0-9A-Fa-f]+")

# The services' timestamps are UTC, ``yyyy-MM-ddTHH:mm:ss`` (sometimes with ``Z`` or fractions).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def utcnow():
    """Now, as a naive UTC datetime like the parsed service timestamps."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def parse_time(text):
    """A service timestamp as a naive UTC datetime, or None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.datetime.strptime(str(text)[:19], TIME_FORMAT)
    except ValueError:
        return None


ENV = {
    "access_key": "HW_ACCESS_KEY",
    "secret_key": "HW_SECRET_KEY",
    "security_token": "HW_SECURITY_TOKEN",
    "region": "HW_REGION_NAME",
    "project_id": "HW_PROJECT_ID",
    "cloud": "HW_CLOUD",
    "endpoints": "HW_ENDPOINTS",
    "max_retries": "HW_MAX_RETRIES",
}


def parse_endpoints(value):
    """Endpoints as a dict; accepts a dict, JSON, or ``service=url,service=url``."""
    if not value:
        return {}
    if isinstance(value, dict):
        endpoints = dict(value)
    else:
        text = str(value).strip()
        if text.startswith("{"):
            try:
                endpoints = json.loads(text)
            except ValueError:
                raise ValueError("endpoints is not valid JSON; give a mapping of service to base URL") from None
        else:
            endpoints = {}
            for item in text.split(","):
                service, sep, url = item.partition("=")
                if not sep:
                    raise ValueError("endpoints entry %r is not service=url" % item.strip())
                endpoints[service.strip()] = url.strip()
    unknown = sorted(set(endpoints) - set(SERVICES))
    if unknown:
        raise ValueError("unknown service in endpoints: %s (known: %s)" % (", ".join(unknown), ", ".join(SERVICES)))
    cleaned = {}
    for service, url in endpoints.items():
        # A service's URL, or {region: URL} for the runs that span regions.
        by_region = url if isinstance(url, dict) else {None: url}
        for region, value in by_region.items():
            parts = urlsplit(str(value))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("endpoint of %s%s must be an http(s) URL, got %r"
                                 % (service, "" if region is None else " in region %s" % region, value))
        cleaned[service] = ({region: str(value).rstrip("/") for region, value in url.items()}
                            if isinstance(url, dict) else str(url).rstrip("/"))
    return cleaned


class ClientConfig:
    """Where and as whom to call. Secrets are kept out of ``repr``."""

    def __init__(self, access_key=None, secret_key=None, region=None, security_token=None, project_id=None,
                 cloud=None, endpoints=None, validate_certs=True, request_timeout=30, max_retries=5):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.region = region
        self.project_id = project_id
        self.cloud = cloud or DEFAULT_CLOUD
        self.endpoints = parse_endpoints(endpoints)
        self.validate_certs = validate_certs
        self.request_timeout = request_timeout
        try:
            self.max_retries = 5 if max_retries in (None, "") else int(max_retries)
        except (TypeError, ValueError):
            raise ValueError("max_retries must be a whole number, got %r" % (max_retries,)) from None

    @classmethod
    def from_env(cls, environ=None, **options):
        """Options first, then the ``HW_*`` variables for what the options leave empty."""
        environ = os.environ if environ is None else environ
        merged = dict(options)
        for name, variable in ENV.items():
            if merged.get(name) in (None, "", {}) and environ.get(variable):
                merged[name] = environ[variable]
        return cls(**merged)

    def missing(self):
        """Names of the settings that a call cannot do without."""
        return [name for name in ("access_key", "secret_key", "region") if not getattr(self, name)]

    def __repr__(self):
        return "ClientConfig(access_key=%r, region=%r, project_id=%r, cloud=%r, endpoints=%r)" % (
            self.access_key, self.region, self.project_id, self.cloud, self.endpoints)


class HwCloudClient:
    """Signed HTTP calls to the Huawei Cloud services with the safety rules of the design."""

    def __init__(self, config, session=None, retry=None):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        missing = config.missing()
        if missing:
            raise HwCloudError("configuration", "missing %s" % ", ".join(missing),
                               hint="set the module options or the HW_ACCESS_KEY, HW_SECRET_KEY and "
                                    "HW_REGION_NAME environment variables")
        self.config = config
        self.session = session or requests.Session()
        self.retry = retry or RetryPolicy(max_retries=config.max_retries)
        self.on_throttle = None  # called with the service's name on every 429: the engine writes slower
        self._project_id = config.project_id
        self._bss_intl = False
        self.calls = 0

    # -- endpoints and project ------------------------------------------------------------

    def endpoint(self, service):
        override = self.config.endpoints.get(service)
        if isinstance(override, dict):
            override = override.get(self.config.region)
        if override:
            return override
        if service == "bss":
            return "https://%s.%s" % ("bss-intl" if self._bss_intl else "bss", self.config.cloud)
        return "https://%s.%s.%s" % (service, self.config.region, self.config.cloud)

    @property
    def project_id(self):
        """The project of the region, looked up through IAM once per client."""
        if not self._project_id:
            self._project_id = self._lookup_project_id()
        return self._project_id

    def _lookup_project_id(self):
        region = self.config.region
        answer = self.request("iam", "GET", "/v3/projects", "look up the project of region %s" % region,
                              query={"name": region}, project=False)
        projects = [p for p in (answer or {}).get("projects", []) if p.get("name") == region]
        if len(projects) != 1:
            raise HwCloudError(
                "look up the project of region %s" % region,
                "IAM returned %d projects named %s, expected exactly one" % (len(projects), region),
                hint="check the region name, or set project_id (HW_PROJECT_ID) explicitly")
        return projects[0]["id"]

    # -- HTTP -----------------------------------------------------------------------------

    def path(self, template, **values):
        """Fill a path template; ``{project_id}`` is filled in, values are percent-encoded."""
        if "{project_id}" in template:
            values.setdefault("project_id", self.project_id)
        return template.format(**{key: quote(str(value), safe="") for key, value in values.items()})

    def request(self, service, method, path, operation, query=None, body=None, project=True, expect=None,
                read_only=False):
        """Make one logical call (with retries) and return the parsed JSON answer, or None.

        ``path`` may hold ``{project_id}``. ``operation`` names the call for people
        ("resize bandwidth bw-1"). Reads retry freely; writes retry only when nothing was
        sent, otherwise :class:`OutcomeUnknownError` is raised. ``read_only`` marks a POST
        that only reads (a query with its filters in the body): it is retried like a GET.
        """
        method = method.upper()
        safe = method == "GET" or read_only
        if project and "{project_id}" in path:
            path = self.path(path)
        data = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        tries = self.retry.start()
        signatures = []
        while True:
            url = self._url(service, path, query)
            outcome = self._send(method, url, data, operation, safe, signatures)
            if isinstance(outcome, tuple):
                transport, error = outcome
                if tries.again(safe, transport=transport):
                    continue
                raise self._scrub(error, signatures)
            response = outcome
            if response.status_code < 400 and (expect is None or response.status_code in expect):
                return _json_body(response)
            error = parse_error(operation, response.status_code, response.content, response.headers)
            if service == "bss" and error.error_code in WRONG_BILLING_SITE and self._switch_billing_site():
                continue
            if response.status_code == 429 and self.on_throttle is not None:
                self.on_throttle(service)
            if tries.again(safe, status=response.status_code, retry_after=response.headers.get("Retry-After")):
                continue
            if not safe and response.status_code >= 500:
                error = OutcomeUnknownError(operation, error.message, status=error.status,
                                            error_code=error.error_code, request_id=error.request_id,
                                            hint="the service failed while handling a change; read the state "
                                                 "before trying again")
            raise self._scrub(error, signatures)

    def _scrub(self, error, signatures):
        """Blank out credentials and signatures that a service echoed back into its message."""
        secrets = [value for value in (self.config.secret_key, self.config.security_token) if value]
        secrets.extend(signatures)
        text = error.message or ""
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        text = _SIGNATURE_TEXT.sub(r"\1" + REDACTED, text)
        if text != error.message:
            error.message = text
            error.args = (text,)
        return error

    def _switch_billing_site(self):
        """Move to the international billing endpoint once, unless the user chose one."""
        if self._bss_intl or "bss" in self.config.endpoints:
            return False
        self._bss_intl = True
        return True

    def _url(self, service, path, query):
        url = self.endpoint(service) + path
        pairs = [(key, value) for key, value in (query.items() if hasattr(query, "items") else query or [])
                 if value is not None]
        return url + "?" + canonical_query(pairs) if pairs else url

    def _headers(self):
        headers = {"Content-Type": "application/json;charset=UTF-8", "User-Agent": USER_AGENT}
        if self.config.security_token:
            headers["X-Security-Token"] = self.config.security_token
        return headers

    def _send(self, method, url, data, operation, safe, signatures):
        """One HTTP exchange: a response, or (transport outcome, error) when none came."""
        headers = sign_request(method, url, self._headers(), data, self.config.access_key, self.config.secret_key)
        signatures.append(headers["Authorization"].rpartition("Signature=")[2])
        self.calls += 1
        try:
            return self.session.request(method, url, data=data, headers=headers,
                                        timeout=self.config.request_timeout, verify=self.config.validate_certs)
        except requests.exceptions.SSLError as exc:
            return FATAL, HwCloudError(operation, "TLS verification failed: %s" % _reason(exc),
                                       hint="check the endpoint's certificate, or set validate_certs: false "
                                            "only for a trusted test endpoint")
        except requests.exceptions.RequestException as exc:
            if _never_connected(exc):
                return NOT_SENT, HwCloudError(operation, "could not connect: %s" % _reason(exc),
                                              hint="check the region, the endpoints and the network")
            if safe:
                return SENT, HwCloudError(operation, "no answer: %s" % _reason(exc),
                                          hint="check the network and retry")
            return SENT, OutcomeUnknownError(
                operation, "the connection broke after the request was sent (%s)" % _reason(exc),
                hint="the change may have been applied or ordered; read the state before trying again")

    # -- paging ---------------------------------------------------------------------------

    def pages_by_offset(self, service, path, items_key, operation, query=None, limit=100):
        """Every item of an ``offset``/``limit`` listing (Workspace, BSS)."""
        offset = 0
        previous = None
        while True:
            page_query = dict(query or {}, offset=offset, limit=limit)
            answer = self.request(service, "GET", path, operation, query=page_query) or {}
            items = answer.get(items_key) or []
            previous = _check_progress(operation, previous, items)
            yield from items
            offset += len(items)
            total = answer.get("total_count", answer.get("total"))
            if not items or len(items) < limit or (total is not None and offset >= int(total)):
                return

    def pages_by_marker(self, service, path, items_key, operation, query=None, limit=1000, marker_key="id",
                        next_marker=None):
        """Every item of a ``marker``/``limit`` listing (VPC): the marker is the last id seen.

        ``next_marker`` names where a v3 answer gives the next marker itself
        (``("page_info", "next_marker")``); the listing ends when it is empty.
        """
        marker = None
        previous = None
        while True:
            page_query = dict(query or {}, limit=limit)
            if marker:
                page_query["marker"] = marker
            answer = self.request(service, "GET", path, operation, query=page_query) or {}
            items = answer.get(items_key) or []
            previous = _check_progress(operation, previous, items)
            yield from items
            if next_marker:
                marker = (answer.get(next_marker[0]) or {}).get(next_marker[1])
                if not marker or not items:
                    return
                continue
            if len(items) < limit:
                return
            marker = items[-1][marker_key]


def _check_progress(operation, previous, items):
    """Stop a listing whose service ignores the paging parameters instead of looping forever."""
    if items and items == previous:
        raise HwCloudError(operation, "the service returned the same page twice; the listing does not advance",
                           hint="report this to the provider; filter the listing to make it shorter meanwhile")
    return items


def _json_body(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _never_connected(exc):
    """True when the TCP connection itself was never made (refused, unresolvable, connect timeout)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError)


def _reason(exc):
    """A short reason without the URL's query (it carries no secret, but keeps messages short)."""
    text = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
    return text if len(text) <= 300 else text[:300] + "..."

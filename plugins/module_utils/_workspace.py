# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workspace bandwidths (the Internet bandwidth of a Workspace subnet): find, read, normalise, change.

Pay-per-use bandwidths (``charge_mode`` ``wks_traffic`` or ``free``) change through
``POST .../update``, which starts an asynchronous job. Yearly/monthly ones (``wks_bandwidth``)
change their size through a billing order, ``POST .../periodic/change/order``. The two bodies
type ``bandwidth_size`` differently (an integer in the update, a string in the order), and
``is_auto_pay`` is the string ``"true"``/``"false"``: the bodies are built here and nowhere else.
"""

from __future__ import annotations

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import OutcomeUnknownError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import (
    ON_DEMAND,
    PREPAID,
    BandwidthService,
    Change,
)

PREPAID_CHARGE_MODE = "wks_bandwidth"
LIST_PATH = "/v2/{project_id}/bandwidths"
UPDATE_PATH = "/v2/{project_id}/bandwidths/{bandwidth_id}/update"
ORDER_PATH = "/v2/{project_id}/bandwidths/{bandwidth_id}/periodic/change/order"
JOB_PATH = "/v2/{project_id}/workspace-jobs/{job_id}"
PAGE_SIZE = 100

# The list filters the API takes, in the API's names.
FILTERS = ("bandwidth_id", "bandwidth_name", "vpc_id", "subnet_id", "enterprise_project_id")
# Filters applied again on the answer, exactly: a service that matched loosely (or ignored a
# filter) must not make a lookup pick the wrong bandwidth.
EXACT_FILTERS = ("bandwidth_id", "bandwidth_name", "vpc_id", "subnet_id")

JOB_RUNNING = frozenset(("INIT", "WAITING", "RUNNING", "PROCESSING"))
JOB_SUCCEEDED = frozenset(("SUCCESS", "COMPLETE"))
JOB_FAILED = frozenset(("FAIL", "FAILED"))


def _size(value):
    """The size as an integer when the service sent digits as text."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def normalize(item):
    """The design's normalised bandwidth from a Workspace ``SubnetBandwidthDetail``."""
    charge_mode = item.get("charge_mode")
    return {
        "id": item.get("bandwidth_id"),
        "name": item.get("bandwidth_name"),
        "size": _size(item.get("size")),
        "billing_mode": PREPAID if charge_mode == PREPAID_CHARGE_MODE else ON_DEMAND,
        "charge_mode": charge_mode,
        "status": item.get("status"),
        "enterprise_project_id": item.get("enterprise_project_id"),
        "subnet_id": item.get("subnet_id"),
        "subnet_name": item.get("subnet_name"),
        "vpc_id": item.get("vpc_id"),
        "vpc_name": item.get("vpc_name"),
        "order_id": item.get("order_id"),
        "control_mode": item.get("control_mode"),
        "created_at": item.get("created_at"),
    }


def _job_failure(kind, job):
    reason = job.get("fail_reason") or "no reason given"
    code = job.get("job_error_code") or job.get("error_code")
    return "%s ended with status %s: %s%s" % (kind, job.get("status"), reason, " (%s)" % code if code else "")


class WorkspaceBandwidths(BandwidthService):
    """The Workspace bandwidths of the client's project."""

    kind = "workspace"
    title = "Workspace"

    def __init__(self, client, enterprise_project_id=None):
        super().__init__(client, enterprise_project_id=enterprise_project_id)
        self._job_labels = {}

    def normalize(self, item):
        return normalize(item)

    # -- reading --------------------------------------------------------------------------

    def list(self, **filters):
        """Every bandwidth matching the filters (API names: ``bandwidth_id``, ``bandwidth_name``...)."""
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise ValueError("unknown Workspace bandwidth filter: %s" % ", ".join(unknown))
        query = {key: value for key, value in filters.items() if value not in (None, "")}
        if self.enterprise_project_id and "enterprise_project_id" not in query:
            query["enterprise_project_id"] = self.enterprise_project_id
        items = self.client.pages_by_offset("workspace", LIST_PATH, "bandwidths", "list Workspace bandwidths",
                                            query=query, limit=PAGE_SIZE)
        found = []
        for item in items:
            if all(item.get(key) == query[key] for key in EXACT_FILTERS if key in query):
                found.append(normalize(item))
        return found

    def get(self, bandwidth_id):
        found = self.list(bandwidth_id=bandwidth_id)
        return found[0] if found else None

    def list_named(self, name):
        # The service filters by name: one narrow call, which still finds every namesake.
        return self.list(bandwidth_name=name)

    # -- changing -------------------------------------------------------------------------

    def update(self, current, desired):
        """A plain update (pay-per-use, or a name-only change): answers a job to follow."""
        body = {}
        if desired.name is not None:
            body["bandwidth_name"] = desired.name
        if desired.size is not None:
            body["bandwidth_size"] = int(desired.size)
        if desired.charge_mode is not None:
            body["charge_mode"] = desired.charge_mode
        if self.enterprise_project_id:
            body["enterprise_project_id"] = self.enterprise_project_id
        label = self.label(current)
        answer = self.client.request(
            "workspace", "POST", self.client.path(UPDATE_PATH, bandwidth_id=current["id"]),
            "update %s" % label, body=body) or {}
        job_id = answer.get("job_id")
        if job_id:
            self._job_labels[job_id] = label
        return Change(job_id=job_id)

    def order(self, current, desired, auto_pay, renewal=None):
        """A change order of a yearly/monthly bandwidth: answers the order id."""
        if renewal is not None:
            raise ValueError("Workspace bandwidths have no change at renewal")
        size = desired.size if desired.size is not None else current.get("size")
        body = {"bandwidth_size": str(int(size))}
        if desired.name is not None:
            body["bandwidth_name"] = desired.name
        if self.enterprise_project_id:
            body["enterprise_project_id"] = self.enterprise_project_id
        body["extend_param"] = {"is_auto_pay": "true" if auto_pay else "false"}
        operation = "order the change of %s to %s Mbit/s" % (self.label(current), size)
        answer = self.client.request(
            "workspace", "POST", self.client.path(ORDER_PATH, bandwidth_id=current["id"]), operation, body=body) or {}
        order_id = answer.get("order_id")
        if not order_id:
            # Accepted, but no order id to follow: resolve it by reading, like a lost answer.
            raise OutcomeUnknownError(operation, "the service accepted the change order but returned no order_id")
        return Change(order_id=order_id, job_id=answer.get("job_id"))

    def job_status(self, job_id, label=None):
        """(done, failure reason or None) of a Workspace job and its sub-jobs; ``label`` names its bandwidth."""
        answer = self.client.request("workspace", "GET", self.client.path(JOB_PATH, job_id=job_id),
                                     "read job %s" % job_id) or {}
        status = str(answer.get("status") or "").upper()
        label = label or self._job_labels.get(job_id)
        what = "the update of %s" % label if label else "the job"
        if status in JOB_FAILED:
            return True, _job_failure(what, answer)
        sub_jobs = answer.get("sub_jobs") or []
        for sub_job in sub_jobs:
            if str(sub_job.get("status") or "").upper() in JOB_FAILED:
                return True, _job_failure("sub-job %s of %s" % (sub_job.get("id"), what), sub_job)
        if status not in JOB_SUCCEEDED:
            return False, None
        if any(str(sub_job.get("status") or "").upper() in JOB_RUNNING for sub_job in sub_jobs):
            return False, None
        return True, None

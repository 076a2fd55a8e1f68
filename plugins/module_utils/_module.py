# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every module of the collection stands on.

It owns the common options, the result dict, ``_mark_as_changed()`` and the turning of every
client error into a failure a person can act on, with no traceback and no secret.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ClientConfig,
    HwCloudClient,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._billing import Billing
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._engine import Engine, Fleet
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import BandwidthError, HwCloudError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._plan import (
    AUTO,
    ORDER,
    REFUSE,
    Policy,
    Target,
    as_size,
    check_size,
    validate_name,
)
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._results import VERDICT_FAILED, summary, verdict
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._service import FAILED, IN_PROGRESS, PENDING_PAYMENT
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._vpc import VpcBandwidths
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitTimeout
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._workspace import WorkspaceBandwidths


def env_fallback(*names):
    """The first of the environment variables that is set and not empty.

    Unlike Ansible's own env_fallback, an empty variable counts as unset: AWX injects every
    input of a credential type, the empty ones too, and ``HW_ENDPOINTS=""`` is no dict.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def common_argument_spec():
    """The options of the ``hwcloud.bandwidth.common`` doc fragment."""
    return dict(
        access_key=dict(type="str", no_log=False, fallback=(env_fallback, ["HW_ACCESS_KEY"])),
        secret_key=dict(type="str", no_log=True, fallback=(env_fallback, ["HW_SECRET_KEY"])),
        security_token=dict(type="str", no_log=True, fallback=(env_fallback, ["HW_SECURITY_TOKEN"])),
        # Required, but checked by the base so that the message says where else it may come from.
        region=dict(type="str", fallback=(env_fallback, ["HW_REGION_NAME"])),
        project_id=dict(type="str", fallback=(env_fallback, ["HW_PROJECT_ID"])),
        cloud=dict(type="str", fallback=(env_fallback, ["HW_CLOUD"])),
        endpoints=dict(type="dict", fallback=(env_fallback, ["HW_ENDPOINTS"])),
        validate_certs=dict(type="bool", default=True),
        request_timeout=dict(type="int", default=30),
        max_retries=dict(type="int", fallback=(env_fallback, ["HW_MAX_RETRIES"])),
    )


COMMON_OPTIONS = tuple(common_argument_spec())


class BandwidthModule:
    """One subclass per module: it declares its options and implements :meth:`run`."""

    # The module's own options, merged with the common ones.
    argument_spec = {}
    module_kwargs = {}

    # How a task names its region, for the message of a task that names none.
    region_sources = "the region option (for example region: cn-north-4)"

    def __init__(self, module):
        self.module = module
        self.result = {"changed": False}
        self._client = None
        self._clients = {}

    @classmethod
    def define_module(cls):
        spec = common_argument_spec()
        spec.update(cls.argument_spec)
        kwargs = dict(supports_check_mode=True)
        kwargs.update(cls.module_kwargs)
        return AnsibleModule(argument_spec=spec, **kwargs)

    @property
    def client(self):
        if self._client is None:
            self._client = self.client_for()
        return self._client

    def region_client(self, region, project_id=None):
        """The client of ``region`` in a run over regions: the task's own for its region, else one kept per region.

        ``project_id`` None means the task's ``project_id`` for the task's region, and the project
        looked up through IAM for any other region.
        """
        params = self.module.params
        if region == params["region"] and project_id in (None, params.get("project_id")):
            return self.client
        key = (region, project_id)
        if key not in self._clients:
            self._clients[key] = self.client_for(region, project_id)
        return self._clients[key]

    def client_for(self, region=None, project_id=None):
        """A client of the task's connection options, for ``region`` (and its project) when given."""
        params = dict(self.module.params)
        if region is not None and region != params.get("region"):
            params.update(region=region, project_id=project_id)
        elif project_id is not None:
            params["project_id"] = project_id
        try:
            config = ClientConfig(**{name: params.get(name) for name in COMMON_OPTIONS})
        except ValueError as exc:
            raise ValidationError("invalid connection settings: %s" % exc) from None
        return HwCloudClient(config)

    def _mark_as_changed(self):
        self.result["changed"] = True

    def check_wait_timeout(self):
        if self.module.params["wait_timeout"] <= 0:
            raise ValidationError("wait_timeout must be a positive number of seconds, got %s"
                                  % self.module.params["wait_timeout"])

    def warn(self, message):
        self.module.warn(message)

    def run(self):
        raise NotImplementedError

    def fail(self, msg, **fields):
        result = dict(self.result)
        result.update(fields)
        self.module.fail_json(msg=msg, **result)

    @classmethod
    def home_region(cls, params):
        """The task's region; a module that reads several regions may take it from them."""
        return params.get("region")

    @classmethod
    def main(cls):
        """Build the module, run it, and report: the whole of every module's ``main()``."""
        module = cls.define_module()
        if not HAS_REQUESTS:
            module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        module.params["region"] = cls.home_region(module.params)
        if not module.params["region"]:
            module.fail_json(msg="missing required argument: region. Give %s, set it in module_defaults, or set "
                                 "the HW_REGION_NAME environment variable" % cls.region_sources)
        instance = cls(module)
        try:
            instance.run()
        except HwCloudError as exc:
            instance.fail(str(exc), error=exc.to_dict())
        except WaitTimeout as exc:
            instance.fail("%s; the change may still complete: run the task again later, or raise wait_timeout" % exc)
        except BandwidthError as exc:
            instance.fail(str(exc))
        module.exit_json(**instance.result)


def region_list(region, regions):
    """The regions a task reads: each of ``regions`` once, in the order given, or ``[region]`` when it is empty.

    Raises ValueError for an item that is not a region name.
    """
    if not regions:
        return [region]
    names = []
    for index, name in enumerate(regions, 1):
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise ValueError("regions: item %d is not a region name; give names such as cn-north-4" % index)
        if name not in names:
            names.append(name)
    return names


def resize_argument_spec(decrease_policies=("immediate",)):
    """The options of the ``hwcloud.bandwidth.resize`` doc fragment, shared by the changing modules."""
    return dict(
        auto_pay=dict(type="bool", default=False),
        max_order_amount=dict(type="float"),
        max_run_amount=dict(type="float"),
        prepaid_decrease=dict(type="str", default=REFUSE, choices=[REFUSE] + list(decrease_policies)),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )


def usage_argument_spec():
    """The ``usage`` option of the ``hwcloud.bandwidth.usage`` doc fragment."""
    return dict(type="dict", options=dict(
        window_days=dict(type="int", default=7),
        percentile=dict(type="float", default=95),
        headroom_percent=dict(type="float", default=25),
        min_hours=dict(type="int", default=24),
        min_size=dict(type="int", default=1),
        max_size=dict(type="int"),
    ))


class EngineModule(BandwidthModule):
    """Base of the modules that change bandwidths: they all run on the one engine."""

    concurrency = 1
    # The decrease policies the module offers besides refuse.
    decrease_choices = ("immediate",)

    def engine(self, client=None, billing=None):
        client = client or self.client
        epid = self.module.params.get("enterprise_project_id")
        services = {"workspace": WorkspaceBandwidths(client, enterprise_project_id=epid),
                    "vpc": VpcBandwidths(client, enterprise_project_id=epid)}
        return Engine(client, services, concurrency=self.concurrency, warn=self.warn, billing=billing)

    def fleet(self):
        """The engines of a run over regions, sharing one billing (read once): the task's region by default."""
        params = self.module.params
        billing = Billing(self.client, warn=self.warn)
        billing.share_open_orders()

        def engine_for(region, project_id):
            return self.engine(self.region_client(region, project_id), billing=billing)
        return Fleet(engine_for, params["region"], params.get("project_id"))

    def policy(self, renewal=None, for_approval=False):
        params = self.module.params
        for key in ("max_order_amount", "max_run_amount"):
            if params[key] is not None and params[key] < 0:
                raise ValidationError("%s must be an amount of at least 0, got %s" % (key, params[key]))
        return Policy(prepaid_decrease=params["prepaid_decrease"], auto_pay=params["auto_pay"], renewal=renewal,
                      decrease_choices=self.decrease_choices, max_order_amount=params["max_order_amount"],
                      max_run_amount=params["max_run_amount"], for_approval=for_approval)

    def warn_estimates(self, plan, policy):
        """Check mode: compare each order's estimated monthly change (list prices) with the spend limits."""
        limit = policy.max_order_amount
        if not policy.auto_pay or limit is None:
            return
        for entry in plan.changes:
            change = (entry.price or {}).get("monthly_change")
            if entry.action == ORDER and change is not None and change > limit:
                self.warn("%s: the estimated monthly change of its order, %.2f %s, is above max_order_amount %.2f; "
                          "the real amount is read once the order is placed, and an order over the limit stays "
                          "pending payment" % (entry.label, change, entry.price.get("currency"), limit))


class SingleResizeModule(EngineModule):
    """A changing module of one bandwidth: the one-target case of the engine.

    ``bandwidth`` is always the bandwidth as the service last showed it; ``size_after`` is the
    size asked for and ``action`` what the plan does (none, update, order).
    """

    service = None  # "workspace" or "vpc"

    def __init__(self, module):
        super().__init__(module)
        self.result.update(bandwidth=None, size_after=None, action=None, price=None, order_id=None, job_id=None,
                           order_status=None, amount=None, currency=None)

    def renewal(self):
        return None

    def target(self):
        """The one target; with ``id``, ``name`` is the desired name."""
        params = self.module.params
        size = as_size(params.get("size"))
        if size == AUTO:
            raise ValidationError("size auto is for hwcloud.bandwidth.resize, which sizes VPC bandwidths from their "
                                  "Cloud Eye utilization (targets: [{service: vpc, id: ..., size: auto}]); give a "
                                  "number of Mbit/s here")
        check_size(self.service, size, params.get("charge_mode"))
        bandwidth_id = params.get("id")
        new_name = params.get("name") if bandwidth_id else None
        validate_name(new_name)
        return Target(self.service, id=bandwidth_id, name=None if bandwidth_id else params.get("name"), size=size,
                      new_name=new_name, charge_mode=params.get("charge_mode"))

    def run(self):
        params = self.module.params
        self.check_wait_timeout()
        policy = self.policy(self.renewal())
        engine = self.engine()
        plan = engine.plan([self.target()], policy)
        if plan.problems:
            raise ValidationError("; ".join(plan.problems))
        entry = plan.entries[0]
        self.result.update(bandwidth=entry.current, size_after=entry.size_after, action=entry.action,
                           price=entry.price)
        if entry.open_order is not None:
            self.result.update(order_id=entry.open_order.get("order_id"), order_status=entry.open_order.get("status"))
            if entry.outcome == FAILED:
                raise ValidationError(entry.reason)
            self.warn("%s: %s" % (entry.label, entry.reason))
            return
        if not entry.changed:
            return
        self._mark_as_changed()
        if self.module._diff:
            before, after = entry.diff()
            self.result["diff"] = {"before": before, "after": after}
        if self.module.check_mode:
            self.warn_estimates(plan, policy)
            if entry.action == ORDER:
                self.warn("check mode: %s would get a change order: %s" % (entry.label, entry.reason))
            return
        self.apply(engine, plan, policy, entry)

    def apply(self, engine, plan, policy, entry):
        params = self.module.params
        results = engine.apply(plan, policy)
        if params["wait"]:
            engine.follow(results, params["wait_timeout"])
        result = results[0]
        self.result.update(order_id=result.order_id, order_status=result.order_status, job_id=result.job_id,
                           amount=result.amount, currency=result.currency)
        if result.bandwidth is not None:
            self.result["bandwidth"] = result.bandwidth
        if verdict(results, waited=params["wait"]) == VERDICT_FAILED:
            self.result["changed"] = result.changed or result.status == IN_PROGRESS
            message = summary(results, waited=params["wait"], timeout=params["wait_timeout"])
            self.fail(result.msg if result.status == FAILED else message,
                      **({"error": result.error} if result.error else {}))
        if entry.renewal and result.order_id:
            self.warn("%s: the smaller size %s Mbit/s was ordered for the renewal; the bandwidth keeps %s Mbit/s "
                      "until then." % (entry.label, entry.size_after, entry.size_before))
        if result.status == PENDING_PAYMENT:
            self.warn("%s: %s." % (entry.label, result.msg))

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
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import HwCloudError, ValidationError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._waiter import WaitFailed, WaitTimeout


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
        region=dict(type="str", required=True, fallback=(env_fallback, ["HW_REGION_NAME"])),
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

    def __init__(self, module):
        self.module = module
        self.result = {"changed": False}
        self._client = None

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
            params = self.module.params
            try:
                config = ClientConfig(**{name: params.get(name) for name in COMMON_OPTIONS})
            except ValueError as exc:
                raise ValidationError("invalid connection settings: %s" % exc) from None
            self._client = HwCloudClient(config)
        return self._client

    def _mark_as_changed(self):
        self.result["changed"] = True

    def warn(self, message):
        self.module.warn(message)

    def run(self):
        raise NotImplementedError

    def fail(self, msg, **fields):
        result = dict(self.result)
        result.update(fields)
        self.module.fail_json(msg=msg, **result)

    @classmethod
    def main(cls):
        """Build the module, run it, and report: the whole of every module's ``main()``."""
        module = cls.define_module()
        if not HAS_REQUESTS:
            module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        instance = cls(module)
        try:
            instance.run()
        except ValidationError as exc:
            instance.fail(str(exc))
        except HwCloudError as exc:
            instance.fail(str(exc), error=exc.to_dict())
        except WaitFailed as exc:
            instance.fail(str(exc))
        except WaitTimeout as exc:
            instance.fail("%s; the change may still complete: run the task again later, or raise wait_timeout" % exc)
        module.exit_json(**instance.result)

# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one waiter: jobs, orders and bandwidths are all polled through it."""

from __future__ import annotations

import time

from ansible_collections.hwcloud.bandwidth.plugins.module_utils._errors import BandwidthError
from ansible_collections.hwcloud.bandwidth.plugins.module_utils._retry import Backoff


class WaitTimeout(BandwidthError):
    """The deadline passed before the awaited state appeared."""

    def __init__(self, what, timeout, last):
        super().__init__("timed out after %ss waiting for %s" % (timeout, what))
        self.what = what
        self.timeout = timeout
        self.last = last


class WaitFailed(BandwidthError):
    """The polled thing reached a state it will not leave (a failed job, a cancelled order)."""

    def __init__(self, what, reason, last):
        super().__init__("%s: %s" % (what, reason))
        self.what = what
        self.reason = reason
        self.last = last


class Waiter:
    """Poll until a deadline, pausing by the collection's :class:`Backoff` (``initial`` doubling up to ``cap``)."""

    def __init__(self, timeout, initial=1.0, cap=10.0, factor=2.0, sleep=time.sleep, clock=time.monotonic):
        self.timeout = timeout
        # Polls are not jittered: the waiter runs once per task, there is no crowd to spread out.
        self.backoff = Backoff(initial, cap, factor, jitter=False)
        self.sleep = sleep
        self.clock = clock

    def until(self, what, poll, done, failed=None):
        """Call ``poll()`` until ``done(value)`` holds and return that value.

        ``failed(value)`` returns a reason when the value shows a state that will not
        change any more; the wait then ends with :class:`WaitFailed`.
        """
        deadline = self.clock() + self.timeout
        attempt = 0
        while True:
            value = poll()
            if done(value):
                return value
            reason = failed(value) if failed else None
            if reason:
                raise WaitFailed(what, reason, value)
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeout(what, self.timeout, value)
            self.sleep(min(self.backoff.delay(attempt), remaining))
            attempt += 1

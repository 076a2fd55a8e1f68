# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to try an HTTP call again, and how long to wait first.

The one rule that matters for money: a call that changes something (it may place an order)
is tried again only when it certainly did not reach the service. Everything else about it is
an unknown outcome that the caller must resolve by reading the state.
"""

from __future__ import annotations

import math
import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

# Transport outcomes, as the client classifies them.
NOT_SENT = "not_sent"      # the connection was never made: nothing reached the service
SENT = "sent"              # the request may have reached the service; no usable answer came back
FATAL = "fatal"            # nothing was sent, and trying again fails the same way (TLS verification)

RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
MAX_RETRY_AFTER = 60.0
# A throttled call (429) is sent again until it has waited this long in all: the gateway answers
# 429 before the service sees the request, so waiting is always safe, and a storm outlasts any
# fixed count of retries. THROTTLE_MAX_TRIES bounds the loop when pauses are (nearly) zero.
THROTTLE_BUDGET = 120.0
THROTTLE_MAX_TRIES = 40


class Backoff:
    """The one backoff schedule of the collection: ``initial`` seconds, times ``factor`` each
    attempt, at most ``cap``; with ``jitter``, a random share of that (full jitter).

    Retries of HTTP calls (jittered, so that parallel callers spread out), the waiter's polls
    and the search for a lost order all take their pauses from an instance of it.
    """

    def __init__(self, initial=0.5, cap=20.0, factor=2.0, jitter=True, rand=random.random):
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self.rand = rand

    def ceiling(self, attempt):
        """The longest pause before retry number ``attempt + 1``."""
        return min(self.cap, self.initial * (self.factor ** attempt))

    def delay(self, attempt):
        ceiling = self.ceiling(attempt)
        return self.rand() * ceiling if self.jitter else ceiling


class RetryPolicy:
    """Which HTTP calls are tried again, and after how long: a :class:`Backoff` with jitter, and ``Retry-After``.

    ``safe`` calls (reads) are retried on any transport failure, 429 and 5xx. Unsafe calls
    (writes) only when the request was not sent or the gateway throttled it (429), which
    the gateway answers before the service sees the request. 401 and 403 are never
    retried: repeated authentication failures lock the access key. ``should_retry`` is the
    rule by count; :class:`Tries` applies it to one call, and gives 429 a wait budget instead.
    """

    def __init__(self, max_retries=5, base_delay=0.5, max_delay=20.0, sleep=time.sleep, rand=random.random, now=None,
                 throttle_budget=THROTTLE_BUDGET):
        self.max_retries = max(0, int(max_retries))
        self.backoff = Backoff(base_delay, max_delay, jitter=True, rand=rand)
        self.sleep = sleep
        self.now = now or _utcnow
        self.throttle_budget = float(throttle_budget)

    def start(self):
        """The retry state of one logical call."""
        return Tries(self)

    def should_retry(self, safe, attempt, status=None, transport=None):
        """``attempt`` counts the retries already made (0 after the first try)."""
        if attempt >= self.max_retries:
            return False
        if transport == FATAL:
            return False
        if transport is not None:
            return safe or transport == NOT_SENT
        if status == 429:
            return True
        return safe and status in RETRYABLE_STATUSES

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt + 1``."""
        jittered = self.backoff.delay(attempt)
        hinted = parse_retry_after(retry_after, self.now())
        if hinted is not None:
            return max(hinted, jittered)
        return jittered

    def pause(self, attempt, retry_after=None):
        seconds = self.delay(attempt, retry_after)
        if seconds > 0:
            self.sleep(seconds)
        return seconds


class Tries:
    """The retries of one logical call: ``max_retries`` for failures, a wait budget for throttling.

    A 429 does not use up ``max_retries``: the call is sent again (reads and writes alike) while
    the pauses of its 429s stay within the policy's ``throttle_budget`` seconds, each pause the
    larger of ``Retry-After`` and the jittered backoff. ``max_retries: 0`` still means no retry.
    """

    def __init__(self, policy):
        self.policy = policy
        self.retries = 0
        self.throttled = 0
        self.resent = 0
        self.waited = 0.0

    def resend(self):
        """After a lost answer to a write keyed by an id that provably did not act yet (a payment of an order
        still waiting for it): True, after pausing, while within the same wait budget as throttling."""
        policy = self.policy
        if policy.max_retries == 0 or self.resent >= THROTTLE_MAX_TRIES or self.waited >= policy.throttle_budget:
            return False
        self.waited += policy.pause(self.resent) or 0.0
        self.resent += 1
        return True

    def again(self, safe, status=None, transport=None, retry_after=None):
        """True, after pausing, when the call should be sent again; False when it has failed."""
        policy = self.policy
        if status == 429 and transport is None:
            if (policy.max_retries == 0 or self.throttled >= THROTTLE_MAX_TRIES
                    or self.waited >= policy.throttle_budget):
                return False
            self.waited += policy.pause(self.throttled, retry_after)
            self.throttled += 1
            return True
        if not policy.should_retry(safe, self.retries, status=status, transport=transport):
            return False
        policy.pause(self.retries, retry_after)
        self.retries += 1
        return True


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), at most a minute.

    None when the header is absent or unreadable.
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = _seconds_until(value, now or _utcnow())
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _seconds_until(text, now):
    try:
        moment = parsedate_to_datetime(str(text))
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - now).total_seconds()


def _utcnow():
    return datetime.now(timezone.utc)


# ---- Adaptive concurrency --------------------------------------------------------------------
# Kept apart from the retry policy above: how many calls to one service may run at once.

import threading  # noqa: E402  (this section's own imports)
from contextlib import contextmanager  # noqa: E402


class AdaptiveLimit:
    """Concurrency towards one service: additive increase, multiplicative decrease.

    ``throttled()`` (the service answered 429) halves the limit, never below ``floor``;
    ``increase_after`` successes in a row (``succeeded()``) raise it by one, never above
    ``ceiling``. A lower limit never interrupts a call in flight: new calls wait until fewer
    than ``current`` are running. With ``cooldown`` seconds, throttles reported within that
    time of the last decrease do not lower the limit again (the answers of one burst count
    once). Thread-safe; ``clock`` is injectable for tests.
    """

    def __init__(self, ceiling, floor=1, increase_after=10, start=None, cooldown=0.0, clock=time.monotonic, name=""):
        ceiling, floor, increase_after = int(ceiling), int(floor), int(increase_after)
        if floor < 1:
            raise ValueError("the concurrency floor must be at least 1, not %d" % floor)
        if ceiling < floor:
            raise ValueError("the concurrency ceiling (%d) must not be below the floor (%d)" % (ceiling, floor))
        if increase_after < 1:
            raise ValueError("increase_after must be at least 1 success, not %d" % increase_after)
        self.ceiling = ceiling
        self.floor = floor
        self.increase_after = increase_after
        self.cooldown = max(0.0, float(cooldown))
        self.clock = clock
        self.name = name
        self._current = ceiling if start is None else min(max(int(start), floor), ceiling)
        self._in_use = 0
        self._successes = 0
        self._last_decrease = None
        self._counts = {"throttles": 0, "decreases": 0, "increases": 0, "peak_in_use": 0}
        self._condition = threading.Condition()

    @property
    def current(self):
        """How many calls may run at once now."""
        with self._condition:
            return self._current

    @property
    def in_use(self):
        """How many slots are held now."""
        with self._condition:
            return self._in_use

    def acquire(self, timeout=None):
        """Wait for a free slot; True once it is held, False when ``timeout`` seconds passed first."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._in_use < self._current, timeout):
                return False
            self._in_use += 1
            self._counts["peak_in_use"] = max(self._counts["peak_in_use"], self._in_use)
            return True

    def release(self):
        """Give a held slot back."""
        with self._condition:
            if self._in_use <= 0:
                raise RuntimeError("AdaptiveLimit %s: release() without a held slot" % (self.name or "(unnamed)"))
            self._in_use -= 1
            self._condition.notify_all()

    @contextmanager
    def slot(self, timeout=None):
        """``with limit.slot(): call()`` holds a slot for the block; TimeoutError when none frees in time."""
        if not self.acquire(timeout):
            raise TimeoutError("no free slot for %s within %s seconds (limit %d, %d in use)"
                               % (self.name or "the service", timeout, self.current, self.in_use))
        try:
            yield self
        finally:
            self.release()

    def throttled(self):
        """The service throttled a call: halve the limit (at least ``floor``); returns the new limit."""
        with self._condition:
            self._counts["throttles"] += 1
            self._successes = 0
            now = self.clock()
            if self._last_decrease is not None and now - self._last_decrease < self.cooldown:
                return self._current
            self._last_decrease = now
            lowered = max(self.floor, self._current // 2)
            if lowered < self._current:
                self._counts["decreases"] += 1
            self._current = lowered
            return lowered

    def succeeded(self):
        """A call went through: after ``increase_after`` in a row, raise the limit by one; returns it."""
        with self._condition:
            self._successes += 1
            if self._successes >= self.increase_after:
                self._successes = 0
                if self._current < self.ceiling:
                    self._current += 1
                    self._counts["increases"] += 1
                    self._condition.notify_all()
            return self._current

    def snapshot(self):
        """The state for logs and benchmarks."""
        with self._condition:
            return dict(self._counts, name=self.name, current=self._current, ceiling=self.ceiling, floor=self.floor,
                        in_use=self._in_use)

    def __repr__(self):
        snapshot = self.snapshot()
        return "AdaptiveLimit(%s: %d of %d..%d, %d in use)" % (
            snapshot["name"] or "-", snapshot["current"], snapshot["floor"], snapshot["ceiling"], snapshot["in_use"])

"""Fault rules: which request gets which injected failure."""

import random
import re
import threading

KINDS = ("latency", "throttle", "error", "html", "drop_before", "drop_after")


class FaultError(ValueError):
    """A fault rule is malformed."""


def normalise(rule):
    if not isinstance(rule, dict):
        raise FaultError("a fault rule must be an object")
    kind = rule.get("kind")
    if kind not in KINDS:
        raise FaultError("fault kind must be one of %s" % ", ".join(KINDS))
    try:
        re.compile(rule.get("path", ".*"))
    except re.error as exc:
        raise FaultError("fault path is not a valid regular expression: %s" % exc) from exc
    return {
        "method": str(rule.get("method", "*")).upper(),
        "path": rule.get("path", ".*"),
        "kind": kind,
        "status": int(rule.get("status", 503 if kind == "error" else 500)),
        "delay": float(rule.get("delay", 1.0)),
        "retry_after": int(rule.get("retry_after", 1)),
        "times": rule.get("times", 1),
        "probability": float(rule.get("probability", 1.0)),
    }


class Faults:
    """The active rules; a rule with times = N hits N matching requests, then retires."""

    def __init__(self, rules=None, seed=None):
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.rules = [normalise(rule) for rule in rules or []]

    def add(self, rules):
        new = [normalise(rule) for rule in rules]
        with self.lock:
            self.rules.extend(new)

    def clear(self):
        with self.lock:
            self.rules = []

    def reseed(self, seed):
        with self.lock:
            self.random.seed(seed)

    def pick(self, method, path):
        """Return the first matching rule (consuming one of its hits) or None."""
        with self.lock:
            for rule in self.rules:
                if rule["method"] not in ("*", method) or not re.search(rule["path"], path):
                    continue
                if rule["probability"] < 1.0 and self.random.random() >= rule["probability"]:
                    continue
                if rule["times"] is not None:
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        self.rules.remove(rule)
                return dict(rule)
        return None

    def snapshot(self):
        with self.lock:
            return [dict(rule) for rule in self.rules]

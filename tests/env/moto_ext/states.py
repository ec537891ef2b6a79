"""Scripted resource states: "EKS cluster X stays CREATING for N DescribeCluster
calls, then ACTIVE", "NAT gateway stays deleting for N describes, then deleted".

moto moves every resource to its final state at once (a cluster is ACTIVE in
the CreateCluster answer, a deleted NAT gateway is `deleted` at once), so
waits and their backoff cannot be tested. A state rule, posted to
`/aura-env/states`, binds a small script to a resource when it is created or
deleted (or at once, phase `now`); the script is a list of steps
(state, number of describe calls) and a final state. Each describe call that
returns the resource shows the current step's state and counts down; after the
last step the resource takes the final state, or disappears (final `gone`,
the default for deletes of EKS clusters, node groups and add-ons).

The script lives on the resource object (moto's model, or the extensions' own),
so a resource deleted and created again under the same name starts clean, and
/aura-env/reset drops everything. Kinds (`KINDS`) and where they are wired:
- eks-cluster: CreateCluster / DescribeCluster / DeleteCluster (eks_ext)
- eks-nodegroup: CreateNodegroup / DescribeNodegroup / DeleteNodegroup (eks_ext)
- eks-addon: CreateAddon / DescribeAddon / DeleteAddon (eks_ext)
- nat-gateway: CreateNatGateway / DescribeNatGateways / DeleteNatGateway (ec2_ext)
- elb-interfaces: the network interfaces of a load balancer after DeleteLoadBalancer, id the
  load balancer's name (elb_ext): `in-use` until the script ends, then released. Without a rule
  they go RELEASE_SECONDS after the delete, as AWS releases them a while after it.

A step lasts a number of describe calls (`describes`), or a time (`seconds`, counted from
when the step began, whether or not anything describes the resource; the next call that looks
at it sees it moved on).

Rule JSON: {"kind": "eks-cluster", "id": "c1" (name or id; "*" or absent: any),
"tags": {"k": "v"} (all must match), "phase": "create" | "delete" | "now",
"state": "CREATING", "describes": 3 (or "seconds": 2.5),
or "steps": [{"state": ..., "describes": n | "seconds": s}, ...],
"then": final state ("gone" removes), "times": 1 (resources it applies to; null: any number),
"region": "us-east-1" (phase now only)}.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Optional

from .middleware import AdminResponse

GONE = "gone"

# kind -> phase -> (default state, default final)
KINDS = {
    "eks-cluster": {"create": ("CREATING", "ACTIVE"), "delete": ("DELETING", GONE)},
    "eks-nodegroup": {"create": ("CREATING", "ACTIVE"), "delete": ("DELETING", GONE)},
    "eks-addon": {"create": ("CREATING", "ACTIVE"), "delete": ("DELETING", GONE)},
    "nat-gateway": {"create": ("pending", "available"), "delete": ("deleting", "deleted")},
    "elb-interfaces": {"delete": ("in-use", "released")},
}
ATTR = "_aura_script"


class Script:
    def __init__(self, kind: str, ident: str, steps: list, final: Optional[str], rule_id: Optional[str]):
        """steps: (state, describes) or (state, describes, seconds); with seconds (not None)
        the step lasts that long and describes do not count it down."""
        self.kind, self.ident, self.rule_id = kind, ident, rule_id
        self.steps = []
        for step in steps:
            state, n, seconds = (tuple(step) + (None,))[:3]
            if seconds is not None:
                if float(seconds) > 0:
                    self.steps.append([state, 0, float(seconds)])
            elif int(n) > 0:
                self.steps.append([state, int(n), None])
        self.final = final
        self.describes = 0
        self.step_began = time.monotonic()

    def _expire(self) -> None:
        """Timed steps whose time is up end, looked at or not."""
        now = time.monotonic()
        while self.steps and self.steps[0][2] is not None and now - self.step_began >= self.steps[0][2]:
            self.step_began += self.steps[0][2]
            self.steps.pop(0)

    def current(self) -> Optional[str]:
        self._expire()
        return self.steps[0][0] if self.steps else self.final

    def advance(self) -> Optional[str]:
        """One describe call: the state it shows (GONE: the resource is gone)."""
        self.describes += 1
        self._expire()
        if self.steps:
            state = self.steps[0][0]
            if self.steps[0][2] is None:
                self.steps[0][1] -= 1
                if self.steps[0][1] <= 0:
                    self.steps.pop(0)
                    self.step_began = time.monotonic()
            return state
        return self.final

    def done(self) -> bool:
        self._expire()
        return not self.steps

    def describe(self) -> dict:
        self._expire()
        return {"kind": self.kind, "id": self.ident, "rule": self.rule_id,
                "steps": [{"state": s, "seconds": sec} if sec is not None else {"state": s, "describes": n}
                          for s, n, sec in self.steps],
                "then": self.final, "describes_seen": self.describes}


class StateRule:
    def __init__(self, spec: dict, rule_id: str):
        unknown = set(spec) - {"kind", "id", "tags", "phase", "state", "describes", "seconds", "steps", "then",
                               "times", "region", "account", "comment"}
        if unknown:
            raise ValueError(f"unknown state rule fields: {sorted(unknown)}")
        self.id = rule_id
        self.spec = dict(spec)
        self.kind = spec.get("kind")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        self.phase = spec.get("phase", "create")
        if self.phase not in ("create", "delete", "now"):
            raise ValueError("phase must be create, delete or now")
        if self.phase != "now" and self.phase not in KINDS[self.kind]:
            raise ValueError(f"{self.kind} has no phase {self.phase}")
        self.ident = spec.get("id") or "*"
        if self.phase == "now" and self.ident == "*":
            raise ValueError("phase now needs an id")
        self.tags = spec.get("tags") or {}
        phases = KINDS[self.kind]
        default_state, default_final = phases.get(self.phase, next(iter(phases.values())))

        def step(d: dict, state: str) -> tuple:
            if "seconds" in d and "describes" in d:
                raise ValueError("a step lasts describes or seconds, not both")
            seconds = float(d["seconds"]) if "seconds" in d else None
            return (state, int(d.get("describes", 1)), seconds)

        if "steps" in spec:
            self.steps = [step(s, s["state"]) for s in spec["steps"]]
        else:
            self.steps = [step(spec, spec.get("state", default_state))]
        if any(n < 0 or (sec is not None and sec < 0) for _, n, sec in self.steps):
            raise ValueError("describes and seconds must be >= 0")
        self.final = spec.get("then", default_final if self.phase != "now" else None)
        self.times = spec.get("times", 1)
        self.applied = 0

    def matches(self, kind: str, phase: str, ident: str, tags: dict) -> bool:
        if kind != self.kind or phase != self.phase:
            return False
        if self.times is not None and self.applied >= int(self.times):
            return False
        if self.ident != "*" and self.ident != ident:
            return False
        return all(tags.get(k) == v for k, v in self.tags.items())

    def describe(self) -> dict:
        return {"id": self.id, **self.spec, "applied": self.applied}


class StateRegistry:
    def __init__(self):
        self._lock = threading.RLock()
        self._rules: list[StateRule] = []
        self._bound: dict[int, tuple[Any, Script, Callable]] = {}
        self._next = 1
        # kind -> callable(rule) -> list of (obj, ident, setter) for phase "now"
        self._finders: dict[str, Callable] = {}
        # Scripts that ran to their end: when a describe first showed the final state (for
        # bench/cluster: from a dependency being ready to the next create call).
        self._finished: list[dict] = []

    def register_finder(self, kind: str, finder: Callable) -> None:
        self._finders[kind] = finder

    # -- binding (called by the extensions) --------------------------------
    def bind(self, kind: str, obj: Any, ident: str, steps: list, final: Optional[str],
             setter: Callable[[Any, str], None], rule_id: Optional[str] = None) -> Script:
        script = Script(kind, ident, steps, final, rule_id)
        with self._lock:
            setattr(obj, ATTR, script)
            self._bound[id(obj)] = (obj, script, setter)
            first = script.current()
            if first is not None and first != GONE:
                setter(obj, first)
        return script

    def on_event(self, kind: str, phase: str, obj: Any, ident: str, tags: Optional[dict],
                 setter: Callable[[Any, str], None]) -> Optional[Script]:
        """A resource was created (phase create) or is being deleted (phase
        delete): binds the first matching rule's script. Returns it or None."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(kind, phase, ident, tags or {}):
                    rule.applied += 1
                    return self.bind(kind, obj, ident, rule.steps, rule.final, setter, rule.id)
        return None

    def on_describe(self, obj: Any) -> Optional[str]:
        """A describe call returns obj: the state it must show now (GONE: it is
        gone), or None when no script is bound."""
        return self._look(obj, Script.advance)

    def poll(self, obj: Any) -> Optional[str]:
        """The state obj is in now, for a call that is not a describe of it (timed steps
        move on, counted ones do not); None when no script is bound."""
        return self._look(obj, Script.current)

    def _look(self, obj: Any, how: Callable[[Script], Optional[str]]) -> Optional[str]:
        with self._lock:
            script = getattr(obj, ATTR, None)
            if script is None:
                return None
            state = how(script)
            entry = self._bound.get(id(obj))
            if state is not None and state != GONE and entry:
                entry[2](obj, state)
            if script.done() and (state == script.final):
                self._finished.append({"kind": script.kind, "id": script.ident, "state": state,
                                       "rule": script.rule_id, "t": time.time()})
                self._unbind(obj)
            return state

    def script_of(self, obj: Any) -> Optional[Script]:
        return getattr(obj, ATTR, None)

    def _unbind(self, obj: Any) -> None:
        self._bound.pop(id(obj), None)
        try:
            delattr(obj, ATTR)
        except AttributeError:
            pass

    # -- admin -----------------------------------------------------------
    def add(self, spec: dict) -> StateRule:
        with self._lock:
            rule = StateRule(spec, f"s{self._next}")
            self._next += 1
            if rule.phase == "now":
                finder = self._finders.get(rule.kind)
                found = finder(rule) if finder else []
                if not found:
                    raise LookupError(f"no {rule.kind} {rule.ident!r} found")
                for obj, ident, setter, current in found:
                    final = rule.final if rule.final is not None else current
                    rule.applied += 1
                    self.bind(rule.kind, obj, ident, rule.steps, final, setter, rule.id)
            else:
                self._rules.append(rule)
            return rule

    def clear(self) -> dict:
        """Drops the rules; bound scripts jump to their final state now."""
        with self._lock:
            n_rules = len(self._rules)
            self._rules = []
            bound = list(self._bound.values())
            for obj, script, setter in bound:
                if script.final is not None and script.final != GONE:
                    setter(obj, script.final)
                elif script.final == GONE:
                    # The next describe removes it (the owner checks the script).
                    script.steps = []
                    continue
                self._unbind(obj)
            return {"rules": n_rules, "scripts": len(bound)}

    def reset(self) -> None:
        """After a moto reset: every bound object is gone with its backend."""
        with self._lock:
            self._rules = []
            self._bound.clear()
            self._finished.clear()

    def listing(self) -> dict:
        with self._lock:
            return {"rules": [r.describe() for r in self._rules],
                    "scripts": [s.describe() for _, s, _ in self._bound.values()],
                    "finished": list(self._finished)}

    def route(self, method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        if method == "GET":
            return AdminResponse(200, self.listing())
        if method == "DELETE":
            return AdminResponse(200, {"cleared": self.clear()})
        if method == "POST":
            try:
                doc = json.loads(body or b"{}")
                specs = doc["rules"] if isinstance(doc, dict) and "rules" in doc else (
                    doc if isinstance(doc, list) else [doc])
                rules = [self.add(s) for s in specs]
            except LookupError as e:
                return AdminResponse(404, {"error": str(e)})
            except (ValueError, KeyError, TypeError) as e:
                return AdminResponse(400, {"error": str(e)})
            return AdminResponse(200, {"ids": [r.id for r in rules],
                                       "rules": [r.describe() for r in rules]})
        return AdminResponse(405, {"error": "GET, POST or DELETE"})


REGISTRY = StateRegistry()

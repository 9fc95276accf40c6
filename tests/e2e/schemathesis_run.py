"""One schemathesis run as an outside tester would make it: every check, every phase.

``run(document, base_url, tokens)`` drives schemathesis's own engine (what ``schemathesis
run`` executes) with ``--checks all`` (``checks.update(included_check_names=["all"])``, as
the CLI does), the phases examples, coverage, fuzzing and stateful (the stateful one
follows the document's OpenAPI links; it runs first, as ``schemathesis run --phases
stateful`` would, then the others), a seed, and one caller per case: stateful
scenarios as one seller (a walk is one user's), other cases spread over several callers
by the case's content, so a seed replays the same run. Every operation of the document is
tested; nothing here names one.

The report is read from schemathesis's own recorders: cases per operation and phase,
statuses, the links the stateful phase followed, and every failed check.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.engine import events
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.meta import TestPhase

#: The environment variable that picks the seed: unset → ``FIXED_SEED`` (CI), ``random``
#: → a new one (printed, to replay), an integer → that one.
SEED_VARIABLE = "AUTOCAPTURE_FUZZ_SEED"
FIXED_SEED = 24
#: Cases per operation and phase at most (``AUTOCAPTURE_FUZZ_EXAMPLES`` overrides).
MAX_EXAMPLES = 100
#: Steps of one stateful scenario at most.
MAX_STEPS = 12
#: Negative cases may also be refused for their size (413, the body cap) or media type.
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "409", "413", "415", "422"]
#: The engine runs twice: the stateful phase first, so its walk starts from the stack as the
#: caller prepared it (the other phases change settings and erase addresses, for good: an
#: erased participant's mail is never suggested again), then the other phases.
RUNS = (("stateful",), ("examples", "coverage", "fuzzing"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: Valid cases may still be refused for the caller or the state (the defaults), or the body's
#: size in bytes, which JSON Schema cannot state (413, documented on every body operation).
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409", "413"]


def seed_from_environment() -> int:
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        return FIXED_SEED
    if value == "random":
        return random.SystemRandom().randrange(2**32)
    return int(value)


def examples_from_environment() -> int:
    return int(os.environ.get("AUTOCAPTURE_FUZZ_EXAMPLES", MAX_EXAMPLES))


@dataclass
class Report:
    seed: int
    seconds: float = 0.0
    #: ``"<phase> <METHOD> <path>"`` → cases
    cases: Counter[str] = field(default_factory=Counter)
    #: ``"<METHOD> <path> <status>"`` → answers
    statuses: Counter[str] = field(default_factory=Counter)
    #: ``"<link full name> <status>"`` → stateful steps that followed the link (with that answer)
    links: Counter[str] = field(default_factory=Counter)
    #: stateful steps per target operation id, reached through a link → their statuses
    reached: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: answers whose body matched ``leak`` (a stack trace, an SDK's name)
    leaks: list[str] = field(default_factory=list)

    def operations(self) -> set[str]:
        return {key.split(" ", 1)[1] for key in self.cases}

    def render(self) -> str:
        lines = [f"schemathesis: seed {self.seed}, {sum(self.cases.values())} cases in {self.seconds:.0f} s"]
        for label in sorted(self.operations()):
            phases = ", ".join(
                f"{key.split(' ', 1)[0]}: {n}"
                for key, n in sorted(self.cases.items())
                if key.endswith(" " + label)
            )
            answers = ", ".join(
                f"{key.rsplit(' ', 1)[1]}: {n}"
                for key, n in sorted(self.statuses.items())
                if key.rsplit(" ", 1)[0] == label
            )
            total = sum(n for key, n in self.cases.items() if key.endswith(" " + label))
            lines.append(f"  {total:5d}  {label}  [{phases}]  ({answers})")
        lines.append("  stateful links followed:")
        lines.extend(f"  {n:5d}  {name}" for name, n in sorted(self.links.items()))
        lines.append(f"  failures: {len(self.failures)}")
        return "\n".join(lines)


class Callers:
    """Auth per case: the stateful walk as ``walker``; other cases spread over every caller."""

    def __init__(self, tokens: dict[str, str | None], walker: str) -> None:
        self.tokens = tokens
        self.names = sorted(tokens)
        self.walker = walker

    def pick(self, case: Any) -> str:
        if case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL:
            return self.walker
        text = repr((case.operation.label, case.path_parameters, case.query, case.body))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        return self.names[digest[0] % len(self.names)]

    def get(self, case: Any, ctx: Any) -> str | None:
        return self.tokens[self.pick(case)]

    def set(self, case: Any, data: str | None, ctx: Any) -> None:
        if data:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def schema_for(
    document: dict[str, Any], base_url: str, seed: int, max_examples: int, phases: tuple[str, ...] = PHASES
) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": base_url,
            "workers": 1,
            "request-timeout": 30,
            "suppress-health-check": ["all"],
            "generation": {
                "max-examples": max_examples,
                "mode": "all",
                "database": "none",
                # the callers' tokens are set per case; generated Authorization headers only add 401s
                "with-security-parameters": False,
            },
            "phases": {
                **{name: {"enabled": name in phases} for name in PHASES},
                "stateful": {"enabled": "stateful" in phases, "max-steps": MAX_STEPS},
            },
            "checks": {
                "negative_data_rejection": {"expected-statuses": NEGATIVE_STATUSES},
                "positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES},
            },
        }
    )
    # what the CLI does for `--checks all`
    config.projects.override.checks.update(included_check_names=["all"])
    return schemathesis.openapi.from_dict(document, config=config)


def run(
    document: dict[str, Any],
    base_url: str,
    tokens: dict[str, str | None],
    *,
    walker: str,
    leak: re.Pattern[str] | None = None,
    seed: int | None = None,
    max_examples: int | None = None,
) -> Report:
    """Run every phase against ``base_url`` (``RUNS``); the report of what schemathesis recorded."""
    seed = seed_from_environment() if seed is None else seed
    # schemathesis instantiates the provider class itself, with no arguments
    bound = type("RunCallers", (Callers,), {"__init__": lambda self: Callers.__init__(self, tokens, walker)})
    report = Report(seed)
    started = time.monotonic()
    for phases in RUNS:
        schema = schema_for(document, base_url, seed, max_examples or examples_from_environment(), phases)
        schema.auth(refresh_interval=None)(bound)
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _record(report, event.phase.name, event.recorder, leak)
            elif isinstance(event, events.NonFatalError):
                report.failures.append(f"error in {event.label}: {event.info.format()}")
            elif isinstance(event, events.FatalError):
                report.failures.append(f"fatal: {event.exception!r}")
    report.seconds = time.monotonic() - started
    return report


def _record(report: Report, phase: str, recorder: ScenarioRecorder, leak: re.Pattern[str] | None) -> None:
    for case_id, node in recorder.cases.items():
        case = node.value
        label = case.operation.label
        report.cases[f"{phase.lower().replace('_', '-')} {label}"] += 1
        interaction = recorder.interactions.get(case_id)
        status = interaction.response.status_code if interaction and interaction.response else None
        # the coverage phase also sends methods the path does not document (405 expected)
        method = "" if case.method.lower() == case.operation.method.lower() else f"{case.method.upper()}:"
        report.statuses[f"{label} {method}{status}"] += 1
        if leak is not None and interaction and interaction.response:
            found = leak.search(interaction.response.content.decode("utf-8", "replace"))
            if found:
                report.leaks.append(f"{label} {status}: {found.group(0)!r}")
        if node.transition is not None and status is not None:
            report.links[f"{node.transition.id} → {status}"] += 1
            target = case.operation.definition.raw.get("operationId", label)
            report.reached.setdefault(target, Counter())[status] += 1
    for checks in recorder.checks.values():
        for check in checks:
            if check.failure_info is not None:
                report.failures.append(
                    f"{check.name} [{phase}]: {check.failure_info.failure.title}\n"
                    f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
                )

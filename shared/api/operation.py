"""What each HTTP operation declares beside its route: the one table the OpenAPI document,
the response path and the contract tests read.

A secured handler is declared with ``@api.route(route, method, OPERATION)``
(``shared.api.endpoints``), an anonymous one with ``bp.route`` and ``@handle(OPERATION)``
(``shared.http``); either way the Functions app's own function list carries route, methods
*and* contract, so nothing keeps a second route table. ``shared.api.openapi`` builds the
document from ``app.get_functions()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: values of this exchange feed another operation.

    ``parameters`` maps the target's parameter names to runtime expressions
    (``$response.body#/trackingId``, ``$request.path.recordId``, ``$request.body#/regarding/id``);
    ``request_body`` is the target's body with expressions as values. Stateful testing
    (schemathesis) follows these links; ``tests/functional/test_contract_links.py`` requires one
    wherever a response carries an id another operation takes.
    """

    operation_id: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    request_body: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    """One documented success status: its description, body model and example."""

    description: str
    model: type[BaseModel] | None = None
    example: Any = None
    links: Mapping[str, Link] = field(default_factory=dict)
    media_type: str = "application/json"


@dataclass(frozen=True)
class Operation:
    """The contract of one route and method.

    ``problems`` lists the error statuses beyond the ones every operation of its kind has
    (401/503 when secured; 400 with parameters or a body; 413 with a body).
    """

    operation_id: str
    summary: str
    tag: str
    answers: Mapping[int, Answer]
    problems: tuple[int, ...] = ()
    request: type[BaseModel] | None = None
    request_example: Any = None
    query: Mapping[str, str] = field(default_factory=dict)
    #: The query parameters (of ``query``) the operation cannot do without.
    required_query: frozenset[str] = frozenset()
    secured: bool = True
    description: str | None = None
    local_only: bool = False

    def statuses(self, *, has_parameters: bool) -> frozenset[int]:
        """Every status the operation may answer."""
        out = set(self.answers) | set(self.problems)
        if self.secured:
            out |= {401, 503}
        if self.request is not None or has_parameters or self.query:
            out.add(400)
        if self.request is not None:
            out.add(413)
        return frozenset(out)


def operation_of(fn: object) -> Operation | None:
    """The operation a handler declared (``None`` for queue or timer functions)."""
    op = getattr(fn, "operation", None)
    return op if isinstance(op, Operation) else None


def declares[F](operation: Operation) -> Callable[[F], F]:
    """Attach ``operation`` to a handler that does not go through ``shared.http.handle``."""

    def decorate(fn: F) -> F:
        fn.operation = operation  # type: ignore[attr-defined]
        return fn

    return decorate


def not_in_api[F](fn: F) -> F:
    """Mark an HTTP function that is not part of the API (the web page): no Operation."""
    fn.api = False  # type: ignore[attr-defined]
    return fn


def in_api(fn: object) -> bool:
    """Whether an HTTP function belongs in the OpenAPI document."""
    return getattr(fn, "api", True) is not False

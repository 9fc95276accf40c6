"""A value computed on first use and kept: for what an instance builds once (the OpenAPI text)."""

from __future__ import annotations

from collections.abc import Callable


class Lazy[T]:
    """Calls ``build`` the first time it is called, then answers the same value."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._built = False

    def __call__(self) -> T:
        if not self._built:
            self._value, self._built = self._build(), True
        return self._value  # type: ignore[return-value]

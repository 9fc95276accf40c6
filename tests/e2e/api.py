"""A small HTTP client for end-to-end tests: dev tokens for the demo users, JSON calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from localdev.demo import USERS


@dataclass(frozen=True)
class Caller:
    upn: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]


def demo_caller(key: str) -> Caller:
    user = next(u for u in USERS if u.key == key)
    return Caller(user.upn, user.roles, user.groups)


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self._tokens: dict[Caller, str] = {}

    def token(self, caller: Caller) -> str:
        if caller not in self._tokens:
            resp = self.http.post(
                "/dev/token",
                json={"user": caller.upn, "roles": list(caller.roles), "groups": list(caller.groups)},
            )
            resp.raise_for_status()
            self._tokens[caller] = resp.json()["token"]
        return self._tokens[caller]

    def call(self, method: str, path: str, caller: Caller | None = None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if caller is not None:
            headers["Authorization"] = f"Bearer {self.token(caller)}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, caller: Caller | None = None, **kw: Any) -> httpx.Response:
        return self.call("GET", path, caller, **kw)

    def post(self, path: str, caller: Caller | None = None, **kw: Any) -> httpx.Response:
        return self.call("POST", path, caller, **kw)

    def put(self, path: str, caller: Caller | None = None, **kw: Any) -> httpx.Response:
        return self.call("PUT", path, caller, **kw)

    def delete(self, path: str, caller: Caller | None = None, **kw: Any) -> httpx.Response:
        return self.call("DELETE", path, caller, **kw)

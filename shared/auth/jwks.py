"""Fetching the issuer's signing keys (JWKS): a small Protocol and its HTTP implementation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from shared.exceptions import AuthUnavailableError

logger = logging.getLogger(__name__)

#: A JWKS document is a few kilobytes; refuse anything absurd.
MAX_JWKS_BYTES = 512 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class JwksFetcher(Protocol):
    """Reads the issuer's JWKS document (``{"keys": [...]}``)."""

    async def get_jwks(self) -> Mapping[str, Any]:
        """Return the document; raise AuthUnavailableError when it cannot be read."""
        ...


class StaticJwksFetcher:
    """An in-memory JWKS (tests, or an app that already holds the keys); counts its reads."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.calls = 0

    async def get_jwks(self) -> Mapping[str, Any]:
        self.calls += 1
        return self.document


class HttpJwksFetcher:
    """GETs the JWKS over HTTPS (plain HTTP only for a loopback host, i.e. local mode).

    Asynchronous on purpose: locally the JWKS is served by the same process, whose
    event loop must stay free to answer while this request waits.
    """

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        loopback = (parts.hostname or "") in LOOPBACK_HOSTS
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("the JWKS URL must use https (plain http only for a loopback host)")
        self.url = url
        self._timeout = timeout
        self._trust_env = not loopback  # never send a loopback request through a proxy

    async def get_jwks(self) -> Mapping[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, trust_env=self._trust_env) as client:
                response = await client.get(self.url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            logger.warning("JWKS fetch from %s failed: %s", self.url, type(exc).__name__)
            raise AuthUnavailableError("The token signing keys cannot be fetched") from exc
        if response.status_code != httpx.codes.OK or len(response.content) > MAX_JWKS_BYTES:
            logger.warning("JWKS fetch from %s answered %s", self.url, response.status_code)
            raise AuthUnavailableError("The token signing keys cannot be fetched")
        try:
            document = response.json()
        except ValueError as exc:
            raise AuthUnavailableError("The token signing keys are not valid JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise AuthUnavailableError("The token signing keys are not a JWKS document")
        return document

"""The queue boundary: enqueue track jobs on Azure Storage queues (Azurite locally).

Messages are base64-encoded JSON, matching host.json ``messageEncoding: base64`` so
the queue trigger reads them. Locally the connection is Azurite's connection string;
in Azure it is identity-based (``AzureWebJobsStorage__queueServiceUri`` + managed identity).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from azure.core.exceptions import AzureError
from azure.storage.queue import BinaryBase64DecodePolicy, BinaryBase64EncodePolicy
from azure.storage.queue.aio import QueueClient

from shared.config import Config
from shared.exceptions import StoreUnavailableError


class TrackQueue:
    """Sends track jobs to the ``track-requests`` queue."""

    def __init__(self, config: Config, client: QueueClient | None = None) -> None:
        self._config = config
        self._client = client
        self._lock = asyncio.Lock()

    async def _queue(self) -> QueueClient:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> QueueClient:
        cfg = self._config
        policies: dict[str, Any] = {
            "message_encode_policy": BinaryBase64EncodePolicy(),
            "message_decode_policy": BinaryBase64DecodePolicy(),
        }
        if cfg.storage_connection:
            return QueueClient.from_connection_string(cfg.storage_connection, cfg.track_queue, **policies)
        if cfg.storage_queue_uri:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(
                managed_identity_client_id=cfg.managed_identity_client_id or None
            )
            return QueueClient(cfg.storage_queue_uri, cfg.track_queue, credential=credential, **policies)
        raise StoreUnavailableError("no queue connection is configured")

    async def send(self, message: dict[str, Any]) -> None:
        queue = await self._queue()
        payload = json.dumps(message, separators=(",", ":")).encode()
        try:
            await queue.send_message(payload)
        except (AzureError, OSError) as exc:
            raise StoreUnavailableError("the track queue cannot be reached") from exc

    async def ping(self) -> None:
        queue = await self._queue()
        try:
            await queue.get_queue_properties()
        except (AzureError, OSError) as exc:
            raise StoreUnavailableError("the track queue cannot be reached") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

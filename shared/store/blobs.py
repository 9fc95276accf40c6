"""The blob store: tracked bodies and attachment files, kept out of Cosmos DB documents.

``BlobStore`` is the Protocol (SDK-style verbs: ``put_blob`` overwrites, ``get_blob``
raises ``NotFoundError`` when missing, ``delete_prefix`` succeeds when nothing is there).
Two backends:
- ``AzureBlobStore``: ``azure.storage.blob.aio``. In Azure it authenticates with the
  managed identity against ``CONTENT_BLOB_SERVICE_URI`` (no keys; the identity holds a
  data-plane role on the container, infra/rbac.bicep); locally it takes Azurite's
  connection string (``AzureWebJobsStorage`` with a ``BlobEndpoint``). Every request has
  its own timeout; SDK errors become ours: 413 ``ItemTooLargeError``, other 4xx refusals
  ``StoreRejectedError`` (retrying cannot help), the rest ``StoreUnavailableError``.
- ``MemoryBlobStore``: a dict, for functional tests and local tools.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import BlobServiceClient, ContainerClient

from shared.config import Config
from shared.exceptions import ItemTooLargeError, NotFoundError, StoreRejectedError, StoreUnavailableError

#: Seconds one blob request may take (server-side timeout and client read timeout).
REQUEST_TIMEOUT = 30
#: Seconds to open a connection.
CONNECT_TIMEOUT = 10
_REFUSED = frozenset({400, 403, 409, 411, 413, 414, 416})


class BlobStore(Protocol):
    """Named byte strings in one container."""

    async def put_blob(self, name: str, data: bytes, content_type: str) -> None:
        """Write (overwrite) the blob."""
        ...

    async def get_blob(self, name: str) -> bytes:
        """The blob's bytes, or NotFoundError."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every blob whose name starts with ``prefix``; how many were deleted."""
        ...

    async def ping(self) -> None:
        """StoreUnavailableError unless the container answers."""
        ...

    async def close(self) -> None: ...


class MemoryBlobStore:
    """``BlobStore`` in process memory."""

    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    async def put_blob(self, name: str, data: bytes, content_type: str) -> None:
        self.blobs[name] = (bytes(data), content_type)

    async def get_blob(self, name: str) -> bytes:
        try:
            return self.blobs[name][0]
        except KeyError:
            raise NotFoundError("file not found") from None

    async def delete_prefix(self, prefix: str) -> int:
        gone = [name for name in self.blobs if name.startswith(prefix)]
        for name in gone:
            del self.blobs[name]
        return len(gone)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


def _translate(exc: Exception, what: str) -> Exception:
    if isinstance(exc, ResourceNotFoundError):
        return NotFoundError(f"{what} not found")
    if isinstance(exc, HttpResponseError) and exc.status_code in _REFUSED:
        if exc.status_code == 413:
            return ItemTooLargeError(f"{what} is too large for the file store")
        return StoreRejectedError(f"the file store refused {what} ({exc.status_code})")
    return StoreUnavailableError("the file store cannot be reached")


class AzureBlobStore:
    """``BlobStore`` over Azure Blob Storage (or Azurite), one client per process."""

    def __init__(self, config: Config, client: BlobServiceClient | None = None) -> None:
        self._config = config
        self._client = client
        self._container: ContainerClient | None = None
        self._lock = asyncio.Lock()
        self._credential: Any = None

    def _make_client(self) -> BlobServiceClient:
        cfg = self._config
        options: dict[str, Any] = {"connection_timeout": CONNECT_TIMEOUT, "read_timeout": REQUEST_TIMEOUT}
        if cfg.storage_connection and "BlobEndpoint=" in cfg.storage_connection:
            return BlobServiceClient.from_connection_string(cfg.storage_connection, **options)
        if cfg.content_blob_uri:
            from azure.identity.aio import DefaultAzureCredential

            self._credential = DefaultAzureCredential(
                managed_identity_client_id=cfg.managed_identity_client_id or None
            )
            return BlobServiceClient(cfg.content_blob_uri, credential=self._credential, **options)
        raise StoreUnavailableError("no file store is configured")

    async def _open(self) -> ContainerClient:
        if self._container is None:
            async with self._lock:
                if self._container is None:
                    if self._client is None:
                        self._client = self._make_client()
                    container = self._client.get_container_client(self._config.content_container)
                    if self._config.local:  # Bicep declares the container in Azure
                        try:
                            if not await container.exists(timeout=REQUEST_TIMEOUT):
                                await container.create_container(timeout=REQUEST_TIMEOUT)
                        except HttpResponseError as exc:
                            if exc.status_code != 409:
                                raise _translate(exc, "the container") from exc
                        except (AzureError, OSError) as exc:
                            raise _translate(exc, "the container") from exc
                    self._container = container
        return self._container

    async def put_blob(self, name: str, data: bytes, content_type: str) -> None:
        container = await self._open()
        try:
            await container.upload_blob(
                name,
                data,
                overwrite=True,
                content_settings=ContentSettings(content_type=content_type),
                timeout=REQUEST_TIMEOUT,
            )
        except (AzureError, OSError) as exc:
            raise _translate(exc, "the file") from exc

    async def get_blob(self, name: str) -> bytes:
        container = await self._open()
        try:
            stream = await container.download_blob(name, timeout=REQUEST_TIMEOUT)
            return bytes(await stream.readall())
        except (AzureError, OSError) as exc:
            raise _translate(exc, "file") from exc

    async def delete_prefix(self, prefix: str) -> int:
        container = await self._open()
        count = 0
        try:
            names = [
                b.name async for b in container.list_blobs(name_starts_with=prefix, timeout=REQUEST_TIMEOUT)
            ]
            for name in names:
                try:
                    await container.delete_blob(name, timeout=REQUEST_TIMEOUT)
                    count += 1
                except ResourceNotFoundError:
                    continue
        except (AzureError, OSError) as exc:
            raise _translate(exc, "the files") from exc
        return count

    async def ping(self) -> None:
        container = await self._open()
        try:
            await container.get_container_properties(timeout=REQUEST_TIMEOUT)
        except (AzureError, OSError) as exc:
            raise StoreUnavailableError("the file store cannot be reached") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._credential is not None:
            await self._credential.close()
        self._client, self._container, self._credential = None, None, None

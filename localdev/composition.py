"""The local stack's composition: the runtime with local-only parts injected.

``function_app.py`` imports this only when ``AUTOCAPTURE_MODE=local``: Cosmos requests
are counted for ``/dev/stats`` (``make bench``), and Graph is called with the local
Graph server's development credentials.
"""

from __future__ import annotations

from localdev.graph_credentials import local_connector
from localdev.opcount import OpCounter
from shared.config import Config
from shared.runtime import Runtime
from shared.store.stores import cosmos_stores


class LocalParts:
    """What the local stack adds to a runtime: an operation counter and dev credentials."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.operations = OpCounter()

    def runtime(self) -> Runtime:
        config = self.config
        return Runtime.build(
            config,
            stores=cosmos_stores(config, on_operation=self.operations.add),
            graph=local_connector(config) if config.graph_auth == "local" else None,
        )

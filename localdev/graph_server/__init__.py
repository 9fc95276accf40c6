"""A local Microsoft Graph v1.0 server for mail and calendar, behaving like Graph.

In-process: ``create_app(mailbox_dict, jwks_or_provider)``; as a process:
``python -m localdev.graph_server --mailbox FILE --port P --jwks-url URL``.
"""

from localdev.graph_server.app import STATS_KEY, create_app, stats_of
from localdev.graph_server.auth import static_jwks, url_jwks
from localdev.graph_server.store import GraphStats, load_mailbox

__all__ = ["STATS_KEY", "GraphStats", "create_app", "load_mailbox", "static_jwks", "stats_of", "url_jwks"]

"""The mailbox boundary (Microsoft Graph): the ``Mailbox`` protocol, its Graph
implementation, and the ``GraphConnector`` that builds it."""

from shared.mailbox.base import EMAIL_WINDOW, MEETING_WINDOW, Candidates, Mailbox
from shared.mailbox.connector import GraphConnector
from shared.mailbox.graph import GraphMailbox, MailboxLimiter, QueryPolicy

__all__ = [
    "EMAIL_WINDOW",
    "MEETING_WINDOW",
    "Candidates",
    "GraphConnector",
    "GraphMailbox",
    "Mailbox",
    "MailboxLimiter",
    "QueryPolicy",
]

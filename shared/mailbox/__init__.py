"""The mailbox boundary (Microsoft Graph): ``Mailbox`` protocol and its Graph implementation."""

from shared.mailbox.base import EMAIL_WINDOW, MEETING_WINDOW, Mailbox
from shared.mailbox.factory import application_mailbox, close_shared_clients, delegated_mailbox
from shared.mailbox.graph import GraphMailbox, MailboxLimiter, QueryPolicy

__all__ = [
    "EMAIL_WINDOW",
    "MEETING_WINDOW",
    "GraphMailbox",
    "Mailbox",
    "MailboxLimiter",
    "QueryPolicy",
    "application_mailbox",
    "close_shared_clients",
    "delegated_mailbox",
]

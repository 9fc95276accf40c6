"""What of a tracked item's content is copied, and where it is kept. Pure, no I/O.

A Cosmos DB item is at most 2 MB (as azure-cosmos serializes it, non-ASCII escaped), so
an activity document keeps only what a timeline shows plus a small body; the rest goes
to the blob store:

- the **body** stays in the document when it serializes to at most ``BODY_INLINE_BYTES``
  (a JSON string, as Cosmos measures it), else it goes to a blob;
- **file attachments** of at most ``MAX_ATTACHMENT_BYTES`` each are copied to blobs, up to
  ``MAX_COPIED_ATTACHMENTS`` files and ``MAX_COPIED_BYTES`` in all (in Graph's order);
- **item attachments** (an attached mail, meeting or contact) and **reference
  attachments** (a link to a file in OneDrive or SharePoint) are listed, never copied;
- every attachment that is not copied carries the reason (``stored`` False).

``DOCUMENT_BUDGET_BYTES`` is the most an activity document may weigh: far under Cosmos
DB's 2 MB, so that whatever the mail, the write cannot be refused for its size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace

from shared.model import Attachment

MB = 1024 * 1024
#: A body up to this many bytes (serialized) stays in the activity document.
BODY_INLINE_BYTES = 32 * 1024
#: The largest attachment file copied (Outlook's default send limit is 20-25 MB).
MAX_ATTACHMENT_BYTES = 25 * MB
#: At most this many files of one item are copied ...
MAX_COPIED_ATTACHMENTS = 50
#: ... and at most this many bytes of them in all.
MAX_COPIED_BYTES = 100 * MB
#: An activity document never weighs more than this (Cosmos DB refuses items over 2 MB).
DOCUMENT_BUDGET_BYTES = 256 * 1024
#: Attachments listed in a document at most (Graph lists up to 500 with our page cap).
MAX_LISTED_ATTACHMENTS = 250
#: An attachment's name is kept to this many characters.
MAX_NAME_CHARS = 255

REASON_ITEM = "an attached email, meeting or contact is not copied; open the original in Outlook"
REASON_REFERENCE = "a link to a file in the cloud: the file stays where it is and is not copied"
REASON_TOO_LARGE = f"larger than {MAX_ATTACHMENT_BYTES // MB} MB: not copied"
REASON_TOO_MANY = (
    f"the item has more than {MAX_COPIED_ATTACHMENTS} files or {MAX_COPIED_BYTES // MB} MB of them: "
    "not copied"
)
REASON_UNREADABLE = "the file could not be read from the mailbox"

#: What the user reads when the store refuses the item for good (the request is failed).
FAILED_TOO_LARGE = "TOO_LARGE: this item is too large to be tracked"
FAILED_REJECTED = "REJECTED: the data store refused this item; it cannot be tracked as it is"


def attachment_key(source_id: str) -> str:
    """Our id of a Graph attachment: stable, short, safe in a URL and a blob name."""
    return "att-" + hashlib.sha256(source_id.encode()).hexdigest()[:24]


def body_blob_name(activity_id: str) -> str:
    return f"activities/{activity_id}/body"


def attachment_blob_name(activity_id: str, attachment_id: str) -> str:
    return f"activities/{activity_id}/attachments/{attachment_id}"


def content_prefix(activity_id: str) -> str:
    """Every blob of one activity starts with this."""
    return f"activities/{activity_id}/"


def serialized_bytes(value: object) -> int:
    """How many bytes ``value`` takes in a document, as azure-cosmos writes it."""
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def body_goes_to_blob(body: str) -> bool:
    """Whether the body is too large to keep in the activity document."""
    return serialized_bytes(body) > BODY_INLINE_BYTES


def plan_attachments(attachments: Iterable[Attachment]) -> tuple[Attachment, ...]:
    """Each attachment with our ``id`` and, for those not to be copied, why; the ones to
    copy come back with ``stored`` True (the copy sets it False again if it fails)."""
    planned: list[Attachment] = []
    files, total = 0, 0
    for given in list(attachments)[:MAX_LISTED_ATTACHMENTS]:
        key = attachment_key(given.source_id or given.name)
        a = replace(given, id=key, name=given.name[:MAX_NAME_CHARS], stored=False)
        if a.kind == "item":
            planned.append(replace(a, reason=REASON_ITEM))
        elif a.kind == "reference":
            planned.append(replace(a, reason=REASON_REFERENCE))
        elif a.size > MAX_ATTACHMENT_BYTES:
            planned.append(replace(a, reason=REASON_TOO_LARGE))
        elif files >= MAX_COPIED_ATTACHMENTS or total + a.size > MAX_COPIED_BYTES:
            planned.append(replace(a, reason=REASON_TOO_MANY))
        else:
            files, total = files + 1, total + a.size
            planned.append(replace(a, stored=True, reason=None))
    return tuple(planned)


def refusal_reason(too_large: bool) -> str:
    """The reason a request fails with when the store refuses its item for good."""
    return FAILED_TOO_LARGE if too_large else FAILED_REJECTED

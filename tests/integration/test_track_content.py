"""Tracked content the team can read: a 3 MB HTML mail with an inline image, a 5 MB PDF
and a small text file, tracked on the real stack (Graph server, Azurite blobs, the Cosmos
stand-in that refuses items over 2 MB), read and downloaded by a teammate; no access 404."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from shared.rules.content import DOCUMENT_BUDGET_BYTES
from shared.store.limits import MAX_ITEM_BYTES
from tests.integration.track_support import PNG, aid_of, file_attachment, stored_docs

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7\n" + os.urandom(5 * 1024 * 1024)
TEXT = "notes: café ✓\n".encode()
END = "END-OF-THE-BODY"


def _big_mail(world, n: int) -> dict[str, object]:
    msg = world.message(world.tracker, n)
    paragraph = "<p>Quarterly figures, région Île-de-France — détail ligne par ligne.</p>\n"
    filler = paragraph * (3 * 1024 * 1024 // len(paragraph.encode()))
    msg["body"] = {
        "contentType": "html",
        "content": f'<html><body><img src="cid:logo@acme"><p>Hello</p>{filler}<p>{END}</p></body></html>',
    }
    msg["hasAttachments"] = True
    msg["attachments"] = [
        file_attachment(f"AAMkatt{n}a", "logo.png", PNG, "image/png", isInline=True, contentId="logo@acme"),
        file_attachment(f"AAMkatt{n}b", "Offer 2027 — signed.pdf", PDF, "application/pdf"),
        file_attachment(f"AAMkatt{n}c", "notes.txt", TEXT, "text/plain"),
    ]
    return msg


def _path(world, aid: str) -> str:
    return f"/api/timeline/{world.account.entity_type}/{world.account.id}/activities/{aid}"


async def test_a_teammate_reads_the_full_body_and_downloads_every_file_byte_identical(world):
    msg = _big_mail(world, 1)
    assert len(json.dumps(msg["body"]).encode()) > 3 * 1024 * 1024
    world.publish(world.tracker)
    teammate = world.user("mate", ("Sales.Person",), (world.team,))
    outsider = world.user("out", ("Sales.Person",), ("t-elsewhere",))

    resp = world.track(world.tracker, msg)
    assert resp.status_code == 202, resp.text
    done = world.wait_for(world.tracker, resp.json()["trackingId"], timeout=60)
    assert done["state"] == "tracked", done
    aid = aid_of(msg)

    detail = world.api.get(_path(world, aid), teammate.caller)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["body"]["contentType"] == "html"
    assert body["body"]["content"].count("Île-de-France") == msg["body"]["content"].count("Île-de-France")
    assert END in body["body"]["content"]
    assert 'src="cid:logo@acme"' in body["body"]["content"]
    files = {a["name"]: a for a in body["attachments"]}
    assert set(files) == {"logo.png", "Offer 2027 — signed.pdf", "notes.txt"}
    assert all(a["stored"] for a in files.values())
    assert files["logo.png"]["isInline"] is True and files["logo.png"]["contentId"] == "logo@acme"
    for name, data, ctype in (
        ("logo.png", PNG, "image/png"),
        ("Offer 2027 — signed.pdf", PDF, "application/pdf"),
        ("notes.txt", TEXT, "text/plain"),
    ):
        got = world.api.get(f"{_path(world, aid)}/attachments/{files[name]['id']}", teammate.caller)
        assert got.status_code == 200, got.text
        assert hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest(), name
        assert got.headers["content-type"].startswith(ctype)
        assert got.headers["content-disposition"].startswith("attachment;")
        assert files[name]["size"] == len(data)

    assert world.api.get(_path(world, aid), outsider.caller).status_code == 404
    for a in files.values():
        url = f"{_path(world, aid)}/attachments/{a['id']}"
        assert world.api.get(url, outsider.caller).status_code == 404

    # The document holds neither the body nor a file: far under Cosmos DB's 2 MB.
    for doc in await stored_docs(world.stack, aid):
        size = len(json.dumps(doc, separators=(",", ":")).encode())
        assert size < DOCUMENT_BUDGET_BYTES < MAX_ITEM_BYTES
    # The timeline reads a projection and shows the files as before.
    tile = next(i for i in world.timeline(teammate).json()["items"] if i["id"] == aid)
    assert {a["name"] for a in tile["attachments"]} == set(files)


async def test_the_cosmos_stand_in_refuses_what_cosmos_db_refuses(peers):
    """Straight through azure-cosmos (our own checks bypassed): 413 and 400 as in Azure."""
    from azure.cosmos import PartitionKey
    from azure.cosmos import exceptions as cosmos_errors
    from azure.cosmos.aio import CosmosClient

    from localdev.stack import COSMOS_EMULATOR_KEY

    async with CosmosClient(peers.cosmos_endpoint, COSMOS_EMULATOR_KEY, connection_verify=False) as client:
        database = await client.create_database_if_not_exists("standin-limits")
        container = await database.create_container_if_not_exists("c", partition_key=PartitionKey("/pk"))
        refused = [
            ({"id": "big", "pk": "p", "body": "x" * MAX_ITEM_BYTES}, 413, "RequestEntityTooLarge"),
            ({"id": "i" * 256, "pk": "p"}, 400, "BadRequest"),
            ({"id": "wide-pk", "pk": "é" * 1100}, 400, "BadRequest"),
        ]
        for doc, status, code in refused:
            with pytest.raises(cosmos_errors.CosmosHttpResponseError) as caught:
                await container.upsert_item(doc)
            assert caught.value.status_code == status
            assert f'"code":"{code}"' in caught.value.response.text().replace(" ", "")
            assert '{"Errors":[' in caught.value.message
        await container.upsert_item({"id": "fits", "pk": "p", "body": "x" * (MAX_ITEM_BYTES - 1024)})
        await client.delete_database("standin-limits")


async def test_a_suggestion_opens_live_from_its_owners_mailbox_only_and_is_never_stored(world):
    msg = world.message(world.tracker, 3)
    msg["body"] = {"contentType": "html", "content": "<p>LIVE-ONLY <script>alert(1)</script></p>"}
    msg["hasAttachments"] = True
    msg["attachments"] = [file_attachment("AAMkliv1", "quote.pdf", b"%PDF-1.7 live", "application/pdf")]
    world.publish(world.tracker)
    teammate = world.user("peer", ("Sales.Person",), (world.team,))
    world.publish(teammate)

    got = world.api.get(f"/api/mailbox/email/{msg['id']}", world.tracker.caller)
    assert got.status_code == 200, got.text
    body = got.json()
    assert "LIVE-ONLY" in body["body"]["content"] and "<script" not in body["body"]["content"]
    [file] = body["attachments"]
    assert file["name"] == "quote.pdf" and file["stored"] is False
    assert world.api.get(f"/api/mailbox/email/{msg['id']}", teammate.caller).status_code == 404
    assert world.api.get("/api/mailbox/email/not%2Fan%2Fid", world.tracker.caller).status_code in (400, 404)
    assert await stored_docs(world.stack, aid_of(msg)) == []
    log = (world.stack.workdir / "logs" / "host.log").read_text(errors="replace")
    assert "LIVE-ONLY" not in log and msg["subject"] not in log

"""The JSON Lines record format: line-numbered errors, all-or-nothing."""

from __future__ import annotations

import json

from shared.importer.schema import parse_lines
from shared.model import RecordRef

GOOD = [
    {
        "entityType": "account",
        "id": "a1",
        "name": "Contoso",
        "emails": ["info@contoso.com"],
        "primaryContactId": "c1",
        "ownerId": "alice",
        "teamIds": ["t-east"],
    },
    {
        "entityType": "contact",
        "id": "c1",
        "name": "Jane Doe",
        "emails": ["jane@contoso.com"],
        "parentAccountId": "a1",
        "modifiedOn": "2026-11-01T00:00:00Z",
    },
    {
        "entityType": "opportunity",
        "id": "o1",
        "name": "Renewal",
        "emails": [],
        "contactId": "c1",
        "accountId": "a1",
        "stakeholderIds": ["c2"],
        "originatingLeadId": "l1",
    },
    {
        "entityType": "lead",
        "id": "l1",
        "name": "Inbound",
        "emails": ["lead@fabrikam.com"],
        "contactEmail": "pat@fabrikam.com",
    },
    {
        "entityType": "case",
        "id": "k1",
        "name": "Outage",
        "emails": [],
        "primaryContactId": "c1",
        "customer": {"entityType": "account", "id": "a1"},
    },
    {
        "entityType": "project",
        "id": "p1",
        "name": "Rollout",
        "custom": True,
        "lookups": {
            "client": {"entityType": "account", "id": "a1"},
            "sponsor": {"entityType": "contact", "id": "c2"},
        },
    },
]


def lines(*objs) -> list[str]:
    return [json.dumps(o) if not isinstance(o, str) else o for o in objs]


def test_the_design_example_file_parses_completely():
    result = parse_lines(lines(*GOOD))
    assert result.errors == ()
    assert [r.ref for r in result.records] == [
        RecordRef("account", "a1"),
        RecordRef("contact", "c1"),
        RecordRef("opportunity", "o1"),
        RecordRef("lead", "l1"),
        RecordRef("case", "k1"),
        RecordRef("project", "p1"),
    ]
    project = result.records[-1]
    assert dict(project.lookups) == {
        "client": RecordRef("account", "a1"),
        "sponsor": RecordRef("contact", "c2"),
    }
    assert result.records[1].modified_on.isoformat() == "2026-11-01T00:00:00+00:00"


def test_each_bad_line_is_reported_with_its_number_and_reason():
    result = parse_lines(
        lines(
            GOOD[0],
            "{not json",
            {"entityType": "contact", "id": "c9", "name": "X", "emails": ["not-an-address"]},
            {"entityType": "widget", "id": "w1", "name": "W"},
            {"entityType": "contact", "id": "c8", "name": "X", "primaryContactId": "c1"},
            {"entityType": "account", "id": "a/b", "name": "Slash"},
            {"entityType": "account", "id": "a2", "name": "Typo", "primaryContactID": "c1"},
            GOOD[0],
            "[1, 2]",
            {"entityType": "contact", "id": "c7", "name": "X", "modifiedOn": "2026-11-01"},
        )
    )
    by_line = {e.line: e.message for e in result.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "not valid JSON" in by_line[2]
    assert by_line[3].startswith("emails.0")
    assert "unknown entity type 'widget'" in by_line[4]
    assert "primaryContactId does not apply to entityType 'contact'" in by_line[5]
    assert by_line[6].startswith("id:")
    assert "primaryContactID" in by_line[7]
    assert "duplicate record account:a1 (first on line 1)" in by_line[8]
    assert "JSON object" in by_line[9]
    assert "time zone" in by_line[10]


def test_blank_lines_are_ignored_but_counted():
    result = parse_lines(["", json.dumps(GOOD[0]), "   ", "{bad"])
    assert [e.line for e in result.errors] == [4]
    assert len(result.records) == 1


def test_a_upn_owner_is_refused_with_its_line_number_and_how_to_fix_it():
    lines = [
        json.dumps(
            {
                "entityType": "account",
                "id": "a1",
                "name": "A",
                "ownerId": "3f2c1b0a-0000-4000-8000-000000000001",
            }
        ),
        json.dumps({"entityType": "account", "id": "a2", "name": "B", "ownerId": "carol@contoso.com"}),
    ]
    result = parse_lines(lines)
    assert [str(e) for e in result.errors] == [
        "line 2: ownerId: must be the owner's Entra object id, not a UPN or address (record access "
        "matches the token's oid only; find it with: az ad user show --id <upn> --query id)"
    ]

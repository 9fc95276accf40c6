"""GET /api/timeline over HTTP: every row of the rule table (docs/rules.md), windows, order, cap.

Each record of this run has its own addresses and the seller's mailbox holds one item
per rule, plus items that must not show; a timeline's untracked items are compared
exactly (tag -> its (address, rule) reasons).
"""

from __future__ import annotations

import pytest

from tests.e2e.timeline_data import (
    ACCOUNT_CONTACTS,
    PREFIX,
    SELLER,
    addr,
    rid,
)
from tests.e2e.timeline_world import (
    items_by_tag,
    untracked,
)

pytestmark = pytest.mark.e2e


def lookup(rule: str, field: str) -> str:
    return f"{rule}:{field}"


def test_account_matches_primary_contact_top_50_contacts_and_own_emails_but_not_the_51st(world):
    timeline = world.ok_timeline(SELLER, "account", "acct")

    assert timeline["record"] == {"entityType": "account", "id": rid("acct"), "name": f"{PREFIX} acct"}
    assert timeline["autoCapture"]["active"] is True
    assert timeline["autoCapture"]["notice"] is None
    assert untracked(timeline) == {
        "acct-pc": [(addr("pc"), "primaryContact")],
        "acct-c00": [(addr("ac00-b"), "accountContact")],
        "acct-c49": [(addr("ac49-c"), "accountContact")],
        "acct-own": [(addr("acct-info"), "recordEmail")],
        "acct-multi": [(addr("acct-info"), "recordEmail"), (addr("pc"), "primaryContact")],
    }
    assert ACCOUNT_CONTACTS == 51  # "acct-c50" comes from the least recently modified, the 51st


def test_contact_matches_all_its_emails_case_insensitively(world):
    timeline = world.ok_timeline(SELLER, "contact", "solo")

    assert untracked(timeline) == {
        "solo-1": [(addr("solo1"), "recordEmail")],
        "solo-2": [(addr("solo2"), "recordEmail")],
        "solo-edge": [(addr("solo1"), "recordEmail")],
        "solo-meet-soon": [(addr("solo1"), "recordEmail")],
        "solo-meet-past": [(addr("solo1"), "recordEmail")],
    }


def test_opportunity_matches_contact_stakeholders_own_emails_account_contacts_and_lead_contact(world):
    timeline = world.ok_timeline(SELLER, "opportunity", "opp")

    assert untracked(timeline) == {
        "opp-contact": [(addr("oc"), "opportunityContact")],
        "opp-sh1": [(addr("sh1"), "stakeholder")],
        "opp-sh2": [(addr("sh2"), "stakeholder")],
        "opp-own": [(addr("opp"), "recordEmail")],
        "opp-acctc": [(addr("oac1"), "accountContact")],
        "opp-lead": [(addr("olead-contact"), "originatingLead")],
    }  # not the lead's own emails, the account's own emails, nor its primary contact


def test_lead_matches_its_contact_email_and_own_emails(world):
    timeline = world.ok_timeline(SELLER, "lead", "lead")

    assert untracked(timeline) == {
        "lead-contact": [(addr("lead-contact"), "leadContact")],
        "lead-own": [(addr("lead-own"), "recordEmail")],
    }


def test_case_matches_primary_contact_own_emails_and_customer_account_but_not_its_other_contacts(world):
    timeline = world.ok_timeline(SELLER, "case", "case")

    assert untracked(timeline) == {
        "case-pc": [(addr("kpc"), "primaryContact")],
        "case-own": [(addr("case"), "recordEmail")],
        "case-cust-acct": [(addr("kacct"), "customerAccount")],
        "case-cust-pc": [(addr("kacctpc"), "customerPrimaryContact")],
    }  # "case-no-child" comes from a child contact of the customer account


def test_case_with_a_contact_customer_matches_that_contacts_emails(world):
    timeline = world.ok_timeline(SELLER, "case", "case2")

    assert untracked(timeline) == {"case2-cust": [(addr("kcust"), "customerContact")]}


def test_custom_entity_matches_account_contact_and_polymorphic_customer_lookups(world):
    timeline = world.ok_timeline(SELLER, "project", "proj")

    assert untracked(timeline) == {
        "proj-client": [(addr("cacct"), lookup("lookupAccount", "client"))],
        "proj-client-pc": [(addr("cacctpc"), lookup("lookupAccountPrimaryContact", "client"))],
        "proj-sponsor": [(addr("csp"), lookup("lookupContact", "sponsor"))],
        "proj-customer": [(addr("ccust"), lookup("lookupContact", "customer"))],
    }  # "proj-no-child" comes from another contact of the client account


def test_custom_entity_customer_lookup_to_an_account_matches_it_and_its_primary_contact(world):
    timeline = world.ok_timeline(SELLER, "project", "proj2")

    assert untracked(timeline) == {
        "proj2-customer": [(addr("cacct2"), lookup("lookupAccount", "customer"))],
        "proj2-customer-pc": [(addr("cacct2pc"), lookup("lookupAccountPrimaryContact", "customer"))],
    }


def test_the_users_own_address_on_a_record_never_matches_on_its_own(world):
    timeline = world.ok_timeline(SELLER, "contact", "selfish")

    assert untracked(timeline) == {"selfish-real": [(addr("selfish"), "recordEmail")]}
    assert all(m["address"] != SELLER.upn for i in timeline["items"] for m in i["matchedBy"])


def test_four_day_old_email_and_meeting_four_days_ahead_are_not_shown(world):
    tags = set(items_by_tag(world.ok_timeline(SELLER, "contact", "solo")))

    assert {"solo-edge", "solo-meet-soon", "solo-meet-past"} <= tags
    assert not tags & {"solo-old", "solo-meet-far"}


def test_items_are_newest_first_with_occurred_at_as_sent_time_or_meeting_start(world):
    timeline = world.ok_timeline(SELLER, "contact", "solo")

    tags = [item["subject"].split(" ")[1] for item in timeline["items"]]
    assert tags == ["solo-meet-soon", "solo-1", "solo-2", "solo-meet-past", "solo-edge"]
    stamps = [item["occurredAt"] for item in timeline["items"]]
    assert stamps == sorted(stamps, reverse=True)
    meeting = items_by_tag(timeline)["solo-meet-soon"]
    assert meeting["kind"] == "meeting"
    assert meeting["occurredAt"].startswith(world.mail["solo-meet-soon"].at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_untracked_items_are_private_suggestions_with_the_graph_id_and_no_direction(world):
    timeline = world.ok_timeline(SELLER, "contact", "solo")

    item = items_by_tag(timeline)["solo-1"]
    assert item["id"] == world.mail["solo-1"].graph_id(SELLER)
    assert item["state"] == "untracked"
    assert item["kind"] == "email"
    assert item["preview"] == f"{PREFIX} solo-1 preview"
    assert item["from"]["address"] == addr("solo1")
    assert SELLER.upn in [p["address"] for p in item["to"]]
    assert "direction" not in item
    assert "attachments" not in item


def test_at_most_50_suggestions_the_newest(world):
    timeline = world.ok_timeline(SELLER, "contact", "cap")

    shown = [item["subject"].split(" ")[1] for item in timeline["items"]]
    assert len(shown) == 50
    assert all(item["state"] == "untracked" for item in timeline["items"])
    assert shown == ["cap-meet-1", *(f"cap-{i:02d}" for i in range(49))]

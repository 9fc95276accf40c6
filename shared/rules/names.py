"""The rule names a suggestion reports in ``matchedBy`` (docs/rules.md).

Fixed names are constants; the custom-entity rules embed the lookup field's name
(``lookupAccount:client``), built by :func:`lookup_rule`.
"""

from __future__ import annotations

from typing import Final, Literal

#: Every record type: the record's own ``emails``.
RECORD_EMAIL: Final = "recordEmail"
#: account, case: the primary contact's emails.
PRIMARY_CONTACT: Final = "primaryContact"
#: account, opportunity: the top 50 contacts of the (linked) account, most recently modified first.
ACCOUNT_CONTACT: Final = "accountContact"
#: opportunity: the opportunity contact's emails.
OPPORTUNITY_CONTACT: Final = "opportunityContact"
#: opportunity: the emails of each contact in the stakeholders list.
STAKEHOLDER: Final = "stakeholder"
#: opportunity: the contact email of the lead the opportunity came from.
ORIGINATING_LEAD: Final = "originatingLead"
#: lead: the email in the lead's contact section.
LEAD_CONTACT: Final = "leadContact"
#: case whose customer is a contact: all the contact's emails.
CUSTOMER_CONTACT: Final = "customerContact"
#: case whose customer is an account: the account's own emails.
CUSTOMER_ACCOUNT: Final = "customerAccount"
#: case whose customer is an account: that account's primary contact's emails.
CUSTOMER_PRIMARY_CONTACT: Final = "customerPrimaryContact"
#: custom entity, lookup to an account: the account's own emails (``lookupAccount:<field>``).
LOOKUP_ACCOUNT: Final = "lookupAccount"
#: custom entity, lookup to an account: its primary contact's emails
#: (``lookupAccountPrimaryContact:<field>``).
LOOKUP_ACCOUNT_PRIMARY_CONTACT: Final = "lookupAccountPrimaryContact"
#: custom entity, lookup to a contact: the contact's emails (``lookupContact:<field>``).
LOOKUP_CONTACT: Final = "lookupContact"

FIXED_RULES = (
    RECORD_EMAIL,
    PRIMARY_CONTACT,
    ACCOUNT_CONTACT,
    OPPORTUNITY_CONTACT,
    STAKEHOLDER,
    ORIGINATING_LEAD,
    LEAD_CONTACT,
    CUSTOMER_CONTACT,
    CUSTOMER_ACCOUNT,
    CUSTOMER_PRIMARY_CONTACT,
)
LOOKUP_RULES = (LOOKUP_ACCOUNT, LOOKUP_ACCOUNT_PRIMARY_CONTACT, LOOKUP_CONTACT)

LookupRule = Literal["lookupAccount", "lookupAccountPrimaryContact", "lookupContact"]


def lookup_rule(rule: LookupRule, field: str) -> str:
    """The rule name for a custom entity's lookup field, e.g. ``lookupAccount:client``."""
    return f"{rule}:{field}"

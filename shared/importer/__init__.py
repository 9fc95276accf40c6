"""Import CRM records from JSON Lines into the records container (docs/formats.md)."""

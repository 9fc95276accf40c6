"""Import CRM records from JSON Lines into the records container (DESIGN.md §5)."""

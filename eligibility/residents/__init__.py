"""Residents and households (宛名): their records and insured numbers, the ward scope of staff,
the person search and overview, creating a resident, and the person header every tab shows.
Docs: docs/subsystems/persons.md."""

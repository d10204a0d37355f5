"""Cards and certificates (証類): issuing at the counter, and rendering an issue as PDF (the card
layouts are in documents/, on the PDF kit of kaigo/documents/). Docs: docs/subsystems/documents.md."""

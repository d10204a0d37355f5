"""Signals of key operations and of the encryption check's reads, for the audit records.

Sent synchronously inside the operation's transaction; the audit app connects the receivers
that write the rows (audit/receivers.py). They are ``RecordSignal``s (kaigo/signals.py): with no
receiver connected, sending raises, and the operation fails rather than going unrecorded. Only
codes and internal numbers travel with them, never personal data.
"""

from kaigo.signals import RecordSignal

# A key operation: recorded as an authentication event of kind "key_operation".
# sender: PersonKey; kwargs: actor (Staff | None: a command), operation (a code: "shred",
#   "kek_added", "rewrap_started", "keyring_created", "seal_key_created"), detail (dict of codes
#   and internal numbers, e.g. {"person": 100000001} or {"kek_version": "kek-2"}).
key_operation = RecordSignal()

# A batch of the core decrypted persons' data (the encryption check reads every value): recorded
# as one access-log row for all of them.
# sender: the batch kind's class; kwargs: actor (the run's operator, or None), function (a code:
#   the batch kind's name), channel ("batch"), person_ids (list of internal numbers).
persons_read = RecordSignal()

"""Signals of account and access-right events, for the audit trail to record.

They are sent synchronously, inside the service's transaction, so that a receiver writing an
audit row commits (or rolls back) together with the change itself. Receivers must not swallow
errors: if the audit row cannot be written, the change must fail with it.

The audit app connects its receivers; this app does not import the audit app.
"""

from django.dispatch import Signal

# A role was granted or revoked (also for each role of a newly created account).
# sender: RoleGrant; kwargs: grant (RoleGrant), action ("granted" | "revoked"), actor (Staff | None).
role_changed = Signal()

# Something about an account's credentials changed.
# sender: Staff; kwargs: staff (the account), action, actor (Staff | None: the system). action is one of
#   "password_changed"        the staff member chose a new password (forced or voluntary)
#   "password_reset"          a section chief issued a temporary password
#   "second_factor_enrolled"  the staff member confirmed a TOTP device
#   "second_factor_reset"     a section chief removed the staff member's TOTP devices
#   "lockout_cleared"         a section chief cleared the login lockout of the account
account_changed = Signal()

# A second-factor code was refused (wrong, replayed or throttled).
# sender: Staff; kwargs: staff, request.
second_factor_failed = Signal()

# A session was ended by the server because of inactivity or its absolute lifetime.
# sender: Staff; kwargs: staff, reason ("idle" | "absolute" | "temporary_password_expired"), request.
session_expired = Signal()

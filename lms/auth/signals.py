"""Signals the account core sends; features connect to them and the core imports no feature."""

from blinker import Namespace

_signals = Namespace()

# Sent with ``email=`` before a password is checked. A receiver that returns a message refuses
# password sign-in for that address (single sign-on required by its organisation); the message
# is shown as it is.
password_sign_in_requested = _signals.signal("password-sign-in-requested")

"""What the credit ledger tells others (blinker). Sent inside the transaction, after the entry is flushed."""

from blinker import Namespace

_signals = Namespace()

# sender: the new CreditEntry (kind "claim")
credit_claimed = _signals.signal("credit-claimed")
# sender: the new CreditEntry (kind "correction" or "revocation"); ``claim`` is the original claim
credit_corrected = _signals.signal("credit-corrected")

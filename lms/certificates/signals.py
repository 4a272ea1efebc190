"""What the certificates package tells others (blinker). Sent inside the transaction."""

from blinker import Namespace

_signals = Namespace()

certificate_issued = _signals.signal("certificate-issued")  # sender: the new Certificate
certificate_revoked = _signals.signal("certificate-revoked")  # sender: the revoked Certificate

"""PII redaction: Presidio with spaCy NER plus Steward's recognizers, consistent pseudonyms, an optional vault.

Build everything with ``make_redactor(settings)``; importing this package does not load Presidio or spaCy.
"""

from governance.pii.config import PIISettings
from governance.pii.entity import PIIEntity
from governance.pii.factory import make_redactor
from governance.pii.processor import RedactingProcessor
from governance.pii.pseudonyms import Pseudonyms
from governance.pii.redaction import Redaction
from governance.pii.redactor import Redactor
from governance.pii.vault import Vault

__all__ = [
    "PIIEntity",
    "PIISettings",
    "Pseudonyms",
    "Redaction",
    "RedactingProcessor",
    "Redactor",
    "Vault",
    "make_redactor",
]

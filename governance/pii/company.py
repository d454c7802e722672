"""Whether a capitalised run of words is a company's name: a legal-form or company word ends it."""

from __future__ import annotations

import re

# Legal forms and words that make a name a company's ("Hornby Plc", "Adolph Coors Company", "Kiri
# Industries Ltd", "Williams Partners L.P.", "Fleury Michon SA").
_DESIGNATOR = (
    r"(?:inc|ltd|plc|llc|llp|l\.p|lp|corp|corporation|company|gmbh|ag|s\.a|sa|s\.a\.b|nv|bv|oy|spa|srl|"
    r"group|limited|industries|partners|holdings|overseas|labs)(?![\w-])"
)
_AFTER = re.compile(r"[ \t]*,?[ \t]*" + _DESIGNATOR, re.IGNORECASE)
_INSIDE = re.compile(r"(?<![\w-])" + _DESIGNATOR, re.IGNORECASE)


def is_company(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds or is followed on its line by a company designator."""
    return bool(_INSIDE.search(text, start, end) or _AFTER.match(text, end))

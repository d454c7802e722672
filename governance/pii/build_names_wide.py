"""Build ``data/names_wide.json.gz``: given names of many countries that start a name before a family name.

Run once (the result is committed): ``pip install --no-deps names-dataset==3.3.1`` (55 MB; a build-time
tool only), then ``python -m governance.pii.build_names_wide``.

PyPI ``names-dataset`` ranks first names per country (106 countries, from public social-network
profiles). The given names ranked in the top ``TOP`` of some country, in Latin script, three letters or
more, that are not common words of the main gazetteer, are kept. They are used only in front of a family
name ("Hideko Chiba"), never alone: many of them are also ordinary words somewhere. Family names ranked in
the top ``LAST_TOP`` of some country are kept too (``last_wide``): alone, either list counts only where
the words around say a person is meant ("Bilić and Vida", "Donát's address", "shouted at Hilarion").
"""

from __future__ import annotations

import gzip
import json
import pickle
import re
from importlib.metadata import distribution
from pathlib import Path

from governance.pii.gazetteer import NameGazetteer

OUT = Path(__file__).resolve().parent / "data" / "names_wide.json.gz"
TOP = 1000
LAST_TOP = 3000
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏ'’-]{3,}$")


def build(kind: str = "first", top: int = TOP) -> list[str]:
    """The casefolded wide given (``first``) or family (``last``) names ranked ``top`` or better, sorted."""
    path = Path(str(distribution("names-dataset").locate_file(f"names_dataset/v3/{kind}_names.pkl.gz")))
    with gzip.open(path) as handle:
        names = pickle.load(handle)  # noqa: S301 - the package's own data file, at build time only
    common = NameGazetteer.load().common
    kept = set()
    for name, info in names.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r is not None and r == r]
        if ranks and min(ranks) <= top and _LATIN.match(name) and name.casefold() not in common:
            kept.add(name.casefold())
    return sorted(kept)


def main() -> None:
    """Write the file (mtime 0, so rebuilding gives the same bytes)."""
    data = json.dumps({"first_wide": build(), "last_wide": build("last", LAST_TOP)}, ensure_ascii=False).encode()
    OUT.write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

"""Build ``data/streets.json``, the street-type words of the STREET_ADDRESS recognizer (run once; committed).

Run: ``python -m governance.pii.build_streets`` (Faker is a dev dependency; the runtime reads only the file).

From the address providers of Faker's locales:

- ``after``: words that follow a street name ("Elm Street", "Petworth Rd"): the English street suffixes
  (en_US, en_GB, en_AU, en_NZ, en_CA), capitalised, plus their postal abbreviations (USPS/Royal Mail);
- ``before``: words that start one ("Rua São Jorge", "ul. PCK", "Via Roma"): the street prefixes of the
  Romance, Slavic, Greek and Nordic locales;
- ``glued``: endings of one-word street names ("Kuefsteinstrasse", "Blancefloerlaan", "Kajaaninkatu"): the
  lower-case suffixes of the Germanic, Nordic, Finnish, Baltic and Hungarian locales, three letters or more.

Faker has no street words for a few languages (Icelandic, Slovene, Estonian, Czech street names); their
common ones are added from ``_EXTRA`` below, and so are abbreviations Faker lacks.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "streets.json"
_AFTER_LOCALES = ("en_US", "en_GB", "en_AU", "en_NZ", "en_CA")
_BEFORE_LOCALES = ("es_ES", "es_MX", "pt_BR", "pt_PT", "fr_FR", "fr_CA", "fr_CH", "it_IT", "ro_RO", "pl_PL", "el_GR")
_GLUED_LOCALES = ("de_DE", "de_AT", "de_CH", "nl_NL", "nl_BE", "da_DK", "no_NO", "sv_SE", "fi_FI", "hu_HU")
_SUFFIXES = ("street_suffixes", "street_suffixes_long", "street_suffixes_short")
_PREFIXES = ("street_prefixes", "street_prefixes_long", "street_prefixes_short")
_EXTRA = {
    "after": "St Rd Ave Av Dr Ln Blvd Ct Pl Sq Hwy Pkwy Ter Tce Cres Cl Gr Pde Cir Str str ulica ulice cesta "
    "u utca út tér körút tänav maantee puiestee allee allé gate gata vei veien vegen vej gade weg laan straat",
    "before": "C/ Rue Avenue Boulevard Chemin Place Quai Impasse Allée Carrer Calle Avenida Rua Via Viale Piazza "
    "Corso Largo Vicolo Paseo Plaza Travessa Praça Estrada Rambla Ulica Ul ul ulica Aleja Trg "
    "Strada Bulevardul Calea Odos Leoforos",
    "glued": "stræti braut vegur gata stígur tún hraun vík gyden straat laan weg vej gade veien vegen vei "
    "väg vägen gatan gata allé tie katu kuja polku rinne kaari ranta tänav utca gasse straße strasse str "
    "platz damm ufer markt pfad steig",
}


def _words(locales: tuple[str, ...], attrs: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attr in attrs:
            value = getattr(provider, attr, None)
            items = list(value) if isinstance(value, (list, tuple, dict)) else []
            found |= {str(item).strip() for item in items if str(item).strip() and " " not in str(item).strip()}
    return found


def build() -> dict[str, list[str]]:
    """The three word lists."""
    after = {w for w in _words(_AFTER_LOCALES, _SUFFIXES) if w[:1].isupper()} | set(_EXTRA["after"].split())
    before = {w.rstrip(".") for w in _words(_BEFORE_LOCALES, _PREFIXES) if len(w.rstrip(".")) >= 2}
    before |= {w[:1].upper() + w[1:] for w in before} | set(_EXTRA["before"].split())
    glued = {
        w.casefold().rstrip(".") for w in _words(_GLUED_LOCALES, _SUFFIXES) if w.islower() and len(w.rstrip(".")) >= 3
    }
    glued |= set(_EXTRA["glued"].split())
    glued -= {"ring", "hof", "pad", "lia", "roa", "moen", "lei"}  # English words end so ("During", "Sofia")
    return {"after": sorted(after), "before": sorted(before), "glued": sorted(glued)}


def main() -> None:
    """Write the file."""
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

"""Generate palermo/monitoring/data/unterm_names.csv from the datasets/country-codes CSV.

Usage: .venv/bin/python scripts/gen_unterm_names.py PATH/TO/country-codes.csv
(https://github.com/datasets/country-codes, data/country-codes.csv; ODC PDDL). Keeps, for every
row that has UNTERM names, its ISO 3166-1 alpha-3 code and its UNTERM short and formal names in
the six UN languages, as UNTERM writes them ("Philippines (the)", "Afghanistan (l')"), without
the asterisks UNTERM adds to non-member States ("Holy See (the) *"). Rows without any UNTERM name
(territories, and States whose row the dataset left empty) are left out: name_history.yaml in
the same folder gives the names of those Palermo needs.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

LANGUAGES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
    "zh": "Chinese",
    "ar": "Arabic",
}
OUT = (
    Path(__file__).resolve().parent.parent / "palermo" / "monitoring" / "data" / "unterm_names.csv"
)
_MARKS = re.compile(r"\s*\*+$")


def clean(name: str) -> str:
    return _MARKS.sub("", " ".join(name.split()))


def main(source: Path, out_path: Path = OUT) -> int:
    with source.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    header = ["iso3"] + [
        "{}_{}".format(code, kind) for code in LANGUAGES for kind in ("short", "formal")
    ]
    out = []
    for row in rows:
        names = []
        for language in LANGUAGES.values():
            names.append(clean(row["UNTERM {} Short".format(language)]))
            names.append(clean(row["UNTERM {} Formal".format(language)]))
        if not any(names):
            continue
        if not all(names):
            print("{}: some UNTERM names are empty".format(row["ISO3166-1-Alpha-3"]))
        out.append([row["ISO3166-1-Alpha-3"], *names])
    out.sort()
    with out_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out)
    print("{} rows written to {}".format(len(out), out_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

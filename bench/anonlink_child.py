"""clkhash + anonlink on the benchmark's files (issue 16's reference for privacy-preserving
linkage), run by `bench_linkage.py` in its own virtual environment (.venv-anonlink: anonlink
pins versions of cryptography and numpy that Palermo's environment cannot take).

Usage: anonlink_child.py OUT.csv FILE.csv [FILE.csv ...]. Every file is a party: its records
are encoded as cryptographic long-term keys (CLKs, one 1,024-bit Bloom filter per record, bigrams
of each field, as clkhash's own example schema encodes names), candidate pairs are those of Dice
at least THRESHOLD across parties, solved by anonlink's greedy solver (one record per party in a
match group). Prints {"seconds", "peak_mb"} as JSON; writes rec_id,cluster_id,file.
"""

from __future__ import annotations

import csv
import json
import resource
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import anonlink  # type: ignore[import-not-found]
from clkhash import clk  # type: ignore[import-not-found]
from clkhash.schema import from_json_dict  # type: ignore[import-not-found]

THRESHOLD = 0.8
FIELDS = (
    ("given_name", 2, 15),
    ("middle_name", 2, 10),
    ("family_name", 2, 15),
    ("alias", 2, 10),
    ("sex", 1, 30),
    ("dob", 1, 30),
    ("citizenship", 2, 10),
    ("birth_place", 2, 10),
    ("doc_no", 2, 15),
    ("address", 2, 5),
)


def schema() -> Any:
    features: list[dict[str, Any]] = [{"identifier": "rec_id", "ignored": True}]
    for name, n, bits in FIELDS:
        features.append(
            {
                "identifier": name,
                "format": {"type": "string", "encoding": "utf-8", "case": "lower"},
                "hashing": {
                    "comparison": {"type": "ngram", "n": n, "positional": name == "dob"},
                    "strategy": {"bitsPerToken": bits},
                    "hash": {"type": "blakeHash"},
                    "missingValue": {"sentinel": ""},
                },
            }
        )
    return from_json_dict(
        {
            "version": 3,
            "clkConfig": {
                "l": 1024,
                "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64},
            },
            "features": features,
        }
    )


def main(out: str, paths: list[str]) -> int:
    start = time.perf_counter()
    spec = schema()
    secret = secrets.token_hex(32)  # a new one per run, as for Palermo's exercises
    ids: list[list[str]] = []
    clks = []
    for path in paths:
        with Path(path).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        ids.append([r["rec_id"] for r in rows])
        pii = [[r["rec_id"], *((r.get(f) or "").lower() for f, _n, _b in FIELDS)] for r in rows]
        clks.append(clk.generate_clks(pii, spec, secret, validate=False, max_workers=1))
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        clks, anonlink.similarities.dice_coefficient_accelerated, THRESHOLD
    )
    groups = anonlink.solving.greedy_solve(candidates)
    seconds = time.perf_counter() - start
    cluster: dict[tuple[int, int], str] = {}
    for number, group in enumerate(groups):
        for dataset, record in group:
            cluster[(dataset, record)] = "g{}".format(number)
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("rec_id", "cluster_id", "file"))
        for d, (path, rec_ids) in enumerate(zip(paths, ids, strict=True)):
            for r, rec_id in enumerate(rec_ids):
                writer.writerow(
                    (rec_id, cluster.get((d, r), "s{}-{}".format(d, r)), Path(path).name)
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "candidates": len(candidates[0])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2:]))

"""`make bench-linkage` (issue 16): Palermo's record linkage, in the clear and through its
privacy-preserving encodings (`--pprl`), next to Splink and to clkhash + anonlink on the same
records, in the same run.

Sets:
- `hard`: records as they reach anti-trafficking registers (bench/linkgen.py: nine language
  groups, native scripts and several romanisations, swapped names, dates as years, placeholders
  or estimated ages, duplicates within sources, siblings and common-name collisions as hard
  negatives), BENCH_LINKAGE_RECORDS records (default 10,000), seed BENCH_LINKAGE_SEED (16);
- `febrl4`: FEBRL data sets 4a and 4b (../shared/data/linkage/febrl: 5,000 persons in each,
  one record per person per file);
- `scale`: the hard kind, the first persons whose records reach BENCH_LINKAGE_SCALE (default
  100,000): time and peak memory.

Palermo runs as `palermo linkage files` runs (files_link, in a child process whose peak
resident memory is read); Splink 5 (DuckDB) runs with the comparisons and blocking rules of its
own documentation for person data on the raw columns, trained as its tutorials train (u by
random sampling, m by EM on two blocking rules), clustered at 0.5 by its connected components.
Pairwise precision, recall and F1, and B-cubed F1, against the truth.

Goals (issue 16): hard pairwise F1 >= 0.85 and B-cubed F1 >= 0.93; FEBRL4 F1 >= 0.998 with the
model's own threshold; PPRL within 0.03 pair F1 of the clear; 100,000 records linked and
clustered in < 60 s with < 1 GB peak memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import linkgen  # noqa: E402
from benchlib import env_int  # noqa: E402
from linkscore import Scores, scores  # noqa: E402

from palermo.linkage.records import COLUMNS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FEBRL = ROOT.parent / "shared" / "data" / "linkage" / "febrl"
FEBRL_HEADER = ("rec_id", "given_name", "family_name", "dob", "doc_no", "address")
# clkhash and anonlink live in their own virtual environment (their pins of cryptography and
# numpy are older than Palermo's): `make bench-linkage` makes it.
ANONLINK_PYTHON = Path(
    os.environ.get("BENCH_ANONLINK_PYTHON", ROOT / ".venv-anonlink" / "bin" / "python")
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _valid_date(text: str) -> bool:
    """FEBRL's dates are sometimes not dates (19990230): left empty, as a register would."""
    try:
        dt.datetime.strptime(text, "%Y%m%d")  # noqa: DTZ007 - a date, no time
    except ValueError:
        return False
    return True


def febrl_files(work: Path) -> tuple[list[Path], dict[tuple[str, str], str]]:
    """FEBRL 4a and 4b in the files' columns (the address as one `address`), and the truth."""
    paths, truth = [], {}
    for name in ("dataset4a.csv", "dataset4b.csv"):
        with (FEBRL / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, skipinitialspace=True))
        path = work / name
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(FEBRL_HEADER)
            for r in rows:
                dob = r["date_of_birth"].strip()
                valid = _valid_date(dob)
                address = " ".join(
                    r[c] for c in ("street_number", "address_1", "address_2", "suburb", "postcode")
                )
                address += " " + r["state"]
                writer.writerow(
                    (
                        r["rec_id"],
                        r["given_name"],
                        r["surname"],
                        "{}-{}-{}".format(dob[:4], dob[4:6], dob[6:]) if valid else "",
                        r["soc_sec_id"],
                        address,
                    )
                )
                truth[(name, r["rec_id"])] = r["rec_id"].split("-")[1]
        paths.append(path)
    return paths, truth


def hard_truth(work: Path) -> dict[tuple[str, str], str]:
    with (work / "truth.csv").open(encoding="utf-8") as handle:
        return {(r["file"], r["rec_id"]): r["person"] for r in csv.DictReader(handle)}


# --- Palermo, in a child process -------------------------------------------------------------


def palermo_child(paths: list[str], out: str, flags: str) -> int:
    import django  # noqa: PLC0415

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.settings.test")
    django.setup()
    from palermo.linkage.files import files_link  # noqa: PLC0415

    start = time.perf_counter()
    report = files_link(
        [Path(p) for p in paths],
        Path(out),
        link_only="link_only" in flags,
        private="pprl" in flags,
    )
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "peak_mb": peak_mb(),
                "candidates": report.candidates,
            }
        )
    )
    return 0


def child_run(
    tool: str, paths: list[Path], work: Path, *, link_only: bool, pprl: bool = False
) -> dict[str, Any]:
    """Run `tool` ("--child": Palermo, "--splink": Splink, "--anonlink": clkhash and anonlink)
    on `paths` in a child process: its time, peak memory and clusters ({(file, rec_id):
    cluster_id})."""
    out = work / "{}-clusters.csv".format(tool.strip("-"))
    flags = ",".join(f for f, on in (("link_only", link_only), ("pprl", pprl)) if on) or "-"
    if tool == "--anonlink":
        args = [str(ANONLINK_PYTHON), str(Path(__file__).parent / "anonlink_child.py"), str(out)]
    else:
        args = [sys.executable, __file__, tool, out.as_posix(), flags]
    done = subprocess.run(  # noqa: S603 - this script
        [*args, *map(str, paths)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    with out.open(encoding="utf-8") as handle:
        result["clusters"] = {
            (r["file"], r["rec_id"]): r["cluster_id"] for r in csv.DictReader(handle)
        }
    return result


def palermo_run(
    paths: list[Path], work: Path, *, link_only: bool = False, pprl: bool = False
) -> dict[str, Any]:
    return child_run("--child", paths, work, link_only=link_only, pprl=pprl)


def anonlink_run(paths: list[Path], work: Path) -> dict[str, Any] | None:
    """clkhash + anonlink (bench/anonlink_child.py) in their own environment, or None where
    it is not installed (`make bench-linkage` installs it)."""
    if not ANONLINK_PYTHON.exists():
        return None
    return child_run("--anonlink", paths, work, link_only=True)


# --- Splink as its documentation configures it, in a child process --------------------------


def splink_child(paths: list[str], out: str, flags: str) -> int:
    link_only = "link_only" in flags
    import pandas as pd  # type: ignore[import-untyped]  # noqa: PLC0415
    import splink.comparison_library as cl  # noqa: PLC0415
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on  # noqa: PLC0415

    start = time.perf_counter()
    frames = []
    for i, p in enumerate(paths):
        df = pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)
        df["unique_id"] = ["{}|{}".format(i, r) for r in df["rec_id"]]
        df["file"] = Path(p).name
        for column in COLUMNS:
            if column not in df:
                df[column] = None
        frames.append(df)
    db = DuckDBAPI()
    comparisons: list[Any] = [
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.ExactMatch("sex"),
        cl.ExactMatch("citizenship"),
        cl.JaroWinklerAtThresholds("birth_place"),
        cl.LevenshteinAtThresholds("doc_no", [1, 2]),
    ]
    if frames[0]["address"].notna().any() if "address" in frames[0] else False:
        comparisons.append(cl.JaroWinklerAtThresholds("address"))
    settings = SettingsCreator(
        link_type="link_only" if link_only else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("family_name"),
            block_on("dob"),
            block_on("doc_no"),
        ],
    )
    if link_only:
        linker = Linker([db.register(f) for f in frames], settings, log_level=None)
    else:
        linker = Linker(db.register(pd.concat(frames, ignore_index=True)), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    ).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    seconds = time.perf_counter() - start
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("rec_id", "cluster_id", "file"))
        names = [Path(p).name for p in paths]
        for uid, cluster_id in zip(clusters["unique_id"], clusters["cluster_id"], strict=True):
            index, rec_id = uid.split("|", 1)
            writer.writerow((rec_id, cluster_id, names[int(index)]))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "candidates": 0}))
    return 0


def splink_run(paths: list[Path], work: Path, *, link_only: bool = False) -> dict[str, Any]:
    return child_run("--splink", paths, work, link_only=link_only)


# --- The table ------------------------------------------------------------------------------


def scored(result: dict[str, Any], truth: dict[tuple[str, str], str]) -> Scores:
    predicted = dict(result["clusters"])
    for key in truth:  # a tool that leaves a record out has put it alone
        predicted.setdefault(key, "alone:{}:{}".format(*key))
    return scores(predicted, truth)


def line(set_name: str, tool: str, result: dict[str, Any], s: Scores | None) -> list[str]:
    cells = [
        set_name,
        tool,
        "{:.1f} s".format(result["seconds"]),
        "{:.0f} MB".format(result["peak_mb"]),
    ]
    if s is None:
        return [*cells, "", "", "", ""]
    return [
        *cells,
        "{:.3f}".format(s.pair_precision),
        "{:.3f}".format(s.pair_recall),
        "**{:.3f}**".format(s.pair_f1),
        "{:.3f}".format(s.bcubed_f1),
    ]


Run = tuple[str, Scores | None, dict[str, Any]]


def compare(
    paths: list[Path],
    truth: dict[tuple[str, str], str],
    work: Path,
    *,
    link_only: bool = False,
    tools: tuple[str, ...] = ("Palermo", "Palermo PPRL", "Splink 5", "clkhash + anonlink"),
) -> list[Run]:
    """The tools on one set of files (in the same run), scored: (tool, scores, result)."""
    runs: list[Run] = []
    for tool in tools:
        if tool == "Splink 5":
            result: dict[str, Any] | None = splink_run(paths, work, link_only=link_only)
        elif tool == "clkhash + anonlink":
            result = anonlink_run(paths, work)
        else:
            result = palermo_run(paths, work, link_only=link_only, pprl=tool.endswith("PPRL"))
        if result is not None:
            runs.append((tool, scored(result, truth), result))
    return runs


def main() -> int:
    records = env_int("BENCH_LINKAGE_RECORDS", 10_000, minimum=100)
    scale = env_int("BENCH_LINKAGE_SCALE", 100_000, minimum=0)
    seed = env_int("BENCH_LINKAGE_SEED", 16)
    rows: list[list[str]] = []
    notes: list[str] = []
    if not ANONLINK_PYTHON.exists():
        notes.append("clkhash + anonlink not run: {} is missing".format(ANONLINK_PYTHON))
    with tempfile.TemporaryDirectory(prefix="bench-linkage-") as tmp:
        work = Path(tmp)
        hard = work / "hard"
        paths = linkgen.write(hard, records, seed)
        truth = hard_truth(hard)
        runs = compare(paths, truth, hard)
        rows += [line("hard {:,}".format(len(truth)), t, r, s) for t, s, r in runs]
        clear, private = runs[0][1], runs[1][1]
        assert clear is not None and private is not None
        notes.append(
            "hard: PPRL pair F1 {:.3f} vs {:.3f} in the clear, a difference of {:.3f} (goal: "
            "within 0.03); B-cubed F1 {:.3f} vs {:.3f}".format(
                private.pair_f1,
                clear.pair_f1,
                clear.pair_f1 - private.pair_f1,
                private.bcubed_f1,
                clear.bcubed_f1,
            )
        )
        if FEBRL.exists():
            febrl = work / "febrl"
            febrl.mkdir()
            fpaths, ftruth = febrl_files(febrl)
            runs = compare(fpaths, ftruth, febrl, tools=("Palermo",))
            rows += [line("FEBRL4 dedupe", t, r, s) for t, s, r in runs]
            runs = compare(fpaths, ftruth, febrl, link_only=True)
            rows += [line("FEBRL4 link only", t, r, s) for t, s, r in runs]
        else:
            notes.append("FEBRL4 not run: {} is missing".format(FEBRL))
        if scale:
            big = work / "scale"
            bpaths = linkgen.write(big, scale, seed + 1, at_least=True)
            btruth = hard_truth(big)
            runs = compare(bpaths, btruth, big, tools=("Palermo", "Palermo PPRL", "Splink 5"))
            rows += [line("scale {:,}".format(len(btruth)), t, r, s) for t, s, r in runs]
            ours_big, theirs_big = runs[0][2], runs[2][2]
            notes.append(
                "scale: Palermo {:.1f} s, {:.0f} MB peak (goal < 60 s, < 1,024 MB); "
                "ratio to Splink's time {:.2f}x".format(
                    ours_big["seconds"],
                    ours_big["peak_mb"],
                    ours_big["seconds"] / theirs_big["seconds"],
                )
            )
    header = ["set", "tool", "time", "peak memory", "pair P", "pair R", "pair F1", "B-cubed F1"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--child", "--splink"):  # child_run
        child = palermo_child if sys.argv[1] == "--child" else splink_child
        raise SystemExit(child(sys.argv[4:], sys.argv[2], sys.argv[3]))
    raise SystemExit(main())

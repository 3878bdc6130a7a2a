"""`palermo linkage files`: link CSV files of person records without loading them into the case
database (issue 16). Every record of every file gets a cluster: records in one cluster are, by
the model, the same person (duplicates within one file included)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from palermo.core.progress import Progress
from palermo.linkage import clusters, model, pprl, records

OUTPUT_COLUMNS = ("rec_id", "cluster_id", "file")
STEPS = 4


@dataclass(frozen=True)
class FilesReport:
    records: int
    clusters: int
    linked_records: int
    candidates: int
    matches: int
    prior: float


def _sources(paths: Sequence[Path]) -> list[str]:
    """The name of each file in the output: its file name, or its path where names repeat."""
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [str(p) for p in paths]


def files_link(
    paths: Sequence[Path],
    out: Path,
    *,
    link_only: bool = False,
    private: bool = False,
    progress: Progress | None = None,
) -> FilesReport:
    """Link the records of `paths` and write `rec_id,cluster_id,file` for each to `out` (written
    whole or not at all). Raises records.RecordError for a file that cannot be linked.

    `private`: link through the privacy-preserving encodings (`pprl`), as nodes would: each
    file is a party that learns its spellings from its own records and encodes them under the
    run's secret (new for every run); the model sees the encodings only."""
    if not paths:
        raise records.RecordError(_("no file to link"))
    if link_only and len(paths) < 2:
        raise records.RecordError(_("--link-only needs at least two files"))
    tell = progress or (lambda _done, _total: None)
    tell(0, STEPS)
    read: list[tuple[str, str]] = []  # (rec_id, file) of each record, in order

    def each(path: Path, source: str) -> Iterator[records.Record]:
        for record in records.read_csv(path, source):
            read.append((record.rec_id, record.source))
            yield record

    pairs = list(zip(paths, _sources(paths), strict=True))
    if private:
        exercise = pprl.Exercise.new()
        joined: dict[str, list[object]] = {}
        for path, source in pairs:
            for column, values in pprl.encode(
                records.local_columns(each(path, source)), exercise
            ).items():
                joined.setdefault(column, []).extend(values)
        held = [records.finish(joined)]
        bits: int | None = exercise.bits
    else:
        held = [records.frame(record for path, source in pairs for record in each(path, source))]
        bits = None
    count = len(held[0])
    tell(1, STEPS)
    if count < 2:
        labels = np.arange(count)
        scored = None
    else:
        try:
            scored = model.score(held, link_only=link_only, pprl_bits=bits)
        except model.TooFewError as exc:
            raise records.RecordError(str(exc)) from exc
        tell(2, STEPS)
        threshold = clusters.threshold_for(
            count, scored.left, scored.right, scored.probability, scored.threshold
        )
        labels = clusters.cluster(
            count, scored.left, scored.right, scored.probability, threshold=threshold
        )
    tell(3, STEPS)
    # Cluster ids numbered from 1 in the order of the records' first appearance.
    numbers: dict[int, int] = {}
    ids = [numbers.setdefault(int(label), len(numbers) + 1) for label in labels.tolist()]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=".linkage-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for (rec_id, source), cluster_id in zip(read, ids, strict=True):
                writer.writerow((rec_id, "c{}".format(cluster_id), source))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    tell(STEPS, STEPS)
    sizes = np.bincount(np.array(ids))
    return FilesReport(
        records=count,
        clusters=len(numbers),
        linked_records=int(sizes[sizes > 1].sum()),
        candidates=scored.candidates if scored else 0,
        matches=int((scored.probability >= scored.threshold).sum()) if scored else 0,
        prior=scored.prior if scored else 0.0,
    )

"""What reviewers decided carries over to the next exercise with the same node (issue 16):
a pair confirmed as one person comes back confirmed, a pair rejected as two is not put forward
again, whatever the model makes of the new encodings.

Pseudonyms are new in every exercise, so that one exercise's encodings cannot be joined to
another's. Only for a person who was already in a pair with that node's persons does the node
say, with the person's new encoding, which pair it was: the earlier exercise, its own pseudonym
and the other node's there, and its reviewers' decision (`labels_for`). The matching node finds
its own side of that pair, its own person and decision, and that person's new pseudonym
(`carried`). The other node learns nothing it did not know: that pair was put to both.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from palermo.linkage.models import Decision, Encoding, Exercise, ExercisePerson, Match

# Earlier pairs named with one encoded record, at most.
MAX_LABELS = 20
MAX_PSEUDONYM = 20


def labels_for(exercise: Exercise) -> dict[str, list[list[str]]]:
    """For each of this node's pseudonyms in `exercise`, the pairs earlier exercises with the
    same node put its person in: [exercise, this node's pseudonym then, the other node's, this
    node's decision], the latest exercises first."""
    current = dict(
        ExercisePerson.objects.filter(exercise=exercise).values_list("person_id", "pseudonym")
    )
    out: dict[str, list[list[str]]] = defaultdict(list)
    earlier = (
        Match.objects.filter(exercise__node=exercise.node, other__isnull=True)
        .exclude(exercise=exercise)
        .order_by("-exercise__created_at", "pk")
        .values_list("exercise_id", "ours__person_id", "ours__pseudonym", "theirs", "decision")
    )
    for exercise_id, person, then, theirs, decision in earlier:
        now = current.get(person)
        if now is not None and len(out[now]) < MAX_LABELS:
            out[now].append([str(exercise_id), then, theirs, decision])
    return dict(out)


def labels_check(value: object) -> list[list[str]]:
    """The labels of a received encoded record (ValueError naming what is wrong)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LABELS:
        raise ValueError("earlier pairs")
    for label in value:
        if (
            not isinstance(label, list)
            or len(label) != 4
            or not all(isinstance(part, str) for part in label)
            or any(len(part) > MAX_PSEUDONYM for part in label[1:3])
            or label[3] not in Decision.values
        ):
            raise ValueError("earlier pairs")
        uuid.UUID(label[0])
    return [list(label) for label in value]


def _together(here: str, there: str) -> str | None:
    """The decision on a pair from both nodes' reviewers: one decision where the other has none
    or agrees, none where they contradict each other (both review the pair again)."""
    decided = {d for d in (here, there) if d != Decision.PENDING}
    return decided.pop() if len(decided) == 1 else None


def carried(
    exercise: Exercise, ours: Sequence[Encoding], theirs: Sequence[Encoding]
) -> dict[tuple[int, int], str]:
    """{(index in `ours`, index in `theirs`): decision} for the pairs of this exercise that
    earlier exercises with the same node put forward and someone decided (the matching node's
    step: `theirs` carry the other node's labels)."""
    person_of = dict(
        ExercisePerson.objects.filter(exercise=exercise).values_list("pseudonym", "person_id")
    )
    person_at = {person_of[row.pseudonym]: i for i, row in enumerate(ours)}
    wanted: list[tuple[int, list[str]]] = [
        (j, label) for j, row in enumerate(theirs) for label in (row.labels or [])
    ]
    if not wanted:
        return {}
    exercises = {label[0] for _j, label in wanted}
    mine: dict[tuple[str, str, str], tuple[uuid.UUID, str]] = {
        (str(e), t, o): (p, d)
        for e, t, o, p, d in Match.objects.filter(
            exercise_id__in=exercises, exercise__node=exercise.node, other__isnull=True
        ).values_list("exercise_id", "theirs", "ours__pseudonym", "ours__person_id", "decision")
    }
    out: dict[tuple[int, int], str] = {}
    for j, (exercise_id, their_then, our_then, their_decision) in wanted:
        found = mine.get((exercise_id, their_then, our_then))
        if found is None or found[0] not in person_at:
            continue
        decision = _together(found[1], their_decision)
        if decision is not None:
            out.setdefault((person_at[found[0]], j), decision)
    return out

"""Background tasks of the linkage app (django.tasks; run by `palermo db_worker`): the steps of
an exercise between two nodes that follow a message from the other node."""

from __future__ import annotations

from django.tasks import task

from palermo.linkage import exchange


@task()
def encodings_send(exercise_id: str) -> int:
    """Encode this node's persons and send them (the proposer, once the exercise is accepted)."""
    return exchange.encodings_send(exercise_id)


@task()
def matches_find(exercise_id: str) -> int:
    """Link the two sets of encodings and send the matches back (once every part has come)."""
    return exchange.matches_find(exercise_id)

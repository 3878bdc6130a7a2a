"""What States say they need, read from their replies (issue 17): a question's `palermo_need`
(an XLSForm column) says what a yes or a choice in its answer states.

`palermo_need` is `THEME` or `THEME/PROFESSION`, each a code of the clearing house's lists or
`*`, "the answer's choices":

- on a yes/no question, `protocol-art-10/judges`: a yes states a need for training of judges
  on the Protocol's article 10; `protocol-art-6`: a yes states a need on article 6 for any
  profession;
- on a question of one or several choices, `*`: the choices are themes, each chosen one a
  need; `untoc-art-18/*`: the choices are professions, each chosen one a need on that theme.

The codes belong to the clearing house (`activities`), which registers them here at start-up
(`register_vocabulary`): monitoring does not import the app above it. A need is read from a
State's reply once the secretariat accepted it; everyone reads those of a round whose report
is published, a signed-in user also those of the rounds they may see (`round_list`): read
by `selectors_needs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from palermo.monitoring.choices import QuestionKind

if TYPE_CHECKING:
    from palermo.monitoring.xlsform import FormPlan

ANY = "*"  # the answer's choices
# Filled by the clearing house at start-up: the codes of its themes and professions.
_VOCABULARY: list[Callable[[], tuple[frozenset[str], frozenset[str]]]] = []


def register_vocabulary(vocabulary: Callable[[], tuple[frozenset[str], frozenset[str]]]) -> None:
    """The codes a `palermo_need` may name: (themes, professions)."""
    if vocabulary not in _VOCABULARY:
        _VOCABULARY.append(vocabulary)


def _codes() -> tuple[frozenset[str], frozenset[str]]:
    themes: set[str] = set()
    professions: set[str] = set()
    for vocabulary in _VOCABULARY:
        t, p = vocabulary()
        themes |= t
        professions |= p
    return frozenset(themes), frozenset(professions)


def parts(need: str) -> tuple[str, str]:
    theme, _sep, profession = need.partition("/")
    return theme.strip(), profession.strip()


def need_check(plan: FormPlan) -> None:
    """Every `palermo_need` of a form is well formed, names known codes and fits its question;
    ApplicationError naming the question otherwise."""
    # Not at the top: this module is imported when the clearing house starts (its vocabulary),
    # and the XLSForm reader brings pyxform and NumPy (statistics/tests/test_startup.py).
    from palermo.monitoring.xlsform import refused  # noqa: PLC0415

    themes, professions = _codes()
    lists: dict[str, set[str]] = {}
    for c in plan.choices:
        lists.setdefault(c.list_name, set()).add(c.name)
    for q in plan.questions:
        if not q.need:
            continue
        if not themes:
            raise refused(q.name, _("palermo_need: this node has no clearing house"))
        theme, profession = parts(q.need)
        if theme == ANY and profession == ANY:
            raise refused(q.name, _("palermo_need: the choices are themes or professions"))
        if theme != ANY and theme not in themes:
            raise refused(
                q.name,
                _("palermo_need: '{}' is not a theme; the themes are {}").format(
                    theme, ", ".join(sorted(themes))
                ),
            )
        if profession and profession != ANY and profession not in professions:
            raise refused(
                q.name,
                _("palermo_need: '{}' is not a profession; the professions are {}").format(
                    profession, ", ".join(sorted(professions))
                ),
            )
        if ANY in (theme, profession):
            if q.kind not in (QuestionKind.SELECT_ONE, QuestionKind.SELECT_MULTIPLE):
                raise refused(
                    q.name, _("palermo_need with * is for a question of one or several choices")
                )
            allowed = themes if theme == ANY else professions
            unknown = sorted(lists.get(q.choice_list, set()) - allowed)
            if unknown:
                raise refused(
                    q.name,
                    _("palermo_need: the choices {} are not codes of the list").format(
                        ", ".join(unknown)
                    ),
                )
        elif q.kind != QuestionKind.YES_NO:
            raise refused(q.name, _("palermo_need without * is for a yes/no question"))

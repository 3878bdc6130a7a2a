"""Reads of the registry, every public name importable from `palermo.registry.selectors`.

- `facts`: single kinds of facts (instruments, mechanisms, memberships, legislation, treaty
  actions, the directory) and the "as of" date;
- `positions`: a state's position on an instrument as of a date (shared by the two below);
- `parties`: who is bound as of a date and from when the instrument is in force for them;
- `conflicts`: where sources disagree;
- `standing`: party, signatory or no record (never "not bound" when the registry does not
  know), and how current the registry is per instrument;
- `pages`: what each registry page shows.
"""

from palermo.registry.selectors.conflicts import (
    CLAIM_DESCRIPTIONS,
    Conflict,
    conflict_list,
    instrument_conflicts,
)
from palermo.registry.selectors.facts import (
    active_membership_q,
    as_of_or_today,
    country_list,
    directory_list,
    instrument_get,
    instrument_list,
    legislation_list,
    mechanism_get,
    mechanism_list,
    member_codes,
    membership_list,
    parse_as_of,
    registry_counts,
    treaty_action_get,
    treaty_action_list,
)
from palermo.registry.selectors.pages import (
    MATRIX_INSTRUMENTS,
    country_overview,
    country_page,
    country_profile,
    directory_page,
    instrument_overview,
    instrument_page,
    mechanism_overview,
    mechanism_page,
    parties_page,
)
from palermo.registry.selectors.parties import (
    EntryIntoForce,
    PartyRow,
    general_entry_into_force,
    parties,
    ratification_matrix,
    state_entry_into_force,
)
from palermo.registry.selectors.standing import (
    NO_RECORD,
    STANDINGS,
    Standing,
    coverage,
    coverage_map,
    no_record_text,
    standing,
    standing_from_row,
    standings_for_country,
)

__all__ = [
    "CLAIM_DESCRIPTIONS",
    "MATRIX_INSTRUMENTS",
    "NO_RECORD",
    "STANDINGS",
    "Standing",
    "coverage",
    "coverage_map",
    "no_record_text",
    "standing",
    "standing_from_row",
    "standings_for_country",
    "Conflict",
    "EntryIntoForce",
    "PartyRow",
    "active_membership_q",
    "as_of_or_today",
    "conflict_list",
    "country_list",
    "country_overview",
    "country_page",
    "country_profile",
    "directory_list",
    "directory_page",
    "general_entry_into_force",
    "instrument_conflicts",
    "instrument_get",
    "instrument_list",
    "instrument_overview",
    "instrument_page",
    "legislation_list",
    "mechanism_get",
    "mechanism_list",
    "mechanism_overview",
    "mechanism_page",
    "member_codes",
    "membership_list",
    "parse_as_of",
    "parties",
    "parties_page",
    "ratification_matrix",
    "registry_counts",
    "state_entry_into_force",
    "treaty_action_get",
    "treaty_action_list",
]

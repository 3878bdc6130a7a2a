"""Disclosure control for published statistics: suppression, differential privacy, k-anonymity.

Pure functions and dataclasses (no Django models); the privacy budget ledger lives in the
statistics app's models and services.

- :func:`suppress` - primary and secondary suppression of n-dimensional frequency tables with
  all marginal totals (MILP with HiGHS; LP moves inside boxes and hypercubes for big tables;
  Tau-Argus behind the same call);
  :func:`audit` gives the intervals an attacker derives from a published table and
  :func:`unprotected` the primary cells it could narrow too much (none, for a safe table).
- :func:`dp_histogram` - a differentially private histogram (OpenDP) over the full cross
  product of categories with bounded contributions per person.
- :func:`k_anonymity` - k of a record-level extract (pycanon).
"""

from .anonymity import k_anonymity
from .privacy import DPRelease, dp_histogram
from .suppression import SuppressionResult, audit, primary_cells, suppress, unprotected
from .tables import TOTAL, Key, Table

__all__ = [
    "TOTAL",
    "DPRelease",
    "Key",
    "SuppressionResult",
    "Table",
    "audit",
    "dp_histogram",
    "k_anonymity",
    "primary_cells",
    "suppress",
    "unprotected",
]

"""XLSForm expressions evaluated as ODK does for the forms States answer; what Palermo cannot
evaluate is refused when the form is imported."""

from __future__ import annotations

import math

import pytest

from palermo.core.errors import ApplicationError
from palermo.monitoring.expressions import ExpressionError, evaluate, holds, parse, references
from palermo.monitoring.tests.forms import SURVEY, workbook
from palermo.monitoring.xlsform import read_xlsform

ANSWERS = {
    "has_law": "yes",
    "victims": "14",
    "budget": "2.5",
    "measures": "campaign hotline",
    "plan_date": "2004-06-30",
    "empty": "",
    "name": "Serbia and Montenegro",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${has_law} = 'yes'", True),
        ("${has_law} != 'yes'", False),
        ("${victims} > 10 and ${victims} <= 14", True),
        ("${victims} > 10 and ${budget} > 3", False),
        ("${victims} > 100 or ${budget} >= 2.5", True),
        ("not(${has_law} = 'no')", True),
        ("selected(${measures}, 'hotline')", True),
        ("selected(${measures}, 'shelter')", False),
        ("count-selected(${measures}) = 2", True),
        ("string-length(${name}) > 20", True),
        ("${empty} = ''", True),
        ("${empty} > 0", False),  # no answer is not a number: the comparison is false
        ("${empty} < 0", False),
        ("${plan_date} > '2004-01-01'", True),
        ("${plan_date} < '2004-01-01'", False),
        ("${victims} + 6 = 20", True),
        ("${victims} * 2 div 4 = 7", True),
        ("${victims} mod 5 = 4", True),
        ("-${victims} < 0", True),
        ("(${victims} > 100 or ${has_law} = 'yes') and true()", True),
        ("if(${has_law} = 'yes', ${victims}, 0) = 14", True),
        ("contains(${name}, 'Montenegro') and starts-with(${name}, 'Serbia')", True),
        ("regex(${plan_date}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')", True),
        ("coalesce(${empty}, 'x') = 'x'", True),
        ("concat(${has_law}, '-', ${victims}) = 'yes-14'", True),
        ("int(${budget}) = 2 and number(${victims}) = 14", True),
        ("", True),
    ],
)
def test_expressions_are_evaluated_as_odk_does(text: str, expected: bool) -> None:
    assert holds(text, ANSWERS) is expected


def test_the_current_answer_is_the_dot() -> None:
    assert holds(". >= 0", ANSWERS, "3") is True
    assert holds(". >= 0", ANSWERS, "-1") is False
    assert holds(". >= 0 and . < ${victims}", ANSWERS, "20") is False
    assert holds("string-length(.) <= 5", ANSWERS, "abcdef") is False
    assert math.isnan(float(evaluate(parse("${victims} div 0"), ANSWERS)))


def test_the_references_of_an_expression() -> None:
    assert references(parse("${a} = 1 and (selected(${b}, 'x') or not(${c}))")) == {"a", "b", "c"}
    assert references(parse(". > 0")) == set()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("jr:choice-name(${a}, '${a}') = 'x'", "jr:choice-name() is not one Palermo evaluates"),
        ("pulldata('x', 'y', 'z', 'w')", "pulldata() is not one Palermo evaluates"),
        ("${a} = ", "ends too early"),
        ("${a} = 1 1", "unexpected '1'"),
        ("selected(${a})", "selected() takes 2 argument(s), not 1"),
        ("(${a} = 1", "ends too early"),
        ("${a} # 1", "cannot read"),
    ],
)
def test_what_cannot_be_evaluated_is_refused_by_name(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_a_form_with_an_expression_palermo_cannot_evaluate_is_refused() -> None:
    row = [
        "text",
        "x",
        "X",
        "X",
        "",
        "",
        "",
        "string-length(.) < 10 and pulldata('a','b','c','d')",
        "",
        "",
    ]
    with pytest.raises(ApplicationError, match="x: constraint: the function pulldata"):
        read_xlsform(workbook(survey=[*SURVEY, row]), "f.xlsx")

"""XLSForm expressions (`relevant`, `constraint`), evaluated as ODK's JavaRosa does, for the
subset questionnaires to States use.

An expression is parsed once (`parse`) into a tree of tuples and evaluated (`evaluate`) against
the answers given so far: `${name}` is another question's answer, `.` the answer being checked.
Answers are what a form holds: text; numbers; dates as "YYYY-MM-DD"; a choice's name; several
choices separated by spaces; "" for no answer. Comparisons are numeric when either side is a
number (an empty answer is then not a number, and the comparison false), string comparisons
otherwise, as XPath 1.0 has them.

Taken: `or`, `and`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `div`, `mod`, unary `-`,
parentheses, string and number literals, and the functions of `FUNCTIONS`. Anything else is
refused when the form is imported (`ExpressionError` naming it), so that a form Palermo keeps
is one it can evaluate.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

Value = str | float | bool
Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[A-Za-z_][\w.\-]*\})|(?P<number>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<string>'[^']*'|\"[^\"]*\")|(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][\w\-]*(?::[A-Za-z_][\w\-]*)?)|(?P<dot>\.))"
)
_BINARY = [("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod")]


class ExpressionError(ValueError):
    """An expression that cannot be parsed, or that uses what Palermo does not evaluate."""


def _number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip()) if value.strip() else math.nan
    except ValueError:
        return math.nan


def _string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() else str(value)
    return value


def truth(value: Value) -> bool:
    """XPath's boolean(): a number other than 0 and NaN, a non-empty string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (math.isnan(value) or value == 0)
    return value != ""


def _args(count: int | tuple[int, int]) -> tuple[int, int]:
    return (count, count) if isinstance(count, int) else count


# name -> (number of arguments, or (least, most); the function of the evaluated arguments)
FUNCTIONS: dict[str, tuple[int | tuple[int, int], Callable[..., Value]]] = {
    "not": (1, lambda a: not truth(a)),
    "true": (0, lambda: True),
    "false": (0, lambda: False),
    "selected": (2, lambda a, b: _string(b) in _string(a).split()),
    "count-selected": (1, lambda a: float(len(_string(a).split()))),
    "string-length": (1, lambda a: float(len(_string(a)))),
    "contains": (2, lambda a, b: _string(b) in _string(a)),
    "starts-with": (2, lambda a, b: _string(a).startswith(_string(b))),
    "regex": (2, lambda a, b: re.search(_string(b), _string(a)) is not None),
    "concat": ((1, 99), lambda *a: "".join(_string(x) for x in a)),
    "number": (1, _number),
    "int": (1, lambda a: float(math.trunc(_number(a))) if not math.isnan(_number(a)) else math.nan),
    "string": (1, _string),
    "boolean": (1, truth),
    "coalesce": (2, lambda a, b: a if truth(a) else b),
    "if": (3, lambda c, a, b: a if truth(c) else b),
    "today": (0, lambda: dt.date.today().isoformat()),  # noqa: DTZ011 - the form's calendar day
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            found = _TOKEN.match(text, pos)
            if found is None or found.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise ExpressionError(
                    _("cannot read '{}' at '{}'").format(text, text[pos:].strip()[:20])
                )
            kind = found.lastgroup or ""
            self.tokens.append((kind, found.group(kind)))
            pos = found.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(_("'{}' ends too early").format(self.text))
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token[1] != value:
            raise ExpressionError(
                _("'{}': expected '{}' at '{}'").format(self.text, value, token[1])
            )

    def binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while (
            (token := self.peek()) is not None
            and token[1] in _BINARY[level]
            and token[0] in ("op", "name")
        ):
            self.take()
            left = ("op", token[1], left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token == ("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "ref":
            return ("ref", value[2:-1])
        if kind == "dot":
            return ("self",)
        if kind == "number":
            return ("lit", float(value))
        if kind == "string":
            return ("lit", value[1:-1])
        if kind == "op" and value == "(":
            inner = self.binary(0)
            self.expect(")")
            return inner
        if kind == "name" and self.peek() == ("op", "("):
            return self.call(value)
        raise ExpressionError(_("'{}': unexpected '{}'").format(self.text, value))

    def call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise ExpressionError(_("the function {}() is not one Palermo evaluates").format(name))
        self.expect("(")
        args: list[Node] = []
        if self.peek() != ("op", ")"):
            args.append(self.binary(0))
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.binary(0))
        self.expect(")")
        least, most = _args(FUNCTIONS[name][0])
        if not least <= len(args) <= most:
            raise ExpressionError(
                _("{}() takes {} argument(s), not {}").format(name, least, len(args))
            )
        return ("call", name, *args)


def parse(text: str) -> Node:
    """The tree of an expression; ExpressionError naming what cannot be taken."""
    parser = _Parser(text)
    if not parser.tokens:
        return ("lit", True)
    tree = parser.binary(0)
    if parser.peek() is not None:
        raise ExpressionError(_("'{}': unexpected '{}'").format(text, parser.peek()[1]))  # type: ignore[index]  # peek() is not None here
    return tree


def references(tree: Node) -> set[str]:
    """The names of the questions an expression reads."""
    if tree[0] == "ref":
        return {tree[1]}
    return set().union(*(references(n) for n in tree[1:] if isinstance(n, tuple)))


def _compare(op: str, a: Value, b: Value) -> bool:
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            same = truth(a) == truth(b)
        elif isinstance(a, float) or isinstance(b, float):
            same = _number(a) == _number(b)
        else:
            same = a == b
        return same if op == "=" else not same
    x, y = _number(a), _number(b)
    if math.isnan(x) or math.isnan(y):
        if isinstance(a, str) and isinstance(b, str) and a and b:  # dates and texts
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _arith(op: str, a: Value, b: Value) -> float:
    x, y = _number(a), _number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        return math.nan
    return x / y if op == "div" else math.fmod(x, y)


def evaluate(tree: Node, answers: Mapping[str, Value], current: Value = "") -> Value:  # noqa: PLR0911 - one return per kind of node
    """The value of an expression's tree given the answers (by question name; a missing one is
    "") and the answer being checked (`.`)."""
    kind = tree[0]
    if kind == "lit":
        return tree[1]  # type: ignore[no-any-return]  # a literal's value
    if kind == "ref":
        return answers.get(tree[1], "")
    if kind == "self":
        return current
    if kind == "neg":
        return -_number(evaluate(tree[1], answers, current))
    if kind == "call":
        return FUNCTIONS[tree[1]][1](*(evaluate(a, answers, current) for a in tree[2:]))
    op, left, right = tree[1], tree[2], tree[3]
    if op == "or":
        return truth(evaluate(left, answers, current)) or truth(evaluate(right, answers, current))
    if op == "and":
        return truth(evaluate(left, answers, current)) and truth(evaluate(right, answers, current))
    a, b = evaluate(left, answers, current), evaluate(right, answers, current)
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return _compare(op, a, b)
    return _arith(op, a, b)


def holds(text: str, answers: Mapping[str, Value], current: Value = "") -> bool:
    """Whether an expression is true for these answers (an empty expression is)."""
    return truth(evaluate(parse(text), answers, current)) if text.strip() else True

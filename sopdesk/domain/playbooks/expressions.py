"""Conditions and amounts in playbooks, e.g. `item.value > desk.limits.high_value_item`.

Parsed with `ast` and walked over a whitelist of nodes; no `eval`, no calls, no dunder access.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sopdesk.domain.facts import AUDIENCE_FACTS, FACTS, RUN_NAMES
from sopdesk.errors import InvalidInput

MAX_LENGTH = 500
_CONSTANTS = {"true": True, "false": False, "none": None, "True": True, "False": False}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: b is not None and a in b,
    ast.NotIn: lambda a, b: b is None or a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class ExpressionError(InvalidInput):
    """An expression that cannot be read or evaluated, with what is wrong in words."""


# The names an expression may start with: the fact model, and the run's own values.
ROOTS = frozenset({*FACTS, *AUDIENCE_FACTS, *RUN_NAMES})


def unknown_fact(root: str, attr: str | None = None) -> str | None:
    """Why `root` (or `root.attr`) is not a fact of the model; None when it is one."""
    if root not in ROOTS:
        return f"there is no fact '{root}' (facts: {', '.join(sorted(ROOTS))})"
    attrs = FACTS.get(root) or AUDIENCE_FACTS.get(root)
    if attr is not None and attrs and attr not in attrs:
        return f"there is no fact '{root}.{attr}' ({root} has {', '.join(sorted(attrs))})"
    return None


def _date_arithmetic(op: ast.operator, left: Any, right: Any) -> Any:
    """A date minus a date is a number of days; a number added to or taken from a date is
    days, so `today - order.delivered > 30` reads "delivered more than 30 days ago"."""
    if isinstance(op, ast.Sub) and isinstance(left, date) and isinstance(right, date):
        return Decimal((left - right).days)
    if isinstance(left, date) and isinstance(right, Decimal) and isinstance(op, ast.Add | ast.Sub):
        shift = timedelta(days=int(right))
        return left + shift if isinstance(op, ast.Add) else left - shift
    return _ARITHMETIC[type(op)](left, right)


def _number(value: Any) -> Any:
    # Money arrives as Decimal, float or numeric text; compare them as Decimals.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _lookup(value: Any, name: str) -> Any:
    if name.startswith("_"):
        raise ExpressionError(f"'{name}' cannot be read in an expression")
    if isinstance(value, Mapping):
        return value.get(name)
    return None


class _Evaluator:
    def __init__(self, names: Mapping[str, Any]) -> None:
        self.names = names

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
            return node.value
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            if (why := unknown_fact(node.id)) is not None:
                raise ExpressionError(why)
            return _lookup(self.names, node.id)
        if isinstance(node, ast.Attribute):
            root = node.value.id if isinstance(node.value, ast.Name) else None
            if root is not None and root not in _CONSTANTS:
                why = unknown_fact(root, node.attr)
                if why is not None:
                    raise ExpressionError(why)
            return _lookup(self.eval(node.value), node.attr)
        if isinstance(node, ast.BoolOp):
            values = (self.eval(v) for v in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not self.eval(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = _number(self.eval(node.operand))
            return None if value is None else -value
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = _number(self.eval(node.left)), _number(self.eval(node.right))
            if left is None or right is None:
                return None
            try:
                return _date_arithmetic(node.op, left, right)
            except (TypeError, ArithmeticError) as exc:
                raise ExpressionError(f"cannot compute: {exc}") from None
        if isinstance(node, ast.List | ast.Tuple):
            return [self.eval(e) for e in node.elts]
        raise ExpressionError(f"'{type(node).__name__}' is not allowed in an expression")

    def _compare(self, node: ast.Compare) -> bool:
        left = _number(self.eval(node.left))
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _number(self.eval(right_node))
            if isinstance(right, list):
                right = [_number(r) for r in right]
            ordering = not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn)
            # An unknown value (no item, no limit set) makes an ordering comparison false.
            if ordering and (left is None or right is None):
                return False
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                raise ExpressionError(
                    f"cannot compare {type(left).__name__} with {type(right).__name__}"
                ) from None
            left = right
        return True


def parse_expression(source: str) -> ast.Expression:
    """The parsed expression; raises ExpressionError naming what is wrong."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"an expression may be at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"'{source}' is not an expression: {exc.msg}") from None
    return tree


def evaluate(source: str, names: Mapping[str, Any]) -> Any:
    """The value of `source` over `names` (nested mappings, read with dots)."""
    return _Evaluator(names).eval(parse_expression(source))


def holds(source: str, names: Mapping[str, Any]) -> bool:
    return bool(evaluate(source, names))


def knows(source: str, names: Mapping[str, Any]) -> bool:
    """Whether every name `source` reads has a value (a guard over an unknown fails closed)."""
    for node in ast.walk(parse_expression(source)):
        if isinstance(node, ast.Attribute | ast.Name) and not isinstance(
            getattr(node, "ctx", None), ast.Store
        ):
            if isinstance(node, ast.Name) and node.id in _CONSTANTS:
                continue
            if _Evaluator(names).eval(node) is None:
                return False
    return True

"""The condition and effect language: small, typed, checked at compile time, never ``eval``.

An expression is parsed once, type-checked against the story's declared variables,
and turned into a closure over the state's value tuple, so the engine evaluates a
condition with a few Python calls and no interpretation overhead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "Effect",
    "Evaluator",
    "ExpressionError",
    "Scope",
    "Value",
    "VariableType",
    "compile_condition",
    "compile_effects",
]

Value = int | bool | str
Evaluator = Callable[[Sequence[Value], Sequence[int]], Value]

_MAX_LENGTH = 2000
_MAX_DEPTH = 60
_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<int>\d+)|(?P<str>'[^'\\]*')|(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>==|!=|<=|>=|\+=|-=|[<>=+\-*();,])""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false"}


class ExpressionError(Exception):
    """A syntax or type error; ``offset`` is the 0-based column inside the expression."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class VariableType:
    """What the checker knows of a declared variable."""

    index: int
    kind: str  # "int" | "bool" | "enum"
    minimum: int = 0
    maximum: int = 0
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scope:
    """The names an expression may use: variables, and scenes that ``visits()`` may count."""

    variables: dict[str, VariableType]
    scenes: frozenset[str]
    tracked: dict[str, int]  # scene id -> index in State.visits, filled in as visits() are found


@dataclass(frozen=True, slots=True)
class Effect:
    """One compiled assignment: ``variable op value``; ints are clamped when applied."""

    variable: str
    index: int
    operator: str  # "=", "+=", "-="
    value: Evaluator
    constant: Value | None  # the value when it does not depend on the state
    reads: frozenset[str] = frozenset()  # variables and "visits:scene" markers the value reads


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenize(source: str) -> list[_Token]:
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {_MAX_LENGTH} characters", 0)
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            char = source[position]
            hint = " (strings use single quotes)" if char == '"' else ""
            raise ExpressionError(f"unexpected character {char!r}{hint}", position)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


@dataclass(slots=True)
class _Typed:
    """A compiled sub-expression: its type, closure and (if constant) its value."""

    type: str  # "int" | "bool" | "str" | "enum:<variable>"
    run: Evaluator
    constant: Value | None
    offset: int
    literal: str | None = None  # for string literals, their text


class _Parser:
    def __init__(self, source: str, scope: Scope) -> None:
        self.tokens = _tokenize(source)
        self.position = 0
        self.scope = scope
        self.depth = 0

    # --- token helpers -------------------------------------------------
    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text:
            found = token.text or "end of expression"
            raise ExpressionError(f"expected {text!r} but found {found!r}", token.offset)
        return token

    def at_end(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {token.text!r}", token.offset)

    # --- grammar -------------------------------------------------------
    def expression(self) -> _Typed:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("expression is nested too deeply", self.peek().offset)
        try:
            return self._or()
        finally:
            self.depth -= 1

    def _or(self) -> _Typed:
        left = self._and()
        while self.peek().text == "or":
            token = self.take()
            left = _logic("or", left, self._and(), token.offset)
        return left

    def _and(self) -> _Typed:
        left = self._not()
        while self.peek().text == "and":
            token = self.take()
            left = _logic("and", left, self._not(), token.offset)
        return left

    def _not(self) -> _Typed:
        if self.peek().text == "not":
            token = self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise ExpressionError("expression is nested too deeply", token.offset)
            inner = self._not()
            self.depth -= 1
            _require(inner, "bool", "'not'")
            run = inner.run
            const = None if inner.constant is None else not inner.constant
            return _Typed("bool", lambda v, s: not run(v, s), const, token.offset)
        return self._comparison()

    def _comparison(self) -> _Typed:
        left = self._sum()
        if self.peek().text in {"==", "!=", "<", "<=", ">", ">="}:
            token = self.take()
            right = self._sum()
            return _compare(token.text, left, right, token.offset)
        return left

    def _sum(self) -> _Typed:
        left = self._product()
        while self.peek().text in {"+", "-"}:
            token = self.take()
            left = _arithmetic(token.text, left, self._product(), token.offset)
        return left

    def _product(self) -> _Typed:
        left = self._unary()
        while self.peek().text == "*":
            token = self.take()
            left = _arithmetic("*", left, self._unary(), token.offset)
        return left

    def _unary(self) -> _Typed:
        if self.peek().text == "-":
            token = self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise ExpressionError("expression is nested too deeply", token.offset)
            inner = self._unary()
            self.depth -= 1
            zero = _Typed("int", lambda v, s: 0, 0, token.offset)
            return _arithmetic("-", zero, inner, token.offset)
        return self._atom()

    def _atom(self) -> _Typed:
        token = self.take()
        if token.kind == "int":
            number = int(token.text)
            return _Typed("int", lambda v, s: number, number, token.offset)
        if token.kind == "str":
            text = token.text[1:-1]
            return _Typed("str", lambda v, s: text, text, token.offset, literal=text)
        if token.text in {"true", "false"}:
            flag = token.text == "true"
            return _Typed("bool", lambda v, s: flag, flag, token.offset)
        if token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "name" and token.text not in _KEYWORDS:
            if self.peek().text == "(":
                return self._call(token)
            return self._variable(token)
        found = token.text or "end of expression"
        raise ExpressionError(f"expected a value but found {found!r}", token.offset)

    def _variable(self, token: _Token) -> _Typed:
        variable = self.scope.variables.get(token.text)
        if variable is None:
            raise ExpressionError(
                _unknown("variable", token.text, self.scope.variables), token.offset
            )
        index = variable.index
        kind = f"enum:{token.text}" if variable.kind == "enum" else variable.kind
        return _Typed(kind, lambda v, s: v[index], None, token.offset)

    def _call(self, token: _Token) -> _Typed:
        if token.text not in {"visits", "seen"}:
            raise ExpressionError(
                f"unknown function {token.text!r} (known: visits, seen)", token.offset
            )
        self.expect("(")
        argument = self.take()
        if argument.kind != "str":
            raise ExpressionError(
                f"{token.text}() takes a scene id in single quotes", argument.offset
            )
        self.expect(")")
        scene = argument.text[1:-1]
        if scene not in self.scope.scenes:
            raise ExpressionError(f"{token.text}() names unknown scene {scene!r}", argument.offset)
        slot = self.scope.tracked.setdefault(scene, len(self.scope.tracked))
        if token.text == "seen":
            return _Typed("bool", lambda v, s: s[slot] > 0, None, token.offset)
        return _Typed("int", lambda v, s: s[slot], None, token.offset)

    def effects(self) -> list[Effect]:
        effects: list[Effect] = []
        while self.peek().kind != "end":
            effects.append(self._effect())
            if self.peek().text == ";":
                self.take()
            elif self.peek().kind != "end":
                raise ExpressionError(
                    f"expected ';' between effects, found {self.peek().text!r}", self.peek().offset
                )
        if not effects:
            raise ExpressionError("empty effect list", 0)
        return effects

    def _effect(self) -> Effect:
        name = self.take()
        if name.kind != "name" or name.text in _KEYWORDS:
            raise ExpressionError(f"expected a variable name, found {name.text!r}", name.offset)
        variable = self.scope.variables.get(name.text)
        if variable is None:
            raise ExpressionError(
                _unknown("variable", name.text, self.scope.variables), name.offset
            )
        operator = self.take()
        if operator.text not in {"=", "+=", "-="}:
            raise ExpressionError(
                f"expected '=', '+=' or '-=' after {name.text!r}, found {operator.text!r}",
                operator.offset,
            )
        start = self.position
        value = self.expression()
        reads = _reads(self.tokens[start : self.position], self.scope)
        declared = f"enum:{name.text}" if variable.kind == "enum" else variable.kind
        if operator.text != "=" and variable.kind != "int":
            raise ExpressionError(f"{operator.text!r} needs an int variable", operator.offset)
        _check_assignable(name.text, variable, declared, value)
        return Effect(name.text, variable.index, operator.text, value.run, value.constant, reads)


def _reads(tokens: list[_Token], scope: Scope) -> frozenset[str]:
    """Variables, and ``visits:<scene>`` for visit counters, that these tokens read."""
    found = {t.text for t in tokens if t.kind == "name" and t.text in scope.variables}
    for i, token in enumerate(tokens[:-2]):
        if token.text in {"visits", "seen"} and tokens[i + 2].kind == "str":
            found.add("visits:" + tokens[i + 2].text[1:-1])
    return frozenset(found)


def _unknown(what: str, name: str, known: dict[str, VariableType]) -> str:
    names = ", ".join(sorted(known)) or "none declared"
    return f"unknown {what} {name!r} (declared: {names})"


def _require(node: _Typed, kind: str, where: str) -> None:
    if node.type != kind:
        raise ExpressionError(f"{where} needs {kind}, got {_describe(node.type)}", node.offset)


def _describe(kind: str) -> str:
    return f"enum ({kind[5:]})" if kind.startswith("enum:") else kind


def _logic(operator: str, left: _Typed, right: _Typed, offset: int) -> _Typed:
    _require(left, "bool", f"'{operator}'")
    _require(right, "bool", f"'{operator}'")
    lrun, rrun = left.run, right.run
    if operator == "and":
        run: Evaluator = lambda v, s: bool(lrun(v, s)) and bool(rrun(v, s))  # noqa: E731
    else:
        run = lambda v, s: bool(lrun(v, s)) or bool(rrun(v, s))  # noqa: E731
    const = None
    if left.constant is not None and right.constant is not None:
        const = run((), ())
    return _Typed("bool", run, const, left.offset)


_ARITHMETIC: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
_COMPARE: dict[str, Callable[[Value, Value], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def _arithmetic(operator: str, left: _Typed, right: _Typed, offset: int) -> _Typed:
    _require(left, "int", f"'{operator}'")
    _require(right, "int", f"'{operator}'")
    apply, lrun, rrun = _ARITHMETIC[operator], left.run, right.run
    run: Evaluator = lambda v, s: apply(int(lrun(v, s)), int(rrun(v, s)))  # noqa: E731
    const = None
    if left.constant is not None and right.constant is not None:
        const = apply(int(left.constant), int(right.constant))
        if abs(const) > 10**12:
            raise ExpressionError("number is too large", offset)
    return _Typed("int", run, const, left.offset)


def _compare(operator: str, left: _Typed, right: _Typed, offset: int) -> _Typed:
    if operator in {"<", "<=", ">", ">="}:
        _require(left, "int", f"{operator!r}")
        _require(right, "int", f"{operator!r}")
    else:
        _check_same_type(left, right, operator, offset)
    test, lrun, rrun = _COMPARE[operator], left.run, right.run
    run: Evaluator = lambda v, s: test(lrun(v, s), rrun(v, s))  # noqa: E731
    const = None
    if left.constant is not None and right.constant is not None:
        const = test(left.constant, right.constant)
    return _Typed("bool", run, const, left.offset)


def _check_same_type(left: _Typed, right: _Typed, operator: str, offset: int) -> None:
    kinds = {left.type, right.type}
    if len(kinds) == 1:
        return
    enums = [k for k in kinds if k.startswith("enum:")]
    if len(enums) == 1 and "str" in kinds:
        return  # the literal's membership is checked by _check_enum_literals
    raise ExpressionError(
        f"cannot compare {_describe(left.type)} with {_describe(right.type)} using {operator!r}",
        offset,
    )


def _check_assignable(name: str, variable: VariableType, declared: str, value: _Typed) -> None:
    if variable.kind == "enum":
        if value.type == "str":
            if value.literal not in variable.values:
                raise ExpressionError(
                    f"{value.literal!r} is not one of {name}'s values "
                    f"({', '.join(variable.values)})",
                    value.offset,
                )
            return
        if value.type.startswith("enum:") and value.type == declared:
            return
    elif value.type == declared:
        return  # constant ranges are checked by compile_effects
    raise ExpressionError(
        f"cannot assign {_describe(value.type)} to {name} ({variable.kind})", value.offset
    )


def compile_condition(source: str, scope: Scope) -> tuple[Evaluator, set[str], bool | None]:
    """Parse and type-check a condition: its closure, what it reads (see _reads), its constant."""
    parser = _Parser(source, scope)
    node = parser.expression()
    parser.at_end()
    _require(node, "bool", "a condition")
    _check_enum_literals(parser.tokens, scope)
    constant = None if node.constant is None else bool(node.constant)
    return node.run, set(_reads(parser.tokens, scope)), constant


def compile_effects(source: str, scope: Scope) -> list[Effect]:
    """Parse and type-check ``a = 1; b += 2``; out-of-range constant assignments are errors."""
    parser = _Parser(source, scope)
    effects = parser.effects()
    _check_enum_literals(parser.tokens, scope)
    seen: set[str] = set()
    for effect in effects:
        variable = scope.variables[effect.variable]
        offset = next(t.offset for t in parser.tokens if t.text == effect.variable)
        if effect.variable in seen:
            raise ExpressionError(f"{effect.variable} is assigned twice in one effect list", offset)
        seen.add(effect.variable)
        if variable.kind == "int" and effect.operator == "=" and effect.constant is not None:
            number = int(effect.constant)
            if not variable.minimum <= number <= variable.maximum:
                raise ExpressionError(
                    f"{effect.variable} = {number} is outside its range "
                    f"{variable.minimum}..{variable.maximum}",
                    offset,
                )
    return effects


def _check_enum_literals(tokens: list[_Token], scope: Scope) -> None:
    """A string compared with an enum must be one of its values: catches typos like 'sistr'."""
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text not in scope.variables:
            continue
        variable = scope.variables[token.text]
        if variable.kind != "enum":
            continue
        for neighbour in (i - 2, i + 2):
            if 0 <= neighbour < len(tokens) and tokens[neighbour].kind == "str":
                between = tokens[min(i, neighbour) + 1].text
                literal = tokens[neighbour].text[1:-1]
                if between in {"==", "!=", "="} and literal not in variable.values:
                    raise ExpressionError(
                        f"{literal!r} is not one of {token.text}'s values "
                        f"({', '.join(variable.values)})",
                        tokens[neighbour].offset,
                    )

"""The expression language: evaluation, static errors with columns, and fuzzing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passage.story.expressions import (
    ExpressionError,
    Scope,
    VariableType,
    compile_condition,
    compile_effects,
)

SCOPE = Scope(
    variables={
        "money": VariableType(0, "int", 0, 5),
        "flag": VariableType(1, "bool"),
        "who": VariableType(2, "enum", values=("nobody", "sister")),
    },
    scenes=frozenset({"wait", "river"}),
    tracked={},
)
VALUES = (3, True, "sister")


def evaluate(source: str, values: tuple[int | bool | str, ...] = VALUES) -> object:
    scope = Scope(SCOPE.variables, SCOPE.scenes, {})
    run, _, _ = compile_condition(source, scope)
    return run(values, (2,) * len(scope.tracked))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("money >= 3", True),
        ("money > 3", False),
        ("money + 2 * 3 == 9", True),
        ("-money < 0", True),
        ("(money - 1) * 2 == 4", True),
        ("flag and who == 'sister'", True),
        ("not flag or money == 0", False),
        ("who != 'nobody'", True),
        ("visits('wait') == 2", True),
        ("seen('river')", True),
        ("true", True),
        ("not not false", False),
    ],
)
def test_conditions_evaluate(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "column", "words"),
    [
        ("mony > 1", 0, "unknown variable 'mony'"),
        ("money and flag", 0, "'and' needs bool"),
        ("money == flag", 6, "cannot compare int with bool"),
        ("who == 'sistr'", 7, "'sistr' is not one of who's values"),
        ('who == "sister"', 7, "single quotes"),
        ("money >", 7, "expected a value"),
        ("money > 1 1", 10, "unexpected '1'"),
        ("visits('nowhere') > 0", 7, "unknown scene 'nowhere'"),
        ("len(who)", 0, "unknown function 'len'"),
        ("money", 0, "a condition needs bool"),
        ("(money > 1", 10, "expected ')'"),
        ("flag < true", 0, "'<' needs int"),
    ],
)
def test_condition_errors_name_the_column(source: str, column: int, words: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_condition(source, Scope(SCOPE.variables, SCOPE.scenes, {}))
    assert words in caught.value.message
    assert caught.value.offset == column


def test_effects_compile_with_constants() -> None:
    effects = compile_effects("money -= 2; flag = false; who = 'nobody'", SCOPE)
    assert [(e.variable, e.operator, e.constant) for e in effects] == [
        ("money", "-=", 2),
        ("flag", "=", False),
        ("who", "=", "nobody"),
    ]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("money = 9", "outside its range 0..5"),
        ("flag += 1", "needs an int variable"),
        ("who = 'aunt'", "not one of who's values"),
        ("money = true", "cannot assign bool to money"),
        ("money = 1; money = 2", "assigned twice"),
        ("money 1", "expected '=', '+=' or '-='"),
        ("", "empty effect list"),
        ("ghost = 1", "unknown variable 'ghost'"),
    ],
)
def test_effect_errors(source: str, words: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(words)):
        compile_effects(source, SCOPE)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_condition("(" * 500 + "true" + ")" * 500, SCOPE)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_condition("not " * 300 + "true", SCOPE)


def test_overlong_expression_is_refused() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        compile_condition("true or " * 400 + "true", SCOPE)


ALPHABET = st.sampled_from(
    [
        "money",
        "flag",
        "who",
        "'sister'",
        "'x'",
        "1",
        "0",
        "true",
        "not",
        "and",
        "or",
        "(",
        ")",
        "==",
        "!=",
        "<",
        ">=",
        "+",
        "-",
        "*",
        ";",
        "=",
        "+=",
        "visits('wait')",
        "seen(",
        '"',
        "@",
        " ",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(ALPHABET, max_size=14).map(" ".join))
def test_fuzz_tokens_only_raise_expression_error(source: str) -> None:
    for compile_ in (compile_condition, compile_effects):
        try:
            compile_(source, Scope(SCOPE.variables, SCOPE.scenes, {}))
        except ExpressionError as error:
            assert 0 <= error.offset <= len(source)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_text_only_raises_expression_error(source: str) -> None:
    try:
        run, _, _ = compile_condition(source, Scope(SCOPE.variables, SCOPE.scenes, {}))
    except ExpressionError:
        return
    assert isinstance(run(VALUES, (0, 0)), bool)

"""Fixture stories for the odds tests: small folders with hand-computed answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from passage.story import Story, StoryError, compile_story
from tests.conftest import ESCAPE

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Story:
    return compile_story(FIXTURES / name)


@pytest.fixture(scope="session")
def escape() -> Story:
    """The flagship, or a skip while it is being written and does not compile."""
    try:
        return compile_story(ESCAPE)
    except StoryError as error:
        pytest.skip(f"stories/escape does not compile yet: {error}")

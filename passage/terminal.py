"""The terminal player: the story in a text console, driven by the same ``view`` as the web.

Input is read through a callable so tests (and tmux sessions) can script a whole
journey; Ctrl-D or ``q`` leaves quietly.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from passage.engine.state import State, new_state
from passage.engine.step import step
from passage.engine.view import View, view
from passage.story.model import Story

__all__ = ["TerminalPlayer"]

_HELP = "Type a number to choose, e1/e2… to open side material, s for sources, q to quit."


class TerminalPlayer:
    def __init__(self, story: Story, console: Console, ask: Callable[[str], str]) -> None:
        self.story = story
        self.console = console
        self.ask = ask

    def run(self, seed: int) -> State | None:
        """Play one journey; returns the final state, or None if the player quit."""
        state = new_state(self.story, seed)
        chapter = ""
        self.console.print(
            Panel(Text(self.story.summary or self.story.title), title=self.story.title)
        )
        while True:
            current = view(self.story, state)
            if current.chapter.id != chapter:
                chapter = current.chapter.id
                self.console.print(
                    Rule(f"Chapter {current.chapter.number}: {current.chapter.title}")
                )
            if not self._show(current):
                return None
            if current.is_ending:
                return state
            choice = self._choose(current)
            if choice is None:
                return None
            state = step(self.story, state, choice)

    def _show(self, current: View) -> bool:
        scene = current.scene
        if current.reveal is not None:
            percent = float(current.reveal.probability) * 100
            self.console.print(
                Text(f"Chance ({percent:.0f}%): {current.reveal.outcome.text}", style="italic")
            )
        self.console.print(Text(f"{scene.title}  ·  {current.waypoint.name}", style="bold"))
        read_full = True
        if scene.notes:
            for note in scene.notes:
                self.console.print(Panel(self.story.content_notes[note], title="Content note"))
            answer = self._input("Read this scene? [Y/n] ")
            if answer is None:
                return False
            read_full = not answer.strip().lower().startswith("n")
        if read_full:
            self.console.print(Markdown(scene.prose_text))
        elif scene.summary_html:
            self.console.print(Text("(Stepped past. In short:) " + _plain(scene.summary_html)))
        for fact in scene.facts:
            sources = ", ".join(fact.sources)
            self.console.print(
                Panel(Markdown(fact.text), title="Fact", subtitle=f"sources: {sources}")
            )
        if current.is_ending and current.ending is not None:
            self.console.print(Rule(current.ending.title))
            self.console.print(Markdown(_plain(current.epilogue_html)))
            self.console.print(Text("Sources: " + ", ".join(current.epilogue_sources), style="dim"))
        return True

    def _choose(self, current: View) -> int | None:
        explores = current.scene.explores
        for item in explores:
            self.console.print(
                Text(f"  e{explores.index(item) + 1}. Explore: {item.title}", style="cyan")
            )
        for number, offered in enumerate(current.choices, start=1):
            if offered.enabled:
                self.console.print(Text(f"  {number}. {offered.text}"))
            else:
                self.console.print(
                    Text(f"  {number}. {offered.text} — {offered.reason}", style="dim")
                )
        while True:
            answer = self._input("> ")
            if answer is None or answer.strip().lower() in {"q", "quit"}:
                return None
            answer = answer.strip().lower()
            if (
                answer.startswith("e")
                and answer[1:].isdigit()
                and 0 < int(answer[1:]) <= len(explores)
            ):
                item = explores[int(answer[1:]) - 1]
                label = "Composite testimony" if item.kind == "testimony" else item.kind.title()
                self.console.print(
                    Panel(
                        Markdown(_plain(item.html)),
                        title=f"{label}: {item.title}",
                        subtitle="sources: " + ", ".join(item.sources),
                    )
                )
                continue
            if answer == "s":
                self._sources(current)
                continue
            if answer.isdigit() and 0 < int(answer) <= len(current.choices):
                offered = current.choices[int(answer) - 1]
                if offered.enabled:
                    return offered.index
                self.console.print(Text(f"Not possible: {offered.reason}", style="yellow"))
                continue
            self.console.print(_HELP)

    def _sources(self, current: View) -> None:
        keys: list[str] = []
        for fact in current.scene.facts:
            keys += [k for k in fact.sources if k not in keys]
        for item in current.scene.explores:
            keys += [k for k in item.sources if k not in keys]
        if not keys:
            self.console.print("No sources on this page.")
        for key in keys:
            source = self.story.sources[key]
            self.console.print(
                Text(f"[{key}] {source.publisher}, {source.title} ({source.date}) {source.url}")
            )

    def _input(self, prompt: str) -> str | None:
        try:
            return self.ask(prompt)
        except (EOFError, KeyboardInterrupt):
            return None


def _plain(html: str) -> str:
    """Compile-time HTML back to readable text for the terminal (tags dropped, entities decoded)."""
    text = re.sub(r"</p>|<br\s*/?>|</li>|</tr>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return html_module.unescape(text).strip()

"""Turning one draft scene into a compiled :class:`Scene`: blocks, links, expressions, exit.

Every check that needs the whole story's declarations (variables, sources, notes,
waypoints, other scenes' ids) happens here, with the author's file:line:column.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from passage.story.attrs import Attributes
from passage.story.chapter import DraftBlock, DraftLink, DraftScene
from passage.story.config import StoryConfig
from passage.story.errors import Diagnostic, Location
from passage.story.expressions import (
    Effect,
    Evaluator,
    ExpressionError,
    Scope,
    compile_condition,
    compile_effects,
)
from passage.story.markdown import RenderResult, render_blocks, render_inline
from passage.story.model import (
    Chance,
    Choice,
    Choices,
    Ending,
    Exit,
    Explore,
    Fact,
    Jump,
    Outcome,
    Scene,
    Source,
)

__all__ = ["SceneBuilder", "split_keys"]

_SPLIT = re.compile(r"[\s,]+")
_EXPLORE_KINDS = ("fact", "testimony", "table", "picture")
_SCALE = 2**64


def split_keys(text: str) -> tuple[str, ...]:
    """``"a b, c"`` -> ``("a", "b", "c")``: key lists accept spaces or commas."""
    return tuple(k for k in _SPLIT.split(text.strip()) if k)


class SceneBuilder:
    def __init__(
        self,
        root: Path,
        config: StoryConfig,
        sources: dict[str, Source],
        scope: Scope,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.root = root
        self.config = config
        self.sources = sources
        self.scope = scope
        self.diagnostics = diagnostics
        self.file = ""
        self._media: list[tuple[str, str]] = []
        self._block_words = 0
        # Stories repeat expressions ("money >= 1") many times; compiled closures are pure,
        # so one compile per distinct text serves them all.
        self._conditions: dict[str, tuple[Evaluator, set[str], bool | None]] = {}
        self._effect_lists: dict[str, tuple[Effect, ...]] = {}

    # --- reporting ----------------------------------------------------------
    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic("error", code, message, location))

    def _value_location(
        self, attrs: Attributes, name: str, line_location: Location, extra: int = 0
    ) -> Location:
        column = attrs.offsets.get(name, 0) + 1 + extra
        return Location(line_location.file, line_location.line, column)

    # --- scene --------------------------------------------------------------
    def build(self, draft: DraftScene, file: str, chapter: str, chapter_waypoint: str) -> Scene:
        self.file = file
        self._media = []
        self._block_words = 0
        attrs, where = draft.attrs, draft.location
        unknown = set(attrs.values) - {"waypoint", "notes", "set", "ending"}
        for name in sorted(unknown):
            self.error(
                "attributes",
                f"unknown scene attribute {name!r} (known: waypoint, notes, set, ending)",
                self._value_location(attrs, name, where),
            )
        waypoint = attrs.values.get("waypoint", chapter_waypoint)
        if waypoint not in self.config.waypoints:
            self.error(
                "waypoint",
                f"unknown waypoint {waypoint!r}",
                self._value_location(attrs, "waypoint", where),
            )
        notes = split_keys(attrs.values.get("notes", ""))
        for note in notes:
            if note not in self.config.content_notes:
                known = ", ".join(sorted(self.config.content_notes)) or "none declared"
                self.error(
                    "content-note",
                    f"unknown content note {note!r} (declared: {known})",
                    self._value_location(attrs, "notes", where),
                )
        on_enter = self._effects(attrs, where)
        prose = self._render(render_blocks(draft.prose), where)
        facts, explores, summary, epilogue = self._side_blocks(draft)
        exit_ = self._exit(draft, epilogue)
        media = tuple(self._media)
        words = _words(prose.text) + sum(_words(f.text) for f in facts) + self._block_words
        return Scene(
            id=draft.id,
            title=draft.title,
            chapter=chapter,
            waypoint=waypoint,
            prose_html=prose.html,
            prose_text=prose.text,
            facts=tuple(facts),
            explores=tuple(explores),
            notes=notes,
            summary_html=summary,
            on_enter=on_enter,
            exit=exit_,
            media=media,
            location=where,
            word_count=words,
            reading_words=_words(prose.text)
            + sum(_words(f.text) for f in facts)
            + _exit_words(exit_),
        )

    def _render(self, result: RenderResult, where: Location) -> RenderResult:
        for issue in result.issues:
            location = where if issue.line < 0 else Location(self.file, issue.line + 1, 1)
            if issue.kind == "scene" and issue.target not in self.scope.scenes:
                self.error("dangling-link", f"link to unknown scene '#{issue.target}'", location)
            elif issue.kind == "bad-link":
                self.error(
                    "bad-link",
                    f"link {issue.target!r} is not allowed: prose links go to "
                    "'#scene-id' or an https:// address",
                    location,
                )
            elif issue.kind == "bad-image":
                self.error(
                    "bad-media",
                    f"picture {issue.target!r} must be a file under media/ in the story folder",
                    location,
                )
            elif issue.kind == "image":
                if not issue.alt.strip():
                    self.error(
                        "media-alt",
                        f"picture {issue.target!r} needs alt text: ![what it shows](…)",
                        location,
                    )
                if not (self.root / issue.target).is_file():
                    self.error(
                        "missing-media", f"picture file {issue.target!r} not found", location
                    )
                self._media.append((issue.target, issue.alt))
        return result

    # --- fact, explore, summary, epilogue --------------------------------------
    def _side_blocks(
        self, draft: DraftScene
    ) -> tuple[list[Fact], list[Explore], str, DraftBlock | None]:
        facts: list[Fact] = []
        explores: list[Explore] = []
        summary = ""
        epilogue: DraftBlock | None = None
        for block in draft.blocks:
            rendered = self._render(render_blocks(block.body), block.location)
            self._block_words += _words(rendered.text)
            if block.name == "fact":
                self._allowed(block, {"sources"})
                sources = self._sources(block, required=True)
                key = block.attrs.id or f"fact-{len(facts) + 1}"
                facts.append(
                    Fact(f"{draft.id}.{key}", rendered.html, rendered.text, sources, block.location)
                )
            elif block.name == "explore":
                explores.append(self._explore(draft, block, rendered, len(explores)))
            elif block.name == "summary":
                self._allowed(block, set())
                summary = rendered.html
            elif block.name == "epilogue":
                self._allowed(block, {"sources"})
                epilogue = block
        if summary and not draft.attrs.values.get("notes"):
            self.error(
                "summary", "a summary is for scenes with content notes (notes=…)", draft.location
            )
        return facts, explores, summary, epilogue

    def _explore(
        self, draft: DraftScene, block: DraftBlock, rendered: RenderResult, index: int
    ) -> Explore:
        self._allowed(block, {"sources", "kind"})
        kind = block.attrs.values.get("kind", "fact")
        if kind not in _EXPLORE_KINDS:
            self.error(
                "explore",
                f"explore kind {kind!r} must be one of {', '.join(_EXPLORE_KINDS)}",
                block.location,
            )
            kind = "fact"
        if not block.title.strip():
            self.error(
                "explore", 'an explore item needs a title: ::: explore "Title"', block.location
            )
        sources = self._sources(block, required=kind != "picture")
        key = block.attrs.id or f"explore-{index + 1}"
        return Explore(
            f"{draft.id}.{key}",
            block.title.strip(),
            kind,  # type: ignore[arg-type]
            rendered.html,
            sources,
            block.location,
        )

    def _allowed(self, block: DraftBlock, names: set[str]) -> None:
        for name in sorted(set(block.attrs.values) - names):
            self.error(
                "attributes", f"unknown attribute {name!r} on a {block.name} block", block.location
            )

    def _sources(self, block: DraftBlock | DraftLink, required: bool) -> tuple[str, ...]:
        keys = split_keys(block.attrs.values.get("sources", block.attrs.values.get("source", "")))
        what = block.name if isinstance(block, DraftBlock) else "chance outcome"
        if required and not keys:
            self.error(
                "unsourced", f'a {what} needs sources="key …" from sources.toml', block.location
            )
        for key in keys:
            if key not in self.sources:
                self.error(
                    "unknown-source",
                    f"unknown source key {key!r} (not in sources.toml)",
                    block.location,
                )
        return keys

    # --- the way out ------------------------------------------------------------
    def _exit(self, draft: DraftScene, epilogue: DraftBlock | None) -> Exit:
        ways = [b for b in draft.blocks if b.name in {"chance", "jump"}]
        ending = draft.attrs.values.get("ending")
        count = len(ways) + (draft.choices is not None) + (ending is not None)
        if count != 1:
            what = "has no way out" if count == 0 else "has more than one way out"
            self.error(
                "exit",
                f"scene {draft.id!r} {what}: end it with a choice list, a chance or "
                "jump block, or mark it ending=class",
                draft.location,
            )
        if ending is not None:
            return self._ending(draft, ending, epilogue)
        if epilogue is not None:
            self.error("epilogue", "only ending scenes have an epilogue", epilogue.location)
        if draft.choices is not None:
            return Choices(
                "choices",
                tuple(
                    self._choice(draft, link, i, "choice") for i, link in enumerate(draft.choices)
                ),
            )
        if ways and ways[0].name == "jump":
            return self._jump(draft, ways[0])
        if ways:
            return self._chance(draft, ways[0])
        return Choices("choices", ())

    def _ending(self, draft: DraftScene, klass: str, epilogue: DraftBlock | None) -> Ending:
        if klass not in self.config.endings:
            known = ", ".join(sorted(self.config.endings)) or "none declared"
            self.error(
                "ending-class",
                f"unknown ending class {klass!r} (declared: {known})",
                self._value_location(draft.attrs, "ending", draft.location),
            )
        if epilogue is None:
            self.error(
                "epilogue",
                f"ending scene {draft.id!r} needs an '::: epilogue {{sources=\"…\"}}' block",
                draft.location,
            )
            return Ending("ending", klass, "", (), draft.location)
        html = render_blocks(epilogue.body).html
        return Ending(
            "ending", klass, html, self._sources(epilogue, required=True), epilogue.location
        )

    def _choice(self, draft: DraftScene, link: DraftLink, index: int, kind: str) -> Choice:
        allowed = {"if", "else", "set"}
        for name in sorted(set(link.attrs.values) - allowed):
            self.error(
                "attributes",
                f"unknown attribute {name!r} on a {kind} (known: if, else, set)",
                link.location,
            )
        condition_source = link.attrs.values.get("if", "")
        condition: Evaluator | None = None
        reads: frozenset[str] = frozenset()
        if condition_source:
            condition, reads = self._condition(link.attrs, link.location)
        reason = link.attrs.values.get("else")
        if reason is not None and not condition_source:
            self.error(
                "attributes",
                "'else' gives the reason a condition is false: it needs 'if'",
                link.location,
            )
        text = self._render(render_inline(link.text), link.location)
        self._target(link)
        key = link.attrs.id or f"{kind}-{index + 1}"
        return Choice(
            f"{draft.id}.{key}",
            text.html,
            text.text,
            link.target,
            condition,
            condition_source,
            reason,
            self._effects(link.attrs, link.location),
            link.location,
            reads,
        )

    def _jump(self, draft: DraftScene, block: DraftBlock) -> Jump:
        self._allowed(block, set())
        branches = tuple(
            self._choice(draft, link, i, "branch") for i, link in enumerate(block.links)
        )
        for branch in branches[:-1]:
            if branch.reason is not None:
                self.error(
                    "jump",
                    "jump branches have no 'else': the next line is the else",
                    branch.location,
                )
        if branches and branches[-1].condition is not None:
            self.error(
                "jump",
                "the last line of a jump must have no 'if', so the jump always leads somewhere",
                branches[-1].location,
            )
        return Jump("jump", branches)

    def _chance(self, draft: DraftScene, block: DraftBlock) -> Chance:
        self._allowed(block, {"sources", "source", "rationale", "label"})
        block_sources = self._sources(block, required=False)
        rationale = block.attrs.values.get("rationale", "").strip()
        outcomes: list[Outcome] = []
        for index, link in enumerate(block.links):
            for name in sorted(set(link.attrs.values) - {"set", "sources", "source"}):
                self.error(
                    "attributes",
                    f"unknown attribute {name!r} on a chance outcome (known: set, sources)",
                    link.location,
                )
            probability = self._probability(link)
            sources = self._sources(link, required=False)
            if not (block_sources or rationale or sources):
                self.error(
                    "unsourced-chance",
                    "every chance outcome needs a source: give the block "
                    'sources="…" or rationale="…", or the outcome sources="…"',
                    link.location,
                )
            text = self._render(render_inline(link.text), link.location)
            self._target(link)
            key = link.attrs.id or f"outcome-{index + 1}"
            outcomes.append(
                Outcome(
                    f"{draft.id}.{key}",
                    probability,
                    text.html,
                    text.text,
                    link.target,
                    self._effects(link.attrs, link.location),
                    sources,
                    link.location,
                )
            )
        total = sum((o.probability for o in outcomes), Fraction(0))
        if outcomes and total != 1:
            self.error(
                "chance-sum", f"chance probabilities sum to {float(total):g}, not 1", block.location
            )
        thresholds: list[int] = []
        running = Fraction(0)
        for outcome in outcomes:
            running += outcome.probability
            thresholds.append(min(_SCALE, int(running * _SCALE)))
        if thresholds:
            thresholds[-1] = _SCALE
        label = block.attrs.values.get("label", "Continue")
        return Chance(
            "chance",
            label,
            tuple(outcomes),
            tuple(thresholds),
            block_sources,
            rationale,
            block.location,
        )

    def _probability(self, link: DraftLink) -> Fraction:
        text = (link.probability or "0").replace(" ", "")
        try:
            value = Fraction(text)
        except (ValueError, ZeroDivisionError):
            self.error("probability", f"{text!r} is not a probability", link.location)
            return Fraction(0)
        if not 0 < value <= 1:
            self.error(
                "probability", f"probability {text} must be above 0 and at most 1", link.location
            )
            return Fraction(0)
        return value

    def _target(self, link: DraftLink) -> None:
        if link.target not in self.scope.scenes:
            self.error(
                "dangling-link",
                f"'{link.text}' leads to unknown scene '#{link.target}'",
                Location(link.location.file, link.location.line, 1),
            )

    # --- expressions ------------------------------------------------------------
    def _condition(
        self, attrs: Attributes, where: Location
    ) -> tuple[Evaluator | None, frozenset[str]]:
        try:
            run, reads, constant = self._compiled_condition(attrs.values["if"])
        except ExpressionError as error:
            self.error(
                "expression",
                f"in if=: {error.message}",
                self._value_location(attrs, "if", where, error.offset),
            )
            return None, frozenset()
        if constant is not None:
            self.diagnostics.append(
                Diagnostic(
                    "warning",
                    "constant-condition",
                    f"condition {attrs.values['if']!r} is always {str(constant).lower()}",
                    self._value_location(attrs, "if", where),
                )
            )
        return run, frozenset(reads)

    def _compiled_condition(self, source: str) -> tuple[Evaluator, set[str], bool | None]:
        if source not in self._conditions:
            self._conditions[source] = compile_condition(source, self.scope)
        return self._conditions[source]

    def _compiled_effects(self, source: str) -> tuple[Effect, ...]:
        if source not in self._effect_lists:
            self._effect_lists[source] = tuple(compile_effects(source, self.scope))
        return self._effect_lists[source]

    def _effects(self, attrs: Attributes, where: Location) -> tuple[Effect, ...]:
        source = attrs.values.get("set")
        if source is None:
            return ()
        try:
            return self._compiled_effects(source)
        except ExpressionError as error:
            self.error(
                "expression",
                f"in set=: {error.message}",
                self._value_location(attrs, "set", where, error.offset),
            )
            return ()


def _exit_words(exit_: Exit) -> int:
    """Words a player reads on the way out: choice labels, or an ending's epilogue."""
    if isinstance(exit_, Ending):
        return _words(re.sub(r"<[^>]+>", " ", exit_.epilogue_html))
    if isinstance(exit_, Choices):
        return sum(_words(c.text) for c in exit_.choices)
    return 0


def _words(text: str) -> int:
    return len(text.split())

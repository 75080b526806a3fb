"""Which parts of a state can still matter, scene by scene (a liveness analysis).

A journey's future depends only on the variables and visit counts that some later
condition or effect reads. Two states that differ only in a value nothing will read
again have exactly the same odds, so the solver merges them: it resets such a
"dead" value to its initial value (a visit count to 0) before looking a state up.
Likewise a visit count that is only ever compared with small constants
(``visits('wait') < 3``, ``seen('call')``) is capped at the largest number any
comparison can tell apart. Without this, a story with eight variables and a dozen
counted scenes has tens of millions of reachable states that differ in nothing a
player could ever notice; with it, the odds of the flagship are a sub-second solve.

The analysis is conservative: an effect whose value is not a constant is assumed
to read every variable and count, and a count used in any other way than a plain
comparison with a number is never capped. Merging never changes a probability.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from passage.story.expressions import Effect, Value
from passage.story.model import Chance, Choice, Choices, Jump, Scene, Story

__all__ = ["Relevance", "analyse", "exit_edges"]

_TOKEN = re.compile(
    r"\s*(?:(?P<int>\d+)|(?P<str>'[^'\\]*')|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|[<>+\-*();,]))"
)
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_OPEN = {"", "(", "and", "or", "not"}  # what may stand just before an operand of a comparison
_CLOSE = {"", ")", "and", "or"}  # what may stand just after it
# How far a count must be kept so the comparison ``count OP n`` stays right.
_NEEDED = {"<": 0, ">=": 0, "<=": 1, ">": 1, "==": 1, "!=": 1}
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class Relevance:
    """Per scene, the slots (variables, then visit counts) a state there must keep.

    ``live[scene]`` is a bit mask over slots: bit ``i`` for variable ``i``, bit
    ``len(variables) + j`` for ``tracked_scenes[j]``. ``caps[j]`` bounds visit
    count ``j`` (None: kept exactly).
    """

    live: dict[str, int]
    reads: dict[str, int]  # slots the scene's own conditions read
    caps: tuple[int | None, ...]
    initial: tuple[Value, ...]
    opaque: bool  # some effect computes its value from the state
    _plans: dict[str, tuple[tuple[tuple[int, Value], ...], tuple[int | None, ...]]] = field(
        default_factory=dict, repr=False, compare=False)

    def project(self, scene: str, values: tuple[Value, ...],
                visits: tuple[int, ...]) -> tuple[tuple[Value, ...], tuple[int, ...]]:
        """The representative of a state's class: dead slots reset, counts capped."""
        dead, counts = self.plans[scene]
        if dead:
            changed = list(values)
            for position, initial in dead:
                changed[position] = initial
            values = tuple(changed)
        if counts:
            visits = tuple(
                count if keep is None else (count if count < keep else keep)
                for count, keep in zip(visits, counts, strict=True)
            )
        return values, visits

    @property
    def plans(self) -> dict[str, tuple[tuple[tuple[int, Value], ...], tuple[int | None, ...]]]:
        """Per scene: (dead variable, its initial value) pairs, and each count's bound
        (0 for a dead count, None for one kept exactly); computed once."""
        return self._plans

    def __post_init__(self) -> None:
        width = len(self.initial)
        plans = {}
        for scene, mask in self.live.items():
            dead = tuple((i, v) for i, v in enumerate(self.initial) if not mask >> i & 1)
            counts = tuple(
                (cap if mask >> (width + j) & 1 else 0) for j, cap in enumerate(self.caps)
            )
            plans[scene] = (dead, counts if any(c is not None for c in counts) else ())
        object.__setattr__(self, "_plans", plans)


def analyse(story: Story) -> Relevance:
    """Compute live slots per scene by a backward fixpoint over the scene graph."""
    width = len(story.variables)
    slot_of = {scene: width + j for j, scene in enumerate(story.tracked_scenes)}
    names = {v.name: i for i, v in enumerate(story.variables)}
    everything = (1 << (width + len(story.tracked_scenes))) - 1
    caps: dict[int, int | None] = {slot: 0 for slot in slot_of.values()}
    reads: dict[str, int] = {}
    for scene in story.scenes.values():
        mask = 0
        for choice in _conditional_links(scene.exit):
            mask |= _condition_reads(choice.condition_source, names, slot_of, caps)
        reads[scene.id] = mask
    opaque = _opaque_effects(story)
    if opaque:
        caps = dict.fromkeys(caps)  # an opaque effect may read a count in any way
    predecessors: dict[str, set[str]] = defaultdict(set)
    for scene in story.scenes.values():
        for target in scene.targets():
            predecessors[target].add(scene.id)
    live = dict(reads)
    pending = set(story.scenes)
    while pending:
        scene_id = pending.pop()
        scene = story.scenes[scene_id]
        mask = reads[scene_id]
        for effects, target in exit_edges(scene):
            entered = _through(story.scenes[target].on_enter, live[target], everything)
            mask |= _through(effects, entered, everything)
        if mask != live[scene_id]:
            live[scene_id] = mask
            pending.update(predecessors[scene_id])
    ordered = tuple(caps[slot_of[scene]] for scene in story.tracked_scenes)
    return Relevance(live, reads, ordered, tuple(v.initial for v in story.variables), opaque)


def _conditional_links(exit_: object) -> tuple[Choice, ...]:
    if isinstance(exit_, Choices):
        return exit_.choices
    if isinstance(exit_, Jump):
        return exit_.branches
    return ()


def exit_edges(scene: Scene) -> list[tuple[tuple[Effect, ...], str]]:
    """(effects, target) of every authored way out of a scene, in authored order."""
    exit_ = scene.exit
    if isinstance(exit_, Choices):
        return [(c.effects, c.target) for c in exit_.choices]
    if isinstance(exit_, Jump):
        return [(b.effects, b.target) for b in exit_.branches]
    if isinstance(exit_, Chance):
        return [(o.effects, o.target) for o in exit_.outcomes]
    return []


def _through(effects: Sequence[Effect], after: int, everything: int) -> int:
    """Slots live before ``effects`` given the slots live after (effects apply together)."""
    before = after
    for effect in effects:
        bit = 1 << effect.index
        if not after & bit:
            continue  # writes a value nothing reads: reads nothing either
        before &= ~bit
    for effect in effects:
        bit = 1 << effect.index
        if not after & bit:
            continue
        if effect.constant is None:
            before |= everything
        if effect.operator != "=":
            before |= bit
    return before


def _opaque_effects(story: Story) -> bool:
    """Whether any effect computes its value from the state (and so may read counts)."""
    for scene in story.scenes.values():
        lists = [scene.on_enter, *(effects for effects, _ in exit_edges(scene))]
        if any(e.constant is None for effects in lists for e in effects):
            return True
    return False


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            break  # trailing blanks; the compiler has already accepted the source
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _condition_reads(source: str, names: dict[str, int], slot_of: dict[str, int],
                     caps: dict[int, int | None]) -> int:
    """Slots a condition reads; lowers ``caps`` for counts it uses in other ways."""
    tokens = _tokens(source)
    texts = [text for _, text in tokens]
    mask = 0
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        if kind == "name" and text in {"visits", "seen"}:
            scene = texts[index + 2][1:-1] if index + 2 < len(texts) else ""
            slot = slot_of.get(scene)
            if slot is not None:
                mask |= 1 << slot
                _limit(caps, slot, text, texts, index)
            index += 4
            continue
        if kind == "name" and text in names:
            mask |= 1 << names[text]
        index += 1
    return mask


def _limit(caps: dict[int, int | None], slot: int, function: str, texts: list[str],
           index: int) -> None:
    """Raise the cap of ``slot`` to what this use needs, or drop it (None) if unsure."""
    if caps[slot] is None:
        return
    if function == "seen":
        caps[slot] = max(caps[slot] or 0, 1)
        return
    before = texts[index - 1] if index >= 1 else ""
    after = texts[index + 4] if index + 4 < len(texts) else ""
    needed: int | None = None
    if after in _COMPARE and before in _OPEN:
        number = texts[index + 5] if index + 5 < len(texts) else ""
        closing = texts[index + 6] if index + 6 < len(texts) else ""
        if number.isdigit() and closing in _CLOSE:
            needed = int(number) + _NEEDED[after]
    elif before in _COMPARE and after in _CLOSE:
        number = texts[index - 2] if index >= 2 else ""
        opening = texts[index - 3] if index >= 3 else ""
        if number.isdigit() and opening in _OPEN:
            needed = int(number) + _NEEDED[_MIRROR[before]]
    caps[slot] = None if needed is None else max(caps[slot] or 0, needed)

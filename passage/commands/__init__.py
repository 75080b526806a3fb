"""One module per ``passage`` sub-command; each has ``register(subparsers)``.

Adding a command means adding a module here and its name to :data:`COMMANDS`.
"""

from __future__ import annotations

COMMANDS = ("check", "play", "serve", "odds", "map", "stats")

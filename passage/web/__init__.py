"""The web player: server-rendered pages, a JSON API, the journey map, and ``passage serve``.

Pages work without JavaScript and keep no session: the state travels in a signed
token in the URL. Analytics and odds plug in through small protocols
(:class:`passage.analytics.events.EventSink`, :class:`OddsProvider`).
"""

from passage.web.app import create_app
from passage.web.odds import Odds, OddsProvider

__all__ = ["Odds", "OddsProvider", "create_app"]

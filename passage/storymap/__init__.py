"""The story map for authors: the scene graph by chapter, drawn by Graphviz."""

from passage.storymap.draw import draw
from passage.storymap.flow import Flow, flow
from passage.storymap.page import html_page, render_svg

__all__ = ["Flow", "draw", "flow", "html_page", "render_svg"]

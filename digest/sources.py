"""Named sources: an article's `source` id, as site.yaml's `sources` names it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from digest.problems import Problem

if TYPE_CHECKING:
    from digest.config import Config
    from digest.content import Article


def unknown_sources(articles: list[Article], config: Config) -> list[Problem]:
    """A warning for each article whose source site.yaml's `sources` does not name (none when
    the site names no sources at all: its articles then show sources as written)."""
    if not config.sources:
        return []
    from digest.content import field_line

    return [Problem(a.path, field_line(Path(a.path), "source") or 1,
                    f"source '{a.source}' is not in site.yaml's sources: shown as written", warning=True)
            for a in articles if a.source and a.source not in config.sources]

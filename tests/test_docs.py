"""The settings documented are the settings there are: the README's table and docs/translation.md
against the dataclasses that define them."""

from __future__ import annotations

import dataclasses
import re

from conftest import ROOT

from digest.config import Config, TranslationConfig


def table_keys(text: str, heading: str) -> set[str]:
    """The backquoted keys in the first column of the first table after `heading`."""
    after = text.split(heading, 1)[1]
    rows = re.findall(r"^\| (.+?) \|", after.split("\n\n|", 1)[0] + "\n" + after, re.M)
    keys: set[str] = set()
    for first in rows:
        if first.strip() in ("key", "---"):
            continue
        keys.update(re.findall(r"`([a-z_]+)`", first))
        if not first.startswith("`"):
            break
    return keys


def test_readme_documents_every_site_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table_keys(readme, "## Configuration") == {f.name for f in dataclasses.fields(Config)}


def test_translation_doc_documents_every_translation_setting() -> None:
    doc = (ROOT / "docs" / "translation.md").read_text(encoding="utf-8")
    assert table_keys(doc, "## CTranslate2 settings") == {f.name for f in dataclasses.fields(TranslationConfig)}


def test_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 150

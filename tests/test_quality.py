"""The quality gate on crafted outputs, on real news translations, and as a command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from digest.quality import gate, gate_lines

PARALLEL = Path(__file__).parent / "data" / "parallel-news.tsv"
SOURCE = "قال رئيس الوزراء إن الحكومة ستخفض الضرائب على الشركات الصغيرة."


def parallel_news() -> list[tuple[str, str]]:
    pairs = []
    for line in PARALLEL.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            arabic, english = line.split("\t")
            pairs.append((arabic, english))
    return pairs


def test_real_news_translations_pass() -> None:
    pairs = parallel_news()
    assert len(pairs) >= 30
    held = [(english, gate(arabic, english)) for arabic, english in pairs if gate(arabic, english)]
    assert held == []


@pytest.mark.parametrize(("output", "reason"), [
    ("", "empty"),
    ("   \n ", "empty"),
    ("The prime minister said the government would cut الضرائب on small firms.", "Arabic letters"),
    ("The prime minister said \u202bthe government\u202c would cut taxes.", "bidi controls"),
    ("The prime minister said\u200f the government would cut taxes.", "bidi controls"),
    ("The prime minister said the government would cut taxes on small companies, shops, farms, workshops, "
     "bakeries, garages, pharmacies, bookshops, cafes, restaurants, hotels, clinics, schools, nurseries, "
     "salons, studios, laundries, tailors, printers, carpenters, plumbers and electricians across the country "
     "from next year onwards.", "too long"),
    ("The prime minister said the the the the government would cut taxes.", "repeats 'the'"),
    ("He said that the government of the government of the government of the country.",
     "repeats 'the government of'"),
    ("taxes taxes", ""),
    ("The prime minister said the government would cut taxes on small businesses.", ""),
])
def test_each_failure_is_named(output: str, reason: str) -> None:
    found = gate(SOURCE, output)
    assert found.startswith(reason) if reason else found == ""


def test_a_loop_that_no_phrase_rule_sees_is_caught_by_compression() -> None:
    looping = "one two three four five six seven eight nine ten " * 4  # a period longer than any phrase rule
    assert gate(SOURCE + " " + SOURCE + " " + SOURCE, looping) == "repeats itself (compresses too well)"


def test_output_stopped_by_the_length_cap_is_held() -> None:
    english = "The prime minister said the government would cut taxes on small businesses"
    assert gate(SOURCE, english, capped=True) == "hit the length cap"


def test_gate_lines_reports_uneven_files() -> None:
    assert gate_lines(["أ", "ب", "ج"], ["A", ""]) == [(2, "empty"), (3, "no output line")]


def test_the_command_prints_line_numbers_and_a_count(tmp_path: Path) -> None:
    pairs = parallel_news()[:5]
    sources = [arabic for arabic, _ in pairs] + [SOURCE, SOURCE]
    outputs = [english for _, english in pairs] + ["the the the the end", "قالت الحكومة"]
    (tmp_path / "ar.txt").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(outputs) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "translations", "gate", "ar.txt", "en.txt"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["6: repeats 'the'", "7: Arabic letters", "2 of 7 pairs held back"]

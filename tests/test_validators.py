"""The sample build's HTML passes the Nu HTML Checker (vnu.jar from npm, run with Java)."""

from __future__ import annotations

import shutil
import subprocess

from conftest import ROOT

VNU = ROOT / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_html_page_passes_the_nu_html_checker(sample_site):
    java = shutil.which("java")
    assert java and VNU.is_file(), "make test-deps installs Java and vnu-jar (npm ci --prefix tests)"
    pages = sorted(sample_site.output.rglob("*.html"))
    assert len(pages) > 40
    done = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--skip-non-html", str(sample_site.output)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr[-4000:]

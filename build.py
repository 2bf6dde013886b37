#!/usr/bin/env python3
"""Build the bilingual news digest: `python build.py --help` lists the commands."""

from digest.cli import run

if __name__ == "__main__":
    run()

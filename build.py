#!/usr/bin/env python3
"""Build the bilingual news digest: `python build.py --help` lists the commands."""

import sys

from digest.cli import main

if __name__ == "__main__":
    sys.exit(main())

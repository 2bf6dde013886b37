"""Pelican settings for bench/run.py: defaults (the bundled theme), one language, no cache.

Content and output folders are given on the command line. Articles come from
bench/work/pelican-content-N, the benchmark's copy of the corpus with Pelican's own
"Key: value" metadata header; the file name is the slug, so URLs match the other builds.
"""

SITENAME = "The Arabic Digest (Pelican benchmark)"
SITEURL = ""
TIMEZONE = "Asia/Damascus"
DEFAULT_LANG = "ar"
DEFAULT_PAGINATION = 20
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
RELATIVE_URLS = True

"""Full-text search with Pagefind: one index per language, month and section, merged by the search page.

normalise: the Arabic folding that both the indexed text and the reader's query go through.
shards: which shard an article belongs to, each shard's key, and the documents Pagefind reads.
indexer: runs Pagefind's command-line program over the stale shards, in parallel, into the cache.
publish: the build's hook: brings the shards up to date and puts them and the search pages into
the staging folder.
"""

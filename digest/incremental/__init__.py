"""What a build keeps between runs, and what tells it that something changed.

* `keys`: every key that decides what is made again, with a table of what invalidates what.
* `manifest`: the last build's account of the site it published (one per output folder).
* `store`: the parsed and prepared articles, loaded lazily and saved as deltas.
"""

"""What a long-running process (a web server worker, the job worker) does once it has loaded."""

import gc


def loaded() -> None:
    """Moves everything loaded so far (Django, the apps, the URL patterns: ~150,000 objects)
    out of the garbage collector's reach. A full collection traversed them all: ~70 ms added
    to whichever request or sweep it fell in (the quiet sweep's p95 282 ms against a median of
    115 ms, bench/RESULTS.md); they live as long as the process anyway."""
    gc.freeze()

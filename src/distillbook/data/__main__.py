"""``python -m distillbook.data [--refresh-hashes] [root]``: validate the data package; record sizes and hashes.

``make data-hash`` runs it with ``--refresh-hashes``: everything is validated first (sizes and hashes aside), and
only then are the new ``bytes`` and ``hash`` written; on any problem nothing is written and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from distillbook.data import DataError, refresh_hashes, validate_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh-hashes", action="store_true", help="validate, then write bytes and hash")
    parser.add_argument("root", nargs="?", type=Path, default=None, help="another copy of the book")
    arguments = parser.parse_args(argv)
    try:
        if arguments.refresh_hashes:
            updated = refresh_hashes(arguments.root)
            print(
                f"data-hash: recorded the size and hash of {len(updated)} resource(s): {', '.join(updated) or 'none'}"
            )
        else:
            print(f"data: {len(validate_all(arguments.root))} tables valid")
    except DataError as error:
        print(f"data: nothing written.\n{error}" if arguments.refresh_hashes else str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

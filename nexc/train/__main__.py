"""``python -m nexc.train …`` — what ``accelerate launch -m nexc.train …`` runs on every process."""
from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the ``train`` command; unexpected exceptions become one line and exit code 2."""
    from nexc.commands.train import train

    try:
        train.main(prog_name="nexc train", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("NEXC_DEBUG"):
            raise
        print(f"nexc train: internal error: {type(exc).__name__}: {exc} (set NEXC_DEBUG=1 for the traceback)",
              file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

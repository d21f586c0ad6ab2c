"""Start the SCOP console from a checkout: ``python main.py [options]``."""

from scop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

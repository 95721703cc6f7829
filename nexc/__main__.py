"""``python -m nexc`` runs the command-line interface."""
from nexc.cli import main

if __name__ == "__main__":
    main()

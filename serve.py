"""Start the workbench: ``streamlit run app.py`` with the server's fixes installed first.

    python serve.py [--server.port 8501 ...]       # any ``streamlit run`` option
    python serve.py other_script.py [options]      # another script, same server

The fixes (:mod:`ui.server`) must be in place before the first browser connects,
which a plain ``streamlit run app.py`` cannot do: the app's code runs only when a
session runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from streamlit.web import cli

    from ui import server

    server.install()
    script = argv[0] if argv and argv[0].endswith(".py") else str(ROOT / "app.py")
    options = argv[1:] if argv and argv[0].endswith(".py") else argv
    sys.argv = ["streamlit", "run", script, *options]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Running a doc's tutorials as written: each `### ` section under `## Tutorials`.

Its ```python blocks run with this interpreter, its ```console `$ hanami ...`
lines as commands, in the given directory.
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def sections(doc: str) -> dict[str, list[tuple[str, str]]]:
    """Title -> [(kind, body)] of the code blocks of every tutorial in docs/`doc`."""
    text = (DOCS / doc).read_text().split("## Tutorials", 1)[1]
    found = {}
    for chunk in text.split("\n### ")[1:]:
        title = chunk.splitlines()[0].strip()
        found[title] = re.findall(r"```(python|console)\n(.*?)```", chunk, flags=re.S)
    return found


def run_section(doc: str, title: str, workdir: Path) -> None:
    """Run one tutorial's blocks in order; any failure fails the test with its stderr."""
    for kind, body in sections(doc)[title]:
        if kind == "python":
            result = subprocess.run([sys.executable, "-c", body], cwd=workdir, capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
            continue
        for line in body.splitlines():
            if not line.startswith("$ hanami "):
                continue
            argv = shlex.split(line[2:])[1:]
            result = subprocess.run([sys.executable, "-m", "hanami.cli", *argv], cwd=workdir, capture_output=True,
                                    text=True, timeout=900)
            assert result.returncode == 0, f"{line}\n{result.stderr}"
            print(result.stdout.strip().splitlines()[0] if result.stdout.strip() else line)

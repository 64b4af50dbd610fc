"""The revision a result carries names the code that made it exactly: a commit, a commit with the
hash of its uncommitted diff, or, in a copy without history, the hash of the package's sources."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASK = "from hanami.core.output import git_revision, command_line; print(git_revision()); print(command_line())"


def revision_of(source: Path, *args: str) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(source)}
    done = subprocess.run([sys.executable, "-c", ASK, *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_a_clone_gives_its_commit_and_an_edit_gives_the_diffs_hash(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert revision_of(clone / "src")[0] == head
    units = clone / "src" / "hanami" / "units.py"
    units.write_text(units.read_text() + "\n# first edit\n")
    first = revision_of(clone / "src")[0]
    units.write_text(units.read_text() + "# second edit\n")
    second = revision_of(clone / "src")[0]
    assert re.fullmatch(rf"{head}-dirty-[0-9a-f]{{12}}", first) and re.fullmatch(rf"{head}-dirty-[0-9a-f]{{12}}", second)
    assert first != second  # two different edits never share a label


def test_a_copy_without_history_names_its_source_hash(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "src" / "hanami", copy / "hanami", ignore=shutil.ignore_patterns("__pycache__"))
    revision, command = revision_of(copy, "--flag", "a b")
    assert re.fullmatch(r"release-[\w.]+\+tree-[0-9a-f]{12}", revision)
    assert command == "-c --flag 'a b'"  # quoted as a shell would need it
    (copy / "hanami" / "units.py").write_text("# changed\n")
    assert revision_of(copy)[0] != revision

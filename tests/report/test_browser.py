"""The report page in a real browser: headless Chromium (Debian's package; `make test`
installs it when missing) loads the file without console messages, shows the
records' numbers, and leaves a screenshot."""

import shutil
import subprocess

from typer.testing import CliRunner

from hanami.cli import app
from tests.report.test_report import throughput_cells

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is needed for this test: `make test` installs Debian's chromium package"
    return found


def run_browser(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def test_report_renders_in_chromium(two_machines, tmp_path):
    cpu, gpu, validation, real, other = two_machines
    page = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["report", str(cpu), str(gpu), str(validation), "-o", str(page)]).exit_code == 0
    shot = tmp_path / "report.png"
    rendered = run_browser(tmp_path, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
                           "--window-size=1300,2400", page.as_uri())
    console = [line for line in rendered.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    dom = run_browser(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<table>" in dom and "far-gpu" in dom and "dev-cpu" in dom
    for cell in throughput_cells(real) + throughput_cells(other):
        assert f"<td>{cell}</td>" in dom
    assert '<td class="pass">VALIDATED</td>' in dom

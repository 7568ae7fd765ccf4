"""`evalkit report`: a self-contained leadership report (HTML, Markdown and PDF).

The HTML opens with no network (inline CSS, charts as inline SVG, no script, a strict
Content-Security-Policy) and every piece of data in it — above all model output — is escaped by
Jinja's autoescape. The PDF is the same HTML printed by headless Debian chromium; without
chromium the HTML and Markdown are still written and the skip is reported loudly.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from evalkit.gates import GateReport
from evalkit.report.build import ReportOptions, report_context
from evalkit.stats.frames import RunFrames

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-pdf-header-footer",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~>-])")

__all__ = ["ReportOptions", "ReportResult", "render_html", "render_markdown", "write_report"]


def md_escape(value: Any) -> str:
    """Text safe in Markdown: HTML-escaped (`&`, `<`, `>`: quotes are harmless in Markdown text
    and an entity for them would show as `&#39;` once its `#` is escaped), Markdown
    punctuation backslash-escaped."""
    text = html.escape("" if value is None else str(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _cell(value: Any) -> Markup:
    return Markup(md_escape(value).replace("\r", " ").replace("\n", " "))


def _quote(value: Any) -> Markup:
    lines = md_escape(value).splitlines() or [""]
    return Markup("\n".join(f"> {line}" if line.strip() else ">" for line in lines))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit.report", "templates"),
        autoescape=True,  # both templates: a value is escaped unless marked safe on purpose
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _cell
    env.filters["quote"] = _quote
    return env


def render_html(context: dict[str, Any]) -> str:
    return _environment().get_template("report.html.j2").render(**context)


def render_markdown(context: dict[str, Any]) -> str:
    text = _environment().get_template("report.md.j2").render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)


@dataclass
class ReportResult:
    out_dir: Path
    html: Path
    markdown: Path
    pdf: Path | None = None
    pdf_skipped: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def write_report(
    frames: RunFrames,
    out_dir: str | os.PathLike[str],
    gates: GateReport | None = None,
    options: ReportOptions | None = None,
    pdf: bool = True,
) -> ReportResult:
    """Write index.html, report.md and (with chromium) report.pdf into `out_dir`."""
    from evalkit.errors import UserError
    from evalkit.jsonio import write_text

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot create the report folder: {exc.strerror or exc}") from None
    context = report_context(frames, gates, options)
    html_path = out / "index.html"
    md_path = out / "report.md"
    write_text(html_path, render_html(context))
    write_text(md_path, render_markdown(context))
    result = ReportResult(out, html_path, md_path, context=context)
    if pdf:
        result.pdf, result.pdf_skipped = print_pdf(html_path, out / "report.pdf")
    else:
        result.pdf_skipped = "--no-pdf was given"
    return result


def chromium_path() -> str | None:
    """Debian's chromium, or another chromium on PATH."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html: Path, pdf: Path, timeout_s: float = 120) -> tuple[Path | None, str | None]:
    """Print the HTML to PDF with headless chromium: (pdf path, None) or (None, why skipped)."""
    browser = chromium_path()
    if browser is None:
        return None, "chromium is not installed (apt-get install chromium)"
    pdf.unlink(missing_ok=True)
    command = [browser, *CHROMIUM_ARGS, f"--print-to-pdf={pdf}", html.resolve().as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, f"chromium did not finish printing within {timeout_s:.0f} s"
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return None, f"chromium failed (exit {done.returncode}): {tail[0][:200]}"
    return pdf, None

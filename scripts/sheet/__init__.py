"""The official result sheet, printable (docs/decisions/0030-the-result-sheet.md).

A printed sheet is made from one JSON document, the *data*: the sheet ``standings --format json
--checkpoint`` prints (race, basis, notation, rows, checkpoint) plus ``sheet``, its head and notes
(:mod:`projections.sheet`). The HTML is a pure function of the data, and carries it in a
``<script type="application/json" id="sheet-data">``; the PDF is WeasyPrint's rendering of that
HTML, with the data attached as ``sheet.json``. The checkpoint is printed as text and as a QR code
of :func:`qr_payload`.

``verify --sheet`` reads the data back (:func:`read_printed`), checks it against the ledger as it
checks a JSON sheet, then checks that what is printed is what the data says: an HTML sheet must
be exactly :func:`render_html` of its data; a PDF's text must hold every row as
:func:`printed_rows` prints it, and its QR code must decode to the data's checkpoint.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ledger.application import Ledger
from ledger.domain.errors import InvalidInputError
from ledger.domain.rules import CONDITION_MOMENTS
from ledger.domain.timing import Notation, format_time, truncate_to_hundredths
from ledger.store.recorders import chained
from ledger.store.signing import checkpoint_json, signature_holds
from ledger.store.verify import TamperedError
from projections.basis import Basis
from projections.leaderboard import Leaderboard, leaderboard
from projections.marks import meaning
from projections.sheet import notes_by_row, sheet_head
from projections.state import LedgerState
from scripts import output

HERE = Path(__file__).parent
DATA_ID = "sheet-data"
ATTACHMENT = "sheet.json"
UNKNOWN = "unknown"
STATUS_WORDS = {"DNF": "did not finish", "DNS": "did not start", "DQ": "disqualified",
                "WDR": "withdrawn"}
#: The rasterisation a PDF page is read at for its QR code (pypdfium2's scale: 1 = 72 dpi).
QR_SCALE = 2


# -- the data ----------------------------------------------------------------------------------
def sheet_data(state: LedgerState, board: Leaderboard, basis: Any, notation: Notation,
               checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The JSON sheet with its checkpoint (as ``standings --format json --checkpoint``) and its
    head and notes under ``sheet``."""
    data = output.board_json(board, basis, notation)
    output.add_marks(state, board, data)
    data.update(notation=notation, checkpoint=checkpoint)
    race = state.sheet(board.race)
    if race is None:
        raise InvalidInputError(f"race {board.race!r} is not in the ledger")
    head = sheet_head(state, race)
    head["notes"] = notes_by_row(state, race, [row.skater_id for row in board.rows])
    data["sheet"] = head
    return data


def printed_sheet(app: Ledger, state: LedgerState, key: str, fmt: str,
                  known_at: datetime | None = None) -> tuple[bytes, str]:
    """The sheet of race ``key`` as of ``state`` (the board's: as of a position, or as known at
    ``known_at``), without signing: the body and its media type."""
    board = leaderboard(state, key)
    data = sheet_data(state, board, Basis(known_at=known_at), "iso",
                      stored_checkpoint(app, board.position))
    if fmt == "pdf":
        return render_pdf(data), "application/pdf"
    return render_html(data).encode("utf-8"), "text/html; charset=utf-8"


def qr_payload(checkpoint: dict[str, Any]) -> str:
    """What the QR code holds: the checkpoint as one compact JSON object (keys sorted)."""
    keys = ("position", "hash", "signed_at", "public_key", "signature")
    return json.dumps({k: checkpoint.get(k) for k in keys}, sort_keys=True, separators=(",", ":"))


def qr_svg(checkpoint: dict[str, Any]) -> str:
    import segno  # only where a sheet is printed or checked

    code = segno.make(qr_payload(checkpoint), error="m", micro=False)
    svg: str = code.svg_inline(scale=4, border=2, title="checkpoint", omitsize=True)
    return svg


def chain_hash_at(app: Ledger, position: int) -> bytes:
    """The chain hash the ledger holds at ``position`` (a board's position is that of an event
    it folded, so never a gap)."""
    held = chained(app.recorder).select_chain(position, 1)
    if not held or held[0][0] != position:
        raise TamperedError(f"the ledger holds no chain hash at position {position}")
    return held[0][1]


def stored_checkpoint(app: Ledger, position: int) -> dict[str, Any]:
    """The checkpoint a sheet as of ``position`` carries without signing: a checkpoint stored at
    exactly that position whose signature holds, else the position and chain hash alone. The log
    is not verified here (``sheet`` and ``standings --checkpoint`` verify it first; the board
    does not, and ``verify --sheet`` checks what it printed)."""
    chain_hash = chain_hash_at(app, position)
    stored = [c for c in chained(app.recorder).select_checkpoints()
              if c.position == position and c.hash == chain_hash and signature_holds(c)]
    if stored:
        return checkpoint_json(stored[-1])
    return {"position": position, "hash": chain_hash.hex(), "signed_at": None, "public_key": None,
            "signature": None}


# -- what is printed ---------------------------------------------------------------------------
def shown(value: Any) -> str:
    return UNKNOWN if value is None else str(value)


def degrees(tenths: int | None, notation: Notation) -> str:
    if tenths is None:
        return UNKNOWN
    text = f"{tenths / 10:.1f} °C"
    return text.replace(".", ",") if notation == "nl" else text


def time_cells(row: dict[str, Any], rows: list[dict[str, Any]], notation: Notation
               ) -> tuple[str, str]:
    """The published time (truncated hundredths) and, where the thousandths decide between this
    time and another of equal hundredths, the thousandths (as far as they are known)."""
    ms = row.get("time_ms")
    if row["status"] != "OK":
        return row["status"], ""
    if ms is None:
        return UNKNOWN, ""
    tied = any(other is not row and other["status"] == "OK" and other.get("time_ms") is not None
               and other["time_ms"] != ms
               and truncate_to_hundredths(other["time_ms"]) == truncate_to_hundredths(ms)
               for other in rows)
    return format_time(ms, notation), thousandths_of(row, notation) if tied else ""


def thousandths_of(row: dict[str, Any], notation: Notation) -> str:
    """The thousandths as output.time_cell writes them: ``.538``, or the range the evidence
    allows when a list fixed them only within the winner's unknown digit (``.542-.546``)."""
    sep = "." if notation == "iso" else ","
    low, high = row.get("time_range_ms") or (row["time_ms"], row["time_ms"])
    if low == high:
        return f"{sep}{low % 1000:03d}"
    return f"{sep}{low % 1000:03d}-{sep}{high % 1000:03d}"


def marks_of(row: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys([*row.get("marks", ()), *row.get("published_marks", ())]))


def printed_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """Each row's cells as the sheet prints them (unknown values blank or "unknown")."""
    rows, notation = data["rows"], data.get("notation", "iso")
    notes = data["sheet"].get("notes") or [[] for _ in rows]
    out = []
    for row, noted in zip(rows, notes, strict=False):
        time, thousandths = time_cells(row, rows, notation)
        out.append({
            "rank": "" if row["rank"] is None else str(row["rank"]),
            "name": row["skater"], "nation": row["nation"] or "",
            "pair": "" if row["pair"] is None else str(row["pair"]),
            "lane": row["lane"] or "", "time": time, "thousandths": thousandths,
            "behind": row["behind"] or "", "marks": " ".join(marks_of(row)),
            "notes": "; ".join(noted),
            # a mass start's points (decision 0020) and a team's members (decision 0021)
            "points": "" if row.get("points") is None else str(row["points"]),
            "members": ", ".join(m["skater"] for m in row.get("members") or ()),
        })
    return out


def page_of(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the template prints, from the data alone."""
    head, checkpoint = data["sheet"], data["checkpoint"]
    notation = data.get("notation", "iso")
    distance = f"{head['distance_m']} m"
    if head["discipline"] != "individual":
        distance += f" ({head['discipline'].replace('-', ' ')})"
    status = ("Official" + (f", announced {head['announced_at']}" if head["announced_at"] else "")
              + (f" by {head['declared_by']}" if head["declared_by"] else "")
              if head["status"] == "official" else "Provisional")
    marks = [m for row in data["rows"] for m in marks_of(row)]
    used = sorted({row["status"] for row in data["rows"]} - {"OK"})
    return {
        "title": f"{head['competition']}, {head['category']} {distance}, {head['date']}",
        "competition": head["competition"], "venue": shown(head["venue"]), "date": head["date"],
        "distance": distance, "category": head["category"].capitalize(),
        "division": head["division"] or "", "status": status,
        "rows": printed_rows(data),
        "points": any("points" in row for row in data["rows"]),
        "has_dq": "DQ" in used,
        "statuses": " · ".join(f"{s}: {STATUS_WORDS.get(s, s)}" for s in used),
        "legend": " · ".join(f"{m} {meaning(m)}" for m in dict.fromkeys(marks)),
        "referee": shown(head["referee"]), "starter": shown(head["starter"]),
        "conditions": [{"at": at.capitalize(), "ice": degrees(c["ice_temp_dc"], notation),
                        "air": degrees(c["air_temp_dc"], notation),
                        "humidity": UNKNOWN if c["humidity_pct"] is None else f"{c['humidity_pct']} %"}
                       for at in CONDITION_MOMENTS if (c := head["conditions"].get(at))],
        "checkpoint": {k: checkpoint.get(k) or ("not signed" if k != "hash" else "")
                       for k in ("position", "hash", "signed_at", "public_key", "signature")},
        "qr": Markup(qr_svg(checkpoint)),
        "footer": f"skate-ledger result sheet, {data['race']}, log position {checkpoint['position']}",
        "embedded": Markup(embedded_json(data)),
    }


def embedded_json(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # the i18n extension's
    return env


def render_html(data: dict[str, Any]) -> str:
    """The sheet as one self-contained HTML page (a pure function of the data)."""
    return environment().get_template("sheet.html").render(s=page_of(data))


def render_pdf(data: dict[str, Any]) -> bytes:
    """The sheet as PDF: WeasyPrint's rendering of the HTML, the data attached as sheet.json."""
    import weasyprint  # only where a PDF is made (pango through WeasyPrint)

    attachment = weasyprint.Attachment(string=json.dumps(data, ensure_ascii=False, sort_keys=True),
                                       name=ATTACHMENT, description="skate-ledger result sheet data")
    pdf: bytes = weasyprint.HTML(string=render_html(data)).write_pdf(attachments=[attachment])
    return pdf


# -- reading a printed sheet back ----------------------------------------------------------------
class Printed:
    """A printed sheet read back: its data, and what its pages show."""

    def __init__(self, kind: str, data: dict[str, Any], text: str = "",
                 qr: list[str] | None = None) -> None:
        self.kind, self.data, self.text, self.qr = kind, data, text, qr or []


def read_printed(path: Path, raw: bytes) -> Printed | None:
    """An HTML or PDF sheet's data and pages; None for anything else (a JSON sheet)."""
    if raw.startswith(b"%PDF"):
        return read_pdf(path, raw)
    head = raw[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return Printed("html", embedded_data(path, raw.decode("utf-8", errors="replace")),
                       raw.decode("utf-8", errors="replace"))
    return None


def embedded_data(path: Path, page: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', page, re.S)
    if found is None:
        raise InvalidInputError(f"{path}: an HTML page that carries no sheet data "
                                "(skate-ledger sheet writes it)")
    return parsed(path, found.group(1))  # written with <, > and & escaped: JSON as it stands


def parsed(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInputError(f"{path}: its sheet data is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path}: its sheet data is not a results sheet")
    return data


def read_pdf(path: Path, raw: bytes) -> Printed:
    import pypdfium2  # only where a PDF sheet is checked

    try:
        pdf = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError as e:
        raise InvalidInputError(f"{path}: is not a readable PDF ({e})") from None
    try:
        data = attached(path, pdf)
        pages = [pdf[i] for i in range(len(pdf))]
        text = "\n".join(page.get_textpage().get_text_bounded() for page in pages)
        qr = [found for page in pages for found in qr_codes(page)]
    finally:
        pdf.close()
    return Printed("pdf", data, text, qr)


def attached(path: Path, pdf: Any) -> dict[str, Any]:
    for index in range(pdf.count_attachments()):
        attachment = pdf.get_attachment(index)
        if attachment.get_name() == ATTACHMENT:
            return parsed(path, bytes(attachment.get_data()).decode("utf-8", errors="replace"))
    raise InvalidInputError(f"{path}: a PDF with no {ATTACHMENT} attached "
                            "(skate-ledger sheet --format pdf attaches it)")


def qr_codes(page: Any) -> Iterator[str]:
    """The QR codes on a PDF page, decoded (zxing-cpp on the page rendered by pypdfium2)."""
    import zxingcpp

    image = page.render(scale=QR_SCALE).to_pil()
    for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)):
        yield code.text


def page_text_rows(text: str) -> str:
    """A page's text with its whitespace made single spaces (rows are looked for in it)."""
    return " ".join(text.split())


def png_of_pdf(pdf: bytes, scale: float = 2.0) -> bytes:
    """The first page of a PDF as PNG (for people to look at, docs/)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        buffer = io.BytesIO()
        document[0].render(scale=scale).to_pil().save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        document.close()

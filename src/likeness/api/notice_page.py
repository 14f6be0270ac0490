"""A takedown notice as a printable HTML page: self-contained (styles inline, stills as
data: URIs, no script, nothing fetched), every value escaped. The CLI writes it beside
``notice.json``; the API and the portal serve it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from likeness.api.present import notice_json
from likeness.services.takedowns import NoticeBundle

_TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def notice_html(bundle: NoticeBundle) -> str:
    data = notice_json(bundle)
    return _ENV.get_template("notice.html").render(
        notice=data["notice"],
        sha256=data["notice_sha256"],
        receipts=[bundle.notice_receipt, *bundle.flag_receipts],
        notice_index=bundle.notice_receipt.index,
        checkpoint=data["checkpoint"],
    )

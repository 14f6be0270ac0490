"""What a watched source lists: media URLs read from an RSS 2.0, Atom or JSON Feed
document, or from the links of an HTTP directory listing (told apart by content)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from likeness.errors import InvalidInputError
from likeness.recognition.media import MEDIA_SUFFIXES

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA_RSS = "{http://search.yahoo.com/mrss/}"
MAX_ITEMS = 10_000  # per document: a feed listing more is cut here


def media_urls(document: bytes, base_url: str, content_type: str) -> list[str]:
    """The media URLs ``document`` (fetched from ``base_url``) lists, absolute, in order,
    each once; only http(s) URLs whose path ends in a media suffix, or that a feed
    marks as media (an enclosure or media:content with a media type)."""
    text = document.lstrip()
    if "json" in content_type or text.startswith(b"{"):
        found = _json_feed(document)
    elif "html" in content_type or text[:15].lower().startswith((b"<!doctype html", b"<html")):
        found = _listing(document)
    else:
        found = _xml_feed(document)
    urls: list[str] = []
    for raw, typed in found[:MAX_ITEMS]:
        url = urljoin(base_url, raw.strip())
        web = urlsplit(url).scheme in ("http", "https")
        if web and (typed or _media_path(url)) and url not in urls:
            urls.append(url)
    return urls


def _media_path(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return any(path.endswith(suffix) for suffix in MEDIA_SUFFIXES)


def _is_media_type(value: str | None) -> bool:
    return bool(value) and str(value).split("/")[0] in ("video", "audio", "image")


def _xml_feed(document: bytes) -> list[tuple[str, bool]]:
    try:  # entities and DTDs refused: a feed is someone else's document
        root = SafeElementTree.fromstring(document)
    except ElementTree.ParseError as exc:
        raise InvalidInputError(f"the source is neither a feed nor a listing: {exc}") from None
    except DefusedXmlException as exc:
        raise InvalidInputError(f"the source's XML declares entities or a DTD: {exc}") from None
    found: list[tuple[str, bool]] = []
    if root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            for link in entry.iter(f"{ATOM}link"):
                href, rel = link.get("href"), link.get("rel", "alternate")
                if href and rel in ("enclosure", "alternate"):
                    found.append((href, rel == "enclosure" and _is_media_type(link.get("type"))))
        return found
    if root.tag != "rss":
        raise InvalidInputError(f"the source's XML is not RSS or Atom (root {root.tag!r})")
    for item in root.iter("item"):
        for enclosure in item.iter("enclosure"):
            url = enclosure.get("url")
            if url:
                found.append((url, _is_media_type(enclosure.get("type"))))
        for content in item.iter(f"{MEDIA_RSS}content"):
            url = content.get("url")
            if url:
                found.append((url, _is_media_type(content.get("type"))))
        page = item.find("link")
        if page is not None and page.text:
            found.append((page.text, False))
    return found


def _json_feed(document: bytes) -> list[tuple[str, bool]]:
    try:
        data = json.loads(document)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"the source's JSON is malformed: {exc}") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidInputError("the source's JSON is not a JSON Feed: it has no 'items' list")
    found: list[tuple[str, bool]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for attachment in item.get("attachments") or []:
            if isinstance(attachment, dict) and isinstance(attachment.get("url"), str):
                found.append((attachment["url"], _is_media_type(attachment.get("mime_type"))))
        for key in ("url", "external_url"):
            if isinstance(item.get(key), str):
                found.append((item[key], False))
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _listing(document: bytes) -> list[tuple[str, bool]]:
    parser = _Links()
    parser.feed(document.decode("utf-8", errors="replace"))
    return [(href, False) for href in parser.links]

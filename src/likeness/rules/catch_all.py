"""Does one field of a use description hide a catch-all? (SAG-AFTRA B2.4, CA Labor Code
927(a)(2), NY GOL 5-302(1)(b); rules.md B.2: "reject descriptions that are generic".)

A span is a catch-all when it leaves a dimension of the use (purpose, manner,
media, project, territory, time, character, scenes) unbounded, found by the
shape of the words rather than by a list of phrases:

- an open quantifier governing a scope noun: "any lawful purpose", "every
  platform", "such other characters", "future projects", "in any way";
- a discretion clause: "as the Producer may determine", "sees fit", "at the
  studio's discretion";
- an open list: "including but not limited to", "or otherwise", "and the like",
  "without restriction";
- open exploitation: "exploitation", "ancillary", "sequels, prequels, remakes";
- open time: "in perpetuity", "for all time", "forever" (as a duration), "with
  no end date"; open place: "throughout the universe", "wherever", "and beyond";
- technology not yet known: "whether existing or later invented".

Names are not scope: quoted text and Title-Case names ("Forever Young",
"All Hands", "Any Given Sunday 2") are masked before the search, as is a
project's or character's bare one-word title ("Forever (feature film)"). A
capitalised word that is only a contract's defined term ("the Picture", "All
Media") is not a name. Shouted text (no lower case at all) has no names.

Pure and cheap: the patterns are compiled once; a shape is searched for only
when its anchor words occur in the text, and text in which no shape matches
unmasked is answered without masking (masking can only remove matches).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Field = Literal["project", "purpose", "character", "territory", "media", "scenes"]
FIELDS: tuple[Field, ...] = ("project", "purpose", "character", "territory", "media", "scenes")
_ALL: frozenset[Field] = frozenset(FIELDS)
# The fields that set the licence's reach. Character and scenes describe content,
# where "a girl who waits forever" is a role, not a term.
_REACH: frozenset[Field] = frozenset({"project", "purpose", "territory", "media"})
_PLACE: frozenset[Field] = frozenset({"territory", "media"})
_SCENES: frozenset[Field] = frozenset({"scenes"})
_NAMED: frozenset[Field] = frozenset({"project", "character"})  # a bare title is the whole field

_MASK = "#"

# -- an open quantifier over a scope noun ----------------------------------------------------
_QUANTIFIER = (
    r"(?:\b(?:any|all|every|each|whatever|whichever|such|various|additional|further"
    r"|subsequent|future|(?:and|or|in|for)\s+other)|^\s*other|['’]s\s+other)"
)
_COUNT = r"(?!\s+(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|both)\b))"
_DETERMINER = r"(?:\s+of)?(?:\s+(?:the|its|their|his|her|our|your))?"
_STOP = (
    "of|in|on|for|to|with|by|at|the|a|an|and|or|as|from|that|which|who|where|when|into|per"
    "|via|except|but|not|no|is|are|be|may|will|shall"
)
_MODIFIERS = rf"(?:\s+(?!(?:{_STOP})\b)[a-z][\w'’-]*){{0,2}}"

# Dimensions a quantifier opens. A named whole bounds the countable ones
# ("every episode of Night Shift"); nothing bounds a purpose or a manner.
_OPEN_NOUNS = (
    r"purposes?|uses?|usages?|applications?|rights|exploitations?|reasons?"  # what for
    r"|manner|ways?|means|methods?|fashion|forms?|contexts?|circumstances?"  # how
    r"|characters?|roles?|personas?"  # as whom
    r"|durations?"  # how long
)
# Whole works: "of" names their owner ("any production of Acme Studios"), not a bound.
_WORK_NOUNS = (
    r"projects?|productions?|pictures?|films?|works|programs?|programmes?|shows?|series"
    r"|content|games?|titles?|properties|sequels?|prequels?|remakes?|spin-?offs?"
)
_COUNTABLE_NOUNS = (
    r"media|mediums?|formats?|platforms?|channels?|technolog(?:y|ies)|devices?|outlets?"
    r"|services?|networks?"
    r"|seasons?|episodes?|instal?lments?"
    r"|territor(?:y|ies)|countr(?:y|ies)|nations?|markets?|regions?|jurisdictions?|places?"
    r"|languages?"
)
_SCENE_NOUNS = r"scenes?|shots?|sequences?|takes?"
_BOUND_BY_NAME = rf"(?!\s+(?:of|in|on|within|across|from|for)\s+(?:the\s+)?{_MASK})"
_HEAD = rf"(?![\w-])(?!\s+(?:{_OPEN_NOUNS}|{_WORK_NOUNS}|{_COUNTABLE_NOUNS})\b)"


def _quantified(nouns: str, *, boundable: bool) -> str:
    bound = _BOUND_BY_NAME if boundable else ""
    return rf"{_QUANTIFIER}{_COUNT}{_DETERMINER}{_MODIFIERS}\s+(?:{nouns}){_HEAD}{bound}"


# -- the other shapes -------------------------------------------------------------------------
_DOUBLET = (
    r"\b(?:any\s+and\s+all|all\s+and\s+any|any\s+(?:and|or)\s+every|each\s+and\s+every"
    r"|any\s+or\s+all)\b"
)
_DISCRETION = (
    r"\b(?:(?:at|in)\s+(?:\S+\s+){0,3}?)?discretion(?:ary)?\b"
    r"|\b(?:sees?|thinks?)\s+fit\b"
    r"|\bdeems?\s+(?:fit|appropriate|necessary|proper|desirable|suitable)\b"
    r"|\b(?:may|shall|might)\s+(?:from\s+time\s+to\s+time\s+)?"
    r"(?:determine|decide|elect|choose|select|desire|wish|require|prefer)\b"
    r"|\bsole\s+(?:and\s+absolute\s+)?(?:judge?ment|opinion|option|election|decision)\b"
    r"|\bat\s+(?:\S+\s+){0,2}?option\b"
)
_OPEN_LIST = (
    r"\bincluding\s+(?:but\s+not\s+limited\s+to|without\s+limitation)"
    r"|\bnot\s+limited\s+to\b"
    r"|\bwith(?:out|\s+no)\s+(?:any\s+)?(?:restrictions?|limitations?|limits?)\b"
    r"|\b(?:unlimited|unrestricted|limitless|whatsoever|howsoever)\b"
    r"|\b(?:or|and)\s+otherwise\b|\band\s+the\s+like\b|\band\s+so\s+(?:on|forth)\b|\betc\b"
    r"|\b(?:and|or)\s+(?:all\s+)?similar\b"
    r"|\bof\s+(?:any|every|whatever)\s+(?:kind|nature|description|sort|type)\b"
    r"|\banything\b"
)
_EXPLOITATION = (
    r"\bexploit(?:ation|ing|ed|s)?\b|\b(?:ancillary|subsidiary)\b"
    r"|\b(?:sequels|prequels|remakes|reboots|spin-?offs|derivative\s+works)\b"
)
_TIME = (
    r"\bin\s+perpetu(?:ity|um)\b|\bperpetual(?:ly)?\b(?!-)|\bfor\s+all\s+time\b|\bfor\s?ever\b"
    r"|\bindefinite(?:ly)?\b|\bwith\s+no\s+(?:end|expiry|expiration)(?:\s+date)?\b"
    r"|\bwithout\s+(?:an?\s+|any\s+)?(?:end\s+date|expiry|expiration|time\s+limit)\b"
    r"|\bno\s+(?:end\s+date|expiry|expiration|time\s+limit)\b"
    r"|\bfor\s+(?:any|an\s+(?:indefinite|unlimited|unspecified))\s+(?:period|length|term)\b"
    r"|\bthe\s+(?:full\s+)?(?:life|term|duration)\s+of\s+(?:the\s+)?copyright\b"
)
_COSMOS = (
    r"\b(?:(?:throughout|across|in)\s+)?(?:the\s+)?(?:known\s+)?"
    r"(?:universe|galaxy|solar\s+system|outer\s+space)\b"
)
_ANYWHERE = r"\b(?:anywhere|everywhere|wherever|elsewhere|and\s+beyond)\b"
_UNKNOWN_TECHNOLOGY = (
    r"\b(?:(?:now|currently|presently)\s+)?(?:known|existing|in\s+existence)\s+or\s+"
    r"(?:(?:hereafter|hereinafter|later|subsequently|in\s+the\s+future)\s+)?"
    r"(?:devised|developed|invented|created|discovered|conceived|future|later|hereafter)\b"
    r"|\b(?:hereafter|hereinafter|not\s+yet|yet\s+to\s+be)\s+"
    r"(?:devised|developed|invented|created|discovered|conceived|known)\b"
)
_WHOLE_SCENE_LIST = r"^\s*(?:all|any|every|each)\s*$"

_QUANTIFIER_ANCHORS = "any all every each whatever whichever such various additional further "
_QUANTIFIER_ANCHORS += "subsequent future other"


@dataclass(frozen=True)
class _Shape:
    pattern: re.Pattern[str]
    anchors: frozenset[str]  # lower-case words the pattern cannot match without
    fields: frozenset[Field]


def _shape(pattern: str, anchors: str, fields: frozenset[Field]) -> _Shape:
    # Searched in lower-cased text: IGNORECASE would make every search twice as slow.
    return _Shape(re.compile(pattern), frozenset(anchors.split()), fields)


# Order breaks ties between shapes that start at the same word: the doublet is
# reported whole ("any and all"), not as the quantifier inside it.
_SHAPES = (
    _shape(_DOUBLET, "any all each", _ALL),
    _shape(_quantified(_OPEN_NOUNS, boundable=False), _QUANTIFIER_ANCHORS, _ALL),
    _shape(_quantified(_WORK_NOUNS, boundable=False), _QUANTIFIER_ANCHORS, _ALL),
    _shape(_quantified(_COUNTABLE_NOUNS, boundable=True), _QUANTIFIER_ANCHORS, _ALL),
    _shape(_quantified(_SCENE_NOUNS, boundable=False), _QUANTIFIER_ANCHORS, _SCENES),
    _shape(_WHOLE_SCENE_LIST, "all any every each", _SCENES),
    _shape(
        _DISCRETION,
        "discretion discretionary fit deem deems determine decide elect choose select desire "
        "wish require prefer sole option",
        _ALL,
    ),
    _shape(
        _OPEN_LIST,
        "limited restriction restrictions limitation limitations limit limits unlimited "
        "unrestricted limitless whatsoever howsoever otherwise like so etc similar any every "
        "whatever anything",
        _ALL,
    ),
    _shape(
        _EXPLOITATION,
        "exploit exploitation exploiting exploited exploits ancillary subsidiary sequels "
        "prequels remakes reboots spin spinoffs derivative",
        _REACH,
    ),
    _shape(
        _TIME,
        "perpetuity perpetuum perpetual perpetually time forever ever indefinite indefinitely "
        "end expiry expiration limit period length term copyright",
        _REACH,
    ),
    _shape(_COSMOS, "universe galaxy solar space", _REACH),
    _shape(_ANYWHERE, "anywhere everywhere wherever elsewhere beyond", _PLACE),
    _shape(_UNKNOWN_TECHNOLOGY, "known existing existence hereafter hereinafter yet", _REACH),
)
_BY_FIELD: dict[Field, tuple[_Shape, ...]] = {
    field: tuple(s for s in _SHAPES if field in s.fields) for field in FIELDS
}
_ANCHORS: dict[Field, frozenset[str]] = {
    field: frozenset().union(*(s.anchors for s in shapes)) for field, shapes in _BY_FIELD.items()
}
_WORD = re.compile(r"[a-z]+")
# Phrases no name excuses, found in any letter case (only quoted text is spared): the
# fixed list used before issue 13, less the words real titles use ("forever",
# "perpetual"). A floor under the shapes, so "Any And All Uses In Perpetuity" in title
# case is not taken for a name.
_FLOOR = re.compile(
    r"\b(?:any\s+and\s+all|any\s+purposes?|all\s+purposes|any\s+uses?|all\s+uses"
    r"|any\s+projects?|all\s+projects|any\s+productions?|any\s+media|all\s+media"
    r"|here(?:in)?after\s+devised|now\s+known\s+or|in\s+perpetuity|throughout\s+the\s+universe"
    r"|without\s+limitation|whatsoever|sole\s+discretion|at\s+producer['’]s\s+discretion)\b"
)
_FLOOR_ANCHORS = frozenset(
    {"any", "all", "hereafter", "hereinafter", "known", "perpetuity", "universe"}
    | {"limitation", "whatsoever", "discretion"}
)


def catch_all_in(text: str, *, field: Field) -> str | None:
    """The first span of `text` that leaves the `field` dimension of a use unbounded,
    or None when there is none."""
    lowered = _lower(text)
    words = _WORD.findall(lowered)
    if not _FLOOR_ANCHORS.isdisjoint(words):
        floor = _FLOOR.search(_lower(_mask_quotes(text)))
        if floor:
            return text[floor.start() : floor.end()]
    if _ANCHORS[field].isdisjoint(words):
        return None  # the common case, a specific description: no shape can match
    shapes = [s for s in _BY_FIELD[field] if not s.anchors.isdisjoint(words)]
    if not any(s.pattern.search(lowered) for s in shapes):
        return None  # masking names only removes matches, so there is nothing to mask for
    masked = _lower(_mask_names(text, field=field))
    found = [m for s in shapes if (m := s.pattern.search(masked))]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())  # min keeps the earlier shape on a tie
    return text[first.start() : first.end()]


def _lower(text: str) -> str:
    """`text` in lower case, each character where it was (a span found in it is a span
    of `text`)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # "İ" lowers to two


# -- names ------------------------------------------------------------------------------------
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘.*?’(?!\w)|(?<!\w)'.*?'(?!\w)")
_CAPITAL = r"[A-ZÀ-ÖØ-Þ][\w'’.&+-]*"
_CONNECTOR = r"(?:of|the|a|an|and|in|on|for|to|at|by|with|from|de|la|le|du|von|van)"
# Case-sensitive: a run of capitalised words (and numbers after them), joined by
# at most two lower-case connectors: "All the Light We Cannot See", "Any Given Sunday 2".
_CAPITALISED_RUN = re.compile(
    rf"\b{_CAPITAL}(?:[ \t]+(?:{_CONNECTOR}[ \t]+){{0,2}}(?:{_CAPITAL}|\d[\w.]*))*"
)
_CONNECTORS = frozenset(re.findall(r"\w+", _CONNECTOR))
_TITLE_ENDS = re.compile(r"\s*(?:[(:,–—]|$)")
_QUANTIFIER_WORDS = frozenset({"any", "all", "every", "each", "whatever", "such", "other"})
# Capitalised, but a contract's defined terms or generic kinds of media: scope, not names.
_DEFINED_TERMS = frozenset(
    {
        "picture", "pictures", "production", "productions", "project", "projects", "work",
        "works", "series", "studio", "producer", "company", "territory", "territories",
        "media", "medium", "term", "use", "uses", "purpose", "purposes", "platform",
        "platforms", "format", "formats", "market", "markets", "content", "program",
        "programs", "programme", "programmes", "licensee", "licensor", "network",
        "distributor", "rights", "film", "films", "manner", "means", "universe", "world",
        "perpetuity", "discretion", "tv", "vr", "ar", "ai", "ott", "vod", "svod", "avod",
        "dvd", "hd",
    }
)  # fmt: skip


def _mask_names(text: str, *, field: Field) -> str:
    """`text` with every name overwritten by `_MASK`, keeping every offset."""
    spans = [m.span() for m in _QUOTED.finditer(text)]
    if any(c.islower() for c in text):
        spans.extend(_capitalised_names(text, field=field))
    return _masked(text, spans)


def _mask_quotes(text: str) -> str:
    return _masked(text, [m.span() for m in _QUOTED.finditer(text)])


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + _MASK * (end - start) + text[end:]
    return text


def _capitalised_names(text: str, *, field: Field) -> Iterator[tuple[int, int]]:
    for run in _CAPITALISED_RUN.finditer(text):
        if _is_name(run, text, field=field):
            yield run.span()


def _is_name(run: re.Match[str], text: str, *, field: Field) -> bool:
    at_start = not text[: run.start()].strip()
    if field in _NAMED and at_start and _TITLE_ENDS.match(text, run.end()):
        return True  # "Forever (feature film)", "Any (the talking dog)"
    words = [w for w in run.group().split() if w not in _CONNECTORS]
    substantive = [w for w in words if w.casefold() not in _QUANTIFIER_WORDS]
    if all(_bare(w) in _DEFINED_TERMS for w in substantive):
        return False  # "the Picture", "Any Production of the Studio", "All Media"
    return len(words) > 1 or not _starts_sentence(text, run.start())


_POSSESSIVE_OR_STOP = re.compile(r"['’]s$|\.$")


def _bare(word: str) -> str:
    return _POSSESSIVE_OR_STOP.sub("", word).casefold()


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?;:"

"""What a media file's C2PA manifest says about where it came from, as a scan reads it
(docs/provenance.md, "Provenance read at scan").

A manifest is a claim made by whoever signed it. Read offline, its signature and the
hashes binding it to the content can be checked, but not whether its signer is anyone
in particular (no trust list is fetched): ``VALID`` means intact, not vouched for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
C2PA_SOURCE_TYPES = "http://c2pa.org/digitalsourcetype/"

# Declared sources that mean a generative model made the media, or part of it (IPTC
# Digital Source Type NewsCodes, release 2024-10-23): "created algorithmically using a
# model derived from sampled content", and a composite with at least one such element;
# C2PA's own trainedAlgorithmicData is the same for data that is not media. Deliberately
# not here: algorithmicMedia ("purely by an algorithm not based on any sampled training
# data": no one's likeness comes from a formula) and compositeSynthetic (a synthetic
# element, which may be CGI as much as a model's output): both are reported as declared,
# and a reviewer who reads them as generated scans with --kind (docs/provenance.md).
AI_GENERATED = frozenset(
    {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "trainedAlgorithmicData"}
)


def source_type_code(declared: str) -> str:
    """The vocabulary's code of a declared ``digitalSourceType`` IRI (``trainedAlgorithmicMedia``
    for the IPTC IRI, over http or https), or the value itself when it is no known IRI."""
    for vocabulary in (IPTC_SOURCE_TYPES, C2PA_SOURCE_TYPES):
        for scheme in ("http://", "https://"):
            prefix = scheme + vocabulary.removeprefix("http://")
            if declared.startswith(prefix) and len(declared) > len(prefix):
                return declared[len(prefix) :].strip("/")
    return declared


class ManifestState(StrEnum):
    NONE = "none"  # no C2PA manifest in the file
    VALID = "valid"  # signature and content hashes check (the signer is not vouched for)
    TRUSTED = "trusted"  # valid, and its signer on a trust list the reader was given
    INVALID = "invalid"  # a manifest, but it fails validation or cannot be parsed
    UNSUPPORTED = "unsupported"  # a format the C2PA reader does not read
    UNREADABLE = "unreadable"  # the file itself could not be read or parsed
    NOT_CHECKED = "not_checked"  # this installation has no C2PA reader (the extra)


@dataclass(frozen=True)
class ProvenanceAction:
    """One action of the active manifest (``c2pa.created``, ``c2pa.edited`` …)."""

    action: str
    digital_source_type: str | None = None  # the IRI as declared
    software_agent: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "digital_source_type": self.digital_source_type,
            "software_agent": self.software_agent,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ProvenanceAction:
        return ProvenanceAction(
            data["action"], data.get("digital_source_type"), data.get("software_agent")
        )


@dataclass(frozen=True)
class ManifestSigner:
    """Who signed the active manifest, as its certificate names them (unverified offline)."""

    issuer: str | None
    common_name: str | None
    algorithm: str | None
    time: str | None = None  # the signing time, when time-stamped

    def to_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "common_name": self.common_name,
            "algorithm": self.algorithm,
            "time": self.time,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ManifestSigner:
        return ManifestSigner(
            data.get("issuer"), data.get("common_name"), data.get("algorithm"), data.get("time")
        )

    def text(self) -> str:
        names = [n for n in (self.common_name, self.issuer) if n]
        return " / ".join(dict.fromkeys(names)) or "(unnamed)"


@dataclass(frozen=True)
class Provenance:
    """A file's C2PA provenance: its state, and what its active manifest declares."""

    state: ManifestState
    claim_generator: str | None = None
    actions: tuple[ProvenanceAction, ...] = ()
    # Every digitalSourceType declared by the active manifest and the manifests of its
    # ingredients (an AI-made parent stays AI-made after a crop), in order, each once.
    source_types: tuple[str, ...] = ()
    signer: ManifestSigner | None = None
    problems: tuple[str, ...] = ()  # failed validation codes, or why it could not be read

    @property
    def declared(self) -> bool:
        """A manifest was read: what it declares can be shown, valid or not."""
        return self.state in (ManifestState.VALID, ManifestState.TRUSTED, ManifestState.INVALID)

    def ai_generated(self) -> str | None:
        """The first declared source type that means generative AI made (part of) the
        media, as its code; ``None`` when none does. A manifest that fails validation
        still declares: a clearance check errs towards the declaration (docs/provenance.md)."""
        if not self.declared:
            return None
        return next(
            (c for c in map(source_type_code, self.source_types) if c in AI_GENERATED), None
        )

    def summary(self) -> str:
        """One line for CSV cells and the HTML report."""
        parts = [f"manifest {self.state.value}"]
        if self.source_types:
            parts.append("declares " + ", ".join(map(source_type_code, self.source_types)))
        if self.claim_generator:
            parts.append(f"made with {self.claim_generator}")
        if self.signer is not None:
            parts.append(f"signed by {self.signer.text()}")
        if self.problems:
            parts.append("problems: " + "; ".join(self.problems))
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "claim_generator": self.claim_generator,
            "actions": [a.to_json() for a in self.actions],
            "digital_source_types": list(self.source_types),
            "ai_generated": self.ai_generated() is not None,
            "signer": None if self.signer is None else self.signer.to_json(),
            "problems": list(self.problems),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Provenance:
        signer = data.get("signer")
        return Provenance(
            state=ManifestState(data["state"]),
            claim_generator=data.get("claim_generator"),
            actions=tuple(ProvenanceAction.from_json(a) for a in data.get("actions", ())),
            source_types=tuple(data.get("digital_source_types", ())),
            signer=None if signer is None else ManifestSigner.from_json(signer),
            problems=tuple(data.get("problems", ())),
        )


class SyntheticBasis(StrEnum):
    MANIFEST = "manifest"  # its C2PA manifest declares generative AI
    CLASSIFIER = "classifier"  # an offline classifier of synthetic media says so


@dataclass(frozen=True)
class SyntheticMedia:
    """Why a scanned file is taken as AI-generated."""

    basis: SyntheticBasis
    detail: str  # the declared source type's code, or the classifier's model and score

    def to_json(self) -> dict[str, Any]:
        return {"basis": self.basis.value, "detail": self.detail}

    @staticmethod
    def from_json(data: dict[str, Any]) -> SyntheticMedia:
        return SyntheticMedia(SyntheticBasis(data["basis"]), data["detail"])


@dataclass(frozen=True)
class SyntheticVerdict:
    """What an offline classifier of synthetic media says of one file (the
    ``SyntheticMediaClassifier`` port; none ships)."""

    synthetic: bool
    model: str  # the classifier and its version
    score: float  # its confidence that the media is synthetic, 0 to 1

"""The tlog-witness add-checkpoint body and the witness's decision (c2sp.org/tlog-witness),
over in-memory trees: each status the spec names, and cosigning only along one history."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.checkpoint import Checkpoint
from likeness.ledger.cosignature import CosignatureSigner, split_note
from likeness.ledger.merkle import MemoryHashes, consistency_proof, tree_hash
from likeness.ledger.note import Signer
from likeness.ledger.witness_protocol import (
    AddCheckpoint,
    Cosigned,
    Refused,
    WitnessedLog,
    WitnessRequestError,
    decide,
    parse_add_checkpoint,
    parse_size,
)

ORIGIN = "example.com/log"
LOG = Signer(ORIGIN, b"\x05" * 32)
WITNESS = CosignatureSigner("w.example", b"\x06" * 32)


def tree(entries: list[bytes]) -> MemoryHashes:
    hashes = MemoryHashes()
    for entry in entries:
        hashes.append(entry)
    return hashes


def note(hashes: MemoryHashes, size: int, signer: Signer = LOG) -> str:
    return Checkpoint(ORIGIN, size, tree_hash(size, hashes)).sign(signer)


def fresh() -> dict[str, WitnessedLog]:
    return {ORIGIN: WitnessedLog(origin=ORIGIN, verifier=LOG.verifier)}


def request(hashes: MemoryHashes, old: int, size: int) -> AddCheckpoint:
    proof = consistency_proof(old, size, hashes) if 0 < old < size else []
    return AddCheckpoint(old, tuple(proof), note(hashes, size))


def test_the_spec_example_body_parses() -> None:
    body = (
        "old 20852014\n"
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        "\n"
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe"
        "4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    ).encode()
    parsed = parse_add_checkpoint(body)
    assert parsed.old_size == 20852014
    assert parsed.proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert parsed.note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert parse_add_checkpoint(parsed.encode()) == parsed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"old 01\n\nx", "no leading 0"),
        (b"old -1\n\nx", "'old <size>'"),
        (b"new 1\n\nx", "'old <size>'"),
        (b"old 1\nAAAA\n\nx", "line 2 is not a base64 SHA-256 hash"),
        (b"old 1\n" + b"A" * 10, "blank line"),
        (b"old 1\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\nx", "more than 63"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_bodies_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(WitnessRequestError, match=message):
        parse_add_checkpoint(body)


def test_a_409_body_is_a_size_and_a_newline() -> None:
    assert parse_size(b"42\n") == 42
    for bad in (b"42", b"042\n", b"x\n", b""):
        with pytest.raises(WitnessRequestError):
            parse_size(bad)


def test_each_refusal_of_the_spec() -> None:
    hashes = tree([b"%d" % i for i in range(9)])
    first = decide(request(hashes, 0, 5), fresh(), WITNESS, 100)
    assert isinstance(first, Cosigned) and first.log.size == 5
    logs = {ORIGIN: first.log}
    body, _ = split_note(note(hashes, 5))
    assert WITNESS.verifier.verify_line(body, first.lines.rstrip("\n")) is not None

    def refused(req: AddCheckpoint) -> tuple[int, int | None]:
        outcome = decide(req, logs, WITNESS, 101)
        assert isinstance(outcome, Refused), outcome
        return outcome.status, outcome.known_size

    assert refused(request(hashes, 0, 9)) == (409, 5)  # stale old size
    assert refused(request(hashes, 3, 9)) == (409, 5)
    assert refused(AddCheckpoint(9, (), note(hashes, 8))) == (400, None)  # old > size
    wrong_proof = consistency_proof(4, 9, hashes)
    assert refused(AddCheckpoint(5, tuple(wrong_proof), note(hashes, 9))) == (422, None)
    assert refused(AddCheckpoint(5, (), note(hashes, 9))) == (422, None)
    impostor = Signer(ORIGIN, b"\x09" * 32)
    assert refused(AddCheckpoint(5, (), note(hashes, 9, impostor))) == (403, None)
    other = Checkpoint("other.example", 1, bytes(32)).sign(Signer("other.example", bytes(32)))
    assert refused(AddCheckpoint(0, (), other)) == (404, None)
    assert refused(AddCheckpoint(5, (), "not a note")) == (400, None)
    forked = tree([b"%d" % i for i in range(4)] + [b"fork"])
    assert refused(AddCheckpoint(5, (), note(forked, 5))) == (409, 5)  # same size, other root
    same = decide(AddCheckpoint(5, (), note(hashes, 5)), logs, WITNESS, 102)
    assert isinstance(same, Cosigned)  # the same checkpoint again is fine
    onward = decide(request(hashes, 5, 9), logs, WITNESS, 103)
    assert isinstance(onward, Cosigned) and onward.log.size == 9


# SHA-256 of the empty string (RFC 6962, MTH({})), written out rather than computed.
EMPTY_TREE_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


@pytest.mark.parametrize("known", ["never cosigned", "cosigned the empty tree"])
def test_a_size_0_checkpoint_must_have_the_empty_trees_root(known: str) -> None:
    logs = fresh()
    if known == "cosigned the empty tree":
        empty = Checkpoint(ORIGIN, 0, EMPTY_TREE_ROOT).sign(LOG)
        first = decide(AddCheckpoint(0, (), empty), logs, WITNESS, 1)
        assert isinstance(first, Cosigned) and first.log.root == EMPTY_TREE_ROOT
        logs = {ORIGIN: first.log}
    bogus = Checkpoint(ORIGIN, 0, b"\x11" * 32).sign(LOG)
    outcome = decide(AddCheckpoint(0, (), bogus), logs, WITNESS, 2)
    assert outcome == Refused(
        422,
        "a checkpoint of size 0 must have the empty tree's root hash "
        "(47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=)",
    )
    # refused, the witness still knows size 0, and goes on from it along a real history
    hashes = tree([b"%d" % i for i in range(7)])
    onward = decide(request(hashes, 0, 7), logs, WITNESS, 3)
    assert isinstance(onward, Cosigned) and onward.log.size == 7


@given(
    size=st.integers(min_value=2, max_value=40),
    data=st.data(),
)
def test_a_witness_cosigns_one_history_only(size: int, data: st.DataObject) -> None:
    entries = [b"e%d" % i for i in range(size)]
    old = data.draw(st.integers(min_value=1, max_value=size - 1))
    changed = data.draw(st.integers(min_value=0, max_value=old - 1))
    honest = tree(entries)
    first = decide(request(honest, 0, old), fresh(), WITNESS, 1)
    assert isinstance(first, Cosigned)
    logs = {ORIGIN: first.log}
    assert isinstance(decide(request(honest, old, size), logs, WITNESS, 2), Cosigned)
    rewritten = list(entries)
    rewritten[changed] = b"rewritten"
    fork = tree(rewritten)
    outcome = decide(request(fork, old, size), logs, WITNESS, 2)
    assert isinstance(outcome, Refused) and outcome.status == 422

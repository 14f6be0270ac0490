// cosigcheck verifies witness cosignatures on Likeness Ledger's checkpoints with
// transparency-dev/formats' note.NewVerifierForCosignatureV1 (vendored under
// gopath/, see README.md) and golang.org/x/mod/sumdb/note: code we did not write.
//
//	cosigcheck verify < {"log_vkey": ..., "witness_vkeys": [...], "checkpoint": ...}
//	    opens the note with the log's key and every witness key; prints, as JSON, each
//	    witness that cosigned it and the time in its cosignature; exits 1 if the note
//	    does not verify or a witness key has no signature on it.
//	cosigcheck sign < {"skey": "PRIVATE+KEY+...", "checkpoint": ...}
//	    prints the cosignature/v1 line the Go signer makes on the checkpoint's body.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	tdnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

type input struct {
	LogVKey      string   `json:"log_vkey"`
	WitnessVKeys []string `json:"witness_vkeys"`
	SKey         string   `json:"skey"`
	Checkpoint   string   `json:"checkpoint"`
}

type cosigned struct {
	Name      string `json:"name"`
	Timestamp int64  `json:"timestamp"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: cosigcheck verify|sign < input.json")
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read: %v", err)
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		fail("input: %v", err)
	}
	switch os.Args[1] {
	case "verify":
		verify(in)
	case "sign":
		sign(in)
	default:
		fail("unknown mode %q", os.Args[1])
	}
}

func verify(in input) {
	logVerifier, err := note.NewVerifier(in.LogVKey)
	if err != nil {
		fail("log key: %v", err)
	}
	verifiers := []note.Verifier{logVerifier}
	witnesses := map[uint32]string{}
	for _, vkey := range in.WitnessVKeys {
		v, err := tdnote.NewVerifierForCosignatureV1(vkey)
		if err != nil {
			fail("witness key %q: %v", vkey, err)
		}
		verifiers = append(verifiers, v)
		witnesses[v.KeyHash()] = v.Name()
	}
	n, err := note.Open([]byte(in.Checkpoint), note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	if !strings.HasPrefix(n.Text, logVerifier.Name()+"\n") {
		fail("checkpoint origin is not %s", logVerifier.Name())
	}
	seen := map[uint32]bool{}
	out := []cosigned{}
	for _, sig := range n.Sigs {
		name, ok := witnesses[sig.Hash]
		if !ok || sig.Name != name {
			continue
		}
		t, err := tdnote.CoSigV1Timestamp(sig)
		if err != nil {
			fail("cosignature by %s: %v", name, err)
		}
		seen[sig.Hash] = true
		out = append(out, cosigned{Name: name, Timestamp: t.Unix()})
	}
	for hash, name := range witnesses {
		if !seen[hash] {
			fail("no cosignature by witness %s", name)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("write: %v", err)
	}
}

func sign(in input) {
	signer, err := tdnote.NewSignerForCosignatureV1(in.SKey)
	if err != nil {
		fail("signer key: %v", err)
	}
	text := in.Checkpoint[:strings.Index(in.Checkpoint, "\n\n")+1]
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		fail("sign: %v", err)
	}
	fmt.Print(string(signed[len(text)+1:]))
}

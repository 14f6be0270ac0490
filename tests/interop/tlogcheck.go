// tlogcheck verifies Likeness Ledger's checkpoints, proofs and tiles with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog: an implementation we did not write.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run tlogcheck.go verify < input.json
//	GO111MODULE=off GOPATH=/usr/share/gocode go run tlogcheck.go bench N PROOFS
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Index int64    `json:"index"`
	Data  string   `json:"data"`
	Proof []string `json:"proof"`
}

type consistency struct {
	OldSize int64    `json:"old_size"`
	OldRoot string   `json:"old_root"`
	Proof   []string `json:"proof"`
}

type input struct {
	VKey        string        `json:"vkey"`
	Checkpoint  string        `json:"checkpoint"`
	Records     []record      `json:"records"`
	Consistency []consistency `json:"consistency"`
	TilesURL    string        `json:"tiles_url"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func hash(b64 string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad hash %q", b64)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

// httpTiles reads C2SP tlog-tiles paths (Go's tile paths carry the height, "tile/8/...").
type httpTiles struct{ base string }

func (h *httpTiles) Height() int { return 8 }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		resp, err := http.Get(h.base + path)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		out[i] = data
	}
	return out, nil
}

func (h *httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func verify() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("input: %v", err)
	}
	verifier, err := note.NewVerifier(in.VKey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	n, err := note.Open([]byte(in.Checkpoint), note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint body: origin %q, key %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root := hash(lines[2])
	for _, r := range in.Records {
		data, err := base64.StdEncoding.DecodeString(r.Data)
		if err != nil {
			fail("record data: %v", err)
		}
		if err := tlog.CheckRecord(hashes(r.Proof), size, root, r.Index, tlog.RecordHash(data)); err != nil {
			fail("tlog.CheckRecord(%d): %v", r.Index, err)
		}
	}
	for _, c := range in.Consistency {
		if err := tlog.CheckTree(hashes(c.Proof), size, root, c.OldSize, hash(c.OldRoot)); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", c.OldSize, size, err)
		}
	}
	tiles := 0
	if in.TilesURL != "" {
		reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, &httpTiles{in.TilesURL})
		treeHash, err := tlog.TreeHash(size, reader)
		if err != nil || treeHash != root {
			fail("tree hash from tiles: %v", err)
		}
		for _, r := range in.Records {
			data, _ := base64.StdEncoding.DecodeString(r.Data)
			proof, err := tlog.ProveRecord(size, r.Index, reader)
			if err != nil {
				fail("tlog.ProveRecord from tiles (%d): %v", r.Index, err)
			}
			if err := tlog.CheckRecord(proof, size, root, r.Index, tlog.RecordHash(data)); err != nil {
				fail("proof from tiles (%d): %v", r.Index, err)
			}
			tiles++
		}
	}
	fmt.Printf("ok: checkpoint %s size %d; %d inclusion, %d consistency, %d tile-derived proofs\n",
		verifier.Name(), size, len(in.Records), len(in.Consistency), tiles)
}

// bench measures sumdb/tlog on the same tree and proofs as bench/bench_ledger.py.
func bench(n, proofs int64) {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i := int64(0); i < n; i++ {
		hs, err := tlog.StoredHashes(i, []byte(fmt.Sprintf("bench entry %d", i)), reader)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, hs...)
	}
	root, _ := tlog.TreeHash(n, reader)
	start := time.Now()
	made := make([]tlog.RecordProof, proofs)
	for k := int64(0); k < proofs; k++ {
		made[k], _ = tlog.ProveRecord(n, (k*7919)%n, reader)
	}
	prove := time.Since(start).Seconds()
	start = time.Now()
	for k := int64(0); k < proofs; k++ {
		idx := (k * 7919) % n
		if err := tlog.CheckRecord(made[k], n, root, idx, stored[tlog.StoredHashIndex(0, idx)]); err != nil {
			fail("%v", err)
		}
	}
	check := time.Since(start).Seconds()
	start = time.Now()
	for k := int64(0); k < proofs; k++ {
		old := 1 + (k*7919)%(n-1)
		if _, err := tlog.ProveTree(n, old, reader); err != nil {
			fail("%v", err)
		}
	}
	tree := time.Since(start).Seconds()
	fmt.Printf("{\"root\": \"%s\", \"inclusion_proofs_per_s\": %.0f, \"inclusion_checks_per_s\": %.0f, \"consistency_proofs_per_s\": %.0f}\n",
		base64.StdEncoding.EncodeToString(root[:]), float64(proofs)/prove, float64(proofs)/check, float64(proofs)/tree)
}

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "verify" {
		verify()
		return
	}
	if len(os.Args) == 4 && os.Args[1] == "bench" {
		n, _ := strconv.ParseInt(os.Args[2], 10, 64)
		p, _ := strconv.ParseInt(os.Args[3], 10, 64)
		bench(n, p)
		return
	}
	fail("usage: tlogcheck verify < input.json | tlogcheck bench N PROOFS")
}

package conformance

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The grammar of RFC 4287 Appendix B, and the two Schematron rules it embeds
// (which jing does not read from the grammar's annotations): among them, that
// every entry has an author unless its feed does.
var (
	//go:embed testdata/atom.rnc
	atomRNC []byte
	//go:embed testdata/atom-rules.sch
	atomRules []byte
)

// Atom fails t unless doc is an Atom feed document valid under RFC 4287's
// RELAX NG grammar and Schematron rules, as checked by jing.
func Atom(t testing.TB, doc []byte) {
	t.Helper()
	ctx, cancel := checkContext(t)
	defer cancel()
	report(t, CheckAtom(ctx, doc))
}

// CheckAtom validates doc with jing against RFC 4287's RELAX NG grammar, then
// against its Schematron rules. The error lists what jing reported, or is a
// *MissingError when jing is not installed.
func CheckAtom(ctx context.Context, doc []byte) error {
	jing, err := lookPath("jing", "install Debian package jing")
	if err != nil {
		return err
	}
	if !utf8.Valid(doc) {
		off := invalidUTF8(doc)
		line, col := position(doc, off)
		return fmt.Errorf("feed.atom:%d:%d: not valid UTF-8 (bytes %d to %d: %q)", line, col, max(off-24, 0), min(off+24, len(doc)),
			doc[max(off-24, 0):min(off+24, len(doc))])
	}
	dir, err := writeTemp("feed.atom", doc)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for name, schema := range map[string][]byte{"atom.rnc": atomRNC, "atom-rules.sch": atomRules} {
		if err := os.WriteFile(filepath.Join(dir, name), schema, 0o644); err != nil {
			return err
		}
	}
	var errs []error
	for _, args := range [][]string{
		{"-c", "atom.rnc", "feed.atom"},
		{"atom-rules.sch", "feed.atom"},
	} {
		stdout, stderr, code, err := run(ctx, dir, nil, jing, args...)
		if err != nil {
			return err
		}
		if code != 0 {
			errs = append(errs, fmt.Errorf("jing %s: exit %d:\n%s", strings.Join(args, " "), code, jingOutput(stdout, stderr)))
		}
	}
	return errors.Join(errs...)
}

// jingOutput returns what jing printed without the warnings of Debian's
// wrapper script about optional jars it did not find.
func jingOutput(stdout, stderr []byte) string {
	var b strings.Builder
	for _, line := range bytes.Split(slices.Concat(stdout, stderr), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 || (bytes.HasPrefix(line, []byte("[warning] ")) && bytes.Contains(line, []byte("Unable to locate"))) {
			continue
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// invalidUTF8 returns the offset of the first byte of doc that is not part
// of valid UTF-8, or len(doc).
func invalidUTF8(doc []byte) int {
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(doc)
}

// position returns the 1-based line and column (in characters) of the byte
// at offset off of doc.
func position(doc []byte, off int) (line, col int) {
	before := doc[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	return line, utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
}

package opml

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. What it refuses it refuses with
// an *Error; what it reads, Marshal writes and Parse reads back the same.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", filepath.Join("testdata", "golden")} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.opml"))
		if err != nil || len(paths) == 0 {
			f.Fatalf("no seeds in %s: %v", dir, err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, tc := range refused {
		f.Add([]byte(tc.doc))
	}
	f.Add([]byte(nested(MaxDepth)))

	f.Fuzz(func(t *testing.T, in []byte) {
		doc, err := Parse(bytes.NewReader(in))
		if err != nil {
			var e *Error
			if doc != nil || !errors.As(err, &e) {
				t.Fatalf("got %+v and %T %v, want nil and an *Error", doc, err, err)
			}
			return
		}
		out, err := Marshal(doc)
		if err != nil {
			t.Fatalf("Marshal of what Parse read: %v", err)
		}
		back, err := Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("Parse of what Marshal wrote: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, doc) {
			t.Fatalf("read back %+v, want %+v", back, doc)
		}
	})
}

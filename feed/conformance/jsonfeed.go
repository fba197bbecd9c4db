package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// JSONFeed fails t unless doc is valid under the JSON Feed 1.1 JSON Schema.
func JSONFeed(t testing.TB, doc []byte) {
	t.Helper()
	ctx, cancel := checkContext(t)
	defer cancel()
	report(t, CheckJSONFeed(ctx, doc))
}

// CheckJSONFeed validates doc with .ci/jsonfeed-validate.mjs, which runs ajv
// with the schema of the npm package jsonfeed-schema, both installed in
// .ci/node_modules of the repository holding the working directory. The
// error lists each schema violation with its path in doc, or is a
// *MissingError when node or the packages are not installed.
func CheckJSONFeed(ctx context.Context, doc []byte) error {
	node, err := lookPath("node", "install Debian package nodejs")
	if err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	ci := filepath.Join(root, ".ci")
	for _, pkg := range []string{"ajv", "ajv-formats", "jsonfeed-schema"} {
		if _, err := os.Stat(filepath.Join(ci, "node_modules", pkg, "package.json")); err != nil {
			return &MissingError{Tool: "npm package " + pkg, Install: "run npm ci --prefix .ci (needs Debian package npm)"}
		}
	}
	dir, err := writeTemp("feed.json", doc)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stdout, stderr, code, err := run(ctx, dir, nil, node, filepath.Join(ci, "jsonfeed-validate.mjs"), "feed.json")
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("jsonfeed-validate.mjs: exit %d:\n%s%s", code, stdout, stderr)
	}
	return nil
}

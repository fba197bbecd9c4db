package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The streams in testdata are what go test -json printed for a small module:
// fail.json has a package that does not build and a test that fails beside a
// skipped subtest; pass.json has a passing test with a quiet log, parallel
// subtests and a package without tests.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		file      string
		code      int
		want, not []string
	}{
		{"fail.json", 1, []string{
			"# bf/a\na/a.go:2:23: cannot use",
			"FAIL\tbf/a [build failed]\n",
			"    b_test.go:3: no tool\n--- SKIP: TestX/sub (0.00s)\n    b_test.go:3: bad\n--- FAIL: TestX (0.00s)\nFAIL\nFAIL\tbf/b\t",
			"1 skipped (CI installs every tool",
			"  bf/b TestX/sub\n",
			"\ntests: 1 passed, 1 failed, 1 skipped\n",
		}, []string{"=== RUN", "TestY"}},
		{"pass.json", 0, []string{
			"ok  \tbf/b\t",
			"?   \tbf/d\t[no test files]\n",
			"ok  \tbf/c\t",
			"\ntests: 4 passed, 0 failed, 0 skipped\n",
		}, []string{"quiet", "=== ", "PASS\n", "skipped (CI"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, code := run(t, tc.file, "")
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
			if !strings.HasSuffix(out, " skipped\n") {
				t.Errorf("the count is not the last line:\n%s", out)
			}
		})
	}
}

func TestCheckOddStreams(t *testing.T) {
	// A stream cut short: the package started, a test ran, nothing ended.
	out, code := run(t, "pass.json", `{"Action":"start","Package":"bf/e"}
{"Action":"run","Package":"bf/e","Test":"TestHang"}
{"Action":"output","Package":"bf/e","Test":"TestHang","Output":"=== RUN   TestHang\n"}
{"Action":"output","Package":"bf/e","Test":"TestHang","Output":"    e_test.go:9: waiting\n"}
`)
	if code != 1 || !strings.Contains(out, "FAIL\tbf/e [no result") || !strings.Contains(out, "e_test.go:9: waiting") {
		t.Errorf("an unfinished package: exit %d\n%s", code, out)
	}
	// Lines that are not JSON pass through.
	out, code = run(t, "", "go: downloading example.com/m v1.0.0\n")
	if code != 1 || !strings.Contains(out, "go: downloading example.com/m v1.0.0\n") || !strings.Contains(out, "no test ran") {
		t.Errorf("no tests: exit %d\n%s", code, out)
	}
}

// run runs check over the stream in testdata/file, if any, then extra.
func run(t *testing.T, file, extra string) (string, int) {
	t.Helper()
	var in string
	if file != "" {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		in = string(b)
	}
	var out strings.Builder
	code := check(strings.NewReader(in+extra), &out)
	return out.String(), code
}

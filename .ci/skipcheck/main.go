// Skipcheck reads the output of go test -json and prints it as go test
// does without -v, then counts the tests (subtests included) and fails when
// any failed or was skipped: under CI every tool and input a test needs is
// installed, so a skip means a check that did not run.
//
//	go test -json ./... | go run ./.ci/skipcheck
//
// For each package it prints the output of its failed and skipped tests
// (without the === RUN framing) and its result line ("ok", "FAIL"); build
// errors and anything that is not JSON pass through as they come. The last
// line is the count:
//
//	tests: 812 passed, 0 failed, 0 skipped
//
// It exits 1 when a test failed or was skipped, a package failed (to build,
// or outside any test) or never finished, or no test ran; 2 on a read error.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	os.Exit(check(os.Stdin, os.Stdout))
}

// event is a TestEvent of go test -json, or a BuildEvent (ImportPath set).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// pkg is what one package printed and how its tests ended, until it ends.
type pkg struct {
	events []event           // output events, in order
	result map[string]string // test name: pass, fail or skip
}

type counts struct {
	passed, failed, skipped int
	skips                   []string // package and name of each skipped test
	badPackages             int      // failed or unfinished
}

func check(r io.Reader, w io.Writer) int {
	var c counts
	pkgs := map[string]*pkg{}
	var order []string // packages in the order they started
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line) // go's own messages, say
			continue
		}
		if e.ImportPath != "" {
			if e.Action == "build-output" {
				fmt.Fprint(w, e.Output)
			}
			continue
		}
		p := pkgs[e.Package]
		if p == nil {
			p = &pkg{result: map[string]string{}}
			pkgs[e.Package] = p
			order = append(order, e.Package)
		}
		switch {
		case e.Action == "output":
			p.events = append(p.events, e)
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			p.result[e.Test] = e.Action
			switch e.Action {
			case "pass":
				c.passed++
			case "fail":
				c.failed++
			case "skip":
				c.skipped++
				c.skips = append(c.skips, e.Package+" "+e.Test)
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			if e.Action == "fail" {
				c.badPackages++
			}
			p.print(w, e.Action == "fail")
			delete(pkgs, e.Package)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "skipcheck: reading go test -json: %v\n", err)
		return 2
	}
	for _, name := range order {
		if p := pkgs[name]; p != nil {
			c.badPackages++
			p.print(w, true)
			fmt.Fprintf(w, "FAIL\t%s [no result: the test binary was stopped?]\n", name)
		}
	}
	return c.report(w)
}

// print writes what the package's failed and skipped tests printed, and
// its own output: its result line, and more when it failed. Of a package
// that failed it also writes what its unfinished tests printed.
func (p *pkg) print(w io.Writer, failed bool) {
	for _, e := range p.events {
		var show bool
		switch res := p.result[e.Test]; {
		case strings.HasPrefix(e.Output, "=== "): // RUN, PAUSE, CONT, NAME
		case e.Test == "":
			show = failed || (e.Output != "PASS\n" && e.Output != "FAIL\n")
		default:
			show = res == "fail" || res == "skip" || (res == "" && failed)
		}
		if show {
			fmt.Fprint(w, e.Output)
		}
	}
}

func (c *counts) report(w io.Writer) int {
	code := 0
	if c.skipped > 0 {
		code = 1
		slices.Sort(c.skips)
		fmt.Fprintf(w, "\n%d skipped (CI installs every tool and sets every input, so a skip is a check that did not run):\n", c.skipped)
		for _, s := range c.skips {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	if c.failed > 0 || c.badPackages > 0 {
		code = 1
	}
	if c.passed+c.failed == 0 {
		code = 1
		fmt.Fprintln(w, "\nno test ran")
	}
	fmt.Fprintf(w, "\ntests: %d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped)
	return code
}

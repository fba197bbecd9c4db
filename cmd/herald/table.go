package main

import (
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// A table writes the lists of the commands (tags, tokens, sources,
// subscribers) in columns two spaces apart, padded by the width a terminal
// gives each letter: two columns for Chinese, Japanese and Korean letters
// and other wide ones, none for combining marks. text/tabwriter counts
// runes, so that a Japanese name pushed the columns after it out of line.
type table struct {
	rows [][]string
}

// row adds a row. Tabs, newlines and other control characters in a cell
// become spaces: one cell is one line.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, c)
	}
	t.rows = append(t.rows, cells)
}

// write writes the rows; the last cell of a row is not padded, nor are
// cells followed by empty ones only, so that no line ends in spaces.
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		for len(row) > 0 && row[len(row)-1] == "" {
			row = row[:len(row)-1]
		}
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many columns of a terminal s takes: East Asian wide
// and fullwidth letters take two, combining marks and format characters
// none, the rest one (East Asian ambiguous letters too, as most terminals
// outside East Asian locales show them).
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case isWide(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return true
	}
	return false
}

// clip cuts s to at most n columns of a terminal, at a letter's edge,
// ending it with "..." when it is cut.
func clip(s string, n int) string {
	if displayWidth(s) <= n {
		return s
	}
	w := 0
	for i, r := range s {
		rw := displayWidth(string(r))
		if w+rw > n-3 {
			return s[:i] + "..."
		}
		w += rw
	}
	return s
}

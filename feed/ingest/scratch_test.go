package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestScratchScale(t *testing.T) {
	h := "Title\n\nPosted: April 4, 2014\n\n"
	n := 4<<20 - 100
	cases := map[string]string{
		"dashes": h + strings.Repeat("-", n), "words": h + strings.Repeat("word -- ", n/8),
		"emails": h + strings.Repeat("-- a@b.c ", n/9), "paragraphs": h + strings.Repeat("Short para -- Jane Doe\n\n", n/24),
		"cues": h + strings.Repeat("Subscribe now\n\n", n/15), "spam": h + strings.Repeat("protected from spam ", n/20),
		"phones": h + strings.Repeat("202-555-0147 ", n/13), "prices": h + strings.Repeat("$1.00 ", n/6),
	}
	for name, doc := range cases {
		start := time.Now()
		_, err := Parse("x.txt", []byte(doc), Options{})
		fmt.Printf("%-12s %8v %.90v\n", name, time.Since(start).Round(time.Millisecond), err)
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is a bytes.Buffer that counts the writes it gets.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogBufferKeepsEveryLineInOrder(t *testing.T) {
	out := &lockedBuffer{}
	b := newLogBuffer(out)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				fmt.Fprintf(b, "g%d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 20000 {
		t.Fatalf("got %d lines, want 20000", len(lines))
	}
	for _, l := range lines {
		var g string
		var i int
		if _, err := fmt.Sscanf(l, "%s line %d", &g, &i); err != nil {
			t.Fatalf("mangled line %q: %v", l, err)
		}
		if i != next[g] {
			t.Fatalf("%s: got line %d, want %d", g, i, next[g])
		}
		next[g]++
	}
}

func TestLogBufferWritesFromItsOwnGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &lockedBuffer{}
		b := newLogBuffer(out)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { b.run(ctx, 200*time.Millisecond); close(done) }()

		fmt.Fprintln(b, "first")
		synctest.Wait()
		if got := out.String(); got != "" {
			t.Fatalf("a line reached the writer before the interval: %q", got)
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if got := out.String(); got != "first\n" {
			t.Fatalf("after the interval: got %q, want the line", got)
		}

		// Past flushAt the flusher is woken at once, not at the next tick.
		big := strings.Repeat("x", flushAt) + "\n"
		b.Write([]byte(big))
		synctest.Wait()
		if got := out.String(); got != "first\n"+big {
			t.Fatalf("a full buffer was not written out at once: %d bytes", len(got))
		}

		fmt.Fprintln(b, "last")
		cancel()
		<-done
		if got := out.String(); !strings.HasSuffix(got, "last\n") {
			t.Fatalf("run did not flush at shutdown: ends %q", got[len(got)-10:])
		}
	})
}

func TestLogBufferBoundsMemory(t *testing.T) {
	out := &lockedBuffer{}
	b := newLogBuffer(out) // no run: nobody flushes but Write itself
	line := []byte(strings.Repeat("y", 1023) + "\n")
	for range blockAt/len(line) + 10 {
		b.Write(line)
	}
	if out.writes == 0 {
		t.Fatal("Write never wrote out although nobody flushed past blockAt")
	}
	b.mu.Lock()
	n := len(b.buf)
	b.mu.Unlock()
	if n >= blockAt {
		t.Fatalf("buffer holds %d bytes, want under %d", n, blockAt)
	}
}

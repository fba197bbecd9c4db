package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// report counts what the clients met and prints it: a line every so often,
// a table by minute and a summary at the end.
type report struct {
	out   io.Writer
	srv   *server
	h     *herald
	pub   *publisher
	dir   string
	db    string
	start time.Time

	mu      sync.Mutex
	line    window // since the last line
	minute  window // since the last minute
	total   window // since the start, without latencies
	byOp    map[string]int
	minutes []minuteRow
	// The publisher's 200s and 304s at the last line and the last minute.
	polled, minutePolled [2]int64
}

// window is what happened over some time.
type window struct {
	reqs, notModified int
	errs              map[string]int
	lat               []time.Duration
}

func (w *window) add(d time.Duration, kind string, notModified bool, keepLatency bool) {
	w.reqs++
	if notModified {
		w.notModified++
	}
	if kind != "" {
		if w.errs == nil {
			w.errs = map[string]int{}
		}
		w.errs[kind]++
	}
	if keepLatency {
		w.lat = append(w.lat, d)
	}
}

func (w *window) errors() int {
	n := 0
	for _, c := range w.errs {
		n += c
	}
	return n
}

// showErrors is "0", or each kind of error with its count.
func (w *window) showErrors() string {
	if len(w.errs) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(w.errs)) {
		parts = append(parts, k+"="+strconv.Itoa(w.errs[k]))
	}
	return strings.Join(parts, " ")
}

// quantile returns the q-quantile of the latencies (sorting them).
func (w *window) quantile(q float64) time.Duration {
	if len(w.lat) == 0 {
		return 0
	}
	slices.Sort(w.lat)
	return w.lat[min(len(w.lat)-1, int(q*float64(len(w.lat))))]
}

// minuteRow is one row of the table by minute.
type minuteRow struct {
	minute     int
	reqs, errs int
	p50, p99   time.Duration
	rss, goal  float64 // MB; goal < 0 when /metrics did not say
	goroutines int
	polled200  int64
	polled304  int64
}

// sample is herald's memory and the like at one moment. goal is the heap
// size at which the next garbage collection starts: the live heap after
// the last one times 1+GOGC/100 (5, as herald serve sets GOGC=400; less
// near the soft memory limit serve sets, see README), which follows the
// live heap without the saw-tooth of heap in use.
type sample struct {
	rss, heap  float64 // MB; heap < 0 when unknown
	goal       float64 // MB; < 0 when unknown
	goroutines int     // -1 when unknown
	dbMB       float64 // -1 when unknown (PostgreSQL)
}

func newReport(out io.Writer, srv *server, h *herald, pub *publisher, dir, db string) *report {
	return &report{out: out, srv: srv, h: h, pub: pub, dir: dir, db: db, start: time.Now(), byOp: map[string]int{}}
}

func (r *report) record(op string, d time.Duration, kind string, notModified bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byOp[op]++
	r.line.add(d, kind, notModified, true)
	r.minute.add(d, kind, notModified, true)
	r.total.add(d, kind, notModified, false)
}

// tick prints a line every `every` until ctx ends, and a last one then.
func (r *report) tick(ctx context.Context, every time.Duration) {
	fmt.Fprintf(r.out, "%7s %7s %6s %6s %8s %8s %8s %7s %7s %7s %5s %11s %6s  %s\n",
		"elapsed", "reqs", "req/s", "304s", "p50", "p99", "max", "rss MB", "heap MB", "goal MB", "gor", "polls ok/304", "db MB", "errors")
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			r.printLine(time.Since(last), true)
			return
		case now := <-t.C:
			r.printLine(now.Sub(last), false)
			last = now
		}
	}
}

func (r *report) printLine(span time.Duration, final bool) {
	s := r.sample()
	ok, nm := r.pub.ok.Load(), r.pub.notModified.Load()
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.line
	r.line = window{}
	elapsed := time.Since(r.start)
	polled := [2]int64{ok - r.polled[0], nm - r.polled[1]}
	r.polled = [2]int64{ok, nm}
	if !final || w.reqs > 0 { // else the run ended on a line
		fmt.Fprintf(r.out, "%7s %7d %6.1f %6d %8s %8s %8s %7.1f %7s %7s %5s %11s %6s  %s\n",
			clock(elapsed), w.reqs, float64(w.reqs)/span.Seconds(), w.notModified,
			ms(w.quantile(0.5)), ms(w.quantile(0.99)), ms(w.quantile(1)),
			s.rss, mb(s.heap), mb(s.goal), count(s.goroutines), fmt.Sprintf("%d/%d", polled[0], polled[1]), mb(s.dbMB), w.showErrors())
	}

	// Close the minute when a minute mark has passed, or at the end.
	if m := int(elapsed / time.Minute); m > len(r.minutes) || (final && r.minute.reqs > 0) {
		row := minuteRow{minute: len(r.minutes) + 1, reqs: r.minute.reqs, errs: r.minute.errors(),
			p50: r.minute.quantile(0.5), p99: r.minute.quantile(0.99), rss: s.rss, goal: s.goal, goroutines: s.goroutines}
		row.polled200, row.polled304 = ok-r.minutePolled[0], nm-r.minutePolled[1]
		r.minutePolled = [2]int64{ok, nm}
		r.minutes = append(r.minutes, row)
		r.minute = window{}
	}
}

// sample reads herald's resident memory from /proc and its heap and
// goroutines from /metrics.
func (r *report) sample() sample {
	s := sample{heap: -1, goal: -1, goroutines: -1, dbMB: -1}
	s.rss = procStatus(r.srv.cmd.Process.Pid, "VmRSS")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if status, _, b, err := r.h.do(ctx, "GET", "/metrics", ""); err == nil && status == http.StatusOK {
		for line := range strings.Lines(string(b)) {
			name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				continue
			}
			switch name {
			case "go_memstats_heap_inuse_bytes":
				s.heap = v / 1e6
			case "go_memstats_next_gc_bytes":
				s.goal = v / 1e6
			case "go_goroutines":
				s.goroutines = int(v)
			}
		}
	}
	if !strings.Contains(r.db, "://") {
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(r.db + suffix); err == nil {
				size += fi.Size()
			}
		}
		s.dbMB = float64(size) / 1e6
	}
	return s
}

// procStatus reads a field of /proc/PID/status given in kB, in MB; 0 if
// it cannot.
func procStatus(pid int, field string) float64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1000
		}
	}
	return 0
}

// summary prints the totals, what the server logged and the state of the
// sources, and the table by minute in Markdown.
func (r *report) summary(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	elapsed := time.Since(r.start)
	fmt.Fprintf(r.out, "\n%d requests in %v (%.1f/s): ", r.total.reqs, elapsed.Round(time.Second), float64(r.total.reqs)/elapsed.Seconds())
	var ops []string
	for _, k := range slices.Sorted(maps.Keys(r.byOp)) {
		ops = append(ops, fmt.Sprintf("%s %d", k, r.byOp[k]))
	}
	fmt.Fprintf(r.out, "%s; %d answered 304\n", strings.Join(ops, ", "), r.total.notModified)
	fmt.Fprintf(r.out, "errors: %s\n", r.total.showErrors())
	fmt.Fprintf(r.out, "publisher: %d polls answered 200, %d answered 304\n", r.pub.ok.Load(), r.pub.notModified.Load())
	if n, first := r.srv.errorLines(); n > 0 {
		fmt.Fprintf(r.out, "herald logged %d errors; the first: %s\n", n, first)
	} else {
		fmt.Fprintln(r.out, "herald logged no error")
	}
	fmt.Fprintf(r.out, "herald's peak resident memory: %.1f MB\n", procStatus(r.srv.cmd.Process.Pid, "VmHWM"))
	var srcs struct {
		Sources []struct {
			ConsecutiveErrors int    `json:"consecutive_errors"`
			LastError         string `json:"last_error"`
			Items             int    `json:"items"`
		} `json:"sources"`
	}
	if status, _, b, err := r.h.do(ctx, "GET", "/api/sources", "", "Authorization", "Bearer "+r.h.token); err == nil && status == 200 {
		json.Unmarshal(b, &srcs)
		failing, items, lastErr := 0, 0, ""
		for _, s := range srcs.Sources {
			items += s.Items
			if s.ConsecutiveErrors > 0 {
				failing++
				lastErr = s.LastError
			}
		}
		if lastErr != "" {
			lastErr = " (the last error of one: " + lastErr + ")"
		}
		fmt.Fprintf(r.out, "sources: %d, %d failing%s, %d items stored\n", len(srcs.Sources), failing, lastErr, items)
	}

	fmt.Fprintln(r.out, "\n| minute | requests | errors | p50 | p99 | polls 200/304 | RSS MB | GC goal MB | goroutines |")
	fmt.Fprintln(r.out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, m := range r.minutes {
		fmt.Fprintf(r.out, "| %d | %d | %d | %s | %s | %d/%d | %.0f | %s | %s |\n",
			m.minute, m.reqs, m.errs, ms(m.p50), ms(m.p99), m.polled200, m.polled304, m.rss, mb(m.goal), count(m.goroutines))
	}
}

// clock shows d as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// ms shows d in milliseconds.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fms", float64(d)/1e6)
}

func mb(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func count(n int) string {
	if n < 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

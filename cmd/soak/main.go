// Command soak runs herald serve under a steady mixed load for a while and
// reports how it holds up: requests, errors and memory over time.
//
//	go run ./cmd/soak -duration 10m
//
// It builds herald into a temporary folder, starts "herald serve" on a
// loopback port with a new SQLite database there (or -db postgres://...),
// starts a loopback publisher of -sources RSS feeds that gain an item every
// -item-every, registers them as sources polled every minute (the server's
// own poller, looking every 5 seconds), and then for -duration sends -rate
// requests a second from -workers clients: feed reads with If-None-Match,
// pages, searches, API listings walked by cursor, and API writes (PUT,
// POST, DELETE of articles). Every -every it prints a line: requests,
// errors by kind, latency, herald's resident memory (from /proc) and heap
// and goroutines (from /metrics); at the end a table by minute. -mix
// changes the share of each kind of request (-mix search=0 leaves searches
// out). Everything listens on 127.0.0.1 only, and everything it made is
// removed at the end (but a -db PostgreSQL database, which it leaves as it
// is).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	duration, every, itemEvery time.Duration
	rate, workers, sources     int
	db, herald                 string
	keep                       bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var c config
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "how long to send load")
	fs.DurationVar(&c.every, "every", 10*time.Second, "how often to print a line")
	fs.IntVar(&c.rate, "rate", 100, "requests a second, all clients together (0: as fast as they go)")
	fs.IntVar(&c.workers, "workers", 8, "clients sending requests at once")
	fs.IntVar(&c.sources, "sources", 40, "feeds of the loopback publisher, each a source polled every minute")
	fs.DurationVar(&c.itemEvery, "item-every", 2*time.Minute, "how often each feed gains an item")
	fs.StringVar(&c.db, "db", "", "a postgres:// URL of an empty database to use instead of a new SQLite file")
	fs.StringVar(&c.herald, "herald", "", "a herald binary to run instead of building ./cmd/herald")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary folder (database, log) and say where it is")
	mix := fs.String("mix", "", "weights of the kinds of request, such as search=0,put=50 (default "+showMix()+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := setMix(*mix); err != nil {
		return err
	}
	if c.duration <= 0 || c.every <= 0 || c.workers < 1 || c.sources < 1 || c.rate < 0 {
		return errors.New("-duration, -every, -workers and -sources must be positive, -rate not negative")
	}

	dir, err := os.MkdirTemp("", "herald-soak-")
	if err != nil {
		return err
	}
	defer func() {
		if c.keep {
			fmt.Fprintf(stdout, "kept %s\n", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	bin := c.herald
	if bin == "" {
		bin = filepath.Join(dir, "herald")
		fmt.Fprintln(stdout, "building herald...")
		if err := build(ctx, bin); err != nil {
			return err
		}
	}
	db := c.db
	if db == "" {
		db = filepath.Join(dir, "herald.db")
	}

	pub, err := startPublisher(c.sources, c.itemEvery)
	if err != nil {
		return err
	}
	defer pub.close()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	out, err := exec.CommandContext(ctx, bin, "token", "--db", db, "--base-url", base, "create", "soak").Output()
	if err != nil {
		return fmt.Errorf("herald token create: %w", err)
	}
	token := strings.TrimSpace(string(out))

	srv, err := startServer(bin, dir, db, addr)
	if err != nil {
		return err
	}
	defer srv.stop(stdout)
	if err := srv.ready(ctx); err != nil {
		return err
	}

	h := &herald{base: base, token: token, client: newClient(c.workers)}
	if err := h.addSources(ctx, pub); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "herald %s (pid %d), database %s, %d sources at %s; %v of load at %d requests/s from %d clients\n",
		base, srv.cmd.Process.Pid, showDB(db), c.sources, pub.url, c.duration, c.rate, c.workers)

	rep := newReport(stdout, srv, h, pub, dir, db)
	loadCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	load(loadCtx, h, rep, c.workers, c.rate, c.every)
	rep.summary(ctx)
	if err := srv.exited(); err != nil {
		return fmt.Errorf("herald serve stopped during the run: %w", err)
	}
	return nil
}

// build builds ./cmd/herald of the module that holds the working folder.
func build(ctx context.Context, bin string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return fmt.Errorf("run soak inside herald's module (go env GOMOD: %v)", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/herald")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/herald: %w", err)
	}
	return nil
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// showDB is db without a password.
func showDB(db string) string {
	if i, j := strings.Index(db, "://"), strings.LastIndex(db, "@"); i >= 0 && j > i {
		if k := strings.Index(db[i+3:j], ":"); k >= 0 {
			return db[:i+3+k] + ":xxxxx" + db[j:]
		}
	}
	return db
}

// server is the herald serve process.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  string // its stderr, the log
	done chan struct{}
	err  error // how it ended, once done is closed
}

func startServer(bin, dir, db, addr string) (*server, error) {
	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr, "--base-url", "http://"+addr,
		"--title", "Soak Desk", "--allow-private-sources", "--poll-interval", "5s", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start herald serve: %w", err)
	}
	s := &server{cmd: cmd, addr: addr, log: logPath, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	return s, nil
}

// ready waits for /healthz to answer 200.
func (s *server) ready(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("herald serve exited at start (%v):\n%s", s.err, s.logTail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("herald serve did not answer /healthz within a minute:\n%s", s.logTail(20))
}

// exited returns how the server ended if it ended before being stopped.
func (s *server) exited() error {
	select {
	case <-s.done:
		if s.err == nil {
			return errors.New("exit status 0")
		}
		return s.err
	default:
		return nil
	}
}

// stop ends the server as an operator would, SIGTERM, and kills it if it
// is not gone within 30 seconds.
func (s *server) stop(stdout io.Writer) {
	select {
	case <-s.done:
		return
	default:
	}
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		fmt.Fprintf(stdout, "herald serve stopped in %v (%v)\n", time.Since(start).Round(time.Millisecond), s.err)
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		fmt.Fprintln(stdout, "herald serve did not stop within 30s of SIGTERM; killed")
	}
}

// logTail returns the last n lines of the server's log.
func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// errorLines counts the lines the server logged at level ERROR, and returns
// the first of them.
func (s *server) errorLines() (n int, first string) {
	f, err := os.Open(s.log)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte(`"level":"ERROR"`)) || bytes.Contains(line, []byte("level=ERROR")) {
			if n == 0 {
				first = string(line)
			}
			n++
		}
	}
	return n, first
}

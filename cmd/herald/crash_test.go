package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/storetest"
)

// The crash test kills herald with SIGKILL while it writes, at random
// moments, a few times over: herald ingest on a folder of article files,
// and herald serve taking a stream of POSTs. After each kill the database
// passes SQLite's integrity check, holds every article whose write was
// acknowledged (a 201; ingest acknowledges nothing before its summary, and
// stores whole batches), and a rerun completes with the rest. On
// PostgreSQL, where integrity is the server's business, acknowledged writes
// survive a killed herald serve.
//
// The processes are real (the herald binary, built into a temporary
// folder), on loopback. The moments are random; the seed is logged.

const crashTrials = 3

func TestCrash(t *testing.T) {
	bin := buildHerald(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	t.Run("Ingest", func(t *testing.T) { crashIngest(t, bin, rng) })
	t.Run("Serve", func(t *testing.T) {
		for i := range crashTrials {
			db := filepath.Join(t.TempDir(), "herald.db")
			crashServe(t, bin, db, i, rng)
		}
	})
	t.Run("ServePostgres", func(t *testing.T) {
		storetest.PostgresServer(t)
		for i := range crashTrials {
			crashServe(t, bin, storetest.PostgresURL(t), i, rng)
		}
	})
}

// buildHerald builds the herald binary into a temporary folder.
func buildHerald(t *testing.T) string {
	t.Helper()
	// go test puts its own go first in PATH.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "herald")
	out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startHerald starts the herald binary with args; the test kills it at its end
// if it still runs.
func startHerald(t *testing.T, bin string, stdout, stderr io.Writer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HERALD_DB=", "HERALD_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// killHerald kills cmd with SIGKILL and waits for it; it reports whether cmd had
// ended by itself first.
func killHerald(t *testing.T, cmd *exec.Cmd) (ended bool) {
	t.Helper()
	err := cmd.Process.Kill()
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	cmd.Wait()
	return cmd.ProcessState.Success()
}

// checkIntegrity opens the SQLite database at path as herald would (which
// recovers its write-ahead log) and runs SQLite's integrity check.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&got); err != nil || got != "ok" {
		t.Fatalf("integrity check of %s: got %q, %v; want ok", path, got, err)
	}
}

// storedIDs returns the ids of every article the database dsn names holds,
// sorted.
func storedIDs(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []string
	f := feed.ArticleFilter{Order: feed.OrderChanged, Limit: feed.MaxLimit}
	for {
		page, err := db.ArticlePage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Articles {
			ids = append(ids, a.ID)
		}
		if !page.More {
			break
		}
		f.Cursor = page.NextCursor
	}
	slices.Sort(ids)
	return ids
}

// crashIngest kills herald ingest at random moments while it stores a
// folder of article files, in batches of batchSize, each in a transaction.
func crashIngest(t *testing.T, bin string, rng *rand.Rand) {
	const files = 5000
	dir := t.TempDir()
	want := make([]string, files)
	for i := range files {
		want[i] = fmt.Sprintf("a%05d", i)
		body := fmt.Sprintf("---\ntitle: Grid operators drill, round %d\npublished: 2026-11-21\n---\n\n"+
			"Utilities rehearsed their answer to a cyber attack on the power grid, round %d.\n", i, i)
		if err := os.WriteFile(filepath.Join(dir, want[i]+".md"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for trial := range crashTrials {
		db := filepath.Join(t.TempDir(), "herald.db")
		var stdout bytes.Buffer
		pr, pw := io.Pipe()
		cmd := startHerald(t, bin, &stdout, pw, "ingest", "--db", db, dir)
		// Its first line of progress comes when a tenth of the files are
		// read, before the first batch is stored.
		reading := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(pr)
			for first := true; sc.Scan(); {
				if first && strings.HasPrefix(sc.Text(), "ingest: ") {
					close(reading)
					first = false
				}
			}
			io.Copy(io.Discard, pr)
		}()
		select {
		case <-reading:
		case <-time.After(30 * time.Second):
			t.Fatalf("trial %d: ingest shows no progress", trial)
		}
		delay := time.Duration(rng.Int64N(int64(1200 * time.Millisecond)))
		time.Sleep(delay) // the random moment
		ended := killHerald(t, cmd)
		pw.Close()

		checkIntegrity(t, db)
		got := storedIDs(t, db)
		t.Logf("trial %d: killed %v after its first progress: %d of %d articles stored", trial, delay.Round(time.Millisecond), len(got), files)
		if ended {
			// It ended first, and said what it stored: everything.
			if !strings.Contains(stdout.String(), fmt.Sprintf("%d articles created", files)) || len(got) != files {
				t.Errorf("trial %d: ingest ended before the kill, printing %q, and %d articles are stored; want %d", trial, stdout.String(), len(got), files)
			}
		} else if len(got)%batchSize != 0 || !slices.Equal(got, want[:len(got)]) {
			t.Errorf("trial %d: %d articles stored (%q...); want whole batches of %d, the first files first", trial, len(got), got[:min(3, len(got))], batchSize)
		}

		// The rerun stores the rest and leaves the rest unchanged.
		out, err := exec.Command(bin, "ingest", "--db", db, dir).Output()
		summary := fmt.Sprintf("%d files: %d articles created, 0 updated, %d unchanged; 0 files failed", files, files-len(got), len(got))
		if err != nil || !strings.Contains(string(out), summary) {
			t.Errorf("trial %d: rerun: %v %q, want %q", trial, err, out, summary)
		}
		if got := storedIDs(t, db); !slices.Equal(got, want) {
			t.Errorf("trial %d: after the rerun %d articles are stored, want %d", trial, len(got), files)
		}
		checkIntegrity(t, db)
	}
}

// crashServe kills herald serve on the database dsn at a random moment
// while writers POST articles to it; then a server started again takes
// the writes that were not acknowledged.
func crashServe(t *testing.T, bin, dsn string, trial int, rng *rand.Rand) {
	token, err := exec.Command(bin, "token", "create", "crash", "--db", dsn).Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	secret := strings.TrimSpace(string(token))
	cmd, base := startServe(t, bin, dsn)

	const writers = 4
	var (
		mu        sync.Mutex
		acked     []string
		attempted []string
		wg        sync.WaitGroup
	)
	twenty := make(chan struct{})
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("t%d-w%d-%05d", trial, w, i)
				mu.Lock()
				attempted = append(attempted, id)
				mu.Unlock()
				status, err := postArticle(client, base, secret, "POST", id)
				if err != nil {
					return // killed
				}
				if status != http.StatusCreated {
					t.Errorf("POST %s: got %d, want 201", id, status)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				if len(acked) == 20 {
					close(twenty)
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-twenty:
	case <-time.After(30 * time.Second):
		t.Fatalf("trial %d: the server acknowledged no 20 writes", trial)
	}
	delay := time.Duration(rng.Int64N(int64(500 * time.Millisecond)))
	time.Sleep(delay) // the random moment
	killHerald(t, cmd)
	wg.Wait()
	if !isPostgresURL(dsn) {
		checkIntegrity(t, dsn)
	}

	got := storedIDs(t, dsn)
	ackedSorted := slices.Sorted(slices.Values(acked))
	var lost []string
	for _, id := range acked {
		if _, ok := slices.BinarySearch(got, id); !ok {
			lost = append(lost, id)
		}
	}
	t.Logf("trial %d (%s): killed %v after the 20th acknowledgement: %d writes acknowledged, %d stored, %d attempted",
		trial, engine(dsn), delay.Round(time.Millisecond), len(acked), len(got), len(attempted))
	if len(lost) > 0 {
		t.Errorf("trial %d: %d acknowledged writes were lost: %q", trial, len(lost), lost[:min(5, len(lost))])
	}
	if len(got) < len(acked) || len(got) > len(attempted) {
		t.Errorf("trial %d: %d articles stored, want from %d to %d", trial, len(got), len(acked), len(attempted))
	}

	// Again: the writes that were not acknowledged, sent as PUTs, which
	// create or leave alone what is there, go in.
	cmd, base = startServe(t, bin, dsn)
	for _, id := range attempted {
		if _, ok := slices.BinarySearch(ackedSorted, id); ok {
			continue
		}
		if status, err := postArticle(client, base, secret, "PUT", id); err != nil || (status != http.StatusCreated && status != http.StatusOK) {
			t.Errorf("trial %d: PUT %s again: got %d, %v", trial, id, status, err)
		}
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("trial %d: serve stopped with %v, want exit 0", trial, err)
	}
	slices.Sort(attempted)
	if got := storedIDs(t, dsn); !slices.Equal(got, attempted) {
		t.Errorf("trial %d: after the rerun %d articles are stored, want %d", trial, len(got), len(attempted))
	}
}

// startServe starts herald serve on dsn and returns it with its base URL.
func startServe(t *testing.T, bin, dsn string) (*exec.Cmd, string) {
	t.Helper()
	pr, pw := io.Pipe()
	cmd := startHerald(t, bin, pw, io.Discard, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--poll=false", "--hub=false")
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() { pw.Close() })
	_, rest, _ := strings.Cut(line, "serving ")
	base, _, _ := strings.Cut(rest, " ")
	return cmd, base
}

// postArticle sends the article id with method (POST to the collection,
// PUT to its own URL) and returns the status.
func postArticle(client *http.Client, base, token, method, id string) (int, error) {
	url := base + "/api/articles"
	if method == "PUT" {
		url += "/" + id
	}
	body := fmt.Sprintf(`{"id":%q,"title":"Pipeline operators report %s","content":"<p>Operators reported an intrusion attempt on a pipeline control system.</p>","published":"2026-11-21T10:00:00Z"}`, id, id)
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

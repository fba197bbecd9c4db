package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeSubscriber returns node and the .ci folder holding the npm package
// pubsubhubbub. When either is missing the test is skipped, unless CI is set:
// CI installs them (.ci/run), so there it fails.
func nodeSubscriber(t *testing.T) (node, ciDir string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") == "" {
			t.Skipf("skipped: %s (install Debian package nodejs and run npm ci --prefix .ci)", what)
		}
		t.Fatalf("%s (CI must install it)", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found")
	}
	ciDir, err = filepath.Abs(filepath.Join("..", "..", ".ci"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ciDir, "node_modules", "pubsubhubbub", "package.json")); err != nil {
		missing("npm package pubsubhubbub not found in .ci/node_modules")
	}
	return node, ciDir
}

// subscriberEvent is one line that feed/websub/testdata/subscriber.mjs prints.
type subscriberEvent struct {
	Event       string `json:"event"`
	Callback    string `json:"callback"`
	Topic       string `json:"topic"`
	ContentType string `json:"contentType"`
	Link        string `json:"link"`
	Signature   string `json:"signature"`
	Body        string `json:"body"`
	Message     string `json:"message"`
}

// TestHubPushesToNodeSubscriber runs a third-party WebSub subscriber, the
// npm package pubsubhubbub, against herald serve: it subscribes through the
// hub, its intent is verified, and an article ingested by another process
// (herald ingest) reaches it within seconds.
func TestHubPushesToNodeSubscriber(t *testing.T) {
	node, ciDir := nodeSubscriber(t)
	s := startServer(t, "--allow-private-callbacks", "--hub-check-every", "200ms")
	topic := s.base + "/tags/critical-infrastructure/feed.atom"

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "..", "feed", "websub", "testdata", "subscriber.mjs"),
		ciDir, s.base+"/websub", topic, "1", "90000")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	events := make(chan subscriberEvent)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var ev subscriberEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = subscriberEvent{Event: "unreadable", Message: sc.Text()}
			}
			events <- ev
		}
	}()
	deadline := time.After(90 * time.Second)
	next := func(want string) subscriberEvent {
		t.Helper()
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("the subscriber ended before %q: %v\n%s", want, cmd.Wait(), stderr.String())
				}
				if ev.Event == want {
					return ev
				}
				if ev.Event != "listening" {
					t.Fatalf("waiting for %q, the subscriber said %+v\n%s", want, ev, stderr.String())
				}
			case <-deadline:
				t.Fatalf("no %q from the subscriber within 90s\n%s", want, stderr.String())
			}
		}
	}
	if ev := next("subscribe"); ev.Topic != topic {
		t.Errorf("verified topic %q, want %q", ev.Topic, topic)
	}
	// The subscriber has echoed the challenge; the hub stores the lease
	// right after. News from before that would not be news to it.
	for waited := time.Duration(0); ; waited += 20 * time.Millisecond {
		if _, out, _ := s.herald(t, "hub", "list"); strings.Contains(out, topic) {
			break
		}
		if waited > time.Minute {
			t.Fatal("the verified subscription was not stored within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}

	dir := t.TempDir()
	writeFile(t, dir, "grid.md", "---\ntitle: Grid operators drill for a cyberattack\npublished: 2026-11-21\n---\n\nUtilities practised restoring the power grid after a simulated cyber intrusion.\n")
	ingested := time.Now()
	if code, _, stderr := s.herald(t, "ingest", dir); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	ev := next("feed")
	t.Logf("the push arrived %v after the ingest", time.Since(ingested).Round(time.Millisecond))
	if ev.Topic != topic || ev.ContentType != "application/atom+xml; charset=utf-8" {
		t.Errorf("push: topic %q, Content-Type %q", ev.Topic, ev.ContentType)
	}
	if !strings.Contains(ev.Body, "Grid operators drill for a cyberattack") {
		t.Errorf("the pushed feed lacks the new article:\n%s", ev.Body)
	}
	if !strings.Contains(ev.Link, `<`+s.base+`/websub>; rel="hub"`) || !strings.Contains(ev.Link, `<`+topic+`>; rel="self"`) {
		t.Errorf("push Link %q, want the hub and the topic", ev.Link)
	}
	if ev.Signature != "" {
		t.Errorf("unsigned subscription got X-Hub-Signature %q", ev.Signature)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("subscriber: %v\n%s", err, stderr.String())
	}

	// The delivery is in the subscription's log.
	code, list, errOut := s.herald(t, "hub", "list")
	if code != 0 {
		t.Fatalf("hub list: exit %d: %s", code, errOut)
	}
	for _, want := range []string{topic, "callback  http://127.0.0.1:", "verify   attempt 1", "content  attempt 1", "204 No Content", "up to date"} {
		if !strings.Contains(list, want) {
			t.Errorf("hub list lacks %q:\n%s", want, list)
		}
	}
	if code, out, errOut := s.herald(t, "hub", "remove", "1"); code != 0 || !strings.Contains(out, "removed subscription 1") {
		t.Errorf("hub remove 1: exit %d %q %q", code, out, errOut)
	}
	if _, out, _ := s.herald(t, "hub", "list"); out != "no subscriptions\n" {
		t.Errorf("hub list after remove: %q", out)
	}
}

func TestHubCommand(t *testing.T) {
	s := startServer(t, "--hub=false")
	resp, _ := s.do(t, "POST", "/websub", "", "hub.mode=subscribe", "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 404 {
		t.Errorf("POST /websub with --hub=false: got %d, want 404", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", "/feed.atom", "", ""); strings.Contains(resp.Header.Get("Link"), `rel="hub"`) {
		t.Errorf("with --hub=false a feed advertises a hub: %s", resp.Header.Get("Link"))
	}
	if code, out, _ := s.herald(t, "hub", "list"); code != 0 || out != "no subscriptions\n" {
		t.Errorf("hub list: exit %d %q, want 0 and no subscriptions", code, out)
	}
	if code, _, errOut := s.herald(t, "hub", "remove", "7"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("hub remove of an unknown ID: exit %d %q, want 1 and not found", code, errOut)
	}
	if code, _, _ := s.herald(t, "hub", "frobnicate"); code != 2 {
		t.Errorf("hub frobnicate: exit %d, want 2", code)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"serve", "--external-hub", "ftp://x"}, noEnv, &out, &errOut); code != 2 {
		t.Errorf("serve --external-hub ftp://x: exit %d, want 2", code)
	}
}

package main

import (
	"strings"
	"testing"
)

func TestSubscriberCommands(t *testing.T) {
	s := startServer(t, "--demo", "--public-content", "summary")
	code, out, stderr := s.herald(t, "subscriber", "add", "partner-site", "--plan", "full", "--tags", "cyber-diplomacy", "--rate", "60/min")
	if code != 0 {
		t.Fatalf("subscriber add: exit %d: %s", code, stderr)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "hrs_") || !strings.Contains(stderr, "/s/"+token+"/tags/cyber-diplomacy/feed.atom") {
		t.Errorf("add printed %q and %q; want the token and its feed address", out, stderr)
	}
	pub, pubBody := s.do(t, "GET", "/tags/cyber-diplomacy/feed.atom", "", "")
	priv, privBody := s.do(t, "GET", "/s/"+token+"/tags/cyber-diplomacy/feed.atom", "", "", "User-Agent", "PartnerBot/1.0")
	if pub.StatusCode != 200 || priv.StatusCode != 200 {
		t.Fatalf("got %d and %d, want 200", pub.StatusCode, priv.StatusCode)
	}
	if strings.Contains(string(pubBody), "<content") || !strings.Contains(string(privBody), "<content") {
		t.Errorf("public feed has content: %v; partner feed has content: %v; want no and yes",
			strings.Contains(string(pubBody), "<content"), strings.Contains(string(privBody), "<content"))
	}
	code, out, _ = s.herald(t, "subscriber", "list")
	if code != 0 || !strings.Contains(out, "partner-site") || !strings.Contains(out, "cyber-diplomacy") {
		t.Errorf("list: exit %d %q", code, out)
	}
	if code, _, _ := s.herald(t, "subscriber", "revoke", "partner-site"); code != 0 {
		t.Fatal("revoke failed")
	}
	if r, _ := s.do(t, "GET", "/s/"+token+"/tags/cyber-diplomacy/feed.atom", "", ""); r.StatusCode != 403 {
		t.Errorf("revoked from the command line: got %d, want 403", r.StatusCode)
	}
	if code, _, _ := s.herald(t, "subscriber", "add", "x", "--plan", "gold"); code != 1 {
		t.Errorf("bad plan: exit %d, want 1", code)
	}
	if code, _, stderr := s.herald(t, "subscriber", "add", "y", "--rate", "fast"); code != 2 || !strings.Contains(stderr, "60/min") {
		t.Errorf("bad rate: exit %d %q, want 2 with an example", code, stderr)
	}
}

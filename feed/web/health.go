package web

import (
	"io"
	"net/http"
	"time"
)

// health is the answer to /healthz?verbose=1.
type health struct {
	Status   string `json:"status"` // "ok", or "unavailable" when the database does not answer
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Engine   string `json:"engine,omitempty"` // "sqlite" or "postgres"
	Database string `json:"database"`         // "reachable" or "unreachable"
	// Uptime is how long this server has run, in seconds.
	Uptime float64 `json:"uptime_seconds"`
}

// handleHealth answers ok while the store answers, and 503 when it does
// not. With ?verbose=1 it answers in JSON, with the version and commit of
// the build, the database engine and the server's uptime: 200 or 503 as
// well, so that a check may ask for the details and still read the status.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	_, err := s.store.Version(r.Context())
	if v := r.URL.Query().Get("verbose"); v == "" || v == "0" || v == "false" {
		if err != nil {
			return refuse(errUnavailable, "store unavailable").because(err)
		}
		w.Header()["Content-Type"] = []string{textType}
		w.Header()["Cache-Control"] = s.cacheControl[noStore]
		io.WriteString(w, "ok\n")
		return nil
	}
	h := health{Status: "ok", Version: s.cfg.Version, Commit: s.cfg.Commit, Engine: s.cfg.Engine, Database: "reachable",
		Uptime: s.cfg.Now().Sub(s.started).Round(time.Second).Seconds()}
	if h.Version == "" {
		h.Version = "dev"
	}
	status := http.StatusOK
	if err != nil {
		h.Status, h.Database, status = "unavailable", "unreachable", http.StatusServiceUnavailable
		if rec, ok := w.(*statusRecorder); ok {
			rec.err = err // logged once, on the request's line
		}
	}
	s.writeJSON(w, status, noStore, h)
	return nil
}

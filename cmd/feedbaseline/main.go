// Command feedbaseline is the yardstick for herald's feed serving: the
// tightest Go server that gives the same answers. It fetches each feed from
// herald once (a 200, then a 304 with the ETag it got) and then answers
// every request from memory with the same status, headers and bytes: a map
// lookup by path, header values assigned straight into the header map, and
// If-None-Match compared as it arrives. load.sh runs wrk against both, side
// by side.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
)

// A doc is one feed as herald answered it.
type doc struct {
	etag       string
	ok, notMod []field // the headers of the 200 and of the 304
	body       []byte
}

// A field is one header, its name already in canonical form.
type field struct {
	key   string
	value []string
}

func main() {
	var from []string
	flag.Func("from", "URL of a herald feed to copy (repeatable)", func(s string) error {
		from = append(from, s)
		return nil
	})
	addr := flag.String("addr", "127.0.0.1:8091", "address to listen on")
	flag.Parse()
	if len(from) == 0 {
		log.Fatal("feedbaseline: -from is required")
	}
	docs := map[string]*doc{}
	for _, u := range from {
		d, path, err := fetch(u)
		if err != nil {
			log.Fatal(err)
		}
		docs[path] = d
		fmt.Fprintf(os.Stderr, "feedbaseline: serving %d bytes of %s on %s\n", len(d.body), u, *addr)
	}
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := docs[r.URL.Path]
		if d == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		h := w.Header()
		if inm := r.Header["If-None-Match"]; len(inm) == 1 && inm[0] == d.etag {
			for _, f := range d.notMod {
				h[f.key] = f.value
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		for _, f := range d.ok {
			h[f.key] = f.value
		}
		w.Write(d.body)
	})))
}

// fetch copies the feed at rawURL: its body and the headers of its 200 and
// of its 304.
func fetch(rawURL string) (*doc, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", err
	}
	get := func(etag string) (*http.Response, []byte, error) {
		req, err := http.NewRequest("GET", rawURL, nil)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Accept-Encoding", "identity") // wrk asks for no gzip
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	resp, body, err := get("")
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	d := &doc{body: body, etag: resp.Header.Get("ETag"), ok: fields(resp.Header)}
	if d.etag == "" {
		return nil, "", errors.New("fetch " + rawURL + ": no ETag")
	}
	resp, _, err = get(d.etag)
	if err == nil && resp.StatusCode != http.StatusNotModified {
		err = errors.New(resp.Status)
	}
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s with If-None-Match: %w", rawURL, err)
	}
	d.notMod = fields(resp.Header)
	return d, u.Path, nil
}

// fields lists the headers of a response but Date, which the server adds.
func fields(h http.Header) []field {
	var out []field
	for k, v := range h {
		if k != "Date" {
			out = append(out, field{k, v})
		}
	}
	return out
}

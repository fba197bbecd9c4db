// Command feedbaseline is the yardstick for herald's feed serving: a minimal
// Go server that fetches one feed from herald once and then answers every
// request with the same bytes from memory (200, or 304 on a matching
// If-None-Match). load.sh runs wrk against both, side by side.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
)

func main() {
	from := flag.String("from", "", "URL of the herald feed to copy")
	addr := flag.String("addr", "127.0.0.1:8091", "address to listen on")
	flag.Parse()
	resp, err := http.Get(*from)
	if err != nil {
		log.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		log.Fatalf("fetch %s: %d %v", *from, resp.StatusCode, err)
	}
	etag, ctype := resp.Header.Get("ETag"), resp.Header.Get("Content-Type")
	fmt.Fprintf(os.Stderr, "feedbaseline: serving %d bytes of %s on %s\n", len(body), *from, *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Content-Type", ctype)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	})))
}

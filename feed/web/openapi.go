package web

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of every /api/ route.
// openapi_test.go fails when a route is missing from it or it documents a
// route that is not served; edit it with the routes.
//
//go:embed openapi.json
var openAPIDoc []byte

// handleOpenAPI serves GET /api/openapi.json: the document, with this
// deployment's address as its server.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return err // the embedded file is checked by a test
	}
	doc["servers"] = []map[string]string{{"url": s.abs(""), "description": s.cfg.Title}}
	return s.writeList(w, r, doc, false, "")
}

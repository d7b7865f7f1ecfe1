package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

//go:embed openapi.json
var openAPIDoc []byte

// CheckOpenAPI fails start-up on a malformed embedded document.
func CheckOpenAPI() error {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return fmt.Errorf("http: openapi.json: %w", err)
	}
	return nil
}

func (s *Server) ApiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(openAPIDoc)
	return err
}

package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"github.com/pubdata/pubdata"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// assetSet serves the embedded static files under content-hashed names, app.<hash>.css, so
// that they can be cached for a year.
type assetSet struct {
	byName   map[string]string // "app.css" → "/assets/app.0123456789.css"
	byHashed map[string]asset  // "app.0123456789.css" → the file
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() (*assetSet, error) {
	set := &assetSet{byName: map[string]string{}, byHashed: map[string]asset{}}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "assets/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		set.byName[name] = "/assets/" + hashed
		set.byHashed[hashed] = asset{body: body, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("http: assets: %w", err)
	}
	return set, nil
}

// url returns the hashed URL of an asset.
func (a *assetSet) url(name string) (string, bool) {
	u, ok := a.byName[name]
	return u, ok
}

func (s *Server) ServeAsset(w http.ResponseWriter, r *http.Request) error {
	a, ok := s.assets.byHashed[r.PathValue("file")]
	if !ok {
		return pubdata.Errorf(pubdata.ENOTFOUND, "No such asset.").Keyed("error.not_found.asset")
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(a.body)
	return err
}

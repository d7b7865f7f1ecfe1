package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pubdata/pubdata/sqlstore"
)

// Regions as profiles (issue 17 item 5): serve --profile NAME, PUBDATA_PROFILE and the config
// file's profile choose the rules; explicit reply days still win over the profile's.
func TestConfigProfile(t *testing.T) {
	c, err := loadWith(t, []string{"--profile", "tianjin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ActiveProfile().Name != "tianjin" || c.ExplicitReplyDays().Open != 0 || c.ExplicitReplyDays().Share != 0 {
		t.Fatalf("--profile tianjin: %q %+v", c.Profile, c.ExplicitReplyDays())
	}
	if c, err = loadWith(t, nil, map[string]string{"PUBDATA_PROFILE": "jilin"}); err != nil || c.ActiveProfile().Name != "jilin" {
		t.Fatalf("PUBDATA_PROFILE: %v %v", c, err)
	}
	if c, err = loadWith(t, []string{"--config", writeFile(t, "c.toml", "profile = \"fujian\"\nopen_reply_days = 7\n")}, nil); err != nil ||
		c.ActiveProfile().Name != "fujian" || c.ExplicitReplyDays().Open != 7 || c.ExplicitReplyDays().Share != 0 {
		t.Fatalf("file: %v %+v", err, c)
	}
	if c, err = loadWith(t, []string{"--profile", "tianjin", "--share-reply-days", "3"}, map[string]string{"PUBDATA_OPEN_REPLY_DAYS": "4"}); err != nil ||
		c.ExplicitReplyDays().Share != 3 || c.ExplicitReplyDays().Open != 4 {
		t.Fatalf("explicit days: %v %+v", err, c.ExplicitReplyDays())
	}
	if c, err = loadWith(t, nil, nil); err != nil || c.ActiveProfile().Name != "default" || c.ExplicitReplyDays().Share != 0 {
		t.Fatalf("default: %v %+v", err, c)
	}
	for _, args := range [][]string{{"--profile", "zhejiang"}, {"--config", writeFile(t, "c.yaml", "profile: Fujian\n")}} {
		if _, err := loadWith(t, args, nil); err == nil || !strings.Contains(err.Error(), "setting profile") || !strings.Contains(err.Error(), "tianjin") {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

// TestServeProfile: the app serve builds under --profile tianjin counts open applications
// in two working days and says so in GET /api/v1/profile, on both databases.
func TestServeProfile(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		cfg := s.config()
		cfg.Profile = "tianjin"
		a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		if p := a.applications.(*sqlstore.ApplicationService).Profile; p == nil || p.Name != "tianjin" {
			t.Fatalf("applications' profile %v", p)
		}
		h, err := a.handler()
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/profile", nil))
		var p struct {
			Name      string `json:"name"`
			OpenReply struct {
				Days int `json:"days"`
				Cite struct {
					Ref string `json:"ref"`
				} `json:"cite"`
			} `json:"open_reply"`
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Name != "tianjin" || p.OpenReply.Days != 2 || p.OpenReply.Cite.Ref != "TJ23" {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
}

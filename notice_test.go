package pubdata

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestNoticeRules: every notification key declared in the domain has a recipient rule, and
// the rules send each notification to the right parties.
func TestNoticeRules(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	decl := regexp.MustCompile(`\b(Notice[A-Z][A-Za-z]*)\s*=\s*"([a-z_.]+)"`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
			found++
			if _, ok := NoticeRules[m[2]]; !ok {
				t.Errorf("%s (%q, %s) has no rule in NoticeRules", m[1], m[2], f)
			}
		}
	}
	if found < 15 {
		t.Fatalf("found only %d notification keys: the scan is broken", found)
	}
	p := NoticeParties{User: "u", Provider: "gat", Authorities: []string{"fj-dsj"}}
	for key, want := range map[string][]Recipient{
		NoticeApplicationNew:     {{Org: "gat", Role: RoleAdmin}, {Org: "gat", Role: RoleReviewer}},
		NoticeApplicationOverdue: {{Org: "fj-dsj", Role: RoleAdmin}, {Org: "fj-dsj", Role: RoleReviewer}, {Org: "gat", Role: RoleAdmin}, {Org: "gat", Role: RoleReviewer}},
		NoticeGrantRevoked:       {{User: "u"}},
		NoticeObjectionNew:       {{Org: "gat", Role: RoleAdmin}, {Org: "gat", Role: RoleEditor}, {Org: "gat", Role: RoleReviewer}},
		NoticeCalendarEnding:     {{Org: "fj-dsj", Role: RoleAdmin}},
		NoticeCommentRejected:    {{User: "u"}},
	} {
		if got := NoticeRecipients(key, p); !slices.Equal(got, want) {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}
	if got := NoticeRecipients(NoticeApplicationDisputed, NoticeParties{Provider: "gat"}); len(got) != 0 {
		t.Errorf("a dispute without a covering authority goes to %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a key without a rule did not panic")
		}
	}()
	NoticeRecipients("no.such.notice", p)
}

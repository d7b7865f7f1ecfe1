package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

var endpointTests = []namedTest{
	{"EndpointLifecycle", testEndpointLifecycle},
	{"EndpointValidation", testEndpointValidation},
	{"EndpointSecretSealed", testEndpointSecretSealed},
	{"EndpointRecordCall", testEndpointRecordCall},
}

const endpointSecret = "sk-live-9f8e7d6c5b4a"

// serviceEntry creates a draft entry of format service of fz-scj.
func serviceEntry(t *testing.T, s *Store, editor context.Context) *pubdata.Entry {
	t.Helper()
	f := fields("企业信用查询接口", "按统一社会信用代码查询企业信用", pubdata.ClassConditional, pubdata.ClassNone)
	f.Format, f.Items = pubdata.FormatService, nil
	e, err := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// eventsOf returns the events of an action on an object, newest first.
func eventsOf(t *testing.T, s *Store, action, object string) []*pubdata.Event {
	t.Helper()
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: action, Object: object, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func testEndpointLifecycle(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := serviceEntry(t, s, editor)
	if _, err := s.Endpoints.FindEndpoint(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("no endpoint yet: %v", err)
	}
	if _, err := s.Endpoints.ConfirmEndpoint(reviewer, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("confirm without endpoint: %v", err)
	}
	ep, err := s.Endpoints.SetEndpoint(editor, e.ID, &pubdata.EndpointChange{BaseURL: " https://api.scj.example/credit ", CredentialHeader: "X-Api-Key", Secret: endpointSecret})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Status != pubdata.EndpointPending || ep.BaseURL != "https://api.scj.example/credit" || strings.Join(ep.Methods, ",") != "GET" ||
		ep.TimeoutSeconds != pubdata.DefaultEndpointTimeout || !ep.CredentialSet || ep.Secret != endpointSecret || ep.UpdatedBy != "scj-editor" || ep.ConfirmedAt != nil {
		t.Fatalf("set: %+v", ep)
	}
	got, err := s.Endpoints.FindEndpoint(system, e.ID)
	if err != nil || got.Secret != endpointSecret || got.CredentialHeader != "X-Api-Key" {
		t.Fatalf("find: %+v %v", got, err)
	}
	ep, err = s.Endpoints.ConfirmEndpoint(reviewer, e.ID)
	if err != nil || ep.Status != pubdata.EndpointConfirmed || ep.ConfirmedBy != "dsj-reviewer" || ep.ConfirmedAt == nil {
		t.Fatalf("confirm: %+v %v", ep, err)
	}
	if _, err := s.Endpoints.ConfirmEndpoint(reviewer, e.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("confirm twice: %v", err)
	}
	// A new timeout, or the same secret entered again, keeps the confirmation.
	set := func(c pubdata.EndpointChange) *pubdata.ServiceEndpoint {
		t.Helper()
		ep, err := s.Endpoints.SetEndpoint(editor, e.ID, &c)
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	base := pubdata.EndpointChange{BaseURL: "https://api.scj.example/credit", CredentialHeader: "X-Api-Key", TimeoutSeconds: 30}
	if ep := set(base); ep.Status != pubdata.EndpointConfirmed || ep.TimeoutSeconds != 30 || ep.Secret != endpointSecret || ep.ConfirmedBy != "dsj-reviewer" {
		t.Fatalf("timeout change: %+v", ep)
	}
	same := base
	same.Secret = endpointSecret
	if ep := set(same); ep.Status != pubdata.EndpointConfirmed {
		t.Fatalf("same secret: %+v", ep)
	}
	// Another URL, another secret, a new method or no credential: pending again.
	for name, c := range map[string]pubdata.EndpointChange{
		"url":    {BaseURL: "https://api2.scj.example/credit", CredentialHeader: "X-Api-Key", TimeoutSeconds: 30},
		"secret": {BaseURL: "https://api.scj.example/credit", CredentialHeader: "X-Api-Key", Secret: "sk-live-other", TimeoutSeconds: 30},
		"method": {BaseURL: "https://api.scj.example/credit", CredentialHeader: "X-Api-Key", Methods: []string{"get", "POST"}, TimeoutSeconds: 30},
		"none":   {BaseURL: "https://api.scj.example/credit", TimeoutSeconds: 30},
	} {
		if _, err := s.Endpoints.ConfirmEndpoint(reviewer, e.ID); err != nil && pubdata.ErrorCode(err) != pubdata.ECONFLICT {
			t.Fatal(err)
		}
		ep := set(c)
		if ep.Status != pubdata.EndpointPending || ep.ConfirmedBy != "" || ep.ConfirmedAt != nil {
			t.Fatalf("%s change kept the confirmation: %+v", name, ep)
		}
		if name == "none" && (ep.CredentialSet || ep.Secret != "" || ep.CredentialHeader != "") {
			t.Fatalf("credential removed: %+v", ep)
		}
		if name == "method" && strings.Join(ep.Methods, ",") != "GET,POST" {
			t.Fatalf("methods %v", ep.Methods)
		}
		// Restore the secret for the next case.
		set(pubdata.EndpointChange{BaseURL: "https://api.scj.example/credit", CredentialHeader: "X-Api-Key", Secret: endpointSecret, TimeoutSeconds: 30})
	}
	// Every change is recorded with what changed, never the secret.
	sets := eventsOf(t, s, "service.endpoint.set", "entry:"+e.ID)
	confirms := eventsOf(t, s, "service.endpoint.confirm", "entry:"+e.ID)
	if len(sets) != 11 || len(confirms) != 4 {
		t.Fatalf("events: %d sets, %d confirms", len(sets), len(confirms))
	}
	if sets[0].Actor != "scj-editor" || sets[0].Org != "fz-scj" || confirms[0].Actor != "dsj-reviewer" || sets[0].Details["credential_header"] != "X-Api-Key" {
		t.Fatalf("events: %+v %+v", sets[0], confirms[0])
	}
	for _, ev := range append(sets, confirms...) {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), "sk-live") {
			t.Fatalf("the secret is in the record: %s", b)
		}
	}
	// A retired entry's endpoint cannot change; another format has none.
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.RetireEntry(editor, e.ID, "停止服务"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Endpoints.SetEndpoint(editor, e.ID, &base); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("retired: %v", err)
	}
	table, err := s.Entries.CreateEntry(editor, "fz-scj", "", fields("企业登记信息", "", pubdata.ClassUnconditional, pubdata.ClassNone))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Endpoints.SetEndpoint(editor, table.ID, &base); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("table entry: %v", err)
	}
	if _, err := s.Endpoints.SetEndpoint(editor, "no-such-entry", &base); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("unknown entry: %v", err)
	}
}

func testEndpointValidation(t *testing.T, s *Store) {
	editor, _ := catalogueSetup(t, s)
	e := serviceEntry(t, s, editor)
	for _, tc := range []struct {
		c      pubdata.EndpointChange
		fields []string
	}{
		{pubdata.EndpointChange{}, []string{"base_url"}},
		{pubdata.EndpointChange{BaseURL: "ftp://files.example/x"}, []string{"base_url"}},
		{pubdata.EndpointChange{BaseURL: "api.example/x"}, []string{"base_url"}},
		{pubdata.EndpointChange{BaseURL: "https://user:pw@api.example/x"}, []string{"base_url"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x?key=abc"}, []string{"base_url"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", Methods: []string{"GET", "TRACE"}}, []string{"methods"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", CredentialHeader: "X-Api-Key"}, []string{"secret"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", Secret: "abc"}, []string{"credential_header"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", CredentialHeader: "Bad Header", Secret: "abc"}, []string{"credential_header"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", CredentialHeader: "Host", Secret: "abc"}, []string{"credential_header"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", CredentialHeader: "Authorization", Secret: "a\r\nX-Evil: 1"}, []string{"secret"}},
		{pubdata.EndpointChange{BaseURL: "https://api.example/x", TimeoutSeconds: 61}, []string{"timeout_seconds"}},
		{pubdata.EndpointChange{BaseURL: "mailto:x@example", TimeoutSeconds: -1, Methods: []string{"CONNECT"}}, []string{"base_url", "timeout_seconds", "methods"}},
	} {
		_, err := s.Endpoints.SetEndpoint(editor, e.ID, &tc.c)
		wantCode(t, err, pubdata.EINVALID)
		got := pubdata.ErrorFields(err)
		if len(got) != len(tc.fields) {
			t.Fatalf("%+v: fields %v, want %v", tc.c, got, tc.fields)
		}
		for _, f := range tc.fields {
			if got[f] == nil || got[f].Message == "" {
				t.Fatalf("%+v: no problem under %s: %v", tc.c, f, err)
			}
		}
	}
	// Nothing was written or recorded.
	if _, err := s.Endpoints.FindEndpoint(system, e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a refused change was written: %v", err)
	}
	if evs := eventsOf(t, s, "service.endpoint.set", ""); len(evs) != 0 {
		t.Fatalf("a refused change was recorded: %d", len(evs))
	}
}

func testEndpointSecretSealed(t *testing.T, s *Store) {
	editor, _ := catalogueSetup(t, s)
	e := serviceEntry(t, s, editor)
	if _, err := s.Endpoints.SetEndpoint(editor, e.ID, &pubdata.EndpointChange{BaseURL: "https://api.scj.example/credit", CredentialHeader: "Authorization", Secret: "Bearer " + endpointSecret}); err != nil {
		t.Fatal(err)
	}
	// The stored column does not hold the secret in clear: mark the row if it does.
	if err := s.Exec(system, "UPDATE service_endpoints SET base_url = 'https://leaked.example' WHERE credential LIKE ? OR credential = ''", "%"+endpointSecret+"%"); err != nil {
		t.Fatal(err)
	}
	ep, err := s.Endpoints.FindEndpoint(system, e.ID)
	if err != nil || ep.BaseURL == "https://leaked.example" || ep.Secret != "Bearer "+endpointSecret {
		t.Fatalf("stored in clear, or not stored: %+v %v", ep, err)
	}
	// An altered sealed value is an error, never a wrong credential.
	if err := s.Exec(system, "UPDATE service_endpoints SET credential = 'sm4gcm1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Endpoints.FindEndpoint(system, e.ID); err == nil {
		t.Fatal("an altered secret was opened")
	}
}

func testEndpointRecordCall(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := serviceEntry(t, s, editor)
	caller := mustUser(t, s, "xm-member", "xm-scj", pubdata.RoleMember)
	xm, _ := s.Orgs.FindOrgByCode(system, "xm-scj")
	ctx := as(&pubdata.Actor{User: caller, Org: xm}, "r-call")
	if err := s.Endpoints.RecordCall(ctx, &pubdata.ServiceCall{Entry: e.ID, Method: "GET", Path: "/companies/91350100?token=abc", Status: 200, DurationMS: 12, Bytes: 345}); err != nil {
		t.Fatal(err)
	}
	if err := s.Endpoints.RecordCall(reviewer, &pubdata.ServiceCall{Entry: e.ID, Method: "POST", Path: "/slow", Status: 504, DurationMS: 10000, Error: "timeout"}); err != nil {
		t.Fatal(err)
	}
	evs := eventsOf(t, s, "service.call", "entry:"+e.ID)
	if len(evs) != 2 {
		t.Fatalf("%d call events", len(evs))
	}
	ev := evs[1]
	if ev.Actor != "xm-member" || ev.Org != "xm-scj" || ev.Purpose != "testing" || ev.RequestID != "r-call" ||
		ev.Details["method"] != "GET" || ev.Details["path"] != "/companies/91350100" || ev.Details["entry"] != e.ID ||
		ev.Details["status"] != float64(200) || ev.Details["duration_ms"] != float64(12) || ev.Details["bytes"] != float64(345) || ev.Details["error"] != nil {
		t.Fatalf("call event %+v", ev)
	}
	if evs[0].Details["error"] != "timeout" || evs[0].Details["status"] != float64(504) {
		t.Fatalf("timeout event %+v", evs[0])
	}
	verifyOK(t, s)
}

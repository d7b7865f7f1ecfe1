package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/pki"
)

// fedPlatform is one platform of the federation test: its store, app, address and tokens.
type fedPlatform struct {
	s      store
	a      *app
	url    string
	tokens map[string]string
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startPlatform serves the store as a federating platform of the division.
func startPlatform(t *testing.T, s store, a *app, name, division string, users ...string) *fedPlatform {
	t.Helper()
	addr := freePort(t)
	conf := filepath.Join(t.TempDir(), "pubdata.toml")
	os.WriteFile(conf, []byte(fmt.Sprintf("public_url = \"http://%s\"\nanon_rate_limit = 0\nrate_limit = 0\n[federation]\nname = %q\ndivision = %q\ninterval = \"1s\"\n", addr, name, division)), 0o600)
	p := &fedPlatform{s: s, a: a, tokens: map[string]string{}}
	for _, u := range users {
		p.tokens[u] = strings.TrimSpace(mustCLI(t, append([]string{"token", "create", "--username", u}, s.args()...)...))
	}
	p.url, _ = startServe(t, append(s.args(), "--addr", addr, "--config", conf)...)
	return p
}

// call sends a JSON request as user ("": anonymous) and decodes the answer into out.
func (p *fedPlatform) call(t *testing.T, user, method, path string, in, out any, hdr ...string) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.url+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+p.tokens[user])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode
}

// eventually polls cond every 200 ms for up to a minute (the requirement's bound).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a minute: %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func mustOrgUser(t *testing.T, a *app, org *pubdata.Org, username string, role pubdata.Role) context.Context {
	t.Helper()
	sys := systemContext(context.Background())
	if _, err := a.orgs.FindOrgByCode(sys, org.Code); err != nil {
		if err := a.orgs.CreateOrg(sys, org); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := a.orgs.FindOrgByCode(sys, org.Code)
	u, err := a.users.CreateUser(sys, &pubdata.UserCreate{Username: username, Password: "password-" + username, OrgCode: org.Code, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{User: u, Org: o})
}

func tableFields(title string, share string, supplementary bool) *pubdata.EntryFields {
	f := &pubdata.EntryFields{Title: title, Summary: title + "（联邦测试）", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
		ShareClass: share, OpenClass: pubdata.ClassNone, OpenBasis: "涉及商业秘密", Keywords: []string{"联邦"}, Supplementary: supplementary,
		Items: []pubdata.Item{
			{Name: "id", Title: "编号", Type: "string", Key: true},
			{Name: "name", Title: "名称", Type: "string"},
			{Name: "division", Title: "行政区划代码", Type: "string"},
		}}
	if share == pubdata.ClassConditional {
		f.ShareConditions = "仅限履行法定职责使用"
	}
	return f
}

func publishEntry(t *testing.T, a *app, editor, reviewer context.Context, org string, f *pubdata.EntryFields) *pubdata.Entry {
	t.Helper()
	e, err := a.entries.CreateEntry(editor, org, "", f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	e, err = a.entries.FindPublishedEntry(editor, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func loadRows(t *testing.T, a *app, ctx context.Context, e *pubdata.Entry, rows ...[]any) *pubdata.Batch {
	t.Helper()
	return loadRowsMode(t, a, ctx, e, pubdata.ModeUpsert, rows...)
}

func loadRowsMode(t *testing.T, a *app, ctx context.Context, e *pubdata.Entry, mode pubdata.LoadMode, rows ...[]any) *pubdata.Batch {
	t.Helper()
	opt := pubdata.LoadOptions{Mode: mode, Source: pubdata.SourcePush}
	b, _, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		t.Fatal(err)
	}
	var list []*pubdata.SourceRow
	for i, r := range rows {
		sr := &pubdata.SourceRow{Num: int64(i + 2), Values: r}
		if len(r) == 1 {
			sr.Values, sr.Delete = []any{r[0], nil, nil}, true
		}
		list = append(list, sr)
	}
	b, err = a.data.RunBatch(ctx, e, b.ID, datafile.Rows(list...), opt)
	if err != nil || b.Status != pubdata.BatchDone {
		t.Fatalf("load: %+v %v", b, err)
	}
	return b
}

// TestFederation is issue 17's federation acceptance: a province and a city, separate
// databases, each a real server on loopback. The city registers with the province (SM2
// certificates exchanged; the province's admin approves); a city entry appears in the
// province's catalogue search, marked with the city; a provincial table's Fuzhou rows flow
// back into the city's platform and follow an upsert there; a city body's application is
// answered on the province and its grant reads through the city's platform; both records
// show the read. Unsigned, forged, replayed and foreign requests are refused.
func TestFederation(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ store) {
		var ps, cs store
		if t.Name() == "TestFederation/postgres" {
			ps, cs = newPostgresStore(t), newPostgresStore(t)
		} else {
			ps, cs = newSQLiteStore(t), newSQLiteStore(t)
		}
		testFederation(t, ps, cs)
	})
}

func testFederation(t *testing.T, ps, cs store) {
	pa, ca := ps.open(t), cs.open(t)

	// The province: its authority (admin and reviewer) and a provider with a table of the
	// province's companies, with their divisions.
	mustOrgUser(t, pa, &pubdata.Org{Code: "fj-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"}, "padmin", pubdata.RoleAdmin)
	prev := mustOrgUser(t, pa, &pubdata.Org{Code: "fj-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"}, "previewer", pubdata.RoleReviewer)
	ped := mustOrgUser(t, pa, &pubdata.Org{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"}, "peditor", pubdata.RoleEditor)
	mustOrgUser(t, pa, &pubdata.Org{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"}, "pprovider", pubdata.RoleAdmin)
	pe := publishEntry(t, pa, ped, prev, "fj-scj", tableFields("全省市场主体登记信息", pubdata.ClassUnconditional, false))
	pc := publishEntry(t, pa, ped, prev, "fj-scj", tableFields("全省行政许可信息", pubdata.ClassConditional, false))
	loadRows(t, pa, ped, pc, []any{"X1", "许可一", "350102"}, []any{"X2", "许可二", "350203"}, []any{"X3", "许可三", "350104"})
	loadRows(t, pa, ped, pe,
		[]any{"A1", "鼓楼甲公司", "350102"}, []any{"A2", "台江乙公司", "350103"},
		[]any{"B1", "思明丙公司", "350203"}, []any{"C1", "福州市本级丁公司", "350100"})

	// The city: its authority's admin, and the public security bureau with an entry of its
	// own (a supplementary one) and a user.
	mustOrgUser(t, ca, &pubdata.Org{Code: "fz-dsj", Name: "福州市大数据管理局", Kind: pubdata.KindAuthority, Division: "350100"}, "cadmin", pubdata.RoleAdmin)
	crev := mustOrgUser(t, ca, &pubdata.Org{Code: "fz-dsj", Name: "福州市大数据管理局", Kind: pubdata.KindAuthority, Division: "350100"}, "creviewer", pubdata.RoleReviewer)
	ced := mustOrgUser(t, ca, &pubdata.Org{Code: "fz-gaj", Name: "福州市公安局", Kind: pubdata.KindPublicBody, Division: "350100"}, "ceditor", pubdata.RoleEditor)
	mustOrgUser(t, ca, &pubdata.Org{Code: "fz-gaj", Name: "福州市公安局", Kind: pubdata.KindPublicBody, Division: "350100"}, "alice", pubdata.RoleMember)
	ce := publishEntry(t, ca, ced, crev, "fz-gaj", tableFields("福州市停车泊位信息", pubdata.ClassUnconditional, true))

	province := startPlatform(t, ps, pa, "福建省", "350000", "padmin", "pprovider", "peditor")
	city := startPlatform(t, cs, ca, "福州市", "350100", "cadmin", "alice")

	// 1. The city registers with the province; only the city's admin may.
	var peer pubdata.Peer
	if st := city.call(t, "alice", "POST", "/api/v1/federation/peers", map[string]string{"url": province.url}, nil); st != http.StatusForbidden {
		t.Fatalf("a member registers the platform: %d", st)
	}
	if st := city.call(t, "", "GET", "/api/v1/federation/peers", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("anonymous peer list: %d", st)
	}
	if st := city.call(t, "cadmin", "POST", "/api/v1/federation/peers", map[string]string{"url": province.url}, &peer); st != http.StatusCreated ||
		peer.Kind != pubdata.PeerParent || peer.State != pubdata.PeerPending || peer.Division != "350000" {
		t.Fatalf("register with the province: %d %+v", st, peer)
	}
	var cityID pubdata.PlatformIdentity
	city.call(t, "", "GET", "/api/v1/federation/identity", nil, &cityID)
	var list struct{ Items []*pubdata.Peer }
	if st := province.call(t, "padmin", "GET", "/api/v1/federation/peers", nil, &list); st != 200 || len(list.Items) != 1 ||
		list.Items[0].State != pubdata.PeerPending || list.Items[0].Fingerprint != cityID.Fingerprint || list.Items[0].Kind != pubdata.PeerChild {
		t.Fatalf("the province's peers: %d %+v", st, list.Items)
	}
	child := list.Items[0]
	// Before approval, a pending child reads nothing.
	signer := func(ctx context.Context) (*pki.Issued, error) { return ca.federationSigner(ctx) }
	client := &federation.Client{Sign: signer}
	provPeer := &pubdata.Peer{URL: province.url, Certificate: peer.Certificate, Fingerprint: peer.Fingerprint}
	var feed pubdata.CatalogFeed
	if err := client.JSON(context.Background(), provPeer, "GET", "/api/v1/federation/peer/catalog", nil, &feed, nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("a pending child's catalogue pull: %v", err)
	}
	if st := province.call(t, "pprovider", "POST", "/api/v1/federation/peers/"+child.ID+"/approve", nil, nil); st != http.StatusForbidden {
		t.Fatalf("a provider approves a platform: %d", st)
	}
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/approve", nil, &peer); st != 200 || peer.State != pubdata.PeerActive {
		t.Fatalf("approve: %d %+v", st, peer)
	}
	eventually(t, "the city learns the approval", func() bool {
		list.Items = nil
		city.call(t, "cadmin", "GET", "/api/v1/federation/peers", nil, &list)
		return len(list.Items) == 1 && list.Items[0].State == pubdata.PeerActive && list.Items[0].LastContact != nil
	})
	parent := list.Items[0]

	// Requests between platforms are signed, fresh and for this receiver.
	resp, _ := http.Get(province.url + "/api/v1/federation/peer/catalog")
	io.Copy(io.Discard, resp.Body) // the trailer comes after the body
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned request: %d", resp.StatusCode)
	}
	if resp.Trailer.Get(pubdata.HeaderPeerSignature) == "" {
		t.Fatal("the province's answer is not signed")
	}
	me, _ := ca.federationSigner(context.Background())
	send := func(at, nonce, receiver string) int {
		req, _ := http.NewRequest("GET", province.url+"/api/v1/federation/peer/catalog?after=0", nil)
		msg := pubdata.FederationMessage("GET", "/api/v1/federation/peer/catalog?after=0", at, nonce, receiver, pki.BodyHash(nil), "", "", "")
		sig, _ := pki.SignMessage(me.Key, msg)
		req.Header.Set(pubdata.HeaderPeerKey, pki.Fingerprint(me.Cert))
		req.Header.Set(pubdata.HeaderPeerTime, at)
		req.Header.Set(pubdata.HeaderPeerNonce, nonce)
		req.Header.Set(pubdata.HeaderPeerSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	now, nonce := time.Now().UTC().Format(time.RFC3339), federation.Nonce()
	if st := send(now, nonce, parent.Fingerprint); st != 200 {
		t.Fatalf("a signed request: %d", st)
	}
	if st := send(now, nonce, parent.Fingerprint); st != http.StatusUnauthorized {
		t.Fatalf("the same request replayed: %d", st)
	}
	if st := send(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), federation.Nonce(), parent.Fingerprint); st != http.StatusUnauthorized {
		t.Fatalf("an old request: %d", st)
	}
	if st := send(now, federation.Nonce(), strings.Repeat("0", 64)); st != http.StatusUnauthorized {
		t.Fatalf("a request signed for another platform: %d", st)
	}
	other, _ := pki.NewRoot("other", "", time.Now(), time.Hour)
	forged := &federation.Client{Sign: func(context.Context) (*pki.Issued, error) { return other, nil }}
	if err := forged.JSON(context.Background(), provPeer, "GET", "/api/v1/federation/peer/catalog", nil, &feed, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("an unknown platform's request: %v", err)
	}

	// 2. The city's entry appears in the province's catalogue search, marked with the city,
	// its supplementary mark kept; a retirement withdraws it.
	var search struct{ Items []*pubdata.Entry }
	find := func(p *fedPlatform, user, q string) {
		search.Items = nil
		p.call(t, user, "GET", "/api/v1/entries?q="+url.QueryEscape(q), nil, &search)
	}
	eventually(t, "the city's entry in the province's search", func() bool {
		find(province, "padmin", "停车泊位")
		return len(search.Items) == 1 && search.Items[0].ID == ce.ID
	})
	if got := search.Items[0]; got.Platform != "350100" || !got.Supplementary || got.OrgName != "福州市公安局" || got.Code == ce.Code {
		t.Fatalf("the mirrored entry: %+v", got)
	}
	find(province, "padmin", "市场主体")
	if len(search.Items) == 0 || search.Items[0].ID != pe.ID || search.Items[0].Platform != "" {
		t.Fatalf("the province's own entry in its search: %+v", search.Items)
	}

	// 3. Flow-back: the province's table's Fuzhou rows reach the city as an entry there.
	if st := province.call(t, "pprovider", "POST", "/api/v1/federation/peers/"+child.ID+"/flowbacks", map[string]string{"entry": pe.ID, "column": "division"}, nil); st != http.StatusForbidden {
		t.Fatalf("a provider makes data flow back: %d", st)
	}
	if st := province.call(t, "peditor", "GET", "/api/v1/federation/peers", nil, nil); st != http.StatusForbidden {
		t.Fatalf("an editor lists the peers: %d", st)
	}
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/flowbacks", map[string]string{"entry": pe.ID, "column": "nope"}, nil); st != http.StatusBadRequest {
		t.Fatalf("flow-back by a column the entry lacks: %d", st)
	}
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/flowbacks", map[string]string{"entry": pe.ID, "column": "division"}, nil); st != http.StatusCreated {
		t.Fatalf("flow-back: %d", st)
	}
	cityRows := func() []string {
		var page struct{ Items []map[string]any }
		if st := city.call(t, "alice", "GET", "/api/v1/entries/"+pe.ID+"/rows?_sort=id", nil, &page, "X-Purpose", "核对辖区企业"); st != 200 {
			return nil
		}
		var out []string
		for _, r := range page.Items {
			out = append(out, fmt.Sprint(r["id"], "=", r["name"], "@", r["division"]))
		}
		return out
	}
	eventually(t, "the Fuzhou rows in the city", func() bool {
		return slices.Equal(cityRows(), []string{"A1=鼓楼甲公司@350102", "A2=台江乙公司@350103", "C1=福州市本级丁公司@350100"})
	})
	// An upsert on the province: a row changed, one added, one moved to Xiamen, one deleted.
	b2 := loadRows(t, pa, ped, pe, []any{"A1", "鼓楼甲公司（更名）", "350102"}, []any{"A3", "晋安戊公司", "350111"}, []any{"A2", "台江乙公司", "350203"}, []any{"C1"})
	eventually(t, "the city follows the upsert", func() bool {
		return slices.Equal(cityRows(), []string{"A1=鼓楼甲公司（更名）@350102", "A3=晋安戊公司@350111"})
	})
	// The same versions: one batch in the city per provincial batch, naming it.
	type cityBatch struct {
		id, source, file string
		seq              int64
	}
	var cb []cityBatch
	rs, err := cs.sqlDB(t).Query(cs.rebind("SELECT id, source, file_name, seq FROM data_batches WHERE entry_id = ? ORDER BY seq"), pe.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var b cityBatch
		rs.Scan(&b.id, &b.source, &b.file, &b.seq)
		cb = append(cb, b)
	}
	rs.Close()
	if len(cb) != 2 || cb[1].source != pubdata.SourceFederation || !strings.Contains(cb[1].file, b2.ID) || cb[1].seq != b2.Seq {
		t.Fatalf("the city's batches: %+v (the province's second: %s #%d)", cb, b2.ID, b2.Seq)
	}
	var asOf struct{ Items []map[string]any }
	city.call(t, "alice", "GET", "/api/v1/entries/"+pe.ID+"/rows?_as_of="+cb[0].id, nil, &asOf, "X-Purpose", "核对辖区企业")
	if len(asOf.Items) != 3 {
		t.Fatalf("the city's table as of the first batch: %+v", asOf.Items)
	}

	// A table without a key flows back too: each provincial batch brings the division's
	// whole rows after it, which replace the city's copy (pubdata.FlowbackMode), so the
	// copy always equals the province's Fuzhou rows.
	kf := tableFields("全省农贸市场名录", pubdata.ClassUnconditional, false)
	kf.Items[0].Key = false
	pk := publishEntry(t, pa, ped, prev, "fj-scj", kf)
	loadRowsMode(t, pa, ped, pk, pubdata.ModeAppend, []any{"M1", "鼓楼市场", "350102"}, []any{"M2", "思明市场", "350203"})
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/flowbacks", map[string]string{"entry": pk.ID, "column": "division"}, nil); st != http.StatusCreated {
		t.Fatalf("flow-back of a keyless table: %d", st)
	}
	keylessRows := func() []string {
		var page struct{ Items []map[string]any }
		if st := city.call(t, "alice", "GET", "/api/v1/entries/"+pk.ID+"/rows?_sort=id", nil, &page, "X-Purpose", "核对辖区市场"); st != 200 {
			return nil
		}
		var out []string
		for _, r := range page.Items {
			out = append(out, fmt.Sprint(r["id"], "=", r["name"], "@", r["division"]))
		}
		return out
	}
	eventually(t, "the keyless table's Fuzhou rows in the city", func() bool {
		return slices.Equal(keylessRows(), []string{"M1=鼓楼市场@350102"})
	})
	// A replace there: a row changed, one added, one moved out of Fuzhou; then an append.
	loadRowsMode(t, pa, ped, pk, pubdata.ModeReplace, []any{"M1", "鼓楼市场（迁址）", "350104"}, []any{"M3", "台江市场", "350103"}, []any{"M2", "思明市场", "350203"})
	loadRowsMode(t, pa, ped, pk, pubdata.ModeAppend, []any{"M4", "晋安市场", "350111"}, []any{"M5", "湖里市场", "350206"})
	eventually(t, "the city follows the keyless table's replace and append", func() bool {
		return slices.Equal(keylessRows(), []string{"M1=鼓楼市场（迁址）@350104", "M3=台江市场@350103", "M4=晋安市场@350111"})
	})

	until := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	// 4. Sharing across levels: alice finds the provincial entry in the city's catalogue
	// and applies there; the province's provider answers; the grant reads through the city.
	find(city, "alice", "行政许可")
	if len(search.Items) == 0 || search.Items[0].ID != pc.ID || search.Items[0].Platform != "350000" {
		t.Fatalf("the provincial entry in the city's catalogue: %+v", search.Items)
	}
	if st := city.call(t, "alice", "POST", "/api/v1/applications", map[string]any{"entry": pc.ID, "kind": "share", "purpose": "办案", "basis": "《公安机关办理刑事案件程序规定》", "until": until}, nil); st != http.StatusBadRequest {
		t.Fatalf("a local application for a provincial entry: %d", st)
	}
	var fa pubdata.FederatedApplication
	if st := city.call(t, "alice", "POST", "/api/v1/federation/applications", map[string]any{"entry": pc.ID, "purpose": "办案核查", "basis": "《公安机关办理刑事案件程序规定》", "until": until}, &fa); st != http.StatusCreated ||
		fa.RemoteID == "" || fa.Status != pubdata.AppPending || fa.Due == "" {
		t.Fatalf("apply across: %d %+v", st, fa)
	}
	var app pubdata.Application
	if st := province.call(t, "pprovider", "GET", "/api/v1/applications/"+fa.RemoteID, nil, &app); st != 200 || app.Applicant != "alice@fed350100" || app.ApplicantOrgName != "福州市公安局" {
		t.Fatalf("the application on the province: %d %+v", st, app)
	}
	// No read before the grant.
	var refusal map[string]any
	if st := city.call(t, "alice", "GET", "/api/v1/federation/entries/"+pc.ID+"/rows", nil, &refusal); st != http.StatusForbidden {
		t.Fatalf("a read without a grant: %d %v", st, refusal)
	}
	if st := province.call(t, "pprovider", "POST", "/api/v1/applications/"+fa.RemoteID+"/decide", map[string]any{"decision": "approve"}, &app); st != 200 || app.Grant == "" {
		t.Fatalf("decide: %d %+v", st, app)
	}
	eventually(t, "the city learns the grant", func() bool {
		var apps struct {
			Items []*pubdata.FederatedApplication
		} // fresh each time
		city.call(t, "alice", "GET", "/api/v1/federation/applications", nil, &apps)
		return len(apps.Items) == 1 && apps.Items[0].Status == pubdata.AppApproved && apps.Items[0].Grant == app.Grant
	})
	var rows struct{ Items []map[string]any }
	if st := city.call(t, "alice", "GET", "/api/v1/federation/entries/"+pc.ID+"/rows?_sort=id", nil, &rows, "X-Grant", app.Grant); st != 200 || len(rows.Items) != 3 {
		t.Fatalf("the read through the city: %d %+v", st, rows.Items)
	}
	// A member of another city body may not use alice's organisation's grant? It may: the
	// grant is the organisation's. A citizen of the city may not read across at all.
	if st := city.call(t, "", "GET", "/api/v1/federation/entries/"+pc.ID+"/rows", nil, nil, "X-Grant", app.Grant); st != http.StatusUnauthorized {
		t.Fatalf("an anonymous read across: %d", st)
	}

	// Both records show the read, with the city user's identity.
	var events struct{ Items []*pubdata.Event }
	province.call(t, "padmin", "GET", "/api/v1/audit?action=data.read&object=entry:"+pc.ID, nil, &events)
	if !slices.ContainsFunc(events.Items, func(e *pubdata.Event) bool { return e.Actor == "alice@fed350100" && e.Org == "fed350100-fz-gaj" }) {
		t.Fatalf("the province's record: %+v", events.Items)
	}
	city.call(t, "cadmin", "GET", "/api/v1/audit?action=federation.read&object=entry:"+pc.ID, nil, &events)
	if !slices.ContainsFunc(events.Items, func(e *pubdata.Event) bool { return e.Actor == "alice" && e.Org == "fz-gaj" }) {
		t.Fatalf("the city's record: %+v", events.Items)
	}

	// The console page lists the peers in both languages.
	for _, lang := range []string{"zh-CN", "en"} {
		req, _ := http.NewRequest("GET", province.url+"/console/federation?lang="+lang, nil)
		req.Header.Set("Authorization", "Bearer "+province.tokens["padmin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), "福州市") || strings.Contains(string(page), "missing:") {
			t.Fatalf("console page (%s): %d %s", lang, resp.StatusCode, page)
		}
	}

	// 5. Key rotation: the city rotates its signing key; its next sync announces the new
	// key signed by the old one and the province takes it at once. Then the city loses a
	// key (revoked) and rotates again: the new key alone is held on the province until its
	// admin approves. Both records show each change, and the sync goes on with the new key.
	cityKey := func() *pubdata.PlatformIdentity {
		var id pubdata.PlatformIdentity
		city.call(t, "", "GET", "/api/v1/federation/identity", nil, &id)
		return &id
	}
	provinceHolds := func(fp string) func() bool {
		return func() bool {
			list.Items = nil
			province.call(t, "padmin", "GET", "/api/v1/federation/peers", nil, &list)
			return len(list.Items) == 1 && list.Items[0].Fingerprint == fp
		}
	}
	// The city's record, read in its database: events of the platform itself (no
	// organisation) are shown to a province's authority only (pubdata.AuthorityScope).
	cityDB := cs.sqlDB(t)
	cityEvents := func(action string) int {
		var n int
		if err := cityDB.QueryRow(cs.rebind("SELECT COUNT(*) FROM audit_events WHERE action = ? AND object = ?"), action, "peer:"+parent.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	mustCLI(t, append([]string{"certs", "rotate"}, cs.args()...)...)
	key2 := cityKey()
	if key2.Fingerprint == cityID.Fingerprint {
		t.Fatal("certs rotate kept the city's key")
	}
	eventually(t, "the province takes the city's new key", provinceHolds(key2.Fingerprint))
	province.call(t, "padmin", "GET", "/api/v1/audit?action=federation.peer.rekey&object=peer:"+child.ID, nil, &events)
	if len(events.Items) != 1 {
		t.Fatalf("the province's record of the rotation: %+v", events.Items)
	}
	eventually(t, "the city notes the key the province holds", func() bool { return cityEvents("federation.peer.own_key") == 1 })
	loadRows(t, pa, ped, pe, []any{"A6", "仓山己公司", "350104"})
	eventually(t, "the flow-back goes on under the new key", func() bool { return slices.Contains(cityRows(), "A6=仓山己公司@350104") })

	certs, err := pki.ParseCertsPEM([]byte(key2.Certificate))
	if err != nil {
		t.Fatal(err)
	}
	// Revoked before the rotation, so that no sync can announce the third key under it.
	mustCLI(t, append([]string{"certs", "revoke", "--id", pki.Serial(certs[0]), "--reason", "密钥丢失"}, cs.args()...)...)
	mustCLI(t, append([]string{"certs", "rotate"}, cs.args()...)...)
	key3 := cityKey()
	eventually(t, "the province holds the city's third key for approval", func() bool {
		list.Items = nil
		province.call(t, "padmin", "GET", "/api/v1/federation/peers", nil, &list)
		return len(list.Items) == 1 && list.Items[0].PendingFingerprint == key3.Fingerprint && list.Items[0].Fingerprint == key2.Fingerprint
	})
	if st := province.call(t, "pprovider", "POST", "/api/v1/federation/peers/"+child.ID+"/rekey", nil, nil); st != http.StatusForbidden {
		t.Fatalf("a provider approves a peer's key: %d", st)
	}
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/rekey", nil, &peer); st != 200 || peer.Fingerprint != key3.Fingerprint {
		t.Fatalf("approve the new key: %d %+v", st, peer)
	}
	if st := province.call(t, "padmin", "POST", "/api/v1/federation/peers/"+child.ID+"/rekey", nil, nil); st != http.StatusConflict {
		t.Fatalf("approve with nothing held: %d", st)
	}
	eventually(t, "the city notes the approved key", func() bool { return cityEvents("federation.peer.own_key") == 2 })
	loadRows(t, pa, ped, pe, []any{"A7", "马尾庚公司", "350105"})
	eventually(t, "the flow-back goes on under the approved key", func() bool { return slices.Contains(cityRows(), "A7=马尾庚公司@350105") })
}

package pubdata_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// identTests are the content tests the adapters pass: ident's validators.
var identTests = pubdata.ValueTests{
	ResidentID: func(v string) bool { return ident.ResidentID(v, time.Now()) == nil },
	Mobile:     func(v string) bool { return ident.Mobile(v) == nil },
}

func residentIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = ident.CompleteResidentID(fmt.Sprintf("35010219800101%03d", i))
	}
	return out
}

func sampleOf(cols []string, columns ...[]string) *pubdata.RowSample {
	s := &pubdata.RowSample{Columns: cols}
	for i := range columns[0] {
		row := make([]string, len(columns))
		for j := range columns {
			row[j] = columns[j][i]
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

func TestCheckOpenRisk(t *testing.T) {
	str := func(name, title string) pubdata.Item { return pubdata.Item{Name: name, Title: title, Type: "string"} }
	ids := residentIDs(10)
	mobiles := []string{"13800138000", "13912345678", "15011112222", "18600001111", "", "13700000000", "13800000001", "13800000002", "13800000003", "13800000004"}
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "赵强", "周杰", "吴霞"}
	addrs := []string{"福州市鼓楼区五四路1号", "福州市台江区八一七路20号", "鼓楼区东街5号3栋", "仓山区建新镇金山村8号", "晋安区福新路100号", "鼓楼区杨桥路2号", "福州市鼓楼区乌山路3号", "台江区工业路4号", "仓山区南江滨路5号", "马尾区罗星路6号"}
	stops := []string{"五一广场站", "东街口站", "南门兜站", "鼓楼区站", "屏山站", "树兜站", "火车站", "三坊七巷站", "省体站", "斗门站"}
	codes := []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10"}
	type want struct {
		item, kind, by string
		inClear        bool
	}
	cases := []struct {
		name   string
		fields pubdata.EntryFields
		policy pubdata.MaskPolicy
		sample *pubdata.RowSample
		want   []want
		blocks bool
	}{
		{name: "by element, in clear", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{
			{Name: "sfz", Title: "证件", Type: "string", Element: "resident_id"}, str("code", "编码")}},
			want: []want{{"sfz", "resident_id", "element", true}}, blocks: true},
		{name: "by element, marked personal: masked", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{
			{Name: "sfz", Title: "证件", Type: "string", Element: "resident_id", Personal: true}}},
			want: []want{{"sfz", "resident_id", "element", false}}, blocks: false},
		{name: "by element, graded 3: masked partially by the policy", fields: pubdata.EntryFields{OpenClass: "conditional", Items: []pubdata.Item{
			{Name: "sfz", Title: "证件", Type: "string", Element: "resident_id", Grade: 3}}},
			want: []want{{"sfz", "resident_id", "element", false}}, blocks: false},
		{name: "by element, a stricter policy hides grade 1", fields: pubdata.EntryFields{OpenClass: "conditional", Items: []pubdata.Item{
			{Name: "sfz", Title: "证件", Type: "string", Element: "resident_id", Grade: 1}}},
			policy: pubdata.MaskPolicy{0: "none", 1: "hide", 2: "none", 3: "partial", 4: "hide"},
			want:   []want{{"sfz", "resident_id", "element", false}}},
		{name: "by title", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("lxdh", "联系电话"), str("xm", "姓名")}},
			want: []want{{"lxdh", "mobile", "name", true}, {"xm", "name", "name", true}}, blocks: true},
		{name: "not opened: listed, never blocks", fields: pubdata.EntryFields{OpenClass: "none", Items: []pubdata.Item{str("xm", "姓名")}},
			want: []want{{"xm", "name", "name", true}}, blocks: false},
		{name: "content: resident IDs and mobiles in innocent columns", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("c1", "编号"), str("c2", "号码"), str("code", "编码")}},
			sample: sampleOf([]string{"c1", "c2", "code"}, ids, mobiles, codes),
			want:   []want{{"c1", "resident_id", "content", true}, {"c2", "mobile", "content", true}}, blocks: true},
		{name: "content: names next to addresses", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("a", "甲"), str("b", "乙")}},
			sample: sampleOf([]string{"a", "b"}, names, addrs),
			want:   []want{{"a", "name", "content", true}, {"b", "address", "content", true}}, blocks: true},
		{name: "content: names without addresses are not flagged", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("a", "甲"), str("code", "编码")}},
			sample: sampleOf([]string{"a", "code"}, names, codes)},
		{name: "content: stops next to addresses are not names", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("stop", "站点"), str("addr", "站点地址")}},
			sample: sampleOf([]string{"stop", "addr"}, stops, addrs)},
		{name: "element and content together", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{{Name: "sfz", Title: "证件", Type: "string", Element: "resident_id"}}},
			sample: sampleOf([]string{"sfz"}, ids),
			want:   []want{{"sfz", "resident_id", "element", true}}, blocks: true},
		{name: "no personal items", fields: pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{str("code", "编码"), {Name: "aqi", Title: "空气质量指数", Type: "integer"}}},
			sample: sampleOf([]string{"code", "aqi"}, codes, codes)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := pubdata.CheckOpenRisk(&tc.fields, tc.policy, tc.sample, identTests)
			if len(r.Findings) != len(tc.want) {
				t.Fatalf("findings %+v, want %+v", r.Findings, tc.want)
			}
			for i, w := range tc.want {
				f := r.Findings[i]
				if f.Item != w.item || f.Kind != w.kind || !slices.Contains(f.By, w.by) || f.InClear != w.inClear {
					t.Errorf("finding %d: %+v, want %+v", i, f, w)
				}
				if w.by == "content" && (f.Matched == 0 || f.Sampled == 0) {
					t.Errorf("finding %d: content counts missing: %+v", i, f)
				}
			}
			if r.Blocks != tc.blocks {
				t.Errorf("blocks = %v, want %v", r.Blocks, tc.blocks)
			}
			if tc.sample != nil && r.Rows != len(tc.sample.Rows) {
				t.Errorf("rows = %d", r.Rows)
			}
		})
	}
	// Both means at once are both named.
	f := pubdata.EntryFields{OpenClass: "unconditional", Items: []pubdata.Item{{Name: "sfz", Title: "身份证号", Type: "string", Element: "resident_id"}}}
	r := pubdata.CheckOpenRisk(&f, nil, sampleOf([]string{"sfz"}, ids), identTests)
	if got := r.Findings[0].By; !slices.Equal(got, []string{"element", "name", "content"}) {
		t.Errorf("by = %v", got)
	}
}

func TestLooksLikePersonName(t *testing.T) {
	for _, v := range []string{"张伟", "欧阳娜娜", "王小明"} {
		if !pubdata.LooksLikePersonName(v) {
			t.Errorf("%s is a name", v)
		}
	}
	for _, v := range []string{"张", "东街口站", "Zhang Wei", "鼓楼区", "王府井大街", "张三1"} {
		if pubdata.LooksLikePersonName(v) {
			t.Errorf("%s is not a name", v)
		}
	}
}

func openEntryFields() pubdata.EntryFields {
	return pubdata.EntryFields{Title: "t", Category: "3", Format: "file", UpdateCycle: "daily", ShareClass: "unconditional", OpenClass: "unconditional", Division: "350100"}
}

// E3: data obtained by sharing is never opened as the unit's own.
func TestObtainedNotOpen(t *testing.T) {
	for _, class := range []string{"unconditional", "conditional"} {
		f := openEntryFields()
		f.OpenClass, f.OpenConditions = class, "c"
		f.Obtained = []string{" 301001/00001 "}
		err := pubdata.ValidateEntryFields(&f)
		if pubdata.ErrorFields(err)["open_class"] == nil {
			t.Errorf("%s: got %v, want an open_class problem", class, err)
		}
		if pubdata.CheckObtainedNotOpen(&f) == nil {
			t.Errorf("%s: CheckObtainedNotOpen allowed it", class)
		}
	}
	f := openEntryFields()
	f.OpenClass, f.OpenBasis, f.Obtained = "none", "obtained by sharing", []string{"301001/00001"}
	if err := pubdata.ValidateEntryFields(&f); err != nil {
		t.Errorf("not open: %v", err)
	}
	f.Obtained = []string{"nope"}
	if pubdata.ErrorFields(pubdata.ValidateEntryFields(&f))["obtained"] == nil {
		t.Error("a bad obtained code passed")
	}
	g := openEntryFields()
	g.Terms = []string{"attribution", "resell"}
	if pubdata.ErrorFields(pubdata.ValidateEntryFields(&g))["terms"] == nil {
		t.Error("an unknown term passed")
	}
	g.Terms = []string{"attribution", pubdata.TermNoOnwardTransfer}
	if err := pubdata.ValidateEntryFields(&g); err != nil || !g.HasTerms() {
		t.Errorf("terms: %v", err)
	}
}

func notOpenEntry() *pubdata.Entry {
	return &pubdata.Entry{ID: "e1", Org: "prov", Version: 1, Status: pubdata.StatusPublished, EntryFields: pubdata.EntryFields{
		Title: "户籍", Division: "350100", ShareClass: "conditional", OpenClass: "none", OpenBasis: "个人信息", Format: "table",
		Items: []pubdata.Item{{Name: "id", Type: "string", Key: true}, {Name: "n", Type: "integer"}},
	}}
}

func TestApplicationMajorInterestAndTerms(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, pubdata.ChinaTime)
	citizen := &pubdata.Actor{User: &pubdata.User{Username: "c"}}
	body := actor(pubdata.KindPublicBody, "other", "350100", pubdata.RoleMember)
	mk := func() *pubdata.ApplicationCreate {
		return &pubdata.ApplicationCreate{Entry: "e1", Kind: pubdata.KindOpen, Purpose: "诉讼", Basis: "需要", Until: "2027-03-31"}
	}
	// SX27: refused without the major interest, allowed with it.
	c := mk()
	if err := pubdata.ValidateApplicationCreate(citizen, notOpenEntry(), c, now); pubdata.ErrorFields(err)["major_interest"] == nil {
		t.Errorf("not open without a major interest: %v", err)
	}
	c = mk()
	c.MajorInterest = "  本人为该数据的权利人 "
	if err := pubdata.ValidateApplicationCreate(citizen, notOpenEntry(), c, now); err != nil || c.MajorInterest != "本人为该数据的权利人" {
		t.Errorf("not open with a major interest: %v", err)
	}
	// A public body still cannot apply to open data, major interest or not.
	c = mk()
	c.MajorInterest = "x"
	if err := pubdata.ValidateApplicationCreate(body, notOpenEntry(), c, now); pubdata.ErrorFields(err)["kind"] == nil {
		t.Errorf("public body: %v", err)
	}
	// Terms must be accepted.
	e := notOpenEntry()
	e.OpenClass, e.OpenConditions = "conditional", "c"
	e.Terms = []string{pubdata.TermAttribution}
	c = mk()
	if err := pubdata.ValidateApplicationCreate(citizen, e, c, now); pubdata.ErrorFields(err)["accept_terms"] == nil {
		t.Errorf("terms not accepted: %v", err)
	}
	c = mk()
	c.AcceptTerms = true
	if err := pubdata.ValidateApplicationCreate(citizen, e, c, now); err != nil {
		t.Errorf("terms accepted: %v", err)
	}
	e.Terms, e.TermsText = nil, "署名"
	if err := pubdata.ValidateApplicationCreate(citizen, e, mk(), now); pubdata.ErrorFields(err)["accept_terms"] == nil {
		t.Errorf("text-only terms not accepted: %v", err)
	}
	// Demand type.
	e.TermsText = ""
	c = mk()
	c.DemandType = "gossip"
	if err := pubdata.ValidateApplicationCreate(citizen, e, c, now); pubdata.ErrorFields(err)["demand_type"] == nil {
		t.Errorf("bad demand type: %v", err)
	}
	c.DemandType = "research"
	if err := pubdata.ValidateApplicationCreate(citizen, e, c, now); err != nil {
		t.Errorf("research: %v", err)
	}
}

// SX27: a not-open entry is read through a live open grant, and only through one.
func TestDecideAccessNotOpenWithGrant(t *testing.T) {
	now := time.Date(2026, 9, 30, 10, 0, 0, 0, pubdata.ChinaTime)
	e := notOpenEntry()
	citizen := &pubdata.Actor{User: &pubdata.User{Username: "c"}}
	other := &pubdata.Actor{User: &pubdata.User{Username: "d"}}
	g := &pubdata.Grant{ID: "g1", Kind: pubdata.KindOpen, Entry: "e1", ConsumerUser: "c", Items: []string{"n"}, Expires: now.Add(time.Hour)}
	d := pubdata.DecideAccess(pubdata.AccessRequest{Actor: citizen, Entry: e, Grants: []*pubdata.Grant{g}, Now: now})
	if !d.Allow || d.Reason != pubdata.AccessGrant || !slices.Equal(d.Columns, []string{"n"}) {
		t.Errorf("with the grant: %+v", d)
	}
	for name, req := range map[string]pubdata.AccessRequest{
		"no grant":       {Actor: citizen, Entry: e, Now: now},
		"expired":        {Actor: citizen, Entry: e, Grants: []*pubdata.Grant{g}, Now: now.Add(2 * time.Hour)},
		"someone else's": {Actor: other, Entry: e, Grants: []*pubdata.Grant{g}, Now: now},
		"anonymous":      {Actor: &pubdata.Actor{}, Entry: e, Grants: []*pubdata.Grant{g}, Now: now},
	} {
		if d := pubdata.DecideAccess(req); d.Allow || d.Reason != pubdata.AccessNotAuthorized {
			t.Errorf("%s: %+v", name, d)
		}
	}
}

package pubdata

import (
	"strings"
	"testing"
)

func mustProfile(t *testing.T, name string) *Profile {
	t.Helper()
	p, err := LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func classTexts(rules []ClassRule) string {
	var s []string
	for _, r := range rules {
		s = append(s, r.Class+"="+r.Text)
	}
	return strings.Join(s, ",")
}

// TestProfiles checks each shipped profile's rules against its document.
func TestProfiles(t *testing.T) {
	if got := strings.Join(ProfileNames(), ","); got != "default,fujian,jilin,shandong,shanxi,tianjin" {
		t.Fatalf("profiles %s", got)
	}
	for _, c := range []struct {
		name                string
		share, open         int
		shareCite, openCite string // "" the platform default (a note)
		shares, opens       string
		shareWho, openWho   string
		negative            bool
		negativeCite        string
	}{
		{"default", 2, 10, "TJ17", "JL23", "unconditional=无条件共享,conditional=有条件共享,none=不予共享", "unconditional=无条件开放,conditional=有条件开放,none=不予开放",
			AnswererProvider, AnswererProvider, true, "SX27"},
		{"tianjin", 2, 2, "TJ17", "TJ23", "unconditional=无条件共享,conditional=有条件共享,none=不予共享", "unconditional=无条件开放,conditional=有条件开放,none=不予开放",
			AnswererProvider, AnswererProvider, false, "TJ21"},
		{"jilin", 2, 10, "", "JL23", "unconditional=无条件共享,conditional=授权共享,none=非共享", "unconditional=无条件开放,conditional=有条件开放,none=非开放",
			AnswererAuthority, AnswererProvider, false, "JL23"},
		{"fujian", 2, 10, "", "", "unconditional=无条件共享,conditional=有条件共享,none=暂不共享", "unconditional=普遍开放,conditional=依申请开放,none=不列入开放目录",
			AnswererProvider, AnswererAuthority, false, "FJ15"},
		{"shandong", 2, 10, "", "", "unconditional=无条件共享,conditional=有条件共享,none=不予共享", "unconditional=无条件开放,conditional=有条件开放,none=不予开放",
			AnswererProvider, AnswererProvider, false, ""},
		{"shanxi", 2, 10, "", "", "unconditional=无条件共享,conditional=有条件共享,none=不予共享", "unconditional=无条件开放,conditional=有条件开放,none=列入负面清单（不予开放）",
			AnswererProvider, AnswererProvider, true, "SX27"},
	} {
		p := mustProfile(t, c.name)
		if p.ShareReply.Days != c.share || p.OpenReply.Days != c.open {
			t.Errorf("%s: reply days %d/%d, want %d/%d", c.name, p.ShareReply.Days, p.OpenReply.Days, c.share, c.open)
		}
		if p.ShareReply.Cite.Ref() != c.shareCite || p.OpenReply.Cite.Ref() != c.openCite {
			t.Errorf("%s: reply cites %q/%q, want %q/%q", c.name, p.ShareReply.Cite.Ref(), p.OpenReply.Cite.Ref(), c.shareCite, c.openCite)
		}
		if got := classTexts(p.ShareClasses); got != c.shares {
			t.Errorf("%s: share classes %s", c.name, got)
		}
		if got := classTexts(p.OpenClasses); got != c.opens {
			t.Errorf("%s: open classes %s", c.name, got)
		}
		if p.ShareAnswer.Who != c.shareWho || p.OpenAnswer.Who != c.openWho {
			t.Errorf("%s: answerers %s/%s", c.name, p.ShareAnswer.Who, p.OpenAnswer.Who)
		}
		if p.NegativeList.Enabled != c.negative || p.NegativeList.Cite.Ref() != c.negativeCite {
			t.Errorf("%s: negative list %v %q", c.name, p.NegativeList.Enabled, p.NegativeList.Cite.Ref())
		}
		if c.name != ProfileDefault && (p.Document == nil || p.Document.Seed == "") {
			t.Errorf("%s: no document", c.name)
		}
		// Every rule cites an article with its words, or says why none applies.
		for _, r := range append(append([]ClassRule{}, p.ShareClasses...), p.OpenClasses...) {
			if r.Cite.Doc != "" && r.Cite.Quote == "" {
				t.Errorf("%s: class %s cites %s without its words", c.name, r.Class, r.Cite.Ref())
			}
		}
	}
	if _, err := LookupProfile("zhejiang"); err == nil || !strings.Contains(err.Error(), "fujian") {
		t.Fatalf("unknown profile: %v", err)
	}
	if p := mustProfile(t, ""); p.Name != ProfileDefault {
		t.Fatal("empty name is not the default")
	}
}

func TestProfileLabelKeys(t *testing.T) {
	if m := DefaultProfile().LabelKeys(); len(m) != 0 {
		t.Fatalf("default remaps %v", m)
	}
	m := mustProfile(t, "fujian").LabelKeys()
	if m["entry.share.none"] != "profile.class.share.deferred" || m["entry.open.unconditional"] != "profile.class.open.general" ||
		m["entry.open.conditional"] != "profile.class.open.on_application" || m["entry.open.none"] != "profile.class.open.not_listed" || len(m) != 4 {
		t.Fatalf("fujian label keys %v", m)
	}
}

func TestProfileCheckEntryClasses(t *testing.T) {
	// A profile whose open classes are two: an entry takes only those.
	src := strings.Replace(string(mustRead(t, "profiles/fujian.toml")), "[[open_classes]]\nclass = \"none\"", "[[unused]]\nclass = \"none\"", 1)
	src = strings.Replace(src, "name = \"fujian\"", "name = \"two\"", 1)
	src = src[:strings.Index(src, "[[unused]]")] + src[strings.Index(src, "[share_answerer]"):]
	two, err := ParseProfile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := &EntryFields{ShareClass: ClassNone, OpenClass: ClassConditional}
	if err := two.CheckEntryClasses(f); err != nil {
		t.Fatal(err)
	}
	f.OpenClass = ClassNone
	err = two.CheckEntryClasses(f)
	if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "依申请开放") || !strings.Contains(err.Error(), "open_class") && ErrorFields(err)["open_class"] == nil {
		t.Fatalf("a two-class profile takes open class none: %v", err)
	}
	for _, name := range ProfileNames() {
		if err := mustProfile(t, name).CheckEntryClasses(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := profileFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReplyFor(t *testing.T) {
	tj := mustProfile(t, "tianjin")
	if r := ReplyFor(tj, ReplyDays{}, nil, KindOpen, "120101"); r.Days != 2 || r.Source != ReplyFromProfile || r.Cite.Ref() != "TJ23" {
		t.Fatalf("tianjin open %+v", r)
	}
	if r := ReplyFor(nil, ReplyDays{}, nil, KindOpen, "350100"); r.Days != DefaultOpenReplyDays {
		t.Fatalf("nil profile %+v", r)
	}
	if r := ReplyFor(tj, ReplyDays{Open: 7}, nil, KindOpen, "120101"); r.Days != 7 || r.Source != ReplyFromSetting {
		t.Fatalf("explicit setting %+v", r)
	}
	rules := []*DivisionRule{
		{Division: "350000", OpenReplyDays: 8, Basis: "省"},
		{Division: "350100", ShareReplyDays: 3, OpenReplyDays: 5, Basis: "福州"},
		{Division: "350102", ShareReplyDays: 4, Basis: "鼓楼"},
	}
	fj := mustProfile(t, "fujian")
	for _, c := range []struct {
		kind     ApplicationKind
		division string
		days     int
		from     string
	}{
		{KindShare, "350102", 4, "350102"}, // the district's own
		{KindOpen, "350102", 5, "350100"},  // the district sets no open days: its city's
		{KindShare, "350103", 3, "350100"}, // another district of Fuzhou
		{KindOpen, "350200", 8, "350000"},  // Xiamen: the province's
		{KindShare, "350200", 2, ""},       // no rule sets share days there: the profile's
		{KindShare, "120101", 2, ""},       // outside every rule
	} {
		r := ReplyFor(fj, ReplyDays{Share: 0}, rules, c.kind, c.division)
		if r.Days != c.days || r.Division != c.from {
			t.Errorf("%s %s: %+v, want %d from %q", c.kind, c.division, r, c.days, c.from)
		}
	}
	// A division rule wins over the explicit setting: it is the more specific.
	if r := ReplyFor(fj, ReplyDays{Share: 9}, rules, KindShare, "350102"); r.Days != 4 {
		t.Fatalf("division under a setting %+v", r)
	}
}

func TestValidateDivisionRule(t *testing.T) {
	r := &DivisionRule{Division: " 350100 ", ShareReplyDays: 3, Basis: " 福州市公共数据管理办法 第十条 "}
	if err := ValidateDivisionRule(r); err != nil || r.Division != "350100" || r.Basis != "福州市公共数据管理办法 第十条" {
		t.Fatalf("%v %+v", err, r)
	}
	for _, bad := range []*DivisionRule{
		{Division: "3501", ShareReplyDays: 3, Basis: "x"},
		{Division: "350100", ShareReplyDays: 61, Basis: "x"},
		{Division: "350100", OpenReplyDays: -1, ShareReplyDays: 1, Basis: "x"},
		{Division: "350100", Basis: "x"},
		{Division: "350100", ShareReplyDays: 3},
	} {
		if err := ValidateDivisionRule(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestCanDecideApplicationUnder(t *testing.T) {
	app := &Application{Kind: KindOpen, Provider: "prov", Status: AppPending, Division: "350100"}
	provider := actorOf("p", "prov", KindPublicBody, RoleReviewer)
	authority := actorOf("a", "auth", KindAuthority, RoleReviewer)
	fj, tj := mustProfile(t, "fujian"), mustProfile(t, "tianjin")
	if !CanDecideApplicationUnder(tj, provider, app, app.Division) || CanDecideApplicationUnder(tj, authority, app, app.Division) {
		t.Fatal("tianjin: the provider answers open applications")
	}
	if CanDecideApplicationUnder(fj, provider, app, app.Division) || !CanDecideApplicationUnder(fj, authority, app, app.Division) {
		t.Fatal("fujian: the authority answers open applications (FJ15)")
	}
	share := *app
	share.Kind = KindShare
	if !CanDecideApplicationUnder(fj, provider, &share, share.Division) {
		t.Fatal("fujian: the provider answers share applications")
	}
	if jl := mustProfile(t, "jilin"); !CanDecideApplicationUnder(jl, authority, &share, share.Division) || CanDecideApplicationUnder(jl, provider, &share, share.Division) {
		t.Fatal("jilin: the authority reviews share applications (JL19)")
	}
	// A disputed application goes to the authority whatever the profile.
	disputed := *app
	disputed.Status = AppDisputed
	if !CanDecideApplicationUnder(tj, authority, &disputed, disputed.Division) {
		t.Fatal("disputes")
	}
}

func TestCheckNegativeList(t *testing.T) {
	e := appEntry()
	e.OpenClass, e.OpenBasis = ClassNone, "涉及个人隐私"
	c := &ApplicationCreate{Kind: KindOpen, MajorInterest: "本人的登记信息"}
	if err := CheckNegativeList(mustProfile(t, "shanxi"), e, c); err != nil {
		t.Fatal(err)
	}
	if err := CheckNegativeList(DefaultProfile(), e, c); err != nil {
		t.Fatal(err)
	}
	if err := CheckNegativeList(mustProfile(t, "tianjin"), e, c); ErrorCode(err) != EINVALID {
		t.Fatalf("tianjin takes a major-interest application: %v", err)
	}
	e.OpenClass = ClassConditional
	if err := CheckNegativeList(mustProfile(t, "tianjin"), e, c); err != nil {
		t.Fatal(err)
	}
}

func TestCitationArticle(t *testing.T) {
	for n, want := range map[int]string{1: "第一条", 10: "第十条", 17: "第十七条", 23: "第二十三条", 40: "第四十条", 102: "第一百零二条", 110: "第一百一十条"} {
		if got := (Citation{Doc: "TJ", Article: n}).ArticleZh(); got != want {
			// 110 is written 一百一十 in statutes
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
}

func TestParseProfileRejects(t *testing.T) {
	for _, src := range []string{
		"name = \"x\"\nbogus = 1\n",
		"name = \"Bad\"\n",
		"name = \"x\"\ntitle = \"x\"\ntitle_en = \"x\"\n[share_reply]\ndays = 0\n",
	} {
		if _, err := ParseProfile([]byte(src)); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
}

package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

var fileTests = []namedTest{
	{"FileLifecycle", testFileLifecycle},
	{"FileRules", testFileRules},
	{"FileLists", testFileLists},
}

// fileEntry publishes an unconditionally open file entry of fz-scj.
func fileEntry(t *testing.T, s *Store, editor, reviewer context.Context, share, open string) *pubdata.Entry {
	t.Helper()
	f := fields("市场主体年度报告", "年度报告全文", share, open)
	f.Format, f.Items = pubdata.FormatFile, nil
	return publish(t, s, editor, reviewer, "fz-scj", f)
}

// blobOf is a stored upload's facts as the web layer hands them over.
func blobOf(name, sha string) pubdata.FileBlob {
	return pubdata.FileBlob{Key: sha, SHA256: sha, SM3: strings.Repeat("b", 64), Size: 1234, Format: "PDF", MediaType: "application/pdf", FileName: name}
}

func testFileLifecycle(t *testing.T, s *Store) {
	if s.Files == nil {
		t.Fatal("the store under test has no file service: wire it in its Store")
	}
	editor, reviewer := catalogueSetup(t, s)
	e := fileEntry(t, s, editor, reviewer, pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	sha1 := strings.Repeat("a", 64)
	f, err := s.Files.CreateFile(editor, e.ID, pubdata.FileFields{Description: " 2024 年度报告 ", Issued: "2024/3/8"}, blobOf(`C:\docs\年度报告.pdf`, sha1))
	if err != nil {
		t.Fatal(err)
	}
	if f.Entry != e.ID || f.Org != "fz-scj" || f.Title != "年度报告" || f.Description != "2024 年度报告" || f.Issued != "2024-03-08" ||
		f.Status != pubdata.FileCurrent || f.Version != 1 || f.Latest.Version != 1 || f.Latest.FileName != "年度报告.pdf" ||
		f.Latest.Size != 1234 || f.Latest.SHA256 != sha1 || f.Latest.Blob != sha1 || f.Latest.Actor != "scj-editor" || len(f.Versions) != 1 {
		t.Fatalf("created %+v", f)
	}
	evs := eventsOf(t, s, "file.create", "file:"+f.ID)
	if len(evs) != 1 || !strings.Contains(detailsText(evs[0]), sha1) || !strings.Contains(detailsText(evs[0]), e.ID) || evs[0].Actor != "scj-editor" {
		t.Fatalf("create events %+v", evs)
	}
	// A new version keeps the first.
	sha2 := strings.Repeat("c", 64)
	f, err = s.Files.AddFileVersion(editor, f.ID, blobOf("年度报告（更正）.pdf", sha2), "更正第 3 页")
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 || f.Latest.SHA256 != sha2 || f.Latest.Note != "更正第 3 页" || len(f.Versions) != 2 ||
		f.Versions[0].Version != 2 || f.Versions[1].SHA256 != sha1 || f.VersionOf(1).SHA256 != sha1 || f.VersionOf(0).SHA256 != sha2 || f.VersionOf(3) != nil {
		t.Fatalf("new version %+v", f)
	}
	if evs := eventsOf(t, s, "file.version", "file:"+f.ID); len(evs) != 1 || !strings.Contains(detailsText(evs[0]), sha2) {
		t.Fatalf("version events %+v", evs)
	}
	// Describe: only what changed is recorded; no change records nothing.
	f, err = s.Files.UpdateFile(editor, f.ID, pubdata.FileFields{Title: "2024 年度报告", Description: f.Description})
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "2024 年度报告" || f.Issued != "2024-03-08" {
		t.Fatalf("updated %+v", f)
	}
	if _, err := s.Files.UpdateFile(editor, f.ID, pubdata.FileFields{Title: "2024 年度报告", Description: f.Description}); err != nil {
		t.Fatal(err)
	}
	if evs := eventsOf(t, s, "file.update", "file:"+f.ID); len(evs) != 1 || !strings.Contains(detailsText(evs[0]), "年度报告") || strings.Contains(detailsText(evs[0]), "issued") {
		t.Fatalf("update events %+v", evs)
	}
	// Withdraw: kept with its versions, left out of the readers' list, closed to changes.
	f, err = s.Files.WithdrawFile(editor, f.ID, "已被新文件替代")
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != pubdata.FileWithdrawn || f.WithdrawnAt == nil || f.Reason != "已被新文件替代" || len(f.Versions) != 2 {
		t.Fatalf("withdrawn %+v", f)
	}
	_, err = s.Files.AddFileVersion(editor, f.ID, blobOf("x.pdf", sha1), "")
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Files.WithdrawFile(editor, f.ID, "")
	wantCode(t, err, pubdata.ECONFLICT)
	if evs := eventsOf(t, s, "file.withdraw", "file:"+f.ID); len(evs) != 1 {
		t.Fatalf("withdraw events %+v", evs)
	}
	if list, err := s.Files.FindFiles(system, e.ID, false); err != nil || len(list) != 0 {
		t.Fatalf("current files %v %v", list, err)
	}
	if list, err := s.Files.FindFiles(system, e.ID, true); err != nil || len(list) != 1 || list[0].Status != pubdata.FileWithdrawn {
		t.Fatalf("all files %v %v", list, err)
	}
	_, err = s.Files.FindFile(system, "no-such-file")
	wantCode(t, err, pubdata.ENOTFOUND)
}

func testFileRules(t *testing.T, s *Store) {
	if s.Files == nil {
		t.Fatal("the store under test has no file service: wire it in its Store")
	}
	editor, reviewer := catalogueSetup(t, s)
	e := fileEntry(t, s, editor, reviewer, pubdata.ClassUnconditional, pubdata.ClassNone)
	blob := blobOf("a.pdf", strings.Repeat("a", 64))
	// Another organisation's editor, a member of the provider, the reviewer: refused.
	other := mustUser(t, s, "xm-editor", "xm-scj", pubdata.RoleEditor)
	member := mustUser(t, s, "scj-member", "fz-scj", pubdata.RoleMember)
	xm, _ := s.Orgs.FindOrgByCode(system, "xm-scj")
	scj, _ := s.Orgs.FindOrgByCode(system, "fz-scj")
	for name, ctx := range map[string]context.Context{
		"other org's editor": as(&pubdata.Actor{User: other, Org: xm}, "r-x"),
		"member":             as(&pubdata.Actor{User: member, Org: scj}, "r-m"),
		"reviewer":           reviewer,
	} {
		_, err := s.Files.CreateFile(ctx, e.ID, pubdata.FileFields{}, blob)
		if pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
			t.Errorf("%s: create: %v", name, err)
		}
	}
	f, err := s.Files.CreateFile(editor, e.ID, pubdata.FileFields{Title: "报告"}, blob)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Files.AddFileVersion(as(&pubdata.Actor{User: other, Org: xm}, "r-x"), f.ID, blob, "")
	wantCode(t, err, pubdata.EFORBIDDEN)
	_, err = s.Files.WithdrawFile(reviewer, f.ID, "")
	wantCode(t, err, pubdata.EFORBIDDEN)
	// A table entry, a draft: no files.
	table := publish(t, s, editor, reviewer, "fz-scj", fields("企业名录", "名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	_, err = s.Files.CreateFile(editor, table.ID, pubdata.FileFields{}, blob)
	wantCode(t, err, pubdata.EINVALID)
	df := fields("草稿文件", "草稿", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	df.Format, df.Items = pubdata.FormatFile, nil
	draft, err := s.Entries.CreateEntry(editor, "fz-scj", "", df)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Files.CreateFile(editor, draft.ID, pubdata.FileFields{}, blob)
	wantCode(t, err, pubdata.ENOTFOUND)
	// Validation: nothing written, nothing recorded.
	before := eventsOf(t, s, "file.create", "")
	_, err = s.Files.CreateFile(editor, e.ID, pubdata.FileFields{Title: strings.Repeat("长", pubdata.MaxFileTitle+1), Issued: "明天"}, blob)
	wantCode(t, err, pubdata.EINVALID)
	if fe := pubdata.ErrorFields(err); fe["title"] == nil || fe["issued"] == nil {
		t.Fatalf("fields %v", fe)
	}
	empty := blob
	empty.Size = 0
	_, err = s.Files.CreateFile(editor, e.ID, pubdata.FileFields{}, empty)
	wantCode(t, err, pubdata.EINVALID)
	if after := eventsOf(t, s, "file.create", ""); len(after) != len(before) {
		t.Fatalf("refused creations recorded: %d → %d", len(before), len(after))
	}
	if list, _ := s.Files.FindFiles(system, e.ID, true); len(list) != 1 {
		t.Fatalf("files after refusals: %d", len(list))
	}
}

func testFileLists(t *testing.T, s *Store) {
	if s.Files == nil {
		t.Fatal("the store under test has no file service: wire it in its Store")
	}
	editor, reviewer := catalogueSetup(t, s)
	a := fileEntry(t, s, editor, reviewer, pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b := fileEntry(t, s, editor, reviewer, pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	for i, id := range []string{a.ID, a.ID, b.ID} {
		if _, err := s.Files.CreateFile(editor, id, pubdata.FileFields{Title: "文件" + string(rune('一'+i))}, blobOf("f.pdf", strings.Repeat(string(rune('a'+i)), 64))); err != nil {
			t.Fatal(err)
		}
	}
	byEntry, err := s.Files.CurrentFiles(system, []string{a.ID, b.ID, "none"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byEntry[a.ID]) != 2 || len(byEntry[b.ID]) != 1 || len(byEntry["none"]) != 0 {
		t.Fatalf("by entry %v", byEntry)
	}
	list, err := s.Files.FindFiles(system, a.ID, false)
	if err != nil || len(list) != 2 || list[0].Versions != nil {
		t.Fatalf("list %v %v", list, err)
	}
}

// detailsText is an event's details as JSON text.
func detailsText(ev *pubdata.Event) string {
	b, _ := json.Marshal(ev.Details)
	return string(b)
}

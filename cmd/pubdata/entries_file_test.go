package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/entryfile"
)

func TestEntriesImportExport(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		args := func(a ...string) []string { return append(a, s.args()...) }
		if code, _, stderr := runCLI(t, args("org", "add", "--code", "fj-wjw", "--name", "福建省卫生健康委员会", "--kind", "public_body", "--division", "350000")...); code != 0 {
			t.Fatalf("org add: %s", stderr)
		}
		dir := t.TempDir()
		hs := make([]string, len(entryfile.Columns))
		for i, c := range entryfile.Columns {
			hs[i] = c.Header
		}
		good := strings.Join(hs, ",") + "\n" +
			"医疗机构信息,201001/00001,201001,医疗机构执业登记,库表,每月,无条件共享,,,无条件开放,,,,医院,,,licence_no,执业许可证号,C,30,是,,1,否\n" +
			",,,,,,,,,,,,,,,,uscc,统一社会信用代码,C,18,否,统一社会信用代码,1,否\n" +
			"传染病疫情统计,,3,,文件,每周,无条件共享,,,有条件开放,统一发布后开放,,350100,,,,,,,,,,,\n"
		file := filepath.Join(dir, "目录.csv")
		os.WriteFile(file, []byte(good), 0o600)

		code, stdout, stderr := runCLI(t, args("entries", "import", "--org", "fj-wjw", "--dry-run", file)...)
		if code != 0 || !strings.Contains(stdout, "would have 2 entries of fj-wjw: 2 created") {
			t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
		}
		// The file may come before the flags, too.
		code, stdout, stderr = runCLI(t, append([]string{"entries", "import", file, "--org", "fj-wjw"}, s.args()...)...)
		if code != 0 || !strings.Contains(stdout, "imported 2 entries of fj-wjw: 2 created, 0 updated, 0 unchanged") {
			t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
		}
		code, exported, stderr := runCLI(t, args("entries", "export", "--org", "fj-wjw")...)
		if code != 0 || !strings.Contains(exported, "201001/00001") || !strings.Contains(exported, "uscc") || !strings.HasPrefix(exported, "\ufeff信息资源名称") {
			t.Fatalf("export: exit %d\n%s%s", code, exported, stderr)
		}
		code, stdout, _ = runCLIInput(t, strings.Replace(exported, "医疗机构执业登记", "全省医疗机构执业登记", 1), args("entries", "import", "--org", "fj-wjw", "-")...)
		if code != 0 || !strings.Contains(stdout, "1 updated, 1 unchanged") {
			t.Errorf("re-import from stdin: exit %d\n%s", code, stdout)
		}
		xlsx := filepath.Join(dir, "out.xlsx")
		if code, _, stderr := runCLI(t, args("entries", "export", "--org", "fj-wjw", "--format", "xlsx", "--output", xlsx)...); code != 0 || !strings.Contains(stderr, "wrote 2 entries") {
			t.Errorf("xlsx export: exit %d %s", code, stderr)
		}
		if code, stdout, _ := runCLI(t, args("entries", "import", "--org", "fj-wjw", xlsx)...); code != 0 || !strings.Contains(stdout, "2 unchanged") {
			t.Errorf("xlsx import: exit %d %s", code, stdout)
		}

		bad := strings.Replace(good, "有条件开放,统一发布后开放", "有条件开放,", 1)
		os.WriteFile(file, []byte(bad), 0o600)
		code, stdout, stderr = runCLI(t, args("entries", "import", "--org", "fj-wjw", file)...)
		if code != 1 || !strings.Contains(stdout, "4     开放条件") || !strings.Contains(stderr, "1 problems (listed on stdout); nothing was written") {
			t.Errorf("bad file: exit %d\n%s%s", code, stdout, stderr)
		}

		for _, c := range []struct {
			args []string
			code int
			want string
		}{
			{args("entries", "import", "--org", "fj-wjw"), 2, "FILE to import is required"},
			{args("entries", "import", "--org", "fj-wjw", file, file), 2, "unexpected argument"},
			{args("entries", "import", file), 2, "--org is required"},
			{args("entries", "import", "--org", "nobody", file), 1, `no organisation "nobody"`},
			{args("entries", "import", "--org", "fj-wjw", filepath.Join(dir, "missing.csv")), 1, "no such file"},
			{args("entries", "export", "--org", "fj-wjw", "--format", "ods"), 2, `--format "ods"`},
			{args("entries", "export"), 2, "--org is required"},
		} {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, stderr)
			}
			assertOneLine(t, stderr, c.want)
		}
	})
}

func TestBenchSearch(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		code, stdout, stderr := runCLI(t, append([]string{"bench", "search", "--entries", "40", "--queries", "14", "--workers", "2"}, s.args()...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"generated 40 entries", "published catalogue: 40 entries", "p95 ms", "zh 2-char + facets", "browse + facets", "slowest queries of each kind"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		// A second run reuses the entries.
		code, stdout, _ = runCLI(t, append([]string{"bench", "search", "--entries", "40", "--queries", "7"}, s.args()...)...)
		if code != 0 || strings.Contains(stdout, "generat") {
			t.Errorf("second run: exit %d\n%s", code, stdout)
		}
	})
}

// TestBenchEntriesValid checks that the generator makes valid entries.
func TestBenchEntriesValid(t *testing.T) {
	for i := 0; i < 2000; i++ {
		org, f := benchEntry(7, i)
		if err := pubdata.ValidateEntryFields(f); err != nil {
			t.Fatalf("entry %d of %s: %v (%+v)", i, org, err, f)
		}
	}
}

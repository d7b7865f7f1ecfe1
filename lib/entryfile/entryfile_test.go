package entryfile

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/pubdata/pubdata"
)

// sampleEntries cover every class, format and a few cycles, entries with and without items,
// and text that a spreadsheet would take for a formula.
func sampleEntries() []*pubdata.Entry {
	return []*pubdata.Entry{
		{Code: "301001/00001", EntryFields: pubdata.EntryFields{
			Title: "企业登记信息", Summary: "全省市场主体登记的基本信息。", Category: "301001", Format: "table", UpdateCycle: "daily",
			ShareClass: "unconditional", OpenClass: "conditional", OpenConditions: "经申请并签订数据使用协议后开放。",
			Division: "350000", Keywords: []string{"企业", "登记", "市场主体"}, Related: []string{"301001/00002"},
			License: "CC-BY-4.0", TemporalStart: "1990-01-01", ContactName: "数据管理科", ContactEmail: "data@scj.example.gov.cn", ContactPhone: "0591-87000000",
			Items: []pubdata.Item{
				{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc", Grade: 1},
				{Name: "name", Title: "企业名称", Type: "string", Length: 200, Grade: 1},
				{Name: "registered_capital", Title: "注册资本（万元）", Type: "number", Grade: 2},
				{Name: "established_on", Title: "成立日期", Type: "date"},
				{Name: "updated_at", Title: "更新时间", Type: "datetime"},
				{Name: "employees", Title: "从业人数", Type: "integer"},
				{Name: "is_listed", Title: "是否上市", Type: "boolean"},
			},
		}},
		{Code: "301002/00007", EntryFields: pubdata.EntryFields{
			Title: "居民身份证信息", Summary: "=HYPERLINK(\"http://x\") 以等号开头的摘要", Category: "1", Format: "service", UpdateCycle: "realtime",
			ShareClass: "conditional", ShareConditions: "仅限履行法定职责所必需，经授权后以接口核验方式共享。",
			OpenClass: "none", OpenBasis: "《中华人民共和国个人信息保护法》第二十八条",
			DataCategory: "政务/公安/户籍", DataLevel: "important",
			Division: "350000", Keywords: []string{"身份证"}, Related: []string{},
			Items: []pubdata.Item{
				{Name: "resident_id", Title: "公民身份号码", Type: "string", Length: 18, Key: true, Element: "resident_id", Grade: 4, Personal: true},
				{Name: "name", Title: "姓名", Type: "string", Length: 50, Element: "name", Grade: 3, Personal: true},
			},
		}},
		{Code: "", EntryFields: pubdata.EntryFields{
			Title: "涉密统计年鉴", Category: "2", Format: "file", UpdateCycle: "yearly",
			ShareClass: "none", ShareBasis: "《中华人民共和国保守国家秘密法》", OpenClass: "none", OpenBasis: "同上",
			Division: "350100", Keywords: []string{}, Related: []string{}, Supplementary: true, Items: []pubdata.Item{},
		}},
		{Code: "303001/00003", EntryFields: pubdata.EntryFields{
			Title: "公交站点", Category: "303001", Format: "file", UpdateCycle: "irregular",
			ShareClass: "unconditional", OpenClass: "unconditional", Division: "350100",
			Keywords: []string{"公交", "站点"}, Related: []string{}, Items: []pubdata.Item{
				{Name: "stop_id", Title: "站点编号", Type: "string", Key: true},
			},
		}},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			want := sampleEntries()
			var buf bytes.Buffer
			if err := Encode(&buf, format, want); err != nil {
				t.Fatal(err)
			}
			rows, errs, err := Decode(bytes.NewReader(buf.Bytes()), Options{})
			if err != nil || len(errs) > 0 {
				t.Fatalf("Decode: %v %v", err, errs)
			}
			if len(rows) != len(want) {
				t.Fatalf("%d entries, want %d", len(rows), len(want))
			}
			line := 2
			for i, r := range rows {
				w := want[i].EntryFields
				pubdata.NormalizeEntryFields(&w)
				if r.Code != want[i].Code {
					t.Errorf("entry %d: code %q, want %q", i, r.Code, want[i].Code)
				}
				if !reflect.DeepEqual(r.Fields, w) {
					t.Errorf("entry %d:\n got %+v\nwant %+v", i, r.Fields, w)
				}
				if r.Line != line {
					t.Errorf("entry %d at line %d, want %d", i, r.Line, line)
				}
				if n := len(w.Items); n != len(r.ItemLines) {
					t.Errorf("entry %d: %d item lines for %d items", i, len(r.ItemLines), n)
				}
				line += max(1, len(w.Items))
			}
		})
	}
}

func TestCSVLooksRightInExcel(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, CSV, sampleEntries()[:2]); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, utf8BOM) {
		t.Fatal("CSV lacks the UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != strings.Join(headers(), ",") {
		t.Errorf("header %s", got)
	}
	// Entry fields on the first row only, Chinese terms, the formula guard.
	if recs[1][0] != "企业登记信息" || recs[2][0] != "" || recs[1][6] != "无条件共享" || recs[1][9] != "有条件开放" || recs[1][5] != "每日" {
		t.Errorf("rows: %q / %q", recs[1], recs[2])
	}
	if recs[1][18] != "字符型" || recs[1][20] != "是" || recs[2][20] != "否" {
		t.Errorf("item cells: %q", recs[1])
	}
	if s := recs[8][3]; !strings.HasPrefix(s, "'=") {
		t.Errorf("formula-like summary written as %q", s)
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Errorf("no CRLF line ends")
	}
}

// gb18030 encodes text as Excel on a Chinese Windows saves "CSV".
func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(b, []byte(s)) {
		t.Fatal("the text did not change: not a GB18030 test")
	}
	return b
}

// badCSV has a title row above the header, an ignored 序号 column, English and Chinese
// values, and a problem in most entries. Line numbers are in the first column's comments.
const badCSV = `福建省公共数据资源目录（2026年）,,,,,,,,,,,,,,,,,,,,,,,,
序号,信息资源名称,信息资源代码,信息资源分类,信息资源摘要,信息资源格式,更新周期,共享类型,共享条件,不予共享依据,开放类型,开放条件,不予开放依据,行政区划代码,关键字,关联资源代码,补充目录,信息项名称,信息项中文名称,数据类型,数据长度,是否主键,数据元,分级,是否个人信息
1,企业登记信息,301001/00001,301001,摘要,库表,每日,有条件共享,,,不予开放,,,350000,企业、登记,,否,uscc,统一社会信用代码,字符型C,18,是,uscc,1,否
,,,,,,,,,,,,,,,,,name,企业名称,字符串型,200,否,,1级,否
,,,,,,,,,,,,,,,,,Bad Name!,地址,C,abc,否,,9,是
2,行政许可信息,301001/00001,3,摘要,数据库,每月,无条件共享,,,无条件开放,,,350000,,,,permit_no,许可证号,字符型,50,是,,,
,,,,,,,,,,,,,,,,,,,,,,,,
3,行政处罚信息,,3,摘要,文件,每季,无条件共享,,,普遍开放,,,3501,,bad-code,,,,,,,,,
,,,,,,,,,,,,,,,,,case_no,案号,C,,,,,
,,,,摘要被改了,,,,,,,,,,,,,,,,,,,
4,人口信息,12/3,1,摘要,库表,半月,部分共享,,,不予开放,,,350000,,,也许,resident_id,身份号码,C,18,是,,L4,是
`

func TestDecodeGB18030WithProblems(t *testing.T) {
	rows, errs, err := Decode(bytes.NewReader(gb18030(t, badCSV)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	type where struct {
		line   int
		column string
	}
	got := map[where]string{}
	for _, e := range errs {
		got[where{e.Line, e.Column}] = e.Message
	}
	want := []struct {
		line   int
		column string
		has    string
	}{
		{3, "不予开放依据", "legal basis"},               // none open class without a basis
		{3, "共享条件", "conditions"},                  // conditional share without conditions
		{4, "数据类型", "字符串型"},                        // unknown type
		{5, "信息项名称", "lower-case"},                 // bad item name
		{5, "数据长度", "whole number"},                // bad length
		{5, "分级", "grade"},                         // bad grade
		{6, "信息资源代码", "line 3 too"},                // duplicate code
		{8, "行政区划代码", "six digits"},                // bad division
		{8, "关联资源代码", "bad-code"},                  // bad related code
		{10, "信息资源摘要", "differs from the entry's"}, // changed entry cell on a further row
		{11, "信息资源代码", "分类码/顺序码"},                  // bad resource code
		{11, "更新周期", "半月"},                         // unknown cycle
		{11, "共享类型", "部分共享"},                       // unknown share class
		{11, "补充目录", "是 or 否"},                     // bad yes/no
		{11, "不予开放依据", "legal basis"},              // none open class without a basis
	}
	for _, w := range want {
		msg, ok := got[where{w.line, w.column}]
		if !ok {
			t.Errorf("no error at line %d, column %s", w.line, w.column)
			continue
		}
		if !strings.Contains(msg, w.has) {
			t.Errorf("line %d, column %s: %q does not mention %q", w.line, w.column, msg, w.has)
		}
		delete(got, where{w.line, w.column})
	}
	for k, m := range got {
		t.Errorf("unexpected error at line %d, column %q: %s", k.line, k.column, m)
	}
	if len(rows) != 4 {
		t.Fatalf("%d entries, want 4", len(rows))
	}
	r := rows[0]
	if r.Line != 3 || r.Fields.Title != "企业登记信息" || r.Fields.Format != "table" || r.Fields.ShareClass != "conditional" ||
		!reflect.DeepEqual(r.Fields.Keywords, []string{"企业", "登记"}) || len(r.Fields.Items) != 3 ||
		!reflect.DeepEqual(r.ItemLines, []int{3, 4, 5}) || r.Fields.Items[0].Type != "string" || !r.Fields.Items[0].Key ||
		r.Fields.Items[1].Grade != 1 {
		t.Errorf("first entry: %+v", r)
	}
	if rows[2].Fields.UpdateCycle != "quarterly" || rows[2].Fields.OpenClass != "unconditional" || rows[2].Fields.Format != "file" {
		t.Errorf("third entry: %+v", rows[2].Fields)
	}
}

// TestRepeatedStyle reads a sheet that repeats the entry's fields on every row, with
// English headers and values, separated by tabs.
func TestRepeatedStyle(t *testing.T) {
	text := strings.Join([]string{
		"title\tcode\tcategory\tformat\tupdate_cycle\tshare_class\topen_class\tdivision\titems.name\titems.title\titems.type\tkey\tpersonal\telement",
		"Bus stops\t303001/00009\t3\ttable\tdaily\tunconditional\tunconditional\t350100\tstop_id\t站点编号\tstring\ttrue\tfalse\t",
		"Bus stops\t303001/00009\t3\ttable\tdaily\tunconditional\tunconditional\t350100\tstop_name\t站点名称\tstring\tfalse\tfalse\t",
		"Clinics\t\t3\ttable\tweekly\tunconditional\tnone\t350100\tdoctor_id\t医师身份证号\tstring\tno\tyes\t公民身份号码",
	}, "\n")
	rows, errs, err := Decode(strings.NewReader(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0].Fields.Items) != 2 || len(rows[1].Fields.Items) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	// Without a registry the element is taken as written; the open basis is missing.
	if len(errs) != 1 || errs[0].Line != 4 || errs[0].Column != "open_basis" && errs[0].Column != "不予开放依据" {
		t.Errorf("errors %v", errs)
	}
	if rows[1].Fields.Items[0].Element != "公民身份号码" || !rows[1].Fields.Items[0].Personal {
		t.Errorf("item %+v", rows[1].Fields.Items[0])
	}
	// With the registry, names become codes and unknown elements are refused.
	elements := []*pubdata.DataElement{{Code: "resident_id", Name: "公民身份号码", NameEn: "Resident ID number"}}
	rows, _, _ = Decode(strings.NewReader(text), Options{Elements: elements})
	if rows[1].Fields.Items[0].Element != "resident_id" {
		t.Errorf("element %q", rows[1].Fields.Items[0].Element)
	}
	bad := strings.Replace(text, "公民身份号码", "身份证号码", 1)
	_, errs, _ = Decode(strings.NewReader(bad), Options{Elements: elements})
	found := false
	for _, e := range errs {
		found = found || e.Line == 4 && e.Column == "element" && strings.Contains(e.Message, "身份证号码")
	}
	if !found {
		t.Errorf("unknown element not reported: %v", errs)
	}
}

// TestXLSXFromDepartment reads a workbook as a department might make it: a cover sheet, a
// title row, merged entry cells, numbers as numbers and guide-style type letters.
func TestXLSXFromDepartment(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "封面")
	f.SetCellValue("封面", "A1", "福州市卫健委信息资源目录")
	f.NewSheet("目录")
	rows := [][]any{
		{"福州市卫生健康委员会 信息资源目录"},
		{"*信息资源名称", "信息资源分类", "信息资源格式", "更新周期", "共享类型", "共享条件", "开放类型", "开放条件", "行政区划代码", "信息项名称", "信息项中文名称", "数据类型", "数据长度", "分级", "是否个人信息"},
		{"医疗机构信息", 3, "库表", "每月", "无条件共享", nil, "无条件开放", nil, 350100, "org_code", "机构代码", "C", 18, 1, "否"},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, "org_name", "机构名称", "C", 100.0, 1, "否"},
		{"出生医学证明", 3, "库表", "实时", "有条件共享", "仅供户籍登记使用", "不予开放", nil, 350100, "cert_no", "证明编号", "C", 20, 3, "是"},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, "birth_date", "出生日期", "D", nil, "三级", "是"},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, "Bad Col", "bad", "X", nil, nil, nil},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("目录", cell, &r)
	}
	f.MergeCell("目录", "A3", "A4")
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, errs, err := Decode(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries: %+v", len(got), got)
	}
	e := got[0]
	if e.Line != 3 || e.Fields.Category != "3" || e.Fields.Division != "350100" || len(e.Fields.Items) != 2 || e.Fields.Items[1].Length != 100 {
		t.Errorf("first entry %+v", e)
	}
	if it := got[1].Fields.Items[1]; it.Type != "date" || it.Grade != 3 || !it.Personal {
		t.Errorf("birth_date %+v", it)
	}
	want := map[string]bool{"5 不予开放依据": true, "7 信息项名称": true, "7 数据类型": true}
	for _, x := range errs {
		k := fmt.Sprintf("%d %s", x.Line, x.Column)
		if !want[k] {
			t.Errorf("unexpected error %v", x)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("missing error at %s", k)
	}
}

func TestFileProblems(t *testing.T) {
	header := strings.Join(headers(), ",")
	utf16 := func(s string) []byte {
		b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		return b
	}
	cases := []struct {
		name string
		data []byte
		line int
		has  string
	}{
		{"empty", []byte("\ufeff \n"), 0, "empty"},
		{"xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 0, ".xls"},
		{"no header", []byte("a,b,c\n1,2,3\n"), 0, "No header row"},
		{"broken xlsx", []byte("PK\x03\x04garbage"), 0, "XLSX"},
		{"unknown column", []byte(header + ",负责人\n"), 1, "Unknown column \"负责人\""},
		{"twice", []byte(header + ",资源名称\n"), 1, "appears twice"},
		{"item before entry", []byte(header + "\n" + strings.Repeat(",", 16) + "x,y,C,,,,,\n"), 2, "no name"},
		{"utf-16", utf16(header + "\n测试,,9,,,,,,,,,,350000,,,,,,,,,,,\n"), 2, "Category"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs, err := Decode(bytes.NewReader(c.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				if e.Line == c.line && strings.Contains(e.Message, c.has) {
					return
				}
			}
			t.Errorf("no error at line %d mentioning %q: %v", c.line, c.has, errs)
		})
	}
}

func TestTemplate(t *testing.T) {
	for _, format := range []Format{CSV, XLSX} {
		var buf bytes.Buffer
		if err := Encode(&buf, format, nil); err != nil {
			t.Fatal(err)
		}
		rows, errs, err := Decode(&buf, Options{})
		if err != nil || len(errs) != 0 || len(rows) != 0 {
			t.Errorf("%s template reads as %v %v %v", format, rows, errs, err)
		}
	}
	var buf bytes.Buffer
	Encode(&buf, XLSX, nil)
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{sheetEntries, sheetHelp}) {
		t.Errorf("sheets %v", got)
	}
	dvs, _ := f.GetDataValidations(sheetEntries)
	if len(dvs) < 8 {
		t.Errorf("%d drop-down lists", len(dvs))
	}
}

func TestManyErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Join(headers(), ",") + "\n")
	for i := 0; i < MaxErrors+50; i++ {
		fmt.Fprintf(&b, "资源%d,,9,,库表,每日,无条件共享,,,无条件开放,,,350000,,,,a,b,C,,,,,\n", i)
	}
	_, errs, _ := Decode(strings.NewReader(b.String()), Options{})
	if len(errs) != MaxErrors+1 || !strings.Contains(errs[MaxErrors].Message, "more problems") {
		t.Errorf("%d errors, last %v", len(errs), errs[len(errs)-1])
	}
}

func TestRowErrorsAndDefaultDivision(t *testing.T) {
	text := "资源名称（必填）,信息资源分类,信息资源格式,更新周期,共享类型,开放类型,字段名,信息项中文名称,数据类型\n" +
		"企业年报,3,库表,每年,无条件共享,无条件开放,uscc,统一社会信用代码,C\n" +
		",,,,,,year,年度,I\n"
	rows, errs, err := Decode(strings.NewReader(text), Options{DefaultDivision: "350100"})
	if err != nil || len(errs) != 0 || len(rows) != 1 {
		t.Fatalf("%v %v %v", rows, errs, err)
	}
	r := rows[0]
	if r.Fields.Division != "350100" || r.Fields.Items[1].Type != "integer" {
		t.Errorf("fields %+v", r.Fields)
	}
	// A store's field errors land on the cells, under the file's own headers.
	storeErr := &pubdata.Error{Code: pubdata.EINVALID, Fields: []*pubdata.Error{
		pubdata.FieldErrorf("division", "Division 350100 is outside the provider's division."),
		pubdata.FieldErrorf("items[1].type", "bad type"),
		pubdata.FieldErrorf("title", "bad title"),
		pubdata.FieldErrorf("", "something else"),
	}}
	got := r.Errors(storeErr)
	for i := range got {
		if m := got[i].Msg; m == nil || m.Key != "error.sentence" || m.Args["Text"] != got[i].Message {
			t.Errorf("an unkeyed store problem's message: %+v", m)
		}
		got[i].Msg = nil
	}
	want := []Error{
		{2, "行政区划代码", "Division 350100 is outside the provider's division.", nil},
		{3, "数据类型", "bad type", nil},
		{2, "资源名称（必填）", "bad title", nil},
		{2, "", "something else", nil},
	}

	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

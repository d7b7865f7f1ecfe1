package filetype

import (
	"archive/zip"
	"bytes"
	"testing"
)

// zipOf is a ZIP archive holding empty files of the names.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		if _, err := w.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSniff: the type comes from the bytes, never from the name; refused types are named.
func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		file string
		want string
		ok   bool
	}{
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "report.bin", "PDF", true},
		{"pdf after junk", append(bytes.Repeat([]byte{' '}, 100), "%PDF-1.4"...), "a.pdf", "PDF", true},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "x.jpg", "PNG", true},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "x.png", "JPEG", true},
		{"gif", []byte("GIF89a\x01\x00"), "x", "GIF", true},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "x", "WEBP", true},
		{"docx", zipOf(t, "[Content_Types].xml", "word/document.xml"), "x.zip", "DOCX", true},
		{"xlsx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), "x.docx", "XLSX", true},
		{"zip", zipOf(t, "a.csv", "b.txt"), "x.xlsx", "ZIP", true},
		{"pptx refused", zipOf(t, "[Content_Types].xml", "ppt/presentation.xml"), "x.docx", "PPTX", false},
		{"exe named pdf", []byte("MZ\x90\x00\x03\x00\x00\x00"), "report.pdf", "EXE", false},
		{"elf", []byte("\x7fELF\x02\x01\x01"), "x.txt", "ELF", false},
		{"legacy office", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"), "x.doc", "DOC/XLS/PPT (OLE)", false},
		{"html named txt", []byte("<!DOCTYPE html><html><body>x</body></html>"), "notes.txt", "HTML", false},
		{"svg", []byte("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"), "x.png", "SVG", false},
		{"csv by name", []byte("\xef\xbb\xbf名称,代码\n甲,1\n"), "list.csv", "CSV", true},
		{"text", []byte("plain words\nand lines\n"), "readme", "TXT", true},
		{"binary", []byte{0x00, 0x01, 0x02, 0x03, 0xff}, "x.pdf", "", false},
		{"empty", nil, "x.pdf", "", false},
	} {
		got := Sniff(c.data, bytes.NewReader(c.data), int64(len(c.data)), c.file)
		if got.Format != c.want || IsAccepted(got.Format) != c.ok {
			t.Errorf("%s: Sniff = %+v (accepted %v), want %s (accepted %v)", c.name, got, IsAccepted(got.Format), c.want, c.ok)
		}
	}
}

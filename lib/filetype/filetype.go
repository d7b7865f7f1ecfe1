// Package filetype tells what a file is by its bytes (magic numbers, and for ZIP archives
// the names inside), never by its name: the documents of file entries are served with the
// type found here. It knows the types the platform accepts (PDF, DOCX, XLSX, ZIP, PNG, JPEG,
// GIF, WebP, plain text and CSV) and names the common ones it refuses (executables,
// HTML, SVG, legacy Office, other archives), so that a refusal can say what was found.
package filetype

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// Type is what a file was found to be.
type Type struct {
	// Format is the short name (PDF, DOCX, XLSX, ZIP, PNG, JPEG, GIF, WEBP, CSV, TXT, and for
	// refused types PPTX, DOC, HTML, SVG, XML, RAR, 7Z, GZIP, EXE, ELF …); "" when unknown.
	Format string
	// MediaType is the IANA media type served for it (text types with their charset).
	MediaType string
	// Ext is the usual file name extension, with its dot.
	Ext string
}

// The types the platform accepts, by format.
var (
	PDF  = Type{"PDF", "application/pdf", ".pdf"}
	DOCX = Type{"DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"}
	XLSX = Type{"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"}
	ZIP  = Type{"ZIP", "application/zip", ".zip"}
	PNG  = Type{"PNG", "image/png", ".png"}
	JPEG = Type{"JPEG", "image/jpeg", ".jpg"}
	GIF  = Type{"GIF", "image/gif", ".gif"}
	WEBP = Type{"WEBP", "image/webp", ".webp"}
	CSV  = Type{"CSV", "text/csv; charset=utf-8", ".csv"}
	TXT  = Type{"TXT", "text/plain; charset=utf-8", ".txt"}
)

// Accepted lists the types the platform accepts, in the order messages name them.
var Accepted = []Type{PDF, DOCX, XLSX, ZIP, PNG, JPEG, GIF, WEBP, CSV, TXT}

// IsAccepted reports whether format is one of Accepted's.
func IsAccepted(format string) bool {
	for _, t := range Accepted {
		if t.Format == format {
			return true
		}
	}
	return false
}

// AcceptedFormats is the accepted formats' names joined with ", ".
func AcceptedFormats() string {
	names := make([]string, len(Accepted))
	for i, t := range Accepted {
		names[i] = t.Format
	}
	return strings.Join(names, ", ")
}

// HeadSize is how many leading bytes Sniff needs.
const HeadSize = 8 << 10

// magic are the signatures at the start of a file.
var magic = []struct {
	prefix string
	t      Type
}{
	{"%PDF-", PDF},
	{"\x89PNG\r\n\x1a\n", PNG},
	{"\xff\xd8\xff", JPEG},
	{"GIF87a", GIF},
	{"GIF89a", GIF},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Type{Format: "DOC/XLS/PPT (OLE)"}},
	{"Rar!\x1a\x07", Type{Format: "RAR"}},
	{"7z\xbc\xaf\x27\x1c", Type{Format: "7Z"}},
	{"\x1f\x8b", Type{Format: "GZIP"}},
	{"BZh", Type{Format: "BZIP2"}},
	{"\xfd7zXZ\x00", Type{Format: "XZ"}},
	{"MZ", Type{Format: "EXE"}},
	{"\x7fELF", Type{Format: "ELF"}},
	{"\xca\xfe\xba\xbe", Type{Format: "Mach-O/Java class"}},
	{"\xcf\xfa\xed\xfe", Type{Format: "Mach-O"}},
	{"#!", Type{Format: "script"}},
	{"II*\x00", Type{Format: "TIFF"}},
	{"MM\x00*", Type{Format: "TIFF"}},
	{"BM", Type{Format: "BMP"}},
	{"\x00asm", Type{Format: "WASM"}},
	{"{\\rtf", Type{Format: "RTF"}},
}

// Sniff tells what the file is from head, its first HeadSize bytes (or all of it when
// shorter), and for a ZIP archive the archive itself (r of size bytes; nil: a ZIP stays
// ZIP). name is used only to call a text file CSV when it is named .csv (both are text).
// An unknown binary has Format "".
func Sniff(head []byte, r io.ReaderAt, size int64, name string) Type {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return sniffZip(r, size)
	}
	if len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		return WEBP
	}
	for _, m := range magic {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.t
		}
	}
	// A PDF may start with a few bytes of junk before its header (readers allow 1024).
	if i := bytes.Index(head[:min(len(head), 1024)], []byte("%PDF-")); i >= 0 {
		return PDF
	}
	return sniffText(head, name)
}

// sniffZip tells an Office Open XML document from a plain ZIP archive by the names inside.
func sniffZip(r io.ReaderAt, size int64) Type {
	if r == nil {
		return ZIP
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Type{Format: "ZIP (damaged)"}
	}
	var contentTypes bool
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			contentTypes = true
		case f.Name == "word/document.xml":
			return DOCX
		case f.Name == "xl/workbook.xml":
			return XLSX
		case f.Name == "ppt/presentation.xml":
			return Type{Format: "PPTX"}
		case f.Name == "mimetype" || strings.HasPrefix(f.Name, "META-INF/manifest.xml"):
			return Type{Format: "ODF"}
		}
	}
	if contentTypes {
		return Type{Format: "OOXML"}
	}
	return ZIP
}

// sniffText tells text (UTF-8, or GB18030 without control characters) from binary, and
// refuses markup a browser would run (HTML, SVG, XML).
func sniffText(head []byte, name string) Type {
	if len(head) == 0 {
		return Type{}
	}
	body := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for _, c := range body {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return Type{}
		}
		if c == 0x7f {
			return Type{}
		}
	}
	lead := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 512)])))
	switch {
	case strings.HasPrefix(lead, "<!doctype html"), strings.HasPrefix(lead, "<html"), strings.HasPrefix(lead, "<script"),
		strings.Contains(lead, "<head"), strings.Contains(lead, "<body"):
		return Type{Format: "HTML"}
	case strings.Contains(lead, "<svg"):
		return Type{Format: "SVG"}
	case strings.HasPrefix(lead, "<?xml"):
		return Type{Format: "XML"}
	}
	t := TXT
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		t = CSV
	}
	// A head cut in the middle of a character is still UTF-8.
	valid := utf8.Valid(body)
	if !valid && len(head) == HeadSize {
		for i := 1; i < utf8.UTFMax && i < len(body); i++ {
			if utf8.Valid(body[:len(body)-i]) {
				valid = true
				break
			}
		}
	}
	if !valid {
		t.MediaType = strings.Replace(t.MediaType, "utf-8", "gb18030", 1)
	}
	return t
}

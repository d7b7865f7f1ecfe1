package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/filetype"
	"github.com/pubdata/pubdata/sqlstore"
)

// The demo's files (issue 11 item 4): a file entry of the demo catalogue holds a small PDF
// made here, so that its page lists a document that downloads.

// demoFile is a file the demo adds to a published file entry.
type demoFile struct {
	Entry       string // resource code
	Title       string
	Description string
	Issued      string
	FileName    string
	Lines       []string // the PDF's text (ASCII: the standard Helvetica font)
}

var demoFiles = []demoFile{
	{Entry: "306001/00004", Title: "2024 年上半年福建省生态环境质量报告", Issued: "2024-07-15", FileName: "生态环境质量半年报-2024H1.pdf",
		Description: "全省空气、水、声环境质量和生态状况（演示文件）。",
		Lines: []string{"Fujian Ecological Environment Quality Report, 2024 H1", "Demonstration document of the pubdata demo province.",
			"Air quality: good days 99.2%. Surface water: 97.1% of sections at class I-III."}},
}

// createDemoFiles uploads the demo files to their entries when an entry holds no file yet;
// it returns how many it added. ctx carries the system actor (the platform acting for the
// provider).
func createDemoFiles(ctx context.Context, a *app) (int, error) {
	files := sqlstore.NewFileService(a.db)
	dir := a.fileStore()
	n := 0
	for _, d := range demoFiles {
		e, err := a.entries.FindPublishedEntry(ctx, d.Entry)
		if err != nil {
			return n, fmt.Errorf("entry %s: %w", d.Entry, err)
		}
		have, err := files.FindFiles(ctx, e.ID, true)
		if err != nil || len(have) > 0 {
			return n, err
		}
		pdf := demoPDF(d.Lines)
		sp, err := dir.Spool(bytes.NewReader(pdf))
		if err != nil {
			return n, err
		}
		t := filetype.Sniff(sp.Head, sp, sp.Size, d.FileName)
		if t != filetype.PDF {
			sp.Discard()
			return n, fmt.Errorf("demo file %s is %q, not a PDF", d.FileName, t.Format)
		}
		if err := sp.Keep(); err != nil {
			return n, err
		}
		b := pubdata.FileBlob{Key: sp.Key, SHA256: sp.SHA256, SM3: sp.SM3, Size: sp.Size, Format: t.Format, MediaType: t.MediaType, FileName: d.FileName}
		if _, err := files.CreateFile(ctx, e.ID, pubdata.FileFields{Title: d.Title, Description: d.Description, Issued: d.Issued}, b); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// demoPDF writes a minimal valid PDF 1.4: one A4 page with the lines in Helvetica, and the
// cross-reference table readers check.
func demoPDF(lines []string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	var s strings.Builder
	s.WriteString("BT /F1 14 Tf 18 TL 56 780 Td")
	esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	for _, l := range lines {
		fmt.Fprintf(&s, " (%s) Tj T*", esc.Replace(l))
	}
	s.WriteString(" ET")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", s.Len(), s.String()))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

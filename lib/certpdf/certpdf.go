// Package certpdf renders an electronic certificate as a one-page A4 PDF (go-pdf/fpdf) with
// a QR code (skip2/go-qrcode) of its public verification address. The PDF is what a person
// reads; the signed JSON is what counts, and the PDF itself is signed apart (a detached
// CMS signature) by the caller.
//
// Chinese text needs a CJK TrueType font, which the binary does not embed: the renderer
// uses the first of Fonts (or a configured file) that exists — a .ttf, or the first face
// of a .ttc collection. Without one it degrades clearly: the PDF shows the Latin-script
// facts (number, dates, holder ID, the address and the QR code) and says that the
// certificate's text is in the signed JSON document.
package certpdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Fonts are the CJK fonts looked for, in order (Debian's fonts-wqy-microhei,
// fonts-wqy-zenhei, fonts-droid-fallback).
var Fonts = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
}

// Certificate is what the PDF shows.
type Certificate struct {
	ID, Number, Title, KindLabel string
	Provider, HolderName         string
	HolderID                     string // masked
	Fields                       [][2]string
	ValidFrom, ValidUntil        string
	IssuedAt                     time.Time
	VerifyURL                    string
}

// Renderer renders certificates with a font found once.
type Renderer struct {
	font []byte // a TrueType font, nil when none was found
	Path string // the font used, "" when none
}

// NewRenderer looks for a CJK font: path when given (an error if it cannot be used), else
// the first of Fonts that loads.
func NewRenderer(path string) (*Renderer, error) {
	if path != "" {
		b, err := loadFont(path)
		if err != nil {
			return nil, fmt.Errorf("certificate font %s: %w", path, err)
		}
		return &Renderer{font: b, Path: path}, nil
	}
	for _, p := range Fonts {
		if b, err := loadFont(p); err == nil {
			return &Renderer{font: b, Path: p}, nil
		}
	}
	return &Renderer{}, nil
}

// HasCJK reports whether the renderer found a CJK font.
func (r *Renderer) HasCJK() bool { return r.font != nil }

// loadFont reads a TrueType font, or the first face of a TrueType collection.
func loadFont(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return firstFace(b)
}

// firstFace returns a TrueType font from b: b itself, or for a collection ("ttcf") the
// collection with its first face's table directory written over its header. The
// directory's table offsets count from the start of the file, and every table lies after
// every directory, so the result is a valid single font.
func firstFace(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("not a TrueType font")
	}
	switch string(b[:4]) {
	case "\x00\x01\x00\x00", "true":
		return b, nil
	case "ttcf":
	default:
		return nil, errors.New("not a TrueType font (OpenType CFF fonts are not supported)")
	}
	if binary.BigEndian.Uint32(b[8:12]) == 0 || len(b) < 16 {
		return nil, errors.New("empty font collection")
	}
	off := int(binary.BigEndian.Uint32(b[12:16]))
	if off+12 > len(b) {
		return nil, errors.New("bad font collection")
	}
	n := int(binary.BigEndian.Uint16(b[off+4 : off+6]))
	size := 12 + 16*n
	if off+size > len(b) || string(b[off:off+4]) != "\x00\x01\x00\x00" {
		return nil, errors.New("the collection's first face is not TrueType")
	}
	out := append([]byte(nil), b...)
	copy(out[:size], b[off:off+size])
	return out, nil
}

// latin reports whether s can be written with the PDF core fonts.
func latin(s string) bool {
	for _, c := range s {
		if c > unicode.MaxLatin1 {
			return false
		}
	}
	return true
}

// Render writes the certificate's PDF.
func (r *Renderer) Render(c *Certificate) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCreationDate(c.IssuedAt)
	pdf.SetModificationDate(c.IssuedAt)
	pdf.SetTitle(c.Title+" "+c.Number, true)
	family := "Helvetica"
	text := func(s string) string { return s }
	if r.font != nil {
		pdf.AddUTF8FontFromBytes("cjk", "", r.font)
		family = "cjk"
	} else {
		text = func(s string) string {
			if latin(s) {
				return s
			}
			return "-"
		}
	}
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetDrawColor(120, 20, 20)
	pdf.Rect(10, 10, 190, 277, "D")
	pdf.SetFont(family, "", 22)
	pdf.SetXY(15, 22)
	title := text(c.Title)
	if r.font == nil {
		title = "Electronic certificate"
	}
	pdf.CellFormat(180, 12, title, "", 1, "C", false, 0, "")
	pdf.SetFont(family, "", 11)
	if r.font != nil {
		pdf.CellFormat(180, 7, "电子证照 · Electronic certificate · "+c.KindLabel, "", 1, "C", false, 0, "")
	} else {
		pdf.SetX(15)
		pdf.MultiCell(180, 6, "This server has no CJK font: the certificate's Chinese text is not shown here. "+
			"The signed JSON document holds the full certificate; check it at the address below.", "", "C", false)
	}
	pdf.Ln(6)
	row := func(label, value string) {
		pdf.SetX(20)
		pdf.SetFont(family, "", 10)
		pdf.CellFormat(45, 8, label, "", 0, "L", false, 0, "")
		pdf.SetFont(family, "", 12)
		pdf.MultiCell(125, 8, value, "", "L", false)
	}
	label := func(zh, en string) string {
		if r.font != nil {
			return zh + " " + en
		}
		return en
	}
	row(label("证照编号", "Number"), text(c.Number))
	row(label("持证主体", "Holder"), text(c.HolderName))
	row(label("证件号码", "Holder ID"), c.HolderID)
	row(label("发证机关", "Issued by"), text(c.Provider))
	for _, f := range c.Fields {
		row(text(f[0]), text(f[1]))
	}
	until := c.ValidUntil
	if until == "" {
		until = label("长期", "no end")
	}
	row(label("有效期", "Valid"), c.ValidFrom+" – "+until)
	row(label("签发时间", "Issued"), c.IssuedAt.UTC().Format("2006-01-02 15:04:05")+" UTC")
	png, err := qrcode.Encode(c.VerifyURL, qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("certificate QR code: %w", err)
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", 80, 215, 50, 50, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, c.VerifyURL)
	pdf.SetXY(15, 267)
	pdf.SetFont(family, "", 9)
	pdf.CellFormat(180, 5, label("扫码或访问以下地址核验", "Scan or open to verify:")+" "+c.VerifyURL, "", 1, "C", false, 0, c.VerifyURL)
	pdf.SetX(15)
	pdf.CellFormat(180, 5, "ID "+c.ID, "", 1, "C", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// KindLabel is the English label of a register kind for the PDF.
func KindLabel(kind string) string {
	return map[string]string{"licence": "Licence", "permit": "Permit", "qualification": "Qualification certificate"}[strings.TrimSpace(kind)]
}

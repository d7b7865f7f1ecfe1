package certpdf

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func sample() *Certificate {
	return &Certificate{ID: "0190-abc", Number: "JY35010020250001", Title: "食品经营许可证", KindLabel: "Licence", Provider: "福州市市场监督管理局",
		HolderName: "福州某某餐饮有限公司", HolderID: "91350100M0****Y43", Fields: [][2]string{{"经营场所", "福州市鼓楼区"}, {"主体业态", "餐饮服务经营者"}},
		ValidFrom: "2025-01-01", ValidUntil: "2030-12-31", IssuedAt: time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC), VerifyURL: "https://data.example/verify?code=0190-abc"}
}

func TestRenderWithoutFont(t *testing.T) {
	r := &Renderer{}
	b, err := r.Render(sample())
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("Render: %v", err)
	}
	if _, err := NewRenderer("/no/such/font.ttf"); err == nil {
		t.Fatal("a missing configured font was accepted")
	}
}

func TestRenderCJK(t *testing.T) {
	const ttc = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
	if _, err := os.Stat(ttc); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs %s (fonts-wqy-microhei): %v", ttc, err)
		}
		t.Skipf("no CJK font %s (apt-get install fonts-wqy-microhei)", ttc)
	}
	r, err := NewRenderer(ttc)
	if err != nil || !r.HasCJK() {
		t.Fatalf("NewRenderer: %v", err)
	}
	b, err := r.Render(sample())
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("Render: %v", err)
	}
	if os.Getenv("CERTPDF_OUT") != "" {
		os.WriteFile(os.Getenv("CERTPDF_OUT"), b, 0o644)
	}
	if _, err := firstFace([]byte("OTTO0000000000000")); err == nil {
		t.Fatal("a CFF font was accepted")
	}
}

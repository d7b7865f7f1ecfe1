package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
)

// TestDemoCertificates: the demo's food business licence entry is a certificate register
// whose certificates are signed and verify, two held by the demo company (its current
// licence valid, the replaced one revoked) and one by a company without an account;
// running it again issues nothing.
func TestDemoCertificates(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		for run, want := range []int{len(demoCertificates), 0} {
			n, err := createDemoCertificates(ctx, a)
			if err != nil || n != want {
				t.Fatalf("run %d: %d certificates issued (%v), want %d", run, n, err, want)
			}
		}
		e, err := a.entries.FindPublishedEntry(ctx, demoCertRegister)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := a.certs.Register(ctx, e.ID)
		if err != nil || reg.Kind != pubdata.RegisterLicence || reg.Org != "350000-scjgj" {
			t.Fatalf("register %+v: %v", reg, err)
		}
		held, err := a.certs.HolderCertificates(ctx, web.HolderDigest(ident.ElementUSCC, demoHolderUSCC), 10)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, c := range held {
			status[c.Number] = c.Status
			if c.IssuedBy != "scjg-editor" || !bytes.HasPrefix(c.PDF, []byte("%PDF-")) {
				t.Errorf("certificate %s issued by %q, PDF %q…", c.Number, c.IssuedBy, c.PDF[:min(8, len(c.PDF))])
			}
			v, err := a.extracts.Verify(ctx, []byte(c.Signed))
			if err != nil || v.Serial == "" {
				t.Errorf("certificate %s does not verify: %v", c.Number, err)
			}
		}
		if len(held) != 2 || status[demoCertValid] != pubdata.CertValid || status[demoCertRevoked] != pubdata.CertRevoked {
			t.Fatalf("the demo company's certificates: %v", status)
		}
		all, err := a.certs.EntryCertificates(ctx, e.ID, 10)
		if err != nil || len(all) != len(demoCertificates) {
			t.Fatalf("%d certificates in the register (%v)", len(all), err)
		}
		// The holder's account is a company whose code is its USCC.
		u, err := a.users.FindUserByUsername(ctx, "rcwd-admin")
		if err != nil || u.OrgCode != demoHolderUSCC {
			t.Fatalf("the holder's admin %+v: %v", u, err)
		}
	})
}

// TestDemoHolder: the demo citizen resident's identity is verified, she holds the two
// certificates issued to her resident ID, has consented that 福建省公安厅 obtain them, and sees
// that body's uses on her consent and the market regulator's on a legal basis, of which she
// was notified; running it again adds nothing.
func TestDemoHolder(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := createDemoCertificates(ctx, a); err != nil {
			t.Fatal(err)
		}
		for run := 0; run < 2; run++ {
			if err := createDemoHolder(ctx, a); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		}
		u, err := a.users.FindUserByUsername(ctx, demoResident)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.certs.Identity(ctx, u.ID)
		if err != nil || !p.Verified() || p.RealName != demoResidentName || p.VerifiedBy != "scjg-admin" {
			t.Fatalf("the demo citizen's identity %+v: %v", p, err)
		}
		digest := web.HolderDigest(ident.ElementResidentID, demoResidentID)
		held, err := a.certs.HolderCertificates(ctx, digest, 10)
		if err != nil || len(held) != 2 {
			t.Fatalf("the demo citizen holds %d certificates (%v)", len(held), err)
		}
		consents, err := a.certs.Consents(ctx, digest, 10)
		if err != nil || len(consents) != 1 || consents[0].Org != "350000-gat" || !consents[0].Active(time.Now()) {
			t.Fatalf("the demo citizen's consents %+v: %v", consents, err)
		}
		uses, err := a.certs.CertificateUses(ctx, digest, 10)
		if err != nil {
			t.Fatal(err)
		}
		bases := map[string]int{}
		for _, u := range uses {
			bases[u.Basis]++
		}
		if bases[pubdata.BasisConsent] != 2 || bases[pubdata.BasisLaw] != 1 {
			t.Fatalf("the demo citizen's uses by basis: %v", bases)
		}
		self := pubdata.NewContextWithActor(ctx, &pubdata.Actor{User: u})
		notes, _, _, err := a.notifications.FindNotifications(self, false, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		law := 0
		for _, n := range notes {
			if n.Key == pubdata.NoticeCertificateLaw {
				law++
			}
		}
		if law != 1 {
			t.Fatalf("the demo citizen has %d notifications of a fetch on a legal basis", law)
		}
	})
}

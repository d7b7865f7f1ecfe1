package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/ident"
)

// The demo's electronic certificates (I1, issue 14 item 4): the provincial market
// regulator's food business licence entry is a certificate register, with licences issued
// to a demo company (whose organisation code is its USCC, so that its admin sees them on
// the account page) — the current one valid, the one it replaced revoked — and one to a
// company outside the demo.

// demoCertRegister is the resource code of the demo's certificate register.
const demoCertRegister = "302001/00003"

// demoHolderUSCC is the USCC of the demo company that holds certificates (its organisation
// code); demoOtherUSCC is the USCC of a holder with no account.
var (
	demoHolderUSCC = ident.CompleteUSCC("91350102MA31RW8K")
	demoOtherUSCC  = ident.CompleteUSCC("91350104MA32MJ6C")
	// demoResidentID is the resident ID number of the demo citizen who holds certificates
	// (demoResident), an individual business's owner.
	demoResidentID = ident.CompleteResidentID("35010219900315002")
)

// demoResident is the demo citizen whose identity is verified (by 福建省市场监督管理局's admin,
// at its counter) and who holds two certificates, with a consent and uses on their account.
const (
	demoResident     = "resident"
	demoResidentName = "林晓雯"
)

// demoCertificate is one certificate the demo issues; Revoke, when set, is the reason it
// is revoked for.
type demoCertificate struct {
	pubdata.CertificateRequest
	Revoke string
}

// The numbers of the demo's certificates.
const (
	demoCertValid   = "JY13501020012345" // the demo company's current licence
	demoCertRevoked = "JY13501020008888" // the licence it replaced, revoked
	demoCertOther   = "JY13501040023456" // a licence of a company without an account
	// The demo citizen's: her individual business's current licence, and a second shop's.
	demoCertResident  = "JY23501020031415"
	demoCertResident2 = "JY23501030027182"
)

var demoCertificates = []demoCertificate{
	{CertificateRequest: pubdata.CertificateRequest{Number: demoCertRevoked, Title: "食品经营许可证", HolderName: "福州榕城味道餐饮有限公司", HolderID: demoHolderUSCC,
		Fields:    [][2]string{{"经营者名称", "福州榕城味道餐饮有限公司"}, {"经营项目", "热食类食品制售"}, {"经营场所", "福州市鼓楼区东街 12 号"}, {"主体业态", "餐饮服务经营者（小型餐馆）"}},
		ValidFrom: "2020-03-01", ValidUntil: "2025-02-28"},
		Revoke: "经营场所变更，已换发新证 " + demoCertValid + "。"},
	{CertificateRequest: pubdata.CertificateRequest{Number: demoCertValid, Title: "食品经营许可证", HolderName: "福州榕城味道餐饮有限公司", HolderID: demoHolderUSCC,
		Fields: [][2]string{{"经营者名称", "福州榕城味道餐饮有限公司"}, {"经营项目", "热食类食品制售；冷食类食品制售；预包装食品销售（含冷藏冷冻食品）"},
			{"经营场所", "福州市鼓楼区五四路 88 号一层"}, {"主体业态", "餐饮服务经营者（中型餐馆）"}},
		ValidFrom: "2025-03-01", ValidUntil: "2030-02-28"}},
	{CertificateRequest: pubdata.CertificateRequest{Number: demoCertResident, Title: "食品经营许可证", HolderName: demoResidentName, HolderID: demoResidentID,
		Fields: [][2]string{{"经营者名称", "林晓雯（个体工商户，晓雯小吃店）"}, {"经营项目", "热食类食品制售"},
			{"经营场所", "福州市鼓楼区南后街 36 号"}, {"主体业态", "餐饮服务经营者（小餐饮）"}},
		ValidFrom: "2024-09-01", ValidUntil: "2029-08-31"}},
	{CertificateRequest: pubdata.CertificateRequest{Number: demoCertResident2, Title: "食品经营许可证", HolderName: demoResidentName, HolderID: demoResidentID,
		Fields: [][2]string{{"经营者名称", "林晓雯（个体工商户，晓雯茶点铺）"}, {"经营项目", "预包装食品销售（不含冷藏冷冻食品）；自制饮品制售"},
			{"经营场所", "福州市台江区上下杭 52 号"}, {"主体业态", "食品销售经营者（小食杂店）"}},
		ValidFrom: "2025-04-01", ValidUntil: "2030-03-31"}},
	{CertificateRequest: pubdata.CertificateRequest{Number: demoCertOther, Title: "食品经营许可证", HolderName: "福州闽江茶饮有限公司", HolderID: demoOtherUSCC,
		Fields: [][2]string{{"经营者名称", "福州闽江茶饮有限公司"}, {"经营项目", "自制饮品制售；预包装食品销售（不含冷藏冷冻食品）"},
			{"经营场所", "福州市仓山区金山大道 618 号"}, {"主体业态", "食品销售经营者（饮品店）"}},
		ValidFrom: "2024-06-15", ValidUntil: "2029-06-14"}},
}

// createDemoCertificates declares the register, as the regulator's editor, and issues and
// revokes the demo's certificates that its register does not hold yet (by number). It
// returns how many it issued. ctx carries the system actor.
func createDemoCertificates(ctx context.Context, a *app) (int, error) {
	if a.certs == nil || a.extracts == nil || a.certPDF == nil {
		return 0, nil
	}
	e, err := a.entries.FindPublishedEntry(ctx, demoCertRegister)
	if err != nil {
		return 0, fmt.Errorf("register %s: %w", demoCertRegister, err)
	}
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	editor, err := actors.as(demoEditors[e.Org])
	if err != nil {
		return 0, err
	}
	switch _, err := a.certs.Register(ctx, e.ID); pubdata.ErrorCode(err) {
	case "":
	case pubdata.ENOTFOUND:
		if err := a.certs.SetRegister(editor, &pubdata.CertificateRegister{Entry: e.ID, Kind: pubdata.RegisterLicence}); err != nil {
			return 0, err
		}
	default:
		return 0, err
	}
	have, err := a.certs.EntryCertificates(ctx, e.ID, 1000)
	if err != nil {
		return 0, err
	}
	issued := map[string]bool{}
	for _, c := range have {
		issued[c.Number] = true
	}
	base := strings.TrimSuffix(a.cfg.PublicURL, "/")
	if base == "" && a.cfg.Addr != "" {
		base = "http://" + a.cfg.Addr
	} else if base == "" {
		base = "http://" + DefaultAddr
	}
	srv := &web.Server{Certificates: a.certs, Extracts: a.extracts, CertPDF: a.certPDF, Now: time.Now}
	n := 0
	for _, d := range demoCertificates {
		if issued[d.Number] {
			continue
		}
		req := d.CertificateRequest
		req.Fields = append([][2]string(nil), d.Fields...)
		c, err := srv.IssueCertificateAs(editor, base, e, &req)
		if err != nil {
			return n, fmt.Errorf("certificate %s: %w", d.Number, err)
		}
		n++
		if d.Revoke != "" {
			if _, err := a.certs.RevokeCertificate(editor, c.ID, d.Revoke); err != nil {
				return n, fmt.Errorf("revoke certificate %s: %w", d.Number, err)
			}
		}
	}
	return n, nil
}

// createDemoHolder gives the demo citizen (demoResident) what a reviewer looks at on her
// account: her identity, stated by her and verified at 福建省市场监督管理局's counter by its
// admin; her consent that 福建省公安厅 obtain her certificates; that body's use of them on
// that consent, and 福建省市场监督管理局's on a legal basis (of which she is notified). Each
// step is done only when it is missing, through the services (so each is recorded). ctx
// carries the system actor.
func createDemoHolder(ctx context.Context, a *app) error {
	if a.certs == nil {
		return nil
	}
	u, err := a.users.FindUserByUsername(ctx, demoResident)
	if err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	self := pubdata.NewContextWithActor(ctx, &pubdata.Actor{User: u})
	digest, masked := web.HolderDigest(ident.ElementResidentID, demoResidentID), ident.Mask(demoResidentID)
	p, err := a.certs.Identity(ctx, u.ID)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		p, err = a.certs.ClaimIdentity(self, u.ID, demoResidentName, digest, masked)
	}
	if err != nil {
		return fmt.Errorf("demo citizen's identity: %w", err)
	}
	if !p.Verified() {
		clerk, err := actors.as("scjg-admin")
		if err != nil {
			return err
		}
		if _, err := a.certs.VerifyIdentity(clerk, u.ID, digest, pubdata.IdentityMethodCounter); err != nil {
			return fmt.Errorf("verify the demo citizen's identity: %w", err)
		}
	}
	consents, err := a.certs.Consents(ctx, digest, 1)
	if err != nil {
		return err
	}
	if len(consents) == 0 {
		c := &pubdata.CertificateConsent{HolderDigest: digest, HolderMasked: masked, Org: "350000-gat", Purpose: "户籍窗口办理个体工商户相关业务"}
		if err := pubdata.ValidateConsent(c, 180); err != nil {
			return err
		}
		c.ExpiresAt = time.Now().UTC().Truncate(time.Second).AddDate(0, 0, 180)
		if err := a.certs.GrantConsent(self, c); err != nil {
			return fmt.Errorf("the demo citizen's consent: %w", err)
		}
	}
	uses, err := a.certs.CertificateUses(ctx, digest, 1)
	if err != nil || len(uses) > 0 {
		return err
	}
	held, err := a.certs.HolderCertificates(ctx, digest, 10)
	if err != nil || len(held) == 0 {
		return err
	}
	gat, err := actors.as("gat-member")
	if err != nil {
		return err
	}
	if err := a.certs.RecordCertificateFetch(gat, held, &pubdata.CertificateUse{Org: "350000-gat", Purpose: "户籍业务办理", Basis: pubdata.BasisConsent}); err != nil {
		return fmt.Errorf("the demo's use on consent: %w", err)
	}
	city, err := actors.as("scjg-member")
	if err != nil {
		return err
	}
	if err := a.certs.RecordCertificateFetch(city, held[:1], &pubdata.CertificateUse{Org: "350000-scjgj", Purpose: "食品安全监督检查",
		Basis: pubdata.BasisLaw, LegalBasis: "《中华人民共和国食品安全法》第一百一十条"}); err != nil {
		return fmt.Errorf("the demo's use on a legal basis: %w", err)
	}
	return nil
}

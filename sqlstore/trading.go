package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// TradeService implements pubdata.TradeService (trading.go, migration 0041): model
// contracts, listings and their registration, contracts, deliveries and the contribution
// terms of non-public data. Every change records its audit event in its transaction.
type TradeService struct {
	db *DB
}

var _ pubdata.TradeService = (*TradeService)(nil)

// NewTradeService returns the trade service on db.
func NewTradeService(db *DB) *TradeService { return &TradeService{db: db} }

func tradeForbidden(msg, key string) error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "%s", msg).Keyed(key)
}

// --- model contracts ---

const modelColumns = "id, code, version, title, parties, scope, purpose, max_months, no_reidentification, onward_transfer, clauses, status, created_by, created_at"

func scanModel(sc interface{ Scan(...any) error }) (*pubdata.ModelContract, error) {
	var m pubdata.ModelContract
	var noReid int
	if err := sc.Scan(&m.ID, &m.Code, &m.Version, &m.Title, &m.Parties, &m.Scope, &m.Purpose, &m.MaxMonths, &noReid, &m.OnwardTransfer, &m.Clauses, &m.Status, &m.CreatedBy, timeCol{&m.CreatedAt}); err != nil {
		return nil, err
	}
	m.NoReidentification = noReid == 1
	return &m, nil
}

func notFoundModel(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Model contract %q was not found.", id).Keyed("error.model_contract.not_found", "ID", id)
}

// ModelContracts implements pubdata.TradeService.
func (s *TradeService) ModelContracts(ctx context.Context, all bool) ([]*pubdata.ModelContract, error) {
	q := "SELECT " + modelColumns + " FROM model_contracts"
	if !all {
		q += " WHERE status = 'active'"
	}
	rows, err := s.db.query(ctx, q+" ORDER BY code, version")
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanModel)
	if out == nil {
		out = []*pubdata.ModelContract{}
	}
	return out, err
}

// ModelContract implements pubdata.TradeService.
func (s *TradeService) ModelContract(ctx context.Context, id string) (*pubdata.ModelContract, error) {
	m, err := scanModel(s.db.queryRow(ctx, "SELECT "+modelColumns+" FROM model_contracts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundModel(id)
	}
	return m, err
}

// SaveModelContract implements pubdata.TradeService.
func (s *TradeService) SaveModelContract(ctx context.Context, m *pubdata.ModelContract) (*pubdata.ModelContract, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanManageModelContracts(a) {
		return nil, tradeForbidden("Only an admin of the platform's authority maintains the model contracts.", "error.model_contract.forbidden")
	}
	if err := pubdata.ValidateModelContract(m); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id := newID()
	if m.Code == "" {
		m.Code = "mc-" + strings.ReplaceAll(id, "-", "")[20:]
	}
	var last int
	if err := tx.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM model_contracts WHERE code = ?", m.Code).Scan(&last); err != nil {
		return nil, err
	}
	m.ID, m.Version, m.Status, m.CreatedBy, m.CreatedAt = id, last+1, pubdata.ModelActive, a.Username(), tx.now
	if _, err := tx.exec(ctx, "INSERT INTO model_contracts ("+modelColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.Code, m.Version, m.Title, m.Parties, m.Scope, m.Purpose, m.MaxMonths, 1, m.OnwardTransfer, m.Clauses, m.Status, m.CreatedBy, fmtTime(tx.now)); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "Another version of model contract %q was saved at the same time; save again.", m.Code).Keyed("error.model_contract.race", "Code", m.Code)
		}
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "model_contract.create", Object: "model_contract:" + m.ID, Details: map[string]any{
		"code": m.Code, "version": m.Version, "title": m.Title, "max_months": m.MaxMonths, "onward_transfer": m.OnwardTransfer}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.ModelContract(ctx, m.ID)
}

// RetireModelContract implements pubdata.TradeService.
func (s *TradeService) RetireModelContract(ctx context.Context, id string) (*pubdata.ModelContract, error) {
	if !pubdata.CanManageModelContracts(pubdata.ActorFromContext(ctx)) {
		return nil, tradeForbidden("Only an admin of the platform's authority maintains the model contracts.", "error.model_contract.forbidden")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := scanModel(tx.queryRow(ctx, "SELECT "+modelColumns+" FROM model_contracts WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundModel(id)
	} else if err != nil {
		return nil, err
	}
	if m.Status == pubdata.ModelRetired {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Model contract %q is already retired.", id).Keyed("error.model_contract.retired", "ID", id)
	}
	if _, err := tx.exec(ctx, "UPDATE model_contracts SET status = 'retired' WHERE id = ?", id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "model_contract.retire", Object: "model_contract:" + id, Details: map[string]any{"code": m.Code, "version": m.Version}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.ModelContract(ctx, id)
}

// --- listings ---

const listingColumns = "l.id, l.product_id, l.product_title, l.product_kind, l.seller, COALESCE(so.name, ''), l.division, l.sources, l.method, l.label, l.licence, l.price_model, l.price, l.description, " +
	"l.model_contract, COALESCE(mc.title, ''), COALESCE(mc.version, 0), l.gate, l.status, l.reg_number, l.registrar, l.registrar_org, l.registered_at, l.reg_signed, l.reg_digest, l.reason, l.created_by, l.created_at, l.updated_at"

const listingFrom = " FROM trade_listings l LEFT JOIN orgs so ON so.code = l.seller LEFT JOIN model_contracts mc ON mc.id = l.model_contract"

func scanListing(sc interface{ Scan(...any) error }) (*pubdata.Listing, error) {
	var l pubdata.Listing
	var sources, gate string
	var number sql.NullString
	var registered nullTime
	var r pubdata.TradeRegistration
	var mcVersion int
	if err := sc.Scan(&l.ID, &l.Product, &l.ProductTitle, &l.ProductKind, &l.Seller, &l.SellerName, &l.Division, &sources, &l.Method, &l.Label, &l.Licence, &l.PriceModel, &l.Price, &l.Description,
		&l.ModelContract, &l.ModelContractTitle, &mcVersion, &gate, &l.Status, &number, &r.Registrar, &r.RegistrarOrg, &registered, &r.Signed, &r.Digest, &l.Reason, &l.CreatedBy, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt}); err != nil {
		return nil, err
	}
	if mcVersion > 0 {
		l.ModelContractTitle += " v" + strconv.Itoa(mcVersion)
	}
	if err := json.Unmarshal([]byte(sources), &l.Sources); err != nil {
		return nil, fmt.Errorf("listing %s sources: %w", l.ID, err)
	}
	if l.Sources == nil {
		l.Sources = []pubdata.TradeSource{}
	}
	if err := json.Unmarshal([]byte(gate), &l.Gate); err != nil {
		return nil, fmt.Errorf("listing %s gate: %w", l.ID, err)
	}
	if number.Valid && registered.t != nil {
		r.Number, r.RegisteredAt = number.String, *registered.t
		l.Registration = &r
	}
	return &l, nil
}

func notFoundListing(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Listing %q was not found.", id).Keyed("error.listing.not_found", "ID", id)
}

// CreateListing implements pubdata.TradeService.
func (s *TradeService) CreateListing(ctx context.Context, l *pubdata.Listing) (*pubdata.Listing, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanListProduct(a, l.Seller) {
		return nil, tradeForbidden("Only the product's organisation (its admins and editors) may list it for trade.", "error.listing.forbidden")
	}
	if !l.Gate.Passed {
		return nil, pubdata.FieldErrorf("product", "The product has not passed the trade gate.").Keyed("error.listing.gate_not_passed")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := scanModel(tx.queryRow(ctx, "SELECT "+modelColumns+" FROM model_contracts WHERE id = ?", l.ModelContract))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && m.Status != pubdata.ModelActive) {
		return nil, pubdata.FieldErrorf("model_contract", "The model contract %q is not an active model contract.", l.ModelContract).Keyed("error.listing.model_contract.unknown", "ID", l.ModelContract)
	} else if err != nil {
		return nil, err
	}
	l.ID, l.Status, l.CreatedBy, l.CreatedAt, l.UpdatedAt = newID(), pubdata.ListingPending, a.Username(), tx.now, tx.now
	if l.Sources == nil {
		l.Sources = []pubdata.TradeSource{}
	}
	sources, _ := json.Marshal(l.Sources)
	gate, _ := json.Marshal(l.Gate)
	if _, err := tx.exec(ctx, `INSERT INTO trade_listings (id, product_id, product_title, product_kind, seller, division, sources, method, label, licence, price_model, price, description,
		model_contract, gate, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.Product, l.ProductTitle, l.ProductKind, l.Seller, l.Division, string(sources), l.Method, l.Label, l.Licence, l.PriceModel, l.Price, l.Description,
		l.ModelContract, string(gate), l.Status, l.CreatedBy, fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The product is already listed or waiting for registration.").Keyed("error.listing.duplicate")
		}
		return nil, err
	}
	seen := map[string]bool{}
	entries := []string{}
	for _, src := range l.Sources {
		if src.Entry == "" || seen[src.Entry] {
			continue
		}
		seen[src.Entry] = true
		entries = append(entries, src.Entry)
		if _, err := tx.exec(ctx, "INSERT INTO trade_listing_sources (listing_id, entry_id) VALUES (?, ?)", l.ID, src.Entry); err != nil {
			return nil, err
		}
	}
	if err := tx.record(ctx, change{Action: "listing.create", Object: "listing:" + l.ID, Details: map[string]any{
		"product": l.Product, "sources": entries, "licence": l.Licence, "price_model": l.PriceModel, "model_contract": l.ModelContract,
		"risk": pubdata.FormatRisk(l.Gate.Risk), "k": l.Gate.K, "threshold": pubdata.FormatRisk(l.Gate.Threshold), "min_k": l.Gate.MinK, "non_public": l.Gate.NonPublic,
		"basis": l.Gate.Basis}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, l.Division)
	if err != nil {
		return nil, err
	}
	if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeListingPending, map[string]string{"title": l.ProductTitle, "seller": l.Seller},
		"/console/trading", "listing:"+l.ID), pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Listing(ctx, l.ID)
}

// Listing implements pubdata.TradeService.
func (s *TradeService) Listing(ctx context.Context, id string) (*pubdata.Listing, error) {
	l, err := scanListing(s.db.queryRow(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundListing(id)
	}
	return l, err
}

// ListingByRegistration implements pubdata.TradeService.
func (s *TradeService) ListingByRegistration(ctx context.Context, number string) (*pubdata.Listing, error) {
	l, err := scanListing(s.db.queryRow(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.reg_number = ?", strings.TrimSpace(number)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No listing has the registration number %q.", number).Keyed("error.registration.not_found", "Number", number)
	}
	return l, err
}

// FindListings implements pubdata.TradeService.
func (s *TradeService) FindListings(ctx context.Context, f pubdata.ListingFilter) ([]*pubdata.Listing, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Status != "" && !oneOfStrings(f.Status, pubdata.ListingStatuses) {
		return nil, 0, "", pubdata.FieldErrorf("status", "Status %q is not one of %s.", f.Status, strings.Join(pubdata.ListingStatuses, ", ")).Keyed("error.list.status", "Status", f.Status, "Statuses", strings.Join(pubdata.ListingStatuses, ", "))
	}
	var c conds
	c.eq("l.status", f.Status)
	c.eq("l.seller", f.Seller)
	c.eq("l.product_id", f.Product)
	c.inDivision("l.division", f.Division)
	if f.Source != "" {
		c.add("EXISTS (SELECT 1 FROM trade_listing_sources ls WHERE ls.listing_id = l.id AND ls.entry_id = ?)", f.Source)
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM trade_listings l"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+listingColumns+listingFrom+c.sql()+" ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanListing)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Listing{}
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

func oneOfStrings(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func (tx *Tx) listing(ctx context.Context, id string) (*pubdata.Listing, error) {
	l, err := scanListing(tx.queryRow(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.id = ?"+tx.db.forUpdateOf("l"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundListing(id)
	}
	return l, err
}

// RegisterListing implements pubdata.TradeService.
func (s *TradeService) RegisterListing(ctx context.Context, id string, d *pubdata.RegistrationDecision, sign pubdata.RegistrationSigner) (*pubdata.Listing, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateRegistrationDecision(d); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l, err := tx.listing(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanRegisterListing(a, l) {
		return nil, tradeForbidden("Only an admin or reviewer of the authority covering the seller, other than the seller, registers its listings.", "error.listing.register_forbidden")
	}
	if l.Status != pubdata.ListingPending {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The listing is %s, not waiting for registration.", l.Status).Keyed("error.listing.not_pending", "Status", pubdata.NewMessage("trade.listing.status."+l.Status))
	}
	if d.Decision == "reject" {
		if _, err := tx.exec(ctx, "UPDATE trade_listings SET status = ?, reason = ?, registrar = ?, registrar_org = ?, updated_at = ? WHERE id = ?",
			pubdata.ListingRejected, d.Reason, a.Username(), a.OrgCode(), fmtTime(tx.now), id); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "listing.reject", Object: "listing:" + id, Details: map[string]any{"product": l.Product, "seller": l.Seller, "reason": d.Reason}}); err != nil {
			return nil, err
		}
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeListingRejected, map[string]string{"title": l.ProductTitle, "reason": d.Reason},
			"/console/trading", "listing:"+id), pubdata.NoticeParties{Provider: l.Seller}); err != nil {
			return nil, err
		}
	} else {
		year := tx.now.In(pubdata.ChinaTime).Year()
		if _, err := tx.exec(ctx, "INSERT INTO trade_registration_seq (division, year, last) VALUES (?, ?, 0) ON CONFLICT DO NOTHING", l.Division, year); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE trade_registration_seq SET last = last + 1 WHERE division = ? AND year = ?", l.Division, year); err != nil {
			return nil, err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT last FROM trade_registration_seq WHERE division = ? AND year = ?", l.Division, year).Scan(&n); err != nil {
			return nil, err
		}
		r := &pubdata.TradeRegistration{Number: pubdata.RegistrationNumber(l.Division, year, n), Registrar: a.Username(), RegistrarOrg: a.OrgCode(), RegisteredAt: tx.now}
		if sign != nil {
			if err := sign(ctx, l, r); err != nil {
				return nil, err
			}
		}
		if _, err := tx.exec(ctx, "UPDATE trade_listings SET status = ?, reg_number = ?, registrar = ?, registrar_org = ?, registered_at = ?, reg_signed = ?, reg_digest = ?, updated_at = ? WHERE id = ?",
			pubdata.ListingListed, r.Number, r.Registrar, r.RegistrarOrg, fmtTime(tx.now), r.Signed, r.Digest, fmtTime(tx.now), id); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "listing.register", Object: "listing:" + id, Details: map[string]any{
			"product": l.Product, "seller": l.Seller, "number": r.Number, "digest": r.Digest}}); err != nil {
			return nil, err
		}
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeListingRegistered, map[string]string{"title": l.ProductTitle, "number": r.Number},
			"/market/"+id, "listing:"+id), pubdata.NoticeParties{Provider: l.Seller}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Listing(ctx, id)
}

// WithdrawListing implements pubdata.TradeService.
func (s *TradeService) WithdrawListing(ctx context.Context, id, reason string) (*pubdata.Listing, error) {
	a := pubdata.ActorFromContext(ctx)
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 2000 {
		return nil, pubdata.FieldErrorf("reason", "The reason must be at most 2000 characters.").Keyed("error.reason.too_long", "Max", 2000)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l, err := tx.listing(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanListProduct(a, l.Seller) {
		return nil, tradeForbidden("Only the seller's admins and editors withdraw its listings.", "error.listing.withdraw_forbidden")
	}
	if l.Status != pubdata.ListingPending && l.Status != pubdata.ListingListed {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The listing is %s: there is nothing to withdraw.", l.Status).Keyed("error.listing.not_live", "Status", pubdata.NewMessage("trade.listing.status."+l.Status))
	}
	if _, err := tx.exec(ctx, "UPDATE trade_listings SET status = ?, reason = ?, updated_at = ? WHERE id = ?", pubdata.ListingWithdrawn, reason, fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "listing.withdraw", Object: "listing:" + id, Details: map[string]any{"product": l.Product, "reason": reason}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Listing(ctx, id)
}

// --- contracts ---

const contractColumns = "c.id, c.listing_id, c.product_id, c.product_title, c.reg_number, c.model_contract, COALESCE(mc.code, ''), COALESCE(mc.version, 0), COALESCE(mc.title, ''), " +
	"c.seller, COALESCE(so.name, ''), c.division, c.buyer, c.buyer_user, COALESCE(bo.name, ''), c.purpose, c.scope, c.until, c.parties, c.onward_transfer, c.no_reidentification, c.clauses, " +
	"c.price_model, c.price, c.licence, c.status, c.buyer_signed_by, c.buyer_signed_at, c.seller_signed_by, c.seller_signed_at, c.reason, c.delivery_id, c.created_at"

const contractFrom = " FROM trade_contracts c LEFT JOIN model_contracts mc ON mc.id = c.model_contract LEFT JOIN orgs so ON so.code = c.seller LEFT JOIN orgs bo ON bo.code = c.buyer"

func scanContract(sc interface{ Scan(...any) error }) (*pubdata.Contract, error) {
	var c pubdata.Contract
	var noReid int
	var sellerAt nullTime
	if err := sc.Scan(&c.ID, &c.Listing, &c.Product, &c.ProductTitle, &c.Registration, &c.ModelContract, &c.ModelCode, &c.ModelVersion, &c.ModelTitle,
		&c.Seller, &c.SellerName, &c.Division, &c.Buyer, &c.BuyerUser, &c.BuyerName, &c.Purpose, &c.Scope, &c.Until, &c.Parties, &c.OnwardTransfer, &noReid, &c.Clauses,
		&c.PriceModel, &c.Price, &c.Licence, &c.Status, &c.BuyerSignedBy, timeCol{&c.BuyerSignedAt}, &c.SellerSignedBy, &sellerAt, &c.Reason, &c.Delivery, timeCol{&c.CreatedAt}); err != nil {
		return nil, err
	}
	c.NoReidentification, c.SellerSignedAt = noReid == 1, sellerAt.t
	if c.BuyerName == "" {
		c.BuyerName = c.BuyerUser
	}
	return &c, nil
}

func notFoundContract(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Contract %q was not found.", id).Keyed("error.contract.not_found", "ID", id)
}

// CreateContract implements pubdata.TradeService.
func (s *TradeService) CreateContract(ctx context.Context, listing string, in *pubdata.ContractCreate) (*pubdata.Contract, error) {
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l, err := tx.listing(ctx, listing)
	if err != nil {
		return nil, err
	}
	m, err := scanModel(tx.queryRow(ctx, "SELECT "+modelColumns+" FROM model_contracts WHERE id = ?", l.ModelContract))
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateContractCreate(a, l, m, in, tx.now); err != nil {
		return nil, err
	}
	c := &pubdata.Contract{ID: newID(), Listing: l.ID, Product: l.Product, ProductTitle: l.ProductTitle, ModelContract: m.ID, Seller: l.Seller, Division: l.Division,
		Purpose: in.Purpose, Scope: in.Scope, Until: in.Until, Parties: m.Parties, OnwardTransfer: m.OnwardTransfer, Clauses: m.Clauses,
		PriceModel: l.PriceModel, Price: l.Price, Licence: l.Licence, Status: pubdata.ContractProposed, BuyerSignedBy: a.Username()}
	if l.Registration != nil {
		c.Registration = l.Registration.Number
	}
	if c.Scope == "" {
		c.Scope = m.Scope
	}
	if a.Org != nil {
		c.Buyer = a.Org.Code
	} else {
		c.BuyerUser = a.Username()
	}
	if _, err := tx.exec(ctx, `INSERT INTO trade_contracts (id, listing_id, product_id, product_title, reg_number, model_contract, seller, division, buyer, buyer_user, purpose, scope, until,
		parties, onward_transfer, no_reidentification, clauses, price_model, price, licence, status, buyer_signed_by, buyer_signed_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Listing, c.Product, c.ProductTitle, c.Registration, c.ModelContract, c.Seller, c.Division, c.Buyer, c.BuyerUser, c.Purpose, c.Scope, c.Until,
		c.Parties, c.OnwardTransfer, 1, c.Clauses, c.PriceModel, c.Price, c.Licence, c.Status, c.BuyerSignedBy, fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "contract.propose", Object: "contract:" + c.ID, Details: map[string]any{
		"listing": l.ID, "product": l.Product, "registration": c.Registration, "model_contract": m.ID, "model_version": m.Version,
		"seller": c.Seller, "buyer": c.Buyer, "buyer_user": c.BuyerUser, "purpose": c.Purpose, "until": c.Until}}); err != nil {
		return nil, err
	}
	buyer := c.Buyer
	if buyer == "" {
		buyer = c.BuyerUser
	}
	if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeContractNew, map[string]string{"title": c.ProductTitle, "buyer": buyer, "purpose": c.Purpose},
		"/console/trading/contracts/"+c.ID, "contract:"+c.ID), pubdata.NoticeParties{Provider: c.Seller}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Contract(ctx, c.ID)
}

// Contract implements pubdata.TradeService.
func (s *TradeService) Contract(ctx context.Context, id string) (*pubdata.Contract, error) {
	c, err := scanContract(s.db.queryRow(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundContract(id)
	}
	return c, err
}

// FindContracts implements pubdata.TradeService.
func (s *TradeService) FindContracts(ctx context.Context, f pubdata.ContractFilter) ([]*pubdata.Contract, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Status != "" && !oneOfStrings(f.Status, pubdata.ContractStatuses) {
		return nil, 0, "", pubdata.FieldErrorf("status", "Status %q is not one of %s.", f.Status, strings.Join(pubdata.ContractStatuses, ", ")).Keyed("error.list.status", "Status", f.Status, "Statuses", strings.Join(pubdata.ContractStatuses, ", "))
	}
	var c conds
	c.eq("c.buyer", f.Buyer)
	c.eq("c.buyer_user", f.BuyerUser)
	c.eq("c.seller", f.Seller)
	c.eq("c.product_id", f.Product)
	c.eq("c.listing_id", f.Listing)
	c.eq("c.status", f.Status)
	c.inDivision("c.division", f.Division)
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM trade_contracts c"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+contractColumns+contractFrom+c.sql()+" ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanContract)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Contract{}
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

func (tx *Tx) contract(ctx context.Context, id string) (*pubdata.Contract, error) {
	c, err := scanContract(tx.queryRow(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.id = ?"+tx.db.forUpdateOf("c"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundContract(id)
	}
	return c, err
}

// buyerOf is the contract's buyer as a notification's party: its organisation, or the
// person.
func buyerOf(c *pubdata.Contract) pubdata.NoticeParties {
	if c.Buyer != "" {
		return pubdata.NoticeParties{Provider: c.Buyer}
	}
	return pubdata.NoticeParties{User: c.BuyerUser}
}

// DecideContract implements pubdata.TradeService.
func (s *TradeService) DecideContract(ctx context.Context, id string, d *pubdata.ContractDecision) (*pubdata.Contract, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateContractDecision(d); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.contract(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanAgreeContract(a, c) {
		return nil, tradeForbidden("Only the seller's admins and editors agree to or decline its contracts.", "error.contract.decide_forbidden")
	}
	if c.Status != pubdata.ContractProposed {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The contract is %s, not waiting for the seller.", c.Status).Keyed("error.contract.not_proposed", "Status", pubdata.NewMessage("trade.contract.status."+c.Status))
	}
	if d.Decision == "decline" {
		if _, err := tx.exec(ctx, "UPDATE trade_contracts SET status = ?, reason = ?, seller_signed_by = ? WHERE id = ?", pubdata.ContractDeclined, d.Reason, a.Username(), id); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "contract.decline", Object: "contract:" + id, Details: map[string]any{"product": c.Product, "reason": d.Reason}}); err != nil {
			return nil, err
		}
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeContractDeclined, map[string]string{"title": c.ProductTitle, "reason": d.Reason},
			"/market-contracts/"+id, "contract:"+id), buyerOf(c)); err != nil {
			return nil, err
		}
	} else {
		l, err := tx.listing(ctx, c.Listing)
		if err != nil {
			return nil, err
		}
		if l.Status != pubdata.ListingListed {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The product is no longer listed (its listing is %s): the contract cannot be agreed.", l.Status).Keyed("error.contract.not_listed", "Status", pubdata.NewMessage("trade.listing.status."+l.Status))
		}
		expires, err := pubdata.GrantExpiry(c.Until)
		if err != nil {
			return nil, err
		}
		if !expires.After(tx.now) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The contract's period ended on %s: it cannot be agreed.", c.Until).Keyed("error.contract.ended", "Until", c.Until)
		}
		g := &pubdata.Grant{ID: newID(), Application: c.ID, Kind: pubdata.KindTrade, Entry: c.Product, EntryTitle: c.ProductTitle, Provider: c.Seller,
			Consumer: c.Buyer, ConsumerUser: c.BuyerUser, Purpose: c.Purpose, Expires: expires}
		if _, err := tx.exec(ctx, `INSERT INTO trade_deliveries (id, contract_id, product_id, product_title, division, provider, consumer, consumer_user, purpose, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, c.ID, g.Entry, g.EntryTitle, c.Division, g.Provider, g.Consumer, g.ConsumerUser, g.Purpose, fmtTime(g.Expires), fmtTime(tx.now)); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE trade_contracts SET status = ?, seller_signed_by = ?, seller_signed_at = ?, delivery_id = ? WHERE id = ?",
			pubdata.ContractAgreed, a.Username(), fmtTime(tx.now), g.ID, id); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "contract.agree", Object: "contract:" + id, Details: map[string]any{
			"product": c.Product, "registration": c.Registration, "buyer": c.Buyer, "buyer_user": c.BuyerUser, "until": c.Until}}); err != nil {
			return nil, err
		}
		if err := tx.record(ctx, change{Action: "trade.deliver", Object: "delivery:" + g.ID, Details: map[string]any{
			"contract": id, "product": c.Product, "consumer": g.Consumer, "consumer_user": g.ConsumerUser, "purpose": g.Purpose, "expires": fmtTime(g.Expires)}}); err != nil {
			return nil, err
		}
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeContractAgreed, map[string]string{"title": c.ProductTitle, "until": c.Until},
			"/market-contracts/"+id, "contract:"+id), buyerOf(c)); err != nil {
			return nil, err
		}
		if err := tx.notify(ctx, pubdata.NewNotification(pubdata.NoticeTradeDelivered, map[string]string{"title": c.ProductTitle, "until": c.Until},
			"/market-contracts/"+id, "delivery:"+g.ID), buyerOf(c)); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Contract(ctx, id)
}

// TerminateContract implements pubdata.TradeService.
func (s *TradeService) TerminateContract(ctx context.Context, id, reason string) (*pubdata.Contract, error) {
	a := pubdata.ActorFromContext(ctx)
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, pubdata.FieldErrorf("reason", "A termination needs a reason.").Keyed("error.contract.terminate.reason")
	}
	if len([]rune(reason)) > 2000 {
		return nil, pubdata.FieldErrorf("reason", "The reason must be at most 2000 characters.").Keyed("error.reason.too_long", "Max", 2000)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.contract(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanAgreeContract(a, c) && !pubdata.CanReviewEntry(a, c.Division) {
		return nil, tradeForbidden("Only the seller's admins and editors, or the authority covering the seller, terminate a contract.", "error.contract.terminate_forbidden")
	}
	if c.Status != pubdata.ContractAgreed {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The contract is %s: only an agreed contract can be terminated.", c.Status).Keyed("error.contract.not_agreed", "Status", pubdata.NewMessage("trade.contract.status."+c.Status))
	}
	if _, err := tx.exec(ctx, "UPDATE trade_deliveries SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL", fmtTime(tx.now), a.Username(), reason, c.Delivery); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE trade_contracts SET status = ?, reason = ? WHERE id = ?", pubdata.ContractTerminated, reason, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "contract.terminate", Object: "contract:" + id, Details: map[string]any{"product": c.Product, "delivery": c.Delivery, "reason": reason}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Contract(ctx, id)
}

// --- deliveries ---

const deliveryColumns = "d.id, d.contract_id, d.product_id, d.product_title, d.provider, d.consumer, d.consumer_user, d.purpose, d.expires_at, d.revoked_at, d.revoked_by, d.revoke_reason, d.created_at"

func scanDelivery(sc interface{ Scan(...any) error }) (*pubdata.Grant, error) {
	g := pubdata.Grant{Kind: pubdata.KindTrade, Items: []string{}, ClearItems: []string{}}
	var revoked nullTime
	if err := sc.Scan(&g.ID, &g.Application, &g.Entry, &g.EntryTitle, &g.Provider, &g.Consumer, &g.ConsumerUser, &g.Purpose, timeCol{&g.Expires}, &revoked, &g.RevokedBy, &g.RevokeReason, timeCol{&g.CreatedAt}); err != nil {
		return nil, err
	}
	g.RevokedAt = revoked.t
	return &g, nil
}

// Deliveries implements pubdata.TradeService.
func (s *TradeService) Deliveries(ctx context.Context, f pubdata.GrantFilter) ([]*pubdata.Grant, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var c conds
	c.eq("d.consumer", f.Consumer)
	c.eq("d.consumer_user", f.ConsumerUser)
	c.eq("d.provider", f.Provider)
	c.eq("d.product_id", f.Entry)
	c.inDivision("d.division", f.Division)
	if f.LiveAt != nil {
		c.add("d.revoked_at IS NULL AND d.expires_at > ?", fmtTime(*f.LiveAt))
	}
	rows, err := s.db.query(ctx, "SELECT "+deliveryColumns+" FROM trade_deliveries d"+c.sql()+" ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?", append(c.args, limit+1, offset)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, scanDelivery)
	if err != nil {
		return nil, "", err
	}
	out, next := offsetPage(out, limit, offset)
	return out, next, nil
}

// Delivery implements pubdata.TradeService.
func (s *TradeService) Delivery(ctx context.Context, id string) (*pubdata.Grant, error) {
	g, err := scanDelivery(s.db.queryRow(ctx, "SELECT "+deliveryColumns+" FROM trade_deliveries d WHERE d.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Delivery %q was not found.", id).Keyed("error.delivery.not_found", "ID", id)
	}
	return g, err
}

// LiveDeliveries implements pubdata.TradeService: one indexed lookup by (product, buyer
// organisation) and one by (product, public user).
func (s *TradeService) LiveDeliveries(ctx context.Context, a *pubdata.Actor, product string, now time.Time) ([]*pubdata.Grant, error) {
	return s.db.liveGrants(ctx, a, "SELECT "+deliveryColumns+" FROM trade_deliveries d WHERE d.product_id = ?", "d", product, 13, now, scanDelivery)
}

// RecordProductRead implements pubdata.TradeService.
func (s *TradeService) RecordProductRead(ctx context.Context, p *pubdata.Product, details map[string]any) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.record(ctx, change{Action: "product.read", Object: "product:" + p.ID, Details: details}); err != nil {
		return err
	}
	return tx.Commit()
}

// --- contributions (B7) ---

func scanContribution(sc interface{ Scan(...any) error }) (*pubdata.Contribution, error) {
	var c pubdata.Contribution
	var users string
	var products int
	if err := sc.Scan(&c.Entry, &c.Org, &users, &c.Purposes, &products, &c.From, &c.Until, &c.UpdatedBy, timeCol{&c.UpdatedAt}); err != nil {
		return nil, err
	}
	c.Products = products == 1
	if err := json.Unmarshal([]byte(users), &c.Users); err != nil {
		return nil, fmt.Errorf("contribution %s users: %w", c.Entry, err)
	}
	if c.Users == nil {
		c.Users = []string{}
	}
	return &c, nil
}

const contributionColumns = "entry_id, org, users, purposes, products, valid_from, valid_until, updated_by, updated_at"

// SetContribution implements pubdata.TradeService.
func (s *TradeService) SetContribution(ctx context.Context, c *pubdata.Contribution) (*pubdata.Contribution, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateContribution(c); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var org string
	err = tx.queryRow(ctx, "SELECT org FROM entries WHERE id = ?", c.Entry).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", c.Entry).Keyed("error.entry.not_found", "ID", c.Entry)
	} else if err != nil {
		return nil, err
	}
	o := &pubdata.Org{Code: org}
	if err := tx.queryRow(ctx, "SELECT name, kind, division FROM orgs WHERE code = ?", org).Scan(&o.Name, &o.Kind, &o.Division); err != nil {
		return nil, err
	}
	if !pubdata.CanSetContribution(a, o) {
		if !pubdata.IsNonPublicOrg(o) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "The entry is public data of %s: contribution terms are for non-public data (an enterprise's or another non-public body's).", o.Name).Keyed("error.contribution.public", "Org", o.Name)
		}
		return nil, tradeForbidden("Only the entry's organisation (its admins and editors) sets its contribution terms.", "error.contribution.forbidden")
	}
	c.Org, c.UpdatedBy, c.UpdatedAt = org, a.Username(), tx.now
	if _, err := tx.exec(ctx, "DELETE FROM contributions WHERE entry_id = ?", c.Entry); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "INSERT INTO contributions ("+contributionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.Entry, c.Org, jsonList(c.Users), c.Purposes, boolInt(c.Products), c.From, c.Until, c.UpdatedBy, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "contribution.set", Object: "entry:" + c.Entry, Details: map[string]any{
		"users": c.Users, "purposes": c.Purposes, "products": c.Products, "from": c.From, "until": c.Until}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Contribution(ctx, c.Entry)
}

// Contribution implements pubdata.TradeService.
func (s *TradeService) Contribution(ctx context.Context, entry string) (*pubdata.Contribution, error) {
	c, err := scanContribution(s.db.queryRow(ctx, "SELECT "+contributionColumns+" FROM contributions WHERE entry_id = ?", entry))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q has no contribution terms.", entry).Keyed("error.contribution.not_found", "ID", entry)
	}
	return c, err
}

// Contributions implements pubdata.TradeService.
func (s *TradeService) Contributions(ctx context.Context, org string) ([]*pubdata.Contribution, error) {
	rows, err := s.db.query(ctx, "SELECT "+contributionColumns+" FROM contributions WHERE org = ? ORDER BY entry_id LIMIT ?", org, pubdata.MaxLimit)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanContribution)
	if out == nil {
		out = []*pubdata.Contribution{}
	}
	return out, err
}

// --- traceability ---

// ProductTrades implements pubdata.TradeService.
func (s *TradeService) ProductTrades(ctx context.Context, product string) (*pubdata.TradeTrace, error) {
	ls, _, _, err := s.FindListings(ctx, pubdata.ListingFilter{Product: product, Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	cs, _, _, err := s.FindContracts(ctx, pubdata.ContractFilter{Product: product, Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	return &pubdata.TradeTrace{Listings: ls, Contracts: cs}, nil
}

// EntryTrades implements pubdata.TradeService.
func (s *TradeService) EntryTrades(ctx context.Context, entry string) (*pubdata.TradeTrace, error) {
	ls, _, _, err := s.FindListings(ctx, pubdata.ListingFilter{Source: entry, Limit: pubdata.MaxLimit})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.listing_id IN (SELECT listing_id FROM trade_listing_sources WHERE entry_id = ?) ORDER BY c.created_at DESC, c.id DESC LIMIT ?", entry, pubdata.MaxLimit)
	if err != nil {
		return nil, err
	}
	cs, err := scanRows(rows, scanContract)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []*pubdata.Contract{}
	}
	return &pubdata.TradeTrace{Listings: ls, Contracts: cs}, nil
}

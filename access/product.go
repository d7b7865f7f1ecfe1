package access

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pubdata/pubdata"
)

// Reads of traded data products' content (issue 16 item 5). A product's content (a table's
// CSV) is a blob of the data folder, like a file entry's file; only a Reader opens it, after
// pubdata.DecideProductRead: the seller's users and the covering authority, or a buyer under
// a live delivery (a grant of kind trade). Every read is recorded ("product.read").

// ProductReads finds a caller's live deliveries of a product and records product reads
// (pubdata.TradeService).
type ProductReads interface {
	LiveDeliveries(ctx context.Context, a *pubdata.Actor, product string, now time.Time) ([]*pubdata.Grant, error)
	RecordProductRead(ctx context.Context, p *pubdata.Product, details map[string]any) error
}

// WithProducts returns a copy of r that decides and records product reads with p.
func (r *Reader) WithProducts(p ProductReads) *Reader {
	c := *r
	c.products = p
	return &c
}

// Product read paths.
const (
	ProductGate     = "gate"     // the trade gate measures the content (the seller listing it)
	ProductDownload = "download" // the seller, the authority or a buyer downloads it
)

// OpenProduct opens the content of product p (sold by seller, in division) for the caller in
// ctx, under the named delivery grant ("" any the caller holds): refused as
// pubdata.DecideProductRead refuses; else the read is recorded ("product.read", with the
// path, the delivery and the content's digest) and the bytes are opened. The caller serves
// them and closes the file; the delivery read under is returned (nil for the seller and the
// authority).
func (r *Reader) OpenProduct(ctx context.Context, p *pubdata.Product, seller, division, grant, path string) (*os.File, *pubdata.Grant, error) {
	return r.openProduct(ctx, p, seller, path, func(a *pubdata.Actor, deliveries []*pubdata.Grant, now time.Time) (*pubdata.Grant, error) {
		return pubdata.DecideProductRead(a, seller, division, p.ID, deliveries, grant, now)
	})
}

// ProductContent is the path of a product's content downloaded from its page or the API
// (GET /api/v1/products/{id}/content).
const ProductContent = "content"

// OpenSpaceProduct opens the content of product p of the space sp for the caller in ctx as
// pubdata.DecideProductContent decides (operator: the caller's organisation is a first-level
// operator): the space's developers, the operators, the covering authority, or a buyer under
// a live delivery; the read is recorded as OpenProduct records it.
func (r *Reader) OpenSpaceProduct(ctx context.Context, p *pubdata.Product, sp *pubdata.DevSpace, operator bool) (*os.File, *pubdata.Grant, error) {
	return r.openProduct(ctx, p, p.OrgID, ProductContent, func(a *pubdata.Actor, deliveries []*pubdata.Grant, now time.Time) (*pubdata.Grant, error) {
		return pubdata.DecideProductContent(a, sp, operator, p.ID, deliveries, now)
	})
}

func (r *Reader) openProduct(ctx context.Context, p *pubdata.Product, seller, path string, decide func(*pubdata.Actor, []*pubdata.Grant, time.Time) (*pubdata.Grant, error)) (*os.File, *pubdata.Grant, error) {
	if r.products == nil || r.blobs == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no products' content.").Keyed("error.product_read.not_available")
	}
	a := pubdata.ActorFromContext(ctx)
	now := r.now()
	deliveries, err := r.products.LiveDeliveries(ctx, a, p.ID, now)
	if err != nil {
		return nil, nil, err
	}
	g, err := decide(a, deliveries, now)
	if err != nil {
		return nil, nil, err
	}
	if p.ContentRef == "" {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Product %q keeps no content on this platform.", p.ID).Keyed("error.product_read.no_content", "ID", p.ID)
	}
	f, err := r.blobs.Open(p.ContentRef)
	if err != nil {
		return nil, nil, fmt.Errorf("product %s content: %w", p.ID, err)
	}
	if st, err := f.Stat(); err != nil || (p.ContentSize > 0 && st.Size() != p.ContentSize) {
		f.Close()
		return nil, nil, fmt.Errorf("product %s content: stored size differs from %d bytes (%v)", p.ID, p.ContentSize, err)
	}
	details := map[string]any{"path": path, "sha256": p.ContentSHA256, "seller": seller}
	if g != nil {
		details["delivery"], details["contract"] = g.ID, g.Application
	}
	if err := r.products.RecordProductRead(context.WithoutCancel(ctx), p, details); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, g, nil
}

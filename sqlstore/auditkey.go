package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pubdata/pubdata/lib/audit"
)

// CheckAuditKey tells whether this server's audit key (the SM2 key of its data folder) is
// the one the record was written with: the newest checkpoint's key and the log head's seal
// must be this key's. A server started with another key — a node of a cluster whose data
// folder lacks the others' audit-sm2.pem — would seal events and sign checkpoints that no
// other node verifies, breaking the record for everyone; serve refuses to start instead.
// An empty record passes.
func (d *DB) CheckAuditKey(ctx context.Context) error {
	var keyID, publicKey string
	err := d.queryRow(ctx, "SELECT key_id, public_key FROM audit_checkpoints ORDER BY size DESC LIMIT 1").Scan(&keyID, &publicKey)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		if keyID == "" {
			keyID = audit.KeyID(publicKey)
		}
		if keyID != d.key.KeyID() {
			return fmt.Errorf("the record's checkpoints are signed with audit key %s, but this server's key (%s in %s) is %s: "+
				"every server of a platform needs the same audit-sm2.pem (docs/OPERATIONS.md, \"A cluster\"); nothing was written", keyID, audit.KeyFile, d.keyDir, d.key.KeyID())
		}
	}
	var size int64
	var state, seal string
	err = d.queryRow(ctx, "SELECT size, state, seal FROM audit_head WHERE id = 1").Scan(&size, &state, &seal)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && size == 0) {
		return nil
	} else if err != nil {
		return err
	}
	tree, err := audit.RestoreTree(size, state)
	if err != nil || d.key.SealHead(size, tree.Root()) != seal {
		return fmt.Errorf("the record's head is not sealed with this server's audit key (%s in %s, id %s): either the key is another "+
			"platform's — every server of a platform needs the same audit-sm2.pem (docs/OPERATIONS.md, \"A cluster\") — or the head was altered "+
			"(run pubdata audit verify); nothing was written", audit.KeyFile, d.keyDir, d.key.KeyID())
	}
	return nil
}

package pubdata

// Encryption at rest (G3): the values of data items at or above a grade, and of items marked
// personal information, are stored encrypted (SM4) with a keyed blind index (HMAC-SM3)
// beside them; see docs/ARCHITECTURE.md, "Encryption at rest".

// MaxDecryptedRows bounds the rows a read decrypts to sort an encrypted column or filter it
// by range or pattern (the database holds no order of its values): a query selecting more
// is refused, naming the bound.
const MaxDecryptedRows = 20000

// EncryptionPolicy says which data items' values are stored encrypted.
type EncryptionPolicy struct {
	// Grade: items of this grade or higher are encrypted; 0 encrypts none by grade.
	Grade int
	// Personal: items marked personal information are encrypted whatever their grade.
	Personal bool
}

// DefaultEncryptionPolicy encrypts grade 3 and above and personal information.
func DefaultEncryptionPolicy() EncryptionPolicy { return EncryptionPolicy{Grade: 3, Personal: true} }

// Encrypts reports whether the item's values are stored encrypted under p.
func (p EncryptionPolicy) Encrypts(it Item) bool {
	return (p.Grade > 0 && it.Grade >= p.Grade) || (p.Personal && it.Personal)
}

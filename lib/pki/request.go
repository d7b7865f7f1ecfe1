package pki

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Fingerprint is a certificate's SM3 digest (hex): the key id a platform's signed requests
// name (federation).
func Fingerprint(c *smx509.Certificate) string {
	h := sm3.Sum(c.Raw)
	return hex.EncodeToString(h[:])
}

// BodyHash is the SM3 digest (hex) of a request's body.
func BodyHash(body []byte) string {
	h := sm3.Sum(body)
	return hex.EncodeToString(h[:])
}

// SignMessage signs msg with SM2-with-SM3 (GB/T 32918, the default user id) and returns
// the ASN.1 signature in base64.
func SignMessage(key *sm2.PrivateKey, msg []byte) (string, error) {
	if key == nil {
		return "", errors.New("pki: the signing key is not held here")
	}
	sig, err := key.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyMessage checks a base64 SM2-with-SM3 signature of msg by the certificate's key.
func VerifyMessage(c *smx509.Certificate, msg []byte, sig string) error {
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return errors.New("pki: the certificate's key is not SM2")
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return ErrBadSignature
	}
	if !sm2.VerifyASN1WithSM2(pub, nil, msg, raw) {
		return ErrBadSignature
	}
	return nil
}

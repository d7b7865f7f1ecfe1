package mail

import (
	"encoding/base64"
	"strings"
)

// base64Lines encodes s in base64 lines of 76 characters, each ended by CRLF (RFC 2045).
func base64Lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

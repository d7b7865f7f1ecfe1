package console

import (
	"encoding/json"
	"github.com/pubdata/pubdata/lib/extract"
)

// extractJSON is the signed extract as a file.
func extractJSON(sig *extract.Signed) []byte {
	b, _ := json.MarshalIndent(sig, "", "  ")
	return append(b, '\n')
}

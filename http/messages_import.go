package http

// importMessages are the texts of bulk import and export of entries (entry_import.go).
var importMessages = map[string]msg{}

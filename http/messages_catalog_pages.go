package http

// catalogPageMessages are the texts of the catalogue pages (console_entries.go,
// portal_catalog.go).
var catalogPageMessages = map[string]msg{}

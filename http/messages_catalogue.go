package http

// catalogueMessages are the texts of the catalogue API's downloads and lists (entries.go,
// ckan.go, dcat.go).
var catalogueMessages = map[string]msg{}

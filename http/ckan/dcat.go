package ckan

import (
	"github.com/pubdata/pubdata/http/web"
)

// categoryLabelKey returns the message key naming a top category.
func categoryLabelKey(top string) string { return web.OptionKey(web.CategoryLabels, top) }

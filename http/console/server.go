package console

import (
	"embed"

	"github.com/pubdata/pubdata/http/web"
)

// Server is the console's handlers on the shared web.Server: its services, settings and the web
// pieces every audience uses (templates, rendering, errors, forms, paging, streaming).
type Server struct{ *web.Server }

//go:embed html
var templates embed.FS

// Templates are the console's page templates (html/<name>.html).
var Templates = web.Templates{Audience: "console", FS: templates}

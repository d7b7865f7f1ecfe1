package portal

import (
	"embed"

	"github.com/pubdata/pubdata/http/web"
)

// Server is the portal's handlers on the shared web.Server: its services, settings and the web
// pieces every audience uses (templates, rendering, errors, forms, paging, streaming).
type Server struct{ *web.Server }

//go:embed html
var templates embed.FS

// Templates are the portal's page templates (html/<name>.html).
var Templates = web.Templates{Audience: "portal", FS: templates}

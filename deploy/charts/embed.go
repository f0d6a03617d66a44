// Package charts embeds the stand-in Helm charts deploy_system installs on
// the local provider by default (charts.source ""), so the whole life cycle
// runs offline. They carry the names and versions of the release manifest's
// charts and create the same kinds of objects from the same values; real
// installs use the real charts (local/README.md says what differs).
package charts

import (
	"embed"
	"io/fs"
)

//go:embed all:local
var embedded embed.FS

// Local returns the stand-in charts, one directory per chart name.
func Local() fs.FS {
	sub, err := fs.Sub(embedded, "local")
	if err != nil {
		panic(err) // "local" is embedded above
	}
	return sub
}

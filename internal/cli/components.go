package cli

import (
	"fmt"
	"strings"

	"github.com/auracognitive/aurak8s/internal/release"
)

// componentList names the release's components as -t accepts them, each
// with its aliases: "aura-bot, nlp (aura-nlp), …".
func componentList(m *release.Manifest) string {
	names := make([]string, 0, len(m.Components))
	for _, c := range m.Components {
		n := c.Name
		if len(c.Aliases) > 0 {
			n += " (" + strings.Join(c.Aliases, ", ") + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// componentsHelp is the part of deploy_core's help that lists what -t takes.
func componentsHelp() string {
	m, err := release.Default()
	if err != nil {
		return fmt.Sprintf("The components could not be listed: %v", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Components of release %s (-t takes these names or the aliases in parentheses):\n", m.Version)
	for _, c := range m.Components {
		b.WriteString("  " + c.Name)
		if len(c.Aliases) > 0 {
			b.WriteString(" (" + strings.Join(c.Aliases, ", ") + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

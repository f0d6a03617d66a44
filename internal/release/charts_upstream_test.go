package release

import "testing"

// upstreamCharts are the charts the manifest's repositories publish, by
// repository, as their sources name them (Chart.yaml `name:`) at the pinned
// versions. Checked against the upstream sources: MongoDB's chart lives in
// charts/atlas-operator/ but is named mongodb-atlas-operator, so loading
// "atlas-operator" from a chart directory or the repository fails.
var upstreamCharts = map[string]map[string][]string{
	"https://helm.elastic.co":                            {"eck-operator": {"2.16.1"}},
	"https://prometheus-community.github.io/helm-charts": {"prometheus": {"25.27.0"}},
	"https://grafana.github.io/helm-charts":              {"grafana": {"8.5.1"}},
	"https://fluent.github.io/helm-charts":               {"fluent-bit": {"0.47.10"}},
	"https://helm.nginx.com/stable":                      {"nginx-ingress": {"1.4.0"}},
	"https://mongodb.github.io/helm-charts":              {"mongodb-atlas-operator": {"2.5.0"}},
	"https://charts.bitnami.com/bitnami":                 {"redis": {"20.1.0"}},
	"https://braedon.github.io/helm":                     {"prometheus-es-exporter": {"0.2.0"}},
	"https://charts.jetstack.io":                         {"cert-manager": {"v1.16.2"}},
}

// TestChartsAreUpstreamCharts: every chart of the manifest is a chart, at a
// version, that its repository publishes. Changing a chart or its version
// means checking the new one upstream (values too) and recording it here.
func TestChartsAreUpstreamCharts(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range m.Charts {
		versions, ok := upstreamCharts[ch.Repo][ch.Chart]
		if !ok {
			t.Errorf("chart %s: repository %s publishes no chart %q", ch.Name, ch.Repo, ch.Chart)
			continue
		}
		found := false
		for _, v := range versions {
			found = found || v == ch.Version
		}
		if !found {
			t.Errorf("chart %s: %s %s is not a checked version (%v)", ch.Name, ch.Chart, ch.Version, versions)
		}
	}
}

package conformance

import (
	"errors"
	"strings"
	"testing"
)

const validMetrics = `# HELP requests_total Requests served.
# TYPE requests_total counter
requests_total{route="GET /feed.atom"} 3
`

func TestCheckMetrics(t *testing.T) {
	Metrics(t, []byte(validMetrics))
	for name, text := range map[string]string{
		"counter without _total": strings.ReplaceAll(validMetrics, "requests_total", "requests"),
		"not the text format":    `requests_total{route="x" 3`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			Rejects(t, CheckMetrics(t.Context(), []byte(text)))
		})
	}
}

func TestCheckMetricsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var missing *MissingError
	if err := CheckMetrics(t.Context(), []byte(validMetrics)); !errors.As(err, &missing) || !strings.Contains(missing.Install, "Debian package prometheus") {
		t.Errorf("without promtool: got %v, want a *MissingError naming Debian package prometheus", err)
	}
}

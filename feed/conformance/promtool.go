package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
)

// Metrics fails t unless text, a /metrics answer in Prometheus's text
// format, passes "promtool check metrics": it parses, and follows
// Prometheus's naming conventions (counters end in _total, units are base
// units named in the name, help text is there).
func Metrics(t testing.TB, text []byte) {
	t.Helper()
	ctx, cancel := checkContext(t)
	defer cancel()
	report(t, CheckMetrics(ctx, text))
}

// CheckMetrics runs "promtool check metrics" (Debian package prometheus)
// on text. The error lists what promtool reported, or is a *MissingError
// when promtool is not installed.
func CheckMetrics(ctx context.Context, text []byte) error {
	promtool, err := lookPath("promtool", "install Debian package prometheus")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && ctx.Err() == nil:
		return fmt.Errorf("promtool check metrics: exit %d:\n%s", exit.ExitCode(), out.Bytes())
	case err != nil:
		return fmt.Errorf("promtool: %w (output: %s)", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

package ingest

import (
	"regexp"
	"strings"
)

// correctionLine matches the header line of a plain-text export that
// carries a public correction note for this edit: "Correction: The drill
// is in June, not May." (see feed.Correction).
var correctionLine = regexp.MustCompile(`(?i)^correction\s*:\s*(\S.*)$`)

// takeCorrection finds a correction line among the header's lines (above
// the "Posted:" line, within the first maxHeaderLines that are not blank),
// blanks it so that it is no part of the title or the body, and returns its
// note; "" when there is none. Below the "Posted:" line it is body text: a
// paragraph that starts "Correction:" in the article itself stays there.
func (p *textParser) takeCorrection() string {
	seen := 0
	for i := range p.lines {
		l := &p.lines[i]
		if l.s == "" {
			continue
		}
		if seen++; seen > maxHeaderLines || postedLine.MatchString(l.s) {
			break
		}
		if m := correctionLine.FindStringSubmatch(l.s); m != nil {
			l.s = ""
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}

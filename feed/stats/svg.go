package stats

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// The chart's size and margins, in SVG user units.
const (
	chartWidth   = 720
	chartHeight  = 320
	marginLeft   = 56
	marginRight  = 16
	marginTop    = 16
	marginBottom = 40
	legendLine   = 18
)

// palette colours the lines, in turn.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"}

// Chart draws readers per day of each series as an SVG document: one line
// per series, a y axis of readers from 0 with labelled ticks, an x axis of
// days labelled at its ends and middle, and a legend naming each series
// (escaped: a feed's path or a partner's name is never markup). It uses
// presentation attributes only (no style, no script), so that a page's
// Content-Security-Policy allows it inline.
func Chart(series []Series, title string) []byte {
	var b bytes.Buffer
	height := chartHeight + legendLine*len(series)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" font-family="sans-serif" font-size="11">`,
		chartWidth, height, chartWidth, height)
	b.WriteString("<title>")
	escape(&b, title)
	b.WriteString("</title>")
	plotW := float64(chartWidth - marginLeft - marginRight)
	plotH := float64(chartHeight - marginTop - marginBottom)
	var days []string
	var top int64
	for _, s := range series {
		if len(s.Days) > len(days) {
			days = days[:0]
			for _, d := range s.Days {
				days = append(days, d.Day)
			}
		}
		for _, d := range s.Days {
			top = max(top, d.Readers)
		}
	}
	step := niceStep(top)
	yMax := step * 4
	if yMax < top {
		yMax = step * ((top + step - 1) / step)
	}
	x := func(i int) float64 {
		if len(days) <= 1 {
			return marginLeft + plotW/2
		}
		return marginLeft + plotW*float64(i)/float64(len(days)-1)
	}
	y := func(v int64) float64 { return marginTop + plotH - plotH*float64(v)/float64(yMax) }
	// Axes, grid and tick labels.
	fmt.Fprintf(&b, `<g stroke="#999" stroke-width="1"><line x1="%d" y1="%d" x2="%d" y2="%d"/><line x1="%d" y1="%d" x2="%d" y2="%d"/></g>`,
		marginLeft, marginTop, marginLeft, chartHeight-marginBottom,
		marginLeft, chartHeight-marginBottom, chartWidth-marginRight, chartHeight-marginBottom)
	b.WriteString(`<g fill="#333" text-anchor="end">`)
	for v := int64(0); v <= yMax; v += step {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f">%d</text>`, marginLeft-6, y(v)+4, v)
	}
	b.WriteString(`</g><g stroke="#eee" stroke-width="1">`)
	for v := step; v <= yMax; v += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, marginLeft+1, y(v), chartWidth-marginRight, y(v))
	}
	b.WriteString(`</g><g fill="#333" text-anchor="middle">`)
	seen := map[int]bool{}
	for _, i := range []int{0, len(days) / 2, len(days) - 1} {
		if i < 0 || i >= len(days) || seen[i] {
			continue
		}
		seen[i] = true
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">`, x(i), chartHeight-marginBottom+16)
		escape(&b, days[i])
		b.WriteString("</text>")
	}
	fmt.Fprintf(&b, `</g><text x="%d" y="%d" fill="#333">readers per day</text>`, marginLeft+4, marginTop+10)
	// One line per series, and its legend.
	for k, s := range series {
		colour := palette[k%len(palette)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="`, colour)
		for i, d := range s.Days {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x(i), y(d.Readers))
		}
		b.WriteString(`"/>`)
		ly := chartHeight + legendLine*k
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" fill="#333">`,
			marginLeft, ly-6, colour, marginLeft+18, ly)
		escape(&b, s.Label())
		b.WriteString("</text>")
	}
	b.WriteString("</svg>")
	return b.Bytes()
}

// niceStep is the step of four or so y ticks up to top: 1, 2 or 5 times
// a power of ten.
func niceStep(top int64) int64 {
	if top <= 4 {
		return 1
	}
	raw := (top + 3) / 4
	p := int64(1)
	for p*10 <= raw {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// escape writes s as XML character data, control characters dropped.
func escape(b *bytes.Buffer, s string) {
	clean := []rune{}
	for _, r := range s {
		if r == '\t' || r == '\n' || r >= 0x20 && r != 0x7f && r != 0xFFFE && r != 0xFFFF {
			clean = append(clean, r)
		}
	}
	xml.EscapeText(b, []byte(string(clean)))
}

package stats

// sparks are the eight levels of a sparkline, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one letter each, from ▁ for 0 to █ for the
// largest value; all zeros are all ▁. Negative values count as 0. Each
// letter takes one column of a terminal.
func Sparkline(values []int64) string {
	var top int64
	for _, v := range values {
		top = max(top, v)
	}
	out := make([]rune, len(values))
	for i, v := range values {
		level := 0
		if top > 0 && v > 0 {
			level = int((v*int64(len(sparks)-1) + top/2) / top)
			if level == 0 {
				level = 1 // something is more than nothing
			}
		}
		out[i] = sparks[level]
	}
	return string(out)
}

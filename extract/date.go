package extract

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// cst is the zone of a date that gives none: China Standard Time.
var cst = time.FixedZone("CST", 8*3600)

// Date precisions.
const (
	precYear = iota + 1
	precMonth
	precDay
	precMinute
	precSecond
)

// dateHit is one date found in a text.
type dateHit struct {
	t        time.Time
	raw      string
	prec     int
	pos      int  // byte offset in the text searched
	relative bool // resolved against the fetch time
	zoned    bool // the text gave the zone (Z, +08:00) or an absolute time
	short    bool // a month and day only: the year came from context
}

// Date patterns, compiled once. They run on text whose full-width digits and
// colons were mapped to ASCII (normDigits).
var (
	reFull = regexp.MustCompile(`^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*日)?` +
		`(?:(?:\s*T\s*|\s*|\s*,\s*)(\d{1,2})\s*(?::|时|点)\s*(\d{1,2})(?:\s*分)?(?:\s*:\s*(\d{1,2})(?:\.\d+)?(?:\s*秒)?)?)?` +
		`(\s*(?:Z|[+-]\d{2}:?\d{2}))?`)
	// timeSuffix is the time of day after a day-first or month-name date:
	// "21:55", ", 3:51 pm", " um 14:30", " à 10h12", "T14:12:32+0200".
	timeSuffix = `(?:\s*(?:,|-|–|\||@|um|à|a las|at|kl\.?|o)?\s*(?:T\s*)?(\d{1,2})\s*[:h]\s*(\d{2})(?::(\d{2}))?(\s*[AaPp]\.?[Mm]\.?)?(\s*(?:Z|[+-]\d{2}:?\d{2}))?)?`
	// reDMY is a day, month and year in figures: 23/11/2023, 23.11.2023,
	// 1. 2. 2020, 23-11-2023 (M/D/Y when the day cannot come first).
	reDMY = regexp.MustCompile(`(\d{1,2})(?:([/-])(\d{1,2})([/-])|\.\s?(\d{1,2})\.\s?)(\d{4})` + timeSuffix)
	// reDayMonth is a day, a month name and a year: "5 mars 2020", "1. März
	// 2020", "2 de abril de 2020", "15 августа 2016", "8th of May, 2020".
	reDayMonth = regexp.MustCompile(`(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s*(?:de\s+|of\s+)?([\p{Latin}\p{Cyrillic}]{3,12}\.?)\s*,?\s*(?:de\s+|del\s+)?(\d{4})` + timeSuffix)
	// reNameDay is a month name, a day and a year: "March 5, 2020",
	// "Dezember 29, 2021", "Sept. 3rd 2019".
	reNameDay   = regexp.MustCompile(`([\p{Latin}\p{Cyrillic}]{3,12}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(\d{4})` + timeSuffix)
	reMonthDay  = regexp.MustCompile(`(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})(?:\s*日)?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?`)
	reYearMonth = regexp.MustCompile(`(\d{4})\s*年\s*(\d{1,2})\s*月`)
	reRelative  = regexp.MustCompile(`(\d+)\s*(秒|分钟|分|小时|个小时|天|日|周|星期|个月|年)\s*前`)
	reDayWord   = regexp.MustCompile(`(刚刚|今天|昨天|前天)(?:\s*(\d{1,2}):(\d{2}))?`)
	reCompact   = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?:[^0-9]|$)`)
	reURLYM     = regexp.MustCompile(`/((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])/`)
	reUnix      = regexp.MustCompile(`^\d{10}(\d{3})?$`)
)

// dateOK reports whether the parts make a real calendar date and time.
func dateOK(y, mo, d, h, mi, s int) bool {
	if y < 1970 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// notAfterDigit reports whether s[i] does not continue a run of digits.
func notAfterDigit(s string, i int) bool {
	return i == 0 || s[i-1] < '0' || s[i-1] > '9'
}

func notBeforeDigit(s string, j int) bool {
	return j >= len(s) || s[j] < '0' || s[j] > '9'
}

// parseZone reads "Z", "+08:00" or "+0800".
func parseZone(z string) *time.Location {
	z = strings.TrimSpace(z)
	if z == "" {
		return nil
	}
	if z == "Z" {
		return time.UTC
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = strings.ReplaceAll(z[1:], ":", "")
	if len(z) != 4 {
		return nil
	}
	hh, mm := atoi(z[:2]), atoi(z[2:])
	if hh > 14 || mm > 59 {
		return nil
	}
	off := sign * (hh*3600 + mm*60)
	if off == 8*3600 {
		return cst
	}
	return time.FixedZone("", off)
}

// hasDMYStart reports whether s has what every match of reDMY starts
// with: a digit, then "/" or "-" and a digit, or "." (a white space
// character of \s may follow) and a digit. Most texts have none, and the
// regular expression is not run on them.
func hasDMYStart(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			continue
		}
		switch s[i+1] {
		case '/', '-':
			if isDigitByte(s[i+2]) {
				return true
			}
		case '.':
			if isDigitByte(s[i+2]) || i+3 < len(s) && strings.IndexByte("\t\n\f\r ", s[i+2]) >= 0 && isDigitByte(s[i+3]) {
				return true
			}
		}
	}
	return false
}

// hasDMYCore reports whether reDMY matches in s: one or two digits, then
// either a slash or dash, one or two digits and a slash or dash, or a dot,
// an optional white space, one or two digits, a dot and an optional white
// space; then four digits (the time after it is optional).
func hasDMYCore(s string) bool {
	digits := func(i, n int) bool { // s[i:i+n] are all digits
		if i+n > len(s) {
			return false
		}
		for k := i; k < i+n; k++ {
			if !isDigitByte(s[k]) {
				return false
			}
		}
		return true
	}
	ws := func(i int) bool { return i < len(s) && strings.IndexByte("\t\n\f\r ", s[i]) >= 0 }
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			continue
		}
		for n1 := 1; n1 <= 2; n1++ {
			j := i + n1
			if !digits(i, n1) || j >= len(s) {
				continue
			}
			switch s[j] {
			case '/', '-':
				for n2 := 1; n2 <= 2; n2++ {
					k := j + 1 + n2
					if digits(j+1, n2) && k < len(s) && (s[k] == '/' || s[k] == '-') && digits(k+1, 4) {
						return true
					}
				}
			case '.':
				for w1 := 0; w1 <= 1; w1++ {
					if w1 == 1 && !ws(j+1) {
						continue
					}
					for n2 := 1; n2 <= 2; n2++ {
						k := j + 1 + w1 + n2
						if !digits(j+1+w1, n2) || k >= len(s) || s[k] != '.' {
							continue
						}
						if digits(k+1, 4) || ws(k+1) && digits(k+2, 4) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// amPMMarks strips the dots and spaces of an am/pm marker ("p. m." → "pm").
var amPMMarks = strings.NewReplacer(".", "", " ", "")

// findDates returns the full dates (with a year) in s, in order: Chinese
// and ISO forms, day-first and month-first figures, and month names in the
// languages of monthNames.
func findDates(s string, max int) []dateHit {
	if !hasDigit(s) {
		return nil
	}
	s = normDigits(s)
	if !hasYearRun(s) {
		return nil
	}
	var out []dateHit
	// add checks one match: its span, the year, month and day, and the
	// submatch indexes of hour, minute, second, am/pm and zone (-1: none).
	add := func(start, end, y, mo, d int, m []int, tk int, dayFirst bool) {
		if !notAfterDigit(s, start) || !notBeforeDigit(s, end) {
			return
		}
		sub := func(k int) string {
			if k < 0 || 2*k+1 >= len(m) || m[2*k] < 0 {
				return ""
			}
			return s[m[2*k]:m[2*k+1]]
		}
		h, mi, sec := atoi(sub(tk)), atoi(sub(tk+1)), atoi(sub(tk+2))
		ap := ""
		if a := sub(tk + 3); a != "" {
			ap = strings.ToLower(amPMMarks.Replace(a))
		}
		if dayFirst && mo > 12 && d <= 12 {
			mo, d = d, mo
		}
		if ap != "" && h >= 1 && h <= 12 {
			if ap == "pm" && h < 12 {
				h += 12
			} else if ap == "am" && h == 12 {
				h = 0
			}
		}
		if !dateOK(y, mo, d, h, mi, sec) {
			return
		}
		prec := precDay
		if sub(tk) != "" {
			prec = precMinute
			if sub(tk+2) != "" {
				prec = precSecond
			}
		}
		loc := parseZone(sub(tk + 4))
		zoned := loc != nil
		if loc == nil {
			loc = cst
		}
		out = append(out, dateHit{
			t:     time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc),
			raw:   strings.TrimSpace(s[start:end]),
			prec:  prec,
			pos:   start,
			zoned: zoned,
		})
	}
	// The full pattern runs only where a year starts, on a short window.
	for i := 0; i+4 <= len(s); i++ {
		if !isYearAt(s, i) {
			continue
		}
		end := min(len(s), i+64)
		m := reFull.FindStringSubmatchIndex(s[i:end])
		if m == nil {
			i += 3
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		sub := func(k int) string { return s[m[2*k]:m[2*k+1]] }
		add(m[0], m[1], atoi(sub(1)), atoi(sub(2)), atoi(sub(3)), append(m[:14:14], -1, -1, m[14], m[15]), 4, false)
		i = m[1] - 1
	}
	if hasDMYStart(s) && hasDMYCore(s) {
		for _, m := range reDMY.FindAllStringSubmatchIndex(s, -1) {
			// 1.2.2020 inside a longer dotted number (a version) is no date.
			if m[0] > 0 && s[m[0]-1] == '.' {
				continue
			}
			a := atoi(s[m[2]:m[3]])
			var b int
			if m[4] >= 0 {
				// Slashes and dashes: the same separator twice. D/M/Y unless
				// the day cannot come first or a 12-hour clock says American.
				if s[m[4]] != s[m[8]] {
					continue
				}
				b = atoi(s[m[6]:m[7]])
			} else {
				b = atoi(s[m[10]:m[11]])
			}
			y := atoi(s[m[12]:m[13]])
			mo, d := b, a
			if m[4] >= 0 && s[m[4]] == '/' && (a <= 12 && b > 12 || a <= 12 && m[20] >= 0) {
				mo, d = a, b
			}
			add(m[0], m[1], y, mo, d, m, 7, true)
		}
	}
	if hasLetter(s) && mayHaveNamedDate(s) {
		for _, m := range reDayMonth.FindAllStringSubmatchIndex(s, -1) {
			mo := monthNumber(s[m[4]:m[5]])
			if mo == 0 || !wordStart(s, m[4]) || !wordEnd(s, m[5]) {
				continue
			}
			add(m[0], m[1], atoi(s[m[6]:m[7]]), mo, atoi(s[m[2]:m[3]]), m, 4, false)
		}
		for _, m := range reNameDay.FindAllStringSubmatchIndex(s, -1) {
			mo := monthNumber(s[m[2]:m[3]])
			if mo == 0 || !wordStart(s, m[2]) {
				continue
			}
			add(m[0], m[1], atoi(s[m[6]:m[7]]), mo, atoi(s[m[4]:m[5]]), m, 4, false)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	// One date can match two patterns ("5. März 2020" and "März 2020 ..."):
	// keep the first of overlapping hits.
	k := 0
	for i := range out {
		if k > 0 && out[i].pos < out[k-1].pos+len(out[k-1].raw) {
			continue
		}
		out[k] = out[i]
		k++
	}
	out = out[:k]
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// wordStart reports whether s[i:] starts a word: no letter before it.
func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r)
}

// wordEnd reports whether a word ends at s[j]: no letter after it.
func wordEnd(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !unicode.IsLetter(r)
}

// hasLetter reports whether s has a Latin or Cyrillic letter (the scripts
// monthNames is written in).
func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0xC3 && c <= 0xD4 {
			return true
		}
	}
	return false
}

// mayHaveNamedDate reports whether reDayMonth or reNameDay can match in s:
// both need a run of two or more Latin or Cyrillic letters (the month
// name, or the "de"/"del" after it) followed, past dots, commas and white
// space only, by a digit (the year, or the day). A false skips the two
// patterns, which would find nothing.
func mayHaveNamedDate(s string) bool {
	run := 0 // letters in the run just before s[i]
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z') || r >= utf8.RuneSelf && (unicode.Is(unicode.Latin, r) || unicode.Is(unicode.Cyrillic, r)) {
			run++
			i += size
			continue
		}
		if run >= 2 {
			j := i
			for j < len(s) && strings.IndexByte(".,\t\n\f\r ", s[j]) >= 0 {
				j++
			}
			if j < len(s) && isDigitByte(s[j]) {
				return true
			}
		}
		run = 0
		i += size
	}
	return false
}

// isYearAt reports four digits at s[i:] starting with 19 or 20 and not
// inside a longer number.
func isYearAt(s string, i int) bool {
	if i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		return false
	}
	if !(s[i] == '1' && s[i+1] == '9' || s[i] == '2' && s[i+1] == '0') {
		return false
	}
	for k := i + 2; k < i+4; k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return i+4 == len(s) || s[i+4] < '0' || s[i+4] > '9'
}

// firstDate returns the first date of s: a full date, else (when loose) a
// relative date, a month and day or a year and month, resolved against ref.
func firstDate(s string, ref time.Time, loose bool) (dateHit, bool) {
	return firstDateIn(s, ref, ref, loose)
}

// firstDateIn is firstDate with a relative date read against now (the
// fetch time) and a month and day given the latest year that keeps it not
// after yref (the page's own dates, else the fetch time).
func firstDateIn(s string, now, yref time.Time, loose bool) (dateHit, bool) {
	if !hasDigit(s) && !containsAny(s, "刚刚", "今天", "昨天", "前天") {
		return dateHit{}, false
	}
	if hs := findDates(s, 1); len(hs) > 0 {
		return hs[0], true
	}
	if !loose {
		return dateHit{}, false
	}
	s = normDigits(s)
	if h, ok := relativeDate(s, now); ok {
		return h, true
	}
	ref := yref
	if m := reYearMonth.FindStringSubmatchIndex(s); m != nil && notAfterDigit(s, m[0]) {
		y, mo := atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]])
		if dateOK(y, mo, 1, 0, 0, 0) {
			return dateHit{t: time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, cst), raw: s[m[0]:m[1]], prec: precMonth, pos: m[0]}, true
		}
	}
	if ref.IsZero() {
		return dateHit{}, false
	}
	for _, m := range reMonthDay.FindAllStringSubmatchIndex(s, 4) {
		if !notAfterDigit(s, m[0]) || !notBeforeDigit(s, m[1]) {
			continue
		}
		mo, d := atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]])
		h, mi, sec := 0, 0, 0
		prec := precDay
		if m[6] >= 0 {
			h, mi = atoi(s[m[6]:m[7]]), atoi(s[m[8]:m[9]])
			prec = precMinute
			if m[10] >= 0 {
				sec = atoi(s[m[10]:m[11]])
				prec = precSecond
			}
		}
		r := ref.In(cst)
		y := r.Year()
		if !dateOK(y, mo, d, h, mi, sec) && !dateOK(y-1, mo, d, h, mi, sec) {
			continue
		}
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, cst)
		if t.After(r.Add(48 * time.Hour)) {
			t = time.Date(y-1, time.Month(mo), d, h, mi, sec, 0, cst)
		}
		return dateHit{t: t, raw: strings.TrimSpace(s[m[0]:m[1]]), prec: prec, pos: m[0], short: true}, true
	}
	return dateHit{}, false
}

// relativeDate reads 3天前, 5小时前, 昨天 14:05, 刚刚 against ref.
// relativeMatch is reRelative.FindStringSubmatchIndex(s), not run where it
// cannot match (no 前, or no digit).
func relativeMatch(s string) []int {
	if !strings.Contains(s, "前") || !hasDigit(s) {
		return nil
	}
	return reRelative.FindStringSubmatchIndex(s)
}

func relativeDate(s string, ref time.Time) (dateHit, bool) {
	if ref.IsZero() {
		return dateHit{}, false
	}
	if !strings.Contains(s, "前") && !strings.Contains(s, "刚刚") && !strings.Contains(s, "今天") && !strings.Contains(s, "昨天") {
		return dateHit{}, false
	}
	r := ref.In(cst)
	if m := relativeMatch(s); m != nil {
		n := atoi(s[m[2]:m[3]])
		var t time.Time
		prec := precMinute
		switch s[m[4]:m[5]] {
		case "秒":
			t = r.Add(-time.Duration(n) * time.Second)
		case "分钟", "分":
			t = r.Add(-time.Duration(n) * time.Minute)
		case "小时", "个小时":
			t = r.Add(-time.Duration(n) * time.Hour)
		case "天", "日":
			t, prec = r.AddDate(0, 0, -n), precDay
		case "周", "星期":
			t, prec = r.AddDate(0, 0, -7*n), precDay
		case "个月":
			t, prec = r.AddDate(0, -n, 0), precMonth
		case "年":
			t, prec = r.AddDate(-n, 0, 0), precYear
		}
		if prec <= precDay {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst)
		} else {
			t = t.Truncate(time.Minute)
		}
		return dateHit{t: t, raw: s[m[0]:m[1]], prec: prec, pos: m[0], relative: true}, true
	}
	if m := reDayWord.FindStringSubmatchIndex(s); m != nil {
		word := s[m[2]:m[3]]
		if word == "刚刚" {
			return dateHit{t: r.Truncate(time.Minute), raw: word, prec: precMinute, pos: m[0], relative: true}, true
		}
		days := map[string]int{"今天": 0, "昨天": 1, "前天": 2}[word]
		d := r.AddDate(0, 0, -days)
		h, mi, prec := 0, 0, precDay
		if m[4] >= 0 {
			h, mi, prec = atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]]), precMinute
			if h > 23 || mi > 59 {
				return dateHit{}, false
			}
		}
		return dateHit{t: time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, cst), raw: s[m[0]:m[1]], prec: prec, pos: m[0], relative: true}, true
	}
	return dateHit{}, false
}

// parseMetaDate reads a machine date: RFC 3339 and its relatives, a Unix
// time, or anything findDates understands.
func parseMetaDate(s string) (dateHit, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return dateHit{}, false
	}
	if reUnix.MatchString(s) {
		n, _ := strconv.ParseInt(s, 10, 64)
		if len(s) == 13 {
			n /= 1000
		}
		t := time.Unix(n, 0).In(cst)
		if t.Year() < 1990 {
			return dateHit{}, false
		}
		return dateHit{t: t, raw: s, prec: precSecond, zoned: true}, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Location() != time.UTC {
				_, off := t.Zone()
				if off == 8*3600 {
					t = t.In(cst)
				}
			}
			return dateHit{t: t, raw: s, prec: precSecond, zoned: true}, true
		}
	}
	if hs := findDates(s, 1); len(hs) > 0 {
		h := hs[0]
		h.raw = s
		return h, true
	}
	// "2022-02-13-07:48:00" and similar.
	if len(s) >= 16 && s[10] == '-' {
		if hs := findDates(s[:10]+" "+s[11:], 1); len(hs) > 0 {
			h := hs[0]
			h.raw = s
			return h, true
		}
	}
	return dateHit{}, false
}

// parseLayout reads s with a profile's Go layout (or "unix"), in the
// page's zone.
func parseLayout(s, layout string, ref time.Time) (dateHit, bool) {
	s = strings.TrimSpace(normDigits(s))
	switch layout {
	case "", "auto":
		return firstDate(s, ref, true)
	case "unix", "unixms":
		return parseMetaDate(s)
	}
	t, err := time.ParseInLocation(layout, s, cst)
	if err != nil {
		// The layout may match a part of the text ("发布时间：2023-11-23").
		for i := 0; i < len(s); i++ {
			if s[i] >= '0' && s[i] <= '9' && notAfterDigit(s, i) {
				end := min(len(s), i+len(layout)+8)
				for j := end; j > i; j-- {
					if t2, err2 := time.ParseInLocation(layout, strings.TrimSpace(s[i:j]), cst); err2 == nil {
						t, err = t2, nil
						s = strings.TrimSpace(s[i:j])
						break
					}
				}
				if err == nil {
					break
				}
			}
		}
		if err != nil {
			return dateHit{}, false
		}
	}
	if t.Year() == 0 && !ref.IsZero() {
		r := ref.In(cst)
		t = time.Date(r.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, t.Location())
		if t.After(r.Add(48 * time.Hour)) {
			t = t.AddDate(-1, 0, 0)
		}
	}
	return dateHit{t: t, raw: s, prec: precSecond}, true
}

// dateLabels introduce a publish date.
var dateLabels = []string{"发布时间", "发表时间", "发布日期", "发表日期", "发稿时间", "发文日期", "成文日期", "上传时间",
	"日期", "时间", "发表于", "发布于", "更新时间", "更新日期", "出版日期", "Published", "Posted", "Date", "发布:", "发布：", "发表:", "发表：",
	// European languages: published, appeared, date, as of.
	"published", "Veröffentlicht", "veröffentlicht", "Erschienen", "erschienen", "Datum", "Stand:", "Publié", "publié",
	"Publicado", "publicado", "Pubblicato", "pubblicato", "Opublikowano", "Gepubliceerd", "Publicerad", "Julkaistu",
	"Publikováno", "Опубликовано", "Дата"}

// labelledDate finds a date introduced by a date label in s.
func labelledDate(s string, ref time.Time) (dateHit, bool) {
	return labelledDateIn(s, ref, ref)
}

// labelledDateIn is labelledDate with the references of firstDateIn.
func labelledDateIn(s string, now, yref time.Time) (dateHit, bool) {
	best := -1
	for _, l := range dateLabels {
		if i := strings.Index(s, l); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return dateHit{}, false
	}
	rest := s[best:]
	h, ok := firstDateIn(rest, now, yref, true)
	if !ok || h.pos > 40 {
		return dateHit{}, false
	}
	return h, true
}

package extract_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/finarchive/finarchive/extract"
)

// devTruth is one page's truth in zh-extraction-dev.
type devTruth struct {
	Body   string `json:"body"`
	Date   string `json:"date"`
	Author string `json:"author"`
}

// tokens splits s as zh-extraction-dev's README says: every Han character
// is a token, and so is every run of other letters and digits.
func tokens(s string) map[string]int {
	out := map[string]int{}
	var run []rune
	endRun := func() {
		if len(run) > 0 {
			out[string(run)]++
			run = run[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			endRun()
			out[string(r)]++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			run = append(run, r)
		default:
			endRun()
		}
	}
	endRun()
	return out
}

// bodyPRF is the token-level F1, precision and recall of got against want
// (the multiset overlap of their tokens).
func bodyPRF(got, want string) (f1, p, r float64) {
	g, w := tokens(got), tokens(want)
	ng, nw, common := 0, 0, 0
	for t, n := range g {
		ng += n
		common += min(n, w[t])
	}
	for _, n := range w {
		nw += n
	}
	if ng == 0 || nw == 0 || common == 0 {
		if ng == 0 && nw == 0 {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	p, r = float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r), p, r
}

// dateKnown reports whether the truth gives a date.
func dateKnown(truth string) bool {
	t := strings.TrimSpace(truth)
	return t != "" && !strings.HasPrefix(strings.ToUpper(t), "UNK")
}

// dateMatch compares got with the truth at the truth's precision
// (YYYY-M-D[ HH:MM[:SS]] or a partial date).
func dateMatch(got *time.Time, truth string) bool {
	if got == nil {
		return false
	}
	f := strings.FieldsFunc(strings.TrimSpace(truth), func(r rune) bool { return r == '-' || r == ' ' || r == ':' || r == '/' })
	have := []int{got.Year(), int(got.Month()), got.Day(), got.Hour(), got.Minute(), got.Second()}
	for i, s := range f {
		if i >= len(have) {
			break
		}
		n, err := strconv.Atoi(s)
		if err != nil || n != have[i] {
			return false
		}
	}
	return len(f) > 0
}

// naiveDateRe is the baseline's idea of a date: y-m-d with -, /, . or 年月.
var naiveDateRe = regexp.MustCompile(`((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?`)

// TestDevSet is the regression guard on zh-extraction-dev, scored as
// TestDevSets scores it: every page an article, body F1 and date accuracy
// above their guards.
func TestDevSet(t *testing.T) {
	r := runDevSets(t, "zh-extraction")[0]
	s, _ := scoreZhExtractionCases(r.cases)
	t.Logf("pages %d: body F1 %.4f (go-readability %.4f); date %d/%d (naive first date %d); author %d/%d",
		s.pages, s.f1, s.refF1, s.datesOK, s.dates, s.naiveOK, s.authorsOK, s.authors)
	for _, c := range r.cases {
		if c.rec.PageType != extract.PageArticle {
			t.Errorf("%s: page type %q, want article", c.id, c.rec.PageType)
		}
	}
	if s.f1 < 0.93 {
		t.Errorf("body F1 %.4f below the 0.93 guard", s.f1)
	}
	if acc := float64(s.datesOK) / float64(s.dates); acc < 0.80 {
		t.Errorf("date accuracy %.4f below the 0.80 guard", acc)
	}
}

package extract_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/finarchive/finarchive/extract"
)

// devDir is the shared development set (35 real pages with truth): the
// shared/ folder beside the checkout, or $FINARCHIVE_DEVSET.
var devDir = func() string {
	if d := os.Getenv("FINARCHIVE_DEVSET"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "datasets", "zh-extraction-dev")
}()

type devTruth struct {
	Body   string `json:"body"`
	Date   string `json:"date"`
	Author string `json:"author"`
}

type devPage struct {
	id    string
	raw   []byte
	truth devTruth
}

func loadDevSet(tb testing.TB) []devPage {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(devDir, "truth.json"))
	if err != nil {
		tb.Skipf("dev set not available (%v): skipping", err)
	}
	var truth map[string]devTruth
	if err := json.Unmarshal(data, &truth); err != nil {
		tb.Fatalf("truth.json: %v", err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var pages []devPage
	for _, id := range ids {
		raw, err := os.ReadFile(filepath.Join(devDir, "pages", id+".html"))
		if err != nil {
			tb.Fatalf("page %s: %v", id, err)
		}
		pages = append(pages, devPage{id: id, raw: raw, truth: truth[id]})
	}
	return pages
}

// tokens splits s as the dev set's README says: every Han character is a
// token, and so is every run of other letters and digits.
func tokens(s string) map[string]int {
	out := map[string]int{}
	var run []rune
	endRun := func() {
		if len(run) > 0 {
			out[strings.ToLower(string(run))]++
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

// bodyF1 is the token-level F1 of got against want.
func bodyF1(got, want string) float64 {
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
			return 1
		}
		return 0
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nw)
	return 2 * p * r / (p + r)
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

type devScore struct {
	f1, refF1        float64
	dateOK, refOK    bool
	known            bool
	date, refDate    string
	author, refTitle string
}

// naiveDateRe is the baseline's idea of a date: y-m-d with -, /, . or 年月.
var naiveDateRe = regexp.MustCompile(`((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?`)

// naiveFirstDate is the baseline the issue names: the first date-looking
// string in the page's text.
func naiveFirstDate(raw []byte) *time.Time {
	doc, err := extract.Parse(raw, "")
	if err != nil {
		return nil
	}
	m := naiveDateRe.FindStringSubmatch(doc.Find("body").Text())
	if m == nil {
		return nil
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	h, _ := strconv.Atoi(m[4])
	mi, _ := strconv.Atoi(m[5])
	sec, _ := strconv.Atoi(m[6])
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	return &t
}

// TestDevSet scores the automatic extractor (no profile) and the reference
// (go-readability) on the dev set, and fails below the regression guard.
func TestDevSet(t *testing.T) {
	pages := loadDevSet(t)
	fetched := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	var sumF1, sumRef float64
	known, ok, refOK, naiveOK, authorOK, authorKnown := 0, 0, 0, 0, 0, 0
	t.Logf("%-8s %6s %6s  %-22s %-22s %-22s %s", "page", "F1", "refF1", "truth date", "date", "ref date", "author (truth)")
	for _, p := range pages {
		pageURL := "http://dev.example/" + p.id + ".html"
		rec, err := extract.ExtractBytes(p.raw, "", pageURL, extract.Options{FetchedAt: fetched})
		if err != nil {
			t.Fatalf("%s: %v", p.id, err)
		}
		var s devScore
		if rec.PageType != extract.PageArticle {
			t.Errorf("%s: page type %q, want article", p.id, rec.PageType)
		}
		s.f1 = bodyF1(rec.Body, p.truth.Body)
		refText, refDate := reference(p.raw, pageURL)
		s.refF1 = bodyF1(refText, p.truth.Body)
		sumF1 += s.f1
		sumRef += s.refF1
		if rec.Published != nil {
			s.date = rec.Published.Format("2006-01-02 15:04:05")
		}
		if refDate != nil {
			s.refDate = refDate.Format("2006-01-02 15:04:05")
		}
		if dateKnown(p.truth.Date) {
			known++
			if dateMatch(rec.Published, p.truth.Date) {
				ok++
				s.dateOK = true
			}
			if dateMatch(refDate, p.truth.Date) {
				refOK++
			}
			if dateMatch(naiveFirstDate(p.raw), p.truth.Date) {
				naiveOK++
			}
		}
		if a := strings.TrimSpace(p.truth.Author); a != "" && !strings.HasPrefix(a, "UNK") {
			authorKnown++
			if rec.Author != "" && (strings.Contains(a, rec.Author) || strings.Contains(rec.Author, strings.Fields(a)[0])) {
				authorOK++
			}
		}
		mark := " "
		if dateKnown(p.truth.Date) && !s.dateOK {
			mark = "✗"
		}
		t.Logf("%-8s %6.3f %6.3f  %-22s %-22s %-22s %s (%s) %s", p.id[:8], s.f1, s.refF1, p.truth.Date, s.date, s.refDate, rec.Author, p.truth.Author, mark)
	}
	n := float64(len(pages))
	f1, ref := sumF1/n, sumRef/n
	acc, refAcc := float64(ok)/float64(known), float64(refOK)/float64(known)
	t.Logf("pages %d: body F1 %.4f (reference %.4f); date accuracy %.4f = %d/%d (reference %.4f, naive first date %.4f); author %d/%d",
		len(pages), f1, ref, acc, ok, known, refAcc, float64(naiveOK)/float64(known), authorOK, authorKnown)
	if f1 < 0.93 {
		t.Errorf("body F1 %.4f below the 0.93 guard", f1)
	}
	if acc < 0.80 {
		t.Errorf("date accuracy %.4f below the 0.80 guard", acc)
	}
}

// reference runs go-readability on the same decoded page.
func reference(raw []byte, pageURL string) (string, *time.Time) {
	text, _, err := extract.Decode(raw, "")
	if err != nil {
		return "", nil
	}
	u, _ := url.Parse(pageURL)
	art, err := readability.FromReader(bytes.NewReader(text), u)
	if err != nil {
		return "", nil
	}
	var b bytes.Buffer
	if err := art.RenderText(&b); err != nil {
		return "", nil
	}
	var dp *time.Time
	if d, err := art.PublishedTime(); err == nil {
		dp = &d
	}
	return b.String(), dp
}

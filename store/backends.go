package store

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/finarchive/finarchive"
)

// What other back ends (store/pgstore) share with this one, so that both
// store the same bytes, index the same tokens and rank and cut snippets the
// same way. Each is a thin wrapper of what the SQLite store itself uses.

// RawEncoding names the compression of raw responses and head blocks
// written now (the encoding columns): the Snappy block format.
const RawEncoding = rawEncoding

// Compress returns data in RawEncoding.
func Compress(data []byte) []byte { return compress(data) }

// Decompress returns the size bytes that data holds in encoding (a raw or
// head column's: RawEncoding, or "deflate" in older rows).
func Decompress(data []byte, size int, encoding string) ([]byte, error) {
	return decompress(data, size, encoding)
}

// CharsetOf returns the charset parameter of a Content-Type, lower case.
func CharsetOf(contentType string) string { return charsetOf(contentType) }

// NextRevisitInterval returns a page's next revisit interval after a save
// with result, from its current interval cur, bounded by min and max (see
// SCHEMA.md, "Adaptive revisits").
func NextRevisitInterval(cur time.Duration, result finarchive.SaveResult, min, max time.Duration) time.Duration {
	return nextInterval(cur, result, runConfig{min: min, max: max})
}

// RevisitBounds returns min and max as a run uses them: zero values take
// the defaults, and max is at least min.
func RevisitBounds(min, max time.Duration) (time.Duration, time.Duration) {
	c := runConfig{min: min, max: max}
	c.normalize()
	return c.min, c.max
}

// IndexTokens returns the search index's tokens of s (bigrams of Han runs,
// folded words), in order, repeats kept: the tokens SQLite's index holds.
func IndexTokens(s string) []string { return strings.Fields(indexText(s)) }

// IndexChars returns the distinct Han characters of the texts, each once,
// in order of first appearance: what answers one-character queries.
func IndexChars(texts ...string) []string { return strings.Fields(charsText(texts...)) }

// Query is a search query split into its parts, as Search splits it.
type Query struct {
	parts []queryPart
	text  string
}

// QueryPart is one part of a Query, all of which must match: a run of Han
// characters (Han) or a folded word.
type QueryPart struct {
	Text string
	Han  bool
}

// Len returns the part's length in characters.
func (p QueryPart) Len() int { return utf8.RuneCountInString(p.Text) }

// Bigrams returns the index tokens a Han part of two or more characters
// matches as a phrase, in order.
func (p QueryPart) Bigrams() []string { return IndexTokens(p.Text) }

// ParseQuery splits q as Search does, refusing a query beyond the bounds
// (MaxQueryRunes, MaxQueryTerms) with *QueryError. A query of no parts
// (only spaces and punctuation) matches nothing.
func ParseQuery(q string) (Query, error) {
	if n := utf8.RuneCountInString(strings.TrimSpace(q)); n > MaxQueryRunes {
		return Query{}, &QueryError{Reason: fmt.Sprintf("the query is too long: %d characters (at most %d)", n, MaxQueryRunes)}
	}
	parts := parseQuery(q)
	if len(parts) > MaxQueryTerms {
		return Query{}, &QueryError{Reason: fmt.Sprintf("the query has too many words: %d (at most %d)", len(parts), MaxQueryTerms)}
	}
	return Query{parts: parts, text: q}, nil
}

// Parts returns the query's parts.
func (q Query) Parts() []QueryPart {
	out := make([]QueryPart, len(q.parts))
	for i, p := range q.parts {
		out[i] = QueryPart{Text: string(p.text), Han: p.han}
	}
	return out
}

// Short returns the query for an error message: its first 64 characters.
func (q Query) Short() string { return shortQuery(q.text) }

// Snippet returns the window of body Search shows for the query: matches
// in MarkStart … MarkEnd, "…" where text was cut.
func (q Query) Snippet(body string) string { return snippet(body, q.parts, 40, 160) }

// TitleScore is the rank a query part earns by hits in the title.
func TitleScore(hits float64) float64 { return titleTerm(hits) }

// BodyScore is the rank a query part earns by hits in a body of bodyLen
// tokens, where bodies average avgLen: a BM25 saturation, always below 1.
func BodyScore(hits, bodyLen, avgLen float64) float64 {
	if hits <= 0 {
		return 0
	}
	if avgLen <= 0 {
		avgLen = 1
	}
	return hits / (hits + 1.2*(0.25+0.75*bodyLen/avgLen))
}

// CharScore is the rank a one-character part earns by being in the body
// (in the title it earns TitleScore(1)).
const CharScore = charHit

// CandidateLimit is how many of the newest matches of each of the two
// candidate queries (title, anywhere) Search ranks.
const CandidateLimit = candidateLimit

package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Snippet markers: Search wraps each match in SearchHit.Snippet in
// MarkStart … MarkEnd (STX, ETX: control characters that never occur in
// stored text). Highlight turns them into <mark> tags or ANSI codes.
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// Highlight replaces the snippet markers in s with start and end, e.g.
// "<mark>", "</mark>" (after HTML-escaping s) or "\x1b[1;31m", "\x1b[0m".
func Highlight(s, start, end string) string {
	return strings.NewReplacer(MarkStart, start, MarkEnd, end).Replace(s)
}

// SearchOptions are a full-text query and its filters.
type SearchOptions struct {
	// Query is one or more words separated by spaces; all must match. A run
	// of Chinese characters matches as a phrase (one character: anywhere),
	// Latin words and numbers match whole words, case-insensitively.
	Query string
	Limit int       // 0 = 20
	Site  string    // "" = all
	Since time.Time // published (or first seen, when undated) at or after
}

// Query bounds: Search refuses a longer query with *QueryError. Every word
// is one more index look-up and the whole query is one FTS expression, so
// an unbounded query (10,000 words) costs without bound; a search box's
// query is far shorter (web search engines stop at 32 words).
const (
	MaxQueryRunes = 256 // characters, spaces included
	MaxQueryTerms = 32  // words: runs of Chinese characters, Latin words, numbers
)

// QueryError is a query Search refuses (see MaxQueryRunes): the caller's
// input is at fault, not the archive. The message does not repeat the query.
type QueryError struct {
	Reason string
}

func (e *QueryError) Error() string { return "search: " + e.Reason }

// shortQuery is q for an error message: its first 64 characters.
func shortQuery(q string) string {
	if utf8.RuneCountInString(q) <= 64 {
		return q
	}
	return string([]rune(q)[:64]) + "…"
}

// SearchHit is one search result.
type SearchHit struct {
	URL       string     `json:"url"`
	Title     string     `json:"title"`
	Snippet   string     `json:"snippet"` // body window, matches in MarkStart … MarkEnd
	Published *time.Time `json:"published"`
	Site      string     `json:"site"`
	Rank      float64    `json:"rank"` // higher is better
}

// candidateLimit bounds how many matches of each of the two candidate
// queries (title index, full index) are ranked; see Search.
const candidateLimit = 500

// Search runs a full-text query over titles and bodies. Results are ranked
// by a BM25-like score in which a match in the title outweighs any number of
// matches in the body. To keep queries on very common words fast, the
// ranking looks at the newest candidateLimit pages matching in the title and
// the newest candidateLimit matching anywhere: exact when fewer match.
func (db *DB) Search(ctx context.Context, opt SearchOptions) ([]SearchHit, error) {
	if n := utf8.RuneCountInString(strings.TrimSpace(opt.Query)); n > MaxQueryRunes {
		return nil, &QueryError{Reason: fmt.Sprintf("the query is too long: %d characters (at most %d)", n, MaxQueryRunes)}
	}
	parts := parseQuery(opt.Query)
	if len(parts) > MaxQueryTerms {
		return nil, &QueryError{Reason: fmt.Sprintf("the query has too many words: %d (at most %d)", len(parts), MaxQueryTerms)}
	}
	if len(parts) == 0 {
		return []SearchHit{}, nil
	}
	if opt.Limit <= 0 {
		opt.Limit = 20
	}
	if err := db.flushSearch(ctx); err != nil {
		return nil, fmt.Errorf("store: search %q: %w", shortQuery(opt.Query), err)
	}
	expr := ftsExpr(parts)
	scores := map[int64]float64{}
	if err := db.searchCandidates(ctx, "search", "pcaly", expr, opt, scores); err != nil {
		return nil, fmt.Errorf("store: search %q: %w", shortQuery(opt.Query), err)
	}
	if err := db.searchCandidates(ctx, "search_title", "pcy", expr, opt, scores); err != nil {
		return nil, fmt.Errorf("store: search %q: %w", shortQuery(opt.Query), err)
	}
	ranked := TopRanked(scores, opt.Limit)
	hits := make([]SearchHit, 0, len(ranked))
	for _, s := range ranked {
		var (
			h         SearchHit
			body      string
			published *string
		)
		err := db.r.QueryRowContext(ctx, "SELECT url, title, body, published, site FROM pages WHERE id = ?", s.ID).
			Scan(&h.URL, &h.Title, &body, &published, &h.Site)
		if err != nil {
			return nil, fmt.Errorf("store: search %q: %w", shortQuery(opt.Query), err)
		}
		if published != nil {
			if t, err := time.Parse(time.RFC3339Nano, *published); err == nil {
				h.Published = &t
			}
		}
		h.Snippet = snippet(body, parts, 40, 160)
		h.Rank = s.Rank
		hits = append(hits, h)
	}
	return hits, nil
}

// Ranked is a page and its search rank.
type Ranked struct {
	ID   int64
	Rank float64
}

// TopRanked returns the limit best-ranked pages of scores (page id → rank),
// best first, a tie going to the newer page: the order in which both back
// ends return hits.
func TopRanked(scores map[int64]float64, limit int) []Ranked {
	ranked := make([]Ranked, 0, len(scores))
	for id, r := range scores {
		ranked = append(ranked, Ranked{id, r})
	}
	slices.SortFunc(ranked, func(a, b Ranked) int {
		if c := cmp.Compare(b.Rank, a.Rank); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	return ranked
}

// searchCandidates runs expr on the FTS table (search or search_title) and
// adds the score of each row it returns to scores, keeping the higher score
// of a row seen twice.
func (db *DB) searchCandidates(ctx context.Context, table, mi, expr string, opt SearchOptions, scores map[int64]float64) error {
	// docid is a revision id; rows of revisions that are no longer their
	// page's newest are stale (see 0003_contentless_search.sql).
	q := "SELECT r.page_id, matchinfo(" + table + ", '" + mi + "') FROM " + table +
		" CROSS JOIN revisions r ON r.id = " + table + ".docid"
	args := []any{expr}
	var where []string
	if opt.Site != "" {
		where = append(where, "p.site = ?")
		args = append(args, opt.Site)
	}
	if !opt.Since.IsZero() {
		where = append(where, "coalesce(p.published_utc, p.first_seen_at) >= ?")
		args = append(args, fmtTime(opt.Since))
	}
	if len(where) > 0 {
		q += " CROSS JOIN pages p ON p.id = r.page_id"
	}
	q += " WHERE " + table + " MATCH ? AND NOT EXISTS (SELECT 1 FROM revisions n WHERE n.page_id = r.page_id AND n.id > r.id)"
	for _, w := range where {
		q += " AND " + w
	}
	q += fmt.Sprintf(" ORDER BY %s.docid DESC LIMIT %d", table, candidateLimit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return err
		}
		var r float64
		if table == "search" {
			r = rankMatchinfo(blob)
		} else {
			r = rankTitle(blob)
		}
		if r > scores[id] {
			scores[id] = r
		}
	}
	return rows.Err()
}

// Scoring. For each query part, the title term is 2·tf/(tf+0.5) (≥ 1.33
// for one hit) and the body term a BM25 saturation tf/(tf+1.2·(0.25 +
// 0.75·len/avglen)), always < 1: a title hit outranks any number of body
// hits. A page's rank is the sum over the parts.

func titleTerm(hits float64) float64 {
	if hits <= 0 {
		return 0
	}
	return 2 * hits / (hits + 0.5)
}

// charHit is the score of a query character found in a page's text (the
// c column): presence only, below a title hit (titleTerm ≥ 1.33) and about
// a body hit's.
const charHit = 0.5

// rankMatchinfo scores a row of the full index from matchinfo 'pcaly'
// (columns t, b, c).
func rankMatchinfo(mi []byte) float64 {
	u := func(i int) float64 { return float64(binary.NativeEndian.Uint32(mi[4*i:])) }
	if len(mi) < 8 {
		return 0
	}
	p, c := int(u(0)), int(u(1))
	if c != 3 || len(mi) < 4*(2+2*c+p*c) {
		return 0
	}
	avgBody, lenBody := u(2+1), u(2+c+1)
	if avgBody <= 0 {
		avgBody = 1
	}
	y := 2 + 2*c
	score := 0.0
	for i := range p {
		tHits, bHits, cHits := u(y+i*c), u(y+i*c+1), u(y+i*c+2)
		score += titleTerm(tHits)
		if bHits > 0 {
			score += bHits / (bHits + 1.2*(0.25+0.75*lenBody/avgBody))
		}
		if cHits > 0 {
			score += charHit
		}
	}
	return score
}

// rankTitle scores a row of the title index from matchinfo 'pcy' (columns
// t, c): the title terms alone (the body's hits are not known there).
func rankTitle(mi []byte) float64 {
	u := func(i int) float64 { return float64(binary.NativeEndian.Uint32(mi[4*i:])) }
	if len(mi) < 8 {
		return 0
	}
	p, c := int(u(0)), int(u(1))
	if c != 2 || len(mi) < 4*(2+p*c) {
		return 0
	}
	score := 0.0
	for i := range p {
		score += titleTerm(u(2+i*c) + u(2+i*c+1))
	}
	return score
}

// snippet returns a window of body around the first match of any part:
// before runes of context, window runes in all, every match in the window
// wrapped in MarkStart … MarkEnd and "…" where text was cut. With no match
// it returns the start of body.
func snippet(body string, parts []queryPart, before, window int) string {
	text := []rune(body)
	folded := make([]rune, len(text))
	for i, r := range text {
		switch r {
		case '\n', '\r', '\t', '\x02', '\x03':
			text[i] = ' '
			r = ' '
		}
		folded[i] = foldRune(r)
	}
	first := -1
	for _, p := range parts {
		if i := indexRunes(folded, p.text, 0); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	start := 0
	if first > before {
		start = first - before
	}
	end := min(len(text), start+window)
	if end-start < window && start > 0 {
		start = max(0, end-window)
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	for i := start; i < end; {
		m := 0
		for _, p := range parts {
			if len(p.text) > m && i+len(p.text) <= end && hasRunes(folded[i:], p.text) {
				m = len(p.text)
			}
		}
		if m == 0 {
			b.WriteRune(text[i])
			i++
			continue
		}
		b.WriteString(MarkStart)
		b.WriteString(string(text[i : i+m]))
		b.WriteString(MarkEnd)
		i += m
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

func hasRunes(s, prefix []rune) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i, r := range prefix {
		if s[i] != r {
			return false
		}
	}
	return true
}

func indexRunes(s, sub []rune, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if hasRunes(s[i:], sub) {
			return i
		}
	}
	return -1
}

// rebuildSearchSQL empties the search index and indexes each page's current
// revision, as migration 5 does.
var rebuildSearchSQL = []string{
	"DROP TABLE search",
	"DROP TABLE search_title",
	`CREATE VIRTUAL TABLE search USING fts4 (content="", order=desc, t, b, c)`,
	`CREATE VIRTUAL TABLE search_title USING fts4 (content="", order=desc, t, c)`,
	`INSERT INTO search (docid, t, b, c)
	SELECT r.id, fa_bigrams(p.title), fa_bigrams(p.body), fa_chars(p.title, p.body)
	FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
	ORDER BY r.id`,
	`INSERT INTO search_title (docid, t, c)
	SELECT r.id, fa_bigrams(p.title), fa_chars(p.title, '')
	FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
	ORDER BY r.id`,
}

// SearchIndexRows returns how many rows the search index holds and how
// many of them are stale (the revision they index has been replaced by a
// newer one): a changed page leaves its old row behind until RebuildSearch.
func (db *DB) SearchIndexRows(ctx context.Context) (rows, stale int, err error) {
	if err := db.flushSearch(ctx); err != nil {
		return 0, 0, fmt.Errorf("store: search index rows: %w", err)
	}
	err = db.r.QueryRowContext(ctx, `SELECT count(*), count(*) - (SELECT count(*) FROM pages) FROM search_docsize`).Scan(&rows, &stale)
	if err != nil {
		return 0, 0, fmt.Errorf("store: search index rows: %w", err)
	}
	return rows, max(stale, 0), nil
}

// RebuildSearch rebuilds the search index from the pages, in one
// transaction, dropping the stale rows changed pages leave behind (see
// SearchIndexRows). Searches keep working on the old index meanwhile.
func (db *DB) RebuildSearch(ctx context.Context) error {
	err := db.write(ctx, func(tx *wtx) error {
		// Rows other requests of the batch queued are in pages by now:
		// the rebuild indexes them.
		tx.index = tx.index[:0]
		for _, q := range rebuildSearchSQL {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: rebuild search index: %w", err)
	}
	return nil
}

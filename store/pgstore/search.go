package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive/store"
)

// Search on PostgreSQL: the SQLite store's queries, tokens and ranking
// (store/search.go, SCHEMA.md "Full-text search") over the search table of
// migrations/0002_search.sql. Each query part becomes lexemes: a word or a
// one-character part itself, a longer Han part its bigrams; the AND of all
// of them is looked up in a GIN index (doc for anywhere, title for the
// title), and a Han part of three or more characters is then checked as a
// substring of the stored title or body (what SQLite's phrase of bigrams
// matches). As in SQLite the ranking looks at the newest
// store.CandidateLimit matches (newest by current revision) in the title
// and anywhere, and scores them from the parts' hits in their stored title
// and body, counted as FTS4's matchinfo counts them (see partHits).

// avgBodyLen caches the average body length (in tokens) over the index,
// which the BM25 body term divides by: a scan of the table, so it is
// computed at most once a minute.
type avgBodyLen struct {
	mu  sync.Mutex
	v   float64
	at  time.Time
	has bool
}

const avgBodyLenAge = time.Minute

func (db *DB) avgBodyLen(ctx context.Context) (float64, error) {
	a := &db.w.avg
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.has && time.Since(a.at) < avgBodyLenAge {
		return a.v, nil
	}
	var v float64
	// As FTS4's matchinfo 'a': the mean rounded to a whole token.
	if err := db.pool.QueryRow(ctx, "SELECT coalesce((sum(body_len) + count(*) / 2) / nullif(count(*), 0), 0)::float8 FROM search").Scan(&v); err != nil {
		return 0, err
	}
	a.v, a.at, a.has = v, time.Now(), true
	return v, nil
}

// queryPlan is a parsed query as the SQL needs it.
type queryPlan struct {
	parts   []store.QueryPart
	lexemes [][]string // of each part, in order
	phrases []string   // Han parts of three or more characters, checked as substrings
}

func planQuery(parts []store.QueryPart) queryPlan {
	qp := queryPlan{parts: parts}
	for _, p := range parts {
		lex := []string{p.Text}
		if p.Han && p.Len() > 1 {
			lex = p.Bigrams()
		}
		if p.Han && p.Len() > 2 {
			qp.phrases = append(qp.phrases, p.Text)
		}
		qp.lexemes = append(qp.lexemes, lex)
	}
	return qp
}

// Search runs a full-text query over titles and bodies, as the SQLite
// store's Search does: the same parts, matches and ranking (a title match
// outranks any number of body matches; ties go to the newer page), and the
// same snippets.
func (db *DB) Search(ctx context.Context, opt store.SearchOptions) ([]store.SearchHit, error) {
	q, err := store.ParseQuery(opt.Query)
	if err != nil {
		return nil, err
	}
	parts := q.Parts()
	if len(parts) == 0 {
		return []store.SearchHit{}, nil
	}
	if opt.Limit <= 0 {
		opt.Limit = 20
	}
	qp := planQuery(parts)
	avg, err := db.avgBodyLen(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", q.Short(), err)
	}
	scores := map[int64]float64{}
	// Both candidate queries in one round trip: a batch, which runs as one
	// implicit transaction (one snapshot), and looks matches up in the GIN
	// indexes only (set_config ... local, for that transaction): the planner
	// counts testing a row's tsvector as cheap, but it is stored out of line
	// (TOAST) and compressed, so a sequential scan, or an index scan in
	// revision order that tests each row, costs some 25-100 µs a row, where
	// the GIN index (whose matches need no recheck) reads no tsvector.
	b := &pgx.Batch{}
	b.Queue("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)")
	for _, title := range []bool{false, true} {
		sql, args := candidateQuery(qp, opt, title)
		b.Queue(sql, args...).Query(func(rows pgx.Rows) error { return scoreCandidates(rows, qp, title, avg, scores) })
	}
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", q.Short(), err)
	}
	ranked := store.TopRanked(scores, opt.Limit)
	ids := make([]int64, len(ranked))
	for i, s := range ranked {
		ids[i] = s.ID
	}
	rows, err := db.pool.Query(ctx, "SELECT id, url, title, body, published, site FROM pages WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", q.Short(), err)
	}
	byID := make(map[int64]store.SearchHit, len(ids))
	for rows.Next() {
		var (
			id        int64
			h         store.SearchHit
			body      string
			published *string
		)
		if err := rows.Scan(&id, &h.URL, &h.Title, &body, &published, &h.Site); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgstore: search %q: %w", q.Short(), err)
		}
		if published != nil {
			if t, err := time.Parse(time.RFC3339Nano, *published); err == nil {
				h.Published = &t
			}
		}
		h.Snippet = q.Snippet(body)
		byID[id] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: search %q: %w", q.Short(), err)
	}
	hits := make([]store.SearchHit, 0, len(ranked))
	for _, s := range ranked {
		h, ok := byID[s.ID]
		if !ok {
			continue // deleted since
		}
		h.Rank = s.Rank
		hits = append(hits, h)
	}
	return hits, nil
}

// candidateQuery returns the query of the newest store.CandidateLimit
// pages that match qp (in the title only, with title), with their body
// length, title and (when the ranking needs it) body.
func candidateQuery(qp queryPlan, opt store.SearchOptions, title bool) (string, []any) {
	args := []any{tsquery(qp)}
	// The body's hits of the parts that are not one character (which
	// score by presence): counted in the query where a substring count is
	// FTS4's count (see bodyCounted), else in Go from the body.
	col, body, counts := "s.doc", "''", "'{}'::integer[]"
	if title {
		col = "s.title"
	} else if qp.bodyInGo() {
		body = "p.body"
	} else {
		var cs []string
		for _, p := range qp.parts {
			if p.Han && p.Len() > 1 {
				args = append(args, p.Text)
				n := strconv.Itoa(len(args))
				cs = append(cs, "(length(p.body) - length(replace(p.body, $"+n+", ''))) / length($"+n+")")
			}
		}
		if len(cs) > 0 {
			counts = "ARRAY[" + strings.Join(cs, ", ") + "]"
		}
	}
	where := []string{col + " @@ $1::tsquery"}
	for _, ph := range qp.phrases {
		args = append(args, ph)
		n := strconv.Itoa(len(args))
		if title {
			where = append(where, "strpos(p.title, $"+n+") > 0")
		} else {
			where = append(where, "(strpos(p.title, $"+n+") > 0 OR strpos(p.body, $"+n+") > 0)")
		}
	}
	if opt.Site != "" {
		args = append(args, opt.Site)
		where = append(where, "p.site = $"+strconv.Itoa(len(args)))
	}
	if !opt.Since.IsZero() {
		args = append(args, ts(opt.Since))
		where = append(where, "coalesce(p.published_utc, p.first_seen_at) >= $"+strconv.Itoa(len(args)))
	}
	var q string
	if len(where) == 1 {
		// The newest matches first, then their pages.
		q = fmt.Sprintf(`SELECT s.page_id, s.body_len, p.title, %s, %s FROM (SELECT page_id, body_len, revision_id FROM search s
			WHERE %s ORDER BY revision_id DESC LIMIT %d) s JOIN pages p ON p.id = s.page_id`, body, counts, where[0], store.CandidateLimit)
	} else {
		// The index's matches in revision order (OFFSET 0 keeps the
		// planner from merging the subquery), each page then checked in
		// that order until enough pass: a phrase's substring test reads
		// the bodies of the candidates it needs, not of every match.
		q = fmt.Sprintf(`SELECT s.page_id, s.body_len, p.title, %s, %s FROM (SELECT page_id, body_len, revision_id FROM search s
			WHERE %s ORDER BY revision_id DESC OFFSET 0) s JOIN pages p ON p.id = s.page_id
			WHERE %s ORDER BY s.revision_id DESC LIMIT %d`, body, counts, where[0], strings.Join(where[1:], " AND "), store.CandidateLimit)
	}
	return q, args
}

// scoreCandidates adds the score of each page of rows (candidateQuery's)
// to scores, keeping the higher score of a page seen twice.
func scoreCandidates(rows pgx.Rows, qp queryPlan, title bool, avg float64, scores map[int64]float64) error {
	words := slices.ContainsFunc(qp.parts, func(p store.QueryPart) bool { return !p.Han }) // hits counted on the tokens
	inGo := qp.bodyInGo()
	for rows.Next() {
		var (
			id          int64
			bodyLen     int
			ttext, btxt string
			counts      []int32
		)
		if err := rows.Scan(&id, &bodyLen, &ttext, &btxt, &counts); err != nil {
			return err
		}
		tpos := tokenPositions(store.IndexTokens(ttext))
		var bpos map[string][]int
		if !title && words {
			bpos = tokenPositions(store.IndexTokens(btxt))
		}
		r := 0.0
		k := 0 // the next of counts
		for i, p := range qp.parts {
			oneChar := p.Han && p.Len() == 1
			th := phraseHits(tpos, qp.lexemes[i])
			if title {
				if oneChar {
					th = 1 // the character is in the title: the title's character column
				}
				r += store.TitleScore(th)
				continue
			}
			if oneChar {
				r += store.CharScore
				continue
			}
			var bh float64
			switch {
			case bpos != nil:
				bh = phraseHits(bpos, qp.lexemes[i])
			case inGo:
				bh = float64(countOverlapping(btxt, p.Text))
			case k < len(counts):
				bh = float64(counts[k])
				k++
			}
			r += store.TitleScore(th) + store.BodyScore(bh, float64(bodyLen), avg)
		}
		if old, ok := scores[id]; !ok || r > old {
			scores[id] = r
		}
	}
	return rows.Err()
}

// bodyInGo reports whether the body's hits must be counted in Go: a part
// is a word (counted on the body's tokens, whole words folded), or a Han
// part overlaps itself (its start is its end, as 哈哈 in 哈哈哈), where
// SQL's substring count (replace) misses the overlapping hits FTS4 counts.
func (qp queryPlan) bodyInGo() bool {
	for _, p := range qp.parts {
		if !p.Han {
			return true
		}
		r := []rune(p.Text)
		for n := 1; n < len(r); n++ {
			if slices.Equal(r[:n], r[len(r)-n:]) {
				return true
			}
		}
	}
	return false
}

// tokenPositions returns each token's positions (0-based) in tokens.
func tokenPositions(tokens []string) map[string][]int {
	m := make(map[string][]int, len(tokens))
	for i, t := range tokens {
		m[t] = append(m[t], i)
	}
	return m
}

// phraseHits counts the places where the lexemes follow one another as
// tokens (one lexeme: its occurrences), as FTS4's matchinfo counts a
// phrase's hits in a column.
func phraseHits(pos map[string][]int, lexemes []string) float64 {
	if len(lexemes) == 0 {
		return 0
	}
	n := 0
next:
	for _, p := range pos[lexemes[0]] {
		for i, l := range lexemes[1:] {
			if !slices.Contains(pos[l], p+i+1) {
				continue next
			}
		}
		n++
	}
	return float64(n)
}

// countOverlapping counts the occurrences of sub in s, overlapping ones
// too. For a run of two or more Han characters that is the number of hits
// FTS4 counts for its phrase of bigrams (each occurrence is inside one Han
// run of s, where the bigrams follow one another).
func countOverlapping(s, sub string) int {
	n := 0
	for {
		i := strings.Index(s, sub)
		if i < 0 {
			return n
		}
		n++
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
}

// SearchIndexRows returns how many rows the search index holds and how many
// of them are stale (their revision is no longer their page's newest).
// Each page has one row, replaced when the page changes, so none should
// be.
func (db *DB) SearchIndexRows(ctx context.Context) (rows, stale int, err error) {
	err = db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s.revision_id <>
		(SELECT max(r.id) FROM revisions r WHERE r.page_id = s.page_id)) FROM search s`).Scan(&rows, &stale)
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: search index rows: %w", err)
	}
	return rows, stale, nil
}

// rebuildChunk is how many pages RebuildSearch indexes per statement.
const rebuildChunk = 500

// RebuildSearch rebuilds the search index from the pages in one
// transaction. Searches keep working on the old index meanwhile (the rows
// are deleted, not truncated: readers see the old ones until the commit),
// and crawls keep writing: a page saved meanwhile keeps the row of its
// newer revision.
func (db *DB) RebuildSearch(ctx context.Context) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM search"); err != nil {
			return err
		}
		last := int64(0)
		for {
			rows, err := tx.Query(ctx, `SELECT p.id, r.id, p.title, p.body FROM pages p
				JOIN LATERAL (SELECT max(id) AS id FROM revisions WHERE page_id = p.id) r ON r.id IS NOT NULL
				WHERE p.id > $1 ORDER BY p.id LIMIT $2`, last, rebuildChunk)
			if err != nil {
				return err
			}
			var (
				ids, revs    []int64
				docs, titles []string
				lens         []int32
			)
			for rows.Next() {
				var id, rev int64
				var title, body string
				if err := rows.Scan(&id, &rev, &title, &body); err != nil {
					rows.Close()
					return err
				}
				sr := newSearchRow(title, body)
				ids, revs = append(ids, id), append(revs, rev)
				docs, titles = append(docs, sr.doc), append(titles, sr.title)
				lens = append(lens, int32(sr.bodyLen))
				last = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, `INSERT INTO search (page_id, revision_id, doc, title, body_len)
				SELECT u.id, u.rev, u.doc::tsvector, u.title::tsvector, u.n
				FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::integer[]) AS u(id, rev, doc, title, n)
				ON CONFLICT (page_id) DO UPDATE SET revision_id = excluded.revision_id, doc = excluded.doc, title = excluded.title,
					body_len = excluded.body_len WHERE search.revision_id < excluded.revision_id`,
				ids, revs, docs, titles, lens); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return fmt.Errorf("pgstore: rebuild search index: %w", err)
	}
	return nil
}

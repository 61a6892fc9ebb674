package pgstore

import (
	"strconv"
	"strings"

	"github.com/finarchive/finarchive/store"
)

// The search index's rows in tsvector form (see migrations/0002_search.sql).
// The lexemes are store.IndexTokens and store.IndexChars, written as a
// tsvector literal and cast (no text-search configuration touches them).

// tsvector limits of PostgreSQL: a lexeme is at most 2047 bytes, a
// position at most 16383 (larger ones are stored as 16383), a lexeme keeps
// at most 256 positions, and a tsvector's lexemes take under 1 MiB.
const (
	maxLexemeBytes = 2046
	maxPosition    = 16383
	maxPositions   = 256
	maxLexemeTotal = 1<<20 - 64<<10 // leave room for the positions' headers
)

// searchRow is the index row of a page's current version.
type searchRow struct {
	doc, title string // tsvector literals without positions
	t, b       string // with positions
	bodyLen    int
}

// newSearchRow makes the index row of a page with title and body.
func newSearchRow(title, body string) searchRow {
	tt := store.IndexTokens(title)
	bt := store.IndexTokens(body)
	tc := store.IndexChars(title)
	all := store.IndexChars(title, body)
	r := searchRow{bodyLen: len(bt)}
	r.t = positioned(tt)
	r.b = positioned(bt)
	r.title = bare(tt, tc)
	r.doc = bare(tt, bt, all)
	return r
}

// appendLexeme appends lex quoted as a tsvector lexeme.
func appendLexeme(sb *strings.Builder, lex string) {
	sb.WriteByte('\'')
	if strings.ContainsAny(lex, `'\`) {
		lex = strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(lex)
	}
	sb.WriteString(lex)
	sb.WriteByte('\'')
}

// bare returns the distinct lexemes of the lists as a tsvector literal
// without positions.
func bare(lists ...[]string) string {
	seen := make(map[string]struct{}, 256)
	var sb strings.Builder
	total := 0
	for _, l := range lists {
		for _, lex := range l {
			if len(lex) > maxLexemeBytes {
				continue
			}
			if _, ok := seen[lex]; ok {
				continue
			}
			if total += len(lex); total > maxLexemeTotal {
				return sb.String()
			}
			seen[lex] = struct{}{}
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			appendLexeme(&sb, lex)
		}
	}
	return sb.String()
}

// positioned returns the tokens as a tsvector literal with their positions
// (1-based, at most maxPositions of a lexeme, positions past maxPosition
// dropped: they would all read as maxPosition).
func positioned(tokens []string) string {
	type entry struct {
		lex string
		pos []int
	}
	idx := make(map[string]int, len(tokens)/2+1)
	var es []entry
	total := 0
	for i, lex := range tokens {
		p := i + 1
		if p > maxPosition {
			break
		}
		if len(lex) > maxLexemeBytes {
			continue
		}
		j, ok := idx[lex]
		if !ok {
			if total+len(lex) > maxLexemeTotal {
				continue
			}
			total += len(lex)
			j = len(es)
			idx[lex] = j
			es = append(es, entry{lex: lex})
		}
		if len(es[j].pos) < maxPositions {
			es[j].pos = append(es[j].pos, p)
		}
	}
	var sb strings.Builder
	for i, e := range es {
		if i > 0 {
			sb.WriteByte(' ')
		}
		appendLexeme(&sb, e.lex)
		for k, p := range e.pos {
			if k == 0 {
				sb.WriteByte(':')
			} else {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Itoa(p))
		}
	}
	return sb.String()
}

// tsquery returns the AND of the lexemes as a tsquery literal.
func tsquery(lexemes []string) string {
	var sb strings.Builder
	for i, lex := range lexemes {
		if i > 0 {
			sb.WriteString(" & ")
		}
		appendLexeme(&sb, lex)
	}
	return sb.String()
}

package pgstore

import (
	"strings"

	"github.com/finarchive/finarchive/store"
)

// The search index's rows in tsvector form (see migrations/0002_search.sql).
// The lexemes are store.IndexTokens and store.IndexChars, each once, written
// as a tsvector literal and cast (no text-search configuration touches
// them).

// tsvector limits of PostgreSQL: a lexeme is at most 2047 bytes and a
// tsvector's lexemes take under 1 MiB.
const (
	maxLexemeBytes = 2046
	maxLexemeTotal = 1<<20 - 64<<10
)

// searchRow is the index row of a page's current version.
type searchRow struct {
	doc, title string // tsvector literals (no positions)
	bodyLen    int    // tokens in the body
}

// newSearchRow makes the index row of a page with title and body.
func newSearchRow(title, body string) searchRow {
	tt := store.IndexTokens(title)
	bt := store.IndexTokens(body)
	return searchRow{
		doc:     bare(tt, bt, store.IndexChars(title, body)),
		title:   bare(tt, store.IndexChars(title)),
		bodyLen: len(bt),
	}
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

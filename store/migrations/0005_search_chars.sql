-- finarchive archive schema, migration 5: one-character search from a
-- column of distinct characters instead of a prefix index.
--
-- search had prefix="3": FTS4 kept a second entry, with positions, for
-- every token's first character (3 bytes of UTF-8), so that a query of one
-- character could run as a prefix query. That doubled the index's writes,
-- about a third of all the work of saving a page. Now each row has a third
-- column, c: the distinct Han characters of the title and body, each once
-- (fa_chars()). A one-character query matches c:卡; the bigram columns no
-- longer end each run with its last character alone (a run of one
-- character gives no bigram; c has it). search_title gets its own c (the
-- title's characters) the same way.
--
-- Both tables are rebuilt from the current revisions, as migration 3 did:
-- docid = revision id, contentless, newest first.

DROP TABLE search;
DROP TABLE search_title;

CREATE VIRTUAL TABLE search USING fts4 (content="", order=desc, t, b, c);
CREATE VIRTUAL TABLE search_title USING fts4 (content="", order=desc, t, c);

INSERT INTO search (docid, t, b, c)
SELECT r.id, fa_bigrams(p.title), fa_bigrams(p.body), fa_chars(p.title, p.body)
FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
ORDER BY r.id;
INSERT INTO search_title (docid, t, c)
SELECT r.id, fa_bigrams(p.title), fa_chars(p.title, '')
FROM pages p JOIN revisions r ON r.id = (SELECT max(id) FROM revisions WHERE page_id = p.id)
ORDER BY r.id;

//! Full-text search over the analysed ticket text, with filters.

use std::ops::Bound;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};
use time::OffsetDateTime;

use super::{Result, TicketIndex};

/// A search: free text plus optional filters, paged by offset.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub source: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// All matches, not only this page.
    pub total: usize,
}

/// Title words count twice: a title is the ticket's own summary.
const TITLE_BOOST: f32 = 2.0;

impl TicketIndex {
    /// Ranks tickets by relevance to `request.q`. Query syntax errors are
    /// forgiven (the query parser's lenient mode): support staff paste raw
    /// ticket text, not query language.
    ///
    /// # Errors
    /// tantivy errors reading the index.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchPage> {
        let f = self.fields;
        let mut parser = QueryParser::new(
            self.index.schema(),
            vec![f.title, f.body, f.notes],
            self.queries.clone(),
        );
        parser.set_field_boost(f.title, TITLE_BOOST);
        let (text_query, _ignored) = parser.parse_query_lenient(&request.q);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query)];
        if let Some(source) = &request.source {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.source, source),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if request.since.is_some() || request.until.is_some() {
            let bound = |t: Option<OffsetDateTime>, inclusive: bool| match t {
                Some(t) => {
                    let term = Term::from_field_i64(f.created, t.unix_timestamp());
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(request.since, true),
                    bound(request.until, false),
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_score();
        let (docs, total) = searcher.search(&query, &(top, Count))?;
        let mut hits = Vec::with_capacity(docs.len());
        for (score, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_str()) {
                hits.push(SearchHit {
                    id: id.to_string(),
                    score,
                });
            }
        }
        Ok(SearchPage { hits, total })
    }
}

//! What every importer produces — a [`Record`] per exported item — and the
//! reading helpers they share (envelopes of JSON exports, bytes that are
//! not UTF-8, vendor values of many shapes).

use std::borrow::Cow;

use serde_json::Value;

use super::ImportOptions;
use super::times::to_rfc3339;
use crate::ingest::{BatchError, ParsedItem};
use crate::model::{FieldError, MAX_BODY_BYTES, MAX_FIELD_BYTES, TicketDraft};

/// One exported item, mapped but not yet checked.
#[derive(Debug, Default)]
pub struct Record {
    /// 0-based position in the file.
    pub index: usize,
    /// 1-based line, for line-based files.
    pub line: Option<usize>,
    /// The vendor's own id (namespaced on finishing).
    pub id: Option<String>,
    pub title: Option<String>,
    /// Body parts, joined by blank lines: description, then comments.
    pub body: Vec<String>,
    /// The vendor's time, as written, and the field it came from.
    pub created_at: Option<(String, Cow<'static, str>)>,
    /// Vendor tags, mapped through the `[import.tags]` table.
    pub tags: Vec<String>,
    pub customer: Option<String>,
    pub service: Option<String>,
    pub severity: Option<String>,
    pub detected_at: Option<(String, Cow<'static, str>)>,
    pub resolved_at: Option<(String, Cow<'static, str>)>,
    /// Why the record cannot be imported, found while mapping it.
    pub fault: Option<FieldError>,
}

impl Record {
    pub fn new(index: usize, line: Option<usize>) -> Record {
        Record {
            index,
            line,
            ..Record::default()
        }
    }

    /// Adds a body part unless it is empty.
    pub fn push_body(&mut self, text: Option<String>) {
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            self.body.push(t);
        }
    }

    /// The draft in refrain's shape, ids namespaced by `namespace`.
    pub fn finish(self, namespace: &str, source: &str, options: &ImportOptions) -> ParsedItem {
        let item = |draft| ParsedItem {
            index: self.index,
            line: self.line,
            draft,
        };
        if let Some(fault) = self.fault.clone() {
            return item(Err(fault));
        }
        let Some(id) = self.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) else {
            return item(Err(FieldError::new(
                "id",
                "the record has no id; every exported item needs its vendor id",
            )));
        };
        let time = |t: &Option<(String, Cow<'static, str>)>| -> Result<Option<String>, FieldError> {
            match t {
                None => Ok(None),
                Some((v, _)) if v.trim().is_empty() => Ok(None),
                Some((v, field)) => to_rfc3339(v)
                    .map(Some)
                    .map_err(|e| FieldError::new(field, e)),
            }
        };
        let times = (
            time(&self.created_at),
            time(&self.detected_at),
            time(&self.resolved_at),
        );
        let (created_at, detected_at, resolved_at) = match times {
            (Ok(c), Ok(d), Ok(r)) => (c, d, r),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return item(Err(e)),
        };
        let mut tags: Vec<String> = Vec::new();
        for t in &self.tags {
            if let Some(mapped) = options.settings.tags.get(&t.to_lowercase())
                && !tags.contains(mapped)
            {
                tags.push(mapped.clone());
            }
        }
        let body = self.body.join("\n\n");
        item(Ok(TicketDraft {
            id: format!("{namespace}:{id}"),
            source: Some(options.source.clone().unwrap_or_else(|| source.to_string())),
            created_at,
            title: self.title.map(|t| cut(t.trim(), MAX_FIELD_BYTES)),
            body: Some(cut(&body, MAX_BODY_BYTES)),
            tags: (!tags.is_empty()).then_some(tags),
            customer: self.customer.map(|c| cut(&c, MAX_FIELD_BYTES)),
            service: self.service.map(|s| cut(&s, MAX_FIELD_BYTES)),
            severity: self.severity.map(|s| cut(&s, MAX_FIELD_BYTES)),
            detected_at,
            resolved_at,
            ..TicketDraft::default()
        }))
    }
}

/// `text` cut to at most `max` bytes at a character boundary: exports carry
/// pasted logs far past refrain's limits, and the start is what matters.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Bytes as text: UTF-8, or — for the odd export written in Windows-1252 or
/// Latin-1 — each byte as its Latin-1 character, so nothing is dropped.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
    }
}

/// Whether an export that comes as CSV or JSON is the JSON one.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'['))
}

/// One item of a JSON export, or why it cannot be read, and its line when
/// the file has one item per line.
pub type JsonItem = (Result<Value, String>, Option<usize>);

/// The items of a JSON export: the array under one of `keys` of the
/// top-level object, a bare top-level array, or one object per line.
/// A file cut short keeps every item before the cut; the cut itself is
/// reported as a failed last item with its line.
pub fn json_items(bytes: &[u8], keys: &[&str]) -> Result<Vec<JsonItem>, BatchError> {
    let text = decode(bytes);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => return Ok(items.into_iter().map(|v| (Ok(v), None)).collect()),
        Ok(Value::Object(mut o)) => {
            for key in keys {
                if let Some(Value::Array(items)) = o.remove(*key) {
                    return Ok(items.into_iter().map(|v| (Ok(v), None)).collect());
                }
            }
            return Ok(vec![(Ok(Value::Object(o)), Some(1))]);
        }
        Ok(_) => return Err(BatchError::NotAnArray("a JSON scalar")),
        Err(_) => {}
    }
    // One object per line (NDJSON exports), or a document cut short.
    if let Some(start) = envelope_start(&text, keys) {
        return Ok(salvage(&text, start));
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push((
            serde_json::from_str::<Value>(line).map_err(|e| {
                format!("not a JSON object: {e}; the file may be cut short or not this format")
            }),
            Some(n + 1),
        ));
    }
    if out.iter().all(|(v, _)| v.is_err()) && trimmed.starts_with('{') && !text.contains('\n') {
        return Err(BatchError::NotJson("the file is not JSON".into()));
    }
    Ok(out)
}

/// Where the array under one of `keys` starts (just after its `[`).
fn envelope_start(text: &str, keys: &[&str]) -> Option<usize> {
    let head = &text[..text.len().min(1 << 16)];
    if !head.trim_start().starts_with('{') {
        return None;
    }
    for key in keys {
        let quoted = format!("\"{key}\"");
        if let Some(at) = text.find(&quoted) {
            let rest = &text[at + quoted.len()..];
            let rest_trim = rest.trim_start().strip_prefix(':')?.trim_start();
            if rest_trim.starts_with('[') {
                return Some(text.len() - rest_trim.len() + 1);
            }
        }
    }
    None
}

/// The complete items of an array starting at `start`, then the error
/// where it breaks off.
fn salvage(text: &str, start: usize) -> Vec<JsonItem> {
    let mut out = Vec::new();
    let mut pos = start;
    loop {
        let rest = &text[pos..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\n', '\r', '\t', ',']).len();
        pos += skipped;
        if text[pos..].starts_with(']') {
            return out;
        }
        let line = text[..pos].matches('\n').count() + 1;
        let mut stream = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                pos += stream.byte_offset();
                out.push((Ok(v), Some(line)));
            }
            Some(Err(e)) => {
                out.push((
                    Err(format!("the file is cut short or broken here: {e}")),
                    Some(line),
                ));
                return out;
            }
            None => {
                out.push((
                    Err("the file ends before its list of items is closed: it is cut short".into()),
                    Some(line),
                ));
                return out;
            }
        }
    }
}

/// A string at `path` (object keys, then array indices as numbers);
/// numbers are written out, `""` and `null` are absent.
pub fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = match key.parse::<usize>() {
            Ok(i) if cur.is_array() => cur.get(i)?,
            _ => cur.get(*key)?,
        };
    }
    match cur {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Strings of the array at `key`, or of `name` in each of its objects.
pub fn strings(v: &Value, key: &str, name: Option<&str>) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| match name {
                    Some(n) => str_at(i, &[n]),
                    None => i.as_str().map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Maps each object of a JSON export with `f`, which fills the record it
/// is given or returns `None` to skip the item; an item that is not an
/// object (or the cut of a truncated file) becomes a failed record.
///
/// # Errors
/// The file is not JSON at all.
pub fn map_json(
    bytes: &[u8],
    keys: &[&str],
    mut f: impl FnMut(Record, &Value) -> Option<Record>,
) -> Result<Vec<Record>, BatchError> {
    let mut out = Vec::new();
    for (index, (item, line)) in json_items(bytes, keys)?.into_iter().enumerate() {
        match object(index, item, line) {
            Ok((record, value)) => out.extend(f(record, &value)),
            Err(fault) => out.push(*fault),
        }
    }
    Ok(out)
}

/// The record for item `index` of a JSON export, or the reason it is not
/// an object.
fn object(
    index: usize,
    item: Result<Value, String>,
    line: Option<usize>,
) -> Result<(Record, Value), Box<Record>> {
    let mut record = Record::new(index, line);
    match item {
        Ok(v) if v.is_object() => Ok((record, v)),
        Ok(_) => {
            record.fault = Some(FieldError {
                field: None,
                reason: "the item is not a JSON object".into(),
            });
            Err(Box::new(record))
        }
        Err(reason) => {
            record.fault = Some(FieldError {
                field: None,
                reason,
            });
            Err(Box::new(record))
        }
    }
}

/// A CSV export read whole: its header (names may repeat, as Jira's do)
/// and each row's fields with the line the row starts on. Fields that are
/// not UTF-8 are read as Latin-1.
pub struct CsvTable {
    pub header: Vec<String>,
    pub rows: Vec<(Vec<String>, usize)>,
}

impl CsvTable {
    /// # Errors
    /// No header row, or bytes the CSV reader cannot take.
    pub fn read(bytes: &[u8]) -> Result<CsvTable, BatchError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut rows = Vec::new();
        let mut header = None;
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    let fields: Vec<String> =
                        record.iter().map(|f| decode(f).into_owned()).collect();
                    if header.is_none() {
                        header = Some(fields.iter().map(|h| h.trim().to_string()).collect());
                    } else if fields.iter().any(|f| !f.trim().is_empty()) {
                        rows.push((fields, line));
                    }
                }
                Err(e) => return Err(BatchError::Csv(e.to_string())),
            }
        }
        let header: Vec<String> =
            header.ok_or_else(|| BatchError::Csv("the file is empty: no header row".into()))?;
        Ok(CsvTable { header, rows })
    }

    /// The positions of every column named `name` (case-insensitive).
    pub fn columns(&self, name: &str) -> Vec<usize> {
        self.header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name))
            .map(|(i, _)| i)
            .collect()
    }

    /// The first non-empty value of the columns named `name` in `row`.
    pub fn get(&self, row: &[String], name: &str) -> Option<String> {
        self.all(row, name).into_iter().next()
    }

    /// Every non-empty value of the columns named `name` in `row`.
    pub fn all(&self, row: &[String], name: &str) -> Vec<String> {
        self.columns(name)
            .into_iter()
            .filter_map(|i| row.get(i))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect()
    }
}

use serde::de::DeserializeOwned;

use super::{BatchError, Format, ParsedItem};
use crate::model::{FieldError, TicketDraft};

/// Parses a request body in `format` into items.
///
/// # Errors
/// The body as a whole is unreadable (not UTF-8, not JSON, empty).
pub fn parse_body(body: &[u8], format: Format) -> Result<Vec<ParsedItem>, BatchError> {
    let text = std::str::from_utf8(body).map_err(|_| BatchError::NotUtf8)?;
    let items = match format {
        Format::Json if text.trim_start().starts_with('{') => parse_objects(text),
        Format::Json => parse_json_array(text)?,
        Format::Ndjson => parse_ndjson(text),
        Format::Csv => super::CsvTickets::new(text.as_bytes())?.collect(),
    };
    if items.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(items)
}

/// A JSON body that starts with `{`: one (possibly pretty-printed) object,
/// or several objects one per line.
fn parse_objects(text: &str) -> Vec<ParsedItem> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => vec![ParsedItem {
            index: 0,
            line: None,
            draft: draft_from(value),
        }],
        _ => parse_ndjson(text),
    }
}

fn parse_json_array(text: &str) -> Result<Vec<ParsedItem>, BatchError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BatchError::NotJson(e.to_string()))?;
    let serde_json::Value::Array(values) = value else {
        return Err(BatchError::NotAnArray(kind(&value)));
    };
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(index, value)| ParsedItem {
            index,
            line: None,
            draft: match value {
                serde_json::Value::Object(_) => draft_from(value),
                other => Err(not_an_object(&other)),
            },
        })
        .collect())
}

fn parse_ndjson(text: &str) -> Vec<ParsedItem> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .enumerate()
        .map(|(index, (line_no, line))| parse_ndjson_line(line, index, line_no + 1))
        .collect()
}

/// Parses one NDJSON line as item `index` on (1-based) `line`.
pub fn parse_ndjson_line(line: &str, index: usize, line_no: usize) -> ParsedItem {
    let draft = if line.trim_start().starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(line);
        let parsed = draft_from_deserializer(&mut de);
        parsed.and_then(|d| {
            de.end().map(|_| d).map_err(|_| FieldError {
                field: None,
                reason: "text after the ticket object: put one ticket per line".into(),
            })
        })
    } else {
        Err(FieldError {
            field: None,
            reason: "this line is not a JSON object: put one ticket object per line".into(),
        })
    };
    ParsedItem {
        index,
        line: Some(line_no),
        draft,
    }
}

fn draft_from(value: serde_json::Value) -> Result<TicketDraft, FieldError> {
    draft_from_deserializer(value)
}

fn draft_from_deserializer<'de, D>(de: D) -> Result<TicketDraft, FieldError>
where
    D: serde::Deserializer<'de>,
    TicketDraft: DeserializeOwned,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        field_error(&path, &message)
    })
}

/// Names the field a serde error is about, and says how to fix it.
fn field_error(path: &str, message: &str) -> FieldError {
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string);
    if message.starts_with("missing field") {
        let field = quoted(message);
        let reason = match field.as_deref() {
            Some("id") => "missing field `id`: every ticket needs a unique id".to_string(),
            _ => message.to_string(),
        };
        return FieldError { field, reason };
    }
    if message.starts_with("unknown field") {
        return FieldError {
            field: quoted(message),
            reason: message.to_string(),
        };
    }
    // serde_json appends the position; it means little inside one item.
    let reason = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_string();
    let field = (!path.is_empty() && path != ".").then(|| path.to_string());
    if message.contains("EOF") || message.contains("expected") && field.is_none() {
        return FieldError {
            field,
            reason: format!("not valid JSON: {reason}"),
        };
    }
    FieldError { field, reason }
}

fn not_an_object(value: &serde_json::Value) -> FieldError {
    FieldError {
        field: None,
        reason: format!("expected a ticket object, got {}", kind(value)),
    }
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(items: &[ParsedItem]) -> Vec<(usize, Option<String>)> {
        items
            .iter()
            .filter_map(|i| i.draft.as_ref().err().map(|e| (i.index, e.field.clone())))
            .collect()
    }

    #[test]
    fn a_json_array_gives_one_item_per_element() {
        let items = parse_body(
            br#"[{"id":"a","body":"x"}, 5, {"body":"y"}, {"id":"b","tittle":"z"}]"#,
            Format::Json,
        )
        .expect("parsed");
        assert_eq!(items.len(), 4);
        assert_eq!(
            errors(&items),
            [
                (1, None),
                (2, Some("id".into())),
                (3, Some("tittle".into()))
            ]
        );
    }

    #[test]
    fn ndjson_reports_lines_and_skips_blank_ones() {
        let body = b"{\"id\":\"a\",\"body\":\"x\"}\n\n{\"id\":\"b\",\"body\":\n{\"id\":7}\n";
        let items = parse_body(body, Format::Ndjson).expect("parsed");
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].line, Some(3));
        assert_eq!(items[2].line, Some(4));
        assert_eq!(
            errors(&items),
            [(1, Some("body".into())), (2, Some("id".into()))]
        );
        let truncated = items[1].draft.as_ref().expect_err("truncated");
        assert!(
            truncated.reason.starts_with("not valid JSON"),
            "{}",
            truncated.reason
        );
    }

    #[test]
    fn whole_body_errors_are_distinguished() {
        assert!(matches!(
            parse_body(b"[{", Format::Json),
            Err(BatchError::NotJson(_))
        ));
        assert_eq!(
            parse_body(b"\"x\"", Format::Json).err(),
            Some(BatchError::NotAnArray("a string"))
        );
        assert_eq!(
            parse_body(b"[]", Format::Json).err(),
            Some(BatchError::Empty)
        );
        assert_eq!(
            parse_body(b"\n\n", Format::Ndjson).err(),
            Some(BatchError::Empty)
        );
        assert_eq!(
            parse_body(&[0xff, 0xfe], Format::Json).err(),
            Some(BatchError::NotUtf8)
        );
    }

    #[test]
    fn a_lone_object_is_one_ticket() {
        let items = parse_body(br#"{"id":"a","body":"x"}"#, Format::Json).expect("parsed");
        assert_eq!(items.len(), 1);
        assert!(items[0].draft.is_ok());
        let pretty =
            parse_body(b"{\n  \"id\": \"a\",\n  \"body\": \"x\"\n}", Format::Json).expect("parsed");
        assert_eq!(pretty.len(), 1);
        assert!(pretty[0].draft.is_ok());
    }
}

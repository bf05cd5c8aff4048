use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{BatchError, Format, ParsedItem};
use crate::model::{FieldError, TicketDraft};

/// Parses a request body in `format` into items.
///
/// # Errors
/// The body as a whole is unreadable (not UTF-8, not JSON, empty).
pub fn parse_body(body: &[u8], format: Format) -> Result<Vec<ParsedItem>, BatchError> {
    let text = std::str::from_utf8(body).map_err(|_| BatchError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(BatchError::Empty);
    }
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
    match serde_json::from_str::<Element>(text) {
        Ok(element) => vec![ParsedItem {
            index: 0,
            line: None,
            draft: element.into_draft(),
        }],
        Err(_) => parse_ndjson(text),
    }
}

fn parse_json_array(text: &str) -> Result<Vec<ParsedItem>, BatchError> {
    // An array's elements are found without reading them, then read in
    // parallel; a body that is not an array of values takes the path
    // below, which says what it is instead. Finding them checks the
    // syntax only (without recursing, so any depth is safe): an element
    // with a bad escape, a number out of range or nesting deeper than
    // serde_json reads is refused on its own, with its index.
    if let Ok(elements) = serde_json::from_str::<Vec<&RawValue>>(text) {
        return Ok(elements
            .par_iter()
            .enumerate()
            .map(|(index, element)| ParsedItem {
                index,
                line: None,
                draft: quick_draft(element.get()).map_or_else(|| element_draft(element.get()), Ok),
            })
            .collect());
    }
    let value: TopLevel =
        serde_json::from_str(text).map_err(|e| BatchError::NotJson(e.to_string()))?;
    let TopLevel::Array(elements) = value else {
        let TopLevel::Other(kind) = value else {
            unreachable!("an array is handled above")
        };
        return Err(BatchError::NotAnArray(kind));
    };
    Ok(elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| ParsedItem {
            index,
            line: None,
            draft: element.into_draft(),
        })
        .collect())
}

/// A ticket read straight into its draft: the path nearly every item
/// takes. A draft refuses unknown fields, and serde refuses a field given
/// twice, so what this accepts the careful path ([`Element`], with the
/// failing field's path) accepts too, as the same draft; what it refuses
/// goes that way for an error that names the field. Reading through a
/// `serde_json::Value` and tracking paths cost more than the rest of the
/// parse.
///
/// Objects only: serde's derive also reads a struct from an array of its
/// fields in order, which a ticket must never be.
fn quick_draft(json: &str) -> Option<TicketDraft> {
    if !json.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// One array element the careful way, with the reason it is refused.
fn element_draft(json: &str) -> Result<TicketDraft, FieldError> {
    serde_json::from_str::<Element>(json)
        .map_err(|e| FieldError {
            field: None,
            reason: format!("not valid JSON: {e}"),
        })
        .and_then(Element::into_draft)
}

/// The top of a JSON body: an array of elements, or what else it is.
enum TopLevel {
    Array(Vec<Element>),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Element::deserialize(d)? {
            Element::Array(items) => Ok(TopLevel::Array(items)),
            Element::Object { .. } => Ok(TopLevel::Other("an object")),
            Element::Scalar(kind) => Ok(TopLevel::Other(kind)),
        }
    }
}

/// One element of a JSON array, read without losing what a plain
/// `serde_json::Value` would hide: a key given twice in one object.
enum Element {
    Object {
        value: serde_json::Value,
        repeated_key: Option<String>,
    },
    Array(Vec<Element>),
    Scalar(&'static str),
}

impl Element {
    fn into_draft(self) -> Result<TicketDraft, FieldError> {
        match self {
            Element::Object {
                repeated_key: Some(key),
                ..
            } => Err(FieldError {
                field: Some(crate::model::truncate(&key, 40)),
                reason: format!(
                    "the key `{}` appears twice in this ticket; give each field once",
                    crate::model::truncate(&key, 40)
                ),
            }),
            Element::Object { value, .. } => draft_from(value),
            Element::Array(_) => Err(FieldError {
                field: None,
                reason: "expected a ticket object, got an array".into(),
            }),
            Element::Scalar(kind) => Err(FieldError {
                field: None,
                reason: format!("expected a ticket object, got {kind}"),
            }),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Element {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Element;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Element, E> {
                Ok(Element::Scalar("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Element, E> {
                Ok(Element::Scalar("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Element, E> {
                Ok(Element::Scalar("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Element, E> {
                Ok(Element::Scalar("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Element, E> {
                Ok(Element::Scalar("a string"))
            }
            fn visit_unit<E>(self) -> Result<Element, E> {
                Ok(Element::Scalar("null"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Element, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element::<Element>()? {
                    items.push(item);
                }
                Ok(Element::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Element, A::Error> {
                let mut object = serde_json::Map::new();
                let mut repeated_key = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: serde_json::Value = map.next_value()?;
                    if object.contains_key(&key) {
                        repeated_key.get_or_insert(key);
                    } else {
                        object.insert(key, value);
                    }
                }
                Ok(Element::Object {
                    value: serde_json::Value::Object(object),
                    repeated_key,
                })
            }
        }
        d.deserialize_any(Visit)
    }
}

fn parse_ndjson(text: &str) -> Vec<ParsedItem> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    lines
        .par_iter()
        .enumerate()
        .map(|(index, &(line_no, line))| parse_ndjson_line(line, index, line_no + 1))
        .collect()
}

/// Parses one NDJSON line as item `index` on (1-based) `line`.
pub fn parse_ndjson_line(line: &str, index: usize, line_no: usize) -> ParsedItem {
    let draft = if let Some(draft) = quick_draft(line) {
        Ok(draft)
    } else if line.trim_start().starts_with('{') {
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
    // serde_json appends the position; it means little inside one item
    // (and the item's own line is reported beside it).
    let message = message.split(" at line ").next().unwrap_or(message);
    if message.starts_with("unknown field") || message.starts_with("duplicate field") {
        return FieldError {
            field: quoted(message),
            reason: message.to_string(),
        };
    }
    let reason = message.to_string();
    // serde_path_to_error names an unknown position `?`: no field then.
    let field = (!path.is_empty() && path != "." && path != "?").then(|| path.to_string());
    if message.contains("EOF") || message.contains("expected") && field.is_none() {
        return FieldError {
            field,
            reason: format!("not valid JSON: {reason}"),
        };
    }
    FieldError { field, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_read_gives_the_careful_draft_and_refuses_what_it_refuses() {
        let as_value = |d: TicketDraft| serde_json::to_value(d).expect("serialises");
        let full = r#"{"id":"t-1","source":"ops","created_at":"2026-10-01T10:26:09Z",
            "title":"Login loop","body":"Can't sign in \u00e9\n again","tags":["auth"],
            "customer":"acme","manual_minutes":5,"service":"sso","severity":"sev2",
            "impact":{"users_pct":12.5}}"#;
        let quick = quick_draft(full).expect("a valid ticket reads quickly");
        let careful = element_draft(full).expect("and carefully");
        assert_eq!(as_value(quick), as_value(careful));
        for refused in [
            r#"{"id":"t-1","tittle":"typo"}"#,
            r#"{"id":"t-1","body":"a","body":"b"}"#,
            r#"{"id":"t-1","manual_minutes":"five"}"#,
            r#"{"body":"no id"}"#,
            r#"[1,2]"#,
            // The fields in order, as an array: serde's derive reads that.
            r#"["t-1",null,null,null,"hello",null,null,null,null,null,null,null,null,null,null,null,null,null]"#,
        ] {
            assert!(quick_draft(refused).is_none(), "{refused}");
            assert!(element_draft(refused).is_err(), "{refused}");
        }
    }

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
    fn an_element_that_is_no_object_or_too_deep_is_refused_alone() {
        let fields = r#"["t-1",null,null,null,"hello",null,null,null,null,null,null,null,null,null,null,null,null,null]"#;
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let body = format!(r#"[{{"id":"a","body":"x"}},{fields},{deep}]"#);
        let items = parse_body(body.as_bytes(), Format::Json).expect("parsed");
        assert_eq!(items.len(), 3);
        assert!(items[0].draft.is_ok());
        for item in &items[1..] {
            let refused = item.draft.as_ref().expect_err("refused");
            assert!(!refused.reason.is_empty());
        }
        assert!(
            items[1]
                .draft
                .as_ref()
                .is_err_and(|e| e.reason.contains("got an array"))
        );
        let line = parse_ndjson_line(fields, 0, 1);
        assert!(line.draft.is_err(), "an array line is no ticket");
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
    fn a_key_given_twice_refuses_that_item_not_the_batch() {
        let items = parse_body(
            br#"[{"id":"a","body":"x","body":"y"},{"id":"b","body":"z"}]"#,
            Format::Json,
        )
        .expect("parsed");
        let e = items[0].draft.as_ref().expect_err("duplicate key");
        assert_eq!(e.field.as_deref(), Some("body"));
        assert!(e.reason.contains("appears twice"), "{}", e.reason);
        assert!(items[1].draft.is_ok());
        let line = parse_body(
            b"{\"id\":\"a\",\"id\":\"b\",\"body\":\"x\"}\n",
            Format::Ndjson,
        )
        .expect("parsed");
        let e = line[0].draft.as_ref().expect_err("duplicate key");
        assert_eq!(e.field.as_deref(), Some("id"), "{e:?}");
        assert!(!e.reason.contains("at line"), "{}", e.reason);
    }

    #[test]
    fn an_empty_body_is_the_same_error_in_every_format() {
        for format in [Format::Json, Format::Ndjson, Format::Csv] {
            assert_eq!(
                parse_body(b"  \n", format).err(),
                Some(BatchError::Empty),
                "{format:?}"
            );
        }
    }

    #[test]
    fn a_cut_off_line_names_no_field_and_one_position() {
        let items = parse_body(
            b"{\"id\":\"a\",\"tittle\":\"x\"}\n{\"id\":\"b\",\"bo",
            Format::Ndjson,
        )
        .expect("parsed");
        let typo = items[0].draft.as_ref().expect_err("unknown field");
        assert_eq!(typo.field.as_deref(), Some("tittle"));
        assert!(!typo.reason.contains("line"), "{}", typo.reason);
        let cut = items[1].draft.as_ref().expect_err("cut off");
        assert_ne!(cut.field.as_deref(), Some("?"));
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

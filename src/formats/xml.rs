//! What the XML formats share: decoding the text in its declared encoding, and naming the root
//! element (which says the dialect) without parsing the document.

use crate::formats::ErrorKind;

/// Why an XML document could not be read: where (1 for encoding problems) and what, in words of
/// this tool's own: never a name or text from the document (a patient's name can sit in any
/// element, so the parser's own messages, which quote them, are not passed on).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct XmlError {
    /// 1-based line of the problem.
    pub line: u32,
    /// What is wrong.
    pub what: String,
    /// Whose fault: [`ErrorKind::Malformed`], or [`ErrorKind::Limit`] for entities that would
    /// expand the document beyond its budget.
    pub kind: ErrorKind,
}

/// The parser's fault in words of this tool's own: a category and never the names or text it
/// quotes.
fn describe(error: &roxmltree::Error) -> &'static str {
    use roxmltree::Error as E;
    match error {
        E::UnknownEntityReference(..) => "a reference to an entity the document does not declare",
        E::MalformedEntityReference(_) => "a malformed entity reference",
        E::EntityReferenceLoop(_) => "entity references that nest too deeply or loop",
        E::UnexpectedCloseTag(..) => "a close tag that does not match its open tag",
        E::DuplicatedAttribute(..) => "an attribute given twice",
        E::UnknownNamespace(..) | E::DuplicatedNamespace(..) => {
            "an undeclared or repeated namespace"
        }
        E::NoRootNode => "no root element",
        E::UnclosedRootNode => "the root element is never closed",
        E::NodesLimitReached | E::AttributesLimitReached | E::NamespacesLimitReached => {
            "more elements, attributes or namespaces than the parser allows"
        }
        E::NonXmlChar(..) | E::InvalidChar(..) | E::InvalidChar2(..) => {
            "a character XML does not allow here"
        }
        E::UnexpectedEndOfStream => "the document ends early",
        _ => "the document is not well-formed XML",
    }
}

/// A required element or attribute of an XML document is missing or unusable: where (the
/// element path) and what; never the element's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {what}")]
pub struct ElementError {
    /// Element path.
    pub path: String,
    /// What is wrong.
    pub what: String,
}

fn not_valid(encoding: &'static encoding_rs::Encoding) -> XmlError {
    XmlError {
        line: 1,
        what: format!("the text is not valid {}", encoding.name()),
        kind: ErrorKind::Malformed,
    }
}

/// Parses decoded XML with the one policy every reader shares: a DOCTYPE is allowed (MUSE
/// exports carry one), its external DTD is never fetched, and internal entities may add no more
/// than the document's own size (`check_entities`).
pub fn parse_document(text: &str) -> Result<roxmltree::Document<'_>, XmlError> {
    check_entities(text)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| XmlError {
        line: e.pos().row,
        what: describe(&e).into(),
        kind: ErrorKind::Malformed,
    })
}

/// Most internal entities a document may declare.
const MAX_ENTITIES: usize = 1024;

/// Internal entities (`<!ENTITY name "value">` in the DTD) are expanded wherever they are
/// referenced: a value of a few kilobytes referenced a million times is gigabytes. Before the
/// parser sees the text, every reference to a declared entity is counted at its fully expanded
/// length, and the expansion may add at most as many bytes as the document has (the parsed
/// document stays within twice the text), with at most [`MAX_ENTITIES`] declarations. Either
/// bound exceeded is a [`ErrorKind::Limit`] error naming the root element.
fn check_entities(text: &str) -> Result<(), XmlError> {
    let limit = |what: String| XmlError {
        line: 1,
        what: format!("{}: {what}", root_name(text).unwrap_or("document")),
        kind: ErrorKind::Limit,
    };
    let values = entity_values(text);
    if values.len() > MAX_ENTITIES {
        return Err(limit(format!(
            "{} internal XML entities, more than the limit of {MAX_ENTITIES}",
            values.len()
        )));
    }
    if values.is_empty() {
        return Ok(());
    }
    let mut expanded = std::collections::HashMap::new();
    let mut added: usize = 0;
    for name in references(text) {
        let length = expanded_length(name, &values, &mut expanded, 0);
        added = added.saturating_add(length);
        if added > text.len() {
            return Err(limit(format!(
                "internal XML entities expand the document by more than its own {} bytes",
                text.len()
            )));
        }
    }
    Ok(())
}

/// The declared internal entities and their values (`<!ENTITY % …>` parameter entities and
/// external ones, with no value, count as empty).
fn entity_values(text: &str) -> std::collections::HashMap<&str, &str> {
    let mut values = std::collections::HashMap::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let name = &rest[..end];
        rest = rest[end..].trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let body = &rest[1..];
                let close = body.find(quote).unwrap_or(body.len());
                rest = &body[close..];
                &body[..close]
            }
            _ => "",
        };
        values.insert(name, value);
    }
    values
}

/// The names of the general entity references (`&name;`) in `text`, character references
/// (`&#…;`) left out.
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.split('&').skip(1).filter_map(|after| {
        let end = after.find(';')?;
        let name = &after[..end];
        (!name.is_empty() && !name.starts_with('#') && end <= 256).then_some(name)
    })
}

/// The length of `name`'s value with every reference in it expanded (a loop or nesting deeper
/// than the parser's counts as unbounded).
fn expanded_length<'t>(
    name: &'t str,
    values: &std::collections::HashMap<&'t str, &'t str>,
    memo: &mut std::collections::HashMap<&'t str, usize>,
    depth: usize,
) -> usize {
    let Some(&value) = values.get(name) else {
        return 0;
    };
    if let Some(&known) = memo.get(name) {
        return known;
    }
    if depth > 16 {
        return usize::MAX;
    }
    let length = references(value).fold(value.len(), |sum, inner| {
        sum.saturating_add(expanded_length(inner, values, memo, depth + 1))
    });
    memo.insert(name, length);
    length
}

/// Decodes an XML document in its byte-order-mark or declared encoding (UTF-8 when neither).
/// The external DTD is never fetched: decoding is all that happens here.
pub fn decode_xml_text(bytes: &[u8]) -> Result<String, XmlError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if had_errors {
            Err(not_valid(encoding))
        } else {
            Ok(text.into_owned())
        };
    }
    let encoding = declared_encoding(bytes)
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(not_valid(encoding));
    }
    Ok(text.into_owned())
}

/// The `encoding="…"` of the XML declaration, read from the ASCII bytes of the first line.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head: String = bytes
        .iter()
        .take(200)
        .take_while(|&&b| b != b'>')
        .filter(|b| b.is_ascii())
        .map(|&b| b as char)
        .collect();
    let start = head.find("encoding=")? + "encoding=".len();
    let quote = head[start..].chars().next()?;
    let rest = &head[start + 1..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// The root element's local name from the first [`HEAD_BYTES`](super::HEAD_BYTES) (decoded
/// leniently: enough to tell the dialect, not to read it), so comments or a DTD of many
/// kilobytes before the root do not hide it.
pub fn sniff_root(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(super::HEAD_BYTES)];
    let (encoding, skip) = encoding_rs::Encoding::for_bom(head).unwrap_or_else(|| {
        let declared = declared_encoding(head)
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
        (declared.unwrap_or(encoding_rs::UTF_8), 0)
    });
    let (text, _) = encoding.decode_without_bom_handling(&head[skip..]);
    root_name(&text).map(str::to_string)
}

/// The local name of the root element (`RestingECG`, `AnnotatedECG`, `restingecgdata` …),
/// found by skipping the declaration, comments and the DOCTYPE; `None` if there is none.
pub fn root_name(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let open = rest.find('<')?;
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest.starts_with('?') || rest.starts_with('!') {
            rest = &rest[rest.find('>')? + 1..];
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            let name = &rest[..end];
            return Some(name.rsplit(':').next().unwrap_or(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_names() {
        assert_eq!(
            root_name(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">\n<!-- x -->\n<RestingECG>"
            ),
            Some("RestingECG")
        );
        assert_eq!(
            root_name("<v3:AnnotatedECG xmlns:v3=\"urn:hl7-org:v3\">"),
            Some("AnnotatedECG")
        );
        assert_eq!(root_name("no xml"), None);
    }

    #[test]
    fn encodings() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
        assert!(decode_xml_text(latin1).unwrap().contains('\u{e9}'));
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_xml_text(&utf16).unwrap(), "<a/>");
        assert!(decode_xml_text(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xff</a>").is_err());
    }
}

//! What the XML formats share: decoding the text in its declared encoding, and naming the root
//! element (which says the dialect) without parsing the document.

/// Why an XML document could not be read: where (1 for encoding problems) and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct XmlError {
    /// 1-based line of the problem.
    pub line: u32,
    /// The decoder's or the parser's description.
    pub what: String,
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
    }
}

/// Parses decoded XML with the one policy every reader shares: a DOCTYPE is allowed (MUSE
/// exports carry one), its external DTD is never fetched.
pub fn parse_document(text: &str) -> Result<roxmltree::Document<'_>, XmlError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| XmlError {
        line: e.pos().row,
        what: e.to_string(),
    })
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

/// The root element's local name from the first 4 KiB (decoded leniently: enough to tell the
/// dialect, not to read it).
pub fn sniff_root(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
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

//! PEM (RFC 7468) reading and writing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use elliptic_curve::pkcs8::der::pem;
use elliptic_curve::zeroize::Zeroizing;

use crate::KeyError;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";
/// RFC 7468 wraps the base64 body at 64 characters.
const LINE_WIDTH: usize = 64;

/// One decoded PEM document. The DER is zeroized on drop since it may be a private key.
pub(crate) struct PemDocument {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Decodes one PEM document; surrounding whitespace is ignored, any line width is accepted
/// (it must be consistent), and CRLF line endings are accepted.
pub(crate) fn decode(text: &str) -> Result<PemDocument, KeyError> {
    let text = text.trim();
    if text.contains("Proc-Type:") && text.contains("ENCRYPTED") {
        return Err(KeyError::EncryptedPrivateKey);
    }
    let mut decoder = pem::Decoder::new_detect_wrap(text.as_bytes()).map_err(pem_error)?;
    let label = decoder.type_label().to_owned();
    let mut der = Zeroizing::new(Vec::with_capacity(decoder.remaining_len()));
    decoder.decode_to_end(&mut der).map_err(pem_error)?;
    Ok(PemDocument { label, der })
}

fn pem_error(error: pem::Error) -> KeyError {
    let reason = match error {
        pem::Error::Base64(_) | pem::Error::EncapsulatedText => "malformed base64 body",
        pem::Error::HeaderDisallowed => "headers are not allowed",
        pem::Error::Label => "malformed or mismatched label",
        pem::Error::PreEncapsulationBoundary | pem::Error::Preamble => {
            "missing or malformed BEGIN line"
        }
        pem::Error::PostEncapsulationBoundary => "missing or malformed END line",
        _ => "malformed document",
    };
    KeyError::InvalidPem { reason }
}

/// Whether the text holds a PEM pre-encapsulation boundary.
pub(crate) fn contains_pem(text: &str) -> bool {
    text.contains(BEGIN)
}

/// Splits text holding one or more concatenated PEM documents into the documents, each
/// from its BEGIN line to the end of its END line. Text between documents is ignored
/// (RFC 7468 allows explanatory text). An unterminated document is returned as is so
/// that decoding reports it.
pub(crate) fn split_documents(text: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find(BEGIN) {
        let from_begin = rest.get(begin..).unwrap_or_default();
        let document_len = from_begin
            .find(END)
            .and_then(|end| {
                let after_end = end.checked_add(END.len())?;
                let tail = from_begin.get(after_end..)?;
                let close = tail.find(DASHES)?;
                after_end.checked_add(close)?.checked_add(DASHES.len())
            })
            .unwrap_or(from_begin.len());
        let (document, remainder) = from_begin
            .split_at_checked(document_len)
            .unwrap_or((from_begin, ""));
        documents.push(document);
        rest = remainder;
    }
    documents
}

/// Encodes DER as PEM with LF line endings, the body wrapped at 64 characters, and a
/// trailing newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out =
        String::with_capacity(body.len() + body.len() / LINE_WIDTH + 2 * label.len() + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    for (index, character) in body.chars().enumerate() {
        if index > 0 && index % LINE_WIDTH == 0 {
            out.push('\n');
        }
        out.push(character);
    }
    out.push('\n');
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;

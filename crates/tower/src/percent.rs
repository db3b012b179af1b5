//! Percent-decoding of route captures and query values (RFC 3986 §2.1).

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
/// `+` is kept as it is: a token never contains one, so form-style spaces need no support.
pub(crate) fn decode(input: &str) -> Option<String> {
    if !input.contains('%') {
        return Some(input.to_owned());
    }
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let high = bytes.next().and_then(hex_digit)?;
            let low = bytes.next().and_then(hex_digit)?;
            out.push((high << 4) | low);
        } else {
            out.push(byte);
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

#[cfg(test)]
mod tests;

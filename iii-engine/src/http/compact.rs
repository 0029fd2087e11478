//! A response body's JSON text as the engine has always written it: what serde_json prints
//! for the parsed value (no whitespace, object keys sorted and unique, numbers and strings
//! in its own spelling). Most handlers' bodies are spelled that way already; for those the
//! text is checked in one pass and sent as it is, without building a value tree and printing
//! it again. Anything the check is not sure of takes the tree.

use serde_json::Value;

/// Deeper nesting than this takes the tree: well inside the limit of its parser (128), so
/// that text this check passes is text that parser reads too.
const MAX_DEPTH: usize = 100;

/// `text` (valid JSON) as serde_json prints its value; `None` if the value cannot be read
/// (nested past the parser's limit).
pub(crate) fn compact(text: &str) -> Option<String> {
    if is_canonical(text) {
        return Some(text.to_owned());
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .map(|v| v.to_string())
}

/// Whether printing the parsed `text` gives back `text` itself.
pub(crate) fn is_canonical(text: &str) -> bool {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        at: 0,
    };
    scan.value(0) && scan.at == scan.bytes.len()
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().is_some(),
            Some(b'-' | b'0'..=b'9') => self.integer(),
            _ => ["null", "true", "false"]
                .iter()
                .any(|word| self.literal(word)),
        }
    }

    fn literal(&mut self, word: &str) -> bool {
        let found = self.bytes[self.at..].starts_with(word.as_bytes());
        if found {
            self.at += word.len();
        }
        found
    }

    /// An integer serde_json keeps exactly (an `i64` or a `u64`); fractions, exponents,
    /// `-0` and integers out of range are printed in another spelling.
    fn integer(&mut self) -> bool {
        let negative = self.eat(b'-');
        let start = self.at;
        let mut magnitude: Option<u64> = Some(0);
        while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
            magnitude = magnitude
                .and_then(|m| m.checked_mul(10))
                .and_then(|m| m.checked_add(u64::from(digit - b'0')));
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        let fits = match magnitude {
            _ if digits == 0 || leading_zero => false,
            Some(m) if negative => m != 0 && m <= i64::MIN.unsigned_abs(),
            Some(_) => true,
            None => false,
        };
        fits && !matches!(self.peek(), Some(b'.' | b'e' | b'E'))
    }

    /// A string in serde_json's spelling: raw characters but for `"`, `\` and the control
    /// characters with a short escape (the others it writes `\u00XX`, never read here).
    /// Returns the text between the quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => break,
                // Not valid JSON: never passed as it is.
                0..0x20 => return None,
                b'\\' => {
                    self.at += 1;
                    if !matches!(
                        self.peek()?,
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't'
                    ) {
                        return None;
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
        let inner = &self.bytes[start..self.at];
        self.at += 1;
        Some(inner)
    }

    fn array(&mut self, depth: usize) -> bool {
        self.at += 1;
        if self.eat(b']') {
            return true;
        }
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            if self.eat(b']') {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
        }
    }

    /// Keys strictly ascending byte-wise (the order of serde_json's map, which also keeps one
    /// of equal keys), without escapes (their order is that of the decoded text).
    fn object(&mut self, depth: usize) -> bool {
        self.at += 1;
        if self.eat(b'}') {
            return true;
        }
        let mut last: Option<&[u8]> = None;
        loop {
            let Some(key) = self.string() else {
                return false;
            };
            if key.contains(&b'\\') || last.is_some_and(|last| last >= key) {
                return false;
            }
            last = Some(key);
            if !self.eat(b':') || !self.value(depth + 1) {
                return false;
            }
            if self.eat(b'}') {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
        }
    }
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;

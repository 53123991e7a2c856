//! Text from a roster or a rule file, made safe to show: control characters that a terminal
//! would act on (C0 but tab and line feed, DEL, C1) and the Unicode bidirectional controls that
//! reorder what a reader sees are written as visible `\u{..}` escapes.

use std::borrow::Cow;

/// Whether `c` is a character a terminal or a text view would act on rather than show.
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every hostile character escaped (`ESC` becomes `\u{1b}`); borrowed when there is
/// none, which is nearly always.
pub fn visible(text: &str) -> Cow<'_, str> {
    // Printable ASCII, tab and line feed (nearly all text) in one vectorized pass over the
    // bytes; other text is checked character by character.
    let plain = |b: u8| b.wrapping_sub(0x20) < 0x5f || b == b'\t' || b == b'\n';
    // Blocks of 32 bytes are checked without stopping early inside one (so the check is
    // vectorized), and the first block with another byte ends the pass.
    let plain_ascii = text
        .as_bytes()
        .chunks(32)
        .all(|block| block.iter().fold(true, |all, &b| all & plain(b)));
    if plain_ascii || !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn escapes_what_a_terminal_would_run_and_keeps_the_rest() {
        assert_eq!(
            visible("plain, ünïcode\tand\nlines"),
            "plain, ünïcode\tand\nlines"
        );
        assert_eq!(visible("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(
            visible("a\u{9b}b\u{202e}c\rd"),
            "a\\u{9b}b\\u{202e}c\\u{d}d"
        );
    }
}

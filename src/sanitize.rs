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

/// Whether byte `b` (not a C0 control) starts no hostile character: it is not DEL nor the lead
/// byte of the C1 controls (`c2`), of U+061C (`d8`) or of the bidirectional marks (`e2`). A
/// text of such bytes and no C0 control has no hostile character, which a byte pass can tell.
#[inline(always)]
pub(crate) fn starts_no_hostile(b: u8) -> bool {
    (b != 0x7f) & (b != 0xc2) & (b != 0xd8) & (b != 0xe2)
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
    // Other text (accented names) is checked the same way for the bytes that can start a
    // hostile character: C0 controls, DEL, and the lead bytes of C1 (`c2`), U+061C (`d8`) and
    // the bidirectional marks (`e2`); only text with one of them is read character by character.
    let calm = |b: u8| (b >= 0x20 || b == b'\t' || b == b'\n') & starts_no_hostile(b);
    let calm_bytes = || {
        text.as_bytes()
            .chunks(32)
            .all(|block| block.iter().fold(true, |all, &b| all & calm(b)))
    };
    if plain_ascii || calm_bytes() || !text.chars().any(is_hostile) {
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
    use super::{is_hostile, visible};
    use proptest::prelude::*;

    proptest! {
        /// The byte passes decide as the character-by-character reading would: text of
        /// printable ASCII, accented letters, characters whose UTF-8 starts with a flagged lead
        /// byte (`c2`, `d8`, `e2`) and hostile ones, at every place.
        #[test]
        fn visible_escapes_as_a_plain_reading_does(
            chars in proptest::collection::vec(prop_oneof![
                proptest::char::range(' ', '~'),
                proptest::sample::select(vec!['é', 'ü', 'ł', 'ß', '€', '“', '—', '\u{a0}', 'س', '\t', '\n']),
                proptest::sample::select(vec!['\u{1b}', '\r', '\u{7f}', '\u{85}', '\u{9b}', '\u{61c}', '\u{200e}', '\u{202e}', '\u{2066}']),
                any::<char>(),
            ], 0..80),
        ) {
            let text: String = chars.into_iter().collect();
            let plain: String = text
                .chars()
                .map(|c| if is_hostile(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() })
                .collect();
            prop_assert_eq!(visible(&text), plain);
        }
    }

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

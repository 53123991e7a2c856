//! Text folding shared by headers, values and role names: case folded, surrounding white space
//! trimmed, and every run of spaces, hyphens and underscores read as one underscore.

/// Folds `text` to its lookup key: `" Pick-and Pack "` -> `"pick_and_pack"`.
///
/// Idempotent: folding a folded key gives the same key.
pub fn normalize_token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Like [`normalize_token`], writing into `out` (cleared first) so a hot loop can reuse one buffer.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        // Fast path: bytes, no Unicode case tables.
        let mut pending_sep = false;
        for &b in text.trim().as_bytes() {
            if b.is_ascii_whitespace() || b == b'-' || b == b'_' {
                pending_sep = !out.is_empty();
                continue;
            }
            if pending_sep {
                out.push('_');
                pending_sep = false;
            }
            out.push(b.to_ascii_lowercase() as char);
        }
        return;
    }
    let mut pending_sep = false;
    for ch in text.trim().chars() {
        if ch.is_whitespace() || ch == '-' || ch == '_' {
            pending_sep = !out.is_empty();
            continue;
        }
        if pending_sep {
            out.push('_');
            pending_sep = false;
        }
        for lower in ch.to_lowercase() {
            out.push(lower);
        }
    }
}

/// Whether `text` is its own key, what [`normalize_into`] would write being `text` itself:
/// printable ASCII with no upper case, space or hyphen, and no underscore at either end or next to
/// another. Vocabulary ids and most cells written from them (`pick_and_pack`) are; a reader looks
/// them up as they are, without copying.
pub fn is_normalized(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first() != Some(&b'_')
        && bytes.last() != Some(&b'_')
        && bytes
            .iter()
            .all(|&b| matches!(b, 0x21..=0x7e) && b != b'-' && !b.is_ascii_uppercase())
        && !bytes.windows(2).any(|pair| pair == b"__")
}

/// Splits a list cell on `;`, `|` and `,` and yields the non-empty trimmed items.
pub fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(cell);
    std::iter::from_fn(move || {
        loop {
            let text = rest?;
            // The separators are ASCII: a byte index of one is a character boundary.
            let item = match memchr::memchr3(b';', b'|', b',', text.as_bytes()) {
                Some(at) => {
                    rest = Some(&text[at + 1..]);
                    &text[..at]
                }
                None => {
                    rest = None;
                    text
                }
            };
            let item = item.trim();
            if !item.is_empty() {
                return Some(item);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_and_hyphens() {
        assert_eq!(normalize_token(" Partner ID "), "partner_id");
        assert_eq!(normalize_token("partner-id"), "partner_id");
        assert_eq!(normalize_token("PARTNER_ID"), "partner_id");
        assert_eq!(normalize_token("Pick - and -- Pack"), "pick_and_pack");
        assert_eq!(normalize_token("__x__"), "x");
        assert_eq!(normalize_token(""), "");
    }

    #[test]
    fn unicode_folds_like_ascii() {
        assert_eq!(
            normalize_token(" Überweisung - Gebühr "),
            "überweisung_gebühr"
        );
        assert_eq!(normalize_token("ÉTÉ"), "été");
    }

    proptest::proptest! {
        /// A text `is_normalized` says is its own key is: folding it changes nothing. Texts
        /// from vocabulary-like characters, so that both answers come up often.
        #[test]
        fn a_normalized_text_folds_to_itself(
            text in proptest::prop_oneof!["[ab_]{0,6}", "[a-cA_ \\-é0;\t\u{b}.]{0,8}"],
        ) {
            if is_normalized(&text) {
                proptest::prop_assert_eq!(normalize_token(&text), text);
            }
        }

        /// Items are what splitting on each separator, trimming and dropping empty ones gives.
        #[test]
        fn list_items_are_the_trimmed_non_empty_pieces(cell in "[a; |,\u{e9}\t]{0,12}") {
            let want: Vec<&str> = cell.split([';', '|', ',']).map(str::trim).filter(|s| !s.is_empty()).collect();
            proptest::prop_assert_eq!(split_list(&cell).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn names_texts_that_are_their_own_key() {
        assert!(is_normalized("pick_and_pack"));
        assert!(!is_normalized("co-marketing"));
        assert!(!is_normalized("Pick_and_pack"));
        assert!(!is_normalized("pick__and"));
        assert!(!is_normalized("_x"));
        assert!(!is_normalized("a b"));
        assert!(!is_normalized("\u{e9}t\u{e9}"));
    }

    #[test]
    fn splits_lists_on_all_separators() {
        let items: Vec<_> = split_list(" a; b |c,, d ").collect();
        assert_eq!(items, ["a", "b", "c", "d"]);
    }
}

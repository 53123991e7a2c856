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

/// Splits a list cell on `;`, `|` and `,` and yields the non-empty trimmed items.
pub fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '|', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
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

    #[test]
    fn splits_lists_on_all_separators() {
        let items: Vec<_> = split_list(" a; b |c,, d ").collect();
        assert_eq!(items, ["a", "b", "c", "d"]);
    }
}

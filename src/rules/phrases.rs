//! The `text:` section compiled: every phrase, inflection and cue of the rule set in one
//! Aho-Corasick automaton, so one pass over a description finds all of them. What the matches
//! mean in a sentence (clauses, negation scope) is `crate::text`'s business.

use std::collections::HashMap;

use aho_corasick::MatchKind;
use aho_corasick::nfa::contiguous::NFA;

use super::model::TextDef;
use super::{Fact, FactId, problem};
use crate::error::Problem;

/// What the confidence of a decision resting on text facts is multiplied by, when the rule set
/// does not say.
pub(crate) const DEFAULT_CONFIDENCE_FACTOR: f64 = 0.8;

/// The compiled `text:` section.
#[derive(Debug)]
pub(crate) struct Phrases {
    /// Every pattern (phrase forms and cues), folded, in one trie walked from the places where
    /// a phrase may start (leftmost-longest); `None` when the rule set has no phrases.
    pub automaton: Option<NFA>,

    /// What each automaton pattern is, by pattern index.
    pub patterns: Vec<Pattern>,
    /// The positions where a pattern may start, told from their first bytes.
    pub starts: StartFilter,
    /// The phrases as the rule author wrote them (folded), with the values each states.
    pub phrases: Vec<Phrase>,
    pub confidence_factor: f64,
    /// Facts whose phrases after a negated phrase are its object (see `TextDef::objects`).
    pub objects: u64,
    /// The cues as written, for `rules show` and lint.
    pub negation: Vec<String>,
    pub hedges: Vec<String>,
}

impl Default for Phrases {
    fn default() -> Self {
        Phrases {
            automaton: None,
            patterns: Vec::new(),
            starts: StartFilter::default(),
            phrases: Vec::new(),
            confidence_factor: DEFAULT_CONFIDENCE_FACTOR,
            objects: 0,
            negation: Vec::new(),
            hedges: Vec::new(),
        }
    }
}

/// One pattern of the automaton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub kind: PatternKind,
    /// Matches any word that starts with it (no word boundary needed at its end).
    pub prefix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternKind {
    /// A form of phrase `n` (an index into `Phrases::phrases`).
    Phrase(u32),
    Negation,
    /// Negates the phrases before it in its clause.
    NegationAfter,
    /// Both: negates before and after.
    NegationBoth,
    /// Joins phrases ("and").
    Conjunction,
    NotNegation,
    /// A text that states nothing although a phrase is inside it.
    Ignore,
    Hedge,
    ClauseBreak,
    ListContinues,
}

/// A test of the first bytes at a place of a folded text that every place where a pattern
/// starts passes (and few others do), so the automaton is asked only there: a byte some
/// pattern starts with, then the byte of a one-byte pattern, the two bytes of a two-byte one,
/// or a hash of the first three bytes of the longer ones.
#[derive(Debug, Default)]
pub(crate) struct StartFilter {
    /// The first bytes of all patterns.
    first: [u64; 4],
    one: [u64; 4],
    two: Vec<u64>,
    /// The first three bytes of the patterns of three to five bytes (`short`) and of the
    /// longer ones (`three`), and the first six of the longer ones (`six`), hashed.
    short: Vec<u64>,
    three: Vec<u64>,
    six: Vec<u64>,
}

impl StartFilter {
    const WORDS: usize = (1 << 16) / 64;

    fn new(patterns: &[String]) -> StartFilter {
        let mut filter = StartFilter {
            first: [0; 4],
            one: [0; 4],
            two: vec![0; Self::WORDS],
            short: vec![0; Self::WORDS],
            three: vec![0; Self::WORDS],
            six: vec![0; Self::WORDS],
        };
        for p in patterns {
            if let Some(&a) = p.as_bytes().first() {
                filter.first[usize::from(a) / 64] |= 1 << (a % 64);
            }
            match *p.as_bytes() {
                [] => {}
                [a] => filter.one[usize::from(a) / 64] |= 1 << (a % 64),
                [a, b] => set(&mut filter.two, pair(a, b)),
                [a, b, c] | [a, b, c, _] | [a, b, c, _, _] => {
                    set(&mut filter.three, triple(a, b, c));
                    set(&mut filter.short, triple(a, b, c));
                }
                [a, b, c, ..] => {
                    set(&mut filter.three, triple(a, b, c));
                    set(&mut filter.six, sextet(&p.as_bytes()[..6]));
                }
            }
        }
        filter
    }

    /// Whether a pattern may start at `text[at]` (false only where none does).
    #[inline(always)]
    pub fn may_start(&self, text: &[u8], at: usize) -> bool {
        let a = text[at];
        if self.first[usize::from(a) / 64] & (1 << (a % 64)) == 0 {
            return false;
        }
        if self.one[usize::from(a) / 64] & (1 << (a % 64)) != 0 {
            return true;
        }
        let Some(&b) = text.get(at + 1) else {
            return false;
        };
        // (A filter of no patterns has no first byte: its empty tables are never read.)
        if get(&self.two, pair(a, b)) {
            return true;
        }
        let Some(&c) = text.get(at + 2) else {
            return false;
        };
        let three = triple(a, b, c);
        // Past three bytes: a short pattern, or the first six bytes of a longer one (most
        // walks the three bytes let through end within six).
        get(&self.three, three)
            && (get(&self.short, three)
                || text
                    .get(at..at + 6)
                    .is_some_and(|six| get(&self.six, sextet(six))))
    }
}

/// The hash of six bytes, for [`StartFilter`].
fn sextet(bytes: &[u8]) -> usize {
    let mut word = [0u8; 8];
    word[..6].copy_from_slice(&bytes[..6]);
    (u64::from_le_bytes(word).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

fn pair(a: u8, b: u8) -> usize {
    usize::from(a) << 8 | usize::from(b)
}

fn triple(a: u8, b: u8, c: u8) -> usize {
    let x = u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16;
    (x.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

fn get(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

/// A phrase of the rule set and the values it states.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    /// As written in the YAML (trimmed).
    pub text: String,
    /// (fact, value) pairs the phrase states.
    pub states: Vec<(FactId, u8)>,
    /// Bitmask over facts of those the phrase states.
    pub facts: u64,
    /// The folded forms the automaton looks for (the phrase and its inflections).
    pub forms: Vec<String>,
}

/// Folds text the way descriptions are folded before matching: ASCII lower case, other letters
/// through `char::to_lowercase`, hyphens, underscores, slashes and runs of white space as one
/// space, typographic apostrophes as `'`, a line break kept (it ends a clause). `map[i]` is the
/// byte offset in `text` that output byte `i` comes from; `map` is left empty when the offsets
/// are the text's own (see [`fold_ascii`]).
pub(crate) fn fold(text: &str, out: &mut Vec<u8>, map: &mut Vec<u32>) {
    map.clear();
    if text.is_ascii() && fold_ascii(text.as_bytes(), out) {
        return;
    }
    fold_chars(text, out, map);
}

/// The fast path of [`fold`] for ASCII text in which no run of separators needs collapsing (no
/// two in a row, none at either end): one byte for one byte, so the offsets are the text's own.
/// Returns false (`out` is then rewritten by the full fold) when the text needs more.
fn fold_ascii(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    out.extend(bytes.iter().map(|&b| FOLD[usize::from(b)]));
    let separator = |b: u8| b == b' ' || b == b'\n';
    let (Some(&first), Some(&last)) = (out.first(), out.last()) else {
        return true;
    };
    // Every pair looked at (no early exit), so the loop runs many bytes at once.
    !separator(first)
        && !separator(last)
        && !out
            .windows(2)
            .fold(false, |two, w| two | (separator(w[0]) & separator(w[1])))
}

/// ASCII folding table: lower case; space, tab, hyphen, underscore and slash as a space; a
/// carriage return as a line break.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'A'..=b'Z' => b + 32,
            b' ' | b'\t' | b'-' | b'_' | b'/' | 0x0b | 0x0c => b' ',
            b'`' => b'\'',
            b'\r' => b'\n',
            _ => b,
        };
        i += 1;
    }
    t
};

fn fold_chars(text: &str, out: &mut Vec<u8>, map: &mut Vec<u32>) {
    out.clear();
    map.clear();
    let mut space = true;
    for (at, ch) in text.char_indices() {
        let at = at as u32;
        let push = |b: u8, out: &mut Vec<u8>, map: &mut Vec<u32>| {
            out.push(b);
            map.push(at);
        };
        match ch {
            '\n' | '\r' => {
                if out.last() == Some(&b' ') {
                    out.pop();
                    map.pop();
                }
                if out.last() != Some(&b'\n') {
                    push(b'\n', out, map);
                }
                space = true;
            }
            c if c.is_whitespace() || c == '-' || c == '_' || c == '/' => {
                if !space {
                    push(b' ', out, map);
                    space = true;
                }
            }
            // Apostrophes of every kind read as one.
            '\u{2019}' | '\u{2018}' | '\u{00b4}' | '\u{02bc}' | '`' => {
                push(b'\'', out, map);
                space = false;
            }
            // Dashes and bullets set a clause apart, like a semicolon; an ellipsis ends one.
            '\u{2014}' | '\u{2013}' | '\u{2022}' | '\u{00b7}' => {
                if out.last() == Some(&b' ') {
                    out.pop();
                    map.pop();
                }
                push(b';', out, map);
                push(b' ', out, map);
                space = true;
            }
            '\u{2026}' => {
                push(b'.', out, map);
                space = false;
            }
            '\u{201c}' | '\u{201d}' | '\u{201e}' => {
                push(b'"', out, map);
                space = false;
            }
            c if c.is_ascii() => {
                push((c as u8).to_ascii_lowercase(), out, map);
                space = false;
            }
            c => {
                let mut buf = [0u8; 4];
                for lower in c.to_lowercase() {
                    for &b in lower.encode_utf8(&mut buf).as_bytes() {
                        push(b, out, map);
                    }
                }
                space = false;
            }
        }
    }
    if out.last() == Some(&b' ') {
        out.pop();
        map.pop();
    }
}

/// Folds a phrase or cue to the text the automaton looks for.
pub(crate) fn fold_phrase(text: &str) -> String {
    let (mut out, mut map) = (Vec::new(), Vec::new());
    fold(text.trim(), &mut out, &mut map);
    String::from_utf8(out).unwrap_or_default()
}

/// A byte that belongs to a word: ASCII letters and digits, and any byte of a non-ASCII
/// character (letters of other scripts).
pub(crate) fn is_word_byte(b: u8) -> bool {
    WORD_BYTE[usize::from(b)]
}

const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).is_ascii_alphanumeric() || i >= 0x80;
        i += 1;
    }
    t
};

/// The forms a phrase's last word takes: as written, with -s, -es, -ed, -ing, and the spelling
/// changes of English (store: stored, storing; supply: supplies, supplied; ship: shipped,
/// shipping). Over-generated forms ("designes") are harmless: no text has them.
pub(crate) fn inflections(phrase: &str) -> Vec<String> {
    let mut forms = vec![phrase.to_string()];
    let last_start = phrase.rfind(' ').map(|i| i + 1).unwrap_or(0);
    let word = &phrase[last_start..];
    let bytes = word.as_bytes();
    if bytes.len() < 3 || !bytes.iter().all(u8::is_ascii_lowercase) {
        return forms;
    }
    let vowel = |b: u8| b"aeiou".contains(&b);
    let head = &phrase[..last_start];
    let mut add = |w: String| {
        let form = format!("{head}{w}");
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    let last = bytes[bytes.len() - 1];
    let stem = &word[..word.len() - 1];
    match last {
        b'e' => {
            add(format!("{word}s"));
            add(format!("{word}d"));
            add(format!("{stem}ing"));
        }
        b'y' if !vowel(bytes[bytes.len() - 2]) => {
            add(format!("{stem}ies"));
            add(format!("{stem}ied"));
            add(format!("{word}ing"));
        }
        b's' | b'x' | b'z' | b'h' => {
            add(format!("{word}es"));
            add(format!("{word}ed"));
            add(format!("{word}ing"));
            if last == b'h' {
                add(format!("{word}s"));
            }
        }
        _ => {
            add(format!("{word}s"));
            add(format!("{word}ed"));
            add(format!("{word}ing"));
            // Consonant-vowel-consonant: the consonant doubles (ship: shipped, shipping).
            let n = bytes.len();
            if !vowel(last)
                && !b"wxy".contains(&last)
                && vowel(bytes[n - 2])
                && !vowel(bytes[n - 3])
            {
                add(format!("{word}{}ed", last as char));
                add(format!("{word}{}ing", last as char));
            }
        }
    }
    forms
}

/// Compiles the `text:` section against the compiled facts.
pub(crate) fn compile(
    def: Option<(String, TextDef)>,
    facts: &[Fact],
    problems: &mut Vec<Problem>,
) -> Phrases {
    let Some((file, def)) = def else {
        return Phrases::default();
    };
    let mut build = Builder {
        file: file.as_str(),
        out: Phrases {
            confidence_factor: def.confidence_factor.unwrap_or(DEFAULT_CONFIDENCE_FACTOR),
            negation: def.negation.clone(),
            hedges: def.hedges.clone(),
            ..Phrases::default()
        },
        index: HashMap::new(),
        texts: Vec::new(),
        phrase_index: HashMap::new(),
    };
    if !(0.0..=1.0).contains(&build.out.confidence_factor) {
        problems.push(problem(
            build.file,
            "text.confidence_factor",
            "the confidence factor must be between 0 and 1",
        ));
    }
    for (list, kind, key) in [
        (&def.negation, PatternKind::Negation, "negation"),
        (
            &def.negation_after,
            PatternKind::NegationAfter,
            "negation_after",
        ),
        (&def.conjunctions, PatternKind::Conjunction, "conjunctions"),
        (&def.not_negation, PatternKind::NotNegation, "not_negation"),
        (&def.hedges, PatternKind::Hedge, "hedges"),
        (&def.ignore, PatternKind::Ignore, "ignore"),
        (
            &def.clause_breaks,
            PatternKind::ClauseBreak,
            "clause_breaks",
        ),
        (
            &def.list_continues,
            PatternKind::ListContinues,
            "list_continues",
        ),
    ] {
        build.add_cues(list, kind, key, problems);
    }
    let cues = build.texts.len();
    for (fact_name, values) in &def.phrases {
        build.add_fact_phrases(facts, fact_name, values, problems);
    }
    build.add_forms(cues, problems);
    build.objects(facts, &def.objects, problems);
    build.finish(problems)
}

/// The `text:` section as it is compiled.
struct Builder<'f> {
    file: &'f str,
    out: Phrases,
    /// Folded pattern text -> pattern index.
    index: HashMap<String, usize>,
    /// The automaton's patterns, by pattern index.
    texts: Vec<String>,
    /// Phrase text (folded, with its `*` or `=`) -> phrase index.
    phrase_index: HashMap<String, usize>,
}

impl Builder<'_> {
    /// The cues of one list of the section, each a pattern of `kind`; a cue listed as two kinds
    /// is a problem, except a negation that negates both ways.
    fn add_cues(
        &mut self,
        list: &[String],
        kind: PatternKind,
        key: &str,
        problems: &mut Vec<Problem>,
    ) {
        let file = self.file;
        for (i, cue) in list.iter().enumerate() {
            let folded = fold_phrase(cue);
            if folded.is_empty() {
                problems.push(problem(file, format!("text.{key}[{i}]"), "an empty cue"));
                continue;
            }
            match self.index.get(&folded) {
                // A cue that negates both ways is listed under both.
                Some(&p)
                    if matches!(
                        (self.out.patterns[p].kind, kind),
                        (PatternKind::Negation, PatternKind::NegationAfter)
                            | (PatternKind::NegationAfter, PatternKind::Negation)
                    ) =>
                {
                    self.out.patterns[p].kind = PatternKind::NegationBoth;
                }
                Some(&p) if self.out.patterns[p].kind != kind => {
                    problems.push(problem(
                        file,
                        format!("text.{key}[{i}]"),
                        format!("`{cue}` is listed as two kinds of cue"),
                    ));
                }
                Some(_) => {}
                None => {
                    self.index.insert(folded.clone(), self.texts.len());
                    self.texts.push(folded);
                    self.out.patterns.push(Pattern {
                        kind,
                        prefix: false,
                    });
                }
            }
        }
    }

    /// The phrases of one fact, value by value.
    fn add_fact_phrases(
        &mut self,
        facts: &[Fact],
        fact_name: &str,
        values: &std::collections::BTreeMap<String, Vec<String>>,
        problems: &mut Vec<Problem>,
    ) {
        let file = self.file;
        let at = format!("text.phrases.{fact_name}");
        let Some(fid) = facts.iter().position(|f| f.name == *fact_name) else {
            problems.push(
                problem(
                    file,
                    &at,
                    format!("`{fact_name}` is not a fact of the vocabulary"),
                )
                .with_help(format!(
                    "phrases state values of facts: {}",
                    facts
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return;
        };
        let fact = &facts[fid];
        for (value_id, list) in values {
            let vat = format!("{at}.{value_id}");
            let Some(v) = fact.values.iter().position(|v| v.id == *value_id) else {
                problems.push(
                    problem(
                        file,
                        &vat,
                        format!("`{value_id}` is not a value of `{fact_name}`"),
                    )
                    .with_help(format!(
                        "its values are: {}",
                        fact.values
                            .iter()
                            .map(|v| v.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                continue;
            };
            for (i, written) in list.iter().enumerate() {
                self.add_phrase(written, (fid, v as u8), &format!("{vat}[{i}]"), problems);
            }
        }
    }

    /// One phrase as written (`=exact`, `prefix*` or plain, inflected), stating `state`.
    fn add_phrase(
        &mut self,
        written: &str,
        state: (FactId, u8),
        at: &str,
        problems: &mut Vec<Problem>,
    ) {
        let raw = written.trim();
        let (exact, prefix, body) = if let Some(rest) = raw.strip_prefix('=') {
            (true, false, rest)
        } else if let Some(rest) = raw.strip_suffix('*') {
            (false, true, rest)
        } else {
            (false, false, raw)
        };
        let folded = fold_phrase(body);
        if folded.is_empty() || !folded.bytes().any(is_word_byte) {
            problems.push(problem(
                self.file,
                at,
                format!("the phrase `{written}` has no word to match"),
            ));
            return;
        }
        let key = format!(
            "{}{folded}{}",
            if exact { "=" } else { "" },
            if prefix { "*" } else { "" }
        );
        let n = match self.phrase_index.get(&key) {
            Some(&n) => n,
            None => {
                let n = self.out.phrases.len();
                self.phrase_index.insert(key, n);
                let forms = if exact || prefix {
                    vec![folded.clone()]
                } else {
                    inflections(&folded)
                };
                self.out.phrases.push(Phrase {
                    text: raw.to_string(),
                    states: Vec::new(),
                    facts: 0,
                    forms,
                });
                n
            }
        };
        if !self.out.phrases[n].states.contains(&state) {
            self.out.phrases[n].states.push(state);
        }
    }

    /// Each form of each phrase becomes a pattern; a form shared by two phrases states what
    /// both state (the form's pattern points at the first phrase, which takes the other's
    /// values). A form that is also one of the `cues` first patterns is a problem.
    fn add_forms(&mut self, cues: usize, problems: &mut Vec<Problem>) {
        let out = &mut self.out;
        for n in 0..out.phrases.len() {
            let prefix = out.phrases[n].text.ends_with('*');
            for form in out.phrases[n].forms.clone() {
                match self.index.get(&form) {
                    Some(&p) if p < cues => {
                        problems.push(problem(
                            self.file,
                            "text.phrases",
                            format!(
                                "`{form}` (a form of the phrase `{}`) is also a cue; a text cannot both state a value and negate, hedge or break with the same words",
                                out.phrases[n].text
                            ),
                        ));
                    }
                    Some(&p) => {
                        if let PatternKind::Phrase(first) = out.patterns[p].kind
                            && first as usize != n
                        {
                            let states = out.phrases[n].states.clone();
                            let target = &mut out.phrases[first as usize].states;
                            for s in states {
                                if !target.contains(&s) {
                                    target.push(s);
                                }
                            }
                        }
                    }
                    None => {
                        self.index.insert(form.clone(), self.texts.len());
                        self.texts.push(form);
                        out.patterns.push(Pattern {
                            kind: PatternKind::Phrase(n as u32),
                            prefix,
                        });
                    }
                }
            }
        }
        for phrase in &mut out.phrases {
            phrase.facts = phrase.states.iter().fold(0u64, |m, &(f, _)| m | 1u64 << f);
        }
    }

    /// The facts whose phrases after a negated phrase are its object.
    fn objects(&mut self, facts: &[Fact], names: &[String], problems: &mut Vec<Problem>) {
        for (i, name) in names.iter().enumerate() {
            match facts.iter().position(|f| f.name == *name) {
                Some(f) => self.out.objects |= 1u64 << f,
                None => problems.push(problem(
                    self.file,
                    format!("text.objects[{i}]"),
                    format!("`{name}` is not a fact of the vocabulary"),
                )),
            }
        }
    }

    /// The automaton over every pattern, when there are phrases.
    fn finish(mut self, problems: &mut Vec<Problem>) -> Phrases {
        if self.out.phrases.is_empty() {
            return self.out;
        }
        // A contiguous NFA, walked anchored from each place that may start a phrase (see
        // `crate::text`): a fraction of a DFA's memory and build time (a DFA of these patterns
        // cost 165M instructions to build, at every start).
        let built = aho_corasick::nfa::contiguous::Builder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .prefilter(false)
            .build(&self.texts);
        self.out.starts = StartFilter::new(&self.texts);
        match built {
            Ok(ac) => self.out.automaton = Some(ac),
            Err(e) => problems.push(problem(
                self.file,
                "text.phrases",
                format!("the phrases could not be compiled into one matcher: {e}"),
            )),
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflects_the_last_word() {
        let forms = inflections("resell");
        for f in ["resell", "resells", "reselled", "reselling"] {
            assert!(forms.contains(&f.to_string()), "{f} in {forms:?}");
        }
        let forms = inflections("ship");
        assert!(forms.contains(&"shipping".to_string()));
        assert!(forms.contains(&"shipped".to_string()));
        let forms = inflections("store");
        assert!(forms.contains(&"storing".to_string()));
        assert!(forms.contains(&"stored".to_string()));
        let forms = inflections("supply");
        assert!(forms.contains(&"supplies".to_string()));
        let forms = inflections("pick and pack");
        assert!(forms.contains(&"pick and packs".to_string()));
        assert!(forms.contains(&"pick and packing".to_string()));
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_fold_takes_the_texts_it_took_byte_by_byte(
            text in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(b" -_/\t\r\nAz9,.'`".to_vec()),
                0u8..0x80,
            ], 0..40),
        ) {
            // The loop this replaced: one byte at a time, false at the first separator after a
            // separator (or at the start), and at a separator at the end.
            let mut expected = Vec::new();
            let mut after_separator = true;
            let mut takes = true;
            for &b in &text {
                let folded = FOLD[b as usize];
                let separator = folded == b' ' || folded == b'\n';
                if separator && after_separator {
                    takes = false;
                    break;
                }
                after_separator = separator;
                expected.push(folded);
            }
            takes &= !after_separator || expected.is_empty();
            let mut out = Vec::new();
            proptest::prop_assert_eq!(fold_ascii(&text, &mut out), takes);
            if takes {
                proptest::prop_assert_eq!(out, expected);
            }
        }
    }

    #[test]
    fn word_bytes_are_letters_digits_and_non_ascii() {
        for b in 0..=255u8 {
            assert_eq!(
                is_word_byte(b),
                b.is_ascii_alphanumeric() || b >= 0x80,
                "{b}"
            );
        }
    }

    #[test]
    fn folds_like_a_description() {
        let (mut out, mut map) = (Vec::new(), Vec::new());
        fold("Pick-and  PACK\u{2019}s\n\nÉtat", &mut out, &mut map);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "pick and pack's\nétat"
        );
        assert_eq!(map.len(), out.len());
        assert_eq!(map[5], 5);
        // ASCII with single separators folds byte for byte, without a map.
        fold("Pick-and PACK, 24/7. Ops", &mut out, &mut map);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "pick and pack, 24 7. ops"
        );
        assert!(map.is_empty());
        // Doubled spaces and CRLF take the full fold, with a map.
        fold("pick  and\r\nx", &mut out, &mut map);
        assert_eq!(String::from_utf8(out.clone()).unwrap(), "pick and\nx");
        assert_eq!(map, vec![0, 1, 2, 3, 4, 6, 7, 8, 9, 11]);
    }
}

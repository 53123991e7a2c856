//! Scanning one prose cell: the automaton's matches at word starts, then a walk through them
//! and the punctuation, clause by clause, that reads each phrase as stated, negated or hedged.

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;

use super::{Hit, Reading, Scratch};
use crate::rules::RuleSet;
use crate::rules::phrases::{PatternKind, fold, is_word_byte};

/// Finds the phrases of `text` and how each is read, appending to `scratch.hits`.
pub(super) fn scan(rules: &RuleSet, text: &str, cell: u32, scratch: &mut Scratch) {
    let phrases = &rules.phrases;
    let Some(nfa) = &phrases.automaton else {
        return;
    };
    fold(text, &mut scratch.folded, &mut scratch.map);
    find_candidates(
        phrases,
        nfa,
        &scratch.folded,
        &mut scratch.ends,
        &mut scratch.candidates,
    );
    if scratch.candidates.is_empty() {
        return;
    }
    let tokens = &mut scratch.tokens;
    tokens.clear();
    tokens.extend(
        scratch
            .candidates
            .iter()
            .map(|&(s, e, p)| (s, e, phrases.patterns[p as usize].kind)),
    );
    let place = Place {
        text,
        map: &scratch.map,
        cell,
    };
    // Up to the first cue that negates or hedges, every phrase states its values: no need to
    // look at the punctuation there (most descriptions have no such cue at all).
    let first_cue = first_cue(&scratch.tokens);
    for &(s, e, kind) in &scratch.tokens[..first_cue] {
        if let PatternKind::Phrase(n) = kind {
            place.push(&mut scratch.hits, n, s, e, Reading::Stated);
        }
    }
    walk_from(
        phrases,
        &scratch.folded,
        &scratch.tokens,
        first_cue,
        &place,
        &mut scratch.hits,
    );
}

/// Leftmost-longest matches of the automaton in `folded`, as (start, end, pattern), left to
/// right. At each place that starts a word (or is not in one) and whose first bytes could start
/// a pattern, the trie is walked from there, noting every pattern that ends on the way. The
/// longest is taken where it ends a word; otherwise the next shorter one that does ("monthly"
/// where "monthly fee" runs into "monthly feedback"). After a match the search goes on at its
/// end; a prefix phrase (`warehous*`) covers the rest of its word.
fn find_candidates(
    phrases: &crate::rules::phrases::Phrases,
    nfa: &NFA,
    folded: &[u8],
    ends: &mut Vec<(u32, u32)>,
    candidates: &mut Vec<(u32, u32, u32)>,
) {
    candidates.clear();
    let valid_end = |e: usize, p: usize| {
        phrases.patterns[p].prefix
            || e == folded.len()
            || !is_word_byte(folded[e])
            || !is_word_byte(folded[e - 1])
    };
    let Ok(start) = nfa.start_state(Anchored::Yes) else {
        return;
    };
    let mut at = 0;
    while at < folded.len() {
        if at > 0 && is_word_byte(folded[at - 1]) && is_word_byte(folded[at]) {
            // Inside a word: no pattern starts before its end.
            at += folded[at..]
                .iter()
                .position(|&b| !is_word_byte(b))
                .unwrap_or(folded.len() - at);
            continue;
        }
        if !phrases.starts.may_start(folded, at) {
            at += 1;
            continue;
        }
        patterns_at(nfa, start, folded, at, ends);
        // The longest (noted last) first, then the shorter ones.
        let Some(&(p, e)) = ends.last() else {
            at += 1;
            continue;
        };
        let (p, e) = (p as usize, e as usize);
        if valid_end(e, p) {
            let mut end = e;
            if phrases.patterns[p].prefix {
                while end < folded.len() && is_word_byte(folded[end]) {
                    end += 1;
                }
            }
            candidates.push((at as u32, end as u32, p as u32));
            at = e;
            continue;
        }
        let shorter = ends[..ends.len() - 1]
            .iter()
            .rev()
            .find(|&&(q, e)| valid_end(e as usize, q as usize));
        match shorter {
            Some(&(q, e)) => {
                candidates.push((at as u32, e, q));
                at = e as usize;
            }
            None => at += 1,
        }
    }
}

/// Every (pattern, end) of the patterns that start at `text[at]`, shortest first: the trie
/// walked from its anchored start (no failure transitions) until it has nowhere to go. A match
/// state's first pattern is the one that ends there; it counts when it starts at `at` (a state
/// also carries patterns that start later, for unanchored searches).
fn patterns_at(nfa: &NFA, start: StateID, text: &[u8], at: usize, ends: &mut Vec<(u32, u32)>) {
    ends.clear();
    let mut state = start;
    for (i, &b) in text[at..].iter().enumerate() {
        state = nfa.next_state(Anchored::Yes, state, b);
        if nfa.is_special(state) {
            if nfa.is_dead(state) {
                return;
            }
            if nfa.is_match(state) {
                let p = nfa.match_pattern(state, 0);
                if nfa.pattern_len(p) == i + 1 {
                    ends.push((p.as_u32(), (at + i + 1) as u32));
                }
            }
        }
    }
}

/// Where hits are: the cell's text, the map from folded offsets to the text's (empty when
/// folding kept every byte) and the cell's index.
struct Place<'a> {
    text: &'a str,
    map: &'a [u32],
    cell: u32,
}

impl Place<'_> {
    /// The offset in the text of folded offset `i`.
    fn at(&self, i: u32) -> u32 {
        match self.map.is_empty() {
            true => i,
            false => self
                .map
                .get(i as usize)
                .copied()
                .unwrap_or(self.text.len() as u32),
        }
    }

    /// Adds the hit of phrase `n` at folded `s..e`, read as `reading`.
    fn push(&self, hits: &mut Vec<Hit>, n: u32, s: u32, e: u32, reading: Reading) {
        let (start, end) = (self.at(s), self.at(e));
        hits.push(Hit {
            phrase: n,
            start,
            end: trim_end(self.text, start, end),
            reading,
            cell: self.cell,
        });
    }
}

/// The index of the first token that negates or hedges (the tokens' count when none does); 0
/// when a cue that negates what comes before it is among them, which needs the clauses from
/// the start.
fn first_cue(tokens: &[(u32, u32, PatternKind)]) -> usize {
    let first = tokens
        .iter()
        .position(|t| {
            matches!(
                t.2,
                PatternKind::Negation
                    | PatternKind::Hedge
                    | PatternKind::NegationAfter
                    | PatternKind::NegationBoth
            )
        })
        .unwrap_or(tokens.len());
    if tokens[first..]
        .iter()
        .any(|t| matches!(t.2, PatternKind::NegationAfter | PatternKind::NegationBoth))
    {
        0
    } else {
        first
    }
}

/// Walks the text from token `first`: punctuation and tokens in order, each phrase read in the
/// scope of the cues before it in its clause.
fn walk_from(
    phrases: &crate::rules::phrases::Phrases,
    folded: &[u8],
    tokens: &[(u32, u32, PatternKind)],
    first: usize,
    place: &Place,
    hits: &mut Vec<Hit>,
) {
    let mut walk = Walk {
        scope: Reading::Stated,
        negated_any: false,
        last_negated: 0,
        conjunction: false,
        clause_first_hit: None,
        fresh_at: 0,
        aside_open: false,
    };
    let mut next = first;
    let mut i = tokens.get(first).map_or(folded.len(), |t| t.0 as usize);
    while i < folded.len() {
        if next < tokens.len() && tokens[next].0 as usize == i {
            let token = tokens[next];
            next += 1;
            walk.token(phrases, folded, token, &tokens[next..], place, hits);
            i = token.1 as usize;
            continue;
        }
        walk.punctuation(folded, i, &tokens[next..]);
        i += 1;
    }
}

/// The state of the walk through one cell's tokens.
struct Walk {
    /// How a phrase met now is read.
    scope: Reading,
    /// Whether the current negation or hedge has governed a phrase yet.
    negated_any: bool,
    /// The facts of the last phrase the current negation negated.
    last_negated: u64,
    /// A conjunction ("and") came after something negated: the next phrase ends the negation
    /// unless it is about the same fact ("no implementation and integration work", against
    /// "does not resell and implements for a day rate").
    conjunction: bool,
    /// The first hit of the current clause (for a cue that negates what comes before it);
    /// `None` until the clause has one.
    clause_first_hit: Option<usize>,
    /// Where the current cue ends, and whether an aside opened right after it is still open.
    fresh_at: usize,
    aside_open: bool,
}

impl Walk {
    /// Reads one token: a cue changes the scope, a phrase is added to `hits` as read in it.
    /// `rest` are the tokens after it.
    fn token(
        &mut self,
        phrases: &crate::rules::phrases::Phrases,
        folded: &[u8],
        (s, e, kind): (u32, u32, PatternKind),
        rest: &[(u32, u32, PatternKind)],
        place: &Place,
        hits: &mut Vec<Hit>,
    ) {
        match kind {
            // A negation inside a negation that has negated nothing yet ("does not (and
            // never has) resell") keeps the first one's aside open.
            PatternKind::Negation if self.scope == Reading::Negated && !self.negated_any => {}
            PatternKind::Negation => {
                self.open(Reading::Negated);
                self.fresh_at = e as usize;
            }
            PatternKind::Hedge => {
                self.open(Reading::Hedged);
                self.fresh_at = e as usize;
            }
            // Negating what came before only where the clause ends after it ("Resale: no.",
            // "support is not offered"), not where it goes on to a phrase ("...: no
            // embedding", which the forward reading of the cue negates).
            PatternKind::NegationAfter | PatternKind::NegationBoth => {
                let end = clause_end(folded, e as usize);
                let until = folded[e as usize..end]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(end, |k| e as usize + k);
                let phrase_follows = rest
                    .iter()
                    .take_while(|t| (t.0 as usize) < until)
                    .any(|t| matches!(t.2, PatternKind::Phrase(_)));
                if !phrase_follows {
                    self.negate_clause(hits);
                }
                if kind == PatternKind::NegationBoth {
                    self.open(Reading::Negated);
                    self.fresh_at = e as usize;
                }
            }
            PatternKind::ClauseBreak => self.end_clause(true),
            PatternKind::Conjunction => {
                self.conjunction = self.scope == Reading::Negated && self.negated_any;
            }
            PatternKind::NotNegation | PatternKind::Ignore | PatternKind::ListContinues => {}
            PatternKind::Phrase(n) => {
                let facts = phrases.phrases[n as usize].facts;
                let reading = self.reading_of(facts, phrases.objects);
                self.clause_first_hit.get_or_insert(hits.len());
                place.push(hits, n, s, e, reading);
            }
        }
    }

    /// Reads the byte at `i`, outside any token: punctuation that ends a clause, or an aside.
    /// `rest` are the tokens after it.
    fn punctuation(&mut self, folded: &[u8], i: usize, rest: &[(u32, u32, PatternKind)]) {
        match folded[i] {
            b'.' | b'!' | b'?' if ends_sentence(folded, i) => self.end_clause(true),
            b';' | b':' | b'[' | b']' | b'"' => self.end_clause(true),
            // A bracket, comma or line break right after the cue ("does not (and never has)
            // resell", "does not, as a rule, resell", "do not\nimplement") does not end it; nor
            // does the bracket or comma that closes such an aside.
            b'(' | b')' | b'\n'
                if self.scope != Reading::Stated && !self.negated_any && self.aside(folded, i) =>
            {
                self.end_clause(false)
            }
            b'(' | b')' | b'\n' => self.end_clause(true),
            b',' => {
                // A comma keeps a negation that has negated something only when a list word
                // follows in the clause ("no warehousing, picking or shipping").
                let keep = self.scope == Reading::Stated
                    || (!self.negated_any && self.aside(folded, i))
                    || {
                        let until = clause_end(folded, i + 1);
                        rest.iter()
                            .take_while(|t| {
                                (t.0 as usize) < until && t.2 != PatternKind::ClauseBreak
                            })
                            .any(|t| t.2 == PatternKind::ListContinues)
                    };
                self.end_clause(!keep);
            }
            _ => {}
        }
    }

    fn open(&mut self, scope: Reading) {
        self.scope = scope;
        self.negated_any = false;
        self.last_negated = 0;
        self.conjunction = false;
        self.aside_open = false;
    }

    /// Whether the break at `i` opens an aside right after the cue (only spaces between) or
    /// closes the one opened so.
    fn aside(&mut self, folded: &[u8], i: usize) -> bool {
        if self.aside_open {
            self.aside_open = false;
            return true;
        }
        let right_after = folded[self.fresh_at.min(i)..i].iter().all(|&b| b == b' ');
        if right_after {
            self.aside_open = folded[i] != b'\n';
        }
        right_after
    }

    /// A clause boundary: phrases after it are a new clause for a cue that negates backwards;
    /// the forward scope ends too when `scope_ends`.
    fn end_clause(&mut self, scope_ends: bool) {
        if scope_ends {
            self.open(Reading::Stated);
        }
        self.clause_first_hit = None;
    }

    /// "Implementation and support are not offered", "Resale: no": the phrases stated so far
    /// in this clause are negated.
    fn negate_clause(&mut self, hits: &mut [Hit]) {
        let from = self.clause_first_hit.unwrap_or(hits.len());
        for hit in &mut hits[from..] {
            if hit.reading == Reading::Stated {
                hit.reading = Reading::Negated;
            }
        }
    }

    /// How a phrase about `facts` is read here. After a negated phrase, a phrase only about
    /// facts in `objects` (what is sold or moved) is its object ("doesn't resell our software"
    /// says the goods are software) and states.
    fn reading_of(&mut self, facts: u64, objects: u64) -> Reading {
        if self.conjunction {
            self.conjunction = false;
            if facts & self.last_negated == 0 {
                self.open(Reading::Stated);
            }
        }
        if self.scope == Reading::Negated
            && self.negated_any
            && facts & !objects == 0
            && facts & self.last_negated == 0
        {
            return Reading::Stated;
        }
        if self.scope == Reading::Negated {
            self.negated_any = true;
            self.last_negated = facts;
        }
        if self.scope == Reading::Hedged {
            self.negated_any = true;
        }
        self.scope
    }
}

/// A matched form may end inside the text's next character when folding changed lengths;
/// the end is moved to a character boundary.
fn trim_end(text: &str, start: u32, end: u32) -> u32 {
    let mut end = (end as usize).min(text.len());
    while end > start as usize && !text.is_char_boundary(end) {
        end -= 1;
    }
    end as u32
}

/// A full stop that ends a sentence: followed by white space or the end (not "e.g" or "2.5").
fn ends_sentence(folded: &[u8], i: usize) -> bool {
    folded
        .get(i + 1)
        .is_none_or(|&b| b == b' ' || b == b'\n' || b == b'"')
}

/// Where the clause that goes on at `from` ends (hard punctuation), as an index of `folded`;
/// looked for over at most 256 bytes, so a long cell of commas stays linear.
fn clause_end(folded: &[u8], from: usize) -> usize {
    let limit = folded.len().min(from + 256);
    (from..limit)
        .find(|&j| match folded[j] {
            b'.' | b'!' | b'?' => ends_sentence(folded, j),
            b';' | b':' | b'(' | b')' | b'\n' => true,
            _ => false,
        })
        .unwrap_or(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The matches as found before the start filter: one unanchored leftmost-longest search,
    /// skipping matches inside words and asking again for the shorter ones.
    fn by_search(
        phrases: &crate::rules::phrases::Phrases,
        ac: &NFA,
        folded: &[u8],
    ) -> Vec<(u32, u32, u32)> {
        let mut candidates = Vec::new();
        let valid_end = |e: usize, p: usize| {
            phrases.patterns[p].prefix
                || e == folded.len()
                || !is_word_byte(folded[e])
                || !is_word_byte(folded[e - 1])
        };
        let starts_word =
            |s: usize| s == 0 || !is_word_byte(folded[s - 1]) || !is_word_byte(folded[s]);
        let mut pos = 0;
        'search: while pos < folded.len() {
            let matches = ac
                .try_find_iter(aho_corasick::Input::new(folded).span(pos..folded.len()))
                .expect("an unanchored search");
            for m in matches {
                let s = m.start();
                if !starts_word(s) {
                    if let Some(k) = folded[s..m.end()].iter().position(|&b| !is_word_byte(b)) {
                        pos = s + k;
                        continue 'search;
                    }
                    continue;
                }
                if valid_end(m.end(), m.pattern().as_usize()) {
                    let mut e = m.end();
                    if phrases.patterns[m.pattern().as_usize()].prefix {
                        while e < folded.len() && is_word_byte(folded[e]) {
                            e += 1;
                        }
                    }
                    candidates.push((s as u32, e as u32, m.pattern().as_u32()));
                    continue;
                }
                let mut limit = m.end() - 1;
                pos = s + 1;
                while limit > s {
                    let input = aho_corasick::Input::new(folded)
                        .span(s..limit)
                        .anchored(Anchored::Yes);
                    let Some(o) = ac.try_find(&input).expect("an anchored search") else {
                        break;
                    };
                    if valid_end(o.end(), o.pattern().as_usize()) {
                        candidates.push((s as u32, o.end() as u32, o.pattern().as_u32()));
                        pos = o.end();
                        break;
                    }
                    limit = o.end() - 1;
                }
                continue 'search;
            }
            break;
        }
        candidates
    }

    /// Words and pieces of words the built-in phrases and cues are made of, cut and run on.
    fn pieces() -> Vec<String> {
        let rules = RuleSet::builtin().expect("built-in rules");
        let phrases = &rules.phrases;
        let mut out: Vec<String> = Vec::new();
        let cues = phrases.negation.iter().chain(&phrases.hedges);
        for text in phrases
            .phrases
            .iter()
            .flat_map(|p| p.forms.iter())
            .chain(cues)
        {
            out.push(text.clone());
            for word in text.split(' ') {
                out.push(word.to_string());
                if word.len() > 2 {
                    out.push(word[..word.len() - 1].to_string());
                    out.push(word[1..].to_string());
                }
            }
        }
        out.extend(["note", "back", "s", "ing", "x", "42", "é", "réseller"].map(String::from));
        out.sort();
        out.dedup();
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn the_start_filter_finds_what_one_search_finds(
            words in proptest::collection::vec((0usize..100_000, 0usize..9), 0..14),
        ) {
            thread_local! {
                static RULES: RuleSet = RuleSet::builtin().expect("built-in rules");
                static PIECES: Vec<String> = pieces();
            }
            const JOINS: [&str; 9] = [" ", "", " ", ", ", ". ", "-", "\n", "; ", "'"];
            let text = PIECES.with(|pieces| {
                words
                    .iter()
                    .map(|&(w, j)| format!("{}{}", pieces[w % pieces.len()], JOINS[j]))
                    .collect::<String>()
            });
            RULES.with(|rules| {
                let phrases = &rules.phrases;
                let ac = phrases.automaton.as_ref().expect("the built-in rules have phrases");
                let (mut folded, mut map) = (Vec::new(), Vec::new());
                fold(&text, &mut folded, &mut map);
                let (mut fast, mut ends) = (Vec::new(), Vec::new());
                find_candidates(phrases, ac, &folded, &mut ends, &mut fast);
                prop_assert_eq!(fast, by_search(phrases, ac, &folded), "text {:?}", text);
                Ok(())
            })?;
        }
    }
}

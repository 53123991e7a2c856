//! Scanning one prose cell: the automaton's matches at word starts, then a walk through them
//! and the punctuation, clause by clause, that reads each phrase as stated, negated or hedged.

use super::{Hit, Reading, Scratch};
use crate::rules::RuleSet;
use crate::rules::phrases::{PatternKind, fold, is_word_byte};

/// Finds the phrases of `text` and how each is read, appending to `scratch.hits`.
pub(super) fn scan(rules: &RuleSet, text: &str, cell: u32, scratch: &mut Scratch) {
    let phrases = &rules.phrases;
    let Some(ac) = &phrases.automaton else {
        return;
    };
    fold(text, &mut scratch.folded, &mut scratch.map);
    find_candidates(phrases, ac, &scratch.folded, &mut scratch.candidates);
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

/// Leftmost-longest matches of the automaton in `folded`, in one pass, as (start, end,
/// pattern). A match that starts inside a word ("or" in "network") is skipped; where one runs
/// on into the next word, the search starts again at that word. Where the longest match at a
/// word's start does not end a word ("monthly fee" in "monthly feedback"), the shorter ones
/// there are tried ("monthly").
fn find_candidates(
    phrases: &crate::rules::phrases::Phrases,
    ac: &aho_corasick::AhoCorasick,
    folded: &[u8],
    candidates: &mut Vec<(u32, u32, u32)>,
) {
    candidates.clear();
    let valid_end = |e: usize, p: usize| {
        phrases.patterns[p].prefix
            || e == folded.len()
            || !is_word_byte(folded[e])
            || !is_word_byte(folded[e - 1])
    };
    let starts_word = |s: usize| s == 0 || !is_word_byte(folded[s - 1]) || !is_word_byte(folded[s]);
    let mut pos = 0;
    'search: while pos < folded.len() {
        let matches = ac.find_iter(aho_corasick::Input::new(folded).span(pos..folded.len()));
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
                // A prefix phrase (`warehous*`) covers the rest of its word.
                let mut e = m.end();
                if phrases.patterns[m.pattern().as_usize()].prefix {
                    while e < folded.len() && is_word_byte(folded[e]) {
                        e += 1;
                    }
                }
                candidates.push((s as u32, e as u32, m.pattern().as_u32()));
                continue;
            }
            // The longest match at `s` that ends before the last one tried, until one ends on
            // a word boundary.
            let mut limit = m.end() - 1;
            pos = s + 1;
            while limit > s {
                let Some(o) = ac.find(
                    aho_corasick::Input::new(folded)
                        .span(s..limit)
                        .anchored(aho_corasick::Anchored::Yes),
                ) else {
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

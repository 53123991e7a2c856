//! Lint of the `text:` section: phrases that contradict themselves, phrases a cue swallows, and
//! phrases no rule test exercises.

use super::lint::{Finding, Severity};
use crate::rules::RuleSet;
use crate::rules::phrases::fold_phrase;

/// Findings about the phrases of `rules`. `exercised[n]` tells whether some rule test's text
/// cells matched phrase `n`; `None` when no tests were run (then untested phrases are not
/// reported).
pub fn lint_phrases(rules: &RuleSet, exercised: Option<&[bool]>) -> Vec<Finding> {
    let mut out = Vec::new();
    let phrases = &rules.phrases;
    // A phrase that states two values of one one-valued fact: a text with it reads as both,
    // which the fact cannot be, so the fact stays unknown.
    for phrase in &phrases.phrases {
        for (i, &(fact, a)) in phrase.states.iter().enumerate() {
            for &(other, b) in &phrase.states[i + 1..] {
                if other == fact && a != b && !rules.facts[fact].list {
                    let f = &rules.facts[fact];
                    out.push(finding(
                        rules,
                        Severity::Warning,
                        "phrase_conflict",
                        format!(
                            "the phrase {:?} states two values of the one-valued fact {}: {} and {}; a text with it leaves {} unknown",
                            phrase.text,
                            f.name,
                            f.values[a as usize].id,
                            f.values[b as usize].id,
                            f.name
                        ),
                    ));
                }
            }
        }
    }
    // A phrase inside a negation cue or a hedge: where the cue is written, the cue is read
    // (the longest match wins), so the phrase never states anything there.
    for phrase in &phrases.phrases {
        for (kind, cues) in [
            ("negation cue", &phrases.negation),
            ("hedge", &phrases.hedges),
        ] {
            for cue in cues {
                let folded = fold_phrase(cue);
                if phrase
                    .forms
                    .iter()
                    .any(|form| *form != folded && contains_words(&folded, form))
                {
                    out.push(finding(
                        rules,
                        Severity::Warning,
                        "phrase_in_cue",
                        format!(
                            "the phrase {:?} is part of the {kind} {cue:?}: where the {kind} is written it is read as the {kind}, not as the phrase",
                            phrase.text
                        ),
                    ));
                }
            }
        }
    }
    if let Some(exercised) = exercised {
        let untested: Vec<&str> = phrases
            .phrases
            .iter()
            .zip(exercised)
            .filter(|(_, seen)| !**seen)
            .map(|(p, _)| p.text.as_str())
            .collect();
        if !untested.is_empty() {
            const SHOWN: usize = 40;
            let mut list: Vec<String> = untested
                .iter()
                .take(SHOWN)
                .map(|p| format!("{p:?}"))
                .collect();
            if untested.len() > SHOWN {
                list.push(format!("and {} more", untested.len() - SHOWN));
            }
            out.push(finding(
                rules,
                Severity::Warning,
                "untested_phrases",
                format!(
                    "{} of {} phrases are matched by no rule test (give a test case a text cell that uses them): {}",
                    untested.len(),
                    phrases.phrases.len(),
                    list.join(", ")
                ),
            ));
        }
    }
    out
}

/// `words` occurs in `text` as whole words.
fn contains_words(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + words.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn finding(rules: &RuleSet, severity: Severity, kind: &'static str, message: String) -> Finding {
    let accepted = rules
        .lint_accepts
        .iter()
        .find(|a| a.kind == kind && a.roles.is_empty());
    Finding {
        severity: if accepted.is_some() {
            Severity::Accepted
        } else {
            severity
        },
        kind,
        message,
        roles: Vec::new(),
        accepted_because: accepted.map(|a| a.because.clone()),
        witnesses: Vec::new(),
    }
}

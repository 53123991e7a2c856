//! The decision as a value: three-valued truth, a role's fit, the status and the audit finding,
//! the candidates, `Decided` (what depends only on a record's facts and declared role) and
//! `Classification` (the one result type, with its JSON form).

use std::sync::Arc;

use serde::Serialize;

use crate::facts::Record;
use crate::rules::{RoleId, RuleId};

/// A three-valued truth: a condition on an unknown fact is `Unknown`, not `False`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    /// Ruled out by the evidence.
    False,
    /// Not decided by the evidence.
    Unknown,
    /// Holds on the evidence.
    True,
}

impl Tri {
    pub(super) fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    pub(super) fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// How a role stands against a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Every condition holds.
    Fits,
    /// No condition is false, some are unknown.
    Possible,
    /// A required condition is false.
    RuledOut,
}

impl Fit {
    /// The standing as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Fits => "fits",
            Fit::Possible => "possible",
            Fit::RuledOut => "ruled_out",
        }
    }
}

/// The outcome for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// One role fits, or several that one partner can hold together (a role profile), after
    /// dropping the roles a more specific fitting role refines.
    Classified,
    /// Two or more roles fit that the taxonomy does not let one partner hold together.
    Ambiguous,
    /// No role fits the evidence.
    Unclassified,
    /// The row could not be read.
    Error,
}

impl Status {
    /// The status as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Classified => "classified",
            Status::Ambiguous => "ambiguous",
            Status::Unclassified => "unclassified",
            Status::Error => "error",
        }
    }
}

/// What an audit makes of a record: the declared roles against the held ones. When declared
/// roles stand differently, the most severe finding is the record's (in the order of the
/// variants, `Mismatch` first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// A declared role is ruled out by the evidence.
    Mismatch,
    /// A declared role is still possible but the evidence does not show it.
    Unconfirmed,
    /// Every declared role is held or refined by a held role (declared reseller, held
    /// value_added_reseller): the roster is less specific than the evidence, not wrong.
    LessSpecific,
    /// Every declared role is held, and the partner also holds roles the roster does not list.
    Incomplete,
    /// The declared roles are the held roles.
    Agree,
    /// No known role is declared.
    Undeclared,
    /// The row could not be read.
    Error,
}

impl Finding {
    /// Every finding, most severe first.
    pub const ALL: [Finding; 7] = [
        Finding::Mismatch,
        Finding::Unconfirmed,
        Finding::LessSpecific,
        Finding::Incomplete,
        Finding::Agree,
        Finding::Undeclared,
        Finding::Error,
    ];

    /// The finding as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Agree => "agree",
            Finding::Mismatch => "mismatch",
            Finding::Unconfirmed => "unconfirmed",
            Finding::LessSpecific => "less_specific",
            Finding::Incomplete => "incomplete",
            Finding::Undeclared => "undeclared",
            Finding::Error => "error",
        }
    }

    /// Whether the declared roles agree with the held ones (agree, less specific, incomplete);
    /// `None` when nothing is declared or the row could not be read.
    pub fn matches_declared(self) -> Option<bool> {
        match self {
            Finding::Agree | Finding::LessSpecific | Finding::Incomplete => Some(true),
            Finding::Mismatch | Finding::Unconfirmed => Some(false),
            Finding::Undeclared | Finding::Error => None,
        }
    }

    /// Whether a person should look at the record.
    pub fn needs_review(self) -> bool {
        matches!(
            self,
            Finding::Mismatch | Finding::Unconfirmed | Finding::Error
        )
    }
}

/// A role considered for a record, with its score (share of its top-level conditions that
/// hold; an unknown counts half).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate<'r> {
    /// The role id.
    pub role: &'r str,
    /// 0.0 to 1.0.
    pub score: f64,
    /// Fits, possible or ruled out.
    pub fit: Fit,
    /// For a held role: the known share of the facts it needs (see the decision policy in
    /// ARCHITECTURE.md). Absent for the other candidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// The part of a classification that depends only on a record's facts and declared role. The
/// engine computes it once per distinct pattern and shares it between the records that have
/// that pattern (see [`Classifier`](super::Classifier)); `id` tells writers they have rendered it before.
///
/// Its parts that many patterns have in common (the [`Outcome`], the candidates, the
/// [`Declaration`] and each sentence of the reasons) are shared between decisions, so that a
/// decision holds 112 bytes of its own (with its `Arc`) and 16 a sentence. The fields of its outcome are reached through
/// `Deref`.
#[derive(Debug, Clone)]
pub struct Decided<'r> {
    /// Unique among all decisions of a process.
    pub id: u64,
    /// The roles held or tied, and how sure: shared by every decision with the same outcome.
    pub outcome: Arc<Outcome<'r>>,
    /// The roles considered, best first.
    pub candidates: Arc<[Candidate<'r>]>,
    /// The reasons shared by every record with this pattern (a record may add its own, about
    /// values it ignored: see [`Classification::reasons`]).
    pub base_reasons: Sentences,
    /// Which of `base_reasons` says most about the decision, for a one-line view: for a
    /// mismatch the sentence ruling out a declared role, for a less specific or incomplete
    /// declaration the sentence saying so, else what decided it. Chosen where the reasons are
    /// written, by what each sentence is, never by its words.
    pub key_reason: usize,
    /// The roles the roster claims, as a mask (bit `r` for role `r`).
    pub declared: u64,
    /// What the roster claims, as typed and as read.
    pub declaration: Arc<Declaration<'r>>,
    /// Whether the held roles agree with the declared ones (true for agree, less specific and
    /// incomplete; null when none was declared).
    pub matches_declared: Option<bool>,
    /// Declared against held, the most severe: see [`Finding`].
    pub finding: Finding,
    /// Which of `base_reasons` trace the rules (the rule that decided and the facts it read,
    /// the facts each tied role fits on): bit `i` for sentence `i`. The human formats leave
    /// them out; `explain`, JSON and CSV keep them.
    pub trace_reasons: u64,
    /// The bytes of shared parts this decision made (the others were shared already).
    pub(crate) parts_bytes: u32,
}

/// The roles a decision holds or ties and how sure it is: what depends only on the evaluation
/// (status, chosen roles, confidence, fired rules). Shared by the decisions that have the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'r> {
    /// classified, ambiguous, unclassified or error.
    pub status: Status,
    /// The held roles when classified, in taxonomy order; empty otherwise.
    pub roles: Vec<&'r str>,
    /// The held role, or the held roles joined by `+` (a profile), when classified.
    pub role: Option<String>,
    /// The held roles' categories joined by `+` (each once, in the order of the roles); for
    /// ambiguous records, the category every tied role shares.
    pub category: Option<String>,
    /// The umbrella flag.
    pub channel_partner: bool,
    /// 0.0 to 1.0: how much of the evidence the decision needed was known.
    pub confidence: f64,
    /// The display names (the taxonomy's `name`) of `chosen`: the held roles when classified,
    /// the tied ones when ambiguous.
    pub names: Vec<&'r str>,
    /// The held roles (classified) or the tied roles (ambiguous).
    pub chosen: Vec<RoleId>,
    /// The rules that fit, for coverage.
    pub fired: Vec<RuleId>,
}

/// What a roster row claims: the declared-role cell as typed and as read. Shared by the
/// decisions of rows that declare the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration<'r> {
    /// The roles the roster claims, normalized to their ids and joined by `;`.
    pub declared_role: Option<String>,
    /// The display names of the declared roles, in taxonomy order.
    pub declared_names: Vec<&'r str>,
    /// The declared-role cell as the roster typed it.
    pub declared_text: Option<String>,
    /// Whether the declared-role cell names only the umbrella term (a channel partner, no
    /// role to compare against).
    pub umbrella_only: bool,
}

impl<'r> std::ops::Deref for Decided<'r> {
    type Target = Outcome<'r>;
    fn deref(&self) -> &Outcome<'r> {
        &self.outcome
    }
}

/// The classification of one record: the wire format of `--format json|jsonl`. Its fields, in
/// order: `partner_id`, `partner_name`, `status`, `roles`, `role`, `category`, `channel_partner`,
/// `confidence`, `candidates` (each `{role, score, fit}`), `reasons`, `declared_role`,
/// `matches_declared`, `warnings`, `line`, `finding` (writers add `extra`, the unknown
/// columns). The decision fields are reached through `Deref` to [`Decided`].
#[derive(Debug, Clone)]
pub struct Classification<'r> {
    /// The record key (the line number when the row had none).
    pub partner_id: String,
    /// The display name.
    pub partner_name: Option<String>,
    /// The decision, shared with other records of the same pattern.
    pub decided: Arc<Decided<'r>>,
    /// Reasons about this record alone (values it ignored), after the shared ones.
    pub own_reasons: Vec<String>,
    /// Unknown values, missing columns, duplicate ids.
    pub warnings: Vec<String>,
    /// The line the row starts on.
    pub line: u64,
}

/// The sentences of a decision's reasons. Decisions of a roster say the same few thousand
/// sentences in different combinations, so each thread interns the sentences it writes (see
/// `intern`): a decision holds one pointer a sentence, and its reasons cost it about 16
/// bytes a sentence, not the ~900 bytes of their text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sentences {
    list: Box<[Arc<str>]>,
    /// The bytes of text this decision brought into memory: those of its sentences that were
    /// not interned already (what the decision cache counts for it).
    fresh: u32,
    /// Whether the sentences went through the interner, so that equal sentences of other
    /// decisions are the same text (writers then keep their escaped forms).
    shared: bool,
}

impl Sentences {
    /// The sentences of `text` ending at `ends` (ascending offsets at character boundaries),
    /// interned when `share` (a decision that will not be kept, on a roster where patterns do
    /// not come back, is not worth the lookups).
    pub(crate) fn new(text: &str, ends: &[u32], share: bool) -> Self {
        debug_assert!(ends.last().is_none_or(|&e| e as usize == text.len()));
        let mut fresh = 0u32;
        let mut start = 0;
        let list = ends
            .iter()
            .map(|&end| {
                let sentence = &text[start..end as usize];
                start = end as usize;
                if !share {
                    fresh = fresh.saturating_add(sentence.len() as u32);
                    return Arc::from(sentence);
                }
                let (shared, new) = intern(sentence);
                if new {
                    fresh = fresh.saturating_add(sentence.len() as u32);
                }
                shared
            })
            .collect();
        Sentences {
            list,
            fresh,
            shared: share,
        }
    }

    /// Whether the sentences are shared with other decisions (see [`Sentences::new`]).
    pub(crate) fn is_shared(&self) -> bool {
        self.shared
    }

    /// How many sentences there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Sentence `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.list.get(i).map(|s| &**s)
    }

    /// The sentences in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.list.iter().map(|s| &**s)
    }

    /// The sentences as shared texts: writers keep their renderings of each (see
    /// `output::Escaped`).
    pub(crate) fn shared(&self) -> &[Arc<str>] {
        &self.list
    }

    /// The bytes held: a pointer a sentence, and the text this decision brought.
    pub(crate) fn bytes(&self) -> usize {
        self.list.len() * std::mem::size_of::<Arc<str>>() + self.fresh as usize
    }
}

/// `sentence` as a shared text, and whether it is new to this thread's interner. Each thread
/// keeps the sentences it wrote lately in a two-generation cache (see [`crate::cache`]) of at
/// most [`INTERNED`] sentences and [`INTERNED_BYTES`] bytes a generation; a sentence longer
/// than [`INTERNED_LONGEST`] bytes (one quoting a long cell) is not kept. A sentence the
/// interner has forgotten lives on in the decisions that hold it.
fn intern(sentence: &str) -> (Arc<str>, bool) {
    use std::cell::RefCell;
    thread_local! {
        static SENTENCES: RefCell<crate::cache::Generations<Arc<str>, Arc<str>>> =
            RefCell::new(crate::cache::Generations::new(INTERNED, INTERNED_BYTES));
    }
    if sentence.len() > INTERNED_LONGEST {
        return (sentence.into(), true);
    }
    SENTENCES.with(|sentences| {
        let Ok(mut sentences) = sentences.try_borrow_mut() else {
            return (sentence.into(), true);
        };
        if let Some(shared) = sentences.get_cloned(sentence) {
            return (shared, false);
        }
        let shared: Arc<str> = sentence.into();
        sentences.insert(Arc::clone(&shared), Arc::clone(&shared), sentence.len());
        (shared, true)
    })
}

/// Most sentences one generation of a thread's interner keeps.
const INTERNED: usize = 8192;
/// Most bytes of sentences one generation of a thread's interner keeps.
const INTERNED_BYTES: usize = 1 << 20;
/// The longest sentence interned, in bytes.
const INTERNED_LONGEST: usize = 512;

impl Decided<'_> {
    /// About how many bytes the decision holds: its structure, its sentence pointers and the
    /// text and shared parts it brought into memory (see [`Sentences::bytes`]).
    pub(crate) fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.base_reasons.bytes() + self.parts_bytes as usize
    }
}

impl<'r> std::ops::Deref for Classification<'r> {
    type Target = Decided<'r>;
    fn deref(&self) -> &Decided<'r> {
        &self.decided
    }
}

impl<'r> Classification<'r> {
    /// Makes this classification the one of `record` with `decided`, reusing its buffers (a
    /// streaming loop refills one classification instead of allocating one a row).
    pub fn refill(&mut self, record: &Record, decided: Arc<Decided<'r>>) {
        fn copy(into: &mut String, from: &str) {
            into.clear();
            into.push_str(from);
        }
        copy(&mut self.partner_id, &record.partner_id);
        match (&mut self.partner_name, &record.partner_name) {
            (Some(mine), Some(theirs)) => copy(mine, theirs),
            (mine, theirs) => *mine = theirs.clone(),
        }
        self.decided = decided;
        self.own_reasons.clear();
        self.own_reasons.extend_from_slice(&record.evidence);
        self.own_reasons.extend_from_slice(&record.ignored);
        self.warnings.clone_from(&record.warnings);
        self.line = record.line;
    }

    /// The reasons a person reads: every reason but the rule trace (see
    /// [`Decided::trace_reasons`]), so the definition of the held role comes first.
    pub fn plain_reasons(&self) -> impl Iterator<Item = &str> {
        let trace = self.decided.trace_reasons;
        self.reasons()
            .enumerate()
            .filter(move |&(i, _)| i >= 64 || trace & (1u64 << i) == 0)
            .map(|(_, r)| r)
    }

    /// The sentence that says most about the record for a person: the key reason, or when
    /// that is rule trace, the first plain one.
    pub fn plain_key_reason(&self) -> &str {
        let key = self.key_reason;
        if key < 64 && self.trace_reasons & (1u64 << key) != 0 {
            return self.plain_reasons().next().unwrap_or("");
        }
        self.reasons().nth(key).unwrap_or("")
    }

    /// The held roles in plain words: `Value-Added Reseller`, a profile as
    /// `Reseller + Distributor`; for an ambiguous record the tied roles with `or`; `-` when
    /// no role is held.
    pub fn role_words(&self) -> String {
        match self.status {
            Status::Classified => self.names.join(" + "),
            Status::Ambiguous => self.names.join(" or "),
            _ => "-".to_string(),
        }
    }

    /// The declared-role cell as typed, with its reading when that says more: `VAR → Value-Added
    /// Reseller`, `Partner → a channel partner only, no role`, `Reseller` (read as itself);
    /// empty when nothing was declared.
    pub fn declared_words(&self) -> String {
        let declaration = &self.declaration;
        let Some(text) = declaration.declared_text.as_deref() else {
            return String::new();
        };
        if declaration.umbrella_only {
            return format!("{text} → a channel partner only, no role");
        }
        let reading = declaration.declared_names.join(" + ");
        if reading.is_empty() || reading.eq_ignore_ascii_case(text.trim()) {
            text.to_string()
        } else {
            format!("{text} → {reading}")
        }
    }

    /// The audit finding in plain words: as its id, but `declared only as a channel partner`
    /// for a declared cell naming only the umbrella term, and empty when nothing was declared.
    pub fn finding_words(&self) -> &'static str {
        match self.finding {
            Finding::Undeclared if self.declaration.umbrella_only => {
                "declared only as a channel partner"
            }
            Finding::Undeclared => "",
            other => other.as_str(),
        }
    }

    /// Every reason: the shared ones, then this record's own.
    pub fn reasons(&self) -> impl Iterator<Item = &str> {
        self.decided
            .base_reasons
            .iter()
            .chain(self.own_reasons.iter().map(String::as_str))
    }
}

impl Serialize for Classification<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Classification", 15)?;
        out.serialize_field("partner_id", &self.partner_id)?;
        out.serialize_field("partner_name", &self.partner_name)?;
        out.serialize_field("status", &self.status)?;
        out.serialize_field("roles", &self.roles)?;
        out.serialize_field("role", &self.role)?;
        out.serialize_field("category", &self.category)?;
        out.serialize_field("channel_partner", &self.channel_partner)?;
        out.serialize_field("confidence", &self.confidence)?;
        out.serialize_field("candidates", &*self.candidates)?;
        out.serialize_field("reasons", &self.reasons().collect::<Vec<_>>())?;
        out.serialize_field("declared_role", &self.declaration.declared_role)?;
        out.serialize_field("matches_declared", &self.matches_declared)?;
        out.serialize_field("warnings", &self.warnings)?;
        out.serialize_field("line", &self.line)?;
        out.serialize_field("finding", &self.finding)?;
        out.end()
    }
}

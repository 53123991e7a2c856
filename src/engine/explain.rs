//! Everything `explain` and `check` show about one record, worked out here so that the
//! writers only format it: the evaluation, the classification, the near misses (and their
//! sentences), which held roles set each refined role aside, and what each held role's
//! confidence was computed from.

use super::{
    Classification, Evaluation, NearMiss, Status, condense, confidence_weights, evaluate_record,
    near_misses,
};
use crate::facts::Record;
use crate::rules::{RoleId, RuleSet};

/// One record explained.
pub struct Explained<'a> {
    /// The record as read.
    pub record: &'a Record,
    /// Every node's outcome, the role standings and the decision.
    pub evaluation: Evaluation,
    /// The classification, as `classify` writes it.
    pub result: Classification<'a>,
    /// The near misses: the smallest fact changes that make the record each close alternative.
    pub near_misses: Vec<NearMiss>,
    /// The near misses in words, one line each ([`super::near_miss_lines`]).
    pub near_miss_lines: Vec<String>,
    /// Each role set aside because held roles refine it, with the held roles that do.
    pub refinements: Vec<(RoleId, Vec<RoleId>)>,
    /// For each chosen role, in order: its confidence and the weights it came from (the
    /// weight of its conditions that hold on known facts, and of all of them).
    pub confidences: Vec<RoleConfidence>,
}

/// What one chosen role's confidence was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoleConfidence {
    /// The role.
    pub role: RoleId,
    /// Its confidence.
    pub confidence: f64,
    /// The weight of its top-level conditions that hold on known facts.
    pub holding: f64,
    /// The weight of all its top-level conditions.
    pub total: f64,
}

/// Evaluates, decides and explains `record`.
pub fn explain<'a>(rules: &'a RuleSet, record: &'a Record) -> Explained<'a> {
    let evaluation = evaluate_record(rules, record);
    let result = condense(rules, record, &evaluation);
    let near_misses = near_misses(rules, record, &evaluation);
    let near_miss_lines = super::near_miss_lines(rules, &record.facts, &near_misses);
    let refinements = evaluation
        .refined
        .iter()
        .map(|&r| {
            let by = evaluation
                .chosen
                .iter()
                .copied()
                .filter(|&c| rules.refines[c][r])
                .collect();
            (r, by)
        })
        .collect();
    let confidences = match evaluation.status {
        Status::Classified | Status::Ambiguous => {
            let known = evaluation.known;
            evaluation
                .chosen
                .iter()
                .zip(&evaluation.role_confidence)
                .map(|(&role, &confidence)| {
                    let (holding, total) = confidence_weights(
                        rules,
                        &evaluation.trace,
                        known,
                        evaluation.roles[role].rule,
                    );
                    RoleConfidence {
                        role,
                        confidence,
                        holding,
                        total,
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Explained {
        record,
        evaluation,
        result,
        near_misses,
        near_miss_lines,
        refinements,
        confidences,
    }
}

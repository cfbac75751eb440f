//! The measures councils are compared on. Their ids are a contract with
//! every reader of the JSON: never rename one.

/// One measure's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureDef {
    /// Its id in the JSON (`assessment_45wd`).
    pub id: &'static str,
    /// Its name for people.
    pub title: &'static str,
    /// The step whose deadlines it counts; `None` for re-referrals.
    pub step: Option<&'static str>,
    /// Its counting rule.
    pub rule: &'static str,
}

/// How a measure on one step's deadlines is counted.
const ON_TIME: &str = "among the step's deadlines due in the period (the London date of the due moment from the first to the last day of the period, inclusive, and not after the as-of day), the share met: done on or before the due moment; the rest were late or are overdue; cancelled deadlines (closed before they fell due) are left out";

/// Every measure, in the order reports show them.
pub const DEFINED: &[MeasureDef] = &[
    MeasureDef {
        id: "referral_decision_1wd",
        title: "Referral decisions within 1 working day",
        step: Some("referral"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "assessment_45wd",
        title: "Assessments within 45 working days",
        step: Some("assessment"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "icpc_15wd",
        title: "Initial child protection conferences within 15 working days",
        step: Some("icpc"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "rcpc_on_time",
        title: "Child protection reviews on time",
        step: Some("rcpc"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "cla_review_on_time",
        title: "Looked-after reviews on time",
        step: Some("cla_review"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "rhi_72h",
        title: "Return home interviews within 72 hours",
        step: Some("rhi"),
        rule: ON_TIME,
    },
    MeasureDef {
        id: "re_referral_12m",
        title: "Re-referrals within 12 months",
        step: None,
        rule: "among referrals received in the period (the London date the referral started, from the first to the last day of the period, inclusive, and not after the as-of day), the share that came within 12 months of the same child's previous referral: on or before the previous referral's date plus 12 calendar months (a month end clamps: 29 Feb 2024 + 12 months = 28 Feb 2025); a second referral on the same day counts; lower is better",
    },
];

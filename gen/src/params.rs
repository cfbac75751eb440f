//! The proportions the simulation draws from, and the published figure each
//! one reflects.
//!
//! Sources, all for England:
//!
//! - **CIN 2023**: *Characteristics of children in need*, year ending
//!   31 March 2023 (DfE): 640,430 referrals, 7.1% ended in no further action,
//!   29.9% in an assessment that found the child not in need; 655,540
//!   assessments, 160,140 with domestic abuse recorded as a factor; 225,400
//!   section 47 enquiries and 74,380 initial conferences, of which 58,330
//!   (78%) within 15 working days (table C4).
//! - **CIN 2025, table C2**: 555,820 of 648,830 assessments (86%) completed
//!   within 45 working days (year ending 31 March 2025).
//! - **Re-referrals 2024**: *Children in need: a focus on re-referrals*:
//!   139,080 of 621,880 referrals (22%) within 12 months of a previous one.
//! - **CLA 2022/2024**: *Children looked after in England*: 11% of looked-after
//!   children had a missing incident in 2022 (12,150 children, 76,890
//!   incidents, about 6 each); 90% of incidents last 2 days or less; 57% of
//!   looked-after children are male (2024).
//! - **CIN 2015**: 94% of child protection plans reviewed within timescales.
//!
//! Where no published figure was to hand, the value is an assumption and says
//! so. Proportions are of the events this model makes, over whole histories;
//! a short period cuts histories and shifts them a little.

/// The probabilities and durations of the model. [`Params::default`] is the
/// national picture; change fields to shape a run (tests use this to turn
/// delays off or up).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Share of children who are male (`sex` `M`, otherwise `F`): 0.54, the
    /// share of children in need who are male (CIN 2023).
    pub male: f64,
    /// Age at first referral: (youngest, oldest, share) in whole years. An
    /// assumption shaped like the CIN census age profile (teenagers the
    /// largest group); unborn children are not modelled.
    pub ages: [(i32, i32, f64); 5],
    /// Referral decided as no further action: 0.071 (CIN 2023).
    pub referral_nfa: f64,
    /// Referral passed to early help: 0.04 (an assumption: the census does
    /// not count it).
    pub referral_early_help: f64,
    /// Referral going straight to a strategy discussion (and an assessment):
    /// 0.34, set so that section 47 enquiries come to about a third of
    /// referrals (225,400 of 640,430, CIN 2023).
    pub referral_strategy: f64,
    /// A section 17 assessment finding the child not in need: 0.36, so that
    /// about 30% of referrals end that way (29.9%, CIN 2023).
    pub assessment_nfa: f64,
    /// A section 17 assessment leading to a strategy discussion: 0.10 (an
    /// assumption, for the same section 47 share).
    pub assessment_strategy: f64,
    /// A strategy discussion starting a section 47 enquiry: 0.85 (an
    /// assumption).
    pub strategy_s47: f64,
    /// A section 47 enquiry leading to an initial conference: 0.33 (74,380
    /// ICPCs for 225,400 enquiries, CIN 2023).
    pub s47_icpc: f64,
    /// A section 47 enquiry leading to a child in need plan: 0.35 (an
    /// assumption; the rest end with no further action).
    pub s47_cin: f64,
    /// An initial conference making a child protection plan: 0.75 (an
    /// assumption: most conferences do).
    pub icpc_plan: f64,
    /// Domestic abuse recorded at assessment: 0.24 (160,140 of 655,540
    /// assessments, CIN 2023).
    pub domestic_abuse: f64,
    /// Length of a child in need plan, in days: uniform between the two (an
    /// assumption).
    pub cin_plan_days: (i32, i32),
    /// Chance a child protection plan ends at its 1st, 2nd, 3rd and later
    /// review: most plans end within a year, few last two (an assumption
    /// shaped like the census's plan durations).
    pub plan_ends_at_review: [f64; 4],
    /// Chance, in each interval between reviews, that a child on a plan
    /// becomes looked after: 0.12 (an assumption, for the share below).
    pub looked_after_from_plan: f64,
    /// Chance a child in need plan ends with the child becoming looked
    /// after: 0.12 (an assumption). With the plan route this gives about one
    /// looked-after episode for 20 referrals (33,050 children started to be
    /// looked after against 621,880 referrals in 2024).
    pub looked_after_from_cin: f64,
    /// Length of a looked-after episode: short (up to 6 months), middle (6
    /// months to 2 years) or long (2 to 10 years), with these shares; ended
    /// at 18 in any case (an assumption).
    pub care_lengths: [f64; 3],
    /// Mean length of a placement that is not long-term, in days: 300 (an
    /// assumption).
    pub placement_days: f64,
    /// Chance a placement begun with more than 18 months of care ahead is a
    /// long-term one (`long_term_placement`): 0.35 (an assumption).
    pub long_term_placement: f64,
    /// Chance a looked-after child aged 12 or more goes missing in a year:
    /// 0.15, so that about 11% of looked-after children do (CLA 2022).
    pub missing_teen_per_year: f64,
    /// Missing episodes a year for a child who goes missing: 6 (76,890
    /// incidents for 12,150 children, CLA 2022).
    pub missing_episodes_per_year: f64,
    /// Chance a child aged 12 or more on a plan at home goes missing (an
    /// assumption).
    pub missing_from_home: f64,
    /// Chance a closed case is referred again: 0.7 when it closed within 3
    /// months of its referral (14 to 300 days later), 0.3 when it closed
    /// later (30 to 720 days later). Together they give about 22% of
    /// referrals within 12 months of a previous one (re-referrals 2024),
    /// measured over a two-year period in which no child was known before.
    pub rereferral: (f64, f64),
    /// Mean days between changes of social worker while a case is open: 270
    /// (an assumption, in line with workforce turnover of about one in six a
    /// year and internal moves).
    pub worker_change_days: f64,
    /// Deliberate, labelled delays.
    pub late: Lateness,
}

/// The chance that each kind of work is deliberately late by a large margin
/// and labelled. Everything else is done on time with a safe margin.
#[derive(Debug, Clone, PartialEq)]
pub struct Lateness {
    /// Referral decision (1 working day): 0.02 (an assumption).
    pub referral: f64,
    /// Assessment (45 working days): 0.22 of those not ended with a section
    /// 47 enquiry (which end in days), so that 86% of all are on time (CIN
    /// 2025 C2).
    pub assessment: f64,
    /// Initial conference (15 working days): 0.22 (78% on time, CIN 2023 C4).
    pub icpc: f64,
    /// First core group (10 working days, 5 locally): 0.10 (an assumption).
    pub core_group: f64,
    /// Review conference (3 then 6 months): 0.06 (94% on time, CIN 2015).
    pub rcpc: f64,
    /// Care plan (10 working days): 0.05 (an assumption).
    pub care_plan: f64,
    /// Looked-after review (20 working days, 3 months, 6 months): 0.08 (an
    /// assumption).
    pub cla_review: f64,
    /// Initial health assessment (20 working days): 0.25 (an assumption:
    /// initial health assessments are often late).
    pub health_first: f64,
    /// Review health assessment (6 or 12 months): 0.10 (an assumption).
    pub health_review: f64,
    /// Social worker visit to a looked-after child: 0.04 (an assumption).
    pub cla_visit: f64,
    /// Return home interview (72 hours): 0.20 (an assumption).
    pub rhi: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            male: 0.54,
            ages: [
                (0, 0, 0.10),
                (1, 4, 0.18),
                (5, 9, 0.23),
                (10, 15, 0.36),
                (16, 17, 0.13),
            ],
            referral_nfa: 0.071,
            referral_early_help: 0.04,
            referral_strategy: 0.34,
            assessment_nfa: 0.36,
            assessment_strategy: 0.10,
            strategy_s47: 0.85,
            s47_icpc: 0.33,
            s47_cin: 0.35,
            icpc_plan: 0.75,
            domestic_abuse: 0.24,
            cin_plan_days: (60, 540),
            plan_ends_at_review: [0.25, 0.45, 0.55, 0.7],
            looked_after_from_plan: 0.12,
            looked_after_from_cin: 0.12,
            care_lengths: [0.30, 0.40, 0.30],
            placement_days: 300.0,
            long_term_placement: 0.35,
            missing_teen_per_year: 0.15,
            missing_episodes_per_year: 6.0,
            missing_from_home: 0.04,
            rereferral: (0.7, 0.3),
            worker_change_days: 270.0,
            late: Lateness::default(),
        }
    }
}

impl Default for Lateness {
    fn default() -> Self {
        Lateness {
            referral: 0.02,
            assessment: 0.22,
            icpc: 0.22,
            core_group: 0.10,
            rcpc: 0.06,
            care_plan: 0.05,
            cla_review: 0.08,
            health_first: 0.25,
            health_review: 0.10,
            cla_visit: 0.04,
            rhi: 0.20,
        }
    }
}

impl Lateness {
    /// No deliberate delays at all: every piece of work on time.
    pub fn none() -> Self {
        Lateness {
            referral: 0.0,
            assessment: 0.0,
            icpc: 0.0,
            core_group: 0.0,
            rcpc: 0.0,
            care_plan: 0.0,
            cla_review: 0.0,
            health_first: 0.0,
            health_review: 0.0,
            cla_visit: 0.0,
            rhi: 0.0,
        }
    }
}

//! The eleven lists: sheet names and column headers exactly as in the Annex A
//! template (`shared/data/annex-a/Annex_A.xlsx`), and for every column what
//! Duly fills it from, or why it stays empty. The notes sheet of the
//! workbook is written from these tables, so what the workbook says about
//! itself is what the code does.

/// How a column is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Filled from the case state: from what.
    From(&'static str),
    /// Always empty: why.
    Empty(&'static str),
}

/// One column of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header, exactly as the template writes it.
    pub header: &'static str,
    /// What fills it.
    pub fill: Fill,
}

/// One list: a sheet of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List {
    /// The sheet's name (`List 3`).
    pub sheet: &'static str,
    /// What the list is (`Referrals`).
    pub title: &'static str,
    /// Which rows it holds, in plain words.
    pub rows: &'static str,
    /// Its columns, in order.
    pub columns: &'static [Column],
}

const fn from(header: &'static str, what: &'static str) -> Column {
    Column {
        header,
        fill: Fill::From(what),
    }
}

const fn empty(header: &'static str, why: &'static str) -> Column {
    Column {
        header,
        fill: Fill::Empty(why),
    }
}

const ID: Column = from("Child Unique ID", "the case id");
const GENDER: Column = from(
    "Gender",
    "fact `sex` as at the as-of date (M, F, U; other values left empty)",
);
const ETHNICITY: Column = from(
    "Ethnicity",
    "fact `ethnicity` as at the as-of date (a DfE code such as WBRI); empty when not recorded",
);
const BIRTH: Column = from("Date of Birth", "fact `date_of_birth`");
const AGE: Column = from(
    "Age",
    "whole years from fact `date_of_birth` to the as-of date",
);
const DISABILITY: Column = from(
    "Does the Child have a Disability",
    "fact `disabled` (true/false, from the CIN census); empty when not recorded",
);
const TEAM: Column = from(
    "Allocated Team",
    "fact `team` as at the as-of date (the team now allocated, on every row of the child)",
);
const WORKER: Column = from(
    "Allocated Worker",
    "fact `worker` as at the as-of date (the worker now allocated, on every row of the child)",
);

const NO_CONTACTS: &str = "Duly has no step for contacts (the front door before a referral)";
const NO_EARLY_HELP: &str = "Duly has no step for early help assessments";
const NO_ADOPTION: &str = "Duly has no steps for adoption milestones (the SSDA903 `ad1` and `placed_for_adoption` tables are not imported)";
const NO_ADOPTERS: &str = "Duly holds children's cases, not adopters'";
const NO_UASC: &str = "no fact for it (the SSDA903 `uasc` table is not imported)";

/// Lists 1 to 11, in order.
pub const LISTS: [List; 11] = [
    List {
        sheet: "List 1",
        title: "Contacts",
        rows: "none: Duly has no step for contacts",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            empty("Date of Contact", NO_CONTACTS),
            empty("Contact Source", NO_CONTACTS),
        ],
    },
    List {
        sheet: "List 2",
        title: "Early help assessments",
        rows: "none: Duly has no step for early help assessments",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            empty("Assessment start date", NO_EARLY_HELP),
            empty("Assessment completion date", NO_EARLY_HELP),
            empty("Organisation completing assessment", NO_EARLY_HELP),
        ],
    },
    List {
        sheet: "List 3",
        title: "Referrals",
        rows: "every `referral` received (started) in the activity window",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            from("Date of Referral", "the referral's start"),
            from(
                "Referral Source",
                "fact `referral_source` (CIN census code), on the child's latest referral only: facts keep only their latest value",
            ),
            from(
                "Referral NFA?",
                "the referral's outcome: `nfa` or `early_help` is yes, `assessment` or `strategy_discussion` no; empty while no decision is recorded",
            ),
            from(
                "Number of Referrals in Last 12 Months",
                "the child's other referrals received in the 12 months before this one (this one not counted)",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 4",
        title: "Assessments",
        rows: "every `assessment` open at any time in the activity window: started by the as-of date and not completed or closed before the window",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            DISABILITY,
            from(
                "Continuous Assessment Start Date",
                "the assessment's start (empty when Duly has only its end)",
            ),
            empty(
                "Child Seen During Continuous Assessment",
                "no event records seeing the child during an assessment",
            ),
            from(
                "Continuous Assessment Date of Authorisation",
                "the assessment's completion; empty while open",
            ),
            from(
                "Was the child assessed as requiring LA children's social care support?",
                "the assessment's outcome: `cin` or `strategy_discussion` is yes, `nfa` no; empty while open",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 5",
        title: "Section 47 enquiries",
        rows: "every `s47_enquiry` open at any time in the activity window",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            DISABILITY,
            from(
                "Strategy discussion initiating Section 47 Enquiry Start Date",
                "the completion of the `strategy_discussion` (outcome `s47`) that opened the enquiry; else the enquiry's start (empty when Duly has only its end)",
            ),
            from(
                "Was an Initial Child Protection Conference deemed unnecessary?",
                "the enquiry's outcome: `cin` or `nfa` is yes, `icpc` no; empty while open",
            ),
            from(
                "Date of Initial Child Protection Conference",
                "the completion of the `icpc` the enquiry opened",
            ),
            from(
                "Did the Initial Child Protection Conference Result in a Child Protection Plan",
                "that conference's outcome: `cp_plan` is yes, `no_plan` no",
            ),
            from(
                "Number of Section 47 Enquiries in the last 12 months",
                "the child's other enquiries started in the 12 months before this one started (this one not counted)",
            ),
            from(
                "Number of ICPCs in the last 12 months",
                "the child's initial conferences held in the 12 months before this enquiry started",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 6",
        title: "Children in need",
        rows: "every children-in-need episode (a safeguarding episode that went past the referral: an assessment, strategy discussion, enquiry, conference or plan) open at the as-of date or closed in the activity window",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            DISABILITY,
            from("CIN Start Date", "the episode's start (its referral)"),
            from(
                "Primary Need Code",
                "fact `primary_need` (CIN census code), on the child's latest episode only",
            ),
            from(
                "Date Child Was Last Seen",
                "the latest completed visit (`cp_visit`, `cla_visit`, `pf_visit`) from the episode's start to its end or the as-of date",
            ),
            from(
                "CIN Closure Date",
                "the episode's `case_closure` (also one that came after the work had ended), else the end of its last step",
            ),
            from(
                "Reason for Closure",
                "the `case_closure` outcome (`nfa` is RC8, `early_help` RC9); for `other`, fact `reason_for_closure` when it is the child's latest closure",
            ),
            from(
                "Case Status",
                "as at the as-of date: looked after (a period of care open, as in List 8), else a child protection plan, else a child in need plan, else an assessment, strategy discussion, enquiry or conference open; closed when the episode has ended",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 7",
        title: "Child protection",
        rows: "every `cp_plan` open at the as-of date or ended in the activity window",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            DISABILITY,
            from(
                "Child Protection Plan Start Date",
                "the plan's start (empty when Duly has only its end)",
            ),
            empty(
                "Initial Category of Abuse",
                "facts keep only their latest value, so the category at the plan's start is not known once it changes",
            ),
            from(
                "Latest Category of Abuse",
                "fact `category_of_abuse` (CIN census code), on the child's latest plan only",
            ),
            from(
                "Date of the Last Statutory Visit",
                "the latest completed `cp_visit` in the plan: from its start to its end or the as-of date",
            ),
            empty(
                "Was the Child Seen Alone?",
                "no event records whether the child was seen alone",
            ),
            from(
                "Date of latest review conference",
                "the latest completed `rcpc` in the plan: from its start to its end or the as-of date",
            ),
            from(
                "Child Protection Plan End Date",
                "the plan's completion, or its closing with the case",
            ),
            empty(
                "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
                "facts keep only the latest legal status, so past orders are not known",
            ),
            from(
                "Number of Previous Child Protection Plans",
                "the child's plans that started before this one, in Duly's record (plans before the events sent to Duly are not counted)",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 8",
        title: "Children looked after",
        rows: "every period of care open at the as-of date or ended in the activity window: each `looked_after`, and each run of placements with no `looked_after` around it (a child already looked after when the SSDA903 year began)",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            empty(
                "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
                NO_UASC,
            ),
            DISABILITY,
            from(
                "Date Started to be Looked After",
                "the period's start (empty when Duly has only its end, as for a child already looked after when the SSDA903 year began)",
            ),
            from(
                "Child's Category of Need",
                "fact `category_of_need` (SSDA903 code), on the child's latest period only",
            ),
            from(
                "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
                "yes when the period started in the 12 months before the as-of date and an earlier period of the child's was open in those 12 months; empty when its start is not known",
            ),
            empty(
                "Start date of current legal status",
                "facts keep only the latest legal status, not when it began",
            ),
            from(
                "Child's Legal Status",
                "fact `legal_status` (SSDA903 code), on the child's latest period only",
            ),
            from(
                "Date of Latest Statutory Review",
                "the latest completed `cla_review` in the period: from its start to its end or the as-of date",
            ),
            from(
                "Date of Last Social Work Visit",
                "the latest completed `cla_visit` in the period",
            ),
            empty(
                "What is the permanence plan for this child?",
                "no fact for it",
            ),
            empty(
                "Date of Last IRO Visit / Contact to the Child",
                "no step for the reviewing officer's contact",
            ),
            from(
                "Date of Last Health Assessment",
                "the latest completed `health_assessment` in the period",
            ),
            empty("Date of Last Dental Check", "no step for dental checks"),
            from(
                "Number of Placements in the Last 12 months",
                "the child's placements open at any time in the 12 months before the as-of date",
            ),
            from(
                "Date Ceased to be Looked After",
                "the period's completion, or its closing; for a run of placements, the end of its last one",
            ),
            from(
                "Reason Ceased to be Looked After",
                "fact `reason_ceased` (SSDA903 code), on the child's latest period only, once its `looked_after` is completed",
            ),
            from(
                "Start Date of Most Recent Placement",
                "the start of the latest placement that began in the period",
            ),
            from(
                "Placement Type",
                "fact `placement_type` (SSDA903 code), when that placement is the child's latest",
            ),
            from(
                "Placement Provider",
                "fact `placement_provider` (SSDA903 code), when that placement is the child's latest",
            ),
            empty(
                "Placement postcode",
                "identifying: the importers leave postcodes out",
            ),
            empty(
                "URN of Placement",
                "not imported (the SSDA903 `URN` column is left out)",
            ),
            empty("Placement Location", "no fact for it"),
            empty("LA of Placement", "no fact for it"),
            from(
                "Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 months",
                "the child's `missing_episode`s that started in the 12 months before the as-of date",
            ),
            empty(
                "Number of Episodes the Child has been ‘Absent’ from their Placement in the last 12 months",
                "absences are not imported (SSDA903 `MISSING` = `A` is left out)",
            ),
            from(
                "Was the child offered a Return Interview after their last missing episode (Y/N)?",
                "yes when the `rhi` after the child's latest missing episode was completed; empty otherwise (an interview not done may or may not have been offered)",
            ),
            from(
                "Did the child accept a Return Interview after their last missing episode (Y/N)?",
                "yes when the `rhi` after the child's latest missing episode was completed; empty otherwise",
            ),
            TEAM,
            WORKER,
        ],
    },
    List {
        sheet: "List 9",
        title: "Care leavers",
        rows: "every `pathway_plan` open at the as-of date",
        columns: &[
            ID,
            GENDER,
            ETHNICITY,
            BIRTH,
            AGE,
            DISABILITY,
            TEAM,
            WORKER,
            empty(
                "Eligibility Category",
                "no fact for it (the SSDA903 `oc3` table is not imported)",
            ),
            empty("LA in Touch", "the SSDA903 `oc3` table is not imported"),
            empty(
                "Type of Accommodation",
                "the SSDA903 `oc3` table is not imported",
            ),
            empty(
                "Suitability of Accommodation",
                "the SSDA903 `oc3` table is not imported",
            ),
            empty("Activity Status", "the SSDA903 `oc3` table is not imported"),
            from(
                PATHWAY_REVIEW,
                "the latest completed `pathway_plan_review` since the plan's start; this column is not in the template's List 9 and is added last, with the header of the current Annex A",
            ),
        ],
    },
    List {
        sheet: "List 10",
        title: "Adoption",
        rows: "none: Duly has no steps for adoption",
        columns: &[
            empty("Child Unique ID", NO_ADOPTION),
            empty("Family identifier", NO_ADOPTION),
            empty("Gender", NO_ADOPTION),
            empty("Ethnicity", NO_ADOPTION),
            empty("Date of Birth", NO_ADOPTION),
            empty("Age of Child (Years)", NO_ADOPTION),
            empty("Does the Child have a Disability", NO_ADOPTION),
            empty("Date the Child Entered Care", NO_ADOPTION),
            empty(
                "Date of Decision that Child Should be Placed for Adoption",
                NO_ADOPTION,
            ),
            empty("Date of Placement Order", NO_ADOPTION),
            empty(
                "Date of Matching Child and Prospective Adopters",
                NO_ADOPTION,
            ),
            empty("Date Placed for Adoption", NO_ADOPTION),
            // The template's header ends with a space.
            empty("Date of Adoption Order ", NO_ADOPTION),
            empty(
                "Date of Decision that Child Should No Longer be Placed for Adoption",
                NO_ADOPTION,
            ),
            empty(
                "Reason Why Child No Longer Placed for Adoption",
                NO_ADOPTION,
            ),
            empty(
                "Date the child was placed for fostering in FFA or concurrent planning placement",
                NO_ADOPTION,
            ),
        ],
    },
    List {
        sheet: "List 11",
        title: "Adopters",
        rows: "none: Duly holds children's cases, not adopters'",
        columns: &[
            empty("Individual adopter identifier", NO_ADOPTERS),
            empty("Family identifier", NO_ADOPTERS),
            empty("Gender", NO_ADOPTERS),
            empty("Ethnicity", NO_ADOPTERS),
            empty("Disability", NO_ADOPTERS),
            empty(
                "Is the (prospective) adopter fostering for adoption?",
                NO_ADOPTERS,
            ),
            empty("Date enquiry received", NO_ADOPTERS),
            empty("Date Stage 1 started", NO_ADOPTERS),
            empty("Date Stage 1 ended", NO_ADOPTERS),
            empty("Date Stage 2 started", NO_ADOPTERS),
            empty("Date Stage 2 ended", NO_ADOPTERS),
            empty("Date application submitted", NO_ADOPTERS),
            empty("Date application approved", NO_ADOPTERS),
            empty("Date adopter matched with child(ren)", NO_ADOPTERS),
            empty("Date child/children placed with adopter(s)", NO_ADOPTERS),
            empty("No. of children placed", NO_ADOPTERS),
            empty("Date of Adoption Order", NO_ADOPTERS),
            empty("Date of leaving adoption process", NO_ADOPTERS),
            empty("Reason for leaving adoption process", NO_ADOPTERS),
        ],
    },
];

/// The one column Duly adds to the template: List 9's latest pathway plan
/// review, named as the current Annex A names it. The template's List 9 has
/// no place for it; it comes after the template's columns, so that a reader
/// going by position still finds every template column where it expects.
pub const PATHWAY_REVIEW: &str = "Latest Pathway Plan Review Date";

/// Indexes of the lists in [`LISTS`].
pub(crate) mod index {
    pub const REFERRALS: usize = 2;
    pub const ASSESSMENTS: usize = 3;
    pub const S47: usize = 4;
    pub const CHILDREN_IN_NEED: usize = 5;
    pub const CHILD_PROTECTION: usize = 6;
    pub const LOOKED_AFTER: usize = 7;
    pub const CARE_LEAVERS: usize = 8;
}

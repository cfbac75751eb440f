//! One CIN episode (`CINdetails`): its elements read and checked, then the
//! outcomes each step completes with, worked out from what follows it.

use super::read::Report;
use super::xml::Node;
use crate::values;
use jiff::civil::Date;
use std::collections::BTreeSet;

/// An assessment (`Assessments`).
pub(crate) struct Assessment {
    pub path: String,
    pub line: u64,
    pub start: Date,
    pub authorised: Option<Date>,
    pub factors: Vec<String>,
    pub outcome: &'static str,
}

/// A section 47 enquiry (`Section47`).
pub(crate) struct Enquiry {
    pub path: String,
    pub line: u64,
    pub start: Date,
    pub conference: Option<Date>,
    pub not_required: bool,
    /// Whether a referral or assessment outcome opened its strategy discussion.
    pub opened: bool,
}

/// A CIN plan (`CINPlanDates`).
pub(crate) struct CinPlan {
    pub path: String,
    pub line: u64,
    pub start: Date,
    pub end: Option<Date>,
}

/// A child protection plan (`ChildProtectionPlans`).
pub(crate) struct CpPlan {
    pub path: String,
    pub line: u64,
    pub start: Date,
    pub end: Option<Date>,
    pub initial_category: Option<String>,
    pub latest_category: Option<String>,
    pub previous_plans: Option<i64>,
    pub reviews: Vec<Date>,
}

/// An initial child protection conference, from a `Section47` or from
/// `CINdetails/DateOfInitialCPC` (a conference with no enquiry in the episode).
pub(crate) struct Conference {
    pub date: Date,
    /// The enquiry it belongs to, or `None` for one recorded on `CINdetails`.
    pub enquiry: Option<usize>,
    pub line: u64,
    pub path: String,
    pub plan: bool,
}

/// One CIN episode, checked.
pub(crate) struct Episode {
    pub index: usize,
    pub path: String,
    pub line: u64,
    pub referral: Option<Date>,
    pub referral_line: u64,
    pub referral_source: Option<String>,
    pub primary_need: Option<String>,
    pub nfa: Option<bool>,
    pub closure: Option<Date>,
    pub closure_line: u64,
    /// `RC1` … `RC9`, when given and valid.
    pub closure_reason: Option<String>,
    pub referral_outcome: Option<&'static str>,
    pub assessments: Vec<Assessment>,
    pub enquiries: Vec<Enquiry>,
    pub conferences: Vec<Conference>,
    pub cin_plans: Vec<CinPlan>,
    pub cp_plans: Vec<CpPlan>,
}

impl Episode {
    /// Reads `CINdetails` number `index` (from 1), reporting every problem.
    pub fn read(report: &mut Report<'_>, node: &Node, index: usize) -> Episode {
        let path = format!("CINdetails[{index}]");
        let p = path.as_str();

        let referral_line = node.first("CINreferralDate").map_or(node.line, |n| n.line);
        let referral = report.date(node, p, "CINreferralDate", "the referral is not imported");
        if referral == Ok(None) {
            report.error(
                node.line,
                p,
                "the episode has no `CINreferralDate`; the referral is not imported".into(),
            );
        }
        let referral = referral.ok().flatten();

        let nfa = report.value(
            node,
            p,
            "ReferralNFA",
            values::flag,
            "the referral's outcome is taken from what follows it",
        );
        if nfa == Ok(None) {
            report.error(
                node.line,
                p,
                "the episode has no `ReferralNFA`; the referral's outcome is taken from what follows it".into(),
            );
        }

        let closure_line = node.first("CINclosureDate").map_or(node.line, |n| n.line);
        let mut closure = report
            .date(node, p, "CINclosureDate", "the closure is not imported")
            .ok()
            .flatten();
        if let (Some(c), Some(r)) = (closure, referral)
            && c < r
        {
            report.error(
                closure_line,
                &format!("{p}/CINclosureDate"),
                format!("the case is closed ({c}) before the referral ({r}); the closure is not imported"),
            );
            closure = None;
        }
        let reason_node = report.single(node, p, "ReasonForClosure");
        let closure_reason = match (closure, reason_node) {
            (_, Some(n)) if !is_closure_reason(n.value()) => {
                let then = if closure.is_some() {
                    "the closure is imported with outcome `other`"
                } else {
                    "it is left out"
                };
                report.error(
                    n.line,
                    &format!("{p}/ReasonForClosure"),
                    format!(
                        "`ReasonForClosure` is not a DfE closure code (`RC1` to `RC9`); {then}"
                    ),
                );
                None
            }
            (Some(_), Some(n)) => Some(n.value().to_owned()),
            (Some(_), None) => {
                report.error(
                    closure_line,
                    &format!("{p}/CINclosureDate"),
                    "the case is closed without a `ReasonForClosure`; the closure is imported with outcome `other`".into(),
                );
                None
            }
            (None, Some(n)) => {
                if node.first("CINclosureDate").is_none() {
                    report.error(
                        n.line,
                        &format!("{p}/ReasonForClosure"),
                        "`ReasonForClosure` is given but there is no `CINclosureDate`; no closure is imported".into(),
                    );
                }
                None
            }
            (None, None) => None,
        };

        let mut episode = Episode {
            index,
            path: path.clone(),
            line: node.line,
            referral,
            referral_line,
            referral_source: report.code(node, p, "ReferralSource"),
            primary_need: report.code(node, p, "PrimaryNeedCode"),
            nfa: nfa.ok().flatten(),
            closure,
            closure_line,
            closure_reason,
            referral_outcome: None,
            assessments: Vec::new(),
            enquiries: Vec::new(),
            conferences: Vec::new(),
            cin_plans: Vec::new(),
            cp_plans: Vec::new(),
        };
        for (i, n) in node.all("Assessments").enumerate() {
            episode.read_assessment(report, n, format!("{p}/Assessments[{}]", i + 1));
        }
        for (i, n) in node.all("Section47").enumerate() {
            episode.read_enquiry(report, n, format!("{p}/Section47[{}]", i + 1));
        }
        for (i, n) in node.all("CINPlanDates").enumerate() {
            episode.read_cin_plan(report, n, format!("{p}/CINPlanDates[{}]", i + 1));
        }
        for (i, n) in node.all("ChildProtectionPlans").enumerate() {
            episode.read_cp_plan(report, n, format!("{p}/ChildProtectionPlans[{}]", i + 1));
        }
        if let Ok(Some(date)) = report.date(
            node,
            p,
            "DateOfInitialCPC",
            "this conference is not imported",
        ) {
            // Recorded here when the episode has no enquiry for it (DfE rule
            // 2885); the same date on a `Section47` is the same conference.
            if !episode.enquiries.iter().any(|e| e.conference == Some(date)) {
                let line = node.first("DateOfInitialCPC").map_or(node.line, |n| n.line);
                let path = format!("{p}/DateOfInitialCPC");
                episode.conferences.push(Conference {
                    date,
                    enquiry: None,
                    line,
                    path,
                    plan: false,
                });
            }
        }
        episode.assessments.sort_by_key(|a| a.start);
        episode.enquiries.sort_by_key(|e| e.start);
        episode.cin_plans.sort_by_key(|c| c.start);
        episode.cp_plans.sort_by_key(|c| c.start);
        for (i, e) in episode.enquiries.iter().enumerate() {
            if let Some(date) = e.conference {
                episode.conferences.push(Conference {
                    date,
                    enquiry: Some(i),
                    line: e.line,
                    path: e.path.clone(),
                    plan: false,
                });
            }
        }
        episode.conferences.sort_by_key(|c| c.date);
        episode
    }

    /// A start date, required; `None` if missing or refused (reported).
    fn start(
        report: &mut Report<'_>,
        node: &Node,
        path: &str,
        name: &str,
        what: &str,
    ) -> Option<Date> {
        match report.date(node, path, name, &format!("{what} is not imported")) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                report.error(
                    node.line,
                    path,
                    format!("{what} has no `{name}`; it is not imported"),
                );
                None
            }
            Err(()) => None,
        }
    }

    /// An end date, optional; `Err` if refused (reported) or before `start`.
    fn end(
        report: &mut Report<'_>,
        node: &Node,
        path: &str,
        name: &str,
        what: &str,
        verb: &str,
        start: Date,
    ) -> Result<Option<Date>, ()> {
        let end = report.date(node, path, name, &format!("{what} is not imported"))?;
        if let Some(end) = end
            && end < start
        {
            let line = node.first(name).map_or(node.line, |n| n.line);
            report.error(
                line,
                path,
                format!("{what} {verb} ({end}) before it started ({start}); it is not imported"),
            );
            return Err(());
        }
        Ok(end)
    }

    /// Reports an element that repeats one already read (same start day).
    fn repeated(
        report: &mut Report<'_>,
        line: u64,
        path: &str,
        what: &str,
        start: Date,
        earlier: bool,
    ) -> bool {
        if earlier {
            report.error(line, path, format!("{what} repeats the one that starts on the same day ({start}); it is not imported"));
        }
        earlier
    }

    fn read_assessment(&mut self, report: &mut Report<'_>, node: &Node, path: String) {
        let what = "the assessment";
        let Some(start) = Self::start(report, node, &path, "AssessmentActualStartDate", what)
        else {
            return;
        };
        let Ok(authorised) = Self::end(
            report,
            node,
            &path,
            "AssessmentAuthorisationDate",
            what,
            "is authorised",
            start,
        ) else {
            return;
        };
        let earlier = self.assessments.iter().any(|a| a.start == start);
        if Self::repeated(report, node.line, &path, what, start, earlier) {
            return;
        }
        let factors = report.codes(
            node.first("FactorsIdentifiedAtAssessment"),
            &path,
            "AssessmentFactors",
        );
        self.assessments.push(Assessment {
            path,
            line: node.line,
            start,
            authorised,
            factors,
            outcome: "nfa",
        });
    }

    fn read_enquiry(&mut self, report: &mut Report<'_>, node: &Node, path: String) {
        let what = "the section 47 enquiry";
        let Some(start) = Self::start(report, node, &path, "S47ActualStartDate", what) else {
            return;
        };
        let Ok(conference) = Self::end(
            report,
            node,
            &path,
            "DateOfInitialCPC",
            what,
            "has its conference",
            start,
        ) else {
            return;
        };
        let not_required = report.value(
            node,
            &path,
            "ICPCnotRequired",
            values::flag,
            "it is read as false",
        );
        if not_required == Ok(None) {
            report.error(
                node.line,
                &path,
                "the enquiry has no `ICPCnotRequired`; it is read as false".into(),
            );
        }
        let not_required = not_required == Ok(Some(true));
        if not_required && conference.is_some() {
            report.error(
                node.line,
                &path,
                "`ICPCnotRequired` is true, yet a conference date is given; the conference is imported".into(),
            );
        }
        let earlier = self.enquiries.iter().any(|e| e.start == start);
        if Self::repeated(report, node.line, &path, what, start, earlier) {
            return;
        }
        self.enquiries.push(Enquiry {
            path,
            line: node.line,
            start,
            conference,
            not_required,
            opened: false,
        });
    }

    fn read_cin_plan(&mut self, report: &mut Report<'_>, node: &Node, path: String) {
        let what = "the CIN plan";
        let Some(start) = Self::start(report, node, &path, "CINPlanStartDate", what) else {
            return;
        };
        let Ok(end) = Self::end(report, node, &path, "CINPlanEndDate", what, "ends", start) else {
            return;
        };
        let earlier = self.cin_plans.iter().any(|c| c.start == start);
        if Self::repeated(report, node.line, &path, what, start, earlier) {
            return;
        }
        self.cin_plans.push(CinPlan {
            path,
            line: node.line,
            start,
            end,
        });
    }

    fn read_cp_plan(&mut self, report: &mut Report<'_>, node: &Node, path: String) {
        let what = "the child protection plan";
        let Some(start) = Self::start(report, node, &path, "CPPstartDate", what) else {
            return;
        };
        let Ok(end) = Self::end(report, node, &path, "CPPendDate", what, "ends", start) else {
            return;
        };
        let earlier = self.cp_plans.iter().any(|c| c.start == start);
        if Self::repeated(report, node.line, &path, what, start, earlier) {
            return;
        }
        let previous_plans = report
            .value(
                node,
                &path,
                "NumberOfPreviousCPP",
                |t| {
                    t.parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or("is not a whole number")
                },
                "it is left out",
            )
            .ok()
            .flatten();
        let mut reviews = Vec::new();
        let review_path = format!("{path}/Reviews/CPPreviewDate");
        for review in node.all("Reviews").flat_map(|r| r.all("CPPreviewDate")) {
            let Ok(date) = values::iso_date(review.value()) else {
                report.error(review.line, &review_path, "`CPPreviewDate` is not a date in the form YYYY-MM-DD; this review is not imported".into());
                continue;
            };
            let problem = if date < start {
                Some(format!(
                    "the review ({date}) is before the plan started ({start}); it is not imported"
                ))
            } else if end.is_some_and(|end| date > end) {
                Some(format!(
                    "the review ({date}) is after the plan ended; it is not imported"
                ))
            } else if reviews.contains(&date) {
                Some(format!(
                    "the review on {date} is given twice; it is imported once"
                ))
            } else {
                None
            };
            match problem {
                Some(message) => report.error(review.line, &review_path, message),
                None => reviews.push(date),
            }
        }
        reviews.sort();
        self.cp_plans.push(CpPlan {
            path: path.clone(),
            line: node.line,
            start,
            end,
            initial_category: report.code(node, &path, "InitialCategoryOfAbuse"),
            latest_category: report.code(node, &path, "LatestCategoryOfAbuse"),
            previous_plans,
            reviews,
        });
    }

    /// Works out the outcome of each step from what follows it in the episode
    /// (see `docs/import.md`), and reports what is out of step.
    pub fn derive(&mut self, report: &mut Report<'_>, reference_date: Option<Date>) {
        self.link_plans(report);
        self.referral_outcome = self.referral_outcome(report);
        let mut opened: BTreeSet<usize> = BTreeSet::new();
        if self.referral_outcome == Some("strategy_discussion") {
            opened.insert(0);
        }
        for a in 0..self.assessments.len() {
            let (start, Some(authorised)) =
                (self.assessments[a].start, self.assessments[a].authorised)
            else {
                continue;
            };
            let plan = self.cin_plans.iter().map(|c| c.start).find(|d| *d >= start);
            let enquiry = (0..self.enquiries.len())
                .find(|e| !opened.contains(e) && self.enquiries[*e].start >= authorised);
            self.assessments[a].outcome = match (plan, enquiry) {
                (Some(p), Some(e)) if p < self.enquiries[e].start => "cin",
                (_, Some(e)) => {
                    opened.insert(e);
                    "strategy_discussion"
                }
                (Some(_), None) => "cin",
                (None, None) => "nfa",
            };
        }
        for e in opened {
            if let Some(enquiry) = self.enquiries.get_mut(e) {
                enquiry.opened = true;
            }
        }
        self.check_dates(report, reference_date);
    }

    /// Each child protection plan belongs to the latest conference on or
    /// before the day it starts (DfE rule 2885: the same day).
    fn link_plans(&mut self, report: &mut Report<'_>) {
        for plan in &self.cp_plans {
            let conference = self
                .conferences
                .iter_mut()
                .rev()
                .find(|c| c.date <= plan.start);
            match conference {
                Some(c) => {
                    c.plan = true;
                    if c.date != plan.start {
                        report.warning(
                            plan.line,
                            &plan.path,
                            format!(
                                "the child protection plan starts ({}) on a different day from its initial child protection conference ({})",
                                plan.start, c.date
                            ),
                        );
                    }
                }
                None => report.warning(
                    plan.line,
                    &plan.path,
                    format!(
                        "the child protection plan starts ({}) with no initial child protection conference on or before that day in this episode",
                        plan.start
                    ),
                ),
            }
        }
    }

    fn referral_outcome(&self, report: &mut Report<'_>) -> Option<&'static str> {
        let first_assessment = self.assessments.first();
        let first_enquiry = self.enquiries.first();
        let follows = if !self.assessments.is_empty() {
            Some("an assessment")
        } else if !self.enquiries.is_empty() {
            Some("a section 47 enquiry")
        } else if !self.cin_plans.is_empty() {
            Some("a CIN plan")
        } else if !self.cp_plans.is_empty() || !self.conferences.is_empty() {
            Some("child protection")
        } else {
            None
        };
        if let (Some(true), Some(follows)) = (self.nfa, follows) {
            report.error(
                self.line,
                &format!("{}/ReferralNFA", self.path),
                format!("`ReferralNFA` says no further action, yet the episode records {follows}; the flag is ignored"),
            );
        }
        let enquiry_first = match (first_enquiry, first_assessment) {
            (Some(_), None) => true,
            (Some(e), Some(a)) => a.authorised.is_none_or(|auth| e.start < auth),
            (None, _) => false,
        };
        if enquiry_first {
            Some("strategy_discussion")
        } else if first_assessment.is_some() {
            Some("assessment")
        } else if follows.is_none() && self.nfa == Some(true) {
            Some("nfa")
        } else {
            if follows.is_none()
                && self.nfa == Some(false)
                && self.closure.is_some()
                && self.referral.is_some()
            {
                report.warning(
                    self.referral_line,
                    &format!("{}/CINreferralDate", self.path),
                    "the referral is not marked no further action, yet nothing follows it before the case is closed".into(),
                );
            }
            None
        }
    }

    /// Warnings for dates out of step with the referral, the closure and the
    /// census reference date (DfE rules 1103, 1104, 2889, 4015 and others).
    fn check_dates(&self, report: &mut Report<'_>, reference_date: Option<Date>) {
        // (line, path, what, verb for its start, start, verb for its last date, last date)
        let mut elements: Vec<(u64, &str, &str, &str, Date, &str, Date)> = Vec::new();
        for a in &self.assessments {
            let (verb, last) = a
                .authorised
                .map_or(("starts", a.start), |d| ("is authorised", d));
            elements.push((
                a.line,
                &a.path,
                "the assessment",
                "starts",
                a.start,
                verb,
                last,
            ));
        }
        for e in &self.enquiries {
            let (verb, last) = e
                .conference
                .map_or(("starts", e.start), |d| ("has its conference", d));
            elements.push((
                e.line,
                &e.path,
                "the section 47 enquiry",
                "starts",
                e.start,
                verb,
                last,
            ));
        }
        for c in self.conferences.iter().filter(|c| c.enquiry.is_none()) {
            let what = "the initial child protection conference";
            elements.push((c.line, &c.path, what, "is held", c.date, "is held", c.date));
        }
        for c in &self.cin_plans {
            let (verb, last) = c.end.map_or(("starts", c.start), |d| ("ends", d));
            elements.push((
                c.line,
                &c.path,
                "the CIN plan",
                "starts",
                c.start,
                verb,
                last,
            ));
        }
        for c in &self.cp_plans {
            let review = c.reviews.last().map(|d| ("is reviewed", *d));
            let (verb, last) = c
                .end
                .map(|d| ("ends", d))
                .or(review)
                .unwrap_or(("starts", c.start));
            elements.push((
                c.line,
                &c.path,
                "the child protection plan",
                "starts",
                c.start,
                verb,
                last,
            ));
        }
        for (line, path, what, starts, first, verb, last) in elements {
            if let Some(referral) = self.referral
                && first < referral
            {
                report.warning(
                    line,
                    path,
                    format!("{what} {starts} ({first}) before the referral ({referral})"),
                );
            }
            if let Some(closure) = self.closure
                && last > closure
            {
                report.warning(
                    line,
                    path,
                    format!("{what} {verb} ({last}) after the case is closed ({closure})"),
                );
            }
            if let Some(reference) = reference_date
                && last > reference
            {
                report.warning(
                    line,
                    path,
                    format!("{what} {verb} ({last}) after the census reference date ({reference})"),
                );
            }
        }
        if let Some(reference) = reference_date {
            for (date, line, name) in [
                (self.referral, self.referral_line, "CINreferralDate"),
                (self.closure, self.closure_line, "CINclosureDate"),
            ] {
                if let Some(date) = date
                    && date > reference
                {
                    report.warning(
                        line,
                        &format!("{}/{name}", self.path),
                        format!(
                            "`{name}` ({date}) is after the census reference date ({reference})"
                        ),
                    );
                }
            }
        }
    }
}

/// `RC1` … `RC9`: the DfE reasons for closure (`RC9` from 2023).
fn is_closure_reason(code: &str) -> bool {
    matches!(
        code,
        "RC1" | "RC2" | "RC3" | "RC4" | "RC5" | "RC6" | "RC7" | "RC8" | "RC9"
    )
}

/// The `case_closure` outcome for a reason for closure: `RC8` (closed after
/// assessment, no further action) is `nfa`, `RC9` (closed after assessment,
/// referred to early help) is `early_help`, every other reason is `other`.
pub(crate) fn closure_outcome(reason: Option<&str>) -> &'static str {
    match reason {
        Some("RC8") => "nfa",
        Some("RC9") => "early_help",
        _ => "other",
    }
}

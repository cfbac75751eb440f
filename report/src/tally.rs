//! Adding up what each case contributes, in case order, on one thread.
//!
//! Memory: the breach, at-risk, drift, worker-change and plugin-action lists
//! are kept whole (they are the report); timeliness keeps counts and, for
//! percentiles, a histogram of the distinct times seen per group: exact
//! medians and percentiles in memory that grows with the number of distinct
//! values (a few hundred working days), not with the number of deadlines.

use crate::extract::{CaseFigures, Reporter};
use crate::model::{
    AtRisk, Breach, Drift, Figures, Group, Input, Measure, OpenCases, PluginActionRow, PluginCount,
    Report, StepTimeliness, WorkerChanges,
};
use crate::{measures, notes};
use duly_engine::Status;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Deadlines of one group: counts, and how many took each time.
#[derive(Debug, Clone, Default)]
struct Cell {
    met: u64,
    late: u64,
    overdue: u64,
    /// Time from the due day → how many completed deadlines took it.
    from_due: BTreeMap<i64, u64>,
}

impl Cell {
    fn add(&mut self, status: Status, from_due: Option<i64>) {
        match status {
            Status::Met => self.met += 1,
            Status::Late => self.late += 1,
            Status::Overdue => self.overdue += 1,
            Status::Open | Status::Cancelled => return,
        }
        if let Some(t) = from_due {
            *self.from_due.entry(t).or_default() += 1;
        }
    }

    fn figures(&self, limit: Option<u32>) -> Figures {
        let due = self.met + self.late + self.overdue;
        let median = percentile(&self.from_due, 50);
        let p90 = percentile(&self.from_due, 90);
        let taken = |t: Option<i64>| Some(i64::from(limit?) + t?);
        Figures {
            due,
            met: self.met,
            late: self.late,
            overdue: self.overdue,
            percent_on_time: percent(self.met, due),
            median_from_due: median,
            p90_from_due: p90,
            median_taken: taken(median),
            p90_taken: taken(p90),
        }
    }
}

/// One step's cells: all its deadlines, and by team, worker and month.
#[derive(Debug, Clone, Default)]
struct StepCells {
    all: Cell,
    team: HashMap<Option<Arc<str>>, Cell>,
    worker: HashMap<Option<Arc<str>>, Cell>,
    month: BTreeMap<(i16, i8), Cell>,
}

/// `100 × part / whole` to one decimal place; `None` when `whole` is 0.
pub(crate) fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (1000.0 * part as f64 / whole as f64).round() / 10.0)
}

/// The `p`th percentile by nearest rank: the smallest value with at least
/// `p`% of the values at or below it (the median of an even count is the
/// lower of the middle two). `None` when there are no values.
pub(crate) fn percentile(histogram: &BTreeMap<i64, u64>, p: u64) -> Option<i64> {
    let n: u64 = histogram.values().sum();
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).max(1);
    let mut seen = 0;
    for (&value, &count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(value);
        }
    }
    histogram.keys().next_back().copied()
}

/// Adds up cases' figures, in case order, into a [`Report`].
#[derive(Debug)]
pub struct Tally<'r> {
    reporter: &'r Reporter,
    breaches: Vec<Breach>,
    at_risk: Vec<AtRisk>,
    steps: Vec<StepCells>,
    referrals: (u64, u64),
    open: HashMap<(Option<String>, Option<String>), u64>,
    worker_changes: Vec<WorkerChanges>,
    drift: Vec<Drift>,
    plugin_counts: BTreeMap<(String, &'static str), u64>,
    plugin_actions: Vec<PluginActionRow>,
}

impl<'r> Tally<'r> {
    /// An empty tally.
    pub fn new(reporter: &'r Reporter) -> Tally<'r> {
        Tally {
            reporter,
            breaches: Vec::new(),
            at_risk: Vec::new(),
            steps: vec![StepCells::default(); reporter.steps.len()],
            referrals: (0, 0),
            open: HashMap::new(),
            worker_changes: Vec::new(),
            drift: Vec::new(),
            plugin_counts: BTreeMap::new(),
            plugin_actions: Vec::new(),
        }
    }

    /// Adds one case's figures. Add cases in order of case id for lists in
    /// that order.
    pub fn add(&mut self, figures: CaseFigures) {
        let CaseFigures {
            mut breaches,
            mut at_risk,
            settled,
            referrals,
            open,
            worker_changes,
            drift,
            plugin_counts,
            mut plugin_actions,
        } = figures;
        self.breaches.append(&mut breaches);
        self.at_risk.append(&mut at_risk);
        for s in settled {
            let Some(cells) = self.steps.get_mut(s.step) else {
                continue;
            };
            cells.all.add(s.status, s.from_due);
            cells
                .month
                .entry(s.month)
                .or_default()
                .add(s.status, s.from_due);
            cells
                .team
                .entry(s.team)
                .or_default()
                .add(s.status, s.from_due);
            cells
                .worker
                .entry(s.worker)
                .or_default()
                .add(s.status, s.from_due);
        }
        self.referrals.0 += referrals.0;
        self.referrals.1 += referrals.1;
        if let Some(key) = open {
            *self.open.entry(key).or_default() += 1;
        }
        self.worker_changes.extend(worker_changes);
        self.drift.extend(drift);
        for key in plugin_counts {
            *self.plugin_counts.entry(key).or_default() += 1;
        }
        self.plugin_actions.append(&mut plugin_actions);
    }

    /// The report, with what was read.
    pub fn finish(self, input: Input) -> Report {
        let options = &self.reporter.options;
        let mut timeliness = Vec::new();
        let mut all_by_step = HashMap::new();
        for (info, cells) in self.reporter.steps.iter().zip(&self.steps) {
            let limit = info.limit.map(|l| l.count);
            let all = cells.all.figures(limit);
            all_by_step.insert(info.id.as_str(), (all.met, all.due));
            if !info.timed && all.due == 0 {
                continue;
            }
            let groups = |cells: &HashMap<Option<Arc<str>>, Cell>| {
                let mut groups: Vec<Group> = cells
                    .iter()
                    .map(|(key, cell)| Group {
                        group: key.as_deref().map(str::to_owned),
                        figures: cell.figures(limit),
                    })
                    .collect();
                // Named groups in order, then the unrecorded one.
                groups.sort_by(|a, b| {
                    (a.group.is_none(), &a.group).cmp(&(b.group.is_none(), &b.group))
                });
                groups
            };
            timeliness.push(StepTimeliness {
                step: info.id.clone(),
                title: info.title.clone(),
                workflow: info.workflow.clone(),
                timescale: info.timescale.clone(),
                limit: info.limit,
                unit: info.unit,
                all,
                by_team: groups(&cells.team),
                by_worker: groups(&cells.worker),
                by_month: cells
                    .month
                    .iter()
                    .map(|(&(year, month), cell)| Group {
                        group: Some(format!("{year:04}-{month:02}")),
                        figures: cell.figures(limit),
                    })
                    .collect(),
            });
        }
        let measures = measures::DEFINED
            .iter()
            .map(|m| {
                let (numerator, denominator) = match m.step {
                    None => (self.referrals.1, self.referrals.0),
                    Some(step) => all_by_step.get(step).copied().unwrap_or((0, 0)),
                };
                Measure {
                    id: m.id,
                    title: m.title,
                    step: m.step.unwrap_or(crate::extract::REFERRAL),
                    numerator,
                    denominator,
                    percent: percent(numerator, denominator),
                    rule: m.rule,
                }
            })
            .collect();
        let mut at_risk = self.at_risk;
        at_risk.sort_by(|a, b| {
            (a.due.passes_at(), &a.case, &a.step, a.occurrence).cmp(&(
                b.due.passes_at(),
                &b.case,
                &b.step,
                b.occurrence,
            ))
        });
        let mut open_cases: Vec<OpenCases> = self
            .open
            .into_iter()
            .map(|((team, worker), open_cases)| OpenCases {
                team,
                worker,
                open_cases,
            })
            .collect();
        open_cases.sort_by(|a, b| {
            (a.team.is_none(), &a.team, a.worker.is_none(), &a.worker).cmp(&(
                b.team.is_none(),
                &b.team,
                b.worker.is_none(),
                &b.worker,
            ))
        });
        let mut worker_changes = self.worker_changes;
        worker_changes.sort_by(|a, b| b.changes.cmp(&a.changes).then(a.case.cmp(&b.case)));
        let mut drift = self.drift;
        drift.sort_by(|a, b| {
            b.working_days
                .cmp(&a.working_days)
                .then(a.case.cmp(&b.case))
        });
        let plugin_summary = self
            .plugin_counts
            .into_iter()
            .map(|((plugin, action), count)| PluginCount {
                plugin,
                action,
                count,
            })
            .collect();
        Report {
            as_of: options.as_of,
            from: options.from,
            to: options.to,
            counted_to: options.counted_to(),
            at_risk_days: options.at_risk_days,
            drift_days: options.drift_days,
            input,
            measures,
            breaches: self.breaches,
            at_risk,
            timeliness,
            open_cases,
            worker_changes,
            drift,
            plugin_summary,
            plugin_actions: self.plugin_actions,
            notes: notes::all(options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: &[i64]) -> BTreeMap<i64, u64> {
        let mut h = BTreeMap::new();
        for v in values {
            *h.entry(*v).or_default() += 1;
        }
        h
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&histogram(&[]), 50), None);
        assert_eq!(percentile(&histogram(&[7]), 50), Some(7));
        assert_eq!(percentile(&histogram(&[7]), 90), Some(7));
        // Even count: the lower middle value.
        assert_eq!(percentile(&histogram(&[1, 2, 3, 4]), 50), Some(2));
        assert_eq!(percentile(&histogram(&[4, 3, 2, 1, 5]), 50), Some(3));
        // 90th of 10 values is the 9th; of 11 values the 10th.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&histogram(&ten), 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(percentile(&histogram(&eleven), 90), Some(10));
        assert_eq!(percentile(&histogram(&[-3, -3, -3, 10]), 50), Some(-3));
        assert_eq!(percentile(&histogram(&[-3, -3, -3, 10]), 90), Some(10));
    }

    #[test]
    fn percents_round_to_one_place() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(5, 5), Some(100.0));
    }
}

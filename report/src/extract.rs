//! What one child's case adds to a report: worked out on every core while
//! case states stream by, so that no case state is ever held.

use crate::Options;
use crate::model::{AtRisk, Breach, Drift, Limit, PluginActionRow, TimeUnit, WorkerChanges};
use duly_calendar::{Calendar, Division, Period, Unit};
use duly_dsl::model::{RuleSet, Schedule};
use duly_engine::plugin::{ActionRecord, PluginAction};
use duly_engine::{Calendars, CaseState, Deadline, Due, FactChanged, Lateness, Status};
use duly_events::Fact;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;

/// The step whose occurrences are referrals, for the re-referral measure.
pub(crate) const REFERRAL: &str = "referral";

/// What a report needs to know about a step.
#[derive(Debug, Clone)]
pub(crate) struct StepInfo {
    pub id: String,
    pub title: String,
    pub workflow: String,
    /// Its timescales in words.
    pub timescale: String,
    /// The one limit, when every timescale of the step is the same one in
    /// working days or hours.
    pub limit: Option<Limit>,
    /// The unit times are counted in: hours for hour-based steps.
    pub unit: TimeUnit,
    /// Whether the rules give it a timescale.
    pub timed: bool,
}

impl StepInfo {
    fn of(rules: &RuleSet) -> Vec<StepInfo> {
        let mut steps = Vec::new();
        for workflow in &rules.workflows {
            for step in &workflow.steps {
                let periods: Vec<Period> = match &step.schedule {
                    Schedule::None => Vec::new(),
                    Schedule::Once(rule) => vec![rule.period],
                    Schedule::Repeats(series) => std::iter::once(&series.first)
                        .chain(&series.second)
                        .chain(series.then.iter().map(|c| &c.rule))
                        .map(|r| r.period)
                        .collect(),
                };
                let mut distinct: Vec<Period> = Vec::new();
                for period in &periods {
                    if !distinct.contains(period) {
                        distinct.push(*period);
                    }
                }
                let unit = if periods.iter().any(|p| p.unit == Unit::Hours) {
                    TimeUnit::Hours
                } else {
                    TimeUnit::WorkingDays
                };
                let limit = match distinct.as_slice() {
                    [one] => match one.unit {
                        Unit::WorkingDays => Some(Limit {
                            count: one.count,
                            unit: TimeUnit::WorkingDays,
                        }),
                        Unit::Hours => Some(Limit {
                            count: one.count,
                            unit: TimeUnit::Hours,
                        }),
                        _ => None,
                    },
                    _ => None,
                };
                let timescale = distinct
                    .iter()
                    .map(Period::to_string)
                    .collect::<Vec<_>>()
                    .join(", then ");
                steps.push(StepInfo {
                    id: step.id.clone(),
                    title: step.title.clone(),
                    workflow: workflow.id.clone(),
                    timescale,
                    limit,
                    unit,
                    timed: !periods.is_empty(),
                });
            }
        }
        sort_by_measure(&mut steps);
        steps
    }
}

/// One deadline due in the period and settled (met, late or overdue),
/// reduced to what timeliness counts.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub step: usize,
    pub month: (i16, i8),
    pub team: Option<Arc<str>>,
    pub worker: Option<Arc<str>>,
    pub status: Status,
    /// For a completed deadline, its time from the due day in the step's unit.
    pub from_due: Option<i64>,
}

/// What one child's case adds to a report. Made on any core by
/// [`Reporter::figures`], added in case order by [`crate::Tally::add`].
#[derive(Debug, Clone, Default)]
pub struct CaseFigures {
    pub(crate) breaches: Vec<Breach>,
    pub(crate) at_risk: Vec<AtRisk>,
    pub(crate) settled: Vec<Settled>,
    /// Referrals received in the period, and how many of them came within
    /// 12 months of the previous one.
    pub(crate) referrals: (u64, u64),
    /// The team and worker of an open case.
    pub(crate) open: Option<(Option<String>, Option<String>)>,
    pub(crate) worker_changes: Option<WorkerChanges>,
    pub(crate) drift: Option<Drift>,
    pub(crate) plugin_counts: Vec<(String, &'static str)>,
    pub(crate) plugin_actions: Vec<PluginActionRow>,
}

/// Works out what each case adds to a report, for one rule set and one set
/// of [`Options`]. Shared between threads: call [`Reporter::figures`] from
/// the engine's `map` on every core.
#[derive(Debug)]
pub struct Reporter {
    pub(crate) options: Options,
    pub(crate) steps: Vec<StepInfo>,
    index: HashMap<String, usize>,
    /// Each workflow's calendar, by index into `calendars`.
    workflow_calendar: HashMap<String, usize>,
    calendars: Calendars,
    /// England and Wales working days: for drift, which is not about one
    /// deadline's calendar.
    national: Calendar,
    /// The last day at risk, per calendar.
    horizons: Vec<Option<Date>>,
    national_horizon: Option<Date>,
}

impl Reporter {
    /// A reporter for `rules` and `options`.
    pub fn new(rules: &RuleSet, options: Options) -> Reporter {
        let steps = StepInfo::of(rules);
        let index = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let workflow_calendar = rules
            .workflows
            .iter()
            .filter_map(|w| {
                let calendar = rules.calendars.iter().position(|c| c.id == w.calendar)?;
                Some((w.id.clone(), calendar))
            })
            .collect();
        let calendars = Calendars::of(rules);
        let horizon =
            |calendar: &Calendar| calendar.add_working_days(options.as_of, options.at_risk_days);
        let horizons = (0..rules.calendars.len())
            .map(|i| calendars.get(i).and_then(|c| horizon(c).ok()))
            .collect();
        let national = Calendar::builtin(Division::EnglandAndWales);
        let national_horizon = horizon(&national).ok();
        Reporter {
            options,
            steps,
            index,
            workflow_calendar,
            calendars,
            national,
            horizons,
            national_horizon,
        }
    }

    /// Reporters for cases judged under several rule sets (a service's rules
    /// generations, the one in force first), one a rule set, whose figures
    /// add up in one [`crate::Tally`] made with the first. Each counts
    /// working days on its own rule set's calendars; they share one list of
    /// steps: every step of any of them, titled as the first rule set that
    /// has it titles it. A step whose timescale differs between them has no
    /// single limit (as a step whose timescale varies), so only times from
    /// the due day; times in another unit than the first's are left out.
    pub fn for_rule_sets(rule_sets: &[&RuleSet], options: Options) -> Vec<Reporter> {
        let mut reporters: Vec<Reporter> = rule_sets
            .iter()
            .map(|rules| Reporter::new(rules, options))
            .collect();
        let mut steps: Vec<StepInfo> = Vec::new();
        for step in reporters.iter().flat_map(|r| &r.steps) {
            match steps.iter_mut().find(|s| s.id == step.id) {
                None => steps.push(step.clone()),
                Some(known) if known.timescale != step.timescale || known.limit != step.limit => {
                    known.limit = None;
                    let earlier = format!("earlier rules {}", step.timescale);
                    if !known.timescale.contains(&earlier) {
                        known.timescale = format!("{}; {earlier}", known.timescale);
                    }
                }
                Some(_) => {}
            }
        }
        sort_by_measure(&mut steps);
        let index: HashMap<String, usize> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        for reporter in &mut reporters {
            reporter.steps.clone_from(&steps);
            reporter.index.clone_from(&index);
        }
        reporters
    }

    /// The options it reports with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The calendar a deadline of `workflow` counts on, with its at-risk horizon.
    fn calendar(&self, workflow: &str) -> (&Calendar, Option<Date>) {
        match self.workflow_calendar.get(workflow) {
            Some(&i) => match self.calendars.get(i) {
                Some(calendar) => (calendar, self.horizons.get(i).copied().flatten()),
                None => (&self.national, self.national_horizon),
            },
            None => (&self.national, self.national_horizon),
        }
    }

    /// What one child's case adds to the report.
    pub fn figures(&self, state: &CaseState) -> CaseFigures {
        let options = &self.options;
        let mut figures = CaseFigures::default();
        let team_now = fact_text(state.facts.get("team"));
        let worker_now = fact_text(state.facts.get("worker"));
        let holders = Holders::of(&state.fact_changes);
        for deadline in &state.deadlines {
            let Some(&step) = self.index.get(&*deadline.step) else {
                continue;
            };
            let due_date = deadline.due.local_date();
            let (calendar, horizon) = self.calendar(&deadline.workflow);
            match deadline.status {
                Status::Cancelled => {}
                Status::Open => {
                    if horizon.is_some_and(|h| due_date <= h) {
                        figures.at_risk.push(AtRisk {
                            case: state.case.clone(),
                            step: deadline.step.clone(),
                            workflow: deadline.workflow.clone(),
                            occurrence: deadline.occurrence,
                            due: deadline.due,
                            due_date,
                            working_days_left: calendar
                                .working_days_between(options.as_of, due_date),
                            approaching: deadline.approaching,
                            team: team_now.clone(),
                            worker: worker_now.clone(),
                            explanation: deadline.explanation.clone(),
                        });
                    }
                }
                Status::Met | Status::Late | Status::Overdue => {
                    if !options.in_period(due_date) {
                        continue;
                    }
                    // Who held the case when the deadline was settled: the
                    // day it was done if on time, else the day it fell due.
                    let settled_on = match (&deadline.status, &deadline.completed) {
                        (Status::Met, Some(done)) => done.local_date().min(due_date),
                        _ => due_date,
                    };
                    let (team, worker) = holders.on(settled_on);
                    if deadline.status != Status::Met {
                        figures
                            .breaches
                            .push(breach(state, deadline, due_date, &team, &worker));
                    }
                    figures.settled.push(Settled {
                        step,
                        month: (due_date.year(), due_date.month()),
                        team,
                        worker,
                        status: deadline.status,
                        from_due: self.time_from_due(step, deadline, calendar),
                    });
                }
            }
        }
        figures.breaches.sort_by(|a, b| {
            (a.due_date, a.due.passes_at(), &a.step, a.occurrence).cmp(&(
                b.due_date,
                b.due.passes_at(),
                &b.step,
                b.occurrence,
            ))
        });
        figures.referrals = self.referrals(state);
        let open = !state.open_steps.is_empty();
        if open {
            figures.open = Some((team_now.clone(), worker_now.clone()));
            figures.drift = self.drift(state, &team_now, &worker_now);
        }
        let changes = self.worker_changes(&state.fact_changes);
        if changes >= 3 {
            figures.worker_changes = Some(WorkerChanges {
                case: state.case.clone(),
                changes,
                team: team_now,
                worker: worker_now,
            });
        }
        for record in &state.actions {
            self.plugin_action(state, record, &mut figures);
        }
        figures
    }

    /// A completed deadline's time from its due day, in its step's unit:
    /// working days on its calendar, or whole hours (towards zero).
    fn time_from_due(&self, step: usize, deadline: &Deadline, calendar: &Calendar) -> Option<i64> {
        let done = deadline.completed.as_ref()?;
        match (self.steps[step].unit, deadline.due) {
            (TimeUnit::WorkingDays, Due::Day(due)) => {
                Some(calendar.working_days_between(due, done.local_date()))
            }
            (TimeUnit::Hours, Due::Instant(due)) => {
                Some(done.start_instant().duration_since(due).as_secs() / 3600)
            }
            // A plugin's requirement in another unit than the step's own.
            _ => None,
        }
    }

    /// Referrals received in the period, and those within 12 months of the
    /// child's previous referral (on or before its date plus 12 months).
    fn referrals(&self, state: &CaseState) -> (u64, u64) {
        let mut dates: Vec<Date> = state
            .occurrences
            .iter()
            .filter(|o| &*o.step == REFERRAL)
            .map(|o| o.started.local_date())
            .collect();
        dates.sort_unstable();
        let mut counted = (0, 0);
        for (i, &date) in dates.iter().enumerate() {
            if !self.options.in_period(date) {
                continue;
            }
            counted.0 += 1;
            let repeat = i
                .checked_sub(1)
                .and_then(|p| dates.get(p))
                .and_then(|&previous| previous.checked_add(jiff::Span::new().months(12)).ok())
                .is_some_and(|limit| date <= limit);
            if repeat {
                counted.1 += 1;
            }
        }
        counted
    }

    /// Changes of worker in the 12 months up to the as-of day: a worker
    /// recorded in place of a different one (a removal is not a change; the
    /// next worker is compared with the last one known).
    fn worker_changes(&self, changes: &[FactChanged]) -> u32 {
        let as_of = self.options.as_of;
        let year_ago = as_of
            .checked_sub(jiff::Span::new().months(12))
            .unwrap_or(as_of);
        let mut last: Option<&Fact> = None;
        let mut count = 0;
        for change in changes.iter().filter(|c| &*c.name == "worker") {
            let Some(worker) = change.value.as_ref() else {
                continue;
            };
            let date = change.at.local_date();
            if last.as_ref().is_some_and(|l| *l != worker) && date > year_ago && date <= as_of {
                count += 1;
            }
            last = Some(worker);
        }
        count
    }

    /// An open case with no step completed in the last `drift_days` working
    /// days, counting from the later of its last completion and the start
    /// of its current episode.
    fn drift(
        &self,
        state: &CaseState,
        team: &Option<String>,
        worker: &Option<String>,
    ) -> Option<Drift> {
        let last = state
            .occurrences
            .iter()
            .filter_map(|o| o.completed.as_ref().map(|(at, _, _)| (at.local_date(), o)))
            .max_by_key(|(date, _)| *date);
        let episode = state
            .episodes
            .iter()
            .filter(|e| e.ended.is_none())
            .map(|e| e.started.local_date())
            .max();
        let since = match (last.map(|(d, _)| d), episode) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        let as_of = self.options.as_of;
        let working_days = self.national.working_days_between(since, as_of);
        (working_days >= i64::from(self.options.drift_days)).then(|| Drift {
            case: state.case.clone(),
            team: team.clone(),
            worker: worker.clone(),
            last_completed_step: last.map(|(_, o)| o.step.clone()),
            last_completed: last.map(|(d, _)| d),
            since,
            working_days,
        })
    }

    fn plugin_action(&self, state: &CaseState, record: &ActionRecord, figures: &mut CaseFigures) {
        let date = duly_calendar::local_date(record.at);
        if !self.options.in_period(date) {
            return;
        }
        let (kind, subject, reason) = match &record.action {
            PluginAction::Escalate { to, reason } => ("escalate", Some(to), Some(reason)),
            PluginAction::Flag { name, reason } => ("flag", Some(name), Some(reason)),
            PluginAction::Require { .. } => ("require", None, None),
            PluginAction::Note { .. } => ("note", None, None),
        };
        figures.plugin_counts.push((record.plugin.clone(), kind));
        if let (Some(subject), Some(reason)) = (subject, reason) {
            figures.plugin_actions.push(PluginActionRow {
                case: state.case.clone(),
                at: record.at,
                date,
                plugin: record.plugin.clone(),
                hook: record.hook.name(),
                action: kind,
                subject: subject.clone(),
                reason: reason.clone(),
            });
        }
    }
}

fn breach(
    state: &CaseState,
    deadline: &Deadline,
    due_date: Date,
    team: &Option<Arc<str>>,
    worker: &Option<Arc<str>>,
) -> Breach {
    let (late, late_unit) = match (deadline.late, deadline.due) {
        (Some(Lateness::WorkingDays(n)), _) => (n, TimeUnit::WorkingDays),
        (Some(Lateness::Hours(n)), _) => (n, TimeUnit::Hours),
        (None, Due::Day(_)) => (0, TimeUnit::WorkingDays),
        (None, Due::Instant(_)) => (0, TimeUnit::Hours),
    };
    Breach {
        case: state.case.clone(),
        step: deadline.step.clone(),
        workflow: deadline.workflow.clone(),
        occurrence: deadline.occurrence,
        due: deadline.due,
        due_date,
        completed: deadline.completed,
        status: deadline.status,
        late,
        late_unit,
        team: team.as_deref().map(str::to_owned),
        worker: worker.as_deref().map(str::to_owned),
        explanation: deadline.explanation.clone(),
        source: deadline.source.clone(),
        local: deadline.local,
        anchor_event: deadline.anchor_event.clone(),
    }
}

/// Who held a case when: the team and worker recorded at the end of each
/// day a change was recorded, in date order.
struct Holders {
    days: Vec<Date>,
    holders: Vec<Holder>,
}

/// A team and a worker, shared by every deadline they held.
type Holder = (Option<Arc<str>>, Option<Arc<str>>);

impl Holders {
    fn of(changes: &[FactChanged]) -> Holders {
        let mut days: Vec<Date> = Vec::new();
        let mut holders: Vec<Holder> = Vec::new();
        // Changes come in the order events applied: by local date first.
        for change in changes {
            let team = match &*change.name {
                "team" => true,
                "worker" => false,
                _ => continue,
            };
            let day = change.at.local_date();
            if days.last() != Some(&day) {
                let last = holders.last().cloned().unwrap_or_default();
                days.push(day);
                holders.push(last);
            }
            let value: Option<Arc<str>> = fact_text(change.value.as_ref()).map(Arc::from);
            if let Some(holder) = holders.last_mut() {
                if team {
                    holder.0 = value;
                } else {
                    holder.1 = value;
                }
            }
        }
        Holders { days, holders }
    }

    /// The team and worker recorded at the end of `day`.
    fn on(&self, day: Date) -> Holder {
        let after = self.days.partition_point(|d| *d <= day);
        after
            .checked_sub(1)
            .and_then(|i| self.holders.get(i))
            .cloned()
            .unwrap_or_default()
    }
}

fn fact_text(fact: Option<&Fact>) -> Option<String> {
    match fact? {
        Fact::Text(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Puts the steps of the headline measures first, in their order; the rest
/// stay as the rules list them.
fn sort_by_measure(steps: &mut [StepInfo]) {
    let rank = |step: &StepInfo| {
        crate::measures::DEFINED
            .iter()
            .position(|m| m.step == Some(step.id.as_str()))
            .unwrap_or(usize::MAX)
    };
    steps.sort_by_key(rank);
}

//! The extension point for local escalation plugins.
//!
//! A plugin (a council's rhai script, implemented elsewhere) is called during
//! replay at four hooks. It sees a read-only [`CaseView`] and the replay
//! moment — never the wall clock — and returns [`PluginAction`]s. The engine
//! records every action with the plugin's name, the hash of its content, the
//! hook and the moment, so that a replay gives the same actions.

use crate::ingest::FactChange;
use crate::replay::Replay;
use crate::state::Deadline;
use duly_calendar::Unit;
use duly_events::{Action, At, Fact};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

/// Which hook a plugin was called at. Serialised by the hook function's
/// name (`on_breach`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    /// After an event was applied.
    Event,
    /// Replay time passed a deadline's warning moment.
    Approaching,
    /// Replay time passed a deadline's due moment.
    Breach,
    /// Once a day, at the end of the day.
    Daily,
}

impl Hook {
    /// Its name (`on_breach`).
    pub fn name(self) -> &'static str {
        match self {
            Hook::Event => "on_event",
            Hook::Approaching => "on_approaching",
            Hook::Breach => "on_breach",
            Hook::Daily => "on_daily",
        }
    }

    /// Every hook, in the order above.
    pub const ALL: [Hook; 4] = [Hook::Event, Hook::Approaching, Hook::Breach, Hook::Daily];
}

impl Serialize for Hook {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a plugin asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum PluginAction {
    /// Escalate the case to someone (a role, not a person's name).
    Escalate {
        /// To whom.
        to: String,
        /// Why.
        reason: String,
    },
    /// Raise a named flag on the case.
    Flag {
        /// The flag.
        name: String,
        /// Why.
        reason: String,
    },
    /// Open a local obligation: an occurrence of `step` due `count` `unit`
    /// after the hook's moment, tracked and reported like a statutory
    /// deadline but marked local.
    Require {
        /// A step of the rules.
        step: String,
        /// How many units.
        count: u32,
        /// Which unit.
        unit: Unit,
        /// Why.
        reason: String,
    },
    /// A note on the case history.
    Note {
        /// The note.
        text: String,
    },
}

impl PluginAction {
    /// Its kind, as the JSON contract names it: `escalate`, `flag`,
    /// `require` or `note`.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginAction::Escalate { .. } => "escalate",
            PluginAction::Flag { .. } => "flag",
            PluginAction::Require { .. } => "require",
            PluginAction::Note { .. } => "note",
        }
    }

    /// The flag's name, or the step a `require` opens.
    pub fn name(&self) -> Option<&str> {
        match self {
            PluginAction::Flag { name, .. } => Some(name),
            PluginAction::Require { step, .. } => Some(step),
            _ => None,
        }
    }

    /// Whom an escalation goes to.
    pub fn to(&self) -> Option<&str> {
        match self {
            PluginAction::Escalate { to, .. } => Some(to),
            _ => None,
        }
    }

    /// Why (the council's words); a note's text.
    pub fn reason(&self) -> &str {
        match self {
            PluginAction::Escalate { reason, .. }
            | PluginAction::Flag { reason, .. }
            | PluginAction::Require { reason, .. } => reason,
            PluginAction::Note { text } => text,
        }
    }
}

/// One action, as recorded in a case's history.
///
/// Serialised flat, as `duly run --format json` writes it: `plugin`, `kind`
/// (`flag`, `escalate`, `require`, `note`), `name` (a flag's name, or the
/// step a `require` opens), `to` (an escalation's), `reason` (a note's
/// text), `at` (the replay moment, RFC 3339 in Europe/London), and for the
/// audit `hook` (`on_event` …) and `hash` (the script's content hash).
/// Fields that do not apply are absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    /// The plugin's name.
    pub plugin: String,
    /// The hash of the plugin's content when it acted.
    pub hash: String,
    /// The hook it acted at.
    pub hook: Hook,
    /// The replay moment.
    pub at: Timestamp,
    /// What the hook was about: `step#occurrence` for a deadline's warning
    /// or breach, the event id for `on_event`, the day for `on_daily`.
    /// With the plugin, hook and moment it says which action this is, so
    /// that a service can carry each out once.
    pub about: String,
    /// What it did.
    pub action: PluginAction,
}

impl Serialize for ActionRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("plugin", &self.plugin)?;
        map.serialize_entry("kind", self.action.kind())?;
        if let Some(name) = self.action.name() {
            map.serialize_entry("name", name)?;
        }
        if let Some(to) = self.action.to() {
            map.serialize_entry("to", to)?;
        }
        if !self.action.reason().is_empty() {
            map.serialize_entry("reason", self.action.reason())?;
        }
        map.serialize_entry("at", &moment_text(self.at))?;
        map.serialize_entry("hook", &self.hook)?;
        map.serialize_entry("hash", &self.hash)?;
        map.end()
    }
}

/// A replay moment as people and programs read it: RFC 3339 with the
/// Europe/London offset, to the second.
pub fn moment_text(at: Timestamp) -> String {
    crate::reckon::Due::Instant(at).to_string()
}

/// A hook that failed (a script error, a script that ran too long).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError {
    /// The plugin's name.
    pub plugin: String,
    /// The hook.
    pub hook: Hook,
    /// The case id.
    pub case: String,
    /// The replay moment.
    pub at: Timestamp,
    /// What went wrong, without child data.
    pub message: String,
}

impl std::fmt::Display for HookError {
    /// `plugin `loop` failed in `on_event` for case `C1`: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "plugin `{}` failed in `{}` for case `{}`: {}",
            self.plugin, self.hook, self.case, self.message
        )
    }
}

impl Serialize for HookError {
    /// `case`, `plugin`, `hook`, `at` and a `message` that names them all.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("case", &self.case)?;
        map.serialize_entry("plugin", &self.plugin)?;
        map.serialize_entry("hook", &self.hook)?;
        map.serialize_entry("at", &moment_text(self.at))?;
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

/// What a hook returns: the actions, or what went wrong.
pub type HookResult = Result<Vec<PluginAction>, String>;

/// When to call a plugin's `on_daily` next for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextDaily {
    /// The next day (the safe answer when the hook cannot tell).
    Tomorrow,
    /// On this day, and not before: events before it do not call the hook
    /// (it has said when it next matters). A day not after the call's
    /// means tomorrow.
    On(Date),
    /// Only after the case's next event: nothing the hook looked at changes
    /// with time alone.
    AfterNextEvent,
}

/// What `on_daily` returns: the actions and when to call it next, or what
/// went wrong (it is then called again only after the next event).
pub type DailyResult = Result<(Vec<PluginAction>, NextDaily), String>;

/// A local escalation plugin. Every hook has a default that does nothing.
///
/// # When the engine calls each hook
///
/// - `on_event`: after each event of a workflow that lists the plugin (and
///   after every event with no step).
/// - `on_approaching`, `on_breach`: when replay time passes the warning or
///   due moment of an open deadline of such a workflow.
/// - `on_daily`: at the end of a day, at most once per case per day, up to
///   the as-of day: as the previous call asked ([`NextDaily`]): the next
///   day, a day of its own choosing (events before it do not call it), or
///   the day of the case's next event of such a workflow (or `require`);
///   the first call is on the day of the case's first such event. A case
///   whose daily hook waits costs nothing until then.
pub trait Plugin: Send + Sync {
    /// Its name, as workflows list it (`re_referral`).
    fn name(&self) -> &str;

    /// A hash of its content (see [`content_hash`]), recorded with each action.
    fn content_hash(&self) -> &str;

    /// Whether it has this hook; the engine never calls one it has not (and
    /// does not work out warning and due moments for plugins without
    /// `on_approaching` or `on_breach`). By default every hook but
    /// `on_daily`.
    fn has_hook(&self, hook: Hook) -> bool {
        hook != Hook::Daily
    }

    /// Whether `on_event` wants this event; the engine calls it only for
    /// those it wants.
    fn watches_event(&self, event: &EventView<'_>) -> bool {
        let _ = event;
        true
    }

    /// Whether `on_approaching` and `on_breach` want the deadlines of this
    /// step; the engine does not work out the others' deadlines for it.
    fn watches_deadline(&self, step: &str) -> bool {
        let _ = step;
        true
    }

    /// Whether the case's events call `on_daily` (on their day). When not,
    /// it runs only on the days a hook asked for
    /// ([`CaseView::check_again_on`], [`NextDaily::On`]).
    fn daily_on_events(&self) -> bool {
        true
    }

    /// After each event of a workflow that lists this plugin (and after
    /// every `record` event).
    fn on_event(&self, case: &CaseView<'_>, event: &EventView<'_>) -> HookResult {
        let _ = (case, event);
        Ok(Vec::new())
    }

    /// When replay time passes the warning moment of an open deadline.
    fn on_approaching(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        let _ = (case, deadline);
        Ok(Vec::new())
    }

    /// When replay time passes the due moment of an open deadline.
    fn on_breach(&self, case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        let _ = (case, deadline);
        Ok(Vec::new())
    }

    /// At the end of `day` (see the trait's documentation for which days).
    fn on_daily(&self, case: &CaseView<'_>, day: Date) -> DailyResult {
        let _ = (case, day);
        Ok((Vec::new(), NextDaily::AfterNextEvent))
    }
}

/// A stable hash of a plugin's content (64-bit FNV-1a, in hex): it tells
/// which version of a script acted, not a security measure.
pub fn content_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The event a hook is told about.
#[derive(Debug, Clone, Copy)]
pub struct EventView<'a> {
    /// The event id.
    pub id: &'a str,
    /// When it happened.
    pub at: &'a At,
    /// The step, if any.
    pub step: Option<&'a str>,
    /// The action.
    pub action: Action,
    /// The outcome, if any.
    pub outcome: Option<&'a str>,
    pub(crate) facts: &'a [FactChange],
    /// Indexes into `facts` of those it changed.
    pub(crate) changed: &'a [usize],
}

impl<'a> EventView<'a> {
    /// The facts the event records, by name: `None` for one it removes.
    pub fn facts(&self) -> impl Iterator<Item = (&'a str, Option<Fact>)> + 'a {
        self.facts
            .iter()
            .map(|f| (&*f.name, f.value.as_ref().map(|v| v.to_fact())))
    }

    /// Whether it records the fact `name` (or removes it).
    pub fn records(&self, name: &str) -> bool {
        self.facts.iter().any(|f| &*f.name == name)
    }

    /// Whether it changed the fact `name`: set it to a new value, set it
    /// for the first time, or removed it.
    pub fn changed(&self, name: &str) -> bool {
        self.changed
            .iter()
            .any(|&i| self.facts.get(i).is_some_and(|f| &*f.name == name))
    }
}

/// A summary of a case's history, for escalation rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistorySummary {
    /// Referrals opened in the 12 months up to now.
    pub referrals_last_12_months: u32,
    /// Changes of the fact `worker` in the 12 months up to now.
    pub worker_changes_last_12_months: u32,
    /// Whole days since the last completed visit (a step whose id ends in
    /// `visit`), if there was one.
    pub days_since_last_visit: Option<i64>,
    /// Missing episodes begun in the 30 days up to now.
    pub missing_episodes_last_30_days: u32,
}

/// The times of one occurrence of a step, for escalation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceTimes<'a> {
    /// The step id.
    pub step: &'a str,
    /// When it opened.
    pub opened: At,
    /// When it started: its start event, else when it opened.
    pub started: At,
    /// When it was completed, if it was.
    pub completed: Option<At>,
    /// When it was closed without being completed, if it was.
    pub closed: Option<At>,
}

/// A read-only view of a case during replay, as of the hook's moment.
pub struct CaseView<'a> {
    pub(crate) replay: &'a Replay<'a>,
    pub(crate) now: Timestamp,
    pub(crate) calendar: usize,
    /// The day the hook asked its plugin's `on_daily` to run next, if any.
    pub(crate) asked: std::cell::Cell<Option<Date>>,
}

impl CaseView<'_> {
    /// Asks for this plugin's `on_daily` at the end of `day` (a timer, from
    /// any hook): the earliest day asked for wins, and events before it do
    /// not call `on_daily`. A day not after today means tomorrow.
    pub fn check_again_on(&self, day: Date) {
        let earliest = self.asked.get().map_or(day, |d| d.min(day));
        self.asked.set(Some(earliest));
    }

    /// The child's id.
    pub fn id(&self) -> &str {
        self.replay.case
    }

    /// The replay moment (never the wall clock).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The replay day, in Europe/London: a script's `today()`.
    pub fn today(&self) -> Date {
        duly_calendar::local_date(self.now)
    }

    /// The calendar working days count on for this hook: the calendar of the
    /// workflow it concerns (an index into
    /// [`duly_dsl::model::RuleSet::calendars`]).
    pub fn calendar(&self) -> usize {
        self.calendar
    }

    /// A fact, if known.
    pub fn fact(&self, name: &str) -> Option<Fact> {
        self.replay.facts.get(name).map(|v| v.to_fact())
    }

    /// Every fact known, by name.
    pub fn facts(&self) -> impl Iterator<Item = (&str, Fact)> {
        self.replay
            .facts
            .iter()
            .map(|(name, value)| (&**name, value.to_fact()))
    }

    /// The child's age in whole years today, from `date_of_birth`.
    pub fn age(&self) -> Option<i64> {
        self.replay.age_on(self.today())
    }

    /// The open steps, oldest first.
    pub fn open_steps(&self) -> Vec<&str> {
        self.replay.open_step_ids()
    }

    /// Whether an occurrence of `step` is open.
    pub fn is_open(&self, step: &str) -> bool {
        self.replay.is_open(step)
    }

    /// Every occurrence of every step so far, in the order they opened.
    pub fn occurrences(&self) -> impl Iterator<Item = OccurrenceTimes<'_>> {
        self.replay.occurrence_times()
    }

    /// The deadlines as of now.
    pub fn deadlines(&self) -> Vec<Deadline> {
        self.replay.deadlines_at(self.now)
    }

    /// The history summary as of now.
    pub fn history(&self) -> HistorySummary {
        self.replay.history(self.now)
    }

    /// Referrals opened in the 12 months up to today (one field of
    /// [`CaseView::history`], for hooks that need only it).
    pub fn referrals_last_12_months(&self) -> u32 {
        self.replay.referrals_last_12_months(self.today())
    }

    /// Changes of the fact `worker` in the 12 months up to today.
    pub fn worker_changes_last_12_months(&self) -> u32 {
        self.replay.worker_changes_last_12_months(self.today())
    }

    /// Whole days since the last completed visit, if there was one.
    pub fn days_since_last_visit(&self) -> Option<i64> {
        self.replay.days_since_last_visit(self.today())
    }

    /// Missing episodes begun in the 30 days up to today.
    pub fn missing_episodes_last_30_days(&self) -> u32 {
        self.replay.missing_episodes_last_30_days(self.today())
    }
}

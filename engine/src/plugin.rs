//! The extension point for local escalation plugins.
//!
//! A plugin (a council's rhai script, implemented elsewhere) is called during
//! replay at four hooks. It sees a read-only [`CaseView`] and the replay
//! moment — never the wall clock — and returns [`PluginAction`]s. The engine
//! records every action with the plugin's name, the hash of its content, the
//! hook and the moment, so that a replay gives the same actions.

use crate::replay::Replay;
use crate::state::Deadline;
use duly_calendar::Unit;
use duly_events::{Action, At, Fact};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

/// Which hook a plugin was called at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// One action, as recorded in a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// A hook that failed (a script error, a script that ran too long).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// What a hook returns: the actions, or what went wrong.
pub type HookResult = Result<Vec<PluginAction>, String>;

/// A local escalation plugin. Every hook has a default that does nothing.
pub trait Plugin: Send + Sync {
    /// Its name, as workflows list it (`re_referral`).
    fn name(&self) -> &str;

    /// A hash of its content (see [`content_hash`]), recorded with each action.
    fn content_hash(&self) -> &str;

    /// Whether it has an `on_daily` hook; if not, the engine never calls it.
    fn has_daily_hook(&self) -> bool {
        false
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

    /// Once per case per day, at the end of `day`, up to the as-of day.
    fn on_daily(&self, case: &CaseView<'_>, day: Date) -> HookResult {
        let _ = (case, day);
        Ok(Vec::new())
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

/// A read-only view of a case during replay, as of the hook's moment.
pub struct CaseView<'a> {
    pub(crate) replay: &'a Replay<'a>,
    pub(crate) now: Timestamp,
}

impl CaseView<'_> {
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

    /// A fact, if known.
    pub fn fact(&self, name: &str) -> Option<Fact> {
        self.replay.facts.get(name).map(|v| v.to_fact())
    }

    /// The child's age in whole years today, from `date_of_birth`.
    pub fn age(&self) -> Option<i64> {
        self.replay.age_on(self.today())
    }

    /// The open steps, oldest first.
    pub fn open_steps(&self) -> Vec<&str> {
        self.replay.open_step_ids()
    }

    /// The deadlines as of now.
    pub fn deadlines(&self) -> Vec<Deadline> {
        self.replay.deadlines_at(self.now)
    }

    /// The history summary as of now.
    pub fn history(&self) -> HistorySummary {
        self.replay.history(self.now)
    }
}

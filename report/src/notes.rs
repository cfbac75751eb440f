//! How every figure is counted, in plain English: printed with every
//! format, so that a figure is never read without its rule.

use crate::Options;
use crate::measures::DEFINED;
use crate::model::Note;

/// The notes of a report made with `options`.
pub(crate) fn all(options: &Options) -> Vec<Note> {
    let note = |topic: &str, text: String| Note {
        topic: topic.to_owned(),
        text,
    };
    let mut notes = vec![
        note(
            "period",
            format!(
                "Every case is judged as of the end of {as_of} (London time): only events up to then count. \
                 The period is {from} to {to}, both days included; a deadline is in the period when the London \
                 date of its due moment is in it and not after the as-of day ({counted_to} is the last day counted).",
                as_of = options.as_of,
                from = options.from,
                to = options.to,
                counted_to = options.counted_to(),
            ),
        ),
        note(
            "breaches",
            "A breach is a deadline due in the period and missed: late (done after its due moment) or \
             overdue (not done by the as-of day and its due moment passed). A deadline not yet due is \
             never a breach. Closing a step or a case cancels only deadlines not yet due, so a breach is \
             never erased. Lateness is in working days after the due day on the deadline's calendar, or \
             in whole hours after the due moment for hour-based timescales (so far, when overdue)."
                .to_owned(),
        ),
        note(
            "team_and_worker",
            "A deadline is put to the team and worker recorded on the case (the facts `team` and `worker`) \
             at the end of the day it was settled: the day it was done, when done on time; otherwise the \
             day it fell due, when the breach happened. An event's facts count from its own day, including \
             the facts on the event that completed the step. At-risk deadlines, open cases and drift are \
             put to the team and worker recorded at the as-of day. Not recorded: shown as blank (JSON `null`)."
                .to_owned(),
        ),
        note(
            "at_risk",
            format!(
                "Open deadlines (not done, not yet due) due from the as-of day to {n} working days after it, \
                 on the deadline's calendar, soonest first. Working days left: 0 means due on the as-of day.",
                n = options.at_risk_days
            ),
        ),
        note(
            "timeliness",
            "For each step with a timescale: its deadlines due in the period (met + late + overdue; cancelled \
             ones left out), the share met on time, and the time taken by those completed. Times are from \
             the due day (negative: done before it), in working days on the deadline's calendar, or in \
             whole hours (rounded towards zero) for hour-based steps; when a step has one timescale in \
             working days or hours, the time taken is that limit plus the time from the due day. Overdue \
             deadlines have no time taken yet and are left out of the times. Medians and 90th percentiles \
             are exact, by nearest rank: the smallest time with at least half (or 90%) of the times at or \
             below it (of an even count, the lower middle one). Percentages are rounded to one decimal place. \
             By month: the month the deadline was due."
                .to_owned(),
        ),
    ];
    for m in DEFINED {
        let step = m.step.map(|s| format!(" (step `{s}`)")).unwrap_or_default();
        notes.push(note(m.id, format!("{}{step}: {}.", m.title, m.rule)));
    }
    notes.extend([
        note(
            "open_cases",
            "A case is open when any of its steps is open at the as-of day. Counted by the team and worker \
             recorded then."
                .to_owned(),
        ),
        note(
            "worker_changes",
            "Children with 3 or more changes of social worker in the 12 months up to the as-of day (after \
             the as-of day less 12 months, up to and including it). A change is a worker recorded in place \
             of a different one; recording no worker is not a change, and the next worker is compared with \
             the last one recorded. The first worker is not a change."
                .to_owned(),
        ),
        note(
            "drift",
            format!(
                "Open cases with no step completed in the last {n} working days (England and Wales): counted \
                 from the later of the last step completed and the start of the case's current episode, to \
                 the as-of day. Longest first.",
                n = options.drift_days
            ),
        ),
        note(
            "plugins",
            "Actions of the council's escalation plugins whose moment falls in the period, by plugin and \
             kind; flags and escalations are listed one by one. A plugin acts only when the rules list it \
             and it is loaded (`--plugins`)."
                .to_owned(),
        ),
    ]);
    notes
}

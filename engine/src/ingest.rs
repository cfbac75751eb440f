//! Events checked against the rules and kept compactly: a step index, an
//! outcome index, the facts only when there are any, shared between the
//! events that repeat them.

use crate::plan::{Plan, StepIx};
use duly_events::{Action, At, EventError, EventRef, Fact, FactRef};
use hashbrown::HashTable;
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// A fact's value, with text shared between the events that repeat it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Arc<str>),
}

impl Value {
    /// The value in the event format's terms.
    pub(crate) fn to_fact(&self) -> Fact {
        match self {
            Value::Bool(b) => Fact::Bool(*b),
            Value::Int(n) => Fact::Int(*n),
            Value::Float(n) => Fact::Float(*n),
            Value::Text(t) => Fact::Text(t.to_string()),
        }
    }

    /// Whether it is exactly the value read (floats bit for bit, so that
    /// the fact book's hash and equality agree).
    fn is(&self, read: &FactRef<'_>) -> bool {
        match (self, read) {
            (Value::Bool(a), FactRef::Bool(b)) => a == b,
            (Value::Int(a), FactRef::Int(b)) => a == b,
            (Value::Float(a), FactRef::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Text(a), FactRef::Text(b)) => **a == **b,
            _ => false,
        }
    }
}

/// Locks a fact book's tables are spread over, so that every core can
/// number facts at once.
const LOCKS: usize = 16;
/// Texts a fact book shares at most; past that, new texts are not shared.
const TEXT_LIMIT: usize = 100_000;

/// Every distinct fact of a run (a name and a value), numbered as the
/// events that carry it are read, on every core: an event keeps its facts
/// as numbers, a few bytes each, and each fact is kept once, with its name
/// and text shared. (A child's first event, with a date of birth, makes a
/// set of facts no other event has: kept whole, a million children's would
/// take 200 MB.)
#[derive(Debug, Default)]
pub(crate) struct FactBook {
    texts: [Mutex<HashTable<Arc<str>>>; LOCKS],
    parts: [Mutex<FactPart>; LOCKS],
}

/// The facts whose hashes fall to one lock: fact `n` of part `p` is fact
/// `n * LOCKS + p` of the book.
#[derive(Debug, Default)]
struct FactPart {
    index: HashTable<u32>,
    facts: Vec<FactChange>,
}

/// Which lock a hash belongs to: the high bits mix best.
fn lock_of(hash: u64) -> usize {
    (hash >> 60) as usize % LOCKS
}

impl FactBook {
    fn text(&self, text: &str) -> Arc<str> {
        let hash = FastHash::default().hash_one(text);
        let mut table = self.texts[lock_of(hash)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = table.find(hash, |t| **t == *text) {
            return known.clone();
        }
        let text: Arc<str> = Arc::from(text);
        if table.len() < TEXT_LIMIT / LOCKS {
            table.insert_unique(hash, text.clone(), |t| FastHash::default().hash_one(&**t));
        }
        text
    }

    /// The number of the fact that `name` is `value` (`None`: removed).
    pub fn number(&self, name: &str, value: Option<&FactRef<'_>>) -> u32 {
        let hash = fact_hash(name, value.map(ValueView::Read));
        let lock = lock_of(hash);
        let same = |kept: &FactChange| {
            *kept.name == *name
                && match (&kept.value, value) {
                    (Some(a), Some(b)) => a.is(b),
                    (None, None) => true,
                    _ => false,
                }
        };
        let mut part = self.parts[lock]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let FactPart { index, facts } = &mut *part;
        if let Some(&n) = index.find(hash, |&n| same(&facts[n as usize])) {
            return n * LOCKS as u32 + lock as u32;
        }
        let fact = FactChange {
            name: self.text(name),
            value: value.map(|v| match v {
                FactRef::Bool(b) => Value::Bool(*b),
                FactRef::Int(n) => Value::Int(*n),
                FactRef::Float(n) => Value::Float(*n),
                FactRef::Text(t) => Value::Text(self.text(t)),
            }),
        };
        let n = facts.len() as u32;
        facts.push(fact);
        index.insert_unique(hash, n, |&n| {
            let kept = &facts[n as usize];
            fact_hash(&kept.name, kept.value.as_ref().map(ValueView::Kept))
        });
        n * LOCKS as u32 + lock as u32
    }

    /// The facts by number, once reading is done.
    pub fn close(self) -> Facts {
        Facts(self.parts.map(|part| {
            part.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .facts
        }))
    }
}

/// The facts of a run by number (see [`FactBook`]).
#[derive(Debug, Default)]
pub(crate) struct Facts([Vec<FactChange>; LOCKS]);

impl Facts {
    /// Fact number `n`.
    pub fn get(&self, n: u32) -> Option<&FactChange> {
        let n = n as usize;
        self.0.get(n % LOCKS)?.get(n / LOCKS)
    }
}

/// The facts an event changes, made for it alone (one event checked on
/// its own, not a run).
pub(crate) fn fact_changes(facts: &[(Cow<'_, str>, Option<FactRef<'_>>)]) -> Option<FactChanges> {
    (!facts.is_empty()).then(|| {
        facts
            .iter()
            .map(|(name, value)| FactChange {
                name: Arc::from(&**name),
                value: value.as_ref().map(|v| match v {
                    FactRef::Bool(b) => Value::Bool(*b),
                    FactRef::Int(n) => Value::Int(*n),
                    FactRef::Float(n) => Value::Float(*n),
                    FactRef::Text(t) => Value::Text(Arc::from(&**t)),
                }),
            })
            .collect()
    })
}

/// A fact's value, as read or as kept, for hashing both alike.
enum ValueView<'v, 'a> {
    Read(&'v FactRef<'a>),
    Kept(&'v Value),
}

fn fact_hash(name: &str, value: Option<ValueView<'_, '_>>) -> u64 {
    let mut hasher = FastHash::default().build_hasher();
    name.hash(&mut hasher);
    match value {
        None => hasher.write_u8(0),
        Some(ValueView::Read(FactRef::Bool(b)) | ValueView::Kept(Value::Bool(b))) => {
            hasher.write_u8(1 + u8::from(*b))
        }
        Some(ValueView::Read(FactRef::Int(n)) | ValueView::Kept(Value::Int(n))) => {
            hasher.write_u8(3);
            hasher.write_usize(*n as usize);
        }
        Some(ValueView::Read(FactRef::Float(n)) | ValueView::Kept(Value::Float(n))) => {
            hasher.write_u8(4);
            hasher.write_usize(n.to_bits() as usize);
        }
        Some(ValueView::Read(FactRef::Text(t))) => {
            hasher.write_u8(5);
            t.hash(&mut hasher);
        }
        Some(ValueView::Kept(Value::Text(t))) => {
            hasher.write_u8(5);
            t.hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// A quick hash for ids and fact texts (FxHash's mixing, eight bytes at a
/// time): SipHash's protection against chosen keys is not needed for a file
/// the council itself supplies, and it cost more than the look-ups.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut word = [0u8; 8];
        let rest = chunks.remainder();
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ rest.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    // Whole numbers in one step each (keys of dates, periods, indexes),
    // rather than as bytes.
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_i8(&mut self, n: i8) {
        self.add(n as u64);
    }

    fn write_i16(&mut self, n: i16) {
        self.add(n as u64);
    }

    fn write_i32(&mut self, n: i32) {
        self.add(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Builds [`FastHasher`]s.
pub(crate) type FastHash = std::hash::BuildHasherDefault<FastHasher>;

/// A fact an event sets (`Some`) or removes (`None`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FactChange {
    pub name: Arc<str>,
    pub value: Option<Value>,
}

/// The facts an event changes.
pub(crate) type FactChanges = Arc<[FactChange]>;

const NO_STEP: u16 = u16::MAX;
const NO_OUTCOME: u8 = u8::MAX;

/// One event of a case, checked against the rules: a step index, an outcome
/// index, an id stored inline when short, facts only when there are any.
/// The engine keeps events more compactly still between reading and replay
/// (see `book.rs`); this is the form a case replays from.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    /// Its line in the input, counting from 1.
    pub line: u32,
    step: u16,
    outcome: u8,
    /// What happened to the step.
    pub action: Action,
    /// The event id from the case system.
    pub id: compact_str::CompactString,
    /// When it happened.
    pub at: At,
    pub(crate) facts: Option<FactChanges>,
}

impl CaseEvent {
    /// The event of `line` with id `id`, checked as `checked`, with its facts.
    pub(crate) fn new(
        line: u32,
        id: &str,
        checked: Checked,
        facts: Option<FactChanges>,
    ) -> CaseEvent {
        CaseEvent {
            line,
            step: checked.step,
            outcome: checked.outcome,
            action: checked.action,
            id: compact_str::CompactString::from(id),
            at: checked.at,
            facts,
        }
    }

    /// About how many bytes of memory it holds, itself included: for a
    /// cache of checked events that must stay within a budget. Facts shared
    /// with other events count in full for each.
    pub fn footprint(&self) -> usize {
        let id = if self.id.is_heap_allocated() {
            self.id.capacity()
        } else {
            0
        };
        let facts = self.facts.as_ref().map_or(0, |facts| {
            // The reference counts, then each fact with its name and text.
            2 * std::mem::size_of::<usize>()
                + facts
                    .iter()
                    .map(|f| {
                        let text = match &f.value {
                            Some(Value::Text(t)) => t.len(),
                            _ => 0,
                        };
                        std::mem::size_of::<FactChange>() + f.name.len() + text
                    })
                    .sum::<usize>()
        });
        std::mem::size_of::<CaseEvent>() + id + facts
    }

    pub(crate) fn step(&self) -> Option<StepIx> {
        (self.step != NO_STEP).then_some(StepIx::from(self.step))
    }

    pub(crate) fn outcome(&self) -> Option<u16> {
        (self.outcome != NO_OUTCOME).then_some(u16::from(self.outcome))
    }

    /// Whether two events say the same thing (everything but the line).
    fn same_content(&self, other: &CaseEvent) -> bool {
        self.at == other.at
            && self.step == other.step
            && self.action == other.action
            && self.outcome == other.outcome
            && self.facts == other.facts
    }
}

/// What checking an event against the rules gives: everything the engine
/// keeps of it but its line, id, case and facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Checked {
    /// The step's index, or [`NO_STEP`].
    pub step: u16,
    /// The outcome's index in its step, or [`NO_OUTCOME`].
    pub outcome: u8,
    pub action: Action,
    pub at: At,
}

/// Checks an event against the rules: the step exists, the outcome fits it.
/// The error names the line and the field, and suggests the fix.
pub(crate) fn check(plan: &Plan, line: usize, event: &EventRef<'_>) -> Result<Checked, EventError> {
    let error = |field: &str, message: String| EventError {
        line,
        id: Some(event.id.to_string()),
        field: Some(field.to_owned()),
        message,
    };
    let step = match &event.step {
        None => None,
        Some(name) => match plan.by_id.get(&**name) {
            Some(ix) => Some(*ix),
            None => {
                let mut message = format!("unknown step `{}`", shorten(name));
                if let Some(near) = nearest(name, plan.by_id.keys().map(String::as_str)) {
                    message.push_str(&format!(": did you mean `{near}`?"));
                } else {
                    message.push_str(": use a step id from the rules");
                }
                return Err(error("step", message));
            }
        },
    };
    let mut outcome = None;
    if let Some(ix) = step {
        let plan_step = &plan.steps[ix as usize];
        let outcomes = &plan_step.outcomes;
        match (&event.outcome, event.action) {
            (Some(name), _) if outcomes.is_empty() => {
                return Err(error(
                    "outcome",
                    format!(
                        "step `{}` has no outcomes, but this event gives `{}`: remove `outcome`",
                        plan_step.id,
                        shorten(name)
                    ),
                ));
            }
            (Some(name), _) => match outcomes.iter().position(|o| **o == **name) {
                Some(o) => outcome = Some(o as u16),
                None => {
                    let mut message =
                        format!("step `{}` has no outcome `{}`", plan_step.id, shorten(name));
                    match nearest(name, outcomes.iter().map(|o| &**o)) {
                        Some(near) => message.push_str(&format!(": did you mean `{near}`?")),
                        None => message.push_str(&format!(": use {}", list(outcomes))),
                    }
                    return Err(error("outcome", message));
                }
            },
            (None, Action::Complete) if !outcomes.is_empty() => {
                return Err(error(
                    "outcome",
                    format!(
                        "`outcome` is missing: step `{}` completes with {}",
                        plan_step.id,
                        list(outcomes)
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(Checked {
        step: step.and_then(|s| u16::try_from(s).ok()).unwrap_or(NO_STEP),
        action: event.action,
        at: event.at,
        outcome: outcome
            .and_then(|o| u8::try_from(o).ok())
            .unwrap_or(NO_OUTCOME),
    })
}

/// Puts a case's events in replay order (by [`At::order_key`], then file
/// order) and drops repeats: the same id with the same content is ignored,
/// with different content it is an error naming both lines (the first
/// stands). Linear in the events, plus the sort.
pub(crate) fn order(
    events: &mut Vec<CaseEvent>,
    errors: &mut Vec<EventError>,
) -> Vec<jiff::Timestamp> {
    // Repeats: sort by id then line, so that each id's first line comes first.
    let mut by_id: Vec<u32> = (0..events.len() as u32).collect();
    by_id.sort_unstable_by(|&a, &b| {
        let (a, b) = (&events[a as usize], &events[b as usize]);
        a.id.cmp(&b.id).then(a.line.cmp(&b.line))
    });
    let mut drop = Vec::new();
    for pair in by_id.windows(2) {
        let (first, next) = (&events[pair[0] as usize], &events[pair[1] as usize]);
        if first.id != next.id {
            continue;
        }
        drop.push(pair[1]);
        // Compare with the first of the id: walk back to it.
        let first = by_id
            .iter()
            .map(|&i| &events[i as usize])
            .find(|e| e.id == next.id)
            .unwrap_or(first);
        if !first.same_content(next) {
            errors.push(EventError {
                line: next.line as usize,
                id: Some(next.id.to_string()),
                field: Some("id".into()),
                message: format!(
                    "event `{}` on line {} repeats the id of line {} with different content: the event on line {} stands; give each event its own id",
                    shorten(&next.id),
                    next.line,
                    first.line,
                    first.line
                ),
            });
        }
    }
    if !drop.is_empty() {
        drop.sort_unstable();
        let mut index = 0u32;
        let mut skip = drop.iter().peekable();
        events.retain(|_| {
            let here = index;
            index += 1;
            if skip.peek() == Some(&&here) {
                skip.next();
                false
            } else {
                true
            }
        });
    }
    // A date alone counts as the start of its day, and the London day of an
    // instant rises with it: ordering by the starting instant is ordering by
    // `At::order_key`.
    let mut keyed: Vec<(jiff::Timestamp, u32, CaseEvent)> = events
        .drain(..)
        .map(|e| (e.at.start_instant(), e.line, e))
        .collect();
    keyed.sort_by_key(|a| (a.0, a.1));
    let mut keys = Vec::with_capacity(keyed.len());
    for (key, _, event) in keyed {
        keys.push(key);
        events.push(event);
    }
    keys
}

/// The closest of `candidates` to `name`, if close enough to suggest.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

fn list(items: &[Arc<str>]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// At most 40 characters of user input in a message.
pub(crate) fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

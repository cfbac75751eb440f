//! The rhai engine every script runs in: what it can do (only the functions
//! registered in [`crate::api`]), what it cannot (files, network, processes,
//! the environment, the clock, `eval`, `import`, `print`, `debug`), and how
//! far it can go ([`Limits`]), set explicitly so that debug and release
//! builds behave the same.

use duly_engine::Calendars;
use duly_engine::PluginAction;
use jiff::civil::Date;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use std::cell::{Cell, RefCell};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// How far a script may go in one hook call. Every limit is set on the
/// engine explicitly: rhai's own defaults differ between debug and release
/// builds, and some are unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Operations per call (a simple expression is a few).
    pub max_operations: u64,
    /// Wall time per call: a backstop for work that counts few operations.
    pub wall_time: Duration,
    /// Depth of nested function calls.
    pub max_call_levels: usize,
    /// Depth of nested expressions, at the top level and inside functions.
    pub max_expr_depths: (usize, usize),
    /// Bytes in a string.
    pub max_string_size: usize,
    /// Items in an array.
    pub max_array_size: usize,
    /// Entries in an object map.
    pub max_map_size: usize,
    /// Variables alive at once.
    pub max_variables: usize,
    /// Functions a script defines.
    pub max_functions: usize,
    /// Actions (`escalate`, `flag`, `require`, `note`) in one call.
    pub max_actions: usize,
    /// Characters in a reason or a note.
    pub max_reason_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 100_000,
            wall_time: Duration::from_millis(250),
            max_call_levels: 16,
            max_expr_depths: (64, 32),
            max_string_size: 10_000,
            max_array_size: 1_000,
            max_map_size: 200,
            max_variables: 200,
            max_functions: 100,
            max_actions: 20,
            max_reason_chars: 500,
        }
    }
}

/// A configured rhai engine with its limits. Scripts compile once to an
/// AST that every thread shares (rhai's `sync` feature).
pub struct Sandbox {
    pub(crate) engine: rhai::Engine,
    pub(crate) limits: Limits,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.limits)
            .finish()
    }
}

static STANDARD: LazyLock<Arc<Sandbox>> =
    LazyLock::new(|| Arc::new(Sandbox::new(Limits::default())));

/// How often (in operations) a running script looks at the wall clock.
const CLOCK_EVERY: u64 = 512;

impl Sandbox {
    /// The sandbox with the standard limits, shared.
    pub fn standard() -> Arc<Sandbox> {
        STANDARD.clone()
    }

    /// A sandbox with these limits.
    pub fn new(limits: Limits) -> Sandbox {
        // A raw engine has no functions at all; the packages below add the
        // language's own (numbers, text, arrays, maps, loops), and leave out
        // the clock (`timestamp`), `sleep`, `exit` and blobs.
        let mut engine = rhai::Engine::new_raw();
        for module in [
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
            BasicIteratorPackage::new().as_shared_module(),
            BasicFnPackage::new().as_shared_module(),
        ] {
            engine.register_global_module(module);
        }
        // Code from text, and output that could carry a child's facts into
        // logs, are refused when the script is compiled.
        for symbol in ["eval", "print", "debug"] {
            engine.disable_symbol(symbol);
        }
        engine.on_print(|_| {});
        engine.on_debug(|_, _, _| {});
        engine
            .set_max_operations(limits.max_operations)
            .set_max_call_levels(limits.max_call_levels)
            .set_max_expr_depths(limits.max_expr_depths.0, limits.max_expr_depths.1)
            .set_max_string_size(limits.max_string_size)
            .set_max_array_size(limits.max_array_size)
            .set_max_map_size(limits.max_map_size)
            .set_max_variables(limits.max_variables)
            .set_max_functions(limits.max_functions)
            .set_strict_variables(true)
            .set_fail_on_invalid_map_property(true)
            .set_optimization_level(rhai::OptimizationLevel::Simple);
        engine.on_progress(|operations| {
            if operations % CLOCK_EVERY != 0 {
                return None;
            }
            let late = DEADLINE.with(|d| d.get().is_some_and(|d| Instant::now() > d));
            late.then(|| rhai::Dynamic::from(TimeUp))
        });
        crate::api::register(&mut engine);
        Sandbox { engine, limits }
    }

    /// Its limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// The token a call stopped for its wall time carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeUp;

/// What a script did during one hook call, gathered by the functions it
/// calls.
#[derive(Debug, Default)]
pub(crate) struct CallState {
    /// Whether a hook is running (actions outside one are refused).
    pub active: bool,
    /// The rule set's calendars (kept from call to call: most calls share
    /// them).
    pub calendars: Option<Arc<Calendars>>,
    /// Working days count on this one of them.
    pub calendar: usize,
    /// The replay day.
    pub today: Option<Date>,
    /// The actions asked for.
    pub actions: Vec<PluginAction>,
    /// The earliest day `check_again_on` asked for.
    pub next_check: Option<Date>,
    /// Whether `check_again_after_next_event` was called.
    pub after_next_event: bool,
    /// Whether the script looked at anything that changes with time alone.
    pub read_time: bool,
    /// Limits on actions.
    pub max_actions: usize,
    /// Characters in a reason.
    pub max_reason_chars: usize,
}

thread_local! {
    pub(crate) static CALL: RefCell<CallState> = RefCell::new(CallState::default());
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `call` as one hook call, counting working days on calendar
/// `calendar` of `calendars`: with a fresh [`CallState`] and the wall clock
/// budget; returns what it gave and what the script did.
pub(crate) fn within<T>(
    sandbox: &Sandbox,
    calendars: &Arc<Calendars>,
    calendar: usize,
    today: Date,
    call: impl FnOnce() -> T,
) -> (T, CallState) {
    CALL.with(|state| {
        let mut state = state.borrow_mut();
        if !state
            .calendars
            .as_ref()
            .is_some_and(|known| Arc::ptr_eq(known, calendars))
        {
            state.calendars = Some(calendars.clone());
        }
        state.active = true;
        state.calendar = calendar;
        state.today = Some(today);
        state.next_check = None;
        state.after_next_event = false;
        state.read_time = false;
        state.max_actions = sandbox.limits.max_actions;
        state.max_reason_chars = sandbox.limits.max_reason_chars;
    });
    DEADLINE.with(|d| d.set(Some(Instant::now() + sandbox.limits.wall_time)));
    let result = call();
    DEADLINE.with(|d| d.set(None));
    let state = CALL.with(|state| {
        let mut state = state.borrow_mut();
        state.active = false;
        CallState {
            active: false,
            calendars: None,
            calendar,
            today: state.today.take(),
            actions: std::mem::take(&mut state.actions),
            next_check: state.next_check,
            after_next_event: state.after_next_event,
            read_time: state.read_time,
            max_actions: state.max_actions,
            max_reason_chars: state.max_reason_chars,
        }
    });
    (result, state)
}

//! The Duly engine: reads each child's events, tracks the state of their case
//! and every statutory deadline against a working-day calendar.

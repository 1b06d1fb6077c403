//! Readers and writers of the external formats Tollgate speaks: the Partner Center
//! reconciliation CSVs and Tollgate's native NDJSON records.
//!
//! Readers stream (one record in memory at a time), parse by header or field name, accept the
//! quirks `../shared/spec/formats.md` lists, and report every bad record with its line, field
//! and reason instead of stopping.

pub mod error;
pub mod native;
pub mod partner_center;

pub use error::{FileError, RecordError};

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

/// A line identity that sorts by owner: the first four bytes hash the customer, the rest is the
/// line's own 128-bit hash (truncated). The lines of one customer then sit together in a
/// store's key index, so a batch of a few hundred customers touches a few hundred index
/// regions instead of every page (measured: the commit's WAL writes dominated otherwise).
pub fn clustered_key(customer: &[u8], line_digest: u128) -> [u8; 16] {
    let mut key = line_digest.to_be_bytes();
    key[..4].copy_from_slice(&xxhash_rust::xxh3::xxh3_64(customer).to_be_bytes()[..4]);
    key
}

//! Partner Center's reconciliation files: the daily rated usage CSV and the invoice
//! reconciliation CSV, read by header name.

pub mod columns;
pub mod invoice_csv;
pub mod usage_csv;
pub mod utilization_json;

use tollgate_domain::customer::parse_country;

use crate::RecordError;

/// The customer a Partner Center file names on each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRef {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub country: Option<String>,
}

/// Reads a header into lower-case names, without the UTF-8 BOM that real files start with.
pub(crate) fn normalise_header(header: &csv::ByteRecord) -> Vec<String> {
    header
        .iter()
        .map(|name| {
            String::from_utf8_lossy(name)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase()
        })
        .collect()
}

/// Finds a column by any of its names (real files and old documentation disagree).
pub(crate) fn find_column(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|name| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

/// The text of a field, trimmed; `None` when absent or empty.
pub(crate) fn field(record: &csv::ByteRecord, idx: Option<usize>) -> Option<&str> {
    let bytes = record.get(idx?)?;
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if text.is_empty() { None } else { Some(text) }
}

/// A required text field, or an error naming it.
pub(crate) fn required<'r>(
    record: &'r csv::ByteRecord,
    idx: usize,
    name: &str,
    line: u64,
) -> Result<&'r str, RecordError> {
    let bytes = record
        .get(idx)
        .ok_or_else(|| RecordError::new(line, Some(name), "missing (row is truncated)"))?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| RecordError::new(line, Some(name), "not valid UTF-8"))?
        .trim();
    if text.is_empty() {
        return Err(RecordError::new(line, Some(name), "is empty"));
    }
    Ok(text)
}

/// The customer named on a line.
pub(crate) fn customer_ref(
    record: &csv::ByteRecord,
    line: u64,
    cols: &CustomerColumns,
) -> Result<CustomerRef, RecordError> {
    let id = required(record, cols.id, "CustomerId", line)?;
    tollgate_domain::ids::validate_id(id)
        .map_err(|e| RecordError::new(line, Some("CustomerId"), e.to_string()))?;
    let country = match field(record, cols.country) {
        Some(text) => Some(
            parse_country(text).map_err(|e| RecordError::new(line, Some("CustomerCountry"), e))?,
        ),
        None => None,
    };
    Ok(CustomerRef {
        id: id.to_string(),
        name: field(record, cols.name).unwrap_or(id).to_string(),
        domain: field(record, cols.domain).map(str::to_string),
        country,
    })
}

pub(crate) struct CustomerColumns {
    pub id: usize,
    pub name: Option<usize>,
    pub domain: Option<usize>,
    pub country: Option<usize>,
}

impl CustomerColumns {
    pub(crate) fn find(header: &[String], missing: &mut Vec<&'static str>) -> CustomerColumns {
        let id = find_column(header, &["CustomerId"]);
        if id.is_none() {
            missing.push("CustomerId");
        }
        CustomerColumns {
            id: id.unwrap_or(usize::MAX),
            name: find_column(header, &["CustomerName", "CustomerCompanyName"]),
            domain: find_column(header, &["CustomerDomainName"]),
            country: find_column(header, &["CustomerCountry"]),
        }
    }
}

/// The trailing-field check every CSV reader makes: a row with fewer fields than the header
/// was cut short (a truncated file, or an unquoted delimiter missing).
pub(crate) fn check_width(
    record: &csv::ByteRecord,
    width: usize,
    line: u64,
) -> Result<(), RecordError> {
    if record.len() < width {
        return Err(RecordError::new(
            line,
            None,
            format!("row is truncated: {} of {} fields", record.len(), width),
        ));
    }
    if record.len() > width {
        return Err(RecordError::new(
            line,
            None,
            format!("row has {} fields, the header {}", record.len(), width),
        ));
    }
    Ok(())
}

/// The identity of a line (a 128-bit hash over its identifying columns) and the hash of its
/// whole content: an equal identity with another content hash is a corrected line. Fields are
/// copied into `scratch` with a separator and hashed in one shot: measured 3× cheaper than
/// feeding a streaming hasher field by field, which took a fifth of the parse time.
pub(crate) fn line_identity(
    record: &csv::ByteRecord,
    key_columns: &[Option<usize>],
    scratch: &mut Vec<u8>,
) -> ([u8; 16], u64) {
    scratch.clear();
    for idx in key_columns {
        scratch.extend_from_slice(idx.and_then(|i| record.get(i)).unwrap_or_default());
        scratch.push(0x1f);
    }
    let owner = key_columns
        .first()
        .copied()
        .flatten()
        .and_then(|i| record.get(i))
        .unwrap_or_default();
    let key = crate::clustered_key(owner, xxhash_rust::xxh3::xxh3_128(scratch));
    scratch.clear();
    for field in record.iter() {
        scratch.extend_from_slice(field);
        scratch.push(0x1f);
    }
    (key, xxhash_rust::xxh3::xxh3_64(scratch))
}

/// Reads the next data record into `record`, skipping blank lines and repeated headers (as
/// concatenated exports have); gives its line number, or the unreadable row's error.
pub(crate) fn next_record<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
    header: &csv::ByteRecord,
) -> Option<Result<u64, RecordError>> {
    loop {
        match reader.read_byte_record(record) {
            Ok(false) => return None,
            Ok(true) => {
                if record == header
                    || (record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()))
                {
                    continue;
                }
                return Some(Ok(record.position().map(|p| p.line()).unwrap_or(0)));
            }
            Err(error) => {
                let line = error.position().map(|p| p.line()).unwrap_or(0);
                return Some(Err(RecordError::new(
                    line,
                    None,
                    format!("unreadable row: {error}"),
                )));
            }
        }
    }
}

//! The new-commerce daily rated usage reconciliation CSV, read as a stream of [`UsageRow`]s.
//!
//! Quirks accepted: a UTF-8 BOM before the first header, old column names (`MPNID`), any column
//! order, `MM/DD/YYYY` dates, amounts in scientific notation, JSON inside the `Tags` and
//! `AdditionalInfo` cells, and `ConsumedService` in mixed case.

use std::io::Read;
use std::sync::Arc;

use chrono::NaiveDate;
use tollgate_domain::money::{Currency, parse_micros};
use tollgate_domain::time::parse_partner_date;
use xxhash_rust::xxh3::xxh3_64;

use super::{
    CustomerColumns, CustomerRef, check_width, customer_ref, field, find_column, line_identity,
    next_record, normalise_header, required,
};
use crate::{FileError, RecordError};

/// One usage line as monitoring needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub line: u64,
    /// Shared with the neighbouring lines of the same customer (files group lines by customer).
    pub customer: Arc<CustomerRef>,
    /// The Partner Center subscription (the Azure plan), or the entitlement when absent.
    pub subscription_id: String,
    /// The Azure subscription.
    pub entitlement_id: Option<String>,
    pub product_name: Option<String>,
    pub sku_name: Option<String>,
    pub usage_date: NaiveDate,
    pub meter_category: String,
    /// Lower-case Azure region (`ResourceLocation`, else `MeterRegion`); empty when neither.
    pub region: String,
    pub unit: Option<String>,
    pub currency: Currency,
    pub cost_micros: i64,
    pub quantity_micros: i64,
    /// `VCPUs` from `AdditionalInfo`, when the line has it.
    pub vcpus: Option<u32>,
    pub vcpu_hours_micros: i64,
    pub consumed_service: Option<String>,
    /// Identity of the line across files.
    pub line_key: [u8; 16],
    /// Hash of every field: an equal key with another hash is a corrected line.
    pub content_hash: u64,
}

struct Columns {
    width: usize,
    customer: CustomerColumns,
    subscription: Option<usize>,
    entitlement: Option<usize>,
    product_name: Option<usize>,
    sku_name: Option<usize>,
    usage_date: usize,
    meter_category: usize,
    meter_id: Option<usize>,
    meter_region: Option<usize>,
    resource_location: Option<usize>,
    resource_uri: Option<usize>,
    unit: Option<usize>,
    consumed_service: Option<usize>,
    charge_type: Option<usize>,
    quantity: usize,
    cost: usize,
    currency: usize,
    additional_info: Option<usize>,
    benefit_id: Option<usize>,
    unit_type: Option<usize>,
}

impl Columns {
    fn find(header: &[String]) -> Result<Columns, FileError> {
        let mut missing = Vec::new();
        let customer = CustomerColumns::find(header, &mut missing);
        let need = |names: &[&str], missing: &mut Vec<&'static str>, label: &'static str| {
            let found = find_column(header, names);
            if found.is_none() {
                missing.push(label);
            }
            found.unwrap_or(usize::MAX)
        };
        let usage_date = need(&["UsageDate"], &mut missing, "UsageDate");
        let meter_category = need(&["MeterCategory"], &mut missing, "MeterCategory");
        let quantity = need(&["Quantity"], &mut missing, "Quantity");
        let cost = need(&["BillingPreTaxTotal"], &mut missing, "BillingPreTaxTotal");
        let currency = need(&["BillingCurrency"], &mut missing, "BillingCurrency");
        let subscription = find_column(header, &["SubscriptionId"]);
        let entitlement = find_column(header, &["EntitlementId"]);
        if subscription.is_none() && entitlement.is_none() {
            missing.push("SubscriptionId");
        }
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing.join(", ")));
        }
        Ok(Columns {
            width: header.len(),
            customer,
            subscription,
            entitlement,
            product_name: find_column(header, &["ProductName"]),
            sku_name: find_column(header, &["SkuName"]),
            usage_date,
            meter_category,
            meter_id: find_column(header, &["MeterId"]),
            meter_region: find_column(header, &["MeterRegion"]),
            resource_location: find_column(header, &["ResourceLocation"]),
            resource_uri: find_column(header, &["ResourceURI", "ResourceUri"]),
            unit: find_column(header, &["Unit"]),
            consumed_service: find_column(header, &["ConsumedService"]),
            charge_type: find_column(header, &["ChargeType"]),
            quantity,
            cost,
            currency,
            additional_info: find_column(header, &["AdditionalInfo"]),
            benefit_id: find_column(header, &["BenefitId"]),
            unit_type: find_column(header, &["UnitType"]),
        })
    }
}

/// Streams usage rows from a daily rated usage CSV.
pub struct UsageCsvReader<R: Read> {
    reader: csv::Reader<R>,
    columns: Columns,
    record: csv::ByteRecord,
    header: csv::ByteRecord,
    scratch: Vec<u8>,
    last_customer: Option<Arc<CustomerRef>>,
}

impl<R: Read> UsageCsvReader<R> {
    /// Reads the header; fails when it lacks a column Tollgate needs.
    pub fn new(input: R) -> Result<UsageCsvReader<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| FileError::BadHeader(e.to_string()))?
            .clone();
        let columns = Columns::find(&normalise_header(&header))?;
        Ok(UsageCsvReader {
            reader,
            columns,
            record: csv::ByteRecord::new(),
            header,
            scratch: Vec::with_capacity(1024),
            last_customer: None,
        })
    }

    fn parse_current(&mut self, line: u64) -> Result<UsageRow, RecordError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = &self.record;
        let c = &self.columns;
        check_width(r, c.width, line)?;
        // Lines come grouped by customer: reuse the previous line's customer when it is the same.
        let customer = match &self.last_customer {
            Some(last)
                if r.get(c.customer.id).map(|id| id.trim_ascii()) == Some(last.id.as_bytes()) =>
            {
                last.clone()
            }
            _ => {
                let fresh = Arc::new(customer_ref(r, line, &c.customer)?);
                self.last_customer = Some(fresh.clone());
                fresh
            }
        };
        let subscription_id = field(r, c.subscription)
            .or_else(|| field(r, c.entitlement))
            .ok_or_else(|| RecordError::new(line, Some("SubscriptionId"), "is empty"))?
            .to_string();
        let date_text = required(r, c.usage_date, "UsageDate", line)?;
        let usage_date = parse_partner_date(date_text)
            .map_err(|e| RecordError::new(line, Some("UsageDate"), e))?;
        let meter_category = required(r, c.meter_category, "MeterCategory", line)?.to_string();
        let quantity_micros = parse_micros(required(r, c.quantity, "Quantity", line)?)
            .map_err(|e| RecordError::new(line, Some("Quantity"), e.to_string()))?;
        let cost_micros = parse_micros(required(r, c.cost, "BillingPreTaxTotal", line)?)
            .map_err(|e| RecordError::new(line, Some("BillingPreTaxTotal"), e.to_string()))?;
        let currency = Currency::parse(required(r, c.currency, "BillingCurrency", line)?)
            .map_err(|e| RecordError::new(line, Some("BillingCurrency"), e.to_string()))?;
        let region = field(r, c.resource_location)
            .or_else(|| field(r, c.meter_region))
            .unwrap_or("")
            .to_ascii_lowercase();
        let unit = field(r, c.unit).map(str::to_string);
        let vcpus = match field(r, c.additional_info) {
            Some(info) => vcpus_from_additional_info(info)
                .map_err(|e| RecordError::new(line, Some("AdditionalInfo"), e))?,
            None => None,
        };
        let vcpu_hours_micros = match (vcpus, unit.as_deref().and_then(hours_per_unit)) {
            (Some(n), Some(hours)) => quantity_micros
                .checked_mul(hours)
                .and_then(|q| q.checked_mul(n as i64))
                .ok_or_else(|| RecordError::new(line, Some("Quantity"), "vCPU-hours overflow"))?,
            _ => 0,
        };
        // Identity: who, which subscription and resource, which meter, which day, which charge.
        let (line_key, content_hash) = line_identity(
            r,
            &[
                Some(c.customer.id),
                c.subscription,
                c.entitlement,
                Some(c.usage_date),
                c.meter_id,
                Some(c.meter_category),
                c.resource_uri,
                c.resource_location,
                c.charge_type,
                c.unit_type,
                c.benefit_id,
            ],
            &mut scratch,
        );
        self.scratch = scratch;
        Ok(UsageRow {
            line,
            customer,
            subscription_id,
            entitlement_id: field(r, c.entitlement).map(str::to_string),
            product_name: field(r, c.product_name).map(str::to_string),
            sku_name: field(r, c.sku_name).map(str::to_string),
            usage_date,
            meter_category,
            region,
            unit,
            currency,
            cost_micros,
            quantity_micros,
            vcpus,
            vcpu_hours_micros,
            consumed_service: field(r, c.consumed_service).map(|s| s.to_ascii_lowercase()),
            line_key,
            content_hash,
        })
    }
}

impl<R: Read> Iterator for UsageCsvReader<R> {
    type Item = Result<UsageRow, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = match next_record(&mut self.reader, &mut self.record, &self.header)? {
            Ok(line) => line,
            Err(error) => return Some(Err(error)),
        };
        Some(self.parse_current(line))
    }
}

/// Hours per unit of quantity for hour-metered units (`1 Hour`, `10 Hours`, `100 Hours`).
pub fn hours_per_unit(unit: &str) -> Option<i64> {
    let lower = unit.trim().to_ascii_lowercase();
    let rest = lower
        .strip_suffix("hours")
        .or_else(|| lower.strip_suffix("hour"))?;
    let count = rest.trim();
    if count.is_empty() {
        return Some(1);
    }
    count.parse().ok()
}

/// `VCPUs` from an `AdditionalInfo` JSON cell. Cells without it give `None`; a cell that is not
/// JSON is an error only when it mentions VCPUs (other cells are free text in some exports).
pub fn vcpus_from_additional_info(info: &str) -> Result<Option<u32>, String> {
    // Most usage lines are not compute: find the key without allocating.
    let quoted = find_ignore_case(info.as_bytes(), b"\"vcpus\"");
    if quoted.is_none() && find_ignore_case(info.as_bytes(), b"vcpus").is_none() {
        return Ok(None);
    }
    // The usual shape, `"VCPUs":2`, read by hand; anything else goes through a JSON parser.
    if let Some(value) = quoted.and_then(|at| info[at + 7..].trim_start().strip_prefix(':')) {
        let digits: &str = value.trim_start();
        let end = digits.bytes().take_while(u8::is_ascii_digit).count();
        let after = digits[end..].trim_start();
        if end > 0 && (after.starts_with(',') || after.starts_with('}')) {
            return digits[..end]
                .parse()
                .map(Some)
                .map_err(|_| format!("VCPUs is too large: {}", &digits[..end]));
        }
    }
    let value: serde_json::Value =
        serde_json::from_str(info).map_err(|e| format!("not JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Ok(None);
    };
    let Some(found) = object.iter().find(|(k, _)| k.eq_ignore_ascii_case("vcpus")) else {
        return Ok(None);
    };
    let number = match found.1 {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    number
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| format!("VCPUs is not a whole number: {}", found.1))
}

/// The position of `needle` in `haystack`, ASCII case-insensitively.
fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// The content hash used for a whole line, for callers that build rows by hand.
pub fn hash_text(text: &str) -> u64 {
    xxh3_64(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner_center::columns::USAGE_COLUMNS;

    fn row(overrides: &[(&str, &str)]) -> String {
        USAGE_COLUMNS
            .iter()
            .map(|col| {
                let value = overrides
                    .iter()
                    .find(|(k, _)| k == col)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_else(|| match *col {
                        "CustomerId" => "c-1".into(),
                        "CustomerName" => "Contoso".into(),
                        "CustomerCountry" => "CZ".into(),
                        "SubscriptionId" => "s-1".into(),
                        "UsageDate" => "03/07/2026".into(),
                        "MeterCategory" => "Virtual Machines".into(),
                        "MeterId" => "m-1".into(),
                        "Unit" => "1 Hour".into(),
                        "ResourceLocation" => "WestEurope".into(),
                        "Quantity" => "24".into(),
                        "BillingPreTaxTotal" => "7.10833E-05".into(),
                        "BillingCurrency" => "EUR".into(),
                        "AdditionalInfo" => {
                            "{\"VCPUs\":2,\"ServiceType\":\"Standard_D2s_v3\"}".into()
                        }
                        _ => String::new(),
                    });
                if value.contains([',', '"']) {
                    format!("\"{}\"", value.replace('"', "\"\""))
                } else {
                    value
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn file(rows: &[String]) -> String {
        format!("\u{feff}{}\n{}\n", USAGE_COLUMNS.join(","), rows.join("\n"))
    }

    #[test]
    fn reads_a_real_shaped_line_with_its_quirks() {
        let text = file(&[row(&[])]);
        let rows: Vec<_> = UsageCsvReader::new(text.as_bytes()).unwrap().collect();
        let got = rows[0].as_ref().unwrap();
        assert_eq!(got.line, 2);
        assert_eq!(got.customer.id, "c-1");
        assert_eq!(got.usage_date, NaiveDate::from_ymd_opt(2026, 3, 7).unwrap());
        assert_eq!(got.cost_micros, 71);
        assert_eq!(got.region, "westeurope");
        assert_eq!(got.vcpus, Some(2));
        assert_eq!(got.vcpu_hours_micros, 48_000_000);
    }

    #[test]
    fn bad_rows_are_named_and_good_rows_kept() {
        let mut truncated = row(&[]);
        truncated.truncate(truncated.rfind(',').unwrap());
        let text = file(&[
            row(&[]),
            row(&[("UsageDate", "13/45/2026")]),
            truncated,
            row(&[("Quantity", "lots")]),
            row(&[("MeterId", "m-2")]),
        ]);
        let rows: Vec<_> = UsageCsvReader::new(text.as_bytes()).unwrap().collect();
        let errors: Vec<String> = rows
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| e.to_string())
            .collect();
        assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 2);
        assert_eq!(errors.len(), 3);
        assert!(errors[0].starts_with("line 3: UsageDate:"), "{errors:?}");
        assert!(
            errors[1].starts_with("line 4: row is truncated"),
            "{errors:?}"
        );
        assert!(errors[2].starts_with("line 5: Quantity:"), "{errors:?}");
    }

    #[test]
    fn a_header_without_needed_columns_is_refused() {
        let text = "CustomerId,Date,Cost\nc-1,03/07/2026,1\n";
        let error = UsageCsvReader::new(text.as_bytes()).err().unwrap();
        let message = error.to_string();
        assert!(
            message.contains("UsageDate") && message.contains("BillingPreTaxTotal"),
            "{message}"
        );
    }

    #[test]
    fn a_corrected_line_keeps_its_key_and_changes_its_hash() {
        let text = file(&[row(&[]), row(&[("Quantity", "25")])]);
        let rows: Vec<UsageRow> = UsageCsvReader::new(text.as_bytes())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows[0].line_key, rows[1].line_key);
        assert_ne!(rows[0].content_hash, rows[1].content_hash);
    }

    #[test]
    fn units_and_additional_info() {
        assert_eq!(hours_per_unit("1 Hour"), Some(1));
        assert_eq!(hours_per_unit("100 Hours"), Some(100));
        assert_eq!(hours_per_unit("1 GB"), None);
        assert_eq!(
            vcpus_from_additional_info("{\"vcpus\":\"4\"}").unwrap(),
            Some(4)
        );
        assert_eq!(
            vcpus_from_additional_info("{\"ImageType\":\"x\"}").unwrap(),
            None
        );
        assert!(vcpus_from_additional_info("{VCPUs:2").is_err());
    }
}

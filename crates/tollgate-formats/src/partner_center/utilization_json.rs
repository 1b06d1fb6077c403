//! Partner Center Azure utilization records (`GET …/utilizations/azure`, the legacy usage
//! API): a JSON collection of `items` with quantities but no prices. Quantities are read from
//! their exact JSON text, never through a float. The owner is taken from the collection's
//! `links.self.uri` (`customers/{cid}/subscriptions/{sid}/…`) when the file has it.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::value::RawValue;
use tollgate_domain::money::parse_micros;
use tollgate_domain::time::Timestamp;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::{FileError, RecordError};

/// One utilization record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtilizationRow {
    /// Line of the file where the record starts.
    pub line: u64,
    pub day: NaiveDate,
    pub meter_category: String,
    pub meter_name: String,
    pub region: String,
    pub unit: String,
    pub quantity_micros: i64,
    pub resource_uri: Option<String>,
    /// Identity: resource, meter, start time and instance.
    pub line_key: [u8; 16],
    pub content_hash: u64,
}

/// The owner the collection names, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionOwner {
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
}

#[derive(Deserialize)]
struct Collection<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(default)]
    links: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    usage_start_time: String,
    resource: Resource,
    #[serde(borrow)]
    quantity: &'a RawValue,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    instance_data: Option<InstanceData>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstanceData {
    #[serde(default)]
    resource_uri: Option<String>,
    #[serde(default)]
    location: Option<String>,
}

fn owner_from_links(links: &Option<serde_json::Value>) -> CollectionOwner {
    let uri = links
        .as_ref()
        .and_then(|l| l["self"]["uri"].as_str())
        .unwrap_or("");
    let parts: Vec<&str> = uri.split(['/', '?']).collect();
    let after = |name: &str| {
        parts
            .windows(2)
            .find(|w| w[0] == name)
            .map(|w| w[1].to_string())
    };
    CollectionOwner {
        customer_id: after("customers"),
        subscription_id: after("subscriptions"),
    }
}

/// Reads a utilization collection: the owner it names and each record, or why a record could
/// not be read (with its line). A file that is not such a collection is refused whole.
pub fn read_utilization(
    text: &str,
) -> Result<(CollectionOwner, Vec<Result<UtilizationRow, RecordError>>), FileError> {
    let text = text.trim_start_matches('\u{feff}');
    let collection: Collection<'_> = serde_json::from_str(text)
        .map_err(|e| FileError::BadHeader(format!("not a utilization collection: {e}")))?;
    let line_of = |raw: &RawValue| -> u64 {
        let offset = (raw.get().as_ptr() as usize)
            .saturating_sub(text.as_ptr() as usize)
            .min(text.len());
        text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1
    };
    let rows = collection
        .items
        .iter()
        .map(|raw| {
            let line = line_of(raw);
            let item: Item<'_> = serde_json::from_str(raw.get())
                .map_err(|e| RecordError::new(line, None, format!("unreadable record: {e}")))?;
            let start = Timestamp::parse_rfc3339(&item.usage_start_time)
                .map_err(|e| RecordError::new(line, Some("usageStartTime"), e))?;
            let quantity_micros = parse_micros(item.quantity.get())
                .map_err(|e| RecordError::new(line, Some("quantity"), e.to_string()))?;
            if item.resource.category.trim().is_empty() {
                return Err(RecordError::new(
                    line,
                    Some("resource.category"),
                    "is empty",
                ));
            }
            let instance = item.instance_data.unwrap_or(InstanceData {
                resource_uri: None,
                location: None,
            });
            let region = instance
                .location
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| item.resource.region.clone())
                .to_ascii_lowercase();
            let identity = format!(
                "utilization\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                item.resource.id,
                item.usage_start_time,
                instance.resource_uri.as_deref().unwrap_or(""),
                region
            );
            Ok(UtilizationRow {
                line,
                day: start.date_utc(),
                meter_category: item.resource.category,
                meter_name: item.resource.name,
                region,
                unit: item.unit,
                quantity_micros,
                resource_uri: instance.resource_uri,
                line_key: xxh3_128(identity.as_bytes()).to_be_bytes(),
                content_hash: xxh3_64(raw.get().as_bytes()),
            })
        })
        .collect();
    Ok((owner_from_links(&collection.links), rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/partner-center/GetAzureUtilization.json"
        );
        std::fs::read_to_string(path).expect("the shared fixture is beside the project")
    }

    #[test]
    fn the_real_fixture_reads_all_37_records_exactly() {
        let (owner, rows) = read_utilization(&fixture()).expect("a collection");
        assert_eq!(rows.len(), 37);
        let rows: Vec<UtilizationRow> = rows
            .into_iter()
            .map(|r| r.expect("every record reads"))
            .collect();
        assert_eq!(
            owner.customer_id.as_deref(),
            Some("278aaea7-4b3f-4a69-a115-ab07bf793396")
        );
        assert_eq!(
            owner.subscription_id.as_deref(),
            Some("46a62ece-10ad-42e5-b3f1-b2ed53e6fc08")
        );
        let first = &rows[0];
        assert_eq!(
            first.quantity_micros, 5_300,
            "0.0053 read from its text, not a float"
        );
        assert_eq!(first.meter_category, "Data Management");
        assert_eq!(first.region, "uswest");
        assert_eq!(
            first.day,
            NaiveDate::from_ymd_opt(2018, 7, 20).expect("date")
        );
        assert!(first.line > 1);
        let keys: std::collections::HashSet<_> = rows.iter().map(|r| r.line_key).collect();
        assert_eq!(keys.len(), 37, "every record has its own identity");
    }

    #[test]
    fn bad_records_are_named_and_a_wrong_file_is_refused() {
        let text = "{\"totalCount\":2,\"items\":[\n{\"usageStartTime\":\"2018-07-20T00:00:00+00:00\",\"resource\":{\"category\":\"Storage\"},\"quantity\":1.5,\"unit\":\"1 GB\"},\n{\"usageStartTime\":\"yesterday\",\"resource\":{\"category\":\"Storage\"},\"quantity\":1}\n]}";
        let (_, rows) = read_utilization(text).expect("a collection");
        assert_eq!(rows[0].as_ref().expect("good").quantity_micros, 1_500_000);
        let error = rows[1].as_ref().expect_err("bad date");
        assert_eq!(
            (error.line, error.field.as_deref()),
            (3, Some("usageStartTime"))
        );
        assert!(read_utilization("[1,2,3]").is_err());
    }
}

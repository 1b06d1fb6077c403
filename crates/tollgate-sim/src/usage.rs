//! The Azure plans' daily rated usage: which resources each customer runs, how much each
//! burns a day (by the customer's behaviour), and the Partner Center CSV rows that report it.
//!
//! Every (customer, Azure plan, resource, meter, day) appears at most once, so the reader's
//! line identity is unique. Quantities and prices are integer micro-units; a quarter of the
//! amount cells are printed in scientific notation, as real files do.

use std::io::{self, Write};

use chrono::NaiveDate;
use rand::Rng;
use tollgate_formats::partner_center::columns::USAGE_COLUMNS;

use crate::Partner;
use crate::book::{Label, SimCustomer, SimSubscription};
use crate::calendar::{Day, Period};
use crate::catalog::{self, Meter};
use crate::decimal;
use crate::geo::{self, Region};
use crate::rng::{self, SimRng};

/// How a line's daily quantity comes about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// Runs around the clock: the same number of hours every day, bar the odd maintenance stop.
    AlwaysOn { hours_micros: i64 },
    /// Runs flat out around the clock and is never stopped, as miners run.
    FlatOut { hours_micros: i64 },
    /// A development machine: a working day's hours on weekdays, off at weekends.
    OfficeHours,
    /// A monthly unit (a disk, a GB stored) billed in daily shares of the month.
    MonthlyShare { units_micros: i64 },
    /// Traffic or operations around a base volume, lower at weekends.
    Variable {
        base_micros: i64,
        weekend_per_mille: i64,
    },
}

/// One meter of one resource of one Azure plan: everything its rows share.
#[derive(Debug, Clone)]
struct Line {
    meter: &'static Meter,
    meter_id: String,
    meter_region: &'static str,
    location: &'static str,
    consumed_service: String,
    resource_group: String,
    resource_uri: String,
    tags: String,
    additional_info: String,
    unit_price_micros: i64,
    unit_price_plain: String,
    unit_price_scientific: String,
    pattern: Pattern,
    /// The first day (index into the period) the resource exists.
    first_day: usize,
    /// Whether a budget buster's growth applies to it.
    grows: bool,
}

/// How a plan's usage varies: noise, and a budget buster's growth.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    /// Daily noise, ± per mille.
    noise_per_mille: i64,
    /// Whether traffic dips at weekends (steady customers' does not).
    weekly_rhythm: bool,
    /// `(from day, last day, extra per mille reached on the last day)`.
    growth: Option<(usize, usize, i64)>,
}

/// A compute jump: the day an Azure plan's vCPU-hours jumped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeJump {
    pub customer_id: String,
    pub subscription_id: String,
    pub from: NaiveDate,
}

/// Builds the lines of one plan, with the plan-wide context they share.
struct PlanBuilder<'a> {
    partner_rate: i64,
    entitlement_id: &'a str,
    short_name: &'a str,
    steady: bool,
    lines: Vec<Line>,
}

impl PlanBuilder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        meter: &'static Meter,
        region: Region,
        resource_group: &str,
        resource_uri: &str,
        tags: &str,
        lower_case_service: bool,
        pattern: Pattern,
        first_day: usize,
        grows: bool,
    ) {
        let region_idx = geo::ALL_REGIONS
            .iter()
            .position(|r| *r == region)
            .unwrap_or(0);
        let unit_price_micros =
            decimal::scale(meter.usd_price_micros, self.partner_rate, decimal::MICROS).max(1);
        let additional_info = match meter.vm {
            Some(vm) => format!(
                "{{\"ImageType\":null,\"ServiceType\":\"{}\",\"VMName\":null,\"VMProperties\":null,\"VCPUs\":{},\"CPUs\":0}}",
                vm.service_type, vm.vcpus
            ),
            None => String::new(),
        };
        self.lines.push(Line {
            meter,
            meter_id: catalog::meter_id(meter, region_idx),
            meter_region: if meter.zone_metered {
                "Zone 1"
            } else {
                region.meter_region
            },
            location: region.location,
            consumed_service: if lower_case_service {
                meter.service.to_ascii_lowercase()
            } else {
                meter.service.to_string()
            },
            resource_group: resource_group.to_string(),
            resource_uri: resource_uri.to_string(),
            tags: tags.to_string(),
            additional_info,
            unit_price_micros,
            unit_price_plain: decimal::plain(unit_price_micros, 0),
            unit_price_scientific: decimal::scientific(unit_price_micros),
            pattern,
            first_day,
            grows,
        });
    }

    /// `/subscriptions/<entitlement>/resourceGroups/<group>/providers/<type>/<name>`.
    fn uri(&self, group: &str, provider_type: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{group}/providers/{provider_type}/{name}",
            self.entitlement_id
        )
    }
}

const PROD_GROUPS: &[&str] = &["rg-prod", "rg-web-prod", "rg-erp", "rg-shared", "rg-backup"];
const DEV_GROUPS: &[&str] = &["rg-dev", "rg-test"];
const VM_ROLES: &[&str] = &[
    "web", "app", "sql", "dc", "erp", "rds", "files", "build", "jump",
];

fn tags_for(rng: &mut SimRng, env: &str) -> String {
    match rng::between(rng, 0, 9) {
        0..=2 => String::new(),
        3..=7 => format!("{{\"env\":\"{env}\"}}"),
        _ => format!(
            "{{\"env\":\"{env}\",\"costcenter\":\"{}\"}}",
            rng::between(rng, 1000, 9999)
        ),
    }
}

/// Everything one Azure plan runs, and the compute jump if the customer has one.
struct PlanUsage {
    lines: Vec<Line>,
    behaviour: Behaviour,
    jump: Option<NaiveDate>,
}

fn plan_usage(
    rng: &mut SimRng,
    customer: &SimCustomer,
    plan: &SimSubscription,
    period: &Period,
) -> PlanUsage {
    let last = period.days.len().saturating_sub(1);
    let window_start = period.day_idx(plan.created_on.max(period.start));
    let steady = customer.label == Label::Steady;
    let mut b = PlanBuilder {
        partner_rate: geo::usd_rate_micros(customer.currency),
        entitlement_id: plan.entitlement_id.as_deref().unwrap_or(&plan.record.id),
        short_name: &customer.short_name,
        steady,
        lines: Vec::new(),
    };
    let home = geo::home_region(rng, customer.country);
    let region_for = |rng: &mut SimRng| {
        if rng::chance(rng, 850) {
            home
        } else {
            geo::home_region(rng, customer.country)
        }
    };
    let start_for = |rng: &mut SimRng, steady: bool| {
        if !steady && rng::chance(rng, 100) {
            rng::between(rng, window_start as i64, last as i64) as usize
        } else {
            window_start
        }
    };

    let n_vms = *rng::pick_weighted(rng, &[(0usize, 10), (1, 35), (2, 30), (3, 15), (4, 10)]);
    for vm_idx in 0..n_vms {
        let size: &'static Meter = rng::pick_weighted(rng, catalog::ORDINARY_VM_SIZES);
        let prod = b.steady || rng::chance(rng, 750);
        let (env, group) = if prod {
            ("prod", *rng::pick(rng, PROD_GROUPS))
        } else {
            ("dev", *rng::pick(rng, DEV_GROUPS))
        };
        let region = region_for(rng);
        let name = format!("vm-{}-{:02}", rng::pick(rng, VM_ROLES), vm_idx + 1);
        let uri = b.uri(group, "Microsoft.Compute/virtualMachines", &name);
        let tags = tags_for(rng, env);
        let lower = rng::chance(rng, 200);
        let first_day = start_for(rng, b.steady);
        let pattern = if prod {
            Pattern::AlwaysOn {
                hours_micros: 24 * decimal::MICROS,
            }
        } else {
            Pattern::OfficeHours
        };
        b.add(
            size, region, group, &uri, &tags, lower, pattern, first_day, false,
        );
        if rng::chance(rng, 600) {
            let base_micros = rng::between(rng, 200_000, 20_000_000);
            b.add(
                &catalog::DATA_TRANSFER_OUT,
                region,
                group,
                &uri,
                &tags,
                lower,
                Pattern::Variable {
                    base_micros,
                    weekend_per_mille: 600,
                },
                first_day,
                true,
            );
        }
        let disk = if rng::chance(rng, 600) {
            &catalog::DISK_P10
        } else {
            &catalog::DISK_E10
        };
        let disk_name = format!("{name}_OsDisk_1_{}", rng::hex(rng, 32));
        let disk_uri = b.uri(group, "Microsoft.Compute/disks", &disk_name);
        b.add(
            disk,
            region,
            group,
            &disk_uri,
            &tags,
            lower,
            Pattern::MonthlyShare {
                units_micros: decimal::MICROS,
            },
            first_day,
            false,
        );
    }

    let n_storage = *rng::pick_weighted(rng, &[(0usize, 25), (1, 50), (2, 25)]);
    for storage_idx in 0..n_storage {
        let region = region_for(rng);
        let first_day = start_for(rng, steady);
        add_storage_account(rng, &mut b, region, storage_idx, first_day);
    }

    if rng::chance(rng, 300) {
        let region = region_for(rng);
        let group = format!("rg-{}-web", b.short_name);
        let uri = b.uri(
            &group,
            "Microsoft.Web/serverFarms",
            &format!("asp-{}-prod", b.short_name),
        );
        let tags = tags_for(rng, "prod");
        let first_day = start_for(rng, steady);
        b.add(
            &catalog::APP_SERVICE_B1,
            region,
            &group,
            &uri,
            &tags,
            false,
            Pattern::AlwaysOn {
                hours_micros: 24 * decimal::MICROS,
            },
            first_day,
            false,
        );
    }

    if rng::chance(rng, 250) {
        let region = region_for(rng);
        let group = format!("rg-{}-data", b.short_name);
        let database = format!("sqldb-{}", rng::pick(rng, &["app", "erp", "crm", "shop"]));
        let uri = b.uri(
            &group,
            "Microsoft.Sql/servers",
            &format!("sql-{}/databases/{database}", b.short_name),
        );
        let tags = tags_for(rng, "prod");
        let lower = rng::chance(rng, 200);
        let first_day = start_for(rng, steady);
        let vcores = *rng::pick(rng, &[2i64, 2, 4]);
        b.add(
            &catalog::SQL_VCORE,
            region,
            &group,
            &uri,
            &tags,
            lower,
            Pattern::AlwaysOn {
                hours_micros: 24 * vcores * decimal::MICROS,
            },
            first_day,
            false,
        );
        let units_micros = rng::between(rng, 5, 250) * decimal::MICROS;
        b.add(
            &catalog::SQL_DATA_STORED,
            region,
            &group,
            &uri,
            &tags,
            lower,
            Pattern::MonthlyShare { units_micros },
            first_day,
            true,
        );
    }

    let n_ips = *rng::pick_weighted(rng, &[(0usize, 40), (1, 40), (2, 20)]);
    for ip_idx in 0..n_ips {
        let region = region_for(rng);
        let group = *rng::pick(rng, PROD_GROUPS);
        let uri = b.uri(
            group,
            "Microsoft.Network/publicIPAddresses",
            &format!("pip-{}-{:02}", b.short_name, ip_idx + 1),
        );
        let first_day = start_for(rng, steady);
        b.add(
            &catalog::PUBLIC_IP,
            region,
            group,
            &uri,
            "",
            false,
            Pattern::AlwaysOn {
                hours_micros: 24 * decimal::MICROS,
            },
            first_day,
            false,
        );
    }

    if b.lines.is_empty() {
        add_storage_account(rng, &mut b, home, 0, window_start);
    }

    let span = last.saturating_sub(window_start);
    let mut behaviour = Behaviour {
        noise_per_mille: if steady { 10 } else { 250 },
        weekly_rhythm: !steady,
        growth: None,
    };
    if customer.label == Label::BudgetBuster {
        let from = window_start + span * rng::between(rng, 35, 60) as usize / 100;
        behaviour.growth = Some((from, last, rng::between(rng, 2000, 5000)));
        add_scale_out(rng, &mut b, home, from, last);
    }

    let mut jump = None;
    if customer.compute_jump {
        let from = window_start + span * rng::between(rng, 40, 85) as usize / 100;
        add_mining(rng, &mut b, customer, from);
        jump = period.days.get(from).map(|day| day.date);
    }

    PlanUsage {
        lines: b.lines,
        behaviour,
        jump,
    }
}

fn add_storage_account(
    rng: &mut SimRng,
    b: &mut PlanBuilder<'_>,
    region: Region,
    storage_idx: usize,
    first_day: usize,
) {
    let group = *rng::pick(rng, PROD_GROUPS);
    let name = format!("st{}{}{}", b.short_name, storage_idx + 1, rng::hex(rng, 4));
    let uri = b.uri(group, "Microsoft.Storage/storageAccounts", &name);
    let tags = tags_for(rng, "prod");
    let lower = rng::chance(rng, 200);
    let stored = rng::between(rng, 20, 2000) * decimal::MICROS;
    b.add(
        &catalog::BLOB_DATA_STORED,
        region,
        group,
        &uri,
        &tags,
        lower,
        Pattern::MonthlyShare {
            units_micros: stored,
        },
        first_day,
        true,
    );
    let reads = rng::between(rng, 500_000, 50_000_000);
    b.add(
        &catalog::BLOB_READ_OPERATIONS,
        region,
        group,
        &uri,
        &tags,
        lower,
        Pattern::Variable {
            base_micros: reads,
            weekend_per_mille: 500,
        },
        first_day,
        true,
    );
    if rng::chance(rng, 500) {
        let writes = rng::between(rng, 100_000, 10_000_000);
        b.add(
            &catalog::BLOB_WRITE_OPERATIONS,
            region,
            group,
            &uri,
            &tags,
            lower,
            Pattern::Variable {
                base_micros: writes,
                weekend_per_mille: 500,
            },
            first_day,
            true,
        );
    }
    if rng::chance(rng, 200) {
        let operations = rng::between(rng, 10_000, 2_000_000);
        b.add(
            &catalog::TABLE_OPERATIONS,
            region,
            group,
            &uri,
            &tags,
            lower,
            Pattern::Variable {
                base_micros: operations,
                weekend_per_mille: 700,
            },
            first_day,
            true,
        );
    }
}

/// A budget buster scales out in the later part of the period: more App Service instances
/// and a bigger database, one after another. None of it is virtual machines, so budget
/// busting and compute jumps stay distinct signals.
fn add_scale_out(
    rng: &mut SimRng,
    b: &mut PlanBuilder<'_>,
    region: Region,
    from: usize,
    last: usize,
) {
    let group = format!("rg-{}-scale", b.short_name);
    let tags = tags_for(rng, "prod");
    let instances = rng::between(rng, 3, 6) as usize;
    let span = last.saturating_sub(from);
    for instance in 0..instances {
        let first_day = from + span * instance / instances;
        let uri = b.uri(
            &group,
            "Microsoft.Web/serverFarms",
            &format!("asp-{}-scale-{}", b.short_name, instance + 1),
        );
        b.add(
            &catalog::APP_SERVICE_P1V3,
            region,
            &group,
            &uri,
            &tags,
            false,
            Pattern::AlwaysOn {
                hours_micros: 24 * decimal::MICROS,
            },
            first_day,
            false,
        );
    }
    let vcores = rng::between(rng, 4, 8);
    let uri = b.uri(
        &group,
        "Microsoft.Sql/servers",
        &format!("sql-{}-scale/databases/sqldb-events", b.short_name),
    );
    b.add(
        &catalog::SQL_VCORE,
        region,
        &group,
        &uri,
        &tags,
        false,
        Pattern::AlwaysOn {
            hours_micros: 24 * vcores * decimal::MICROS,
        },
        from + span / 3,
        false,
    );
}

/// vCPU-hours a plan's ordinary virtual machines can burn on their busiest day.
fn peak_vcpu_hours(lines: &[Line]) -> i64 {
    lines
        .iter()
        .filter_map(|line| {
            let vcpus = i64::from(line.meter.vm?.vcpus);
            Some(match line.pattern {
                Pattern::AlwaysOn { hours_micros } | Pattern::FlatOut { hours_micros } => {
                    vcpus * hours_micros / decimal::MICROS
                }
                Pattern::OfficeHours => vcpus * 12,
                _ => 0,
            })
        })
        .sum()
}

/// Crypto-mining-like virtual machines: big or GPU sizes in a distant region, around the
/// clock, from `from` on, adding at least eleven times the plan's peak vCPU-hours so the
/// plan's vCPU-hours jump ×10 or more.
fn add_mining(rng: &mut SimRng, b: &mut PlanBuilder<'_>, customer: &SimCustomer, from: usize) {
    let size: &'static Meter = rng::pick_weighted(rng, catalog::MINING_VM_SIZES);
    let per_vm = i64::from(size.vm.map_or(1, |vm| vm.vcpus)) * 24;
    let needed = (peak_vcpu_hours(&b.lines) * 11).max(192);
    let count = ((needed + per_vm - 1) / per_vm).clamp(2, 80);
    let region = geo::distant_region(rng, customer.country);
    let group = format!("rg-{}", rng::hex(rng, 6));
    for vm_idx in 0..count {
        let name = format!("vm{}{:02}", rng::hex(rng, 6), vm_idx + 1);
        let uri = b.uri(&group, "Microsoft.Compute/virtualMachines", &name);
        b.add(
            size,
            region,
            &group,
            &uri,
            "",
            true,
            Pattern::FlatOut {
                hours_micros: 24 * decimal::MICROS,
            },
            from,
            false,
        );
    }
}

/// A line's quantity on `day`, in micro-units of its unit; zero means no row.
fn quantity(rng: &mut SimRng, line: &Line, behaviour: Behaviour, day_idx: usize, day: &Day) -> i64 {
    let noise = |rng: &mut SimRng, spread: i64| 1000 + rng::between(rng, -spread, spread);
    let growth = match behaviour.growth {
        Some((from, last, extra)) if line.grows && day_idx >= from => {
            let span = (last - from).max(1) as i64;
            1000 + extra * (day_idx - from) as i64 / span
        }
        _ => 1000,
    };
    match line.pattern {
        Pattern::AlwaysOn { hours_micros } => {
            // Ordinary machines are now and then stopped for a few hours of maintenance.
            if behaviour.noise_per_mille > 10 && rng::chance(rng, 30) {
                decimal::scale(hours_micros, rng::between(rng, 16, 23), 24)
            } else {
                hours_micros
            }
        }
        Pattern::FlatOut { hours_micros } => hours_micros,
        Pattern::OfficeHours => {
            if day.weekend {
                0
            } else {
                rng::between(rng, 8, 12) * decimal::MICROS
            }
        }
        Pattern::MonthlyShare { units_micros } => {
            let share = decimal::scale(units_micros, 1, day.days_in_month);
            let drift = noise(rng, behaviour.noise_per_mille / 25);
            decimal::scale(share, drift * growth, 1_000_000)
        }
        Pattern::Variable {
            base_micros,
            weekend_per_mille,
        } => {
            let weekly = if day.weekend && behaviour.weekly_rhythm {
                weekend_per_mille
            } else {
                1000
            };
            let factor = noise(rng, behaviour.noise_per_mille) * weekly / 1000;
            decimal::scale(base_micros, factor * growth, 1_000_000)
        }
    }
}

/// Writes the daily rated usage CSV: a BOM, the 55-column header, then rows.
pub struct UsageWriter<W: Write> {
    csv: csv::Writer<W>,
    rows: usize,
    quantity: String,
    billing_total: String,
    pricing_total: String,
}

impl<W: Write> UsageWriter<W> {
    pub fn new(mut inner: W) -> io::Result<UsageWriter<W>> {
        inner.write_all("\u{feff}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new().from_writer(inner);
        csv.write_record(USAGE_COLUMNS)?;
        Ok(UsageWriter {
            csv,
            rows: 0,
            quantity: String::new(),
            billing_total: String::new(),
            pricing_total: String::new(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.error().to_string()))
    }

    /// Simulates and writes one Azure plan's usage over the period. Returns the billed total
    /// per month of the period (index as [`Period::months`]) and the compute jump, if any.
    pub fn write_plan(
        &mut self,
        rng: &mut SimRng,
        partner: &Partner,
        customer: &SimCustomer,
        plan: &SimSubscription,
        invoice_numbers: &[String],
    ) -> io::Result<(Vec<i64>, Option<ComputeJump>)> {
        let period = &partner.period;
        let usage = plan_usage(rng, customer, plan, period);
        let mut month_totals = vec![0i64; period.months.len()];
        let currency = customer.currency.as_str();
        let rate_text = decimal::plain(geo::usd_rate_micros(customer.currency), 0);
        let pec = if plan.pec { "15" } else { "" };
        let credit_type = if plan.pec {
            "Partner Earned Credit"
        } else {
            ""
        };
        let entitlement_id = plan.entitlement_id.as_deref().unwrap_or("");
        let domain = customer.record.domain.as_deref().unwrap_or("");

        for (day_idx, day) in period.days.iter().enumerate() {
            let month = &period.months[day.month_idx];
            for line in &usage.lines {
                if day_idx < line.first_day {
                    continue;
                }
                let quantity = quantity(rng, line, usage.behaviour, day_idx, day);
                if quantity <= 0 {
                    continue;
                }
                let billing = decimal::mul(quantity, line.unit_price_micros);
                let pricing = decimal::mul(quantity, line.meter.usd_price_micros);
                month_totals[day.month_idx] += billing;

                // One draw decides, two bits per cell, which amounts come out in scientific
                // notation: each with a probability of one in four.
                let notation: u32 = rng.random();
                let scientific = |cell: u32| notation >> (cell * 2) & 3 == 0;
                let amount = |out: &mut String, micros: i64, cell: u32| {
                    out.clear();
                    if scientific(cell) {
                        decimal::write_scientific(out, micros);
                    } else {
                        decimal::write_plain(out, micros, 0);
                    }
                };
                amount(&mut self.quantity, quantity, 0);
                amount(&mut self.billing_total, billing, 1);
                amount(&mut self.pricing_total, pricing, 2);
                let unit_price = if scientific(3) {
                    &line.unit_price_scientific
                } else {
                    &line.unit_price_plain
                };
                let effective_unit_price = if scientific(4) {
                    &line.unit_price_scientific
                } else {
                    &line.unit_price_plain
                };

                let record: [&str; 55] = [
                    &partner.partner_id,
                    partner.partner_name,
                    customer.id(),
                    &customer.record.company_name,
                    domain,
                    &customer.record.country,
                    &partner.mpn_id,
                    "",
                    &invoice_numbers[day.month_idx],
                    line.meter.product_id,
                    line.meter.sku_id,
                    catalog::AZURE_PLAN_AVAILABILITY_ID,
                    line.meter.sku_name,
                    line.meter.product_name,
                    "Microsoft",
                    "",
                    catalog::AZURE_PLAN_PRODUCT,
                    &plan.record.id,
                    &month.first_text,
                    &month.last_text,
                    &day.usage_date,
                    line.meter.meter_type,
                    line.meter.category,
                    &line.meter_id,
                    line.meter.sub_category,
                    line.meter.name,
                    line.meter_region,
                    line.meter.unit,
                    line.location,
                    &line.consumed_service,
                    &line.resource_group,
                    &line.resource_uri,
                    "new",
                    unit_price,
                    &self.quantity,
                    line.meter.unit,
                    &self.billing_total,
                    currency,
                    &self.pricing_total,
                    "USD",
                    "",
                    "",
                    &line.tags,
                    &line.additional_info,
                    effective_unit_price,
                    &rate_text,
                    &month.first_text,
                    entitlement_id,
                    &plan.entitlement_description,
                    pec,
                    pec,
                    credit_type,
                    "",
                    "",
                    "",
                ];
                self.csv.write_record(record)?;
                self.rows += 1;
            }
        }

        let jump = usage.jump.map(|from| ComputeJump {
            customer_id: customer.id().to_string(),
            subscription_id: plan.record.id.clone(),
            from,
        });
        Ok((month_totals, jump))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_positions_match_the_header() {
        // The row in `write_plan` is positional; these are the columns it must line up with.
        for (idx, name) in [
            (2, "CustomerId"),
            (8, "InvoiceNumber"),
            (17, "SubscriptionId"),
            (20, "UsageDate"),
            (22, "MeterCategory"),
            (23, "MeterId"),
            (31, "ResourceURI"),
            (33, "UnitPrice"),
            (34, "Quantity"),
            (36, "BillingPreTaxTotal"),
            (38, "PricingPreTaxTotal"),
            (42, "Tags"),
            (43, "AdditionalInfo"),
            (44, "EffectiveUnitPrice"),
            (47, "EntitlementId"),
            (49, "PartnerEarnedCreditPercentage"),
            (54, "BenefitType"),
        ] {
            assert_eq!(USAGE_COLUMNS[idx], name);
        }
    }
}

//! The book: who the customers are, how each behaves (the ground truth), and what they
//! subscribe to.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use tollgate_domain::billing::PaymentMethod;
use tollgate_domain::customer::{Cloud, Contact, CustomerStatus, RiskTier};
use tollgate_domain::money::Currency;
use tollgate_domain::subscription::{AdminAccess, SubscriptionKind, SubscriptionState};
use tollgate_formats::native::{CustomerRecord, SubscriptionRecord};

use crate::calendar::{add_days, instant};
use crate::catalog::{self, Licence};
use crate::decimal;
use crate::geo::{self, Country};
use crate::names;
use crate::rng::{self, Part, SimRng};

/// How a customer behaves: the ground truth that `truth.json` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    GoodPayer,
    LatePayer,
    Defaulter,
    BudgetBuster,
    Steady,
}

impl Label {
    /// The share of the book, in percent; steady customers take what the others leave.
    fn percent(self) -> usize {
        match self {
            Label::GoodPayer => 50,
            Label::LatePayer => 15,
            Label::Defaulter => 8,
            Label::BudgetBuster => 7,
            Label::Steady => 20,
        }
    }
}

/// Deals labels to `n_customers` in the target proportions, in a seeded random order, so even
/// a small book holds every behaviour.
pub fn deal_labels(rng: &mut SimRng, n_customers: usize) -> Vec<Label> {
    let mut labels = Vec::with_capacity(n_customers);
    for label in [
        Label::GoodPayer,
        Label::LatePayer,
        Label::Defaulter,
        Label::BudgetBuster,
    ] {
        let count = (n_customers * label.percent() + 50) / 100;
        let room = n_customers - labels.len();
        labels.extend(std::iter::repeat_n(label, count.min(room)));
    }
    labels.resize(n_customers, Label::Steady);
    labels.shuffle(rng);
    labels
}

/// Picks the customers whose compute jumps (about 2 % of the book, at least one): never a
/// steady one, whose usage is by definition regular.
pub fn pick_compute_jumps(rng: &mut SimRng, labels: &[Label]) -> Vec<bool> {
    let mut flags = vec![false; labels.len()];
    if labels.is_empty() {
        return flags;
    }
    let mut candidates: Vec<usize> = (0..labels.len())
        .filter(|&idx| labels[idx] != Label::Steady)
        .collect();
    candidates.shuffle(rng);
    let count = ((labels.len() * 2 + 50) / 100).max(1);
    for idx in candidates.into_iter().take(count) {
        flags[idx] = true;
    }
    flags
}

/// A subscription of a simulated customer.
#[derive(Debug, Clone)]
pub struct SimSubscription {
    pub record: SubscriptionRecord,
    pub created_on: NaiveDate,
    /// The licence; `None` for the Azure plan.
    pub licence: Option<&'static Licence>,
    /// Price per seat and month in the billing currency, for licences.
    pub unit_price_micros: i64,
    pub order_id: String,
    /// The commitment term of a licence, in months (1 or 12); 0 for the Azure plan.
    pub term_months: u32,
    /// The Azure subscription under an Azure plan.
    pub entitlement_id: Option<String>,
    pub entitlement_description: String,
    /// Whether the partner earns the partner-earned credit (it holds admin rights).
    pub pec: bool,
}

/// A simulated customer: the record, the truth about them, and their subscriptions.
#[derive(Debug, Clone)]
pub struct SimCustomer {
    pub idx: usize,
    pub record: CustomerRecord,
    pub country: &'static Country,
    pub currency: Currency,
    pub created_on: NaiveDate,
    pub label: Label,
    pub compute_jump: bool,
    /// A short ASCII name for resources (`novakstavby`).
    pub short_name: String,
    pub pays_by: PaymentMethod,
    pub subscriptions: Vec<SimSubscription>,
}

impl SimCustomer {
    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn azure_plan(&self) -> Option<&SimSubscription> {
        self.subscriptions.iter().find(|s| s.licence.is_none())
    }
}

/// Names and domains already taken in the book, so no two customers share one.
#[derive(Debug, Default)]
pub struct Registry {
    names: BTreeSet<String>,
    domains: BTreeSet<String>,
}

/// Generates customer `idx` of the book.
pub fn customer(
    seed: u64,
    idx: usize,
    label: Label,
    compute_jump: bool,
    end: NaiveDate,
    registry: &mut Registry,
) -> SimCustomer {
    let mut rng = rng::customer_rng(seed, idx, Part::Profile);
    let rng = &mut rng;
    let id = rng::guid(rng);
    let country = geo::pick_country(rng);

    let mut company = names::company(rng, country.style);
    for _ in 0..8 {
        if !registry.names.contains(&company.name) {
            break;
        }
        company = names::company(rng, country.style);
    }
    if registry.names.contains(&company.name) {
        // Real registers hold namesakes too; a second branch tells them apart.
        company.core = format!("{} {}", company.core, idx + 1);
        company.name = format!("{} ({})", company.name, idx + 1);
    }
    registry.names.insert(company.name.clone());

    let tld = rng::pick(rng, country.tlds);
    let label_text = names::domain_label(rng, &company.core);
    let mut domain = format!("{label_text}.{tld}");
    let mut suffix = 2;
    while registry.domains.contains(&domain) {
        domain = format!("{label_text}{suffix}.{tld}");
        suffix += 1;
    }
    registry.domains.insert(domain.clone());
    let short_name: String = label_text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();

    let (registration_number, vat_id) = geo::registration(rng, country);
    let person = names::person(rng, country.style);
    let contact = Contact {
        name: Some(format!("{} {}", person.first, person.last)),
        email: Some(format!("{}@{domain}", names::email_local(rng, &person))),
        phone: Some(geo::phone(rng, country)),
        role: Some((*rng::pick(rng, &["billing", "owner", "it"])).to_string()),
    };

    // Defaulters are more often new accounts: theft of service starts soon after sign-up.
    let new_account_per_mille = if label == Label::Defaulter { 300 } else { 100 };
    let new_account = rng::chance(rng, new_account_per_mille);
    let created_on = if new_account {
        add_days(end, -rng::between(rng, 0, 59))
    } else {
        add_days(end, -rng::between(rng, 120, 2200))
    };
    let created_at = instant(created_on, rng::between(rng, 7 * 3600, 19 * 3600));

    let risky = country.emerging || new_account;
    let risk_tier = *rng::pick_weighted(
        rng,
        if risky {
            &[
                (RiskTier::Low, 20),
                (RiskTier::Medium, 40),
                (RiskTier::High, 32),
                (RiskTier::Critical, 8),
            ]
        } else {
            &[
                (RiskTier::Low, 50),
                (RiskTier::Medium, 37),
                (RiskTier::High, 11),
                (RiskTier::Critical, 2),
            ]
        },
    );
    let usd_limit_steps = match risk_tier {
        RiskTier::Low => rng::between(rng, 20, 100),
        RiskTier::Medium => rng::between(rng, 10, 40),
        RiskTier::High => rng::between(rng, 2, 10),
        RiskTier::Critical => rng::between(rng, 1, 2),
    };
    let currency = country.currency;
    let usd_limit = usd_limit_steps * 500 * decimal::MICROS;
    let hundred = 100 * decimal::MICROS;
    let credit_limit = decimal::scale(usd_limit, geo::usd_rate_micros(currency), decimal::MICROS)
        / hundred
        * hundred;

    let cloud = if country.code == "US" && rng::chance(rng, 30) {
        Cloud::UsGovernment
    } else {
        Cloud::Commercial
    };
    let status = if new_account && rng::chance(rng, 200) {
        CustomerStatus::Pending
    } else {
        CustomerStatus::Active
    };
    let pays_by = if rng::chance(rng, 300) {
        PaymentMethod::Card
    } else {
        PaymentMethod::BankTransfer
    };

    let record = CustomerRecord {
        id: id.clone(),
        tenant_id: Some(id.clone()),
        company_name: company.name,
        registration_number,
        vat_id,
        country: country.code.to_string(),
        domain: Some(domain.clone()),
        contacts: vec![contact],
        language: Some(country.language),
        cloud: Some(cloud),
        risk_tier: Some(risk_tier),
        status: Some(status),
        credit_limit: Some(decimal::plain(credit_limit, 2)),
        currency: Some(currency),
        created_at: Some(created_at),
        tags: Vec::new(),
    };

    let mut customer = SimCustomer {
        idx,
        record,
        country,
        currency,
        created_on,
        label,
        compute_jump,
        short_name,
        pays_by,
        subscriptions: Vec::new(),
    };
    customer.subscriptions = subscriptions(rng, &customer, end);
    customer
}

/// The customer's subscriptions: mostly an Azure plan, plus zero to three licences (at least
/// one when there is no Azure plan), one to four in all.
fn subscriptions(rng: &mut SimRng, customer: &SimCustomer, end: NaiveDate) -> Vec<SimSubscription> {
    let has_azure_plan =
        customer.compute_jump || customer.label == Label::BudgetBuster || rng::chance(rng, 850);
    let n_licences = if has_azure_plan {
        *rng::pick_weighted(rng, &[(0usize, 35), (1, 35), (2, 20), (3, 10)])
    } else {
        *rng::pick_weighted(rng, &[(1usize, 55), (2, 30), (3, 15)])
    };
    let age_days = (end - customer.created_on).num_days().max(0);
    let rate = geo::usd_rate_micros(customer.currency);
    let mut out = Vec::new();

    if has_azure_plan {
        let created_on = add_days(customer.created_on, rng::between(rng, 0, 3).min(age_days));
        let admin_access = *rng::pick_weighted(
            rng,
            &[
                (AdminAccess::Full, 40),
                (AdminAccess::Limited, 50),
                (AdminAccess::None, 10),
            ],
        );
        let entitlement_description = match rng::between(rng, 0, 3) {
            0 => "Production".to_string(),
            1 => "Microsoft Azure".to_string(),
            2 => format!("{}-prod", customer.short_name),
            _ => "Azure subscription 1".to_string(),
        };
        out.push(SimSubscription {
            record: SubscriptionRecord {
                id: rng::guid(rng),
                customer_id: customer.record.id.clone(),
                product: catalog::AZURE_PLAN_PRODUCT.to_string(),
                sku: Some(catalog::AZURE_PLAN_SKU.to_string()),
                kind: SubscriptionKind::Usage,
                quantity: 1,
                state: SubscriptionState::Active,
                state_reasons: Vec::new(),
                admin_access,
                monthly_price: None,
                currency: Some(customer.currency),
                created_at: Some(instant(created_on, rng::between(rng, 8 * 3600, 20 * 3600))),
            },
            created_on,
            licence: None,
            unit_price_micros: 0,
            order_id: rng::alphanumeric(rng, 32),
            term_months: 0,
            entitlement_id: Some(rng::guid(rng)),
            entitlement_description,
            pec: admin_access != AdminAccess::None,
        });
    }

    for licence in catalog::pick_licences(rng, n_licences) {
        let created_on = add_days(
            customer.created_on,
            rng::between(rng, 0, (age_days / 2).min(400)),
        );
        let seats = match rng::between(rng, 0, 99) {
            0..=34 => rng::between(rng, 1, 5),
            35..=74 => rng::between(rng, 6, 25),
            75..=94 => rng::between(rng, 26, 100),
            _ => rng::between(rng, 101, 300),
        };
        let unit_price = decimal::round_to_cents(decimal::scale(
            licence.usd_price_micros,
            rate,
            decimal::MICROS,
        ));
        let admin_access = *rng::pick_weighted(
            rng,
            &[
                (AdminAccess::Limited, 70),
                (AdminAccess::None, 20),
                (AdminAccess::Full, 10),
            ],
        );
        out.push(SimSubscription {
            record: SubscriptionRecord {
                id: rng::guid(rng),
                customer_id: customer.record.id.clone(),
                product: licence.product.to_string(),
                sku: Some(licence.sku.to_string()),
                kind: SubscriptionKind::License,
                quantity: seats,
                state: SubscriptionState::Active,
                state_reasons: Vec::new(),
                admin_access,
                monthly_price: Some(decimal::plain(unit_price * seats, 2)),
                currency: Some(customer.currency),
                created_at: Some(instant(created_on, rng::between(rng, 8 * 3600, 20 * 3600))),
            },
            created_on,
            licence: Some(licence),
            unit_price_micros: unit_price,
            order_id: rng::alphanumeric(rng, 32),
            term_months: if rng::chance(rng, 600) { 12 } else { 1 },
            entitlement_id: None,
            entitlement_description: String::new(),
            pec: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_target_shares() {
        let mut rng = rng::book_rng(1);
        let labels = deal_labels(&mut rng, 1000);
        let count = |l: Label| labels.iter().filter(|&&x| x == l).count();
        assert_eq!(count(Label::GoodPayer), 500);
        assert_eq!(count(Label::LatePayer), 150);
        assert_eq!(count(Label::Defaulter), 80);
        assert_eq!(count(Label::BudgetBuster), 70);
        assert_eq!(count(Label::Steady), 200);
        for n in 0..30 {
            assert_eq!(deal_labels(&mut rng, n).len(), n);
        }
    }

    #[test]
    fn compute_jumps_are_rare_and_never_steady() {
        let mut rng = rng::book_rng(2);
        let labels = deal_labels(&mut rng, 500);
        let flags = pick_compute_jumps(&mut rng, &labels);
        assert_eq!(flags.iter().filter(|&&f| f).count(), 10);
        assert!(
            flags
                .iter()
                .zip(&labels)
                .all(|(&f, &l)| !f || l != Label::Steady)
        );
    }

    #[test]
    fn customers_are_plausible() {
        let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let mut registry = Registry::default();
        for idx in 0..200 {
            let c = customer(3, idx, Label::GoodPayer, idx == 0, end, &mut registry);
            assert!(c.created_on <= end);
            assert!((1..=4).contains(&c.subscriptions.len()));
            assert_eq!(c.record.tenant_id.as_deref(), Some(c.id()));
            let domain = c.record.domain.as_deref().unwrap();
            let email = c.record.contacts[0].email.as_deref().unwrap();
            assert!(email.ends_with(&format!("@{domain}")), "{email}");
            let expected_currency = match c.country.code {
                "CZ" => "CZK",
                "SK" | "DE" | "AT" | "NL" | "FR" => "EUR",
                _ => "USD",
            };
            assert_eq!(c.currency.as_str(), expected_currency);
            if idx == 0 {
                assert!(c.azure_plan().is_some());
            }
            for s in &c.subscriptions {
                assert!(s.created_on >= c.created_on && s.created_on <= end);
            }
        }
    }
}

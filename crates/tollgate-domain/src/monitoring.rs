//! What watching the book produces: budgets, alerts, cases, enforcement actions and the
//! provider's notices. Engines in later crates fill these; here they are plain records.

use std::collections::BTreeMap;

use crate::ids::{CustomerId, SubscriptionId};
use crate::money::Money;
use crate::subscription::{StateReason, SubscriptionState};
use crate::text_enum;
use crate::time::Timestamp;

/// A monthly spending budget for a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub customer_id: CustomerId,
    pub monthly_amount: Money,
    /// Percent thresholds that alert, ascending (default 50, 75, 90, 100).
    pub thresholds_percent: Vec<u32>,
    /// Percent at which new purchases are proposed to be blocked, if any.
    pub enforcement_percent: Option<u32>,
}

text_enum!(
    /// How bad an alert is.
    pub enum Severity { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);

text_enum!(
    /// What an alert is about (the shared list in the design).
    pub enum AlertKind {
        BudgetThreshold => "budget_threshold",
        BudgetForecast => "budget_forecast",
        NewAccountCap => "new_account_cap",
        SpendAnomaly => "spend_anomaly",
        CreditExposure => "credit_exposure",
        CryptoMining => "crypto_mining",
        Spam => "spam",
        Ddos => "ddos",
        Hacking => "hacking",
        MalwareDistribution => "malware_distribution",
        SubscriptionReselling => "subscription_reselling",
        ProviderNotice => "provider_notice",
        OnboardingReview => "onboarding_review",
        SlaBreach => "sla_breach",
        Dunning => "dunning",
    }
);

text_enum!(
    /// Where an alert is in its life.
    pub enum AlertStatus { Open => "open", Acknowledged => "acknowledged", Closed => "closed" }
);

/// A finding that someone should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: String,
    pub kind: AlertKind,
    pub severity: Severity,
    /// Confidence in percent, 0–100.
    pub confidence: u8,
    pub customer_id: Option<CustomerId>,
    pub subscription_id: Option<SubscriptionId>,
    /// Event time of the first and last evidence.
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// The numbers that fired, as name → value text.
    pub evidence: BTreeMap<String, String>,
    pub status: AlertStatus,
    pub case_id: Option<String>,
}

text_enum!(
    /// The workflow of a case.
    pub enum CaseStatus {
        Open => "open",
        Investigating => "investigating",
        Actioned => "actioned",
        Resolved => "resolved",
        FalsePositive => "false_positive",
    }
);

/// One investigation per customer, gathering its alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub customer_id: CustomerId,
    pub status: CaseStatus,
    pub owner: Option<String>,
    pub opened_at: Timestamp,
    pub alert_ids: Vec<String>,
}

text_enum!(
    /// What an enforcement action does.
    pub enum EnforcementKind {
        Suspend => "suspend",
        Reactivate => "reactivate",
        Disable => "disable",
        Cancel => "cancel",
        BlockOrders => "block_orders",
        UnblockOrders => "unblock_orders",
    }
);

/// A change Tollgate makes to a subscription, with who asked and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementAction {
    pub id: String,
    pub subscription_id: SubscriptionId,
    pub kind: EnforcementKind,
    pub reason: StateReason,
    pub from_state: SubscriptionState,
    pub to_state: SubscriptionState,
    pub actor: String,
    pub evidence_ids: Vec<String>,
    pub requested_at: Timestamp,
}

text_enum!(
    /// The state of a provider notice at the desk.
    pub enum NoticeStatus { New => "new", Acknowledged => "acknowledged", Resolved => "resolved" }
);

/// A notice from the provider: a fraud event or an acceptable-use enforcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderNotice {
    pub id: String,
    pub event_type: String,
    pub customer_id: Option<CustomerId>,
    pub subscription_id: Option<SubscriptionId>,
    pub received_at: Timestamp,
    pub status: NoticeStatus,
    pub owner: Option<String>,
}

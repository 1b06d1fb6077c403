//! A subscription the partner resells to a customer, and the state it is in.

use crate::ids::{CustomerId, SubscriptionId};
use crate::money::Money;
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// Seat-based licences or metered usage (Azure plans).
    pub enum SubscriptionKind { License => "license", Usage => "usage" }
);

text_enum!(
    /// The subscription's state, as Tollgate enforces it.
    pub enum SubscriptionState {
        Active => "active",
        Suspended => "suspended",
        Disabled => "disabled",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Why a subscription left the active state.
    pub enum StateReason {
        Nonpayment => "nonpayment",
        AupAbuse => "aup_abuse",
        FraudSuspected => "fraud_suspected",
        ProviderEnforcement => "provider_enforcement",
        CustomerRequest => "customer_request",
    }
);

text_enum!(
    /// How much administrative access the customer has to the subscription.
    pub enum AdminAccess { None => "none", Limited => "limited", Full => "full" }
);

/// A subscription of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    /// The product or SKU, as the provider names it.
    pub product: String,
    pub sku: Option<String>,
    pub kind: SubscriptionKind,
    pub quantity: i64,
    pub state: SubscriptionState,
    pub state_reasons: Vec<StateReason>,
    pub admin_access: AdminAccess,
    /// Monthly price at resale, for the blast radius of an enforcement action.
    pub monthly_price: Option<Money>,
    pub created_at: Timestamp,
}

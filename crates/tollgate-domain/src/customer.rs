//! A customer of the partner: who they are, where they sit, how risky they are, and how much
//! credit the partner extends to them.

use serde::{Deserialize, Serialize};

use crate::ids::CustomerId;
use crate::money::Money;
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// The language a customer is written to in.
    pub enum Language { English => "en", Czech => "cs" }
);

text_enum!(
    /// Which of the provider's clouds the customer lives in; each has its own API base URL.
    pub enum Cloud { Commercial => "commercial", UsGovernment => "us-government" }
);

text_enum!(
    /// The risk tier set by onboarding and revised by monitoring.
    pub enum RiskTier { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);

text_enum!(
    /// Where a customer stands with the partner.
    pub enum CustomerStatus {
        /// First seen in a provider file; not vetted yet.
        Imported => "imported",
        /// Applied and awaiting an onboarding decision.
        Pending => "pending",
        Active => "active",
        /// New purchases are blocked; existing services run.
        Blocked => "blocked",
        Suspended => "suspended",
        /// Handed to collections or offboarded.
        Closed => "closed",
    }
);

/// A person to reach at the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: Option<String>,
}

/// A customer of the partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    /// The customer's tenant in the provider's directory, where known.
    pub tenant_id: Option<String>,
    pub company_name: String,
    pub registration_number: Option<String>,
    pub vat_id: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub domain: Option<String>,
    pub contacts: Vec<Contact>,
    pub language: Language,
    pub cloud: Cloud,
    pub risk_tier: RiskTier,
    pub status: CustomerStatus,
    pub credit_limit: Option<Money>,
    /// The currency the customer is billed in.
    pub currency: Option<crate::money::Currency>,
    /// When the partner first knew of the customer (the provider's creation time where known).
    pub created_at: Timestamp,
    /// Free-form tags, for example `exempt-dunning`.
    pub tags: Vec<String>,
}

/// Normalises a country code to upper-case ISO alpha-2, or says why it is not one.
pub fn parse_country(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.len() == 2 && trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(trimmed.to_ascii_uppercase())
    } else {
        Err(format!(
            "'{trimmed}' is not an ISO 3166-1 alpha-2 country code"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TextEnum;

    #[test]
    fn enums_read_their_text_forms() {
        assert_eq!(
            "US-Government".parse::<Cloud>().unwrap(),
            Cloud::UsGovernment
        );
        assert_eq!(
            CustomerStatus::parse_text("imported"),
            Some(CustomerStatus::Imported)
        );
        assert!("klingon".parse::<Language>().unwrap_err().contains("en|cs"));
        assert_eq!(parse_country("cz").unwrap(), "CZ");
        assert!(parse_country("CZE").is_err());
    }
}

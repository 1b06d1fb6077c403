//! Identifiers of the book's records, validated once at the edge.
//!
//! Ids are the provider's own (a Partner Center customer tenant id, a subscription GUID) or the
//! partner's; Tollgate only requires them to be non-empty, short, and free of control
//! characters and surrounding blanks.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("id is empty")]
    Empty,
    #[error("id is longer than {MAX_ID_LEN} characters")]
    TooLong,
    #[error("id contains a control character")]
    ControlCharacter,
}

/// Validates id text, returning it trimmed.
pub fn validate_id(text: &str) -> Result<&str, IdError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(IdError::Empty);
    }
    if trimmed.len() > MAX_ID_LEN {
        return Err(IdError::TooLong);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter);
    }
    Ok(trimmed)
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        /// Shared text: a clone is a reference count, not a copy (usage import clones ids
        /// for every line).
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, IdError> {
                validate_id(text).map(|t| Self(Arc::from(t)))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A customer: the provider's customer tenant id, or the partner's own id.
    CustomerId
);
id_type!(
    /// A subscription: the provider's subscription id.
    SubscriptionId
);
id_type!(
    /// An invoice to a customer.
    InvoiceId
);
id_type!(
    /// A payment received.
    PaymentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_validated() {
        assert_eq!(CustomerId::parse("  abc ").unwrap().as_str(), "abc");
        assert_eq!(CustomerId::parse(" "), Err(IdError::Empty));
        assert_eq!(CustomerId::parse("a\u{7}b"), Err(IdError::ControlCharacter));
        assert_eq!(CustomerId::parse(&"x".repeat(129)), Err(IdError::TooLong));
    }
}

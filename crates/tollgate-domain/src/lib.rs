//! The Tollgate domain model: plain data and pure functions, no I/O.
//!
//! Everything a risk decision reasons about lives here: [`money::Money`] as integer
//! micro-units, [`time::Timestamp`] as UTC milliseconds with a [`time::Clock`] that tests
//! control, identifiers, and the records of the book (customers, subscriptions, invoices,
//! usage, alerts, cases, enforcement actions, provider notices, staff and the audit trail).

pub mod audit;
pub mod billing;
pub mod customer;
pub mod ids;
pub mod money;
pub mod monitoring;
pub mod staff;
pub mod subscription;
pub mod time;
pub mod usage;

pub use ids::{CustomerId, IdError, SubscriptionId};
pub use money::{Currency, Money, MoneyError};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};

#[doc(hidden)]
pub use serde as __serde;

/// An enum whose variants have a stable lowercase text form, used in files, the database and
/// the API alike.
pub trait TextEnum: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The stable text form.
    fn as_str(self) -> &'static str;
    /// Parses the text form, case-insensitively.
    fn parse_text(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(text.trim()))
    }
    /// The accepted values, for error messages: `a|b|c`.
    fn expected() -> String {
        Self::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// Declares a [`TextEnum`] with its text forms, `Display` and serde in the same form.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::TextEnum for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::TextEnum::as_str(*self))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <Self as $crate::TextEnum>::parse_text(s).ok_or_else(|| {
                    format!("'{}' is not one of {}", s, <Self as $crate::TextEnum>::expected())
                })
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::TextEnum::as_str(*self))
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::__serde::Deserialize>::deserialize(d)?;
                text.parse().map_err($crate::__serde::de::Error::custom)
            }
        }
    };
}

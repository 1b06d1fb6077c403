//! What customers owe and pay: payment instruments, invoices, payments and deposits.

use chrono::NaiveDate;

use crate::ids::{CustomerId, InvoiceId, PaymentId};
use crate::money::Money;
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// How a card is funded, as the processor reports it.
    pub enum CardFunding { Credit => "credit", Debit => "debit", Prepaid => "prepaid", Unknown => "unknown" }
);

text_enum!(
    /// The kind of a payment instrument.
    pub enum InstrumentKind { Card => "card", Invoice => "invoice", BankTransfer => "bank_transfer" }
);

/// A way a customer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInstrument {
    pub id: String,
    pub customer_id: CustomerId,
    pub kind: InstrumentKind,
    pub card_brand: Option<String>,
    pub card_funding: Option<CardFunding>,
    pub card_country: Option<String>,
    pub card_fingerprint: Option<String>,
    pub added_at: Timestamp,
}

impl PaymentInstrument {
    /// Prepaid and stored-value cards are high-risk instruments the partner does not accept.
    pub fn is_high_risk(&self) -> bool {
        self.card_funding == Some(CardFunding::Prepaid)
    }
}

text_enum!(
    /// Where an invoice came from.
    pub enum InvoiceSource {
        /// Built from the provider's invoice reconciliation line items.
        Provider => "provider",
        /// The partner's own invoice to its customer.
        Partner => "partner",
    }
);

/// An invoice to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer_id: CustomerId,
    pub number: String,
    pub source: InvoiceSource,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Total including tax; negative for a credit.
    pub total: Money,
    pub tax: Money,
}

text_enum!(
    /// How a payment arrived.
    pub enum PaymentMethod { Card => "card", BankTransfer => "bank_transfer", Deposit => "deposit", Other => "other" }
);

/// Money received from a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub customer_id: CustomerId,
    /// The invoice it pays, where the customer named one.
    pub invoice_id: Option<InvoiceId>,
    pub amount: Money,
    pub received_at: Timestamp,
    pub method: PaymentMethod,
}

/// A prepayment held in the customer's deposits wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    pub id: String,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub received_at: Timestamp,
}

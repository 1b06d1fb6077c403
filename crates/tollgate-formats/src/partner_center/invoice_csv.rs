//! The new-commerce invoice reconciliation CSV (billing line items), read as a stream of
//! [`InvoiceLineRow`]s. The partner's receivable from a customer is the sum of that customer's
//! lines under one invoice number.

use std::io::Read;

use chrono::NaiveDate;
use tollgate_domain::money::{Currency, parse_micros};
use tollgate_domain::time::parse_partner_date;

use super::{
    CustomerColumns, CustomerRef, check_width, customer_ref, field, find_column, line_identity,
    next_record, normalise_header, required,
};
use crate::{FileError, RecordError};

/// One billing line item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLineRow {
    pub line: u64,
    pub customer: CustomerRef,
    pub invoice_number: String,
    pub order_id: Option<String>,
    pub subscription_id: Option<String>,
    pub product_name: Option<String>,
    pub charge_type: Option<String>,
    pub charge_start: Option<NaiveDate>,
    pub charge_end: NaiveDate,
    pub currency: Currency,
    pub subtotal_micros: i64,
    pub tax_micros: i64,
    pub total_micros: i64,
    pub line_key: [u8; 16],
    pub content_hash: u64,
}

struct Columns {
    width: usize,
    customer: CustomerColumns,
    invoice_number: usize,
    order_id: Option<usize>,
    subscription_id: Option<usize>,
    product_id: Option<usize>,
    sku_id: Option<usize>,
    product_name: Option<usize>,
    charge_type: Option<usize>,
    charge_start: Option<usize>,
    charge_end: usize,
    currency: usize,
    subtotal: Option<usize>,
    tax: Option<usize>,
    total: usize,
    reference_id: Option<usize>,
    meter_description: Option<usize>,
}

impl Columns {
    fn find(header: &[String]) -> Result<Columns, FileError> {
        let mut missing = Vec::new();
        let customer = CustomerColumns::find(header, &mut missing);
        let need = |name: &'static str, missing: &mut Vec<&'static str>| {
            let found = find_column(header, &[name]);
            if found.is_none() {
                missing.push(name);
            }
            found.unwrap_or(usize::MAX)
        };
        let invoice_number = need("InvoiceNumber", &mut missing);
        let charge_end = need("ChargeEndDate", &mut missing);
        let currency = need("Currency", &mut missing);
        let total = need("Total", &mut missing);
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing.join(", ")));
        }
        Ok(Columns {
            width: header.len(),
            customer,
            invoice_number,
            order_id: find_column(header, &["OrderId"]),
            subscription_id: find_column(header, &["SubscriptionId"]),
            product_id: find_column(header, &["ProductId"]),
            sku_id: find_column(header, &["SkuId"]),
            product_name: find_column(header, &["ProductName"]),
            charge_type: find_column(header, &["ChargeType"]),
            charge_start: find_column(header, &["ChargeStartDate"]),
            charge_end,
            currency,
            subtotal: find_column(header, &["Subtotal"]),
            tax: find_column(header, &["TaxTotal"]),
            total,
            reference_id: find_column(header, &["ReferenceId"]),
            meter_description: find_column(header, &["MeterDescription"]),
        })
    }
}

/// Streams billing line items from an invoice reconciliation CSV.
pub struct InvoiceCsvReader<R: Read> {
    reader: csv::Reader<R>,
    columns: Columns,
    record: csv::ByteRecord,
    header: csv::ByteRecord,
    scratch: Vec<u8>,
}

impl<R: Read> InvoiceCsvReader<R> {
    pub fn new(input: R) -> Result<InvoiceCsvReader<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| FileError::BadHeader(e.to_string()))?
            .clone();
        let columns = Columns::find(&normalise_header(&header))?;
        Ok(InvoiceCsvReader {
            reader,
            columns,
            record: csv::ByteRecord::new(),
            header,
            scratch: Vec::with_capacity(1024),
        })
    }

    fn parse_current(&mut self, line: u64) -> Result<InvoiceLineRow, RecordError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = &self.record;
        let c = &self.columns;
        check_width(r, c.width, line)?;
        let customer = customer_ref(r, line, &c.customer)?;
        let invoice_number = required(r, c.invoice_number, "InvoiceNumber", line)?.to_string();
        let date = |idx: usize, name: &str| -> Result<NaiveDate, RecordError> {
            parse_partner_date(required(r, idx, name, line)?)
                .map_err(|e| RecordError::new(line, Some(name), e))
        };
        let charge_end = date(c.charge_end, "ChargeEndDate")?;
        let charge_start = match c.charge_start.and_then(|i| field(r, Some(i)).map(|_| i)) {
            Some(idx) => Some(date(idx, "ChargeStartDate")?),
            None => None,
        };
        let currency = Currency::parse(required(r, c.currency, "Currency", line)?)
            .map_err(|e| RecordError::new(line, Some("Currency"), e.to_string()))?;
        let amount = |idx: usize, name: &str| -> Result<i64, RecordError> {
            parse_micros(required(r, idx, name, line)?)
                .map_err(|e| RecordError::new(line, Some(name), e.to_string()))
        };
        let total_micros = amount(c.total, "Total")?;
        let tax_micros = match c.tax.and_then(|i| field(r, Some(i)).map(|_| i)) {
            Some(idx) => amount(idx, "TaxTotal")?,
            None => 0,
        };
        let subtotal_micros = match c.subtotal.and_then(|i| field(r, Some(i)).map(|_| i)) {
            Some(idx) => amount(idx, "Subtotal")?,
            None => total_micros - tax_micros,
        };
        let (line_key, content_hash) = line_identity(
            r,
            &[
                Some(c.customer.id),
                Some(c.invoice_number),
                c.order_id,
                c.subscription_id,
                c.product_id,
                c.sku_id,
                c.charge_type,
                c.charge_start,
                Some(c.charge_end),
                c.reference_id,
                c.meter_description,
            ],
            &mut scratch,
        );
        self.scratch = scratch;
        Ok(InvoiceLineRow {
            line,
            customer,
            invoice_number,
            order_id: field(r, c.order_id).map(str::to_string),
            subscription_id: field(r, c.subscription_id).map(str::to_string),
            product_name: field(r, c.product_name).map(str::to_string),
            charge_type: field(r, c.charge_type).map(str::to_string),
            charge_start,
            charge_end,
            currency,
            subtotal_micros,
            tax_micros,
            total_micros,
            line_key,
            content_hash,
        })
    }
}

impl<R: Read> Iterator for InvoiceCsvReader<R> {
    type Item = Result<InvoiceLineRow, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = match next_record(&mut self.reader, &mut self.record, &self.header)? {
            Ok(line) => line,
            Err(error) => return Some(Err(error)),
        };
        Some(self.parse_current(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_names_bad_ones() {
        let text = "\u{feff}CustomerId,CustomerName,InvoiceNumber,ChargeStartDate,ChargeEndDate,Subtotal,TaxTotal,Total,Currency\n\
                    c-1,Contoso,G001,01/01/2026,01/31/2026,100,21,121,EUR\n\
                    c-1,Contoso,G001,01/01/2026,02/31/2026,1,0,1,EUR\n\
                    c-2,Fabrikam,G001,01/01/2026,01/31/2026,-5.5,0,-5.5,usd\n";
        let rows: Vec<_> = InvoiceCsvReader::new(text.as_bytes()).unwrap().collect();
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.total_micros, 121_000_000);
        assert_eq!(first.tax_micros, 21_000_000);
        let error = rows[1].as_ref().unwrap_err();
        assert_eq!(
            (error.line, error.field.as_deref()),
            (3, Some("ChargeEndDate"))
        );
        assert_eq!(rows[2].as_ref().unwrap().total_micros, -5_500_000);
    }
}

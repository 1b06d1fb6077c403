//! Creating and reading the book's records over the API: customers, subscriptions, invoices
//! and payments. Bodies are Tollgate's native records (amounts as decimal strings); creation
//! refuses an id that exists (409) and names the field of any bad value (422).

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate_domain::billing::{Invoice, Payment};
use tollgate_domain::ids::CustomerId;
use tollgate_formats::native::{CustomerRecord, InvoiceRecord, PaymentRecord, SubscriptionRecord};
use tollgate_store::{BillingQuery, Fingerprinted, UpsertMode, WriteMeta, fingerprint};

use crate::handlers::{customer_json, parse_filter, subscription_json};
use crate::{ApiError, ApiJson, ApiState, Caller};

type ApiResult = Result<Response, ApiError>;

fn meta(state: &ApiState, caller: &Caller) -> WriteMeta {
    WriteMeta {
        actor: format!("user:{}", caller.0.email),
        at: state.clock.now(),
        source: "api".into(),
    }
}

fn print(body: &impl serde::Serialize) -> i64 {
    fingerprint(serde_json::to_string(body).unwrap_or_default().as_bytes())
}

async fn require_customer(state: &ApiState, id: &CustomerId) -> Result<(), ApiError> {
    match state.store.get_customer(id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(
            "customer_id",
            format!("unknown customer '{id}'"),
        )),
    }
}

pub async fn create_customer(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<CustomerRecord>,
) -> ApiResult {
    let hash = print(&body);
    let customer = body
        .into_domain(state.clock.now())
        .map_err(|(field, reason)| ApiError::invalid(field, reason))?;
    let report = state
        .store
        .upsert_customers(
            &[Fingerprinted {
                record: customer.clone(),
                fingerprint: hash,
            }],
            UpsertMode::InsertMissing,
            &meta(&state, &caller),
        )
        .await?;
    if report.created.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("customer {} exists", customer.id),
        ));
    }
    let stored = state
        .store
        .get_customer(&customer.id)
        .await?
        .ok_or_else(|| ApiError::internal("created customer missing"))?;
    Ok((StatusCode::CREATED, Json(customer_json(&stored))).into_response())
}

pub async fn create_subscription(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<SubscriptionRecord>,
) -> ApiResult {
    let hash = print(&body);
    let subscription = body
        .into_domain(state.clock.now())
        .map_err(|(field, reason)| ApiError::invalid(field, reason))?;
    require_customer(&state, &subscription.customer_id).await?;
    let report = state
        .store
        .upsert_subscriptions(
            &[Fingerprinted {
                record: subscription.clone(),
                fingerprint: hash,
            }],
            UpsertMode::InsertMissing,
            &meta(&state, &caller),
        )
        .await?;
    if report.created.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("subscription {} exists", subscription.id),
        ));
    }
    Ok((StatusCode::CREATED, Json(subscription_json(&subscription))).into_response())
}

fn invoice_json(i: &Invoice) -> Value {
    json!({
        "id": i.id, "customer_id": i.customer_id, "number": i.number, "source": i.source,
        "issued_on": i.issued_on, "due_on": i.due_on, "total": i.total.amount_text(),
        "tax": i.tax.amount_text(), "currency": i.total.currency(),
    })
}

fn payment_json(p: &Payment) -> Value {
    json!({
        "id": p.id, "customer_id": p.customer_id, "invoice_id": p.invoice_id,
        "amount": p.amount.amount_text(), "currency": p.amount.currency(), "received_at": p.received_at,
        "method": p.method,
    })
}

#[derive(Debug, Deserialize)]
pub struct Page {
    customer_id: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

fn billing_query(page: &Page) -> Result<BillingQuery, ApiError> {
    let limit = page.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let customer_id = page
        .customer_id
        .as_deref()
        .map(|id| {
            CustomerId::parse(id).map_err(|e| ApiError::invalid("customer_id", e.to_string()))
        })
        .transpose()?;
    Ok(BillingQuery {
        customer_id,
        after_id: page.after.clone(),
        limit,
    })
}

fn page_json(items: Vec<Value>, ids: Vec<String>, limit: u32) -> Value {
    let next_cursor = (ids.len() == limit as usize)
        .then(|| ids.last().cloned())
        .flatten();
    json!({ "items": items, "next_cursor": next_cursor })
}

pub async fn list_invoices(State(state): State<ApiState>, Query(page): Query<Page>) -> ApiResult {
    let query = billing_query(&page)?;
    let invoices = state.store.list_invoices(&query).await?;
    let ids = invoices.iter().map(|i| i.id.to_string()).collect();
    Ok(Json(page_json(
        invoices.iter().map(invoice_json).collect(),
        ids,
        query.limit,
    ))
    .into_response())
}

pub async fn get_invoice(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let invoice = state
        .store
        .get_invoice(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice"))?;
    Ok(Json(invoice_json(&invoice)).into_response())
}

pub async fn create_invoice(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<InvoiceRecord>,
) -> ApiResult {
    let hash = print(&body);
    let invoice = body
        .into_domain()
        .map_err(|(field, reason)| ApiError::invalid(field, reason))?;
    require_customer(&state, &invoice.customer_id).await?;
    if state
        .store
        .get_invoice(invoice.id.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("invoice {} exists", invoice.id),
        ));
    }
    state
        .store
        .upsert_invoices(
            &[Fingerprinted {
                record: invoice.clone(),
                fingerprint: hash,
            }],
            &meta(&state, &caller),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(invoice_json(&invoice))).into_response())
}

pub async fn list_payments(State(state): State<ApiState>, Query(page): Query<Page>) -> ApiResult {
    let query = billing_query(&page)?;
    let payments = state.store.list_payments(&query).await?;
    let ids = payments.iter().map(|p| p.id.to_string()).collect();
    Ok(Json(page_json(
        payments.iter().map(payment_json).collect(),
        ids,
        query.limit,
    ))
    .into_response())
}

pub async fn create_payment(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<PaymentRecord>,
) -> ApiResult {
    let hash = print(&body);
    let payment = body
        .into_domain()
        .map_err(|(field, reason)| ApiError::invalid(field, reason))?;
    require_customer(&state, &payment.customer_id).await?;
    if let Some(invoice) = &payment.invoice_id
        && state.store.get_invoice(invoice.as_str()).await?.is_none()
    {
        return Err(ApiError::invalid(
            "invoice_id",
            format!("unknown invoice '{invoice}'"),
        ));
    }
    let existing = state
        .store
        .list_payments(&BillingQuery {
            customer_id: None,
            after_id: None,
            limit: 1,
        })
        .await?;
    let _ = existing;
    let report = state
        .store
        .upsert_payments(
            &[Fingerprinted {
                record: payment.clone(),
                fingerprint: hash,
            }],
            &meta(&state, &caller),
        )
        .await?;
    if report.created.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("payment {} exists", payment.id),
        ));
    }
    Ok((StatusCode::CREATED, Json(payment_json(&payment))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerUpdate {
    company_name: Option<String>,
    domain: Option<String>,
    language: Option<tollgate_domain::customer::Language>,
    tags: Option<Vec<String>>,
    contacts: Option<Vec<tollgate_domain::customer::Contact>>,
}

/// Changes a customer's profile. Status and risk tier are not here: they move only through
/// onboarding and enforcement decisions.
pub async fn update_customer(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CustomerUpdate>,
) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let mut customer = state
        .store
        .get_customer(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    if let Some(name) = body.company_name {
        if name.trim().is_empty() {
            return Err(ApiError::invalid("company_name", "is empty"));
        }
        customer.company_name = name.trim().to_string();
    }
    if let Some(domain) = body.domain {
        customer.domain = Some(domain.trim().to_ascii_lowercase()).filter(|d| !d.is_empty());
    }
    if let Some(language) = body.language {
        customer.language = language;
    }
    if let Some(tags) = body.tags {
        customer.tags = tags;
    }
    if let Some(contacts) = body.contacts {
        customer.contacts = contacts;
    }
    save_customer(&state, &caller, customer).await
}

async fn save_customer(
    state: &ApiState,
    caller: &Caller,
    customer: tollgate_domain::customer::Customer,
) -> ApiResult {
    let hash = fingerprint(format!("{customer:?}").as_bytes());
    state
        .store
        .upsert_customers(
            &[Fingerprinted {
                record: customer.clone(),
                fingerprint: hash,
            }],
            UpsertMode::Replace,
            &meta(state, caller),
        )
        .await?;
    let stored = state
        .store
        .get_customer(&customer.id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(Json(customer_json(&stored)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLimit {
    /// Decimal text; `null` removes the limit.
    amount: Option<String>,
    currency: Option<tollgate_domain::money::Currency>,
}

/// Sets a customer's credit limit (billing's decision, not the agent's).
pub async fn set_credit_limit(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreditLimit>,
) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let mut customer = state
        .store
        .get_customer(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    customer.credit_limit = match body.amount {
        None => None,
        Some(amount) => {
            let currency = body.currency.or(customer.currency).ok_or_else(|| {
                ApiError::invalid(
                    "currency",
                    "is required: the customer has no billing currency",
                )
            })?;
            let money = tollgate_domain::money::Money::parse(&amount, currency)
                .map_err(|e| ApiError::invalid("amount", e.to_string()))?;
            if money.is_negative() {
                return Err(ApiError::invalid("amount", "must not be negative"));
            }
            customer.currency = Some(currency);
            Some(money)
        }
    };
    save_customer(&state, &caller, customer).await
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionPage {
    customer_id: Option<String>,
    state: Option<String>,
    kind: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

pub async fn list_subscriptions(
    State(state): State<ApiState>,
    Query(page): Query<SubscriptionPage>,
) -> ApiResult {
    let limit = page.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let state_filter = parse_filter("state", &page.state)?;
    let kind = parse_filter("kind", &page.kind)?;
    let customer_id = page
        .customer_id
        .as_deref()
        .map(|id| {
            CustomerId::parse(id).map_err(|e| ApiError::invalid("customer_id", e.to_string()))
        })
        .transpose()?;
    let query = tollgate_store::SubscriptionQuery {
        customer_id,
        state: state_filter,
        kind,
        after_id: page.after.clone(),
        limit,
    };
    let subscriptions = state.store.list_subscriptions_page(&query).await?;
    let ids = subscriptions.iter().map(|s| s.id.to_string()).collect();
    Ok(Json(page_json(
        subscriptions.iter().map(subscription_json).collect(),
        ids,
        limit,
    ))
    .into_response())
}

fn subscription_id(id: &str) -> Result<tollgate_domain::ids::SubscriptionId, ApiError> {
    tollgate_domain::ids::SubscriptionId::parse(id)
        .map_err(|e| ApiError::invalid("id", e.to_string()))
}

pub async fn get_subscription(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let subscription = state
        .store
        .get_subscription(&subscription_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("subscription"))?;
    Ok(Json(subscription_json(&subscription)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionUpdate {
    product: Option<String>,
    sku: Option<String>,
    quantity: Option<i64>,
    monthly_price: Option<String>,
    currency: Option<tollgate_domain::money::Currency>,
}

/// Changes a subscription's product, seats or price. Its state moves only through enforcement.
pub async fn update_subscription(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubscriptionUpdate>,
) -> ApiResult {
    let mut subscription = state
        .store
        .get_subscription(&subscription_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("subscription"))?;
    if let Some(product) = body.product {
        if product.trim().is_empty() {
            return Err(ApiError::invalid("product", "is empty"));
        }
        subscription.product = product;
    }
    if let Some(sku) = body.sku {
        subscription.sku = Some(sku);
    }
    if let Some(quantity) = body.quantity {
        if quantity < 0 {
            return Err(ApiError::invalid("quantity", "is negative"));
        }
        subscription.quantity = quantity;
    }
    if let Some(price) = body.monthly_price {
        let currency = body
            .currency
            .or(subscription.monthly_price.map(|m| m.currency()))
            .ok_or_else(|| ApiError::invalid("currency", "is required with monthly_price"))?;
        subscription.monthly_price = Some(
            tollgate_domain::money::Money::parse(&price, currency)
                .map_err(|e| ApiError::invalid("monthly_price", e.to_string()))?,
        );
    }
    let hash = fingerprint(format!("{subscription:?}").as_bytes());
    state
        .store
        .upsert_subscriptions(
            &[Fingerprinted {
                record: subscription.clone(),
                fingerprint: hash,
            }],
            UpsertMode::Replace,
            &meta(&state, &caller),
        )
        .await?;
    let stored = state
        .store
        .get_subscription(&subscription.id)
        .await?
        .ok_or_else(|| ApiError::not_found("subscription"))?;
    Ok(Json(subscription_json(&stored)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceUpdate {
    due_on: Option<chrono::NaiveDate>,
    total: Option<String>,
    tax: Option<String>,
}

/// Corrects an invoice: its due date or amounts (a credit note or a dispute comes later).
pub async fn update_invoice(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InvoiceUpdate>,
) -> ApiResult {
    let mut invoice = state
        .store
        .get_invoice(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("invoice"))?;
    let currency = invoice.total.currency();
    if let Some(due_on) = body.due_on {
        if due_on < invoice.issued_on {
            return Err(ApiError::invalid("due_on", "is before the issue date"));
        }
        invoice.due_on = due_on;
    }
    if let Some(total) = body.total {
        invoice.total = tollgate_domain::money::Money::parse(&total, currency)
            .map_err(|e| ApiError::invalid("total", e.to_string()))?;
    }
    if let Some(tax) = body.tax {
        invoice.tax = tollgate_domain::money::Money::parse(&tax, currency)
            .map_err(|e| ApiError::invalid("tax", e.to_string()))?;
    }
    let hash = fingerprint(format!("{invoice:?}").as_bytes());
    state
        .store
        .upsert_invoices(
            &[Fingerprinted {
                record: invoice.clone(),
                fingerprint: hash,
            }],
            &meta(&state, &caller),
        )
        .await?;
    Ok(Json(invoice_json(&invoice)).into_response())
}

pub async fn get_payment(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let payment = state
        .store
        .get_payment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("payment"))?;
    Ok(Json(payment_json(&payment)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentUpdate {
    /// The invoice the payment settles; `null` leaves it unallocated.
    invoice_id: Option<String>,
}

/// Allocates a payment to an invoice of the same customer (or takes it off one).
pub async fn update_payment(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaymentUpdate>,
) -> ApiResult {
    let mut payment = state
        .store
        .get_payment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("payment"))?;
    payment.invoice_id = match body.invoice_id {
        None => None,
        Some(invoice_id) => {
            let invoice = state.store.get_invoice(&invoice_id).await?.ok_or_else(|| {
                ApiError::invalid("invoice_id", format!("unknown invoice '{invoice_id}'"))
            })?;
            if invoice.customer_id != payment.customer_id {
                return Err(ApiError::invalid(
                    "invoice_id",
                    "the invoice belongs to another customer",
                ));
            }
            Some(invoice.id)
        }
    };
    let hash = fingerprint(format!("{payment:?}").as_bytes());
    state
        .store
        .upsert_payments(
            &[Fingerprinted {
                record: payment.clone(),
                fingerprint: hash,
            }],
            &meta(&state, &caller),
        )
        .await?;
    Ok(Json(payment_json(&payment)).into_response())
}

/// A customer's live credit exposure as of today (UTC).
pub async fn customer_exposure(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let customer = state
        .store
        .get_customer(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let as_of = state.clock.now().date_utc();
    let exposure =
        tollgate_app::exposure::exposure_of(state.store.as_ref(), &customer, as_of).await?;
    let money = |micros: i64| tollgate_domain::money::format_micros(micros, 2);
    let body = match exposure {
        Some(e) => json!({
            "customer_id": e.customer_id, "as_of": as_of, "currency": e.currency, "exposure": money(e.total_micros()),
            "open_receivables": money(e.parts.open_receivables_micros),
            "unbilled_usage": money(e.parts.unbilled_usage_micros),
            "pending_orders": money(e.parts.pending_orders_micros), "deposits": money(e.parts.deposits_micros),
            "credit_limit": e.credit_limit_micros.map(money), "percent_of_limit": e.percent(),
        }),
        None => json!({
            "customer_id": customer.id, "as_of": as_of, "currency": null, "exposure": "0.00",
            "open_receivables": "0.00", "unbilled_usage": "0.00", "pending_orders": "0.00", "deposits": "0.00",
            "credit_limit": null, "percent_of_limit": null,
        }),
    };
    Ok(Json(body).into_response())
}

fn budget_json(budget: &tollgate_domain::monitoring::Budget) -> Value {
    json!({
        "customer_id": budget.customer_id, "monthly_amount": budget.monthly_amount.amount_text(),
        "currency": budget.monthly_amount.currency(), "thresholds_percent": budget.thresholds_percent,
        "enforcement_percent": budget.enforcement_percent,
    })
}

/// A customer's monthly budget (404 when none is set).
pub async fn get_budget(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let budget = state
        .store
        .list_budgets()
        .await?
        .into_iter()
        .find(|b| b.customer_id == id)
        .ok_or_else(|| ApiError::not_found("budget"))?;
    Ok(Json(budget_json(&budget)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetBody {
    monthly_amount: String,
    currency: tollgate_domain::money::Currency,
    thresholds_percent: Option<Vec<u32>>,
    enforcement_percent: Option<u32>,
}

/// Sets a customer's monthly budget; alerts follow at the thresholds (default 50/75/90/100 %).
pub async fn set_budget(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BudgetBody>,
) -> ApiResult {
    let id = CustomerId::parse(&id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    if state.store.get_customer(&id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let monthly_amount = tollgate_domain::money::Money::parse(&body.monthly_amount, body.currency)
        .map_err(|e| ApiError::invalid("monthly_amount", e.to_string()))?;
    if monthly_amount.micros() <= 0 {
        return Err(ApiError::invalid("monthly_amount", "must be positive"));
    }
    let mut thresholds = body
        .thresholds_percent
        .unwrap_or_else(|| vec![50, 75, 90, 100]);
    thresholds.sort_unstable();
    thresholds.dedup();
    if thresholds.is_empty() || thresholds.iter().any(|t| *t == 0 || *t > 1000) {
        return Err(ApiError::invalid(
            "thresholds_percent",
            "must be 1 to 1000 percent",
        ));
    }
    let budget = tollgate_domain::monitoring::Budget {
        customer_id: id,
        monthly_amount,
        thresholds_percent: thresholds,
        enforcement_percent: body.enforcement_percent,
    };
    state
        .store
        .set_budget(&budget, &meta(&state, &caller))
        .await?;
    Ok(Json(budget_json(&budget)).into_response())
}

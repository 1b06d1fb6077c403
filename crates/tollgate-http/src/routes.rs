//! The route table: every route with who may call it, what it takes and what it returns. The
//! router, the permission check and the OpenAPI document are all built from this one table,
//! so a route cannot exist without an entry saying who may call it.

use serde_json::{Value, json};
use tollgate_domain::staff::Permission;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token (health, readiness, metrics, the OpenAPI document).
    Public,
    /// Any authenticated staff member (their own account and tokens).
    Authenticated,
    /// Staff whose role has the permission.
    Permission(Permission),
}

/// One route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: &'static str,
    /// The axum path template, `{id}` for parameters.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub request: Option<fn() -> Value>,
    /// The success status and its body schema.
    pub status: u16,
    pub response: fn() -> Value,
    /// An example request body (for routes that take one) or path parameters.
    pub example: fn() -> Value,
}

fn none() -> Value {
    json!(null)
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

pub fn error_schema() -> Value {
    object(
        json!({ "error": object(json!({
            "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": "string" }
        }), &["code", "message"]) }),
        &["error"],
    )
}

fn status_schema() -> Value {
    object(json!({ "status": { "type": "string" } }), &["status"])
}

fn text_schema() -> Value {
    json!({ "type": "string" })
}

fn any_object() -> Value {
    json!({ "type": "object" })
}

pub fn customer_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "tenant_id": { "type": ["string", "null"] },
            "company_name": { "type": "string" }, "registration_number": { "type": ["string", "null"] },
            "vat_id": { "type": ["string", "null"] }, "country": { "type": "string" },
            "domain": { "type": ["string", "null"] }, "language": { "enum": ["en", "cs"] },
            "cloud": { "enum": ["commercial", "us-government"] },
            "risk_tier": { "enum": ["low", "medium", "high", "critical"] },
            "status": { "enum": ["imported", "pending", "active", "blocked", "suspended", "closed"] },
            "credit_limit": { "type": ["string", "null"] }, "currency": { "type": ["string", "null"] },
            "created_at": { "type": "string" }, "tags": { "type": "array", "items": { "type": "string" } }
        }),
        &[
            "id",
            "company_name",
            "country",
            "language",
            "cloud",
            "risk_tier",
            "status",
            "created_at",
            "tags",
        ],
    )
}

fn customer_page() -> Value {
    object(
        json!({ "items": { "type": "array", "items": customer_schema() }, "next_cursor": { "type": ["string", "null"] } }),
        &["items", "next_cursor"],
    )
}

pub fn subscription_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "customer_id": { "type": "string" }, "product": { "type": "string" },
            "sku": { "type": ["string", "null"] }, "kind": { "enum": ["license", "usage"] },
            "quantity": { "type": "integer" },
            "state": { "enum": ["active", "suspended", "disabled", "cancelled"] },
            "state_reasons": { "type": "array", "items": { "type": "string" } },
            "admin_access": { "enum": ["none", "limited", "full"] },
            "monthly_price": { "type": ["string", "null"] }, "currency": { "type": ["string", "null"] }
        }),
        &[
            "id",
            "customer_id",
            "product",
            "kind",
            "quantity",
            "state",
            "state_reasons",
            "admin_access",
        ],
    )
}

fn subscription_list() -> Value {
    object(
        json!({ "items": { "type": "array", "items": subscription_schema() } }),
        &["items"],
    )
}

pub fn user_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "email": { "type": "string" },
            "role": { "enum": ["global_admin", "user_management_admin", "admin_agent", "billing_admin"] },
            "disabled": { "type": "boolean" }, "created_at": { "type": "string" }
        }),
        &["id", "email", "role", "disabled", "created_at"],
    )
}

fn user_list() -> Value {
    object(
        json!({ "items": { "type": "array", "items": user_schema() } }),
        &["items"],
    )
}

fn user_create() -> Value {
    object(
        json!({ "email": { "type": "string" }, "role": user_schema()["properties"]["role"].clone(), "password": { "type": "string", "minLength": 12 } }),
        &["email", "role", "password"],
    )
}

fn user_update() -> Value {
    object(
        json!({ "role": user_schema()["properties"]["role"].clone(), "disabled": { "type": "boolean" } }),
        &[],
    )
}

pub fn token_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "user_id": { "type": "string" }, "name": { "type": "string" },
            "created_at": { "type": "string" }, "expires_at": { "type": ["string", "null"] },
            "revoked_at": { "type": ["string", "null"] }, "live": { "type": "boolean" }
        }),
        &["id", "user_id", "name", "created_at", "live"],
    )
}

fn token_list() -> Value {
    object(
        json!({ "items": { "type": "array", "items": token_schema() } }),
        &["items"],
    )
}

fn token_create() -> Value {
    object(
        json!({ "name": { "type": "string" }, "days": { "type": "integer", "minimum": 0 } }),
        &["name"],
    )
}

fn token_created() -> Value {
    let mut schema = token_schema();
    schema["properties"]["secret"] = json!({ "type": "string", "description": "shown once" });
    schema["required"] = json!(["id", "user_id", "name", "created_at", "live", "secret"]);
    schema
}

fn credentials() -> Value {
    object(
        json!({ "email": { "type": "string" }, "password": { "type": "string" } }),
        &["email", "password"],
    )
}

fn login_response() -> Value {
    object(
        json!({ "user": any_object(), "csrf_token": { "type": "string" }, "expires_at": { "type": "string" } }),
        &["user", "csrf_token", "expires_at"],
    )
}

fn password_change() -> Value {
    object(
        json!({ "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 12 } }),
        &["current_password", "new_password"],
    )
}

pub fn invoice_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "customer_id": { "type": "string" }, "number": { "type": "string" },
            "source": { "enum": ["provider", "partner"] }, "issued_on": { "type": "string" },
            "due_on": { "type": "string" }, "total": { "type": "string" }, "tax": { "type": "string" },
            "currency": { "type": "string" }
        }),
        &[
            "id",
            "customer_id",
            "number",
            "source",
            "issued_on",
            "due_on",
            "total",
            "tax",
            "currency",
        ],
    )
}

fn invoice_page() -> Value {
    object(
        json!({ "items": { "type": "array", "items": invoice_schema() }, "next_cursor": { "type": ["string", "null"] } }),
        &["items", "next_cursor"],
    )
}

fn invoice_create() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "customer_id": { "type": "string" }, "number": { "type": "string" },
            "issued_on": { "type": "string" }, "due_on": { "type": "string" }, "total": { "type": "string" },
            "tax": { "type": "string" }, "currency": { "type": "string" }
        }),
        &[
            "id",
            "customer_id",
            "issued_on",
            "due_on",
            "total",
            "currency",
        ],
    )
}

pub fn payment_schema() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "customer_id": { "type": "string" },
            "invoice_id": { "type": ["string", "null"] }, "amount": { "type": "string" },
            "currency": { "type": "string" }, "received_at": { "type": "string" },
            "method": { "enum": ["card", "bank_transfer", "deposit", "other"] }
        }),
        &[
            "id",
            "customer_id",
            "amount",
            "currency",
            "received_at",
            "method",
        ],
    )
}

fn payment_page() -> Value {
    object(
        json!({ "items": { "type": "array", "items": payment_schema() }, "next_cursor": { "type": ["string", "null"] } }),
        &["items", "next_cursor"],
    )
}

fn payment_create() -> Value {
    let mut schema = payment_schema();
    schema["required"] = json!(["id", "customer_id", "amount", "currency", "received_at"]);
    schema
}

fn customer_create() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "company_name": { "type": "string" }, "country": { "type": "string" },
            "tenant_id": { "type": "string" }, "registration_number": { "type": "string" },
            "vat_id": { "type": "string" }, "domain": { "type": "string" }, "language": { "enum": ["en", "cs"] },
            "cloud": { "enum": ["commercial", "us-government"] }, "credit_limit": { "type": "string" },
            "currency": { "type": "string" }, "tags": { "type": "array", "items": { "type": "string" } }
        }),
        &["id", "company_name", "country"],
    )
}

fn customer_update() -> Value {
    object(
        json!({
            "company_name": { "type": "string" }, "domain": { "type": "string" }, "language": { "enum": ["en", "cs"] },
            "tags": { "type": "array", "items": { "type": "string" } }, "contacts": { "type": "array", "items": any_object() }
        }),
        &[],
    )
}

fn credit_limit() -> Value {
    object(
        json!({ "amount": { "type": ["string", "null"] }, "currency": { "type": "string" } }),
        &["amount"],
    )
}

fn exposure_schema() -> Value {
    object(
        json!({
            "customer_id": { "type": "string" }, "as_of": { "type": "string" }, "currency": { "type": ["string", "null"] },
            "exposure": { "type": "string" }, "open_receivables": { "type": "string" },
            "unbilled_usage": { "type": "string" }, "pending_orders": { "type": "string" },
            "deposits": { "type": "string" }, "credit_limit": { "type": ["string", "null"] },
            "percent_of_limit": { "type": ["integer", "null"] }
        }),
        &[
            "customer_id",
            "as_of",
            "exposure",
            "open_receivables",
            "unbilled_usage",
            "pending_orders",
            "deposits",
        ],
    )
}

fn budget_schema() -> Value {
    object(
        json!({
            "customer_id": { "type": "string" }, "monthly_amount": { "type": "string" }, "currency": { "type": "string" },
            "thresholds_percent": { "type": "array", "items": { "type": "integer" } },
            "enforcement_percent": { "type": ["integer", "null"] }
        }),
        &[
            "customer_id",
            "monthly_amount",
            "currency",
            "thresholds_percent",
        ],
    )
}

fn budget_body() -> Value {
    object(
        json!({
            "monthly_amount": { "type": "string" }, "currency": { "type": "string" },
            "thresholds_percent": { "type": "array", "items": { "type": "integer" } },
            "enforcement_percent": { "type": "integer" }
        }),
        &["monthly_amount", "currency"],
    )
}

fn subscription_page() -> Value {
    object(
        json!({ "items": { "type": "array", "items": subscription_schema() }, "next_cursor": { "type": ["string", "null"] } }),
        &["items", "next_cursor"],
    )
}

fn subscription_update() -> Value {
    object(
        json!({
            "product": { "type": "string" }, "sku": { "type": "string" }, "quantity": { "type": "integer", "minimum": 0 },
            "monthly_price": { "type": "string" }, "currency": { "type": "string" }
        }),
        &[],
    )
}

fn invoice_update() -> Value {
    object(
        json!({ "due_on": { "type": "string" }, "total": { "type": "string" }, "tax": { "type": "string" } }),
        &[],
    )
}

fn payment_update() -> Value {
    object(
        json!({ "invoice_id": { "type": ["string", "null"] } }),
        &["invoice_id"],
    )
}

fn subscription_create() -> Value {
    object(
        json!({
            "id": { "type": "string" }, "customer_id": { "type": "string" }, "product": { "type": "string" },
            "sku": { "type": "string" }, "kind": { "enum": ["license", "usage"] }, "quantity": { "type": "integer" },
            "monthly_price": { "type": "string" }, "currency": { "type": "string" }
        }),
        &["id", "customer_id", "product", "kind"],
    )
}

/// Every route of the API.
pub fn routes() -> Vec<RouteSpec> {
    use Access::*;
    use tollgate_domain::staff::Permission as P;
    vec![
        RouteSpec {
            method: "POST",
            path: "/v1/auth/login",
            access: Public,
            summary: "Log in: sets the session cookie, returns the CSRF token",
            request: Some(credentials),
            status: 200,
            response: login_response,
            example: || json!({ "email": "global_admin@partner.example", "password": "a long enough passphrase" }),
        },
        RouteSpec {
            method: "POST",
            path: "/v1/auth/logout",
            access: Authenticated,
            summary: "Log out: ends the session",
            request: None,
            status: 200,
            response: status_schema,
            example: none,
        },
        RouteSpec {
            method: "POST",
            path: "/v1/auth/password",
            access: Authenticated,
            summary: "Change your password",
            request: Some(password_change),
            status: 200,
            response: status_schema,
            example: || json!({ "current_password": "a long enough passphrase", "new_password": "another long passphrase" }),
        },
        RouteSpec {
            method: "GET",
            path: "/healthz",
            access: Public,
            summary: "Liveness",
            request: None,
            status: 200,
            response: status_schema,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/readyz",
            access: Public,
            summary: "Readiness: database reachable, migrations current",
            request: None,
            status: 200,
            response: status_schema,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/metrics",
            access: Public,
            summary: "Prometheus metrics",
            request: None,
            status: 200,
            response: text_schema,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/openapi.json",
            access: Public,
            summary: "This document",
            request: None,
            status: 200,
            response: any_object,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/me",
            access: Authenticated,
            summary: "The calling staff member",
            request: None,
            status: 200,
            response: user_schema,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/customers",
            access: Permission(P::CustomersRead),
            summary: "Customers: filters status, risk_tier, country, cloud; sort id|company_name|country|created_at with order asc|desc; cursor after=next_cursor; limit 1–500",
            request: None,
            status: 200,
            response: customer_page,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/customers/{id}",
            access: Permission(P::CustomersRead),
            summary: "One customer",
            request: None,
            status: 200,
            response: customer_schema,
            example: || json!({ "id": "example-customer" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/customers/{id}/subscriptions",
            access: Permission(P::CustomersRead),
            summary: "A customer's subscriptions",
            request: None,
            status: 200,
            response: subscription_list,
            example: || json!({ "id": "example-customer" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/users",
            access: Permission(P::UsersManage),
            summary: "Staff members",
            request: None,
            status: 200,
            response: user_list,
            example: none,
        },
        RouteSpec {
            method: "POST",
            path: "/v1/users",
            access: Permission(P::UsersManage),
            summary: "Add a staff member",
            request: Some(user_create),
            status: 201,
            response: user_schema,
            example: || json!({ "email": "new.agent@partner.example", "role": "admin_agent", "password": "a long enough passphrase" }),
        },
        RouteSpec {
            method: "PATCH",
            path: "/v1/users/{id}",
            access: Permission(P::UsersManage),
            summary: "Change a staff member's role or disable them",
            request: Some(user_update),
            status: 200,
            response: user_schema,
            example: || json!({ "id": "example-user", "role": "billing_admin" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/tokens",
            access: Authenticated,
            summary: "Your API tokens (all tokens with tokens.manage_others)",
            request: None,
            status: 200,
            response: token_list,
            example: none,
        },
        RouteSpec {
            method: "POST",
            path: "/v1/tokens",
            access: Authenticated,
            summary: "Create an API token for yourself; the secret is shown once",
            request: Some(token_create),
            status: 201,
            response: token_created,
            example: || json!({ "name": "billing sync", "days": 30 }),
        },
        RouteSpec {
            method: "DELETE",
            path: "/v1/tokens/{id}",
            access: Authenticated,
            summary: "Revoke a token (your own, or anyone's with tokens.manage_others)",
            request: None,
            status: 200,
            response: token_schema,
            example: || json!({ "id": "example-token" }),
        },
        RouteSpec {
            method: "POST",
            path: "/v1/customers",
            access: Permission(P::CustomersWrite),
            summary: "Create a customer",
            request: Some(customer_create),
            status: 201,
            response: customer_schema,
            example: || json!({ "id": "new-customer", "company_name": "Nová Firma s.r.o.", "country": "CZ", "language": "cs", "currency": "CZK", "credit_limit": "50000.00" }),
        },
        RouteSpec {
            method: "POST",
            path: "/v1/subscriptions",
            access: Permission(P::CustomersWrite),
            summary: "Create a subscription",
            request: Some(subscription_create),
            status: 201,
            response: subscription_schema,
            example: || json!({ "id": "new-subscription", "customer_id": "example-customer", "product": "Azure plan", "kind": "usage" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/invoices",
            access: Permission(P::BillingRead),
            summary: "Invoices, by id, of one customer (customer_id) or all, with a cursor",
            request: None,
            status: 200,
            response: invoice_page,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/invoices/{id}",
            access: Permission(P::BillingRead),
            summary: "One invoice",
            request: None,
            status: 200,
            response: invoice_schema,
            example: || json!({ "id": "example-invoice" }),
        },
        RouteSpec {
            method: "POST",
            path: "/v1/invoices",
            access: Permission(P::BillingWrite),
            summary: "Record an invoice to a customer",
            request: Some(invoice_create),
            status: 201,
            response: invoice_schema,
            example: || json!({ "id": "INV-2026-0001", "customer_id": "example-customer", "issued_on": "2026-11-01", "due_on": "2026-12-01", "total": "1210.00", "tax": "210.00", "currency": "CZK" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/payments",
            access: Permission(P::BillingRead),
            summary: "Payments, by id, of one customer (customer_id) or all, with a cursor",
            request: None,
            status: 200,
            response: payment_page,
            example: none,
        },
        RouteSpec {
            method: "POST",
            path: "/v1/payments",
            access: Permission(P::BillingWrite),
            summary: "Record a payment",
            request: Some(payment_create),
            status: 201,
            response: payment_schema,
            example: || json!({ "id": "PAY-2026-0001", "customer_id": "example-customer", "invoice_id": "example-invoice", "amount": "100.00", "currency": "CZK", "received_at": "2026-11-20T10:00:00Z", "method": "bank_transfer" }),
        },
        RouteSpec {
            method: "PATCH",
            path: "/v1/customers/{id}",
            access: Permission(P::CustomersWrite),
            summary: "Change a customer's profile (not status or tier)",
            request: Some(customer_update),
            status: 200,
            response: customer_schema,
            example: || json!({ "id": "example-customer", "company_name": "Example s.r.o.", "tags": ["key-account"] }),
        },
        RouteSpec {
            method: "PUT",
            path: "/v1/customers/{id}/credit-limit",
            access: Permission(P::BudgetsManage),
            summary: "Set or remove a customer's credit limit",
            request: Some(credit_limit),
            status: 200,
            response: customer_schema,
            example: || json!({ "id": "example-customer", "amount": "75000.00", "currency": "CZK" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/subscriptions",
            access: Permission(P::CustomersRead),
            summary: "Subscriptions: filters customer_id, state, kind; cursor after=next_cursor; limit 1–500",
            request: None,
            status: 200,
            response: subscription_page,
            example: none,
        },
        RouteSpec {
            method: "GET",
            path: "/v1/subscriptions/{id}",
            access: Permission(P::CustomersRead),
            summary: "One subscription",
            request: None,
            status: 200,
            response: subscription_schema,
            example: || json!({ "id": "example-subscription" }),
        },
        RouteSpec {
            method: "PATCH",
            path: "/v1/subscriptions/{id}",
            access: Permission(P::CustomersWrite),
            summary: "Change a subscription's product, seats or price (not its state)",
            request: Some(subscription_update),
            status: 200,
            response: subscription_schema,
            example: || json!({ "id": "example-subscription", "quantity": 12 }),
        },
        RouteSpec {
            method: "PATCH",
            path: "/v1/invoices/{id}",
            access: Permission(P::BillingWrite),
            summary: "Correct an invoice's due date or amounts",
            request: Some(invoice_update),
            status: 200,
            response: invoice_schema,
            example: || json!({ "id": "example-invoice", "due_on": "2026-11-15" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/payments/{id}",
            access: Permission(P::BillingRead),
            summary: "One payment",
            request: None,
            status: 200,
            response: payment_schema,
            example: || json!({ "id": "example-payment" }),
        },
        RouteSpec {
            method: "PATCH",
            path: "/v1/payments/{id}",
            access: Permission(P::BillingWrite),
            summary: "Allocate a payment to an invoice of the same customer",
            request: Some(payment_update),
            status: 200,
            response: payment_schema,
            example: || json!({ "id": "example-payment", "invoice_id": "example-invoice" }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/customers/{id}/exposure",
            access: Permission(P::BillingRead),
            summary: "Live credit exposure: open receivables + unbilled usage this month + pending orders − deposits, against the credit limit",
            request: None,
            status: 200,
            response: exposure_schema,
            example: || json!({ "id": "example-customer" }),
        },
        RouteSpec {
            method: "PUT",
            path: "/v1/customers/{id}/budget",
            access: Permission(P::BudgetsManage),
            summary: "Set a customer's monthly budget (alerts at 50/75/90/100 % by default)",
            request: Some(budget_body),
            status: 200,
            response: budget_schema,
            example: || json!({ "id": "example-customer", "monthly_amount": "25000.00", "currency": "CZK", "enforcement_percent": 120 }),
        },
        RouteSpec {
            method: "GET",
            path: "/v1/customers/{id}/budget",
            access: Permission(P::BillingRead),
            summary: "A customer's monthly budget",
            request: None,
            status: 200,
            response: budget_schema,
            example: || json!({ "id": "example-customer" }),
        },
    ]
}

impl RouteSpec {
    /// The names of the path's parameters.
    pub fn parameters(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .collect()
    }

    /// The example request body: the example without the path parameters.
    pub fn body_example(&self) -> Option<Value> {
        self.request?;
        let mut example = (self.example)();
        if let Some(object) = example.as_object_mut() {
            for name in self.parameters() {
                object.remove(name);
            }
        }
        Some(example)
    }
}

/// The OpenAPI 3.1 document, built from the route table.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for route in routes() {
        let mut operation = json!({
            "summary": route.summary,
            "x-tollgate-access": match route.access {
                Access::Public => "public".to_string(),
                Access::Authenticated => "authenticated".to_string(),
                Access::Permission(p) => p.to_string(),
            },
            "responses": {
                route.status.to_string(): {
                    "description": "success",
                    "content": { if route.path == "/metrics" { "text/plain" } else { "application/json" }: { "schema": (route.response)() } }
                },
                "default": { "description": "an error", "content": { "application/json": { "schema": error_schema() } } }
            }
        });
        if route.access != Access::Public {
            operation["security"] = json!([{ "bearer": [] }]);
        }
        let parameters: Vec<Value> = route
            .parameters()
            .into_iter()
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" }, "example": (route.example)()[name] }))
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if let (Some(request), Some(example)) = (route.request, route.body_example()) {
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": request(), "example": example } }
            });
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Tollgate API", "version": env!("CARGO_PKG_VERSION") },
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
        "paths": paths,
    })
}

//! The API over HTTP: every documented route, for anonymous callers and for each of the four
//! roles, gets exactly the outcome the permission table prescribes, and every route answers
//! its documented example with a body that matches its documented schema.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use tollgate_domain::staff::{Role, allows};
use tollgate_domain::time::Timestamp;
use tollgate_domain::{SystemClock, TextEnum};
use tollgate_http::routes::{Access, routes};
use tollgate_http::{ApiState, serve};
use tollgate_store::{Fingerprinted, Store, UpsertMode, WriteMeta};
use tollgate_store_sqlite::SqliteStore;

struct App {
    base: String,
    /// Role → bearer secret.
    tokens: BTreeMap<&'static str, String>,
    client: reqwest::Client,
}

fn meta() -> WriteMeta {
    WriteMeta {
        actor: "system:test".into(),
        at: Timestamp::from_millis(1_700_000_000_000),
        source: "test".into(),
    }
}

/// A server on a fresh database with one user and token per role and one example customer.
async fn spawn_app() -> App {
    let store = SqliteStore::open("sqlite::memory:").await.expect("open");
    store.migrate().await.expect("migrate");
    let mut tokens = BTreeMap::new();
    for role in Role::ALL {
        let email = format!("{}@partner.example", role.as_str());
        let user = tollgate_app::auth::add_user(
            &store,
            &email,
            *role,
            "a long enough passphrase",
            &meta(),
        )
        .await
        .expect("user");
        let (_, secret) = tollgate_app::auth::create_token(&store, &user.id, "test", None, &meta())
            .await
            .expect("token");
        tokens.insert(role.as_str(), secret);
    }
    let mut customer = tollgate_store::contract::customer("example-customer", "CZ");
    customer.id = tollgate_domain::ids::CustomerId::parse("example-customer").expect("id");
    store
        .upsert_customers(
            &[Fingerprinted {
                record: customer,
                fingerprint: 1,
            }],
            UpsertMode::Replace,
            &meta(),
        )
        .await
        .expect("customer");
    let example_invoice = tollgate_domain::billing::Invoice {
        id: tollgate_domain::ids::InvoiceId::parse("example-invoice").expect("id"),
        customer_id: tollgate_domain::ids::CustomerId::parse("example-customer").expect("id"),
        number: "example-invoice".into(),
        source: tollgate_domain::billing::InvoiceSource::Partner,
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        total: tollgate_domain::money::Money::from_micros(
            1_000_000_000,
            tollgate_domain::money::Currency::CZK,
        ),
        tax: tollgate_domain::money::Money::from_micros(0, tollgate_domain::money::Currency::CZK),
    };
    store
        .upsert_invoices(
            &[Fingerprinted {
                record: example_invoice,
                fingerprint: 1,
            }],
            &meta(),
        )
        .await
        .expect("invoice");
    let mut example_subscription =
        tollgate_store::contract::subscription("example-subscription", "example-customer");
    example_subscription.quantity = 10;
    store
        .upsert_subscriptions(
            &[Fingerprinted {
                record: example_subscription,
                fingerprint: 1,
            }],
            UpsertMode::Replace,
            &meta(),
        )
        .await
        .expect("subscription");
    let example_payment = tollgate_domain::billing::Payment {
        id: tollgate_domain::ids::PaymentId::parse("example-payment").expect("id"),
        customer_id: tollgate_domain::ids::CustomerId::parse("example-customer").expect("id"),
        invoice_id: None,
        amount: tollgate_domain::money::Money::from_micros(
            100_000_000,
            tollgate_domain::money::Currency::CZK,
        ),
        received_at: meta().at,
        method: tollgate_domain::billing::PaymentMethod::BankTransfer,
    };
    store
        .upsert_payments(
            &[Fingerprinted {
                record: example_payment,
                fingerprint: 1,
            }],
            &meta(),
        )
        .await
        .expect("payment");
    let example_budget = tollgate_domain::monitoring::Budget {
        customer_id: tollgate_domain::ids::CustomerId::parse("example-customer").expect("id"),
        monthly_amount: tollgate_domain::money::Money::from_micros(
            20_000_000_000,
            tollgate_domain::money::Currency::CZK,
        ),
        thresholds_percent: vec![50, 75, 90, 100],
        enforcement_percent: None,
    };
    store
        .set_budget(&example_budget, &meta())
        .await
        .expect("budget");
    let example_user = tollgate_domain::staff::StaffUser {
        id: "example-user".into(),
        email: "example.user@partner.example".into(),
        role: Role::AdminAgent,
        disabled: false,
        created_at: meta().at,
    };
    store
        .create_staff_user(&example_user, "$argon2id$unused", &meta())
        .await
        .expect("example user");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = ApiState::new(Arc::new(store), Arc::new(SystemClock));
    tokio::spawn(serve(listener, state, std::future::pending()));
    App {
        base,
        tokens,
        client: reqwest::Client::new(),
    }
}

impl App {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        role: Option<&str>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(role) = role {
            request = request.bearer_auth(&self.tokens[role]);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("response");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// The documented example's path with its parameters filled in.
fn example_path(path: &str, example: &Value) -> String {
    path.split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => example[name]
                    .as_str()
                    .unwrap_or("missing-example")
                    .to_string(),
                None => part.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_role_as_the_permission_table_says() {
    let app = spawn_app().await;
    let (_, doc) = app.call("GET", "/v1/openapi.json", None, None).await;
    let mut checked = 0;
    for route in routes() {
        let operation = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{} {} is missing from the OpenAPI document",
            route.method,
            route.path
        );
        let example = (route.example)();
        let path = example_path(route.path, &example);
        let body = route.body_example();
        // Anonymous.
        let (status, _) = app.call(route.method, &path, body.as_ref(), None).await;
        match route.access {
            Access::Public => assert!(status < 400, "{} {path} anonymous: {status}", route.method),
            _ => assert_eq!(status, 401, "{} {path} anonymous", route.method),
        }
        for role in Role::ALL {
            // Mutating examples run against a fresh server each, so one role's change does not
            // decide another's outcome.
            let fresh;
            let target = if route.method == "GET" {
                &app
            } else {
                fresh = spawn_app().await;
                &fresh
            };
            let (status, body_out) = target
                .call(route.method, &path, body.as_ref(), Some(role.as_str()))
                .await;
            let allowed = match route.access {
                Access::Public | Access::Authenticated => true,
                Access::Permission(p) => allows(*role, p),
            };
            if allowed {
                assert!(
                    ![401, 403, 405, 501].contains(&status),
                    "{} {path} as {role}: {status} {body_out}",
                    route.method
                );
            } else {
                assert_eq!(status, 403, "{} {path} as {role}: {body_out}", route.method);
                assert_eq!(body_out["error"]["code"], "forbidden");
            }
            checked += 1;
        }
    }
    assert!(checked >= routes().len() * 4);
}

/// Checks `value` against the subset of JSON Schema the document uses (type, enum, properties,
/// required, items); returns the first mismatch with its path.
fn check_schema(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        return Err(format!("{path}: {value} is not one of {options:?}"));
    }
    if let Some(kind) = schema.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(k) => vec![k.as_str()],
            Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = kinds.contains(&actual) || (actual == "integer" && kinds.contains(&"number"));
        if !fits {
            return Err(format!(
                "{path}: expected {kinds:?}, found {actual} ({value})"
            ));
        }
    }
    if let Some(required) = schema["required"].as_array() {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                return Err(format!("{path}: missing required {name}"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, sub) in properties {
            if let Some(field) = object.get(name) {
                check_schema(sub, field, &format!("{path}.{name}"))?;
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (idx, item) in array.iter().enumerate() {
            check_schema(items, item, &format!("{path}[{idx}]"))?;
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_its_example_with_its_documented_schema() {
    let app = spawn_app().await;
    let (_, doc) = app.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(doc["openapi"], "3.1.0");
    for (path_template, methods) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in methods.as_object().expect("methods") {
            let method = method.to_ascii_uppercase();
            let (status_text, response) = operation["responses"]
                .as_object()
                .expect("responses")
                .iter()
                .find(|(k, _)| *k != "default")
                .expect("a success response");
            let expected: u16 = status_text.parse().expect("status");
            let mut example = serde_json::json!({});
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                example[parameter["name"].as_str().expect("name")] = parameter["example"].clone();
            }
            let body = operation["requestBody"]["content"]["application/json"]["example"].clone();
            let path = example_path(path_template, &example);
            let fresh;
            let target = if method == "GET" {
                &app
            } else {
                fresh = spawn_app().await;
                &fresh
            };
            let (status, out) = target
                .call(
                    &method,
                    &path,
                    (!body.is_null()).then_some(&body),
                    Some("global_admin"),
                )
                .await;
            if path.contains("example-token") {
                // The documented example names a token that exists only on the example's server.
                assert_eq!(status, 404, "{method} {path}");
                check_schema(&tollgate_http::routes::error_schema(), &out, "$")
                    .expect("error shape");
                continue;
            }
            assert_eq!(status, expected, "{method} {path}: {out}");
            let content = response["content"].as_object().expect("content");
            let (media, schema) = content.iter().next().expect("a media type");
            if media == "application/json" {
                check_schema(&schema["schema"], &out, "$")
                    .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            } else {
                assert!(out.is_string(), "{method} {path} answers text");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_one_shape_naming_the_field() {
    let app = spawn_app().await;
    let (status, out) = app
        .call("GET", "/v1/customers?limit=0", None, Some("admin_agent"))
        .await;
    assert_eq!(status, 422);
    assert_eq!(out["error"]["field"], "limit");
    let (status, out) = app
        .call(
            "GET",
            "/v1/customers?status=sleeping",
            None,
            Some("admin_agent"),
        )
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("status"))
    );
    let (status, out) = app
        .call("GET", "/v1/customers/nobody", None, Some("billing_admin"))
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let body = serde_json::json!({ "email": "x@partner.example", "role": "overlord", "password": "a long enough passphrase" });
    let (status, out) = app
        .call(
            "POST",
            "/v1/users",
            Some(&body),
            Some("user_management_admin"),
        )
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("role"))
    );
    let (status, _) = app.call("GET", "/v1/me", None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_response_and_creates_nothing() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "name": "storefront", "days": 30 });
    let send = |key: &'static str, body: Value| {
        let request = app
            .client
            .post(format!("{}/v1/tokens", app.base))
            .bearer_auth(&app.tokens["admin_agent"])
            .header("idempotency-key", key)
            .json(&body);
        async move { request.send().await.expect("response") }
    };
    let first = send("order-1", body.clone()).await;
    assert_eq!(first.status(), 201);
    let first_body = first.text().await.expect("body");
    let again = send("order-1", body.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.text().await.expect("body"),
        first_body,
        "the identical response"
    );
    let (_, listed) = app
        .call("GET", "/v1/tokens", None, Some("admin_agent"))
        .await;
    assert_eq!(
        listed["items"].as_array().expect("items").len(),
        2,
        "the test token and one new one, not two"
    );
    let other = send("order-1", serde_json::json!({ "name": "something else" })).await;
    assert_eq!(other.status(), 422);
    let error: Value = other.json().await.expect("json");
    assert_eq!(error["error"]["code"], "idempotency_key_reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_needs_its_csrf_token_for_changes_and_ends_at_logout() {
    let app = spawn_app().await;
    let credentials = serde_json::json!({ "email": "admin_agent@partner.example", "password": "a long enough passphrase" });
    let login = app
        .client
        .post(format!("{}/v1/auth/login", app.base))
        .json(&credentials)
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let cookie_header = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(
            cookie_header.contains(attribute),
            "{cookie_header} lacks {attribute}"
        );
    }
    let cookie = cookie_header.split(';').next().expect("pair").to_string();
    let csrf = login.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let get = |path: &str| {
        app.client
            .get(format!("{}{path}", app.base))
            .header("cookie", &cookie)
    };
    let me: Value = get("/v1/me")
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "admin_agent");
    let post = |csrf: Option<&str>| {
        let mut request = app
            .client
            .post(format!("{}/v1/tokens", app.base))
            .header("cookie", &cookie)
            .json(&serde_json::json!({ "name": "from the console" }));
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.send()
    };
    let refused = post(None).await.expect("post");
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json::<Value>().await.expect("json")["error"]["code"],
        "csrf"
    );
    assert_eq!(post(Some("forged")).await.expect("post").status(), 403);
    assert_eq!(post(Some(&csrf)).await.expect("post").status(), 201);
    let logout = app
        .client
        .post(format!("{}/v1/auth/logout", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 200);
    assert_eq!(
        get("/v1/me").send().await.expect("me").status(),
        401,
        "the session is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_logins_lock_the_account_over_http() {
    let app = spawn_app().await;
    let attempt = |password: &'static str| {
        let body =
            serde_json::json!({ "email": "billing_admin@partner.example", "password": password });
        let request = app
            .client
            .post(format!("{}/v1/auth/login", app.base))
            .json(&body);
        async move { request.send().await.expect("login").status().as_u16() }
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(attempt("wrong password!").await);
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 423],
        "the fifth failure locks"
    );
    assert_eq!(
        attempt("a long enough passphrase").await,
        423,
        "locked even with the right password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_and_a_disabled_user_stop_at_once() {
    let app = spawn_app().await;
    let (status, _) = app.call("GET", "/v1/me", None, Some("admin_agent")).await;
    assert_eq!(status, 200);
    let (_, tokens) = app
        .call("GET", "/v1/tokens", None, Some("admin_agent"))
        .await;
    let id = tokens["items"][0]["id"].as_str().expect("id").to_string();
    let (status, revoked) = app
        .call(
            "DELETE",
            &format!("/v1/tokens/{id}"),
            None,
            Some("admin_agent"),
        )
        .await;
    assert_eq!((status, revoked["live"].as_bool()), (200, Some(false)));
    let (status, _) = app.call("GET", "/v1/me", None, Some("admin_agent")).await;
    assert_eq!(
        status, 401,
        "the revoked token no longer works, cached or not"
    );

    let (status, _) = app.call("GET", "/v1/me", None, Some("billing_admin")).await;
    assert_eq!(status, 200);
    let (_, users) = app
        .call("GET", "/v1/users", None, Some("global_admin"))
        .await;
    let billing = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["role"] == "billing_admin")
        .expect("billing");
    let path = format!("/v1/users/{}", billing["id"].as_str().expect("id"));
    let (status, _) = app
        .call(
            "PATCH",
            &path,
            Some(&serde_json::json!({ "disabled": true })),
            Some("user_management_admin"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.call("GET", "/v1/me", None, Some("billing_admin")).await;
    assert_eq!(status, 401, "a disabled user's token stops at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_created_once_and_bad_values_name_their_field() {
    let app = spawn_app().await;
    let customer = serde_json::json!({ "id": "c-new", "company_name": "Acme", "country": "DE", "currency": "EUR", "credit_limit": "1000" });
    let (status, created) = app
        .call(
            "POST",
            "/v1/customers",
            Some(&customer),
            Some("admin_agent"),
        )
        .await;
    assert_eq!(
        (status, created["credit_limit"].as_str()),
        (201, Some("1000.00"))
    );
    let (status, again) = app
        .call(
            "POST",
            "/v1/customers",
            Some(&customer),
            Some("admin_agent"),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let bad = serde_json::json!({ "id": "c-bad", "company_name": "Acme", "country": "Germany" });
    let (status, out) = app
        .call("POST", "/v1/customers", Some(&bad), Some("admin_agent"))
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("country"))
    );

    let invoice = serde_json::json!({ "id": "INV-9", "customer_id": "c-missing", "issued_on": "2026-11-01", "due_on": "2026-12-01", "total": "10", "currency": "EUR" });
    let (status, out) = app
        .call(
            "POST",
            "/v1/invoices",
            Some(&invoice),
            Some("billing_admin"),
        )
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("customer_id"))
    );
    let float = serde_json::json!({ "id": "PAY-9", "customer_id": "c-new", "amount": 10.5, "currency": "EUR", "received_at": "2026-11-20T10:00:00Z" });
    let (status, out) = app
        .call("POST", "/v1/payments", Some(&float), Some("billing_admin"))
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("amount")),
        "an amount as a JSON number is refused: {out}"
    );
    let (status, page) = app
        .call(
            "GET",
            "/v1/invoices?customer_id=example-customer",
            None,
            Some("admin_agent"),
        )
        .await;
    assert_eq!(
        (status, page["items"][0]["total"].as_str()),
        (200, Some("1000.00"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_page_by_any_sort_with_an_opaque_cursor() {
    let app = spawn_app().await;
    for (id, name) in [
        ("c-1", "Zeta"),
        ("c-2", "Alpha"),
        ("c-3", "Mu"),
        ("c-4", "Beta"),
    ] {
        let body = serde_json::json!({ "id": id, "company_name": name, "country": "CZ" });
        assert_eq!(
            app.call("POST", "/v1/customers", Some(&body), Some("admin_agent"))
                .await
                .0,
            201
        );
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/v1/customers?sort=company_name&order=desc&limit=2".to_string();
        if let Some(after) = &cursor {
            path.push_str(&format!("&after={after}"));
        }
        let (status, page) = app.call("GET", &path, None, Some("billing_admin")).await;
        assert_eq!(status, 200, "{page}");
        names.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["company_name"].as_str().unwrap_or("").to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(
        names,
        ["Zeta", "Mu", "Company example-customer", "Beta", "Alpha"]
    );
    let (status, out) = app
        .call(
            "GET",
            "/v1/customers?sort=mood",
            None,
            Some("billing_admin"),
        )
        .await;
    assert_eq!(
        (status, out["error"]["field"].as_str()),
        (422, Some("sort"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_creation_and_logins_are_rate_limited() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let body = serde_json::json!({ "name": format!("t{i}") });
        statuses.push(
            app.call("POST", "/v1/tokens", Some(&body), Some("global_admin"))
                .await
                .0,
        );
    }
    assert_eq!(statuses[..10], [201; 10]);
    assert_eq!(
        statuses[10], 429,
        "the eleventh token in a minute is refused"
    );
    let mut logins = Vec::new();
    for i in 0..21 {
        let body =
            serde_json::json!({ "email": format!("nobody{i}@partner.example"), "password": "x" });
        let (status, _) = app.call("POST", "/v1/auth/login", Some(&body), None).await;
        logins.push(status);
    }
    assert!(logins[..20].iter().all(|s| *s == 401), "{logins:?}");
    assert_eq!(
        logins[20], 429,
        "the 21st login from one address in a minute is refused"
    );
}

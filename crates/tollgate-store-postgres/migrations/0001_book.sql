-- The book: customers, subscriptions, usage, invoices, payments; the audit chain; the outbox.
-- Money is integer micro-units; instants are integer milliseconds UTC; dates are days since
-- 1970-01-01. The same tables and columns as the SQLite backend, in PostgreSQL types.

-- Customer ids compare bytewise (as in SQLite) whatever the database's locale, so that cursor
-- pagination (`id > $1 ORDER BY id`) agrees with the primary key index.
CREATE TABLE customers (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    tenant_id            TEXT,
    company_name         TEXT NOT NULL,
    registration_number  TEXT,
    vat_id               TEXT,
    country              TEXT NOT NULL,
    domain               TEXT,
    contacts             TEXT NOT NULL,
    language             TEXT NOT NULL,
    cloud                TEXT NOT NULL,
    risk_tier            TEXT NOT NULL,
    status               TEXT NOT NULL,
    credit_limit_micros  BIGINT,
    currency             TEXT,
    created_at           BIGINT NOT NULL,
    tags                 TEXT NOT NULL,
    fingerprint          BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX customers_status ON customers (status);
CREATE INDEX customers_country ON customers (country);

CREATE TABLE subscriptions (
    id                    TEXT PRIMARY KEY,
    customer_id           TEXT NOT NULL REFERENCES customers (id),
    product               TEXT NOT NULL,
    sku                   TEXT,
    kind                  TEXT NOT NULL,
    quantity              BIGINT NOT NULL,
    state                 TEXT NOT NULL,
    state_reasons         TEXT NOT NULL,
    admin_access          TEXT NOT NULL,
    monthly_price_micros  BIGINT,
    currency              TEXT,
    created_at            BIGINT NOT NULL,
    fingerprint           BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);

-- One row per usage line ever imported, by identity, so that re-imports and overlapping files
-- never double-count.
CREATE TABLE usage_lines (
    line_key           BYTEA PRIMARY KEY,
    content_hash       BIGINT NOT NULL,
    customer_id        TEXT NOT NULL,
    subscription_id    TEXT NOT NULL,
    day                BIGINT NOT NULL,
    meter_category     TEXT NOT NULL,
    region             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    cost_micros        BIGINT NOT NULL,
    quantity_micros    BIGINT NOT NULL,
    vcpu_hours_micros  BIGINT NOT NULL
);
CREATE INDEX usage_lines_day ON usage_lines (day);

CREATE TABLE usage_daily (
    customer_id        TEXT NOT NULL,
    subscription_id    TEXT NOT NULL,
    day                BIGINT NOT NULL,
    meter_category     TEXT NOT NULL,
    region             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    cost_micros        BIGINT NOT NULL,
    quantity_micros    BIGINT NOT NULL,
    vcpu_hours_micros  BIGINT NOT NULL,
    n_lines            BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day, subscription_id, meter_category, region, currency)
);

CREATE TABLE invoices (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    number        TEXT NOT NULL,
    source        TEXT NOT NULL,
    issued_on     BIGINT NOT NULL,
    due_on        BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    total_micros  BIGINT NOT NULL,
    tax_micros    BIGINT NOT NULL,
    fingerprint   BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX invoices_customer ON invoices (customer_id);

CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers (id),
    invoice_id     TEXT,
    currency       TEXT NOT NULL,
    amount_micros  BIGINT NOT NULL,
    received_at    BIGINT NOT NULL,
    method         TEXT NOT NULL,
    fingerprint    BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- Append-only: Tollgate never updates or deletes a row here; `audit verify` proves it.
CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    reasons    TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject);

-- The end of the chain, in one row. An appender locks it (`SELECT … FOR UPDATE`), inserts the
-- events that follow it and moves it, so appenders in any number of processes take turns and
-- the chain never forks.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    subject          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT,
    locked_by        TEXT,
    locked_until     BIGINT
);
-- Claimers walk pending entries in due order; delivered and dead ones stay out of the way.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';

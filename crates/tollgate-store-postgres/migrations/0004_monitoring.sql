-- Monthly budgets and alerts. An alert is raised once per dedup key (a budget threshold of a
-- customer in a month, say); raising it again changes nothing.

CREATE TABLE budgets (
    customer_id          TEXT COLLATE "C" PRIMARY KEY REFERENCES customers (id),
    amount_micros        BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    thresholds           TEXT NOT NULL,
    enforcement_percent  INTEGER,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE alerts (
    id               TEXT COLLATE "C" PRIMARY KEY,
    dedup_key        TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    severity         TEXT NOT NULL,
    confidence       INTEGER NOT NULL,
    customer_id      TEXT,
    subscription_id  TEXT,
    first_seen       BIGINT NOT NULL,
    last_seen        BIGINT NOT NULL,
    evidence         TEXT NOT NULL,
    status           TEXT NOT NULL,
    case_id          TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX alerts_kind ON alerts (kind, created_at);
CREATE INDEX alerts_customer ON alerts (customer_id);

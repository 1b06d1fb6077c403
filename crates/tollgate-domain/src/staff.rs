//! The partner's staff, the four roles the provider's guidance names, and the one table that
//! says what each role may do. The server checks this table on every request; hiding a button
//! is not a permission.

use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// A staff member's role.
    pub enum Role {
        GlobalAdmin => "global_admin",
        UserManagementAdmin => "user_management_admin",
        AdminAgent => "admin_agent",
        BillingAdmin => "billing_admin",
    }
);

text_enum!(
    /// Something a staff member may be allowed to do.
    pub enum Permission {
        /// Read customer profiles and their subscriptions.
        CustomersRead => "customers.read",
        /// Create and change customers and subscriptions.
        CustomersWrite => "customers.write",
        /// Onboarding applications and purchase decisions.
        OnboardingDecide => "onboarding.decide",
        /// Alerts and cases.
        CasesManage => "cases.manage",
        /// Suspend, reactivate, disable, block orders; admin-access levels.
        EnforcementAct => "enforcement.act",
        /// The provider's fraud events and acceptable-use notices.
        NoticesManage => "notices.manage",
        /// Read invoices, payments, deposits and aging.
        BillingRead => "billing.read",
        /// Create and change invoices, payments, deposits and credit notes.
        BillingWrite => "billing.write",
        /// Monthly budgets and credit limits.
        BudgetsManage => "budgets.manage",
        /// The dunning ladder and collections runs.
        DunningManage => "dunning.manage",
        /// Rules, lists and backtests.
        RulesManage => "rules.manage",
        /// Staff users and their roles.
        UsersManage => "users.manage",
        /// Other users' API tokens (everyone manages their own).
        TokensManageOthers => "tokens.manage_others",
        /// The audit trail.
        AuditRead => "audit.read",
        /// Configuration: the collections policy, thresholds, limits.
        SettingsManage => "settings.manage",
    }
);

/// Whether `role` may do `permission`: the one permission table.
///
/// - Global admin: everything.
/// - User management admin: staff users, roles and others' tokens, and the audit trail that
///   records them; nothing financial or customer-facing.
/// - Admin agent: customers, subscriptions, onboarding, alerts, cases, enforcement, provider
///   notices; reads invoices and aging to do that job.
/// - Billing admin: invoices, payments, deposits, budgets, credit limits, dunning, aging; reads
///   customer profiles and subscriptions to do that job.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::GlobalAdmin => true,
        Role::UserManagementAdmin => {
            matches!(permission, UsersManage | TokensManageOthers | AuditRead)
        }
        Role::AdminAgent => matches!(
            permission,
            CustomersRead
                | CustomersWrite
                | OnboardingDecide
                | CasesManage
                | EnforcementAct
                | NoticesManage
                | BillingRead
                | AuditRead
        ),
        Role::BillingAdmin => matches!(
            permission,
            CustomersRead | BillingRead | BillingWrite | BudgetsManage | DunningManage | AuditRead
        ),
    }
}

/// How failed logins slow down and then lock an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures in a row that lock the account.
    pub max_failures: i32,
    /// How long a lock lasts.
    pub lock_millis: i64,
    /// The delay before answering the first failure; doubles with each further one.
    pub base_delay_millis: i64,
    pub max_delay_millis: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_millis: 15 * 60_000,
            base_delay_millis: 250,
            max_delay_millis: 4_000,
        }
    }
}

impl LockoutPolicy {
    /// After the `failures`-th failure in a row: how long to wait before answering, and until
    /// when the account is locked (when this failure locks it).
    pub fn after_failure(&self, failures: i32, now: Timestamp) -> (i64, Option<Timestamp>) {
        let doublings = (failures.max(1) - 1).min(20) as u32;
        let delay = self
            .base_delay_millis
            .saturating_mul(1 << doublings)
            .min(self.max_delay_millis);
        let lock = (failures >= self.max_failures).then(|| now.plus_millis(self.lock_millis));
        (delay, lock)
    }
}

/// A member of the partner's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TextEnum;

    #[test]
    fn failures_slow_down_then_lock() {
        let policy = LockoutPolicy::default();
        let now = Timestamp::from_millis(0);
        assert_eq!(policy.after_failure(1, now), (250, None));
        assert_eq!(policy.after_failure(3, now), (1_000, None));
        assert_eq!(
            policy.after_failure(5, now),
            (4_000, Some(Timestamp::from_millis(900_000)))
        );
        assert_eq!(policy.after_failure(9, now).0, 4_000);
    }

    #[test]
    fn global_admin_may_do_everything() {
        assert!(
            Permission::ALL
                .iter()
                .all(|p| allows(Role::GlobalAdmin, *p))
        );
    }

    #[test]
    fn user_management_admin_touches_nothing_financial_or_customer_facing() {
        for p in [
            Permission::CustomersRead,
            Permission::BillingRead,
            Permission::EnforcementAct,
            Permission::BudgetsManage,
            Permission::NoticesManage,
        ] {
            assert!(!allows(Role::UserManagementAdmin, p), "{p}");
        }
        assert!(allows(Role::UserManagementAdmin, Permission::UsersManage));
        assert!(allows(
            Role::UserManagementAdmin,
            Permission::TokensManageOthers
        ));
    }

    #[test]
    fn agents_and_billing_share_only_the_reads_their_work_needs() {
        assert!(allows(Role::AdminAgent, Permission::EnforcementAct));
        assert!(allows(Role::AdminAgent, Permission::BillingRead));
        assert!(!allows(Role::AdminAgent, Permission::BillingWrite));
        assert!(!allows(Role::AdminAgent, Permission::DunningManage));
        assert!(!allows(Role::AdminAgent, Permission::UsersManage));
        assert!(allows(Role::BillingAdmin, Permission::CustomersRead));
        assert!(allows(Role::BillingAdmin, Permission::DunningManage));
        assert!(!allows(Role::BillingAdmin, Permission::CustomersWrite));
        assert!(!allows(Role::BillingAdmin, Permission::EnforcementAct));
        assert!(!allows(Role::BillingAdmin, Permission::RulesManage));
    }
}

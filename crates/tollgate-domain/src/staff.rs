//! The partner's staff and the four roles the provider's guidance names.

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

/// A member of the partner's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
}

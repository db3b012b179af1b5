#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod audit;
mod authorizer;
mod context;
mod decision;
mod digest;
mod engine;
mod error;
mod memory;
#[cfg(feature = "tokio")]
mod pool;
mod registry;
mod revocation;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{
    AuditAggregate, AuditDecision, AuditRecord, AuditReports, AuditSink, AuditSinkStats,
    DEFAULT_MAX_AUDIT_AGGREGATES, DEFAULT_MAX_AUDIT_RECORDS, DEFAULT_MAX_EXECUTIONS,
    DEFAULT_MAX_REPORT_BYTES, DEFAULT_MAX_STORED_EXECUTIONS, Execution, ExecutionId,
    ExecutionStatus, JsonLinesAuditSink, MAX_AUDIT_ID_LEN, MAX_AUDIT_USER_AGENT_LEN,
    MemoryAuditSink, MemoryReportStore, RETENTION_DAYS, RecordsRead, Report, TRUNCATION_MARKER,
    oldest_reportable_date, report_expiry,
};
pub use authorizer::Authorizer;
pub use context::{RequestContext, VerifiedToken};
pub use decision::{Allowed, Decision, DenyReason, SessionChange};
pub use digest::TokenDigest;
pub use engine::{PolicyConfig, PolicyEngine};
pub use error::StoreError;
pub use error::{AuditError, RegistryError, ReportError, RevocationError, TokenError};
pub use memory::{MemoryPolicyStore, MemorySnapshot};
#[cfg(feature = "tokio")]
pub use pool::{PoolClosed, VerifyPool};
pub use registry::{
    DEFAULT_KEYS_PER_ACCOUNT, KeyFamily, KeyKind, KeyRecord, KeyRegistry, MAX_KEY_ID_LEN,
    MemoryKeyRegistry,
};
pub use revocation::{
    DEFAULT_REVOCATION_CAPACITY, MemoryRevocationStore, RevocationKind, RevocationStatus,
    RevocationStore, RevokedToken,
};
pub use store::{
    Applied, DecisionPlan, DeviceInfo, DevicePlan, Outcome, Partition, PolicyStore, Refusal,
    SessionInfo, SessionPlan, TokenPlan,
};

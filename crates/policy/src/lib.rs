#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod audit;
mod authorizer;
pub mod cache;
mod context;
mod decision;
mod digest;
mod engine;
mod error;
mod hazmat;
pub mod metrics;
mod policy_store;
#[cfg(feature = "tokio")]
mod pool;
mod registry;
mod revocation;
mod rights;
mod rights_cache;
mod rights_store;
mod stores;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{
    AuditAggregate, AuditDecision, AuditRecord, AuditReports, AuditSink, AuditSinkStats,
    DEFAULT_MAX_AUDIT_AGGREGATES, DEFAULT_MAX_AUDIT_RECORDS, DEFAULT_MAX_EXECUTIONS,
    DEFAULT_MAX_REPORT_BYTES, DEFAULT_MAX_STORED_EXECUTIONS, Execution, ExecutionId,
    ExecutionStatus, JsonLinesAuditSink, MAX_AUDIT_ID_LEN, MAX_AUDIT_RIGHTS_RULE_LEN,
    MAX_AUDIT_USER_AGENT_LEN, MAX_RENEWAL_IPS, MemoryAuditSink, MemoryReportStore, RETENTION_DAYS,
    RecordsRead, Report, SessionEnd, SessionEndCause, SessionRenewals, TRUNCATION_MARKER,
    oldest_reportable_date, report_expiry,
};
pub use authorizer::{Authorizer, AuthorizerBuilder};
pub use context::{RequestContext, VerifiedToken};
pub use decision::{Allowed, Decision, DenyReason, SessionChange, VendorDenial};
pub use digest::TokenDigest;
pub use engine::{HeartbeatConfigError, PolicyConfig, PolicyEngine, RequestKind};
pub use error::StoreError;
pub use error::{AuditError, RegistryError, ReportError, RevocationError, TokenError};
pub use policy_store::{
    AdmissionOrder, Applied, DecisionPlan, DeviceInfo, DevicePlan, Outcome, Partition, PolicyStore,
    Refusal, SessionInfo, SessionPlan, SessionRenewal, TokenPlan,
};
pub use policy_store::{MemoryPolicyStore, MemorySnapshot};
#[cfg(feature = "tokio")]
pub use pool::{PoolClosed, VerifyPool};
pub use registry::{
    DEFAULT_KEYS_PER_ACCOUNT, KeyFamily, KeyKind, KeyRecord, KeyRegistry, MAX_KEY_ID_LEN,
    MemoryKeyRegistry,
};
pub use revocation::{
    DEFAULT_REVOCATION_CAPACITY, FoundRevocations, MemoryRevocationStore, RevocationKind,
    RevocationLookup, RevocationStatus, RevocationStore, RevokedToken,
};
pub use rights::{
    DomainDocument, DomainError, DomainPattern, GeoDocument, GeoLookup, GlobalRule, IpDocument,
    MAX_ID_LEN, MAX_RIGHTS_LIST_LEN, MAX_WEEKLY_WINDOWS, MissingOrigin, NoGeoLookup,
    PlaybackRights, RightsApplied, RightsDenial, RightsDocument, RightsError, RightsOutcome,
    RightsRequest, RightsRule, RightsSelection, RuleMatch, ScheduleDocument, StaticGeoLookup,
    WindowDocument, WindowError, evaluate_access_rules, evaluate_rights, select_rights,
};
#[cfg(feature = "geoip")]
pub use rights::{GeoDatabaseError, MaxMindGeoLookup};
pub use rights_cache::{
    CachedRights, DEFAULT_RIGHTS_CACHE_CAPACITY, DEFAULT_RIGHTS_CACHE_MAX_AGE, RightsCache,
    RightsCacheMiss,
};
pub use rights_store::{
    DEFAULT_RIGHTS_PER_ACCOUNT, MemoryRightsStore, RightsStore, RightsStoreError, WriteMode,
    Written,
};
pub use stores::{MemoryStores, StoreSet, Stores};

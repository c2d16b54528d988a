use enlace_domain::Invalid;

/// The use-case error. The web crate maps it once to HTTP; `code()` is the stable key that
/// is also the i18n message id.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid credentials")]
    BadCredentials,
    #[error("invalid second-factor code")]
    BadCode,
    #[error("invalid input")]
    Invalid(Invalid),
    /// A sensitive record (victims, minors) is read only with a stated purpose.
    #[error("purpose required")]
    PurposeRequired,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    /// The database cannot grow: the write was refused and undone (HTTP 507).
    #[error("insufficient storage")]
    StorageFull,
    /// A read could not be audited (no room for its audit row): not served (HTTP 503).
    #[error("unavailable")]
    Unavailable,
    /// The hit/no-hit index is still being built at start: nothing can be answered yet
    /// (HTTP 503 with Retry-After), never a "no hit" from half an index.
    #[error("the check index is warming")]
    Warming { retry_after_secs: i64 },
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::BadCode => "bad_code",
            AppError::Invalid(_) => "invalid_input",
            AppError::PurposeRequired => "purpose_required",
            AppError::Conflict(c) => c,
            AppError::RateLimited { .. } => "rate_limited",
            AppError::StorageFull => "insufficient_storage",
            AppError::Unavailable => "service_unavailable",
            AppError::Warming { .. } => "index_warming",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<enlace_store::StoreError> for AppError {
    fn from(e: enlace_store::StoreError) -> Self {
        match e {
            enlace_store::StoreError::Conflict(c) => AppError::Conflict(c),
            enlace_store::StoreError::Full => AppError::StorageFull,
            enlace_store::StoreError::AuditUnavailable => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;

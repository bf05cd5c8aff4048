//! Error classes: what kind of failure an error is, and the one table that
//! says how each class is answered over HTTP and by the command line.
//!
//! Every error type of the engine implements [`Classify`]; the HTTP layer
//! turns the class into a status, the CLI into an exit code, and both carry
//! the error's stable `code` (the problem type's last segment) so a client
//! can branch on it without parsing sentences. Adding an error is one
//! variant and one line in its `classify` match.

/// The kinds of failure refrain tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The request or input is malformed (syntax, parameters).
    BadRequest,
    /// Well-formed input that breaks a rule (invalid tickets, config).
    Invalid,
    /// No credentials, or credentials the server does not know.
    Unauthorized,
    /// Credentials that do not allow this.
    Forbidden,
    /// What was asked for does not exist.
    NotFound,
    /// The route exists, the method does not.
    MethodNotAllowed,
    /// The state of things is in the way (a running job, a locked data
    /// directory, a decision made meanwhile).
    Conflict,
    /// It existed, and a later change replaced it.
    Gone,
    /// More than a limit allows.
    TooLarge,
    /// A content type the route does not read.
    UnsupportedMedia,
    /// Not now: overloaded, not ready yet, shutting down. Try again.
    Unavailable,
    /// A defect or an impossible state inside refrain.
    Internal,
    /// The disk or the database failed.
    Io,
}

/// How one class is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub http_status: u16,
    pub exit_code: i32,
}

/// Exit codes, a contract documented in the README.
pub mod exit {
    pub const OK: i32 = 0;
    /// Bad input, bad config, a busy data directory: fix and run again.
    pub const USER: i32 = 1;
    /// Wrong arguments (clap's own code).
    pub const USAGE: i32 = 2;
    /// Something broke inside refrain or the machine (I/O, database).
    pub const INTERNAL: i32 = 3;
}

impl ErrorClass {
    /// Every class, for tests and documentation.
    pub const ALL: [ErrorClass; 13] = [
        ErrorClass::BadRequest,
        ErrorClass::Invalid,
        ErrorClass::Unauthorized,
        ErrorClass::Forbidden,
        ErrorClass::NotFound,
        ErrorClass::MethodNotAllowed,
        ErrorClass::Conflict,
        ErrorClass::Gone,
        ErrorClass::TooLarge,
        ErrorClass::UnsupportedMedia,
        ErrorClass::Unavailable,
        ErrorClass::Internal,
        ErrorClass::Io,
    ];

    /// The table: class → HTTP status → CLI exit code.
    pub const fn answer(self) -> Answer {
        use ErrorClass::*;
        let (http_status, exit_code) = match self {
            BadRequest => (400, exit::USER),
            Invalid => (422, exit::USER),
            Unauthorized => (401, exit::USER),
            Forbidden => (403, exit::USER),
            NotFound => (404, exit::USER),
            MethodNotAllowed => (405, exit::USAGE),
            Conflict => (409, exit::USER),
            Gone => (410, exit::USER),
            TooLarge => (413, exit::USER),
            UnsupportedMedia => (415, exit::USER),
            Unavailable => (503, exit::USER),
            Internal => (500, exit::INTERNAL),
            Io => (500, exit::INTERNAL),
        };
        Answer {
            http_status,
            exit_code,
        }
    }

    pub const fn http_status(self) -> u16 {
        self.answer().http_status
    }

    pub const fn exit_code(self) -> i32 {
        self.answer().exit_code
    }

    /// Whether the fault is the server's: such errors are logged with their
    /// detail and reported without it.
    pub const fn is_server_fault(self) -> bool {
        matches!(self, ErrorClass::Internal | ErrorClass::Io)
    }
}

/// An error that knows its class and its stable machine-readable code.
pub trait Classify: std::error::Error {
    fn class(&self) -> ErrorClass;
    /// Lowercase words joined by '-', stable across releases
    /// (e.g. `job-running`); the problem type's last path segment.
    fn code(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_an_error_status_and_a_nonzero_exit_code() {
        for class in ErrorClass::ALL {
            let a = class.answer();
            assert!((400..600).contains(&a.http_status), "{class:?}");
            assert_ne!(a.exit_code, exit::OK, "{class:?}");
            assert_eq!(
                class.is_server_fault(),
                a.http_status >= 500 && a.http_status != 503,
                "{class:?}"
            );
        }
    }
}

//! The symptom catalogue: product components × failure modes (× an optional context such as
//! "on Android"), the sentence templates tickets are written from, and the deterministic
//! choice of which combinations become this run's families.
//!
//! Why it is shaped like this: a family is what clustering should recover, so every family
//! has its own small vocabulary — the component's nouns and tasks plus the failure's phrases,
//! each with synonyms — and every template that states the problem uses both halves. Failure
//! phrases are written so that different failure modes share no distinctive word (checked by
//! a unit test); look-alike families share one half and must be told apart by the other.
//!
//! Template placeholders (expanded in `mod.rs`): `{n}` component noun, `{t}` task, `{i}`
//! items, `{s}` service, `{f}` failure phrase (`{fs}`: one of the two short ones, for
//! titles), `{o}` terse ops phrase, `{v}` context phrase
//! (with a leading space, empty for families without one), and the volatile tokens `{when}`,
//! `{order}`, `{ref}`, `{inc}`, `{email}`, `{url}`, `{gurl}`, `{uuid}`, `{ip}`, `{ver}`,
//! `{date}`, `{clock}`, `{clock2}`, `{dur}`, `{users}`, `{n2}`, `{co}`, `{host}`, `{action}`,
//! `{first}`, `{flag}`.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;

use super::noise::Rng64;

// Component traits: what a component can plausibly suffer from. A failure mode applies to
// a component when they share at least one trait (or the failure needs none).
/// Has a screen a person looks at.
pub(crate) const UI: u32 = 1 << 0;
/// Served as a web page (redirect loops).
pub(crate) const WEB: u32 = 1 << 1;
/// Shows or stores a list of records (duplicates, missing, wrong rows).
pub(crate) const ITEMS: u32 = 1 << 2;
/// Displays user-written text (encoding).
pub(crate) const TEXT: u32 = 1 << 3;
/// Shows dates and times (timezone).
pub(crate) const TIME: u32 = 1 << 4;
/// Has a form that validates and saves input.
pub(crate) const INPUT: u32 = 1 << 5;
/// Runs as a background job or queue.
pub(crate) const JOB: u32 = 1 << 6;
/// Is called programmatically (rate limits).
pub(crate) const API: u32 = 1 << 7;
/// Depends on a third party.
pub(crate) const EXT: u32 = 1 << 8;
/// Shows prices or totals.
pub(crate) const MONEY: u32 = 1 << 9;
/// Actually takes money from a card.
pub(crate) const CHARGE: u32 = 1 << 10;
/// Sends messages to people.
pub(crate) const DELIVERY: u32 = 1 << 11;
/// Keeps copies in sync.
pub(crate) const SYNC: u32 = 1 << 12;
/// Produces or accepts files.
pub(crate) const FILE: u32 = 1 << 13;
/// Sends links or tokens that expire.
pub(crate) const LINK: u32 = 1 << 14;
/// Has filters.
pub(crate) const FILTER: u32 = 1 << 15;
/// Runs on phones (Android / iOS contexts).
pub(crate) const MOBILE: u32 = 1 << 16;
/// Holds a login session.
pub(crate) const SESSION: u32 = 1 << 17;

// Sibling groups: components in one group are close enough that the same failure on two of
// them makes a convincing look-alike.
const AUTH: u8 = 0;
const COMMERCE: u8 = 1;
const BILLING: u8 = 2;
const DATA: u8 = 3;
const DEVICES: u8 = 4;
const COMMS: u8 = 5;
const INTEGRATIONS: u8 = 6;
const FILES: u8 = 7;
const ADMIN: u8 = 8;
const DEVELOPER: u8 = 9;
const ACCOUNT: u8 = 10;
const COLLAB: u8 = 11;

/// A product area. Its words are one half of every family vocabulary built on it.
pub(crate) struct Component {
    /// Kebab-case label part.
    pub key: &'static str,
    /// Synonyms usable as a singular sentence subject ("the checkout page times out").
    pub nouns: &'static [&'static str],
    /// What the user was doing, usable after "try to" ("place an order").
    pub tasks: &'static [&'static str],
    /// Plural records it shows, for item failures ("shows duplicate orders").
    pub items: &'static [&'static str],
    /// Backend service name as operators write it.
    pub service: &'static str,
    /// Class under `com.acme` for stack traces, and its method.
    pub class: &'static str,
    pub method: &'static str,
    /// URL path in the web app.
    pub path: &'static str,
    pub traits: u32,
    pub group: u8,
}

/// What kind of harm a failure does; drives tags and manual-work notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Outage,
    Degraded,
    BadData,
    Ux,
    Access,
    Delivery,
}

/// A failure mode. Its phrases are the other half of every family vocabulary built on it.
pub(crate) struct Failure {
    pub key: &'static str,
    /// Customer wording, a verb phrase after a singular subject or "it"; may use `{i}`.
    /// The first two are short (at most six words plus `{i}`): titles use only those.
    pub phrases: &'static [&'static str],
    /// Terse operator wording; may use `{i}`.
    pub ops: &'static [&'static str],
    /// What the user saw, for the `user_saw` note; may use `{n}` and `{i}`.
    pub saw: &'static [&'static str],
    /// Traits a component needs (any of them) for this failure to make sense; 0 = any.
    pub needs: u32,
    pub kind: Kind,
    /// Tags in order of preference (a family takes 0–2).
    pub tags: &'static [&'static str],
    /// Log fields: level, HTTP status (digits), message (no double quotes), exception line.
    pub level: &'static str,
    pub status: &'static str,
    pub log_msg: &'static str,
    pub exception: &'static str,
}

/// A context that splits one component × failure into separate problems ("on Android" vs
/// "in Safari"). Used for look-alikes and when more families are asked for than pairs exist.
pub(crate) struct Variant {
    pub key: &'static str,
    pub phrases: &'static [&'static str],
    /// Traits the component needs (any of them); 0 = fits every component.
    pub needs: u32,
}

/// How a look-alike family was derived from its anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LookalikeKind {
    /// Same component (and context), different failure mode.
    SameComponent,
    /// Same failure mode, a sibling component from the same group.
    SiblingComponent,
    /// Same component and failure, different context.
    Context,
}

/// One symptom family of a run.
pub(crate) struct Family {
    pub label: String,
    pub comp: usize,
    pub fail: usize,
    pub variant: Option<usize>,
    /// Index of the family this one was built to resemble, and how.
    pub lookalike: Option<(usize, LookalikeKind)>,
    pub tags: Vec<&'static str>,
}

macro_rules! component {
    ($key:literal, $group:expr, $traits:expr, nouns: [$($n:literal),+ $(,)?], tasks: [$($t:literal),+ $(,)?],
     items: [$($i:literal),+ $(,)?], service: $s:literal, class: $c:literal, method: $m:literal, path: $p:literal) => {
        Component {
            key: $key,
            nouns: &[$($n),+],
            tasks: &[$($t),+],
            items: &[$($i),+],
            service: $s,
            class: $c,
            method: $m,
            path: $p,
            traits: $traits,
            group: $group,
        }
    };
}

pub(crate) static COMPONENTS: &[Component] = &[
    component!("login", AUTH, UI | WEB | INPUT | SESSION | MOBILE,
        nouns: ["login", "sign in", "the login page", "signing in", "the log in screen"],
        tasks: ["log in", "sign in to my account", "sign in with my work account"],
        items: ["login attempts", "sessions"],
        service: "auth-svc", class: "auth.LoginController", method: "authenticate", path: "login"),
    component!("signup", AUTH, UI | WEB | INPUT | TEXT | MOBILE | LINK,
        nouns: ["signup", "sign up", "the registration form", "creating an account", "the sign-up page"],
        tasks: ["sign up", "create a new account", "register our team"],
        items: ["registrations", "new accounts"],
        service: "signup-svc", class: "accounts.RegistrationController", method: "register", path: "signup"),
    component!("password-reset", AUTH, UI | WEB | INPUT | DELIVERY | LINK,
        nouns: ["password reset", "the reset password link", "resetting my password", "the forgot-password flow"],
        tasks: ["reset my password", "recover my account", "get a new password"],
        items: ["reset emails", "reset requests"],
        service: "identity-svc", class: "identity.PasswordResetService", method: "sendResetLink", path: "password/reset"),
    component!("2fa", AUTH, UI | INPUT | DELIVERY | TIME | MOBILE,
        nouns: ["2FA", "two-factor auth", "the 2FA code", "two-factor authentication", "the verification code step"],
        tasks: ["enter my 2FA code", "set up two-factor", "verify with my authenticator app"],
        items: ["verification codes", "backup codes"],
        service: "mfa-svc", class: "identity.TotpVerifier", method: "verify", path: "settings/security"),
    component!("sso", AUTH, UI | WEB | EXT | SESSION,
        nouns: ["SSO", "single sign-on", "SAML login", "our Okta SSO", "the SSO redirect"],
        tasks: ["log in through Okta", "sign in with SSO", "connect our identity provider"],
        items: ["SAML assertions", "IdP groups"],
        service: "sso-gateway", class: "identity.SamlResponseHandler", method: "consume", path: "sso/saml"),
    component!("checkout", COMMERCE, UI | WEB | ITEMS | INPUT | MONEY | CHARGE | MOBILE,
        nouns: ["checkout", "the checkout page", "placing an order", "the cart checkout", "the order form"],
        tasks: ["check out", "place an order", "complete my purchase"],
        items: ["orders", "order lines"],
        service: "checkout-svc", class: "checkout.OrderService", method: "placeOrder", path: "checkout"),
    component!("cart", COMMERCE, UI | WEB | ITEMS | MONEY | SYNC | MOBILE,
        nouns: ["the cart", "the shopping cart", "my basket", "the cart page"],
        tasks: ["add items to the cart", "update quantities in my basket", "save my cart for later"],
        items: ["cart items", "products in the basket"],
        service: "cart-svc", class: "checkout.CartRepository", method: "addLine", path: "cart"),
    component!("payment", COMMERCE, UI | INPUT | MONEY | CHARGE | EXT | MOBILE,
        nouns: ["card payment", "the payment step", "paying by card", "the credit card form", "the payment form"],
        tasks: ["pay by credit card", "save a new card", "pay for the order"],
        items: ["payments", "card transactions"],
        service: "payments-api", class: "payments.PaymentClient", method: "charge", path: "pay"),
    component!("refunds", COMMERCE, UI | ITEMS | MONEY | JOB,
        nouns: ["the refund flow", "issuing a refund", "the refunds page", "the refund request"],
        tasks: ["refund a customer", "request a refund", "process a return"],
        items: ["refunds", "credit notes"],
        service: "refund-worker", class: "payments.RefundProcessor", method: "process", path: "orders/refunds"),
    component!("coupons", COMMERCE, UI | INPUT | MONEY | ITEMS,
        nouns: ["the coupon code", "the discount code field", "the promo code box", "redeeming a voucher"],
        tasks: ["apply a discount code", "redeem a voucher", "create a promo code"],
        items: ["coupons", "discount codes"],
        service: "promo-svc", class: "pricing.CouponValidator", method: "apply", path: "promotions"),
    component!("shipping", COMMERCE, UI | ITEMS | MONEY | EXT | TIME | FILE,
        nouns: ["the shipping step", "the shipping label printer", "delivery tracking", "the shipping rate calculator"],
        tasks: ["print a shipping label", "pick a delivery option", "track a parcel"],
        items: ["shipments", "tracking numbers"],
        service: "shipping-svc", class: "fulfilment.LabelPrinter", method: "print", path: "shipping"),
    component!("catalog", COMMERCE, UI | WEB | ITEMS | TEXT | FILTER | INPUT | MOBILE,
        nouns: ["the product catalog", "the catalog page", "the product listing page", "product management"],
        tasks: ["browse products", "update a product listing", "publish new products"],
        items: ["products", "SKUs"],
        service: "catalog-svc", class: "catalog.ProductIndexer", method: "reindex", path: "products"),
    component!("invoice", BILLING, UI | ITEMS | MONEY | CHARGE | FILE | TEXT | TIME | DELIVERY,
        nouns: ["the invoice", "invoicing", "the bill", "the invoice PDF", "our latest invoice"],
        tasks: ["download an invoice", "send an invoice to a client", "pay our bill"],
        items: ["invoices", "bills"],
        service: "invoice-svc", class: "billing.InvoiceRenderer", method: "render", path: "billing/invoices"),
    component!("billing", BILLING, UI | WEB | INPUT | MONEY | CHARGE | ITEMS,
        nouns: ["billing", "the billing page", "billing settings", "the billing portal"],
        tasks: ["update our billing details", "change the card on file", "see our billing history"],
        items: ["billing records", "charges"],
        service: "billing-api", class: "billing.AccountBillingService", method: "updatePaymentMethod", path: "settings/billing"),
    component!("subscription", BILLING, UI | MONEY | CHARGE | INPUT | JOB,
        nouns: ["my subscription", "the plan upgrade", "changing plans", "the subscription page"],
        tasks: ["upgrade our plan", "add more seats", "cancel the subscription"],
        items: ["seats", "plan changes"],
        service: "subscriptions-svc", class: "billing.SubscriptionManager", method: "changePlan", path: "settings/plan"),
    component!("tax", BILLING, UI | INPUT | MONEY | EXT | ITEMS,
        nouns: ["tax calculation", "VAT handling", "sales tax", "the tax settings page"],
        tasks: ["add our VAT number", "set up sales tax", "exempt a customer from tax"],
        items: ["tax lines", "VAT IDs"],
        service: "tax-svc", class: "billing.TaxCalculator", method: "compute", path: "settings/tax"),
    component!("export", DATA, UI | ITEMS | TEXT | TIME | JOB | FILE | FILTER,
        nouns: ["export", "the CSV export", "exporting data", "the export button", "data export"],
        tasks: ["export our data", "download a CSV", "export last month's records"],
        items: ["exported rows", "records"],
        service: "export-worker", class: "data.ExportJob", method: "run", path: "export"),
    component!("import", DATA, UI | ITEMS | TEXT | TIME | JOB | FILE | INPUT,
        nouns: ["import", "the CSV import", "importing contacts", "the bulk import"],
        tasks: ["import a spreadsheet", "upload our contact list", "bring data over from our old tool"],
        items: ["imported rows", "contacts"],
        service: "import-worker", class: "data.CsvImporter", method: "parseRow", path: "import"),
    component!("reports", DATA, UI | ITEMS | TIME | JOB | FILE | FILTER | DELIVERY,
        nouns: ["the report builder", "reporting", "the monthly report", "the reports tab", "the scheduled report"],
        tasks: ["run the monthly report", "build a custom report", "schedule a weekly report"],
        items: ["report rows", "totals"],
        service: "reporting-svc", class: "analytics.ReportQuery", method: "execute", path: "reports"),
    component!("dashboard", DATA, UI | WEB | ITEMS | TIME | SYNC | FILTER | MOBILE,
        nouns: ["the dashboard", "the home dashboard", "the overview page", "the KPI dashboard"],
        tasks: ["check today's numbers", "open the overview", "see our KPIs"],
        items: ["widgets", "charts"],
        service: "dashboard-bff", class: "web.DashboardController", method: "render", path: "dashboard"),
    component!("search", DATA, UI | WEB | ITEMS | TEXT | FILTER | INPUT | API | MOBILE,
        nouns: ["search", "the search bar", "searching", "full-text search", "the search results page"],
        tasks: ["search for a customer", "find an old record", "look something up"],
        items: ["search results", "matches"],
        service: "search-api", class: "search.QueryExecutor", method: "search", path: "search"),
    component!("audit-log", ADMIN, UI | ITEMS | TIME | TEXT | FILTER | FILE,
        nouns: ["the audit log", "activity history", "the audit trail", "the activity feed"],
        tasks: ["check who changed a record", "review the audit trail", "find out who deleted something"],
        items: ["audit entries", "events"],
        service: "audit-svc", class: "audit.EventWriter", method: "append", path: "settings/audit"),
    component!("sync", DEVICES, ITEMS | SYNC | JOB | MOBILE | TIME,
        nouns: ["sync", "syncing", "the data sync", "background sync", "offline sync"],
        tasks: ["sync my phone with the web app", "pull the latest changes", "work offline and sync later"],
        items: ["records", "changes"],
        service: "sync-svc", class: "sync.DeltaReplicator", method: "applyBatch", path: "sync"),
    component!("calendar", DEVICES, UI | WEB | ITEMS | TIME | SYNC | EXT | INPUT | MOBILE | DELIVERY,
        nouns: ["the calendar", "calendar sync", "the calendar view", "scheduling", "the booking calendar"],
        tasks: ["book a meeting", "schedule an appointment", "connect Google Calendar"],
        items: ["events", "appointments"],
        service: "calendar-svc", class: "calendar.EventScheduler", method: "book", path: "calendar"),
    component!("mobile-app", DEVICES, UI | ITEMS | SYNC | SESSION | MOBILE | TEXT,
        nouns: ["the mobile app", "the app on my phone", "the phone app", "our mobile app"],
        tasks: ["open the app", "use the app on the go", "check things from my phone"],
        items: ["screens", "offline records"],
        service: "mobile-bff", class: "mobile.SessionRestorer", method: "restore", path: "m"),
    component!("desktop-app", DEVICES, UI | ITEMS | SYNC | SESSION | TEXT | FILE,
        nouns: ["the desktop app", "the desktop client", "the desktop application"],
        tasks: ["open the desktop app", "work in the desktop client", "install the desktop app"],
        items: ["workspaces", "local files"],
        service: "desktop-update-svc", class: "desktop.AutoUpdater", method: "apply", path: "download"),
    component!("notifications", COMMS, UI | ITEMS | DELIVERY | MOBILE | TIME | TEXT,
        nouns: ["the notification center", "push notification delivery", "the notification bell", "in-app notification"],
        tasks: ["get notified when someone replies", "turn on push notifications", "mute a noisy thread"],
        items: ["notifications", "badges"],
        service: "notify-svc", class: "notify.PushDispatcher", method: "dispatch", path: "settings/notifications"),
    component!("email-delivery", COMMS, DELIVERY | TEXT | EXT | JOB | LINK,
        nouns: ["email delivery", "the confirmation email", "outgoing email", "the transactional email"],
        tasks: ["send order confirmations", "email a customer", "send our newsletter"],
        items: ["emails", "messages"],
        service: "mailer", class: "mail.SmtpSender", method: "send", path: "settings/email"),
    component!("webhooks", COMMS, ITEMS | DELIVERY | JOB | API | TEXT,
        nouns: ["webhook delivery", "the webhook", "our webhook endpoint", "the webhook integration"],
        tasks: ["receive events on our server", "set up a webhook", "replay a webhook event"],
        items: ["webhook events", "payloads"],
        service: "webhook-dispatcher", class: "hooks.WebhookDispatcher", method: "deliver", path: "settings/webhooks"),
    component!("sms", COMMS, DELIVERY | TEXT | EXT | TIME,
        nouns: ["SMS", "the SMS reminder", "text messaging", "the SMS alert"],
        tasks: ["text our customers reminders", "send an SMS", "confirm appointments by text"],
        items: ["text messages", "SMS reminders"],
        service: "sms-gateway", class: "notify.SmsSender", method: "send", path: "settings/sms"),
    component!("chat-widget", COMMS, UI | WEB | ITEMS | TEXT | DELIVERY | MOBILE,
        nouns: ["the chat widget", "live chat", "the help widget", "in-app chat"],
        tasks: ["chat with our visitors", "answer chats on the website", "hand a chat over to a colleague"],
        items: ["chats", "conversations"],
        service: "chat-svc", class: "chat.ConversationRouter", method: "route", path: "chat"),
    component!("slack", INTEGRATIONS, DELIVERY | EXT | TEXT | SYNC | API,
        nouns: ["the Slack integration", "the Slack app", "posting to Slack", "the Slack bot"],
        tasks: ["post updates to our Slack channel", "connect Slack", "get alerts in Slack"],
        items: ["Slack messages", "channel posts"],
        service: "slack-connector", class: "integrations.SlackPoster", method: "post", path: "integrations/slack"),
    component!("salesforce", INTEGRATIONS, ITEMS | EXT | SYNC | JOB | TEXT | TIME | API,
        nouns: ["the Salesforce integration", "Salesforce sync", "the Salesforce connector"],
        tasks: ["sync contacts to Salesforce", "push deals into Salesforce", "map Salesforce fields"],
        items: ["Salesforce records", "leads"],
        service: "crm-connector", class: "integrations.SalesforceClient", method: "upsert", path: "integrations/salesforce"),
    component!("stripe", INTEGRATIONS, ITEMS | EXT | MONEY | CHARGE | SYNC | JOB | API,
        nouns: ["the Stripe integration", "the Stripe connector", "Stripe payout sync", "our Stripe connection"],
        tasks: ["connect our Stripe account", "reconcile Stripe payouts", "take payments through Stripe"],
        items: ["Stripe charges", "payouts"],
        service: "stripe-bridge", class: "integrations.StripeWebhookHandler", method: "handle", path: "integrations/stripe"),
    component!("jira", INTEGRATIONS, ITEMS | EXT | SYNC | TEXT | JOB | API,
        nouns: ["the Jira integration", "Jira sync", "the Jira connector", "Jira issue creation"],
        tasks: ["create a Jira issue from a ticket", "link tickets to Jira", "sync Jira statuses back"],
        items: ["Jira issues", "linked issues"],
        service: "jira-connector", class: "integrations.JiraIssueMapper", method: "map", path: "integrations/jira"),
    component!("google-drive", INTEGRATIONS, UI | ITEMS | EXT | FILE | SYNC,
        nouns: ["Google Drive", "the Drive integration", "attaching from Google Drive", "the Google Drive picker"],
        tasks: ["attach a file from Google Drive", "link our shared drive", "browse Drive folders"],
        items: ["Drive files", "shared folders"],
        service: "drive-connector", class: "integrations.DriveFilePicker", method: "list", path: "integrations/google-drive"),
    component!("public-api", DEVELOPER, ITEMS | API | TEXT | TIME | FILTER | INPUT,
        nouns: ["the API", "the REST API", "the v2 API", "our API integration"],
        tasks: ["call the API from our backend", "pull data through the API", "create records via the API"],
        items: ["API responses", "API objects"],
        service: "public-api", class: "api.V2RequestHandler", method: "handle", path: "api/v2"),
    component!("api-keys", DEVELOPER, UI | ITEMS | API | TIME,
        nouns: ["the API keys page", "the API token page", "generating an API key", "the personal access token"],
        tasks: ["create an API key", "rotate our API token", "revoke an old key"],
        items: ["API keys", "access tokens"],
        service: "token-svc", class: "api.TokenIssuer", method: "issue", path: "settings/api-keys"),
    component!("file-upload", FILES, UI | WEB | ITEMS | FILE | TEXT | INPUT | JOB | MOBILE,
        nouns: ["file upload", "uploading files", "the upload dialog", "attachment upload"],
        tasks: ["upload a document", "attach a file", "drag files into the window"],
        items: ["uploads", "attachments"],
        service: "upload-svc", class: "files.MultipartUploader", method: "store", path: "files"),
    component!("doc-preview", FILES, UI | WEB | FILE | TEXT,
        nouns: ["the document preview", "previewing PDFs", "the file viewer", "the preview pane"],
        tasks: ["preview a PDF", "open an attachment in the viewer", "flip through a contract"],
        items: ["previews", "thumbnails"],
        service: "preview-renderer", class: "files.PdfRasterizer", method: "renderPage", path: "files/preview"),
    component!("permissions", ADMIN, UI | ITEMS | INPUT | API,
        nouns: ["the permissions page", "role management", "the roles page", "access control"],
        tasks: ["give a colleague editor rights", "change someone's role", "restrict access to a project"],
        items: ["roles", "permission sets"],
        service: "authz-svc", class: "authz.PolicyEvaluator", method: "evaluate", path: "settings/roles"),
    component!("team-invites", ADMIN, UI | ITEMS | DELIVERY | LINK | INPUT,
        nouns: ["the team invite", "the invite link", "inviting a colleague", "the invitation email"],
        tasks: ["invite a new teammate", "add people to our workspace", "resend an invitation"],
        items: ["invites", "pending invitations"],
        service: "invite-svc", class: "accounts.InvitationService", method: "send", path: "settings/team"),
    component!("user-management", ADMIN, UI | ITEMS | TEXT | FILTER | INPUT,
        nouns: ["user management", "the users list", "the members page", "deactivating a user"],
        tasks: ["remove a user who left", "deactivate an old account", "see who is in our workspace"],
        items: ["users", "members"],
        service: "directory-svc", class: "accounts.MemberDirectory", method: "list", path: "settings/members"),
    component!("profile", ACCOUNT, UI | WEB | INPUT | TEXT | TIME | MOBILE,
        nouns: ["profile settings", "my profile page", "account settings", "the profile editor"],
        tasks: ["change my display name", "update my email address", "set my timezone"],
        items: ["profile fields", "preferences"],
        service: "profile-svc", class: "accounts.ProfileUpdater", method: "save", path: "settings/profile"),
    component!("account-deletion", ACCOUNT, UI | JOB | INPUT | DELIVERY,
        nouns: ["account deletion", "deleting my account", "closing the account", "the delete account button"],
        tasks: ["delete my account", "close our workspace", "remove all our data"],
        items: ["deletion requests", "accounts"],
        service: "gdpr-worker", class: "accounts.ErasureJob", method: "run", path: "settings/delete"),
    component!("onboarding", ACCOUNT, UI | WEB | INPUT | TEXT | ITEMS,
        nouns: ["onboarding", "the setup wizard", "the onboarding checklist", "first-time setup"],
        tasks: ["finish setting up our workspace", "get through the setup wizard", "load the sample project"],
        items: ["setup steps", "sample projects"],
        service: "onboarding-svc", class: "onboarding.WizardStepController", method: "next", path: "welcome"),
    component!("comments", COLLAB, UI | ITEMS | TEXT | INPUT | DELIVERY | TIME | MOBILE,
        nouns: ["the comment box", "posting a comment", "commenting", "the comments section"],
        tasks: ["leave a comment", "mention a teammate", "reply to a thread"],
        items: ["comments", "mentions"],
        service: "comments-svc", class: "collab.CommentService", method: "post", path: "comments"),
    component!("task-board", COLLAB, UI | WEB | ITEMS | TEXT | SYNC | TIME | FILTER | MOBILE,
        nouns: ["the task board", "the kanban board", "the project board", "the board view"],
        tasks: ["move a card to done", "assign a task", "plan next week's sprint"],
        items: ["tasks", "cards"],
        service: "boards-svc", class: "collab.BoardService", method: "moveCard", path: "boards"),
];

const OUTAGE: &[&str] = &["service-outage"];

pub(crate) static FAILURES: &[Failure] = &[
    Failure {
        key: "times-out",
        phrases: &[
            "times out",
            "keeps timing out",
            "timed out again",
            "hangs and never finishes",
            "just hangs until it gives a timeout error",
        ],
        ops: &[
            "504 gateway timeouts",
            "requests timing out after 30s",
            "upstream timeouts",
            "hung requests and timeouts",
        ],
        saw: &[
            "A spinner on {n} for about a minute, then 'Request timed out'",
            "{n} kept loading and never finished",
            "'The operation timed out. Please try again.'",
        ],
        needs: 0,
        kind: Kind::Outage,
        tags: OUTAGE,
        level: "ERROR",
        status: "504",
        log_msg: "upstream request timeout after 30000ms",
        exception: "java.net.SocketTimeoutException: Read timed out",
    },
    Failure {
        key: "error-500",
        phrases: &[
            "returns a 500 error",
            "throws an internal server error",
            "fails with error 500",
            "shows 'Something went wrong' with a 500",
            "gives me a server error",
        ],
        ops: &[
            "HTTP 500 spike",
            "5xx errors",
            "elevated 500s",
            "internal server errors",
        ],
        saw: &[
            "'Something went wrong (500)' on {n}",
            "An internal server error page with a request id",
            "Error 500 right after clicking continue",
        ],
        needs: 0,
        kind: Kind::Outage,
        tags: OUTAGE,
        level: "ERROR",
        status: "500",
        log_msg: "unhandled exception in request handler",
        exception: "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"value\" is null",
    },
    Failure {
        key: "blank-page",
        phrases: &[
            "shows a blank page",
            "loads a completely white screen",
            "is just an empty white page",
            "renders nothing, totally blank",
        ],
        ops: &[
            "blank page on load",
            "white screen reports",
            "empty render, bundle failing",
            "blank screen",
        ],
        saw: &[
            "A completely blank white page instead of {n}",
            "Nothing rendered, just the header",
        ],
        needs: UI,
        kind: Kind::Outage,
        tags: &["service-outage", "weak-ux"],
        level: "ERROR",
        status: "200",
        log_msg: "static bundle returned 404, rendered empty shell",
        exception: "org.thymeleaf.exceptions.TemplateInputException: Error resolving template \"index\"",
    },
    Failure {
        key: "redirect-loop",
        phrases: &[
            "goes into a redirect loop",
            "keeps redirecting back and forth",
            "bounces between two pages endlessly",
            "says 'too many redirects'",
        ],
        ops: &[
            "redirect loop",
            "ERR_TOO_MANY_REDIRECTS reports",
            "302 redirect cycling",
        ],
        saw: &[
            "The browser said 'too many redirects'",
            "{n} flickered between two URLs and never settled",
        ],
        needs: WEB,
        kind: Kind::Ux,
        tags: &["weak-ux", "service-outage"],
        level: "WARN",
        status: "302",
        log_msg: "redirect limit exceeded (20)",
        exception: "com.acme.web.RedirectLoopException: too many redirects",
    },
    Failure {
        key: "wrong-data",
        phrases: &[
            "shows the wrong {i}",
            "displays someone else's {i}",
            "shows incorrect {i}",
            "has wrong values in the {i}",
        ],
        ops: &[
            "wrong {i} returned",
            "incorrect values served",
            "data mismatch vs source of truth",
        ],
        saw: &[
            "{n} showed {i} that belong to another account",
            "Numbers on {n} didn't match our own records",
        ],
        needs: ITEMS,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "read from stale replica, row version mismatch",
        exception: "com.acme.data.ConsistencyException: version mismatch for row",
    },
    Failure {
        key: "duplicated-items",
        phrases: &[
            "shows duplicate {i}",
            "has duplicated {i}",
            "creates the same {i} over and over",
            "keeps duplicating {i}",
            "lists our {i} two or three times each",
        ],
        ops: &[
            "duplicate {i} created",
            "dupes in {i}",
            "duplicated rows in {i}",
        ],
        saw: &[
            "Every one of the {i} appeared twice in {n}",
            "Duplicate {i} with the same reference",
        ],
        needs: ITEMS,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "unique constraint skipped, duplicate row inserted",
        exception: "com.acme.data.DuplicateKeyWarning: duplicate key value violates unique constraint",
    },
    Failure {
        key: "missing-items",
        phrases: &[
            "is missing some {i}",
            "doesn't show all our {i}",
            "lost a bunch of {i}",
            "has {i} that just disappeared",
        ],
        ops: &["missing {i}", "{i} dropped", "gaps in {i}"],
        saw: &[
            "Some {i} were simply gone from {n}",
            "{n} listed fewer {i} than we created",
        ],
        needs: ITEMS,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "batch partially applied, rows skipped",
        exception: "com.acme.data.PartialBatchException: 37 rows skipped",
    },
    Failure {
        key: "slow",
        phrases: &[
            "is extremely slow",
            "is painfully sluggish",
            "takes ages to respond",
            "crawls, every click takes ages",
        ],
        ops: &[
            "p95 latency > 8s",
            "high latency",
            "slow responses, p99 up 10x",
            "latency regression",
        ],
        saw: &[
            "{n} took over a minute to respond",
            "Each click on {n} took several seconds",
        ],
        needs: 0,
        kind: Kind::Degraded,
        tags: &["service-outage", "weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "slow query 8421ms",
        exception: "com.acme.db.SlowQueryWarning: query exceeded 5000ms",
    },
    Failure {
        key: "crashes",
        phrases: &[
            "crashes",
            "keeps crashing",
            "closes itself without warning",
            "freezes and crashes",
        ],
        ops: &[
            "crash rate up 6x",
            "client crashes after release",
            "crash loop reports",
        ],
        saw: &[
            "{n} closed itself and went back to the home screen",
            "A crash dialog, then {n} restarted",
        ],
        needs: UI,
        kind: Kind::Outage,
        tags: OUTAGE,
        level: "ERROR",
        status: "503",
        log_msg: "client crash reported: SIGSEGV",
        exception: "java.lang.IllegalStateException: view not attached to window manager",
    },
    Failure {
        key: "permission-denied",
        phrases: &[
            "says permission denied",
            "gives an 'access denied' error",
            "tells me I'm not authorized",
            "returns 403 forbidden",
        ],
        ops: &[
            "403 forbidden responses",
            "authz denials",
            "permission check rejecting valid roles",
        ],
        saw: &[
            "'Access denied' on {n} although the user is an admin",
            "'You are not authorized to perform this action'",
        ],
        needs: 0,
        kind: Kind::Access,
        tags: &["permission-issue"],
        level: "WARN",
        status: "403",
        log_msg: "policy evaluation denied action for role editor",
        exception: "com.acme.authz.AccessDeniedException: Access is denied",
    },
    Failure {
        key: "wrong-encoding",
        phrases: &[
            "garbles special characters",
            "shows weird symbols instead of umlauts",
            "mangles accented names like José into JosÃ©",
            "breaks non-English characters",
        ],
        ops: &[
            "UTF-8 mojibake",
            "encoding mismatch (latin1 vs utf8)",
            "garbled characters in {i}",
        ],
        saw: &[
            "Names like Müller shown as MÃ¼ller in {n}",
            "Question marks instead of accented letters",
        ],
        needs: TEXT,
        kind: Kind::BadData,
        tags: &["bad-data", "weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "invalid byte sequence for encoding UTF8: 0xe9",
        exception: "java.nio.charset.MalformedInputException: Input length = 1",
    },
    Failure {
        key: "wrong-timezone",
        phrases: &[
            "shows the wrong timezone",
            "ignores my timezone setting",
            "is off by exactly a few hours",
            "uses UTC instead of our local clock",
        ],
        ops: &[
            "timezone offset bug",
            "UTC vs local conversion error",
            "DST off-by-one hour",
        ],
        saw: &[
            "Everything on {n} shifted by several hours",
            "{n} used UTC instead of the account timezone",
        ],
        needs: TIME,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "timestamp converted with server default zone",
        exception: "java.time.DateTimeException: Unable to obtain ZoneId",
    },
    Failure {
        key: "stuck-pending",
        phrases: &[
            "is stuck in pending",
            "stays on 'processing' forever",
            "never leaves the queued state",
            "sits at pending for hours",
        ],
        ops: &[
            "jobs stuck in pending",
            "queue backlog growing",
            "workers not draining the queue",
        ],
        saw: &[
            "{n} stuck on 'Pending' for hours",
            "A 'Processing' badge that never went away",
        ],
        needs: JOB,
        kind: Kind::Degraded,
        tags: OUTAGE,
        level: "WARN",
        status: "202",
        log_msg: "job queue depth 48211, oldest job 3h",
        exception: "com.acme.jobs.LeaseExpiredException: job lease expired, worker gone",
    },
    Failure {
        key: "rejects-valid-input",
        phrases: &[
            "rejects a perfectly valid value",
            "won't accept valid input",
            "says my input is invalid when it isn't",
            "throws a validation error on correct data",
        ],
        ops: &[
            "validation rejecting valid payloads",
            "422 on valid input",
            "overly strict validation",
        ],
        saw: &[
            "'Invalid value' on {n} for a correct entry",
            "A red validation error under a valid field",
        ],
        needs: INPUT,
        kind: Kind::Ux,
        tags: &["weak-ux", "bad-data"],
        level: "WARN",
        status: "422",
        log_msg: "validation failed: field does not match pattern",
        exception: "javax.validation.ConstraintViolationException: must match \"^[A-Z]+[0-9]+$\"",
    },
    Failure {
        key: "button-unresponsive",
        phrases: &[
            "ignores my clicks",
            "has a button that doesn't respond",
            "does nothing when I click the button",
            "has a submit button that is dead",
        ],
        ops: &[
            "dead button (JS error on click)",
            "click handler broken",
            "submit no-op",
        ],
        saw: &[
            "Clicking the button on {n} did nothing",
            "No reaction at all, not even a spinner",
        ],
        needs: UI,
        kind: Kind::Ux,
        tags: &["weak-ux"],
        level: "ERROR",
        status: "200",
        log_msg: "TypeError: Cannot read properties of undefined (reading 'submit')",
        exception: "TypeError: Cannot read properties of undefined (reading 'submit')",
    },
    Failure {
        key: "logged-out",
        phrases: &[
            "logs me out randomly",
            "kicks me out every few minutes",
            "keeps ending my session",
            "drops my session for no reason",
        ],
        ops: &[
            "sessions expiring early",
            "session invalidation bug",
            "forced logouts",
        ],
        saw: &[
            "Sent back to the start screen in the middle of work",
            "'Your session has expired' after a few minutes",
        ],
        needs: SESSION,
        kind: Kind::Access,
        tags: &["permission-issue", "weak-ux"],
        level: "WARN",
        status: "401",
        log_msg: "session token rejected: signature expired",
        exception: "com.acme.auth.SessionExpiredException: session expired",
    },
    Failure {
        key: "not-delivered",
        phrases: &[
            "never arrives",
            "doesn't get delivered",
            "never shows up in the inbox",
            "isn't received by anyone",
        ],
        ops: &[
            "delivery failures",
            "messages not delivered",
            "bounce rate up",
            "provider dropping messages",
        ],
        saw: &[
            "Nothing arrived, not even in spam",
            "The message from {n} never showed up",
        ],
        needs: DELIVERY,
        kind: Kind::Delivery,
        tags: OUTAGE,
        level: "ERROR",
        status: "502",
        log_msg: "provider returned 550 mailbox unavailable",
        exception: "com.acme.notify.DeliveryException: provider rejected message",
    },
    Failure {
        key: "wrong-amount",
        phrases: &[
            "shows the wrong total",
            "calculates the amount incorrectly",
            "uses the wrong price",
            "gets the tax on the total wrong",
        ],
        ops: &[
            "amount calculation bug",
            "rounding error in totals",
            "price mismatch",
        ],
        saw: &[
            "A total on {n} that didn't add up",
            "A price different from the one on the product page",
        ],
        needs: MONEY,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "total mismatch: computed 104.99 expected 99.99",
        exception: "java.lang.ArithmeticException: Rounding necessary",
    },
    Failure {
        key: "charged-twice",
        phrases: &[
            "charged me twice",
            "double charges the card",
            "bills the customer twice for one purchase",
            "took the money twice",
        ],
        ops: &[
            "double charges",
            "repeat captures on one order",
            "idempotency key ignored, double billing",
        ],
        saw: &[
            "Two identical charges on the card statement",
            "A second charge a few minutes after the first",
        ],
        needs: CHARGE,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "ERROR",
        status: "200",
        log_msg: "capture called twice for same payment intent",
        exception: "com.acme.payments.IdempotencyViolation: capture replayed",
    },
    Failure {
        key: "out-of-sync",
        phrases: &[
            "is out of sync",
            "shows stale data from yesterday",
            "stopped picking up new data",
            "lags hours behind the source",
        ],
        ops: &["sync lag", "replication delay > 2h", "stale data served"],
        saw: &[
            "{n} still showed yesterday's data",
            "Edits on one device missing on the other",
        ],
        needs: SYNC,
        kind: Kind::BadData,
        tags: &["bad-data", "service-outage"],
        level: "WARN",
        status: "200",
        log_msg: "replication lag 7412s",
        exception: "com.acme.sync.CursorBehindException: cursor 7412s behind",
    },
    Failure {
        key: "layout-broken",
        phrases: &[
            "has a broken layout",
            "has overlapping text everywhere",
            "cuts off half the screen",
            "looks all jumbled",
        ],
        ops: &[
            "CSS regression",
            "layout broken after frontend deploy",
            "layout regression on small screens",
        ],
        saw: &[
            "Text overlapping on {n}",
            "Half of {n} cut off on the right",
        ],
        needs: UI,
        kind: Kind::Ux,
        tags: &["weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "stylesheet hash mismatch after deploy",
        exception: "com.acme.web.AssetManifestException: stylesheet hash mismatch",
    },
    Failure {
        key: "wrong-language",
        phrases: &[
            "is only half translated",
            "shows up in the wrong language",
            "switched to German for no reason",
            "shows raw i18n strings like label.submit",
        ],
        ops: &[
            "locale fallback bug",
            "missing i18n strings",
            "wrong locale served",
        ],
        saw: &[
            "{n} suddenly in German",
            "Raw strings like label.submit on {n}",
        ],
        needs: UI,
        kind: Kind::Ux,
        tags: &["weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "missing translation, falling back to de-DE",
        exception: "java.util.MissingResourceException: Can't find resource for bundle",
    },
    Failure {
        key: "file-corrupt",
        phrases: &[
            "produces a corrupt file",
            "downloads an empty file",
            "gives me a file that won't open",
            "creates a damaged file",
        ],
        ops: &[
            "corrupt files generated",
            "zero-byte files",
            "truncated file output",
        ],
        saw: &[
            "A file that Excel refused to open",
            "A zero-byte download from {n}",
        ],
        needs: FILE,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "ERROR",
        status: "200",
        log_msg: "stream closed before flush, wrote 0 bytes",
        exception: "java.io.IOException: Stream closed",
    },
    Failure {
        key: "rate-limited",
        phrases: &[
            "keeps saying too many requests",
            "returns 429 errors",
            "rate limits us way below our quota",
            "throttles us constantly",
        ],
        ops: &[
            "429 rate limiting",
            "rate limiter misconfigured",
            "throttling legit traffic",
        ],
        saw: &[
            "'429 Too Many Requests' from {n}",
            "'Rate limit exceeded, try again later'",
        ],
        needs: API,
        kind: Kind::Degraded,
        tags: OUTAGE,
        level: "WARN",
        status: "429",
        log_msg: "rate limit exceeded for tenant",
        exception: "com.acme.api.RateLimitExceededException: 429 Too Many Requests",
    },
    Failure {
        key: "link-expired",
        phrases: &[
            "says the link has expired",
            "reports an invalid or expired link",
            "shows 'token expired' right away",
            "sends a link that is already dead",
        ],
        ops: &[
            "tokens expiring immediately",
            "link TTL misconfigured",
            "invalid token errors",
        ],
        saw: &[
            "'This link has expired' right after it was sent",
            "'Invalid or expired token'",
        ],
        needs: LINK,
        kind: Kind::Access,
        tags: &["permission-issue", "weak-ux"],
        level: "WARN",
        status: "410",
        log_msg: "token ttl 0s, rejected as expired",
        exception: "com.acme.auth.TokenExpiredException: token expired",
    },
    Failure {
        key: "filter-ignored",
        phrases: &[
            "ignores my filters",
            "returns unfiltered results",
            "shows results that don't match the filter",
            "drops the date filter",
        ],
        ops: &[
            "filter params ignored",
            "query filter bug",
            "filters not applied",
        ],
        saw: &[
            "{n} returned everything, ignoring the filter",
            "Results outside the selected date range",
        ],
        needs: FILTER,
        kind: Kind::BadData,
        tags: &["bad-data", "weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "unknown filter param dropped",
        exception: "com.acme.search.UnsupportedFilterException: filter ignored",
    },
    Failure {
        key: "changes-not-saved",
        phrases: &[
            "doesn't save my changes",
            "reverts my edits",
            "forgets my settings after a refresh",
            "loses what I entered when I hit save",
        ],
        ops: &[
            "writes not persisted",
            "save endpoint dropping updates",
            "lost updates on save",
        ],
        saw: &[
            "Changes on {n} gone after a refresh",
            "Saved settings reverted to the old values",
        ],
        needs: INPUT,
        kind: Kind::BadData,
        tags: &["bad-data", "weak-ux"],
        level: "WARN",
        status: "409",
        log_msg: "optimistic lock failure, update discarded",
        exception: "javax.persistence.OptimisticLockException: Row was updated or deleted by another transaction",
    },
];

pub(crate) static VARIANTS: &[Variant] = &[
    Variant {
        key: "android",
        needs: MOBILE,
        phrases: &["on Android", "in the Android app", "on my Android phone"],
    },
    Variant {
        key: "ios",
        needs: MOBILE,
        phrases: &["on iPhone", "in the iOS app", "on my iPad"],
    },
    Variant {
        key: "safari",
        needs: WEB,
        phrases: &["in Safari", "on Safari", "with Safari on a Mac"],
    },
    Variant {
        key: "firefox",
        needs: WEB,
        phrases: &["in Firefox", "on Firefox", "using Firefox"],
    },
    Variant {
        key: "edge",
        needs: WEB,
        phrases: &["in Microsoft Edge", "on Edge", "with the Edge browser"],
    },
    Variant {
        key: "eu",
        needs: 0,
        phrases: &[
            "for our EU workspace",
            "on the EU region",
            "for European accounts",
        ],
    },
    Variant {
        key: "apac",
        needs: 0,
        phrases: &[
            "for our APAC team",
            "in the Sydney region",
            "for users in Asia",
        ],
    },
    Variant {
        key: "enterprise",
        needs: 0,
        phrases: &[
            "on the Enterprise plan",
            "for enterprise accounts",
            "since moving to Enterprise",
        ],
    },
    Variant {
        key: "trial",
        needs: 0,
        phrases: &[
            "on a trial account",
            "during the free trial",
            "for trial users",
        ],
    },
    Variant {
        key: "large-accounts",
        needs: ITEMS,
        phrases: &[
            "for large accounts",
            "with thousands of records",
            "with big workspaces",
        ],
    },
    Variant {
        key: "csv",
        needs: FILE,
        phrases: &["with CSV files", "for CSV", "when the file is a CSV"],
    },
    Variant {
        key: "xlsx",
        needs: FILE,
        phrases: &["with Excel files", "for .xlsx files", "when using Excel"],
    },
    Variant {
        key: "bulk",
        needs: ITEMS,
        phrases: &["in bulk", "when selecting many", "for bulk actions"],
    },
    Variant {
        key: "new-users",
        needs: 0,
        phrases: &[
            "for newly invited users",
            "for brand-new accounts",
            "for people who just joined",
        ],
    },
    Variant {
        key: "admins",
        needs: 0,
        phrases: &[
            "for admin accounts",
            "for workspace admins",
            "only for admins",
        ],
    },
    Variant {
        key: "guests",
        needs: 0,
        phrases: &[
            "for guest users",
            "for external collaborators",
            "for read-only guests",
        ],
    },
    Variant {
        key: "vpn",
        needs: 0,
        phrases: &[
            "behind our corporate VPN",
            "on the office network",
            "over the VPN",
        ],
    },
];

// --- Sentence templates -------------------------------------------------------------------
// Every "core" template states the problem with both halves of the vocabulary (component and
// failure); the rest add restatements, volatile details and filler around it.

/// Customer statement of the problem.
pub(crate) static SUPPORT_CORE: &[&str] = &[
    "{when} I can't {t}{v}, {n} {f}.",
    "{n} {f}{v} every time I try to {t}.",
    "When I try to {t}{v}, {n} {f}.",
    "We're trying to {t} but {n} {f}{v}.",
    "{n} {f}{v} again.",
    "Is anyone else seeing this? {n} {f}{v} for our whole team.",
    "Our users report that {n} {f}{v}.",
    "I tried to {t} and {n} {f}{v}.",
    "{n} {f}{v}, so we can't {t}.",
    "Not sure what changed but {n} {f}{v} {when}.",
    "When I try to {t}{v}, it {f}.",
    "{n}{v}: {f} {when}.",
    "Whenever someone on our team tries to {t}, {n} {f}{v}.",
    "{when} {n} {f}{v}.",
];

/// Customer statement that names the component but not the failure (a small share).
pub(crate) static SUPPORT_VAGUE: &[&str] = &[
    "{n} is not working properly{v}.",
    "Something is wrong with {n}{v}.",
    "{n} is broken again{v}.",
    "Having trouble with {n}{v}, can't {t}.",
];

/// Second mention of the failure, after the core sentence.
pub(crate) static SUPPORT_RESTATE: &[&str] = &[
    "It {f} on about {n2} attempts a day.",
    "Tried again just now and it still {f}.",
    "It {f} no matter what we try.",
    "It {f} for everyone in our office.",
    "It {f}{v} on every attempt.",
    "We need to {t} today and can't.",
];

/// Customer sentences carrying volatile tokens.
pub(crate) static SUPPORT_DETAIL: &[&str] = &[
    "Order {order} for example.",
    "Our reference is {ref}.",
    "Account email: {email}.",
    "Here is the link: {url}",
    "Request ID {uuid} if that helps.",
    "We're on version {ver}.",
    "First noticed on {date} at {clock}.",
    "It took {dur} before anything happened.",
    "Our IP is {ip}.",
    "Company: {co}, contact {email}.",
    "Affected user: {email}.",
    "This affects about {users} of our users.",
];

/// Customer ticket subjects (no trailing period).
pub(crate) static SUPPORT_TITLE: &[&str] = &[
    "{n} {fs}",
    "{n} {fs} again",
    "Can't {t}",
    "{n} not working",
    "URGENT: {n} {fs}",
    "Problem with {n}",
    "Issue with {n}{v}",
    "Re: {n} {fs}",
    "Help - {n} {fs}",
    "{n} {fs}{v}",
    "Unable to {t}",
];

/// Operator subjects.
pub(crate) static OPS_TITLE: &[&str] = &[
    "{s} {o}",
    "[{inc}] {s}: {o}",
    "Alert: {o} on {s}",
    "{s} {o} after {ver} deploy",
    "Incident: {n} {fs}",
    "{o} ({s}){v}",
    "{s} degraded: {o}",
];

/// Operator statement of the problem. Every ops core and impact template carries `{v}`
/// so context families stay distinguishable from their base family.
pub(crate) static OPS_CORE: &[&str] = &[
    "{s} {o}{v} {clock}–{clock2} UTC, {action}, ~{users} users affected.",
    "{o} on {s} since {clock} UTC{v}.",
    "Alert fired for {s}: {o}{v}, ~{users} users affected.",
    "{s}: {o}{v}, started {clock} UTC after the {ver} rollout.",
    "{o} in {s}{v} between {clock} and {clock2} UTC.",
    "Investigating {o} on {s}{v}.",
];

/// Operator description of the user-facing impact, in customer words.
pub(crate) static OPS_IMPACT: &[&str] = &[
    "Customers report {n} {f}{v}.",
    "Escalation from {co}: {n} {f}{v}.",
    "Impact: {n} {f}{v} for ~{users} users.",
    "User-facing: {n} {f}{v}.",
    "Support says {n} {f}{v} ({n2} tickets so far).",
];

pub(crate) static OPS_ACTION: &[&str] = &[
    "Action: {action}.",
    "Mitigation: {action}.",
    "{action} at {clock2} UTC.",
    "Temporary fix: {action}.",
];

/// Operator sentences carrying volatile tokens.
pub(crate) static OPS_DETAIL: &[&str] = &[
    "Seen on {host} ({ip}).",
    "Dashboard: {gurl}",
    "Related: {ref}.",
    "Trace id {uuid}.",
    "Tracked in {inc}.",
    "Error rate peaked at {n2}%.",
    "Duration ~{dur}.",
];

pub(crate) static NOTE_TASK: &[&str] = &[
    "{t}",
    "Trying to {t}",
    "Wanted to {t}{v}",
    "{t} for a customer",
];

pub(crate) static NOTE_FIRST: &[&str] = &[
    "{date} {clock} UTC, first customer report: {n} {f}",
    "Alert on {s} at {clock} UTC: {o}",
    "{date}, shortly after {ver} went out: {o}",
    "First seen {date} {clock} UTC in {ref}: {n} {f}",
];

pub(crate) static NOTE_CHANGES: &[&str] = &[
    "Deployed {s} {ver}",
    "Config change on {s}: connection pool size",
    "None known",
    "Schema migration on the {i} table",
    "Feature flag {flag} enabled for 10% of accounts",
    "Vendor maintenance window",
    "Certificate rotation on the load balancer",
    "No deploys; traffic spike from a marketing email",
    "Upgraded the {s} base image to {ver}",
];

/// Manual work people did around the failure; follows the failure's kind.
pub(crate) fn manual_work(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Outage => &[
            "Retried the requests by hand for ~{users} customers",
            "Walked customers through a workaround: {t} via the admin console",
            "Replayed failed requests from the logs",
        ],
        Kind::Degraded => &[
            "Kept an eye on the queue and nudged jobs manually",
            "Asked customers to retry later and followed up one by one",
            "Did it for the biggest accounts by hand: {t}",
        ],
        Kind::BadData => &[
            "Fixed the affected {i} by hand in the admin console",
            "Ran a cleanup script over the affected {i}",
            "Cross-checked {i} against a fresh export manually",
        ],
        Kind::Ux => &[
            "Support did it on the customers' behalf: {t}",
            "Walked each customer through it on a call",
            "Wrote a help-center article with a workaround",
        ],
        Kind::Access => &[
            "Granted access manually per user",
            "Temporarily gave affected users the admin role",
            "Support performed the action for them: {t}",
        ],
        Kind::Delivery => &[
            "Re-sent everything by hand",
            "Sent the details by personal email instead",
            "Called the affected customers",
        ],
    }
}

/// Every template list, for the test that expands them all.
#[cfg(test)]
pub(crate) fn all_template_lists() -> Vec<&'static [&'static str]> {
    let mut lists: Vec<&'static [&'static str]> = vec![
        SUPPORT_CORE,
        SUPPORT_VAGUE,
        SUPPORT_RESTATE,
        SUPPORT_DETAIL,
        SUPPORT_TITLE,
        OPS_TITLE,
        OPS_CORE,
        OPS_IMPACT,
        OPS_ACTION,
        OPS_DETAIL,
        NOTE_TASK,
        NOTE_FIRST,
        NOTE_CHANGES,
        super::noise::GREETINGS,
        super::noise::CLOSINGS,
        super::noise::SUPPORT_FILLER,
        super::noise::OPS_FILLER,
        super::noise::WHEN,
        super::noise::ACTIONS,
    ];
    for kind in [
        Kind::Outage,
        Kind::Degraded,
        Kind::BadData,
        Kind::Ux,
        Kind::Access,
        Kind::Delivery,
    ] {
        lists.push(manual_work(kind));
    }
    for f in FAILURES {
        lists.extend([f.phrases, f.ops, f.saw]);
    }
    lists
}

/// Whether failure `f` makes sense for component `c`.
pub(crate) fn compatible(c: &Component, f: &Failure) -> bool {
    f.needs == 0 || c.traits & f.needs != 0
}

/// Whether context `v` makes sense for component `c`.
pub(crate) fn variant_fits(c: &Component, v: &Variant) -> bool {
    v.needs == 0 || c.traits & v.needs != 0
}

type Key = (usize, usize, Option<usize>);

/// Chooses `count` distinct families from the catalogue, deterministically for a given RNG
/// state. Every third family is built as a look-alike of an earlier non-look-alike one
/// (mostly same component with another failure; else a sibling component with the same
/// failure; else another context). The others take fresh component × failure pairs in
/// shuffled order, and once those run out, pairs with a context appended.
pub(crate) fn build_catalogue(count: usize, rng: &mut Rng64) -> Vec<Family> {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (ci, c) in COMPONENTS.iter().enumerate() {
        for (fi, f) in FAILURES.iter().enumerate() {
            if compatible(c, f) {
                pairs.push((ci, fi));
            }
        }
    }
    pairs.shuffle(rng);

    let mut used: HashSet<Key> = HashSet::with_capacity(count * 2);
    let mut labels: HashSet<String> = HashSet::with_capacity(count * 2);
    let mut roots: Vec<usize> = Vec::new();
    let mut families: Vec<Family> = Vec::with_capacity(count);
    let mut next_pair = 0;

    for i in 0..count {
        let mut chosen: Option<(Key, Option<(usize, LookalikeKind)>)> = None;
        if i % 3 == 2 && !roots.is_empty() {
            let anchor = roots[rng.gen_range(0..roots.len())];
            if let Some((key, kind)) = lookalike_key(&families[anchor], &used, rng) {
                chosen = Some((key, Some((anchor, kind))));
            }
        }
        let (key, lookalike) = match chosen {
            Some(c) => c,
            None => (root_key(&pairs, &mut next_pair, &used, rng), None),
        };
        used.insert(key);
        let (ci, fi, vi) = key;
        let mut label = format!("{}-{}", COMPONENTS[ci].key, FAILURES[fi].key);
        if let Some(v) = vi {
            label.push('-');
            label.push_str(VARIANTS[v].key);
        }
        if labels.contains(&label) {
            // Only reachable when the catalogue is exhausted; keep labels unique anyway.
            let base = label.clone();
            let mut n = 2;
            while labels.contains(&label) {
                label = format!("{base}-{n}");
                n += 1;
            }
        }
        labels.insert(label.clone());
        if lookalike.is_none() {
            roots.push(families.len());
        }
        families.push(Family {
            label,
            comp: ci,
            fail: fi,
            variant: vi,
            lookalike,
            tags: family_tags(&COMPONENTS[ci], &FAILURES[fi], rng),
        });
    }
    families
}

/// A fresh pair if any is left, else a pair with an unused context, else (never in
/// practice: the catalogue has thousands of combinations) a repeat that gets a numeric
/// label suffix.
fn root_key(
    pairs: &[(usize, usize)],
    next: &mut usize,
    used: &HashSet<Key>,
    rng: &mut Rng64,
) -> Key {
    while *next < pairs.len() {
        let (c, f) = pairs[*next];
        *next += 1;
        if !used.contains(&(c, f, None)) {
            return (c, f, None);
        }
    }
    let mut fallback = None;
    for _ in 0..10_000 {
        let (c, f) = pairs[rng.gen_range(0..pairs.len())];
        let v = rng.gen_range(0..VARIANTS.len());
        if !variant_fits(&COMPONENTS[c], &VARIANTS[v]) {
            continue;
        }
        let key = (c, f, Some(v));
        if !used.contains(&key) {
            return key;
        }
        fallback = Some(key);
    }
    fallback.unwrap_or((pairs[0].0, pairs[0].1, None))
}

/// An unused combination resembling `anchor`, or `None` when the anchor has no free
/// neighbour of any kind.
fn lookalike_key(
    anchor: &Family,
    used: &HashSet<Key>,
    rng: &mut Rng64,
) -> Option<(Key, LookalikeKind)> {
    use LookalikeKind::*;
    let (c, f, v) = (anchor.comp, anchor.fail, anchor.variant);
    let comp = &COMPONENTS[c];
    let order = match rng.gen_range(0..100) {
        0..=69 => [SameComponent, SiblingComponent, Context],
        70..=94 => [SiblingComponent, SameComponent, Context],
        _ => [Context, SameComponent, SiblingComponent],
    };
    for kind in order {
        let candidates: Vec<Key> = match kind {
            SameComponent => (0..FAILURES.len())
                .filter(|&g| g != f && compatible(comp, &FAILURES[g]))
                .map(|g| (c, g, v))
                .filter(|k| !used.contains(k))
                .collect(),
            SiblingComponent => (0..COMPONENTS.len())
                .filter(|&d| {
                    let other = &COMPONENTS[d];
                    d != c
                        && other.group == comp.group
                        && compatible(other, &FAILURES[f])
                        && v.is_none_or(|v| variant_fits(other, &VARIANTS[v]))
                })
                .map(|d| (d, f, v))
                .filter(|k| !used.contains(k))
                .collect(),
            Context => (0..VARIANTS.len())
                .filter(|&w| Some(w) != v && variant_fits(comp, &VARIANTS[w]))
                .map(|w| (c, f, Some(w)))
                .filter(|k| !used.contains(k))
                .collect(),
        };
        if !candidates.is_empty() {
            return Some((candidates[rng.gen_range(0..candidates.len())], kind));
        }
    }
    None
}

/// 0–2 tags, consistent with the failure kind; failures of third-party components that are
/// not pure UI problems lead with `third-party-failure`.
fn family_tags(c: &Component, f: &Failure, rng: &mut Rng64) -> Vec<&'static str> {
    let mut candidates: Vec<&'static str> = Vec::with_capacity(3);
    if c.traits & EXT != 0 && f.kind != Kind::Ux {
        candidates.push("third-party-failure");
    }
    candidates.extend(f.tags.iter().copied());
    let take = match rng.gen_range(0..100) {
        0..=14 => 0,
        15..=69 => 1,
        _ => 2,
    };
    candidates.truncate(take);
    candidates
}

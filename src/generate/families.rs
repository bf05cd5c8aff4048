//! The symptom catalogue: product components × failure modes (× an optional context such as
//! "on Android"), the sentence templates tickets are written from, and the deterministic
//! choice of which combinations become this run's families.
//!
//! Why it is shaped like this: a family is what clustering should recover, so every family
//! has its own small vocabulary — the component's nouns and tasks plus the failure's phrases,
//! each with synonyms — and every template that states the problem uses both halves. Failure
//! phrases are written so that different failure modes share no distinctive word (checked by
//! a unit test); look-alike families share one half and must be told apart by the other.
//! Each family also gets its own specifics — where the problem shows up ([`LOCI`]) and under
//! which condition ([`TRIGGERS`]) — never the same as another family with its component or
//! its failure mode, as real recurring problems come with their own details. Boilerplate
//! templates avoid the families' key words (component, failure and context anchors), so
//! that shared wording never ties two families together.
//!
//! Template placeholders (expanded in `mod.rs`): `{n}` component noun, `{t}` task, `{i}`
//! items, `{s}` service, `{f}` failure phrase (`{fs}`: one of the two short ones, for
//! titles), `{o}` terse ops phrase, `{v}` context phrase
//! (with a leading space, empty for families without one), the family's specifics `{w}`
//! (where, from [`LOCI`]) and `{x}` (when, from [`TRIGGERS`]), and the volatile tokens `{when}`,
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
    /// `key=value` field structured logs carry for this context (e.g. `platform=android`).
    pub log: &'static str,
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
    /// Index into [`LOCI`] and [`TRIGGERS`]: where and when this problem shows up.
    pub locus: usize,
    pub trigger: usize,
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
        nouns: ["login", "the login page", "logging in", "our login", "the login box"],
        tasks: ["log in", "log in to my account", "log in with my work account"],
        items: ["login sessions", "login records"],
        service: "login", class: "auth.LoginController", method: "authenticate", path: "login"),
    component!("signup", AUTH, UI | WEB | INPUT | TEXT | MOBILE | LINK,
        nouns: ["signup", "the signup form", "new account signup", "the signup process", "signing up"],
        tasks: ["sign up", "create a new account", "register our business"],
        items: ["signups", "new registrations"],
        service: "signup-api", class: "accounts.SignupController", method: "register", path: "signup"),
    component!("password-reset", AUTH, UI | WEB | INPUT | DELIVERY | LINK,
        nouns: ["password reset", "the password reset flow", "resetting my password", "the forgot-password option", "password recovery"],
        tasks: ["reset my password", "recover my account password", "get a new password"],
        items: ["password reset mails", "reset requests"],
        service: "password-reset", class: "identity.PasswordResetService", method: "sendResetMail", path: "password/reset"),
    component!("2fa", AUTH, UI | INPUT | DELIVERY | TIME | MOBILE,
        nouns: ["two-factor auth", "the two-factor code", "two-factor authentication", "the two-factor prompt", "MFA two-factor verification"],
        tasks: ["enter my two-factor code", "set up two-factor", "verify with my authenticator app"],
        items: ["two-factor codes", "backup codes"],
        service: "mfa-verifier", class: "identity.TwoFactorVerifier", method: "verify", path: "settings/security"),
    component!("sso", AUTH, UI | WEB | EXT | SESSION,
        nouns: ["SSO", "single sign-on (SSO)", "SAML SSO", "our Okta SSO", "the SSO handoff"],
        tasks: ["get in through Okta", "use SSO", "configure our SSO identity provider"],
        items: ["SAML assertions", "SSO groups"],
        service: "sso-broker", class: "identity.SsoSamlHandler", method: "consume", path: "sso/saml"),
    component!("checkout", COMMERCE, UI | WEB | ITEMS | INPUT | MONEY | CHARGE | MOBILE,
        nouns: ["checkout", "the checkout page", "our checkout", "the checkout process", "checkout for buyers"],
        tasks: ["finish checkout", "place an order", "complete my purchase"],
        items: ["orders", "order lines"],
        service: "checkout", class: "checkout.CheckoutService", method: "placeOrder", path: "checkout"),
    component!("cart", COMMERCE, UI | WEB | ITEMS | MONEY | SYNC | MOBILE,
        nouns: ["the cart", "the shopping cart", "my cart", "the cart contents", "the basket (cart)"],
        tasks: ["add items to the cart", "update quantities in my cart", "save my cart for later"],
        items: ["cart items", "products in the cart"],
        service: "cart-api", class: "checkout.CartRepository", method: "addLine", path: "cart"),
    component!("payment", COMMERCE, UI | INPUT | MONEY | CHARGE | EXT | MOBILE,
        nouns: ["card payment", "the payment form", "paying by card", "the credit card payment", "our payment flow"],
        tasks: ["pay by credit card", "make a payment", "pay for the order"],
        items: ["payments", "card payments"],
        service: "payments", class: "payments.PaymentClient", method: "authorize", path: "pay"),
    component!("refunds", COMMERCE, UI | ITEMS | MONEY | JOB,
        nouns: ["the refund flow", "giving a refund", "the refunds page", "the refund request", "the refund tool"],
        tasks: ["refund a buyer", "request a refund", "process a refund"],
        items: ["refunds", "refund credits"],
        service: "refund-worker", class: "payments.RefundProcessor", method: "process", path: "orders/refunds"),
    component!("coupons", COMMERCE, UI | INPUT | MONEY | ITEMS,
        nouns: ["the coupon code", "the coupon field", "the promo coupon box", "redeeming a coupon", "the coupon feature"],
        tasks: ["apply a discount coupon", "redeem a voucher", "create a promo code"],
        items: ["coupons", "coupon codes"],
        service: "coupons", class: "pricing.CouponValidator", method: "apply", path: "promotions"),
    component!("shipping", COMMERCE, UI | ITEMS | MONEY | EXT | TIME | FILE,
        nouns: ["shipping", "the shipping label printer", "shipping tracking", "the shipping cost estimator", "our shipping"],
        tasks: ["print a shipping label", "pick a shipping option", "track a parcel"],
        items: ["shipments", "tracking numbers"],
        service: "shipping", class: "fulfilment.ShippingLabelPrinter", method: "print", path: "shipping"),
    component!("catalog", COMMERCE, UI | WEB | ITEMS | TEXT | FILTER | INPUT | MOBILE,
        nouns: ["the product catalog", "the catalog page", "the catalog admin", "catalog management", "the catalog"],
        tasks: ["browse products", "update a product listing", "publish new products"],
        items: ["products", "catalog SKUs"],
        service: "catalog", class: "catalog.ProductIndexer", method: "reindex", path: "products"),
    component!("invoice", BILLING, UI | ITEMS | MONEY | CHARGE | FILE | TEXT | TIME | DELIVERY,
        nouns: ["the invoice", "invoicing", "the invoice PDF", "our latest invoice", "the invoice download"],
        tasks: ["download an invoice", "send an invoice to a client", "pay our invoice"],
        items: ["invoices", "invoice lines"],
        service: "invoicer", class: "billing.InvoiceRenderer", method: "render", path: "billing/invoices"),
    component!("billing", BILLING, UI | WEB | INPUT | MONEY | CHARGE | ITEMS,
        nouns: ["billing", "the billing page", "billing settings", "the billing portal", "our billing details"],
        tasks: ["update our billing details", "update our billing address", "open our billing history"],
        items: ["billing records", "billing entries"],
        service: "billing", class: "billing.AccountBillingService", method: "updateBillingDetails", path: "settings/billing"),
    component!("subscription", BILLING, UI | MONEY | CHARGE | INPUT | JOB,
        nouns: ["my subscription", "the subscription upgrade", "moving to another subscription plan", "the subscription page", "our subscription"],
        tasks: ["upgrade our plan", "add more seats", "cancel the subscription"],
        items: ["seats", "subscription plans"],
        service: "subscriptions", class: "billing.SubscriptionManager", method: "switchPlan", path: "settings/plan"),
    component!("tax", BILLING, UI | INPUT | MONEY | EXT | ITEMS,
        nouns: ["tax calculation", "VAT and tax handling", "sales tax", "the tax settings page", "the tax setup"],
        tasks: ["add our VAT number", "set up sales tax", "exempt a buyer from tax"],
        items: ["tax lines", "VAT IDs"],
        service: "tax", class: "billing.TaxCalculator", method: "compute", path: "settings/tax"),
    component!("export", DATA, UI | ITEMS | TEXT | TIME | JOB | FILE | FILTER,
        nouns: ["export", "the data export", "exporting data", "the export task", "our export"],
        tasks: ["export our data", "export a spreadsheet", "export last month's records"],
        items: ["exported rows", "exported records"],
        service: "exporter", class: "data.ExportJob", method: "run", path: "export"),
    component!("import", DATA, UI | ITEMS | TEXT | TIME | JOB | FILE | INPUT,
        nouns: ["import", "the contacts import", "importing contacts", "the mass import", "the import wizard"],
        tasks: ["import a spreadsheet", "import our contact sheet", "bring over our old tool's records"],
        items: ["imported rows", "imported contacts"],
        service: "importer", class: "data.ContactImporter", method: "parseRow", path: "import"),
    component!("reports", DATA, UI | ITEMS | TIME | JOB | FILE | FILTER | DELIVERY,
        nouns: ["the report builder", "reporting", "the monthly report", "the reports tab", "the scheduled report"],
        tasks: ["run the monthly report", "create a custom report", "schedule a weekly report"],
        items: ["report rows", "report figures"],
        service: "reporting", class: "analytics.ReportQuery", method: "execute", path: "reports"),
    component!("dashboard", DATA, UI | WEB | ITEMS | TIME | SYNC | FILTER | MOBILE,
        nouns: ["the dashboard", "the home dashboard", "the overview dashboard", "the KPI dashboard", "our dashboard"],
        tasks: ["glance at today's numbers", "open the dashboard", "pull up our KPIs"],
        items: ["dashboard widgets", "charts"],
        service: "dashboard-bff", class: "web.DashboardController", method: "render", path: "dashboard"),
    component!("search", DATA, UI | WEB | ITEMS | TEXT | FILTER | INPUT | API | MOBILE,
        nouns: ["search", "the search bar", "searching", "full-text search", "the search results page"],
        tasks: ["search for a client", "search for an old record", "find something fast"],
        items: ["search results", "search hits"],
        service: "search", class: "search.QueryExecutor", method: "search", path: "search"),
    component!("audit-log", ADMIN, UI | ITEMS | TIME | TEXT | FILTER | FILE,
        nouns: ["the audit log", "the audit history", "the audit trail", "our audit log", "the audit page"],
        tasks: ["find who edited a record", "review the audit trail", "find out who removed something"],
        items: ["audit entries", "audit events"],
        service: "audit-trail", class: "audit.AuditEventWriter", method: "append", path: "settings/audit"),
    component!("sync", DEVICES, ITEMS | SYNC | JOB | MOBILE | TIME,
        nouns: ["sync", "syncing", "the sync engine", "background sync", "offline sync"],
        tasks: ["sync my tablet with the web app", "sync the latest edits", "work offline and sync later"],
        items: ["synced records", "sync batches"],
        service: "sync-engine", class: "sync.DeltaReplicator", method: "applyBatch", path: "sync"),
    component!("calendar", DEVICES, UI | WEB | ITEMS | TIME | SYNC | EXT | INPUT | MOBILE | DELIVERY,
        nouns: ["the calendar", "the calendar view", "the booking calendar", "calendar scheduling", "our calendar"],
        tasks: ["book a meeting", "schedule an appointment", "hook up Google Calendar"],
        items: ["calendar events", "appointments"],
        service: "calendar", class: "calendar.EventScheduler", method: "book", path: "calendar"),
    component!("mobile-app", DEVICES, UI | ITEMS | SYNC | SESSION | MOBILE | TEXT,
        nouns: ["the mobile app", "the mobile app on my phone", "mobile", "our mobile app", "the mobile experience"],
        tasks: ["open the mobile app", "use the mobile app on the go", "manage things from my phone"],
        items: ["mobile screens", "offline records"],
        service: "mobile-bff", class: "mobile.MobileSessionRestorer", method: "restore", path: "m"),
    component!("desktop-app", DEVICES, UI | ITEMS | SYNC | SESSION | TEXT | FILE,
        nouns: ["the desktop client", "the desktop application", "desktop", "the desktop program", "our desktop client"],
        tasks: ["open the desktop client", "work in the desktop client", "install the desktop application"],
        items: ["desktop workspaces", "local files"],
        service: "desktop-updater", class: "desktop.DesktopUpdater", method: "apply", path: "download"),
    component!("notifications", COMMS, UI | ITEMS | DELIVERY | MOBILE | TIME | TEXT,
        nouns: ["the notification center", "push notification sending", "the notification bell", "the in-app notification feed", "the notification panel"],
        tasks: ["get notified when someone replies", "turn on push notifications", "mute a noisy thread"],
        items: ["notifications", "notification badges"],
        service: "notifier", class: "notify.PushNotificationDispatcher", method: "dispatch", path: "settings/notifications"),
    component!("email-delivery", COMMS, DELIVERY | TEXT | EXT | JOB | LINK,
        nouns: ["email", "the confirmation email", "outgoing email", "the transactional email", "our email sending"],
        tasks: ["send order confirmations", "email our buyers", "send our newsletter"],
        items: ["emails", "outgoing emails"],
        service: "mailer", class: "mail.SmtpEmailSender", method: "send", path: "settings/email"),
    component!("webhooks", COMMS, ITEMS | DELIVERY | JOB | API | TEXT,
        nouns: ["webhook delivery", "the webhook", "our webhook endpoint", "the webhook integration", "our webhook setup"],
        tasks: ["receive events on our server", "set up a webhook", "replay a webhook event"],
        items: ["webhook events", "webhook payloads"],
        service: "webhook-dispatcher", class: "hooks.WebhookDispatcher", method: "deliver", path: "settings/webhooks"),
    component!("sms", COMMS, DELIVERY | TEXT | EXT | TIME,
        nouns: ["SMS", "the SMS reminder", "SMS texting", "the SMS text service", "SMS sending"],
        tasks: ["text our clients reminders", "send an SMS", "confirm appointments by SMS"],
        items: ["SMS texts", "SMS reminders"],
        service: "sms-sender", class: "notify.SmsSender", method: "send", path: "settings/sms"),
    component!("chat-widget", COMMS, UI | WEB | ITEMS | TEXT | DELIVERY | MOBILE,
        nouns: ["the chat widget", "live chat", "the chat bubble", "in-app chat", "the website chat"],
        tasks: ["chat with our visitors", "answer chats on the website", "hand a chat over to someone else"],
        items: ["chats", "chat conversations"],
        service: "chat", class: "chat.ChatConversationRouter", method: "route", path: "chat"),
    component!("slack", INTEGRATIONS, DELIVERY | EXT | TEXT | SYNC | API,
        nouns: ["Slack", "the Slack bot", "posting to Slack", "the Slack channel feed", "the Slack integration"],
        tasks: ["post updates to our Slack channel", "add the Slack bot to a channel", "get updates in Slack"],
        items: ["Slack posts", "Slack channel posts"],
        service: "slack-poster", class: "integrations.SlackPoster", method: "post", path: "integrations/slack"),
    component!("salesforce", INTEGRATIONS, ITEMS | EXT | SYNC | JOB | TEXT | TIME | API,
        nouns: ["Salesforce", "the Salesforce integration", "the Salesforce CRM", "our Salesforce org", "the Salesforce push"],
        tasks: ["push contacts to Salesforce", "push deals into Salesforce", "map Salesforce fields"],
        items: ["Salesforce records", "Salesforce leads"],
        service: "salesforce-crm", class: "integrations.SalesforceClient", method: "upsert", path: "integrations/salesforce"),
    component!("stripe", INTEGRATIONS, ITEMS | EXT | MONEY | CHARGE | SYNC | JOB | API,
        nouns: ["Stripe", "the Stripe integration", "Stripe payout reconciliation", "our Stripe account", "the Stripe payout feed"],
        tasks: ["set up our Stripe account", "reconcile Stripe payouts", "take payments through Stripe"],
        items: ["Stripe charges", "Stripe payouts"],
        service: "stripe-payouts", class: "integrations.StripeWebhookHandler", method: "handle", path: "integrations/stripe"),
    component!("jira", INTEGRATIONS, ITEMS | EXT | SYNC | TEXT | JOB | API,
        nouns: ["Jira", "the Jira integration", "Jira issue creation", "our Jira project", "the Jira issue mirror"],
        tasks: ["create a Jira issue from a conversation", "mirror our backlog in Jira", "push Jira statuses back"],
        items: ["Jira issues", "attached Jira issues"],
        service: "jira-issues", class: "integrations.JiraIssueMapper", method: "map", path: "integrations/jira"),
    component!("google-drive", INTEGRATIONS, UI | ITEMS | EXT | FILE | SYNC,
        nouns: ["Google Drive", "the Drive integration", "attaching from Google Drive", "the Google Drive picker", "our shared Drive"],
        tasks: ["pick something from Google Drive", "add our shared drive", "browse Drive folders"],
        items: ["Drive items", "Drive folders"],
        service: "drive-picker", class: "integrations.DriveFilePicker", method: "list", path: "integrations/google-drive"),
    component!("public-api", DEVELOPER, ITEMS | API | TEXT | TIME | FILTER | INPUT,
        nouns: ["the public API", "the REST API", "the REST API v2", "our REST API integration", "the API endpoints"],
        tasks: ["query the REST API from our backend", "pull records through the API", "create records via the API"],
        items: ["API records", "API objects"],
        service: "public-api", class: "api.RestRequestHandler", method: "handle", path: "api/v2"),
    component!("api-keys", DEVELOPER, UI | ITEMS | API | TIME,
        nouns: ["the API keys page", "API key creation", "creating an API key", "our API key page", "the API key settings"],
        tasks: ["create an API key", "rotate our API key", "revoke an old key"],
        items: ["API keys", "key scopes"],
        service: "apikeys", class: "api.ApiKeyIssuer", method: "issue", path: "settings/api-keys"),
    component!("file-upload", FILES, UI | WEB | ITEMS | FILE | TEXT | INPUT | JOB | MOBILE,
        nouns: ["upload", "uploading attachments", "the upload dialog", "attachment upload", "the uploader"],
        tasks: ["upload an attachment", "upload a scan", "drag attachments onto the upload area"],
        items: ["uploads", "uploaded attachments"],
        service: "uploader", class: "files.MultipartUploader", method: "store", path: "files"),
    component!("doc-preview", FILES, UI | WEB | FILE | TEXT,
        nouns: ["the document preview", "previewing PDFs", "the preview viewer", "the preview pane", "the document previewer"],
        tasks: ["preview a PDF", "open a contract in the preview", "flip through a contract preview"],
        items: ["previews", "preview thumbnails"],
        service: "previewer", class: "files.PreviewRasterizer", method: "renderPage", path: "files/preview"),
    component!("permissions", ADMIN, UI | ITEMS | INPUT | API,
        nouns: ["the permissions page", "role permissions", "the roles and permissions page", "permissions", "permission settings"],
        tasks: ["make someone an editor", "assign someone a new role", "restrict a project to some roles"],
        items: ["roles", "permission sets"],
        service: "permissions", class: "authz.PermissionEvaluator", method: "evaluate", path: "settings/roles"),
    component!("team-invites", ADMIN, UI | ITEMS | DELIVERY | LINK | INPUT,
        nouns: ["the team invite", "the invite page", "inviting a new hire", "the invitation", "the team invite flow"],
        tasks: ["invite a new teammate", "invite new hires to our workspace", "resend an invitation"],
        items: ["invites", "pending invitations"],
        service: "invites", class: "accounts.InvitationService", method: "send", path: "settings/team"),
    component!("user-management", ADMIN, UI | ITEMS | TEXT | FILTER | INPUT,
        nouns: ["member management", "the members list", "the members page", "managing members", "the member directory"],
        tasks: ["remove a member who left", "deactivate an old member", "list the members of our workspace"],
        items: ["members", "member seats"],
        service: "members", class: "accounts.MemberDirectory", method: "list", path: "settings/members"),
    component!("profile", ACCOUNT, UI | WEB | INPUT | TEXT | TIME | MOBILE,
        nouns: ["profile settings", "my profile page", "the profile", "the profile editor", "editing my profile"],
        tasks: ["update my display name", "update my profile photo", "set my profile language"],
        items: ["profile fields", "profile preferences"],
        service: "profiles", class: "accounts.ProfileUpdater", method: "store", path: "settings/profile"),
    component!("account-deletion", ACCOUNT, UI | JOB | INPUT | DELIVERY,
        nouns: ["account deletion", "deleting my account", "the account deletion request", "the account deletion settings", "deleting our workspace"],
        tasks: ["delete my account", "delete our workspace", "erase everything we stored"],
        items: ["deletion requests", "deleted accounts"],
        service: "deletion-worker", class: "accounts.DeletionJob", method: "run", path: "settings/delete"),
    component!("onboarding", ACCOUNT, UI | WEB | INPUT | TEXT | ITEMS,
        nouns: ["onboarding", "the onboarding wizard", "the onboarding checklist", "onboarding setup", "the onboarding flow"],
        tasks: ["finish onboarding our workspace", "get through the onboarding wizard", "load the sample project"],
        items: ["onboarding steps", "sample projects"],
        service: "onboarding", class: "onboarding.WizardStepController", method: "next", path: "welcome"),
    component!("comments", COLLAB, UI | ITEMS | TEXT | INPUT | DELIVERY | TIME | MOBILE,
        nouns: ["the comment box", "posting a comment", "commenting", "the comments section", "the comment feature"],
        tasks: ["leave a comment", "mention a teammate in a comment", "reply to a comment thread"],
        items: ["comments", "comment mentions"],
        service: "comments", class: "collab.CommentService", method: "post", path: "comments"),
    component!("task-board", COLLAB, UI | WEB | ITEMS | TEXT | SYNC | TIME | FILTER | MOBILE,
        nouns: ["the task board", "the kanban board", "the project board", "the board view", "our board"],
        tasks: ["move a card across the board", "assign a task on the board", "organize the coming sprint"],
        items: ["board cards", "board tasks"],
        service: "boards", class: "collab.BoardService", method: "moveCard", path: "boards"),
];

const OUTAGE: &[&str] = &["service-outage"];

pub(crate) static FAILURES: &[Failure] = &[
    Failure {
        key: "times-out",
        phrases: &[
            "times out",
            "keeps timing out",
            "timed out again",
            "hangs and then times out",
            "spins and finally times out",
        ],
        ops: &[
            "504 timeouts",
            "RPCs timing out after 30s",
            "upstream timeouts",
            "timeouts on most endpoints",
        ],
        saw: &[
            "A spinner on {n} for about a minute, then 'Request timed out'",
            "{n} kept loading and then timed out",
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
            "throws a server error",
            "returns a 500 server error",
            "fails with an internal server error",
            "shows a server error page",
            "gives me an internal server error",
        ],
        ops: &[
            "HTTP 500 server errors",
            "5xx server errors",
            "elevated 500s, internal server errors",
            "internal server errors",
        ],
        saw: &[
            "'Something went wrong (500)' on {n}",
            "An internal server error page with a request id",
            "Server error 500 right after clicking continue",
        ],
        needs: 0,
        kind: Kind::Outage,
        tags: OUTAGE,
        level: "ERROR",
        status: "500",
        log_msg: "unhandled exception in request handler, internal server error",
        exception: "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"value\" is null",
    },
    Failure {
        key: "blank-page",
        phrases: &[
            "shows a blank page",
            "goes blank",
            "is just a blank white page",
            "renders a totally blank screen",
            "loads a blank white screen",
        ],
        ops: &[
            "blank page on load",
            "blank screen reports",
            "blank render, bundle failing",
            "blank white screens",
        ],
        saw: &[
            "A completely blank white page instead of {n}",
            "Nothing rendered, a blank screen with just the header",
        ],
        needs: UI,
        kind: Kind::Outage,
        tags: &["service-outage", "weak-ux"],
        level: "ERROR",
        status: "200",
        log_msg: "static bundle returned 404, rendered blank shell",
        exception: "org.thymeleaf.exceptions.TemplateInputException: Error resolving template \"index\"",
    },
    Failure {
        key: "redirect-loop",
        phrases: &[
            "goes into a redirect loop",
            "keeps redirecting",
            "redirects back and forth endlessly",
            "says 'too many redirects'",
            "loops through redirects nonstop",
        ],
        ops: &[
            "redirect loop",
            "ERR_TOO_MANY_REDIRECTS reports",
            "302 redirect cycling",
            "redirect loops",
        ],
        saw: &[
            "The browser said 'too many redirects'",
            "{n} flickered between two URLs, redirecting without end",
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
            "shows incorrect {i}",
            "shows incorrect values",
            "shows someone else's numbers",
            "displays incorrect figures",
            "mixes our numbers up with another account's, all incorrect",
        ],
        ops: &[
            "incorrect {i} returned",
            "incorrect values returned",
            "mismatch, incorrect values",
        ],
        saw: &[
            "{n} showed {i} that belong to another account",
            "Incorrect numbers on {n}, not matching our own records",
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
            "shows duplicates",
            "creates duplicate copies over and over",
            "keeps duplicating things",
            "shows everything twice, duplicate copies everywhere",
        ],
        ops: &[
            "duplicate {i} created",
            "duplicate copies written",
            "duplicated writes",
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
            "is missing {i}",
            "is missing things",
            "is missing a bunch of stuff, it's gone",
            "lost things, they're just missing",
            "doesn't show everything, some of it went missing",
        ],
        ops: &[
            "missing {i}",
            "data missing after batch",
            "gaps, things missing",
        ],
        saw: &[
            "Some {i} were simply missing from {n}",
            "{n} listed fewer {i} than we created, the rest missing",
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
            "is really slow",
            "is extremely slow",
            "is painfully slow and sluggish",
            "takes ages, super slow",
            "is so slow that every page takes ages",
        ],
        ops: &[
            "p95 latency > 8s, slow",
            "high latency, slow endpoints",
            "slow, p99 latency up 10x",
            "latency regression, slow",
        ],
        saw: &[
            "{n} was so slow it took over a minute to respond",
            "Each step on {n} took several seconds, very slow",
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
            "crashes without warning",
            "freezes and crashes",
            "crashes on launch",
        ],
        ops: &[
            "crash count up 6x",
            "crash loop on startup",
            "crash reports piling up",
            "crashes",
        ],
        saw: &[
            "{n} crashed and went back to the home screen",
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
            "says access denied",
            "gives an 'access denied' message",
            "tells me access is denied",
            "returns 403 forbidden, access denied",
            "denies me access",
        ],
        ops: &[
            "403 access denied",
            "access wrongly denied",
            "authz denying valid access",
        ],
        saw: &[
            "'Access denied' on {n} although the user is an admin",
            "'Access denied: you are not authorized to perform this action'",
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
            "shows garbled characters",
            "mangles accented characters like José into JosÃ©",
            "breaks non-English characters",
            "turns umlauts into garbled characters",
        ],
        ops: &[
            "UTF-8 mojibake, garbled characters",
            "character encoding latin1 vs utf8",
            "garbled characters in stored text",
        ],
        saw: &[
            "Names like Müller shown as MÃ¼ller in {n}, garbled characters",
            "Question marks instead of accented characters",
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
            "has the timezone wrong",
            "is off by a few hours, timezone confusion",
            "uses GMT instead of our timezone",
            "doesn't respect my timezone",
        ],
        ops: &[
            "timezone offset off by hours",
            "GMT vs local timezone conversion",
            "DST timezone off-by-one hour",
        ],
        saw: &[
            "Everything on {n} shifted by several hours, wrong timezone",
            "{n} used UTC instead of the account timezone",
        ],
        needs: TIME,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "WARN",
        status: "200",
        log_msg: "timestamp converted with server default timezone",
        exception: "java.time.DateTimeException: Unable to obtain ZoneId",
    },
    Failure {
        key: "stuck-pending",
        phrases: &[
            "is stuck in pending",
            "stays pending forever",
            "never leaves the pending state",
            "sits at pending for hours",
            "is stuck on 'processing', still pending",
        ],
        ops: &[
            "jobs stuck in pending",
            "pending queue backlog growing",
            "consumers not draining pending jobs",
        ],
        saw: &[
            "{n} stuck on 'Pending' for hours",
            "A 'Pending' badge that never went away",
        ],
        needs: JOB,
        kind: Kind::Degraded,
        tags: OUTAGE,
        level: "WARN",
        status: "202",
        log_msg: "job queue depth 48211, oldest pending job 3h",
        exception: "com.acme.jobs.LeaseExpiredException: job lease lost, still pending",
    },
    Failure {
        key: "rejects-valid-input",
        phrases: &[
            "rejects valid input",
            "won't accept valid input",
            "says my input is invalid when it isn't",
            "throws a validation warning on valid input",
            "rejects a perfectly valid value",
        ],
        ops: &[
            "validation rejecting valid input",
            "422 on valid input",
            "overly strict input validation",
        ],
        saw: &[
            "'Invalid value' on {n} for a valid entry",
            "A red validation message under a valid input field",
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
            "has a dead button",
            "has a button that doesn't respond",
            "does nothing when I click the button",
            "has a submit button that is dead",
            "won't react when I press the button",
        ],
        ops: &[
            "dead button (JS exception on click)",
            "button click handler broken",
            "submit button no-op",
        ],
        saw: &[
            "Clicking the button on {n} did nothing",
            "No reaction to the button at all, not even a spinner",
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
            "keeps ending my session",
            "drops my session randomly",
            "kills my session every few minutes",
            "ends my session for no reason",
            "throws me out mid-session",
        ],
        ops: &[
            "sessions ending early",
            "sessions revoked early",
            "forced logouts, dropped sessions",
        ],
        saw: &[
            "Sent back to the start screen mid-session",
            "'Your session has ended' after a few minutes",
        ],
        needs: SESSION,
        kind: Kind::Access,
        tags: &["permission-issue", "weak-ux"],
        level: "WARN",
        status: "401",
        log_msg: "session token rejected: session signature invalid",
        exception: "com.acme.auth.SessionEndedException: session invalidated",
    },
    Failure {
        key: "not-delivered",
        phrases: &[
            "never arrives",
            "is never delivered",
            "never shows up in the inbox",
            "isn't delivered to anyone",
            "never arrives, nothing delivered",
        ],
        ops: &[
            "deliveries failing, not delivered",
            "not delivered to recipients",
            "bounces up, undelivered",
            "provider not delivering",
        ],
        saw: &[
            "Nothing arrived, not even in spam",
            "The message from {n} was never delivered",
        ],
        needs: DELIVERY,
        kind: Kind::Delivery,
        tags: OUTAGE,
        level: "ERROR",
        status: "502",
        log_msg: "provider returned 550 mailbox unavailable, not delivered",
        exception: "com.acme.notify.DeliveryException: provider rejected message",
    },
    Failure {
        key: "wrong-amount",
        phrases: &[
            "shows the wrong total",
            "calculates the total wrong",
            "uses the wrong price in the total",
            "adds up the total wrong",
            "gets the total amount wrong",
        ],
        ops: &[
            "amount computation off, wrong totals",
            "rounding off in totals",
            "price and total disagree",
        ],
        saw: &[
            "A total on {n} that didn't add up",
            "A total different from the sum of the prices",
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
            "charges us twice",
            "charged our buyer twice for one purchase",
            "took the money twice",
            "double charged us",
        ],
        ops: &[
            "double charges",
            "repeat charges on one purchase",
            "idempotency ignored, double charging",
        ],
        saw: &[
            "Two identical charges on the statement",
            "A second charge a few minutes after the first",
        ],
        needs: CHARGE,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "ERROR",
        status: "200",
        log_msg: "capture called twice for same payment intent, double charge",
        exception: "com.acme.payments.IdempotencyViolation: capture replayed",
    },
    Failure {
        key: "out-of-sync",
        phrases: &[
            "shows stale values",
            "is stale and out of date",
            "stopped refreshing, it's stale",
            "lags hours behind, everything stale",
            "shows outdated, stale records",
        ],
        ops: &[
            "stale reads served",
            "replication delay > 2h, stale reads",
            "stale replica lag",
        ],
        saw: &[
            "{n} still showed stale values from the day before",
            "Edits on one device missing on the other, stale",
        ],
        needs: SYNC,
        kind: Kind::BadData,
        tags: &["bad-data", "service-outage"],
        level: "WARN",
        status: "200",
        log_msg: "replication lag 7412s, serving stale reads",
        exception: "com.acme.sync.CursorBehindException: cursor 7412s behind",
    },
    Failure {
        key: "layout-broken",
        phrases: &[
            "has a broken layout",
            "has the layout all messed up",
            "has overlapping labels, the layout is broken",
            "cuts off half the content, broken layout",
            "is jumbled, the layout is off",
        ],
        ops: &[
            "CSS layout regression",
            "layout broken after frontend push",
            "layout regression on small screens",
        ],
        saw: &[
            "Text overlapping on {n}, layout broken",
            "Half of {n} cut off on the right, messed-up layout",
        ],
        needs: UI,
        kind: Kind::Ux,
        tags: &["weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "stylesheet hash mismatch after deploy, layout unstyled",
        exception: "com.acme.web.AssetManifestException: stylesheet hash mismatch",
    },
    Failure {
        key: "wrong-language",
        phrases: &[
            "shows the wrong language",
            "is only half translated",
            "switched language to German",
            "shows raw untranslated strings",
            "mixes languages, half untranslated",
        ],
        ops: &[
            "locale fallback to wrong language",
            "untranslated strings",
            "wrong language locale returned",
        ],
        saw: &[
            "{n} suddenly in German, wrong language",
            "Raw untranslated strings like label.submit on {n}",
        ],
        needs: UI,
        kind: Kind::Ux,
        tags: &["weak-ux"],
        level: "WARN",
        status: "200",
        log_msg: "translation not found, falling back to language de-DE",
        exception: "java.util.MissingResourceException: Can't find resource for bundle",
    },
    Failure {
        key: "file-corrupt",
        phrases: &[
            "spits out a corrupt file",
            "gives me a corrupted file",
            "downloads a corrupt, empty file",
            "gives me a corrupt file that won't open",
            "outputs a corrupted file",
        ],
        ops: &[
            "corrupt files generated",
            "zero-byte corrupt files",
            "truncated, corrupt file output",
        ],
        saw: &[
            "A corrupt file that Excel refused to open",
            "A zero-byte, corrupted download from {n}",
        ],
        needs: FILE,
        kind: Kind::BadData,
        tags: &["bad-data"],
        level: "ERROR",
        status: "200",
        log_msg: "stream closed before flush, wrote 0 bytes, corrupt output",
        exception: "java.io.IOException: Stream closed",
    },
    Failure {
        key: "rate-limited",
        phrases: &[
            "keeps hitting a rate limit",
            "returns 429 rate limit responses",
            "rate limits us way below our quota",
            "throttles us, rate limited",
            "says rate limit exceeded",
        ],
        ops: &[
            "429 rate limiting",
            "rate limiter misconfigured",
            "rate limiting legit clients",
        ],
        saw: &[
            "'429 Too Many Requests' from {n}, rate limited",
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
            "says the link is expired",
            "reports a dead or expired link",
            "sends a link that is already expired",
            "shows 'link expired' immediately",
        ],
        ops: &[
            "links expiring immediately",
            "link TTL misconfigured, expired links",
            "expired links rejected",
        ],
        saw: &[
            "'This link has expired' right after it was sent",
            "'Invalid or expired link'",
        ],
        needs: LINK,
        kind: Kind::Access,
        tags: &["permission-issue", "weak-ux"],
        level: "WARN",
        status: "410",
        log_msg: "link token ttl 0s, rejected as expired",
        exception: "com.acme.auth.TokenExpiredException: link token expired",
    },
    Failure {
        key: "filter-ignored",
        phrases: &[
            "ignores my filters",
            "ignores the filter",
            "returns everything unfiltered",
            "shows stuff that doesn't match the filter",
            "drops the date filter",
        ],
        ops: &[
            "filter params ignored",
            "query filters silently ignored",
            "filters not applied",
        ],
        saw: &[
            "{n} returned everything, ignoring the filter",
            "Results outside the selected filter range",
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
            "won't save changes",
            "reverts my changes",
            "loses my changes when I hit save",
            "forgets my saved changes after a refresh",
        ],
        ops: &[
            "changes not persisted on save",
            "save handler dropping changes",
            "lost changes on save",
        ],
        saw: &[
            "Changes on {n} gone after a refresh, not saved",
            "Saved changes reverted to the old values",
        ],
        needs: INPUT,
        kind: Kind::BadData,
        tags: &["bad-data", "weak-ux"],
        level: "WARN",
        status: "409",
        log_msg: "optimistic lock failure, changes not saved",
        exception: "javax.persistence.OptimisticLockException: Row was updated or deleted by another transaction",
    },
];

pub(crate) static VARIANTS: &[Variant] = &[
    Variant {
        key: "android",
        log: "platform=android",
        needs: MOBILE,
        phrases: &["on Android", "in the Android app", "on my Android device"],
    },
    Variant {
        key: "ios",
        log: "platform=ios",
        needs: MOBILE,
        phrases: &["on iOS", "in the iOS app", "on my iPhone (iOS)"],
    },
    Variant {
        key: "safari",
        log: "browser=safari",
        needs: WEB,
        phrases: &["in Safari", "on Safari", "with Safari on a Mac"],
    },
    Variant {
        key: "firefox",
        log: "browser=firefox",
        needs: WEB,
        phrases: &["in Firefox", "on Firefox", "using Firefox"],
    },
    Variant {
        key: "edge",
        log: "browser=edge",
        needs: WEB,
        phrases: &["in Microsoft Edge", "on Edge", "with the Edge browser"],
    },
    Variant {
        key: "eu",
        log: "region=eu-central",
        needs: 0,
        phrases: &[
            "for our EU workspace",
            "in the EU region",
            "for EU accounts",
        ],
    },
    Variant {
        key: "apac",
        log: "region=apac-southeast",
        needs: 0,
        phrases: &["for our APAC staff", "in the APAC region", "for APAC users"],
    },
    Variant {
        key: "enterprise",
        log: "plan=enterprise",
        needs: 0,
        phrases: &[
            "for Enterprise clients",
            "for enterprise accounts",
            "on our Enterprise contract",
        ],
    },
    Variant {
        key: "trial",
        log: "plan=trial",
        needs: 0,
        phrases: &[
            "on a trial account",
            "during the free trial",
            "for trial users",
        ],
    },
    Variant {
        key: "large-accounts",
        log: "tenant_size=large",
        needs: ITEMS,
        phrases: &[
            "for large accounts",
            "for very large accounts",
            "with large workspaces",
        ],
    },
    Variant {
        key: "csv",
        log: "format=csv",
        needs: FILE,
        phrases: &["with CSV", "for CSV format", "when the format is CSV"],
    },
    Variant {
        key: "xlsx",
        log: "format=xlsx",
        needs: FILE,
        phrases: &["with Excel", "for Excel .xlsx", "when using Excel"],
    },
    Variant {
        key: "bulk",
        log: "mode=bulk",
        needs: ITEMS,
        phrases: &["in bulk", "with bulk selection", "for bulk operations"],
    },
    Variant {
        key: "new-users",
        log: "account_age=newly-created",
        needs: 0,
        phrases: &[
            "for newly added users",
            "for newly added accounts",
            "for newly joined staff",
        ],
    },
    Variant {
        key: "admins",
        log: "role=admin",
        needs: 0,
        phrases: &[
            "for admin accounts",
            "for workspace admins",
            "only for admins",
        ],
    },
    Variant {
        key: "guests",
        log: "role=guest",
        needs: 0,
        phrases: &[
            "for guest users",
            "for external guests",
            "for read-only guests",
        ],
    },
    Variant {
        key: "vpn",
        log: "network=vpn",
        needs: 0,
        phrases: &[
            "through our corporate VPN",
            "on the company VPN",
            "over the VPN",
        ],
    },
];

/// A place or a condition that pins down one family's problem, with the component traits
/// it needs (0 = fits every component).
pub(crate) struct Specific {
    pub phrase: &'static str,
    pub needs: u32,
}

const fn sp(phrase: &'static str, needs: u32) -> Specific {
    Specific { phrase, needs }
}

/// Where a family's problem shows up: a spot in the UI (for components with a screen) or
/// the tool the data came through. Each family gets one, chosen so that families sharing a
/// component or a failure mode get different ones: real recurring problems come with their
/// own specifics, which is what lets people (and clustering) tell look-alikes apart.
pub(crate) static LOCI: &[Specific] = &[
    sp("in the sidebar", UI),
    sp("on the toolbar", UI),
    sp("in the dropdown", UI),
    sp("in the header", UI),
    sp("in the footer", UI),
    sp("in the modal overlay", UI),
    sp("in the drawer", UI),
    sp("on the tooltip", UI),
    sp("in the context popover", UI),
    sp("in the breadcrumbs", UI),
    sp("in the navigation rail", UI),
    sp("in the command palette", UI),
    sp("with the dark theme", UI),
    sp("with compact density", UI),
    sp("in fullscreen", UI),
    sp("in side-by-side compare", UI),
    sp("in the pagination controls", UI),
    sp("in the sorting", UI),
    sp("in the shortcut cheatsheet", UI),
    sp("on the welcome tour", UI),
    sp("in the launcher", UI),
    sp("in drafts", UI),
    sp("in the trash", UI),
    sp("in the archive", UI),
    sp("in the favourites", UI),
    sp("in pinned", UI),
    sp("in the share panel", UI),
    sp("in the template gallery", UI),
    sp("in the activity stream", UI),
    sp("on the timeline", UI),
    sp("in the inspector", UI),
    sp("in the tray", UI),
    sp("on the snackbar", UI),
    sp("on the undo toast", UI),
    sp("in the top banner", UI),
    sp("in the bottom sheet", UI),
    sp("in the hamburger", UI),
    sp("in the accordion", UI),
    sp("in the stepper", UI),
    sp("on the progress indicator", UI),
    sp("in quick-create", UI),
    sp("in the jump-to", UI),
    sp("in the reactions", UI),
    sp("in the chips", UI),
    sp("in the tag cloud", UI),
    sp("on the hovercard", UI),
    sp("in the slideout", UI),
    sp("in the help flyout", UI),
    sp("in the announcement strip", UI),
    sp("in the composer", UI),
    sp("in the blockquote", UI),
    sp("in WYSIWYG", UI),
    sp("in formulas", UI),
    sp("in the weekday selector", UI),
    sp("in the colour chooser", UI),
    sp("in the legend", UI),
    sp("on the recap", UI),
    sp("in the ribbon", UI),
    sp("in the lightbox", UI),
    sp("on the homepage carousel", UI),
    sp("in the embedded iframe", UI),
    sp("in the popout", UI),
    sp("in the grid", UI),
    sp("in the tree navigator", UI),
    sp("in the knowledge base", UI),
    sp("in the signature block", UI),
    sp("on the countdown timer", UI),
    sp("on the zoom slider", UI),
    sp("at the captcha", UI),
    sp("in the outline", UI),
    sp("in the TOC", UI),
    sp("in the splitter", UI),
    sp("in the filmstrip", UI),
    sp("from HubSpot", 0),
    sp("from Shopify", 0),
    sp("from WooCommerce", 0),
    sp("from Magento", 0),
    sp("from QuickBooks", 0),
    sp("from Xero", 0),
    sp("from NetSuite", 0),
    sp("from Workday", 0),
    sp("from BambooHR", 0),
    sp("from Notion", 0),
    sp("from Airtable", 0),
    sp("from Asana", 0),
    sp("from Trello", 0),
    sp("from Intercom", 0),
    sp("from Freshdesk", 0),
    sp("from Zendesk", 0),
    sp("from Twilio", 0),
    sp("from Segment", 0),
    sp("from Mixpanel", 0),
    sp("from Dropbox", 0),
    sp("from SharePoint", 0),
    sp("from Confluence", 0),
    sp("from GitHub", 0),
    sp("from GitLab", 0),
    sp("from Bitbucket", 0),
    sp("from Figma", 0),
    sp("from Miro", 0),
    sp("from Basecamp", 0),
    sp("from Typeform", 0),
    sp("from Mailchimp", 0),
    sp("from Klaviyo", 0),
    sp("from Zapier", 0),
    sp("from IFTTT", 0),
    sp("from the CLI", 0),
    sp("from cron", 0),
    sp("from Outlook", 0),
    sp("from Gmail", 0),
    sp("from Webex", 0),
    sp("from Power BI", 0),
    sp("from Tableau", 0),
    sp("from Looker", 0),
    sp("from Snowflake", 0),
    sp("from BigQuery", 0),
    sp("from Postgres", 0),
    sp("from SAP", 0),
    sp("from Oracle", 0),
    sp("from Odoo", 0),
    sp("from Pipedrive", 0),
    sp("from Zoho", 0),
    sp("from Marketo", 0),
    sp("from Pardot", 0),
    sp("from Jamf", 0),
    sp("from PagerDuty", 0),
    sp("from Datadog", 0),
    sp("from Sentry", 0),
    sp("from Amplitude", 0),
    sp("from Webflow", 0),
    sp("from WordPress", 0),
    sp("from Squarespace", 0),
    sp("from Wix", 0),
];

/// When a family's problem happens: a condition reporters notice (data, timing, setup,
/// device). Chosen per family like [`LOCI`].
pub(crate) static TRIGGERS: &[Specific] = &[
    sp("once there are hundreds of them", 0),
    sp("with emoji", 0),
    sp("with apostrophes", 0),
    sp("with octal notation", 0),
    sp("with a plus in it", 0),
    sp("with a decimal comma", 0),
    sp("with subtractions", 0),
    sp("in the sandbox", 0),
    sp("on the staging environment", 0),
    sp("at midnight", 0),
    sp("at quarter close", 0),
    sp("on leap day", 0),
    sp("with very lengthy titles", 0),
    sp("through a proxy", 0),
    sp("on hotel wifi", 0),
    sp("after renaming something", 0),
    sp("after a merge", 0),
    sp("with frozen periods", 0),
    sp("while impersonating someone", 0),
    sp("with multiple currencies", 0),
    sp("with a vanity domain", 0),
    sp("with subaccounts", 0),
    sp("with deep nesting", 0),
    sp("after a downgrade", 0),
    sp("with recurrence rules", 0),
    sp("with a backslash", 0),
    sp("for legacy tenants", 0),
    sp("during the lunchtime peak", 0),
    sp("with prepaid balances", 0),
    sp("on a metered connection", 0),
    sp("with extra spaces", 0),
    sp("with all caps", 0),
    sp("with a hyphenated surname", 0),
    sp("with shortened URLs", 0),
    sp("with anything over ten megabytes", 0),
    sp("after a restore", 0),
    sp("with fractions", 0),
    sp("with an alias", 0),
    sp("with wildcards", 0),
    sp("after several retries", 0),
    sp("with parentheses", 0),
    sp("under litigation hold", 0),
    sp("when something is overdue", 0),
    sp("around Black Friday", 0),
    sp("with Arabic", 0),
    sp("on payday", 0),
    sp("with dozens of collaborators", 0),
    sp("with Cyrillic", 0),
    sp("with Hebrew", 0),
    sp("with Thai", 0),
    sp("with Hangul", 0),
    sp("with Japanese kana", 0),
    sp("with Greek", 0),
    sp("with Danish vowels", 0),
    sp("with a colon", 0),
    sp("with a semicolon", 0),
    sp("with an ampersand", 0),
    sp("with percentages", 0),
    sp("with a hashtag", 0),
    sp("with a dollar prefix", 0),
    sp("with quotation marks", 0),
    sp("with newlines", 0),
    sp("with bullet points", 0),
    sp("with tables pasted from Word", 0),
    sp("with inline images", 0),
    sp("with GIFs", 0),
    sp("with video clips", 0),
    sp("with audio notes", 0),
    sp("with tarballs", 0),
    sp("on a dual-stack network", 0),
    sp("over satellite internet", 0),
    sp("on a train", 0),
    sp("while roaming", 0),
    sp("when abroad", 0),
    sp("for contractors", 0),
    sp("for apprentices", 0),
    sp("for franchisees", 0),
    sp("for resellers", 0),
    sp("for nonprofits", 0),
    sp("for schools", 0),
    sp("for clinics", 0),
    sp("for warehouses", 0),
    sp("for technicians", 0),
    sp("for night shifts", 0),
    sp("for temps", 0),
    sp("after a reorg", 0),
    sp("after an acquisition", 0),
    sp("after a rebrand", 0),
    sp("after a logo swap", 0),
    sp("with private labelling", 0),
    sp("with beta features on", 0),
    sp("with autofill", UI),
    sp("after a clipboard paste", UI),
    sp("with assistive tech", UI),
    sp("in landscape orientation", UI),
    sp("on kiosks", UI),
    sp("with an adblocker on", UI),
    sp("with contrast themes", UI),
    sp("with AZERTY", UI),
    sp("with a stylus", UI),
    sp("with a magnifier", UI),
    sp("with a second monitor", UI),
    sp("while presenting", UI),
    sp("on a Chromebook", UI),
    sp("on a smart TV", UI),
    sp("after a relaunch", UI),
    sp("after waking from sleep", UI),
    sp("on battery saver", UI),
    sp("in airplane mode", UI),
    sp("with low storage", UI),
    sp("with no disk space", UI),
    sp("with a docking station", UI),
    sp("with a trackball", UI),
    sp("with voice dictation", UI),
    sp("with speech control", UI),
    sp("with reduced motion", UI),
    sp("with oversized fonts", UI),
    sp("with StickyKeys", UI),
    sp("with Dvorak", UI),
    sp("with capslock on", UI),
    sp("with autocorrect on", UI),
    sp("with spellcheck off", UI),
    sp("with third-party cookies off", UI),
    sp("with the classic look", UI),
    sp("with a cluttered browser", UI),
    sp("from a bookmark", UI),
    sp("on Turkish systems", UI),
    sp("after being idle for a while", UI),
];

// --- Sentence templates -------------------------------------------------------------------
// Every ticket states its symptom the way real reporters do: the title (when there is one)
// and the first sentence of the body both carry one component phrase and one failure phrase
// of the family (and its context, `{v}`), and a second sentence usually repeats the failure.
// Everything else is short, optional and drawn from large shared pools (see `noise.rs`), so
// the family's words dominate what is distinctive in a ticket.

/// Customer ticket subjects (no trailing period): always component + failure + context.
pub(crate) static SUPPORT_TITLE: &[&str] = &[
    // Most subjects are the bare symptom; the rest add a short prefix or suffix.
    "{n} {fs}{v}",
    "{n} {fs}{v}",
    "{n} {fs}{v}",
    "{n} {fs}{v}",
    "{n} {fs}{v}",
    "{n} {fs}{v}",
    "{n}{v} {fs}",
    "{n}{v} {fs}",
    "{n} {fs}{v} again",
    "URGENT: {n} {fs}{v}",
    "Re: {n} {fs}{v}",
    "Pls fix - {n} {fs}{v}",
    "{n} {fs}{v}?",
    "Problem: {n} {fs}{v}",
    "Bug: {n} {fs}{v}",
    "Fwd: {n} {fs}{v}",
    "Urgent - {n} {fs}{v}",
    "{n} {fs}{v}!!",
    "{n} {fs}{v}, any idea?",
    "{n} {fs}{v} for us",
    "Still: {n} {fs}{v}",
];

/// Customer statement of the problem: always the body's first sentence.
pub(crate) static SUPPORT_CORE: &[&str] = &[
    "{n} {f}{v}.",
    "{n} {f}{v} {w}.",
    "{n} {f}{v} {when}.",
    "{when} {n} {f}{v} {w}.",
    "When I try to {t}{v}, {n} {f}.",
    "When I try to {t}{v}, {n} {f} {w}.",
    "{n} {f}{v} whenever we try to {t}.",
    "Our users tell us that {n} {f}{v} {w}.",
    "{n} {f}{v}, so we can't {t}.",
    "I tried to {t}{v} and {n} {f} {w}.",
    "Not sure what happened but {n} {f}{v}.",
    "{n}{v}: it {f} {w}.",
    "Seems {n} {f}{v} {when}.",
    "Somehow {n} {f}{v} {w}.",
    "We noticed that {n} {f}{v}.",
    "{n} {f}{v} {w} for several people here.",
    "Quick note: {n} {f}{v}.",
    "Right now {n} {f}{v} {w}.",
    "{n} {f}{v}, {when}.",
    "I think {n} {f}{v} {w}.",
    "{n} {f}{v} and we are blocked.",
    "My colleagues say {n} {f}{v} {w}.",
];

/// Second mention of the symptom, right after the core sentence: the failure again, mostly
/// with the component.
pub(crate) static SUPPORT_RESTATE: &[&str] = &[
    "{n} {f} on about {n2} attempts a day.",
    "Tried again just now and {n} still {f}.",
    "It {f} no matter what we try.",
    "{n} {f} for everyone in our office.",
    "It {f}{v} on every attempt.",
    "Basically {n} {f}.",
    "Once more: {n} {f}.",
    "Again, it {f}{v}.",
    "We looked again and {n} {f}.",
    "Each attempt, {n} {f}.",
    "Same for my coworkers: {n} {f}.",
    "Even in a private window {n} {f}.",
    "On a second laptop it {f} too.",
    "So {n} {f}, which blocks us.",
    "Still the case: {n} {f}{v}.",
    "Others here agree: {n} {f}.",
    "Every try, {n} {f}.",
    "My coworker sees it too: {n} {f}.",
    "{n} {f} for {n2} of us so far.",
    "Yes, {n} really {f}.",
];

/// The specifics of this problem: where and when it happens (see [`LOCI`], [`TRIGGERS`]).
pub(crate) static SUPPORT_SPECIFIC: &[&str] = &[
    "It only happens {w}, {x}.",
    "It happens {w}, {x}.",
    "Seems to happen {w} {x}.",
    "Always {w}, mostly {x}.",
    "We see it {w}, {x}.",
    "Only {x}, {w}.",
    "Pattern: {w}, {x}.",
];

/// What the reporter could not get done (names the component only).
pub(crate) static SUPPORT_BLOCKED: &[&str] = &[
    "We need to {t} today and can't.",
    "Nobody here can {t} at the moment.",
    "We can't {t} at all.",
    "All I want is to {t}.",
    "I have to {t} before tonight.",
    "Please let me know how to {t} in the meantime.",
    "We normally {t} every day.",
    "How else can I {t}?",
];

/// Customer sentences carrying volatile tokens.
pub(crate) static SUPPORT_DETAIL: &[&str] = &[
    "Reference {order} for example.",
    "Our reference is {ref}.",
    "Account: {email}.",
    "Here is an example: {url}",
    "Correlation ID {uuid} if that helps.",
    "We're on release {ver}.",
    "First noticed on {date} at {clock}.",
    "It was {dur} before anything happened.",
    "Our IP is {ip}.",
    "Company: {co}, reach {email}.",
    "Affected user: {email}.",
    "This affects about {users} of our users.",
    "Example: {url}",
    "Ref {ref}.",
    "Seen at {clock} on {date}.",
    "Reach me at {email}.",
    "Account number {order}.",
    "Build {ver}.",
    "Reference ID {uuid}.",
    "Roughly {users} people affected.",
    "Screenshot taken at {clock}.",
    "Case {ref} may be related.",
    "Happened at {clock} and again at {clock2}.",
    "Waited {dur} and gave up.",
    "Office IP {ip}, if you need it.",
    "Previous case: {ref}.",
];

/// Operator subjects: always component (service or noun) + failure + context.
pub(crate) static OPS_TITLE: &[&str] = &[
    "{s}: {o}{v}",
    "{s}: {o}{v}",
    "{s}: {o}{v}",
    "{s}{v}: {n} {fs}",
    "{s}{v}: {n} {fs}",
    "{n} {fs}{v} ({s})",
    "{n} {fs}{v} ({s})",
    "{o} ({s}){v}",
    "{o} on {s}{v}",
    "[{inc}] {s}: {o}{v}",
    "[{inc}] {n} {fs}{v}",
    "Alert: {o} on {s}{v}",
    "{s} {o}{v} after {ver} deploy",
    "Incident: {n} {fs}{v}",
    "{s} degraded: {o}{v}",
    "Sev2: {o} on {s}{v}",
    "P1 - {n} {fs}{v}",
    "{inc}: {o} in {s}{v}",
];

/// Operator statement of the problem: always the body's first sentence; carries the
/// service or component noun, the failure in ops and/or customer words, and the context.
pub(crate) static OPS_CORE: &[&str] = &[
    "{s}: {o}{v} since {clock} UTC; {n} {f}.",
    "{s}: {o}{v} {w} since {clock} UTC; {n} {f}.",
    "Since {clock} UTC {n} {f}{v} ({o} on {s}).",
    "Alert fired for {s}: {o}{v}, {n} {f} for ~{users} users.",
    "{o} on {s}{v} between {clock} and {clock2} UTC: {n} {f} {w}.",
    "Investigating {o} on {s}{v}: {n} {f}.",
    "{n} {f}{v} {w}: {o} on {s} since {clock} UTC.",
    "{s} {o}{v} {clock}–{clock2} UTC, {n} {f}.",
    "{s}: {o}{v}, started {clock} UTC after the {ver} rollout.",
    "{o} in {s}{v}, {n} {f} {w} for some accounts.",
    "On-call notes {o} on {s}{v}; {n} {f} {w}.",
    "{n} {f}{v} since {clock} UTC, {s} shows {o}.",
];

/// Where and when, as operators note it.
pub(crate) static OPS_SPECIFIC: &[&str] = &[
    "Repro: {w}, {x}.",
    "Only {w}, {x}.",
    "Seen {w}, {x}.",
    "Scope: {w}, {x}.",
];

/// Operator summary of the user-facing impact, in customer words.
pub(crate) static OPS_IMPACT: &[&str] = &[
    "Customers say {n} {f}{v}.",
    "Escalation from {co}: {n} {f}{v}.",
    "Impact: {n} {f}{v} for ~{users} users.",
    "User-facing: {n} {f}{v} {w}.",
    "Support hears {n} {f}{v} ({n2} tickets so far).",
    "Summary: {n} {f}{v} {w}.",
    "Symptom: {n} {f}{v} {w}.",
    "Raised by {n2} accounts: {n} {f}{v}.",
    "Net effect: {n} {f}{v}.",
    "Users see that {n} {f}{v}.",
    "TL;DR {n} {f}{v}.",
    "From the outside: {n} {f}{v}.",
];

/// Mitigation lines: a label and an `{action}` from the shared pool.
pub(crate) static OPS_ACTION: &[&str] = &[
    "Action: {action}.",
    "Mitigation: {action}.",
    "{action} at {clock2} UTC.",
    "Temporary fix: {action}.",
    "Workaround: {action}.",
    "So far we {action}.",
    "Next: {action}.",
    "Status: {action}.",
    "{action}, watching graphs.",
    "Tried: {action}.",
    "{action} ({first}).",
    "Earlier we {action}.",
];

/// Operator sentences carrying volatile tokens.
pub(crate) static OPS_DETAIL: &[&str] = &[
    "Seen on {host} ({ip}).",
    "Grafana: {gurl}",
    "Related: {ref}.",
    "Trace id {uuid}.",
    "Filed under {inc}.",
    "Peak around {n2}% of traffic.",
    "Duration ~{dur}.",
    "First alert {clock} UTC, back to normal {clock2} UTC.",
    "Host {host}.",
    "Graph: {gurl}",
    "Related case {ref}.",
    "Example trace {uuid}.",
    "Version {ver} is out.",
    "Source IP {ip}.",
    "Lasted about {dur}.",
    "Roughly {users} users affected.",
    "Started {clock} UTC.",
    "Pager {inc}.",
];

pub(crate) static NOTE_TASK: &[&str] = &[
    "{t}",
    "Trying to {t}",
    "Wanted to {t}{v}",
    "{t} for a customer",
    "Needed to {t}",
    "Was about to {t}{v}",
];

pub(crate) static NOTE_FIRST: &[&str] = &[
    "{date} {clock} UTC, first customer complaint: {n} {f}",
    "Alert on {s} at {clock} UTC: {o}",
    "{date}, shortly after {ver} went out: {o}",
    "First seen {date} {clock} UTC in {ref}: {n} {f}",
    "{date} {clock} UTC: {n} {f}{v} {w}",
    "Monitoring on {s} at {clock} UTC: {o}",
];

pub(crate) static NOTE_CHANGES: &[&str] = &[
    "Deployed {s} {ver}",
    "Bumped the connection pool size on {s}",
    "None known",
    "Nothing that we know of",
    "Schema migration on the {i} table",
    "Feature flag {flag} enabled for 10% of accounts",
    "Vendor maintenance window",
    "Certificate rotation on the load balancer",
    "No deploys; traffic spike from a marketing campaign",
    "Upgraded the {s} base image to {ver}",
    "Kubernetes node pool upgrade",
    "DNS provider migration",
    "Rolled out {ver} to 50% of pods",
    "Database failover drill in the morning",
    "CDN purge after a frontend release",
    "Quarterly price update went live",
    "New WAF rules enabled",
    "Autoscaler thresholds tuned",
    "Dependency bump (Jackson, Netty)",
    "Cron schedule moved to 02:00 UTC",
    "Read replica added",
    "Secrets rotated",
    "Hotfix {ver} for an unrelated bug",
    "Nothing on our side, vendor incident suspected",
];

/// Manual work people did around the failure; follows the failure's kind.
pub(crate) fn manual_work(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Outage => &[
            "Retried the requests by hand for ~{users} customers",
            "Walked customers through a workaround: {t} via the admin console",
            "Replayed failed requests from the logs",
            "Did it for the top accounts by hand: {t}",
            "Posted status updates every half hour and answered calls",
        ],
        Kind::Degraded => &[
            "Kept an eye on the queue and nudged jobs manually",
            "Asked customers to retry later and followed up one by one",
            "Did it for the biggest accounts by hand: {t}",
            "Split the work into smaller batches manually",
        ],
        Kind::BadData => &[
            "Fixed the affected {i} by hand in the admin console",
            "Ran a cleanup script over the affected {i}",
            "Cross-checked {i} against a fresh export manually",
            "Corrected {i} one by one from a spreadsheet",
        ],
        Kind::Ux => &[
            "Support did it on the customers' behalf: {t}",
            "Walked each customer through it on a call",
            "Wrote a help-center article with a workaround",
            "Recorded a short video showing the workaround",
        ],
        Kind::Access => &[
            "Granted access manually per user",
            "Temporarily gave affected users the admin role",
            "Support performed the action for them: {t}",
            "Reset accounts by hand so people could {t}",
        ],
        Kind::Delivery => &[
            "Re-sent everything by hand",
            "Sent the details by personal email instead",
            "Called the affected customers",
            "Exported the recipient list and followed up manually",
        ],
    }
}

/// Every template list, for the test that expands them all.
#[cfg(test)]
pub(crate) fn all_template_lists() -> Vec<&'static [&'static str]> {
    let mut lists: Vec<&'static [&'static str]> = vec![
        SUPPORT_TITLE,
        SUPPORT_CORE,
        SUPPORT_RESTATE,
        SUPPORT_SPECIFIC,
        SUPPORT_BLOCKED,
        SUPPORT_DETAIL,
        OPS_TITLE,
        OPS_CORE,
        OPS_SPECIFIC,
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
    let mut loci = SpecificPicker::new(LOCI);
    let mut triggers = SpecificPicker::new(TRIGGERS);

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
            locus: loci.pick(ci, fi, rng),
            trigger: triggers.pick(ci, fi, rng),
        });
    }
    families
}

/// Hands out a family's specifics (a locus or a trigger): never one already given to a
/// family with the same component or failure mode while another is free, and otherwise the
/// least used, so that look-alikes always differ in their specifics and every specific is
/// shared by as few (unrelated) families as possible.
struct SpecificPicker {
    pool: &'static [Specific],
    uses: Vec<usize>,
    by_comp: Vec<Vec<bool>>,
    by_fail: Vec<Vec<bool>>,
}

impl SpecificPicker {
    fn new(pool: &'static [Specific]) -> Self {
        Self {
            pool,
            uses: vec![0; pool.len()],
            by_comp: vec![vec![false; pool.len()]; COMPONENTS.len()],
            by_fail: vec![vec![false; pool.len()]; FAILURES.len()],
        }
    }

    fn pick(&mut self, comp: usize, fail: usize, rng: &mut Rng64) -> usize {
        let traits = COMPONENTS[comp].traits;
        let fits = |k: usize| {
            let needs = self.pool[k].needs;
            needs == 0 || traits & needs != 0
        };
        let free = |k: usize| fits(k) && !self.by_comp[comp][k] && !self.by_fail[fail][k];
        let any_free = (0..self.pool.len()).any(free);
        let eligible = |k: usize| if any_free { free(k) } else { fits(k) };
        let least = (0..self.pool.len())
            .filter(|&k| eligible(k))
            .map(|k| self.uses[k])
            .min()
            .unwrap_or(0);
        let candidates: Vec<usize> = (0..self.pool.len())
            .filter(|&k| eligible(k) && self.uses[k] == least)
            .collect();
        let k = candidates[rng.gen_range(0..candidates.len())];
        self.uses[k] += 1;
        self.by_comp[comp][k] = true;
        self.by_fail[fail][k] = true;
        k
    }
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

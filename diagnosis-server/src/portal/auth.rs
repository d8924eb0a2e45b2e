//! Staff accounts, sessions and CSRF tokens of the portal.
//!
//! - Passwords: Argon2id (RustCrypto `argon2`, default parameters: 19 MiB, 2 passes), PHC
//!   strings in the database; setting a password hashes on the blocking pool, logins check on
//!   [`PasswordCheckers`] threads that reuse (and wipe) their Argon2 memory.
//! - Bounded cost: an Argon2 check holds one of a few permits
//!   ([`crate::ratelimit::RateLimits::login_hash_concurrency`], default 1, so about 19 MiB of
//!   hashing memory and one core); an attempt that cannot get one within [`LOGIN_HASH_WAIT`] is
//!   answered 503 with `Retry-After` without hashing. Each client may try [`crate::ratelimit`]'s
//!   login rate (10 at once, 5 a minute); beyond it, 429.
//! - Lockout per account **and client** ([`LoginFailures`], in memory): [`MAX_FAILED_LOGINS`]
//!   wrong passwords in a row for one name from one client lock that name for that client for
//!   [`LOCK_SECONDS`], refused without hashing. The same name from another client is not
//!   locked, so knowing a colleague's name does not let anyone lock them out; staff behind one
//!   NAT share a client, so a colleague at the same address still can. Guessing one password
//!   from many addresses is bounded by the hashing pool and the per-client rate, and staff
//!   passwords are at least 12 characters (generated ones about 115 bits). An unknown name
//!   costs the same Argon2 work and locks the same way as a known one, so neither timing nor
//!   lockout tells which names exist.
//! - Sessions: 32 random bytes from the OS, sent as a cookie and stored as their SHA-256,
//!   valid [`SESSION_SECONDS`]; logout deletes the session.
//! - CSRF: every form carries a synchronizer token, the HMAC-SHA256 of a label under the
//!   session token (or, on the login page, under a random pre-login cookie), compared in
//!   constant time. It cannot be computed without the cookie, which is `HttpOnly` and
//!   `SameSite=Strict`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use hmac::{Hmac, KeyInit, Mac};
use mimamori_environment::RandomSource;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::ratelimit::ClientId;
use crate::service::Services;
use crate::{Error, Result};

/// Shortest password an operator may set, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Longest password accepted, in bytes (bounds the hashing work a request can cause).
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Longest staff name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// How long a session lasts after login: 8 hours, one working day.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;

/// How long a locked account stays locked: 15 minutes.
pub const LOCK_SECONDS: i64 = 15 * 60;

/// How long a login waits for a free Argon2 permit before it is answered 503: 200 ms.
pub const LOGIN_HASH_WAIT: Duration = Duration::from_millis(200);

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of generated passwords (about 115 bits).
const GENERATED_PASSWORD_CHARS: usize = 20;

/// A secret random token (a session or pre-login cookie value), hex of 32 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    /// Draws a new token from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        mimamori_environment::OsRandom.fill_bytes(&mut bytes[..]);
        Self(Zeroizing::new(hex::encode(&bytes[..])))
    }

    /// Accepts a cookie value that has the shape of a token (64 lowercase hex digits).
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(Zeroizing::new(text.to_owned())))
    }

    /// The token as sent in the cookie.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database stores: SHA-256, hex.
    pub fn storage_hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The CSRF token of forms for `purpose` under this token.
    pub fn csrf_token(&self, purpose: &str) -> String {
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        mac.update(b"mimamori-portal-csrf-v1:");
        mac.update(purpose.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `sent` is the CSRF token for `purpose` (constant time).
    pub fn csrf_matches(&self, purpose: &str, sent: &str) -> bool {
        let expected = self.csrf_token(purpose);
        expected.len() == sent.len()
            && expected
                .bytes()
                .zip(sent.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// Checks a staff name: 1 to [`MAX_NAME_CHARS`] letters, digits and `._@-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

/// A random password for a new account (printed once by `staff add`).
pub fn generate_password() -> Zeroizing<String> {
    let mut password = Zeroizing::new(String::with_capacity(GENERATED_PASSWORD_CHARS));
    for _ in 0..GENERATED_PASSWORD_CHARS {
        let max = u64::try_from(PASSWORD_ALPHABET.len() - 1).unwrap_or(0);
        let index = mimamori_environment::OsRandom.uniform_inclusive(0, max);
        let index = usize::try_from(index).unwrap_or(0);
        password.push(char::from(
            PASSWORD_ALPHABET[index % PASSWORD_ALPHABET.len()],
        ));
    }
    password
}

/// Hashes a password with Argon2id and a random salt (blocking: about 20 MiB and tens of ms).
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|_| Error::Config("the password could not be hashed".into()))
}

/// Whether `password` matches the PHC string `hash` (blocking). A damaged hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    verify_password_in(hash, password, &mut Vec::new())
}

/// Most Argon2 memory a stored hash may ask for: 64 MiB (the default is 19 MiB).
const MAX_ARGON2_BLOCKS: usize = 64 * 1024;

/// [`verify_password`] with Argon2's working memory in `blocks`, grown when too small and kept
/// by the caller for the next check, so repeated checks do not allocate (and the allocator
/// does not pile up freed 19 MiB buffers, which took the server to gigabytes). Argon2id with
/// the hash's own parameters, output compared in constant time.
pub fn verify_password_in(hash: &str, password: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm.as_str()),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let needed = params.block_count();
    if needed > MAX_ARGON2_BLOCKS {
        return false;
    }
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let mut output = Zeroizing::new(vec![0u8; expected.len()]);
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut output,
        &mut blocks[..needed],
    );
    // The working memory is derived from the password: wipe it for the next check.
    blocks[..needed].fill(Block::default());
    computed.is_ok()
        && output.len() == expected.len()
        && output
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A hash of a password nobody knows, checked for unknown names so they cost the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let password = generate_password();
        hash_password(&password).unwrap_or_default()
    })
}

/// Creates a staff account, or sets a new password (ending its sessions and clearing a lock).
pub async fn add_staff_account(services: &Services, name: &str, password: &str) -> Result<()> {
    if !valid_name(name) {
        return Err(Error::Config(format!(
            "a staff name is 1 to {MAX_NAME_CHARS} letters, digits and . _ @ -"
        )));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Config(format!(
            "a staff password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_BYTES} characters"
        )));
    }
    let password = Zeroizing::new(password.to_owned());
    let hash = blocking(move || hash_password(&password)).await??;
    services
        .storage
        .put_staff_account(name, &hash, services.now())
        .await
}

/// Deletes a staff account and its sessions; `false` when there was none.
pub async fn remove_staff_account(services: &Services, name: &str) -> Result<bool> {
    services.storage.delete_staff_account(name).await
}

/// Failed logins per (account, client), in memory, bounded in size: the lockout.
#[derive(Debug)]
pub struct LoginFailures {
    max_entries: usize,
    entries: Mutex<HashMap<[u8; 32], Failures>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: i64,
    locked_until: i64,
    last: i64,
}

impl LoginFailures {
    /// An empty table holding at most `max_entries` (account, client) pairs.
    pub fn new(max_entries: usize) -> Self {
        Self {
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn key(name: &str, client: &ClientId) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(client.as_bytes());
        hash.update(name.as_bytes());
        hash.finalize().into()
    }

    /// Whether `name` is locked for `client`.
    pub fn locked(&self, name: &str, client: &ClientId, now: i64) -> bool {
        self.entries.lock().is_ok_and(|entries| {
            entries
                .get(&Self::key(name, client))
                .is_some_and(|failures| failures.locked_until > now)
        })
    }

    /// Counts a wrong password; `true` when this one locked the name for the client.
    pub fn record_failure(&self, name: &str, client: &ClientId, now: i64) -> bool {
        let Ok(mut entries) = self.entries.lock() else {
            return false;
        };
        let key = Self::key(name, client);
        if !entries.contains_key(&key) && entries.len() >= self.max_entries {
            entries.retain(|_, failures| {
                failures.locked_until > now || now - failures.last < LOCK_SECONDS
            });
            if entries.len() >= self.max_entries {
                // Still full: not counted; the per-client login rate still applies.
                return false;
            }
        }
        let failures = entries.entry(key).or_insert(Failures {
            count: 0,
            locked_until: 0,
            last: now,
        });
        failures.last = now;
        failures.count += 1;
        if failures.count >= MAX_FAILED_LOGINS {
            failures.count = 0;
            failures.locked_until = now + LOCK_SECONDS;
            return true;
        }
        false
    }

    /// Forgets the failures of `name` from `client` (after a successful login).
    pub fn clear(&self, name: &str, client: &ClientId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&Self::key(name, client));
        }
    }
}

thread_local! {
    /// Argon2 working memory of a [`PasswordCheckers`] thread, allocated once and reused.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A job for a [`PasswordCheckers`] thread.
type Job = Box<dyn FnOnce() + Send>;

/// Dedicated threads for the Argon2 checks of logins, as many as there are permits. Each keeps
/// its Argon2 working memory (19 MiB) and reuses it for every check: memory stays at about
/// 20 MiB a thread however many logins arrive (freeing and allocating a 19 MiB buffer per
/// check on the blocking pool's threads let the allocator hold gigabytes). The threads end
/// when the services are dropped.
#[derive(Debug)]
pub struct PasswordCheckers {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl PasswordCheckers {
    /// Starts `threads` threads.
    pub fn new(threads: usize) -> Self {
        let (jobs, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(Mutex::new(receiver));
        for number in 0..threads.max(1) {
            let receiver = std::sync::Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("mimamori-argon2-{number}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password checking thread");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on one of the threads and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = sender.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::Config("the password checking threads stopped".into()))?;
        receiver
            .await
            .map_err(|_| Error::Config("a password check failed".into()))
    }
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// The password was right: a new session.
    LoggedIn(SecretToken),
    /// Wrong name or password, or the name is locked for this client. Deliberately one case:
    /// the answer does not tell which names exist.
    Refused,
    /// Every Argon2 permit stayed busy for [`LOGIN_HASH_WAIT`]: nothing was checked; try again
    /// in a second.
    Busy,
}

/// Checks a name and password from `client` and opens a session.
pub async fn log_in(
    services: &Services,
    name: &str,
    password: &str,
    client: &ClientId,
) -> Result<LoginOutcome> {
    let now = services.now();
    if services.login_failures.locked(name, client, now) || password.len() > MAX_PASSWORD_BYTES {
        return Ok(LoginOutcome::Refused);
    }
    let Ok(Ok(permit)) = tokio::time::timeout(
        LOGIN_HASH_WAIT,
        std::sync::Arc::clone(&services.login_hashes).acquire_owned(),
    )
    .await
    else {
        return Ok(LoginOutcome::Busy);
    };
    let account = if valid_name(name) {
        services.storage.staff_account(name).await?
    } else {
        None
    };
    let password = Zeroizing::new(password.to_owned());
    let hash = account.as_ref().map_or_else(
        || decoy_hash().to_owned(),
        |account| account.password_hash.clone(),
    );
    let matches = services
        .password_checkers
        .run(move || {
            ARGON2_MEMORY.with_borrow_mut(|blocks| verify_password_in(&hash, &password, blocks))
        })
        .await?;
    drop(permit);
    let Some(account) = account.filter(|_| matches) else {
        if services.login_failures.record_failure(name, client, now) {
            tracing::warn!("a staff name was locked for one client after repeated failed logins");
        }
        return Ok(LoginOutcome::Refused);
    };
    services.login_failures.clear(name, client);
    services.storage.delete_expired_staff_sessions(now).await?;
    let token = SecretToken::generate();
    services
        .storage
        .create_staff_session(
            &token.storage_hash(),
            &account.name,
            now,
            now + SESSION_SECONDS,
        )
        .await?;
    Ok(LoginOutcome::LoggedIn(token))
}

/// The staff name of a live session.
pub async fn session_user(services: &Services, token: &SecretToken) -> Result<Option<String>> {
    services
        .storage
        .staff_session(&token.storage_hash(), services.now())
        .await
}

/// Ends a session.
pub async fn log_out(services: &Services, token: &SecretToken) -> Result<()> {
    services
        .storage
        .delete_staff_session(&token.storage_hash())
        .await
        .map(|_| ())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Config(format!("a password check failed: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a phc string", "anything"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.chars().count(), GENERATED_PASSWORD_CHARS);
        assert!(a.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_parse_and_bind_csrf() {
        let token = SecretToken::generate();
        assert_eq!(SecretToken::parse(token.as_str()), Some(token.clone()));
        assert_eq!(SecretToken::parse("abc"), None);
        assert_eq!(SecretToken::parse(&"G".repeat(64)), None);
        let csrf = token.csrf_token("session");
        assert!(token.csrf_matches("session", &csrf));
        assert!(!token.csrf_matches("login", &csrf), "bound to the purpose");
        assert!(!SecretToken::generate().csrf_matches("session", &csrf));
        assert!(!token.csrf_matches("session", ""));
        assert_ne!(token.storage_hash(), token.as_str());
        assert_eq!(format!("{token:?}"), "SecretToken(<redacted>)");
    }

    #[test]
    fn lockouts_are_per_name_and_client_and_bounded() {
        let identifier = crate::ratelimit::ClientIdentifier::new(Vec::new());
        let client = |n: u8| {
            identifier.identify(
                Some(std::net::SocketAddr::from(([192, 0, 2, n], 1))),
                &axum::http::HeaderMap::new(),
            )
        };
        let failures = LoginFailures::new(2);
        for attempt in 1..=MAX_FAILED_LOGINS {
            let locked = failures.record_failure("tanaka", &client(1), 0);
            assert_eq!(locked, attempt == MAX_FAILED_LOGINS);
        }
        assert!(failures.locked("tanaka", &client(1), LOCK_SECONDS - 1));
        assert!(!failures.locked("tanaka", &client(1), LOCK_SECONDS));
        assert!(!failures.locked("tanaka", &client(2), 0), "another client");
        assert!(!failures.locked("suzuki", &client(1), 0), "another name");
        // Full (two pairs, both recent): a third pair is not counted, and locks nothing.
        failures.record_failure("suzuki", &client(1), 0);
        for _ in 0..MAX_FAILED_LOGINS {
            assert!(!failures.record_failure("sato", &client(3), 1));
        }
        assert!(!failures.locked("sato", &client(3), 1));
        // Once the old entries are stale and unlocked they make room.
        let later = 3 * LOCK_SECONDS;
        failures.record_failure("sato", &client(3), later);
        assert!(failures.entries.lock().unwrap().len() <= 2);
        failures.clear("sato", &client(3));
        assert!(!failures.locked("sato", &client(3), later));
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("tanaka.h@hokenjo-1"));
        assert!(!valid_name(""));
        assert!(!valid_name("a b"));
        assert!(!valid_name("<script>"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}

//! Slowing down password guessing and sign-up floods, with counters every API replica
//! shares (kept by an [`AttemptStore`](crate::ports::AttemptStore), in the database).
//!
//! An attempt is *reserved* before any password is hashed: the store reads the counters
//! under the attempt's keys, [`AttemptPlan::decide`] admits or refuses it, and an
//! admitted attempt is counted at once, in the same transaction, so parallel guesses
//! cannot all pass one check. An attempt that then succeeds is forgiven
//! ([`Settlement`]). Counters live in fixed windows: the count starts again once
//! `window_seconds` have passed since the window's first attempt.
//!
//! A login is checked against three counters:
//! - the account *and* client address: at most `max_failures` per window, then 429 for
//!   that client on that account only;
//! - the client address across accounts: at most `max_failures_per_client` per window;
//! - the account across clients: after `account_delay_after` attempts in the window,
//!   further attempts are spaced by a delay that doubles from one second up to
//!   `account_max_delay_seconds` — a slowdown, not a lockout, and one that spares a client
//!   with no failure on the account in the window, so the owner logging in from their own
//!   address is not kept out by someone guessing elsewhere.

use std::net::IpAddr;

use domain::{Email, Timestamp};

/// One counter of attempts under a key, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptCounter {
    /// What is counted, for example `login:account:ada@example.com`.
    pub key: String,
    /// Attempts counted in the current window.
    pub attempts: u32,
    /// When the current window began.
    pub window_started_at: Timestamp,
    /// No attempt governed by a slowdown is admitted before this instant.
    pub blocked_until: Option<Timestamp>,
}

impl AttemptCounter {
    /// A counter with nothing counted, for a key not stored yet.
    pub fn empty(key: impl Into<String>, now: Timestamp) -> Self {
        Self {
            key: key.into(),
            attempts: 0,
            window_started_at: now,
            blocked_until: None,
        }
    }

    /// The attempts that still count at `now` (none once the window has passed).
    fn current(&self, window_seconds: i64, now: Timestamp) -> u32 {
        if self.window_started_at.plus_seconds(window_seconds) <= now {
            0
        } else {
            self.attempts
        }
    }
}

/// How one counter limits attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// At most `max` attempts per window; beyond, refused until the window ends.
    Limit {
        /// Attempts allowed per window.
        max: u32,
    },
    /// After `after` attempts in the window, each further one must wait for a delay that
    /// doubles with every attempt, from one second up to `max_delay_seconds`. Not applied
    /// when the counter of rule `spare_when_fresh` (by index) has nothing counted.
    Slowdown {
        /// Attempts per window before the delay starts.
        after: u32,
        /// The longest delay between two attempts.
        max_delay_seconds: i64,
        /// The rule whose empty counter exempts the attempt, if any.
        spare_when_fresh: Option<usize>,
    },
}

/// One counter an attempt is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRule {
    /// The counter's key.
    pub key: String,
    /// The length of its windows.
    pub window_seconds: i64,
    /// How it limits.
    pub check: Check,
}

/// The counters an attempt is checked against, in the order the store reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptPlan {
    /// The rules; their keys are distinct.
    pub rules: Vec<AttemptRule>,
}

/// Whether a reserved attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; go ahead.
    Admitted,
    /// Refused; try again after this many seconds (at least one).
    Refused {
        /// Seconds to wait.
        retry_after_seconds: i64,
    },
}

impl AttemptPlan {
    /// Given the stored counters (one per rule, in the rules' order; empty ones for keys
    /// not stored), the counters to store when the attempt is admitted, or the seconds
    /// to wait when it is refused. Pure: the store calls it inside its transaction.
    pub fn decide(&self, counters: &[AttemptCounter], now: Timestamp) -> Result<Vec<AttemptCounter>, i64> {
        let mut wait: i64 = 0;
        for (rule, counter) in self.rules.iter().zip(counters) {
            let attempts = counter.current(rule.window_seconds, now);
            match rule.check {
                Check::Limit { max } if attempts >= max => {
                    let ends = counter.window_started_at.plus_seconds(rule.window_seconds);
                    wait = wait.max(ends.unix_seconds() - now.unix_seconds());
                }
                Check::Slowdown {
                    after,
                    spare_when_fresh,
                    ..
                } if attempts >= after => {
                    let spared = spare_when_fresh.and_then(|i| Some((self.rules.get(i)?, counters.get(i)?)));
                    let spared = spared.is_some_and(|(r, c)| c.current(r.window_seconds, now) == 0);
                    if let Some(until) = counter.blocked_until
                        && until > now
                        && !spared
                    {
                        wait = wait.max(until.unix_seconds() - now.unix_seconds());
                    }
                }
                _ => {}
            }
        }
        if wait > 0 || counters.len() != self.rules.len() {
            return Err(wait.max(1));
        }
        Ok(self
            .rules
            .iter()
            .zip(counters)
            .map(|(rule, counter)| {
                let fresh = counter.current(rule.window_seconds, now) == 0;
                let attempts = if fresh { 1 } else { counter.attempts.saturating_add(1) };
                let window_started_at = if fresh { now } else { counter.window_started_at };
                let blocked_until = match rule.check {
                    Check::Slowdown {
                        after,
                        max_delay_seconds,
                        ..
                    } if attempts > after => {
                        let doublings = (attempts - after - 1).min(32);
                        let delay = (1i64 << doublings).min(max_delay_seconds.max(1));
                        let from = counter.blocked_until.filter(|b| *b > now).unwrap_or(now);
                        Some(from.plus_seconds(delay))
                    }
                    _ => counter.blocked_until.filter(|b| *b > now),
                };
                AttemptCounter {
                    key: rule.key.clone(),
                    attempts,
                    window_started_at,
                    blocked_until,
                }
            })
            .collect())
    }
}

/// What to do with counters once an admitted attempt's outcome is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjustment {
    /// Forget the counter (a successful login clears its account-and-client count).
    Reset(String),
    /// Take the attempt back (it succeeded, so it was no failure).
    Forgive(String),
}

/// The adjustments after one attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Applied in order.
    pub adjustments: Vec<Adjustment>,
}

/// Where an attempt comes from, as the throttle counts it: an IPv4 address, or the /64
/// network of an IPv6 address (one subscriber usually holds a whole /64).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKey(String);

impl ClientKey {
    /// The key of a client address.
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Self(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The login and sign-up limits, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed logins per account and client address per window.
    pub max_failures: u32,
    /// Failed logins per client address, across accounts, per window.
    pub max_failures_per_client: u32,
    /// Attempts per account, across clients, before the progressive delay starts.
    pub account_delay_after: u32,
    /// The longest delay between two attempts on one account.
    pub account_max_delay_seconds: i64,
    /// The window of the login counters.
    pub window_seconds: i64,
    /// Sign-ups per client address per sign-up window.
    pub max_signups_per_client: u32,
    /// The window of the sign-up counter.
    pub signup_window_seconds: i64,
    /// Password reset requests per e-mail address (known or not) per reset window.
    pub max_resets_per_address: u32,
    /// Password reset requests and uses per client address per reset window.
    pub max_resets_per_client: u32,
    /// The window of the password reset counters.
    pub reset_window_seconds: i64,
}

impl ThrottlePolicy {
    /// The counters a login for `account` from `client` is checked against.
    pub fn login(&self, account: &Email, client: &ClientKey) -> AttemptPlan {
        let window_seconds = self.window_seconds.max(1);
        AttemptPlan {
            rules: vec![
                AttemptRule {
                    key: pair_key(account, client),
                    window_seconds,
                    check: Check::Limit {
                        max: self.max_failures.max(1),
                    },
                },
                AttemptRule {
                    key: format!("login:client:{}", client.as_str()),
                    window_seconds,
                    check: Check::Limit {
                        max: self.max_failures_per_client.max(1),
                    },
                },
                AttemptRule {
                    key: account_key(account),
                    window_seconds,
                    check: Check::Slowdown {
                        after: self.account_delay_after.max(1),
                        max_delay_seconds: self.account_max_delay_seconds.max(1),
                        spare_when_fresh: Some(0),
                    },
                },
            ],
        }
    }

    /// What a successful login takes back: the account-and-client count is cleared, and
    /// the attempt no longer counts against the client or the account.
    pub fn login_succeeded(&self, account: &Email, client: &ClientKey) -> Settlement {
        Settlement {
            adjustments: vec![
                Adjustment::Reset(pair_key(account, client)),
                Adjustment::Forgive(format!("login:client:{}", client.as_str())),
                Adjustment::Forgive(account_key(account)),
            ],
        }
    }

    /// The counter a sign-up from `client` is checked against.
    pub fn signup(&self, client: &ClientKey) -> AttemptPlan {
        AttemptPlan {
            rules: vec![AttemptRule {
                key: format!("signup:client:{}", client.as_str()),
                window_seconds: self.signup_window_seconds.max(1),
                check: Check::Limit {
                    max: self.max_signups_per_client.max(1),
                },
            }],
        }
    }

    /// The counters a password reset request for `address` from `client` is checked
    /// against: per address (whether or not it has an account, so the answer does not
    /// tell) and per client.
    pub fn reset_request(&self, address: &Email, client: &ClientKey) -> AttemptPlan {
        let window_seconds = self.reset_window_seconds.max(1);
        AttemptPlan {
            rules: vec![
                AttemptRule {
                    key: format!("reset:address:{}", address.as_str()),
                    window_seconds,
                    check: Check::Limit {
                        max: self.max_resets_per_address.max(1),
                    },
                },
                self.reset_client_rule(client),
            ],
        }
    }

    /// The counter a use of a reset link from `client` is checked against (the one
    /// requests from that client count on too).
    pub fn reset_use(&self, client: &ClientKey) -> AttemptPlan {
        AttemptPlan {
            rules: vec![self.reset_client_rule(client)],
        }
    }

    fn reset_client_rule(&self, client: &ClientKey) -> AttemptRule {
        AttemptRule {
            key: format!("reset:client:{}", client.as_str()),
            window_seconds: self.reset_window_seconds.max(1),
            check: Check::Limit {
                max: self.max_resets_per_client.max(1),
            },
        }
    }

    /// The longest window any counter uses: counters older than that are stale.
    pub fn longest_window_seconds(&self) -> i64 {
        self.window_seconds
            .max(self.signup_window_seconds)
            .max(self.reset_window_seconds)
            .max(self.account_max_delay_seconds)
    }
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 10,
            max_failures_per_client: 100,
            account_delay_after: 20,
            account_max_delay_seconds: 300,
            window_seconds: 900,
            max_signups_per_client: 5,
            signup_window_seconds: 3600,
            max_resets_per_address: 3,
            max_resets_per_client: 20,
            reset_window_seconds: 3600,
        }
    }
}

fn pair_key(account: &Email, client: &ClientKey) -> String {
    format!("login:pair:{}|{}", client.as_str(), account.as_str())
}

fn account_key(account: &Email) -> String {
    format!("login:account:{}", account.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_000_000 + s)
    }

    fn limit(key: &str, max: u32) -> AttemptPlan {
        AttemptPlan {
            rules: vec![AttemptRule {
                key: key.into(),
                window_seconds: 60,
                check: Check::Limit { max },
            }],
        }
    }

    /// Runs `plan` against `stored` the way a store does: refused attempts change nothing.
    fn attempt(plan: &AttemptPlan, stored: &mut Vec<AttemptCounter>, now: Timestamp) -> Result<(), i64> {
        let counters: Vec<_> = plan
            .rules
            .iter()
            .map(|r| {
                stored
                    .iter()
                    .find(|c| c.key == r.key)
                    .cloned()
                    .unwrap_or_else(|| AttemptCounter::empty(&r.key, now))
            })
            .collect();
        let next = plan.decide(&counters, now)?;
        for c in next {
            stored.retain(|s| s.key != c.key);
            stored.push(c);
        }
        Ok(())
    }

    #[test]
    fn a_limit_refuses_beyond_max_until_the_window_ends() {
        let plan = limit("k", 3);
        let mut stored = Vec::new();
        for s in 0..3 {
            assert_eq!(attempt(&plan, &mut stored, at(s)), Ok(()));
        }
        assert_eq!(attempt(&plan, &mut stored, at(10)), Err(50), "the window began at 0");
        assert_eq!(stored[0].attempts, 3, "a refused attempt is not counted");
        assert_eq!(attempt(&plan, &mut stored, at(60)), Ok(()), "a new window");
        assert_eq!(stored[0].attempts, 1);
    }

    #[test]
    fn a_slowdown_doubles_the_delay_up_to_its_maximum_and_spares_fresh_clients() {
        let policy = ThrottlePolicy {
            max_failures: 100,
            max_failures_per_client: 100,
            account_delay_after: 2,
            account_max_delay_seconds: 4,
            window_seconds: 900,
            ..ThrottlePolicy::default()
        };
        let ada = Email::parse("ada@example.com").expect("valid");
        let guesser = ClientKey::from_ip("10.0.0.1".parse().expect("ip"));
        let owner = ClientKey::from_ip("10.0.0.2".parse().expect("ip"));
        let plan = policy.login(&ada, &guesser);
        let mut stored = Vec::new();
        assert_eq!(attempt(&plan, &mut stored, at(0)), Ok(()));
        assert_eq!(attempt(&plan, &mut stored, at(0)), Ok(()), "two before the delay");
        assert_eq!(attempt(&plan, &mut stored, at(0)), Ok(()), "the third sets a 1 s delay");
        assert_eq!(attempt(&plan, &mut stored, at(0)), Err(1));
        assert_eq!(attempt(&plan, &mut stored, at(1)), Ok(()), "then 2 s");
        assert_eq!(attempt(&plan, &mut stored, at(2)), Err(1));
        assert_eq!(attempt(&plan, &mut stored, at(3)), Ok(()), "then 4 s, the maximum");
        assert_eq!(attempt(&plan, &mut stored, at(3)), Err(4));
        assert_eq!(attempt(&plan, &mut stored, at(7)), Ok(()));
        assert_eq!(attempt(&plan, &mut stored, at(7)), Err(4), "capped at 4 s");
        assert_eq!(
            attempt(&policy.login(&ada, &owner), &mut stored, at(7)),
            Ok(()),
            "a client with no failure on the account is not slowed down"
        );
    }

    #[test]
    fn a_login_is_refused_per_account_and_client_and_per_client_across_accounts() {
        let policy = ThrottlePolicy {
            max_failures: 2,
            max_failures_per_client: 3,
            ..ThrottlePolicy::default()
        };
        let ada = Email::parse("ada@example.com").expect("valid");
        let bob = Email::parse("bob@example.com").expect("valid");
        let one = ClientKey::from_ip("10.0.0.1".parse().expect("ip"));
        let two = ClientKey::from_ip("10.0.0.2".parse().expect("ip"));
        let mut stored = Vec::new();
        for _ in 0..2 {
            assert_eq!(attempt(&policy.login(&ada, &one), &mut stored, at(0)), Ok(()));
        }
        assert_eq!(attempt(&policy.login(&ada, &one), &mut stored, at(0)), Err(900));
        assert_eq!(
            attempt(&policy.login(&ada, &two), &mut stored, at(0)),
            Ok(()),
            "another client may still try the account"
        );
        assert_eq!(attempt(&policy.login(&bob, &one), &mut stored, at(0)), Ok(()));
        assert_eq!(
            attempt(&policy.login(&bob, &one), &mut stored, at(0)),
            Err(900),
            "the client's third failure across accounts reached its limit"
        );
    }

    #[test]
    fn counters_that_do_not_match_the_rules_refuse() {
        assert_eq!(limit("k", 3).decide(&[], at(0)), Err(1));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let a = ClientKey::from_ip("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = ClientKey::from_ip("2001:db8:1:2:bbbb::2".parse().expect("ip"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "2001:db8:1:2::/64");
        let mapped = ClientKey::from_ip("::ffff:10.0.0.1".parse().expect("ip"));
        assert_eq!(mapped.as_str(), "10.0.0.1");
    }
}

//! Which client a request comes from, when reverse proxies stand in between.

use std::net::IpAddr;

/// The reverse proxies whose `X-Forwarded-For` header is believed (`http.trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR networks; empty trusts none.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("http.trusted_proxies: `{entry}` is not an address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("http.trusted_proxies: `{entry}` has no valid prefix length"))?,
            };
            nets.push((ip, prefix));
        }
        Ok(Self(nets))
    }

    /// True when `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, prefix)| match (canonical(*net), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), *prefix, 32) == masked(u32::from(a).into(), *prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), *prefix, 128) == masked(u128::from(a), *prefix, 128)
            }
            _ => false,
        })
    }

    /// The client behind a connection from `peer`: the peer itself unless it is a trusted
    /// proxy; then, reading `X-Forwarded-For` from the right (the address the nearest
    /// proxy saw), the first address that is not a trusted proxy. A header that does not
    /// parse is not believed: the peer is then the client.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let Some(header) = forwarded_for else { return peer };
        let mut hops = Vec::new();
        for hop in header.split(',').map(str::trim) {
            match hop.parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
        let mut client = peer;
        for ip in hops.into_iter().rev() {
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u32) -> u128 {
    let prefix = u32::from(prefix).min(width);
    if prefix == 0 {
        return 0;
    }
    bits >> (width - prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let none = TrustedProxies::parse("").expect("parses");
        assert_eq!(none.client(ip("203.0.113.9"), Some("10.0.0.1")), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_forwards_the_nearest_untrusted_address() {
        let p = TrustedProxies::parse("127.0.0.1, 10.1.0.0/16, ::1").expect("parses");
        assert_eq!(p.client(ip("127.0.0.1"), Some("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(
            p.client(ip("127.0.0.1"), Some("6.6.6.6, 198.51.100.7, 10.1.2.3")),
            ip("198.51.100.7"),
            "a spoofed left-most entry is ignored; the chain's proxies are skipped"
        );
        assert_eq!(
            p.client(ip("::ffff:127.0.0.1"), Some("198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_eq!(p.client(ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(p.client(ip("127.0.0.1"), Some("garbage")), ip("127.0.0.1"));
        assert_eq!(
            p.client(ip("10.2.0.1"), Some("198.51.100.7")),
            ip("10.2.0.1"),
            "outside the /16"
        );
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["nope", "10.0.0.0/33", "::1/129", "10.0.0.0/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Which address a request comes from. Behind a reverse proxy every request arrives from the
//! proxy, and the client's address is in `X-Forwarded-For`; that header is believed only when the
//! peer is one of the configured trusted proxies (`BATON_TRUSTED_PROXIES`), because anyone else
//! can write anything in it.

use super::net::canonical;
use std::net::IpAddr;
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a single host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an address or a network such as 10.0.0.0/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(IpAddr::from_str(addr).map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }
}

/// Parses a comma-separated list of networks (the value of `BATON_TRUSTED_PROXIES`).
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(IpNet::from_str)
        .collect()
}

/// The client's address: the peer itself unless the peer is a trusted proxy; then the
/// `X-Forwarded-For` chain (all its header values joined with commas) is read from the right,
/// skipping trusted proxies, and the first other address is the client. An entry that is not an
/// address stops the walk at the last hop that could be trusted.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = canonical(peer);
    if !is_trusted(client) {
        return client;
    }
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        let Ok(ip) = IpAddr::from_str(hop.trim()) else {
            return client;
        };
        client = canonical(ip);
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let nets = parse_trusted("10.0.0.0/8, 192.168.1.7 ,fd00::/8").unwrap();
        assert!(nets[0].contains(ip("10.200.3.4")));
        assert!(!nets[0].contains(ip("11.0.0.1")));
        assert!(nets[1].contains(ip("192.168.1.7")));
        assert!(!nets[1].contains(ip("192.168.1.8")));
        assert!(nets[2].contains(ip("fd12::1")));
        assert!(nets[0].contains(ip("::ffff:10.1.2.3")));
        assert!("0.0.0.0/0"
            .parse::<IpNet>()
            .unwrap()
            .contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "example.com", "10.0.0/8", "::/129"] {
            assert!(parse_trusted(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_trusted("").unwrap(), vec![]);
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = parse_trusted("10.0.0.0/8").unwrap();
        let spoofed = Some("6.6.6.6");
        assert_eq!(
            client_ip(ip("203.0.113.9"), spoofed, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("203.0.113.9"), spoofed, &[]),
            ip("203.0.113.9")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), spoofed, &trusted), ip("6.6.6.6"));
    }

    #[test]
    fn the_chain_is_read_from_the_right_past_trusted_proxies_only() {
        let trusted = parse_trusted("10.0.0.0/8").unwrap();
        // The client forged the first entry; the proxies appended the real one and themselves.
        let chain = Some("1.1.1.1, 198.51.100.4, 10.0.0.7");
        assert_eq!(
            client_ip(ip("10.0.0.2"), chain, &trusted),
            ip("198.51.100.4")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                Some("1.1.1.1, nonsense, 10.0.0.7"),
                &trusted
            ),
            ip("10.0.0.7")
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
    }
}

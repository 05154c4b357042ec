//! The address a request comes from, for the per-address login limit.
//!
//! It is the TCP peer, unless the peer is one of the configured trusted proxies
//! (`trusted_proxies`): then `X-Forwarded-For` is read from the right, skipping the
//! trusted proxies, and the first other address is the client. A header from anyone else
//! is ignored, so a client cannot pick the address its failures are counted against.
//! IPv6 clients are counted by their /64 network, which one household or device holds.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// An address or a network (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(addr) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(addr) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;
    fn from_str(text: &str) -> Result<IpRange, String> {
        let text = text.trim();
        let bad = || format!("`{text}` is not an IP address or a range such as 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(IpRange { network, prefix })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses a comma-separated list of addresses and ranges (empty: none).
pub fn parse_ranges(text: &str) -> Result<Vec<IpRange>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address as the throttle counts it.
pub fn client_address(trusted: &[IpRange], peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
    let peer = canonical(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    let is_trusted = |a: IpAddr| trusted.iter().any(|range| range.contains(a));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            // Garbage in the chain: stop at the last address a trusted hop vouched for.
            break;
        };
        client = canonical(address);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// What the throttle counts an address as: itself, or its /64 network for IPv6.
pub fn counted_as(address: IpAddr) -> String {
    match canonical(address) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

/// The client's address (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientAddress(client_address(
            &state.config.trusted_proxies,
            peer,
            &parts.headers,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        let ranges = parse_ranges("10.0.0.0/8, 127.0.0.1 ,::1,2001:db8::/32").unwrap();
        assert_eq!(ranges.len(), 4);
        assert!(ranges[0].contains(ip("10.200.3.4")));
        assert!(!ranges[0].contains(ip("11.0.0.1")));
        assert!(ranges[1].contains(ip("::ffff:127.0.0.1")), "IPv4-mapped");
        assert!(ranges[2].contains(ip("::1")));
        assert!(ranges[3].contains(ip("2001:db8:1::5")));
        assert!(parse_ranges("").unwrap().is_empty());
        assert!(parse_ranges("10.0.0.0/33").is_err());
        assert!(parse_ranges("proxy.example").is_err());
        assert!(
            IpRange::from_str("0.0.0.0/0")
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 198.51.100.7, 10.0.0.2"),
        );
        let proxies = parse_ranges("10.0.0.0/8").unwrap();
        // Not from the proxy: the header is ignored.
        assert_eq!(
            client_address(&proxies, Some(ip("203.0.113.9")), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(&[], Some(ip("10.0.0.1")), &headers),
            ip("10.0.0.1")
        );
        // From the proxy: the first untrusted hop from the right, never the spoofable left.
        assert_eq!(
            client_address(&proxies, Some(ip("10.0.0.1")), &headers),
            ip("198.51.100.7")
        );
        let mut garbage = HeaderMap::new();
        garbage.insert("x-forwarded-for", HeaderValue::from_static("nonsense"));
        assert_eq!(
            client_address(&proxies, Some(ip("10.0.0.1")), &garbage),
            ip("10.0.0.1")
        );
        assert_eq!(counted_as(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(counted_as(ip("192.0.2.1")), "192.0.2.1");
    }
}

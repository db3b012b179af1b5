//! Which address a request comes from: the peer, or — behind trusted proxies only — the
//! rightmost untrusted `X-Forwarded-For` entry.

use std::fmt;
use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

use crate::error::ProxyError;
use crate::rejection::Rejection;

/// The proxies whose `X-Forwarded-For` is believed.
///
/// `X-Forwarded-For` is written by the client as much as by proxies, so it is ignored unless
/// the layer is given a `TrustedProxies` ([`PlaybackAuthLayerBuilder::trusted_proxies`]).
/// With one, a request whose peer is a trusted proxy is attributed to the first address,
/// walking the header from the right, that is not itself a trusted proxy (every proxy appends
/// the address it saw, so everything left of that is the client's own claim). When every
/// entry is trusted the leftmost is used. A peer that is not trusted is the client, whatever
/// the header says. Under trust a malformed header (an entry that is not a bare IP address,
/// an empty entry, bytes that are not visible ASCII) is answered
/// `400 malformed_forwarded_for`.
///
/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are compared as IPv4.
///
/// [`PlaybackAuthLayerBuilder::trusted_proxies`]: crate::PlaybackAuthLayerBuilder::trusted_proxies
///
/// ```
/// use std::net::IpAddr;
/// use playback_auth_tower::TrustedProxies;
///
/// let proxies = TrustedProxies::new(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]).unwrap();
/// assert!(proxies.contains("10.1.2.3".parse::<IpAddr>().unwrap()));
/// assert!(proxies.contains("::ffff:192.0.2.1".parse::<IpAddr>().unwrap()));
/// assert!(!proxies.contains("192.0.2.2".parse::<IpAddr>().unwrap()));
/// assert!(TrustedProxies::new(["10.0.0.0/33"]).is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// Parses IP addresses (`192.0.2.1`, `2001:db8::1`) and CIDR networks (`10.0.0.0/8`).
    ///
    /// # Errors
    /// [`ProxyError::InvalidNetwork`] naming the first entry that is neither.
    pub fn new<I, N>(networks: I) -> Result<Self, ProxyError>
    where
        I: IntoIterator<Item = N>,
        N: AsRef<str>,
    {
        let networks = networks
            .into_iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| ProxyError::InvalidNetwork {
                        value: entry.to_owned(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { networks })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|net| net.contains(&ip))
    }

    /// Whether no proxy is trusted (the header is then ignored, as without a list).
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// The client's address for a request from `peer` carrying `headers`.
    pub(crate) fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> Result<IpAddr, Rejection> {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return Ok(peer);
        }
        let mut chain = Vec::new();
        for value in headers.get_all(X_FORWARDED_FOR) {
            let value = value
                .to_str()
                .map_err(|_| Rejection::MalformedForwardedFor)?;
            for entry in value.split(',') {
                let ip = entry
                    .trim()
                    .parse::<IpAddr>()
                    .map_err(|_| Rejection::MalformedForwardedFor)?;
                chain.push(ip.to_canonical());
            }
        }
        let mut client = peer;
        for ip in chain.into_iter().rev() {
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Ok(client)
    }
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.networks.iter().map(ToString::to_string))
            .finish()
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

#[cfg(test)]
mod tests;
